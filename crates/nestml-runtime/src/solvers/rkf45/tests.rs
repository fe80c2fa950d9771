use super::*;
// `pow` of the build (`std`'s or `libm`'s), as the control computes it.
use crate::math::powf;
use std::vec::Vec;
use crate::solvers::testing::*;

fn vdp(mu: f64) -> impl Fn(f64, &[f64; 2], &mut [f64; 2]) {
    move |_t, y, f| {
        f[0] = y[1];
        f[1] = mu * (1.0 - y[0] * y[0]) * y[1] - y[0];
    }
}

#[test]
fn tableau_is_consistent() {
    let rows = [
        (A2, A2),
        (A3, B31 + B32),
        (A4, B41 + B42 + B43),
        (A5, B51 + B52 + B53 + B54),
        (A6, B61 + B62 + B63 + B64 + B65),
    ];
    for (c, sum) in rows {
        assert!((c - sum).abs() < 1e-15, "{c} vs {sum}");
    }
    assert!((C1 + C3 + C4 + C5 + C6 - 1.0).abs() < 1e-15);
    assert!((E1 + E3 + E4 + E5 + E6).abs() < 1e-16);
    // The fourth-order weights are the fifth-order ones minus the error weights.
    let b4 = [C1 - E1, C3 - E3, C4 - E4, C5 - E5, C6 - E6];
    let want = [
        25.0 / 216.0,
        1408.0 / 2565.0,
        2197.0 / 4104.0,
        -1.0 / 5.0,
        0.0,
    ];
    for (a, b) in b4.iter().zip(want) {
        assert!((a - b).abs() < 1e-15);
    }
}

#[test]
fn fifth_order_convergence_on_decay_and_oscillator() {
    let mut s = Rkf45::<1>::new(Control::NESTML_DEFAULT, 0.1);
    let errors: Vec<f64> = [4, 8, 16, 32]
        .iter()
        .map(|&n| {
            error_with_steps(n, 2.0, [1.0], decay_exact, |t, h, y| {
                s.fehlberg_step(&decay, t, h, y);
            })
        })
        .collect();
    let p = observed_order(&errors);
    assert!((p - 5.0).abs() < 0.3, "order {p} from {errors:?}");

    let mut s = Rkf45::<2>::new(Control::NESTML_DEFAULT, 0.1);
    let errors: Vec<f64> = [8, 16, 32, 64]
        .iter()
        .map(|&n| {
            error_with_steps(n, 4.0, [1.0, 0.0], oscillator_exact, |t, h, y| {
                s.fehlberg_step(&oscillator, t, h, y);
            })
        })
        .collect();
    let p = observed_order(&errors);
    assert!((p - 5.0).abs() < 0.3, "order {p} from {errors:?}");
}

#[test]
fn error_estimate_is_the_local_error_of_the_fourth_order_solution() {
    // Local error of the embedded 4th-order solution is O(h^5): the estimate shrinks by 2^5
    // when h halves, and matches the true difference of 4th-order and exact solution.
    let mut s = Rkf45::<1>::new(Control::NESTML_DEFAULT, 0.1);
    let mut est = Vec::new();
    for h in [0.2, 0.1, 0.05] {
        let mut y = [1.0];
        let e = s.fehlberg_step(&decay, 0.0, h, &mut y)[0];
        let y4 = y[0] - e;
        let true_err4 = y4 - (-h).exp();
        // y5 itself is off by O(h^6), hence the 15 %.
        assert!(
            (e + true_err4).abs() < 0.15 * e.abs(),
            "h {h}: estimate {e}, true {true_err4}"
        );
        est.push(e.abs());
    }
    let p = observed_order(&est);
    assert!((p - 5.0).abs() < 0.2, "estimate order {p}");
}

