//! Test problems with exact solutions, and convergence-order measurement.

use std::vec::Vec;

/// `y' = -y`, `y(0) = 1`.
pub fn decay(_t: f64, y: &[f64; 1], dydt: &mut [f64; 1]) {
    dydt[0] = -y[0];
}

pub fn decay_exact(t: f64) -> [f64; 1] {
    [(-t).exp()]
}

/// The damped oscillator `y0' = y1, y1' = -y0 - 0.2 y1` (a 2-D linear system),
/// `y(0) = (1, 0)`.
pub fn oscillator(_t: f64, y: &[f64; 2], dydt: &mut [f64; 2]) {
    dydt[0] = y[1];
    dydt[1] = -y[0] - 0.2 * y[1];
}

pub fn oscillator_exact(t: f64) -> [f64; 2] {
    // Roots -0.1 ± iω with ω = sqrt(1 - 0.01).
    let w = 0.99f64.sqrt();
    let e = (-0.1 * t).exp();
    let (s, c) = (w * t).sin_cos();
    let y0 = e * (c + 0.1 / w * s);
    let y1 = e * (-(w + 0.01 / w) * s);
    [y0, y1]
}

/// Max-norm error of integrating to `t_end` in `n` equal steps with `step`.
pub fn error_with_steps<const N: usize>(
    n: usize,
    t_end: f64,
    y0: [f64; N],
    exact: impl Fn(f64) -> [f64; N],
    mut step: impl FnMut(f64, f64, &mut [f64; N]),
) -> f64 {
    let h = t_end / n as f64;
    let mut y = y0;
    for i in 0..n {
        step(i as f64 * h, h, &mut y);
    }
    let ex = exact(t_end);
    y.iter()
        .zip(ex.iter())
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max)
}

/// The observed order of `step` integrating to `t_end` with each of the step counts `ns`
/// (doublings), and the errors it came from.
pub fn convergence_order<const N: usize>(
    ns: &[usize],
    t_end: f64,
    y0: [f64; N],
    exact: impl Fn(f64) -> [f64; N],
    mut step: impl FnMut(f64, f64, &mut [f64; N]),
) -> (f64, Vec<f64>) {
    let errors: Vec<f64> = ns.iter().map(|&n| error_with_steps(n, t_end, y0, &exact, &mut step)).collect();
    (observed_order(&errors), errors)
}

/// The observed order `log2(e(n) / e(2n))`, averaged over the doublings `n0, 2 n0, … `.
pub fn observed_order(errors: &[f64]) -> f64 {
    let orders: Vec<f64> = errors.windows(2).map(|w| (w[0] / w[1]).log2()).collect();
    orders.iter().sum::<f64>() / orders.len() as f64
}
