//! The code generator's options, mirroring PyNESTML's NEST code-generator options.

use crate::analysis::SolverMode;

/// The numeric solver for states without an exact propagator (PyNESTML's `numeric_solver`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum NumericSolver {
    /// GSL-equivalent adaptive RKF45, PyNESTML's and NEST's default (`"rk45"`).
    #[default]
    Rk45,
    /// One explicit Euler step per simulation step (`"forward-Euler"`).
    ForwardEuler,
    /// One classical Runge-Kutta step per simulation step (`"rk4"`).
    Rk4,
    /// The L-stable Rosenbrock method for stiff systems (`"implicit"`).
    Implicit,
    /// An exponential integrator of the Rush–Larsen kind (`"rush-larsen"`, not a PyNESTML
    /// solver): rows affine in their own state by the exponential step, the others by an
    /// explicit step, the exact rows by their propagator, over `rush_larsen_substeps` fixed
    /// substeps of order `rush_larsen_order`.
    RushLarsen,
}

impl NumericSolver {
    /// Every solver with its option spelling.
    pub const ALL: [(NumericSolver, &'static str); 5] = [
        (NumericSolver::Rk45, "rk45"),
        (NumericSolver::ForwardEuler, "forward-Euler"),
        (NumericSolver::Rk4, "rk4"),
        (NumericSolver::Implicit, "implicit"),
        (NumericSolver::RushLarsen, crate::analysis::RUSH_LARSEN),
    ];

    fn parse(name: &str) -> Option<NumericSolver> {
        Self::ALL.iter().find(|(_, n)| *n == name).map(|(s, _)| *s)
    }

    /// The option spelling of the solver.
    pub fn name(self) -> &'static str {
        Self::ALL.iter().find(|(s, _)| *s == self).map_or("?", |(_, n)| n)
    }
}

/// The float type a neuron's reals are computed in (not a PyNESTML option).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FloatType {
    /// `"f64"`, NEST's type (the default): bit for bit as NEST.
    #[default]
    F64,
    /// `"f32"`, for FPUs without double precision: state, parameters, internals, propagator
    /// and solver in `f32`; the `Neuron` trait's values, weights, inputs, random draws and
    /// times stay `f64` and are converted where the model meets them.
    F32,
}

/// What the RKF45 step-size control measures the error against
/// (PyNESTML's `gsl_adaptive_step_size_controller`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum StepSizeController {
    /// `gsl_odeiv_control_y_new` (`"with_respect_to_solution"`, the default).
    #[default]
    Solution,
    /// `gsl_odeiv_control_yp_new` (`"with_respect_to_derivative"`).
    Derivative,
}

