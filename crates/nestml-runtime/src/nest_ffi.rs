//! The C ABI through which a NEST extension module (built by the `nestml-nest` crate) drives
//! generated neurons and synapses.
//!
//! A module's Rust part exports one table per model, made here from the model's type:
//! [`NeuronVTable::of`] and [`SynapseVTable::of`]. The C++ shim (NEST nodes and connection
//! models) calls only through these tables. Every entry catches panics (they never cross the
//! ABI) and reports failures as a [`Status`]; the message of the last failure on the calling
//! thread is [`nestml_last_error`]'s (model, variable and time, from [`Fault`] and
//! [`SetError`]).
//!
//! Neurons live behind a pointer (NEST nodes are heap objects), with their own random stream
//! (`seed`, `stream` = node id, so results do not depend on the thread count). A synapse's
//! connection lives inside NEST's connection object: its state and its own parameters
//! ([`NestConnection`]), as PyNESTML's NEST synapses keep them.

use crate::fault::Fault;
use crate::history::SpikeHistory;
use crate::neuron::{Neuron, SetError, StepContext, ValueType, VariableInfo, VariableKind};
use crate::rng::NestmlRng;
use crate::synapse::{PortRole, SendContext, Synapse, SynapseParams};
use crate::time::Resolution;
use std::cell::RefCell;
use std::ffi::c_void;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// A borrowed UTF-8 string (not NUL-terminated).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct Str {
    /// The first byte.
    pub ptr: *const u8,
    /// The length in bytes.
    pub len: usize,
}

// SAFETY: a `Str` points to immutable data: 'static strings, or the calling thread's own
// last error.
unsafe impl Sync for Str {}
unsafe impl Send for Str {}

impl Str {
    const fn of(s: &'static str) -> Str {
        Str { ptr: s.as_ptr(), len: s.len() }
    }
}

/// The outcome of a call.
#[repr(i32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Done.
    Ok = 0,
    /// A value was rejected (guard, type, read-only): NEST's `BadProperty`.
    BadProperty = 1,
    /// No such variable or element.
    Unknown = 2,
    /// A simulation fault (or an internal error): NEST's `KernelException`.
    Fault = 3,
    /// `send` ran the presynaptic handler, which emitted no spike.
    NoSpike = 4,
}

/// A variable as the status dictionary shows it.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct VarInfo {
    /// The variable's name in the status dictionary.
    pub name: Str,
    /// NEST unit, empty for plain numbers.
    pub unit: Str,
    /// 0 parameter, 1 state, 2 internal, 3 recordable inline.
    pub kind: u8,
    /// 0 real, 1 integer, 2 boolean.
    pub ty: u8,
    /// 1 for a vector (elements `name[i]`).
    pub vector: u8,
}

impl VarInfo {
    fn of(v: &VariableInfo) -> VarInfo {
        VarInfo {
            name: Str::of(v.name),
            unit: Str::of(v.unit.unwrap_or("")),
            kind: match v.kind {
                VariableKind::Parameter => 0,
                VariableKind::State => 1,
                VariableKind::Internal => 2,
                VariableKind::Recordable => 3,
            },
            ty: match v.ty {
                ValueType::Real => 0,
                ValueType::Integer => 1,
                ValueType::Boolean => 2,
            },
            vector: v.vector as u8,
        }
    }
}

/// A NEST receptor of a neuron (`rport` = its index): the spike ports it feeds.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct ReceptorInfo {
    /// The port of non-negative weights (of all weights if `inhibitory` is empty).
    pub excitatory: Str,
    /// The port negative weights go to (negated), or empty.
    pub inhibitory: Str,
}

thread_local! {
    static LAST_ERROR: RefCell<String> = const { RefCell::new(String::new()) };
}

fn fail(status: Status, message: String) -> Status {
    LAST_ERROR.with(|e| *e.borrow_mut() = message);
    status
}

fn set_error(e: SetError) -> Status {
    let status = match e {
        SetError::Unknown { .. } | SetError::UnknownIndex { .. } | SetError::Index { .. } => Status::Unknown,
        _ => Status::BadProperty,
    };
    fail(status, e.to_string())
}

fn fault(f: Fault) -> Status {
    fail(Status::Fault, f.to_string())
}

