//! Every neuron model of the library (../shared/nestml-models) compiled by `include_nestml!`
//! runs 1 s at 0.1 ms under a suprathreshold DC current (on its continuous input port, or as
//! `I_e` if it has none) without a fault, NaN or infinity, and fires.

use nestml::{NestmlRng, Neuron, PortKind, Resolution, StepContext, VariableKind};

/// Runs 1 s at 0.1 ms with `current` pA; returns the spike count. Panics on a fault or a
/// non-finite value of any variable after any step.
fn run_dc<N: Neuron + Default>(current: f64) -> u32 {
    let resolution = Resolution::from_ms(0.1).unwrap();
    let mut rng = NestmlRng::seed_from_u64(1);
    let mut n = N::default();
    let has_port = N::PORTS.iter().any(|p| p.kind == PortKind::Continuous);
    if !has_port && current != 0.0 {
        n.set("I_e", current).unwrap_or_else(|e| panic!("{e}"));
    }
    n.init_buffers(&resolution);
    n.calibrate(&resolution).unwrap();
    let mut spikes = 0;
    for k in 0..10_000 {
        if has_port {
            n.handle_current(0, current);
        }
        let mut ctx = StepContext::new(&resolution, k, &mut rng);
        spikes += n.step(&mut ctx).unwrap_or_else(|e| panic!("{e}")).spikes;
        for (i, v) in N::VARIABLES.iter().enumerate().filter(|(_, v)| v.kind == VariableKind::State) {
            let x = n.get_value(i, 0).unwrap();
            assert!(x.is_finite(), "{}: {} = {x} after step {k}", N::NAME, v.name);
        }
    }
    spikes
}

/// One test per library model: `name` (module and test), type, file, DC amplitude in pA; with
/// `silent: "why"` for models that, as written, cannot fire (PyNESTML's code behaves the same).
macro_rules! library_model {
    ($name:ident, $ty:ident, $file:literal, $current:expr, silent: $why:literal) => {
        library_model!(@test $name, $ty, $file, $current, Some($why));
    };
    ($name:ident, $ty:ident, $file:literal, $current:expr) => {
        library_model!(@test $name, $ty, $file, $current, None);
    };
    (@test $name:ident, $ty:ident, $file:literal, $current:expr, $silent:expr) => {
        mod $name {
            nestml::include_nestml!($file);

            #[test]
            fn simulates_one_second_under_dc() {
                super::check_firing(stringify!($name), super::run_dc::<$ty>($current), $silent);
            }
        }
    };
}

/// A model fires under its suprathreshold current, or stays silent for the reason given.
fn check_firing(model: &str, spikes: u32, silent: Option<&str>) {
    match silent {
        Some(why) => assert_eq!(spikes, 0, "{model}: {why}"),
        None => assert!(spikes > 0, "{model}: no spike in 1 s"),
    }
}

