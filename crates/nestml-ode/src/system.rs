//! First-order ODE systems: construction, dependency graph, Jacobian and the partition into
//! a linear constant-coefficient part (propagated exactly) and a nonlinear rest.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use crate::diff::diff;
use crate::expr::Expr;
use crate::simplify::{coefficients, simplify, NonLinear};

/// One first-order state variable `name' = rhs`, `name(0) = initial`.
#[derive(Clone, Debug, PartialEq)]
pub struct State {
    /// The variable's name.
    pub name: String,
    /// The right-hand side of its ODE.
    pub rhs: Expr,
    /// The initial value (may refer to parameters).
    pub initial: Expr,
}

/// A system of first-order ODEs `x_i' = f_i(x, t, parameters, held inputs)`.
///
/// Every symbol of a right-hand side that is neither a state, the time symbol, nor a declared
/// held input is a parameter: constant while the system is integrated.
#[derive(Clone, Debug, PartialEq)]
pub struct OdeSystem {
    /// The state variables, in declaration order.
    pub states: Vec<State>,
    /// Symbols that are constant over one step but change between steps (continuous inputs such
    /// as `I_stim`): allowed in the inhomogeneous term of the linear part, not in its matrix.
    pub held_inputs: BTreeSet<String>,
    /// The name of the time symbol (`"t"` by default).
    pub time: String,
}

/// Errors when building a system.
#[derive(Clone, Debug, PartialEq)]
pub enum SystemError {
    /// A state variable was declared twice.
    Duplicate(String),
    /// A higher-order ODE got a different number of state names and initial values.
    OrderMismatch {
        /// The number of state names given.
        names: usize,
        /// The number of initial values given.
        initial: usize,
    },
}

impl fmt::Display for SystemError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SystemError::Duplicate(n) => write!(f, "state variable `{n}` declared twice"),
            SystemError::OrderMismatch { names, initial } => {
                write!(
                    f,
                    "an ODE of order {names} needs {names} initial values, got {initial}"
                )
            }
        }
    }
}

impl std::error::Error for SystemError {}

/// The linear constant-coefficient part: `x' = A x + b`.
#[derive(Clone, Debug, PartialEq)]
pub struct LinearPart {
    /// The states of the part, in system order.
    pub states: Vec<String>,
    /// `a[i][j]`: coefficient of `states[j]` in the ODE of `states[i]`; depends on parameters only.
    pub a: Vec<Vec<Expr>>,
    /// The inhomogeneous term of each ODE; depends on parameters and held inputs only.
    pub b: Vec<Expr>,
}

/// Why a state variable is not in the linear part.
#[derive(Clone, Debug, PartialEq)]
pub enum NonlinearReason {
    /// Its right-hand side is not affine in the states.
    NotAffine(NonLinear),
    /// The coefficient of `state` depends on `on` (the time symbol or a held input).
    VaryingCoefficient {
        /// The state whose coefficient varies.
        state: String,
        /// The time symbol or held input it depends on.
        on: String,
    },
    /// The inhomogeneous term depends on the time symbol.
    TimeDependent,
    /// It depends on this state, which is not in the linear part.
    DependsOnNonlinear(String),
}

impl fmt::Display for NonlinearReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NonlinearReason::NotAffine(e) => write!(f, "not linear in the states: {e}"),
            NonlinearReason::VaryingCoefficient { state, on } => {
                write!(f, "the coefficient of `{state}` depends on `{on}`")
            }
            NonlinearReason::TimeDependent => write!(f, "depends explicitly on time"),
            NonlinearReason::DependsOnNonlinear(s) => {
                write!(f, "depends on `{s}`, which is not linear")
            }
        }
    }
}

/// The result of [`OdeSystem::linear_partition`].
#[derive(Clone, Debug, PartialEq)]
pub struct Partition {
    /// The largest linear constant-coefficient subsystem independent of the rest.
    pub linear: LinearPart,
    /// The other states, in system order.
    pub nonlinear: Vec<String>,
    /// For each nonlinear state, why it is not linear.
    pub reasons: BTreeMap<String, NonlinearReason>,
}

impl Default for OdeSystem {
    fn default() -> Self {
        OdeSystem::new()
    }
}

/// Names of the states of an ODE of order `order` in `base`: `base`, `base__d`, `base__d__d`, …
pub fn derivative_names(base: &str, order: usize) -> Vec<String> {
    (0..order)
        .map(|k| format!("{base}{}", "__d".repeat(k)))
        .collect()
}

impl OdeSystem {
    /// An empty system with time symbol `t`.
    pub fn new() -> OdeSystem {
        OdeSystem {
            states: Vec::new(),
            held_inputs: BTreeSet::new(),
            time: "t".to_string(),
        }
    }

