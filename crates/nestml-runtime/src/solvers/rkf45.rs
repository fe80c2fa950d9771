//! Adaptive Runge–Kutta–Fehlberg 4(5), step for step as NEST runs GSL.
//!
//! NEST's nonlinear models (and PyNESTML's NEST target with `numeric_solver = "rk45"`) use
//! GSL's original ODE interface: the stepper `gsl_odeiv_step_rkf45`, the standard step-size
//! control `gsl_odeiv_control_standard` (created by `gsl_odeiv_control_y_new` or `_yp_new`)
//! and `gsl_odeiv_evolve_apply`, called in a loop over one simulation step. [`Rkf45`]
//! implements the same rules in the same floating-point order, so that it follows the same
//! sequence of accepted and rejected steps and produces the same numbers (bitwise, checked
//! against GSL 2.7.1 and GSL 1.16 in `tests/gsl_reference.rs`).
//!
//! # The rules
//!
//! **Stepper.** Fehlberg's pair with nodes `0, 1/4, 3/8, 12/13, 1, 1/2`. Stage 1 is the
//! derivative at the start of the step. The new state is the fifth-order solution
//! `y + h (16/135 k1 + 6656/12825 k3 + 28561/56430 k4 − 9/50 k5 + 2/55 k6)`
//! (local extrapolation); the error estimate is `h (1/360 k1 − 128/4275 k3 − 2197/75240 k4
//! + 1/50 k5 + 2/55 k6)`. The stepper reports order `q = 5` to the control.
//!
//! **Control** ([`Control`]). With `y` the new state, `e` the error estimate and `y'` the
//! derivative at the end of the step, the tolerated error per component is
//! `D_i = ε_rel (a_y |y_i| + a_dydt |h y'_i|) + ε_abs` and the error ratio is
//! `E = max_i |e_i| / |D_i|` (the maximum starts at the smallest normal double and skips
//! NaN ratios). Then
//! - `E > 1.1`: decrease, `h ← h · max(0.9 / E^(1/q), 0.2)`;
//! - `E < 0.5`: increase, `h ← h · min(max(0.9 / E^(1/(q+1)), 1), 5)`;
//! - otherwise keep `h`.
//!
//! `gsl_odeiv_control_y_new(ε_abs, ε_rel)` is `a_y = 1, a_dydt = 0` ([`Control::y`]);
//! `_yp_new` is `a_y = 0, a_dydt = 1` ([`Control::yp`], NEST's aeif models). Not in GSL:
//! [`Control::ignoring`] leaves chosen components out of `E` — those whose integrated values
//! the caller discards (a model's exactly propagated states).
//!
//! **Evolve** ([`Rkf45::evolve_apply`]), one call from `t0` towards `t1` with the suggested
//! step `h`: the derivative at `(t0, y)` is evaluated once. If `h` exceeds `t1 − t0`, the
//! step is truncated to `t1 − t0` and is final (`t` becomes exactly `t1`; otherwise
//! `t0 + h`). After the step the control adjusts `h`. On a decrease that is real
//! (`|h_new| < |h_old|`) and moves time by at least one ulp (`t + h_new ≠ t`), the step is
//! undone (state restored, start derivative kept) and retried with `h_new`, again truncated
//! to `t1 − t0`; on a decrease that is not, the step stands and `h` stays. The adjusted `h`
//! (computed from the truncated step if the step was final) is handed back and persists.
//!
//! **NEST's loop** ([`Rkf45::integrate`]): `t = 0; while t < h_sim { evolve_apply(&t, h_sim,
//! &integration_step, y) }`, where `integration_step` lives in the neuron, is set to the
//! resolution by `init_buffers` ([`OdeSolver::reset`]) and carries over from one simulation
//! step to the next. PyNESTML 9's NEST template sets `ε_abs = ε_rel = 10⁻⁶` with
//! `gsl_odeiv_control_y_new` ([`Control::NESTML_DEFAULT`]); NEST's own hh_psc_alpha,
//! iaf_cond_* and hh_cond_exp_traub use `y_new(1e-3, 0)`, its aeif models
//! `yp_new(gsl_error_tol, gsl_error_tol)` with `gsl_error_tol = 1e-6`.
//!
//! # Derivative evaluations
//!
//! GSL evaluates `f(t0, y)` at the start of every `evolve_apply` and `f(t0 + h, y_new)` at the
//! end of every step. [`Rkf45::integrate`] gets the same numbers with fewer calls: the
//! end-of-step derivative of an accepted step is, bit for bit, the start derivative of the
//! next call (same `t`, same `y`, and `f` is a function of them), so it is reused; and for the
//! final step of a simulation step the end derivative is skipped when `a_dydt = 0`, since the
//! control would multiply it by zero (this differs from GSL only when that derivative is
//! infinite or NaN, which the control then ignores in GSL). That is six evaluations per step
//! instead of GSL's seven, plus one per simulation step.