#[test]
fn ignored_components_do_not_count() {
    let c = Control::y(1e-6, 0.0).ignoring(0b10);
    assert!(c.counts(0) && !c.counts(1) && c.counts(2) && c.counts(64));
    // component 1's error (E = 1e6) is left out: component 0's E = 0.45 increases the step
    let (mut h, mut h_all) = (0.1, 0.1);
    assert_eq!(c.hadjust(5, &[0.0, 0.0], &[0.45e-6, 1.0], None, &mut h), Adjustment::Increased);
    assert_eq!(h, 0.9 / powf(0.45e-6 / 1e-6, 1.0 / 6.0) * 0.1);
    let all = Control::y(1e-6, 0.0);
    assert_eq!(all.hadjust(5, &[0.0, 0.0], &[0.45e-6, 1.0], None, &mut h_all), Adjustment::Decreased);
    // and with the end derivative
    h = 0.1;
    let yp = Control::yp(1e-6, 0.0).ignoring(0b10);
    assert_eq!(yp.hadjust(5, &[0.0, 0.0], &[0.45e-6, 1.0], Some(&[0.0, 0.0]), &mut h), Adjustment::Increased);
}

#[test]
fn hadjust_follows_gsl_rules() {
    let c = Control::y(1e-6, 0.0);
    let y = [0.0];
    let mut h = 0.1;
    // E = 2: decrease by 0.9 / 2^(1/5).
    assert_eq!(
        c.hadjust(5, &y, &[2e-6], None, &mut h),
        Adjustment::Decreased
    );
    assert_eq!(h, 0.9 / powf(2.0, 0.2) * 0.1);
    // E = 1e6: decrease, but by no more than a factor 5.
    h = 0.1;
    assert_eq!(
        c.hadjust(5, &y, &[1.0], None, &mut h),
        Adjustment::Decreased
    );
    assert_eq!(h, 0.2 * 0.1);
    // 0.5 <= E <= 1.1: unchanged.
    for e in [0.5e-6, 1.0e-6, 1.1e-6] {
        h = 0.1;
        assert_eq!(c.hadjust(5, &y, &[e], None, &mut h), Adjustment::Unchanged);
        assert_eq!(h, 0.1);
    }
    // E = 0.45: increase by 0.9 / 0.45^(1/6) (> 1: for q = 5 the clamp at 1 never acts).
    h = 0.1;
    assert_eq!(
        c.hadjust(5, &y, &[0.45e-6], None, &mut h),
        Adjustment::Increased
    );
    assert_eq!(h, 0.9 / powf(0.45e-6 / 1e-6, 1.0 / 6.0) * 0.1);
    // For high orders the clamp at 1 does act: q = 7, E = 0.49 gives 0.9 / 0.49^(1/8) < 1.
    h = 0.1;
    assert_eq!(
        c.hadjust(7, &y, &[0.49e-6], None, &mut h),
        Adjustment::Increased
    );
    assert_eq!(h, 0.1);
    // E = 0.01: increase by 0.9 / 0.01^(1/6).
    h = 0.1;
    assert_eq!(
        c.hadjust(5, &y, &[0.01e-6], None, &mut h),
        Adjustment::Increased
    );
    assert_eq!(h, 0.9 / powf(0.01e-6 / 1e-6, 1.0 / 6.0) * 0.1);
    // E = 0: at most a factor 5.
    h = 0.1;
    assert_eq!(
        c.hadjust(5, &y, &[0.0], None, &mut h),
        Adjustment::Increased
    );
    assert_eq!(h, 5.0 * 0.1);
    // NaN ratios are skipped, as GSL_MAX_DBL does.
    h = 0.1;
    assert_eq!(
        c.hadjust(5, &[0.0, 0.0], &[f64::NAN, 0.8e-6], None, &mut h),
        Adjustment::Unchanged
    );
    // The derivative term: D = eps_rel * |h y'| + eps_abs.
    let c = Control::yp(0.0, 1.0);
    h = 0.5;
    assert_eq!(
        c.hadjust(5, &[9.0], &[1.0], Some(&[2.0]), &mut h),
        Adjustment::Unchanged
    );
    assert!(Control::standard(-1.0, 0.0, 1.0, 0.0).is_err());
    assert!(Control::standard(1.0, f64::NAN, 1.0, 0.0).is_err());
    assert_eq!(
        Control::standard(1e-3, 0.0, 1.0, 0.0).unwrap(),
        Control::y(1e-3, 0.0)
    );
}