/// Runs `f`, turning a panic into [`Status::Fault`].
fn guarded(f: impl FnOnce() -> Status) -> Status {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|p| {
        let what = p.downcast_ref::<&str>().map(|s| s.to_string()).or_else(|| p.downcast_ref::<String>().cloned()).unwrap_or_default();
        fail(Status::Fault, format!("internal error (a bug in nestml, please report it): {what}"))
    })
}

/// The message of the last failed call on this thread.
#[no_mangle]
pub extern "C" fn nestml_last_error() -> Str {
    LAST_ERROR.with(|e| {
        let e = e.borrow();
        Str { ptr: e.as_ptr(), len: e.len() }
    })
}

/// A neuron with what NEST does not keep for it: its random stream and the resolution.
#[derive(Clone)]
struct NestNeuron<N> {
    neuron: N,
    rng: NestmlRng,
    resolution: Resolution,
}

/// Everything the C++ node class calls for one neuron model. `n` is a neuron made by `create`.
#[repr(C)]
pub struct NeuronVTable {
    /// The model name (`NAME`).
    pub name: Str,
    /// The number of variables (parameters, state, internals, recordable inlines).
    pub n_variables: usize,
    /// Variable `i`.
    pub variable: extern "C" fn(i: usize) -> VarInfo,
    /// The number of NEST receptors (`rport` 0, 1, …).
    pub n_receptors: usize,
    /// Receptor `i`.
    pub receptor: extern "C" fn(i: usize) -> ReceptorInfo,
    /// Continuous ports (`CurrentEvent` receptors), by index.
    pub n_continuous: usize,
    /// The name of continuous port `i`.
    pub continuous: extern "C" fn(i: usize) -> Str,
    /// Inputs per step of `run`: four per receptor, one per continuous port.
    pub input_width: usize,
    /// A neuron in the model's default state.
    pub create: extern "C" fn() -> *mut c_void,
    /// A copy of `n`.
    pub clone: extern "C" fn(n: *const c_void) -> *mut c_void,
    /// Frees `n` (null is ignored).
    pub destroy: extern "C" fn(n: *mut c_void),
    /// Clears the input buffers and starts the random stream `(seed, stream)` (NEST's
    /// `init_buffers`).
    pub init_buffers: extern "C" fn(n: *mut c_void, h: f64, tics_per_ms: f64, seed: u64, stream: u64) -> Status,
    /// Internals and propagators for the parameters and resolution (NEST's `pre_run_hook`).
    pub calibrate: extern "C" fn(n: *mut c_void, h: f64, tics_per_ms: f64) -> Status,
    /// Steps `step`, `step + 1`, … (`lags` of them; step `k` goes from `k·h` to `(k+1)·h`) with
    /// the input that arrives for each: row `i` of `inputs` (`input_width()` values) holds, for
    /// every receptor, the sum and the number of spikes of non-negative weight, then of
    /// negative weight (weights × multiplicity), then the value of every continuous port.
    /// `spikes[i]` receives the number of spikes of step `i`. On a fault the later rows are
    /// not run.
    pub run: extern "C" fn(n: *mut c_void, step: i64, lags: usize, inputs: *const f64, spikes: *mut u32) -> Status,
    /// Element `element` of variable `var` into `out` (`Unknown` if there is none).
    pub get: extern "C" fn(n: *const c_void, var: usize, element: usize, out: *mut f64) -> Status,
    /// Writes element `element` of variable `var`, checking type and guards.
    pub set: extern "C" fn(n: *mut c_void, var: usize, element: usize, value: f64) -> Status,
    /// The length of variable `var` (1 for scalars).
    pub vector_len: extern "C" fn(n: *const c_void, var: usize) -> usize,
}

/// The value behind a pointer the C++ side got from this module's tables.
fn cast<'a, T>(p: *const c_void) -> &'a T {
    // SAFETY: the C++ side passes only pointers that the same table made (`create`, `clone`,
    // `params_create`, …) or, for connections, a buffer of `connection_bytes` bytes aligned to
    // `connection_align`, written by `connection_init`.
    unsafe { &*(p as *const T) }
}

/// [`cast`], mutable: NEST updates a node, and handles a connection, from one thread at a time.
fn cast_mut<'a, T>(p: *mut c_void) -> &'a mut T {
    // SAFETY: as `cast`.
    unsafe { &mut *(p as *mut T) }
}

