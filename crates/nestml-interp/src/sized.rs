//! The runtime's solvers and propagator work on fixed-size arrays (`[f64; N]`, `N` a constant);
//! an interpreted model knows its size only at run time. This module picks the instance for
//! the size (1 to [`MAX_STATES`]), so that the interpreter runs exactly the code generated
//! neurons run, and copies the state in and out of the array per call.

use nestml_compiler::codegen::{CodegenOptions, NumericSolver, StepSizeController};
use nestml_runtime::{linalg, Control, ForwardEuler, OdeSolver, Rk4, Rkf45, Ros2, SolverError};

/// The most ODE states (and exactly propagated states) an interpreted model may have.
pub const MAX_STATES: usize = 32;

/// Calls `$body` with the constant `$n` bound to the run-time size `$size` (1 to
/// [`MAX_STATES`]); `None` for other sizes.
macro_rules! with_size {
    ($size:expr, $n:ident => $body:expr) => {
        with_size!(@arms $size, $n, $body; 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32)
    };
    (@arms $size:expr, $n:ident, $body:expr; $($k:literal)*) => {
        match $size {
            $($k => {
                const $n: usize = $k;
                Some($body)
            })*
            _ => None,
        }
    };
}

/// The right-hand side `f(t, y, dydt)` of a state vector of run-time size.
pub type Rhs<'a> = dyn Fn(f64, &[f64], &mut [f64]) + 'a;

/// A numeric solver of a state vector whose size is known at run time.
pub trait DynSolver: Send + Sync {
    /// Advances `y` from `t0` to `t1` with the derivatives `f(t, y, dydt)`.
    fn integrate(&mut self, f: &Rhs, t0: f64, t1: f64, y: &mut [f64]) -> Result<(), SolverError>;
    /// [`OdeSolver::reset`].
    fn reset(&mut self, h: f64);
    /// A boxed copy (with its step-size history).
    fn clone_box(&self) -> Box<dyn DynSolver>;
}

/// A runtime solver for `N` states.
#[derive(Clone)]
struct Sized<S, const N: usize>(S);

impl<S: OdeSolver<N> + Clone + Send + Sync + 'static, const N: usize> DynSolver for Sized<S, N> {
    fn integrate(&mut self, f: &Rhs, t0: f64, t1: f64, y: &mut [f64]) -> Result<(), SolverError> {
        let mut state = [0.0; N];
        state.copy_from_slice(y);
        let rhs = |t: f64, y: &[f64; N], dydt: &mut [f64; N]| f(t, y, dydt);
        let result = self.0.integrate(&rhs, t0, t1, &mut state);
        y.copy_from_slice(&state);
        result
    }
    fn reset(&mut self, h: f64) {
        self.0.reset(h)
    }
    fn clone_box(&self) -> Box<dyn DynSolver> {
        Box::new(self.clone())
    }
}

impl Clone for Box<dyn DynSolver> {
    fn clone(&self) -> Self {
        self.clone_box()
    }
}

/// The numeric solver the code generator's `options` choose, for `n` states, as generated
/// code makes it (`h` the initial RKF45 step); `None` for more than [`MAX_STATES`] states
/// and for the Rush–Larsen solver, which the interpreter does not run.
pub fn solver(n: usize, options: &CodegenOptions, h: f64) -> Option<Box<dyn DynSolver>> {
    with_size!(n, N => {
        let solver: Box<dyn DynSolver> = match options.numeric_solver {
            NumericSolver::Rk45 => {
                let (abs, rel) = (options.abs_error_tol, options.rel_error_tol);
                let control = match options.step_size_controller {
                    StepSizeController::Solution => Control::y(abs, rel),
                    StepSizeController::Derivative => Control::yp(abs, rel),
                };
                let mut s = Rkf45::<N>::new(control, h);
                if let Some(limit) = options.max_substeps {
                    s = s.with_max_steps(limit);
                }
                Box::new(Sized::<_, N>(s))
            }
            NumericSolver::ForwardEuler => Box::new(Sized::<_, N>(ForwardEuler::<N>::new(1))),
            NumericSolver::Rk4 => Box::new(Sized::<_, N>(Rk4::<N>::new(1))),
            NumericSolver::Implicit => Box::new(Sized::<_, N>(Ros2::<N>::new(1))),
            // refused by `Program::new`
            NumericSolver::RushLarsen => return None,
        };
        solver
    })
}

/// `(P, Φ)` of the `n × n` matrix `a` (row-major) and step `h`, by the runtime's
/// [`linalg::propagator`], row-major; `None` for more than [`MAX_STATES`] states.
pub fn propagator(n: usize, a: &[f64], h: f64) -> Option<(Vec<f64>, Vec<f64>)> {
    with_size!(n, N => {
        let mut m = [[0.0; N]; N];
        for (i, row) in m.iter_mut().enumerate() {
            row.copy_from_slice(&a[i * N..(i + 1) * N]);
        }
        let (p, phi) = linalg::propagator(&m, h);
        (p.iter().flatten().copied().collect(), phi.iter().flatten().copied().collect())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_beyond_the_limit_are_refused() {
        let options = CodegenOptions::default();
        assert!(solver(MAX_STATES, &options, 0.1).is_some());
        assert!(solver(MAX_STATES + 1, &options, 0.1).is_none());
        assert!(propagator(0, &[], 0.1).is_none());
    }

    #[test]
    fn a_dynamic_solver_is_the_runtime_solver() {
        let options = CodegenOptions::default();
        let mut s = solver(2, &options, 0.1).unwrap();
        let mut y = vec![1.0, 0.5];
        let f = |_t: f64, y: &[f64], d: &mut [f64]| {
            d[0] = -y[0] * y[1];
            d[1] = y[0];
        };
        s.integrate(&f, 0.0, 1.0, &mut y).unwrap();
        let mut reference = Rkf45::<2>::new(Control::y(options.abs_error_tol, options.rel_error_tol), 0.1);
        let mut z = [1.0, 0.5];
        reference.integrate(&|_t: f64, y: &[f64; 2], d: &mut [f64; 2]| {
            d[0] = -y[0] * y[1];
            d[1] = y[0];
        }, 0.0, 1.0, &mut z).unwrap();
        assert_eq!(y, z.to_vec());
        let (p, phi) = propagator(1, &[-0.1], 0.1).unwrap();
        assert_eq!(p[0], (-0.01f64).exp());
        assert!((phi[0] - (1.0 - (-0.01f64).exp()) / 0.1).abs() < 1e-15);
    }
}