use super::{first_non_finite, OdeRhs, OdeSolver, SolverError};
use crate::Real;

// Fehlberg's coefficients (Hairer, Nørsett & Wanner, Solving ODEs I, Table 5.1).
pub(super) const A2: f64 = 1.0 / 4.0;
pub(super) const A3: f64 = 3.0 / 8.0;
pub(super) const A4: f64 = 12.0 / 13.0;
pub(super) const A5: f64 = 1.0;
pub(super) const A6: f64 = 1.0 / 2.0;

pub(super) const B31: f64 = 3.0 / 32.0;
pub(super) const B32: f64 = 9.0 / 32.0;
pub(super) const B41: f64 = 1932.0 / 2197.0;
pub(super) const B42: f64 = -7200.0 / 2197.0;
pub(super) const B43: f64 = 7296.0 / 2197.0;
pub(super) const B51: f64 = 439.0 / 216.0;
pub(super) const B52: f64 = -8.0;
pub(super) const B53: f64 = 3680.0 / 513.0;
pub(super) const B54: f64 = -845.0 / 4104.0;
pub(super) const B61: f64 = -8.0 / 27.0;
pub(super) const B62: f64 = 2.0;
pub(super) const B63: f64 = -3544.0 / 2565.0;
pub(super) const B64: f64 = 1859.0 / 4104.0;
pub(super) const B65: f64 = -11.0 / 40.0;

// Fifth-order weights (the solution that is kept).
pub(super) const C1: f64 = 16.0 / 135.0;
pub(super) const C3: f64 = 6656.0 / 12825.0;
pub(super) const C4: f64 = 28561.0 / 56430.0;
pub(super) const C5: f64 = -9.0 / 50.0;
pub(super) const C6: f64 = 2.0 / 55.0;

// Fifth- minus fourth-order weights: the error estimate.
pub(super) const E1: f64 = 1.0 / 360.0;
pub(super) const E3: f64 = -128.0 / 4275.0;
pub(super) const E4: f64 = -2197.0 / 75240.0;
pub(super) const E5: f64 = 1.0 / 50.0;
pub(super) const E6: f64 = 2.0 / 55.0;

/// The order the stepper reports to the step-size control.
pub const ORDER: u32 = 5;

/// GSL's standard step-size control (`gsl_odeiv_control_standard`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Control {
    /// Absolute tolerance.
    pub eps_abs: f64,
    /// Relative tolerance.
    pub eps_rel: f64,
    /// Weight of `|y|` in the tolerated error.
    pub a_y: f64,
    /// Weight of `|h y'|` in the tolerated error.
    pub a_dydt: f64,
    /// Components left out of the error ratio: bit `i` for component `i` (0: every component
    /// counts, as in GSL). See [`ignoring`](Self::ignoring).
    pub ignored: u64,
}

/// What [`Control::hadjust`] did to the step size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Adjustment {
    /// The step failed: retry with a smaller one.
    Decreased,
    /// Accepted, same step size.
    Unchanged,
    /// Accepted, the next step may be larger.
    Increased,
}

impl Control {
    /// PyNESTML 9's NEST target: `gsl_odeiv_control_y_new(1e-6, 1e-6)`.
    pub const NESTML_DEFAULT: Control = Control::y(1e-6, 1e-6);

