//! Exponential integrators of the Rush–Larsen kind, for systems whose rows are affine in their
//! own state given the others (`x' = a(y) + b(y)·x`: Hodgkin–Huxley gating variables, and the
//! membrane potential given the gates).
//!
//! Over a stage of length `h` with `a` and `b` frozen at a state `ya`, an affine row has the
//! exact solution `x(h) = x0 + (a + b·x0)·(e^{b h} − 1)/b` ([`exponential_step`]); a row that is
//! not affine in itself takes the explicit step `x0 + h·f(ya)` (the same formula at `b = 0`);
//! rows with constant-coefficient linear dynamics are propagated exactly by the model (its
//! propagator at [`RushLarsen::stage_length`]). The model writes one stage as a function
//! `stage(t, h, ya, y0, out)` (rates evaluated at time `t` and state `ya`, the step taken from
//! `y0`, exact rows advanced from `ya`), and the solver composes stages:
//!
//! | order | a substep of `h` |
//! |---|---|
//! | 1 (Rush & Larsen 1978) | one stage from `y` with rates at `y` |
//! | 2 (Perego & Veneziani 2009, exponential midpoint) | a stage of `h/2` to `y½`, then a stage of `h` from `y` with rates at `y½` |
//!
//! Each call of [`integrate`](RushLarsen::integrate) takes `substeps` equal substeps; the
//! state is checked to be finite after each. Nothing carries over between calls.

use super::{first_non_finite, SolverError};
use crate::Real;

/// Which Rush–Larsen scheme (see [`RushLarsen`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RushLarsenOrder {
    /// First order: rates at the start of each substep.
    #[default]
    First,
    /// Second order: rates at the exponential-Euler midpoint of each substep.
    Second,
}

impl RushLarsenOrder {
    /// Stages per substep: 1 or 2 (the midpoint predictor and the full step).
    pub const fn stages(self) -> u32 {
        match self {
            RushLarsenOrder::First => 1,
            RushLarsenOrder::Second => 2,
        }
    }
}

/// A fixed-substep Rush–Larsen integrator on an `N`-dimensional state of float type `F`.
#[derive(Clone, Debug)]
pub struct RushLarsen<const N: usize, F: Real = f64> {
    substeps: u32,
    order: RushLarsenOrder,
    mid: [F; N],
    next: [F; N],
}

impl<const N: usize, F: Real> RushLarsen<N, F> {
    /// `substeps` equal substeps per [`integrate`](Self::integrate) call (at least one).
    pub fn new(substeps: u32, order: RushLarsenOrder) -> Self {
        RushLarsen { substeps: super::check_substeps(substeps), order, mid: [F::ZERO; N], next: [F::ZERO; N] }
    }

    /// The substeps per call.
    pub fn substeps(&self) -> u32 {
        self.substeps
    }

    /// The scheme.
    pub fn order(&self) -> RushLarsenOrder {
        self.order
    }

    /// How far one stage advances the exact rows when a call integrates over `h`:
    /// `h / (substeps · stages)` (every stage of a substep starts from, or reads, a state
    /// a stage length apart).
    pub fn stage_length(&self, h: F) -> F {
        h / F::from_f64((self.substeps * self.order.stages()) as f64)
    }

    /// Advances `y` from `t0` to `t1` with `stage(t, h, ya, y0, out)`: the model's stage that
    /// writes into `out` the state after `h` from `y0` with its rates frozen at time `t` and
    /// state `ya`, and its exact rows a [`stage_length`](Self::stage_length) after `ya`.
    pub fn integrate<S>(&mut self, stage: &S, t0: F, t1: F, y: &mut [F; N]) -> Result<(), SolverError>
    where
        S: Fn(F, F, &[F; N], &[F; N], &mut [F; N]),
    {
        let h = (t1 - t0) / F::from_f64(self.substeps as f64);
        let half = F::from_f64(0.5) * h;
        for k in 0..self.substeps {
            let t = t0 + F::from_f64(k as f64) * h;
            match self.order {
                RushLarsenOrder::First => stage(t, h, y, y, &mut self.next),
                RushLarsenOrder::Second => {
                    stage(t, half, y, y, &mut self.mid);
                    stage(t + half, h, &self.mid, y, &mut self.next);
                }
            }
            if let Some(index) = first_non_finite(&self.next) {
                return Err(SolverError::NonFinite { index, t: (t + h).to_f64() });
            }
            *y = self.next;
        }
        Ok(())
    }
}

/// Nothing carries over between steps (fixed substeps, scratch arrays only).
impl<const N: usize, F: Real> crate::checkpoint::Checkpoint for RushLarsen<N, F> {
    fn save(&self, _out: &mut dyn crate::checkpoint::WordSink) {}
    fn restore(&mut self, _input: &mut &[u64]) -> Result<(), crate::checkpoint::CheckpointError> {
        Ok(())
    }
}

