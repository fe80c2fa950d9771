//! The cost of `f32` on the neurons of the GSL conformance cases: Hodgkin–Huxley
//! (`hh_psc_alpha`'s, with PyNESTML's RKF45 tolerances) and AdEx (NEST's aeif dynamics and
//! derivative control), each driven to spike tonically for 1 s at 0.1 ms, in `f32` and in
//! `f64` by the same right-hand side and [`Rkf45`]. Measured (stated in the docs of `Real`):
//! the same spikes in the same steps; HH spike times (interpolated) within 1.5·10⁻⁴ ms, `V`
//! before the first spike within 1.2·10⁻⁴ mV (AdEx 7·10⁻⁵ mV); about as many RKF45 steps.

use nestml_runtime::solvers::{Control, OdeSolver, Rkf45};
use nestml_runtime::Real;

/// The constant-current Hodgkin–Huxley neuron of `hh_psc_alpha` (synaptic currents at 0).
fn hh<F: Real>(_t: F, y: &[F; 4], f: &mut [F; 4]) {
    let c = F::from_f64;
    let (g_na, g_k, g_l, c_m) = (c(12000.0), c(3600.0), c(30.0), c(100.0));
    let (e_na, e_k, e_l, i_e) = (c(50.0), c(-77.0), c(-54.402), c(1000.0));
    let (v, m, h, n) = (y[0], y[1], y[2], y[3]);
    let one = F::ONE;
    let alpha_n = (c(0.01) * (v + c(55.0))) / (one - (-(v + c(55.0)) / c(10.0)).exp());
    let beta_n = c(0.125) * (-(v + c(65.0)) / c(80.0)).exp();
    let alpha_m = (c(0.1) * (v + c(40.0))) / (one - (-(v + c(40.0)) / c(10.0)).exp());
    let beta_m = c(4.0) * (-(v + c(65.0)) / c(18.0)).exp();
    let alpha_h = c(0.07) * (-(v + c(65.0)) / c(20.0)).exp();
    let beta_h = one / (one + (-(v + c(35.0)) / c(10.0)).exp());
    let i_na = g_na * m * m * m * h * (v - e_na);
    let i_k = g_k * n * n * n * n * (v - e_k);
    let i_l = g_l * (v - e_l);
    f[0] = (-(i_na + i_k + i_l) + i_e) / c_m;
    f[1] = alpha_m * (one - m) - beta_m * m;
    f[2] = alpha_h * (one - h) - beta_h * h;
    f[3] = alpha_n * (one - n) - beta_n * n;
}

/// AdEx under a constant current (NEST's aeif defaults); spikes at 0 mV reset `V` to -60 mV
/// and add 80.5 pA to `w`.
fn adex<F: Real>(_t: F, y: &[F; 2], f: &mut [F; 2]) {
    let c = F::from_f64;
    let (c_m, g_l, e_l, v_th, delta_t, a) = (c(281.0), c(30.0), c(-70.6), c(-50.4), c(2.0), c(4.0));
    let (tau_w, v_peak, i_e) = (c(144.0), c(0.0), c(1000.0));
    let v = if y[0] < v_peak { y[0] } else { v_peak };
    let w = y[1];
    f[0] = (-g_l * (v - e_l) + g_l * delta_t * ((v - v_th) / delta_t).exp() - w + i_e) / c_m;
    f[1] = (a * (v - e_l) - w) / tau_w;
}

/// Runs `steps` steps of 0.1 ms from `y`; returns `V` after each step and the spikes as
/// (step, time in ms): upward crossings of 0 mV, interpolated linearly within the step, or
/// with `reset` the end of the step where it applied.
fn run<F: Real, const N: usize>(
    rhs: fn(F, &[F; N], &mut [F; N]),
    mut y: [F; N],
    control: Control,
    reset: Option<fn(&mut [F; N]) -> bool>,
    steps: usize,
) -> (Vec<f64>, Vec<(usize, f64)>) {
    let h = F::from_f64(0.1);
    let mut s = Rkf45::<N, F>::new(control, h);
    let (mut v, mut spikes) = (Vec::new(), Vec::new());
    for k in 0..steps {
        let before = y[0].to_f64();
        s.integrate(&rhs, F::ZERO, h, &mut y).unwrap();
        let after = y[0].to_f64();
        match reset {
            Some(reset) if reset(&mut y) => spikes.push((k, (k + 1) as f64 * 0.1)),
            None if before < 0.0 && after >= 0.0 => spikes.push((k, (k as f64 + before / (before - after)) * 0.1)),
            _ => {}
        }
        v.push(after);
    }
    (v, spikes)
}

fn adex_reset<F: Real>(y: &mut [F; 2]) -> bool {
    let spiked = y[0] >= F::ZERO;
    if spiked {
        y[0] = F::from_f64(-60.0);
        y[1] += F::from_f64(80.5);
    }
    spiked
}

/// The cost of `f32`: (largest |ΔV| in mV over the steps before the first spike, largest
/// spike-time difference in ms); the spike counts must agree.
type Run = (Vec<f64>, Vec<(usize, f64)>);
fn cost(name: &str, (v32, s32): &Run, (v64, s64): &Run) -> (f64, f64) {
    assert_eq!(s32.len(), s64.len(), "{name}: spike counts");
    let first = s64[0].0.min(s32[0].0);
    let dv = v32[..first].iter().zip(&v64[..first]).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
    let dt = s32.iter().zip(s64).map(|(a, b)| (a.1 - b.1).abs()).fold(0.0, f64::max);
    println!("{name}: {} spikes, times within {dt:e} ms; |ΔV| ≤ {dv:e} mV before the first", s64.len());
    (dv, dt)
}

#[test]
fn hodgkin_huxley_in_f32() {
    let y0 = [-65.0, 0.0529, 0.5961, 0.3177];
    let r64 = run(hh::<f64>, y0, Control::NESTML_DEFAULT, None, 10_000);
    let r32 = run(hh::<f32>, y0.map(|x| x as f32), Control::NESTML_DEFAULT, None, 10_000);
    let (dv, dt) = cost("hh", &r32, &r64);
    assert!(r64.1.len() > 50 && dv > 0.0 && dv < 1e-3 && dt < 1e-3, "ΔV {dv} mV, Δt {dt} ms");
}

#[test]
fn adex_in_f32() {
    let y0 = [-70.6, 0.0];
    let r64 = run(adex::<f64>, y0, Control::yp(1e-6, 1e-6), Some(adex_reset), 10_000);
    let r32 = run(adex::<f32>, y0.map(|x| x as f32), Control::yp(1e-6, 1e-6), Some(adex_reset), 10_000);
    // spike times are step ends: a difference would be a step
    let (dv, dt) = cost("adex", &r32, &r64);
    assert!(r64.1.len() > 20 && dv > 0.0 && dv < 1e-3 && dt < 1e-3, "ΔV {dv} mV, Δt {dt} ms");
}