library_model!(aeif_cond_alpha_alt_neuron, AeifCondAlphaAltNeuron, "../../../shared/nestml-models/neurons/aeif_cond_alpha_alt_neuron.nestml", 800.0);
library_model!(aeif_cond_alpha_neuron, AeifCondAlphaNeuron, "../../../shared/nestml-models/neurons/aeif_cond_alpha_neuron.nestml", 800.0);
library_model!(aeif_cond_exp_neuron, AeifCondExpNeuron, "../../../shared/nestml-models/neurons/aeif_cond_exp_neuron.nestml", 800.0);
library_model!(aeif_psc_alpha_neuron, AeifPscAlphaNeuron, "../../../shared/nestml-models/neurons/aeif_psc_alpha_neuron.nestml", 800.0);
library_model!(aeif_psc_exp_neuron, AeifPscExpNeuron, "../../../shared/nestml-models/neurons/aeif_psc_exp_neuron.nestml", 800.0);
library_model!(hh_cond_exp_destexhe_neuron, HhCondExpDestexheNeuron, "../../../shared/nestml-models/neurons/hh_cond_exp_destexhe_neuron.nestml", 2000.0, silent: "onCondition compares V_m with the state variable V_m_old, which stays at E_L (update assigns a local of the same name)");
library_model!(hh_cond_exp_traub_neuron, HhCondExpTraubNeuron, "../../../shared/nestml-models/neurons/hh_cond_exp_traub_neuron.nestml", 500.0);
library_model!(hh_moto_5ht_neuron, HhMoto5htNeuron, "../../../shared/nestml-models/neurons/hh_moto_5ht_neuron.nestml", 500.0);
library_model!(hh_psc_alpha_neuron, HhPscAlphaNeuron, "../../../shared/nestml-models/neurons/hh_psc_alpha_neuron.nestml", 800.0);
library_model!(hill_tononi_neuron, HillTononiNeuron, "../../../shared/nestml-models/neurons/hill_tononi_neuron.nestml", 500.0);
library_model!(iaf_chxk_2008_neuron, IafChxk2008Neuron, "../../../shared/nestml-models/neurons/iaf_chxk_2008_neuron.nestml", 2500.0);
library_model!(iaf_cond_alpha_neuron, IafCondAlphaNeuron, "../../../shared/nestml-models/neurons/iaf_cond_alpha_neuron.nestml", 500.0);
library_model!(iaf_cond_beta_neuron, IafCondBetaNeuron, "../../../shared/nestml-models/neurons/iaf_cond_beta_neuron.nestml", 500.0);
library_model!(iaf_cond_exp_neuron, IafCondExpNeuron, "../../../shared/nestml-models/neurons/iaf_cond_exp_neuron.nestml", 500.0);
library_model!(iaf_cond_exp_sfa_rr_neuron, IafCondExpSfaRrNeuron, "../../../shared/nestml-models/neurons/iaf_cond_exp_sfa_rr_neuron.nestml", 500.0);
library_model!(iaf_psc_alpha_neuron, IafPscAlphaNeuron, "../../../shared/nestml-models/neurons/iaf_psc_alpha_neuron.nestml", 500.0);
library_model!(iaf_psc_delta_fixed_timestep_neuron, IafPscDeltaFixedTimestepNeuron, "../../../shared/nestml-models/neurons/iaf_psc_delta_fixed_timestep_neuron.nestml", 500.0);
library_model!(iaf_psc_delta_neuron, IafPscDeltaNeuron, "../../../shared/nestml-models/neurons/iaf_psc_delta_neuron.nestml", 500.0);
library_model!(iaf_psc_exp_htum_neuron, IafPscExpHtumNeuron, "../../../shared/nestml-models/neurons/iaf_psc_exp_htum_neuron.nestml", 500.0, silent: "r_tot is decremented in every step without a spike, so it is never 0 again after the first step");
library_model!(iaf_psc_exp_neuron, IafPscExpNeuron, "../../../shared/nestml-models/neurons/iaf_psc_exp_neuron.nestml", 500.0);
library_model!(ignore_and_fire_neuron, IgnoreAndFireNeuron, "../../../shared/nestml-models/neurons/ignore_and_fire_neuron.nestml", 0.0);
library_model!(izhikevich_neuron, IzhikevichNeuron, "../../../shared/nestml-models/neurons/izhikevich_neuron.nestml", 10.0);
library_model!(izhikevich_psc_alpha_neuron, IzhikevichPscAlphaNeuron, "../../../shared/nestml-models/neurons/izhikevich_psc_alpha_neuron.nestml", 1500.0);
library_model!(mat2_psc_exp_neuron, Mat2PscExpNeuron, "../../../shared/nestml-models/neurons/mat2_psc_exp_neuron.nestml", 600.0);
library_model!(terub_gpe_neuron, TerubGpeNeuron, "../../../shared/nestml-models/neurons/terub_gpe_neuron.nestml", 500.0);
library_model!(terub_stn_neuron, TerubStnNeuron, "../../../shared/nestml-models/neurons/terub_stn_neuron.nestml", 500.0);
library_model!(traub_cond_multisyn_neuron, TraubCondMultisynNeuron, "../../../shared/nestml-models/neurons/traub_cond_multisyn_neuron.nestml", 500.0);
library_model!(traub_psc_alpha_neuron, TraubPscAlphaNeuron, "../../../shared/nestml-models/neurons/traub_psc_alpha_neuron.nestml", 500.0);
library_model!(wb_cond_exp_neuron, WbCondExpNeuron, "../../../shared/nestml-models/neurons/wb_cond_exp_neuron.nestml", 500.0);
library_model!(wb_cond_multisyn_neuron, WbCondMultisynNeuron, "../../../shared/nestml-models/neurons/wb_cond_multisyn_neuron.nestml", 500.0);
library_model!(iaf_psc_exp_nonlineardendrite_neuron, IafPscExpNonlineardendriteNeuron, "../../../shared/nestml-models/tutorials/iaf_psc_exp_nonlineardendrite_neuron.nestml", 500.0);
library_model!(izhikevich_tutorial_neuron, IzhikevichTutorialNeuron, "../../../shared/nestml-models/tutorials/izhikevich_solution.nestml", 10.0);

mod inhomogeneous_poisson {
    nestml::include_nestml!("../../../shared/nestml-models/tutorials/inhomogeneous_poisson.nestml");

