//! Every synapse model of the library (../shared/nestml-models/synapses) and of the tutorials
//! (../shared/tutorial-models) compiled by `include_nestml!` runs alone (against a given
//! postsynaptic spike train) and onto two generated neurons (iaf_psc_exp_neuron and
//! hh_psc_alpha_neuron, driven to fire by `I_e`), with no fault and finite state; plastic
//! models change their weight, and the weight the neuron receives is the one emitted.

use nestml::{PlasticityDriver, PlasticityRecording, Resolution, Synapse};

mod neurons {
    nestml::include_nestml!("../../../shared/nestml-models/neurons/iaf_psc_exp_neuron.nestml");
    nestml::include_nestml!("../../../shared/nestml-models/neurons/hh_psc_alpha_neuron.nestml");
}
use neurons::{HhPscAlphaNeuron, IafPscExpNeuron};

/// Presynaptic spikes: irregular, 40 in 1 s, on the 0.1 ms grid.
fn pre_train() -> Vec<f64> {
    (1..=40).map(|i| ((i as f64 * 24.7 + (i * i % 7) as f64 * 1.3) * 10.0).round() / 10.0).collect()
}

/// A driver with the pre train, three connections (delays 1, 2.5, 5 ms), modulatory spikes
/// and the continuous port (if any) bound to the neuron's `bound` variable.
fn driver<S: Synapse>(bound: &str) -> PlasticityDriver<S> {
    let mut d = PlasticityDriver::<S>::new(Resolution::from_ms(0.1).unwrap(), 7);
    d.pre_spikes(&pre_train()).connect(1.0, 0).connect(2.5, 0).connect(5.0, 0);
    d.modulatory_spikes(&(1..20).map(|i| i as f64 * 50.0 + 3.0).collect::<Vec<_>>());
    if let Some(port) = S::PORTS.iter().find(|p| p.role == nestml::PortRole::Continuous) {
        d.bind(port.name, bound).unwrap();
    }
    d.record_every(10.0);
    d
}

/// A synapse's continuous port bound to a neuron variable of another unit is an error
/// naming both models.
#[test]
fn binding_checks_the_variable_and_its_unit() {
    mod third {
        nestml::include_nestml!("../../../shared/tutorial-models/third_factor_stdp_synapse.nestml");
    }
    let mut n = IafPscExpNeuron::default();
    let mut d = PlasticityDriver::<third::ThirdFactorStdpSynapse>::new(Resolution::from_ms(0.1).unwrap(), 1);
    d.pre_spikes(&[5.0]).connect(1.0, 0);
    let err = d.run_with_neuron(&mut n, 10).unwrap_err().to_string();
    assert!(err.contains("not bound"), "{err}");
    d.bind("I_post_dend", "V_m").unwrap();
    let err = d.run_with_neuron(&mut n, 10).unwrap_err().to_string();
    assert_eq!(err, "third_factor_stdp_synapse onto iaf_psc_exp_neuron: port `I_post_dend` (pA) reads `V_m`, which is in mV");
    d.bind("I_post_dend", "I_dend").unwrap();
    let err = d.run_with_neuron(&mut n, 10).unwrap_err().to_string();
    assert!(err.contains("reads `I_dend`, which the neuron does not have"), "{err}");
    assert!(d.bind("nope", "V_m").is_err());
}

/// Finite samples, one event per connection and presynaptic spike, and (for `plastic`
/// models) a weight that moved.
fn check<S: Synapse>(rec: &PlasticityRecording, plastic: bool) {
    assert_eq!(rec.events.len(), 3 * pre_train().len(), "{}", S::NAME);
    for s in rec.events.iter().chain(&rec.grid) {
        assert!(s.values.iter().all(|v| v.is_finite()), "{}: {s:?}", S::NAME);
        assert!(s.weight.is_none_or(f64::is_finite), "{}: {s:?}", S::NAME);
    }
    let w = rec.names.iter().position(|n| *n == "w").unwrap();
    let first = S::new(&Default::default()).weight();
    let moved = rec.events.iter().any(|s| (s.values[w] - first).abs() > 1e-9);
    assert_eq!(moved, plastic, "{}: weight moved = {moved}", S::NAME);
}

/// 1 s of the three connections onto a neuron of type `N` firing under `I_e = i_e` pA, the
/// continuous port (if any) bound to `bound`.
fn onto<S: Synapse, N: nestml::Neuron + Default>(i_e: f64, bound: &str) -> PlasticityRecording {
    let mut n = N::default();
    n.set("I_e", i_e).unwrap();
    let rec = driver::<S>(bound).run_with_neuron(&mut n, 10_000).unwrap_or_else(|e| panic!("{e}"));
    assert!(rec.post_spikes.len() > 5, "{}: {} postsynaptic spikes", N::NAME, rec.post_spikes.len());
    rec
}