/// The exponential step of a row affine in its own state: `x' = f + b·(x − xa)` (the row's
/// right-hand side `f` and its rate `b = ∂f/∂x`, both at the state where `x = xa`) solved
/// exactly over `h` from `x0`: `x0 + (f + b·(x0 − xa))·(e^{b h} − 1)/b`, and `x0 + h·f` at
/// `b = 0`.
///
/// Branch-free and with one `exp`: `(e^{z} − 1)/b` with `z = b h` is computed as
/// `(exp(z) − 1)/b` and, where `|z|⁴ < 24 ε` (`|z| < 2.7·10⁻⁴` in `f64`, `0.04` in `f32`) and
/// that difference would lose digits, as the Taylor polynomial `h (1 + z/2 + z²/6)`; both
/// relative errors are then about `(24 ε)^{3/4}/24` (10⁻¹² in `f64`, 3·10⁻⁶ in `f32`) of the
/// increment, far below the error of the method.
#[inline(always)]
pub fn exponential_step<F: Real>(x0: F, f: F, b: F, xa: F, h: F) -> F {
    let c = F::from_f64;
    let z = b * h;
    let em1 = crate::math::exp(z) - F::ONE;
    let z2 = z * z;
    let taylor = h * (F::ONE + c(0.5) * z + z2 / c(6.0));
    let phi_h = if z2 * z2 < c(24.0) * F::EPSILON { taylor } else { em1 / b };
    x0 + (f + b * (x0 - xa)) * phi_h
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::solvers::testing::observed_order;
    use std::vec::Vec;

    /// `x' = α(v)(1 − x) − β(v)x` (a gate, affine in `x`) and `v' = −x·v` (affine in `v`),
    /// `x(0) = 0.2`, `v(0) = 1`.
    fn gate_stage(_t: f64, h: f64, ya: &[f64; 2], y0: &[f64; 2], out: &mut [f64; 2]) {
        let (alpha, beta) = (1.0 + ya[1] * ya[1], 0.5 + ya[1]);
        let (f0, b0) = (alpha * (1.0 - ya[0]) - beta * ya[0], -(alpha + beta));
        let (f1, b1) = (-ya[0] * ya[1], -ya[0]);
        out[0] = exponential_step(y0[0], f0, b0, ya[0], h);
        out[1] = exponential_step(y0[1], f1, b1, ya[1], h);
    }

    fn run(order: RushLarsenOrder, substeps: u32) -> [f64; 2] {
        let mut s = RushLarsen::<2>::new(substeps, order);
        let mut y = [0.2, 1.0];
        s.integrate(&gate_stage, 0.0, 2.0, &mut y).unwrap();
        y
    }

    fn orders(order: RushLarsenOrder) -> f64 {
        let reference = run(RushLarsenOrder::Second, 1 << 16);
        let errors: Vec<f64> = [16, 32, 64, 128].iter().map(|&n| {
            let y = run(order, n);
            (y[0] - reference[0]).abs().max((y[1] - reference[1]).abs())
        }).collect();
        observed_order(&errors)
    }

    #[test]
    fn first_and_second_order_convergence() {
        let p1 = orders(RushLarsenOrder::First);
        assert!((p1 - 1.0).abs() < 0.1, "order {p1}");
        let p2 = orders(RushLarsenOrder::Second);
        assert!((p2 - 2.0).abs() < 0.1, "order {p2}");
    }

    #[test]
    fn exact_for_frozen_linear_rows_and_robust_at_small_rates() {
        // x' = 2 − 3x from 1 over 0.7: the exact solution in one stage
        let exact = 2.0 / 3.0 + (1.0 - 2.0 / 3.0) * (-3.0f64 * 0.7).exp();
        assert!((exponential_step(1.0, 2.0 - 3.0, -3.0, 1.0, 0.7) - exact).abs() < 1e-15);
        // b = 0 is the explicit step; tiny b tends to it continuously
        assert_eq!(exponential_step(1.0, 2.0, 0.0, 1.0, 0.5), 2.0);
        for b in [1e-300, -1e-12, 1e-6, -2e-4, 3e-4, 1e-2, -5.0] {
            let want = 1.0 + 2.0 * (b * 0.5f64).exp_m1() / b;
            let got = exponential_step(1.0, 2.0, b, 1.0, 0.5);
            assert!(((got - want) / want).abs() < 1e-12, "b = {b}: {got} vs {want}");
        }
        // in f32 too
        for b in [0.0f32, 1e-3, -0.05, 0.1] {
            let want = if b == 0.0 { 2.0 } else { 1.0 + 2.0 * ((b as f64 * 0.5).exp_m1() / b as f64) };
            let got = exponential_step(1.0f32, 2.0, b, 1.0, 0.5) as f64;
            assert!(((got - want) / want).abs() < 3e-6, "b = {b}: {got} vs {want}");
        }
    }

    #[test]
    fn a_non_finite_state_is_an_error_naming_the_row() {
        let mut s = RushLarsen::<2>::new(4, RushLarsenOrder::First);
        let stage = |_t: f64, h: f64, _ya: &[f64; 2], y0: &[f64; 2], out: &mut [f64; 2]| {
            out[0] = y0[0];
            out[1] = exponential_step(y0[1], 1.0, 1e6, y0[1], h);
        };
        let mut y = [1.0, 1.0];
        assert!(matches!(s.integrate(&stage, 0.0, 1.0, &mut y), Err(SolverError::NonFinite { index: 1, .. })));
        assert_eq!(s.stage_length(1.0), 0.25);
        assert_eq!(RushLarsen::<2>::new(4, RushLarsenOrder::Second).stage_length(1.0), 0.125);
    }
}
