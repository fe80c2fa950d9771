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
//! Derivative evaluations: five per round, and one after the control of a round in which a
//! lane's step was accepted before its end (the next start derivative, which `Rkf45` evaluates
//! at the end of such a step) or a lane took a neuron (its first start derivative) — one
//! evaluation serves both. With `a_dydt != 0` the control needs the end derivative, which is
//! then evaluated for every step before it.
//!
//! # Cost
//!
//! The example `rkf45_lanes` (`cargo run --release -p nestml-runtime --example rkf45_lanes`)
//! integrates 64 Hodgkin–Huxley neurons with currents from rest to fast spiking through 8
//! lanes, the right-hand side written for all lanes with
//! [`exp_inline`](crate::math::exp_inline), `integrate` inside `#[target_feature]` functions,
//! and checks every neuron against a scalar `Rkf45` (bit for bit, at every instruction set).
//! The lanes need 93.5 right-hand-side calls per call where the neurons take 1.7 steps each:
//! 11.7 lane evaluations per neuron against the scalar solver's 11.2 (96 % of the lane work is
//! used). On generated hh_psc_alpha populations (`examples/w3_profile` of `nestml`) the lanes
//! with AVX2 take 198 ns per neuron-step where a `Vec` of structs takes 425 (README, W3).

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
        let use_yp = self.control.a_dydt != 0.0;
        let mut q = Queue::<N, L, F>::new(y.len().min(h.len()).min(active.len()));
        // this round's step size per lane (0 for lanes not running) and whether it is final
        let mut hs = [zero; L];
        let mut final_step = [false; L];
        // the lanes whose next step needs `f` at their state: a neuron just taken, or (when
        // the control does not need the end derivative first) a step accepted before the end
        let mut need = [false; L];
        q.fill(self.max_steps, t1, y, h, active, &mut need);
        loop {
            if need.iter().any(|&n| n) {
                f(&q.idx, &q.t, &q.yl, &mut self.ytmp);
                // selects, not branches, so that the loops vectorise
                for i in 0..N {
                    for l in 0..L {
                        self.k1[i][l] = if need[l] { self.ytmp[i][l] } else { self.k1[i][l] };
                    }
                }
            }
            let mut any = false;
            for l in 0..L {
                hs[l] = zero;
                if !q.busy[l] {
                    continue;
                }
                let (dt, h0) = (t1 - q.t[l], q.h_try[l]);
                let fin = (dt >= zero && h0 > dt) || (dt < zero && h0 < dt);
                final_step[l] = fin;
                hs[l] = if fin { dt } else { h0 };
                any = true;
            }
            if !any {
                break;
            }
            // `Rkf45` evaluates `f` at the end of a step that is not final (the next step's
            // start derivative) or, with `a_dydt != 0`, of every step before its control: the
            // first comes after the control here, with the start derivatives of new neurons
            self.stages(&|tt: &[F; L], ys: &[[F; L]; N], d: &mut [[F; L]; N]| f(&q.idx, tt, ys, d), &q.t, &hs, &q.yl, use_yp);
            // the control of every lane: its error ratio computed for all lanes at once, then
            // each lane's decision (`Rkf45::apply`'s tail)
            let rmax = self.error_ratios(use_yp, &hs);
            let mut accept = [false; L];
            for l in 0..L {
                if !q.busy[l] {
                    continue;
                }
                let (h_old, mut h_new) = (hs[l], hs[l]);
                let t_new = if final_step[l] { t1 } else { q.t[l] + h_old };
                if self.control.adjust(ORDER, rmax[l], &mut h_new) == Adjustment::Decreased {
                    if h_new.abs() < h_old.abs() && t_new + h_new != t_new {
                        // undo: retry from the same start with the decreased step
                        q.h_try[l] = h_new;
                        continue;
                    }
                    h_new = h_old;
                }
                accept[l] = true;
                (q.t[l], q.h_lane[l], q.fresh[l]) = (t_new, h_new, true);
            }
            // accepted lanes take the new state and, after a step that was not final, need the
            // start derivative of the next (computed already with `a_dydt != 0`)
            let mut finite = [true; L];
            let take_end = core::array::from_fn::<bool, L, _>(|l| use_yp && accept[l] && !final_step[l]);
            for i in 0..N {
                for l in 0..L {
                    q.yl[i][l] = if accept[l] { self.ynew[i][l] } else { q.yl[i][l] };
                    finite[l] &= q.yl[i][l].is_finite() | !accept[l];
                    self.k1[i][l] = if take_end[l] { self.dydt_out[i][l] } else { self.k1[i][l] };
                }
            }
            for l in 0..L {
                need[l] = false;
                if !accept[l] {
                    continue;
                }
                if !finite[l] {
                    let state: [F; N] = core::array::from_fn(|i| q.yl[i][l]);
                    let index = first_non_finite(&state).unwrap_or(0);
                    let t = q.t[l].to_f64();
                    q.fail(l, SolverError::NonFinite { index, t }, y, h);
                } else if !(q.t[l] < t1) {
                    // done (the loop head would end here)
                    q.finish(l, y, h);
                } else {
                    need[l] = !use_yp && !final_step[l];
                }
            }
            q.fill(self.max_steps, t1, y, h, active, &mut need);
        }
        match q.failed {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// The error ratio of every lane's step of size `hs` (`Control::hadjust`'s `rmax`, from the
    /// same `Control::error_ratio` per lane; with `use_yp` the end derivatives count): the
    /// largest ratio of a component's error estimate to its tolerance, NaN ratios skipped.
    #[inline(always)]
    fn error_ratios(&self, use_yp: bool, hs: &[F; L]) -> [F; L] {
        let mut rmax = [F::MIN_POSITIVE; L];
        for i in (0..N).filter(|&i| self.control.counts(i)) {
            for l in 0..L {
                let r = self.control.error_ratio(self.ynew[i][l], self.yerr[i][l], use_yp.then(|| hs[l] * self.dydt_out[i][l]));
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

/// The lanes of one [`Rkf45Lanes::integrate`] call and the neurons waiting for them.
struct Queue<const N: usize, const L: usize, F: Real> {
    /// Each lane's neuron (a valid index once it had one), whether it holds one now.
    idx: [usize; L],
    busy: [bool; L],
    /// Per lane: time, persistent step, step to try next (the persistent step or a decreased
    /// retry), whether the next step begins an `evolve_apply` call, steps counted, state.
    t: [F; L],
    h_lane: [F; L],
    h_try: [F; L],
    fresh: [bool; L],
    steps: [u32; L],
    yl: [[F; L]; N],
    /// The next neuron to look at, the number of neurons, the lowest failure.
    next: usize,
    n: usize,
    failed: Option<(usize, SolverError)>,
}

impl<const N: usize, const L: usize, F: Real> Queue<N, L, F> {
    fn new(n: usize) -> Self {
        let zero = F::ZERO;
        Queue {
            idx: [0; L],
            busy: [false; L],
            t: [zero; L],
            h_lane: [zero; L],
            h_try: [zero; L],
            fresh: [true; L],
            steps: [0; L],
            yl: [[zero; L]; N],
            next: 0,
            n,
            failed: None,
        }
    }

    /// Lanes without a neuron take the next active ones (and are marked in `need`: their start
    /// derivative), and lanes at the head of `Rkf45::integrate`'s loop start their next step or
    /// give their neuron back (done, or failed as `Rkf45` fails there), until every lane runs or
    /// no neuron is left.
    #[inline(always)]
    fn fill(&mut self, max_steps: u32, t1: F, y: &mut [[F; N]], h: &mut [F], active: &[bool], need: &mut [bool; L]) {
        let zero = F::ZERO;
        loop {
            for l in 0..L {
                if self.busy[l] {
                    continue;
                }
                while self.next < self.n && !active[self.next] {
                    self.next += 1;
                }
                if self.next == self.n {
                    break;
                }
                let j = self.next;
                self.next += 1;
                (self.idx[l], self.busy[l], self.t[l], self.h_lane[l], self.fresh[l], self.steps[l], need[l]) = (j, true, zero, h[j], true, 0, true);
                for i in 0..N {
                    self.yl[i][l] = y[j][i];
                }
            }
            let mut freed = false;
            for l in 0..L {
                if !self.busy[l] || !self.fresh[l] {
                    continue;
                }
                let dt = t1 - self.t[l];
                // `while t < t1` (a NaN `t1`: no step), then `apply`'s checks
                if !(self.t[l] < t1) {
                    self.finish(l, y, h);
                } else if self.steps[l] == max_steps {
                    self.fail(l, SolverError::TooManySteps { limit: max_steps, t: self.t[l].to_f64() }, y, h);
                } else if (dt < zero && self.h_lane[l] > zero) || (dt > zero && self.h_lane[l] < zero) {
                    self.fail(l, SolverError::InvalidArgument("step direction must match interval direction"), y, h);
                } else {
                    self.steps[l] += 1;
                    self.h_try[l] = self.h_lane[l];
                    self.fresh[l] = false;
                    continue;
                }
                need[l] = false;
                freed = true;
            }
            if !freed || self.next == self.n {
                return;
            }
        }
    }

    /// Lane `l` gives its neuron back: state and persistent step written out, the lane free
    /// (its values stay, for `f` to compute on).
    #[inline(always)]
    fn finish(&mut self, l: usize, y: &mut [[F; N]], h: &mut [F]) {
        let j = self.idx[l];
        for i in 0..N {
            y[j][i] = self.yl[i][l];
        }
        h[j] = self.h_lane[l];
        self.busy[l] = false;
    }

    /// Lane `l`'s neuron failed with `e`: given back, and the failure kept if it is the lowest.
    #[inline(always)]
    fn fail(&mut self, l: usize, e: SolverError, y: &mut [[F; N]], h: &mut [F]) {
        self.finish(l, y, h);
        let j = self.idx[l];
        if self.failed.is_none_or(|(first, _)| j < first) {
            self.failed = Some((j, e));
        }
    }
}

#[cfg(test)]
mod tests;