/// One module per synapse file; `plastic` says whether its weight changes with these trains.
macro_rules! synapse_model {
    ($name:ident, $ty:ident, $file:literal, plastic: $plastic:expr) => {
        mod $name {
            use super::*;
            nestml::include_nestml!($file);

            #[test]
            fn alone_against_a_given_post_train() {
                let post: Vec<f64> = (1..=60).map(|i| i as f64 * 16.1).map(|t| (t * 10.0_f64).round() / 10.0).collect();
                let rec = driver::<$ty>("I_syn_exc").train_inputs(&[50.0]).run_with_post_train(&post, 1000.0).unwrap_or_else(|e| panic!("{e}"));
                check::<$ty>(&rec, $plastic);
                assert_eq!(rec.grid.len(), 3 * 101);
            }

            #[test]
            fn onto_iaf_psc_exp_neuron() {
                check::<$ty>(&onto::<$ty, IafPscExpNeuron>(400.0, "I_syn_exc"), $plastic);
            }

            #[test]
            fn onto_hh_psc_alpha_neuron() {
                check::<$ty>(&onto::<$ty, HhPscAlphaNeuron>(700.0, "I_e"), $plastic);
            }
        }
    };
}

synapse_model!(static_synapse, StaticSynapse, "../../../shared/nestml-models/synapses/static_synapse.nestml", plastic: false);
synapse_model!(noisy_synapse, NoisySynapse, "../../../shared/nestml-models/synapses/noisy_synapse.nestml", plastic: false);
synapse_model!(tsodyks_synapse, TsodyksSynapse, "../../../shared/nestml-models/synapses/tsodyks_synapse.nestml", plastic: false);
synapse_model!(stdp_synapse, StdpSynapse, "../../../shared/nestml-models/synapses/stdp_synapse.nestml", plastic: true);
synapse_model!(stdp_nn_pre_centered_synapse, StdpNnPreCenteredSynapse, "../../../shared/nestml-models/synapses/stdp_nn_pre_centered_synapse.nestml", plastic: true);
synapse_model!(stdp_nn_restr_symm_synapse, StdpNnRestrSymmSynapse, "../../../shared/nestml-models/synapses/stdp_nn_restr_symm_synapse.nestml", plastic: true);
synapse_model!(stdp_nn_symm_synapse, StdpNnSymmSynapse, "../../../shared/nestml-models/synapses/stdp_nn_symm_synapse.nestml", plastic: true);
synapse_model!(stdp_triplet_synapse, StdpTripletSynapse, "../../../shared/nestml-models/synapses/stdp_triplet_synapse.nestml", plastic: true);
synapse_model!(stdsp_synapse, StdspSynapse, "../../../shared/nestml-models/synapses/stdsp_synapse.nestml", plastic: true);
synapse_model!(neuromodulated_stdp_synapse, NeuromodulatedStdpSynapse, "../../../shared/nestml-models/synapses/neuromodulated_stdp_synapse.nestml", plastic: true);
synapse_model!(tutorial_stdp_dopa_synapse, NeuromodulatedStdpSynapse, "../../../shared/tutorial-models/neuromodulated_stdp_synapse__stdp_dopa_synapse.nestml", plastic: true);
synapse_model!(tutorial_stdp_windows_synapse, StdpSynapse, "../../../shared/tutorial-models/stdp_synapse__stdp_windows.nestml", plastic: true);
synapse_model!(tutorial_stdp_triplet_nn_synapse, StdpTripletNnSynapse, "../../../shared/tutorial-models/stdp_triplet_nn_synapse.nestml", plastic: true);
synapse_model!(tutorial_triplet_stdp_synapse, StdpTripletSynapse, "../../../shared/tutorial-models/stdp_triplet_synapse__triplet_stdp_synapse.nestml", plastic: true);
synapse_model!(tutorial_stdp_vogels_synapse, StdpVogelsSynapse, "../../../shared/tutorial-models/stdp_vogels_synapse.nestml", plastic: true);
synapse_model!(tutorial_stdp_windowed_synapse, StdpWindowedSynapse, "../../../shared/tutorial-models/stdp_windowed_synapse.nestml", plastic: true);
synapse_model!(tutorial_third_factor_stdp_synapse, ThirdFactorStdpSynapse, "../../../shared/tutorial-models/third_factor_stdp_synapse.nestml", plastic: true);

