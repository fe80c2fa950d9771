//! [`Rkf45`](super::Rkf45) for many neurons through `L` lanes in lockstep (SIMD over neurons).
//!
//! A population of neurons of one model integrated with RKF45 spends its time in the
//! right-hand side, which a code generator can write once for `L` neurons at a time (one
//! vector register per state variable). [`Rkf45Lanes`] drives such a right-hand side: the
//! lanes' state is `[[F; L]; N]` (variable-major, `y[i][l]` is variable `i` of lane `l`), each
//! lane has its own neuron, time, persistent step and start derivative, and every call of `f`
//! evaluates all lanes at once, each at its own time.
//!
//! # Equal to the scalar solver, neuron by neuron
//!
//! [`Rkf45Lanes::integrate`] gives every neuron exactly what [`Rkf45::integrate`](super::Rkf45)
//! gives it alone (`integrate(f_j, 0, t1, y_j)` with the persistent step `h[j]`): the same
//! accepted and rejected steps, the same numbers bit for bit, the same errors. It runs in
//! rounds; in each, every lane that holds a neuron tries one Fehlberg step, the stages of all
//! lanes computed together with the arithmetic of the scalar stepper (the same operations in
//! the same order, per lane), the error ratios of all lanes too, and then each lane's control
//! decides on its own:
//! - accept: the lane's `t`, `y` and `h` advance and its end derivative becomes its next start
//!   derivative, as in `Rkf45::integrate`;
//! - reject (a real decrease that moves time): `y`, `t` and the start derivative stay and the
//!   lane retries in the next round with the decreased step. `Rkf45::evolve_apply` retries
//!   inside one call with the same `t0`, `y0`, start derivative and decreased `h0`, and
//!   truncates the retry to `t1 − t0` again: the same numbers, so the retry of the next round
//!   is the scalar retry.
//!
//! The neurons go through the lanes as a queue: a lane whose neuron has reached `t1` (or
//! failed) writes it back and takes the next active neuron, so lanes idle only when no neuron
//! is left. Steps are counted per neuron as `Rkf45::integrate` counts them (one per
//! `evolve_apply` call, retries not counted).
//!
//! Derivative evaluations: one per round in which some lane took a neuron (its start
//! derivative; the other lanes' values are ignored), five per round, and one more per round
//! unless every running lane's step is final and `a_dydt = 0` (the scalar solver's rule for a
//! final step).
//!
//! # Cost
//!
//! The example `rkf45_lanes` (`cargo run --release -p nestml-runtime --example rkf45_lanes`)
//! integrates 64 Hodgkin–Huxley neurons with currents from rest to fast spiking through 8
//! lanes, the right-hand side written for all lanes with
//! [`exp_inline`](crate::math::exp_inline), `integrate` inside `#[target_feature]` functions,
//! and checks every neuron against a scalar `Rkf45` (bit for bit, at every instruction set).
//! The lanes need 104 right-hand-side calls per call where the neurons take 1.7 steps each:
//! 13 lane evaluations per neuron against the scalar solver's 11.2 (86 % of the lane work is
//! used). On generated hh_psc_alpha populations (`examples/w3_profile` of `nestml`) the lanes
//! with AVX2 take 250 ns per neuron-step where a `Vec` of structs takes 540 (README, W3).

use super::rkf45::{
    Adjustment, Control, A2, A3, A4, A5, A6, B31, B32, B41, B42, B43, B51, B52, B53, B54, B61, B62,
    B63, B64, B65, C1, C3, C4, C5, C6, E1, E3, E4, E5, E6, ORDER,
};
use super::{first_non_finite, SolverError};
use crate::Real;

/// Lanes of a lockstep solver: neurons integrated together (8: one AVX-512 vector of f64).
pub const LANES: usize = 8;

/// RKF45 with GSL's control for `L` neurons with `N` state variables each, in lockstep
/// (module docs). Holds the tolerances, the step limit and the scratch arrays; the per-lane
/// persistent steps belong to the caller. Nothing is allocated.
#[derive(Clone, Debug)]
pub struct Rkf45Lanes<const N: usize, const L: usize, F: Real = f64> {
    control: Control,
    max_steps: u32,
    /// The start derivative of each lane's current step.
    k1: [[F; L]; N],
    k2: [[F; L]; N],
    k3: [[F; L]; N],
    k4: [[F; L]; N],
    k5: [[F; L]; N],
    k6: [[F; L]; N],
    ytmp: [[F; L]; N],
    /// The fifth-order solution of the round's step (`y` is written only on acceptance).
    ynew: [[F; L]; N],
    yerr: [[F; L]; N],
    /// `f` at the end of the round's step.
    dydt_out: [[F; L]; N],
}

