//! The `triplet_stdp_synapse` tutorial: frequency dependence and triplet protocols of the
//! triplet STDP rule (Pfister & Gerstner 2006), all-to-all and nearest-spike
//! (../shared/tutorial-reference/triplet_stdp_synapse.md).
//!
//! One fresh simulation per data point, at 1 ms: two `iaf_psc_delta_neuron`s (library,
//! defaults), neuron 1 → neuron 2 through the rule under test (delay 1 ms, `w = 1`); a
//! generator spike (weight 9999, delay 1 ms) makes its neuron fire once, 1 ms later.
//! Simulated for `max(last generator time) + 13 ms`; `dw = w(end) − 1`, the weight after the
//! last presynaptic spike (postsynaptic spikes after it are never applied, as in NEST).
//!
//! Semantics: a postsynaptic spike reaches the synapse 1 ms (the delay) after the neuron
//! fires; at equal times postsynaptic events come first; the postsynaptic traces `tr_o1`,
//! `tr_o2` are read just before the spike's own increment (as NEST reads its postsynaptic
//! traces), the presynaptic ones after. This is the reference's `no_history_pruning`
//! semantics: it equals NEST for the pairing protocol and pre-post-pre, but not for
//! post-pre-post, where PyNESTML 9.0.0's generated neuron prunes a spike-history entry that
//! the synapse still needs (the spec's "history-pruning artifact"); see the test.

#![allow(dead_code)]

use super::common::Sim;
use nestml::{Resolution, Synapse, SynapseParams};

mod models {
    nestml::include_nestml!("../../../shared/nestml-models/neurons/iaf_psc_delta_neuron.nestml");
    nestml::include_nestml!(
        "../../../shared/tutorial-models/stdp_triplet_synapse__triplet_stdp_synapse.nestml"
    );
    nestml::include_nestml!("../../../shared/tutorial-models/stdp_triplet_nn_synapse.nestml");
}
pub use models::{IafPscDeltaNeuron, StdpTripletNnSynapse, StdpTripletSynapse};

pub const RESOLUTION_MS: f64 = 1.0;
pub const DELAY_MS: f64 = 1.0;
pub const GENERATOR_WEIGHT: f64 = 9999.0;

/// All-to-all traces (`stdp_triplet_synapse`) or nearest-spike ones (`stdp_triplet_nn_synapse`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Variant {
    AllToAll,
    Nearest,
}

impl Variant {
    pub const ALL: [Variant; 2] = [Variant::AllToAll, Variant::Nearest];

    /// The key in the reference JSON.
    pub fn key(&self) -> &'static str {
        match self {
            Variant::AllToAll => "all_to_all",
            Variant::Nearest => "nearest_spike",
        }
    }
}

/// The rule's parameters (times in ms; weights in nS as in the models).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Parameters {
    pub tau_plus: f64,
    pub tau_x: f64,
    pub tau_minus: f64,
    pub tau_y: f64,
    pub a2_plus: f64,
    pub a3_plus: f64,
    pub a2_minus: f64,
    pub a3_minus: f64,
    pub w_min: f64,
    pub w_max: f64,
}

