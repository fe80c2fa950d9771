//! What the tutorial experiments share: a small NEST-like simulation of one generated
//! postsynaptic neuron with plastic connections onto it, and CSV output.
//!
//! [`Sim`] steps the neuron with NEST's timing (the [`nestml::Neuron`] cycle) and passes every
//! presynaptic spike through its connections with NEST's synapse semantics
//! ([`nestml::Synapse::send`]): a presynaptic spike stamped `t` (a relay such as a
//! `parrot_neuron`, which fires when its input arrives) is sent when the simulation reaches
//! `t`, with the postsynaptic spikes up to `t − d` known, and its weight reaches the neuron in
//! the step that ends at `t + d`. Spikes from generators (NEST's `spike_generator` through a
//! static connection) are scheduled by their arrival time. Unlike
//! [`nestml::PlasticityDriver`], the caller may change the neuron and the synapse parameters
//! between any two steps (the protocols set `A_vt` every 30 ms or force `I_dAP` every step)
//! and sample the connections at any time.

#![allow(dead_code)]

use nestml::{NestmlRng, Neuron, Resolution, SendContext, SpikeHistory, StepContext, Synapse};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// When the values of a synapse's continuous ports are taken for a postsynaptic spike
/// (PyNESTML's `continuous_state_buffering_method`). For a presynaptic spike they are the
/// neuron's values when the spike is delivered (the start of the step at its stamp, after
/// anything the caller wrote into the neuron before that step).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PostValues {
    /// When the spike reaches the synapse, `s + d` (`continuous_time_buffer`, the default):
    /// the neuron's values at the end of the step that ends at `s + d`, as its buffer records
    /// them during the update, so before anything written into the neuron from outside at
    /// `s + d`. (The tutorial's non-forced case tells the two apart: with the value after
    /// such a write, w differs from NEST by 7e-8; with this one, by < 1e-14.)
    AtArrival,
    /// At the somatic spike `s` (`post_spike_based`): the values after the step that emitted it.
    AtSpike,
}

/// One plastic connection onto the simulated neuron.
#[derive(Clone, Debug)]
pub struct Plastic<S: Synapse> {
    pub synapse: S,
    pub delay_steps: i64,
    pub receptor: usize,
    /// Presynaptic spike stamps in steps, sorted (repeats are one spike of multiplicity > 1).
    pre: Vec<i64>,
    next_pre: usize,
    /// The postsynaptic spikes as this connection sees them (values depend on its delay).
    post: SpikeHistory,
    /// The weight after each presynaptic spike: (t ms, w).
    pub weights: Vec<(f64, f64)>,
}

/// A generated neuron with plastic connections of type `S` onto it (module docs).
pub struct Sim<N: Neuron, S: Synapse> {
    pub resolution: Resolution,
    pub neuron: N,
    pub params: S::Params,
    pub connections: Vec<Plastic<S>>,
    /// Neuromodulatory spikes as they act on the synapses (a volume transmitter's).
    pub modulation: Option<SpikeHistory>,
    /// The postsynaptic spike times (ms).
    pub post_spikes: Vec<f64>,
    post_values: PostValues,
    /// Neuron variables read by the synapse's continuous ports, in port order.
    bound: Vec<usize>,
    /// Postsynaptic spikes not yet in the histories of connections that read values at
    /// arrival: (spike time, connection).
    maturing: Vec<(f64, usize)>,
    /// Generator spikes: (arrival step, receptor, weight), sorted by step.
    inputs: Vec<(i64, usize, f64)>,
    next_input: usize,
    /// Weights on their way to the neuron: (arrival step, receptor, weight, multiplicity).
    in_flight: Vec<(i64, usize, f64, u32)>,
    /// The next step to run.
    pub step: i64,
    rng: NestmlRng,
    started: bool,
}

impl<N: Neuron, S: Synapse> Sim<N, S> {
    pub fn new(resolution: Resolution, neuron: N, params: S::Params, seed: u64) -> Self {
        Sim {
            resolution,
            neuron,
            params,
            connections: Vec::new(),
            modulation: None,
            post_spikes: Vec::new(),
            post_values: PostValues::AtArrival,
            bound: Vec::new(),
            maturing: Vec::new(),
            inputs: Vec::new(),
            next_input: 0,
            in_flight: Vec::new(),
            step: 0,
            rng: NestmlRng::seed_from_u64(seed),
            started: false,
        }
    }

    /// The step of time `t_ms` (rounded to the grid).
    pub fn steps(&self, t_ms: f64) -> i64 {
        (t_ms / self.resolution.h()).round() as i64
    }