impl<const N: usize, const L: usize, F: Real> Rkf45Lanes<N, L, F> {
    /// A solver with `control` that fails a lane after `max_steps` steps in one call of
    /// [`integrate`](Self::integrate) (as [`Rkf45::with_max_steps`](super::Rkf45::with_max_steps)).
    pub fn new(control: Control, max_steps: u32) -> Self {
        let z = [[F::ZERO; L]; N];
        Rkf45Lanes {
            control,
            max_steps,
            k1: z,
            k2: z,
            k3: z,
            k4: z,
            k5: z,
            k6: z,
            ytmp: z,
            ynew: z,
            yerr: z,
            dydt_out: z,
        }
    }

    /// The step-size control.
    pub fn control(&self) -> &Control {
        &self.control
    }

    /// Replaces the step-size control.
    pub fn set_control(&mut self, control: Control) {
        self.control = control;
    }

    /// The limit of steps per lane and call.
    pub fn max_steps(&self) -> u32 {
        self.max_steps
    }

    /// Integrates every neuron `j` with `active[j]` from 0 to `t1`, exactly as
    /// `Rkf45::integrate(f_j, 0, t1, y_j)` does for one neuron whose persistent integration
    /// step is `h[j]` (read and updated, as `Rkf45`'s `h`): the same accepted and rejected steps
    /// and the same numbers, bit for bit. The neurons go through the `L` lanes as a queue: a
    /// lane whose neuron has finished takes the next one, so that lanes idle only at the end.
    ///
    /// `f(idx, tt, y, dy)` evaluates all lanes at once: lane `l` holds neuron `idx[l]` at time
    /// `tt[l]`. Lanes without a neuron hold some neuron's index (a valid one) with values that
    /// are ignored — possibly NaN or infinite: `f` must not panic on them. Neurons that are not
    /// active are left unchanged. Returns the lowest neuron that failed
    /// ([`NonFinite`](SolverError::NonFinite), [`TooManySteps`](SolverError::TooManySteps) or
    /// [`InvalidArgument`](SolverError::InvalidArgument), exactly as `Rkf45` would for it)
    /// after every other neuron has finished; a failed neuron stops where `Rkf45` would stop (a
    /// non-finite state is written back, as `Rkf45` leaves it). `y`, `h` and `active` have one
    /// entry per neuron (the shortest length counts).
    #[inline(always)]
    pub fn integrate<R: Fn(&[usize; L], &[F; L], &[[F; L]; N], &mut [[F; L]; N])>(
        &mut self,
        f: &R,
        t1: F,
        y: &mut [[F; N]],
        h: &mut [F],
        active: &[bool],
    ) -> Result<(), (usize, SolverError)> {
        let zero = F::ZERO;
        let n = y.len().min(h.len()).min(active.len());
        let use_yp = self.control.a_dydt != 0.0;
        // per lane: its neuron, whether it has one, time, persistent step, step to try next (the
        // persistent step or a decreased retry), whether the next round begins an
        // `evolve_apply` call (else it retries), steps counted, whether it needs a start
        // derivative
        let mut idx = [0usize; L];
        let mut busy = [false; L];
        let mut t = [zero; L];
        let mut h_lane = [zero; L];
        let mut h_try = [zero; L];
        let mut fresh = [true; L];
        let mut steps = [0u32; L];
        let mut new = [false; L];
        let mut yl = [[zero; L]; N];
        let mut failed: Option<(usize, SolverError)> = None;
        // this round's step size per lane (0 for lanes not running) and whether it is final
        let mut hs = [zero; L];
        let mut final_step = [false; L];
        let mut next = 0usize;
        loop {
            // idle lanes take the next active neurons and start them (`Rkf45::integrate`'s
            // loop head), until every lane runs or no neuron is left
            let mut any_new = false;
            loop {
                for l in 0..L {
                    if busy[l] {
                        continue;
                    }
                    while next < n && !active[next] {
                        next += 1;
                    }
                    if next == n {
                        break;
                    }
                    let j = next;
                    next += 1;
                    (idx[l], busy[l], t[l], h_lane[l], fresh[l], steps[l], new[l]) = (j, true, zero, h[j], true, 0, true);
                    for i in 0..N {
                        yl[i][l] = y[j][i];
                    }
                    any_new = true;
                }
                let mut freed = false;
                for l in 0..L {
                    if !busy[l] || !fresh[l] {
                        continue;
                    }
                    let dt = t1 - t[l];
                    // `while t < t1` (a NaN `t1`: no step), then `apply`'s checks
                    let error = if !(t[l] < t1) {
                        None
                    } else if steps[l] == self.max_steps {
                        Some(SolverError::TooManySteps { limit: self.max_steps, t: t[l].to_f64() })
                    } else if (dt < zero && h_lane[l] > zero) || (dt > zero && h_lane[l] < zero) {
                        Some(SolverError::InvalidArgument("step direction must match interval direction"))
                    } else {
                        steps[l] += 1;
                        h_try[l] = h_lane[l];
                        fresh[l] = false;
                        continue;
                    };
                    Self::finish(l, idx[l], &yl, h_lane[l], y, h, &mut busy);
                    if let Some(e) = error {
                        if failed.is_none_or(|(first, _)| idx[l] < first) {
                            failed = Some((idx[l], e));
                        }
                    }
                    freed = true;
                }
                if !freed || next == n {
                    break;
                }
            }
            // this round's step of every running lane
            let mut any = false;
            let mut end_derivative = false;
            for l in 0..L {
                hs[l] = zero;
                if !busy[l] {
                    continue;
                }
                let (dt, h0) = (t1 - t[l], h_try[l]);
                let fin = (dt >= zero && h0 > dt) || (dt < zero && h0 < dt);
                final_step[l] = fin;
                hs[l] = if fin { dt } else { h0 };
                any = true;
                end_derivative |= !fin || use_yp;
            }
            if !any {
                break;
            }
            if any_new {
                // the start derivatives of the lanes that took a neuron (at t = 0)
                f(&idx, &t, &yl, &mut self.ytmp);
                for l in 0..L {
                    if new[l] && busy[l] {
                        for i in 0..N {
                            self.k1[i][l] = self.ytmp[i][l];
                        }
                    }
                    new[l] = false;
                }
            }
            self.stages(&|tt: &[F; L], ys: &[[F; L]; N], d: &mut [[F; L]; N]| f(&idx, tt, ys, d), &t, &hs, &yl, end_derivative);
            // the control of every lane: its error ratio computed for all lanes at once, then
            // each lane's decision (`Rkf45::apply`'s tail)
            let rmax = self.error_ratios(use_yp, &hs);
            let mut accept = [false; L];
            for l in 0..L {
                if !busy[l] {
                    continue;
                }
                let (h_old, mut h_new) = (hs[l], hs[l]);
                let t_new = if final_step[l] { t1 } else { t[l] + h_old };
                if self.control.adjust(ORDER, rmax[l], &mut h_new) == Adjustment::Decreased {
                    if h_new.abs() < h_old.abs() && t_new + h_new != t_new {
                        // undo: retry from the same start with the decreased step
                        h_try[l] = h_new;
                        continue;
                    }
                    h_new = h_old;
                }
                accept[l] = true;
                (t[l], h_lane[l], fresh[l]) = (t_new, h_new, true);
            }
            // accepted lanes take the new state and, unless the step was final, the end
            // derivative as their next start derivative
            let mut finite = [true; L];
            for i in 0..N {
                for l in 0..L {
                    if accept[l] {
                        yl[i][l] = self.ynew[i][l];
                        finite[l] &= self.ynew[i][l].is_finite();
                        if !final_step[l] {
                            self.k1[i][l] = self.dydt_out[i][l];
                        }
                    }
                }
            }
            for l in 0..L {
                if !accept[l] {
                    continue;
                }
                if !finite[l] {
                    let state: [F; N] = core::array::from_fn(|i| yl[i][l]);
                    let index = first_non_finite(&state).unwrap_or(0);
                    Self::finish(l, idx[l], &yl, h_lane[l], y, h, &mut busy);
                    if failed.is_none_or(|(first, _)| idx[l] < first) {
                        failed = Some((idx[l], SolverError::NonFinite { index, t: t[l].to_f64() }));
                    }
                } else if !(t[l] < t1) {
                    // done (the loop head would end here)
                    Self::finish(l, idx[l], &yl, h_lane[l], y, h, &mut busy);
                }
            }
        }
        match failed {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// Lane `l` gives neuron `j` back: its state and persistent step are written out and the
    /// lane is free (its values stay, for `f` to compute on).
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    fn finish(l: usize, j: usize, yl: &[[F; L]; N], h_lane: F, y: &mut [[F; N]], h: &mut [F], busy: &mut [bool; L]) {
        for i in 0..N {
            y[j][i] = yl[i][l];
        }
        h[j] = h_lane;
        busy[l] = false;
    }

    /// The error ratio of every lane's step of size `hs` (`Control::hadjust`'s `rmax`, with
    /// the same arithmetic per lane; with `use_yp` the end derivatives count): the largest ratio
    /// of a component's error estimate to its tolerance, NaN ratios skipped.
    #[inline(always)]
    fn error_ratios(&self, use_yp: bool, hs: &[F; L]) -> [F; L] {
        let c = F::from_f64;
        let Control { eps_abs, eps_rel, a_y, a_dydt } = self.control;
        let (eps_abs, eps_rel, a_y, a_dydt) = (c(eps_abs), c(eps_rel), c(a_y), c(a_dydt));
        let mut rmax = [F::MIN_POSITIVE; L];
        for i in 0..N {
            for l in 0..L {
                let d0 = if use_yp {
                    eps_rel * (a_y * self.ynew[i][l].abs() + a_dydt * (hs[l] * self.dydt_out[i][l]).abs()) + eps_abs
                } else {
                    eps_rel * (a_y * self.ynew[i][l].abs()) + eps_abs
                };
                let r = self.yerr[i][l].abs() / d0.abs();
                if r > rmax[l] {
                    rmax[l] = r;
                }
            }
        }
        rmax
    }

    /// Stages 2–6, the new states, the error estimates and (if `end_derivative`) `f` at the
    /// ends of the steps, for all lanes with step sizes `h` from times `t` and states `y`, with
    /// `self.k1` as stage 1: per lane the arithmetic of `Rkf45::stage_step`.
    #[inline(always)]
    fn stages<R: Fn(&[F; L], &[[F; L]; N], &mut [[F; L]; N])>(
        &mut self,
        f: &R,
        t: &[F; L],
        h: &[F; L],
        y: &[[F; L]; N],
        end_derivative: bool,
    ) {
        let c = F::from_f64;
        let mut tt = [F::ZERO; L];
        let k1 = &self.k1;

        for l in 0..L {
            tt[l] = t[l] + c(A2) * h[l];
        }
        for i in 0..N {
            for l in 0..L {
                self.ytmp[i][l] = y[i][l] + c(A2) * h[l] * k1[i][l];
            }
        }
        f(&tt, &self.ytmp, &mut self.k2);
        let k2 = &self.k2;

        for l in 0..L {
            tt[l] = t[l] + c(A3) * h[l];
        }
        for i in 0..N {
            for l in 0..L {
                self.ytmp[i][l] = y[i][l] + h[l] * (c(B31) * k1[i][l] + c(B32) * k2[i][l]);
            }
        }
        f(&tt, &self.ytmp, &mut self.k3);
        let k3 = &self.k3;

        for l in 0..L {
            tt[l] = t[l] + c(A4) * h[l];
        }
        for i in 0..N {
            for l in 0..L {
                self.ytmp[i][l] =
                    y[i][l] + h[l] * (c(B41) * k1[i][l] + c(B42) * k2[i][l] + c(B43) * k3[i][l]);
            }
        }
        f(&tt, &self.ytmp, &mut self.k4);
        let k4 = &self.k4;

        for l in 0..L {
            tt[l] = t[l] + c(A5) * h[l];
        }
        for i in 0..N {
            for l in 0..L {
                self.ytmp[i][l] = y[i][l]
                    + h[l] * (c(B51) * k1[i][l] + c(B52) * k2[i][l] + c(B53) * k3[i][l] + c(B54) * k4[i][l]);
            }
        }
        f(&tt, &self.ytmp, &mut self.k5);
        let k5 = &self.k5;

        for l in 0..L {
            tt[l] = t[l] + c(A6) * h[l];
        }
        for i in 0..N {
            for l in 0..L {
                self.ytmp[i][l] = y[i][l]
                    + h[l]
                        * (c(B61) * k1[i][l]
                            + c(B62) * k2[i][l]
                            + c(B63) * k3[i][l]
                            + c(B64) * k4[i][l]
                            + c(B65) * k5[i][l]);
            }
        }
        f(&tt, &self.ytmp, &mut self.k6);
        let k6 = &self.k6;

        for i in 0..N {
            for l in 0..L {
                let d = c(C1) * k1[i][l] + c(C3) * k3[i][l] + c(C4) * k4[i][l] + c(C5) * k5[i][l] + c(C6) * k6[i][l];
                self.ynew[i][l] = y[i][l] + h[l] * d;
            }
        }
        if end_derivative {
            for l in 0..L {
                tt[l] = t[l] + h[l];
            }
            f(&tt, &self.ynew, &mut self.dydt_out);
        }
        for i in 0..N {
            for l in 0..L {
                self.yerr[i][l] = h[l]
                    * (c(E1) * k1[i][l] + c(E3) * k3[i][l] + c(E4) * k4[i][l] + c(E5) * k5[i][l] + c(E6) * k6[i][l]);
            }
        }
    }
}

#[cfg(test)]
mod tests;