/// Only a synapse whose one handler emits its weight and whose only state is the weight is
/// static (the network delivers it without the event loop).
#[test]
fn only_static_synapses_are_static() {
    assert!(static_synapse::StaticSynapse::STATIC);
    assert!(!noisy_synapse::NoisySynapse::STATIC, "draws a random weight");
    assert!(!tsodyks_synapse::TsodyksSynapse::STATIC, "has state");
    assert!(!stdp_synapse::StdpSynapse::STATIC, "has a post port");
}

/// Parameters are shared and typed; a connection's state is small, `Copy` and typed too; a
/// connection with its own parameters (`WithParams`) is itself a synapse.
#[test]
fn parameters_state_and_heterogeneous_connections() {
    use nestml::uom::si::{electrical_conductance::nanosiemens, f64::Time, time::millisecond};
    use nestml::{SynapseParams, WithParams};
    let mut p = stdp_triplet_synapse::StdpTripletSynapseParams::default();
    p.set_tau_plus(Time::new::<millisecond>(10.0)).unwrap();
    assert_eq!(p.get("tau_plus"), Some(10.0));
    assert!(p.set("Wmax", -1.0).is_err(), "guard Wmax >= 0 nS");
    assert!(p.set("nope", 1.0).is_err());
    let c = stdp_triplet_synapse::StdpTripletSynapse::new(&p);
    assert!((c.w().get::<nanosiemens>() - 1.0).abs() < 1e-12); // uom stores siemens
    assert_eq!(std::mem::size_of_val(&c), 6 * 8, "w, four traces, time of the last update");
    let mut copy = c;
    copy.set("tr_r1", 2.0).unwrap();
    assert_eq!((c.tr_r1, copy.tr_r1), (0.0, 2.0));
    assert!(copy.set("w", -1.0).is_err(), "guard w >= 0 nS");

    // one connection with its own (larger) learning rate among shared ones
    let mut own = stdp_synapse::StdpSynapseParams::default();
    own.set("lambda", 0.1).unwrap();
    let mut d = PlasticityDriver::<WithParams<stdp_synapse::StdpSynapse>>::new(Resolution::from_ms(0.1).unwrap(), 1);
    d.pre_spikes(&[10.0, 30.0]).connect(1.0, 0).connect_synapse(WithParams::new(own), 1.0, 0);
    let rec = d.run_with_post_train(&[15.0], 40.0).unwrap();
    let w = |c: usize| rec.events.iter().rfind(|s| s.connection == c).unwrap().weight.unwrap();
    assert!(w(1) - 1.0 > 5.0 * (w(0) - 1.0), "{} {}", w(0), w(1));
}

/// Continuous ports take the postsynaptic value for a postsynaptic spike at `s` at the end of
/// the step that ends at `s + d` (PyNESTML's default, continuous-time buffering), or at the
/// spike (post-spike buffering). The probe synapse stores what it saw; the neuron's refractory
/// timer is 2 ms at the spike and 1 ms one delay (1 ms) later.
#[test]
fn continuous_ports_buffer_as_pynestml() {
    mod probe {
        nestml::nestml!(r#"
model probe_synapse:
    state:
        w real = 1
        seen ms = -1 ms
    input:
        pre_spikes <- spike
        post_spikes <- spike
        timer ms <- continuous
    output:
        spike
    onReceive(post_spikes):
        seen = timer
    onReceive(pre_spikes):
        emit_spike(w)
"#);
    }
    use nestml::Buffering;
    let seen = |buffering: Buffering| {
        let mut n = IafPscExpNeuron::default();
        nestml::Neuron::set(&mut n, "I_e", 600.0).unwrap();
        let mut d = PlasticityDriver::<probe::ProbeSynapse>::new(Resolution::from_ms(0.1).unwrap(), 1);
        d.pre_spikes(&(1..=50).map(|i| i as f64 * 19.7).collect::<Vec<_>>()).connect(1.0, 0).buffering(buffering);
        d.bind("timer", "refr_t").unwrap();
        let rec = d.run_with_neuron(&mut n, 10_000).unwrap();
        assert!(rec.post_spikes.len() > 10);
        let i = rec.names.iter().position(|n| *n == "seen").unwrap();
        rec.events.iter().map(|e| e.values[i]).filter(|&v| v >= 0.0).collect::<Vec<f64>>()
    };
    let continuous = seen(Buffering::ContinuousTime);
    let at_spike = seen(Buffering::PostSpike);
    assert!(!continuous.is_empty() && !at_spike.is_empty());
    assert!(continuous.iter().all(|v| (v - 1.0).abs() < 1e-9), "{continuous:?}");
    assert!(at_spike.iter().all(|v| (v - 2.0).abs() < 1e-9), "{at_spike:?}");
}
