// A conductance weight assigned a voltage in a synapse's handler.
nestml::nestml!(
    r#"
model unit_synapse:
    state:
        w nS = 1 nS
    parameters:
        w_step mV = 1 mV
    input:
        pre_spikes <- spike
    output:
        spike
    onReceive(pre_spikes):
        w = w_step
        emit_spike(w)
"#
);

fn main() {}
