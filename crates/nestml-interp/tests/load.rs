//! Loading models for the interpreter: what it refuses is named; set/get, guards and
//! `reset_state` behave as generated code's.

use nestml_interp::{load, CodegenOptions, Interpreted, LoadError, OptionValue};
use nestml_runtime::{DynNeuron, NestmlRng, Resolution, SetError, StepContext};

const LEAKY: &str = "\
model leaky_neuron:
    state:
        V_m mV = E_L
        count integer = 0

    equations:
        V_m' = -(V_m - E_L) / tau_m + I_in / C_m

    parameters:
        E_L mV = -70 mV
        tau_m ms = 10 ms [[tau_m > 0 ms]]
        C_m pF = 250 pF

    input:
        I_in pA <- continuous

    output:
        spike

    update:
        integrate_odes()
        if V_m > -60 mV:
            V_m = E_L
            count += 1.7
            emit_spike()
";

fn refusal(text: &str, options: &CodegenOptions) -> Vec<String> {
    match load("test.nestml", text, options) {
        Err(LoadError::Unsupported(u)) => u.reasons,
        other => panic!("expected a refusal, got {:?}", other.map(|ps| ps.len())),
    }
}

#[test]
fn refusals_name_the_construct() {
    let synapse = "model tiny_synapse:\n    state:\n        w real = 1\n\n    input:\n        pre_spikes <- spike\n\n    output:\n        spike\n\n    onReceive(pre_spikes):\n        emit_spike(w)\n";
    assert!(refusal(synapse, &CodegenOptions::default()).iter().any(|r| r.contains("synapse")));
    let mut f32 = CodegenOptions::default();
    f32.set("float", OptionValue::Str("f32".into())).unwrap();
    assert!(refusal(LEAKY, &f32).iter().any(|r| r.contains("f32")));
    let returns = LEAKY.replace("            emit_spike()\n", "            emit_spike()\n            return\n");
    assert!(refusal(&returns, &CodegenOptions::default()).iter().any(|r| r.contains("`return`")), "{:?}", refusal(&returns, &CodegenOptions::default()));
    match load("broken.nestml", "model broken_neuron:\n    state\n", &CodegenOptions::default()) {
        Err(LoadError::Check(rendered)) => assert!(rendered.contains("error[E") && rendered.contains("broken.nestml:2"), "{rendered}"),
        other => panic!("{:?}", other.map(|ps| ps.len())),
    }
}

#[test]
fn set_get_guards_reset_and_integers_behave_as_generated_code() {
    let program = load("leaky.nestml", LEAKY, &CodegenOptions::default()).unwrap().remove(0);
    let mut n = Interpreted::new(program);
    assert_eq!(n.get("V_m"), Some(-70.0));
    // a guard refuses and leaves the neuron as it was
    assert!(matches!(n.set("tau_m", -1.0), Err(SetError::Invalid { .. })));
    assert_eq!(n.get("tau_m"), Some(10.0));
    assert!(matches!(n.set("count", 0.5), Err(SetError::NotInteger { .. })));
    assert!(matches!(n.set("nope", 1.0), Err(SetError::Unknown { .. })));
    // initial values follow the parameters on reset_state
    n.set("E_L", -65.0).unwrap();
    assert_eq!(n.get("V_m"), Some(-70.0));
    n.reset_state();
    assert_eq!(n.get("V_m"), Some(-65.0));
    // integers truncate on assignment: count += 1.7 per spike counts 1
    let resolution = Resolution::from_ms(0.1).unwrap();
    let mut rng = NestmlRng::seed_from_u64(1);
    n.init_buffers(&resolution);
    n.calibrate(&resolution).unwrap();
    let mut spikes = 0;
    for k in 0..2000 {
        n.handle_current(0, 1000.0);
        spikes += n.step(&mut StepContext::new(&resolution, k, &mut rng)).unwrap().spikes;
    }
    assert!(spikes > 3);
    assert_eq!(n.get("count"), Some(spikes as f64));
}