fn resolution(model: &'static str, h: f64, tics_per_ms: f64) -> Result<Resolution, Status> {
    Resolution::with_tics_per_ms(h, tics_per_ms).map_err(|e| fail(Status::Fault, format!("{model}: {e}")))
}

impl NeuronVTable {
    /// The table of neuron model `N`.
    pub const fn of<N: Neuron + Default>() -> NeuronVTable {
        extern "C" fn variable<N: Neuron>(i: usize) -> VarInfo {
            VarInfo::of(&N::VARIABLES[i])
        }
        extern "C" fn receptor<N: Neuron>(i: usize) -> ReceptorInfo {
            let r = N::RECEPTORS[i];
            ReceptorInfo {
                excitatory: Str::of(N::PORTS[r.excitatory].name),
                inhibitory: Str::of(r.inhibitory.map_or("", |p| N::PORTS[p].name)),
            }
        }
        extern "C" fn continuous<N: Neuron>(i: usize) -> Str {
            let port = N::PORTS.iter().filter(|p| p.kind == crate::neuron::PortKind::Continuous).nth(i);
            Str::of(port.map_or("", |p| p.name))
        }
        extern "C" fn create<N: Neuron + Default>() -> *mut c_void {
            let n = NestNeuron {
                neuron: N::default(),
                rng: NestmlRng::seed_from_u64(0),
                resolution: Resolution::from_ms(0.1).expect("0.1 ms is a resolution"),
            };
            Box::into_raw(Box::new(n)) as *mut c_void
        }
        extern "C" fn clone<N: Neuron>(n: *const c_void) -> *mut c_void {
            Box::into_raw(Box::new(cast::<NestNeuron<N>>(n).clone())) as *mut c_void
        }
        extern "C" fn destroy<N: Neuron>(n: *mut c_void) {
            if !n.is_null() {
                // SAFETY: made by `create`/`clone` (Box::into_raw), destroyed once.
                drop(unsafe { Box::from_raw(n as *mut NestNeuron<N>) });
            }
        }
        extern "C" fn init_buffers<N: Neuron>(n: *mut c_void, h: f64, tics_per_ms: f64, seed: u64, stream: u64) -> Status {
            guarded(|| {
                let n = cast_mut::<NestNeuron<N>>(n);
                match resolution(N::NAME, h, tics_per_ms) {
                    Ok(r) => n.resolution = r,
                    Err(s) => return s,
                }
                n.rng = NestmlRng::with_stream(seed, stream);
                n.neuron.init_buffers(&n.resolution);
                Status::Ok
            })
        }
        extern "C" fn calibrate<N: Neuron>(n: *mut c_void, h: f64, tics_per_ms: f64) -> Status {
            guarded(|| {
                let n = cast_mut::<NestNeuron<N>>(n);
                match resolution(N::NAME, h, tics_per_ms) {
                    Ok(r) => n.resolution = r,
                    Err(s) => return s,
                }
                match n.neuron.calibrate(&n.resolution) {
                    Ok(()) => Status::Ok,
                    Err(f) => fault(f),
                }
            })
        }
        extern "C" fn run<N: Neuron>(n: *mut c_void, step: i64, lags: usize, inputs: *const f64, spikes: *mut u32) -> Status {
            guarded(|| {
                let n = cast_mut::<NestNeuron<N>>(n);
                let (receptors, width) = (N::RECEPTORS.len(), input_width(N::RECEPTORS, N::PORTS));
                // SAFETY: the caller passes `lags` rows of `width` inputs and `lags` counters.
                let (inputs, spikes) = unsafe { (std::slice::from_raw_parts(inputs, lags * width), std::slice::from_raw_parts_mut(spikes, lags)) };
                for (k, spiked) in spikes.iter_mut().enumerate() {
                    let row = &inputs[k * width..(k + 1) * width];
                    for r in 0..receptors {
                        let [sum, count, sum_neg, count_neg] = [row[4 * r], row[4 * r + 1], row[4 * r + 2], row[4 * r + 3]];
                        if count > 0.0 {
                            n.neuron.handle_spike(r, sum, 1);
                        }
                        if count_neg > 0.0 {
                            n.neuron.handle_spike(r, sum_neg, 1);
                        }
                    }
                    for (port, &value) in row[4 * receptors..].iter().enumerate() {
                        n.neuron.handle_current(port, value);
                    }
                    let mut ctx = StepContext::new(&n.resolution, step + k as i64, &mut n.rng);
                    match n.neuron.step(&mut ctx) {
                        Ok(out) => *spiked = out.spikes,
                        Err(f) => return fault(f),
                    }
                }
                Status::Ok
            })
        }
        extern "C" fn get<N: Neuron>(n: *const c_void, var: usize, element: usize, out: *mut f64) -> Status {
            match cast::<NestNeuron<N>>(n).neuron.get_value(var, element) {
                Some(v) => {
                    // SAFETY: the caller passes a valid pointer.
                    unsafe { *out = v };
                    Status::Ok
                }
                None => Status::Unknown,
            }
        }
        extern "C" fn set<N: Neuron>(n: *mut c_void, var: usize, element: usize, value: f64) -> Status {
            guarded(|| match cast_mut::<NestNeuron<N>>(n).neuron.set_value(var, element, value) {
                Ok(()) => Status::Ok,
                Err(e) => set_error(e),
            })
        }
        extern "C" fn vector_len<N: Neuron>(n: *const c_void, var: usize) -> usize {
            cast::<NestNeuron<N>>(n).neuron.vector_len(var)
        }
        NeuronVTable {
            name: Str::of(N::NAME),
            n_variables: N::VARIABLES.len(),
            variable: variable::<N>,
            n_receptors: N::RECEPTORS.len(),
            receptor: receptor::<N>,
            n_continuous: count_continuous(N::PORTS),
            continuous: continuous::<N>,
            create: create::<N>,
            clone: clone::<N>,
            destroy: destroy::<N>,
            init_buffers: init_buffers::<N>,
            calibrate: calibrate::<N>,
            input_width: input_width(N::RECEPTORS, N::PORTS),
            run: run::<N>,
            get: get::<N>,
            set: set::<N>,
            vector_len: vector_len::<N>,
        }
    }
}

