//! 64 Hodgkin–Huxley neurons (currents from rest to fast spiking) through the 8 lanes of
//! [`Rkf45Lanes`] against 64 scalar [`Rkf45`]s: the same numbers bit for bit, and the time of
//! each, with the lanes' loops compiled for the baseline, AVX2 and AVX-512 (`#[target_feature]`
//! functions around `integrate`, as generated population code calls it).
//!
//! `cargo run --release -p nestml-runtime --example rkf45_lanes`

// Index loops over lanes and variables mirror the layout `y[i][l]`.
#![allow(clippy::needless_range_loop)]

use nestml_runtime::math::{exp, exp_inline};
use nestml_runtime::solvers::{Control, OdeSolver, Rkf45, Rkf45Lanes};
use std::time::Instant;

const L: usize = 8;
const NEURONS: usize = 64;
type Lanes = [[f64; L]; 4];

/// The derivatives of Hodgkin and Huxley's axon with the exponential `e`.
#[inline(always)]
fn hh(v: f64, m: f64, h: f64, n: f64, i_e: f64, e: impl Fn(f64) -> f64) -> [f64; 4] {
    let alpha_n = 0.01 * (v + 55.0) / (1.0 - e(-(v + 55.0) / 10.0));
    let beta_n = 0.125 * e(-(v + 65.0) / 80.0);
    let alpha_m = 0.1 * (v + 40.0) / (1.0 - e(-(v + 40.0) / 10.0));
    let beta_m = 4.0 * e(-(v + 65.0) / 18.0);
    let alpha_h = 0.07 * e(-(v + 65.0) / 20.0);
    let beta_h = 1.0 / (1.0 + e(-(v + 35.0) / 10.0));
    let i_na = 120.0 * m * m * m * h * (v - 50.0);
    let i_k = 36.0 * n * n * n * n * (v + 77.0);
    let i_l = 0.3 * (v + 54.4);
    [
        i_e - i_na - i_k - i_l,
        alpha_m * (1.0 - m) - beta_m * m,
        alpha_h * (1.0 - h) - beta_h * h,
        alpha_n * (1.0 - n) - beta_n * n,
    ]
}

/// The current of neuron `j`.
fn current(j: usize) -> f64 {
    40.0 * j as f64 / NEURONS as f64
}

/// All lanes at once: the lanes' currents gathered first, then a loop over lanes that the
/// compiler vectorises (`exp_inline`).
#[inline(always)]
fn hh_lanes(idx: &[usize; L], y: &Lanes, d: &mut Lanes) {
    let i_e: [f64; L] = core::array::from_fn(|l| current(idx[l]));
    for l in 0..L {
        let r = hh(y[0][l], y[1][l], y[2][l], y[3][l], i_e[l], exp_inline);
        for i in 0..4 {
            d[i][l] = r[i];
        }
    }
}

type Call = fn(&mut Rkf45Lanes<4, L>, &mut [[f64; 4]], &mut [f64]) -> bool;

#[inline(always)]
fn call(s: &mut Rkf45Lanes<4, L>, y: &mut [[f64; 4]], h: &mut [f64]) -> bool {
    s.integrate(&|idx, _t, y, d| hh_lanes(idx, y, d), 0.1, y, h, &[true; NEURONS]).is_ok()
}

