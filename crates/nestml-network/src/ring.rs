//! [`Ring`]: the input ring buffer of a chunk of neurons, as NEST's per-neuron ring buffers:
//! one slot per step for as many steps ahead as the longest delay reaches. Spikes are summed
//! per receptor split by the sign of the weight (so that a receptor with an excitatory and an
//! inhibitory port still routes them) and counted; currents are summed per continuous port.

use nestml_runtime::{Checkpoint, CheckpointError, WordSink};

/// Spike sums (positive, negative, count) and currents of `neurons` neurons for `slots` steps.
#[derive(Clone, Debug)]
pub(crate) struct Ring {
    slots: usize,
    neurons: usize,
    receptors: usize,
    ports: usize,
    spikes: Vec<[f64; 3]>,
    currents: Vec<f64>,
}

impl Ring {
    pub fn new(slots: usize, neurons: usize, receptors: usize, ports: usize) -> Ring {
        Ring { slots, neurons, receptors, ports, spikes: vec![[0.0; 3]; slots * neurons * receptors], currents: vec![0.0; slots * neurons * ports] }
    }

    /// The slot of step `step` (computed once per spike or step by callers, not per neuron).
    #[inline]
    pub fn slot(&self, step: i64) -> usize {
        step.rem_euclid(self.slots as i64) as usize
    }

    /// A spike of `weight` × `multiplicity` for neuron `i` arriving in step `step`.
    #[inline]
    pub fn add_spike(&mut self, step: i64, i: usize, receptor: usize, weight: f64, multiplicity: u32) {
        self.add_spike_in(self.slot(step), i, receptor, weight, multiplicity)
    }

    /// [`add_spike`](Self::add_spike) into slot `slot`.
    #[inline]
    pub fn add_spike_in(&mut self, slot: usize, i: usize, receptor: usize, weight: f64, multiplicity: u32) {
        let at = (slot * self.neurons + i) * self.receptors + receptor;
        let e = &mut self.spikes[at];
        let w = weight * multiplicity as f64;
        if weight < 0.0 {
            e[1] += w;
        } else {
            e[0] += w;
        }
        e[2] += multiplicity as f64;
    }

    /// Current `value` for neuron `i`'s continuous port `port` in step `step`.
    #[inline]
    pub fn add_current(&mut self, step: i64, i: usize, port: usize, value: f64) {
        let at = (self.slot(step) * self.neurons + i) * self.ports + port;
        self.currents[at] += value;
    }

    /// Hands neuron `i`'s input of the step of slot `slot` over and clears it:
    /// `input(false, receptor, weight)` per receptor and sign that received something, then
    /// `input(true, port, value)` per continuous port.
    #[inline]
    pub fn take_in(&mut self, slot: usize, i: usize, mut input: impl FnMut(bool, usize, f64)) {
        let base = (slot * self.neurons + i) * self.receptors;
        for (r, e) in self.spikes[base..base + self.receptors].iter_mut().enumerate() {
            if e[2] > 0.0 {
                if e[0] != 0.0 || e[1] == 0.0 {
                    input(false, r, e[0]);
                }
                if e[1] != 0.0 {
                    input(false, r, e[1]);
                }
                *e = [0.0; 3];
            }
        }
        let base = (slot * self.neurons + i) * self.ports;
        for (p, c) in self.currents[base..base + self.ports].iter_mut().enumerate() {
            input(true, p, *c);
            *c = 0.0;
        }
    }
}

impl Checkpoint for Ring {
    fn save(&self, out: &mut dyn WordSink) {
        self.spikes.save(out);
        self.currents.save(out);
    }
    fn restore(&mut self, input: &mut &[u64]) -> Result<(), CheckpointError> {
        let (spikes, currents) = (self.spikes.len(), self.currents.len());
        self.spikes.restore(input)?;
        self.currents.restore(input)?;
        if (self.spikes.len(), self.currents.len()) != (spikes, currents) {
            return Err(CheckpointError::Other("ring buffers of another size (other delays?)".into()));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_by_sign_per_step_and_clears() {
        let mut r = Ring::new(4, 2, 2, 1);
        r.add_spike(5, 1, 0, 2.0, 1);
        r.add_spike(5, 1, 0, -0.5, 2);
        r.add_spike(6, 1, 1, 0.0, 1);
        r.add_current(5, 0, 0, 3.0);
        let mut got = Vec::new();
        r.take_in(r.slot(5), 1, |current, i, v| got.push((current, i, v)));
        assert_eq!(got, vec![(false, 0, 2.0), (false, 0, -1.0), (true, 0, 0.0)]);
        got.clear();
        r.take_in(r.slot(5), 0, |current, i, v| got.push((current, i, v)));
        assert_eq!(got, vec![(true, 0, 3.0)]);
        got.clear();
        r.take_in(r.slot(6), 1, |current, i, v| got.push((current, i, v)));
        assert_eq!(got, vec![(false, 1, 0.0), (true, 0, 0.0)], "a zero-weight spike still arrives");
        r.take_in(r.slot(9), 1, |current, _, v| assert!(current && v == 0.0, "cleared"));
    }
}