impl Parameters {
    /// (NESTML name, value) pairs.
    pub fn named(&self) -> [(&'static str, f64); 10] {
        [
            ("tau_plus", self.tau_plus),
            ("tau_x", self.tau_x),
            ("tau_minus", self.tau_minus),
            ("tau_y", self.tau_y),
            ("A2_plus", self.a2_plus),
            ("A3_plus", self.a3_plus),
            ("A2_minus", self.a2_minus),
            ("A3_minus", self.a3_minus),
            ("Wmin", self.w_min),
            ("Wmax", self.w_max),
        ]
    }
}

/// Parameters of the pairing protocol (experiment A).
pub fn pairing_parameters(v: Variant) -> Parameters {
    match v {
        Variant::AllToAll => Parameters {
            tau_plus: 16.8,
            tau_x: 101.0,
            tau_minus: 33.7,
            tau_y: 125.0,
            a2_plus: 5e-10,
            a3_plus: 6.2e-3,
            a2_minus: 7e-3,
            a3_minus: 2.3e-4,
            w_min: 0.0,
            w_max: 50.0,
        },
        Variant::Nearest => Parameters {
            tau_plus: 16.8,
            tau_x: 714.0,
            tau_minus: 33.7,
            tau_y: 40.0,
            a2_plus: 8.8e-11,
            a3_plus: 5.3e-2,
            a2_minus: 6.6e-3,
            a3_minus: 3.1e-3,
            w_min: 0.0,
            w_max: 50.0,
        },
    }
}

/// Parameters of the triplet protocols (experiment B) as intended. `as_run_by_notebook`: for
/// the all-to-all rule the notebook leaves the neuron-side `tau_minus`, `tau_y` of experiment
/// A in place (33.7 and 125 ms instead of 33.7 and 27 ms).
pub fn triplet_parameters(v: Variant, as_run_by_notebook: bool) -> Parameters {
    match v {
        Variant::AllToAll => Parameters {
            tau_plus: 16.8,
            tau_x: 946.0,
            tau_minus: 33.7,
            tau_y: if as_run_by_notebook { 125.0 } else { 27.0 },
            a2_plus: 6.1e-3,
            a3_plus: 6.7e-3,
            a2_minus: 1.6e-3,
            a3_minus: 1.4e-3,
            w_min: 0.0,
            w_max: 50.0,
        },
        Variant::Nearest => Parameters {
            tau_plus: 16.8,
            tau_x: 575.0,
            tau_minus: 33.7,
            tau_y: 47.0,
            a2_plus: 4.6e-3,
            a3_plus: 9.1e-3,
            a2_minus: 3e-3,
            a3_minus: 7.5e-9,
            w_min: 0.0,
            w_max: 50.0,
        },
    }
}

/// The spike times of the two generators of one run (ms).
#[derive(Clone, Debug, PartialEq)]
pub struct Protocol {
    pub pre_generator_ms: Vec<f64>,
    pub post_generator_ms: Vec<f64>,
}

/// The result of one run.
#[derive(Clone, Debug, PartialEq)]
pub struct Run {
    pub dw: f64,
    /// Spike times of neuron 1 (presynaptic) and neuron 2 (postsynaptic), ms.
    pub pre_spikes_ms: Vec<f64>,
    pub post_spikes_ms: Vec<f64>,
}

pub const PAIRING_FREQUENCIES_HZ: [f64; 6] = [1.0, 5.0, 10.0, 20.0, 40.0, 50.0];
pub const N_PAIRS: usize = 60;
/// `dt = t_post − t_pre` of the pairing protocol (ms).
pub const PAIRING_DT_MS: [f64; 2] = [10.0, -10.0];

/// Experiment A: 60 pairs at `rho_hz`; pre generator at `1 + |dt| + k T`, post generator at
/// `pre + dt`.
pub fn pairing_protocol(rho_hz: f64, dt_ms: f64) -> Protocol {
    let period = 1000.0 / rho_hz;
    let pre: Vec<f64> = (0..N_PAIRS)
        .map(|k| 1.0 + dt_ms.abs() + k as f64 * period)
        .collect();
    let post = pre.iter().map(|t| t + dt_ms).collect();
    Protocol {
        pre_generator_ms: pre,
        post_generator_ms: post,
    }
}

/// The two triplet protocols of experiment B.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Triplet {
    /// Outer spikes presynaptic, middle one postsynaptic; one triplet.
    PrePostPre,
    /// Outer spikes postsynaptic, middle one presynaptic; ten triplets.
    PostPrePost,
}

impl Triplet {
    pub const ALL: [Triplet; 2] = [Triplet::PrePostPre, Triplet::PostPrePost];

    pub fn key(&self) -> &'static str {
        match self {
            Triplet::PrePostPre => "pre_post_pre",
            Triplet::PostPrePost => "post_pre_post",
        }
    }

    /// The (a, b) delay pairs (ms).
    pub fn delays(&self) -> [(f64, f64); 4] {
        match self {
            Triplet::PrePostPre => [(5.0, -5.0), (10.0, -10.0), (15.0, -5.0), (5.0, -15.0)],
            Triplet::PostPrePost => [(-5.0, 5.0), (-10.0, 10.0), (-5.0, 15.0), (-15.0, 5.0)],
        }
    }

    pub fn n_triplets(&self) -> usize {
        match self {
            Triplet::PrePostPre => 1,
            Triplet::PostPrePost => 10,
        }
    }

    /// Triplet `i` has outer spikes at `start_i`, `start_i + s` (`s = |a| + |b|`) and the
    /// middle one at `start_i + |a|`; `start_0 = 1`, `start_{i+1} = start_i + s + 1000`.
    pub fn protocol(&self, (a, b): (f64, f64)) -> Protocol {
        let s = a.abs() + b.abs();
        let (mut outer, mut middle) = (Vec::new(), Vec::new());
        let mut start = 1.0;
        for _ in 0..self.n_triplets() {
            outer.extend([start, start + s]);
            middle.push(start + a.abs());
            start += s + 1000.0;
        }
        match self {
            Triplet::PrePostPre => Protocol {
                pre_generator_ms: outer,
                post_generator_ms: middle,
            },
            Triplet::PostPrePost => Protocol {
                pre_generator_ms: middle,
                post_generator_ms: outer,
            },
        }
    }
}

