//! The NESTML `triplet_stdp_synapse` tutorial in Rust: the triplet STDP rule (all-to-all and
//! nearest-spike traces) between two `iaf_psc_delta_neuron`s; the protocols are in
//! `tutorials/triplet_stdp.rs`. Writes into OUTPUT_DIR (default `target/example-output`):
//! - `triplet_stdp_pairing.csv` / `.svg`: weight change of 60 pairings against the pairing
//!   frequency (solid dt = +10 ms, dashed dt = −10 ms; blue all-to-all, red nearest spike);
//! - `triplet_stdp_triplets.csv` / `.svg`: weight change of the pre-post-pre and
//!   post-pre-post triplet protocols for each (dt1, dt2), drawn as stems;
//!
//! and prints the numbers the reference (../shared/tutorial-reference/triplet_stdp_synapse.json)
//! lists. Our post-pre-post numbers are the rule as written (the reference's
//! `no_history_pruning`), not NEST's, which carry a spike-history artifact of PyNESTML 9.0.0.
//!
//! ```sh
//! cargo run -p nestml --example triplet_stdp [-- OUTPUT_DIR]
//! ```

#[path = "tutorials/common.rs"]
mod common;
mod plot;
#[path = "tutorials/triplet_stdp.rs"]
mod triplet_stdp;

use plot::{Dots, Line, Panel, Plot};
use std::error::Error;
use triplet_stdp::{Triplet, Variant, PAIRING_DT_MS, PAIRING_FREQUENCIES_HZ};

fn color(v: Variant) -> &'static str {
    match v {
        Variant::AllToAll => "#1f5fa8",
        Variant::Nearest => "#c0282d",
    }
}

fn main() -> Result<(), Box<dyn Error>> {
    let out = common::output_dir()?;

    // experiment A: pairing frequency
    let pairing: Vec<(Variant, Vec<Vec<f64>>)> = Variant::ALL
        .iter()
        .map(|&v| triplet_stdp::pairing(v).map(|dw| (v, dw)))
        .collect::<Result<_, _>>()?;
    let mut rows = Vec::new();
    for (i, rho) in PAIRING_FREQUENCIES_HZ.iter().enumerate() {
        let mut row = vec![*rho];
        for (_, dw) in &pairing {
            row.extend(PAIRING_DT_MS.iter().enumerate().map(|(j, _)| dw[j][i]));
        }
        rows.push(row);
    }
    let csv_a = out.join("triplet_stdp_pairing.csv");
    common::write_csv(
        &csv_a,
        &[
            "rho_hz",
            "dw_all_to_all_dt+10",
            "dw_all_to_all_dt-10",
            "dw_nearest_dt+10",
            "dw_nearest_dt-10",
        ],
        rows,
    )?;
    let mut panel = Panel::new("Δw (60 pairings)", 320.0);
    for (v, dw) in &pairing {
        for (j, dt) in PAIRING_DT_MS.iter().enumerate() {
            let points: Vec<(f64, f64)> = PAIRING_FREQUENCIES_HZ
                .iter()
                .copied()
                .zip(dw[j].iter().copied())
                .collect();
            panel.lines.push(Line {
                points: points.clone(),
                color: color(*v),
                dashed: *dt < 0.0,
            });
            panel.dots.push(Dots {
                points,
                color: color(*v),
                radius: 2.5,
            });
        }
        panel.legend.push((
            color(*v),
            format!("{} (solid dt = +10 ms, dashed dt = −10 ms)", v.key()),
        ));
    }
    panel.lines.push(Line {
        points: vec![(0.0, 0.0), (52.0, 0.0)],
        color: "#bbb",
        dashed: false,
    });
    let plot = Plot {
        title: "Triplet STDP: weight change against pairing frequency".into(),
        x_label: "pairing frequency ρ (Hz)".into(),
        x_range: (0.0, 52.0),
        width: 640.0,
        panels: vec![panel],
    };
    let svg_a = out.join("triplet_stdp_pairing.svg");
    std::fs::write(&svg_a, plot.to_svg())?;

    // experiment B: triplets (notebook parameters)
    let mut rows = Vec::new();
    let mut panels = Vec::new();
    let mut results = Vec::new();
    for t in Triplet::ALL {
        let mut panel = Panel::new(format!("Δw, {}", t.key()), 220.0);
        panel.lines.push(Line {
            points: vec![(0.5, 0.0), (4.5, 0.0)],
            color: "#888",
            dashed: false,
        });
        for (n, v) in Variant::ALL.into_iter().enumerate() {
            let dw = triplet_stdp::triplets(t, v, true)?;
            for (i, (&(a, b), &d)) in t.delays().iter().zip(&dw).enumerate() {
                let x = i as f64 + 1.0 + (n as f64 - 0.5) * 0.2;
                rows.push(vec![
                    if t == Triplet::PrePostPre { 0.0 } else { 1.0 },
                    n as f64,
                    a,
                    b,
                    d,
                ]);
                panel.lines.push(Line {
                    points: vec![(x, 0.0), (x, d)],
                    color: color(v),
                    dashed: false,
                });
                panel.dots.push(Dots {
                    points: vec![(x, d)],
                    color: color(v),
                    radius: 3.0,
                });
            }
            panel.legend.push((color(v), v.key().to_string()));
            results.push((t, v, dw));
        }
        let labels: Vec<String> = t
            .delays()
            .iter()
            .map(|(a, b)| format!("({a}, {b})"))
            .collect();
        panel.legend.push((
            "#888",
            format!("delay pairs (dt1, dt2) 1–4: {}", labels.join(" ")),
        ));
        panels.push(panel);
    }
    let csv_b = out.join("triplet_stdp_triplets.csv");
    common::write_csv(
        &csv_b,
        &[
            "protocol(0=pre_post_pre,1=post_pre_post)",
            "variant(0=all_to_all,1=nearest)",
            "dt1_ms",
            "dt2_ms",
            "dw",
        ],
        rows,
    )?;
    let plot = Plot {
        title: "Triplet protocols: Δw for four delay pairs (dt1, dt2)".into(),
        x_label: "delay pair".into(),
        x_range: (0.5, 4.5),
        width: 640.0,
        panels,
    };
    let svg_b = out.join("triplet_stdp_triplets.svg");
    std::fs::write(&svg_b, plot.to_svg())?;

    println!("pairing (60 pairs), dw at rho = {PAIRING_FREQUENCIES_HZ:?} Hz");
    for (v, dw) in &pairing {
        for (j, dt) in PAIRING_DT_MS.iter().enumerate() {
            let cells: Vec<String> = dw[j].iter().map(|d| format!("{d:.6}")).collect();
            println!("  {:<14} dt = {dt:+} ms: {}", v.key(), cells.join(" "));
        }
    }
    println!("triplets (notebook parameters), dw for (dt1, dt2) pairs");
    for (t, v, dw) in &results {
        let cells: Vec<String> = t
            .delays()
            .iter()
            .zip(dw)
            .map(|((a, b), d)| format!("({a},{b}): {d:+.4e}"))
            .collect();
        println!("  {:<14} {:<14} {}", t.key(), v.key(), cells.join("  "));
    }
    for p in [csv_a, svg_a, csv_b, svg_b] {
        println!("wrote {}", p.display());
    }
    Ok(())
}
