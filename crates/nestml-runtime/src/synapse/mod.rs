//! The [`Synapse`] trait every generated synapse implements, and the event loop that
//! delivers a presynaptic spike through one connection with NEST's semantics.
//!
//! # State and parameters
//!
//! A generated synapse type (`StdpSynapse`) is the state of **one connection**: its state
//! variables, its weight (NEST keeps the weight per connection, also where the model declares
//! `w` a parameter) and the time of its last update: for models without vectors it is
//! `Copy`, a few `f64`s. The parameters live in `Synapse::Params` (`StdpSynapseParams`),
//! shared by every connection of one synapse type, as NEST's per-synapse-model defaults
//! (`CopyModel` variants are several `Params` values). A connection that needs its own
//! parameters pairs its state with a `Params` value ([`WithParams`]); the others pay nothing.
//!
//! # One presynaptic spike ([`Synapse::send`], NEST's `Connection::send`)
//!
//! For a spike stamped `t` passing a connection with (dendritic) delay `d` whose last update
//! was at `t_last`:
//! 1. every postsynaptic spike `s` in `(t_last − d, t − d]` ([`SpikeHistory::window`]) is
//!    handled in order at `s + d`: the synapse advances to `s + d` (its `update` block with
//!    `timestep()` the elapsed time, `integrate_odes()` propagating its ODEs exactly), then
//!    runs `onReceive(post_spikes)` with `t` = `s` (as PyNESTML's NEST target);
//!    neuromodulatory spikes (a volume transmitter's) in between are handled at their times
//!    with `onReceive(mod_spikes)`;
//! 2. the synapse advances to `t` and runs `onReceive(pre_spikes)`; the weight of its
//!    `emit_spike(w)` is delivered to the target `d` later.
//!
//! Postsynaptic traces (state that only postsynaptic spikes change, see the code generator)
//! are read as NEST reads its postsynaptic traces (`get_K_value(t − d)`): *strictly before*
//! the spike being handled. So a postsynaptic handler sees them before its own increments,
//! and the presynaptic handler does not see a postsynaptic spike at exactly `t − d` (which
//! was handled just before it, in step 1). If the `pre_spikes` handler has the higher
//! `priority`, a postsynaptic spike at exactly `t − d` is handled after it.

use crate::fault::Fault;
use crate::history::{SpikeHistory, STDP_EPS};
use crate::neuron::{split_index, SetError, VariableInfo};
use crate::rng::NestmlRng;
use alloc::string::ToString;
use core::fmt;

/// What an input port of a synapse is connected to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PortRole {
    /// The presynaptic spikes (the connection's source).
    Pre,
    /// The postsynaptic neuron's spikes (its spike history).
    Post,
    /// Neuromodulatory spikes (a volume transmitter).
    Modulatory,
    /// A variable of the postsynaptic neuron, read when an event is handled.
    Continuous,
}

/// An input port of a synapse model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SynapsePort {
    /// The port's name.
    pub name: &'static str,
    /// What it is connected to.
    pub role: PortRole,
    /// NEST unit of a continuous port's value.
    pub unit: Option<&'static str>,
}

/// What generated handlers see besides the synapse and its parameters.
pub struct HandlerContext<'a> {
    /// The generator behind `random_normal` and friends.
    pub rng: &'a mut NestmlRng,
    /// The connection's delay in ms (the model's delay variable, `d`).
    pub delay: f64,
    /// The values of the continuous ports: at the postsynaptic spike being handled, or at
    /// delivery for the other handlers.
    pub inputs: &'a [f64],
}

impl HandlerContext<'_> {
    /// Continuous port `i`; NaN if the caller bound fewer (which the finiteness check after
    /// the event then reports).
    #[inline]
    pub fn input(&self, i: usize) -> f64 {
        self.inputs.get(i).copied().unwrap_or(f64::NAN)
    }
}

