//! Exact propagators for the linear part `x' = A x + b`: `x(t+h) = P x(t) + q` with
//! `P = expm(A h)` and `q = Φ b`, `Φ = ∫₀ʰ expm(A s) ds`.
//!
//! `P` and `Φ` come from one matrix exponential of the augmented matrix `[[A h, I h], [0, 0]]`
//! (nalgebra's scaling and squaring with Padé), which stays exact to machine precision when
//! eigenvalues coincide (`tau_m == tau_syn`) or nearly coincide, where closed forms cancel
//! catastrophically. Closed forms are used only for rows without coupling (`x_i' = a x_i + b_i`:
//! independent decays, timers), which are unconditionally stable: `P_ii = exp(a h)`,
//! `Φ_ii = expm1(a h)/a` (`h` when `a == 0`). Evaluate when parameters or `h` change, not per step.

use std::fmt;

use nalgebra::{DMatrix, DVector};

use crate::eval::{Env, EvalError};
use crate::expr::{Expr, Func};
use crate::simplify::{is_zero, mul, simplify};
use crate::system::LinearPart;

/// A numeric propagator for one step `h`.
#[derive(Clone, Debug, PartialEq)]
pub struct Propagator {
    /// The propagated states, in the order of the rows.
    pub states: Vec<String>,
    /// The step.
    pub h: f64,
    /// `P = expm(A h)`.
    pub p: DMatrix<f64>,
    /// `Φ = ∫₀ʰ expm(A s) ds`, so that `q = Φ b` for any value of the (held) inhomogeneous term.
    pub phi: DMatrix<f64>,
    /// `b` evaluated in the environment the propagator was computed with.
    pub b: DVector<f64>,
    /// `q = Φ b` for that `b`.
    pub q: DVector<f64>,
    /// Rows computed by the closed form (uncoupled rows).
    pub closed_form: Vec<bool>,
}

/// Why a propagator could not be computed.
#[derive(Clone, Debug, PartialEq)]
pub enum PropagatorError {
    /// An entry of `A` or `b` could not be evaluated.
    Eval(EvalError),
    /// An entry of `A` or `b` (named like `A[V, I]` or `b[V]`) is NaN or infinite.
    NonFinite(String),
    /// The step is negative or not finite.
    BadStep(f64),
}

impl fmt::Display for PropagatorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PropagatorError::Eval(e) => write!(f, "{e}"),
            PropagatorError::NonFinite(what) => {
                write!(f, "{what} is not finite at these parameters")
            }
            PropagatorError::BadStep(h) => write!(f, "invalid step {h}"),
        }
    }
}

impl std::error::Error for PropagatorError {}

impl From<EvalError> for PropagatorError {
    fn from(e: EvalError) -> Self {
        PropagatorError::Eval(e)
    }
}

/// `(exp(a h) - 1)/a`, and `h` for `a == 0`.
fn phi_scalar(a: f64, h: f64) -> f64 {
    if a == 0.0 {
        h
    } else {
        (a * h).exp_m1() / a
    }
}

/// Evaluates `A` and `b` of `lin` in `env` and computes the propagator over `h`.
pub fn propagator<E: Env + ?Sized>(
    lin: &LinearPart,
    env: &E,
    h: f64,
) -> Result<Propagator, PropagatorError> {
    if !(h >= 0.0 && h.is_finite()) {
        return Err(PropagatorError::BadStep(h));
    }
    let n = lin.states.len();
    let mut a = DMatrix::<f64>::zeros(n, n);
    let mut b = DVector::<f64>::zeros(n);
    for i in 0..n {
        for j in 0..n {
            let v = lin.a[i][j].eval(env)?;
            if !v.is_finite() {
                return Err(PropagatorError::NonFinite(format!(
                    "A[{}, {}]",
                    lin.states[i], lin.states[j]
                )));
            }
            a[(i, j)] = v;
        }
        let v = lin.b[i].eval(env)?;
        if !v.is_finite() {
            return Err(PropagatorError::NonFinite(format!("b[{}]", lin.states[i])));
        }
        b[i] = v;
    }
    let (p, phi, closed_form) = propagate_matrix(&a, h);
    let q = &phi * &b;
    Ok(Propagator {
        states: lin.states.clone(),
        h,
        p,
        phi,
        b,
        q,
        closed_form,
    })
}

