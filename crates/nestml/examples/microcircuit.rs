//! The Potjans & Diesmann (2014) cortical microcircuit at full scale, with the parameters of
//! NEST 3.10's example (`pynest/examples/Potjans_2014`): 77,169 `iaf_psc_exp_neuron`s (NESTML
//! library) in 8 populations (L2/3, L4, L5, L6 × excitatory, inhibitory), about 300 million
//! static synapses (`fixed_total_number` per pair of populations, the number derived from the
//! connection probability as the example does), weights normal with 10 % relative spread
//! (87.8 pA for 0.15 mV PSPs, ×2 from L4E to L2/3E, ×−4 inhibitory, the sign kept by drawing
//! again), delays normal (1.5 ± 0.75 ms excitatory, 0.75 ± 0.375 ms inhibitory, at least half a
//! step), background Poisson input of 8 Hz × K_ext per neuron, initial V_m normal(−58, 10) mV;
//! 0.1 ms resolution.
//!
//! Prints the build time, the simulation time per biological second (the real-time factor),
//! the peak resident memory, the bytes per synapse and the mean rate per population, and writes
//! them as JSON for `tools/nest_microcircuit_bench.py --ours FILE`.
//!
//! ```sh
//! cargo run --release -p nestml --example microcircuit [-- T_SIM_MS [SCALE [OUTPUT.json]]]
//! ```
//! `T_SIM_MS` defaults to 1000 (after 100 ms of warm-up, not counted); `SCALE` (default 1)
//! scales the neuron numbers and, with them, the synapse numbers (not the in-degrees: a
//! smoke test, not the model). `RAYON_NUM_THREADS` sets the threads (default: all cores).

use nestml::network::{ConnSpec, Generator, Network, Rule, SynapseSpec, Value};
use std::error::Error;
use std::time::Instant;

nestml::include_nestml!("../../../shared/nestml-models/neurons/iaf_psc_exp_neuron.nestml");
nestml::include_nestml!("../../../shared/nestml-models/synapses/static_synapse.nestml");

const NAMES: [&str; 8] = ["L23E", "L23I", "L4E", "L4I", "L5E", "L5I", "L6E", "L6I"];
const NEURONS: [usize; 8] = [20_683, 5_834, 21_915, 5_479, 4_850, 1_065, 14_395, 2_948];
/// Connection probabilities, target (row) from source (column).
const CONN_PROBS: [[f64; 8]; 8] = [
    [0.1009, 0.1689, 0.0437, 0.0818, 0.0323, 0.0, 0.0076, 0.0],
    [0.1346, 0.1371, 0.0316, 0.0515, 0.0755, 0.0, 0.0042, 0.0],
    [0.0077, 0.0059, 0.0497, 0.135, 0.0067, 0.0003, 0.0453, 0.0],
    [0.0691, 0.0029, 0.0794, 0.1597, 0.0033, 0.0, 0.1057, 0.0],
    [0.1004, 0.0622, 0.0505, 0.0057, 0.0831, 0.3726, 0.0204, 0.0],
    [0.0548, 0.0269, 0.0257, 0.0022, 0.06, 0.3158, 0.0086, 0.0],
    [0.0156, 0.0066, 0.0211, 0.0166, 0.0572, 0.0197, 0.0396, 0.2252],
    [0.0364, 0.001, 0.0034, 0.0005, 0.0277, 0.008, 0.0658, 0.1443],
];
/// External (Poisson) in-degrees, at 8 Hz each.
const K_EXT: [f64; 8] = [1600.0, 1500.0, 2100.0, 1900.0, 2000.0, 1900.0, 2900.0, 2100.0];
const BG_RATE: f64 = 8.0;
const H: f64 = 0.1;
const T_PRESIM: f64 = 100.0;

/// A process's memory figure from /proc/self/status (`VmRSS`, `VmHWM`), in bytes.
fn memory(key: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status").ok().and_then(|s| s.lines().find(|l| l.starts_with(key)).and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())).unwrap_or(0) * 1024
}

