use super::*;
use crate::solvers::{OdeSolver, Rkf45, Rkf45Stats};
use std::vec::Vec;

/// Per-lane parameters of [`hh`]: injected current (µA/cm², times `1 + t`) and, if nonzero,
/// a poison that makes `dV/dt` NaN above −20 mV.
type Params<F> = [F; 2];

/// Hodgkin and Huxley's squid axon (V, m, h, n; mV, ms), time-dependent through the current:
/// stiff enough in a spike that RKF45 rejects steps.
fn hh<F: Real>(p: &Params<F>, t: F, y: &[F; 4], d: &mut [F; 4]) {
    let c = F::from_f64;
    let (v, m, h, n) = (y[0], y[1], y[2], y[3]);
    let alpha_n = c(0.01) * (v + c(55.0)) / (F::ONE - (-(v + c(55.0)) / c(10.0)).exp());
    let beta_n = c(0.125) * (-(v + c(65.0)) / c(80.0)).exp();
    let alpha_m = c(0.1) * (v + c(40.0)) / (F::ONE - (-(v + c(40.0)) / c(10.0)).exp());
    let beta_m = c(4.0) * (-(v + c(65.0)) / c(18.0)).exp();
    let alpha_h = c(0.07) * (-(v + c(65.0)) / c(20.0)).exp();
    let beta_h = F::ONE / (F::ONE + (-(v + c(35.0)) / c(10.0)).exp());
    let i_na = c(120.0) * m * m * m * h * (v - c(50.0));
    let i_k = c(36.0) * n * n * n * n * (v - c(-77.0));
    let i_l = c(0.3) * (v - c(-54.4));
    d[0] = p[0] * (F::ONE + t) - i_na - i_k - i_l;
    if p[1] != F::ZERO && v > c(-20.0) {
        d[0] = F::NAN;
    }
    d[1] = alpha_m * (F::ONE - m) - beta_m * m;
    d[2] = alpha_h * (F::ONE - h) - beta_h * h;
    d[3] = alpha_n * (F::ONE - n) - beta_n * n;
}

/// [`hh`] for all lanes, lane by lane (so that each lane's numbers are the scalar ones), lane
/// `l` with the parameters of its neuron `idx[l]`.
#[allow(clippy::type_complexity)]
fn hh_lanes<F: Real, const M: usize, const L: usize>(
    params: [Params<F>; M],
) -> impl Fn(&[usize; L], &[F; L], &[[F; L]; 4], &mut [[F; L]; 4]) {
    move |idx, t, y, d| {
        for l in 0..L {
            let yl = [y[0][l], y[1][l], y[2][l], y[3][l]];
            let mut dl = [F::ZERO; 4];
            hh(&params[idx[l]], t[l], &yl, &mut dl);
            for i in 0..4 {
                d[i][l] = dl[i];
            }
        }
    }
}

fn bits<F: Real>(x: F) -> u64 {
    x.to_f64().to_bits()
}

/// A setup of `M` neurons: control, step limit, per-neuron parameters, start states and
/// steps, which neurons take part.
struct Setup<F: Real, const M: usize> {
    control: Control,
    max_steps: u32,
    params: [Params<F>; M],
    y0: [[F; 4]; M],
    h0: [F; M],
    active: [bool; M],
}

/// What [`run_both`] saw: the scalar solvers' counts per neuron, the error of each call that
/// failed, and every failure of a neuron (call, neuron, error).
struct Seen<const M: usize> {
    stats: [Rkf45Stats; M],
    errors: Vec<(usize, (usize, SolverError))>,
    failures: Vec<(usize, usize, SolverError)>,
}

/// Runs `calls` consecutive calls of `Rkf45Lanes::<4, L>::integrate(.., t1, ..)` over the
/// neurons and, per active neuron, of a scalar `Rkf45` with the same persistent step, and
/// asserts after every call that each neuron's state and step are bit for bit the scalar ones,
/// that inactive neurons are untouched, and that the error is the scalar error of the lowest
/// failing neuron. A neuron that failed is inactive in later calls.
fn run_both<F: Real, const M: usize, const L: usize>(s: &Setup<F, M>, calls: usize, t1: F) -> Seen<M> {
    let mut scalar: [Rkf45<4, F>; M] =
        core::array::from_fn(|j| Rkf45::new(s.control, s.h0[j]).with_max_steps(s.max_steps));
    let mut ys = s.y0;
    let mut y = s.y0;
    let mut h = s.h0;
    let mut lanes = Rkf45Lanes::<4, L, F>::new(s.control, s.max_steps);
    let f = hh_lanes::<F, M, L>(s.params);
    let mut active = s.active;
    let mut errors = Vec::new();
    let mut failures = Vec::new();
    for call in 0..calls {
        let (y_before, h_before) = (y, h);
        let got = lanes.integrate(&f, t1, &mut y, &mut h, &active);
        let mut want = Ok(());
        let mut next_active = active;
        for j in 0..M {
            if active[j] {
                let p = s.params[j];
                let r = scalar[j].integrate(&|t: F, y: &[F; 4], d: &mut [F; 4]| hh(&p, t, y, d), F::ZERO, t1, &mut ys[j]);
                if let Err(e) = r {
                    failures.push((call, j, e));
                    if want.is_ok() {
                        want = Err((j, e));
                    }
                    next_active[j] = false;
                }
                for i in 0..4 {
                    assert_eq!(bits(y[j][i]), bits(ys[j][i]), "call {call} neuron {j} y[{i}]: {} vs {}", y[j][i], ys[j][i]);
                }
                assert_eq!(bits(h[j]), bits(scalar[j].integration_step()), "call {call} neuron {j} h");
            } else {
                for i in 0..4 {
                    assert_eq!(bits(y[j][i]), bits(y_before[j][i]), "inactive neuron {j} written");
                }
                assert_eq!(bits(h[j]), bits(h_before[j]), "inactive neuron {j}'s h written");
            }
        }
        assert_eq!(got, want, "call {call}");
        if let Err(e) = got {
            errors.push((call, e));
        }
        active = next_active;
    }
    Seen { stats: core::array::from_fn(|j| scalar[j].stats()), errors, failures }
}