/// `(P, Φ, closed-form rows)` for a numeric matrix `A` and step `h`.
pub fn propagate_matrix(a: &DMatrix<f64>, h: f64) -> (DMatrix<f64>, DMatrix<f64>, Vec<bool>) {
    let n = a.nrows();
    let closed_form: Vec<bool> = (0..n)
        .map(|i| (0..n).all(|j| j == i || a[(i, j)] == 0.0))
        .collect();
    let (mut p, mut phi) = if closed_form.iter().all(|&c| c) {
        (DMatrix::zeros(n, n), DMatrix::zeros(n, n))
    } else {
        let mut m = DMatrix::<f64>::zeros(2 * n, 2 * n);
        for i in 0..n {
            for j in 0..n {
                m[(i, j)] = a[(i, j)] * h;
            }
            m[(i, n + i)] = h;
        }
        let e = m.exp();
        (
            e.view((0, 0), (n, n)).into_owned(),
            e.view((0, n), (n, n)).into_owned(),
        )
    };
    for i in (0..n).filter(|&i| closed_form[i]) {
        for j in 0..n {
            p[(i, j)] = 0.0;
            phi[(i, j)] = 0.0;
        }
        let aii = a[(i, i)];
        p[(i, i)] = (aii * h).exp();
        phi[(i, i)] = phi_scalar(aii, h);
    }
    (p, phi, closed_form)
}

impl Propagator {
    /// One step: `P x + q`.
    pub fn step(&self, x: &[f64]) -> Vec<f64> {
        let x = DVector::from_column_slice(x);
        (&self.p * x + &self.q).as_slice().to_vec()
    }

    /// `q = Φ b` for another value of the inhomogeneous term (held inputs changed).
    pub fn q_for(&self, b: &[f64]) -> Vec<f64> {
        (&self.phi * DVector::from_column_slice(b))
            .as_slice()
            .to_vec()
    }
}

/// The symbolic propagator of one row, for display and comparison.
#[derive(Clone, Debug, PartialEq)]
pub enum SymbolicRow {
    /// An uncoupled row: `x_i(t+h) = p * x_i(t) + q`.
    Closed {
        /// `exp(a h)`, or 1 for a timer.
        p: Expr,
        /// `b expm1(a h)/a`, or `b h` for a timer.
        q: Expr,
    },
    /// A coupled row: computed by the numeric matrix exponential.
    NumericExpm,
}

impl fmt::Display for SymbolicRow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SymbolicRow::Closed { p, q } => write!(f, "P = {p}, q = {q}"),
            SymbolicRow::NumericExpm => write!(f, "numeric expm"),
        }
    }
}