/// One `evolve_apply` call: (start time, rejected tries, end time).
type Call = (f64, u64, f64);

/// An independent implementation of GSL's rules: a generic explicit Runge–Kutta step from
/// the Butcher tableau, the standard control and the evolve retry loop, written from the
/// rules in the module docs, in GSL's floating-point order where it matters (stage 2 as
/// `y + (a h) k1`, error from the exact weight differences, factors as `0.9 / E^(1/q)`), so
/// that the sequences must agree bit for bit.
mod reference {
    use crate::math::powf;
    use std::vec::Vec;

    pub const A: [[f64; 5]; 6] = [
        [0.0; 5],
        [0.25, 0.0, 0.0, 0.0, 0.0],
        [3.0 / 32.0, 9.0 / 32.0, 0.0, 0.0, 0.0],
        [1932.0 / 2197.0, -7200.0 / 2197.0, 7296.0 / 2197.0, 0.0, 0.0],
        [439.0 / 216.0, -8.0, 3680.0 / 513.0, -845.0 / 4104.0, 0.0],
        [
            -8.0 / 27.0,
            2.0,
            -3544.0 / 2565.0,
            1859.0 / 4104.0,
            -11.0 / 40.0,
        ],
    ];
    pub const C: [f64; 6] = [0.0, 0.25, 0.375, 12.0 / 13.0, 1.0, 0.5];
    pub const B5: [f64; 6] = [
        16.0 / 135.0,
        0.0,
        6656.0 / 12825.0,
        28561.0 / 56430.0,
        -9.0 / 50.0,
        2.0 / 55.0,
    ];
    /// B5 - B4 with B4 = (25/216, 0, 1408/2565, 2197/4104, -1/5, 0), as exact fractions.
    pub const ERR: [f64; 6] = [
        1.0 / 360.0,
        0.0,
        -128.0 / 4275.0,
        -2197.0 / 75240.0,
        1.0 / 50.0,
        2.0 / 55.0,
    ];

    type Rhs<'a> = &'a dyn Fn(f64, &[f64], &mut [f64]);

    pub fn rk_step(f: Rhs, t: f64, h: f64, y: &[f64]) -> (Vec<f64>, Vec<f64>) {
        let n = y.len();
        let mut k = vec![vec![0.0; n]; 6];
        for s in 0..6 {
            let ys: Vec<f64> = (0..n)
                .map(|i| match s {
                    0 => y[i],
                    1 => y[i] + A[1][0] * h * k[0][i],
                    _ => y[i] + h * (0..s).map(|j| A[s][j] * k[j][i]).sum::<f64>(),
                })
                .collect();
            let mut out = vec![0.0; n];
            f(t + C[s] * h, &ys, &mut out);
            k[s] = out;
        }
        let y5 = (0..n)
            .map(|i| y[i] + h * (0..6).map(|s| B5[s] * k[s][i]).sum::<f64>())
            .collect();
        let err = (0..n)
            .map(|i| h * (0..6).map(|s| ERR[s] * k[s][i]).sum::<f64>())
            .collect();
        (y5, err)
    }

    /// Returns (new h, decrease?) for the error of a step of size h that produced y.
    pub fn control(eps_abs: f64, eps_rel: f64, y: &[f64], err: &[f64], h: f64) -> (f64, bool) {
        let ratio = y
            .iter()
            .zip(err)
            .map(|(y, e)| e.abs() / (eps_abs + eps_rel * y.abs()))
            .fold(f64::MIN_POSITIVE, f64::max);
        if ratio > 1.1 {
            (h * f64::max(0.2, 0.9 / powf(ratio, 1.0 / 5.0)), true)
        } else if ratio < 0.5 {
            (h * (0.9 / powf(ratio, 1.0 / 6.0)).clamp(1.0, 5.0), false)
        } else {
            (h, false)
        }
    }

