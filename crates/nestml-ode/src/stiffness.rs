//! Stiffness indicator and solver recommendation for the nonlinear part.
//!
//! ODE-toolbox decides by simulating with an explicit and an implicit GSL stepper and
//! comparing their step sizes (implicit wins when its average step is more than 6 times the
//! explicit one). We estimate the same from the Jacobian's eigenvalues at the initial state
//! and default parameters: an explicit RKF45 step is stable only while `h |Re λ| ≲ 3` for the
//! fastest eigenvalue, while an implicit method can step the full simulation step `h`. So the
//! implicit method is recommended when `h · max|Re λ| > 3 · 6`.

use std::fmt;

use nalgebra::{DMatrix, Schur};

use crate::diff::diff;
use crate::eval::{Env, EvalError, FnEnv};
use crate::system::OdeSystem;

/// Length of the stability interval of RKF45 on the negative real axis (≈ 3).
pub const EXPLICIT_STABILITY: f64 = 3.0;
/// How many times longer the implicit method's steps must be to pay off (ODE-toolbox's
/// `avg_step_size_ratio`).
pub const STEP_RATIO: f64 = 6.0;

/// A numeric solver for the nonlinear part.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Solver {
    /// Explicit adaptive Runge-Kutta-Fehlberg 4(5), NEST's default.
    Rkf45,
    /// An implicit method for stiff systems.
    Implicit,
}

impl Solver {
    /// The name used in options and reports.
    pub fn name(self) -> &'static str {
        match self {
            Solver::Rkf45 => "rk45",
            Solver::Implicit => "implicit",
        }
    }
}

impl fmt::Display for Solver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The outcome of [`stiffness`].
#[derive(Clone, Debug, PartialEq)]
pub struct StiffnessReport {
    /// The recommendation.
    pub solver: Solver,
    /// Eigenvalues `(re, im)` of the Jacobian at the evaluation point (empty when only a
    /// Gershgorin bound was available).
    pub eigenvalues: Vec<(f64, f64)>,
    /// Largest `|Re λ|` (or the Gershgorin bound of `|λ|`).
    pub fastest: f64,
    /// Smallest non-zero `|Re λ|` (0 if none).
    pub slowest: f64,
    /// `fastest / slowest` (infinite if `slowest` is 0).
    pub stiffness_ratio: f64,
    /// The simulation step the decision refers to.
    pub h: f64,
    /// Why, in words.
    pub reason: String,
}

/// Errors of [`stiffness`].
#[derive(Clone, Debug, PartialEq)]
pub enum StiffnessError {
    /// A value needed for the evaluation point is missing.
    Eval(EvalError),
    /// A requested state is not in the system.
    UnknownState(String),
}

impl fmt::Display for StiffnessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StiffnessError::Eval(e) => write!(f, "{e}"),
            StiffnessError::UnknownState(s) => write!(f, "`{s}` is not a state variable"),
        }
    }
}

impl std::error::Error for StiffnessError {}

impl From<EvalError> for StiffnessError {
    fn from(e: EvalError) -> Self {
        StiffnessError::Eval(e)
    }
}

/// The numeric Jacobian of the ODEs of `states` with respect to `states`, evaluated at the
/// point where every state has the value `env` gives it or else its initial value, the time
/// symbol is `env`'s or 0, and parameters come from `env`.
pub fn numeric_jacobian<E: Env + ?Sized>(
    system: &OdeSystem,
    states: &[&str],
    env: &E,
) -> Result<DMatrix<f64>, StiffnessError> {
    let mut values = Vec::with_capacity(system.states.len());
    for s in &system.states {
        let v = match env.value(&s.name) {
            Some(v) => v,
            None => s.initial.eval(env)?,
        };
        values.push((s.name.clone(), v));
    }
    let time = system.time.clone();
    let point = FnEnv(|name: &str| {
        values
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| *v)
            .or_else(|| env.value(name))
            .or_else(|| (name == time).then_some(0.0))
    });
    let n = states.len();
    let mut j = DMatrix::zeros(n, n);
    for (r, name) in states.iter().enumerate() {
        let st = system
            .state(name)
            .ok_or_else(|| StiffnessError::UnknownState(name.to_string()))?;
        for (c, x) in states.iter().enumerate() {
            j[(r, c)] = diff(&st.rhs, x).eval(&point)?;
        }
    }
    Ok(j)
}

