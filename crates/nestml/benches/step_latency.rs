//! Real-time facts: the distribution of the time one step of one generated neuron takes, over
//! 10⁶ steps of 0.1 ms, for a control loop that steps its neurons at a fixed rate. Each neuron is
//! driven as in a loop would be: a DC current (`I_e`, so that it fires) and an excitatory spike
//! every 10th step. Every step is timed on its own (`Instant`); the report gives the median, the
//! tail (99 %, 99.9 %, 99.99 %) and the maximum, with the timer's own cost measured the same way,
//! and the spike count. The worst case of an adaptive solver is bounded with the option
//! `max_substeps` (a step that needs more is a fault).
//!
//! ```sh
//! cargo bench -p nestml --bench step_latency
//! ```

use nestml::{NestmlRng, Neuron, Resolution, StepContext};
use std::hint::black_box;
use std::time::Instant;

const STEPS: usize = 1_000_000;

mod models {
    nestml::include_nestml!("../../../shared/nestml-models/neurons/iaf_psc_exp_neuron.nestml");
    nestml::include_nestml!(numeric_solver = "forward-Euler", "../../../shared/nestml-models/neurons/izhikevich_neuron.nestml");
    nestml::include_nestml!("../../../shared/nestml-models/neurons/hh_psc_alpha_neuron.nestml");
}

/// Nanoseconds per sample, sorted.
fn report(name: &str, mut ns: Vec<u32>, spikes: u64) {
    ns.sort_unstable();
    let q = |p: f64| ns[((ns.len() - 1) as f64 * p).round() as usize];
    println!(
        "{name:<22} median {:>6} ns   99% {:>6}   99.9% {:>6}   99.99% {:>6}   max {:>7} ns   ({spikes} spikes)",
        q(0.5),
        q(0.99),
        q(0.999),
        q(0.9999),
        ns[ns.len() - 1]
    );
}

fn latency<N: Neuron + Default>(dc: f64, weight: f64) {
    let res = Resolution::from_ms(0.1).unwrap();
    let mut rng = NestmlRng::seed_from_u64(1);
    let mut n = N::default();
    n.set("I_e", dc).unwrap();
    n.init_buffers(&res);
    n.calibrate(&res).unwrap();
    let mut ns = Vec::with_capacity(STEPS);
    let mut spikes = 0u64;
    for k in 0..STEPS {
        let start = Instant::now();
        if k % 10 == 0 {
            n.handle_spike(0, weight, 1);
        }
        let out = n.step(&mut StepContext::new(&res, k as i64, &mut rng)).expect("no fault");
        ns.push(start.elapsed().as_nanos() as u32);
        spikes += u64::from(out.spikes);
    }
    report(N::NAME, ns, spikes);
}

fn main() {
    // the timer alone
    let ns: Vec<u32> = (0..STEPS)
        .map(|_| {
            let start = Instant::now();
            black_box(());
            start.elapsed().as_nanos() as u32
        })
        .collect();
    report("(timer alone)", ns, 0);
    latency::<models::IafPscExpNeuron>(400.0, 50.0);
    latency::<models::IzhikevichNeuron>(5.0, 2.0);
    latency::<models::HhPscAlphaNeuron>(600.0, 50.0);
}