    /// Adds the first-order ODE `name' = rhs` with `name(0) = initial`.
    pub fn add_state(&mut self, name: &str, rhs: Expr, initial: Expr) -> Result<(), SystemError> {
        if self.index_of(name).is_some() {
            return Err(SystemError::Duplicate(name.to_string()));
        }
        self.states.push(State {
            name: name.to_string(),
            rhs,
            initial,
        });
        Ok(())
    }

    /// Adds an ODE of order `n = names.len()`, `x^(n) = rhs`, as `n` first-order ODEs:
    /// `names[k]` holds the k-th derivative (`names[0]` is `x` itself; see
    /// [`derivative_names`]), `rhs` may refer to all of them, and `initial[k]` is the initial
    /// value of `names[k]`.
    pub fn add_ode(
        &mut self,
        names: &[&str],
        rhs: Expr,
        initial: Vec<Expr>,
    ) -> Result<(), SystemError> {
        if names.len() != initial.len() || names.is_empty() {
            return Err(SystemError::OrderMismatch {
                names: names.len(),
                initial: initial.len(),
            });
        }
        if let Some(dup) = names.iter().find(|n| self.index_of(n).is_some()) {
            return Err(SystemError::Duplicate(dup.to_string()));
        }
        let n = names.len();
        for (k, init) in initial.into_iter().enumerate() {
            let rhs = if k + 1 < n {
                Expr::sym(names[k + 1])
            } else {
                rhs.clone()
            };
            self.add_state(names[k], rhs, init)?;
        }
        Ok(())
    }

    /// Declares `name` a held input (see [`OdeSystem::held_inputs`]).
    pub fn declare_held_input(&mut self, name: &str) {
        self.held_inputs.insert(name.to_string());
    }

