//! [`PlasticityDriver`]: one presynaptic spike train through one or more connections of a
//! synapse model onto one postsynaptic side: a generated neuron (stepped with NEST's timing,
//! receiving the delivered weights) or a given postsynaptic spike train. It records every
//! connection's variables after each presynaptic spike and, optionally, on a time grid.
//!
//! ```
//! use nestml_runtime::{PlasticityDriver, Resolution, synapse::example::ExampleStdp};
//! let mut d = PlasticityDriver::<ExampleStdp>::new(Resolution::from_ms(0.1).unwrap(), 1);
//! d.pre_spikes(&[10.0, 30.0]).connect(1.0, 0);
//! let rec = d.run_with_post_train(&[15.0], 50.0).unwrap();
//! assert!(rec.events[1].weight.unwrap() > rec.events[0].weight.unwrap()); // pre before post
//! ```
//!
//! Timing is NEST's: a presynaptic spike stamped `t` (a step boundary) is sent through each
//! connection when the simulation reaches `t`, so the postsynaptic spikes up to `t − d` are
//! known; its weight reaches the neuron in the step that ends at `t + d`. A postsynaptic
//! spike emitted in the step ending at `s` is in the history at `s`.

use crate::fault::Fault;
use crate::history::{SpikeHistory, STDP_EPS};
use crate::neuron::{Neuron, StepContext};
use crate::rng::NestmlRng;
use crate::synapse::{PortRole, SendContext, Synapse, SynapseParams};
use crate::time::Resolution;
use std::fmt;

/// One connection of the driver.
#[derive(Clone, Debug)]
pub struct Connection<S: Synapse> {
    /// The connection's state.
    pub synapse: S,
    /// Delay in steps (at least 1).
    pub delay_steps: i64,
    /// The NEST receptor of the postsynaptic neuron it targets.
    pub receptor: usize,
}

/// The state of one connection after a presynaptic spike (or at a grid time).
#[derive(Clone, Debug, PartialEq)]
pub struct SynapseSample {
    /// The time of the sample (ms).
    pub t: f64,
    /// Which connection (index into the driver's connections).
    pub connection: usize,
    /// The weight delivered (`None` on grid samples or when the model emitted nothing).
    pub weight: Option<f64>,
    /// The connection's variables, in the order of [`Synapse::VARIABLES`].
    pub values: Vec<f64>,
}

/// What a run recorded.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PlasticityRecording {
    /// Names of [`SynapseSample::values`].
    pub names: Vec<&'static str>,
    /// One sample per connection and presynaptic spike, in time order.
    pub events: Vec<SynapseSample>,
    /// One sample per connection and grid time.
    pub grid: Vec<SynapseSample>,
    /// The postsynaptic spike times.
    pub post_spikes: Vec<f64>,
}

impl PlasticityRecording {
    /// The samples of `connection` among `samples`, as (t, value of `name`).
    pub fn series(samples: &[SynapseSample], names: &[&str], connection: usize, name: &str) -> Vec<(f64, f64)> {
        let Some(i) = names.iter().position(|n| *n == name) else { return Vec::new() };
        samples.iter().filter(|s| s.connection == connection).map(|s| (s.t, s.values[i])).collect()
    }
}

/// Why a run failed.
#[derive(Clone, Debug, PartialEq)]
pub enum PlasticityError {
    /// A continuous port of the synapse is bound to a variable the neuron lacks, or a port is
    /// left unbound.
    Binding {
        /// The synapse model.
        synapse: &'static str,
        /// The neuron model.
        neuron: &'static str,
        /// What does not fit.
        message: String,
    },
    /// A delay below one step, or a receptor the neuron lacks.
    Setup(String),
    /// The synapse parameters violate a guard.
    Params(Fault),
    /// The neuron's calibration failed.
    Calibrate(Fault),
    /// A neuron step or a synapse event failed; `recording` holds everything until then.
    Fault {
        /// What failed.
        fault: Fault,
        /// Everything recorded until then.
        recording: Box<PlasticityRecording>,
    },
}