/// A presynaptic spike passing one connection.
pub struct SendContext<'a> {
    /// The spike's time stamp in ms (when the presynaptic neuron fired).
    pub t_spike: f64,
    /// The connection's delay in ms (all dendritic, as NEST's synapses take it).
    pub delay: f64,
    /// The postsynaptic neuron's spikes, with the values of the synapse's continuous ports at
    /// each spike if it has any.
    pub post: &'a SpikeHistory,
    /// Neuromodulatory spikes (for synapses with a modulatory port).
    pub modulation: Option<&'a SpikeHistory>,
    /// The continuous ports' values at delivery.
    pub inputs: &'a [f64],
    /// The generator behind random functions.
    pub rng: &'a mut NestmlRng,
}

/// The parameters of a synapse model, shared by the connections of one synapse type.
pub trait SynapseParams: Clone + fmt::Debug + Default + Send + Sync + 'static {
    /// The NESTML model name.
    const MODEL: &'static str;
    /// Parameters and internals, in declaration order.
    const VARIABLES: &'static [VariableInfo];

    /// Parameter or internal `var`.
    fn get_value(&self, var: usize) -> Option<f64>;

    /// Writes parameter `var`, checking type and guards; internals are recomputed.
    fn set_value(&mut self, var: usize, value: f64) -> Result<(), SetError>;

    /// Checks every guard (fields are public, so values may have been set directly).
    fn check(&self) -> Result<(), Fault>;

    /// Reads a parameter or internal by name.
    fn get(&self, name: &str) -> Option<f64> {
        self.get_value(Self::VARIABLES.iter().position(|v| v.name == name)?)
    }

    /// Writes a parameter by name.
    fn set(&mut self, name: &str, value: f64) -> Result<(), SetError> {
        let var = Self::VARIABLES.iter().position(|v| v.name == name).ok_or_else(|| SetError::Unknown {
            model: Self::MODEL,
            name: name.to_string(),
        })?;
        self.set_value(var, value)
    }
}

