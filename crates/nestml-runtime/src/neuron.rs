//! The [`Neuron`] trait: how the network runtime, recorders, the single-neuron [`Driver`]
//! and the NEST extension module drive any generated neuron.
//!
//! # One step, as in NEST (PyNESTML 9's NEST target)
//!
//! For the step with index `k`, from `t = k·h` to `t_end = (k+1)·h`:
//! 1. Before the step the caller delivers everything that arrives in it:
//!    [`handle_spike`](Neuron::handle_spike) per spike (summed per port with multiplicity,
//!    excitatory/inhibitory split by the sign of the weight: [`crate::inputs`]) and
//!    [`handle_current`](Neuron::handle_current) per current contribution.
//! 2. [`step`](Neuron::step) then runs, in the model: the spike sums become the step's input;
//!    the `update` block with `integrate_odes(...)`; the `onReceive` handlers of ports that
//!    received spikes, in priority order, and the convolution jumps; the `onCondition`
//!    blocks; finally the continuous input delivered for this step becomes the value used by
//!    the next step. Each `emit_spike()` is one spike at `t_end`
//!    ([`StepOutcome::spikes`]). NESTML's `t` in these blocks is `t_end`, as PyNESTML's
//!    `get_t()` (`origin + lag + 1` steps).
//! 3. Recorders read variables after the step, stamped `t_end` (NEST's multimeter).
//!
//! Values are `f64` in NEST's internal units; integers and booleans are read and written
//! as `f64` through the dynamic interface (as in NEST status dictionaries).
//!
//! [`Driver`]: crate::Driver

use crate::fault::Fault;
use crate::inputs::Receptor;
use crate::rng::NestmlRng;
use crate::time::Resolution;
#[cfg(feature = "alloc")]
use alloc::{boxed::Box, string::{String, ToString}};
use core::fmt;

/// Where a variable is declared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VariableKind {
    /// In `parameters`: set by the user.
    Parameter,
    /// In `state`: carried from step to step.
    State,
    /// Derived from parameters and the resolution; read-only from outside.
    Internal,
    /// A `recordable inline` expression; read-only.
    Recordable,
}

/// The NESTML type of a variable's values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueType {
    /// `real` and physical types (`f64`).
    Real,
    /// `integer` (`i64`).
    Integer,
    /// `boolean`.
    Boolean,
}

/// A variable reachable by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VariableInfo {
    /// The name in NEST's status dictionary (`V_m`, `g_ex__d` for NESTML's `g_ex'`).
    pub name: &'static str,
    /// NEST's internal unit of the value (`mV`, `nS/ms`), `None` for plain numbers.
    pub unit: Option<&'static str>,
    /// Where it is declared.
    pub kind: VariableKind,
    /// Its type.
    pub ty: ValueType,
    /// A vector: elements are addressed as `name[i]`.
    pub vector: bool,
}

impl VariableInfo {
    /// Whether [`Neuron::set_value`] may write it.
    pub fn writable(&self) -> bool {
        matches!(self.kind, VariableKind::Parameter | VariableKind::State)
    }

    /// Whether `value` may be written to this variable of `model`: it must be writable, an
    /// integer for integer variables, 0 or 1 for booleans (guards are the model's to check).
    pub fn check_write(&self, model: &'static str, value: f64) -> Result<(), SetError> {
        let name = self.name;
        if !self.writable() {
            return Err(SetError::ReadOnly { model, name });
        }
        match self.ty {
            ValueType::Integer if value != crate::math::trunc(value) => Err(SetError::NotInteger { model, name, value }),
            ValueType::Boolean if value != 0.0 && value != 1.0 => Err(SetError::Invalid { model, name, value, reason: "a boolean is 0 (false) or 1 (true)" }),
            _ => Ok(()),
        }
    }
}

/// Spike or continuous input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PortKind {
    /// `<- spike`: weights summed per step.
    Spike,
    /// `<- continuous`: a value per step (NEST's `CurrentEvent`).
    Continuous,
}

/// An input port of the model. Vector ports occupy `len` consecutive indices.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PortInfo {
    /// The port's name.
    pub name: &'static str,
    /// Spike or continuous.
    pub kind: PortKind,
    /// Unit of a continuous port's value (`pA`); `None` for spike ports.
    pub unit: Option<&'static str>,
    /// 1, or the size of a vector port.
    pub len: usize,
}

