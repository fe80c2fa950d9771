//! Exact propagators for generated neurons: `x(t+h) = P x(t) + Φ b` for the linear part
//! `x' = A x + b`, with `P = expm(A h)` and `Φ = ∫₀ʰ expm(A s) ds`, evaluated at run time
//! from parameter values (in `calibrate`, not per step).
//!
//! The same computation as `nestml_ode::propagator::propagate_matrix`: one matrix exponential
//! of the augmented matrix `[[A h, I h], [0, 0]]` (nalgebra: scaling and squaring with Padé),
//! exact when eigenvalues coincide; closed forms `P_ii = exp(a h)`, `Φ_ii = expm1(a h)/a`
//! (`h` for `a == 0`) for uncoupled rows.
//!
//! Without `std` the augmented exponential is computed in `N × N` blocks (no allocation):
//! `X = A h / 2^s` with `‖X‖₁ ≤ 1/2`, Taylor series `E = Σ Xᵏ/k!`, `F = (h/2^s) Σ Xᵏ/(k+1)!`
//! to 18 terms (a remainder below 10⁻¹⁸), then `s` squarings `[[E, F], [0, I]]² =
//! [[E², E F + F], [0, I]]`; it agrees with the `std` build's to a few ulps, not bit for bit.

use crate::math::{exp, exp_m1};
use crate::Real;

/// `(P, Φ)` for the matrix `a` and step `h`.
///
/// Computed in `f64` and rounded to `F`: an `f32` model gets the `f64` propagator of its
/// (rounded) parameters, rounded once, the best its storage holds.
///
/// With `std` the last two distinct results are remembered per thread: a population of neurons
/// with equal parameters, calibrated one after the other, computes each matrix exponential
/// once.
pub fn propagator<F: Real, const N: usize>(a: &[[F; N]; N], h: F) -> ([[F; N]; N], [[F; N]; N]) {
    let (a, h) = (a.map(|row| row.map(F::to_f64)), h.to_f64());
    #[cfg(feature = "std")]
    let (p, phi) = cache::propagator(&a, h);
    #[cfg(not(feature = "std"))]
    let (p, phi) = compute(&a, h);
    let to_f = |m: [[f64; N]; N]| m.map(|row| row.map(F::from_f64));
    (to_f(p), to_f(phi))
}

#[cfg(feature = "std")]
mod cache {
    use std::cell::RefCell;
    use std::vec::Vec;

    /// A result: (bits of `h` and `a`, `P`, `Φ`), row-major.
    type Entry = (Vec<u64>, Vec<f64>, Vec<f64>);

    /// How many results are kept: a model on the Rush–Larsen solver calibrates two propagators
    /// (the step's and the stage's), which must not evict each other.
    const KEPT: usize = 2;

    thread_local! {
        /// The last `KEPT` distinct `propagator` calls of this thread, the latest first.
        static LAST: RefCell<Vec<Entry>> = const { RefCell::new(Vec::new()) };
    }

    pub(super) fn propagator<const N: usize>(a: &[[f64; N]; N], h: f64) -> ([[f64; N]; N], [[f64; N]; N]) {
        let key: [u64; 1] = [h.to_bits()];
        let bits = || key.iter().copied().chain(a.iter().flatten().map(|x| x.to_bits()));
        if let Some(hit) = LAST.with(|last| {
            let mut last = last.borrow_mut();
            let k = last.iter().position(|e| e.0.iter().copied().eq(bits()))?;
            last[..=k].rotate_right(1);
            let e = &last[0];
            let mut p = [[0.0; N]; N];
            let mut phi = [[0.0; N]; N];
            for i in 0..N {
                p[i].copy_from_slice(&e.1[i * N..(i + 1) * N]);
                phi[i].copy_from_slice(&e.2[i * N..(i + 1) * N]);
            }
            Some((p, phi))
        }) {
            return hit;
        }
        let (p, phi) = super::compute(a, h);
        LAST.with(|last| {
            let mut last = last.borrow_mut();
            let mut entry = if last.len() == KEPT { last.pop().unwrap_or_default() } else { Entry::default() };
            entry.0.clear();
            entry.0.extend(bits());
            entry.1.clear();
            entry.1.extend(p.iter().flatten());
            entry.2.clear();
            entry.2.extend(phi.iter().flatten());
            last.insert(0, entry);
        });
        (p, phi)
    }

