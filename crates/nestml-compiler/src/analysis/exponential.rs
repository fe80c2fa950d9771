//! The rows an exponential integrator of the Rush–Larsen kind can step exactly with frozen
//! coefficients: those whose right-hand side is affine in their own state,
//! `x' = a(y) + b(y)·x` — Hodgkin–Huxley gating variables (`α(V)(1 − m) − β(V)m`), the
//! membrane potential given the gates, adaptation currents. The test is symbolic:
//! `b = ∂f/∂x` and `∂b/∂x = 0` (so `∂²f/∂x² = 0`); `a = f − b·x` is never formed, the step
//! reads `f` and `b` (`x ← x + f·(e^{b h} − 1)/b`).

use nestml_ode::{diff, is_zero, simplify, Expr, OdeSystem};

/// How the Rush–Larsen solver advances one numeric row.
#[derive(Clone, Debug, PartialEq)]
pub enum RowMethod {
    /// Affine in its own state with the rate `b = ∂f/∂x` (free of `x`, not identically zero):
    /// the exponential step.
    Exponential { rate: Expr },
    /// An explicit step (`x + h·f`), with the reason.
    Explicit { reason: String },
}

/// The method for the row of `state` in `system` (numeric rows only; exact rows are
/// propagated by their propagator). A state not in the system is an explicit row.
pub fn row_method(system: &OdeSystem, state: &str) -> RowMethod {
    let Some(s) = system.state(state) else {
        return RowMethod::Explicit { reason: "not a state of the ODE system".into() };
    };
    let f = &s.rhs;
    if !f.contains(state) {
        return RowMethod::Explicit { reason: "its derivative does not depend on it".into() };
    }
    let rate = simplify(&diff(f, state));
    if is_zero(&rate) {
        return RowMethod::Explicit { reason: "its derivative does not depend on it".into() };
    }
    if rate.contains(state) && !is_zero(&diff(&rate, state)) {
        return RowMethod::Explicit { reason: format!("not affine in itself: ∂f/∂{state} = {rate} depends on it") };
    }
    RowMethod::Exponential { rate }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn system(rows: &[(&str, Expr)]) -> OdeSystem {
        let mut sys = OdeSystem::new();
        for (name, rhs) in rows {
            sys.add_state(name, rhs.clone(), Expr::zero()).unwrap();
        }
        sys
    }

    #[test]
    fn gates_and_membrane_are_affine_in_themselves() {
        let s = Expr::sym;
        let alpha = Expr::sym("V") / (Expr::one() - Expr::Func(nestml_ode::Func::Exp, vec![-s("V")]));
        let m = alpha.clone() * (Expr::one() - s("m")) - s("beta") * s("m");
        let v = -(s("g") * s("m").pow(Expr::int(3)) * (s("V") - s("E"))) + s("I");
        let w = s("V") * s("w") * s("w");
        let c = -Expr::one();
        let sys = system(&[("m", m), ("V", v), ("w", w), ("c", c)]);
        match row_method(&sys, "m") {
            RowMethod::Exponential { rate } => assert!(nestml_ode::equivalent(&rate, &(-(alpha) - s("beta")))),
            other => panic!("{other:?}"),
        }
        match row_method(&sys, "V") {
            RowMethod::Exponential { rate } => assert!(nestml_ode::equivalent(&rate, &-(s("g") * s("m").pow(Expr::int(3))))),
            other => panic!("{other:?}"),
        }
        assert!(matches!(row_method(&sys, "w"), RowMethod::Explicit { reason } if reason.contains("not affine")));
        assert!(matches!(row_method(&sys, "c"), RowMethod::Explicit { reason } if reason.contains("does not depend")));
        assert!(matches!(row_method(&sys, "nope"), RowMethod::Explicit { .. }));
    }
}
