//! Populations: the neurons of one generated model, stored once for the network.
//!
//! The network sees a population through [`PopulationStore`] (object-safe), so populations
//! of different models live side by side; [`Stored`] keeps one of the model's
//! [`Population`](nestml_runtime::Population)s per chunk (the generated struct of arrays, or
//! a `Vec` of neuron structs). A population is cut into a fixed number of chunks (at most
//! [`MAX_CHUNKS`], at least [`MIN_CHUNK`] neurons each: the cut depends on the population's
//! size only); each chunk owns the input ring buffer, the spike histories, the generator
//! inputs and the incoming connections of its neurons, so that chunks are stepped and receive
//! spikes in parallel and in a fixed order (the results do not depend on the number of
//! threads), and a spike's connections into a chunk are one contiguous row.

use crate::devices::{Device, Drives};
use crate::projection::ChunkConnections;
use crate::ring::Ring;
use nestml_runtime::checkpoint::expect;
use nestml_runtime::{Checkpoint, CheckpointError, Fault, PortKind, Populated, Population, Receptor, Resolution, SetError, SpikeHistory, WordSink};
use rayon::prelude::*;

/// The most chunks a population is cut into.
pub const MAX_CHUNKS: usize = 32;
/// The fewest neurons in a chunk (unless the population is smaller).
pub const MIN_CHUNK: usize = 64;

/// The chunk size of a population of `n` neurons (targets within a chunk are `u16`).
pub(crate) fn chunk_size(n: usize) -> usize {
    n.div_ceil(MAX_CHUNKS).clamp(MIN_CHUNK, u16::MAX as usize)
}

/// What the network keeps per chunk of a population.
pub(crate) struct Chunk {
    /// Index of the chunk's first neuron in its population.
    pub start: usize,
    pub ring: Ring,
    /// Each neuron's spike times (kept for plastic synapses), with the values of the tracked
    /// variables at each spike.
    pub history: Vec<SpikeHistory>,
    /// The tracked variables of each neuron after the last step (neuron-major).
    pub now: Vec<f64>,
    /// The connections that target this chunk, one entry per projection.
    pub incoming: Vec<Box<dyn ChunkConnections>>,
    /// Generator inputs of the chunk's neurons.
    pub drives: Vec<Drives>,
}