    /// One evolve call from t towards t1: (new t, the call).
    pub fn evolve(
        f: Rhs,
        eps: (f64, f64),
        t: f64,
        t1: f64,
        h: &mut f64,
        y: &mut Vec<f64>,
    ) -> (f64, super::Call) {
        let mut rejected = 0;
        loop {
            let last = *h > t1 - t;
            let step = if last { t1 - t } else { *h };
            let (y_new, err) = rk_step(f, t, step, y);
            let t_new = if last { t1 } else { t + step };
            let (h_new, decrease) = control(eps.0, eps.1, &y_new, &err, step);
            if decrease && t_new + h_new != t_new {
                rejected += 1;
                *h = h_new;
                continue;
            }
            *h = if decrease { step } else { h_new };
            *y = y_new;
            return (t_new, (t, rejected, t_new));
        }
    }
}

#[test]
fn step_sequence_matches_independent_reference() {
    for (mu, eps_abs, eps_rel, h_start) in [
        (5.0, 1e-6, 1e-6, 0.1),
        (2.0, 1e-8, 0.0, 1.0),
        (1.0, 1e-3, 0.0, 0.1),
    ] {
        let f = vdp(mu);
        let fr = |t: f64, y: &[f64], out: &mut [f64]| {
            let mut o = [0.0; 2];
            f(t, &[y[0], y[1]], &mut o);
            out.copy_from_slice(&o);
        };
        let h_sim = 0.1;
        let mut s = Rkf45::<2>::new(Control::y(eps_abs, eps_rel), h_start);
        let mut y = [2.0, 0.0];
        let mut y_ref = vec![2.0, 0.0];
        let mut h_ref = h_start;
        let mut rejected = 0;
        let mut calls = 0;
        for _ in 0..200 {
            let mut t = 0.0;
            let mut t_ref = 0.0;
            while t < h_sim {
                let (t0, before) = (t, s.stats().rejected);
                s.evolve_apply(&f, &mut t, h_sim, &mut y).unwrap();
                let ours: Call = (t0, s.stats().rejected - before, t);
                let (t_new, theirs) = reference::evolve(
                    &fr,
                    (eps_abs, eps_rel),
                    t_ref,
                    h_sim,
                    &mut h_ref,
                    &mut y_ref,
                );
                t_ref = t_new;
                assert_eq!(ours, theirs, "mu {mu}, call {calls}");
                assert_eq!(s.integration_step(), h_ref, "mu {mu}, call {calls}");
                rejected += ours.1;
                calls += 1;
            }
            assert_eq!(t, h_sim);
            assert_eq!(t_ref, h_sim);
            assert_eq!(y.to_vec(), y_ref, "mu {mu}");
        }
        assert!(calls >= 200);
        if mu == 5.0 || h_start == 1.0 {
            assert!(rejected > 0, "mu {mu}: the case should exercise rejections");
        }
    }
}

#[test]
fn integrate_equals_loop_of_evolve_apply_bitwise() {
    for control in [
        Control::y(1e-6, 1e-6),
        Control::yp(1e-6, 1e-6),
        Control::y(1e-3, 0.0),
    ] {
        let f = vdp(4.0);
        let mut a = Rkf45::<2>::new(control, 0.1);
        let mut b = Rkf45::<2>::new(control, 0.1);
        let (mut ya, mut yb) = ([2.0, 0.0], [2.0, 0.0]);
        for _ in 0..300 {
            a.integrate(&f, 0.0, 0.1, &mut ya).unwrap();
            let mut t = 0.0;
            while t < 0.1 {
                b.evolve_apply(&f, &mut t, 0.1, &mut yb).unwrap();
            }
            assert_eq!(t, 0.1);
            assert_eq!(ya.map(f64::to_bits), yb.map(f64::to_bits));
            assert_eq!(
                a.integration_step().to_bits(),
                b.integration_step().to_bits()
            );
        }
        let (sa, sb) = (a.stats(), b.stats());
        assert_eq!((sa.accepted, sa.rejected), (sb.accepted, sb.rejected));
        // GSL: 6 evaluations per try (5 stages + end derivative) plus one per call; ours
        // saves the start derivative of every call but the first of a simulation step.
        assert_eq!(sb.rhs_evals, 6 * (sb.accepted + sb.rejected) + sb.accepted);
        assert!(sa.rhs_evals < sb.rhs_evals);
    }
}

