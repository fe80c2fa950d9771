//! Bit-for-bit comparison with GSL's `rkf45` + standard control + `evolve_apply`, run in
//! NEST's loop. `tests/data/gsl_rkf45.txt` was written by `tools/gsl_reference.c` linked
//! against GSL 2.7.1 (Debian) and, identically, against the GSL 1.16 bundled in the
//! `nest-simulator` 3.10 wheel. The right-hand sides below mirror the C ones operation for
//! operation; `exp` is the platform libm in both.

use nestml_runtime::solvers::{Control, OdeSolver, Rkf45};
use std::collections::HashMap;

struct Case {
    rows: Vec<(u64, Vec<u64>)>,
    count: u64,
    failed: u64,
}

fn load() -> HashMap<String, Case> {
    let text = include_str!("data/gsl_rkf45.txt");
    let mut cases = HashMap::new();
    let mut name = String::new();
    let mut rows = Vec::new();
    for line in text.lines() {
        let mut parts = line.split_whitespace();
        match parts.next() {
            Some("case") => {
                name = parts.next().unwrap().to_string();
                rows = Vec::new();
            }
            Some("end") => {
                let count = parts.next().unwrap().parse().unwrap();
                let failed = parts.next().unwrap().parse().unwrap();
                cases.insert(
                    name.clone(),
                    Case {
                        rows: std::mem::take(&mut rows),
                        count,
                        failed,
                    },
                );
            }
            Some(step) => {
                let v: Vec<u64> = parts.map(|p| u64::from_str_radix(p, 16).unwrap()).collect();
                rows.push((step.parse().unwrap(), v));
            }
            None => {}
        }
    }
    cases
}

fn decay(_t: f64, y: &[f64; 1], f: &mut [f64; 1]) {
    f[0] = -y[0];
}

fn vdp(_t: f64, y: &[f64; 2], f: &mut [f64; 2]) {
    f[0] = y[1];
    f[1] = 5.0 * (1.0 - y[0] * y[0]) * y[1] - y[0];
}

fn hh(_t: f64, y: &[f64; 8], f: &mut [f64; 8]) {
    let (g_na, g_k, g_l, c_m) = (12000.0, 3600.0, 30.0, 100.0);
    let (e_na, e_k, e_l, tau_ex, tau_in, i_e) = (50.0, -77.0, -54.402, 0.2, 2.0, 400.0);
    let (v, m, h, n) = (y[0], y[1], y[2], y[3]);
    let alpha_n = (0.01 * (v + 55.0)) / (1.0 - (-(v + 55.0) / 10.0).exp());
    let beta_n = 0.125 * (-(v + 65.0) / 80.0).exp();
    let alpha_m = (0.1 * (v + 40.0)) / (1.0 - (-(v + 40.0) / 10.0).exp());
    let beta_m = 4.0 * (-(v + 65.0) / 18.0).exp();
    let alpha_h = 0.07 * (-(v + 65.0) / 20.0).exp();
    let beta_h = 1.0 / (1.0 + (-(v + 35.0) / 10.0).exp());
    let i_na = g_na * m * m * m * h * (v - e_na);
    let i_k = g_k * n * n * n * n * (v - e_k);
    let i_l = g_l * (v - e_l);
    f[0] = (-(i_na + i_k + i_l) + i_e + y[5] + y[7]) / c_m;
    f[1] = alpha_m * (1.0 - m) - beta_m * m;
    f[2] = alpha_h * (1.0 - h) - beta_h * h;
    f[3] = alpha_n * (1.0 - n) - beta_n * n;
    f[4] = -y[4] / tau_ex;
    f[5] = y[4] - y[5] / tau_ex;
    f[6] = -y[6] / tau_in;
    f[7] = y[6] - y[7] / tau_in;
}

fn hh_spikes(k: usize, y: &mut [f64; 8]) {
    let e = std::f64::consts::E; // the C literal 2.718281828459045 is the same double
    if k == 100 || k == 101 {
        y[4] += 800.0 * e / 0.2;
    }
    if k == 300 {
        y[6] += -500.0 * e / 2.0;
    }
}

