//! Connections of one synapse type between two populations (a projection), stored per
//! target chunk by source (compressed rows: for each source neuron, its connections' targets,
//! delays and synapse states), as NEST stores connections by source on the target's thread.
//! A chunk's static connections (`Synapse::STATIC`) of one weight keep that state once (NEST's
//! `static_synapse_hom_w`, found rather than declared: 2 bytes per connection for the target
//! index). Static connections are delivered without the event loop, a row of one delay in one
//! ring call, with the rows of the spikes ahead prefetched: rows of random sources are mostly
//! not in the cache, and their latency, not the additions, bounds delivery.

use crate::ring::Ring;
use nestml_runtime::checkpoint::expect;
use nestml_runtime::{Checkpoint, CheckpointError, Fault, NestmlRng, PortRole, Resolution, SendContext, SetError, SpikeHistory, Synapse, WordSink};
use std::any::Any;
use std::sync::Arc;

/// What delivery needs besides the chunk.
pub(crate) struct Delivery<'a> {
    pub resolution: &'a Resolution,
    /// The spikes of the slice per source population: (emission step, neuron index), in order.
    pub spikes: &'a [Vec<(i64, u32)>],
    /// Neuromodulatory spike times per volume transmitter.
    pub modulation: &'a [SpikeHistory],
}

/// One connection as a user sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct ConnectionInfo {
    /// The `connect` call that made it (its index).
    pub projection: usize,
    /// Source neuron (index in its population).
    pub source: usize,
    /// Target neuron (index in its population).
    pub target: usize,
    /// Delay (ms).
    pub delay_ms: f64,
    /// Current weight.
    pub weight: f64,
}

impl ConnectionInfo {
    /// `projection,source,target,delay_ms,weight` per connection.
    pub fn to_csv(connections: &[ConnectionInfo]) -> String {
        let mut out = String::from("projection,source,target,delay_ms,weight\n");
        for c in connections {
            out.push_str(&format!("{},{},{},{},{}\n", c.projection, c.source, c.target, c.delay_ms, c.weight));
        }
        out
    }
}