/// The inputs per step of [`NeuronVTable::run`].
const fn input_width(receptors: &[crate::inputs::Receptor], ports: &[crate::neuron::PortInfo]) -> usize {
    4 * receptors.len() + count_continuous(ports)
}

const fn count_continuous(ports: &[crate::neuron::PortInfo]) -> usize {
    let (mut i, mut n) = (0, 0);
    while i < ports.len() {
        if matches!(ports[i].kind, crate::neuron::PortKind::Continuous) {
            n += 1;
        }
        i += 1;
    }
    n
}

const fn count_role(ports: &[crate::synapse::SynapsePort], role: PortRole) -> usize {
    let (mut i, mut n) = (0, 0);
    while i < ports.len() {
        if ports[i].role as u8 == role as u8 {
            n += 1;
        }
        i += 1;
    }
    n
}

const fn has_role(ports: &[crate::synapse::SynapsePort], role: PortRole) -> bool {
    count_role(ports, role) > 0
}

/// A connection as a NEST module stores it: the synapse's state and its own parameters (as
/// PyNESTML's NEST synapses: `SetDefaults`/`CopyModel` set the defaults of new connections,
/// `Connect` and `SetStatus` may set them per connection). Plain data, copied bitwise by NEST.
#[derive(Clone, Debug)]
pub struct NestConnection<S: Synapse> {
    /// The state of the connection.
    pub state: S,
    /// Its parameters.
    pub params: S::Params,
}