fn adex(_t: f64, y: &[f64; 2], f: &mut [f64; 2]) {
    let (c_m, g_l, e_l, v_th, delta_t, a) = (281.0, 30.0, -70.6, -50.4, 2.0, 4.0);
    let (tau_w, v_peak, i_e) = (144.0, 0.0, 1000.0);
    let v = if y[0] < v_peak { y[0] } else { v_peak };
    let w = y[1];
    f[0] = (-g_l * (v - e_l) + g_l * delta_t * ((v - v_th) / delta_t).exp() - w + i_e) / c_m;
    f[1] = (a * (v - e_l) - w) / tau_w;
}

fn adex_reset(_k: usize, y: &mut [f64; 2]) {
    if y[0] >= 0.0 {
        y[0] = -60.0;
        y[1] += 80.5;
    }
}

fn check<const N: usize>(
    name: &str,
    f: fn(f64, &[f64; N], &mut [f64; N]),
    mut y: [f64; N],
    control: Control,
    jump: Option<fn(usize, &mut [f64; N])>,
) -> Vec<[f64; N]> {
    let cases = load();
    let case = &cases[name];
    let mut s = Rkf45::<N>::new(control, 0.1);
    let mut trace = Vec::new();
    for (k, (step, expected)) in case.rows.iter().enumerate() {
        assert_eq!(*step as usize, k);
        s.integrate(&f, 0.0, 0.1, &mut y).unwrap();
        if let Some(j) = jump {
            j(k, &mut y);
        }
        assert_eq!(
            s.integration_step().to_bits(),
            expected[0],
            "{name}: integration step after step {k}"
        );
        for i in 0..N {
            assert_eq!(
                y[i].to_bits(),
                expected[1 + i],
                "{name}: y[{i}] after step {k}: {} vs GSL {}",
                y[i],
                f64::from_bits(expected[1 + i])
            );
        }
        trace.push(y);
    }
    let st = s.stats();
    // GSL's `count` counts every try, `failed_steps` the rejected ones.
    assert_eq!(
        (st.accepted + st.rejected, st.rejected),
        (case.count, case.failed),
        "{name}: tries, rejected"
    );
    trace
}

#[test]
fn decay_matches_gsl_bitwise() {
    check(
        "decay_y_1e-6_1e-6",
        decay,
        [1.0],
        Control::y(1e-6, 1e-6),
        None,
    );
}

#[test]
fn van_der_pol_matches_gsl_bitwise() {
    check(
        "vdp5_y_1e-6_1e-6",
        vdp,
        [2.0, 0.0],
        Control::y(1e-6, 1e-6),
        None,
    );
}

#[test]
fn hodgkin_huxley_matches_gsl_bitwise_with_nest_and_nestml_tolerances() {
    let y0 = [-65.0, 0.0529, 0.5961, 0.3177, 0.0, 0.0, 0.0, 0.0];
    // NEST's hh_psc_alpha: y_new(1e-3, 0); PyNESTML's NEST target: y_new(1e-6, 1e-6).
    for (name, control) in [
        ("hh_y_1e-3_0", Control::y(1e-3, 0.0)),
        ("hh_y_1e-6_1e-6", Control::NESTML_DEFAULT),
    ] {
        let trace = check(name, hh, y0, control, Some(hh_spikes));
        let peaks = trace
            .windows(2)
            .filter(|w| w[0][0] < 0.0 && w[1][0] >= 0.0)
            .count();
        assert!(
            peaks >= 2,
            "{name}: the case should spike ({peaks} upstrokes)"
        );
    }
}

#[test]
fn adex_with_derivative_control_matches_gsl_bitwise() {
    // NEST's aeif models: yp_new(gsl_error_tol, gsl_error_tol), gsl_error_tol = 1e-6.
    let trace = check(
        "adex_yp_1e-6_1e-6",
        adex,
        [-70.6, 0.0],
        Control::yp(1e-6, 1e-6),
        Some(adex_reset),
    );
    assert!(
        trace.iter().filter(|y| y[0] == -60.0).count() >= 3,
        "the case should spike"
    );
}