/// The connections of one projection into one chunk (object-safe).
pub(crate) trait ChunkConnections: Send + Sync {
    fn projection(&self) -> usize;
    /// The synapses' states and the random stream.
    fn save(&self, out: &mut dyn WordSink);
    fn restore(&mut self, input: &mut &[u64]) -> Result<(), CheckpointError>;
    /// Delivers the slice's spikes of the source population into the chunk's ring.
    /// `now`: the chunk's tracked variables per neuron (the synapse's continuous ports).
    fn deliver(&mut self, d: &Delivery<'_>, ring: &mut Ring, history: &[SpikeHistory], now: &[f64]) -> Result<(), Fault>;
    fn len(&self) -> usize;
    /// The bytes of the stored connections: row offsets, targets, delays, synapse states.
    fn bytes(&self) -> usize;
    fn min_max_delay(&self) -> Option<(u32, u32)>;
    fn list(&self, chunk_start: usize, h: f64, out: &mut Vec<ConnectionInfo>);
    /// Reads or writes the per-connection variable `name` of connection `i` of this chunk.
    fn get(&self, i: usize, name: &str) -> Option<f64>;
    fn set(&mut self, i: usize, name: &str, value: f64) -> Result<(), SetError>;
}

/// What the connections of one projection share, in every chunk.
pub(crate) struct Projection<S: Synapse> {
    pub index: usize,
    pub source_population: usize,
    pub n_sources: usize,
    /// The target's receptor.
    pub receptor: usize,
    pub params: Arc<S::Params>,
    /// The volume transmitter of the modulatory port.
    pub modulation: Option<usize>,
}

impl<S: Synapse> Clone for Projection<S> {
    fn clone(&self) -> Self {
        Projection { params: self.params.clone(), ..*self }
    }
}

/// The connections of synapse type `S` of one projection into one chunk.
pub(crate) struct Conns<S: Synapse> {
    pub projection: Projection<S>,
    /// Row `s` (source neuron `s`) is `offsets[s]..offsets[s + 1]`.
    pub offsets: Vec<u32>,
    /// Target index within the chunk.
    pub target: Vec<u16>,
    /// Delays in steps: one per connection, or none if all equal `delay_all`.
    pub delay: Vec<u16>,
    pub delay_all: u16,
    /// The synapse states, one per connection; empty where `shared` stands for all of them.
    pub synapse: Vec<S>,
    /// A static synapse (`Synapse::STATIC`) whose connections in this chunk all have one
    /// weight: that one state, for every connection (NEST's `static_synapse_hom_w`, found
    /// rather than declared); writing another weight to one connection stores them all again.
    pub shared: Option<S>,
    pub rng: NestmlRng,
}

/// Prefetches the cache line of `p` (a hint; nothing on targets without one).
#[inline(always)]
fn prefetch<T>(p: *const T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is a hint that never faults, whatever the address.
    unsafe {
        core::arch::x86_64::_mm_prefetch::<{ core::arch::x86_64::_MM_HINT_T0 }>(p.cast::<i8>())
    };
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

/// Spikes ahead of the current one whose row offsets are prefetched, and (half as far) whose
/// rows are.
const AHEAD: usize = 16;

impl<S: Synapse> Conns<S> {
    /// Rows by source from connections `(source, target in chunk, delay steps, state)` given
    /// in creation order (kept within a row).
    pub fn build(projection: Projection<S>, mut list: Vec<(u32, u16, u16, S)>, rng: NestmlRng) -> Self {
        let n_sources = projection.n_sources;
        list.sort_by_key(|c| c.0);
        let mut offsets = vec![0u32; n_sources + 1];
        for c in &list {
            offsets[c.0 as usize + 1] += 1;
        }
        for s in 0..n_sources {
            offsets[s + 1] += offsets[s];
        }
        let target = list.iter().map(|c| c.1).collect();
        let delay_all = list.first().map_or(1, |c| c.2);
        let delay = if list.iter().all(|c| c.2 == delay_all) { Vec::new() } else { list.iter().map(|c| c.2).collect() };
        let synapse: Vec<S> = list.into_iter().map(|c| c.3).collect();
        let mut conns = Conns { projection, offsets, target, delay, delay_all, synapse, shared: None, rng };
        conns.share();
        conns
    }

    /// Keeps one state for all connections where that is exact: a static synapse (its only
    /// state is the weight) whose connections all have the same weight (bit for bit).
    fn share(&mut self) {
        if S::STATIC && self.shared.is_none() {
            if let Some(first) = self.synapse.first() {
                let w = first.weight().to_bits();
                if self.synapse.iter().all(|s| s.weight().to_bits() == w) {
                    self.shared = Some(first.clone());
                    self.synapse = Vec::new();
                }
            }
        }
    }

    /// The state of connection `c`.
    #[inline]
    fn synapse(&self, c: usize) -> &S {
        self.shared.as_ref().unwrap_or_else(|| &self.synapse[c])
    }

    /// The state of connection `c`, to be changed (stored per connection from then on).
    fn synapse_mut(&mut self, c: usize) -> Option<&mut S> {
        self.unshare();
        self.synapse.get_mut(c)
    }

    /// Stores the shared state, if there is one, per connection again.
    fn unshare(&mut self) {
        if let Some(s) = self.shared.take() {
            self.synapse = vec![s; self.target.len()];
        }
    }

    /// Delivers the spikes of a static projection: each connection adds its weight to its
    /// target's input for the step the spike arrives in. The rows of the spikes ahead are
    /// prefetched (rows of random sources are mostly not in the cache).
    fn deliver_static(&self, spikes: &[(i64, u32)], ring: &mut Ring) {
        let receptor = self.projection.receptor;
        let (offsets, target) = (&self.offsets[..], &self.target[..]);
        let row = |s: u32| (offsets[s as usize] as usize, offsets[s as usize + 1] as usize);
        let mut emitted = (i64::MIN, 0);
        for (n, &(k, s)) in spikes.iter().enumerate() {
            if let Some(&(_, ahead)) = spikes.get(n + AHEAD) {
                prefetch(&offsets[ahead as usize]);
            }
            if let Some(&(_, ahead)) = spikes.get(n + AHEAD / 2) {
                let (a, b) = row(ahead);
                if a < b {
                    prefetch(&target[a]);
                    prefetch(&target[b - 1]);
                    if self.shared.is_none() {
                        prefetch(&self.synapse[a]);
                        prefetch(&self.synapse[b - 1]);
                    }
                }
            }
            let (a, b) = row(s);
            if k != emitted.0 {
                emitted = (k, ring.slot(k)); // a division, once per step rather than per spike
            }
            let now = emitted.1;
            if !self.delay.is_empty() {
                for (c, (&t, &steps)) in (a..b).zip(target[a..b].iter().zip(&self.delay[a..b])) {
                    ring.add_spike_in(ring.later(now, steps as usize), t as usize, receptor, self.synapse(c).weight(), 1);
                }
                continue;
            }
            let slot = ring.later(now, self.delay_all as usize);
            match &self.shared {
                Some(shared) => ring.add_spikes_weight(slot, receptor, &target[a..b], shared.weight()),
                None => {
                    let synapses = &self.synapse[a..b];
                    ring.add_spikes(slot, receptor, &target[a..b], |c| synapses[c].weight());
                }
            }
        }
    }

    fn delay_of(&self, c: usize) -> u16 {
        self.delay.get(c).copied().unwrap_or(self.delay_all)
    }

    fn source_of(&self, i: usize) -> usize {
        self.offsets.partition_point(|&o| o as usize <= i) - 1
    }
}

impl<S: Synapse> ChunkConnections for Conns<S>
where
    S::Params: Any,
{
    fn projection(&self) -> usize {
        self.projection.index
    }

    fn save(&self, out: &mut dyn WordSink) {
        out.push(self.target.len() as u64);
        (0..self.target.len()).for_each(|c| self.synapse(c).save(out));
        self.rng.save(out);
    }

    fn restore(&mut self, input: &mut &[u64]) -> Result<(), CheckpointError> {
        expect(input, self.target.len() as u64, S::NAME)?;
        self.unshare();
        self.synapse.iter_mut().try_for_each(|s| s.restore(input))?;
        self.share();
        self.rng.restore(input)
    }

    fn deliver(&mut self, d: &Delivery<'_>, ring: &mut Ring, history: &[SpikeHistory], now: &[f64]) -> Result<(), Fault> {
        let reads_post = S::PORTS.iter().any(|p| p.role == PortRole::Post);
        let inputs = S::continuous_ports();
        let empty = SpikeHistory::new();
        let p = &self.projection;
        if S::STATIC {
            // no event loop: each connection adds its weight
            self.deliver_static(&d.spikes[p.source_population], ring);
            return Ok(());
        }
        let modulation = p.modulation.map(|m| &d.modulation[m]);
        for &(k, s) in &d.spikes[p.source_population] {
            let (a, b) = (self.offsets[s as usize] as usize, self.offsets[s as usize + 1] as usize);
            let t_spike = d.resolution.t_ms(k + 1);
            let emitted = ring.slot(k);
            let (slot_all, delay_all) = (ring.later(emitted, self.delay_all as usize), d.resolution.t_ms(self.delay_all as i64));
            for c in a..b {
                let target = self.target[c] as usize;
                let (slot, delay) = match self.delay.get(c) {
                    Some(&steps) => (ring.later(emitted, steps as usize), d.resolution.t_ms(steps as i64)),
                    None => (slot_all, delay_all),
                };
                let post = if reads_post || inputs > 0 { &history[target] } else { &empty };
                let now = if inputs > 0 { &now[target * inputs..(target + 1) * inputs] } else { &[][..] };
                let mut ev = SendContext { t_spike, delay, post, modulation, inputs: now, rng: &mut self.rng };
                if let Some(w) = self.synapse[c].send(&p.params, &mut ev)? {
                    ring.add_spike_in(slot, target, p.receptor, w, 1);
                }
            }
        }
        Ok(())
    }

    fn len(&self) -> usize {
        self.target.len()
    }

    fn bytes(&self) -> usize {
        use std::mem::size_of_val;
        size_of_val(&self.offsets[..]) + size_of_val(&self.target[..]) + size_of_val(&self.delay[..]) + size_of_val(&self.synapse[..]) + size_of_val(&self.shared)
    }

    fn min_max_delay(&self) -> Option<(u32, u32)> {
        if self.target.is_empty() {
            return None;
        }
        let (lo, hi) = self.delay.iter().fold((self.delay_all, self.delay_all), |(lo, hi), &d| (lo.min(d), hi.max(d)));
        Some((lo as u32, hi as u32))
    }

    fn list(&self, chunk_start: usize, h: f64, out: &mut Vec<ConnectionInfo>) {
        for i in 0..self.target.len() {
            out.push(ConnectionInfo { projection: self.projection.index, source: self.source_of(i), target: chunk_start + self.target[i] as usize, delay_ms: self.delay_of(i) as f64 * h, weight: self.synapse(i).weight() });
        }
    }

    fn get(&self, i: usize, name: &str) -> Option<f64> {
        (i < self.target.len()).then(|| self.synapse(i).get(name))?
    }

    fn set(&mut self, i: usize, name: &str, value: f64) -> Result<(), SetError> {
        match self.synapse_mut(i) {
            Some(s) => s.set(name, value),
            None => Err(SetError::Unknown { model: S::NAME, name: format!("connection {i}") }),
        }
    }
}
