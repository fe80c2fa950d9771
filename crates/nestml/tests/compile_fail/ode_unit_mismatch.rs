// The time constant is declared in mV, so the right-hand side is dimensionless instead of mV/ms.
nestml::nestml!(
    r#"
model ode_unit_neuron:
    state:
        V_m mV = -70 mV
    equations:
        V_m' = -V_m / tau
    parameters:
        tau mV = 10 mV
    update:
        integrate_odes()
"#
);

fn main() {}
