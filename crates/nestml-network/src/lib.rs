//! Networks of generated NESTML neurons and synapses, simulated as NEST simulates them.
//!
//! ```
//! use nestml_network::{Network, Rule, SynapseSpec, Generator};
//! use nestml_runtime::{neuron::example::ExampleIafPscExp, synapse::example::ExampleStdp};
//!
//! let mut net = Network::new(0.1, 42).unwrap();
//! let exc = net.create(ExampleIafPscExp::default(), 100);
//! net.set(exc, "I_e", 300.0.into()).unwrap();
//! net.connect::<ExampleStdp>(exc, exc, Rule::FixedIndegree { indegree: 10 }.into(), SynapseSpec::new(2.0, 1.5)).unwrap();
//! let drive = net.device(Generator::PoissonGenerator { rate: 8000.0, start: 0.0, stop: 1e9 }).unwrap();
//! net.drive(drive, exc, 87.8, 1.0, "exc_spikes").unwrap();
//! let rec = net.spike_recorder(&[exc]);
//! net.simulate(100.0).unwrap();
//! assert!(!net.recorder(rec).unwrap().events.is_empty());
//! ```
//!
//! Synapses with continuous ports read variables of their target neurons
//! ([`SynapseSpec::bind`]): the value at each postsynaptic spike (kept in the spike history:
//! PyNESTML's `post_spike_based` buffering) and, for the other handlers, the value when the
//! spike is delivered.
//!
//! # Time and delivery
//!
//! Steps of `h` ms; delays are whole steps (at least one). Neurons advance step by step (in
//! parallel over chunks of a population); their spikes are delivered through the connections
//! at the end of every min-delay interval (NEST's communication interval, counted from time 0,
//! also across `simulate` calls): each synapse's `send` runs with the spike's time stamp and
//! the connection's delay, reading the target's spike history, and the weight it emits goes
//! into the target's ring buffer for the step the spike arrives in. So `simulate(a);
//! simulate(b)` equals `simulate(a + b)`, and, as in NEST, a weight reflects the spikes
//! delivered so far (those of the last, unfinished interval are delivered later).
//!
//! # Determinism
//!
//! Every neuron, every connection chunk and every generator target has its own random stream
//! of the network's seed, and chunks are processed in a fixed order, so the same seed gives
//! the same spikes and weights for any number of threads (rayon's pool).

#![deny(missing_docs)]

mod devices;
mod population;
mod projection;
mod ring;
mod rules;
mod value;

pub use devices::{Generator, Multimeter, SpikeRecorder};
pub use population::{MAX_CHUNKS, MIN_CHUNK};
pub use projection::ConnectionInfo;
pub use rules::{ConnSpec, Rule};
pub use value::Value;

use devices::{Device, Drives};
use nestml_runtime::checkpoint::{expect, word};
use nestml_runtime::Checkpoint;
use nestml_runtime::time::BadResolution;
use nestml_runtime::{Fault, NestmlRng, Populated, PortRole, Resolution, SetError, SpikeHistory, Synapse, SynapseParams};
use population::{chunk_size, Chunk, PopulationStore, Stored};
use projection::{ChunkConnections, Conns, Delivery, Projection};
use rayon::prelude::*;
use ring::Ring;
use std::fmt;
use std::sync::Arc;

/// The first word of a network checkpoint ("nestml" and a format version).
const CHECKPOINT_MAGIC: u64 = 0x6e65_7374_6d6c_0001;

/// A population of the network (index in creation order).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PopulationId(pub usize);

/// A generator (index in creation order).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeviceId(pub usize);

/// A spike recorder of the network.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SpikeRecorderId(usize);

/// A multimeter of the network.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MultimeterId(usize);

/// A volume transmitter: the spikes of some populations as neuromodulatory input of synapses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VolumeTransmitterId(pub usize);

/// How a `connect` call makes its connections.
#[derive(Clone, Debug)]
pub struct SynapseSpec<S: Synapse> {
    /// Initial weight (the model's weight variable).
    pub weight: Value,
    /// Delay in ms (rounded to whole steps, at least one).
    pub delay: Value,
    /// The target's spike port by name (`None`: receptor 0).
    pub port: Option<String>,
    /// Parameters shared by the connections of this call (a `CopyModel`).
    pub params: S::Params,
    /// Per-connection state variables set on every connection (by NESTML name).
    pub state: Vec<(String, Value)>,
    /// The volume transmitter of the synapse's modulatory port.
    pub modulation: Option<VolumeTransmitterId>,
    /// For each continuous port of the synapse, in order: the target neuron's variable it
    /// reads (at each postsynaptic spike, and at delivery for the other handlers).
    pub bindings: Vec<(String, String)>,
}