impl fmt::Display for PlasticityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PlasticityError::Binding { synapse, neuron, message } => write!(f, "{synapse} onto {neuron}: {message}"),
            PlasticityError::Setup(m) => write!(f, "{m}"),
            PlasticityError::Params(fault) | PlasticityError::Calibrate(fault) => write!(f, "{fault}"),
            PlasticityError::Fault { fault, recording } => write!(f, "{fault} (after {} recorded events)", recording.events.len()),
        }
    }
}

impl std::error::Error for PlasticityError {}

/// When a synapse's continuous ports take the postsynaptic neuron's values for a
/// postsynaptic spike at `s` (PyNESTML's `continuous_state_buffering_method`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Buffering {
    /// At the end of the step that ends at `s + d`, when the spike reaches the synapse
    /// (PyNESTML's default, `continuous_time_buffer`).
    #[default]
    ContinuousTime,
    /// At the spike itself (`post_spike_based`).
    PostSpike,
}

/// The plasticity driver (module docs).
#[derive(Clone, Debug)]
pub struct PlasticityDriver<S: Synapse> {
    resolution: Resolution,
    rng: NestmlRng,
    /// The parameters shared by the connections.
    pub params: S::Params,
    /// The connections, in the order they were added.
    pub connections: Vec<Connection<S>>,
    pre: Vec<i64>,
    modulation: Option<SpikeHistory>,
    /// Continuous port index → neuron variable name.
    bindings: Vec<(usize, String)>,
    /// The continuous ports' values when there is no neuron.
    train_inputs: Vec<f64>,
    /// The first invalid input given, reported by the next run.
    invalid: Option<String>,
    buffering: Buffering,
    grid_steps: Option<i64>,
}

impl<S: Synapse> PlasticityDriver<S> {
    /// A driver at `resolution` with the model's default parameters; random numbers come
    /// from `seed`.
    pub fn new(resolution: Resolution, seed: u64) -> Self {
        PlasticityDriver {
            resolution,
            rng: NestmlRng::seed_from_u64(seed),
            params: S::Params::default(),
            connections: Vec::new(),
            pre: Vec::new(),
            modulation: None,
            bindings: Vec::new(),
            train_inputs: vec![0.0; S::continuous_ports()],
            invalid: None,
            buffering: Buffering::default(),
            grid_steps: None,
        }
    }

    /// Presynaptic spike times in ms (rounded to the nearest step); a time that is not a
    /// finite, non-negative number makes the run fail.
    pub fn pre_spikes(&mut self, times: &[f64]) -> &mut Self {
        let h = self.resolution.h();
        if let Some(t) = times.iter().find(|t| !(t.is_finite() && **t >= 0.0)) {
            self.invalid.get_or_insert_with(|| format!("presynaptic spike time {t} ms"));
        }
        self.pre.extend(times.iter().filter(|t| t.is_finite() && **t >= 0.0).map(|t| (t / h).round() as i64));
        self.pre.sort_unstable();
        self
    }

    /// A connection in the model's initial state with `delay` ms (rounded to steps) onto
    /// `receptor`.
    pub fn connect(&mut self, delay: f64, receptor: usize) -> &mut Self {
        let synapse = S::new(&self.params);
        self.connect_synapse(synapse, delay, receptor)
    }

    /// A connection with the given state.
    pub fn connect_synapse(&mut self, synapse: S, delay: f64, receptor: usize) -> &mut Self {
        let delay_steps = (delay / self.resolution.h()).round() as i64;
        self.connections.push(Connection { synapse, delay_steps, receptor });
        self
    }