/// Everything the C++ connection model calls for one synapse model. `c` points to
/// `connection_bytes` bytes inside NEST's connection object, holding a [`NestConnection`].
#[repr(C)]
pub struct SynapseVTable {
    /// The model name (`NAME`).
    pub name: Str,
    /// Per-connection variables: state and weight, then parameters and internals.
    pub n_variables: usize,
    /// Per-connection variable `i`.
    pub variable: extern "C" fn(i: usize) -> VarInfo,
    /// Size and alignment of the connection state in bytes.
    pub connection_bytes: usize,
    /// Its alignment in bytes (at most 8).
    pub connection_align: usize,
    /// Whether the model reads the postsynaptic neuron's spikes (NEST's spike history).
    pub reads_post: u8,
    /// Whether the model has a neuromodulatory port (fed by a NEST `volume_transmitter`).
    pub reads_mod: u8,
    /// The number of continuous ports (variables of the postsynaptic neuron; not supported in
    /// NEST modules yet).
    pub continuous: usize,
    /// Writes a connection in the model's initial state, with its default parameters, to `c`.
    pub connection_init: extern "C" fn(c: *mut c_void),
    /// Per-connection variable `var` into `out`.
    pub connection_get: extern "C" fn(c: *const c_void, var: usize, out: *mut f64) -> Status,
    /// Writes per-connection variable `var`, checking type and guards.
    pub connection_set: extern "C" fn(c: *mut c_void, var: usize, value: f64) -> Status,
    /// The connection's weight.
    pub weight: extern "C" fn(c: *const c_void) -> f64,
    /// Sets the connection's weight.
    pub set_weight: extern "C" fn(c: *mut c_void, w: f64),
    /// A presynaptic spike at `t_spike` through a connection with delay `delay`, with the
    /// postsynaptic spikes `post[..n_post]` that NEST's `get_history` returned for
    /// `(t_last − delay, t_spike − delay]` and the neuromodulatory spikes `mods[..n_mods]`
    /// (sorted; those after `t_last` are handled); `weight` receives the weight to deliver
    /// (status `Ok`) unless the model emitted nothing (`NoSpike`). `seed` and `thread` select the
    /// thread's random stream.
    pub send: extern "C" fn(c: *mut c_void, t_spike: f64, delay: f64, post: *const f64, n_post: usize, mods: *const f64, n_mods: usize, seed: u64, thread: u64, weight: *mut f64) -> Status,
    /// Brings the connection up to `t` without a presynaptic spike (NEST's
    /// `trigger_update_weight`), with the spikes of `(t_last − delay, t − delay]` and the
    /// neuromodulatory spikes as for `send`.
    pub update_to: extern "C" fn(c: *mut c_void, t: f64, delay: f64, post: *const f64, n_post: usize, mods: *const f64, n_mods: usize, seed: u64, thread: u64) -> Status,
    /// The time of the connection's last update (NEST's `t_lastspike`).
    pub t_last: extern "C" fn(c: *const c_void) -> f64,
}

/// What a synapse event needs besides the connection: the thread's random stream, with the
/// (seed, thread) it was made for, and the spikes NEST hands over, as histories.
struct SynapseScratch {
    rng: Option<(u64, u64, NestmlRng)>,
    post: SpikeHistory,
    modulation: SpikeHistory,
}

thread_local! {
    static SYNAPSE_SCRATCH: RefCell<SynapseScratch> =
        RefCell::new(SynapseScratch { rng: None, post: SpikeHistory::new(), modulation: SpikeHistory::new() });
}

fn times<'a>(ptr: *const f64, n: usize) -> &'a [f64] {
    if n == 0 {
        &[]
    } else {
        // SAFETY: the caller passes `n` times at `ptr`.
        unsafe { std::slice::from_raw_parts(ptr, n) }
    }
}

