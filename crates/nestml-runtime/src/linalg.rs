//! Exact propagators for generated neurons: `x(t+h) = P x(t) + Φ b` for the linear part
//! `x' = A x + b`, with `P = expm(A h)` and `Φ = ∫₀ʰ expm(A s) ds`, evaluated at run time
//! from parameter values (in `calibrate`, not per step).
//!
//! The same computation as `nestml_ode::propagator::propagate_matrix`: one matrix exponential
//! of the augmented matrix `[[A h, I h], [0, 0]]` (nalgebra: scaling and squaring with Padé),
//! exact when eigenvalues coincide; closed forms `P_ii = exp(a h)`, `Φ_ii = expm1(a h)/a`
//! (`h` for `a == 0`) for uncoupled rows.

use nalgebra::DMatrix;

/// `(P, Φ)` for the matrix `a` and step `h`.
///
/// The last result is remembered per thread: a population of neurons with equal parameters,
/// calibrated one after the other, computes the matrix exponential once.
pub fn propagator<const N: usize>(a: &[[f64; N]; N], h: f64) -> ([[f64; N]; N], [[f64; N]; N]) {
    let key: [u64; 1] = [h.to_bits()];
    let bits = || key.iter().copied().chain(a.iter().flatten().map(|x| x.to_bits()));
    if let Some(hit) = LAST.with(|last| {
        let last = last.borrow();
        (last.0.iter().copied().eq(bits())).then(|| {
            let mut p = [[0.0; N]; N];
            let mut phi = [[0.0; N]; N];
            for i in 0..N {
                p[i].copy_from_slice(&last.1[i * N..(i + 1) * N]);
                phi[i].copy_from_slice(&last.2[i * N..(i + 1) * N]);
            }
            (p, phi)
        })
    }) {
        return hit;
    }
    let (p, phi) = compute(a, h);
    LAST.with(|last| {
        let mut last = last.borrow_mut();
        last.0.clear();
        last.0.extend(bits());
        last.1.clear();
        last.1.extend(p.iter().flatten());
        last.2.clear();
        last.2.extend(phi.iter().flatten());
    });
    (p, phi)
}

thread_local! {
    /// The last `propagator` call of this thread: (bits of `h` and `a`, `P`, `Φ`), row-major.
    static LAST: std::cell::RefCell<(Vec<u64>, Vec<f64>, Vec<f64>)> = const { std::cell::RefCell::new((Vec::new(), Vec::new(), Vec::new())) };
}

fn compute<const N: usize>(a: &[[f64; N]; N], h: f64) -> ([[f64; N]; N], [[f64; N]; N]) {
    let closed: [bool; N] = core::array::from_fn(|i| (0..N).all(|j| j == i || a[i][j] == 0.0));
    let mut p = [[0.0; N]; N];
    let mut phi = [[0.0; N]; N];
    if !closed.iter().all(|&c| c) {
        let mut m = DMatrix::<f64>::zeros(2 * N, 2 * N);
        for i in 0..N {
            for j in 0..N {
                m[(i, j)] = a[i][j] * h;
            }
            m[(i, N + i)] = h;
        }
        let e = m.exp();
        for i in 0..N {
            for j in 0..N {
                p[i][j] = e[(i, j)];
                phi[i][j] = e[(i, N + j)];
            }
        }
    }
    for i in (0..N).filter(|&i| closed[i]) {
        p[i] = [0.0; N];
        phi[i] = [0.0; N];
        let aii = a[i][i];
        p[i][i] = (aii * h).exp();
        phi[i][i] = if aii == 0.0 {
            h
        } else {
            (aii * h).exp_m1() / aii
        };
    }
    (p, phi)
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
    }
}
