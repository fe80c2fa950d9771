//! Input buffers with NEST's timing, for generated neurons.
//!
//! Spikes: everything that arrives for a step is summed per port (weight × multiplicity)
//! and counted, then read by that step (`port * 1 s` in NESTML is the sum; `onReceive(port)`
//! runs if at least one spike arrived). A NEST receptor with an `excitatory` and an
//! `inhibitory` port routes by the sign of the weight, as PyNESTML's NEST target does:
//! `weight >= 0` goes to the excitatory port, a negative weight goes to the inhibitory port
//! with its sign flipped (or unchanged to the only port, if the receptor has one).
//!
//! Continuous input: what arrives for a step (NEST's `CurrentEvent`s, summed) becomes the
//! port's value at the end of that step and is used in the next one.

use crate::checkpoint::{Checkpoint, CheckpointError, WordSink};

/// A NEST receptor (`rport`): the spike port(s) it feeds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Receptor {
    /// Port index for non-negative weights (and for all weights if `inhibitory` is `None`).
    pub excitatory: usize,
    /// Port index for negative weights, which arrive there negated.
    pub inhibitory: Option<usize>,
}

impl Receptor {
    /// A receptor feeding one port with signed weights.
    pub const fn single(port: usize) -> Receptor {
        Receptor {
            excitatory: port,
            inhibitory: None,
        }
    }

    /// The port a spike of `weight` goes to, and the weight it arrives with there.
    #[inline]
    pub fn route(&self, weight: f64) -> (usize, f64) {
        match self.inhibitory {
            Some(inh) if weight.is_nan() || weight < 0.0 => (inh, -weight),
            _ => (self.excitatory, weight),
        }
    }
}

/// Spike input of `P` ports: the step being computed and what arrives for the next one.
#[derive(Clone, Debug)]
pub struct SpikeInputs<const P: usize> {
    incoming: [f64; P],
    incoming_count: [u32; P],
    sum: [f64; P],
    count: [u32; P],
}

impl<const P: usize> Default for SpikeInputs<P> {
    fn default() -> Self {
        SpikeInputs {
            incoming: [0.0; P],
            incoming_count: [0; P],
            sum: [0.0; P],
            count: [0; P],
        }
    }
}

impl<const P: usize> SpikeInputs<P> {
    /// A spike on NEST receptor `receptor` for the coming step; `false` if there is no such
    /// receptor.
    #[inline]
    pub fn receive(
        &mut self,
        receptors: &[Receptor],
        receptor: usize,
        weight: f64,
        multiplicity: u32,
    ) -> bool {
        let Some(r) = receptors.get(receptor) else {
            return false;
        };
        let (port, w) = r.route(weight);
        self.add(port, w * multiplicity as f64);
        true
    }

    /// Adds `weight` (already multiplied by the multiplicity) to `port` for the coming step.
    #[inline]
    pub fn add(&mut self, port: usize, weight: f64) {
        if port < P {
            self.incoming[port] += weight;
            self.incoming_count[port] += 1;
        }
    }

    /// Starts a step: what arrived becomes the step's input, the incoming buffers empty.
    #[inline]
    pub fn begin_step(&mut self) {
        self.sum = self.incoming;
        self.count = self.incoming_count;
        self.incoming = [0.0; P];
        self.incoming_count = [0; P];
    }

    /// The summed weight on `port` in this step.
    #[inline]
    pub fn sum(&self, port: usize) -> f64 {
        self.sum[port]
    }

    /// Whether a spike arrived on `port` in this step (`onReceive` runs).
    #[inline]
    pub fn received(&self, port: usize) -> bool {
        self.count[port] > 0
    }

    /// Drops all pending and current input (NEST's `init_buffers`).
    pub fn clear(&mut self) {
        *self = Self::default();
    }
}

/// Continuous input of `C` ports.
#[derive(Clone, Debug)]
pub struct ContinuousInputs<const C: usize> {
    incoming: [f64; C],
    value: [f64; C],
}

impl<const C: usize> Default for ContinuousInputs<C> {
    fn default() -> Self {
        ContinuousInputs {
            incoming: [0.0; C],
            value: [0.0; C],
        }
    }
}

impl<const C: usize> ContinuousInputs<C> {
    /// Adds `value` arriving on `port` for the current step; `false` if no such port.
    #[inline]
    pub fn add(&mut self, port: usize, value: f64) -> bool {
        if port < C {
            self.incoming[port] += value;
            true
        } else {
            false
        }
    }

    /// Ends a step: what arrived for it becomes the value used from the next step on.
    #[inline]
    pub fn end_step(&mut self) {
        self.value = self.incoming;
        self.incoming = [0.0; C];
    }

    /// The value of `port` used in this step.
    #[inline]
    pub fn value(&self, port: usize) -> f64 {
        self.value[port]
    }

    /// Forgets every value (NEST's `init_buffers`).
    pub fn clear(&mut self) {
        *self = Self::default();
    }
}

impl<const P: usize> Checkpoint for SpikeInputs<P> {
    fn save(&self, out: &mut dyn WordSink) {
        for a in [&self.incoming, &self.sum] {
            a.save(out);
        }
        for a in [&self.incoming_count, &self.count] {
            a.save(out);
        }
    }
    fn restore(&mut self, input: &mut &[u64]) -> Result<(), CheckpointError> {
        self.incoming.restore(input)?;
        self.sum.restore(input)?;
        self.incoming_count.restore(input)?;
        self.count.restore(input)
    }
}

impl<const C: usize> Checkpoint for ContinuousInputs<C> {
    fn save(&self, out: &mut dyn WordSink) {
        self.incoming.save(out);
        self.value.save(out);
    }
    fn restore(&mut self, input: &mut &[u64]) -> Result<(), CheckpointError> {
        self.incoming.restore(input)?;
        self.value.restore(input)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excitatory_inhibitory_split_and_multiplicity() {
        let receptors = [
            Receptor {
                excitatory: 0,
                inhibitory: Some(1),
            },
            Receptor::single(2),
        ];
        let mut s = SpikeInputs::<3>::default();
        assert!(s.receive(&receptors, 0, 2.0, 3));
        assert!(s.receive(&receptors, 0, -1.5, 1));
        assert!(s.receive(&receptors, 0, 0.0, 1));
        assert!(s.receive(&receptors, 1, -4.0, 2));
        assert!(!s.receive(&receptors, 2, 1.0, 1));
        // Nothing is visible before the step starts.
        assert_eq!(s.sum(0), 0.0);
        s.begin_step();
        assert_eq!((s.sum(0), s.sum(1), s.sum(2)), (6.0, 1.5, -8.0));
        assert!(s.received(0) && s.received(1) && s.received(2));
        s.begin_step();
        assert_eq!(s.sum(0), 0.0);
        assert!(!s.received(0));
    }

    #[test]
    fn continuous_input_is_used_from_the_next_step() {
        let mut c = ContinuousInputs::<1>::default();
        c.add(0, 100.0);
        c.add(0, 50.0);
        assert_eq!(c.value(0), 0.0);
        c.end_step();
        assert_eq!(c.value(0), 150.0);
        c.end_step();
        assert_eq!(c.value(0), 0.0);
        assert!(!c.add(1, 1.0));
    }
}
