//! Devices with NEST's names and semantics: generators that feed neurons (their input arrives
//! after the connection's delay) and recorders.
//!
//! Timing, as NEST's: a generator's output for step `e` over a connection of `D` steps arrives
//! in step `e + D`. `spike_generator` spike times are step boundaries; a spike at `t` arrives
//! in the step ending at `t + d`. `poisson_generator` draws an independent Poisson count for
//! each target and step (`rate · h` expected; by inversion, see `PoissonCounts`), delivered
//! with that multiplicity, while `start < t ≤ stop` for the step ending at `t` (the count is
//! drawn in the step it arrives in, straight into that step's input, without the ring's later
//! slots); `dc_generator`, `step_current_generator` and
//! `noise_generator` (a new normal value per target every `dt`) drive a continuous port.

use crate::ring::Ring;
use nestml_runtime::{NestmlRng, PoissonDraws, Resolution};

/// A generator's input into neurons of one chunk with one receptor or port, weight and delay
/// (kept in the chunk): the neurons within the chunk, each with its own random stream and
/// noise value.
#[derive(Clone, Debug)]
pub(crate) struct Drives {
    pub device: usize,
    pub input: usize,
    pub weight: f64,
    pub delay: i64,
    pub neurons: Vec<u16>,
    pub rngs: Vec<NestmlRng>,
    pub noise: Vec<f64>,
}

impl Drives {
    /// Whether a drive of these settings belongs to this group.
    pub fn takes(&self, device: usize, input: usize, weight: f64, delay: i64) -> bool {
        (self.device, self.input, self.weight.to_bits(), self.delay) == (device, input, weight.to_bits(), delay)
    }
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
    /// Poisson generator: the spike count per step.
    poisson: Option<PoissonCounts>,
}

/// Poisson counts of a fixed mean by inversion: the cumulative probabilities are computed once,
/// a draw is one uniform number `u` and the count of table entries `≤ u` (means up to 30;
/// larger means through [`PoissonDraws`], `rand_distr`'s method). The table ends where the
/// remaining probability is below 1e-17 of a term, so counts beyond it (probability < 1e-15)
/// come out as its length. The search starts from a guide table (Chen and Asau's indexed
/// search): `guide[g]` is the count for `u = g / GUIDE`, so that the count of `u` is found
/// from `guide[⌊u · GUIDE⌋]` after, almost always, one comparison (a branch that is
/// predicted, unlike the end of a search from 0).
#[derive(Clone, Debug)]
struct PoissonCounts {
    /// The cumulative probabilities, then `+∞` (the search's end).
    cdf: Vec<f64>,
    guide: Vec<u8>,
    large: Option<PoissonDraws>,
}

/// Entries of the guide table.
const GUIDE: usize = 256;

impl PoissonCounts {
    fn new(lambda: f64) -> Option<PoissonCounts> {
        if !(lambda >= 0.0 && lambda.is_finite()) {
            return None;
        }
        if lambda > 30.0 {
            return Some(PoissonCounts { cdf: Vec::new(), guide: Vec::new(), large: Some(PoissonDraws::new(lambda)?) });
        }
        let (mut p, mut sum, mut cdf) = ((-lambda).exp(), 0.0, Vec::new());
        for k in 1..=200 {
            sum += p;
            cdf.push(sum);
            p *= lambda / k as f64;
            if p < 1e-17 * sum && k as f64 > lambda {
                break;
            }
        }
        let guide = (0..GUIDE).map(|g| cdf.partition_point(|&c| c <= g as f64 / GUIDE as f64) as u8).collect();
        cdf.push(f64::INFINITY);
        Some(PoissonCounts { cdf, guide, large: None })
    }

    #[inline]
    fn draw(&self, rng: &mut NestmlRng) -> u32 {
        match &self.large {
            Some(d) => rng.poisson_from(d) as u32,
            None => self.count(rng.uniform01()),
        }
    }

