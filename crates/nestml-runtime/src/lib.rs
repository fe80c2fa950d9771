//! The runtime that neuron structs generated from NESTML models run on.
//!
//! - [`solvers`]: ODE integrators on fixed-size state `[F; N]` that allocate nothing per
//!   step: [`solvers::Rkf45`] (GSL's `rkf45` + standard control + `evolve_apply`, step for
//!   step as NEST runs it) and [`solvers::Rkf45Lanes`] (the same for `L` neurons in lockstep,
//!   SIMD over neurons), [`solvers::Rk4`], [`solvers::ForwardEuler`] and the
//!   Rosenbrock method [`solvers::Ros2`] for stiff systems, the exponential integrator
//!   [`solvers::RushLarsen`] for rows affine in their own state.
//! - [`neuron`]: the [`Neuron`] trait every generated neuron implements (NEST's point-neuron
//!   cycle), its object-safe twin [`DynNeuron`], and variable metadata.
//! - [`synapse`]: the [`Synapse`] trait every generated synapse implements and the event
//!   loop that delivers a presynaptic spike with NEST's semantics; [`history`]: the
//!   postsynaptic [`SpikeHistory`] plastic synapses read; [`plasticity`]: the
//!   [`PlasticityDriver`] (spike trains through connections onto a neuron or a given train).
//! - [`inputs`]: per-port spike and continuous input buffers with NEST's timing.
//! - [`population`]: [`Population`], many neurons of one model stepped together (a struct
//!   of arrays generated per model, or [`NeuronVec`]), named by each model's [`Populated`].
//! - [`fault`]: [`Fault`], the error a step returns when the model breaks down.
//! - [`time`]: [`Resolution`], NEST's tic-based simulation clock.
//! - [`driver`]: [`Driver`], a single-neuron test and embedding harness.
//! - [`rng`]: [`NestmlRng`], the seedable generator behind `random_normal`,
//!   `random_uniform` and `random_poisson`.
//! - [`units`]: conversion between NEST-unit `f64` and [`uom`] quantities for the typed
//!   accessors (`v_m() -> ElectricPotential`).
//! - [`math`]: the functions generated code calls (`exp`, `powi`, `erf`, …), through `std`
//!   or `libm`; [`linalg`]: run-time propagators; [`checkpoint`]: state as words.
//! - [`real`]: [`Real`], the float type `F` a model computes in: `f64` (the default, bit for
//!   bit as NEST) or `f32`. Solvers, propagators, `math` and [`Fault::check_finite`] are
//!   generic over it; the interfaces to the outside (the `Neuron` trait's values, inputs,
//!   random draws, times) are `f64`.
//!
//! Units: every value is in NEST's internal units (ms, mV, pA, nS, pF, GOhm, …).
//!
//! # no_std
//!
//! With `default-features = false` the crate is `#![no_std]` and needs no allocator: the
//! [`Neuron`] trait, [`inputs`], [`solvers`], [`linalg::propagator`] (computed on every
//! call), [`math`] (through `libm`), [`NestmlRng`], [`Checkpoint`] (into a [`WordBuf`]),
//! [`Fault`], [`Resolution`] and [`units`] — all a generated neuron without vectors uses.
//! The features add:
//!
//! | feature | adds |
//! |---|---|
//! | `alloc` | [`synapse`], [`history`], [`population`], [`DynNeuron`], `Vec<f64>` model vectors and `Vec<u64>` checkpoints, [`SetError::Unknown`] with the name asked for |
//! | `std` (default; implies `alloc`) | [`math`] through `std`'s `f64` methods (bit for bit as NEST's C++), the per-thread cache of [`linalg::propagator`], [`plasticity`], [`driver`], [`nest_ffi`] |
//! | `serde` (implies `alloc`) | `snapshot`: serde for generated models and [`NestmlRng`] |

#![cfg_attr(not(feature = "std"), no_std)]
#![deny(missing_docs)]

#[cfg(feature = "alloc")]
extern crate alloc;
// Tests run on the host with `std` (and its macros) in every build.
#[cfg(all(test, not(feature = "std")))]
#[macro_use]
extern crate std;

pub mod checkpoint;
#[cfg(feature = "std")]
pub mod driver;
pub mod fault;
#[cfg(feature = "alloc")]
pub mod history;
pub mod inputs;
pub mod linalg;
pub mod math;
#[cfg(feature = "std")]
pub mod nest_ffi;
pub mod neuron;
#[cfg(feature = "alloc")]
pub mod population;
#[cfg(feature = "std")]
pub mod plasticity;
pub mod real;
pub mod rng;
#[cfg(feature = "serde")]
pub mod snapshot;
pub mod solvers;
#[cfg(feature = "alloc")]
pub mod synapse;
pub mod time;
pub mod units;

#[doc(hidden)]
pub mod __private;

/// uom, whose quantities the typed accessors of generated neurons take and return.
pub use uom;

pub use checkpoint::{Checkpoint, CheckpointError, WordBuf, WordSink};
#[cfg(feature = "std")]
pub use driver::{Driver, Interrupted, Recording, RunError};
pub use fault::{Fault, FaultKind};
#[cfg(feature = "alloc")]
pub use history::{SpikeHistory, STDP_EPS};
pub use inputs::{ContinuousInputs, Receptor, SpikeInputs};
#[cfg(feature = "alloc")]
pub use neuron::DynNeuron;
pub use neuron::{
    Neuron, PortInfo, PortKind, SetError, StepContext, StepOutcome, ValueType, VariableInfo,
    VariableKind,
};
#[cfg(feature = "std")]
pub use plasticity::{Buffering, PlasticityDriver, PlasticityError, PlasticityRecording, SynapseSample};
pub use real::Real;
pub use rng::{NestmlRng, PoissonDraws};
#[cfg(feature = "alloc")]
pub use population::{NeuronVec, Populated, Population, PortInput};
pub use solvers::{Control, ForwardEuler, OdeRhs, OdeSolver, Rk4, Rkf45, Rkf45Lanes, Ros2, RushLarsen, RushLarsenOrder, SolverError};
#[cfg(feature = "alloc")]
pub use synapse::{HandlerContext, PortRole, SendContext, Synapse, SynapseParams, SynapsePort, WithParams};
pub use time::Resolution;
