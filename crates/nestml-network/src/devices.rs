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

/// A generator's input into one neuron (kept in the neuron's chunk): the generator, the
/// neuron within the chunk, its receptor or port, weight, delay in steps, and the target's
/// own random stream and noise value.
#[derive(Clone, Debug)]
pub(crate) struct Drive {
    pub device: usize,
    pub neuron: u16,
    pub input: usize,
    pub weight: f64,
    pub delay: i64,
    pub rng: NestmlRng,
    pub noise: f64,
}

/// A generator's parameters.
#[derive(Clone, Debug, PartialEq)]
pub enum Generator {
    /// Spikes at these times.
    SpikeGenerator {
        /// Spike times (ms, on the step grid).
        spike_times: Vec<f64>,
    },
    /// Poisson spikes, independent for each target, while `start < t <= stop`.
    PoissonGenerator {
        /// Rate per target (1/s).
        rate: f64,
        /// Start (ms, exclusive).
        start: f64,
        /// Stop (ms, inclusive).
        stop: f64,
    },
    /// A constant current while `start < t <= stop`.
    DcGenerator {
        /// The current (pA).
        amplitude: f64,
        /// Start (ms, exclusive).
        start: f64,
        /// Stop (ms, inclusive).
        stop: f64,
    },
    /// A piecewise constant current: `amplitudes[i]` from `times[i]` on.
    StepCurrentGenerator {
        /// Switching times (ms).
        times: Vec<f64>,
        /// Currents (pA).
        amplitudes: Vec<f64>,
    },
    /// A normal current drawn anew every `dt` for each target.
    NoiseGenerator {
        /// Mean (pA).
        mean: f64,
        /// Standard deviation (pA).
        std: f64,
        /// Interval between draws (ms).
        dt: f64,
    },
}

impl Generator {
    /// Spike generators and Poisson generators feed receptors; the others continuous ports.
    pub fn drives_spikes(&self) -> bool {
        matches!(self, Generator::SpikeGenerator { .. } | Generator::PoissonGenerator { .. })
    }

    /// Whether the parameters are usable: spike times finite and non-negative, a finite
    /// non-negative rate, a finite amplitude, increasing step times with one amplitude each, a
    /// non-negative noise `std` and a positive `dt`; the error shows the generator.
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

/// A generator; its targets are [`Drive`]s in the chunks.
pub(crate) struct Device {
    pub generator: Generator,
    /// Spike generator: emission steps (spike at `t` is emitted by the step ending at `t`).
    steps: Vec<i64>,
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
        Device { generator, steps }
    }

    /// What arrives through `d` in step `k` (the generator's output of emission step
    /// `k − delay`).
    pub fn input(&self, resolution: &Resolution, k: i64, d: &mut Drive) -> Option<Input> {
        let e = k - d.delay;
        if e < 0 {
            return None;
        }
        let t_end = resolution.t_ms(e + 1);
        match &self.generator {
            Generator::SpikeGenerator { .. } => {
                let lo = self.steps.partition_point(|&s| s < e);
                let n = self.steps[lo..].iter().take_while(|&&s| s == e).count();
                (n > 0).then_some(Input::Spike { multiplicity: n as u32 })
            }
            Generator::PoissonGenerator { rate, start, stop } => {
                let active = *start < t_end && t_end <= *stop;
                let n = if active { d.rng.poisson(rate * resolution.h() * 1e-3).unwrap_or(0) } else { 0 };
                (n > 0).then_some(Input::Spike { multiplicity: n as u32 })
            }
            Generator::DcGenerator { amplitude, start, stop } => (*start < t_end && t_end <= *stop).then_some(Input::Current(amplitude * d.weight)),
            Generator::StepCurrentGenerator { times, amplitudes } => {
                let n = times.partition_point(|&s| s <= resolution.t_ms(e) + 1e-9);
                (n > 0).then(|| Input::Current(amplitudes[n - 1] * d.weight))
            }
            Generator::NoiseGenerator { mean, std, dt } => {
                let every = ((dt / resolution.h()).round() as i64).max(1);
                if e % every == 0 {
                    d.noise = d.rng.normal(*mean, *std);
                }
                Some(Input::Current(d.noise * d.weight))
            }
        }
    }
}

/// Spikes of populations: (time ms, population, neuron), in time order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SpikeRecorder {
    /// The recorded populations.
    pub populations: Vec<usize>,
    /// (time ms, population, neuron), in time order.
    pub events: Vec<(f64, usize, usize)>,
}

/// Variables of every neuron of a population every `interval` steps, after the step.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Multimeter {
    /// The recorded population.
    pub population: usize,
    /// The recorded variables, by NESTML name.
    pub names: Vec<String>,
    pub(crate) variables: Vec<usize>,
    /// Steps between samples.
    pub interval: i64,
    /// Sample times (ms, the end of the step sampled).
    pub times: Vec<f64>,
    /// `values[sample][variable][neuron]`, flattened: `(sample * names.len() + v) * n + i`.
    pub values: Vec<f64>,
    /// Neurons in the population.
    pub neurons: usize,
}

impl SpikeRecorder {
    /// `time_ms,population,neuron` per spike.
    pub fn to_csv(&self) -> String {
        let mut out = String::from("time_ms,population,neuron\n");
        for (t, p, i) in &self.events {
            out.push_str(&format!("{t},{p},{i}\n"));
        }
        out
    }
}

impl Multimeter {
    /// `time_ms,neuron,<variables…>` per sample and neuron.
    pub fn to_csv(&self) -> String {
        let mut out = format!("time_ms,neuron,{}\n", self.names.join(","));
        let nv = self.names.len();
        for (s, t) in self.times.iter().enumerate() {
            for i in 0..self.neurons {
                let values: Vec<String> = (0..nv).map(|v| self.values[(s * nv + v) * self.neurons + i].to_string()).collect();
                out.push_str(&format!("{t},{i},{}\n", values.join(",")));
            }
        }
        out
    }

    /// The trace of variable `name` of neuron `i`.
    pub fn trace(&self, name: &str, i: usize) -> Option<Vec<f64>> {
        let v = self.names.iter().position(|n| n == name)?;
        let nv = self.names.len();
        (i < self.neurons).then(|| (0..self.times.len()).map(|s| self.values[(s * nv + v) * self.neurons + i]).collect())
    }
}