#[test]
fn never_steps_past_t1_and_lands_on_it() {
    // A loose tolerance accepts the truncated step: t lands on t1, the next h grows from it.
    let mut s = Rkf45::<1>::new(Control::y(1e-2, 0.0), 10.0);
    let mut y = [1.0];
    let mut t = 0.0;
    s.evolve_apply(&decay, &mut t, 0.3, &mut y).unwrap();
    assert_eq!(t, 0.3);
    assert!(s.integration_step() > 0.3 && s.integration_step() <= 5.0 * 0.3);
    s.set_control(Control::NESTML_DEFAULT);
    let mut y = [1.0];
    let mut t = 0.0;
    while t < 0.7 {
        s.evolve_apply(&decay, &mut t, 0.7, &mut y).unwrap();
        assert!(t <= 0.7);
    }
    assert_eq!(t, 0.7);
    assert!((y[0] - (-0.7f64).exp()).abs() < 1e-6);
    assert!(s.evolve_apply(&decay, &mut 0.0, 1.0, &mut y).is_ok());
    s.set_integration_step(-0.1);
    assert!(matches!(
        s.evolve_apply(&decay, &mut 0.0, 1.0, &mut y),
        Err(SolverError::InvalidArgument(_))
    ));
}

#[test]
fn decrease_that_cannot_move_time_keeps_the_step() {
    // Near t = 1e16 one ulp is 2: a decrease of h = 4 to 0.8 would not move time, so GSL
    // keeps the step (and the old h) instead of retrying.
    let grow = |_t: f64, y: &[f64; 1], f: &mut [f64; 1]| f[0] = y[0];
    let mut s = Rkf45::<1>::new(Control::y(0.0, 1e-15), 4.0);
    let mut y = [1.0];
    let mut t = 1e16;
    s.evolve_apply(&grow, &mut t, 1e16 + 1024.0, &mut y)
        .unwrap();
    let st = s.stats();
    assert_eq!((st.accepted, st.rejected), (1, 0));
    assert_eq!(t, 1e16 + 4.0);
    assert_eq!(s.integration_step(), 4.0);
    // Far from 1e16 the same step is rejected and retried.
    let mut s = Rkf45::<1>::new(Control::y(0.0, 1e-15), 4.0);
    let mut y = [1.0];
    s.evolve_apply(&grow, &mut 0.0, 1024.0, &mut y).unwrap();
    assert!(s.stats().rejected > 0);
}

#[test]
fn meets_tolerance_on_nonstiff_problem() {
    let exact = oscillator_exact(20.0);
    for (eps, bound) in [(1e-6, 2e-5), (1e-9, 2e-8)] {
        let mut s = Rkf45::<2>::new(Control::y(eps, eps), 0.1);
        let mut y = [1.0, 0.0];
        for _ in 0..200 {
            s.integrate(&oscillator, 0.0, 0.1, &mut y).unwrap();
        }
        let err = (y[0] - exact[0]).abs().max((y[1] - exact[1]).abs());
        assert!(err < bound, "eps {eps}: global error {err}");
        // Local error per step is bounded by the tolerance: the estimate of the last step.
        assert!(s
            .last_error()
            .iter()
            .all(|e| e.abs() <= 1.1 * (eps + eps * 1.0)));
    }
}

