// A voltage assigned to a current.
nestml::nestml!(
    r#"
model assign_unit_neuron:
    state:
        V_m mV = -70 mV
        I_syn pA = 0 pA
    parameters:
        V_reset mV = -65 mV
    update:
        I_syn = V_reset
"#
);

fn main() {}
