//! The interpreter (`nestml-interp`) against the generated code: every library neuron, driven
//! by the same current and spikes (both signs on every receptor), at its defaults and with every
//! real parameter set to 1.05 times its default, agrees in every variable (parameters, state,
//! internals, convolution states, recordables) after every step within 1e-12 (relative, or
//! absolute below 1), with identical spike steps and identical faults.

use std::sync::Arc;

use nestml::{DynNeuron, NestmlRng, Neuron, PortKind, Resolution, StepContext, ValueType, VariableKind};
use nestml_interp::{CodegenOptions, Interpreted, OptionValue};

/// The tolerance: `|a - b| <= TOL * max(1, |a|, |b|)`.
const TOL: f64 = 1e-12;

/// The largest deviation `|a - b| / max(1, |a|, |b|)` over every variable and step of a
/// 500 ms run at 0.1 ms with `current` pA (on the first continuous port, or as `I_e`) and
/// spikes on every receptor; panics on a larger one, a different spike step or fault.
fn compare<N: Neuron + Default>(file: &str, current: f64, options: &[(&str, OptionValue)]) -> f64 {
    run_both::<N>(file, current, options, false).max(run_both::<N>(file, current, options, true))
}

/// [`compare`] at the defaults, or with every real parameter set to 1.05 times its default
/// (through `set`, so that internals and the propagator are recomputed; both must accept or
/// refuse each value alike).
fn run_both<N: Neuron + Default>(file: &str, current: f64, options: &[(&str, OptionValue)], perturbed: bool) -> f64 {
    let text = std::fs::read_to_string(file).unwrap_or_else(|e| panic!("{file}: {e}"));
    let mut codegen = CodegenOptions::default();
    for (key, value) in options {
        codegen.set(key, value.clone()).unwrap();
    }
    let programs = nestml_interp::load(file, &text, &codegen).unwrap_or_else(|e| panic!("{e}"));
    let program = programs.iter().find(|p| p.name() == N::NAME).map(Arc::clone).expect("the model is in its file");
    let mut ours = Interpreted::new(program);
    let mut generated = N::default();
    assert_eq!(DynNeuron::variables(&ours), N::VARIABLES, "{}: variable lists", N::NAME);
    assert_eq!(DynNeuron::ports(&ours), N::PORTS);
    assert_eq!(DynNeuron::receptors(&ours), N::RECEPTORS);
    if perturbed {
        for (i, v) in N::VARIABLES.iter().enumerate().filter(|(_, v)| v.kind == VariableKind::Parameter && v.ty == ValueType::Real && !v.vector) {
            let value = 1.05 * Neuron::get_value(&generated, i, 0).unwrap();
            let results = (Neuron::set_value(&mut generated, i, 0, value), DynNeuron::set_value(&mut ours, i, 0, value));
            assert_eq!(results.0, results.1, "{}: set {} = {value}", N::NAME, v.name);
        }
    }
    let has_port = N::PORTS.iter().any(|p| p.kind == PortKind::Continuous);
    if !has_port && current != 0.0 {
        Neuron::set(&mut generated, "I_e", current).unwrap();
        DynNeuron::set(&mut ours, "I_e", current).unwrap();
    }
    let resolution = Resolution::from_ms(0.1).unwrap();
    let (mut rng_g, mut rng_i) = (NestmlRng::seed_from_u64(3), NestmlRng::seed_from_u64(3));
    Neuron::init_buffers(&mut generated, &resolution);
    DynNeuron::init_buffers(&mut ours, &resolution);
    let calibrated = (Neuron::calibrate(&mut generated, &resolution), DynNeuron::calibrate(&mut ours, &resolution));
    assert_eq!(calibrated.0, calibrated.1, "{}: calibrate", N::NAME);
    let mut worst: f64 = 0.0;
    let mut spikes = 0;
    for k in 0..5000i64 {
        if has_port {
            Neuron::handle_current(&mut generated, 0, current);
            DynNeuron::handle_current(&mut ours, 0, current);
        }
        for r in 0..N::RECEPTORS.len() {
            // every receptor gets a spike every 3.7 ms (shifted per receptor), alternating in sign
            if (k + 11 * r as i64) % 37 == 0 {
                let w = if (k / 37) % 2 == 0 { 2.5 } else { -1.5 };
                Neuron::handle_spike(&mut generated, r, w, 1);
                DynNeuron::handle_spike(&mut ours, r, w, 1);
            }
        }
        let g = Neuron::step(&mut generated, &mut StepContext::new(&resolution, k, &mut rng_g));
        let i = DynNeuron::step(&mut ours, &mut StepContext::new(&resolution, k, &mut rng_i));
        let faulted = match (g, i) {
            (Ok(a), Ok(b)) => {
                assert_eq!(a, b, "{}: spikes in step {k}", N::NAME);
                spikes += a.spikes;
                false
            }
            (g, i) => {
                assert_eq!(g.map_err(|e| e.to_string()), i.map_err(|e| e.to_string()), "{}: step {k}", N::NAME);
                true
            }
        };
        for (v, info) in N::VARIABLES.iter().enumerate() {
            for e in 0..Neuron::vector_len(&generated, v) {
                let (a, b) = (generated.get_value(v, e).unwrap(), DynNeuron::get_value(&ours, v, e).unwrap());
                let deviation = if a == b || (a.is_nan() && b.is_nan()) { 0.0 } else { (a - b).abs() / a.abs().max(b.abs()).max(1.0) };
                assert!(deviation <= TOL, "{}: {}[{e}] after step {k}: generated {a}, interpreted {b}", N::NAME, info.name);
                worst = worst.max(deviation);
            }
        }
        if faulted {
            println!("{}: the same fault in step {k} in both", N::NAME);
            break;
        }
    }
    println!("{}{}: {spikes} spikes, largest deviation {worst:e}", N::NAME, if perturbed { " (parameters × 1.05)" } else { "" });
    worst
}