/// Everything a step needs from outside the neuron.
pub struct StepContext<'a> {
    /// The step index `k`: the step goes from `t` to `t_end`.
    pub step: i64,
    /// Start of the step in ms.
    pub t: f64,
    /// End of the step in ms: NESTML's `t` and the time stamp of emitted spikes.
    pub t_end: f64,
    /// The resolution in ms (`resolution()`, `timestep()` in neurons).
    pub h: f64,
    /// The generator behind `random_normal`, `random_uniform`, `random_poisson`.
    pub rng: &'a mut NestmlRng,
}

impl<'a> StepContext<'a> {
    /// The context of step `step` with NEST's time arithmetic.
    #[inline]
    pub fn new(resolution: &Resolution, step: i64, rng: &'a mut NestmlRng) -> Self {
        StepContext {
            step,
            t: resolution.t_ms(step),
            t_end: resolution.t_ms(step + 1),
            h: resolution.h(),
            rng,
        }
    }
}

/// What a step produced.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StepOutcome {
    /// Number of `emit_spike()` calls; each is a spike at `t_end`.
    pub spikes: u32,
}

impl StepOutcome {
    /// Whether the step emitted at least one spike.
    pub fn spiked(&self) -> bool {
        self.spikes > 0
    }
}

/// Why a variable could not be set (or found).
#[derive(Clone, Debug, PartialEq)]
pub enum SetError {
    /// The model has no variable of that name.
    #[cfg(feature = "alloc")]
    Unknown {
        /// The model (`NAME`).
        model: &'static str,
        /// What was asked for.
        name: String,
    },
    /// The model has no variable of the name asked for (without `alloc` the name is not kept).
    #[cfg(not(feature = "alloc"))]
    UnknownName {
        /// The model (`NAME`).
        model: &'static str,
    },
    /// The model has no variable of that index (into [`Neuron::VARIABLES`]).
    UnknownIndex {
        /// The model (`NAME`).
        model: &'static str,
        /// The index asked for.
        index: usize,
    },
    /// An internal or a recordable inline.
    ReadOnly {
        /// The model (`NAME`).
        model: &'static str,
        /// The variable.
        name: &'static str,
    },
    /// An element beyond the end of a vector.
    Index {
        /// The model (`NAME`).
        model: &'static str,
        /// The variable.
        name: &'static str,
        /// The element asked for.
        index: usize,
        /// The vector's length.
        len: usize,
    },
    /// A fraction for an integer variable.
    NotInteger {
        /// The model (`NAME`).
        model: &'static str,
        /// The variable.
        name: &'static str,
        /// The value refused.
        value: f64,
    },
    /// The value violates a guard or the variable's domain.
    Invalid {
        /// The model (`NAME`).
        model: &'static str,
        /// The variable.
        name: &'static str,
        /// The value refused.
        value: f64,
        /// Why (the guard, or the domain).
        reason: &'static str,
    },
}

impl fmt::Display for SetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            #[cfg(feature = "alloc")]
            SetError::Unknown { model, name } => write!(f, "{model} has no variable {name}"),
            #[cfg(not(feature = "alloc"))]
            SetError::UnknownName { model } => write!(f, "{model} has no variable of that name"),
            SetError::UnknownIndex { model, index } => write!(f, "{model} has no variable #{index}"),
            SetError::ReadOnly { model, name } => write!(f, "{model}: {name} is read-only"),
            SetError::Index {
                model,
                name,
                index,
                len,
            } => {
                write!(
                    f,
                    "{model}: index {index} out of range for {name} (length {len})"
                )
            }
            SetError::NotInteger { model, name, value } => {
                write!(f, "{model}: {name} must be an integer, not {value}")
            }
            SetError::Invalid {
                model,
                name,
                value,
                reason,
            } => write!(f, "{model}: {name} = {value}: {reason}"),
        }
    }
}

impl core::error::Error for SetError {}

