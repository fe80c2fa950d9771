//! [`SpikeHistory`]: the spike times of one neuron as plastic synapses read them (NEST's
//! `ArchivingNode` history), optionally with the values of some of its variables at each
//! spike (for synapses that read a postsynaptic variable when a postsynaptic spike arrives).

use alloc::vec::Vec;
use core::ops::Range;

/// The tolerance NEST uses when it compares spike times in plastic synapses
/// (`stdp_eps`, 1e-6 ms): a spike within it of a window's bound counts as at the bound.
pub const STDP_EPS: f64 = 1.0e-6;

/// Spike times in order, each with `stride` recorded values.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SpikeHistory {
    times: Vec<f64>,
    values: Vec<f64>,
    stride: usize,
}

impl SpikeHistory {
    /// An empty history that records no values.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty history that records `stride` values per spike.
    pub fn with_values(stride: usize) -> Self {
        SpikeHistory {
            stride,
            ..Self::default()
        }
    }

    /// A history of the given spike times (sorted here), without values.
    pub fn from_times(times: &[f64]) -> Self {
        let mut times = times.to_vec();
        times.sort_by(f64::total_cmp);
        SpikeHistory {
            times,
            values: Vec::new(),
            stride: 0,
        }
    }

    /// Appends a spike at `t` (not before the last one) with its values (`stride` of them;
    /// missing values are 0, extra ones ignored).
    pub fn push(&mut self, t: f64, values: &[f64]) {
        debug_assert!(self.times.last().is_none_or(|&last| last <= t));
        self.times.push(t);
        self.values
            .extend((0..self.stride).map(|i| values.get(i).copied().unwrap_or(0.0)));
    }

    /// The spike times, in order.
    pub fn times(&self) -> &[f64] {
        &self.times
    }

    /// The number of spikes.
    pub fn len(&self) -> usize {
        self.times.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.times.is_empty()
    }

    /// Number of values recorded per spike.
    pub fn stride(&self) -> usize {
        self.stride
    }

    /// The values recorded with spike `i`.
    pub fn values(&self, i: usize) -> &[f64] {
        &self.values[i * self.stride..(i + 1) * self.stride]
    }

    /// The indices of the spikes in `(t1, t2]` as NEST's `get_history` selects them:
    /// `t1 + eps <= t < t2 + eps`. Like NEST, it searches from the most recent spike backwards
    /// (galloping, then bisecting), so the cost grows with the number of spikes after `t1`,
    /// not with the length of the history.
    pub fn window(&self, t1: f64, t2: f64) -> Range<usize> {
        let end = self.first_not_before(t2 + STDP_EPS, self.times.len());
        let start = self.first_not_before(t1 + STDP_EPS, end);
        start..end
    }

    /// The first index `i < limit` with `times[i] >= x` (or `limit`), searched backwards from
    /// `limit`.
    fn first_not_before(&self, x: f64, limit: usize) -> usize {
        let times = &self.times[..limit];
        let (mut hi, mut step) = (limit, 1);
        // gallop back until times[hi - step] < x (or the front)
        while hi > 0 {
            let probe = hi.saturating_sub(step);
            if times[probe] < x {
                return probe + 1 + times[probe + 1..hi].partition_point(|&t| t < x);
            }
            hi = probe;
            step *= 2;
        }
        0
    }

    /// Drops the spikes before `t` (a caller that knows no synapse will read them again).
    pub fn forget_before(&mut self, t: f64) {
        let n = self.times.partition_point(|&s| s < t);
        self.times.drain(..n);
        self.values.drain(..n * self.stride);
    }
}

/// The spike times and values (the stride must match: it is part of how the history was
/// built).
impl crate::checkpoint::Checkpoint for SpikeHistory {
    fn save(&self, out: &mut dyn crate::checkpoint::WordSink) {
        out.push(self.stride as u64);
        self.times.save(out);
        self.values.save(out);
    }
    fn restore(&mut self, input: &mut &[u64]) -> Result<(), crate::checkpoint::CheckpointError> {
        crate::checkpoint::expect(input, self.stride as u64, "values per spike")?;
        self.times.restore(input)?;
        self.values.restore(input)?;
        if self.values.len() != self.times.len() * self.stride {
            return Err(crate::checkpoint::CheckpointError::Other("spike history values do not match its times".into()));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_is_half_open_like_nests_get_history() {
        let h = SpikeHistory::from_times(&[1.0, 2.0, 3.0, 4.0]);
        assert_eq!(h.window(1.0, 3.0), 1..3);
        assert_eq!(h.window(0.0, 4.0), 0..4);
        assert_eq!(h.window(-1.0, 0.5), 0..0);
        assert_eq!(h.window(4.0, 9.0), 4..4);
        // within eps of a bound counts as at the bound
        assert_eq!(h.window(1.0 - 1e-9, 3.0 - 1e-9), 1..3);
        assert_eq!(h.window(3.0, 2.0), 2..2);
    }

    #[test]
    fn galloping_search_agrees_with_bisection() {
        let times: Vec<f64> = (0..300).map(|i| (i * i % 97) as f64 * 0.5 + i as f64).collect();
        let h = SpikeHistory::from_times(&times);
        let sorted = h.times().to_vec();
        for a in -5..350 {
            for w in [0.0, 0.5, 3.0, 40.0, 400.0] {
                let (t1, t2) = (a as f64 * 0.7, a as f64 * 0.7 + w);
                let start = sorted.partition_point(|&t| t < t1 + STDP_EPS);
                let end = sorted.partition_point(|&t| t < t2 + STDP_EPS).max(start);
                assert_eq!(h.window(t1, t2), start..end, "({t1}, {t2}]");
            }
        }
    }

    #[test]
    fn values_travel_with_their_spike() {
        let mut h = SpikeHistory::with_values(2);
        h.push(1.0, &[10.0, 11.0]);
        h.push(2.0, &[20.0]);
        assert_eq!(h.values(0), &[10.0, 11.0]);
        assert_eq!(h.values(1), &[20.0, 0.0]);
        h.forget_before(1.5);
        assert_eq!(h.times(), &[2.0]);
        assert_eq!(h.values(0), &[20.0, 0.0]);
    }
}
