//! The library's linear models compiled by `include_nestml!` run for 1 s with a DC current.

use nestml::{NestmlRng, Neuron, Resolution, StepContext};

nestml::include_nestml!("../../../shared/nestml-models/neurons/iaf_psc_exp_neuron.nestml");
nestml::include_nestml!("../../../shared/nestml-models/neurons/iaf_psc_alpha_neuron.nestml");
nestml::include_nestml!("../../../shared/nestml-models/neurons/iaf_psc_delta_neuron.nestml");

/// Runs 1 s at 0.1 ms with `current` pA on the first continuous port; returns the spike count.
fn run_dc<N: Neuron + Default>(current: f64) -> u32 {
    let resolution = Resolution::from_ms(0.1).unwrap();
    let mut rng = NestmlRng::seed_from_u64(1);
    let mut n = N::default();
    n.init_buffers(&resolution);
    n.calibrate(&resolution).unwrap();
    let mut spikes = 0;
    for k in 0..10_000 {
        n.handle_current(0, current);
        let mut ctx = StepContext::new(&resolution, k, &mut rng);
        spikes += n.step(&mut ctx).unwrap().spikes;
        for (i, v) in N::VARIABLES.iter().enumerate() {
            let x = n.get_value(i, 0).unwrap();
            assert!(
                x.is_finite(),
                "{}: {} = {x} after step {k}",
                N::NAME,
                v.name
            );
        }
    }
    spikes
}

#[test]
fn library_models_simulate_without_nan() {
    for (name, spikes) in [
        ("iaf_psc_exp", run_dc::<IafPscExpNeuron>(500.0)),
        ("iaf_psc_alpha", run_dc::<IafPscAlphaNeuron>(500.0)),
        ("iaf_psc_delta", run_dc::<IafPscDeltaNeuron>(500.0)),
    ] {
        // 500 pA into 250 pF / 10 ms drives V_m towards -50 mV, above threshold
        assert!(spikes > 10, "{name}: {spikes} spikes");
    }
}

#[test]
fn get_set_by_nestml_name() {
    let mut n = IafPscExpNeuron::default();
    assert_eq!(n.get("V_m"), Some(-70.0));
    assert_eq!(n.get("tau_syn_exc"), Some(2.0));
    n.set("E_L", -65.0).unwrap();
    assert_eq!(n.get("E_L"), Some(-65.0));
    assert!(n.set("unit_psc", 2.0).is_err(), "internals are read-only");
    assert!(n.set("no_such_variable", 1.0).is_err());
    assert_eq!(<IafPscExpNeuron as Neuron>::NAME, "iaf_psc_exp_neuron");
}

mod tiny {
    nestml::include_nestml!("../nestml-compiler/tests/codegen/tiny_neuron.nestml");
}

#[test]
fn guards_are_checked_on_set_and_internals_follow_parameters() {
    let mut n = tiny::TinyNeuron::default();
    assert_eq!(n.get("steps"), Some(20.0));
    let err = n.set("tau_m", -1.0).unwrap_err();
    assert!(err.to_string().contains("guard of `tau_m`"), "{err}");
    assert_eq!(
        n.get("tau_m"),
        Some(10.0),
        "a rejected value leaves the neuron unchanged"
    );
    n.set("refr_T", 3.0).unwrap();
    assert_eq!(n.get("steps"), Some(30.0));
}

#[test]
fn nestml_macro_compiles_inline_source() {
    nestml::nestml!(
        r#"
model decay_neuron:
    state:
        x real = 1
    equations:
        x' = -x / tau
    parameters:
        tau ms = 10 ms
    update:
        integrate_odes()
"#
    );
    let resolution = Resolution::from_ms(0.1).unwrap();
    let mut rng = NestmlRng::seed_from_u64(1);
    let mut n = DecayNeuron::default();
    n.calibrate(&resolution).unwrap();
    for k in 0..100 {
        n.step(&mut StepContext::new(&resolution, k, &mut rng))
            .unwrap();
    }
    let x = n.get("x").unwrap();
    assert!((x - (-1.0f64).exp()).abs() < 1e-12, "{x}");
}
