// `E_L` is used in the ODE but declared nowhere.
nestml::nestml!(
    r#"
model undefined_neuron:
    state:
        V_m mV = -70 mV
    equations:
        V_m' = -(V_m - E_L) / tau_m
    parameters:
        tau_m ms = 10 ms
    update:
        integrate_odes()
"#
);

fn main() {}
