//! The `stdp_third_factor_active_dendrite` tutorial: STDP gated by the postsynaptic dendritic
//! current (../shared/tutorial-reference/stdp_third_factor_active_dendrite.md), with the
//! tutorial's `third_factor_stdp_synapse` onto its `iaf_psc_exp_active_dendrite_neuron`.
//!
//! The synapse's continuous input `I_post_dend` reads the neuron's `I_dAP`; a weight change
//! counts with the gate `I_post_dend / I_post_dend_peak` (100 pA). The third factor is forced
//! from outside: before every step the protocol writes a stepwise value into the neuron
//! (`I_dAP = v_k`, `t_dAP = 1 ms`), so each case opens the gate at chosen times.
//!
//! Timing: the presynaptic relay (`parrot_neuron`) fires 1 ms after its generator; the neuron
//! fires 1 ms after each postsynaptic generator spike (port `spike_generator_spikes`, weight
//! 100000); the plastic connection has delay `d`, all dendritic, so a postsynaptic spike at `s`
//! is an event at the synapse at `s + d`. Where the gate is read for that event is PyNESTML's
//! `continuous_state_buffering_method`: `continuous_time_buffer` (default) reads `I_dAP` at
//! `s + d`, `post_spike_based` at `s` ([`super::common::PostValues`]).

#![allow(dead_code)]

use super::common::{PostValues, Sim};
use nestml::{Neuron, Resolution, Synapse, SynapseParams};

mod models {
    nestml::include_nestml!("../../../shared/tutorial-models/iaf_psc_exp_active_dendrite_neuron__stdp_third_factor_active_dendrite.nestml");
    nestml::include_nestml!("../../../shared/tutorial-models/third_factor_stdp_synapse.nestml");
}
pub use models::{IafPscExpActiveDendriteNeuron, ThirdFactorStdpSynapse};

/// NEST receptors of the neuron: its spike ports in declaration order.
pub const SYNAPTIC_SPIKES: usize = 0;
pub const SPIKE_GENERATOR_SPIKES: usize = 1;
pub const GENERATOR_WEIGHT: f64 = 100_000.0;
pub const W0: f64 = 1.0;

/// One case of the protocol.
#[derive(Clone, Debug, PartialEq)]
pub struct Case {
    /// The key in the reference JSON.
    pub key: &'static str,
    pub pre_generator_ms: Vec<f64>,
    pub post_generator_ms: Vec<f64>,
    pub resolution_ms: f64,
    pub delay_ms: f64,
    /// The third factor: from `t_k` on, `I_dAP = v_k` (pA); `None`: no longer forced.
    pub stepwise: Vec<(f64, Option<f64>)>,
    /// The neuron's `reset_I_dAP_after_AP`.
    pub reset_i_dap_after_ap: bool,
}

impl Case {
    /// `max(last pre, last post generator time) + 1.1 d`.
    pub fn sim_time_ms(&self) -> f64 {
        let last = self
            .pre_generator_ms
            .iter()
            .chain(&self.post_generator_ms)
            .fold(f64::NEG_INFINITY, |a, &b| a.max(b));
        last + 1.1 * self.delay_ms
    }
}

const S1_PRE: [f64; 4] = [15.0, 65.0, 115.0, 165.0];
const S1_POST: [f64; 3] = [10.0, 60.0, 110.0];
const S3_PRE: [f64; 3] = [15.0, 65.0, 165.0];
const S3_POST: [f64; 1] = [60.0];

fn case(
    key: &'static str,
    pre: &[f64],
    post: &[f64],
    delay_ms: f64,
    stepwise: &[(f64, f64)],
) -> Case {
    Case {
        key,
        pre_generator_ms: pre.to_vec(),
        post_generator_ms: post.to_vec(),
        resolution_ms: 0.1,
        delay_ms,
        stepwise: stepwise.iter().map(|&(t, v)| (t, Some(v))).collect(),
        reset_i_dap_after_ap: true,
    }
}

/// The deterministic cases of the tutorial (the spec's table).
pub fn cases() -> Vec<Case> {
    let shifted_pre: Vec<f64> = S1_PRE.iter().map(|t| t - 5.0).collect();
    let shifted_post: Vec<f64> = S1_POST.iter().map(|t| t + 5.0).collect();
    vec![
        case("1_third_factor_zero", &S1_PRE, &S1_POST, 2.0, &[(0.0, 0.0)]),
        case(
            "2a_third_factor_on",
            &S1_PRE,
            &S1_POST,
            1.0,
            &[(0.0, 100.0)],
        ),
        case(
            "2b_third_factor_on_shifted",
            &shifted_pre,
            &shifted_post,
            1.0,
            &[(0.0, 100.0)],
        ),
        case(
            "3_on_during_pre_only",
            &S3_PRE,
            &S3_POST,
            1.0,
            &[(0.0, 0.0), (64.0, 100.0), (68.0, 0.0)],
        ),
        case(
            "4_on_during_post_only",
            &S3_PRE,
            &S3_POST,
            1.0,
            &[(0.0, 0.0), (59.0, 100.0), (63.0, 0.0)],
        ),
        case(
            "5_on_at_soma_post_delay10",
            &S3_PRE,
            &S3_POST,
            10.0,
            &[(0.0, 0.0), (59.0, 100.0), (63.0, 0.0)],
        ),
        case(
            "6_on_at_delayed_post_delay15",
            &S3_PRE,
            &S3_POST,
            15.0,
            &[(0.0, 0.0), (72.0, 100.0), (80.0, 0.0)],
        ),
        case(
            "7_simultaneous_pre_post",
            &[10.0, 50.0, 100.0],
            &[11.0, 49.0],
            1.0,
            &[(0.0, 0.0), (46.0, 100.0), (55.0, 0.0)],
        ),
    ]
}