/// Runs `f` with an event context made of the spikes NEST handed over (as histories) and the
/// thread's random stream.
#[allow(clippy::too_many_arguments)]
fn with_event<S: Synapse>(t_spike: f64, delay: f64, post: &[f64], mods: &[f64], seed: u64, thread: u64, f: impl FnOnce(&mut SendContext<'_>) -> Status) -> Status {
    SYNAPSE_SCRATCH.with(|scratch| {
        let s = &mut *scratch.borrow_mut();
        if !matches!(s.rng, Some((seed_, thread_, _)) if seed_ == seed && thread_ == thread) {
            s.rng = Some((seed, thread, NestmlRng::with_stream(seed, u64::MAX - thread)));
        }
        let rng = &mut s.rng.as_mut().expect("set above").2;
        for (history, spikes) in [(&mut s.post, post), (&mut s.modulation, mods)] {
            history.forget_before(f64::INFINITY);
            for &t in spikes {
                history.push(t, &[]);
            }
        }
        let has_mod = S::PORTS.iter().any(|p| p.role == PortRole::Modulatory);
        let mut ev = SendContext { t_spike, delay, post: &s.post, modulation: has_mod.then_some(&s.modulation), inputs: &[], rng };
        f(&mut ev)
    })
}

impl SynapseVTable {
    /// The table of synapse model `S` (a `Copy` connection state, parameters without heap data:
    /// NEST copies connections bitwise).
    pub const fn of<S: Synapse + Copy>() -> SynapseVTable {
        assert!(!std::mem::needs_drop::<S::Params>(), "NEST copies connections bitwise: synapse parameters must be plain data");
        extern "C" fn variable<S: Synapse>(i: usize) -> VarInfo {
            let n = S::VARIABLES.len();
            VarInfo::of(if i < n { &S::VARIABLES[i] } else { &<S::Params as SynapseParams>::VARIABLES[i - n] })
        }
        extern "C" fn connection_init<S: Synapse>(c: *mut c_void) {
            let params = S::Params::default();
            let conn = NestConnection { state: S::new(&params), params };
            // SAFETY: as `cast_mut`; the buffer may be uninitialised, so it is written, not assigned.
            unsafe { std::ptr::write(c as *mut NestConnection<S>, conn) }
        }
        extern "C" fn connection_get<S: Synapse>(c: *const c_void, var: usize, out: *mut f64) -> Status {
            let c = cast::<NestConnection<S>>(c);
            let n = S::VARIABLES.len();
            match if var < n { c.state.get_value(var) } else { c.params.get_value(var - n) } {
                Some(v) => {
                    // SAFETY: the caller passes a valid pointer.
                    unsafe { *out = v };
                    Status::Ok
                }
                None => Status::Unknown,
            }
        }
        extern "C" fn connection_set<S: Synapse>(c: *mut c_void, var: usize, value: f64) -> Status {
            guarded(|| {
                let c = cast_mut::<NestConnection<S>>(c);
                let n = S::VARIABLES.len();
                match if var < n { c.state.set_value(var, value) } else { c.params.set_value(var - n, value) } {
                    Ok(()) => Status::Ok,
                    Err(e) => set_error(e),
                }
            })
        }
        extern "C" fn weight<S: Synapse>(c: *const c_void) -> f64 {
            cast::<NestConnection<S>>(c).state.weight()
        }
        extern "C" fn set_weight<S: Synapse>(c: *mut c_void, w: f64) {
            cast_mut::<NestConnection<S>>(c).state.set_weight(w)
        }
        extern "C" fn t_last<S: Synapse>(c: *const c_void) -> f64 {
            cast::<NestConnection<S>>(c).state.t_last()
        }
        #[allow(clippy::too_many_arguments)]
        extern "C" fn send<S: Synapse>(c: *mut c_void, t_spike: f64, delay: f64, post: *const f64, n_post: usize, mods: *const f64, n_mods: usize, seed: u64, thread: u64, weight: *mut f64) -> Status {
            guarded(|| {
                let c = cast_mut::<NestConnection<S>>(c);
                with_event::<S>(t_spike, delay, times(post, n_post), times(mods, n_mods), seed, thread, |ev| match c.state.send(&c.params, ev) {
                    Ok(Some(w)) => {
                        // SAFETY: the caller passes a valid pointer.
                        unsafe { *weight = w };
                        Status::Ok
                    }
                    Ok(None) => Status::NoSpike,
                    Err(f) => fault(f),
                })
            })
        }
        #[allow(clippy::too_many_arguments)]
        extern "C" fn update_to<S: Synapse>(c: *mut c_void, t: f64, delay: f64, post: *const f64, n_post: usize, mods: *const f64, n_mods: usize, seed: u64, thread: u64) -> Status {
            guarded(|| {
                let c = cast_mut::<NestConnection<S>>(c);
                with_event::<S>(t, delay, times(post, n_post), times(mods, n_mods), seed, thread, |ev| match c.state.update_to(&c.params, ev, t) {
                    Ok(()) => Status::Ok,
                    Err(f) => fault(f),
                })
            })
        }
        SynapseVTable {
            name: Str::of(S::NAME),
            n_variables: S::VARIABLES.len() + <S::Params as SynapseParams>::VARIABLES.len(),
            variable: variable::<S>,
            connection_bytes: std::mem::size_of::<NestConnection<S>>(),
            connection_align: std::mem::align_of::<NestConnection<S>>(),
            reads_post: has_role(S::PORTS, PortRole::Post) as u8,
            reads_mod: has_role(S::PORTS, PortRole::Modulatory) as u8,
            continuous: count_role(S::PORTS, PortRole::Continuous),
            connection_init: connection_init::<S>,
            connection_get: connection_get::<S>,
            connection_set: connection_set::<S>,
            weight: weight::<S>,
            set_weight: set_weight::<S>,
            send: send::<S>,
            update_to: update_to::<S>,
            t_last: t_last::<S>,
        }
    }
}

#[cfg(test)]
mod tests;
