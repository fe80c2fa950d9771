//! The integration plan of one model, as shown by `nestml analyze`.

use std::collections::BTreeMap;

use nestml_ode::{propagator, stiffness, symbolic_propagator, Expr, Solver};
use serde::Serialize;

use super::env::default_environment;
use super::exponential::{row_method, RowMethod};
use super::system::{build_system, WEIGHT};
use crate::ir::{ModelIr, STEP};

pub use super::system::StateOrigin;

/// PyNESTML's `solver` code-generator option.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SolverMode {
    /// Exact propagators where the dynamics are linear, a numeric solver for the rest.
    #[default]
    Auto,
    /// Everything numeric.
    Numeric,
}

/// Options of the analysis.
#[derive(Clone, Debug)]
pub struct AnalysisOptions {
    /// The simulation step in ms.
    pub dt: f64,
    pub solver: SolverMode,
    /// Overrides the recommended numeric solver (`rk45`, `rk4`, `forward-Euler`, `implicit`,
    /// `rush-larsen`: the plan then shows its rows).
    pub numeric_solver: Option<String>,
    /// Values (NEST units) used instead of the defaults of these parameters, internals or
    /// initial values, by symbol name.
    pub overrides: BTreeMap<String, f64>,
}

impl Default for AnalysisOptions {
    fn default() -> Self {
        AnalysisOptions { dt: 0.1, solver: SolverMode::Auto, numeric_solver: None, overrides: BTreeMap::new() }
    }
}

/// How a model's dynamics are integrated.
#[derive(Clone, Debug, Serialize)]
pub struct Plan {
    pub model: String,
    /// The step (ms) at which `propagator` is evaluated.
    pub dt: f64,
    /// Every state variable of the ODE system, after kernels became ODEs.
    pub states: Vec<PlanState>,
    /// States propagated exactly.
    pub analytic: Vec<String>,
    /// States given to the numeric solver.
    pub numeric: Vec<String>,
    /// Why each numeric state is not propagated exactly.
    pub numeric_reasons: BTreeMap<String, String>,
    /// The numeric solver, if any state is numeric.
    pub solver: Option<SolverChoice>,
    /// The exact propagator of the analytic states at the default parameters and `dt`.
    pub propagator: Option<PropagatorReport>,
    /// With `numeric_solver = "rush-larsen"`: how it advances each numeric row.
    pub rush_larsen: Option<RushLarsenPlan>,
    /// What each incoming spike does.
    pub spike_jumps: Vec<Jump>,
    /// The parameter, internal and initial values used (NEST units).
    pub defaults: BTreeMap<String, f64>,
    /// Parts of the model that could not be analysed.
    pub problems: Vec<String>,
}

/// One state variable of the ODE system.
#[derive(Clone, Debug, Serialize)]
pub struct PlanState {
    /// The NESTML name (`V_m`, `g'`, `I_kernel__X__spikes`).
    pub name: String,
    pub origin: StateOrigin,
    /// NEST's internal unit of the value, if it has one.
    pub unit: Option<String>,
    /// The initial value as an expression and, where it is constant, its number.
    pub initial: String,
    pub initial_value: Option<f64>,
    /// The right-hand side of its first-order ODE.
    pub ode: String,
}

/// The numeric solver of the nonlinear states.
#[derive(Clone, Debug, Serialize)]
pub struct SolverChoice {
    pub solver: String,
    pub reason: String,
    /// Largest `|Re λ|` of the Jacobian at the initial state (1/ms).
    pub fastest_rate: Option<f64>,
    pub stiffness_ratio: Option<f64>,
}

/// `x(t + dt) = P x(t) + q` for the analytic states.
#[derive(Clone, Debug, Serialize)]
pub struct PropagatorReport {
    /// Row and column order of `p` and `q`.
    pub states: Vec<String>,
    pub p: Vec<Vec<f64>>,
    pub q: Vec<f64>,
    /// Per row: the symbolic propagator (`P = exp(-__h/tau), q = …`) or `numeric expm`.
    pub symbolic: Vec<String>,
}

/// The option value of the Rush–Larsen solver.
pub const RUSH_LARSEN: &str = "rush-larsen";

/// How the Rush–Larsen solver advances the numeric rows (the exact rows keep their
/// propagator, at the length of one stage).
#[derive(Clone, Debug, Serialize)]
pub struct RushLarsenPlan {
    /// Rows affine in their own state: the exponential step with rate `∂f/∂x`.
    pub exponential: Vec<ExponentialRow>,
    /// The other rows, an explicit step each, with the reason.
    pub explicit: BTreeMap<String, String>,
}

/// A row stepped exponentially.
#[derive(Clone, Debug, Serialize)]
pub struct ExponentialRow {
    pub state: String,
    /// `b = ∂f/∂x`, the rate of the exponential.
    pub rate: String,
}

/// `state += jump` for each spike weight sum `__weight` arriving at `port`.
#[derive(Clone, Debug, Serialize)]
pub struct Jump {
    pub port: String,
    pub state: String,
    pub jump: String,
}

