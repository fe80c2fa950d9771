//! The seeds' network: two populations of 100 `hh_psc_alpha_neuron` (NESTML model library),
//! each driven by Poisson input, the first connected to the second all-to-all with
//! `stdp_synapse`, simulated for 1000 ms at 0.1 ms on all cores. Writes into OUTPUT_DIR
//! (default `target/example-output`): `hh_stdp_spikes.csv` (time, population, neuron),
//! `hh_stdp_weights.csv` (source, target, weight before, after), `hh_stdp_raster.svg` and
//! `hh_stdp_weights.svg` (weight distribution before and after), and prints the rates and the
//! mean weight change.
//!
//! ```sh
//! cargo run --release -p nestml --example hh_stdp_network [-- OUTPUT_DIR]
//! ```

mod plot;

use nestml::network::{Generator, Network, Rule, SynapseSpec, Value};
use plot::{Dots, Line, Panel, Plot};
use std::error::Error;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;

nestml::include_nestml!("../../../shared/nestml-models/neurons/hh_psc_alpha_neuron.nestml");
nestml::include_nestml!("../../../shared/nestml-models/synapses/stdp_synapse.nestml");

/// The network's parameters (shared with the test that checks it against NEST).
pub struct Setup {
    pub n: usize,
    pub t_ms: f64,
    /// Poisson drive: rate (1/s) and weight (pA) per neuron.
    pub drive: (f64, f64),
    /// Initial weights (pA), drawn uniformly, and the delay (ms) of the plastic connections.
    pub w_init: (f64, f64),
    pub delay: f64,
    pub seed: u64,
}

pub const SETUP: Setup = Setup { n: 100, t_ms: 1000.0, drive: (50_000.0, 25.0), w_init: (20.0, 40.0), delay: 1.0, seed: 1 };

/// A plastic connection: source, target, weight before, weight after.
pub type Weights = (usize, usize, f64, f64);

/// The result: spikes (time, population, neuron) and the plastic weights before and after.
pub struct Outcome {
    pub spikes: Vec<(f64, usize, usize)>,
    pub connections: Vec<Weights>,
}

/// Builds and runs the network; `progress` is called with (done, total) ms.
pub fn run(s: &Setup, progress: impl FnMut(f64, f64) + Send + 'static) -> Result<Outcome, Box<dyn Error>> {
    let mut net = Network::new(0.1, s.seed)?;
    let pre = net.create(HhPscAlphaNeuron::default(), s.n);
    let post = net.create(HhPscAlphaNeuron::default(), s.n);
    let drive = net.device(Generator::PoissonGenerator { rate: s.drive.0, start: 0.0, stop: f64::INFINITY })?;
    net.drive(drive, pre, s.drive.1, 1.0, "exc_spikes")?;
    net.drive(drive, post, s.drive.1, 1.0, "exc_spikes")?;
    let mut params = StdpSynapseParams::default();
    nestml::SynapseParams::set(&mut params, "Wmax", 100.0)?;
    let spec = SynapseSpec::<StdpSynapse>::new(Value::Uniform { low: s.w_init.0, high: s.w_init.1 }, s.delay).params(params).port("exc_spikes");
    let stdp = net.connect(pre, post, Rule::AllToAll.into(), spec)?;
    let recorder = net.spike_recorder(&[pre, post]);
    net.on_progress(progress);
    net.simulate(0.1)?; // builds the connections: the weights before
    let before = net.connections(Some(stdp));
    net.simulate(s.t_ms - 0.1)?;
    let after = net.connections(Some(stdp));
    let connections = before.iter().zip(&after).map(|(b, a)| (b.source, b.target, b.weight, a.weight)).collect();
    Ok(Outcome { spikes: net.recorder(recorder).unwrap().events.clone(), connections })
}