/// The spikes of an `iaf_psc_delta_neuron` driven by generator spikes at `gen_ms` (weight
/// 9999, delay 1 ms), simulated until `t_stop_ms`.
fn driven_neuron_spikes(gen_ms: &[f64], t_stop_ms: f64) -> Result<Vec<f64>, String> {
    let resolution = Resolution::from_ms(RESOLUTION_MS).map_err(|e| e.to_string())?;
    let mut sim = Sim::<IafPscDeltaNeuron, StdpTripletSynapse>::new(
        resolution,
        IafPscDeltaNeuron::default(),
        Default::default(),
        1,
    );
    for &t in gen_ms {
        sim.generator_spike(t, DELAY_MS, 0, GENERATOR_WEIGHT);
    }
    sim.run_until(t_stop_ms)?;
    Ok(sim.post_spikes)
}

fn run_with<S: Synapse>(p: &Parameters, protocol: &Protocol) -> Result<Run, String> {
    let resolution = Resolution::from_ms(RESOLUTION_MS).map_err(|e| e.to_string())?;
    let last = protocol
        .pre_generator_ms
        .iter()
        .chain(&protocol.post_generator_ms)
        .fold(0.0_f64, |a, &b| a.max(b));
    let t_stop = last + 13.0;
    let mut params = S::Params::default();
    for (name, value) in p.named() {
        params.set(name, value).map_err(|e| e.to_string())?;
    }
    // neuron 1 only relays its generator: its spikes are the presynaptic spikes
    let pre = driven_neuron_spikes(&protocol.pre_generator_ms, t_stop)?;
    let mut sim =
        Sim::<IafPscDeltaNeuron, S>::new(resolution, IafPscDeltaNeuron::default(), params, 1);
    let mut synapse = S::new(&sim.params);
    synapse.set("w", 1.0).map_err(|e| e.to_string())?;
    sim.connect(synapse, &pre, DELAY_MS, 0);
    for &t in &protocol.post_generator_ms {
        sim.generator_spike(t, DELAY_MS, 0, GENERATOR_WEIGHT);
    }
    sim.run_until(t_stop)?;
    Ok(Run {
        dw: sim.connections[0].synapse.weight() - 1.0,
        pre_spikes_ms: pre,
        post_spikes_ms: sim.post_spikes,
    })
}

/// One run of `protocol` with the rule of `variant` and parameters `p`.
pub fn run(variant: Variant, p: &Parameters, protocol: &Protocol) -> Result<Run, String> {
    match variant {
        Variant::AllToAll => run_with::<StdpTripletSynapse>(p, protocol),
        Variant::Nearest => run_with::<StdpTripletNnSynapse>(p, protocol),
    }
}

/// Experiment A for one variant: `dw[i_dt][i_rho]` for `PAIRING_DT_MS` × `PAIRING_FREQUENCIES_HZ`.
pub fn pairing(variant: Variant) -> Result<Vec<Vec<f64>>, String> {
    let p = pairing_parameters(variant);
    PAIRING_DT_MS
        .iter()
        .map(|&dt| {
            PAIRING_FREQUENCIES_HZ
                .iter()
                .map(|&rho| run(variant, &p, &pairing_protocol(rho, dt)).map(|r| r.dw))
                .collect()
        })
        .collect()
}

/// Experiment B: `dw` for the four delay pairs of `triplet`.
pub fn triplets(
    triplet: Triplet,
    variant: Variant,
    as_run_by_notebook: bool,
) -> Result<Vec<f64>, String> {
    let p = triplet_parameters(variant, as_run_by_notebook);
    triplet
        .delays()
        .iter()
        .map(|&ab| run(variant, &p, &triplet.protocol(ab)).map(|r| r.dw))
        .collect()
}
