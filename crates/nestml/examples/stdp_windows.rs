//! The NESTML `stdp_windows` tutorial in Rust: the STDP window (weight change against
//! `dt = t_post − t_pre`) of `stdp_synapse` (alpha 0.5 and −1), `stdp_windowed_synapse` and
//! `stdp_vogels_synapse`, each onto an `iaf_psc_delta_neuron` with a 10 ms delay; the
//! protocol is in `tutorials/stdp_windows.rs`. Writes into OUTPUT_DIR (default
//! `target/example-output`): `stdp_windows.csv` (dt and dw of every rule) and
//! `stdp_windows.svg` (one scatter plot per rule, the dashed line at `dt = −delay`), and prints
//! the summary numbers the reference (../shared/tutorial-reference/stdp_windows.json) lists.
//!
//! ```sh
//! cargo run -p nestml --example stdp_windows [-- OUTPUT_DIR]
//! ```

#[path = "tutorials/common.rs"]
mod common;
mod plot;
#[path = "tutorials/stdp_windows.rs"]
mod stdp_windows;

use plot::{Dots, Line, Panel, Plot};
use std::error::Error;

const COLORS: [&str; 4] = ["#1f5fa8", "#b35900", "#1a8a1a", "#c0282d"];

fn main() -> Result<(), Box<dyn Error>> {
    let out = common::output_dir()?;
    let windows = stdp_windows::run()?;

    let mut header = vec!["dt_ms".to_string()];
    header.extend(windows.iter().map(|w| format!("dw_{}", w.rule.key())));
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    let rows = (0..windows[0].dt_ms.len()).map(|i| {
        let mut row = vec![windows[0].dt_ms[i]];
        row.extend(windows.iter().map(|w| w.dw[i]));
        row
    });
    let csv = out.join("stdp_windows.csv");
    common::write_csv(&csv, &header, rows)?;

    let panels = windows
        .iter()
        .zip(COLORS)
        .map(|(w, color)| {
            let points: Vec<(f64, f64)> =
                w.dt_ms.iter().copied().zip(w.dw.iter().copied()).collect();
            let (lo, hi) = points
                .iter()
                .fold((0.0_f64, 0.0_f64), |(lo, hi), p| (lo.min(p.1), hi.max(p.1)));
            let mut panel = Panel::new("Δw / λ", 200.0);
            panel.lines.push(Line {
                points: vec![(-stdp_windows::DELAY_MS, lo), (-stdp_windows::DELAY_MS, hi)],
                color: "#888",
                dashed: true,
            });
            panel.lines.push(Line {
                points: vec![(-75.0, 0.0), (74.0, 0.0)],
                color: "#bbb",
                dashed: false,
            });
            panel.dots.push(Dots {
                points,
                color,
                radius: 2.0,
            });
            panel.legend.push((color, w.rule.key()));
            panel
        })
        .collect();
    let plot = Plot {
        title: "STDP windows (NESTML tutorial stdp_windows), delay 10 ms: centred at dt = −10 ms"
            .into(),
        x_label: "dt = t_post − t_pre (ms)".into(),
        x_range: (-76.0, 75.0),
        width: 800.0,
        panels,
    };
    let svg = out.join("stdp_windows.svg");
    std::fs::write(&svg, plot.to_svg())?;

    println!(
        "{:<24} {:>14} {:>8} {:>14} {:>8} {:>5} {:>5}",
        "rule", "dw_max", "dt", "dw_min", "dt", "n>0", "n<0"
    );
    for w in &windows {
        let s = w.summary();
        println!(
            "{:<24} {:>14.9} {:>8} {:>14.9} {:>8} {:>5} {:>5}",
            w.rule.key(),
            s.dw_max,
            s.dt_at_dw_max,
            s.dw_min,
            s.dt_at_dw_min,
            s.n_dw_positive,
            s.n_dw_negative
        );
    }
    println!("wrote {}\nwrote {}", csv.display(), svg.display());
    Ok(())
}
