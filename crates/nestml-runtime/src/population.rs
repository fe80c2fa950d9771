//! Populations: many neurons of one model, stored and stepped together (feature `alloc`).
//!
//! A [`Population`] is the storage a network keeps per group of neurons of one model. Every
//! generated neuron names its population type through [`Populated`]:
//! - for models whose step is straight-line arithmetic (exact propagators, conditions,
//!   `onReceive`/`onCondition`, no numeric solver, random numbers, procedural functions,
//!   vectors or delays), the macro generates `<Model>Population`: a struct of arrays (one
//!   contiguous `Vec` per state variable), parameters, internals and propagators kept once per
//!   distinct parameter set, and a step that runs over all neurons as one loop without calls
//!   or early exits, which the compiler vectorises; results are bit for bit those of the
//!   single-neuron struct;
//! - every other model is stored as [`NeuronVec`], a `Vec` of neuron structs.
//!
//! Input reaches a population already routed to ports ([`PortInput`]): NEST receptors are
//! resolved when a spike is buffered ([`crate::Receptor::route`]).

use alloc::vec::Vec;

use crate::checkpoint::{expect, Checkpoint, CheckpointError, WordSink};
use crate::{Fault, NestmlRng, Neuron, Resolution, SetError, StepContext};

/// The input of one step for every neuron of a population of `len` neurons, port-major:
/// port `p` of neuron `i` is at `p * len + i`.
#[derive(Clone, Copy, Debug)]
pub struct PortInput<'a> {
    /// Summed weights (× multiplicity) per spike port, after the receptors' sign routing.
    pub spike_sum: &'a [f64],
    /// Whether anything (also a weight of 0) arrived per spike port: `onReceive` runs.
    pub spike_hit: &'a [bool],
    /// Continuous input arriving for this step per continuous port (used from the next
    /// step on, as [`Neuron::handle_current`]).
    pub current: &'a [f64],
}

/// The storage and step of `len()` neurons of one model.
pub trait Population: Clone + Send + Sync + Checkpoint + 'static {
    /// The neuron model.
    type Neuron: Neuron;
    /// `"struct of arrays"`, `"struct of arrays, lockstep RKF45"` (a model's numeric solver
    /// stepping groups of neurons at once) or `"vector of structs"`, for reports.
    const LAYOUT: &'static str;

    /// `n` neurons equal to `prototype`; neuron `i` draws random numbers from stream
    /// `first_id + i` of `seed` (populations of models without random numbers ignore both).
    fn new(prototype: Self::Neuron, n: usize, seed: u64, first_id: u64) -> Self;

    /// The number of neurons.
    fn len(&self) -> usize;

    /// Whether the population is empty.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A copy of neuron `i` (parameters, internals and state; no pending input).
    fn neuron(&self, i: usize) -> Self::Neuron;

    /// Makes neuron `i` equal to `neuron` (parameters and state; its pending input is kept).
    fn replace(&mut self, i: usize, neuron: Self::Neuron);

    /// [`Neuron::get_value`] of neuron `i` (element 0).
    fn get_value(&self, i: usize, var: usize) -> Option<f64> {
        self.neuron(i).get_value(var, 0)
    }

    /// [`Neuron::set`] on neuron `i`.
    fn set(&mut self, i: usize, name: &str, value: f64) -> Result<(), SetError> {
        let mut n = self.neuron(i);
        n.set(name, value)?;
        self.replace(i, n);
        Ok(())
    }

    /// [`Neuron::init_buffers`] for every neuron.
    fn init_buffers(&mut self, resolution: &Resolution);

    /// [`Neuron::calibrate`] for every neuron; the first neuron that failed.
    fn calibrate(&mut self, resolution: &Resolution) -> Result<(), (usize, Fault)>;

    /// Step `k` of every neuron with `input` (`None`: nothing arrived); the index of each
    /// neuron that spiked goes into `spikes`, once per spike, in index order. On a fault, the
    /// first faulty neuron in index order.
    fn step(&mut self, resolution: &Resolution, k: i64, input: Option<PortInput<'_>>, spikes: &mut Vec<u32>) -> Result<(), (usize, Fault)>;
}

/// A neuron model with its population type (generated for every model).
pub trait Populated: Neuron + Sync {
    /// The storage of many neurons of the model.
    type Population: Population<Neuron = Self>;
}

/// A population as a `Vec` of neuron structs, each with its own random stream: the storage
/// of models without a struct-of-arrays step.
#[derive(Clone, Debug)]
pub struct NeuronVec<N: Neuron> {
    neurons: Vec<N>,
    rngs: Vec<NestmlRng>,
}

impl<N: Neuron> NeuronVec<N> {
    /// The neurons.
    pub fn neurons(&self) -> &[N] {
        &self.neurons
    }
}

impl<N: Neuron + Sync> Population for NeuronVec<N> {
    type Neuron = N;
    const LAYOUT: &'static str = "vector of structs";

