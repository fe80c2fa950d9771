//! [`NestmlRng`]: the seedable generator behind NESTML's random functions.
//!
//! - Generator: PCG64 (`rand_pcg::Pcg64`, O'Neill's PCG XSL RR 128/64: a 128-bit LCG with a
//!   xorshift-rotate output of 64 bits; period 2¹²⁸, 2¹²⁷ selectable streams). Its output for
//!   a given seed is fixed by `rand_pcg`'s reproducibility guarantee.
//! - Seeding is always explicit: [`NestmlRng::seed_from_u64`] (the seed is expanded by
//!   `rand_core`'s PCG32-based `SeedableRng::seed_from_u64`), or
//!   [`NestmlRng::with_stream`] for independent streams (one per neuron or thread) from one
//!   seed.
//! - `random_uniform(lo, hi)`: `lo + (hi − lo) u` with `u` uniform in `[0, 1)` from the top
//!   53 bits of one 64-bit output (`rand`'s `StandardUniform` for `f64`).
//! - `random_normal(mean, std)`: `mean + std z` with `z` standard normal from `rand_distr`'s
//!   `StandardNormal` (the ZIGNOR Ziggurat of Doornik 2005).
//! - `random_poisson(λ)`: `rand_distr::Poisson` (Knuth's multiplication method for λ < 12,
//!   Hörmann's PTRS transformed rejection above).
//!
//! The sequences differ from NEST's (which uses Mersenne Twister or Philox per virtual
//! process), so stochastic models are compared with NEST statistically, not trace by trace.

use crate::checkpoint::{word, Checkpoint, CheckpointError, WordSink};
use rand::{RngExt, SeedableRng, TryRng};
use rand_distr::{Distribution, Poisson, StandardNormal};
use rand_pcg::Pcg64;
use core::convert::Infallible;

/// The seedable generator of generated neurons (module docs). It counts the generator
/// steps it has taken, so that a [`Checkpoint`] is the seed, the stream and that count.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NestmlRng {
    inner: Pcg64,
    origin: Origin,
    steps: u128,
}

/// How a generator was seeded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Origin {
    Seed(u64),
    Stream(u64, u64),
}

impl Origin {
    fn generator(self) -> Pcg64 {
        match self {
            Origin::Seed(seed) => Pcg64::seed_from_u64(seed),
            Origin::Stream(seed, stream) => {
                // Spread the 64-bit seed over the 128-bit LCG state with a fixed odd multiplier.
                let state = (seed as u128).wrapping_mul(0x2360_ED05_1FC6_5DA4_4385_DF64_9FCC_F645)
                    ^ 0xCAFE_F00D_D15E_A5E5;
                Pcg64::new(state, stream as u128)
            }
        }
    }
}

impl NestmlRng {
    fn from_origin(origin: Origin) -> Self {
        NestmlRng { inner: origin.generator(), origin, steps: 0 }
    }

    /// A generator from a 64-bit seed.
    pub fn seed_from_u64(seed: u64) -> Self {
        Self::from_origin(Origin::Seed(seed))
    }

    /// Stream `stream` of the seed: generators with one seed and different streams are
    /// independent sequences.
    pub fn with_stream(seed: u64, stream: u64) -> Self {
        Self::from_origin(Origin::Stream(seed, stream))
    }

    /// Uniform in `[0, 1)`.
    #[inline]
    pub fn uniform01(&mut self) -> f64 {
        self.random::<f64>()
    }

    /// NESTML `random_uniform(lo, hi)`: uniform in `[lo, hi)`.
    #[inline]
    pub fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.uniform01()
    }

    /// NESTML `random_normal(mean, std)`.
    #[inline]
    pub fn normal(&mut self, mean: f64, std: f64) -> f64 {
        let z: f64 = StandardNormal.sample(self);
        mean + std * z
    }

    /// NESTML `random_poisson(lambda)`; `None` if `lambda` is negative, NaN, infinite or
    /// beyond `rand_distr`'s limit (≈1.8e19). `lambda = 0` gives 0.
    #[inline]
    pub fn poisson(&mut self, lambda: f64) -> Option<i64> {
        Some(self.poisson_from(&PoissonDraws::new(lambda)?))
    }

    /// A draw from `d`: the same as [`poisson`](Self::poisson) with `d`'s mean.
    #[inline]
    pub fn poisson_from(&mut self, d: &PoissonDraws) -> i64 {
        match &d.0 {
            None => 0,
            Some(d) => {
                let k: f64 = d.sample(self);
                k as i64
            }
        }
    }
}

/// A Poisson distribution of a fixed mean, set up once for many draws
/// ([`NestmlRng::poisson_from`]; a Poisson generator's per-step draws).
#[derive(Clone, Debug)]
pub struct PoissonDraws(Option<Poisson<f64>>);

impl PoissonDraws {
    /// The distribution of mean `lambda`; `None` where [`NestmlRng::poisson`] gives `None`.
    pub fn new(lambda: f64) -> Option<PoissonDraws> {
        if lambda == 0.0 {
            return Some(PoissonDraws(None));
        }
        Poisson::new(lambda).ok().map(|d| PoissonDraws(Some(d)))
    }
}