impl<S: Synapse> SynapseSpec<S> {
    /// `weight` and `delay` (ms), the model's default parameters, receptor 0.
    pub fn new(weight: impl Into<Value>, delay: impl Into<Value>) -> Self {
        SynapseSpec { weight: weight.into(), delay: delay.into(), port: None, params: S::Params::default(), state: Vec::new(), modulation: None, bindings: Vec::new() }
    }

    /// Connects to the target's spike port `port` (by NESTML name) instead of receptor 0.
    pub fn port(mut self, port: &str) -> Self {
        self.port = Some(port.to_string());
        self
    }

    /// The parameters of these connections (NEST's `CopyModel` with other defaults).
    pub fn params(mut self, params: S::Params) -> Self {
        self.params = params;
        self
    }

    /// Sets state variable `name` of every new connection (a constant or a distribution).
    pub fn state(mut self, name: &str, value: impl Into<Value>) -> Self {
        self.state.push((name.to_string(), value.into()));
        self
    }

    /// Feeds the synapse's modulatory port from volume transmitter `vt`.
    pub fn modulation(mut self, vt: VolumeTransmitterId) -> Self {
        self.modulation = Some(vt);
        self
    }

    /// The synapse's continuous port `port` reads the target neuron's variable `variable`
    /// (`nestml::post_binding!` checks such a pair at compile time).
    pub fn bind(mut self, port: &str, variable: &str) -> Self {
        self.bindings.push((port.to_string(), variable.to_string()));
        self
    }
}

/// Why building or running the network failed.
#[derive(Clone, Debug, PartialEq)]
pub enum NetworkError {
    /// A bad argument of a building call.
    Setup(String),
    /// Setting a parameter or state failed.
    Set(SetError),
    /// A neuron or synapse failed while simulating; the recordings up to then are kept.
    Fault {
        /// The population of the failing neuron or of the failing connection's target.
        population: Option<usize>,
        /// The neuron within it.
        neuron: Option<usize>,
        /// What failed (model, variable, time).
        fault: Fault,
    },
}

impl fmt::Display for NetworkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NetworkError::Setup(m) => write!(f, "{m}"),
            NetworkError::Set(e) => write!(f, "{e}"),
            NetworkError::Fault { population, neuron, fault } => {
                if let (Some(p), Some(i)) = (population, neuron) {
                    write!(f, "population {p}, neuron {i}: ")?;
                }
                write!(f, "{fault}")
            }
        }
    }
}

impl std::error::Error for NetworkError {}

impl From<SetError> for NetworkError {
    fn from(e: SetError) -> Self {
        NetworkError::Set(e)
    }
}

fn setup(m: impl Into<String>) -> NetworkError {
    NetworkError::Setup(m.into())
}

/// A population with its chunks.
struct Population {
    store: Box<dyn PopulationStore>,
    chunks: Vec<Chunk>,
    /// The variables that synapses onto this population read (indices into the model's
    /// variables), recorded at each spike and kept current for delivery; the same for every
    /// projection that reads any.
    tracked: Vec<usize>,
}

/// Connections waiting for the first `simulate` (then stored per chunk).
type Pending = Box<dyn FnOnce(&mut [Population]) + Send>;

/// A network of populations, connections and devices (crate docs).
pub struct Network {
    resolution: Resolution,
    seed: u64,
    populations: Vec<Population>,
    pending: Vec<Pending>,
    projections: usize,
    devices: Vec<Device>,
    spike_recorders: Vec<SpikeRecorder>,
    multimeters: Vec<Multimeter>,
    volume_transmitters: Vec<(Vec<usize>, i64, SpikeHistory)>,
    /// Steps simulated so far.
    step: i64,
    /// Spikes of the current min-delay interval not yet delivered, per population: (step,
    /// neuron). They are delivered at the interval's end, also across `simulate` calls.
    undelivered: Vec<Vec<(i64, u32)>>,
    /// The min-delay interval in steps, fixed by the first `simulate`.
    min_delay: Option<i64>,
    streams: u64,
    progress: Option<Box<dyn FnMut(f64, f64) + Send>>,
}