/// A synapse model: the state of one connection (module docs). Implemented by every
/// generated synapse; the `#[doc(hidden)]` methods are the generated parts the event loop
/// drives.
pub trait Synapse: Clone + fmt::Debug + Send + Sync + 'static + crate::checkpoint::Checkpoint {
    /// The NESTML model name, e.g. `stdp_synapse`.
    const NAME: &'static str;
    /// The per-connection variables: state variables and the weight, in declaration order.
    const VARIABLES: &'static [VariableInfo];
    /// Input ports in declaration order.
    const PORTS: &'static [SynapsePort];
    /// Whether `onReceive(pre_spikes)` runs before a coincident `onReceive(post_spikes)`.
    const PRE_FIRST: bool;
    /// Whether the synapse is static: its only state is the weight, it has no other port and
    /// its one handler is `emit_spike(weight)`, so that sending a spike is `Some(weight())`
    /// and changes nothing (the network then delivers it without the event loop).
    const STATIC: bool = false;
    /// The parameters shared by the connections of one synapse type.
    type Params: SynapseParams;
    /// The postsynaptic traces, as saved and restored around a presynaptic handler.
    #[doc(hidden)]
    type PostTraces: Copy;

    /// A connection in the model's initial state under `params`.
    fn new(params: &Self::Params) -> Self;

    /// The weight (the model's weight variable, `w`).
    fn weight(&self) -> f64;
    /// Sets the weight.
    fn set_weight(&mut self, w: f64);

    /// Per-connection variable `var`.
    fn get_value(&self, var: usize) -> Option<f64>;
    /// Writes state variable `var` (checking type and guards).
    fn set_value(&mut self, var: usize, value: f64) -> Result<(), SetError>;

    #[doc(hidden)]
    fn t_last(&self) -> f64;
    #[doc(hidden)]
    fn set_t_last(&mut self, t: f64);
    /// Runs the `update` block over `h` ms from `t_start` (nothing if `h` < 1e-12 ms).
    #[doc(hidden)]
    fn advance(&mut self, p: &Self::Params, ctx: &mut HandlerContext<'_>, t_start: f64, h: f64) -> Result<(), Fault>;
    /// `onReceive` of the presynaptic port at `t`: the weight of its `emit_spike`, if any.
    #[doc(hidden)]
    fn on_pre(&mut self, p: &Self::Params, ctx: &mut HandlerContext<'_>, t: f64) -> Result<Option<f64>, Fault>;
    /// `onReceive` of the postsynaptic port for a spike at `t` (without the delay).
    #[doc(hidden)]
    fn on_post(&mut self, p: &Self::Params, ctx: &mut HandlerContext<'_>, t: f64) -> Result<(), Fault>;
    /// `onReceive` of the modulatory port at `t`.
    #[doc(hidden)]
    fn on_mod(&mut self, p: &Self::Params, ctx: &mut HandlerContext<'_>, t: f64) -> Result<(), Fault>;
    #[doc(hidden)]
    fn post_traces(&self) -> Self::PostTraces;
    #[doc(hidden)]
    fn set_post_traces(&mut self, v: Self::PostTraces);
    /// A non-finite state variable at `t`, as a fault.
    #[doc(hidden)]
    fn check_finite(&self, t: f64) -> Result<(), Fault>;

    /// Number of continuous ports (values a caller passes in [`SendContext::inputs`] and
    /// records in the postsynaptic [`SpikeHistory`]).
    fn continuous_ports() -> usize {
        Self::PORTS.iter().filter(|p| p.role == PortRole::Continuous).count()
    }

    /// Handles one presynaptic spike (module docs); returns the weight to deliver, or `None`
    /// if the model emitted nothing. A fault names the model, the variable and the time; the
    /// connection keeps the state the fault left.
    fn send(&mut self, p: &Self::Params, ev: &mut SendContext<'_>) -> Result<Option<f64>, Fault> {
        let t = ev.t_spike;
        let (d, post, modulation, now) = (ev.delay, ev.post, ev.modulation, ev.inputs);
        let reads_post = Self::PORTS.iter().any(|p| p.role == PortRole::Post);
        let window = if reads_post { post.window(self.t_last() - d, t - d) } else { 0..0 };
        let mut saved: Option<Self::PostTraces> = None;
        let mut deferred = window.end;
        for i in window.clone() {
            let s = post.times()[i];
            let arrival = s + d;
            let coincident = (arrival - t).abs() < STDP_EPS;
            self.modulate_until(p, ev.rng, d, now, modulation, arrival)?;
            if coincident && Self::PRE_FIRST {
                deferred = i;
                break;
            }
            let mut ctx = HandlerContext { rng: ev.rng, delay: d, inputs: post_values(post, i) };
            let t_last = self.t_last();
            self.advance(p, &mut ctx, t_last, arrival - t_last)?;
            self.set_t_last(arrival);
            if coincident && saved.is_none() {
                saved = Some(self.post_traces());
            }
            self.on_post(p, &mut ctx, s)?;
        }
        self.modulate_until(p, ev.rng, d, now, modulation, t)?;
        let mut ctx = HandlerContext { rng: ev.rng, delay: d, inputs: now };
        let t_last = self.t_last();
        self.advance(p, &mut ctx, t_last, t - t_last)?;
        self.set_t_last(t);
        let after = saved.map(|before| {
            let after = self.post_traces();
            self.set_post_traces(before);
            after
        });
        let w = self.on_pre(p, &mut ctx, t)?;
        if let Some(after) = after {
            self.set_post_traces(after);
        }
        for i in deferred..window.end {
            let mut ctx = HandlerContext { rng: ev.rng, delay: d, inputs: post_values(post, i) };
            self.on_post(p, &mut ctx, post.times()[i])?;
        }
        self.check_finite(t)?;
        Ok(w)
    }

    /// Brings the connection up to time `t` without a presynaptic spike: the postsynaptic
    /// spikes up to `t − d` and neuromodulatory spikes up to `t` are handled and the state
    /// advanced to `t` (NEST's `trigger_update_weight`; for recording a connection between
    /// its spikes). `ev.t_spike` is ignored.
    fn update_to(&mut self, p: &Self::Params, ev: &mut SendContext<'_>, t: f64) -> Result<(), Fault> {
        let (d, post, modulation, now) = (ev.delay, ev.post, ev.modulation, ev.inputs);
        if t <= self.t_last() {
            return Ok(());
        }
        for i in post.window(self.t_last() - d, t - d) {
            let s = post.times()[i];
            self.modulate_until(p, ev.rng, d, now, modulation, s + d)?;
            let mut ctx = HandlerContext { rng: ev.rng, delay: d, inputs: post_values(post, i) };
            let t_last = self.t_last();
            self.advance(p, &mut ctx, t_last, s + d - t_last)?;
            self.set_t_last(s + d);
            self.on_post(p, &mut ctx, s)?;
        }
        self.modulate_until(p, ev.rng, d, now, modulation, t)?;
        let mut ctx = HandlerContext { rng: ev.rng, delay: d, inputs: now };
        let t_last = self.t_last();
        self.advance(p, &mut ctx, t_last, t - t_last)?;
        self.set_t_last(t);
        self.check_finite(t)
    }

    /// Handles the neuromodulatory spikes in `(t_last, until]`, each after advancing to it.
    #[doc(hidden)]
    fn modulate_until(&mut self, p: &Self::Params, rng: &mut NestmlRng, d: f64, now: &[f64], modulation: Option<&SpikeHistory>, until: f64) -> Result<(), Fault> {
        let Some(m) = modulation else { return Ok(()) };
        for i in m.window(self.t_last(), until) {
            let s = m.times()[i];
            let mut ctx = HandlerContext { rng: &mut *rng, delay: d, inputs: now };
            let t_last = self.t_last();
            self.advance(p, &mut ctx, t_last, s - t_last)?;
            self.set_t_last(s);
            self.on_mod(p, &mut ctx, s)?;
        }
        Ok(())
    }

    /// The index of the per-connection variable called `name`.
    fn variable_index(name: &str) -> Option<usize> {
        Self::VARIABLES.iter().position(|v| v.name == name)
    }

    /// Reads a per-connection variable by name.
    fn get(&self, name: &str) -> Option<f64> {
        let (base, _) = split_index(name)?;
        self.get_value(Self::variable_index(base)?)
    }

    /// Writes a per-connection variable by name.
    fn set(&mut self, name: &str, value: f64) -> Result<(), SetError> {
        let var = Self::variable_index(name).ok_or_else(|| SetError::Unknown {
            model: Self::NAME,
            name: name.to_string(),
        })?;
        self.set_value(var, value)
    }
}

/// Whether `a == b`, in constant evaluation (for the compile-time checks of
/// `nestml::post_binding!`).
#[doc(hidden)]
pub const fn const_str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// The unit of the continuous port `port` of `ports` (`Some(None)` for a plain number), or
/// `None` if there is no such continuous port; usable in constants.
#[doc(hidden)]
pub const fn continuous_port_unit(ports: &[SynapsePort], port: &str) -> Option<Option<&'static str>> {
    let mut i = 0;
    while i < ports.len() {
        if matches!(ports[i].role, PortRole::Continuous) && const_str_eq(ports[i].name, port) {
            return Some(ports[i].unit);
        }
        i += 1;
    }
    None
}

/// The unit of the variable `name` of `vars` (`Some(None)` for a plain number), or `None` if
/// there is no such variable; usable in constants.
#[doc(hidden)]
pub const fn variable_unit(vars: &[VariableInfo], name: &str) -> Option<Option<&'static str>> {
    let mut i = 0;
    while i < vars.len() {
        if const_str_eq(vars[i].name, name) {
            return Some(vars[i].unit);
        }
        i += 1;
    }
    None
}

/// Whether two units (NEST spellings) are the same, in constant evaluation.
#[doc(hidden)]
pub const fn same_unit(a: Option<&str>, b: Option<&str>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => const_str_eq(a, b),
        (None, None) => true,
        _ => false,
    }
}

