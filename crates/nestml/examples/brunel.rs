//! W2, the Brunel (2000) balanced network as NEST's `brunel_delta_nest` example builds it:
//! 10,000 excitatory and 2,500 inhibitory `iaf_psc_delta_neuron` (NESTML library, NEST's
//! parameters of the example), ε = 0.1 (`fixed_indegree` 1,000 excitatory and 250 inhibitory
//! inputs per neuron), J = 0.1 mV, g = 5, η = 2 (Poisson drive of 20 kHz), delay 1.5 ms,
//! 1 s at 0.1 ms. Prints the build time, the simulation time, the peak resident memory, the
//! bytes per synapse, the rate and the CV of the inter-spike intervals of the excitatory
//! neurons, and writes them as JSON (for `tools/nest_brunel_bench.py --ours FILE`).
//!
//! ```sh
//! cargo run --release -p nestml --example brunel [-- OUTPUT.json|- [T_SIM_MS]]   # RAYON_NUM_THREADS=1 for one thread
//! ```

use nestml::network::{ConnSpec, Generator, Network, Rule, SynapseSpec};
use std::error::Error;
use std::time::Instant;

nestml::include_nestml!("../../../shared/nestml-models/neurons/iaf_psc_delta_neuron.nestml");
nestml::include_nestml!("../../../shared/nestml-models/synapses/static_synapse.nestml");

const N_E: usize = 10_000;
const N_I: usize = 2_500;
const C_E: usize = 1_000;
const C_I: usize = 250;
const J: f64 = 0.1;
const G: f64 = 5.0;
const DELAY: f64 = 1.5;

/// A process's memory figure from /proc/self/status (`VmRSS`, `VmHWM`), in bytes.
fn memory(key: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status").ok().and_then(|s| s.lines().find(|l| l.starts_with(key)).and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())).unwrap_or(0) * 1024
}

fn main() -> Result<(), Box<dyn Error>> {
    let out = std::env::args().nth(1).filter(|a| a != "-");
    let t_sim: f64 = std::env::args().nth(2).map_or(Ok(1000.0), |s| s.parse())?;
    let (tau_m, theta) = (20.0, 20.0);
    let nu_th = theta / (J * C_E as f64 * tau_m); // 1/ms
    let p_rate = 1000.0 * 2.0 * nu_th * C_E as f64; // η = 2, in 1/s

    let started = Instant::now();
    let rss_before = memory("VmRSS:");
    let mut net = Network::new(0.1, 1)?;
    let mut prototype = IafPscDeltaNeuron::default();
    for (name, value) in [("C_m", 1.0), ("tau_m", tau_m), ("refr_T", 2.0), ("E_L", 0.0), ("V_reset", 0.0), ("V_m", 0.0), ("V_th", theta)] {
        nestml::Neuron::set(&mut prototype, name, value)?;
    }
    let exc = net.create(prototype.clone(), N_E);
    let inh = net.create(prototype, N_I);
    let noise = net.device(Generator::PoissonGenerator { rate: p_rate, start: 0.0, stop: f64::INFINITY })?;
    for p in [exc, inh] {
        net.drive(noise, p, J, DELAY, "spikes")?;
        net.connect::<StaticSynapse>(exc, p, ConnSpec::from(Rule::FixedIndegree { indegree: C_E }), SynapseSpec::new(J, DELAY))?;
        net.connect::<StaticSynapse>(inh, p, ConnSpec::from(Rule::FixedIndegree { indegree: C_I }), SynapseSpec::new(-G * J, DELAY))?;
    }
    let recorder = net.spike_recorder(&[exc]);
    net.simulate(0.0)?; // builds the connection storage
    let build_s = started.elapsed().as_secs_f64();
    let synapses = (N_E + N_I) * (C_E + C_I);
    let bytes_per_synapse = (memory("VmRSS:").saturating_sub(rss_before)) as f64 / synapses as f64;
    let (stored, bytes) = net.connection_memory();
    let stored_bytes_per_synapse = bytes as f64 / stored as f64;

    let started = Instant::now();
    net.simulate(t_sim)?;
    let simulate_s = started.elapsed().as_secs_f64();

    let events = &net.recorder(recorder).unwrap().events;
    let rate = events.len() as f64 / N_E as f64 / (t_sim / 1000.0);
    let mut per_neuron = vec![Vec::new(); N_E];
    for &(t, _, i) in events {
        per_neuron[i].push(t);
    }
    let cvs: Vec<f64> = per_neuron
        .iter()
        .filter(|s| s.len() >= 3)
        .map(|s| {
            let isi: Vec<f64> = s.windows(2).map(|w| w[1] - w[0]).collect();
            let mean = isi.iter().sum::<f64>() / isi.len() as f64;
            (isi.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / isi.len() as f64).sqrt() / mean
        })
        .collect();
    let cv = cvs.iter().sum::<f64>() / cvs.len().max(1) as f64;
    let peak = memory("VmHWM:");
    println!("Brunel delta network: {} neurons, {synapses} synapses, {} threads", N_E + N_I, rayon_threads());
    println!("build {build_s:.2} s, simulate {t_sim} ms in {simulate_s:.2} s, peak RSS {:.0} MiB, {bytes_per_synapse:.1} bytes per synapse ({stored_bytes_per_synapse:.1} in the connection storage)", peak as f64 / (1 << 20) as f64);
    println!("excitatory rate {rate:.2} spikes/s, mean CV of ISI {cv:.3}");
    if let Some(path) = out {
        let json = format!("{{\"build_s\": {build_s}, \"simulate_s\": {simulate_s}, \"peak_rss_bytes\": {peak}, \"bytes_per_synapse\": {bytes_per_synapse}, \"stored_bytes_per_synapse\": {stored_bytes_per_synapse}, \"synapses\": {synapses}, \"rate_exc_hz\": {rate}, \"cv_isi_exc\": {cv}}}\n");
        std::fs::write(&path, json)?;
        println!("wrote {path}");
    }
    Ok(())
}

fn rayon_threads() -> usize {
    std::env::var("RAYON_NUM_THREADS").ok().and_then(|v| v.parse().ok()).unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}
