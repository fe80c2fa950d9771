// A synapse's current port bound to a variable the neuron does not have, and to a membrane
// potential.
nestml::nestml!(
    r#"
model gated_synapse:
    state:
        w real = 1
    input:
        pre_spikes <- spike
        I_gate pA <- continuous
    output:
        spike
    onReceive(pre_spikes):
        w += I_gate / 1 pA
        emit_spike(w)

model leaky_neuron:
    state:
        V_m mV = -70 mV
        I_syn pA = 0 pA
    equations:
        V_m' = -(V_m + 70 mV) / tau_m + I_syn / 250 pF
        I_syn' = -I_syn / tau_m
    parameters:
        tau_m ms = 10 ms
    update:
        integrate_odes()
"#
);

fn main() {
    let _ = nestml::post_binding!(GatedSynapse => LeakyNeuron { I_gate: I_dend });
    let _ = nestml::post_binding!(GatedSynapse => LeakyNeuron { I_gate: V_m });
}
