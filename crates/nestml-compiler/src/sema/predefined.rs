//! Predefined functions and variables of NESTML 9.

use super::types::Type;
use super::units::Unit;

/// A parameter or return type of a predefined function.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Param {
    Real,
    Integer,
    String,
    /// A time, in `ms` (any unit of time is accepted).
    Time,
    /// A template type: all arguments with the same index must agree; the return type is
    /// the type of the first argument with that index.
    Template(u8),
    /// Any number of arguments of any type.
    Variadic,
    Void,
}

/// Signature of a predefined function.
#[derive(Clone, Copy, Debug)]
pub struct Builtin {
    pub name: &'static str,
    pub params: &'static [Param],
    pub returns: Param,
}

use Param::*;

/// Every predefined function, as PyNESTML 9 declares them.
pub const BUILTINS: &[Builtin] = &[
    Builtin { name: "resolution", params: &[], returns: Time },
    Builtin { name: "timestep", params: &[], returns: Time },
    Builtin { name: "steps", params: &[Time], returns: Integer },
    Builtin { name: "emit_spike", params: &[Variadic], returns: Void },
    Builtin { name: "print", params: &[String], returns: Void },
    Builtin { name: "println", params: &[String], returns: Void },
    Builtin { name: "exp", params: &[Real], returns: Real },
    Builtin { name: "ln", params: &[Real], returns: Real },
    Builtin { name: "log10", params: &[Real], returns: Real },
    Builtin { name: "cos", params: &[Real], returns: Real },
    Builtin { name: "sin", params: &[Real], returns: Real },
    Builtin { name: "tan", params: &[Real], returns: Real },
    Builtin { name: "cosh", params: &[Real], returns: Real },
    Builtin { name: "sinh", params: &[Real], returns: Real },
    Builtin { name: "tanh", params: &[Real], returns: Real },
    Builtin { name: "erf", params: &[Real], returns: Real },
    Builtin { name: "erfc", params: &[Real], returns: Real },
    Builtin { name: "info", params: &[String], returns: Void },
    Builtin { name: "warning", params: &[String], returns: Void },
    Builtin { name: "random_normal", params: &[Template(0), Template(0)], returns: Template(0) },
    Builtin { name: "random_poisson", params: &[Real], returns: Integer },
    Builtin { name: "random_uniform", params: &[Template(0), Template(0)], returns: Template(0) },
    Builtin { name: "expm1", params: &[Real], returns: Real },
    Builtin { name: "delta", params: &[Time], returns: Real },
    Builtin { name: "clip", params: &[Template(0), Template(0), Template(0)], returns: Template(0) },
    Builtin { name: "max", params: &[Template(0), Template(0)], returns: Template(0) },
    Builtin { name: "min", params: &[Template(0), Template(0)], returns: Template(0) },
    Builtin { name: "pow", params: &[Template(0), Template(1)], returns: Template(0) },
    Builtin { name: "abs", params: &[Template(0)], returns: Template(0) },
    Builtin { name: "ceil", params: &[Template(0)], returns: Template(0) },
    Builtin { name: "floor", params: &[Template(0)], returns: Template(0) },
    Builtin { name: "round", params: &[Template(0)], returns: Template(0) },
    Builtin { name: "integrate_odes", params: &[Variadic], returns: Void },
    Builtin { name: "convolve", params: &[Variadic], returns: Real },
];

/// The random-number functions (restricted to `update`, `onReceive` and `onCondition`).
pub const RANDOM_FUNCTIONS: &[&str] = &["random_normal", "random_uniform", "random_poisson"];

/// Looks up a predefined function.
pub fn builtin(name: &str) -> Option<&'static Builtin> {
    BUILTINS.iter().find(|b| b.name == name)
}

impl Param {
    /// The concrete type of a non-template parameter.
    pub fn concrete(self) -> Option<Type> {
        match self {
            Param::Real => Some(Type::Real),
            Param::Integer => Some(Type::Integer),
            Param::String => Some(Type::String),
            Param::Time => Some(Type::Unit(ms())),
            Param::Void => Some(Type::Void),
            Param::Template(_) | Param::Variadic => None,
        }
    }
}

fn ms() -> Unit {
    Unit::lookup("ms").expect("ms is a unit")
}

/// The type of a predefined variable: `t` (ms), `e` and `pi` (real).
pub fn variable(name: &str) -> Option<Type> {
    match name {
        "t" => Some(Type::Unit(ms())),
        "e" | "pi" => Some(Type::Real),
        _ => None,
    }
}