/// Eight neurons from different states with currents from rest to fast spiking.
fn eight<F: Real>(control: Control) -> Setup<F, 8> {
    let c = F::from_f64;
    let currents = [0.0, 3.0, 6.5, 8.0, 10.0, 15.0, 25.0, 40.0];
    Setup {
        control,
        max_steps: 1_000_000,
        params: core::array::from_fn(|l| [c(currents[l]), F::ZERO]),
        y0: core::array::from_fn(|l| [c(-65.0 + 3.0 * l as f64), c(0.05), c(0.6), c(0.32)]),
        h0: [c(0.1); 8],
        active: [true; 8],
    }
}

/// Asserts that the neurons took different numbers of accepted and of rejected steps, some
/// rejected at all: the lockstep had lanes refilled at different rounds and lanes retrying.
fn assert_lanes_differ<const M: usize>(stats: &[Rkf45Stats; M]) {
    let mut accepted: Vec<u64> = stats.iter().map(|s| s.accepted).collect();
    let mut rejected: Vec<u64> = stats.iter().map(|s| s.rejected).collect();
    accepted.sort();
    accepted.dedup();
    rejected.sort();
    rejected.dedup();
    assert!(accepted.len() > 2, "accepted {stats:?}");
    assert!(rejected.len() > 2 && rejected[rejected.len() - 1] > 0, "rejected {stats:?}");
}

#[test]
fn lanes_equal_scalar_rkf45_bitwise_over_many_calls() {
    // with the gates left out of the error ratio too (bits 1–3)
    for control in [Control::NESTML_DEFAULT, Control::y(1e-3, 0.0), Control::y(1e-3, 0.0).ignoring(0b1110)] {
        let seen = run_both::<f64, 8, 8>(&eight::<f64>(control), 200, 0.1);
        assert!(seen.errors.is_empty());
        assert_lanes_differ(&seen.stats);
        // more neurons than lanes: lanes take the next neuron
        let seen = run_both::<f64, 8, 3>(&eight::<f64>(control), 200, 0.1);
        assert!(seen.errors.is_empty());
        assert_lanes_differ(&seen.stats);
    }
}

#[test]
fn lanes_equal_scalar_rkf45_with_derivative_control() {
    // a_dydt = 1: the end derivative of final steps is evaluated too
    let seen = run_both::<f64, 8, 4>(&eight::<f64>(Control::yp(1e-6, 1e-6)), 200, 0.1);
    assert!(seen.errors.is_empty());
    assert_lanes_differ(&seen.stats);
}

#[test]
fn single_precision_lanes_equal_scalar_single_precision_rkf45() {
    let eight = eight::<f32>(Control::NESTML_DEFAULT);
    // four lanes: L is not tied to LANES
    let four = Setup::<f32, 4> {
        control: eight.control,
        max_steps: eight.max_steps,
        params: [eight.params[0], eight.params[3], eight.params[5], eight.params[7]],
        y0: [eight.y0[0], eight.y0[3], eight.y0[5], eight.y0[7]],
        h0: [0.1; 4],
        active: [true; 4],
    };
    let seen = run_both::<f32, 4, 4>(&four, 200, 0.1);
    assert!(seen.errors.is_empty());
    assert_lanes_differ(&seen.stats);
    let seen = run_both::<f32, 8, 8>(&eight, 50, 0.1);
    assert!(seen.errors.is_empty());
    let seen = run_both::<f32, 8, 16>(&eight, 50, 0.1);
    assert!(seen.errors.is_empty());
}

#[test]
fn inactive_lanes_are_untouched() {
    let mut s = eight::<f64>(Control::NESTML_DEFAULT);
    s.active = [true, false, true, false, false, true, true, false];
    // NaN states and steps in inactive lanes: never read into an active lane, never written
    for l in [1, 3, 4, 7] {
        s.y0[l] = [f64::NAN, f64::INFINITY, -0.0, 1e300];
        s.h0[l] = f64::NAN;
    }
    let seen = run_both::<f64, 8, 8>(&s, 100, 0.1);
    assert!(seen.errors.is_empty());
    let seen = run_both::<f64, 8, 2>(&s, 100, 0.1);
    assert!(seen.errors.is_empty());
    // none active: nothing happens
    s.active = [false; 8];
    let seen = run_both::<f64, 8, 4>(&s, 3, 0.1);
    assert!(seen.errors.is_empty());
}