/// Splits `name[i]` into `("name", Some(i))`; a plain name gives `(name, None)`.
pub fn split_index(name: &str) -> Option<(&str, Option<usize>)> {
    match name.strip_suffix(']') {
        None => Some((name, None)),
        Some(rest) => {
            let (base, idx) = rest.split_once('[')?;
            Some((base, Some(idx.trim().parse().ok()?)))
        }
    }
}

/// A neuron model: implemented by every generated neuron struct.
///
/// Generic code (`fn run<N: Neuron>`) gets static dispatch; [`DynNeuron`] is the
/// object-safe view for heterogeneous populations and the NEST extension module.
pub trait Neuron: Clone + Send + 'static + crate::checkpoint::Checkpoint {
    /// The NESTML model name, e.g. `iaf_psc_exp_neuron`.
    const NAME: &'static str;
    /// Parameters, state, internals and recordable inlines, in declaration order.
    const VARIABLES: &'static [VariableInfo];
    /// Input ports in declaration order.
    const PORTS: &'static [PortInfo];
    /// NEST receptors (`rport` 0, 1, …) and the spike ports they feed.
    const RECEPTORS: &'static [Receptor];

    /// Clears input buffers and restarts adaptive solvers at the resolution (NEST's
    /// `init_buffers`, once before the first run).
    fn init_buffers(&mut self, resolution: &Resolution);

    /// Recomputes internals and propagators for the parameters and resolution (NEST's
    /// `pre_run_hook`, before every run); fails on parameters the model cannot use.
    fn calibrate(&mut self, resolution: &Resolution) -> Result<(), Fault>;

    /// A spike arriving on NEST receptor `receptor` in the coming step. Unknown receptors are
    /// ignored (callers check [`Neuron::RECEPTORS`]).
    fn handle_spike(&mut self, receptor: usize, weight: f64, multiplicity: u32);

    /// Spike input already routed to spike port `port` (index among spike ports) for the
    /// coming step: `weight` is the summed weight (× multiplicity) that arrived there, with
    /// the receptor's sign routing applied ([`Receptor::route`]); it counts as received even
    /// if it is 0. Unknown ports are ignored.
    fn handle_port_spike(&mut self, port: usize, weight: f64);

    /// Continuous input (already multiplied by its connection weight) arriving on port
    /// `port` (index among continuous ports) for the coming step; used from the next step on.
    fn handle_current(&mut self, port: usize, value: f64);

    /// Advances the neuron over one step (module docs).
    fn step(&mut self, ctx: &mut StepContext<'_>) -> Result<StepOutcome, Fault>;

    /// Element `element` (0 for scalars) of variable `var` (index into
    /// [`VARIABLES`](Neuron::VARIABLES)).
    fn get_value(&self, var: usize, element: usize) -> Option<f64>;

    /// Writes element `element` of variable `var`, checking type, range and guards; the
    /// neuron is consistent for the next step afterwards (dependent internals are
    /// recomputed with the resolution of the last `calibrate`).
    fn set_value(&mut self, var: usize, element: usize, value: f64) -> Result<(), SetError>;

    /// Length of variable `var` (1 for scalars).
    fn vector_len(&self, _var: usize) -> usize {
        1
    }

    /// The index of the variable called `name` (without an `[i]` suffix).
    fn variable_index(name: &str) -> Option<usize> {
        Self::VARIABLES.iter().position(|v| v.name == name)
    }

    /// Reads `name` or `name[i]`.
    fn get(&self, name: &str) -> Option<f64> {
        let (base, idx) = split_index(name)?;
        self.get_value(Self::variable_index(base)?, idx.unwrap_or(0))
    }

    /// Writes `name` or `name[i]`.
    fn set(&mut self, name: &str, value: f64) -> Result<(), SetError> {
        #[cfg(feature = "alloc")]
        let unknown = || SetError::Unknown { model: Self::NAME, name: name.to_string() };
        #[cfg(not(feature = "alloc"))]
        let unknown = || SetError::UnknownName { model: Self::NAME };
        let (base, idx) = split_index(name).ok_or_else(unknown)?;
        let var = Self::variable_index(base).ok_or_else(unknown)?;
        self.set_value(var, idx.unwrap_or(0), value)
    }
}