#[test]
fn meets_tolerance_on_stiffish_problem() {
    // y' = -50 (y - cos t): eigenvalue -50, smooth solution; explicit stability limits h.
    let lambda = 50.0;
    let f = move |t: f64, y: &[f64; 1], d: &mut [f64; 1]| d[0] = -lambda * (y[0] - t.cos());
    let a = lambda * lambda / (lambda * lambda + 1.0);
    let b = lambda / (lambda * lambda + 1.0);
    let exact = |t: f64| a * t.cos() + b * t.sin() + (0.0 - a) * (-lambda * t).exp();
    let mut s = Rkf45::<1>::new(Control::NESTML_DEFAULT, 0.1);
    let mut y = [0.0];
    let mut worst: f64 = 0.0;
    for k in 0..40 {
        // The ODE's t is relative to the simulation step, so shift it.
        let t0 = k as f64 * 0.1;
        let g = |t: f64, y: &[f64; 1], d: &mut [f64; 1]| f(t0 + t, y, d);
        s.integrate(&g, 0.0, 0.1, &mut y).unwrap();
        worst = worst.max((y[0] - exact(t0 + 0.1)).abs());
        assert!(
            s.integration_step() < 3.5 / lambda,
            "h {} beyond stability",
            s.integration_step()
        );
    }
    assert!(worst < 1e-5, "max error {worst}");
}

#[test]
fn non_finite_state_and_step_limit_are_errors() {
    let blow = |_t: f64, y: &[f64; 1], f: &mut [f64; 1]| f[0] = y[0] * y[0];
    let mut s = Rkf45::<1>::new(Control::y(1e300, 0.0), 0.5);
    let mut y = [1e200];
    let e = s.integrate(&blow, 0.0, 1.0, &mut y).unwrap_err();
    assert!(
        matches!(e, SolverError::NonFinite { index: 0, .. }),
        "{e:?}"
    );

    let mut s = Rkf45::<2>::new(Control::y(1e-12, 0.0), 1e-3).with_max_steps(5);
    let mut y = [2.0, 0.0];
    let e = s.integrate(&vdp(1.0), 0.0, 1.0, &mut y).unwrap_err();
    assert!(
        matches!(e, SolverError::TooManySteps { limit: 5, .. }),
        "{e:?}"
    );
}

/// `Control::adjust` skips `pow` where the factor is clamped: the same factor as the formula
/// with `pow`, for error ratios across both thresholds (and near them), in f64 and f32.
#[test]
fn adjust_without_pow_where_clamped_is_the_formula() {
    fn formula<F: Real>(order: u32, rmax: F) -> F {
        let c = F::from_f64;
        if rmax > c(1.1) {
            (c(0.9) / crate::math::powf(rmax, c(1.0 / order as f64))).max(c(0.2))
        } else if rmax < c(0.5) {
            (c(0.9) / crate::math::powf(rmax, c(1.0 / (order as f64 + 1.0)))).max(F::ONE).min(c(5.0))
        } else {
            F::ONE
        }
    }
    fn check<F: Real>(order: u32, rmax: F) {
        let mut h = F::ONE;
        Control::NESTML_DEFAULT.adjust(order, rmax, &mut h);
        assert_eq!(h.to_f64().to_bits(), formula(order, rmax).to_f64().to_bits(), "order {order}, rmax {}", rmax.to_f64());
    }
    for order in [2, 4, 5, 7] {
        let near = [4.5f64.powi(order as i32), 0.18f64.powi(order as i32 + 1)];
        let mut ratios: Vec<f64> = (0..4000).map(|i| 10f64.powf(-14.0 + 20.0 * i as f64 / 4000.0)).collect();
        for t in near {
            ratios.extend((-200..=200).map(|k| t * (1.0 + k as f64 * 1e-6)));
        }
        for r in ratios {
            check::<f64>(order, r);
            check::<f32>(order, r as f32);
        }
    }
}