/// A macro option's value as the code generator's.
trait Option_ {
    fn value(self) -> OptionValue;
}

impl Option_ for &str {
    fn value(self) -> OptionValue {
        OptionValue::Str(self.to_string())
    }
}

impl Option_ for f64 {
    fn value(self) -> OptionValue {
        OptionValue::Number(self)
    }
}

/// One test per model: module, type, file (relative to this crate), DC in pA, then the
/// code generator's options (given to both).
macro_rules! agree {
    ($name:ident, $ty:ident, $file:literal, $current:expr $(, $key:ident = $value:literal)*) => {
        mod $name {
            nestml::include_nestml!($($key = $value,)* $file);

            #[test]
            fn interpreter_agrees_with_generated_code() {
                let options: [(&str, nestml_interp::OptionValue); 0 $(+ { let _ = stringify!($key); 1 })*] = [$((stringify!($key), super::Option_::value($value))),*];
                super::compare::<$ty>(concat!(env!("CARGO_MANIFEST_DIR"), "/", $file), $current, &options);
            }
        }
    };
}

agree!(aeif_cond_alpha_alt_neuron, AeifCondAlphaAltNeuron, "../../../shared/nestml-models/neurons/aeif_cond_alpha_alt_neuron.nestml", 800.0);
agree!(aeif_cond_alpha_neuron, AeifCondAlphaNeuron, "../../../shared/nestml-models/neurons/aeif_cond_alpha_neuron.nestml", 800.0);
agree!(aeif_cond_exp_neuron, AeifCondExpNeuron, "../../../shared/nestml-models/neurons/aeif_cond_exp_neuron.nestml", 800.0);
agree!(aeif_psc_alpha_neuron, AeifPscAlphaNeuron, "../../../shared/nestml-models/neurons/aeif_psc_alpha_neuron.nestml", 800.0);
agree!(aeif_psc_exp_neuron, AeifPscExpNeuron, "../../../shared/nestml-models/neurons/aeif_psc_exp_neuron.nestml", 800.0);
agree!(hh_cond_exp_destexhe_neuron, HhCondExpDestexheNeuron, "../../../shared/nestml-models/neurons/hh_cond_exp_destexhe_neuron.nestml", 2000.0);
agree!(hh_cond_exp_traub_neuron, HhCondExpTraubNeuron, "../../../shared/nestml-models/neurons/hh_cond_exp_traub_neuron.nestml", 500.0);
agree!(hh_moto_5ht_neuron, HhMoto5htNeuron, "../../../shared/nestml-models/neurons/hh_moto_5ht_neuron.nestml", 500.0);
agree!(hh_psc_alpha_neuron, HhPscAlphaNeuron, "../../../shared/nestml-models/neurons/hh_psc_alpha_neuron.nestml", 800.0);
agree!(hill_tononi_neuron, HillTononiNeuron, "../../../shared/nestml-models/neurons/hill_tononi_neuron.nestml", 500.0);
agree!(iaf_chxk_2008_neuron, IafChxk2008Neuron, "../../../shared/nestml-models/neurons/iaf_chxk_2008_neuron.nestml", 2500.0);
agree!(iaf_cond_alpha_neuron, IafCondAlphaNeuron, "../../../shared/nestml-models/neurons/iaf_cond_alpha_neuron.nestml", 500.0);
agree!(iaf_cond_beta_neuron, IafCondBetaNeuron, "../../../shared/nestml-models/neurons/iaf_cond_beta_neuron.nestml", 500.0);
agree!(iaf_cond_exp_neuron, IafCondExpNeuron, "../../../shared/nestml-models/neurons/iaf_cond_exp_neuron.nestml", 500.0);
agree!(iaf_cond_exp_sfa_rr_neuron, IafCondExpSfaRrNeuron, "../../../shared/nestml-models/neurons/iaf_cond_exp_sfa_rr_neuron.nestml", 500.0);
agree!(iaf_psc_alpha_neuron, IafPscAlphaNeuron, "../../../shared/nestml-models/neurons/iaf_psc_alpha_neuron.nestml", 500.0);
agree!(iaf_psc_delta_fixed_timestep_neuron, IafPscDeltaFixedTimestepNeuron, "../../../shared/nestml-models/neurons/iaf_psc_delta_fixed_timestep_neuron.nestml", 500.0);
agree!(iaf_psc_delta_neuron, IafPscDeltaNeuron, "../../../shared/nestml-models/neurons/iaf_psc_delta_neuron.nestml", 500.0);
agree!(iaf_psc_exp_htum_neuron, IafPscExpHtumNeuron, "../../../shared/nestml-models/neurons/iaf_psc_exp_htum_neuron.nestml", 500.0);
agree!(iaf_psc_exp_neuron, IafPscExpNeuron, "../../../shared/nestml-models/neurons/iaf_psc_exp_neuron.nestml", 500.0);
agree!(ignore_and_fire_neuron, IgnoreAndFireNeuron, "../../../shared/nestml-models/neurons/ignore_and_fire_neuron.nestml", 0.0);
agree!(izhikevich_neuron, IzhikevichNeuron, "../../../shared/nestml-models/neurons/izhikevich_neuron.nestml", 10.0);
agree!(izhikevich_psc_alpha_neuron, IzhikevichPscAlphaNeuron, "../../../shared/nestml-models/neurons/izhikevich_psc_alpha_neuron.nestml", 1500.0);
agree!(mat2_psc_exp_neuron, Mat2PscExpNeuron, "../../../shared/nestml-models/neurons/mat2_psc_exp_neuron.nestml", 600.0);
agree!(terub_gpe_neuron, TerubGpeNeuron, "../../../shared/nestml-models/neurons/terub_gpe_neuron.nestml", 500.0);
agree!(terub_stn_neuron, TerubStnNeuron, "../../../shared/nestml-models/neurons/terub_stn_neuron.nestml", 500.0);
agree!(traub_cond_multisyn_neuron, TraubCondMultisynNeuron, "../../../shared/nestml-models/neurons/traub_cond_multisyn_neuron.nestml", 500.0);
agree!(traub_psc_alpha_neuron, TraubPscAlphaNeuron, "../../../shared/nestml-models/neurons/traub_psc_alpha_neuron.nestml", 500.0);
agree!(wb_cond_exp_neuron, WbCondExpNeuron, "../../../shared/nestml-models/neurons/wb_cond_exp_neuron.nestml", 500.0);
agree!(wb_cond_multisyn_neuron, WbCondMultisynNeuron, "../../../shared/nestml-models/neurons/wb_cond_multisyn_neuron.nestml", 500.0);