/// The object-safe face of [`Neuron`], implemented for every neuron (feature `alloc`).
///
/// Its methods have the names of `Neuron`'s: import one of the two traits per scope.
#[cfg(feature = "alloc")]
pub trait DynNeuron: Send {
    /// [`Neuron::NAME`].
    fn name(&self) -> &'static str;
    /// [`Neuron::VARIABLES`].
    fn variables(&self) -> &'static [VariableInfo];
    /// [`Neuron::PORTS`].
    fn ports(&self) -> &'static [PortInfo];
    /// [`Neuron::RECEPTORS`].
    fn receptors(&self) -> &'static [Receptor];
    /// [`Neuron::init_buffers`].
    fn init_buffers(&mut self, resolution: &Resolution);
    /// [`Neuron::calibrate`].
    fn calibrate(&mut self, resolution: &Resolution) -> Result<(), Fault>;
    /// [`Neuron::handle_spike`].
    fn handle_spike(&mut self, receptor: usize, weight: f64, multiplicity: u32);
    /// [`Neuron::handle_port_spike`].
    fn handle_port_spike(&mut self, port: usize, weight: f64);
    /// [`Neuron::handle_current`].
    fn handle_current(&mut self, port: usize, value: f64);
    /// [`Neuron::step`].
    fn step(&mut self, ctx: &mut StepContext<'_>) -> Result<StepOutcome, Fault>;
    /// [`Neuron::get_value`].
    fn get_value(&self, var: usize, element: usize) -> Option<f64>;
    /// [`Neuron::set_value`].
    fn set_value(&mut self, var: usize, element: usize, value: f64) -> Result<(), SetError>;
    /// [`Neuron::vector_len`].
    fn vector_len(&self, var: usize) -> usize;
    /// [`Neuron::get`].
    fn get(&self, name: &str) -> Option<f64>;
    /// [`Neuron::set`].
    fn set(&mut self, name: &str, value: f64) -> Result<(), SetError>;
    /// A boxed copy.
    fn clone_box(&self) -> Box<dyn DynNeuron>;
}

#[cfg(feature = "alloc")]
impl<T: Neuron> DynNeuron for T {
    fn name(&self) -> &'static str {
        T::NAME
    }
    fn variables(&self) -> &'static [VariableInfo] {
        T::VARIABLES
    }
    fn ports(&self) -> &'static [PortInfo] {
        T::PORTS
    }
    fn receptors(&self) -> &'static [Receptor] {
        T::RECEPTORS
    }
    fn init_buffers(&mut self, resolution: &Resolution) {
        Neuron::init_buffers(self, resolution)
    }
    fn calibrate(&mut self, resolution: &Resolution) -> Result<(), Fault> {
        Neuron::calibrate(self, resolution)
    }
    fn handle_spike(&mut self, receptor: usize, weight: f64, multiplicity: u32) {
        Neuron::handle_spike(self, receptor, weight, multiplicity)
    }
    fn handle_port_spike(&mut self, port: usize, weight: f64) {
        Neuron::handle_port_spike(self, port, weight)
    }
    fn handle_current(&mut self, port: usize, value: f64) {
        Neuron::handle_current(self, port, value)
    }
    fn step(&mut self, ctx: &mut StepContext<'_>) -> Result<StepOutcome, Fault> {
        Neuron::step(self, ctx)
    }
    fn get_value(&self, var: usize, element: usize) -> Option<f64> {
        Neuron::get_value(self, var, element)
    }
    fn set_value(&mut self, var: usize, element: usize, value: f64) -> Result<(), SetError> {
        Neuron::set_value(self, var, element, value)
    }
    fn vector_len(&self, var: usize) -> usize {
        Neuron::vector_len(self, var)
    }
    fn get(&self, name: &str) -> Option<f64> {
        Neuron::get(self, name)
    }
    fn set(&mut self, name: &str, value: f64) -> Result<(), SetError> {
        Neuron::set(self, name, value)
    }
    fn clone_box(&self) -> Box<dyn DynNeuron> {
        Box::new(self.clone())
    }
}

#[cfg(feature = "alloc")]
impl Clone for Box<dyn DynNeuron> {
    fn clone(&self) -> Self {
        self.clone_box()
    }
}

#[cfg(test)]
pub(crate) mod tests;

pub mod example;
