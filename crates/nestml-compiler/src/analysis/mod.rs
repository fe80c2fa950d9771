//! The analysis stage: from a model's IR to its integration plan — which state variables are
//! propagated exactly (with which propagator), which go to a numeric solver (and why), and
//! how each spike changes the state.

mod env;
mod exponential;
mod plan;
mod system;

pub use env::default_environment;
pub use exponential::{row_method, RowMethod};
pub use plan::{analyse, nestml_name, AnalysisOptions, ExponentialRow, Jump, Plan, PlanState, PropagatorReport, RushLarsenPlan, SolverChoice, SolverMode, StateOrigin, RUSH_LARSEN};
pub use system::{build_system, resolved_inlines, substitute_all, substitute_cond, ModelSystem, SpikeJump, WEIGHT};