/// Gershgorin bound on the spectral radius: `max_i Σ_j |J_ij|`.
pub fn gershgorin_bound(j: &DMatrix<f64>) -> f64 {
    j.row_iter()
        .map(|r| r.iter().map(|v| v.abs()).sum::<f64>())
        .fold(0.0, f64::max)
}

/// Estimates the stiffness of the ODEs of `states` (normally the nonlinear part) at the
/// initial state and default parameters (`env`) and recommends a solver for step `h`.
pub fn stiffness<E: Env + ?Sized>(
    system: &OdeSystem,
    states: &[&str],
    env: &E,
    h: f64,
) -> Result<StiffnessReport, StiffnessError> {
    let j = numeric_jacobian(system, states, env)?;
    let threshold = EXPLICIT_STABILITY * STEP_RATIO;
    let mut report = StiffnessReport {
        solver: Solver::Rkf45,
        eigenvalues: Vec::new(),
        fastest: 0.0,
        slowest: 0.0,
        stiffness_ratio: f64::INFINITY,
        h,
        reason: String::new(),
    };
    if states.is_empty() {
        report.reason = "no nonlinear states".into();
        return Ok(report);
    }
    if j.iter().any(|v| !v.is_finite()) {
        report.reason =
            "the Jacobian is not finite at the initial state; no estimate, explicit by default"
                .into();
        return Ok(report);
    }
    let n = j.nrows();
    match Schur::try_new(j.clone(), f64::EPSILON, 1000 * n.max(1)) {
        Some(schur) => {
            report.eigenvalues = schur
                .complex_eigenvalues()
                .iter()
                .map(|c| (c.re, c.im))
                .collect();
            let re: Vec<f64> = report.eigenvalues.iter().map(|(r, _)| r.abs()).collect();
            report.fastest = re.iter().copied().fold(0.0, f64::max);
            let floor = report.fastest * 1e-12;
            report.slowest = re
                .iter()
                .copied()
                .filter(|&r| r > floor)
                .fold(f64::INFINITY, f64::min);
            if !report.slowest.is_finite() {
                report.slowest = 0.0;
            }
        }
        None => report.fastest = gershgorin_bound(&j),
    }
    if report.slowest > 0.0 {
        report.stiffness_ratio = report.fastest / report.slowest;
    }
    let product = h * report.fastest;
    if product > threshold {
        report.solver = Solver::Implicit;
        report.reason = format!(
            "stiff: h·max|Re λ| = {product:.3e} > {threshold} (an explicit step would have to be {:.1}× shorter than h)",
            product / EXPLICIT_STABILITY
        );
    } else {
        report.reason = format!("not stiff: h·max|Re λ| = {product:.3e} <= {threshold}");
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::Expr;

    fn s(n: &str) -> Expr {
        Expr::sym(n)
    }

    #[test]
    fn fitzhugh_nagumo_is_not_stiff() {
        let mut sys = OdeSystem::new();
        sys.add_state(
            "v",
            s("v") - s("v").pow(3) / 3 - s("w") + s("I"),
            Expr::float(-1.2),
        )
        .unwrap();
        sys.add_state(
            "w",
            (s("v") + s("a") - s("b") * s("w")) / s("tau"),
            Expr::float(-0.6),
        )
        .unwrap();
        let env = [("I", 0.5), ("a", 0.7), ("b", 0.8), ("tau", 12.5)];
        let r = stiffness(&sys, &["v", "w"], &env, 0.1).unwrap();
        assert_eq!(r.solver, Solver::Rkf45, "{}", r.reason);
        assert_eq!(r.eigenvalues.len(), 2);
        // J = [[1 - v², -1], [1/tau, -b/tau]] at v = -1.2: check the trace and determinant.
        let tr: f64 = r.eigenvalues.iter().map(|e| e.0).sum();
        assert!((tr - (1.0 - 1.44 - 0.8 / 12.5)).abs() < 1e-12);
    }

    #[test]
    fn fast_and_slow_coupled_system_is_stiff() {
        // x' = -1000 (x - y**2), y' = -y + x/4: eigenvalues ≈ -1000.5 and ≈ -0.5.
        let mut sys = OdeSystem::new();
        sys.add_state("x", -(s("x") - s("y").pow(2)) * s("k"), Expr::one())
            .unwrap();
        sys.add_state("y", -s("y") + s("x") * Expr::rat(1, 4), Expr::one())
            .unwrap();
        let r = stiffness(&sys, &["x", "y"], &[("k", 1000.0)], 0.1).unwrap();
        assert_eq!(r.solver, Solver::Implicit, "{}", r.reason);
        assert!(r.fastest > 990.0 && r.fastest < 1010.0, "{r:?}");
        assert!(r.stiffness_ratio > 100.0, "{r:?}");
        // The same system with a tiny step is not stiff relative to that step.
        let r = stiffness(&sys, &["x", "y"], &[("k", 1000.0)], 0.001).unwrap();
        assert_eq!(r.solver, Solver::Rkf45);
        // The evaluation point can be overridden through the environment.
        let r = stiffness(&sys, &["x", "y"], &[("k", 1000.0), ("y", 0.0)], 0.1).unwrap();
        assert!(r.eigenvalues.iter().any(|e| (e.0 + 1000.0).abs() < 1e-9));
    }

    #[test]
    fn complex_eigenvalues_of_an_oscillator() {
        // x' = v, v' = -w² x - c v with w = 2, c = 0.4: λ = -0.2 ± i sqrt(4 - 0.04).
        let mut sys = OdeSystem::new();
        sys.add_ode(
            &["x", "v"],
            -s("x") * 4 - s("v") * Expr::rat(2, 5),
            vec![Expr::one(), Expr::zero()],
        )
        .unwrap();
        let r = stiffness(&sys, &["x", "v"], &[("t", 0.0)], 0.1).unwrap();
        let im = (4.0f64 - 0.04).sqrt();
        for (re, i) in &r.eigenvalues {
            assert!(
                (re + 0.2).abs() < 1e-12 && (i.abs() - im).abs() < 1e-12,
                "{:?}",
                r.eigenvalues
            );
        }
        assert!((r.stiffness_ratio - 1.0).abs() < 1e-12);
    }

    #[test]
    fn degenerate_inputs() {
        let mut sys = OdeSystem::new();
        sys.add_state("x", s("x").ln(), Expr::zero()).unwrap();
        let r = stiffness(&sys, &["x"], &[], 0.1).unwrap();
        assert_eq!(r.solver, Solver::Rkf45);
        assert!(r.reason.contains("not finite"));
        assert_eq!(
            stiffness(&sys, &["nope"], &[], 0.1),
            Err(StiffnessError::UnknownState("nope".into()))
        );
        assert!(matches!(
            stiffness(&sys, &["x"], &[("x", 1.0), ("t", 0.0)], 0.1),
            Ok(StiffnessReport {
                solver: Solver::Rkf45,
                ..
            })
        ));
        let mut sys = OdeSystem::new();
        sys.add_state("x", -s("x") / s("tau"), Expr::zero())
            .unwrap();
        assert_eq!(
            stiffness(&sys, &["x"], &[], 0.1),
            Err(StiffnessError::Eval(EvalError::Unbound("tau".into())))
        );
        assert_eq!(
            gershgorin_bound(&DMatrix::from_row_slice(2, 2, &[-3.0, 1.0, 0.5, -0.5])),
            4.0
        );
        assert_eq!(
            stiffness(&sys, &[], &[], 0.1).unwrap().reason,
            "no nonlinear states"
        );
    }
}
