//! The classical fourth-order Runge–Kutta method with fixed steps.

use super::{integrate_fixed, OdeRhs, OdeSolver, SolverError};
use crate::Real;

/// Classical RK4 with `substeps` steps per call.
#[derive(Clone, Debug)]
pub struct Rk4<const N: usize, F: Real = f64> {
    substeps: u32,
    k1: [F; N],
    k2: [F; N],
    k3: [F; N],
    k4: [F; N],
    ytmp: [F; N],
}

impl<const N: usize, F: Real> Rk4<N, F> {
    /// `substeps` equal steps per [`integrate`](OdeSolver::integrate) call (at least one).
    pub fn new(substeps: u32) -> Self {
        Rk4 {
            substeps: super::check_substeps(substeps),
            k1: [F::ZERO; N],
            k2: [F::ZERO; N],
            k3: [F::ZERO; N],
            k4: [F::ZERO; N],
            ytmp: [F::ZERO; N],
        }
    }

    /// One step of size `h` from `(t, y)`: `y + h/6 (k1 + 2 k2 + 2 k3 + k4)`.
    #[inline(always)]
    pub fn step<R: OdeRhs<N, F>>(&mut self, f: &R, t: F, h: F, y: &mut [F; N]) {
        let c = F::from_f64;
        let h2 = c(0.5) * h;
        f.rhs(t, y, &mut self.k1);
        for i in 0..N {
            self.ytmp[i] = y[i] + h2 * self.k1[i];
        }
        f.rhs(t + h2, &self.ytmp, &mut self.k2);
        for i in 0..N {
            self.ytmp[i] = y[i] + h2 * self.k2[i];
        }
        f.rhs(t + h2, &self.ytmp, &mut self.k3);
        for i in 0..N {
            self.ytmp[i] = y[i] + h * self.k3[i];
        }
        f.rhs(t + h, &self.ytmp, &mut self.k4);
        let h6 = h / c(6.0);
        for i in 0..N {
            y[i] += h6 * (self.k1[i] + c(2.0) * (self.k2[i] + self.k3[i]) + self.k4[i]);
        }
    }
}

impl<const N: usize, F: Real> Default for Rk4<N, F> {
    fn default() -> Self {
        Self::new(1)
    }
}

impl<const N: usize, F: Real> OdeSolver<N, F> for Rk4<N, F> {
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
impl<const N: usize, F: Real> crate::checkpoint::Checkpoint for Rk4<N, F> {
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
    fn fourth_order_convergence() {
        let mut s = Rk4::<1>::default();
        let (p, e) = convergence_order(&[4, 8, 16, 32], 1.0, [1.0], decay_exact, |t, h, y| {
            s.step(&decay, t, h, y)
        });
        assert!((p - 4.0).abs() < 0.15, "order {p} from {e:?}");

        let mut s = Rk4::<2>::default();
        let (p, e) = convergence_order(&[8, 16, 32, 64], 4.0, [1.0, 0.0], oscillator_exact, |t, h, y| {
            s.step(&oscillator, t, h, y)
        });
        assert!((p - 4.0).abs() < 0.15, "order {p} from {e:?}");
    }

    #[test]
    fn substeps_split_the_interval_and_time_dependence_is_exact_for_cubics() {
        // y' = 3 t^2 + 1: RK4 (Simpson's rule in t) is exact.
        let f = |t: f64, _y: &[f64; 1], d: &mut [f64; 1]| d[0] = 3.0 * t * t + 1.0;
        let mut s = Rk4::<1>::new(3);
        let mut y = [0.0];
        s.integrate(&f, 1.0, 2.5, &mut y).unwrap();
        assert!((y[0] - (2.5f64.powi(3) + 2.5 - 2.0)).abs() < 1e-13);
    }
}
