//! ROS2, a two-stage L-stable Rosenbrock (linearly implicit) method for stiff systems.
//!
//! Verwer, Spee, Blom & Hundsdorfer (1999), "A second-order Rosenbrock method applied to
//! photochemical dispersion problems", SIAM J. Sci. Comput. 20(4). With `γ = 1 + 1/√2`,
//! `W = I − γ h J`:
//!
//! ```text
//! W k1 = f(t, y)                   + γ h f_t
//! W k2 = f(t + h, y + h k1) − 2 k1 − γ h f_t
//! y ← y + h (3/2 k1 + 1/2 k2)
//! ```
//!
//! The `f_t = ∂f/∂t` terms are the method applied to the autonomous system `(y, t)`; `f_t`
//! is a forward difference in `t` (one evaluation, exactly zero for autonomous systems). They
//! keep the accuracy on stiff, time-dependent problems.
//!
//! It is second order for any matrix `J` (a W-method), so an approximate Jacobian costs
//! accuracy in no order, only in constants, and L-stable with the exact one. `J` is
//! [`OdeRhs::jacobian`] if the system provides it, else forward differences of `f` (`N`
//! extra evaluations per step). The linear solves use an LU factorisation on the stack
//! (meant for `N ≤ 32`). No Newton iteration, no allocation.

use super::lu::{lu_decompose, lu_solve};
use super::{integrate_fixed, OdeRhs, OdeSolver, SolverError};
use crate::Real;

const GAMMA: f64 = 1.0 + core::f64::consts::FRAC_1_SQRT_2;

/// ROS2 with `substeps` fixed steps per call.
#[derive(Clone, Debug)]
pub struct Ros2<const N: usize, F: Real = f64> {
    substeps: u32,
    w: [[F; N]; N],
    piv: [usize; N],
    f0: [F; N],
    f1: [F; N],
    ft: [F; N],
    k1: [F; N],
    k2: [F; N],
    ytmp: [F; N],
}

impl<const N: usize, F: Real> Ros2<N, F> {
    /// `substeps` equal steps per [`integrate`](OdeSolver::integrate) call (at least one).
    pub fn new(substeps: u32) -> Self {
        Ros2 {
            substeps: super::check_substeps(substeps),
            w: [[F::ZERO; N]; N],
            piv: [0; N],
            f0: [F::ZERO; N],
            f1: [F::ZERO; N],
            ft: [F::ZERO; N],
            k1: [F::ZERO; N],
            k2: [F::ZERO; N],
            ytmp: [F::ZERO; N],
        }
    }

    /// Forward-difference Jacobian at `(t, y)` into `self.w`, given `self.f0 = f(t, y)`
    /// (differences of `√ε` relative, the precision of `F`).
    fn numeric_jacobian<R: OdeRhs<N, F>>(&mut self, f: &R, t: F, y: &[F; N]) {
        let sqrt_eps = F::EPSILON.sqrt();
        self.ytmp = *y;
        for j in 0..N {
            self.ytmp[j] = y[j] + sqrt_eps * y[j].abs().max(F::ONE);
            let delta = self.ytmp[j] - y[j];
            f.rhs(t, &self.ytmp, &mut self.f1);
            for i in 0..N {
                self.w[i][j] = (self.f1[i] - self.f0[i]) / delta;
            }
            self.ytmp[j] = y[j];
        }
    }

    /// One step of size `h` from `(t, y)`.
    pub fn step<R: OdeRhs<N, F>>(
        &mut self,
        f: &R,
        t: F,
        h: F,
        y: &mut [F; N],
    ) -> Result<(), SolverError> {
        let c = F::from_f64;
        f.rhs(t, y, &mut self.f0);
        if !f.jacobian(t, y, &mut self.w) {
            self.numeric_jacobian(f, t, y);
        }
        // f_t by a forward difference in t.
        let dt = F::EPSILON.sqrt() * t.abs().max(F::ONE);
        let t_dt = t + dt;
        f.rhs(t_dt, y, &mut self.ft);
        let dt = t_dt - t;
        for i in 0..N {
            self.ft[i] = (self.ft[i] - self.f0[i]) / dt;
        }
        let gh = c(GAMMA) * h;
        for (i, row) in self.w.iter_mut().enumerate() {
            for v in row.iter_mut() {
                *v *= -gh;
            }
            row[i] += F::ONE;
        }
        lu_decompose(&mut self.w, &mut self.piv).map_err(|_| SolverError::Singular { t: t.to_f64() })?;
        for i in 0..N {
            self.k1[i] = self.f0[i] + gh * self.ft[i];
        }
        lu_solve(&self.w, &self.piv, &mut self.k1);
        for i in 0..N {
            self.ytmp[i] = y[i] + h * self.k1[i];
        }
        f.rhs(t + h, &self.ytmp, &mut self.f1);
        for i in 0..N {
            self.k2[i] = self.f1[i] - c(2.0) * self.k1[i] - gh * self.ft[i];
        }
        lu_solve(&self.w, &self.piv, &mut self.k2);
        for i in 0..N {
            y[i] += h * (c(1.5) * self.k1[i] + c(0.5) * self.k2[i]);
        }
        Ok(())
    }
}