    /// Whether a result for the step `h` is remembered.
    #[cfg(test)]
    pub(super) fn holds(h: f64) -> bool {
        LAST.with(|last| last.borrow().iter().any(|e| e.0.first() == Some(&h.to_bits())))
    }
}

fn compute<const N: usize>(a: &[[f64; N]; N], h: f64) -> ([[f64; N]; N], [[f64; N]; N]) {
    let closed: [bool; N] = core::array::from_fn(|i| (0..N).all(|j| j == i || a[i][j] == 0.0));
    let (mut p, mut phi) = if closed.iter().all(|&c| c) {
        ([[0.0; N]; N], [[0.0; N]; N])
    } else {
        augmented_exp(a, h)
    };
    for i in (0..N).filter(|&i| closed[i]) {
        p[i] = [0.0; N];
        phi[i] = [0.0; N];
        let aii = a[i][i];
        p[i][i] = exp(aii * h);
        phi[i][i] = if aii == 0.0 { h } else { exp_m1(aii * h) / aii };
    }
    (p, phi)
}

/// The blocks `P` and `Φ` of `expm([[A h, I h], [0, 0]])` (nalgebra's scaling and squaring
/// with Padé).
#[cfg(feature = "std")]
fn augmented_exp<const N: usize>(a: &[[f64; N]; N], h: f64) -> ([[f64; N]; N], [[f64; N]; N]) {
    let mut m = nalgebra::DMatrix::<f64>::zeros(2 * N, 2 * N);
    for i in 0..N {
        for j in 0..N {
            m[(i, j)] = a[i][j] * h;
        }
        m[(i, N + i)] = h;
    }
    let e = m.exp();
    (
        core::array::from_fn(|i| core::array::from_fn(|j| e[(i, j)])),
        core::array::from_fn(|i| core::array::from_fn(|j| e[(i, N + j)])),
    )
}