    /// Vectors: the rate table follows its size parameter, elements are set by `name[i]`, and
    /// the model fires only after the rate switches on (Poisson, from the caller's generator).
    #[test]
    fn rate_table_in_vectors_switches_firing_on() {
        use nestml::{NestmlRng, Neuron, Resolution, StepContext};
        let mut n = InhomogeneousPoissonNeuron::default();
        assert_eq!(n.rate_times.len(), 1);
        n.set("N", 2.0).unwrap();
        assert_eq!(n.rate_times.len(), 2, "vectors follow their size parameter");
        n.set("rate_times[1]", 500.0).unwrap();
        n.set("rate_values[1]", 100.0).unwrap(); // 1/ms; the model draws rate * h * 1e-3 per step
        assert_eq!(n.get("rate_times[1]"), Some(500.0));
        assert!(n.set("rate_times[2]", 1.0).is_err(), "out of range");
        let resolution = Resolution::from_ms(0.1).unwrap();
        let mut rng = NestmlRng::seed_from_u64(7);
        n.calibrate(&resolution).unwrap();
        let mut spike_steps = Vec::new();
        for k in 0..10_000 {
            if n.step(&mut StepContext::new(&resolution, k, &mut rng)).unwrap().spiked() {
                spike_steps.push(k);
            }
        }
        assert!(spike_steps.iter().all(|&k| k >= 4_999), "{spike_steps:?}");
        // 5000 steps at 0.01 spikes per step: 50 expected, 5 standard deviations either side
        assert!((15..=85).contains(&spike_steps.len()), "{}", spike_steps.len());
    }
}

#[test]
fn get_set_by_nestml_name() {
    let mut n = iaf_psc_exp_neuron::IafPscExpNeuron::default();
    assert_eq!(n.get("V_m"), Some(-70.0));
    assert_eq!(n.get("tau_syn_exc"), Some(2.0));
    n.set("E_L", -65.0).unwrap();
    assert_eq!(n.get("E_L"), Some(-65.0));
    assert!(n.set("unit_psc", 2.0).is_err(), "internals are read-only");
    assert!(n.set("no_such_variable", 1.0).is_err());
    assert_eq!(<iaf_psc_exp_neuron::IafPscExpNeuron as Neuron>::NAME, "iaf_psc_exp_neuron");
}

mod tiny {
    nestml::include_nestml!("../nestml-compiler/tests/codegen/tiny_neuron.nestml");
}