    /// The position of a state variable.
    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.states.iter().position(|s| s.name == name)
    }

    /// A state variable by name.
    pub fn state(&self, name: &str) -> Option<&State> {
        self.states.iter().find(|s| s.name == name)
    }

    /// The names of the state variables, in order.
    pub fn state_names(&self) -> Vec<&str> {
        self.states.iter().map(|s| s.name.as_str()).collect()
    }

    /// Replaces the symbol `name` by `value` in every right-hand side and initial value (used
    /// to inline `inline` expressions).
    pub fn substitute(&mut self, name: &str, value: &Expr) {
        for s in &mut self.states {
            s.rhs = s.rhs.subs(name, value);
            s.initial = s.initial.subs(name, value);
        }
    }

    /// Symbols of right-hand sides and initial values that are neither states, time nor held
    /// inputs.
    pub fn parameters(&self) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        for s in &self.states {
            out.extend(s.rhs.symbols());
            out.extend(s.initial.symbols());
        }
        out.retain(|n| {
            self.index_of(n).is_none() && *n != self.time && !self.held_inputs.contains(n)
        });
        out
    }

    /// For each state, the states its right-hand side refers to.
    pub fn dependencies(&self) -> BTreeMap<String, BTreeSet<String>> {
        self.states
            .iter()
            .map(|s| {
                let mut deps = s.rhs.symbols();
                deps.retain(|n| self.index_of(n).is_some());
                (s.name.clone(), deps)
            })
            .collect()
    }

    /// The symbolic Jacobian `J[i][j] = d rhs_i / d x_j`.
    pub fn jacobian(&self) -> Vec<Vec<Expr>> {
        self.states
            .iter()
            .map(|s| self.states.iter().map(|x| diff(&s.rhs, &x.name)).collect())
            .collect()
    }

    /// Splits the states into the largest set whose right-hand sides are affine in the states
    /// of that set, with coefficients that depend only on parameters (not on states, time or
    /// held inputs), and that do not depend on the other states; the inhomogeneous terms may
    /// depend on parameters and held inputs. The rest is the nonlinear part.
    pub fn linear_partition(&self) -> Partition {
        let names: Vec<&str> = self.state_names();
        let mut reasons = BTreeMap::new();
        let mut affine: Vec<Option<(Vec<Expr>, Expr)>> = Vec::with_capacity(names.len());
        for s in &self.states {
            let verdict = match coefficients(&s.rhs, &names) {
                Err(e) => Err(NonlinearReason::NotAffine(e)),
                Ok(a) => self
                    .check_constant_coefficients(&names, &a.coefficients, &a.constant)
                    .map(|_| a),
            };
            match verdict {
                Ok(a) => affine.push(Some((a.coefficients, a.constant))),
                Err(r) => {
                    reasons.insert(s.name.clone(), r);
                    affine.push(None);
                }
            }
        }
        // Remove states that depend on a state outside the set, until nothing changes.
        loop {
            let mut changed = false;
            for i in 0..names.len() {
                let Some((coefs, _)) = &affine[i] else {
                    continue;
                };
                let outside =
                    (0..names.len()).find(|&j| affine[j].is_none() && !coefs[j].is_zero_literal());
                if let Some(j) = outside {
                    reasons.insert(
                        names[i].to_string(),
                        NonlinearReason::DependsOnNonlinear(names[j].to_string()),
                    );
                    affine[i] = None;
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        let lin: Vec<usize> = (0..names.len()).filter(|&i| affine[i].is_some()).collect();
        let mut a = Vec::new();
        let mut b = Vec::new();
        for &i in &lin {
            if let Some((coefs, constant)) = &affine[i] {
                a.push(lin.iter().map(|&j| coefs[j].clone()).collect());
                b.push(constant.clone());
            }
        }
        Partition {
            linear: LinearPart {
                states: lin.iter().map(|&i| names[i].to_string()).collect(),
                a,
                b,
            },
            nonlinear: (0..names.len())
                .filter(|&i| affine[i].is_none())
                .map(|i| names[i].to_string())
                .collect(),
            reasons,
        }
    }

    fn check_constant_coefficients(
        &self,
        names: &[&str],
        coefs: &[Expr],
        constant: &Expr,
    ) -> Result<(), NonlinearReason> {
        for (j, c) in coefs.iter().enumerate() {
            if let Some(on) = c
                .symbols()
                .into_iter()
                .find(|n| *n == self.time || self.held_inputs.contains(n))
            {
                return Err(NonlinearReason::VaryingCoefficient {
                    state: names[j].to_string(),
                    on,
                });
            }
        }
        if constant.contains(&self.time) {
            return Err(NonlinearReason::TimeDependent);
        }
        Ok(())
    }
}

impl LinearPart {
    /// The linear part with every entry of `A` and `b` simplified.
    pub fn simplified(&self) -> LinearPart {
        LinearPart {
            states: self.states.clone(),
            a: self
                .a
                .iter()
                .map(|row| row.iter().map(simplify).collect())
                .collect(),
            b: self.b.iter().map(simplify).collect(),
        }
    }
}

impl fmt::Display for OdeSystem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for s in &self.states {
            writeln!(
                f,
                "{}' = {}    [{}(0) = {}]",
                s.name, s.rhs, s.name, s.initial
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::Cond;

    fn s(n: &str) -> Expr {
        Expr::sym(n)
    }

    /// iaf_psc_exp: V' = -(V - E_L)/tau_m + (I + I_e + I_stim)/C, I' = -I/tau_s.
    fn iaf_psc_exp() -> OdeSystem {
        let mut sys = OdeSystem::new();
        let v_rhs = -(s("V") - s("E_L")) / s("tau_m") + (s("I") + s("I_e") + s("I_stim")) / s("C");
        sys.add_state("V", v_rhs, s("E_L")).unwrap();
        sys.add_state("I", -s("I") / s("tau_s"), Expr::zero())
            .unwrap();
        sys.declare_held_input("I_stim");
        sys
    }

    #[test]
    fn affine_system_is_linear() {
        let sys = iaf_psc_exp();
        let p = sys.linear_partition();
        assert_eq!(p.linear.states, ["V", "I"]);
        assert!(p.nonlinear.is_empty());
        assert_eq!(p.linear.a[0][0].to_string(), "-1/tau_m");
        assert_eq!(p.linear.a[0][1].to_string(), "1/C");
        assert_eq!(p.linear.a[1][0].to_string(), "0");
        assert_eq!(p.linear.a[1][1].to_string(), "-1/tau_s");
        assert!(p.linear.b[0].contains("I_stim") && p.linear.b[0].contains("E_L"));
        assert_eq!(p.linear.b[1].to_string(), "0");
        let params: Vec<_> = sys.parameters().into_iter().collect();
        assert_eq!(params, ["C", "E_L", "I_e", "tau_m", "tau_s"]);
    }

    #[test]
    fn product_of_states_is_nonlinear_and_propagates() {
        // g' = -g/tau (linear); V' = -g*(V - E)/C (product of states); w' = (V - w)/tau_w
        // depends on V, so it is not linear either; u' = -u is independent and linear.
        let mut sys = OdeSystem::new();
        sys.add_state("g", -s("g") / s("tau"), Expr::zero())
            .unwrap();
        sys.add_state("V", -s("g") * (s("V") - s("E")) / s("C"), s("E"))
            .unwrap();
        sys.add_state("w", (s("V") - s("w")) / s("tau_w"), Expr::zero())
            .unwrap();
        sys.add_state("u", -s("u"), Expr::one()).unwrap();
        let p = sys.linear_partition();
        assert_eq!(p.linear.states, ["g", "u"]);
        assert_eq!(p.nonlinear, ["V", "w"]);
        assert!(matches!(p.reasons["V"], NonlinearReason::NotAffine(_)));
        assert_eq!(
            p.reasons["w"],
            NonlinearReason::DependsOnNonlinear("V".into())
        );
        assert_eq!(
            p.linear.a,
            vec![
                vec![(-Expr::one() / s("tau")), Expr::zero()],
                vec![Expr::zero(), Expr::int(-1)]
            ]
            .into_iter()
            .map(|r| r.iter().map(simplify).collect::<Vec<_>>())
            .collect::<Vec<_>>()
        );
    }

    #[test]
    fn state_inside_exp_and_time_dependence_are_nonlinear() {
        let mut sys = OdeSystem::new();
        // Adaptive exponential: V' = exp((V - V_T)/D) - V
        sys.add_state(
            "V",
            ((s("V") - s("V_T")) / s("D")).exp() - s("V"),
            Expr::zero(),
        )
        .unwrap();
        // Time-dependent coefficient.
        sys.add_state("x", -s("x") * s("t"), Expr::one()).unwrap();
        // Time-dependent forcing.
        sys.add_state("y", -s("y") + s("t").sin(), Expr::one())
            .unwrap();
        // Coefficient depending on a held input.
        sys.add_state("z", -s("z") * s("I_stim"), Expr::one())
            .unwrap();
        // Conditional on a state.
        sys.add_state(
            "r",
            Expr::ite(Cond::gt(s("r"), 0), -s("r"), Expr::zero()),
            Expr::one(),
        )
        .unwrap();
        // Held input in the inhomogeneous term is fine.
        sys.add_state("q", -s("q") + s("I_stim") * 2, Expr::one())
            .unwrap();
        sys.declare_held_input("I_stim");
        let p = sys.linear_partition();
        assert_eq!(p.linear.states, ["q"]);
        assert_eq!(p.nonlinear, ["V", "x", "y", "z", "r"]);
        assert!(matches!(p.reasons["V"], NonlinearReason::NotAffine(_)));
        assert_eq!(
            p.reasons["x"],
            NonlinearReason::VaryingCoefficient {
                state: "x".into(),
                on: "t".into()
            }
        );
        assert_eq!(p.reasons["y"], NonlinearReason::TimeDependent);
        assert_eq!(
            p.reasons["z"],
            NonlinearReason::VaryingCoefficient {
                state: "z".into(),
                on: "I_stim".into()
            }
        );
        assert!(matches!(p.reasons["r"], NonlinearReason::NotAffine(_)));
        assert!(p.reasons["V"].to_string().contains("non-linearly"));
    }

    #[test]
    fn higher_order_reduction() {
        // Alpha kernel: x'' = -2/tau x' - x/tau**2.
        let mut sys = OdeSystem::new();
        let names = derivative_names("x", 2);
        assert_eq!(names, ["x", "x__d"]);
        let rhs = -(Expr::int(2) / s("tau")) * s("x__d") - s("x") / s("tau").pow(2);
        sys.add_ode(
            &["x", "x__d"],
            rhs,
            vec![Expr::zero(), Expr::e() / s("tau")],
        )
        .unwrap();
        assert_eq!(sys.states[0].rhs, s("x__d"));
        let p = sys.linear_partition();
        assert_eq!(p.linear.states, ["x", "x__d"]);
        assert_eq!(p.linear.a[0][1].to_string(), "1");
        assert_eq!(p.linear.a[1][0].to_string(), "-1/tau**2");
        assert_eq!(p.linear.a[1][1].to_string(), "-2/tau");
        assert_eq!(
            sys.add_ode(&["y", "y__d"], Expr::zero(), vec![Expr::zero()]),
            Err(SystemError::OrderMismatch {
                names: 2,
                initial: 1
            })
        );
        assert_eq!(
            sys.add_state("x", Expr::zero(), Expr::zero()),
            Err(SystemError::Duplicate("x".into()))
        );
    }

    #[test]
    fn dependencies_and_jacobian() {
        let mut sys = OdeSystem::new();
        sys.add_state("V", s("V").pow(2) * s("w") - s("I"), Expr::zero())
            .unwrap();
        sys.add_state("w", s("a") * s("V") - s("w"), Expr::zero())
            .unwrap();
        let deps = sys.dependencies();
        assert_eq!(deps["V"].iter().collect::<Vec<_>>(), ["V", "w"]);
        assert_eq!(deps["w"].iter().collect::<Vec<_>>(), ["V", "w"]);
        let j = sys.jacobian();
        assert_eq!(j[0][0].to_string(), "2*V*w");
        assert_eq!(j[0][1].to_string(), "V**2");
        assert_eq!(j[1][0].to_string(), "a");
        assert_eq!(j[1][1].to_string(), "-1");
        sys.substitute("I", &(s("I_e") * 2));
        assert!(sys.parameters().contains("I_e"));
        assert!(sys.to_string().contains("w' = a*V - w"));
    }
}