/// Analyses one model.
pub fn analyse(ir: &ModelIr, options: &AnalysisOptions) -> Plan {
    let ms = build_system(ir);
    let mut problems: Vec<String> = ir.problems.iter().map(|p| p.message.clone()).collect();
    problems.extend(ms.problems.iter().cloned());
    let mut env = default_environment(ir, options.dt, &options.overrides);
    // continuous inputs are held over a step; the report shows `q` for inputs at 0
    for port in &ir.continuous_ports {
        env.entry(port.clone()).or_insert(0.0);
    }
    for s in &ms.system.states {
        if let Ok(v) = s.initial.eval(&env) {
            env.entry(s.name.clone()).or_insert(v);
        }
    }
    let states = ms
        .system
        .states
        .iter()
        .map(|s| PlanState {
            name: nestml_name(&s.name),
            origin: ms.origins.get(&s.name).copied().unwrap_or(StateOrigin::Ode),
            unit: ir.variable(&s.name).and_then(|v| v.unit.clone()),
            initial: s.initial.to_string(),
            initial_value: s.initial.eval(&env).ok(),
            ode: show_delayed(ir, &s.rhs),
        })
        .collect();
    let undelayed = ms.undelayed(ir);
    let partition = undelayed.linear_partition();
    let (analytic, numeric): (Vec<String>, Vec<String>) = match options.solver {
        SolverMode::Auto => (partition.linear.states.clone(), partition.nonlinear.clone()),
        SolverMode::Numeric => (Vec::new(), ms.system.states.iter().map(|s| s.name.clone()).collect()),
    };
    let numeric_reasons = numeric
        .iter()
        .map(|n| {
            let why = partition.reasons.get(n).map_or_else(|| "`solver = numeric` was requested".to_string(), |r| r.to_string());
            (nestml_name(n), why)
        })
        .collect();
    let propagator = (!analytic.is_empty()).then(|| {
        let symbolic = symbolic_propagator(&partition.linear, STEP).iter().map(|r| r.to_string()).collect();
        match propagator(&partition.linear, &env, options.dt) {
            Ok(p) => Some(PropagatorReport {
                states: p.states.iter().map(|s| nestml_name(s)).collect(),
                p: (0..p.p.nrows()).map(|i| (0..p.p.ncols()).map(|j| p.p[(i, j)]).collect()).collect(),
                q: p.q.iter().copied().collect(),
                symbolic,
            }),
            Err(e) => {
                problems.push(format!("propagator at the default parameters: {e}"));
                None
            }
        }
    });
    let solver = (!numeric.is_empty()).then(|| {
        let refs: Vec<&str> = numeric.iter().map(String::as_str).collect();
        let report = stiffness(&undelayed, &refs, &env, options.dt);
        match (&options.numeric_solver, report) {
            (Some(chosen), r) => SolverChoice {
                solver: chosen.clone(),
                reason: "chosen by the `numeric_solver` option".into(),
                fastest_rate: r.as_ref().ok().map(|r| r.fastest),
                stiffness_ratio: r.as_ref().ok().map(|r| r.stiffness_ratio).filter(|x| x.is_finite()),
            },
            (None, Ok(r)) => SolverChoice { solver: r.solver.name().to_string(), reason: r.reason.clone(), fastest_rate: Some(r.fastest), stiffness_ratio: Some(r.stiffness_ratio).filter(|x| x.is_finite()) },
            (None, Err(e)) => SolverChoice { solver: Solver::Rkf45.name().to_string(), reason: format!("stiffness could not be estimated ({e}); NEST's default"), fastest_rate: None, stiffness_ratio: None },
        }
    });
    let rush_larsen = (options.numeric_solver.as_deref() == Some(RUSH_LARSEN) && !numeric.is_empty()).then(|| {
        let mut plan = RushLarsenPlan { exponential: Vec::new(), explicit: BTreeMap::new() };
        for n in &numeric {
            match row_method(&ms.system, n) {
                RowMethod::Exponential { rate } => plan.exponential.push(ExponentialRow { state: nestml_name(n), rate: show_delayed(ir, &rate) }),
                RowMethod::Explicit { reason } => {
                    plan.explicit.insert(nestml_name(n), reason);
                }
            }
        }
        plan
    });
    let spike_jumps = ms.jumps.iter().map(|j| Jump { port: j.port.clone(), state: nestml_name(&j.state), jump: j.jump.to_string().replace(WEIGHT, "weight") }).collect();
    Plan {
        model: ir.name.clone(),
        dt: options.dt,
        states,
        analytic: analytic.iter().map(|s| nestml_name(s)).collect(),
        numeric: numeric.iter().map(|s| nestml_name(s)).collect(),
        numeric_reasons,
        solver: solver.filter(|_| !numeric.is_empty()),
        propagator: propagator.flatten(),
        rush_larsen,
        spike_jumps,
        defaults: env.into_iter().filter(|(k, _)| k != STEP && k != "t").collect(),
        problems,
    }
}

/// `e` as text, a delayed value as written, `x(t - delay)`.
fn show_delayed(ir: &ModelIr, e: &Expr) -> String {
    ir.delayed.iter().fold(e.clone(), |e, d| e.subs(&d.symbol, &Expr::sym(&format!("{}(t - {})", nestml_name(&d.state), d.delay)))).to_string()
}

/// A symbol's NESTML spelling: `g__d__d` is `g''`.
pub fn nestml_name(symbol: &str) -> String {
    let mut base = symbol;
    let mut order = 0;
    while let Some(b) = base.strip_suffix("__d") {
        base = b;
        order += 1;
    }
    format!("{base}{}", "'".repeat(order))
}

