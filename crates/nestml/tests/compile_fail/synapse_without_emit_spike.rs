// A synapse that never sends anything on.
nestml::nestml!(
    r#"
model silent_synapse:
    state:
        w real = 1
    input:
        pre_spikes <- spike
    onReceive(pre_spikes):
        w += 1
"#
);

fn main() {}