/// Options of [`generate`](super::generate), set in the macros as leading `key = value`
/// arguments: `include_nestml!(numeric_solver = "forward-Euler", "model.nestml")`.
#[derive(Clone, Debug, PartialEq)]
pub struct CodegenOptions {
    /// `solver = "analytic"` (exact propagators where the ODEs are linear, the default) or
    /// `"numeric"` (every state by the numeric solver).
    pub solver: SolverMode,
    pub numeric_solver: NumericSolver,
    /// `gsl_abs_error_tol` (default 1e-6, as PyNESTML's NEST target).
    pub abs_error_tol: f64,
    /// `gsl_rel_error_tol` (default 1e-6).
    pub rel_error_tol: f64,
    pub step_size_controller: StepSizeController,
    /// `max_substeps`: the most internal steps RKF45 may take in one simulation step, a bound on
    /// the work per step for hard real-time loops; more is a fault (default 10⁶; not a PyNESTML
    /// option).
    pub max_substeps: Option<u32>,
    /// `rk45_error_states = "all"` (the default: GSL's control, as NEST's) or `"kept"`: the
    /// RKF45 step-size control leaves out the states whose integrated values the step discards
    /// — the exactly propagated ones (convolution states, which advance by their propagator
    /// once per step) — so that only the errors of the states it keeps shorten the steps (not
    /// a PyNESTML option; `docs/numeric_solvers.md` measures it).
    pub error_kept_states_only: bool,
    /// `rush_larsen_substeps`: fixed substeps per simulation step of the Rush–Larsen solver
    /// (default [`RUSH_LARSEN_SUBSTEPS`](Self::RUSH_LARSEN_SUBSTEPS); other solvers ignore it).
    pub rush_larsen_substeps: u32,
    /// `rush_larsen_order`: 1 (Rush & Larsen: rates at the start of a substep) or 2 (the
    /// exponential midpoint of Perego & Veneziani; default
    /// [`RUSH_LARSEN_ORDER`](Self::RUSH_LARSEN_ORDER)).
    pub rush_larsen_order: u8,
    /// `suffix`: appended to every model name (`"_nestml"` makes `iaf_psc_exp_neuron_nestml`,
    /// type `IafPscExpNeuronNestml`), as PyNESTML's `generate_target(suffix=…)`.
    pub suffix: String,
    /// `weight_variable`: a synapse's weight, kept per connection (default `"w"`), as
    /// PyNESTML's option of that name.
    pub weight_variable: String,
    /// `delay_variable`: a synapse parameter that reads the connection's delay (default
    /// `"d"`, where the model declares it), as PyNESTML's option of that name.
    pub delay_variable: String,
    /// `float = "f64"` (the default) or `"f32"`: the float type of a neuron's reals
    /// ([`FloatType`]); synapses are generated in `f64` only.
    pub float: FloatType,
    /// `exp = "libm"` (the default: the platform's `exp`, as NEST's) or `"inline"`: every
    /// `exp` of the model is the runtime's `math::exp_inline`, with no call and no branch, so
    /// that loops over neurons vectorise it (within an ulp of `libm`'s), and `exp`s of the
    /// right-hand sides that are small multiples of one another up to a number share one
    /// (`nestml_ode::share_exponentials`, a few ulp); the struct and the population use the
    /// same, so they still agree bit for bit.
    pub exp_inline: bool,
    /// Adds the uom shadow of every model (the `uom-check` feature of `nestml`; not a macro
    /// option).
    pub uom_check: bool,
    /// Adds `serde::Serialize` and `Deserialize` impls through the model's checkpoint (the
    /// `serde` feature of `nestml`; not a macro option).
    pub serde: bool,
    /// Adds the neuron's `Populated` impl and, where the model has one, its struct-of-arrays
    /// population type (default; the macros set it from the `alloc` feature of `nestml`, since
    /// populations need `Vec`; not a macro option).
    pub population: bool,
}

impl Default for CodegenOptions {
    fn default() -> Self {
        CodegenOptions {
            solver: SolverMode::Auto,
            numeric_solver: NumericSolver::Rk45,
            abs_error_tol: 1e-6,
            rel_error_tol: 1e-6,
            step_size_controller: StepSizeController::Solution,
            max_substeps: None,
            error_kept_states_only: false,
            rush_larsen_substeps: Self::RUSH_LARSEN_SUBSTEPS,
            rush_larsen_order: Self::RUSH_LARSEN_ORDER,
            suffix: String::new(),
            weight_variable: "w".into(),
            delay_variable: "d".into(),
            float: FloatType::F64,
            exp_inline: false,
            uom_check: false,
            serde: false,
            population: true,
        }
    }
}

/// The value of one `key = value` option.
#[derive(Clone, Debug, PartialEq)]
pub enum OptionValue {
    Str(String),
    Number(f64),
}

impl CodegenOptions {
    /// The option names [`set`](Self::set) accepts.
    pub const KEYS: [&'static str; 14] = [
        "solver",
        "numeric_solver",
        "gsl_abs_error_tol",
        "gsl_rel_error_tol",
        "gsl_adaptive_step_size_controller",
        "max_substeps",
        "rk45_error_states",
        "rush_larsen_substeps",
        "rush_larsen_order",
        "suffix",
        "weight_variable",
        "delay_variable",
        "float",
        "exp",
    ];