    /// The time (ms) at the start of the next step.
    pub fn t(&self) -> f64 {
        self.resolution.t_ms(self.step)
    }

    /// A connection with presynaptic spikes at `pre_ms` (relay spike times), `delay_ms` and
    /// the given synapse state. Returns its index.
    pub fn connect(&mut self, synapse: S, pre_ms: &[f64], delay_ms: f64, receptor: usize) -> usize {
        let mut pre: Vec<i64> = pre_ms.iter().map(|&t| self.steps(t)).collect();
        pre.sort_unstable();
        let delay_steps = self.steps(delay_ms);
        assert!(delay_steps >= 1, "a delay of at least one step");
        self.connections.push(Plastic {
            synapse,
            delay_steps,
            receptor,
            pre,
            next_pre: 0,
            post: SpikeHistory::with_values(S::continuous_ports()),
            weights: Vec::new(),
        });
        self.connections.len() - 1
    }

    /// A spike from a generator at `t_ms` through a static connection with `delay_ms` and
    /// `weight` onto `receptor` (arrives in the step that ends at `t_ms + delay_ms`).
    pub fn generator_spike(&mut self, t_ms: f64, delay_ms: f64, receptor: usize, weight: f64) {
        let step = self.steps(t_ms + delay_ms) - 1;
        assert!(step >= self.step, "a spike in the past");
        let at = self.inputs[self.next_input..].partition_point(|&(k, _, _)| k <= step)
            + self.next_input;
        self.inputs.insert(at, (step, receptor, weight));
    }

    /// The synapse's continuous ports read these neuron variables (in port order), taken
    /// as `values` says for postsynaptic spikes and at the presynaptic spike otherwise.
    pub fn bind(&mut self, variables: &[&str], values: PostValues) {
        assert_eq!(
            variables.len(),
            S::continuous_ports(),
            "one variable per continuous port of {}",
            S::NAME
        );
        self.bound = variables
            .iter()
            .map(|v| N::variable_index(v).unwrap_or_else(|| panic!("{} has no {v}", N::NAME)))
            .collect();
        self.post_values = values;
    }

    fn read(&self) -> Vec<f64> {
        self.bound
            .iter()
            .map(|&v| self.neuron.get_value(v, 0).unwrap_or(f64::NAN))
            .collect()
    }

    /// Postsynaptic spikes that reach their connection by the end of the step just run enter
    /// its history with the values `now`, the neuron's after that step (for
    /// [`PostValues::AtArrival`]).
    fn mature(&mut self, now: &[f64]) {
        let t = self.t();
        let h = self.resolution.h();
        let connections = &mut self.connections;
        self.maturing.retain(|&(s, c)| {
            let conn = &mut connections[c];
            let arrived = s + conn.delay_steps as f64 * h <= t + 1e-9;
            if arrived {
                conn.post.push(s, now);
            }
            !arrived
        });
    }

    /// Runs one step.
    pub fn step_once(&mut self) -> Result<(), String> {
        if !self.started {
            // NEST's init_buffers and pre_run_hook before the first step; set_value keeps
            // the neuron consistent afterwards
            self.neuron.init_buffers(&self.resolution);
            self.neuron
                .calibrate(&self.resolution)
                .map_err(|f| f.to_string())?;
            self.started = true;
        }
        let k = self.step;
        let t = self.resolution.t_ms(k);
        let h = self.resolution.h();
        let now = self.read();
        // presynaptic spikes stamped t pass their connections
        for conn in &mut self.connections {
            let mut multiplicity = 0;
            while conn.next_pre < conn.pre.len() && conn.pre[conn.next_pre] == k {
                multiplicity += 1;
                conn.next_pre += 1;
            }
            if multiplicity == 0 {
                continue;
            }
            let mut ev = SendContext {
                t_spike: t,
                delay: conn.delay_steps as f64 * h,
                post: &conn.post,
                modulation: self.modulation.as_ref(),
                inputs: &now,
                rng: &mut self.rng,
            };
            let w = conn
                .synapse
                .send(&self.params, &mut ev)
                .map_err(|f| f.to_string())?;
            conn.weights.push((t, conn.synapse.weight()));
            if let Some(w) = w {
                self.in_flight
                    .push((k + conn.delay_steps - 1, conn.receptor, w, multiplicity));
            }
        }
        // everything arriving in this step
        let neuron = &mut self.neuron;
        self.in_flight.retain(|&(step, receptor, w, m)| {
            if step == k {
                neuron.handle_spike(receptor, w, m);
            }
            step > k
        });
        while self.next_input < self.inputs.len() && self.inputs[self.next_input].0 <= k {
            let (step, receptor, w) = self.inputs[self.next_input];
            if step == k {
                self.neuron.handle_spike(receptor, w, 1);
            }
            self.next_input += 1;
        }
        let mut ctx = StepContext::new(&self.resolution, k, &mut self.rng);
        let t_end = ctx.t_end;
        let out = self.neuron.step(&mut ctx).map_err(|f| f.to_string())?;
        self.step += 1;
        let values = self.read();
        if out.spiked() {
            self.post_spikes.push(t_end);
            for (c, conn) in self.connections.iter_mut().enumerate() {
                if self.post_values == PostValues::AtSpike || self.bound.is_empty() {
                    conn.post.push(t_end, &values);
                } else {
                    self.maturing.push((t_end, c));
                }
            }
        }
        if !self.maturing.is_empty() {
            self.mature(&values);
        }
        Ok(())
    }