    /// `gsl_odeiv_control_y_new`: error relative to the solution.
    pub const fn y(eps_abs: f64, eps_rel: f64) -> Control {
        Control {
            eps_abs,
            eps_rel,
            a_y: 1.0,
            a_dydt: 0.0,
            ignored: 0,
        }
    }

    /// `gsl_odeiv_control_yp_new`: error relative to the derivative.
    pub const fn yp(eps_abs: f64, eps_rel: f64) -> Control {
        Control {
            eps_abs,
            eps_rel,
            a_y: 0.0,
            a_dydt: 1.0,
            ignored: 0,
        }
    }

    /// `gsl_odeiv_control_standard_new`, which rejects negative (or here NaN) arguments.
    pub fn standard(
        eps_abs: f64,
        eps_rel: f64,
        a_y: f64,
        a_dydt: f64,
    ) -> Result<Control, SolverError> {
        let ok = |x: f64| x >= 0.0;
        if !ok(eps_abs) {
            Err(SolverError::InvalidArgument("eps_abs is negative"))
        } else if !ok(eps_rel) {
            Err(SolverError::InvalidArgument("eps_rel is negative"))
        } else if !ok(a_y) {
            Err(SolverError::InvalidArgument("a_y is negative"))
        } else if !ok(a_dydt) {
            Err(SolverError::InvalidArgument("a_dydt is negative"))
        } else {
            Ok(Control {
                eps_abs,
                eps_rel,
                a_y,
                a_dydt,
                ignored: 0,
            })
        }
    }

    /// This control with the components `rows` (bit `i` for component `i`) left out of the
    /// error ratio: for components whose integrated values the caller replaces after the
    /// integration (a model's convolution states, which it propagates exactly), so that their
    /// truncation errors do not shorten the steps of the components it keeps. Their values
    /// inside a step (the stages, which the kept components read) are integrated as before.
    pub const fn ignoring(mut self, rows: u64) -> Control {
        self.ignored = rows;
        self
    }

    /// Whether component `i` counts in the error ratio.
    #[inline(always)]
    pub fn counts(&self, i: usize) -> bool {
        i >= 64 || self.ignored & (1 << i) == 0
    }

    /// Adjusts `h` from the error estimate `yerr` of a step of size `*h` that produced `y`
    /// with end derivative `yp`, for a method of order `order` (the rules in the module
    /// docs). `yp = None` omits the `a_dydt` term, which is exact when `a_dydt = 0` and `yp`
    /// is finite.
    /// Computed in `F`, with the tolerances and constants rounded to it.
    pub fn hadjust<const N: usize, F: Real>(
        &self,
        order: u32,
        y: &[F; N],
        yerr: &[F; N],
        yp: Option<&[F; N]>,
        h: &mut F,
    ) -> Adjustment {
        let mut rmax = F::MIN_POSITIVE;
        for i in (0..N).filter(|&i| self.counts(i)) {
            let r = self.error_ratio(y[i], yerr[i], yp.map(|yp| *h * yp[i]));
            if r > rmax {
                rmax = r;
            }
        }
        self.adjust(order, rmax, h)
    }

    /// The ratio of a component's error estimate `e` to its tolerance, for its new value `y`
    /// and, if the end derivative counts, `h·y'` (GSL's `D_i`, computed in `F` in GSL's order).
    #[inline(always)]
    pub fn error_ratio<F: Real>(&self, y: F, e: F, h_yp: Option<F>) -> F {
        let c = F::from_f64;
        let scale = match h_yp {
            Some(h_yp) => c(self.a_y) * y.abs() + c(self.a_dydt) * h_yp.abs(),
            None => c(self.a_y) * y.abs(),
        };
        let d0 = c(self.eps_rel) * scale + c(self.eps_abs);
        e.abs() / d0.abs()
    }

