//! Models with errors do not compile: the macros turn NESTML diagnostics into `compile_error!`
//! with the model's `line:col` and source snippet (`tests/compile_fail/*.stderr`): a syntax
//! error, an undefined variable, a unit mismatch in an ODE and in an assignment,
//! `include_nestml!` of a file that does not exist, an unknown option value, a misspelt option
//! and a path that is not a string literal (each underlined at the offending token), a typed
//! accessor given a quantity of the wrong dimension; for synapses: one that never calls
//! `emit_spike`, a weight assigned a value of another unit, and `post_binding!` of a port to
//! a neuron variable that does not exist or has another unit.
//!
//! `TRYBUILD=overwrite cargo test -p nestml --test compile_fail` rewrites the `.stderr` files
//! (review the diff). The expected output depends on the rustc version.

#[test]
fn nestml_errors_are_compile_errors() {
    trybuild::TestCases::new().compile_fail("tests/compile_fail/*.rs");
}