impl Network {
    /// A network with resolution `h` ms whose random numbers all derive from `seed`.
    pub fn new(h: f64, seed: u64) -> Result<Network, BadResolution> {
        Ok(Network {
            resolution: Resolution::from_ms(h)?,
            seed,
            populations: Vec::new(),
            pending: Vec::new(),
            projections: 0,
            devices: Vec::new(),
            spike_recorders: Vec::new(),
            multimeters: Vec::new(),
            volume_transmitters: Vec::new(),
            step: 0,
            undelivered: Vec::new(),
            min_delay: None,
            streams: 1 << 40,
            progress: None,
        })
    }

    /// The simulation resolution.
    pub fn resolution(&self) -> &Resolution {
        &self.resolution
    }

    /// The simulated time in ms.
    pub fn time(&self) -> f64 {
        self.resolution.t_ms(self.step)
    }

    /// A fresh random stream of the seed (streams below 2⁴⁰ belong to neurons).
    fn stream(&mut self) -> NestmlRng {
        self.streams += 1;
        NestmlRng::with_stream(self.seed, self.streams)
    }

    /// `n` neurons, copies of `prototype` (a generated neuron with its parameters), stored as
    /// the model's [`Populated::Population`](nestml_runtime::Populated) (the generated struct
    /// of arrays where the model has one).
    pub fn create<N: Populated>(&mut self, prototype: N, n: usize) -> PopulationId {
        let first_id = self.populations.iter().map(|p| p.store.len() as u64).sum();
        let store = Stored::new(prototype, n, self.seed, first_id);
        let (receptors, spike_ports, ports) = (store.receptors(), store.spike_port_count(), store.continuous_port_count());
        let size = chunk_size(n);
        let chunks = (0..n.div_ceil(size))
            .map(|c| {
                let len = size.min(n - c * size);
                Chunk { start: c * size, ring: Ring::new(1, len, receptors, spike_ports, ports), history: vec![SpikeHistory::new(); len], now: Vec::new(), incoming: Vec::new(), drives: Vec::new() }
            })
            .collect();
        self.populations.push(Population { store: Box::new(store), chunks, tracked: Vec::new() });
        PopulationId(self.populations.len() - 1)
    }

    fn population(&self, p: PopulationId) -> Result<&Population, NetworkError> {
        self.populations.get(p.0).ok_or_else(|| setup(format!("no population {}", p.0)))
    }

