//! Small networks against NEST 3.10 (`tests/fixtures/nest_network/small_networks.json`, made by
//! `tools/nest_network_reference.py`; its README gives the cases and conventions): chains and
//! rings of iaf_psc_delta / iaf_psc_exp neurons driven by spike generators, with static and
//! stdp synapses, delays 1–5 ms, resolutions 0.1 and 1 ms. The spike times must be identical
//! and the final weights agree to 1e-12 relative (exactly integrated neurons and event-driven
//! synapses: the differences are rounding).

use nestml::network::{Generator, Network, SynapseSpec};
use nestml::{Synapse, SynapseParams};
use serde_json::Value;

mod models {
    nestml::include_nestml!("../../../shared/nestml-models/neurons/iaf_psc_exp_neuron.nestml");
    nestml::include_nestml!("../../../shared/nestml-models/neurons/iaf_psc_delta_neuron.nestml");
    nestml::include_nestml!("../../../shared/nestml-models/synapses/static_synapse.nestml");
    nestml::include_nestml!("../../../shared/nestml-models/synapses/stdp_synapse.nestml");
}
use models::{IafPscDeltaNeuron, IafPscExpNeuron, StaticSynapse, StdpSynapse};

fn floats(v: &Value) -> Vec<f64> {
    v.as_array().map(|a| a.iter().map(|x| x.as_f64().unwrap()).collect()).unwrap_or_default()
}

/// Builds and runs `case` with neuron type `N` and synapse type `S`; returns the spikes
/// (time, neuron) and the final weights in connection order.
fn run<N: nestml::Populated + Default, S: Synapse>(case: &Value) -> (Vec<(f64, usize)>, Vec<f64>) {
    let mut prototype = N::default();
    for (k, v) in case["neuron_params"].as_object().unwrap() {
        prototype.set(k, v.as_f64().unwrap()).unwrap_or_else(|e| panic!("{e}"));
    }
    let mut net = Network::new(case["resolution"].as_f64().unwrap(), 1).unwrap();
    let pop = net.create(prototype, case["n"].as_u64().unwrap() as usize);
    let port = N::PORTS.iter().find(|p| p.kind == nestml::PortKind::Spike).unwrap().name;
    for g in case["generators"].as_array().unwrap() {
        let d = net.device(Generator::SpikeGenerator { spike_times: floats(&g["spike_times"]) }).unwrap();
        net.drive_neurons(d, pop, &[g["target"].as_u64().unwrap() as usize], g["weight"].as_f64().unwrap(), g["delay"].as_f64().unwrap(), port).unwrap();
    }
    let mut params = S::Params::default();
    for (k, v) in case["synapse_params"].as_object().unwrap() {
        params.set(k, v.as_f64().unwrap()).unwrap_or_else(|e| panic!("{k}: {e}"));
    }
    let projections: Vec<usize> = case["connections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let spec = SynapseSpec::<S>::new(c["weight"].as_f64().unwrap(), c["delay"].as_f64().unwrap()).params(params.clone());
            net.connect_pairs(pop, pop, &[(c["source"].as_u64().unwrap() as usize, c["target"].as_u64().unwrap() as usize)], spec).unwrap()
        })
        .collect();
    let r = net.spike_recorder(&[pop]);
    net.simulate(case["t_sim"].as_f64().unwrap()).unwrap();
    let spikes = net.recorder(r).unwrap().events.iter().map(|&(t, _, i)| (t, i)).collect();
    let weights = projections.iter().map(|&p| net.connections(Some(p))[0].weight).collect();
    (spikes, weights)
}

#[test]
fn small_networks_match_nest() {
    let path = format!("{}/../../tests/fixtures/nest_network/small_networks.json", env!("CARGO_MANIFEST_DIR"));
    let f: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let cases = f["cases"].as_array().unwrap();
    assert!(cases.len() >= 4);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let (spikes, weights) = match (case["neuron"].as_str().unwrap(), case["synapse"].as_str().unwrap()) {
            ("iaf_psc_delta", "static_synapse") => run::<IafPscDeltaNeuron, StaticSynapse>(case),
            ("iaf_psc_delta", "stdp_synapse") => run::<IafPscDeltaNeuron, StdpSynapse>(case),
            ("iaf_psc_exp", "static_synapse") => run::<IafPscExpNeuron, StaticSynapse>(case),
            ("iaf_psc_exp", "stdp_synapse") => run::<IafPscExpNeuron, StdpSynapse>(case),
            other => panic!("{name}: no model pair {other:?}"),
        };
        let want: Vec<(f64, usize)> = case["spikes"].as_array().unwrap().iter().map(|s| (s[0].as_f64().unwrap(), s[1].as_u64().unwrap() as usize)).collect();
        assert!(!want.is_empty(), "{name}: the reference has no spikes");
        assert_eq!(spikes.len(), want.len(), "{name}: spike count");
        for (i, (g, w)) in spikes.iter().zip(&want).enumerate() {
            assert!(g.1 == w.1 && (g.0 - w.0).abs() < 1e-9, "{name}: spike {i}: ours {g:?}, NEST {w:?}");
        }
        let want_w = floats(&case["final_weights"]);
        assert_eq!(weights.len(), want_w.len(), "{name}");
        let worst = weights.iter().zip(&want_w).map(|(g, w)| (g - w).abs() / w.abs().max(1e-3)).fold(0.0, f64::max);
        assert!(worst <= 1e-12, "{name}: weights {weights:?}, NEST {want_w:?}");
        eprintln!("{name}: {} spikes identical, {} weights, max relative deviation {worst:.1e}", want.len(), weights.len());
    }
}
