//! The `stdp_dopa_synapse` tutorial: dopamine-modulated (three-factor) STDP
//! (../shared/tutorial-reference/stdp_dopa_synapse.md), with the tutorial's
//! `neuromodulated_stdp_synapse` onto the library's `iaf_psc_delta_neuron`.
//!
//! Dopamine spikes act on the synapse as a `volume_transmitter` delivers them: a generator
//! spike at `T` passes a parrot (1 ms) and the static connection to the volume transmitter
//! (1 ms), so it acts at `T + 2 ms` (the synapse's `onReceive(mod_spikes)`). Between events
//! the generated synapse integrates `dw/dt = c (n − b)` exactly (its `update` block).
//!
//! - Experiment 1 (deterministic): one pre spike (2 ms), one post spike (4 ms, reaching the
//!   synapse at 4.5 ms), one dopamine spike; the weight at the end (10 s, "w(∞)") against the
//!   dopamine time, for `A_vt = ±1`. Closed form: `1 + A_vt · 0.6490007 · exp(−(T − 2.5)/1000)`.
//! - Experiment 2 (Poisson input, seeded): ten independent parrot → neuron pairs through the
//!   synapse (`w = 5.6`, 50 Hz Poisson input, `tau_n = 50`, `tau_c = 100 ms`), rewarded by
//!   dopamine at 2, 3, 4 s (`A_vt = +10`) and punished at 8, 9, 10 s (`A_vt = −10`); the run
//!   goes in 30 ms chunks, `A_vt` set before each as the notebook does.
//!
//! NEST's numbers come from generated code patched for an uninitialised `vt_spikes_idx_`
//! (PyNESTML 9.0.0); the generated Rust synapse has no such index (the neuromodulatory
//! spikes are a history read by time), so these are the patched semantics.

#![allow(dead_code)]

use super::common::{poisson_train, Sim};
use nestml::{NestmlRng, Resolution, Synapse, SynapseParams};

mod models {
    nestml::include_nestml!("../../../shared/nestml-models/neurons/iaf_psc_delta_neuron.nestml");
    nestml::include_nestml!(
        "../../../shared/tutorial-models/neuromodulated_stdp_synapse__stdp_dopa_synapse.nestml"
    );
}
pub use models::{IafPscDeltaNeuron, NeuromodulatedStdpSynapse};

type Params = <NeuromodulatedStdpSynapse as Synapse>::Params;

pub const RESOLUTION_MS: f64 = 0.1;
/// From a dopamine generator spike to its action on the synapse (parrot + volume transmitter).
pub const DOPAMINE_LATENCY_MS: f64 = 2.0;

/// Dopamine generator times of experiment 1: `round(linspace(4, 5000, 12))` ms.
pub fn vt_generator_times_ms() -> Vec<f64> {
    (0..12)
        .map(|i| (4.0 + (5000.0 - 4.0) * i as f64 / 11.0).round())
        .collect()
}

/// Experiment 1: the final weight for one dopamine spike at generator time `t_vt_ms`.
pub fn final_weight(a_vt: f64, t_vt_ms: f64) -> Result<f64, String> {
    let resolution = Resolution::from_ms(RESOLUTION_MS).map_err(|e| e.to_string())?;
    let mut params = Params::default();
    params.set("tau_tr_pre", 10.0).map_err(|e| e.to_string())?;
    params.set("A_vt", a_vt).map_err(|e| e.to_string())?;
    let mut sim = Sim::<IafPscDeltaNeuron, NeuromodulatedStdpSynapse>::new(
        resolution,
        IafPscDeltaNeuron::default(),
        params,
        1,
    );
    let mut synapse = NeuromodulatedStdpSynapse::new(&sim.params);
    synapse.set("w", 1.0).map_err(|e| e.to_string())?;
    // pre: generator at 1 ms -> parrot (1 ms): fires at 2 ms
    sim.connect(synapse, &[2.0], 0.5, 0);
    // post: generator at 3 ms -> neuron (weight 9999, 1 ms): fires at 4 ms
    sim.generator_spike(3.0, 1.0, 0, 9999.0);
    sim.modulation = Some(nestml::SpikeHistory::from_times(&[
        t_vt_ms + DOPAMINE_LATENCY_MS
    ]));
    sim.run_until(10_000.0)?;
    if sim.post_spikes != [4.0] {
        return Err(format!(
            "the postsynaptic neuron fired at {:?}, not at 4 ms only",
            sim.post_spikes
        ));
    }
    Ok(sim.sample(0)?.weight())
}

/// Experiment 1 for one sign of `A_vt`: (dopamine generator times, final weights).
pub fn vt_timing(a_vt: f64) -> Result<(Vec<f64>, Vec<f64>), String> {
    let times = vt_generator_times_ms();
    let w = times
        .iter()
        .map(|&t| final_weight(a_vt, t))
        .collect::<Result<_, _>>()?;
    Ok((times, w))
}

/// The closed form of experiment 1.
pub fn closed_form(a_vt: f64, t_vt_ms: f64) -> f64 {
    let (tau_tr_pre, tau_c, tau_n) = (10.0_f64, 1000.0_f64, 200.0_f64);
    let lag = 4.5 - 2.0; // post spike at the synapse minus pre spike
    let c = (-lag / tau_tr_pre).exp();
    let n = a_vt / tau_n;
    let tau_s = (tau_c + tau_n) / (tau_c * tau_n);
    1.0 + c * (-((t_vt_ms + DOPAMINE_LATENCY_MS) - 4.5) / tau_c).exp() * n / tau_s
}

