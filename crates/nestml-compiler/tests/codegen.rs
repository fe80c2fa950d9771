//! Code generation: a snapshot of the generated source for a tiny model, and the errors for
//! what is not supported yet.

use nestml_compiler::codegen::generate_source;

fn dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/codegen")
}

/// The generated source of each `tests/codegen/<model>.nestml` is `<model>.rs.expected`: an
/// exactly integrated model, a numeric (mixed) one, and one with vectors, a loop, a function,
/// random numbers and printing; a synapse with traces, a convolution, neuromodulation and a
/// continuous port; delayed state variables read by a numeric and an exact ODE; the numeric
/// model on the Rush–Larsen solver (`<model>_rush_larsen.rs.expected`: an exponential, an
/// explicit, exact and unnamed rows). After a deliberate change, regenerate with
/// `UPDATE_SNAPSHOTS=1 cargo test -p nestml-compiler --test codegen` and review the difference.
#[test]
fn snapshots_of_generated_code() {
    let mut rush_larsen = nestml_compiler::codegen::CodegenOptions::default();
    rush_larsen.set("numeric_solver", nestml_compiler::codegen::OptionValue::Str("rush-larsen".into())).unwrap();
    let cases = [
        ("tiny_neuron", "tiny_neuron", Default::default()),
        ("numeric_neuron", "numeric_neuron", Default::default()),
        ("vector_neuron", "vector_neuron", Default::default()),
        ("tiny_synapse", "tiny_synapse", Default::default()),
        ("delayed_numeric_neuron", "delayed_numeric_neuron", Default::default()),
        ("numeric_neuron", "numeric_neuron_rush_larsen", rush_larsen),
    ];
    for (model, snapshot, options) in cases {
        let file = format!("{model}.nestml");
        let text = std::fs::read_to_string(dir().join(&file)).unwrap();
        let generated = generate_source(&file, &text, &options).unwrap_or_else(|e| panic!("{e}"));
        let expected_path = dir().join(format!("{snapshot}.rs.expected"));
        if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
            std::fs::write(&expected_path, &generated).unwrap();
        }
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
        assert!(generated == expected, "generated code differs from {}:\n{generated}", expected_path.display());
    }
}

fn error_of(body: &str) -> String {
    let text = format!("model m_neuron:\n{body}");
    match generate_source("m.nestml", &text, &Default::default()) {
        Ok(src) => panic!("expected an error, got code:\n{src}"),
        Err(e) => e,
    }
}

