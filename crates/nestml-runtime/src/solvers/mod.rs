//! ODE solvers on fixed-size state vectors.
//!
//! Every solver is a struct that owns its scratch arrays, so stepping allocates nothing, and
//! is generic over the right-hand side ([`OdeRhs`]), so the call of the model's derivative
//! function is static and inlinable. All solvers implement [`OdeSolver`], whose
//! [`integrate`](OdeSolver::integrate) advances `y` from `t0` to `t1`: one simulation step
//! of a neuron is `solver.integrate(&rhs, 0.0, h, &mut y)`, with `t` running from 0 to `h`
//! as in the GSL loop of NEST models.
//!
//! | solver | order | step | use |
//! |---|---|---|---|
//! | [`Rkf45`] | 5 (4 embedded) | adaptive, GSL-equivalent | NEST's default for nonlinear models |
//! | [`Rk4`] | 4 | fixed (`substeps` per call) | smooth non-stiff systems |
//! | [`ForwardEuler`] | 1 | fixed (`substeps` per call) | PyNESTML's `forward-Euler` |
//! | [`Ros2`] | 2, L-stable | fixed (`substeps` per call) | stiff systems |

// Index loops over several arrays at once mirror the formulas (and GSL's order).
#![allow(clippy::needless_range_loop)]

mod forward_euler;
mod implicit;
mod lu;
mod rk4;
mod rkf45;

#[cfg(test)]
pub(crate) mod testing;

pub use forward_euler::ForwardEuler;
pub use implicit::Ros2;
pub use lu::{lu_decompose, lu_solve, Singular};
pub use rk4::Rk4;
pub use rkf45::{Adjustment, Control, Rkf45, Rkf45Stats};

use core::fmt;

/// The right-hand side of `y' = f(t, y)` on an `N`-dimensional state.
///
/// Implemented by generated neurons (usually by a small borrowed view of their parameters
/// and inputs) and by any closure `Fn(f64, &[f64; N], &mut [f64; N])`.
pub trait OdeRhs<const N: usize> {
    /// Writes `f(t, y)` into `dydt`.
    fn rhs(&self, t: f64, y: &[f64; N], dydt: &mut [f64; N]);

    /// Writes the Jacobian `∂f_i/∂y_j` into `jac[i][j]` and returns `true`, or returns
    /// `false` (the default) to let implicit solvers difference [`rhs`](OdeRhs::rhs)
    /// numerically.
    fn jacobian(&self, _t: f64, _y: &[f64; N], _jac: &mut [[f64; N]; N]) -> bool {
        false
    }
}

impl<const N: usize, F> OdeRhs<N> for F
where
    F: Fn(f64, &[f64; N], &mut [f64; N]),
{
    #[inline(always)]
    fn rhs(&self, t: f64, y: &[f64; N], dydt: &mut [f64; N]) {
        self(t, y, dydt)
    }
}

/// A solver that advances a state over an interval.
pub trait OdeSolver<const N: usize> {
    /// Advances `y` from `t0` to `t1` (`t1 >= t0`).
    fn integrate<F: OdeRhs<N>>(
        &mut self,
        f: &F,
        t0: f64,
        t1: f64,
        y: &mut [f64; N],
    ) -> Result<(), SolverError>;

    /// Forgets step-size history; `h` is the simulation resolution (what NEST's
    /// `init_buffers` does: [`Rkf45`] restarts its adaptive step at `h`).
    fn reset(&mut self, h: f64);
}

/// Why a solver gave up. The state is left as it was after the last good step.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum SolverError {
    /// State component `index` became NaN or infinite in a step that ended at `t`.
    NonFinite {
        /// The component of the state vector.
        index: usize,
        /// The end of the step (ms).
        t: f64,
    },
    /// More than `limit` internal steps in one call of `integrate` (the step size collapsed, or
    /// the model's `max_substeps` bound was reached).
    TooManySteps {
        /// The limit.
        limit: u32,
        /// Where the solver stopped (ms).
        t: f64,
    },
    /// The implicit solver's matrix `I - γhJ` was singular at `t`.
    Singular {
        /// Where (ms).
        t: f64,
    },
    /// A tolerance or step-size argument was negative, NaN, or of the wrong sign.
    InvalidArgument(&'static str),
}

impl fmt::Display for SolverError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SolverError::NonFinite { index, t } => {
                write!(f, "state component {index} became non-finite at t = {t} ms")
            }
            SolverError::TooManySteps { limit, t } => {
                write!(f, "more than {limit} internal steps needed (t = {t} ms)")
            }
            SolverError::Singular { t } => write!(f, "singular Newton matrix at t = {t} ms"),
            SolverError::InvalidArgument(what) => write!(f, "invalid argument: {what}"),
        }
    }
}

impl core::error::Error for SolverError {}

/// The index of the first component of `y` that is not finite.
#[inline]
pub(crate) fn first_non_finite<const N: usize>(y: &[f64; N]) -> Option<usize> {
    y.iter().position(|v| !v.is_finite())
}

/// Integrates from `t0` to `t1` in `substeps` equal steps of `step(t, h, y)`, checking after
/// each that the state is finite (the shared `integrate` of the fixed-step methods).
pub(crate) fn integrate_fixed<const N: usize>(
    substeps: u32,
    t0: f64,
    t1: f64,
    y: &mut [f64; N],
    mut step: impl FnMut(f64, f64, &mut [f64; N]) -> Result<(), SolverError>,
) -> Result<(), SolverError> {
    let h = (t1 - t0) / substeps as f64;
    for i in 0..substeps {
        let t = t0 + i as f64 * h;
        step(t, h, y)?;
        if let Some(index) = first_non_finite(y) {
            return Err(SolverError::NonFinite { index, t: t + h });
        }
    }
    Ok(())
}

/// Checks a fixed-step count: at least one step.
pub(crate) fn check_substeps(substeps: u32) -> u32 {
    substeps.max(1)
}