#[inline(never)]
fn baseline(s: &mut Rkf45Lanes<4, L>, y: &mut [[f64; 4]], h: &mut [f64]) -> bool {
    call(s, y, h)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn avx2(s: &mut Rkf45Lanes<4, L>, y: &mut [[f64; 4]], h: &mut [f64]) -> bool {
    call(s, y, h)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512dq,avx512vl")]
fn avx512(s: &mut Rkf45Lanes<4, L>, y: &mut [[f64; 4]], h: &mut [f64]) -> bool {
    call(s, y, h)
}

fn main() {
    let calls = 2_000;
    let y0 = |j: usize| [-65.0 + (j % 8) as f64, 0.05, 0.6, 0.32];

    // scalar, with the platform's exp and with exp_inline (whose numbers the lanes use)
    let mut want = Vec::new();
    for inline in [false, true] {
        let mut ys: Vec<[f64; 4]> = (0..NEURONS).map(y0).collect();
        let mut solvers: Vec<Rkf45<4>> = (0..NEURONS).map(|_| Rkf45::new(Control::NESTML_DEFAULT, 0.1)).collect();
        let start = Instant::now();
        for _ in 0..calls {
            for j in 0..NEURONS {
                let ie = current(j);
                if inline {
                    let f = |_t: f64, y: &[f64; 4], d: &mut [f64; 4]| *d = hh(y[0], y[1], y[2], y[3], ie, exp_inline);
                    solvers[j].integrate(&f, 0.0, 0.1, &mut ys[j]).unwrap();
                } else {
                    let f = |_t: f64, y: &[f64; 4], d: &mut [f64; 4]| *d = hh(y[0], y[1], y[2], y[3], ie, exp);
                    solvers[j].integrate(&f, 0.0, 0.1, &mut ys[j]).unwrap();
                }
            }
        }
        let steps: u64 = solvers.iter().map(|s| s.stats().accepted + s.stats().rejected).sum();
        let exp_name = if inline { "exp_inline" } else { "exp" };
        println!("{NEURONS} × Rkf45<4>, {exp_name:>10}: {:>9.1?} ({:.2} steps per neuron and call)", start.elapsed(), steps as f64 / (NEURONS * calls) as f64);
        if inline {
            want = ys;
        }
    }

    let mut variants: Vec<(&str, Call)> = vec![("baseline", baseline)];
    #[cfg(target_arch = "x86_64")]
    {
        if is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2
            variants.push(("AVX2", |s, y, h| unsafe { avx2(s, y, h) }));
        }
        if is_x86_feature_detected!("avx512f") && is_x86_feature_detected!("avx512dq") && is_x86_feature_detected!("avx512vl") {
            // SAFETY: the CPU has these AVX-512 subsets
            variants.push(("AVX-512", |s, y, h| unsafe { avx512(s, y, h) }));
        }
    }
    for (name, call) in variants {
        let mut s = Rkf45Lanes::<4, L>::new(Control::NESTML_DEFAULT, 1_000_000);
        let mut y: Vec<[f64; 4]> = (0..NEURONS).map(y0).collect();
        let mut h = vec![0.1; NEURONS];
        let start = Instant::now();
        for _ in 0..calls {
            assert!(call(&mut s, &mut y, &mut h));
        }
        let elapsed = start.elapsed();
        for j in 0..NEURONS {
            assert_eq!(y[j].map(f64::to_bits), want[j].map(f64::to_bits), "{name}: neuron {j} differs from Rkf45");
        }
        println!("Rkf45Lanes<4, 8>, {name:>10}: {elapsed:>9.1?} (bit for bit Rkf45 with exp_inline)");
    }

    // rounds: lanes take the next neuron when theirs is done
    let count = std::cell::Cell::new(0u64);
    let mut s = Rkf45Lanes::<4, L>::new(Control::NESTML_DEFAULT, 1_000_000);
    let mut y: Vec<[f64; 4]> = (0..NEURONS).map(y0).collect();
    let mut h = vec![0.1; NEURONS];
    for _ in 0..calls {
        let f = |idx: &[usize; L], _t: &[f64; L], y: &Lanes, d: &mut Lanes| {
            count.set(count.get() + 1);
            hh_lanes(idx, y, d)
        };
        s.integrate(&f, 0.1, &mut y, &mut h, &[true; NEURONS]).unwrap();
    }
    println!("{:.2} right-hand-side calls of all lanes per call ({} neurons on {L} lanes)", count.get() as f64 / calls as f64, NEURONS);
}