    /// The rules of [`hadjust`](Self::hadjust) for the error ratio `rmax` (the largest ratio of a
    /// component's error to its tolerance) of a step of size `*h`.
    #[inline]
    pub fn adjust<F: Real>(&self, order: u32, rmax: F, h: &mut F) -> Adjustment {
        let c = F::from_f64;
        let h_old = *h;
        // where the factor is clamped anyway, `pow` is skipped: the thresholds (0.9 / 0.2)^q
        // and (0.9 / 5)^(q + 1) have a margin of 10⁻⁴, far above the rounding of `pow` and the
        // division, so the factor is the same
        if rmax > c(1.1) {
            let r = if rmax > c(4.5f64.powi(order as i32) * (1.0 + 1e-4)) {
                c(0.2)
            } else {
                (c(0.9) / crate::math::powf(rmax, c(1.0 / order as f64))).max(c(0.2))
            };
            *h = r * h_old;
            Adjustment::Decreased
        } else if rmax < c(0.5) {
            // `max` then `min` is `clamp`: the ratio is not NaN (rmax ≥ MIN_POSITIVE)
            let r = if rmax < c(0.18f64.powi(order as i32 + 1) * (1.0 - 1e-4)) {
                c(5.0)
            } else {
                (c(0.9) / crate::math::powf(rmax, c(1.0 / (order as f64 + 1.0)))).max(F::ONE).min(c(5.0))
            };
            *h = r * h_old;
            Adjustment::Increased
        } else {
            Adjustment::Unchanged
        }
    }
}

/// Counters of an [`Rkf45`] since creation or [`Rkf45::reset_stats`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Rkf45Stats {
    /// Accepted steps.
    pub accepted: u64,
    /// Steps undone and retried with a smaller size.
    pub rejected: u64,
    /// Calls of the right-hand side.
    pub rhs_evals: u64,
}

/// The adaptive RKF45 integrator with GSL's control (see the module docs).
///
/// It holds the persistent integration step (NEST's `IntegrationStep_`) and all scratch
/// arrays; nothing is allocated after construction. In `f32` (`Rkf45<N, f32>`) the
/// coefficients, stages and the control's arithmetic are `f32`: the same rules, not GSL's
/// numbers.
#[derive(Clone, Debug)]
pub struct Rkf45<const N: usize, F: Real = f64> {
    control: Control,
    h: F,
    max_steps: u32,
    stats: Rkf45Stats,
    y0: [F; N],
    ytmp: [F; N],
    k2: [F; N],
    k3: [F; N],
    k4: [F; N],
    k5: [F; N],
    k6: [F; N],
    yerr: [F; N],
    dydt_in: [F; N],
    dydt_out: [F; N],
}

impl<const N: usize, F: Real> Rkf45<N, F> {
    /// A solver with `control` whose first step tries `h` (NEST: the resolution).
    pub fn new(control: Control, h: F) -> Self {
        Rkf45 {
            control,
            h,
            max_steps: 1_000_000,
            stats: Rkf45Stats::default(),
            y0: [F::ZERO; N],
            ytmp: [F::ZERO; N],
            k2: [F::ZERO; N],
            k3: [F::ZERO; N],
            k4: [F::ZERO; N],
            k5: [F::ZERO; N],
            k6: [F::ZERO; N],
            yerr: [F::ZERO; N],
            dydt_in: [F::ZERO; N],
            dydt_out: [F::ZERO; N],
        }
    }

    /// Limits the steps one call of [`integrate`](OdeSolver::integrate) may take before it
    /// fails with [`SolverError::TooManySteps`] (default 10⁶; GSL has no limit).
    pub fn with_max_steps(mut self, max_steps: u32) -> Self {
        self.max_steps = max_steps;
        self
    }

    /// The limit of steps per call of [`integrate`](OdeSolver::integrate)
    /// ([`with_max_steps`](Self::with_max_steps)).
    pub fn max_steps(&self) -> u32 {
        self.max_steps
    }

    /// The step-size control.
    pub fn control(&self) -> &Control {
        &self.control
    }

    /// Replaces the step-size control.
    pub fn set_control(&mut self, control: Control) {
        self.control = control;
    }

