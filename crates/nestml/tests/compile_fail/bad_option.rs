// An unknown numeric solver: the error lists the accepted ones.
nestml::nestml!(numeric_solver = "euler", r#"
model leak_neuron:
    state:
        V_m mV = -70 mV
    equations:
        V_m' = -V_m / tau_m
    parameters:
        tau_m ms = 10 ms
    update:
        integrate_odes()
"#);

fn main() {}