#[test]
fn unsupported_features_are_named() {
    let base = "    state:\n        V_m mV = 0 mV\n    equations:\n        V_m' = -V_m / tau\n    parameters:\n        tau ms = 10 ms\n";
    let e = error_of(&format!("{base}    output:\n        spike\n    update:\n        integrate_odes()\n        emit_spike(1.5)\n"));
    assert!(e.contains("`emit_spike` with arguments (weight, delay) is only meaningful in synapses"), "{e}");
    assert!(e.starts_with("m.nestml:1:7: error: model `m_neuron` cannot be generated"), "{e}");

    let synapse = |body: &str| match generate_source("s.nestml", &format!("model s_synapse:\n{body}"), &Default::default()) {
        Ok(src) => panic!("expected an error, got code:\n{src}"),
        Err(e) => e,
    };
    let e = synapse("    state:\n        w real = 1\n    input:\n        pre_spikes <- spike\n    onReceive(pre_spikes):\n        w += 1\n");
    assert!(e.contains("synapse `s_synapse` never calls `emit_spike(w)`, so it would deliver nothing"), "{e}");
    let e = synapse("    parameters:\n        w real = 1\n    input:\n        a_spikes <- spike\n        b_spikes <- spike\n    output:\n        spike\n    onReceive(a_spikes):\n        emit_spike(w)\n");
    assert!(e.contains("a synapse needs one presynaptic spike port"), "{e}");
    let e = synapse("    parameters:\n        v real = 1\n    input:\n        pre_spikes <- spike\n    output:\n        spike\n    onReceive(pre_spikes):\n        emit_spike(v)\n");
    assert!(e.contains("has no weight variable `w`"), "{e}");

    let e = error_of(&format!("{base}    update:\n        integrate_odes()\n        while random_uniform(0, 1) < 0.5:\n            V_m += 1 mV\n"));
    assert!(e.contains("a random function or procedural function call in a `while` condition is not supported"), "{e}");

    // an exact row reads the delayed value in place of the state: not both, nor two delays
    let delayed = |rhs: &str| error_of(&format!("    state:\n        u real = 1\n        v real = 0\n    equations:\n        u' = -u / (1 ms)\n        v' = {rhs}\n    update:\n        integrate_odes()\n"));
    let e = delayed("(u(t - 1 ms) - u) / (1 ms)");
    assert!(e.contains("the ODE of `v` reads `u` at more than one time"), "{e}");
    let e = delayed("(u(t - 1 ms) - u(t - 2 ms)) / (1 ms)");
    assert!(e.contains("the ODE of `v` reads `u` at more than one time"), "{e}");
    let e = synapse("    state:\n        u real = 1\n        w real = 1\n    equations:\n        w' = u(t - 1 ms) / (1 ms)\n        u' = -u / (1 ms)\n    input:\n        pre_spikes <- spike\n    output:\n        spike\n    onReceive(pre_spikes):\n        emit_spike(w)\n    update:\n        integrate_odes()\n");
    assert!(e.contains("`u(t - delay)`: delayed state variables in synapses are not supported"), "{e}");
}

/// Nonlinear ODEs, random numbers and `println` generate code that calls the runtime.
#[test]
fn numeric_solver_random_functions_and_print_are_generated() {
    let text = "model m_neuron:\n    state:\n        V_m mV = 0 mV\n    equations:\n        V_m' = -V_m**3 / (tau * 1 mV**2)\n    parameters:\n        tau ms = 10 ms\n    update:\n        V_m += random_normal(0 mV, 1 mV)\n        integrate_odes()\n        println(\"V_m = {V_m}\")\n";
    let src = generate_source("m.nestml", text, &Default::default()).unwrap_or_else(|e| panic!("{e}"));
    assert!(src.contains("__solver: ::nestml::Rkf45<1, f64>"), "{src}");
    assert!(src.contains("::nestml::Control::y(0.000001, 0.000001)"), "{src}");
    assert!(src.contains("ctx.rng.normal(__m, __s)"), "{src}");
    assert!(src.contains("::nestml::__private::println!(\"V_m = {} mV\", self.V_m);"), "{src}");
    let mut options = nestml_compiler::codegen::CodegenOptions::default();
    options.set("numeric_solver", nestml_compiler::codegen::OptionValue::Str("forward-Euler".into())).unwrap();
    let src = generate_source("m.nestml", text, &options).unwrap();
    assert!(src.contains("__solver: ::nestml::ForwardEuler<1, f64>"), "{src}");
}

/// Assigning to an inline that is a multiple of one convolution sets that convolution's state
/// (scaled), as PyNESTML does (the active-dendrite tutorial resets `I_syn = 0 pA`).
#[test]
fn assignment_to_an_inline_convolution_sets_its_state() {
    let text = "model m_neuron:\n    state:\n        V_m mV = 0 mV\n    equations:\n        kernel k = exp(-t / tau)\n        recordable inline I_syn pA = convolve(k, spikes) * 2 pA\n        V_m' = -V_m / tau + I_syn / C_m\n    parameters:\n        tau ms = 10 ms\n        C_m pF = 250 pF\n    input:\n        spikes <- spike\n    update:\n        integrate_odes()\n    onCondition(I_syn > 5 pA):\n        I_syn = 1 pA\n        I_syn += 3 pA\n";
    let src = generate_source("m.nestml", text, &Default::default()).unwrap_or_else(|e| panic!("{e}"));
    assert!(src.contains("self.k__X__spikes = (1f64 * 0.5f64);") || src.contains("self.k__X__spikes = (0.5f64"), "{src}");
    assert!(src.contains("self.k__X__spikes += "), "{src}");
    let e = generate_source("m.nestml", &text.replace("I_syn = 1 pA", "I_syn = V_m * 1 pA / 1 mV").replace("* 2 pA", "* V_m * 1 pA / 1 mV"), &Default::default()).unwrap_err();
    assert!(e.contains("assignment to `I_syn`: not a variable of the model"), "{e}");
}