/// Every draw goes through here and is counted (one generator step per 32 or 64 bits).
impl TryRng for NestmlRng {
    type Error = Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        self.steps += 1;
        self.inner.try_next_u32()
    }

    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        self.steps += 1;
        self.inner.try_next_u64()
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        self.steps += dst.len().div_ceil(8) as u128;
        self.inner.try_fill_bytes(dst)
    }
}

/// The seed, the stream and the number of steps taken; restored by advancing a fresh
/// generator that many steps.
impl Checkpoint for NestmlRng {
    fn save(&self, out: &mut dyn WordSink) {
        let (tag, seed, stream) = match self.origin {
            Origin::Seed(seed) => (0, seed, 0),
            Origin::Stream(seed, stream) => (1, seed, stream),
        };
        for w in [tag, seed, stream, self.steps as u64, (self.steps >> 64) as u64] {
            out.push(w);
        }
    }

    fn restore(&mut self, input: &mut &[u64]) -> Result<(), CheckpointError> {
        let (tag, seed, stream) = (word(input)?, word(input)?, word(input)?);
        let steps = word(input)? as u128 | (word(input)? as u128) << 64;
        let origin = match tag {
            0 => Origin::Seed(seed),
            1 => Origin::Stream(seed, stream),
            _ => return Err(CheckpointError::Invalid { what: "random generator kind", got: tag }),
        };
        *self = Self::from_origin(origin);
        self.inner.advance(steps);
        self.steps = steps;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checkpoint::WordBuf;
    use std::vec::Vec;

    fn mean_var(xs: &[f64]) -> (f64, f64) {
        let m = xs.iter().sum::<f64>() / xs.len() as f64;
        let v = xs.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (xs.len() - 1) as f64;
        (m, v)
    }

    #[test]
    fn seeded_sequences_repeat_and_streams_differ() {
        let a: Vec<f64> = {
            let mut r = NestmlRng::seed_from_u64(42);
            (0..5).map(|_| r.uniform01()).collect()
        };
        let b: Vec<f64> = {
            let mut r = NestmlRng::seed_from_u64(42);
            (0..5).map(|_| r.uniform01()).collect()
        };
        assert_eq!(a, b);
        let mut s0 = NestmlRng::with_stream(42, 0);
        let mut s1 = NestmlRng::with_stream(42, 1);
        assert_ne!(s0.uniform01(), s1.uniform01());
        assert_eq!(NestmlRng::with_stream(7, 3), NestmlRng::with_stream(7, 3));
    }

    #[test]
    fn a_restored_generator_continues_the_sequence() {
        for mut r in [NestmlRng::seed_from_u64(9), NestmlRng::with_stream(9, 4)] {
            let _: Vec<f64> = (0..17).map(|i| if i % 3 == 0 { r.normal(0.0, 1.0) } else { r.uniform01() }).collect();
            let _ = r.poisson(30.0);
            let mut words = [0_u64; 5];
            let mut saved = WordBuf::new(&mut words);
            r.save(&mut saved);
            let mut other = NestmlRng::seed_from_u64(0);
            other.restore(&mut saved.finish().unwrap()).unwrap();
            assert_eq!(other, r);
            for _ in 0..5 {
                assert_eq!(other.normal(1.0, 2.0), r.normal(1.0, 2.0));
                assert_eq!(other.poisson(3.0), r.poisson(3.0));
            }
        }
    }

    #[test]
    fn distributions_have_the_right_moments() {
        let n = 200_000;
        let mut r = NestmlRng::seed_from_u64(1);
        let u: Vec<f64> = (0..n).map(|_| r.uniform(-2.0, 6.0)).collect();
        assert!(u.iter().all(|&x| (-2.0..6.0).contains(&x)));
        let (m, v) = mean_var(&u);
        assert!(
            (m - 2.0).abs() < 0.03 && (v - 64.0 / 12.0).abs() < 0.06,
            "{m} {v}"
        );
        let z: Vec<f64> = (0..n).map(|_| r.normal(-65.0, 3.0)).collect();
        let (m, v) = mean_var(&z);
        assert!((m + 65.0).abs() < 0.03 && (v - 9.0).abs() < 0.1, "{m} {v}");
        for lambda in [0.05, 3.0, 40.0] {
            let k: Vec<f64> = (0..n).map(|_| r.poisson(lambda).unwrap() as f64).collect();
            let (m, v) = mean_var(&k);
            let tol = 5.0 * (lambda / n as f64).sqrt();
            assert!(
                (m - lambda).abs() < tol && (v - lambda).abs() < 0.05 * lambda + 10.0 * tol,
                "{lambda}: {m} {v}"
            );
        }
        assert_eq!(r.poisson(0.0), Some(0));
        assert_eq!(r.poisson(-1.0), None);
        assert_eq!(r.poisson(f64::NAN), None);
        assert_eq!(r.poisson(f64::INFINITY), None);
    }
}
