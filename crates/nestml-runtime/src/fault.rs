//! [`Fault`]: what a neuron's step or calibration returns when the model breaks down.
//!
//! A fault names the model, the variable (or parameter, or guard) and the simulation time,
//! so that a user of a network with thousands of neurons learns which model and which
//! variable failed when, without a debugger.

use crate::solvers::SolverError;
use crate::Real;
use core::fmt;

/// A failure of a model during simulation or calibration.
#[derive(Clone, Debug, PartialEq)]
pub struct Fault {
    /// The NESTML model name, e.g. `iaf_psc_exp_neuron`.
    pub model: &'static str,
    /// Simulation time in ms at the end of the failing step (or of the last step, for
    /// calibration).
    pub t: f64,
    /// What happened.
    pub kind: FaultKind,
}

/// What went wrong.
#[derive(Clone, Debug, PartialEq)]
pub enum FaultKind {
    /// A state variable became NaN or infinite.
    NotFinite {
        /// The variable (NESTML name).
        variable: &'static str,
        /// The value it took.
        value: f64,
    },
    /// A state variable left the bounds the model declares it must stay in (e.g. NEST's
    /// aeif models stop when `V_m` exceeds a limit).
    BlowUp {
        /// The variable (NESTML name).
        variable: &'static str,
        /// The value it took.
        value: f64,
        /// The bound it crossed.
        limit: f64,
    },
    /// A parameter (or the resolution) makes the model unusable, e.g. a propagator that
    /// divides by `tau_m - tau_syn` when both are equal.
    InvalidParameter {
        /// The parameter.
        name: &'static str,
        /// Its value.
        value: f64,
        /// Why it is unusable.
        reason: &'static str,
    },
    /// A parameter guard of the model (`guard: tau_m > 0 ms`) does not hold.
    GuardViolated {
        /// The guard, in NEST units.
        guard: &'static str,
    },
    /// The numeric solver gave up.
    Solver {
        /// What the solver reported.
        error: SolverError,
        /// The state variable it points at, if any.
        variable: Option<&'static str>,
    },
    /// A NESTML random function got an argument it cannot sample from.
    BadRandomArgument {
        /// The function (`random_poisson`, …).
        function: &'static str,
        /// The argument.
        value: f64,
    },
    /// An assignment to a vector element outside the vector.
    IndexOutOfRange {
        /// The variable (NESTML name).
        variable: &'static str,
        /// The index computed.
        index: f64,
        /// The vector's length.
        len: usize,
    },
}

impl Fault {
    /// A fault of `model` at `t` ms.
    pub fn new(model: &'static str, t: f64, kind: FaultKind) -> Fault {
        Fault { model, t, kind }
    }

    /// A solver error, naming the state variable from `names` (in state-vector order) if the
    /// error points at one.
    pub fn from_solver(
        model: &'static str,
        t: f64,
        error: SolverError,
        names: &[&'static str],
    ) -> Fault {
        let variable = match error {
            SolverError::NonFinite { index, .. } => names.get(index).copied(),
            _ => None,
        };
        Fault {
            model,
            t,
            kind: FaultKind::Solver { error, variable },
        }
    }

    /// Checks that every value is finite; `names[i]` names `values[i]`. (Generated code tests
    /// finiteness inline and calls this only to build the fault.)
    #[cold]
    pub fn check_finite<F: Real>(
        model: &'static str,
        t: f64,
        names: &[&'static str],
        values: &[F],
    ) -> Result<(), Fault> {
        match values.iter().position(|v| !v.is_finite()) {
            None => Ok(()),
            Some(i) => Err(Fault {
                model,
                t,
                kind: FaultKind::NotFinite {
                    variable: names.get(i).copied().unwrap_or("?"),
                    value: values[i].to_f64(),
                },
            }),
        }
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.model)?;
        match &self.kind {
            FaultKind::NotFinite { variable, value } => write!(f, "{variable} became {value}")?,
            FaultKind::BlowUp {
                variable,
                value,
                limit,
            } => write!(f, "{variable} = {value} is beyond the limit {limit}")?,
            FaultKind::InvalidParameter {
                name,
                value,
                reason,
            } => write!(f, "{name} = {value}: {reason}")?,
            FaultKind::GuardViolated { guard } => write!(f, "guard violated: {guard}")?,
            FaultKind::Solver {
                error: SolverError::NonFinite { .. },
                variable: Some(v),
            } => write!(f, "solver failed on {v}: it became non-finite in the step ending")?,
            FaultKind::Solver {
                error,
                variable: Some(v),
            } => write!(f, "solver failed on {v}: {error}")?,
            FaultKind::Solver {
                error,
                variable: None,
            } => write!(f, "solver failed: {error}")?,
            FaultKind::BadRandomArgument { function, value } => {
                write!(f, "{function}({value}) is undefined")?
            }
            FaultKind::IndexOutOfRange {
                variable,
                index,
                len,
            } => write!(f, "{variable}[{index}] is outside the vector of {len} elements")?,
        }
        write!(f, " at t = {} ms", self.t)
    }
}

impl core::error::Error for Fault {}

#[cfg(test)]
mod tests {
    use super::*;
    use std::string::ToString;

    #[test]
    fn messages_name_model_variable_and_time() {
        let e = Fault::check_finite("hh_psc_alpha_neuron", 12.5, &["V_m", "m"], &[1.0, f64::NAN])
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "hh_psc_alpha_neuron: m became NaN at t = 12.5 ms"
        );
        let e = Fault::from_solver(
            "x",
            1.0,
            SolverError::NonFinite { index: 0, t: 0.05 },
            &["V_m"],
        );
        assert_eq!(
            e.to_string(),
            "x: solver failed on V_m: it became non-finite in the step ending at t = 1 ms"
        );
        let e = Fault::new(
            "x",
            0.0,
            FaultKind::GuardViolated {
                guard: "C_m > 0 pF",
            },
        );
        assert_eq!(e.to_string(), "x: guard violated: C_m > 0 pF at t = 0 ms");
        assert!(Fault::check_finite("x", 0.0, &["a"], &[1.0]).is_ok());
        let e = Fault::check_finite("x", 0.5, &["a", "b"], &[1.0f32, f32::INFINITY]).unwrap_err();
        assert_eq!(e.kind, FaultKind::NotFinite { variable: "b", value: f64::INFINITY });
    }
}
