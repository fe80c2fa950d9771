//! [`Ring`]: the input ring buffer of a chunk of neurons, as NEST's per-neuron ring buffers:
//! one slot per step for as many steps ahead as the longest delay reaches. A spike is routed to
//! its spike port by its receptor ([`Receptor::route`]: by the sign of the weight where a
//! receptor has an excitatory and an inhibitory port) and summed there with a flag that
//! something arrived; currents are summed per continuous port. Each slot is port-major
//! (`port * neurons + neuron`), the layout of [`PortInput`], which populations read in place; a
//! slot nothing was written to is not read or cleared.

use nestml_runtime::{Checkpoint, CheckpointError, PortInput, Receptor, WordSink};

/// Spike sums and flags per spike port and currents per continuous port of `neurons` neurons
/// for `slots` steps.
#[derive(Clone, Debug)]
pub(crate) struct Ring {
    slots: usize,
    neurons: usize,
    receptors: &'static [Receptor],
    spike_ports: usize,
    current_ports: usize,
    sums: Vec<f64>,
    hits: Vec<bool>,
    currents: Vec<f64>,
    /// Whether anything was written to a slot since it was last cleared.
    written: Vec<bool>,
}

impl Ring {
    pub fn new(slots: usize, neurons: usize, receptors: &'static [Receptor], spike_ports: usize, current_ports: usize) -> Ring {
        let spikes = slots * neurons * spike_ports;
        Ring { slots, neurons, receptors, spike_ports, current_ports, sums: vec![0.0; spikes], hits: vec![false; spikes], currents: vec![0.0; slots * neurons * current_ports], written: vec![false; slots] }
    }

    /// The slot of step `step` (computed once per spike or step by callers, not per neuron).
    #[inline]
    pub fn slot(&self, step: i64) -> usize {
        step.rem_euclid(self.slots as i64) as usize
    }

    /// The slot `steps` after slot `slot` (`steps` below the number of slots).
    #[inline]
    pub fn later(&self, slot: usize, steps: usize) -> usize {
        let s = slot + steps;
        if s >= self.slots {
            s - self.slots
        } else {
            s
        }
    }

    /// A spike of `weight` × `multiplicity` on receptor `receptor` of neuron `i` arriving in
    /// the step of slot `slot` (unknown receptors were refused when connecting).
    #[inline]
    pub fn add_spike_in(&mut self, slot: usize, i: usize, receptor: usize, weight: f64, multiplicity: u32) {
        let (port, w) = self.receptors[receptor].route(weight);
        let at = (slot * self.spike_ports + port) * self.neurons + i;
        self.sums[at] += w * multiplicity as f64;
        self.hits[at] = true;
        self.written[slot] = true;
    }

    /// One spike into each of `targets` on receptor `receptor` in the step of slot `slot`, of
    /// weight `weight(c)` for `targets[c]` (a row of static connections with one delay).
    #[inline]
    pub fn add_spikes(&mut self, slot: usize, receptor: usize, targets: &[u16], weight: impl Fn(usize) -> f64) {
        let r = self.receptors[receptor];
        let base = slot * self.spike_ports * self.neurons;
        let (sums, hits) = (&mut self.sums[base..base + self.spike_ports * self.neurons], &mut self.hits[base..base + self.spike_ports * self.neurons]);
        for (c, &t) in targets.iter().enumerate() {
            let (port, w) = r.route(weight(c));
            let at = port * self.neurons + t as usize;
            sums[at] += w;
            hits[at] = true;
        }
        self.written[slot] = true;
    }

    /// One spike of weight `weight` into each of `targets` on receptor `receptor` in the step
    /// of slot `slot` (a row of static connections with one delay and one weight).
    #[inline]
    pub fn add_spikes_weight(&mut self, slot: usize, receptor: usize, targets: &[u16], weight: f64) {
        let (port, w) = self.receptors[receptor].route(weight);
        let (sums, hits) = self.spike_port(slot, port);
        for &t in targets {
            sums[t as usize] += w;
            hits[t as usize] = true;
        }
        self.written[slot] = true;
    }

