//! Connections of one synapse type between two populations (a projection), stored per
//! target chunk by source (compressed rows: for each source neuron, its connections' targets,
//! delays and synapse states), as NEST stores connections by source on the target's thread.

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
    pub synapse: Vec<S>,
    pub rng: NestmlRng,
}

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
        let synapse = list.into_iter().map(|c| c.3).collect();
        Conns { projection, offsets, target, delay, delay_all, synapse, rng }
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
        out.push(self.synapse.len() as u64);
        self.synapse.iter().for_each(|s| s.save(out));
        self.rng.save(out);
    }

    fn restore(&mut self, input: &mut &[u64]) -> Result<(), CheckpointError> {
        expect(input, self.synapse.len() as u64, S::NAME)?;
        self.synapse.iter_mut().try_for_each(|s| s.restore(input))?;
        self.rng.restore(input)
    }

    fn deliver(&mut self, d: &Delivery<'_>, ring: &mut Ring, history: &[SpikeHistory], now: &[f64]) -> Result<(), Fault> {
        let reads_post = S::PORTS.iter().any(|p| p.role == PortRole::Post);
        let inputs = S::continuous_ports();
        let empty = SpikeHistory::new();
        let p = &self.projection;
        if S::STATIC {
            // no event loop: each connection adds its weight
            for &(k, s) in &d.spikes[p.source_population] {
                let (a, b) = (self.offsets[s as usize] as usize, self.offsets[s as usize + 1] as usize);
                let now = ring.slot(k);
                let slot_all = ring.later(now, self.delay_all as usize);
                if self.delay.is_empty() {
                    let synapses = &self.synapse[a..b];
                    ring.add_spikes(slot_all, p.receptor, &self.target[a..b], |c| synapses[c].weight());
                    continue;
                }
                for c in a..b {
                    let slot = self.delay.get(c).map_or(slot_all, |&steps| ring.later(now, steps as usize));
                    ring.add_spike_in(slot, self.target[c] as usize, p.receptor, self.synapse[c].weight(), 1);
                }
            }
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
        self.synapse.len()
    }

    fn bytes(&self) -> usize {
        use std::mem::size_of_val;
        size_of_val(&self.offsets[..]) + size_of_val(&self.target[..]) + size_of_val(&self.delay[..]) + size_of_val(&self.synapse[..])
    }

    fn min_max_delay(&self) -> Option<(u32, u32)> {
        if self.synapse.is_empty() {
            return None;
        }
        let (lo, hi) = self.delay.iter().fold((self.delay_all, self.delay_all), |(lo, hi), &d| (lo.min(d), hi.max(d)));
        Some((lo as u32, hi as u32))
    }

    fn list(&self, chunk_start: usize, h: f64, out: &mut Vec<ConnectionInfo>) {
        for i in 0..self.synapse.len() {
            out.push(ConnectionInfo { projection: self.projection.index, source: self.source_of(i), target: chunk_start + self.target[i] as usize, delay_ms: self.delay_of(i) as f64 * h, weight: self.synapse[i].weight() });
        }
    }

    fn get(&self, i: usize, name: &str) -> Option<f64> {
        self.synapse.get(i)?.get(name)
    }

    fn set(&mut self, i: usize, name: &str, value: f64) -> Result<(), SetError> {
        match self.synapse.get_mut(i) {
            Some(s) => s.set(name, value),
            None => Err(SetError::Unknown { model: S::NAME, name: format!("connection {i}") }),
        }
    }
}