/// The object-safe face of a population of one neuron model.
pub(crate) trait PopulationStore: Send + Sync {
    fn model(&self) -> &'static str;
    fn len(&self) -> usize;
    /// NEST receptors (spike inputs), spike ports and continuous ports of the model.
    fn receptors(&self) -> &'static [Receptor];
    fn spike_port_count(&self) -> usize;
    fn continuous_port_count(&self) -> usize;
    /// `"struct of arrays"`, `"struct of arrays, lockstep RKF45"` or `"vector of structs"`.
    fn layout(&self) -> &'static str;
    /// The receptor fed by the spike port `port`.
    fn receptor_of_port(&self, port: &str) -> Option<usize>;
    /// The index among continuous ports of the port `port`.
    fn continuous_port(&self, port: &str) -> Option<usize>;
    /// The index of the variable `name` and its unit.
    fn variable(&self, name: &str) -> Option<(usize, Option<&'static str>)>;
    fn get_value(&self, i: usize, var: usize) -> Option<f64>;
    fn set(&mut self, i: usize, name: &str, value: f64) -> Result<(), SetError>;
    /// Before a run: `init_buffers` (`first`) and `calibrate`; the neuron that failed.
    fn prepare(&mut self, resolution: &Resolution, first: bool) -> Result<(), (usize, Fault)>;
    /// One step of every neuron: input from the chunks' rings, spikes into `spikes` (indices,
    /// once per emitted spike), the first fault in index order.
    /// The neurons' and their random streams' checkpoints.
    fn save(&self, out: &mut dyn WordSink);
    fn restore(&mut self, input: &mut &[u64]) -> Result<(), CheckpointError>;
    /// `tracked`: variables to record at each spike and keep in `Chunk::now`.
    fn step(&mut self, resolution: &Resolution, k: i64, devices: &[Device], tracked: &[usize], chunks: &mut [Chunk], spikes: &mut Vec<u32>) -> Result<(), (usize, Fault)>;
}

/// The neurons of model `N`, one [`Population`] per chunk (neuron `i` draws from random stream
/// `first_id + i`, wherever the chunks are cut).
pub(crate) struct Stored<N: Populated> {
    chunks: Vec<N::Population>,
    size: usize,
}

impl<N: Populated> Stored<N> {
    /// `n` copies of `prototype` in chunks of `chunk_size(n)`.
    pub fn new(prototype: N, n: usize, seed: u64, first_id: u64) -> Self {
        let size = chunk_size(n);
        let chunks = (0..n.div_ceil(size)).map(|c| N::Population::new(prototype.clone(), size.min(n - c * size), seed, first_id + (c * size) as u64)).collect();
        Stored { chunks, size }
    }
}

impl<N: Populated> PopulationStore for Stored<N> {
    fn model(&self) -> &'static str {
        N::NAME
    }
    fn len(&self) -> usize {
        self.chunks.iter().map(|c| c.len()).sum()
    }
    fn receptors(&self) -> &'static [Receptor] {
        N::RECEPTORS
    }
    fn spike_port_count(&self) -> usize {
        N::PORTS.iter().filter(|p| p.kind == PortKind::Spike).map(|p| p.len).sum()
    }
    fn continuous_port_count(&self) -> usize {
        N::PORTS.iter().filter(|p| p.kind == PortKind::Continuous).map(|p| p.len).sum()
    }
    fn layout(&self) -> &'static str {
        N::Population::LAYOUT
    }
    fn receptor_of_port(&self, port: &str) -> Option<usize> {
        let spike_ports: Vec<&str> = N::PORTS.iter().filter(|p| p.kind == PortKind::Spike).map(|p| p.name).collect();
        let index = spike_ports.iter().position(|p| *p == port)?;
        N::RECEPTORS.iter().position(|r| r.excitatory == index || r.inhibitory == Some(index))
    }
    fn continuous_port(&self, port: &str) -> Option<usize> {
        N::PORTS.iter().filter(|p| p.kind == PortKind::Continuous).position(|p| p.name == port)
    }
    fn variable(&self, name: &str) -> Option<(usize, Option<&'static str>)> {
        let i = N::variable_index(name)?;
        Some((i, N::VARIABLES[i].unit))
    }
    fn get_value(&self, i: usize, var: usize) -> Option<f64> {
        self.chunks.get(i / self.size)?.get_value(i % self.size, var)
    }
    fn set(&mut self, i: usize, name: &str, value: f64) -> Result<(), SetError> {
        self.chunks[i / self.size].set(i % self.size, name, value)
    }
    fn save(&self, out: &mut dyn WordSink) {
        self.chunks.iter().for_each(|c| c.save(out));
    }
    fn restore(&mut self, input: &mut &[u64]) -> Result<(), CheckpointError> {
        self.chunks.iter_mut().try_for_each(|c| c.restore(input))
    }
    fn prepare(&mut self, resolution: &Resolution, first: bool) -> Result<(), (usize, Fault)> {
        for (c, chunk) in self.chunks.iter_mut().enumerate() {
            if first {
                chunk.init_buffers(resolution);
            }
            chunk.calibrate(resolution).map_err(|(i, f)| (c * self.size + i, f))?;
        }
        Ok(())
    }
    fn step(&mut self, resolution: &Resolution, k: i64, devices: &[Device], tracked: &[usize], chunks: &mut [Chunk], spikes: &mut Vec<u32>) -> Result<(), (usize, Fault)> {
        let t_end = resolution.t_ms(k + 1);
        let results: Vec<Result<Vec<u32>, (usize, Fault)>> = self
            .chunks
            .par_iter_mut()
            .zip(chunks.par_iter_mut())
            .map(|(population, chunk)| {
                let slot = chunk.ring.slot(k);
                for d in &mut chunk.drives {
                    devices[d.device].drive(resolution, k, d, &mut chunk.ring, slot);
                }
                let mut out = Vec::new();
                population.step(resolution, k, chunk.ring.input(slot), &mut out).map_err(|(j, f)| (chunk.start + j, f))?;
                chunk.ring.clear(slot);
                if !tracked.is_empty() {
                    for (j, now) in chunk.now.chunks_exact_mut(tracked.len()).enumerate() {
                        for (slot, &v) in now.iter_mut().zip(tracked) {
                            *slot = population.get_value(j, v).unwrap_or(f64::NAN);
                        }
                    }
                }
                for (n, &j) in out.iter().enumerate() {
                    if n > 0 && out[n - 1] == j {
                        continue; // one history entry per spiking step
                    }
                    let values = if tracked.is_empty() { &[][..] } else { &chunk.now[j as usize * tracked.len()..(j as usize + 1) * tracked.len()] };
                    chunk.history[j as usize].push(t_end, values);
                }
                out.iter_mut().for_each(|j| *j += chunk.start as u32);
                Ok(out)
            })
            .collect();
        for r in results {
            spikes.extend(r?);
        }
        Ok(())
    }
}

/// The chunk's buffers, histories, generator inputs' random streams and incoming connections.
impl Checkpoint for Chunk {
    fn save(&self, out: &mut dyn WordSink) {
        self.ring.save(out);
        self.history.iter().for_each(|h| h.save(out));
        self.now.save(out);
        out.push(self.drives.len() as u64);
        for d in &self.drives {
            d.rngs.iter().for_each(|r| r.save(out));
            d.noise.iter().for_each(|x| x.save(out));
        }
        out.push(self.incoming.len() as u64);
        self.incoming.iter().for_each(|c| c.save(out));
    }
    fn restore(&mut self, input: &mut &[u64]) -> Result<(), CheckpointError> {
        self.ring.restore(input)?;
        self.history.iter_mut().try_for_each(|h| h.restore(input))?;
        self.now.restore(input)?;
        expect(input, self.drives.len() as u64, "generator inputs")?;
        for d in &mut self.drives {
            d.rngs.iter_mut().try_for_each(|r| r.restore(input))?;
            d.noise.iter_mut().try_for_each(|x| x.restore(input))?;
        }
        expect(input, self.incoming.len() as u64, "projections")?;
        self.incoming.iter_mut().try_for_each(|c| c.restore(input))
    }
}