// the tutorials' neurons
agree!(iaf_psc_exp_nonlineardendrite_neuron, IafPscExpNonlineardendriteNeuron, "../../../shared/nestml-models/tutorials/iaf_psc_exp_nonlineardendrite_neuron.nestml", 500.0);
agree!(izhikevich_tutorial_neuron, IzhikevichTutorialNeuron, "../../../shared/nestml-models/tutorials/izhikevich_solution.nestml", 10.0);
agree!(inhomogeneous_poisson_neuron, InhomogeneousPoissonNeuron, "../../../shared/nestml-models/tutorials/inhomogeneous_poisson.nestml", 0.0);

// the code generator's snapshot models (vectors, loops, functions, random draws, print,
// delayed values) and its options (solvers, tolerances, controller, all numeric)
agree!(tiny_neuron, TinyNeuron, "../nestml-compiler/tests/codegen/tiny_neuron.nestml", 500.0);
agree!(numeric_neuron, NumericNeuron, "../nestml-compiler/tests/codegen/numeric_neuron.nestml", 500.0);
agree!(numeric_neuron_euler, NumericNeuronEuler, "../nestml-compiler/tests/codegen/numeric_neuron.nestml", 500.0, suffix = "_euler", numeric_solver = "forward-Euler");
agree!(numeric_neuron_rk4, NumericNeuronRk4, "../nestml-compiler/tests/codegen/numeric_neuron.nestml", 500.0, suffix = "_rk4", numeric_solver = "rk4");
agree!(numeric_neuron_implicit, NumericNeuronImplicit, "../nestml-compiler/tests/codegen/numeric_neuron.nestml", 500.0, suffix = "_implicit", numeric_solver = "implicit");
agree!(vector_neuron, VectorNeuron, "../nestml-compiler/tests/codegen/vector_neuron.nestml", 1.0);
agree!(delayed_numeric_neuron, DelayedNumericNeuron, "../nestml-compiler/tests/codegen/delayed_numeric_neuron.nestml", 0.0);
agree!(delayed_decay_neuron, DelayedDecayNeuron, "../../tests/fixtures/pynestml_dde/delayed_decay_neuron.nestml", 0.0);
agree!(iaf_psc_exp_all_numeric, IafPscExpNeuronNumeric, "../../../shared/nestml-models/neurons/iaf_psc_exp_neuron.nestml", 500.0, suffix = "_numeric", solver = "numeric");
agree!(hh_psc_alpha_derivative_control, HhPscAlphaNeuronYp, "../../../shared/nestml-models/neurons/hh_psc_alpha_neuron.nestml", 800.0, suffix = "_yp", gsl_adaptive_step_size_controller = "with_respect_to_derivative", gsl_abs_error_tol = 1e-3, gsl_rel_error_tol = 0.0);
agree!(aeif_cond_exp_bounded_substeps, AeifCondExpNeuronBounded, "../../../shared/nestml-models/neurons/aeif_cond_exp_neuron.nestml", 800.0, suffix = "_bounded", max_substeps = 3.0);