#[test]
fn guards_are_checked_on_set_and_internals_follow_parameters() {
    let mut n = tiny::TinyNeuron::default();
    assert_eq!(n.get("steps"), Some(20.0));
    let err = n.set("tau_m", -1.0).unwrap_err();
    assert!(err.to_string().contains("guard `tau_m > 0` of `tau_m`"), "{err}");
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

#[test]
fn recordable_inlines_are_read_by_name() {
    use wb_cond_exp_neuron::WbCondExpNeuron;
    let mut n = WbCondExpNeuron::default();
    let info = <WbCondExpNeuron as Neuron>::VARIABLES
        .iter()
        .find(|v| v.name == "I_syn_exc")
        .unwrap();
    assert_eq!((info.kind, info.unit), (VariableKind::Recordable, Some("pA")));
    assert!(n.set("I_syn_exc", 1.0).is_err(), "recordables are read-only");
    // I_syn_exc = 1 nS * g_exc * (E_exc - V_m)
    let g = <WbCondExpNeuron as Neuron>::VARIABLES
        .iter()
        .find(|v| v.name.starts_with("g_exc__X__"))
        .unwrap()
        .name;
    n.set(g, 2.0).unwrap();
    let want = 2.0 * (n.get("E_exc").unwrap() - n.get("V_m").unwrap());
    assert_eq!(n.get("I_syn_exc"), Some(want));
}

#[test]
fn typed_accessors_speak_uom_quantities() {
    use nestml::uom::si::electric_potential::millivolt;
    use nestml::uom::si::f64::{ElectricPotential, Time};
    use nestml::uom::si::time::{millisecond, second};
    let mut n = iaf_psc_exp_neuron::IafPscExpNeuron::default();
    assert_eq!(n.v_m(), ElectricPotential::new::<millivolt>(-70.0));
    n.set_tau_m(Time::new::<second>(0.02)).unwrap();
    assert_eq!(n.tau_m.round(), 20.0, "stored in ms");
    assert_eq!(n.tau_m().get::<millisecond>().round(), 20.0);
    let mut htum = iaf_psc_exp_htum_neuron::IafPscExpHtumNeuron::default();
    let err = htum.set_t_ref_tot(Time::new::<millisecond>(1.0)).unwrap_err();
    assert!(err.to_string().contains("guard `t_ref_tot >= t_ref_abs` of `t_ref_tot`"), "guards apply: {err}");
}

#[test]
fn calibrate_rejects_bad_parameters_set_on_the_fields() {
    let resolution = Resolution::from_ms(0.1).unwrap();
    let mut n = tiny::TinyNeuron::default();
    n.tau_m = -1.0; // the fields are public: `set` and its guard were bypassed
    let e = n.calibrate(&resolution).unwrap_err();
    assert!(e.to_string().starts_with("tiny_neuron: guard violated: tau_m > 0"), "{e}");
    let mut n = iaf_psc_exp_neuron::IafPscExpNeuron::default();
    n.tau_m = 0.0;
    let e = n.calibrate(&resolution).unwrap_err();
    assert!(e.to_string().contains("propagator = NaN: the exact propagator is not finite"), "{e}");
}

/// `calibrate` checks that every real internal is finite: iaf_cond_beta's normalisation
/// divides by `tau_syn_decay_E - tau_syn_rise_E`, so equal time constants make `t_peak_E` NaN,
/// a fault before any step rather than a NaN state later.
#[test]
fn calibrate_rejects_non_finite_internals() {
    let resolution = Resolution::from_ms(0.1).unwrap();
    let mut n = iaf_cond_beta_neuron::IafCondBetaNeuron::default();
    n.calibrate(&resolution).unwrap();
    n.set("tau_syn_rise_E", 2.0).unwrap();
    assert_eq!(n.get("tau_syn_decay_E"), Some(2.0));
    let e = n.calibrate(&resolution).unwrap_err();
    match e.kind {
        nestml::FaultKind::InvalidParameter { name, value, reason } => {
            assert_eq!(name, "t_peak_E");
            assert!(value.is_nan() && reason.contains("not finite at these parameters"), "{e}");
        }
        _ => panic!("{e}"),
    }
    n.set("tau_syn_rise_E", 0.2).unwrap();
    n.calibrate(&resolution).unwrap();
}

/// `reset_state` re-derives the initial state from the current parameters (`V_m = E_L` after
/// `E_L` changed) and keeps the parameters.
#[test]
fn reset_state_rederives_the_initial_state() {
    let resolution = Resolution::from_ms(0.1).unwrap();
    let mut rng = NestmlRng::seed_from_u64(1);
    let mut n = iaf_psc_exp_neuron::IafPscExpNeuron::default();
    n.set("E_L", -60.0).unwrap();
    n.set("I_e", 500.0).unwrap();
    n.init_buffers(&resolution);
    n.calibrate(&resolution).unwrap();
    let mut spikes = 0;
    for k in 0..500 {
        n.handle_spike(0, 1000.0, 1);
        n.handle_spike(0, -400.0, 1);
        spikes += n.step(&mut StepContext::new(&resolution, k, &mut rng)).unwrap().spikes;
    }
    assert!(spikes > 0 && n.I_syn_exc > 0.0 && n.I_syn_inh > 0.0 && n.V_m != -60.0);
    n.reset_state();
    assert_eq!((n.V_m, n.refr_t, n.I_syn_exc, n.I_syn_inh), (-60.0, 0.0, 0.0, 0.0));
    assert_eq!((n.E_L, n.I_e), (-60.0, 500.0), "parameters are kept");
}

mod bounded {
    nestml::include_nestml!(max_substeps = 2, "../../../shared/nestml-models/neurons/hh_psc_alpha_neuron.nestml");
}

/// `max_substeps` bounds the adaptive solver's work per step (for hard real-time loops): a step
/// that needs more is a fault naming the model and the time.
#[test]
fn max_substeps_bounds_the_solver_work_per_step() {
    use nestml::{NestmlRng, Neuron, Resolution, StepContext};
    fn spikes_in_1_s<N: Neuron + Default>() -> Result<u32, String> {
        let res = Resolution::from_ms(0.1).unwrap();
        let mut rng = NestmlRng::seed_from_u64(1);
        let mut n = N::default();
        n.set("I_e", 800.0).unwrap();
        n.init_buffers(&res);
        n.calibrate(&res).unwrap();
        (0..10_000).try_fold(0, |spikes, k| Ok(spikes + n.step(&mut StepContext::new(&res, k, &mut rng)).map_err(|f| f.to_string())?.spikes))
    }
    assert!(spikes_in_1_s::<hh_psc_alpha_neuron::HhPscAlphaNeuron>().unwrap() > 10, "unbounded, the neuron fires");
    let err = spikes_in_1_s::<bounded::HhPscAlphaNeuron>().unwrap_err();
    assert!(err.starts_with("hh_psc_alpha_neuron: solver failed") && err.contains("more than 2 internal steps"), "{err}");
}