    /// Neuromodulatory spike times in ms (a volume transmitter's), for the modulatory port.
    pub fn modulatory_spikes(&mut self, times: &[f64]) -> &mut Self {
        if let Some(t) = times.iter().find(|t| !(t.is_finite() && **t >= 0.0)) {
            self.invalid.get_or_insert_with(|| format!("neuromodulatory spike time {t} ms"));
        }
        self.modulation = Some(SpikeHistory::from_times(times));
        self
    }

    /// The synapse's continuous port `port` reads the neuron's variable `variable`.
    pub fn bind(&mut self, port: &str, variable: &str) -> Result<&mut Self, PlasticityError> {
        let index = S::PORTS.iter().filter(|p| p.role == PortRole::Continuous).position(|p| p.name == port).ok_or_else(|| PlasticityError::Binding {
            synapse: S::NAME,
            neuron: "?",
            message: format!("the synapse has no continuous input port `{port}`"),
        })?;
        self.bindings.retain(|(i, _)| *i != index);
        self.bindings.push((index, variable.to_string()));
        self.bindings.sort();
        Ok(self)
    }

    /// When continuous ports take their values for a postsynaptic spike.
    pub fn buffering(&mut self, b: Buffering) -> &mut Self {
        self.buffering = b;
        self
    }

    /// Binds several ports (`nestml::post_binding!` checks such pairs at compile time).
    pub fn bind_ports(&mut self, pairs: &[(&str, &str)]) -> Result<&mut Self, PlasticityError> {
        for (port, variable) in pairs {
            self.bind(port, variable)?;
        }
        Ok(self)
    }

    /// The values of the continuous ports in runs against a given postsynaptic train
    /// (default 0), in port order.
    pub fn train_inputs(&mut self, values: &[f64]) -> &mut Self {
        for (slot, v) in self.train_inputs.iter_mut().zip(values) {
            *slot = *v;
        }
        self
    }

    /// Also samples every connection every `interval` ms.
    pub fn record_every(&mut self, interval: f64) -> &mut Self {
        self.grid_steps = Some(((interval / self.resolution.h()).round() as i64).max(1));
        self
    }

    fn check_setup(&self) -> Result<(), PlasticityError> {
        if let Some(what) = &self.invalid {
            return Err(PlasticityError::Setup(format!("{}: {what} is not a finite, non-negative time", S::NAME)));
        }
        self.params.check().map_err(PlasticityError::Params)?;
        if let Some(c) = self.connections.iter().find(|c| c.delay_steps < 1) {
            return Err(PlasticityError::Setup(format!("{}: a delay of {} steps; delays are at least one step", S::NAME, c.delay_steps)));
        }
        Ok(())
    }

    fn sample(&self, t: f64, connection: usize, synapse: &S, weight: Option<f64>) -> SynapseSample {
        SynapseSample { t, connection, weight, values: (0..S::VARIABLES.len()).map(|v| synapse.get_value(v).unwrap_or(f64::NAN)).collect() }
    }

    fn recording(&self) -> PlasticityRecording {
        PlasticityRecording { names: S::VARIABLES.iter().map(|v| v.name).collect(), ..Default::default() }
    }

    /// Sends the presynaptic spike of step `m` through every connection; returns the
    /// (arrival step, receptor, weight) of what they emitted.
    fn send_all(&mut self, m: i64, posts: &[SpikeHistory], inputs: &[f64], rec: &mut PlasticityRecording) -> Result<Vec<(i64, usize, f64)>, Fault> {
        let t = self.resolution.t_ms(m);
        let h = self.resolution.h();
        let mut out = Vec::new();
        for c in 0..self.connections.len() {
            let conn = &mut self.connections[c];
            let post = &posts[c.min(posts.len() - 1)];
            let mut ev = SendContext { t_spike: t, delay: conn.delay_steps as f64 * h, post, modulation: self.modulation.as_ref(), inputs, rng: &mut self.rng };
            let w = conn.synapse.send(&self.params, &mut ev)?;
            if let Some(w) = w {
                out.push((m + conn.delay_steps - 1, conn.receptor, w));
            }
            let sample = self.sample(t, c, &self.connections[c].synapse, w);
            rec.events.push(sample);
        }
        Ok(out)
    }