pub const N_NEURONS: usize = 10;
pub const INPUT_RATE_HZ: f64 = 50.0;
pub const W0: f64 = 5.6;
pub const CHUNK_MS: f64 = 30.0;
pub const SIM_TIME_MS: f64 = 12_000.0;
pub const REWARD_MS: [f64; 3] = [2000.0, 3000.0, 4000.0];
pub const PUNISHMENT_MS: [f64; 3] = [8000.0, 9000.0, 10_000.0];
/// Times (ms) at which the tutorial's summary reads the mean weight.
pub const WEIGHT_TIMES_MS: [f64; 4] = [1980.0, 5010.0, 7980.0, 12_000.0];
/// Windows (ms) of the summary's output rates.
pub const RATE_WINDOWS_MS: [(f64, f64); 3] =
    [(0.0, 2000.0), (5000.0, 8000.0), (11_000.0, 12_000.0)];

/// `A_vt` for the chunk that ends at `chunk_end_ms`.
pub fn a_vt_for_chunk(chunk_end_ms: f64) -> f64 {
    if chunk_end_ms <= 8000.0 {
        10.0
    } else {
        -10.0
    }
}

/// One seed of experiment 2.
#[derive(Clone, Debug, PartialEq)]
pub struct TenNeurons {
    pub seed: u64,
    /// Output spike times per neuron (ms).
    pub spikes: Vec<Vec<f64>>,
    /// Input (relay) spike times per neuron (ms).
    pub input_spikes: Vec<Vec<f64>>,
    /// Sample times: the end of every chunk (ms), from 0.
    pub t_ms: Vec<f64>,
    /// Per neuron, `w`, `c` and `n` of its synapse at each sample time.
    pub w: Vec<Vec<f64>>,
    pub c: Vec<Vec<f64>>,
    pub n: Vec<Vec<f64>>,
}

impl TenNeurons {
    /// The mean weight over the synapses at time `t_ms` (a sample time).
    pub fn w_mean(&self, t_ms: f64) -> f64 {
        let i = self
            .t_ms
            .iter()
            .position(|&t| (t - t_ms).abs() < 1e-6)
            .expect("a sample time");
        self.w.iter().map(|w| w[i]).sum::<f64>() / self.w.len() as f64
    }

    /// The mean output rate over the neurons in `[from, to)` ms, Hz.
    pub fn rate_hz(&self, (from, to): (f64, f64)) -> f64 {
        let count: usize = self
            .spikes
            .iter()
            .map(|s| s.iter().filter(|&&t| t >= from && t < to).count())
            .sum();
        count as f64 / self.spikes.len() as f64 / ((to - from) / 1000.0)
    }

    /// The mean input rate, Hz.
    pub fn input_rate_hz(&self) -> f64 {
        let count: usize = self.input_spikes.iter().map(Vec::len).sum();
        count as f64 / self.input_spikes.len() as f64 / (SIM_TIME_MS / 1000.0)
    }
}

/// Experiment 2 with `seed` (neuron `i` draws its input from stream `i` of the seed).
pub fn ten_neurons(seed: u64) -> Result<TenNeurons, String> {
    let resolution = Resolution::from_ms(RESOLUTION_MS).map_err(|e| e.to_string())?;
    let e = |e: nestml::SetError| e.to_string();
    let mut params = Params::default();
    params.set("tau_n", 50.0).map_err(e)?;
    params.set("tau_c", 100.0).map_err(e)?;
    let dopamine: Vec<f64> = REWARD_MS
        .iter()
        .chain(&PUNISHMENT_MS)
        .map(|t| t + DOPAMINE_LATENCY_MS)
        .collect();
    let mut sims = Vec::new();
    let mut input_spikes = Vec::new();
    for i in 0..N_NEURONS {
        let mut rng = NestmlRng::with_stream(seed, i as u64);
        let input = poisson_train(&mut rng, &resolution, INPUT_RATE_HZ, SIM_TIME_MS);
        let mut sim = Sim::<IafPscDeltaNeuron, NeuromodulatedStdpSynapse>::new(
            resolution,
            IafPscDeltaNeuron::default(),
            params.clone(),
            seed,
        );
        let mut synapse = NeuromodulatedStdpSynapse::new(&sim.params);
        synapse.set("w", W0).map_err(e)?;
        sim.connect(synapse, &input, 0.5, 0);
        sim.modulation = Some(nestml::SpikeHistory::from_times(&dopamine));
        sims.push(sim);
        input_spikes.push(input);
    }
    let n_chunks = (SIM_TIME_MS / CHUNK_MS).round() as usize;
    let mut out = TenNeurons {
        seed,
        spikes: Vec::new(),
        input_spikes,
        t_ms: vec![0.0],
        w: vec![vec![W0]; N_NEURONS],
        c: vec![vec![0.0]; N_NEURONS],
        n: vec![vec![0.0]; N_NEURONS],
    };
    for chunk in 0..n_chunks {
        let end = (chunk + 1) as f64 * CHUNK_MS;
        for (i, sim) in sims.iter_mut().enumerate() {
            sim.params.set("A_vt", a_vt_for_chunk(end)).map_err(e)?;
            sim.run_until(end)?;
            // the volume transmitter updates its synapses as it delivers (every min_delay in
            // NEST; between events w is monotonic, so the interval does not change it)
            sim.update_connections()?;
            let s = sim.sample(0)?;
            out.w[i].push(s.weight());
            out.c[i].push(s.get("c").ok_or("no c")?);
            out.n[i].push(s.get("n").ok_or("no n")?);
        }
        out.t_ms.push(end);
    }
    out.spikes = sims.into_iter().map(|s| s.post_spikes).collect();
    Ok(out)
}

/// Mean and sample standard deviation (n − 1).
pub fn mean_sd(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0);
    (mean, var.sqrt())
}

pub const SEEDS: [u64; 5] = [1000, 1001, 1002, 1003, 1004];
