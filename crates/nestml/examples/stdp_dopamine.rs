//! The NESTML `stdp_dopa_synapse` tutorial in Rust: dopamine-modulated STDP
//! (`neuromodulated_stdp_synapse` onto `iaf_psc_delta_neuron`); the protocols are in
//! `tutorials/stdp_dopamine.rs`. Writes into OUTPUT_DIR (default `target/example-output`):
//! - `stdp_dopamine_timing.csv` / `.svg`: the final weight after one pre-post pairing against
//!   the time of one dopamine spike, for A_vt = +1 and −1 (dots), with the closed form (lines);
//! - `stdp_dopamine_ten_neurons.csv` / `.svg`: ten neurons with 50 Hz Poisson input, rewarded
//!   at 2, 3, 4 s and punished at 8, 9, 10 s (seed 1000): raster with the dopamine times, and
//!   w, c and n of each synapse every 30 ms;
//!
//! and prints the summary over seeds 1000-1004 next to the reference's numbers
//! (../shared/tutorial-reference/stdp_dopa_synapse.json; random, so they agree statistically).
//!
//! ```sh
//! cargo run -p nestml --example stdp_dopamine [-- OUTPUT_DIR]
//! ```

#[path = "tutorials/common.rs"]
mod common;
mod plot;
#[path = "tutorials/stdp_dopamine.rs"]
mod stdp_dopamine;

use plot::{Dots, Line, Marks, Panel, Plot};
use std::error::Error;
use stdp_dopamine::{mean_sd, RATE_WINDOWS_MS, SEEDS, WEIGHT_TIMES_MS};

const NEURON_COLORS: [&str; 10] = [
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
    "#bcbd22", "#17becf",
];

