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
//! | [`Rkf45Lanes`] | 5 (4 embedded) | adaptive, per lane as [`Rkf45`] | `L` neurons in lockstep (SIMD over neurons): lane by lane bit for bit [`Rkf45`]; its own interface, state `[[F; L]; N]`, not [`OdeSolver`] |
//! | [`Rk4`] | 4 | fixed (`substeps` per call) | smooth non-stiff systems |
//! | [`ForwardEuler`] | 1 | fixed (`substeps` per call) | PyNESTML's `forward-Euler` |
//! | [`Ros2`] | 2, L-stable | fixed (`substeps` per call) | stiff systems |
//! | [`RushLarsen`] | 1 or 2 | fixed (`substeps` per call) | rows affine in their own state (HH gates); its own stage interface, not [`OdeRhs`] |
//!
//! Each is generic over the float type `F` ([`Real`]) of the state, `f64` by default (`Rkf45<4>`
//! is `Rkf45<4, f64>`, bit for bit as before and as NEST). With `f32` every stage, sum and
//! error estimate is computed in `f32` (the coefficients rounded to `f32`); tolerances
//! ([`Control`]) stay `f64` and times in [`SolverError`] are `f64`. The error of an `f32` solve
//! is the method's plus rounding of relative size ~10⁻⁷ per step (see [`Real`]).

// Index loops over several arrays at once mirror the formulas (and GSL's order).
#![allow(clippy::needless_range_loop)]

mod forward_euler;
mod implicit;
mod lu;
mod rk4;
mod rkf45;
mod rkf45_lanes;
mod rush_larsen;

#[cfg(test)]
pub(crate) mod testing;

pub use forward_euler::ForwardEuler;
pub use implicit::Ros2;
pub use lu::{lu_decompose, lu_solve, Singular};
pub use rk4::Rk4;
pub use rkf45::{Adjustment, Control, Rkf45, Rkf45Stats};
pub use rkf45_lanes::{Rkf45Lanes, LANES};
pub use rush_larsen::{exponential_step, RushLarsen, RushLarsenOrder};

use crate::Real;
use core::fmt;

/// The right-hand side of `y' = f(t, y)` on an `N`-dimensional state of float type `F`.
///
/// Implemented by generated neurons (usually by a small borrowed view of their parameters
/// and inputs) and by any closure `Fn(F, &[F; N], &mut [F; N])`.
pub trait OdeRhs<const N: usize, F: Real = f64> {
    /// Writes `f(t, y)` into `dydt`.
    fn rhs(&self, t: F, y: &[F; N], dydt: &mut [F; N]);

    /// Writes the Jacobian `∂f_i/∂y_j` into `jac[i][j]` and returns `true`, or returns
    /// `false` (the default) to let implicit solvers difference [`rhs`](OdeRhs::rhs)
    /// numerically.
    fn jacobian(&self, _t: F, _y: &[F; N], _jac: &mut [[F; N]; N]) -> bool {
        false
    }
}

impl<const N: usize, F: Real, G> OdeRhs<N, F> for G
where
    G: Fn(F, &[F; N], &mut [F; N]),
{
    #[inline(always)]
    fn rhs(&self, t: F, y: &[F; N], dydt: &mut [F; N]) {
        self(t, y, dydt)
    }
}

/// A solver that advances a state of float type `F` over an interval.
pub trait OdeSolver<const N: usize, F: Real = f64> {
    /// Advances `y` from `t0` to `t1` (`t1 >= t0`).
    fn integrate<R: OdeRhs<N, F>>(
        &mut self,
        f: &R,
        t0: F,
        t1: F,
        y: &mut [F; N],
    ) -> Result<(), SolverError>;

    /// Forgets step-size history; `h` is the simulation resolution (what NEST's
    /// `init_buffers` does: [`Rkf45`] restarts its adaptive step at `h`).
    fn reset(&mut self, h: F);
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
pub(crate) fn first_non_finite<F: Real, const N: usize>(y: &[F; N]) -> Option<usize> {
    y.iter().position(|v| !v.is_finite())
}

/// Integrates from `t0` to `t1` in `substeps` equal steps of `step(t, h, y)`, checking after
/// each that the state is finite (the shared `integrate` of the fixed-step methods).
pub(crate) fn integrate_fixed<F: Real, const N: usize>(
    substeps: u32,
    t0: F,
    t1: F,
    y: &mut [F; N],
    mut step: impl FnMut(F, F, &mut [F; N]) -> Result<(), SolverError>,
) -> Result<(), SolverError> {
    let h = (t1 - t0) / F::from_f64(substeps as f64);
    for i in 0..substeps {
        let t = t0 + F::from_f64(i as f64) * h;
        step(t, h, y)?;
        if let Some(index) = first_non_finite(y) {
            return Err(SolverError::NonFinite { index, t: (t + h).to_f64() });
        }
    }
    Ok(())
}

/// Checks a fixed-step count: at least one step.
pub(crate) fn check_substeps(substeps: u32) -> u32 {
    substeps.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checkpoint::{Checkpoint, WordBuf};

    /// `y' = -y` from `y(0) = 1` over ten calls of 0.1 ms, as a neuron steps.
    fn decay_over_1ms<F: Real>(solver: &mut impl OdeSolver<1, F>) -> f64 {
        let mut y = [F::ONE];
        for k in 0..10 {
            let t = F::from_f64(0.1 * k as f64);
            solver.integrate(&|_t: F, y: &[F; 1], d: &mut [F; 1]| d[0] = -y[0], t, t + F::from_f64(0.1), &mut y).unwrap();
        }
        y[0].to_f64()
    }

    #[test]
    fn single_precision_solvers_err_by_single_precision_rounding() {
        let mut rkf32 = Rkf45::<1, f32>::new(Control::NESTML_DEFAULT, 0.1);
        let runs = [
            ("rkf45", decay_over_1ms(&mut rkf32), decay_over_1ms(&mut Rkf45::<1>::new(Control::NESTML_DEFAULT, 0.1))),
            ("rk4", decay_over_1ms(&mut Rk4::<1, f32>::new(2)), decay_over_1ms(&mut Rk4::<1>::new(2))),
            ("euler", decay_over_1ms(&mut ForwardEuler::<1, f32>::new(4)), decay_over_1ms(&mut ForwardEuler::<1>::new(4))),
            ("ros2", decay_over_1ms(&mut Ros2::<1, f32>::new(2)), decay_over_1ms(&mut Ros2::<1>::new(2))),
        ];
        // the cost of f32: ~10⁻⁷ (1–2·10⁻⁷ here), against the same method in f64
        for (name, y32, y64) in runs {
            let cost = ((y32 - y64) / y64).abs();
            assert!(cost > 0.0 && cost < 1e-6, "{name}: f32 {y32} vs f64 {y64}");
        }
        // RKF45 meets its tolerance in f32 too
        let exact = (-1.0f64).exp();
        assert!(((runs[0].1 - exact) / exact).abs() < 1e-5, "{} vs {exact}", runs[0].1);
        // its step carries over as one word, the bits of an f32
        let mut words = [0; 2];
        let mut out = WordBuf::new(&mut words);
        rkf32.save(&mut out);
        assert_eq!(out.finish().unwrap(), [rkf32.integration_step().to_bits() as u64]);
    }
}