#[test]
fn language_errors_are_rendered_with_position() {
    let e = generate_source("bad.nestml", "model bad_neuron:\n    state:\n        V_m mV = undefined_name\n", &Default::default()).unwrap_err();
    assert!(e.contains("bad.nestml:3:"), "{e}");
}

mod common;

/// Every neuron model of the library generates (Rust that parses, or it could not be printed),
/// naming no `std` path and no float method that `core` lacks (the math is `::nestml::math`'s).
/// Every library neuron generates, with the default options and on the Rush–Larsen solver.
#[test]
fn every_library_neuron_generates() {
    let mut failures = Vec::new();
    let mut rush_larsen = nestml_compiler::codegen::CodegenOptions::default();
    rush_larsen.set("numeric_solver", nestml_compiler::codegen::OptionValue::Str("rush-larsen".into())).unwrap();
    let options = [Default::default(), rush_larsen];
    for (name, text) in common::library_texts() {
        if !text.contains("_neuron:") {
            continue;
        }
        for result in options.iter().map(|o| generate_source(&name, &text, o)) {
            match result {
                Ok(src) => {
                    for bad in ["::std::", ".exp(", ".ln(", ".powi(", ".powf(", ".round(", ".abs(", ".sqrt(", ".floor(", ".tanh("] {
                        if src.contains(bad) {
                            failures.push(format!("{name}: the generated code contains `{bad}`"));
                        }
                    }
                }
                Err(e) => failures.push(e),
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// With `float = "f32"` a neuron computes in `f32`: `f64` appears only where it meets the
/// `Neuron` trait, the runtime's inputs, random draws and times (conversions, the trait's
/// signatures, uom's `f64` quantities, the population's input slices); synapses are refused.
#[test]
fn single_precision_neurons_use_f64_only_at_the_boundaries() {
    let mut options = nestml_compiler::codegen::CodegenOptions::default();
    options.set("float", nestml_compiler::codegen::OptionValue::Str("f32".into())).unwrap();
    let boundaries = ["as f64", "Option<f64>", "value: f64", "weight: f64", "__t: f64", "::uom::si::f64::", "{ 1f64 } else { 0f64 }", "[f64]", "Vec<f64>", ": f64 = if INPUT"];
    for file in ["tiny_neuron.nestml", "numeric_neuron.nestml", "vector_neuron.nestml"] {
        let text = std::fs::read_to_string(dir().join(file)).unwrap();
        let src = generate_source(file, &text, &options).unwrap_or_else(|e| panic!("{e}"));
        assert!(src.contains("__P: [f32; ") && src.contains("as f32"), "{src}");
        let inside = boundaries.iter().fold(src.clone(), |s, b| s.replace(b, ""));
        let line = inside.lines().find(|l| l.contains("f64"));
        assert!(line.is_none(), "{file}: f64 inside the model: {line:?}");
    }
    let text = std::fs::read_to_string(dir().join("tiny_synapse.nestml")).unwrap();
    let e = generate_source("tiny_synapse.nestml", &text, &options).unwrap_err();
    assert!(e.contains("model `tiny_synapse` cannot be generated: synapses are generated in f64 only"), "{e}");
}
