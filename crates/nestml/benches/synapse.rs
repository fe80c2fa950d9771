//! Throughput of one generated synapse connection: 10,000 presynaptic spikes (100 Hz for
//! 100 s) through one connection of `stdp_synapse` (and `static_synapse`, `stdp_triplet_synapse`)
//! and 2,000 postsynaptic spikes (20 Hz) appended to the postsynaptic history as time
//! passes (as a neuron appends its spikes), each `send` including the lookup of the
//! postsynaptic spikes in its window. Criterion reports presynaptic events per second
//! (elem/s). The bytes of one connection's state (and of the shared parameters, paid once per
//! synapse type) are printed and written to `target/criterion/synapse/sizes.json`, which
//! `tools/nest_synapse_bench.py --ours …` compares with NEST's memory per connection.
//!
//! ```sh
//! cargo bench -p nestml --bench synapse
//! .venv/bin/python tools/nest_synapse_bench.py --ours target/criterion/synapse/sizes.json
//! ```

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use nestml::{NestmlRng, SendContext, SpikeHistory, Synapse};
use std::hint::black_box;
use std::time::Duration;

mod models {
    nestml::include_nestml!("../../../shared/nestml-models/synapses/static_synapse.nestml");
    nestml::include_nestml!("../../../shared/nestml-models/synapses/stdp_synapse.nestml");
    nestml::include_nestml!("../../../shared/nestml-models/synapses/stdp_triplet_synapse.nestml");
}

const PRE: usize = 10_000;
const DELAY_MS: f64 = 1.0;

/// Presynaptic spikes every 10 ms with a 0–3 ms jitter pattern, postsynaptic every 50 ms.
fn trains() -> (Vec<f64>, Vec<f64>) {
    let pre: Vec<f64> = (0..PRE).map(|i| 10.0 * i as f64 + (i * 7 % 30) as f64 * 0.1 + 1.0).collect();
    let post: Vec<f64> = (0..PRE / 5).map(|i| 50.0 * i as f64 + 4.3).collect();
    (pre, post)
}

fn connection<S: Synapse>(c: &mut Criterion, sizes: &mut Vec<String>) {
    let (pre, post) = trains();
    let params = S::Params::default();
    let mut group = c.benchmark_group("synapse");
    group.throughput(Throughput::Elements(PRE as u64));
    group.bench_function(S::NAME, |b| {
        b.iter(|| {
            let mut rng = NestmlRng::seed_from_u64(1);
            let mut s = S::new(&params);
            let mut history = SpikeHistory::new();
            let mut next_post = 0;
            let mut total = 0.0;
            for &t in &pre {
                while next_post < post.len() && post[next_post] <= t {
                    history.push(post[next_post], &[]);
                    next_post += 1;
                }
                let mut ev = SendContext { t_spike: t, delay: DELAY_MS, post: &history, modulation: None, inputs: &[], rng: &mut rng };
                total += s.send(&params, &mut ev).unwrap().unwrap_or(0.0);
            }
            black_box(total)
        })
    });
    group.finish();
    let (state, shared) = (std::mem::size_of::<S>(), std::mem::size_of::<S::Params>());
    println!("{}: {state} bytes per connection, {shared} bytes of parameters per synapse type", S::NAME);
    sizes.push(format!("{:?}: {{\"connection_bytes\": {state}, \"params_bytes\": {shared}}}", S::NAME));
}

fn synapses(c: &mut Criterion) {
    let mut sizes = Vec::new();
    connection::<models::StaticSynapse>(c, &mut sizes);
    connection::<models::StdpSynapse>(c, &mut sizes);
    connection::<models::StdpTripletSynapse>(c, &mut sizes);
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/criterion/synapse");
    if std::fs::create_dir_all(&dir).is_ok() {
        let _ = std::fs::write(dir.join("sizes.json"), format!("{{{}}}\n", sizes.join(", ")));
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3));
    targets = synapses
}
criterion_main!(benches);
