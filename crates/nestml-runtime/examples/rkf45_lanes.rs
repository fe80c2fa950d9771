//! Eight Hodgkin–Huxley neurons on [`Rkf45Lanes`] against eight scalar [`Rkf45`]s: the same
//! numbers bit for bit, and the time of each, with the lanes' loops compiled for the baseline,
//! AVX2 and AVX-512 (`#[target_feature]` functions around `integrate`, as generated population
//! code calls it).
//!
//! `cargo run --release -p nestml-runtime --example rkf45_lanes`

// Index loops over lanes and variables mirror the layout `y[i][l]`.
#![allow(clippy::needless_range_loop)]

use nestml_runtime::math::{exp, exp_inline};
use nestml_runtime::solvers::{Control, OdeSolver, Rkf45, Rkf45Lanes};
use std::time::Instant;

const L: usize = 8;
type State = [[f64; L]; 4];

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

/// All lanes at once: a loop over lanes that the compiler vectorises (`exp_inline`).
#[inline(always)]
fn hh_lanes(i_e: &[f64; L], y: &State, d: &mut State) {
    for l in 0..L {
        let r = hh(y[0][l], y[1][l], y[2][l], y[3][l], i_e[l], exp_inline);
        for i in 0..4 {
            d[i][l] = r[i];
        }
    }
}

type Call = fn(&mut Rkf45Lanes<4, L>, &[f64; L], &mut State, &mut [f64; L]) -> bool;

#[inline(never)]
fn baseline(s: &mut Rkf45Lanes<4, L>, i_e: &[f64; L], y: &mut State, h: &mut [f64; L]) -> bool {
    s.integrate(&|_t, y, d| hh_lanes(i_e, y, d), 0.1, y, h, [true; L]).is_ok()
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn avx2(s: &mut Rkf45Lanes<4, L>, i_e: &[f64; L], y: &mut State, h: &mut [f64; L]) -> bool {
    s.integrate(&|_t, y, d| hh_lanes(i_e, y, d), 0.1, y, h, [true; L]).is_ok()
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512dq,avx512vl")]
fn avx512(s: &mut Rkf45Lanes<4, L>, i_e: &[f64; L], y: &mut State, h: &mut [f64; L]) -> bool {
    s.integrate(&|_t, y, d| hh_lanes(i_e, y, d), 0.1, y, h, [true; L]).is_ok()
}

fn main() {
    let calls = 20_000;
    let i_e: [f64; L] = [0.0, 3.0, 6.5, 8.0, 10.0, 15.0, 25.0, 40.0];
    let y0 = |l: usize| [-65.0 + 3.0 * l as f64, 0.05, 0.6, 0.32];

    // scalar, with the platform's exp and with exp_inline (whose numbers the lanes use)
    let mut want = [[0.0; 4]; L];
    for inline in [false, true] {
        let mut ys: Vec<[f64; 4]> = (0..L).map(y0).collect();
        let mut solvers: Vec<Rkf45<4>> = (0..L).map(|_| Rkf45::new(Control::NESTML_DEFAULT, 0.1)).collect();
        let start = Instant::now();
        for _ in 0..calls {
            for l in 0..L {
                let ie = i_e[l];
                if inline {
                    let f = |_t: f64, y: &[f64; 4], d: &mut [f64; 4]| *d = hh(y[0], y[1], y[2], y[3], ie, exp_inline);
                    solvers[l].integrate(&f, 0.0, 0.1, &mut ys[l]).unwrap();
                } else {
                    let f = |_t: f64, y: &[f64; 4], d: &mut [f64; 4]| *d = hh(y[0], y[1], y[2], y[3], ie, exp);
                    solvers[l].integrate(&f, 0.0, 0.1, &mut ys[l]).unwrap();
                }
            }
        }
        let steps: u64 = solvers.iter().map(|s| s.stats().accepted + s.stats().rejected).sum();
        let exp_name = if inline { "exp_inline" } else { "exp" };
        println!("8 × Rkf45<4>, {exp_name:>10}: {:>9.1?} ({steps} steps)", start.elapsed());
        if inline {
            want.copy_from_slice(&ys);
        }
    }

    let mut variants: Vec<(&str, Call)> = vec![("baseline", baseline)];
    #[cfg(target_arch = "x86_64")]
    {
        if is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2
            variants.push(("AVX2", |s, i, y, h| unsafe { avx2(s, i, y, h) }));
        }
        if is_x86_feature_detected!("avx512f") && is_x86_feature_detected!("avx512dq") && is_x86_feature_detected!("avx512vl") {
            // SAFETY: the CPU has these AVX-512 subsets
            variants.push(("AVX-512", |s, i, y, h| unsafe { avx512(s, i, y, h) }));
        }
    }
    for (name, call) in variants {
        let mut s = Rkf45Lanes::<4, L>::new(Control::NESTML_DEFAULT, 1_000_000);
        let mut y = [[0.0; L]; 4];
        for l in 0..L {
            for i in 0..4 {
                y[i][l] = y0(l)[i];
            }
        }
        let mut h = [0.1; L];
        let start = Instant::now();
        for _ in 0..calls {
            assert!(call(&mut s, &i_e, &mut y, &mut h));
        }
        let elapsed = start.elapsed();
        for l in 0..L {
            for i in 0..4 {
                assert_eq!(y[i][l].to_bits(), want[l][i].to_bits(), "{name}: lane {l} differs from Rkf45");
            }
        }
        println!("Rkf45Lanes<4, 8>, {name:>10}: {elapsed:>9.1?} (bit for bit Rkf45 with exp_inline)");
    }

    // lockstep rounds: a lane idles while others need more steps
    let count = std::cell::Cell::new(0u64);
    let mut s = Rkf45Lanes::<4, L>::new(Control::NESTML_DEFAULT, 1_000_000);
    let mut y = [[0.0; L]; 4];
    for l in 0..L {
        for i in 0..4 {
            y[i][l] = y0(l)[i];
        }
    }
    let mut h = [0.1; L];
    for _ in 0..calls {
        let f = |_t: &[f64; L], y: &State, d: &mut State| {
            count.set(count.get() + 1);
            hh_lanes(&i_e, y, d)
        };
        s.integrate(&f, 0.1, &mut y, &mut h, [true; L]).unwrap();
    }
    println!("{:.2} right-hand-side calls of all lanes per call", count.get() as f64 / calls as f64);
}