/// The blocks `P` and `Φ` of `expm([[A h, I h], [0, 0]])`, by Taylor series and squaring in
/// `N × N` blocks (module docs).
#[cfg(not(feature = "std"))]
fn augmented_exp<const N: usize>(a: &[[f64; N]; N], h: f64) -> ([[f64; N]; N], [[f64; N]; N]) {
    fn mul<const N: usize>(x: &[[f64; N]; N], y: &[[f64; N]; N]) -> [[f64; N]; N] {
        core::array::from_fn(|i| core::array::from_fn(|j| (0..N).map(|k| x[i][k] * y[k][j]).sum()))
    }
    let norm = (0..N).map(|j| (0..N).map(|i| (a[i][j] * h).abs()).sum::<f64>()).fold(0.0, f64::max);
    if !norm.is_finite() {
        return ([[f64::NAN; N]; N], [[f64::NAN; N]; N]);
    }
    let (mut s, mut scaled, mut scale) = (0, norm, h);
    while scaled > 0.5 {
        (s, scaled, scale) = (s + 1, scaled * 0.5, scale * 0.5);
    }
    let x: [[f64; N]; N] = core::array::from_fn(|i| core::array::from_fn(|j| a[i][j] * scale));
    let identity: [[f64; N]; N] = core::array::from_fn(|i| core::array::from_fn(|j| if i == j { 1.0 } else { 0.0 }));
    // E = Σ Xᵏ/k!, F/scale = Σ Xᵏ/(k+1)!
    let (mut e, mut f, mut term) = (identity, identity, identity);
    for k in 1..18 {
        term = mul(&term, &x).map(|row| row.map(|t| t / k as f64));
        for i in 0..N {
            for j in 0..N {
                e[i][j] += term[i][j];
                f[i][j] += term[i][j] / (k + 1) as f64;
            }
        }
    }
    f = f.map(|row| row.map(|t| t * scale));
    for _ in 0..s {
        let ef = mul(&e, &f);
        for i in 0..N {
            for j in 0..N {
                f[i][j] += ef[i][j];
            }
        }
        e = mul(&e, &e);
    }
    (e, f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uncoupled_and_coupled_rows() {
        // x' = -x/2, y' = -y/10 + x/250 + 1
        let a = [[-0.5, 0.0], [1.0 / 250.0, -0.1]];
        let (p, phi) = propagator(&a, 0.1);
        assert_eq!(p[0][0], (-0.05f64).exp());
        assert!((p[1][1] - (-0.01f64).exp()).abs() < 1e-15);
        // the coupling entry: (exp(-0.01) - exp(-0.05)) / (0.4 * 250)
        let want = ((-0.01f64).exp() - (-0.05f64).exp()) / (0.4 * 250.0);
        assert!((p[1][0] - want).abs() < 1e-15 * want.abs().max(1e-300) + 1e-18);
        assert!((phi[1][1] - (-0.01f64).exp_m1() / -0.1).abs() < 1e-15);
        let (pt, phit) = propagator(&[[0.0]], 0.1);
        assert_eq!((pt[0][0], phit[0][0]), (1.0, 0.1));
    }

    #[test]
    fn long_steps_are_exact_too() {
        // x' = -x/2, y' = -y/10 + x/250 over 100 ms: ‖A h‖ = 50 (seven squarings without std)
        let a = [[-0.5, 0.0], [1.0 / 250.0, -0.1]];
        let h = 100.0;
        let (p, phi) = propagator(&a, h);
        let (e1, e2) = ((-0.5f64 * h).exp(), (-0.1f64 * h).exp());
        let close = |got: f64, want: f64| (got - want).abs() <= 1e-13 * want.abs();
        assert!(close(p[1][0], (e2 - e1) / (0.4 * 250.0)), "{}", p[1][0]);
        assert!(close(p[1][1], e2) && close(p[0][0], e1));
        // Φ₁₀ = ∫₀ʰ P₁₀(s) ds
        let want = ((1.0 - e2) / 0.1 - (1.0 - e1) / 0.5) / (0.4 * 250.0);
        assert!(close(phi[1][0], want), "{} {want}", phi[1][0]);
        assert!(close(phi[1][1], (1.0 - e2) / 0.1));
    }

    #[test]
    fn single_precision_is_the_double_precision_propagator_rounded() {
        let a = [[-0.5, 0.0, 0.0], [1.0 / 250.0, -0.1, 0.0], [0.3, 2.0, -1.0 / 3.0]];
        let a32 = a.map(|row| row.map(|x| x as f32));
        let (p, phi) = propagator(&a32.map(|row| row.map(f64::from)), f64::from(0.1f32));
        let (p32, phi32) = propagator(&a32, 0.1f32);
        let round = |m: [[f64; 3]; 3]| m.map(|row| row.map(|x| x as f32));
        assert_eq!((p32, phi32), (round(p), round(phi)));
    }

    #[cfg(feature = "std")]
    #[test]
    fn the_remembered_result_is_the_computed_one() {
        let a = [[-0.5, 0.0], [1.0 / 250.0, -0.1]];
        let first = propagator(&a, 0.1);
        assert_eq!(propagator(&a, 0.1), first, "hit");
        assert_eq!(first, compute(&a, 0.1));
        // another step or matrix is computed afresh
        assert_eq!(propagator(&a, 0.2), compute(&a, 0.2));
        let b = [[-0.5, 0.0], [1.0 / 250.0, -0.2]];
        assert_eq!(propagator(&b, 0.2), compute(&b, 0.2));
        assert_eq!(propagator(&a, 0.1), first);
        // two alternating steps (a Rush–Larsen model's step and stage) are both kept
        let stage = propagator(&a, 0.025);
        assert!(cache::holds(0.1) && cache::holds(0.025));
        assert_eq!(propagator(&a, 0.1), first);
        assert_eq!(propagator(&a, 0.025), stage);
        assert!(cache::holds(0.1) && cache::holds(0.025) && !cache::holds(0.2));
    }
}