    /// The step size the next step will try (NEST's `IntegrationStep_`).
    pub fn integration_step(&self) -> F {
        self.h
    }

    /// Sets the internal step size carried to the next call.
    pub fn set_integration_step(&mut self, h: F) {
        self.h = h;
    }

    /// Counts since the last reset.
    pub fn stats(&self) -> Rkf45Stats {
        self.stats
    }

    /// Zeroes the counts.
    pub fn reset_stats(&mut self) {
        self.stats = Rkf45Stats::default();
    }

    /// The error estimate of the last step.
    pub fn last_error(&self) -> &[F; N] {
        &self.yerr
    }

    /// One Fehlberg step of size `h` from `(t, y)`, without step-size control (GSL's
    /// `gsl_odeiv_step_apply` without a start derivative): `y` becomes the fifth-order
    /// solution and the error estimate is returned.
    pub fn fehlberg_step<R: OdeRhs<N, F>>(
        &mut self,
        f: &R,
        t: F,
        h: F,
        y: &mut [F; N],
    ) -> &[F; N] {
        f.rhs(t, y, &mut self.dydt_in);
        self.stats.rhs_evals += 1;
        self.stage_step(f, t, h, y, true);
        &self.yerr
    }

    /// The stages, new state, error estimate and (if `end_derivative`) `f` at the end, with
    /// `self.dydt_in` as stage 1. `y` is overwritten; the caller keeps the old state.
    #[inline(always)]
    fn stage_step<R: OdeRhs<N, F>>(
        &mut self,
        f: &R,
        t: F,
        h: F,
        y: &mut [F; N],
        end_derivative: bool,
    ) {
        let c = F::from_f64;
        let k1 = &self.dydt_in;
        for i in 0..N {
            self.ytmp[i] = y[i] + c(A2) * h * k1[i];
        }
        f.rhs(t + c(A2) * h, &self.ytmp, &mut self.k2);
        let k2 = &self.k2;
        for i in 0..N {
            self.ytmp[i] = y[i] + h * (c(B31) * k1[i] + c(B32) * k2[i]);
        }
        f.rhs(t + c(A3) * h, &self.ytmp, &mut self.k3);
        let k3 = &self.k3;
        for i in 0..N {
            self.ytmp[i] = y[i] + h * (c(B41) * k1[i] + c(B42) * k2[i] + c(B43) * k3[i]);
        }
        f.rhs(t + c(A4) * h, &self.ytmp, &mut self.k4);
        let k4 = &self.k4;
        for i in 0..N {
            self.ytmp[i] = y[i] + h * (c(B51) * k1[i] + c(B52) * k2[i] + c(B53) * k3[i] + c(B54) * k4[i]);
        }
        f.rhs(t + c(A5) * h, &self.ytmp, &mut self.k5);
        let k5 = &self.k5;
        for i in 0..N {
            self.ytmp[i] =
                y[i] + h * (c(B61) * k1[i] + c(B62) * k2[i] + c(B63) * k3[i] + c(B64) * k4[i] + c(B65) * k5[i]);
        }
        f.rhs(t + c(A6) * h, &self.ytmp, &mut self.k6);
        let k6 = &self.k6;
        for i in 0..N {
            let d = c(C1) * k1[i] + c(C3) * k3[i] + c(C4) * k4[i] + c(C5) * k5[i] + c(C6) * k6[i];
            y[i] += h * d;
        }
        self.stats.rhs_evals += 5;
        if end_derivative {
            f.rhs(t + h, y, &mut self.dydt_out);
            self.stats.rhs_evals += 1;
        }
        for i in 0..N {
            self.yerr[i] = h * (c(E1) * k1[i] + c(E3) * k3[i] + c(E4) * k4[i] + c(E5) * k5[i] + c(E6) * k6[i]);
        }
    }

    /// One call of GSL's `gsl_odeiv_evolve_apply`: advances `*t` towards `t1` by one
    /// accepted step, using and updating the persistent [`integration_step`](Self::integration_step).
    /// Evaluates derivatives exactly as GSL does.
    pub fn evolve_apply<R: OdeRhs<N, F>>(
        &mut self,
        f: &R,
        t: &mut F,
        t1: F,
        y: &mut [F; N],
    ) -> Result<(), SolverError> {
        self.apply(f, t, t1, y, false, true).map(|_| ())
    }