    /// Samples every connection, brought up to step `k`'s start, without changing it.
    fn sample_grid(&mut self, k: i64, posts: &[SpikeHistory], inputs: &[f64], rec: &mut PlasticityRecording) -> Result<(), Fault> {
        let t = self.resolution.t_ms(k);
        let h = self.resolution.h();
        for c in 0..self.connections.len() {
            let post = &posts[c.min(posts.len() - 1)];
            let mut s = self.connections[c].synapse.clone();
            let mut ev = SendContext { t_spike: t, delay: self.connections[c].delay_steps as f64 * h, post, modulation: self.modulation.as_ref(), inputs, rng: &mut self.rng };
            s.update_to(&self.params, &mut ev, t)?;
            rec.grid.push(self.sample(t, c, &s, None));
        }
        Ok(())
    }

    /// Runs until `t_stop` ms against a given postsynaptic spike train (continuous ports read
    /// [`train_inputs`](Self::train_inputs), also at the postsynaptic spikes).
    pub fn run_with_post_train(&mut self, post_times: &[f64], t_stop: f64) -> Result<PlasticityRecording, PlasticityError> {
        self.check_setup()?;
        if let Some(t) = post_times.iter().chain([&t_stop]).find(|t| !(t.is_finite() && **t >= 0.0)) {
            return Err(PlasticityError::Setup(format!("{}: {t} ms is not a finite, non-negative time", S::NAME)));
        }
        let stride = S::continuous_ports();
        let mut post = SpikeHistory::with_values(stride);
        let mut sorted = post_times.to_vec();
        sorted.sort_by(f64::total_cmp);
        let inputs = self.train_inputs.clone();
        for t in sorted {
            post.push(t, &inputs);
        }
        let posts = [post];
        let mut rec = self.recording();
        rec.post_spikes = posts[0].times().to_vec();
        let n_steps = self.resolution.steps_ceil(t_stop);
        let mut events: Vec<i64> = self.pre.iter().copied().filter(|&m| m <= n_steps).collect();
        if let Some(g) = self.grid_steps {
            events.extend((0..=n_steps).step_by(g as usize));
        }
        events.sort_unstable();
        events.dedup();
        let pre = self.pre.clone();
        let fail = |fault, rec| PlasticityError::Fault { fault, recording: Box::new(rec) };
        for k in events {
            if self.grid_steps.is_some_and(|g| k % g == 0) {
                if let Err(f) = self.sample_grid(k, &posts, &inputs, &mut rec) {
                    return Err(fail(f, rec));
                }
            }
            for _ in pre.iter().filter(|&&m| m == k) {
                if let Err(f) = self.send_all(k, &posts, &inputs, &mut rec) {
                    return Err(fail(f, rec));
                }
            }
        }
        Ok(rec)
    }