    /// Runs until the start of step `until` (exclusive).
    pub fn run_until_step(&mut self, until: i64) -> Result<(), String> {
        while self.step < until {
            self.step_once()?;
        }
        Ok(())
    }

    /// Runs until `t_ms` (NEST's `Simulate` up to that time).
    pub fn run_until(&mut self, t_ms: f64) -> Result<(), String> {
        let until = self.steps(t_ms);
        self.run_until_step(until)
    }

    /// Brings every connection up to half a step before the current time (NEST's
    /// `trigger_update_weight`, which a `volume_transmitter` calls on its synapses at each
    /// delivery): neuromodulatory spikes until then are applied with the parameters of this
    /// moment. Half a step before, so that a postsynaptic spike exactly one delay before a
    /// presynaptic spike at the current time stays for that spike's `send` (which applies it
    /// without letting the presynaptic handler see it, as NEST does).
    pub fn update_connections(&mut self) -> Result<(), String> {
        let t = self.t() - 0.5 * self.resolution.h();
        let now = self.read();
        let h = self.resolution.h();
        for conn in &mut self.connections {
            let mut ev = SendContext {
                t_spike: t,
                delay: conn.delay_steps as f64 * h,
                post: &conn.post,
                modulation: self.modulation.as_ref(),
                inputs: &now,
                rng: &mut self.rng,
            };
            conn.synapse
                .update_to(&self.params, &mut ev, t)
                .map_err(|f| f.to_string())?;
        }
        Ok(())
    }

    /// Connection `c` as NEST would report it now, brought up to the current time (the
    /// postsynaptic spikes up to `t − d` and the neuromodulatory spikes up to `t` applied;
    /// NEST's `trigger_update_weight`); the connection itself is left as it is.
    pub fn sample(&mut self, c: usize) -> Result<S, String> {
        let t = self.t();
        let now = self.read();
        let conn = &self.connections[c];
        let mut s = conn.synapse.clone();
        let mut ev = SendContext {
            t_spike: t,
            delay: conn.delay_steps as f64 * self.resolution.h(),
            post: &conn.post,
            modulation: self.modulation.as_ref(),
            inputs: &now,
            rng: &mut self.rng,
        };
        s.update_to(&self.params, &mut ev, t)
            .map_err(|f| f.to_string())?;
        Ok(s)
    }
}

/// The output directory: the first command line argument, default `target/example-output`.
pub fn output_dir() -> std::io::Result<PathBuf> {
    let dir = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "target/example-output".into()),
    );
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// Writes a CSV file with a header and rows of numbers (full precision).
pub fn write_csv(
    path: &Path,
    header: &[&str],
    rows: impl IntoIterator<Item = Vec<f64>>,
) -> std::io::Result<()> {
    let mut s = header.join(",");
    s.push('\n');
    for row in rows {
        let cells: Vec<String> = row.iter().map(|v| format!("{v}")).collect();
        let _ = writeln!(s, "{}", cells.join(","));
    }
    std::fs::write(path, s)
}

/// Poisson spike times (ms) on the grid of `resolution`: each step of `[0, t_stop)` has
/// Poisson(rate · h) spikes, stamped at the end of the step (a `poisson_generator` feeding a
/// `parrot_neuron`); several spikes in one step appear as repeats.
pub fn poisson_train(
    rng: &mut NestmlRng,
    resolution: &Resolution,
    rate_hz: f64,
    t_stop_ms: f64,
) -> Vec<f64> {
    let lambda = rate_hz * resolution.h() / 1000.0;
    let n = resolution.steps_ceil(t_stop_ms);
    let mut out = Vec::new();
    for k in 0..n {
        let m = rng.poisson(lambda).unwrap_or(0);
        for _ in 0..m {
            out.push(resolution.t_ms(k + 1));
        }
    }
    out
}