    /// The count of table entries `≤ u`, for `u` in `[0, 1)`.
    #[inline]
    fn count(&self, u: f64) -> u32 {
        let mut k = self.guide[((u * GUIDE as f64) as usize).min(GUIDE - 1)] as usize;
        while self.cdf[k] <= u {
            k += 1;
        }
        k as u32
    }
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
        let poisson = match &generator {
            Generator::PoissonGenerator { rate, .. } => PoissonCounts::new(rate * resolution.h() * 1e-3),
            _ => None,
        };
        Device { generator, steps, poisson }
    }

    /// Puts what arrives through the drives `d` in step `k` (the generator's output of
    /// emission step `k − delay`) into slot `slot` of `ring`.
    pub fn drive(&self, resolution: &Resolution, k: i64, d: &mut Drives, ring: &mut Ring, slot: usize) {
        let e = k - d.delay;
        if e < 0 {
            return;
        }
        let t_end = resolution.t_ms(e + 1);
        let (input, weight) = (d.input, d.weight);
        match &self.generator {
            Generator::SpikeGenerator { .. } => {
                let lo = self.steps.partition_point(|&s| s < e);
                let n = self.steps[lo..].iter().take_while(|&&s| s == e).count() as u32;
                if n > 0 {
                    d.neurons.iter().for_each(|&i| ring.add_spike_in(slot, i as usize, input, weight, n));
                }
            }
            Generator::PoissonGenerator { start, stop, .. } => {
                if let (Some(p), true) = (&self.poisson, *start < t_end && t_end <= *stop) {
                    let rngs = &mut d.rngs;
                    ring.add_counts(slot, input, weight, &d.neurons, |c| p.draw(&mut rngs[c]));
                }
            }
            Generator::DcGenerator { amplitude, start, stop } => {
                if *start < t_end && t_end <= *stop {
                    d.neurons.iter().for_each(|&i| ring.add_current_in(slot, i as usize, input, amplitude * weight));
                }
            }
            Generator::StepCurrentGenerator { times, amplitudes } => {
                let n = times.partition_point(|&s| s <= resolution.t_ms(e) + 1e-9);
                if n > 0 {
                    d.neurons.iter().for_each(|&i| ring.add_current_in(slot, i as usize, input, amplitudes[n - 1] * weight));
                }
            }
            Generator::NoiseGenerator { mean, std, dt } => {
                let every = ((dt / resolution.h()).round() as i64).max(1);
                for ((&i, rng), noise) in d.neurons.iter().zip(&mut d.rngs).zip(&mut d.noise) {
                    if e % every == 0 {
                        *noise = rng.normal(*mean, *std);
                    }
                    ring.add_current_in(slot, i as usize, input, *noise * weight);
                }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The inversion tables give Poisson counts: mean and variance λ, and P(0) = e^−λ, over
    /// 200,000 draws, for small and moderate means; above 30 `rand_distr`'s method.
    #[test]
    fn poisson_counts_have_poisson_statistics() {
        for lambda in [0.0, 0.05, 1.68, 2.0, 12.5, 30.0, 80.0] {
            let p = PoissonCounts::new(lambda).unwrap();
            let mut rng = NestmlRng::seed_from_u64(3);
            let n = 200_000;
            let draws: Vec<f64> = (0..n).map(|_| p.draw(&mut rng) as f64).collect();
            let mean = draws.iter().sum::<f64>() / n as f64;
            let var = draws.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64;
            let zeros = draws.iter().filter(|&&x| x == 0.0).count() as f64 / n as f64;
            // 5 standard errors
            let se = (lambda / n as f64).sqrt();
            assert!((mean - lambda).abs() <= 5.0 * se + 1e-12, "λ = {lambda}: mean {mean}");
            assert!((var - lambda).abs() <= 5.0 * lambda * (2.0 / n as f64).sqrt() * (1.0 + 1.0 / lambda.max(1e-9)).sqrt() + 1e-12, "λ = {lambda}: variance {var}");
            let p0 = (-lambda).exp();
            assert!((zeros - p0).abs() <= 5.0 * (p0 * (1.0 - p0) / n as f64).sqrt() + 1e-12, "λ = {lambda}: P(0) {zeros} vs {p0}");
        }
        assert!(PoissonCounts::new(-1.0).is_none() && PoissonCounts::new(f64::NAN).is_none());
    }

    /// The search from the guide table finds the count of table entries `≤ u` (the plain
    /// inversion), also for `u` on and next to the table's values and the guide's bounds.
    #[test]
    fn guided_search_is_plain_inversion() {
        for lambda in [0.0, 1e-6, 0.05, 1.68, 2.0, 7.3, 12.5, 30.0] {
            let p = PoissonCounts::new(lambda).unwrap();
            let table = &p.cdf[..p.cdf.len() - 1];
            let plain = |u: f64| table.iter().filter(|&&c| c <= u).count() as u32;
            let mut us: Vec<f64> = (0..GUIDE).map(|g| g as f64 / GUIDE as f64).collect();
            for &c in table.iter().filter(|&&c| c < 1.0) {
                us.extend([c, c.next_down(), c.next_up()]);
            }
            us.push(1.0f64.next_down());
            let mut rng = NestmlRng::seed_from_u64(5);
            us.extend((0..100_000).map(|_| rng.uniform01()));
            for u in us.into_iter().filter(|u| (0.0..1.0).contains(u)) {
                assert_eq!(p.count(u), plain(u), "λ = {lambda}, u = {u}");
            }
        }
    }
}
