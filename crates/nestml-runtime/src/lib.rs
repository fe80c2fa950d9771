//! The runtime that neuron structs generated from NESTML models run on.
//!
//! - [`solvers`]: ODE integrators on fixed-size state `[f64; N]` that allocate nothing per
//!   step: [`solvers::Rkf45`] (GSL's `rkf45` + standard control + `evolve_apply`, step for
//!   step as NEST runs it), [`solvers::Rk4`], [`solvers::ForwardEuler`] and the
//!   Rosenbrock method [`solvers::Ros2`] for stiff systems.
//! - [`neuron`]: the [`Neuron`] trait every generated neuron implements (NEST's point-neuron
//!   cycle), its object-safe twin [`DynNeuron`], and variable metadata.
//! - [`synapse`]: the [`Synapse`] trait every generated synapse implements and the event
//!   loop that delivers a presynaptic spike with NEST's semantics; [`history`]: the
//!   postsynaptic [`SpikeHistory`] plastic synapses read; [`plasticity`]: the
//!   [`PlasticityDriver`] (spike trains through connections onto a neuron or a given train).
//! - [`inputs`]: per-port spike and continuous input buffers with NEST's timing.
//! - [`fault`]: [`Fault`], the error a step returns when the model breaks down.
//! - [`time`]: [`Resolution`], NEST's tic-based simulation clock.
//! - [`driver`]: [`Driver`], a single-neuron test and embedding harness.
//! - [`rng`]: [`NestmlRng`], the seedable generator behind `random_normal`,
//!   `random_uniform` and `random_poisson`.
//! - [`units`]: conversion between NEST-unit `f64` and [`uom`] quantities for the typed
//!   accessors (`v_m() -> ElectricPotential`).
//!
//! Units: every `f64` is in NEST's internal units (ms, mV, pA, nS, pF, GOhm, …).

#![deny(missing_docs)]

pub mod checkpoint;
pub mod driver;
pub mod fault;
pub mod history;
pub mod inputs;
pub mod linalg;
pub mod math;
pub mod nest_ffi;
pub mod neuron;
pub mod plasticity;
pub mod rng;
#[cfg(feature = "serde")]
pub mod snapshot;
pub mod solvers;
pub mod synapse;
pub mod time;
pub mod units;

/// uom, whose quantities the typed accessors of generated neurons take and return.
pub use uom;

pub use checkpoint::{Checkpoint, CheckpointError};
pub use driver::{Driver, Interrupted, Recording, RunError};
pub use fault::{Fault, FaultKind};
pub use inputs::{ContinuousInputs, Receptor, SpikeInputs};
pub use neuron::{
    DynNeuron, Neuron, PortInfo, PortKind, SetError, StepContext, StepOutcome, ValueType,
    VariableInfo, VariableKind,
};
pub use history::{SpikeHistory, STDP_EPS};
pub use plasticity::{Buffering, PlasticityDriver, PlasticityError, PlasticityRecording, SynapseSample};
pub use rng::NestmlRng;
pub use solvers::{Control, ForwardEuler, OdeRhs, OdeSolver, Rk4, Rkf45, Ros2, SolverError};
pub use synapse::{HandlerContext, PortRole, SendContext, Synapse, SynapseParams, SynapsePort, WithParams};
pub use time::Resolution;