    /// `evolve_apply` with the derivative pattern of [`integrate`](OdeSolver::integrate):
    /// `have_dydt_in` says `self.dydt_in` already holds `f(*t, y)`; `gsl_dydt_out` forces the
    /// end derivative of a final step. Returns whether the step was final.
    #[inline(always)]
    fn apply<R: OdeRhs<N, F>>(
        &mut self,
        f: &R,
        t: &mut F,
        t1: F,
        y: &mut [F; N],
        have_dydt_in: bool,
        gsl_dydt_out: bool,
    ) -> Result<bool, SolverError> {
        let t0 = *t;
        let mut h0 = self.h;
        let dt = t1 - t0;
        let zero = F::ZERO;
        if (dt < zero && h0 > zero) || (dt > zero && h0 < zero) {
            return Err(SolverError::InvalidArgument(
                "step direction must match interval direction",
            ));
        }
        self.y0 = *y;
        if !have_dydt_in {
            f.rhs(t0, y, &mut self.dydt_in);
            self.stats.rhs_evals += 1;
        }
        let use_yp = self.control.a_dydt != 0.0;
        loop {
            let final_step = (dt >= zero && h0 > dt) || (dt < zero && h0 < dt);
            if final_step {
                h0 = dt;
            }
            self.stage_step(f, t0, h0, y, !final_step || use_yp || gsl_dydt_out);
            *t = if final_step { t1 } else { t0 + h0 };

            let h_old = h0;
            let yp = if use_yp { Some(&self.dydt_out) } else { None };
            if self.control.hadjust(ORDER, y, &self.yerr, yp, &mut h0) == Adjustment::Decreased {
                let t_curr = *t;
                let t_next = *t + h0;
                if h0.abs() < h_old.abs() && t_next != t_curr {
                    *y = self.y0;
                    self.stats.rejected += 1;
                    continue;
                }
                h0 = h_old;
            }
            self.stats.accepted += 1;
            self.h = h0;
            return Ok(final_step);
        }
    }
}

impl<const N: usize, F: Real> OdeSolver<N, F> for Rkf45<N, F> {
    /// NEST's loop `while t < t1 { evolve_apply(...) }` with the persistent integration step,
    /// reusing end derivatives as start derivatives (module docs). Fails if the state becomes
    /// non-finite or the step count exceeds the limit.
    fn integrate<R: OdeRhs<N, F>>(
        &mut self,
        f: &R,
        t0: F,
        t1: F,
        y: &mut [F; N],
    ) -> Result<(), SolverError> {
        let mut t = t0;
        let mut have_dydt_in = false;
        let mut steps = 0u32;
        while t < t1 {
            if steps == self.max_steps {
                return Err(SolverError::TooManySteps {
                    limit: self.max_steps,
                    t: t.to_f64(),
                });
            }
            steps += 1;
            let final_step = self.apply(f, &mut t, t1, y, have_dydt_in, false)?;
            if let Some(index) = first_non_finite(y) {
                return Err(SolverError::NonFinite { index, t: t.to_f64() });
            }
            if !final_step {
                core::mem::swap(&mut self.dydt_in, &mut self.dydt_out);
                have_dydt_in = true;
            }
        }
        Ok(())
    }

    fn reset(&mut self, h: F) {
        self.h = h;
    }
}

/// The persistent integration step carries over between steps (as NEST's `IntegrationStep_`).
impl<const N: usize, F: Real> crate::checkpoint::Checkpoint for Rkf45<N, F> {
    fn save(&self, out: &mut dyn crate::checkpoint::WordSink) {
        self.h.save(out);
    }
    fn restore(&mut self, input: &mut &[u64]) -> Result<(), crate::checkpoint::CheckpointError> {
        self.h.restore(input)
    }
}

#[cfg(test)]
mod tests;
