//! Devices with NEST's names and semantics: generators that feed neurons (their input arrives
//! after the connection's delay) and recorders.
//!
//! Timing, as NEST's: a generator's output for step `e` over a connection of `D` steps arrives
//! in step `e + D`. `spike_generator` spike times are step boundaries; a spike at `t` arrives
//! in the step ending at `t + d`. `poisson_generator` draws an independent Poisson count for
//! each target and step (`rate · h` expected), delivered with that multiplicity, while
//! `start < t ≤ stop` for the step ending at `t`; `dc_generator`, `step_current_generator` and
//! `noise_generator` (a new normal value per target every `dt`) drive a continuous port.

use nestml_runtime::{NestmlRng, Resolution};

/// Where a generator's output goes: population, neuron, receptor or port, weight, delay steps.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Target {
    pub population: usize,
    pub neuron: usize,
    pub input: usize,
    pub weight: f64,
    pub delay: i64,
}

/// A generator's parameters.
#[derive(Clone, Debug, PartialEq)]
pub enum Generator {
    /// Spikes at these times (ms, on the step grid).
    SpikeGenerator { spike_times: Vec<f64> },
    /// Poisson spikes of `rate` (1/s) per target while `start < t <= stop` (ms).
    PoissonGenerator { rate: f64, start: f64, stop: f64 },
    /// A constant current `amplitude` (pA) while `start < t <= stop`.
    DcGenerator { amplitude: f64, start: f64, stop: f64 },
    /// The current `amplitudes[i]` from `times[i]` on (ms, pA).
    StepCurrentGenerator { times: Vec<f64>, amplitudes: Vec<f64> },
    /// A normal current (`mean`, `std`, pA) drawn anew every `dt` ms for each target.
    NoiseGenerator { mean: f64, std: f64, dt: f64 },
}

impl Generator {
    /// Spike generators and Poisson generators feed receptors; the others continuous ports.
    pub fn drives_spikes(&self) -> bool {
        matches!(self, Generator::SpikeGenerator { .. } | Generator::PoissonGenerator { .. })
    }

    pub fn check(&self) -> Result<(), String> {
        let bad = match self {
            Generator::SpikeGenerator { spike_times } => spike_times.iter().any(|t| !t.is_finite() || *t < 0.0),
            Generator::PoissonGenerator { rate, .. } => !(*rate >= 0.0 && rate.is_finite()),
            Generator::DcGenerator { amplitude, .. } => !amplitude.is_finite(),
            Generator::StepCurrentGenerator { times, amplitudes } => times.len() != amplitudes.len() || times.windows(2).any(|w| w[0] >= w[1]),
            Generator::NoiseGenerator { std, dt, .. } => !(*std >= 0.0 && *dt > 0.0),
        };
        if bad {
            Err(format!("invalid generator parameters: {self:?}"))
        } else {
            Ok(())
        }
    }
}

/// A generator with its targets and per-target state.
pub(crate) struct Device {
    pub generator: Generator,
    pub targets: Vec<Target>,
    /// One random stream per target (Poisson, noise).
    pub rngs: Vec<NestmlRng>,
    /// The current noise value per target.
    pub noise: Vec<f64>,
    /// Spike generator: emission steps (spike at `t` is emitted by the step ending at `t`).
    pub steps: Vec<i64>,
}

/// What a device puts into a neuron's input in step `k`.
pub(crate) enum Input {
    Spike { multiplicity: u32 },
    Current(f64),
}

impl Device {
    pub fn new(generator: Generator, resolution: &Resolution) -> Device {
        let steps = match &generator {
            Generator::SpikeGenerator { spike_times } => {
                let mut s: Vec<i64> = spike_times.iter().map(|&t| resolution.steps_ceil(t) - 1).collect();
                s.sort_unstable();
                s
            }
            _ => Vec::new(),
        };
        Device { generator, targets: Vec::new(), rngs: Vec::new(), noise: Vec::new(), steps }
    }

    /// Calls `deliver(target, input)` for what arrives in step `k` (every target's input of
    /// emission step `k − delay`).
    pub fn inputs(&mut self, resolution: &Resolution, k: i64, mut deliver: impl FnMut(&Target, Input)) {
        let h = resolution.h();
        for (i, t) in self.targets.iter().enumerate() {
            let e = k - t.delay;
            let t_end = resolution.t_ms(e + 1);
            match &self.generator {
                Generator::SpikeGenerator { .. } => {
                    let lo = self.steps.partition_point(|&s| s < e);
                    let n = self.steps[lo..].iter().take_while(|&&s| s == e).count();
                    if n > 0 {
                        deliver(t, Input::Spike { multiplicity: n as u32 });
                    }
                }
                Generator::PoissonGenerator { rate, start, stop } => {
                    if e >= 0 && *start < t_end && t_end <= *stop {
                        if let Some(n) = self.rngs[i].poisson(rate * h * 1e-3).filter(|&n| n > 0) {
                            deliver(t, Input::Spike { multiplicity: n as u32 });
                        }
                    }
                }
                Generator::DcGenerator { amplitude, start, stop } => {
                    if e >= 0 && *start < t_end && t_end <= *stop {
                        deliver(t, Input::Current(amplitude * t.weight));
                    }
                }
                Generator::StepCurrentGenerator { times, amplitudes } => {
                    let t_start = resolution.t_ms(e);
                    let n = times.partition_point(|&s| s <= t_start + 1e-9);
                    if e >= 0 && n > 0 {
                        deliver(t, Input::Current(amplitudes[n - 1] * t.weight));
                    }
                }
                Generator::NoiseGenerator { mean, std, dt } => {
                    if e < 0 {
                        continue;
                    }
                    let every = ((dt / h).round() as i64).max(1);
                    if e % every == 0 {
                        self.noise[i] = self.rngs[i].normal(*mean, *std);
                    }
                    deliver(t, Input::Current(self.noise[i] * t.weight));
                }
            }
        }
    }
}

/// Spikes of populations: (time ms, population, neuron), in time order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SpikeRecorder {
    pub populations: Vec<usize>,
    pub events: Vec<(f64, usize, usize)>,
}

/// Variables of every neuron of a population every `interval` steps, after the step.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Multimeter {
    pub population: usize,
    pub names: Vec<String>,
    pub(crate) variables: Vec<usize>,
    pub interval: i64,
    pub times: Vec<f64>,
    /// `values[sample][variable][neuron]`, flattened: `(sample * names.len() + v) * n + i`.
    pub values: Vec<f64>,
    pub neurons: usize,
}

impl Multimeter {
    /// The trace of variable `name` of neuron `i`.
    pub fn trace(&self, name: &str, i: usize) -> Option<Vec<f64>> {
        let v = self.names.iter().position(|n| n == name)?;
        let nv = self.names.len();
        (i < self.neurons).then(|| (0..self.times.len()).map(|s| self.values[(s * nv + v) * self.neurons + i]).collect())
    }
}