/// The last, "non-forced" case: `reset_I_dAP_after_AP = false`, 0.5 ms, d = 1.5 ms, the third
/// factor 0 until 100 ms, 1 pA from 100 to 120 ms, then left to decay (tau_dAP = 100 ms), with
/// the tutorial's random generator times (`numpy.random.RandomState(1000)`, given).
pub fn non_forced_case(pre_generator_ms: Vec<f64>, post_generator_ms: Vec<f64>) -> Case {
    Case {
        key: "non_forced_dynamics",
        pre_generator_ms,
        post_generator_ms,
        resolution_ms: 0.5,
        delay_ms: 1.5,
        stepwise: vec![(0.0, Some(0.0)), (100.0, Some(1.0)), (120.0, None)],
        reset_i_dap_after_ap: false,
    }
}

/// What one case gives.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    /// Relay spike times (ms).
    pub pre_spikes_ms: Vec<f64>,
    /// The neuron's spike times (ms).
    pub post_spikes_ms: Vec<f64>,
    /// The weight after each presynaptic spike.
    pub w_after_each_pre_spike: Vec<f64>,
    /// Loop time after each step (ms) and the connection's weight then (as NEST reports it:
    /// last changed by a presynaptic spike).
    pub t_ms: Vec<f64>,
    pub w: Vec<f64>,
    /// The third factor `I_dAP` (pA) at the start of each step (after forcing).
    pub i_dap: Vec<f64>,
}

impl Outcome {
    pub fn w_final(&self) -> f64 {
        *self.w.last().unwrap_or(&W0)
    }
}

/// Runs one case with the given buffering of the continuous input.
pub fn run(case: &Case, buffering: PostValues) -> Result<Outcome, String> {
    let resolution = Resolution::from_ms(case.resolution_ms).map_err(|e| e.to_string())?;
    let e = |e: nestml::SetError| e.to_string();
    let mut neuron = IafPscExpActiveDendriteNeuron::default();
    neuron.set("I_th", 1500.0).map_err(e)?;
    neuron.set("I_dAP_peak", 10.0).map_err(e)?;
    neuron
        .set(
            "reset_I_dAP_after_AP",
            if case.reset_i_dap_after_ap { 1.0 } else { 0.0 },
        )
        .map_err(e)?;
    let mut params = <ThirdFactorStdpSynapse as Synapse>::Params::default();
    params.set("lambda", 1e-6).map_err(e)?;
    params.set("mu_plus", 0.0).map_err(e)?;
    params.set("mu_minus", 0.0).map_err(e)?;
    let mut sim = Sim::<IafPscExpActiveDendriteNeuron, ThirdFactorStdpSynapse>::new(
        resolution, neuron, params, 1,
    );
    sim.bind(&["I_dAP"], buffering);
    let mut synapse = ThirdFactorStdpSynapse::new(&sim.params);
    synapse.set("w", W0).map_err(e)?;
    let pre: Vec<f64> = case.pre_generator_ms.iter().map(|t| t + 1.0).collect(); // parrot relays
    sim.connect(synapse, &pre, case.delay_ms, SYNAPTIC_SPIKES);
    for &t in &case.post_generator_ms {
        sim.generator_spike(t, 1.0, SPIKE_GENERATOR_SPIKES, GENERATOR_WEIGHT);
    }
    let h = resolution.h();
    let sim_time = case.sim_time_ms();
    let mut out = Outcome {
        pre_spikes_ms: pre,
        post_spikes_ms: Vec::new(),
        w_after_each_pre_spike: Vec::new(),
        t_ms: Vec::new(),
        w: Vec::new(),
        i_dap: Vec::new(),
    };
    // the notebook's loop: time accumulated in floating point, the stepwise value written
    // before each one-step Simulate
    let mut t = 0.0_f64;
    while t <= sim_time {
        if let Some(&(_, Some(v))) = case.stepwise.iter().rev().find(|(t_k, _)| t >= *t_k) {
            sim.neuron.set("I_dAP", v).map_err(e)?;
            sim.neuron.set("t_dAP", 1.0).map_err(e)?;
        }
        out.i_dap.push(sim.neuron.get("I_dAP").ok_or("no I_dAP")?);
        sim.step_once()?;
        t += h;
        out.t_ms.push(t);
        out.w.push(sim.connections[0].synapse.weight());
    }
    out.post_spikes_ms = sim.post_spikes.clone();
    out.w_after_each_pre_spike = sim.connections[0].weights.iter().map(|&(_, w)| w).collect();
    Ok(out)
}