#[test]
fn non_finite_lane_fails_as_scalar_while_others_finish() {
    let mut s = eight::<f64>(Control::NESTML_DEFAULT);
    // lanes 5, 6 and 7 are poisoned, 7 a copy of 6: they fail (5 in another call than 6 and
    // 7), the lower of 6 and 7 is reported; the rest go on matching the scalar solver
    s.params[5][1] = 1.0;
    s.params[6][1] = 1.0;
    s.params[7] = s.params[6];
    s.y0[7] = s.y0[6];
    let seen = run_both::<f64, 8, 3>(&s, 200, 0.1);
    let mut failed: Vec<(usize, usize)> = seen.errors.iter().map(|&(call, (l, _))| (l, call)).collect();
    for (_, (_, e)) in &seen.errors {
        assert!(matches!(e, SolverError::NonFinite { index: 0, .. }), "{e:?}");
    }
    failed.sort();
    assert_eq!(failed.len(), 2, "{:?}", seen.errors);
    assert_eq!((failed[0].0, failed[1].0), (5, 6), "{:?}", seen.errors);
    assert_ne!(failed[0].1, failed[1].1);
    // lane 7 failed with lane 6
    let sixes: Vec<(usize, usize)> = seen.failures.iter().filter(|f| f.1 >= 6).map(|f| (f.0, f.1)).collect();
    assert_eq!(sixes, [(failed[1].1, 6), (failed[1].1, 7)]);
}

#[test]
fn too_many_steps_and_invalid_argument_as_scalar() {
    let mut s = eight::<f64>(Control::NESTML_DEFAULT);
    s.max_steps = 2;
    // small first steps need more than two steps to cover 0.1 ms (h grows at most fivefold)
    s.h0 = [0.1, 0.01, 0.1, 0.001, 0.1, 0.1, 0.02, 0.1];
    let seen = run_both::<f64, 8, 8>(&s, 50, 0.1);
    let lanes: Vec<(usize, usize)> = seen.failures.iter().map(|f| (f.0, f.1)).collect();
    assert_eq!(lanes[..3], [(0, 1), (0, 3), (0, 6)], "{:?}", seen.failures);
    let first = seen.errors[0];
    assert_eq!(first.0, 0);
    assert!(matches!(first.1, (1, SolverError::TooManySteps { limit: 2, .. })), "{first:?}");
    // a step against the direction of integration
    let mut s = eight::<f64>(Control::NESTML_DEFAULT);
    s.h0[2] = -0.1;
    s.h0[5] = -0.1;
    let seen = run_both::<f64, 8, 8>(&s, 2, 0.1);
    // both fail in the first call, which reports the lower
    assert_eq!(seen.errors.len(), 1);
    assert!(matches!(seen.errors[0], (0, (2, SolverError::InvalidArgument(_)))));
    assert_eq!(seen.failures.iter().map(|f| (f.0, f.1)).collect::<Vec<_>>(), [(0, 2), (0, 5)]);
}

#[test]
fn decrease_that_cannot_move_time_keeps_the_step_as_scalar() {
    // as `Rkf45`'s test of the same name: near t = 1e16 one ulp is 2, and a decrease of a
    // final step of 4 would not move time, so the step stands; from other starts it is retried
    let grow = |t: f64, y: &[f64; 1], d: &mut [f64; 1]| d[0] = if t > 1e16 { y[0] } else { 0.0 };
    let h0 = [1e16, 5e15, 3e15, 1e15];
    let t1 = 1e16 + 4.0;
    let mut lanes = Rkf45Lanes::<1, 4>::new(Control::y(0.0, 1e-15), 1000);
    let mut y = [[1.0]; 4];
    let mut h = h0;
    let r = lanes.integrate(
        &|_: &[usize; 4], t: &[f64; 4], y: &[[f64; 4]; 1], d: &mut [[f64; 4]; 1]| {
            for l in 0..4 {
                let mut dl = [0.0];
                grow(t[l], &[y[0][l]], &mut dl);
                d[0][l] = dl[0];
            }
        },
        t1,
        &mut y,
        &mut h,
        &[true; 4],
    );
    let mut rejected = 0;
    for l in 0..4 {
        let mut s = Rkf45::<1>::new(Control::y(0.0, 1e-15), h0[l]).with_max_steps(1000);
        let mut yl = [1.0];
        let want = s.integrate(&grow, 0.0, t1, &mut yl);
        assert_eq!(r.err().filter(|e| e.0 == l).map(|e| e.1), want.err());
        assert_eq!((y[l][0].to_bits(), h[l].to_bits()), (yl[0].to_bits(), s.integration_step().to_bits()), "lane {l}");
        rejected += s.stats().rejected;
    }
    assert_eq!(h[0], 4.0, "the final step of 4 stood");
    assert!(rejected > 0);
}