fn main() -> Result<(), Box<dyn Error>> {
    let out = common::output_dir()?;

    // experiment 1
    let (times, w_plus) = stdp_dopamine::vt_timing(1.0)?;
    let (_, w_minus) = stdp_dopamine::vt_timing(-1.0)?;
    let csv1 = out.join("stdp_dopamine_timing.csv");
    common::write_csv(
        &csv1,
        &["t_vt_generator_ms", "w_final_A_vt+1", "w_final_A_vt-1"],
        (0..times.len()).map(|i| vec![times[i], w_plus[i], w_minus[i]]),
    )?;
    let mut panel = Panel::new("w(∞)", 320.0);
    for (a_vt, w, color) in [(1.0, &w_plus, "#1a8a1a"), (-1.0, &w_minus, "#c0282d")] {
        let closed = (0..=100)
            .map(|i| 50.0 * i as f64)
            .map(|t: f64| (t.max(4.0), stdp_dopamine::closed_form(a_vt, t.max(4.0))))
            .collect();
        panel.lines.push(Line {
            points: closed,
            color: "#888",
            dashed: true,
        });
        panel.dots.push(Dots {
            points: times.iter().copied().zip(w.iter().copied()).collect(),
            color,
            radius: 3.5,
        });
        panel.legend.push((color, format!("A_vt = {a_vt:+}")));
    }
    panel.legend.push((
        "#888",
        "closed form 1 + A_vt · 0.649 · exp(−(T − 2.5 ms)/τ_c)".into(),
    ));
    let plot = Plot {
        title: "Dopamine-modulated STDP: final weight against the dopamine spike time".into(),
        x_label: "dopamine generator spike time T (ms); it acts at T + 2 ms".into(),
        x_range: (0.0, 5000.0),
        width: 700.0,
        panels: vec![panel],
    };
    let svg1 = out.join("stdp_dopamine_timing.svg");
    std::fs::write(&svg1, plot.to_svg())?;

    // experiment 2
    let runs: Vec<_> = SEEDS
        .iter()
        .map(|&s| stdp_dopamine::ten_neurons(s))
        .collect::<Result<_, _>>()?;
    let run = &runs[0];
    let mut header = vec!["t_ms".to_string()];
    for var in ["w", "c", "n"] {
        header.extend((0..run.w.len()).map(|i| format!("{var}_{i}")));
    }
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    let csv2 = out.join("stdp_dopamine_ten_neurons.csv");
    common::write_csv(
        &csv2,
        &header,
        (0..run.t_ms.len()).map(|k| {
            let mut row = vec![run.t_ms[k]];
            for series in [&run.w, &run.c, &run.n] {
                row.extend(series.iter().map(|s| s[k]));
            }
            row
        }),
    )?;
    let spikes_csv = out.join("stdp_dopamine_ten_neurons_spikes.csv");
    common::write_csv(
        &spikes_csv,
        &["neuron", "t_ms"],
        run.spikes
            .iter()
            .enumerate()
            .flat_map(|(i, s)| s.iter().map(move |&t| vec![i as f64, t])),
    )?;

    let mut raster = Panel::new("", 14.0 * 12.0 + 4.0);
    raster.marks.push(Marks {
        xs: stdp_dopamine::REWARD_MS.to_vec(),
        color: "#1a8a1a",
        label: "reward".into(),
    });
    raster.marks.push(Marks {
        xs: stdp_dopamine::PUNISHMENT_MS.to_vec(),
        color: "#c0282d",
        label: "punish".into(),
    });
    for (i, s) in run.spikes.iter().enumerate() {
        raster.marks.push(Marks {
            xs: s.clone(),
            color: "black",
            label: format!("{i}"),
        });
    }
    let series_panel = |label: &str, series: &[Vec<f64>]| {
        let mut p = Panel::new(label, 170.0);
        for (i, s) in series.iter().enumerate() {
            p.lines.push(Line {
                points: run.t_ms.iter().copied().zip(s.iter().copied()).collect(),
                color: NEURON_COLORS[i % 10],
                dashed: false,
            });
        }
        p
    };
    let plot = Plot {
        title: format!(
            "Ten neurons, 50 Hz Poisson input, reward then punishment (seed {})",
            run.seed
        ),
        x_label: "time (ms)".into(),
        x_range: (0.0, stdp_dopamine::SIM_TIME_MS),
        width: 900.0,
        panels: vec![
            raster,
            series_panel("w", &run.w),
            series_panel("c (eligibility)", &run.c),
            series_panel("n (dopamine)", &run.n),
        ],
    };
    let svg2 = out.join("stdp_dopamine_ten_neurons.svg");
    std::fs::write(&svg2, plot.to_svg())?;

    println!("experiment 1: final weight against the dopamine generator time");
    for i in 0..times.len() {
        println!(
            "  T = {:>6} ms: A_vt = +1: {:.9}  A_vt = -1: {:.9}",
            times[i], w_plus[i], w_minus[i]
        );
    }
    println!("experiment 2: ten neurons, mean ± SD over seeds {SEEDS:?} (reference NEST 3.10: 27.06 ± 3.22 at 5010 ms, 7.46 ± 4.33 at 12000 ms; rates 1.14, 29.8, 5.86 Hz)");
    for t in WEIGHT_TIMES_MS {
        let (m, sd) = mean_sd(&runs.iter().map(|r| r.w_mean(t)).collect::<Vec<_>>());
        println!("  mean weight at {t:>7} ms: {m:8.3} ± {sd:.3}");
    }
    for window in RATE_WINDOWS_MS {
        let (m, sd) = mean_sd(&runs.iter().map(|r| r.rate_hz(window)).collect::<Vec<_>>());
        println!(
            "  output rate {:>5}-{:<5} s: {m:8.3} ± {sd:.3} Hz",
            window.0 / 1000.0,
            window.1 / 1000.0
        );
    }
    for p in [csv1, svg1, csv2, spikes_csv, svg2] {
        println!("wrote {}", p.display());
    }
    Ok(())
}