/// The PSC amplitude (pA) of a PSP of `psp` mV for iaf_psc_exp (NEST's example's conversion).
fn psc_of_psp(psp: f64, c_m: f64, tau_m: f64, tau_syn: f64) -> f64 {
    let sub = 1.0 / (tau_syn - tau_m);
    let pre = tau_m * tau_syn / c_m * sub;
    let frac = (tau_m / tau_syn).powf(tau_m * sub) - (tau_m / tau_syn).powf(tau_syn * sub);
    psp / (pre * frac)
}

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let t_sim: f64 = args.next().map_or(Ok(1000.0), |s| s.parse())?;
    let scale: f64 = args.next().map_or(Ok(1.0), |s| s.parse())?;
    let out = args.next();
    let (c_m, tau_m, tau_syn) = (250.0, 10.0, 0.5);
    let w_exc = psc_of_psp(0.15, c_m, tau_m, tau_syn);

    let started = Instant::now();
    let rss_before = memory("VmRSS:");
    let mut net = Network::new(H, 55)?;
    let mut prototype = IafPscExpNeuron::default();
    for (name, value) in [("C_m", c_m), ("tau_m", tau_m), ("tau_syn_exc", tau_syn), ("tau_syn_inh", tau_syn), ("refr_T", 2.0), ("E_L", -65.0), ("V_th", -50.0), ("V_reset", -65.0)] {
        nestml::Neuron::set(&mut prototype, name, value)?;
    }
    let sizes: Vec<usize> = NEURONS.iter().map(|&n| ((n as f64 * scale).round_ties_even() as usize).max(1)).collect(); // as Python's round
    let pops: Vec<_> = sizes.iter().map(|&n| net.create(prototype.clone(), n)).collect();
    let mut synapses = 0usize;
    for (t, &target) in pops.iter().enumerate() {
        net.set(target, "V_m", Value::Normal { mean: -58.0, std: 10.0 })?;
        let noise = net.device(Generator::PoissonGenerator { rate: BG_RATE * K_EXT[t], start: 0.0, stop: f64::INFINITY })?;
        net.drive(noise, target, w_exc, H, "exc_spikes")?;
        for (s, &source) in pops.iter().enumerate() {
            let p = CONN_PROBS[t][s];
            if p == 0.0 {
                continue;
            }
            // the example's number of synapses for a connection probability p between the
            // populations (pairs drawn with replacement)
            let pairs = (sizes[t] * sizes[s]) as f64;
            let n = ((1.0 - p).ln() / ((pairs - 1.0) / pairs).ln()).round() as usize;
            synapses += n;
            let excitatory = s % 2 == 0;
            let mean = if !excitatory { -4.0 * w_exc } else if (t, s) == (0, 2) { 2.0 * w_exc } else { w_exc };
            let weight = if excitatory { Value::NormalRedraw { mean, std: 0.1 * mean.abs(), min: 0.0, max: f64::INFINITY } } else { Value::NormalRedraw { mean, std: 0.1 * mean.abs(), min: f64::NEG_INFINITY, max: 0.0 } };
            let d = if excitatory { 1.5 } else { 0.75 };
            let delay = Value::NormalRedraw { mean: d, std: 0.5 * d, min: 0.5 * H, max: f64::INFINITY };
            let port = if excitatory { "exc_spikes" } else { "inh_spikes" };
            net.connect::<StaticSynapse>(source, target, ConnSpec::from(Rule::FixedTotalNumber { n }), SynapseSpec::new(weight, delay).port(port))?;
        }
    }
    let recorder = net.spike_recorder(&pops);
    net.simulate(0.0)?; // builds the connection storage
    let build_s = started.elapsed().as_secs_f64();
    let bytes_per_synapse = memory("VmRSS:").saturating_sub(rss_before) as f64 / synapses as f64;
    let (stored, bytes) = net.connection_memory();
    let stored_bytes_per_synapse = bytes as f64 / stored as f64;
    println!("microcircuit: {} neurons, {synapses} synapses, {} threads, populations {}", sizes.iter().sum::<usize>(), rayon::current_num_threads(), net.layout(pops[0]).unwrap_or("?"));
    println!("build {build_s:.1} s, {bytes_per_synapse:.1} bytes per synapse (resident memory of the network / synapses), {stored_bytes_per_synapse:.1} in the connection storage");

    net.simulate(T_PRESIM)?;
    let started = Instant::now();
    net.simulate(t_sim)?;
    let simulate_s = started.elapsed().as_secs_f64();
    let rtf = simulate_s / (t_sim / 1000.0);
    let peak = memory("VmHWM:");
    let mut counts = [0usize; 8];
    let offsets: Vec<usize> = pops.iter().map(|&p| net.len(p)).collect();
    for &(t, p, _) in &net.recorder(recorder).ok_or("no recorder")?.events {
        if t > T_PRESIM {
            counts[p] += 1;
        }
    }
    let rates: Vec<f64> = counts.iter().zip(&offsets).map(|(&c, &n)| c as f64 / n as f64 / (t_sim / 1000.0)).collect();
    println!("simulate {t_sim} ms in {simulate_s:.1} s: real-time factor {rtf:.1}; peak RSS {:.2} GiB", peak as f64 / (1u64 << 30) as f64);
    for (name, rate) in NAMES.iter().zip(&rates) {
        println!("  {name}: {rate:.2} spikes/s");
    }
    if let Some(path) = out {
        let rates_json = rates.iter().map(|r| r.to_string()).collect::<Vec<_>>().join(", ");
        let json = format!("{{\"neurons\": {}, \"synapses\": {synapses}, \"build_s\": {build_s}, \"simulate_s\": {simulate_s}, \"t_sim_ms\": {t_sim}, \"real_time_factor\": {rtf}, \"peak_rss_bytes\": {peak}, \"bytes_per_synapse\": {bytes_per_synapse}, \"stored_bytes_per_synapse\": {stored_bytes_per_synapse}, \"rates_hz\": [{rates_json}]}}\n", sizes.iter().sum::<usize>());
        std::fs::write(&path, json)?;
        println!("wrote {path}");
    }
    Ok(())
}