    fn new(prototype: N, n: usize, seed: u64, first_id: u64) -> Self {
        NeuronVec { neurons: alloc::vec![prototype; n], rngs: (0..n as u64).map(|i| NestmlRng::with_stream(seed, first_id + i)).collect() }
    }
    fn len(&self) -> usize {
        self.neurons.len()
    }
    fn neuron(&self, i: usize) -> N {
        self.neurons[i].clone()
    }
    fn replace(&mut self, i: usize, neuron: N) {
        self.neurons[i] = neuron;
    }
    fn get_value(&self, i: usize, var: usize) -> Option<f64> {
        self.neurons.get(i)?.get_value(var, 0)
    }
    fn set(&mut self, i: usize, name: &str, value: f64) -> Result<(), SetError> {
        self.neurons[i].set(name, value)
    }
    fn init_buffers(&mut self, resolution: &Resolution) {
        self.neurons.iter_mut().for_each(|n| n.init_buffers(resolution));
    }
    fn calibrate(&mut self, resolution: &Resolution) -> Result<(), (usize, Fault)> {
        self.neurons.iter_mut().enumerate().try_for_each(|(i, n)| n.calibrate(resolution).map_err(|f| (i, f)))
    }
    fn step(&mut self, resolution: &Resolution, k: i64, input: Option<PortInput<'_>>, spikes: &mut Vec<u32>) -> Result<(), (usize, Fault)> {
        let len = self.neurons.len();
        for (i, (n, rng)) in self.neurons.iter_mut().zip(&mut self.rngs).enumerate() {
            if let Some(input) = input {
                for (p, (sum, hit)) in input.spike_sum.chunks_exact(len).zip(input.spike_hit.chunks_exact(len)).enumerate() {
                    if hit[i] {
                        n.handle_port_spike(p, sum[i]);
                    }
                }
                for (p, current) in input.current.chunks_exact(len).enumerate() {
                    n.handle_current(p, current[i]);
                }
            }
            let mut ctx = StepContext::new(resolution, k, rng);
            let out = n.step(&mut ctx).map_err(|f| (i, f))?;
            spikes.extend(core::iter::repeat_n(i as u32, out.spikes as usize));
        }
        Ok(())
    }
}

impl<N: Neuron> Checkpoint for NeuronVec<N> {
    fn save(&self, out: &mut dyn WordSink) {
        out.push(self.neurons.len() as u64);
        for (n, r) in self.neurons.iter().zip(&self.rngs) {
            n.save(out);
            r.save(out);
        }
    }
    fn restore(&mut self, input: &mut &[u64]) -> Result<(), CheckpointError> {
        expect(input, self.neurons.len() as u64, N::NAME)?;
        for (n, r) in self.neurons.iter_mut().zip(&mut self.rngs) {
            n.restore(input)?;
            r.restore(input)?;
        }
        Ok(())
    }
}

/// Appends the index of every neuron with a nonzero spike count in `counts`, once per spike,
/// in index order.
pub fn collect_spikes(counts: &[u32], spikes: &mut Vec<u32>) {
    for (i, &c) in counts.iter().enumerate() {
        if c != 0 {
            spikes.extend(core::iter::repeat_n(i as u32, c as usize));
        }
    }
}

/// The vector instructions the loops of generated populations use on this CPU.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum SimdLevel {
    /// What the crate is compiled for (SSE2 on x86_64 by default).
    Baseline,
    /// AVX2 (x86_64).
    Avx2,
    /// AVX-512 F, VL, DQ and BW (x86_64).
    Avx512,
}

/// The highest level [`simd_level`] may report (`u8` of [`SimdLevel`]; `limit_simd`).
static SIMD_LIMIT: core::sync::atomic::AtomicU8 = core::sync::atomic::AtomicU8::new(SimdLevel::Avx512 as u8);

/// Caps the vector instructions generated populations use from now on, in every thread (for
/// measurements and tests; results are the same at every level, bit for bit, since Rust
/// neither fuses multiply-adds nor reorders floating-point operations).
pub fn limit_simd(level: SimdLevel) {
    SIMD_LIMIT.store(level as u8, core::sync::atomic::Ordering::Relaxed);
}

/// The widest vector instructions of this CPU that generated populations use, up to the limit
/// of [`limit_simd`]: detected at run time with `std` on x86_64, else those the crate is
/// compiled for.
pub fn simd_level() -> SimdLevel {
    let limit = SIMD_LIMIT.load(core::sync::atomic::Ordering::Relaxed);
    let cpu = cpu_simd_level();
    [SimdLevel::Baseline, SimdLevel::Avx2, SimdLevel::Avx512].into_iter().filter(|l| *l as u8 <= limit && *l <= cpu).last().unwrap_or(SimdLevel::Baseline)
}

#[cfg(all(feature = "std", target_arch = "x86_64"))]
fn cpu_simd_level() -> SimdLevel {
    use std::sync::OnceLock;
    static LEVEL: OnceLock<SimdLevel> = OnceLock::new();
    *LEVEL.get_or_init(|| {
        if std::is_x86_feature_detected!("avx512f") && std::is_x86_feature_detected!("avx512vl") && std::is_x86_feature_detected!("avx512dq") && std::is_x86_feature_detected!("avx512bw") {
            SimdLevel::Avx512
        } else if std::is_x86_feature_detected!("avx2") {
            SimdLevel::Avx2
        } else {
            SimdLevel::Baseline
        }
    })
}

#[cfg(not(all(feature = "std", target_arch = "x86_64")))]
fn cpu_simd_level() -> SimdLevel {
    if cfg!(all(target_feature = "avx512f", target_feature = "avx512vl", target_feature = "avx512dq", target_feature = "avx512bw")) {
        SimdLevel::Avx512
    } else if cfg!(target_feature = "avx2") {
        SimdLevel::Avx2
    } else {
        SimdLevel::Baseline
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spikes_are_collected_in_index_order_once_per_spike() {
        let mut counts = alloc::vec![0u32; 40];
        (counts[0], counts[17], counts[33], counts[39]) = (1, 2, 1, 1);
        let mut spikes = alloc::vec![7];
        collect_spikes(&counts, &mut spikes);
        assert_eq!(spikes, [7, 0, 17, 17, 33, 39]);
    }

    #[test]
    fn the_simd_limit_caps_the_level() {
        let cpu = simd_level();
        limit_simd(SimdLevel::Baseline);
        assert_eq!(simd_level(), SimdLevel::Baseline);
        limit_simd(SimdLevel::Avx512);
        assert_eq!(simd_level(), cpu);
    }
}