/// The values recorded with postsynaptic spike `i` (none if the history records none).
fn post_values(post: &SpikeHistory, i: usize) -> &[f64] {
    if post.stride() == 0 {
        &[]
    } else {
        post.values(i)
    }
}

/// A connection with parameters of its own (heterogeneous parameters). It is itself a
/// [`Synapse`] whose shared `Params` are `()`, so it goes wherever a synapse type goes;
/// connections with shared parameters do not pay for it.
#[derive(Clone, Debug, PartialEq)]
pub struct WithParams<S: Synapse> {
    /// The connection's state.
    pub state: S,
    /// Its own parameters.
    pub params: S::Params,
}

impl<S: Synapse> WithParams<S> {
    /// A connection in the initial state under its own `params`.
    pub fn new(params: S::Params) -> Self {
        WithParams { state: S::new(&params), params }
    }
}

impl SynapseParams for () {
    const MODEL: &'static str = "()";
    const VARIABLES: &'static [VariableInfo] = &[];
    fn get_value(&self, _var: usize) -> Option<f64> {
        None
    }
    fn set_value(&mut self, var: usize, _value: f64) -> Result<(), SetError> {
        Err(SetError::UnknownIndex { model: Self::MODEL, index: var })
    }
    fn check(&self) -> Result<(), Fault> {
        Ok(())
    }
}

