//! The W1 workload for profilers: 10,000 iaf_psc_exp neurons under DC (`I_e = 500 pA`) as the
//! generated struct-of-arrays population, `STEPS` steps of 0.1 ms (default 1,000; first
//! argument), without input, with the widest vector instructions of the CPU or those named by
//! the second argument (`baseline`, `avx2`, `avx512`). Prints the spike count and the wall
//! time per neuron-step.
//!
//! ```sh
//! cargo build --release -p nestml --example w1_profile
//! valgrind --tool=callgrind --callgrind-out-file=/tmp/w1.cg target/release/examples/w1_profile 100
//! callgrind_annotate /tmp/w1.cg | head -30   # instructions; divide by 10,000 × 100
//! ```

use nestml::population::{limit_simd, simd_level, SimdLevel};
use nestml::{Neuron, Populated, Population, Resolution};

nestml::include_nestml!("../../../shared/nestml-models/neurons/iaf_psc_exp_neuron.nestml");

fn main() {
    let steps: i64 = std::env::args().nth(1).map_or(1_000, |s| s.parse().expect("STEPS: an integer"));
    match std::env::args().nth(2).as_deref() {
        Some("baseline") => limit_simd(SimdLevel::Baseline),
        Some("avx2") => limit_simd(SimdLevel::Avx2),
        Some("avx512") | None => limit_simd(SimdLevel::Avx512),
        Some(other) => panic!("unknown SIMD level {other}: baseline, avx2 or avx512"),
    }
    let neurons = 10_000;
    let resolution = Resolution::from_ms(0.1).expect("0.1 ms is a valid resolution");
    let mut prototype = IafPscExpNeuron::default();
    prototype.set("I_e", 500.0).expect("I_e is a parameter");
    let mut population = <IafPscExpNeuron as Populated>::Population::new(prototype, neurons, 1, 0);
    population.init_buffers(&resolution);
    population.calibrate(&resolution).expect("default parameters calibrate");
    let mut spikes = Vec::with_capacity(neurons);
    let mut count = 0;
    let start = std::time::Instant::now();
    for k in 0..steps {
        spikes.clear();
        population.step(&resolution, k, None, &mut spikes).expect("no fault under DC");
        count += spikes.len();
    }
    let elapsed = start.elapsed();
    println!("{count} spikes; {:.3} ns per neuron-step ({:?})", elapsed.as_secs_f64() * 1e9 / (neurons as f64 * steps as f64), simd_level());
}
