// A line that ends in the middle of an expression.
nestml::nestml!(
    r#"
model bad_syntax_neuron:
    state:
        V_m mV = -70 mV
    equations:
        V_m' = -V_m / tau_m +
    parameters:
        tau_m ms = 10 ms
    update:
        integrate_odes()
"#
);

fn main() {}