    /// The default substeps of the Rush–Larsen solver, chosen by the accuracy study of
    /// `docs/numeric_solvers.md`.
    pub const RUSH_LARSEN_SUBSTEPS: u32 = 2;
    /// The default order of the Rush–Larsen solver (`docs/numeric_solvers.md`).
    pub const RUSH_LARSEN_ORDER: u8 = 2;

    /// Sets the option `key`; the error says what is accepted.
    pub fn set(&mut self, key: &str, value: OptionValue) -> Result<(), String> {
        let text = |v: &OptionValue| match v {
            OptionValue::Str(s) => Ok(s.clone()),
            OptionValue::Number(_) => Err(format!("`{key}` takes a string")),
        };
        let whole = |v: &OptionValue| match v {
            OptionValue::Number(x) if *x >= 1.0 && x.fract() == 0.0 && *x <= u32::MAX as f64 => Ok(*x as u32),
            _ => Err(format!("`{key}` takes a whole number of at least 1")),
        };
        let tolerance = |v: &OptionValue| match v {
            OptionValue::Number(x) if *x >= 0.0 && x.is_finite() => Ok(*x),
            _ => Err(format!("`{key}` takes a non-negative number")),
        };
        match key {
            "solver" => {
                self.solver = match text(&value)?.as_str() {
                    "analytic" => SolverMode::Auto,
                    "numeric" => SolverMode::Numeric,
                    other => return Err(format!("`solver = {other:?}`: expected \"analytic\" or \"numeric\"")),
                }
            }
            "numeric_solver" => {
                let name = text(&value)?;
                self.numeric_solver = NumericSolver::parse(&name).ok_or_else(|| {
                    let known: Vec<String> = NumericSolver::ALL.iter().map(|(_, n)| format!("{n:?}")).collect();
                    format!("`numeric_solver = {name:?}`: expected one of {}", known.join(", "))
                })?
            }
            "gsl_abs_error_tol" => self.abs_error_tol = tolerance(&value)?,
            "gsl_rel_error_tol" => self.rel_error_tol = tolerance(&value)?,
            "gsl_adaptive_step_size_controller" => {
                self.step_size_controller = match text(&value)?.as_str() {
                    "with_respect_to_solution" => StepSizeController::Solution,
                    "with_respect_to_derivative" => StepSizeController::Derivative,
                    other => return Err(format!("`gsl_adaptive_step_size_controller = {other:?}`: expected \"with_respect_to_solution\" or \"with_respect_to_derivative\"")),
                }
            }
            "max_substeps" => self.max_substeps = Some(whole(&value)?),
            "rk45_error_states" => {
                self.error_kept_states_only = match text(&value)?.as_str() {
                    "all" => false,
                    "kept" => true,
                    other => return Err(format!("`rk45_error_states = {other:?}`: expected \"all\" or \"kept\"")),
                }
            }
            "rush_larsen_substeps" => self.rush_larsen_substeps = whole(&value)?,
            "rush_larsen_order" => {
                self.rush_larsen_order = match value {
                    OptionValue::Number(x) if x == 1.0 || x == 2.0 => x as u8,
                    _ => return Err(format!("`{key}` takes 1 or 2")),
                }
            }
            "suffix" => {
                let suffix = text(&value)?;
                if !suffix.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                    return Err(format!("`suffix = {suffix:?}`: only ASCII letters, digits and `_` can be part of a model name"));
                }
                self.suffix = suffix
            }
            "weight_variable" => self.weight_variable = text(&value)?,
            "delay_variable" => self.delay_variable = text(&value)?,
            "float" => {
                self.float = match text(&value)?.as_str() {
                    "f64" => FloatType::F64,
                    "f32" => FloatType::F32,
                    other => return Err(format!("`float = {other:?}`: expected \"f64\" or \"f32\"")),
                }
            }
            "exp" => {
                self.exp_inline = match text(&value)?.as_str() {
                    "libm" => false,
                    "inline" => true,
                    other => return Err(format!("`exp = {other:?}`: expected \"libm\" or \"inline\"")),
                }
            }
            _ => return Err(format!("unknown option `{key}`; the options are {}", Self::KEYS.join(", "))),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_parse_and_reject_bad_values() {
        let mut o = CodegenOptions::default();
        o.set("numeric_solver", OptionValue::Str("forward-Euler".into())).unwrap();
        assert_eq!(o.numeric_solver, NumericSolver::ForwardEuler);
        o.set("gsl_abs_error_tol", OptionValue::Number(1e-3)).unwrap();
        assert_eq!(o.abs_error_tol, 1e-3);
        o.set("solver", OptionValue::Str("numeric".into())).unwrap();
        assert_eq!(o.solver, SolverMode::Numeric);
        o.set("gsl_adaptive_step_size_controller", OptionValue::Str("with_respect_to_derivative".into())).unwrap();
        assert_eq!(o.step_size_controller, StepSizeController::Derivative);
        assert!(o.set("numeric_solver", OptionValue::Str("euler".into())).unwrap_err().contains("\"forward-Euler\""));
        assert!(o.set("gsl_rel_error_tol", OptionValue::Number(-1.0)).is_err());
        assert!(o.set("gsl_rel_error_tol", OptionValue::Str("x".into())).is_err());
        assert!(o.set("suffix", OptionValue::Str("-x".into())).is_err());
        assert!(o.set("nonsense", OptionValue::Number(1.0)).unwrap_err().contains("unknown option"));
        o.set("float", OptionValue::Str("f32".into())).unwrap();
        assert_eq!(o.float, FloatType::F32);
        assert_eq!(o.set("float", OptionValue::Str("f16".into())).unwrap_err(), "`float = \"f16\"`: expected \"f64\" or \"f32\"");
        o.set("exp", OptionValue::Str("inline".into())).unwrap();
        assert!(o.exp_inline);
        assert_eq!(o.set("exp", OptionValue::Str("fast".into())).unwrap_err(), "`exp = \"fast\"`: expected \"libm\" or \"inline\"");
        o.set("rk45_error_states", OptionValue::Str("kept".into())).unwrap();
        assert!(o.error_kept_states_only);
        assert_eq!(o.set("rk45_error_states", OptionValue::Str("some".into())).unwrap_err(), "`rk45_error_states = \"some\"`: expected \"all\" or \"kept\"");
        o.set("max_substeps", OptionValue::Number(50.0)).unwrap();
        assert_eq!(o.max_substeps, Some(50));
        for bad in [OptionValue::Number(0.0), OptionValue::Number(2.5), OptionValue::Str("10".into())] {
            assert!(o.set("max_substeps", bad.clone()).unwrap_err().contains("whole number"));
            assert!(o.set("rush_larsen_substeps", bad).unwrap_err().contains("whole number"));
        }
        o.set("numeric_solver", OptionValue::Str("rush-larsen".into())).unwrap();
        assert_eq!(o.numeric_solver, NumericSolver::RushLarsen);
        assert_eq!(
            o.set("numeric_solver", OptionValue::Str("rush_larsen".into())).unwrap_err(),
            "`numeric_solver = \"rush_larsen\"`: expected one of \"rk45\", \"forward-Euler\", \"rk4\", \"implicit\", \"rush-larsen\""
        );
        o.set("rush_larsen_substeps", OptionValue::Number(3.0)).unwrap();
        assert_eq!(o.rush_larsen_substeps, 3);
        o.set("rush_larsen_order", OptionValue::Number(1.0)).unwrap();
        assert_eq!(o.rush_larsen_order, 1);
        for bad in [OptionValue::Number(3.0), OptionValue::Number(1.5), OptionValue::Str("2".into())] {
            assert_eq!(o.set("rush_larsen_order", bad).unwrap_err(), "`rush_larsen_order` takes 1 or 2");
        }
    }
}