    /// Runs `n_steps` steps of `neuron`, which receives what the connections deliver and whose
    /// spikes the synapses see.
    pub fn run_with_neuron<N: Neuron>(&mut self, neuron: &mut N, n_steps: i64) -> Result<PlasticityRecording, PlasticityError> {
        self.check_setup()?;
        let binding_error = |message: String| PlasticityError::Binding { synapse: S::NAME, neuron: N::NAME, message };
        let n_ports = S::continuous_ports();
        let mut vars = Vec::with_capacity(n_ports);
        for port in 0..n_ports {
            let name = S::PORTS.iter().filter(|p| p.role == PortRole::Continuous).nth(port).map_or("?", |p| p.name);
            let Some((_, variable)) = self.bindings.iter().find(|(i, _)| *i == port) else {
                return Err(binding_error(format!("continuous port `{name}` is not bound to a neuron variable (PlasticityDriver::bind)")));
            };
            let var = N::variable_index(variable).ok_or_else(|| binding_error(format!("port `{name}` reads `{variable}`, which the neuron does not have")))?;
            let (port_unit, var_unit) = (S::PORTS.iter().filter(|p| p.role == PortRole::Continuous).nth(port).and_then(|p| p.unit), N::VARIABLES[var].unit);
            if port_unit != var_unit {
                let unit = |u: Option<&str>| u.unwrap_or("no unit").to_string();
                return Err(binding_error(format!("port `{name}` ({}) reads `{variable}`, which is in {}", unit(port_unit), unit(var_unit))));
            }
            vars.push(var);
        }
        if let Some(c) = self.connections.iter().find(|c| c.receptor >= N::RECEPTORS.len()) {
            return Err(PlasticityError::Setup(format!("{} has no receptor {} ({} receptors)", N::NAME, c.receptor, N::RECEPTORS.len())));
        }
        neuron.init_buffers(&self.resolution);
        neuron.calibrate(&self.resolution).map_err(PlasticityError::Calibrate)?;
        let read = |n: &N| -> Vec<f64> { vars.iter().map(|&v| n.get_value(v, 0).unwrap_or(f64::NAN)).collect() };
        // one history per connection when its values depend on the delay (continuous-time
        // buffering: the values at `s + d`), else one for all
        let per_connection = n_ports > 0 && self.buffering == Buffering::ContinuousTime;
        let mut posts = vec![SpikeHistory::with_values(n_ports); if per_connection { self.connections.len().max(1) } else { 1 }];
        let mut waiting: Vec<std::collections::VecDeque<f64>> = vec![Default::default(); posts.len()];
        let mut spikes = Vec::new();
        let mut rec = self.recording();
        let mut pending: Vec<(i64, usize, f64)> = Vec::new();
        let pre = self.pre.clone();
        let mut pi = pre.partition_point(|&m| m < 0);
        let fail = |fault, mut rec: PlasticityRecording, spikes: &[f64]| {
            rec.post_spikes = spikes.to_vec();
            PlasticityError::Fault { fault, recording: Box::new(rec) }
        };
        for k in 0..n_steps {
            let inputs = read(neuron);
            if self.grid_steps.is_some_and(|g| k % g == 0) {
                if let Err(f) = self.sample_grid(k, &posts, &inputs, &mut rec) {
                    return Err(fail(f, rec, &spikes));
                }
            }
            while pi < pre.len() && pre[pi] == k {
                match self.send_all(k, &posts, &inputs, &mut rec) {
                    Ok(out) => pending.extend(out),
                    Err(f) => return Err(fail(f, rec, &spikes)),
                }
                pi += 1;
            }
            pending.retain(|&(step, receptor, w)| {
                if step == k {
                    neuron.handle_spike(receptor, w, 1);
                }
                step > k
            });
            let mut ctx = StepContext::new(&self.resolution, k, &mut self.rng);
            let t_end = ctx.t_end;
            match neuron.step(&mut ctx) {
                Ok(out) if out.spiked() => {
                    spikes.push(t_end);
                    if per_connection {
                        waiting.iter_mut().for_each(|w| w.push_back(t_end));
                    } else {
                        posts[0].push(t_end, &read(neuron));
                    }
                }
                Ok(_) => {}
                Err(f) => return Err(fail(f, rec, &spikes)),
            }
            // continuous-time buffering: a spike at `s` takes the values at the end of the
            // step that ends at `s + d`
            for (c, w) in waiting.iter_mut().enumerate().filter(|_| per_connection) {
                let d = self.connections.get(c).map_or(0.0, |c| c.delay_steps as f64 * self.resolution.h());
                while w.front().is_some_and(|&s| s + d <= t_end + STDP_EPS) {
                    let s = w.pop_front().unwrap_or_default();
                    posts[c].push(s, &read(neuron));
                }
            }
        }
        rec.post_spikes = spikes;
        Ok(rec)
    }
}
