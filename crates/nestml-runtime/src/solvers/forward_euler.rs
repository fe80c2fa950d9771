//! Explicit (forward) Euler, PyNESTML's `numeric_solver = "forward-Euler"`.
//!
//! One call of [`integrate`](OdeSolver::integrate) takes `substeps` equal steps
//! `y ← y + dt f(t, y)`; with one substep this is exactly PyNESTML's NEST code
//! (`ode_state[i] += __timestep * f[i]`).

use super::{integrate_fixed, OdeRhs, OdeSolver, SolverError};
use crate::Real;

/// Forward Euler with `substeps` steps per call.
#[derive(Clone, Debug)]
pub struct ForwardEuler<const N: usize, F: Real = f64> {
    substeps: u32,
    k: [F; N],
}

impl<const N: usize, F: Real> ForwardEuler<N, F> {
    /// `substeps` equal steps per [`integrate`](OdeSolver::integrate) call (at least one).
    pub fn new(substeps: u32) -> Self {
        ForwardEuler {
            substeps: super::check_substeps(substeps),
            k: [F::ZERO; N],
        }
    }

    /// One step of size `h` from `(t, y)`.
    #[inline(always)]
    pub fn step<R: OdeRhs<N, F>>(&mut self, f: &R, t: F, h: F, y: &mut [F; N]) {
        f.rhs(t, y, &mut self.k);
        for i in 0..N {
            y[i] += h * self.k[i];
        }
    }
}

impl<const N: usize, F: Real> Default for ForwardEuler<N, F> {
    fn default() -> Self {
        Self::new(1)
    }
}

impl<const N: usize, F: Real> OdeSolver<N, F> for ForwardEuler<N, F> {
    fn integrate<R: OdeRhs<N, F>>(
        &mut self,
        f: &R,
        t0: F,
        t1: F,
        y: &mut [F; N],
    ) -> Result<(), SolverError> {
        let substeps = self.substeps;
        integrate_fixed(substeps, t0, t1, y, |t, h, y| {
            self.step(f, t, h, y);
            Ok(())
        })
    }

    fn reset(&mut self, _h: F) {}
}

/// Nothing carries over between steps (fixed substeps, scratch arrays only).
impl<const N: usize, F: Real> crate::checkpoint::Checkpoint for ForwardEuler<N, F> {
    fn save(&self, _out: &mut dyn crate::checkpoint::WordSink) {}
    fn restore(&mut self, _input: &mut &[u64]) -> Result<(), crate::checkpoint::CheckpointError> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::solvers::testing::*;

    #[test]
    fn first_order_convergence() {
        let mut s = ForwardEuler::<1>::default();
        let (p, _) = convergence_order(&[64, 128, 256, 512], 1.0, [1.0], decay_exact, |t, h, y| {
            s.step(&decay, t, h, y)
        });
        assert!((p - 1.0).abs() < 0.05, "order {p}");

        let mut s = ForwardEuler::<2>::default();
        let (p, _) = convergence_order(
            &[256, 512, 1024, 2048],
            4.0,
            [1.0, 0.0],
            oscillator_exact,
            |t, h, y| s.step(&oscillator, t, h, y),
        );
        assert!((p - 1.0).abs() < 0.05, "order {p}");
    }

    #[test]
    fn one_substep_is_pynestml_update_and_substeps_split_the_interval() {
        let mut s = ForwardEuler::<1>::new(1);
        let mut y = [3.0];
        s.integrate(&decay, 0.0, 0.1, &mut y).unwrap();
        assert_eq!(y[0], 3.0 + 0.1 * -3.0);
        let mut s = ForwardEuler::<1>::new(4);
        let mut y = [1.0];
        s.integrate(&decay, 0.0, 0.4, &mut y).unwrap();
        assert!((y[0] - 0.9f64.powi(4)).abs() < 1e-15);
        let mut s = ForwardEuler::<1>::new(0);
        s.integrate(&decay, 0.0, 0.4, &mut y).unwrap();
        let bad = |_t: f64, _y: &[f64; 1], f: &mut [f64; 1]| f[0] = f64::NAN;
        assert!(matches!(
            s.integrate(&bad, 0.0, 0.1, &mut y),
            Err(SolverError::NonFinite { index: 0, .. })
        ));
    }
}
