//! Code generation: a snapshot of the generated source for a tiny model, and the errors for
//! what is not supported yet.

use nestml_compiler::codegen::{generate_source, to_tokens};

fn dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/codegen")
}

/// The generated source of `tests/codegen/tiny_neuron.nestml` is `tiny_neuron.rs.expected`.
/// After a deliberate change, regenerate with `UPDATE_SNAPSHOTS=1 cargo test -p
/// nestml-compiler --test codegen` and review the difference.
#[test]
fn snapshot_of_generated_code() {
    let text = std::fs::read_to_string(dir().join("tiny_neuron.nestml")).unwrap();
    let generated = generate_source("tiny_neuron.nestml", &text).unwrap_or_else(|e| panic!("{e}"));
    to_tokens(&generated).unwrap();
    let expected_path = dir().join("tiny_neuron.rs.expected");
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&expected_path, &generated).unwrap();
    }
    let expected = std::fs::read_to_string(&expected_path).unwrap();
    assert!(generated == expected, "generated code differs from {}:\n{generated}", expected_path.display());
}

fn error_of(body: &str) -> String {
    let text = format!("model m_neuron:\n{body}");
    match generate_source("m.nestml", &text) {
        Ok(src) => panic!("expected an error, got code:\n{src}"),
        Err(e) => e,
    }
}

#[test]
fn unsupported_features_are_named() {
    let base = "    state:\n        V_m mV = 0 mV\n    equations:\n        V_m' = -V_m / tau\n    parameters:\n        tau ms = 10 ms\n";
    let e = error_of(&format!("{base}    update:\n        integrate_odes()\n        println(\"hello\")\n"));
    assert!(e.contains("`print`/`println` is not supported yet"), "{e}");
    assert!(e.starts_with("m.nestml:1:7: error: model `m_neuron` cannot be generated"), "{e}");

    let e = error_of("    state:\n        x[3] real = 0\n    update:\n        x[0] = 1\n");
    assert!(e.contains("vectors are not supported yet"), "{e}");

    let e = error_of("    state:\n        V_m mV = 0 mV\n    equations:\n        V_m' = -V_m**3 / (tau * 1 mV**2)\n    parameters:\n        tau ms = 10 ms\n    update:\n        integrate_odes()\n");
    assert!(e.contains("nonlinear ODEs (numeric solver) are not supported yet: `V_m`"), "{e}");

    let e = error_of(&format!("{base}    update:\n        V_m = random_normal(0 mV, 1 mV)\n        integrate_odes()\n"));
    assert!(e.contains("random functions (`random_normal`) are not supported yet"), "{e}");
}

#[test]
fn language_errors_are_rendered_with_position() {
    let e = generate_source("bad.nestml", "model bad_neuron:\n    state:\n        V_m mV = undefined_name\n").unwrap_err();
    assert!(e.contains("bad.nestml:3:"), "{e}");
}