/// The symbolic propagator of each row of `lin`, with the step named `h`.
pub fn symbolic_propagator(lin: &LinearPart, h: &str) -> Vec<SymbolicRow> {
    let n = lin.states.len();
    let h = Expr::sym(h);
    (0..n)
        .map(|i| {
            if (0..n).any(|j| j != i && !is_zero(&lin.a[i][j])) {
                return SymbolicRow::NumericExpm;
            }
            let a = simplify(&lin.a[i][i]);
            let b = simplify(&lin.b[i]);
            if is_zero(&a) {
                return SymbolicRow::Closed {
                    p: Expr::one(),
                    q: mul(vec![b, h.clone()]),
                };
            }
            let ah = mul(vec![a.clone(), h.clone()]);
            let q = if is_zero(&b) {
                Expr::zero()
            } else {
                simplify(&(b * Expr::call(Func::Expm1, vec![ah.clone()]) / a))
            };
            SymbolicRow::Closed {
                p: simplify(&ah.exp()),
                q,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::system::OdeSystem;

    fn s(n: &str) -> Expr {
        Expr::sym(n)
    }

    /// Largest relative deviation of `got` from `want`, relative to `max(|want|, floor)`.
    fn rel_err(got: f64, want: f64, floor: f64) -> f64 {
        (got - want).abs() / want.abs().max(floor)
    }

    /// `(exp(-t/tau_slow) - exp(-t/tau_fast)) / (1/tau_fast - 1/tau_slow)` computed without
    /// cancellation: `exp(-t*a) * (-expm1(-(b - a) t)) / (b - a)` with `a = 1/tau_slow`,
    /// `b = 1/tau_fast`; `t exp(-a t)` when `a == b`. Accurate to a few ulp.
    fn difference_of_exponentials(a: f64, b: f64, t: f64) -> f64 {
        let d = b - a;
        let ratio = if d == 0.0 { t } else { -(-d * t).exp_m1() / d };
        (-a * t).exp() * ratio
    }

    /// iaf_psc_exp: V' = -V/tau_m + I/C + I_e/C, I' = -I/tau_s over 100 steps, checked
    /// against the analytic solution evaluated without cancellation.
    fn check_iaf_psc_exp(tau_m: f64, tau_s: f64) -> f64 {
        let mut sys = OdeSystem::new();
        sys.add_state(
            "V",
            -s("V") / s("tau_m") + s("I") / s("C") + s("I_e") / s("C"),
            Expr::zero(),
        )
        .unwrap();
        sys.add_state("I", -s("I") / s("tau_s"), Expr::zero())
            .unwrap();
        let lin = sys.linear_partition().linear;
        let (c, i_e, h) = (250.0, 376.0, 0.1);
        let env = [("tau_m", tau_m), ("tau_s", tau_s), ("C", c), ("I_e", i_e)];
        let prop = propagator(&lin, &env, h).unwrap();
        assert_eq!(prop.closed_form, [false, true]);
        let (v0, i0) = (5.0, 300.0);
        let mut x = vec![v0, i0];
        let (a, b) = (1.0 / tau_m, 1.0 / tau_s);
        let mut worst: f64 = 0.0;
        for k in 1..=100 {
            x = prop.step(&x);
            let t = k as f64 * h;
            let i_ref = i0 * (-b * t).exp();
            let v_ref = v0 * (-a * t).exp()
                + i0 / c * difference_of_exponentials(a, b, t)
                + i_e / c * tau_m * -(-a * t).exp_m1();
            worst = worst
                .max(rel_err(x[0], v_ref, 0.0))
                .max(rel_err(x[1], i_ref, 0.0));
            assert!(x.iter().all(|v| v.is_finite()));
        }
        worst
    }

    #[test]
    fn iaf_psc_exp_coinciding_time_constants() {
        let tau_m = 10.0;
        for factor in [
            1.0,
            1.0 + 1e-8,
            1.0 - 1e-8,
            1.0 + 1e-4,
            1.0 - 1e-4,
            0.2,
            5.0,
        ] {
            let err = check_iaf_psc_exp(tau_m, tau_m * factor);
            assert!(
                err <= 1e-12,
                "tau_s = tau_m * {factor}: relative error {err:e}"
            );
        }
    }

    #[test]
    fn naive_closed_form_loses_precision_where_expm_does_not() {
        // P[V, I] of iaf_psc_exp near tau_s == tau_m, as NEST writes it in closed form.
        let (tau_m, c, h): (f64, f64, f64) = (10.0, 250.0, 0.1);
        let tau_s = tau_m - 1e-9;
        let naive =
            tau_s * tau_m / (c * (tau_m - tau_s)) * ((-h / tau_m).exp() - (-h / tau_s).exp());
        let exact = difference_of_exponentials(1.0 / tau_m, 1.0 / tau_s, h) / c;
        let a = DMatrix::from_row_slice(2, 2, &[-1.0 / tau_m, 1.0 / c, 0.0, -1.0 / tau_s]);
        let (p, _, _) = propagate_matrix(&a, h);
        assert!(rel_err(naive, exact, 0.0) > 1e-8);
        assert!(rel_err(p[(0, 1)], exact, 0.0) < 1e-14);
    }

    /// `x'' = -(1/tau_r + 1/tau_d) x' - x/(tau_r tau_d)`, `x(0) = 0`, `x'(0) = x1`; returns
    /// the worst relative error of `x` and of `x'` (relative to its maximum) over 0..10 tau_d.
    fn check_second_order(
        tau_r: f64,
        tau_d: f64,
        x1: f64,
        exact: &dyn Fn(f64) -> (f64, f64),
    ) -> f64 {
        let mut sys = OdeSystem::new();
        let rhs = -(Expr::one() / s("tau_r") + Expr::one() / s("tau_d")) * s("x__d")
            - s("x") / (s("tau_r") * s("tau_d"));
        sys.add_ode(&["x", "x__d"], rhs, vec![Expr::zero(), Expr::float(x1)])
            .unwrap();
        let lin = sys.linear_partition().linear;
        assert_eq!(lin.states, ["x", "x__d"]);
        let h = tau_d / 10.0;
        let prop = propagator(&lin, &[("tau_r", tau_r), ("tau_d", tau_d)], h).unwrap();
        let steps: Vec<(f64, f64)> = (1..=100).map(|k| exact(k as f64 * h)).collect();
        let dmax = steps.iter().map(|(_, d)| d.abs()).fold(x1.abs(), f64::max);
        let mut x = vec![0.0, x1];
        let mut worst: f64 = 0.0;
        for (x_ref, d_ref) in steps {
            x = prop.step(&x);
            worst = worst
                .max(rel_err(x[0], x_ref, 0.0))
                .max(rel_err(x[1], d_ref, dmax));
        }
        worst
    }

    #[test]
    fn alpha_kernel_reproduces_closed_form() {
        // k(t) = e t/tau exp(-t/tau): x'' = -2/tau x' - x/tau**2, x(0) = 0, x'(0) = e/tau.
        for tau in [0.5, 2.0, 10.0] {
            let e = std::f64::consts::E;
            let exact = |t: f64| {
                let decay = (-t / tau).exp();
                (e * t / tau * decay, e / tau * (1.0 - t / tau) * decay)
            };
            let err = check_second_order(tau, tau, e / tau, &exact);
            assert!(err <= 1e-12, "tau = {tau}: relative error {err:e}");
        }
    }

    #[test]
    fn beta_kernel_equal_and_nearly_equal_time_constants() {
        // k(t) = (exp(-t/tau_d) - exp(-t/tau_r)) / (1/tau_r - 1/tau_d), k'(0) = 1.
        let tau_d = 5.0;
        for factor in [1.0, 1.0 + 1e-8, 1.0 - 1e-8, 1.0 + 1e-4, 1.0 - 1e-4, 0.1] {
            let tau_r = tau_d * factor;
            let (a, b) = (1.0 / tau_d, 1.0 / tau_r);
            let exact = |t: f64| {
                let k = difference_of_exponentials(a, b, t);
                // k' = exp(-b t) - a k
                (k, (-b * t).exp() - a * k)
            };
            let err = check_second_order(tau_r, tau_d, 1.0, &exact);
            assert!(
                err <= 1e-12,
                "tau_r = tau_d * {factor}: relative error {err:e}"
            );
        }
    }

    #[test]
    fn uncoupled_rows_use_closed_forms() {
        let mut sys = OdeSystem::new();
        sys.add_state("refr_t", Expr::int(-1), Expr::zero())
            .unwrap();
        sys.add_state("g", -s("g") / s("tau") + s("g_0"), Expr::zero())
            .unwrap();
        sys.add_state("V", -s("V") / s("tau_m") + s("g"), Expr::zero())
            .unwrap();
        let lin = sys.linear_partition().linear;
        let (h, tau) = (0.1, 3.0);
        let prop = propagator(&lin, &[("tau", tau), ("g_0", 2.0), ("tau_m", 10.0)], h).unwrap();
        assert_eq!(prop.closed_form, [true, true, false]);
        assert_eq!(prop.p[(0, 0)], 1.0);
        assert_eq!(prop.q[0], -h);
        assert_eq!(prop.p[(1, 1)], (-h / tau).exp());
        assert_eq!(prop.q[1], 2.0 * (-h / tau).exp_m1() / (-1.0 / tau));
        assert_eq!(prop.p[(1, 2)], 0.0);
        // The coupled row comes from expm; A is triangular, so its diagonal is exp(-h/tau_m).
        let e_v = (-h / 10.0f64).exp();
        assert!(rel_err(prop.p[(2, 2)], e_v, 0.0) < 1e-15);
        // A changed held input: q = Φ b.
        assert_eq!(prop.q_for(&[-1.0, 2.0, 0.0])[1], prop.q[1]);
        // Zero step: identity.
        let zero = propagator(&lin, &[("tau", tau), ("g_0", 2.0), ("tau_m", 10.0)], 0.0).unwrap();
        assert_eq!(zero.p, DMatrix::identity(3, 3));
        assert!(zero.q.iter().all(|&v| v == 0.0));
    }

    #[test]
    fn errors_are_reported() {
        let mut sys = OdeSystem::new();
        sys.add_state("x", -s("x") / s("tau"), Expr::zero())
            .unwrap();
        let lin = sys.linear_partition().linear;
        assert_eq!(
            propagator(&lin, &[("tau", 0.0)], 0.1),
            Err(PropagatorError::NonFinite("A[x, x]".into()))
        );
        assert_eq!(
            propagator(&lin, &[("x", 1.0)], 0.1),
            Err(PropagatorError::Eval(EvalError::Unbound("tau".into())))
        );
        assert_eq!(
            propagator(&lin, &[("tau", 1.0)], -1.0),
            Err(PropagatorError::BadStep(-1.0))
        );
    }

    #[test]
    fn symbolic_rows() {
        let mut sys = OdeSystem::new();
        sys.add_state("refr_t", Expr::int(-1), Expr::zero())
            .unwrap();
        sys.add_state("I", -s("I") / s("tau_s"), Expr::zero())
            .unwrap();
        sys.add_state(
            "V",
            -s("V") / s("tau_m") + s("I") / s("C") + s("I_e") / s("C"),
            Expr::zero(),
        )
        .unwrap();
        let rows = symbolic_propagator(&sys.linear_partition().linear, "__h");
        assert_eq!(rows[0].to_string(), "P = 1, q = -__h");
        assert_eq!(rows[1].to_string(), "P = exp(-__h/tau_s), q = 0");
        assert_eq!(rows[2].to_string(), "numeric expm");
        let mut sys = OdeSystem::new();
        sys.add_state(
            "V",
            (s("E_L") - s("V")) / s("tau_m") + s("I_e") / s("C"),
            Expr::zero(),
        )
        .unwrap();
        let rows = symbolic_propagator(&sys.linear_partition().linear, "h");
        let SymbolicRow::Closed { p, q } = &rows[0] else {
            panic!("closed form expected")
        };
        assert_eq!(p.to_string(), "exp(-h/tau_m)");
        let env = [
            ("E_L", -70.0),
            ("tau_m", 10.0),
            ("I_e", 100.0),
            ("C", 250.0),
            ("h", 0.1),
        ];
        let want = (-70.0 / 10.0 + 100.0 / 250.0) * 10.0 * -(-0.01f64).exp_m1();
        assert!(rel_err(q.eval(&env).unwrap(), want, 0.0) < 1e-15);
    }
}
