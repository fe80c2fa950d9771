//! Generated NESTML neurons without `std`, `alloc` or an allocator.
//!
//! This crate is `#![no_std]` and depends on `nestml` with `default-features = false`; it
//! has no global allocator and does not link `alloc`, so nothing in it can allocate: a
//! neuron step makes zero allocations by construction. [`check`] steps neurons ([`models`]),
//! driven by a constant current and by random spikes from [`NestmlRng`], checkpoints one
//! into a fixed buffer and compares the results with the numbers below; the binary
//! (`src/main.rs`, built and run by `tools/check_nostd.sh`) runs it as a `#![no_main]`
//! program and exits with its outcome. The unit tests run the same code with the host's
//! `std` (and, in a workspace build, the runtime's `std` feature, i.e. `std`'s math).

#![no_std]
#![deny(missing_docs)]

pub mod models;

use core::ops::Range;
use models::{ExampleIafPscExp, IafPscExpExact};
use nestml::checkpoint::{Checkpoint, WordBuf};
use nestml::{Fault, NestmlRng, Neuron, Resolution, StepContext};

/// The drive of a run: a constant current and random spikes.
#[derive(Clone, Copy, Debug)]
pub struct Drive {
    /// `I_e` in pA.
    pub i_e: f64,
    /// The probability of an input spike per step.
    pub p_spike: f64,
    /// Input spike weights are uniform in `[-weight, 2 weight)` pA (negative ones inhibitory).
    pub weight: f64,
}

/// 400 pA and no spikes: regular firing.
pub const DC: Drive = Drive { i_e: 400.0, p_spike: 0.0, weight: 0.0 };
/// 300 pA (below threshold) and random spikes at 1 kHz.
pub const NOISY: Drive = Drive { i_e: 300.0, p_spike: 0.1, weight: 100.0 };

/// Spikes of either neuron in 1 s of [`DC`] (an interspike interval of 2 ms refractory plus
/// `10 ms · ln 16 = 27.7 ms`, on the 0.1 ms grid).
pub const DC_SPIKES: u32 = 33;
/// Spikes of either neuron in 1 s of [`NOISY`] with seed 7, stream 1.
pub const NOISY_SPIKES: u32 = 31;

/// The resolution of every run: 0.1 ms.
pub fn resolution() -> Resolution {
    Resolution::from_ms(0.1).unwrap_or_else(|_| unreachable!())
}

/// A neuron of type `N` with `I_e` of `drive`, ready to step.
pub fn neuron<N: Neuron + Default>(drive: Drive) -> Result<N, Fault> {
    let mut n = N::default();
    n.set("I_e", drive.i_e).unwrap_or_else(|_| unreachable!("both models have I_e"));
    n.init_buffers(&resolution());
    n.calibrate(&resolution())?;
    Ok(n)
}

/// Runs `n` over `steps` under `drive`, drawing its input spikes from `rng`; the number of
/// spikes it emits.
pub fn run<N: Neuron>(n: &mut N, rng: &mut NestmlRng, steps: Range<i64>, drive: Drive) -> Result<u32, Fault> {
    let res = resolution();
    let mut spikes = 0;
    for k in steps {
        if rng.uniform01() < drive.p_spike {
            n.handle_spike(0, rng.uniform(-drive.weight, 2.0 * drive.weight), 1);
        }
        spikes += n.step(&mut StepContext::new(&res, k, rng))?.spikes;
    }
    Ok(spikes)
}

/// Spikes of a fresh `N` in 1 s of `drive` with seed 7, stream 1.
pub fn spikes_in_one_second<N: Neuron + Default>(drive: Drive) -> Result<u32, Fault> {
    run(&mut neuron::<N>(drive)?, &mut NestmlRng::with_stream(7, 1), 0..10_000, drive)
}

/// Whether a neuron and its random stream, saved into a fixed buffer after 0.5 s of [`NOISY`]
/// and restored into fresh ones, continue exactly as the originals.
pub fn checkpoint_continues<N: Neuron + Default>() -> Result<bool, Fault> {
    let mut n = neuron::<N>(NOISY)?;
    let mut rng = NestmlRng::with_stream(7, 1);
    run(&mut n, &mut rng, 0..5_000, NOISY)?;
    let mut words = [0_u64; 64];
    let mut out = WordBuf::new(&mut words);
    n.save(&mut out);
    rng.save(&mut out);
    let Ok(mut saved) = out.finish() else { return Ok(false) };
    let (mut copy, mut copy_rng) = (neuron::<N>(NOISY)?, NestmlRng::seed_from_u64(0));
    if copy.restore(&mut saved).is_err() || copy_rng.restore(&mut saved).is_err() || !saved.is_empty() {
        return Ok(false);
    }
    let a = run(&mut n, &mut rng, 5_000..10_000, NOISY)?;
    let b = run(&mut copy, &mut copy_rng, 5_000..10_000, NOISY)?;
    Ok(a == b && a > 0 && n.get("V_m").map(f64::to_bits) == copy.get("V_m").map(f64::to_bits))
}

/// Runs every check; the first that fails, named.
pub fn check() -> Result<(), &'static str> {
    let expect = |got: Result<u32, Fault>, want: u32, what: &'static str| match got {
        Ok(n) if n == want => Ok(()),
        _ => Err(what),
    };
    expect(spikes_in_one_second::<ExampleIafPscExp>(DC), DC_SPIKES, "RKF45 neuron, DC: wrong spike count")?;
    expect(spikes_in_one_second::<IafPscExpExact>(DC), DC_SPIKES, "exact neuron, DC: wrong spike count")?;
    expect(spikes_in_one_second::<ExampleIafPscExp>(NOISY), NOISY_SPIKES, "RKF45 neuron, noisy: wrong spike count")?;
    expect(spikes_in_one_second::<IafPscExpExact>(NOISY), NOISY_SPIKES, "exact neuron, noisy: wrong spike count")?;
    if checkpoint_continues::<ExampleIafPscExp>() != Ok(true) || checkpoint_continues::<IafPscExpExact>() != Ok(true) {
        return Err("a restored checkpoint does not continue the run");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spike_counts_are_the_expected_ones() {
        assert_eq!(spikes_in_one_second::<ExampleIafPscExp>(DC), Ok(DC_SPIKES));
        assert_eq!(spikes_in_one_second::<IafPscExpExact>(DC), Ok(DC_SPIKES));
        assert_eq!(spikes_in_one_second::<ExampleIafPscExp>(NOISY), Ok(NOISY_SPIKES));
        assert_eq!(spikes_in_one_second::<IafPscExpExact>(NOISY), Ok(NOISY_SPIKES));
    }

    #[test]
    fn checks_pass() {
        assert_eq!(check(), Ok(()));
    }
}