    /// `count(c)` spikes of weight `weight` into each of `neurons[c]` on receptor `receptor` in
    /// the step of slot `slot` (a generator's spikes; a count of 0 is nothing, without a
    /// branch on it).
    #[inline]
    pub fn add_counts(&mut self, slot: usize, receptor: usize, weight: f64, neurons: &[u16], mut count: impl FnMut(usize) -> u32) {
        let (port, w) = self.receptors[receptor].route(weight);
        let (sums, hits) = self.spike_port(slot, port);
        let mut any = false;
        for (c, &i) in neurons.iter().enumerate() {
            let n = count(c);
            sums[i as usize] += w * n as f64;
            hits[i as usize] |= n > 0;
            any |= n > 0;
        }
        self.written[slot] |= any;
    }

    /// The spike sums and flags of spike port `port` in the step of slot `slot`, one per neuron.
    #[inline]
    fn spike_port(&mut self, slot: usize, port: usize) -> (&mut [f64], &mut [bool]) {
        let base = (slot * self.spike_ports + port) * self.neurons;
        (&mut self.sums[base..base + self.neurons], &mut self.hits[base..base + self.neurons])
    }

    /// Current `value` for neuron `i`'s continuous port `port` in the step of slot `slot`.
    #[inline]
    pub fn add_current_in(&mut self, slot: usize, i: usize, port: usize, value: f64) {
        self.currents[(slot * self.current_ports + port) * self.neurons + i] += value;
        self.written[slot] = true;
    }

    /// The input of slot `slot`, if anything was written to it.
    pub fn input(&self, slot: usize) -> Option<PortInput<'_>> {
        let (s, c) = (self.spike_ports * self.neurons, self.current_ports * self.neurons);
        self.written[slot].then(|| PortInput { spike_sum: &self.sums[slot * s..(slot + 1) * s], spike_hit: &self.hits[slot * s..(slot + 1) * s], current: &self.currents[slot * c..(slot + 1) * c] })
    }

    /// Empties slot `slot` after its step.
    pub fn clear(&mut self, slot: usize) {
        if std::mem::take(&mut self.written[slot]) {
            let (s, c) = (self.spike_ports * self.neurons, self.current_ports * self.neurons);
            self.sums[slot * s..(slot + 1) * s].fill(0.0);
            self.hits[slot * s..(slot + 1) * s].fill(false);
            self.currents[slot * c..(slot + 1) * c].fill(0.0);
        }
    }
}

impl Checkpoint for Ring {
    fn save(&self, out: &mut dyn WordSink) {
        self.sums.save(out);
        self.hits.save(out);
        self.currents.save(out);
        self.written.save(out);
    }
    fn restore(&mut self, input: &mut &[u64]) -> Result<(), CheckpointError> {
        let sizes = (self.sums.len(), self.hits.len(), self.currents.len(), self.written.len());
        self.sums.restore(input)?;
        self.hits.restore(input)?;
        self.currents.restore(input)?;
        self.written.restore(input)?;
        if (self.sums.len(), self.hits.len(), self.currents.len(), self.written.len()) != sizes {
            return Err(CheckpointError::Other("ring buffers of another size (other delays?)".into()));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_by_sign_sums_per_step_and_clears() {
        static RECEPTORS: [Receptor; 2] = [Receptor { excitatory: 0, inhibitory: Some(1) }, Receptor::single(2)];
        let mut r = Ring::new(4, 2, &RECEPTORS, 3, 1);
        r.add_spike_in(r.slot(5), 1, 0, 2.0, 1);
        r.add_spike_in(r.slot(5), 1, 0, -0.5, 2);
        r.add_spike_in(r.slot(5), 1, 1, -3.0, 1);
        r.add_spike_in(r.slot(6), 1, 0, 0.0, 1);
        r.add_current_in(r.slot(5), 0, 0, 3.0);
        let input = r.input(r.slot(5)).expect("written");
        // port-major: port p of neuron i at p * 2 + i
        assert_eq!(input.spike_sum, &[0.0, 2.0, 0.0, 1.0, 0.0, -3.0]);
        assert_eq!(input.spike_hit, &[false, true, false, true, false, true]);
        assert_eq!(input.current, &[3.0, 0.0]);
        r.clear(r.slot(5));
        assert!(r.input(r.slot(5)).is_none(), "cleared");
        let input = r.input(r.slot(6)).expect("a zero-weight spike still arrives");
        assert_eq!((input.spike_sum[1], input.spike_hit[1]), (0.0, true));
        assert!(r.input(r.slot(7)).is_none());
        r.add_current_in(r.slot(9), 1, 0, 1.0);
        assert_eq!(r.input(r.slot(9)).unwrap().current, &[0.0, 1.0], "slot 9 is slot 1 again");
    }
}