/// The connection's state (its parameters are not part of a checkpoint: they are set when the
/// network is built).
impl<S: Synapse> crate::checkpoint::Checkpoint for WithParams<S> {
    fn save(&self, out: &mut dyn crate::checkpoint::WordSink) {
        self.state.save(out)
    }
    fn restore(&mut self, input: &mut &[u64]) -> Result<(), crate::checkpoint::CheckpointError> {
        self.state.restore(input)
    }
}

impl<S: Synapse> Synapse for WithParams<S> {
    const NAME: &'static str = S::NAME;
    const VARIABLES: &'static [VariableInfo] = S::VARIABLES;
    const PORTS: &'static [SynapsePort] = S::PORTS;
    const PRE_FIRST: bool = S::PRE_FIRST;
    type Params = ();
    type PostTraces = S::PostTraces;

    /// The model's default parameters; use [`WithParams::new`] for others.
    fn new(_: &()) -> Self {
        WithParams::new(S::Params::default())
    }
    fn weight(&self) -> f64 {
        self.state.weight()
    }
    fn set_weight(&mut self, w: f64) {
        self.state.set_weight(w)
    }
    fn get_value(&self, var: usize) -> Option<f64> {
        self.state.get_value(var)
    }
    fn set_value(&mut self, var: usize, value: f64) -> Result<(), SetError> {
        self.state.set_value(var, value)
    }
    fn t_last(&self) -> f64 {
        self.state.t_last()
    }
    fn set_t_last(&mut self, t: f64) {
        self.state.set_t_last(t)
    }
    fn advance(&mut self, _: &(), ctx: &mut HandlerContext<'_>, t_start: f64, h: f64) -> Result<(), Fault> {
        self.state.advance(&self.params, ctx, t_start, h)
    }
    fn on_pre(&mut self, _: &(), ctx: &mut HandlerContext<'_>, t: f64) -> Result<Option<f64>, Fault> {
        self.state.on_pre(&self.params, ctx, t)
    }
    fn on_post(&mut self, _: &(), ctx: &mut HandlerContext<'_>, t: f64) -> Result<(), Fault> {
        self.state.on_post(&self.params, ctx, t)
    }
    fn on_mod(&mut self, _: &(), ctx: &mut HandlerContext<'_>, t: f64) -> Result<(), Fault> {
        self.state.on_mod(&self.params, ctx, t)
    }
    fn post_traces(&self) -> S::PostTraces {
        self.state.post_traces()
    }
    fn set_post_traces(&mut self, v: S::PostTraces) {
        self.state.set_post_traces(v)
    }
    fn check_finite(&self, t: f64) -> Result<(), Fault> {
        self.state.check_finite(t)
    }
}

pub mod example;

#[cfg(test)]
mod tests;