fn main() -> Result<(), Box<dyn Error>> {
    let out_dir = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "target/example-output".into()));
    std::fs::create_dir_all(&out_dir)?;
    let started = std::time::Instant::now();
    let mut shown = usize::MAX;
    let outcome = run(&SETUP, move |done, total| {
        let width = 40;
        let filled = ((done / total) * width as f64).floor() as usize;
        if filled != shown && total > 1.0 {
            shown = filled;
            eprint!("\r[{}{}] {:3.0} %", "#".repeat(filled), " ".repeat(width - filled), 100.0 * done / total);
            if done >= total {
                eprintln!();
            }
        }
    })?;
    let seconds = started.elapsed().as_secs_f64();

    let mut csv = String::from("time_ms,population,neuron\n");
    for (t, p, i) in &outcome.spikes {
        let _ = writeln!(csv, "{t},{p},{i}");
    }
    std::fs::write(out_dir.join("hh_stdp_spikes.csv"), csv)?;
    let mut csv = String::from("source,target,weight_before,weight_after\n");
    for (s, t, b, a) in &outcome.connections {
        let _ = writeln!(csv, "{s},{t},{b},{a}");
    }
    std::fs::write(out_dir.join("hh_stdp_weights.csv"), csv)?;

    let n = SETUP.n;
    let rate = |p: usize| outcome.spikes.iter().filter(|s| s.1 == p).count() as f64 / n as f64 / (SETUP.t_ms / 1000.0);
    let mean = |f: fn(&Weights) -> f64| outcome.connections.iter().map(f).sum::<f64>() / outcome.connections.len() as f64;
    let (w0, w1) = (mean(|c| c.2), mean(|c| c.3));
    println!("simulated {} ms of 2 x {n} hh_psc_alpha_neuron with {} stdp_synapse connections in {seconds:.2} s", SETUP.t_ms, outcome.connections.len());
    println!("rates: population 1 {:.2} spikes/s, population 2 {:.2} spikes/s", rate(0), rate(1));
    println!("mean weight: {w0:.4} pA before, {w1:.4} pA after (change {:+.4} pA)", w1 - w0);

    let raster = Plot {
        title: format!("hh_psc_alpha_neuron, 2 x {n}, Poisson drive, all_to_all stdp_synapse"),
        x_label: "time (ms)".into(),
        x_range: (0.0, SETUP.t_ms),
        width: 900.0,
        panels: vec![Panel {
            dots: vec![Dots { points: outcome.spikes.iter().map(|&(t, p, i)| (t, (p * n + i) as f64)).collect(), color: "#1f4e9c", radius: 1.0 }],
            legend: vec![("#1f4e9c", "neurons 0-99: population 1, 100-199: population 2".into())],
            ..Panel::new("neuron", 400.0)
        }],
    };
    std::fs::write(out_dir.join("hh_stdp_raster.svg"), raster.to_svg())?;
    let histogram = |w: &dyn Fn(&Weights) -> f64| -> Vec<(f64, f64)> {
        let bins = 50;
        let mut counts = vec![0usize; bins];
        for c in &outcome.connections {
            let b = ((w(c) / 100.0) * bins as f64).floor().clamp(0.0, bins as f64 - 1.0) as usize;
            counts[b] += 1;
        }
        counts.iter().enumerate().flat_map(|(b, &k)| [(b as f64 * 2.0, k as f64), ((b + 1) as f64 * 2.0, k as f64)]).collect()
    };
    let weights = Plot {
        title: "stdp_synapse weights before and after 1000 ms".into(),
        x_label: "weight (pA)".into(),
        x_range: (0.0, 100.0),
        width: 700.0,
        panels: vec![Panel {
            lines: vec![Line { points: histogram(&|c| c.2), color: "#888888", dashed: true }, Line { points: histogram(&|c| c.3), color: "#c0392b", dashed: false }],
            legend: vec![("#888888", "before".into()), ("#c0392b", "after".into())],
            ..Panel::new("connections", 300.0)
        }],
    };
    std::fs::write(out_dir.join("hh_stdp_weights.svg"), weights.to_svg())?;
    std::io::stdout().flush()?;
    println!("wrote {}", out_dir.display());
    Ok(())
}
