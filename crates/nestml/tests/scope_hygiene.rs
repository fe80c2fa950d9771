//! Generated code names everything by absolute path, so it compiles whatever the user has in
//! scope: here a glob import of the facade (which brings both `Neuron` and `DynNeuron`, whose
//! methods share names), user items named like runtime items, and a user `format!` macro.

#![allow(dead_code, unused_imports, unused_macros)]

mod user {
    use nestml::*;

    pub struct Fault;
    pub struct Resolution;
    pub struct StepContext;
    pub struct SetError;
    pub fn powf(_: f64, _: f64) -> f64 {
        f64::NAN
    }
    pub mod math {}
    macro_rules! format {
        ($($t:tt)*) => {
            compile_error!("the user's format! was called by generated code")
        };
    }

    nestml::include_nestml!("../../../shared/nestml-models/neurons/iaf_psc_exp_neuron.nestml");
    nestml::include_nestml!("../../../shared/nestml-models/neurons/hh_psc_alpha_neuron.nestml");
    nestml::include_nestml!("../nestml-compiler/tests/codegen/vector_neuron.nestml");
    nestml::include_nestml!("../../../shared/nestml-models/synapses/stdp_synapse.nestml");
}

#[test]
fn generated_models_compile_and_work_under_a_glob_import() {
    use nestml::Neuron;
    let mut n = user::IafPscExpNeuron::default();
    Neuron::set(&mut n, "I_e", 500.0).unwrap();
    assert_eq!(Neuron::get(&n, "I_e"), Some(500.0));
    let err = Neuron::set_value(&mut n, 999, 0, 1.0).unwrap_err();
    assert!(err.to_string().contains("#999"), "{err}");
    let mut v = user::VectorNeuron::default();
    let len = Neuron::vector_len(&v, 0);
    assert!(Neuron::set_value(&mut v, 0, len, 1.0).is_err(), "an element past the end is refused");
}