impl<const N: usize, F: Real> Default for Ros2<N, F> {
    fn default() -> Self {
        Self::new(1)
    }
}

impl<const N: usize, F: Real> OdeSolver<N, F> for Ros2<N, F> {
    fn integrate<R: OdeRhs<N, F>>(
        &mut self,
        f: &R,
        t0: F,
        t1: F,
        y: &mut [F; N],
    ) -> Result<(), SolverError> {
        let substeps = self.substeps;
        integrate_fixed(substeps, t0, t1, y, |t, h, y| self.step(f, t, h, y))
    }

    fn reset(&mut self, _h: F) {}
}

/// Nothing carries over between steps (fixed substeps, scratch arrays only).
impl<const N: usize, F: Real> crate::checkpoint::Checkpoint for Ros2<N, F> {
    fn save(&self, _out: &mut dyn crate::checkpoint::WordSink) {}
    fn restore(&mut self, _input: &mut &[u64]) -> Result<(), crate::checkpoint::CheckpointError> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::solvers::testing::*;
    use crate::solvers::Rk4;

    /// The damped oscillator with its exact Jacobian.
    struct OscillatorWithJacobian;
    impl OdeRhs<2> for OscillatorWithJacobian {
        fn rhs(&self, t: f64, y: &[f64; 2], d: &mut [f64; 2]) {
            oscillator(t, y, d)
        }
        fn jacobian(&self, _t: f64, _y: &[f64; 2], j: &mut [[f64; 2]; 2]) -> bool {
            *j = [[0.0, 1.0], [-1.0, -0.2]];
            true
        }
    }

    #[test]
    fn second_order_convergence_with_numeric_and_exact_jacobian() {
        let mut s = Ros2::<1>::default();
        let (p, e) = convergence_order(&[16, 32, 64, 128], 1.0, [1.0], decay_exact, |t, h, y| {
            s.step(&decay, t, h, y).unwrap()
        });
        assert!((p - 2.0).abs() < 0.1, "order {p} from {e:?}");

        for exact_jac in [false, true] {
            let mut s = Ros2::<2>::default();
            let (p, e) = convergence_order(&[32, 64, 128, 256], 4.0, [1.0, 0.0], oscillator_exact, |t, h, y| {
                if exact_jac {
                    s.step(&OscillatorWithJacobian, t, h, y).unwrap()
                } else {
                    s.step(&oscillator, t, h, y).unwrap()
                }
            });
            assert!(
                (p - 2.0).abs() < 0.1,
                "exact J {exact_jac}: order {p} from {e:?}"
            );
        }
    }

    #[test]
    fn stiff_problem_is_stable_where_rk4_explodes() {
        // y' = -1e4 (y - cos t): the solution follows cos t after a 1e-4 ms transient.
        let f = |t: f64, y: &[f64; 1], d: &mut [f64; 1]| d[0] = -1e4 * (y[0] - t.cos());
        let mut ros = Ros2::<1>::default();
        let mut y = [0.0];
        for k in 0..100 {
            ros.integrate(&f, k as f64 * 0.01, (k + 1) as f64 * 0.01, &mut y)
                .unwrap();
        }
        // Exact: (λ² cos t + λ sin t) / (λ² + 1) after the transient.
        let exact = (1e8 * 1.0f64.cos() + 1e4 * 1.0f64.sin()) / (1e8 + 1.0);
        assert!((y[0] - exact).abs() < 3e-5, "{} vs {exact}", y[0]);
        let mut rk = Rk4::<1>::default();
        let mut y = [0.0];
        let r = (0..100)
            .try_for_each(|k| rk.integrate(&f, k as f64 * 0.01, (k + 1) as f64 * 0.01, &mut y));
        assert!(r.is_err() || y[0].abs() > 1e10);
        // L-stability: a huge step on y' = -1e8 y damps to (almost) zero.
        let mut y = [1.0];
        Ros2::<1>::default()
            .step(
                &|_t: f64, y: &[f64; 1], d: &mut [f64; 1]| d[0] = -1e8 * y[0],
                0.0,
                1.0,
                &mut y,
            )
            .unwrap();
        assert!(y[0].abs() < 1e-7, "{}", y[0]);
    }

    #[test]
    fn singular_matrix_is_an_error() {
        struct Broken;
        impl OdeRhs<1> for Broken {
            fn rhs(&self, _t: f64, y: &[f64; 1], d: &mut [f64; 1]) {
                d[0] = y[0];
            }
            fn jacobian(&self, _t: f64, _y: &[f64; 1], j: &mut [[f64; 1]; 1]) -> bool {
                j[0][0] = f64::NAN;
                true
            }
        }
        let e = Ros2::<1>::default()
            .step(&Broken, 0.5, 0.1, &mut [1.0])
            .unwrap_err();
        assert_eq!(e, SolverError::Singular { t: 0.5 });
    }
}