    /// How population `p` is stored: `"struct of arrays"` (the generated population type of
    /// its model), `"struct of arrays, lockstep RKF45"` (that of a model on RKF45) or
    /// `"vector of structs"`.
    pub fn layout(&self, p: PopulationId) -> Option<&'static str> {
        Some(self.populations.get(p.0)?.store.layout())
    }

    /// The number of neurons of population `p` (0 for an unknown population).
    pub fn len(&self, p: PopulationId) -> usize {
        self.populations.get(p.0).map_or(0, |p| p.store.len())
    }

    /// Sets a parameter or state variable of every neuron of `p` (a distribution draws one
    /// value per neuron).
    pub fn set(&mut self, p: PopulationId, name: &str, value: Value) -> Result<(), NetworkError> {
        value.check().map_err(setup)?;
        self.population(p)?;
        let mut rng = self.stream();
        let store = &mut self.populations[p.0].store;
        for i in 0..store.len() {
            store.set(i, name, value.sample(&mut rng))?;
        }
        Ok(())
    }

    /// Reads variable `name` of neuron `i` of `p`.
    pub fn get(&self, p: PopulationId, i: usize, name: &str) -> Option<f64> {
        let store = &self.populations.get(p.0)?.store;
        store.get_value(i, store.variable(name)?.0)
    }

    /// Connects `source` to `target` by `conn` with synapse type `S`; returns the projection
    /// (the index of this call among `connect` calls).
    pub fn connect<S: Synapse>(&mut self, source: PopulationId, target: PopulationId, conn: ConnSpec, spec: SynapseSpec<S>) -> Result<usize, NetworkError> {
        let (n_src, n_tgt) = (self.population(source)?.store.len(), self.population(target)?.store.len());
        let mut rng = self.stream();
        let pairs = conn.pairs(n_src, n_tgt, source == target, &mut rng).map_err(setup)?;
        self.add_projection(source, target, pairs, spec, rng)
    }

    /// Connects the given (source, target) pairs, as NEST's `Connect` with arrays.
    pub fn connect_pairs<S: Synapse>(&mut self, source: PopulationId, target: PopulationId, pairs: &[(usize, usize)], spec: SynapseSpec<S>) -> Result<usize, NetworkError> {
        let (n_src, n_tgt) = (self.population(source)?.store.len(), self.population(target)?.store.len());
        if let Some(p) = pairs.iter().find(|(s, t)| *s >= n_src || *t >= n_tgt) {
            return Err(setup(format!("connection {p:?}: populations of {n_src} and {n_tgt} neurons")));
        }
        let rng = self.stream();
        self.add_projection(source, target, pairs.iter().map(|&(s, t)| (s as u32, t as u32)).collect(), spec, rng)
    }

    /// The connections `pairs` of one `connect` call, with weights, delays and states drawn
    /// from `rng`.
    fn add_projection<S: Synapse>(&mut self, source: PopulationId, target: PopulationId, pairs: Vec<(u32, u32)>, spec: SynapseSpec<S>, mut rng: NestmlRng) -> Result<usize, NetworkError> {
        if self.min_delay.is_some() {
            return Err(setup("connections cannot be added after the first simulate"));
        }
        let (n_src, n_tgt) = (self.population(source)?.store.len(), self.population(target)?.store.len());
        let tgt = &self.populations[target.0].store;
        let receptor = match &spec.port {
            None => 0,
            Some(port) => tgt.receptor_of_port(port).ok_or_else(|| setup(format!("{} has no spike port `{port}`", tgt.model())))?,
        };
        if receptor >= tgt.receptors().len() {
            return Err(setup(format!("{} has no spike input", tgt.model())));
        }
        self.bind_variables::<S>(target, &spec.bindings)?;
        let needs_vt = S::PORTS.iter().any(|p| p.role == PortRole::Modulatory);
        if needs_vt != spec.modulation.is_some() {
            return Err(setup(format!("{}: a synapse with a modulatory port needs a volume transmitter (SynapseSpec::modulation), and only such a synapse", S::NAME)));
        }
        if let Some(vt) = spec.modulation {
            if vt.0 >= self.volume_transmitters.len() {
                return Err(setup(format!("no volume transmitter {}", vt.0)));
            }
        }
        spec.weight.check().map_err(setup)?;
        spec.delay.check().map_err(setup)?;
        spec.params.check().map_err(|f| setup(f.to_string()))?;
        let h = self.resolution.h();
        let prototype = S::new(&spec.params);
        let size = chunk_size(n_tgt);
        let mut per_chunk: Vec<Vec<(u32, u16, u16, S)>> = (0..n_tgt.div_ceil(size)).map(|_| Vec::new()).collect();
        for (s, t) in pairs {
            let mut syn = prototype.clone();
            syn.set_weight(spec.weight.sample(&mut rng));
            for (name, v) in &spec.state {
                syn.set(name, v.sample(&mut rng))?;
            }
            let d = (spec.delay.sample(&mut rng) / h).round();
            if !(1.0..=u16::MAX as f64).contains(&d) {
                return Err(setup(format!("delay {} ms: delays are 1 to {} steps of {h} ms", d * h, u16::MAX)));
            }
            per_chunk[t as usize / size].push((s, (t as usize % size) as u16, d as u16, syn));
        }
        let projection = self.projections;
        self.projections += 1;
        let head = Projection::<S> { index: projection, source_population: source.0, n_sources: n_src, receptor, params: Arc::new(spec.params), modulation: spec.modulation.map(|v| v.0) };
        let seed = self.seed;
        let base = self.streams;
        self.streams += per_chunk.len() as u64;
        self.pending.push(Box::new(move |pops: &mut [Population]| {
            for (c, list) in per_chunk.into_iter().enumerate() {
                if list.is_empty() {
                    continue;
                }
                let rng = NestmlRng::with_stream(seed, base + c as u64 + 1);
                let conns = Conns::build(head.clone(), list, rng);
                pops[target.0].chunks[c].incoming.push(Box::new(conns) as Box<dyn ChunkConnections>);
            }
        }));
        Ok(projection)
    }

    /// Resolves the continuous-port bindings of a synapse type `S` onto `target`: every port
    /// bound, in port order, to a variable of the same unit; all projections onto a population
    /// that read variables read the same ones.
    fn bind_variables<S: Synapse>(&mut self, target: PopulationId, bindings: &[(String, String)]) -> Result<(), NetworkError> {
        let ports: Vec<_> = S::PORTS.iter().filter(|p| p.role == PortRole::Continuous).collect();
        let pop = &mut self.populations[target.0];
        let model = pop.store.model();
        let error = |m: String| setup(format!("{} onto {model}: {m}", S::NAME));
        let mut vars = Vec::new();
        for port in &ports {
            let Some((_, variable)) = bindings.iter().find(|(p, _)| p == port.name) else {
                return Err(error(format!("continuous port `{}` is not bound to a neuron variable (SynapseSpec::bind)", port.name)));
            };
            let (index, unit) = pop.store.variable(variable).ok_or_else(|| error(format!("port `{}` reads `{variable}`, which the neuron does not have", port.name)))?;
            if unit != port.unit {
                return Err(error(format!("port `{}` ({}) reads `{variable}`, which is in {}", port.name, port.unit.unwrap_or("no unit"), unit.unwrap_or("no unit"))));
            }
            vars.push(index);
        }
        if let Some((p, _)) = bindings.iter().find(|(p, _)| !ports.iter().any(|q| q.name == p)) {
            return Err(error(format!("the synapse has no continuous port `{p}`")));
        }
        if !vars.is_empty() {
            if !pop.tracked.is_empty() && pop.tracked != vars {
                return Err(error("synapses onto one population that read different neuron variables are not supported yet".into()));
            }
            pop.tracked = vars;
        }
        Ok(())
    }

    /// A generator; connect it with [`drive`](Self::drive).
    pub fn device(&mut self, generator: Generator) -> Result<DeviceId, NetworkError> {
        generator.check().map_err(setup)?;
        self.devices.push(Device::new(generator, &self.resolution));
        Ok(DeviceId(self.devices.len() - 1))
    }

    /// Connects generator `d` to every neuron of `p` with `weight` and `delay` (ms) on the
    /// spike port or continuous port `input`.
    pub fn drive(&mut self, d: DeviceId, p: PopulationId, weight: f64, delay: f64, input: &str) -> Result<(), NetworkError> {
        let all: Vec<usize> = (0..self.len(p)).collect();
        self.drive_neurons(d, p, &all, weight, delay, input)
    }

    /// [`drive`](Self::drive) for the neurons `neurons` of `p` only.
    pub fn drive_neurons(&mut self, d: DeviceId, p: PopulationId, neurons: &[usize], weight: f64, delay: f64, input: &str) -> Result<(), NetworkError> {
        let store = &self.population(p)?.store;
        let dev = self.devices.get(d.0).ok_or_else(|| setup(format!("no device {}", d.0)))?;
        let input = if dev.generator.drives_spikes() {
            store.receptor_of_port(input).ok_or_else(|| setup(format!("{} has no spike port `{input}`", store.model())))?
        } else {
            store.continuous_port(input).ok_or_else(|| setup(format!("{} has no continuous port `{input}`", store.model())))?
        };
        let steps = (delay / self.resolution.h()).round() as i64;
        if steps < 1 {
            return Err(setup(format!("delay {delay} ms is less than one step")));
        }
        let n = store.len();
        if let Some(i) = neurons.iter().find(|&&i| i >= n) {
            return Err(setup(format!("population {} has no neuron {i}", p.0)));
        }
        let size = chunk_size(n);
        for &neuron in neurons {
            let rng = self.stream();
            let drives = &mut self.populations[p.0].chunks[neuron / size].drives;
            if !drives.last().is_some_and(|g| g.takes(d.0, input, weight, steps)) {
                drives.push(Drives { device: d.0, input, weight, delay: steps, neurons: Vec::new(), rngs: Vec::new(), noise: Vec::new() });
            }
            let g = drives.last_mut().expect("pushed if missing");
            g.neurons.push((neuron % size) as u16);
            g.rngs.push(rng);
            g.noise.push(0.0);
        }
        Ok(())
    }

    /// A volume transmitter collecting the spikes of `sources` (seen by synapses `delay` ms
    /// after they are emitted, as over NEST's connection to a `volume_transmitter`).
    pub fn volume_transmitter(&mut self, sources: &[PopulationId], delay: f64) -> VolumeTransmitterId {
        let steps = ((delay / self.resolution.h()).round() as i64).max(1);
        self.volume_transmitters.push((sources.iter().map(|p| p.0).collect(), steps, SpikeHistory::new()));
        VolumeTransmitterId(self.volume_transmitters.len() - 1)
    }

    /// Records the spikes of `populations`.
    pub fn spike_recorder(&mut self, populations: &[PopulationId]) -> SpikeRecorderId {
        self.spike_recorders.push(SpikeRecorder { populations: populations.iter().map(|p| p.0).collect(), events: Vec::new() });
        SpikeRecorderId(self.spike_recorders.len() - 1)
    }

    /// What a spike recorder of this network recorded (`None` for another network's id).
    pub fn recorder(&self, r: SpikeRecorderId) -> Option<&SpikeRecorder> {
        self.spike_recorders.get(r.0)
    }

    /// Records `names` of every neuron of `p` every `interval` ms (after the step).
    pub fn multimeter(&mut self, p: PopulationId, names: &[&str], interval: f64) -> Result<MultimeterId, NetworkError> {
        let store = &self.population(p)?.store;
        let variables = names.iter().map(|n| store.variable(n).map(|v| v.0).ok_or_else(|| setup(format!("{} has no variable `{n}`", store.model())))).collect::<Result<Vec<_>, _>>()?;
        let interval = ((interval / self.resolution.h()).round() as i64).max(1);
        self.multimeters.push(Multimeter { population: p.0, names: names.iter().map(|s| s.to_string()).collect(), variables, interval, neurons: store.len(), ..Default::default() });
        Ok(MultimeterId(self.multimeters.len() - 1))
    }

    /// What a multimeter of this network recorded (`None` for another network's id).
    pub fn multimeter_data(&self, m: MultimeterId) -> Option<&Multimeter> {
        self.multimeters.get(m.0)
    }

    /// Called during `simulate` after every min-delay interval with (simulated ms of this
    /// call, ms to simulate in this call), on a thread of rayon's pool.
    pub fn on_progress(&mut self, f: impl FnMut(f64, f64) + Send + 'static) {
        self.progress = Some(Box::new(f));
    }

    /// The connections built so far (by the first `simulate`) and the bytes they take: row
    /// offsets, `u16` targets, `u16` delays (none where all of a projection's delays in a chunk
    /// are equal) and the synapses' states (one for all of a projection's static connections
    /// in a chunk where they have one weight).
    pub fn connection_memory(&self) -> (usize, usize) {
        let all = self.populations.iter().flat_map(|p| &p.chunks).flat_map(|c| &c.incoming);
        all.fold((0, 0), |(n, b), c| (n + c.len(), b + c.bytes()))
    }

    /// Every connection of projection `projection` (all if `None`), with its current weight.
    pub fn connections(&self, projection: Option<usize>) -> Vec<ConnectionInfo> {
        let mut out = Vec::new();
        let h = self.resolution.h();
        for p in &self.populations {
            for c in &p.chunks {
                for conns in c.incoming.iter().filter(|x| projection.is_none_or(|pr| x.projection() == pr)) {
                    conns.list(c.start, h, &mut out);
                }
            }
        }
        out
    }

    /// The connections of `projection` in the order of [`connections`](Self::connections),
    /// each with its chunk's connections and the index within them.
    fn find_connection(&self, projection: usize, mut i: usize) -> Option<(usize, usize, usize, usize)> {
        for (pi, p) in self.populations.iter().enumerate() {
            for (ci, c) in p.chunks.iter().enumerate() {
                for (xi, x) in c.incoming.iter().enumerate().filter(|(_, x)| x.projection() == projection) {
                    if i < x.len() {
                        return Some((pi, ci, xi, i));
                    }
                    i -= x.len();
                }
            }
        }
        None
    }

    /// The per-connection variable `name` (`w`, a trace, …) of connection `i` of
    /// `projection` (in the order of [`connections`](Self::connections)); available after the
    /// first `simulate`.
    pub fn connection_get(&self, projection: usize, i: usize, name: &str) -> Option<f64> {
        let (p, c, x, j) = self.find_connection(projection, i)?;
        self.populations[p].chunks[c].incoming[x].get(j, name)
    }

    /// Writes the per-connection variable `name` of connection `i` of `projection`.
    pub fn connection_set(&mut self, projection: usize, i: usize, name: &str, value: f64) -> Result<(), NetworkError> {
        let (p, c, x, j) = self.find_connection(projection, i).ok_or_else(|| setup(format!("projection {projection} has no connection {i} (connections exist after the first simulate)")))?;
        Ok(self.populations[p].chunks[c].incoming[x].set(j, name, value)?)
    }

    /// The state to continue this run from (neurons, synapses, buffers, histories, random
    /// streams, the time), as words; [`load`](Self::load) it into the same network built
    /// anew (the same `create`, `set`, `connect`, `device` and `drive` calls in the same
    /// order) to continue exactly where this one stands. Recordings are not part of it.
    pub fn save(&mut self) -> Result<Vec<u64>, NetworkError> {
        self.build()?;
        let mut out = vec![CHECKPOINT_MAGIC, self.step as u64, self.populations.len() as u64];
        for (p, slice) in self.populations.iter().zip(self.undelivered.iter().chain(std::iter::repeat(&Vec::new()))) {
            p.store.save(&mut out);
            p.chunks.iter().for_each(|c| c.save(&mut out));
            out.push(slice.len() as u64);
            out.extend(slice.iter().flat_map(|&(k, i)| [k as u64, i as u64]));
        }
        out.push(self.volume_transmitters.len() as u64);
        self.volume_transmitters.iter().for_each(|v| v.2.save(&mut out));
        Ok(out)
    }

    /// Continues from a [`save`](Self::save)d state; the network must be built by the same
    /// calls as the one saved (checked as far as counts and sizes tell).
    pub fn load(&mut self, words: &[u64]) -> Result<(), NetworkError> {
        self.build()?;
        let input = &mut &words[..];
        let fit = |e: nestml_runtime::CheckpointError| setup(e.to_string());
        expect(input, CHECKPOINT_MAGIC, "format").map_err(fit)?;
        let step = word(input).map_err(fit)? as i64;
        expect(input, self.populations.len() as u64, "populations").map_err(fit)?;
        let mut undelivered = Vec::with_capacity(self.populations.len());
        for p in &mut self.populations {
            p.store.restore(input).map_err(fit)?;
            p.chunks.iter_mut().try_for_each(|c| c.restore(input)).map_err(fit)?;
            let n = word(input).map_err(fit)? as usize;
            let mut slice = Vec::with_capacity(n.min(input.len()));
            for _ in 0..n {
                slice.push((word(input).map_err(fit)? as i64, word(input).map_err(fit)? as u32));
            }
            undelivered.push(slice);
        }
        expect(input, self.volume_transmitters.len() as u64, "volume transmitters").map_err(fit)?;
        self.volume_transmitters.iter_mut().try_for_each(|v| v.2.restore(input)).map_err(fit)?;
        if !input.is_empty() {
            return Err(setup(format!("checkpoint does not fit: {} words left over", input.len())));
        }
        self.step = step;
        self.undelivered = undelivered;
        Ok(())
    }

    /// [`save`](Self::save) into a file (little-endian words).
    pub fn save_to(&mut self, path: impl AsRef<std::path::Path>) -> Result<(), NetworkError> {
        let bytes: Vec<u8> = self.save()?.iter().flat_map(|w| w.to_le_bytes()).collect();
        std::fs::write(path.as_ref(), bytes).map_err(|e| setup(format!("cannot write {}: {e}", path.as_ref().display())))
    }

    /// [`load`](Self::load) from a file written by [`save_to`](Self::save_to).
    pub fn load_from(&mut self, path: impl AsRef<std::path::Path>) -> Result<(), NetworkError> {
        let bytes = std::fs::read(path.as_ref()).map_err(|e| setup(format!("cannot read {}: {e}", path.as_ref().display())))?;
        if bytes.len() % 8 != 0 {
            return Err(setup(format!("{}: not a network checkpoint", path.as_ref().display())));
        }
        let words: Vec<u64> = bytes.chunks_exact(8).map(|c| u64::from_le_bytes(c.try_into().unwrap_or_default())).collect();
        self.load(&words)
    }

    /// Builds the connection storage and the ring buffers (first call only).
    fn build(&mut self) -> Result<i64, NetworkError> {
        if let Some(m) = self.min_delay {
            return Ok(m);
        }
        for f in std::mem::take(&mut self.pending) {
            f(&mut self.populations);
        }
        let mut min = i64::MAX;
        let mut max = 1;
        for p in &self.populations {
            for c in &p.chunks {
                for (lo, hi) in c.incoming.iter().filter_map(|x| x.min_max_delay()) {
                    min = min.min(lo as i64);
                    max = max.max(hi as i64);
                }
            }
        }
        for p in &self.populations {
            for d in p.chunks.iter().flat_map(|c| &c.drives) {
                max = max.max(d.delay);
            }
        }
        let min = if min == i64::MAX { 1 } else { min };
        for p in &mut self.populations {
            let (r, s, c) = (p.store.receptors(), p.store.spike_port_count(), p.store.continuous_port_count());
            let stride = p.tracked.len();
            for chunk in &mut p.chunks {
                let n = chunk.history.len();
                chunk.ring = Ring::new((max + 1) as usize, n, r, s, c);
                chunk.history = vec![SpikeHistory::with_values(stride); n];
                chunk.now = vec![0.0; n * stride];
            }
        }
        self.min_delay = Some(min);
        Ok(min)
    }

    /// Simulates `t` ms more (a whole number of steps).
    pub fn simulate(&mut self, t: f64) -> Result<(), NetworkError> {
        let n = (t / self.resolution.h()).round() as i64;
        if n < 0 || ((n as f64) * self.resolution.h() - t).abs() > 1e-9 * t.abs().max(1.0) {
            return Err(setup(format!("simulate({t}): not a whole number of steps of {} ms", self.resolution.h())));
        }
        let first = self.min_delay.is_none();
        let min_delay = self.build()?;
        let resolution = self.resolution;
        for (pi, p) in self.populations.iter_mut().enumerate() {
            p.store.prepare(&resolution, first).map_err(|(i, fault)| NetworkError::Fault { population: Some(pi), neuron: Some(i), fault })?;
        }
        // on a thread of rayon's pool, so that the parallel loops of every step start there
        // (from outside the pool each would wait for a worker to wake up)
        rayon::scope(|_| self.run(n, min_delay))
    }

    /// The `n` steps of [`simulate`](Self::simulate), after its checks.
    fn run(&mut self, n: i64, min_delay: i64) -> Result<(), NetworkError> {
        let resolution = self.resolution;
        let mut slice = std::mem::take(&mut self.undelivered);
        slice.resize(self.populations.len(), Vec::new());
        let (start, end) = (self.step, self.step + n);
        let mut result = Ok(());
        for k in start..end {
            let mut spikes = Vec::new();
            for (pi, p) in self.populations.iter_mut().enumerate() {
                spikes.clear();
                if let Err((i, fault)) = p.store.step(&resolution, k, &self.devices, &p.tracked, &mut p.chunks, &mut spikes) {
                    result = Err(NetworkError::Fault { population: Some(pi), neuron: Some(i), fault });
                    break;
                }
                let t_spike = resolution.t_ms(k + 1);
                for r in self.spike_recorders.iter_mut().filter(|r| r.populations.contains(&pi)) {
                    r.events.extend(spikes.iter().map(|&i| (t_spike, pi, i as usize)));
                }
                for vt in self.volume_transmitters.iter_mut().filter(|v| v.0.contains(&pi)) {
                    for _ in &spikes {
                        vt.2.push(resolution.t_ms(k + 1 + vt.1), &[]);
                    }
                }
                slice[pi].extend(spikes.iter().map(|&i| (k, i)));
            }
            self.step = k + 1;
            self.sample(k);
            if result.is_err() {
                break;
            }
            if (k + 1) % min_delay == 0 {
                if let Err(e) = self.deliver(&slice) {
                    result = Err(e);
                    break;
                }
                slice.iter_mut().for_each(Vec::clear);
            }
            if (k + 1) % min_delay == 0 || k + 1 == end {
                if let Some(f) = self.progress.as_mut() {
                    f(resolution.t_ms(k + 1 - start), resolution.t_ms(n));
                }
            }
        }
        self.undelivered = slice;
        result
    }

    /// Multimeter samples after step `k`.
    fn sample(&mut self, k: i64) {
        let t = self.resolution.t_ms(k + 1);
        for m in &mut self.multimeters {
            if (k + 1) % m.interval != 0 {
                continue;
            }
            m.times.push(t);
            let store = &self.populations[m.population].store;
            for &v in &m.variables {
                m.values.extend((0..m.neurons).map(|i| store.get_value(i, v).unwrap_or(f64::NAN)));
            }
        }
    }

    /// Sends the slice's spikes through every connection, chunk by chunk in parallel.
    fn deliver(&mut self, slice: &[Vec<(i64, u32)>]) -> Result<(), NetworkError> {
        let modulation: Vec<SpikeHistory> = self.volume_transmitters.iter().map(|v| v.2.clone()).collect();
        let d = Delivery { resolution: &self.resolution, spikes: slice, modulation: &modulation };
        for p in &mut self.populations {
            let faults: Vec<Fault> = p
                .chunks
                .par_iter_mut()
                .filter_map(|chunk| {
                    let Chunk { ring, history, incoming, now, .. } = chunk;
                    incoming.iter_mut().try_for_each(|c| c.deliver(&d, ring, history, now)).err()
                })
                .collect();
            if let Some(fault) = faults.into_iter().next() {
                return Err(NetworkError::Fault { population: None, neuron: None, fault });
            }
        }
        Ok(())
    }
}
