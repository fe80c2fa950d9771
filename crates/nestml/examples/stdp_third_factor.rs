//! The NESTML `stdp_third_factor_active_dendrite` tutorial in Rust: STDP gated by the
//! postsynaptic dendritic current (`third_factor_stdp_synapse` onto the tutorial's
//! `iaf_psc_exp_active_dendrite_neuron`, its input `I_post_dend` reading the neuron's `I_dAP`);
//! the protocol is in `tutorials/stdp_third_factor.rs`. Writes into OUTPUT_DIR (default
//! `target/example-output`):
//! - `stdp_third_factor_cases.csv`: the weight after each presynaptic spike in every case, with
//!   both buffering methods of the continuous input;
//! - `stdp_third_factor_<case>.svg` for each case (continuous_time_buffer): the forced third
//!   factor, the pre and post spikes and the weight;
//! - `stdp_third_factor_non_forced.csv` / `.svg`: the last case (third factor forced to 1 pA
//!   from 100 to 120 ms, then decaying; ~800 random pre and post spikes, the tutorial's times
//!   read from ../shared/tutorial-reference/stdp_third_factor_active_dendrite.json);
//!
//! and prints the weights the reference lists.
//!
//! ```sh
//! cargo run -p nestml --example stdp_third_factor [-- OUTPUT_DIR]
//! ```

#[path = "tutorials/common.rs"]
mod common;
mod plot;
#[path = "tutorials/stdp_third_factor.rs"]
mod stdp_third_factor;

use common::PostValues;
use plot::{Line, Marks, Panel, Plot};
use std::error::Error;
use stdp_third_factor::{Case, Outcome};

/// The tutorial's random spike times of the last case (data of the reference).
fn non_forced_times() -> Result<(Vec<f64>, Vec<f64>), Box<dyn Error>> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/tutorial-reference/stdp_third_factor_active_dendrite.json"
    );
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path)?)?;
    let times = |key: &str| -> Result<Vec<f64>, Box<dyn Error>> {
        json["non_forced_dynamics"][key]
            .as_array()
            .ok_or(format!("no {key} in {path}"))?
            .iter()
            .map(|v| v.as_f64().ok_or_else(|| "not a number".into()))
            .collect()
    };
    Ok((times("pre_generator_ms")?, times("post_generator_ms")?))
}

/// The third factor, the spikes and the weight of one case.
fn plot(case: &Case, out: &Outcome, title: String) -> Plot {
    let t_end = *out.t_ms.last().unwrap_or(&1.0);
    let h = case.resolution_ms;
    // I_dAP holds over each step from the value at its start
    let i_dap: Vec<(f64, f64)> = out
        .t_ms
        .iter()
        .zip(&out.i_dap)
        .flat_map(|(&t, &v)| [(t - h, v), (t, v)])
        .collect();
    let mut factor = Panel::new("I_dAP (pA)", 150.0);
    factor.lines.push(Line {
        points: i_dap,
        color: "#b35900",
        dashed: false,
    });
    factor.marks.push(Marks {
        xs: out.pre_spikes_ms.clone(),
        color: "#1f5fa8",
        label: "pre".into(),
    });
    factor.marks.push(Marks {
        xs: out.post_spikes_ms.clone(),
        color: "#c0282d",
        label: "post".into(),
    });
    let arrivals = out
        .post_spikes_ms
        .iter()
        .map(|s| s + case.delay_ms)
        .collect();
    factor.marks.push(Marks {
        xs: arrivals,
        color: "#e08080",
        label: "post+d".into(),
    });
    let mut weight = Panel::new("(w − 1) × 10⁶", 200.0);
    weight.lines.push(Line {
        points: out
            .t_ms
            .iter()
            .zip(&out.w)
            .map(|(&t, &w)| (t, (w - 1.0) * 1e6))
            .collect(),
        color: "#1a8a1a",
        dashed: false,
    });
    Plot {
        title,
        x_label: "time (ms)".into(),
        x_range: (0.0, t_end),
        width: 800.0,
        panels: vec![factor, weight],
    }
}

fn main() -> Result<(), Box<dyn Error>> {
    let dir = common::output_dir()?;
    let mut rows = Vec::new();
    let mut written = Vec::new();
    println!("w after each presynaptic spike");
    for (n, case) in stdp_third_factor::cases().iter().enumerate() {
        for (m, (method, buffering)) in [
            ("continuous_time_buffer", PostValues::AtArrival),
            ("post_spike_based", PostValues::AtSpike),
        ]
        .into_iter()
        .enumerate()
        {
            let out = stdp_third_factor::run(case, buffering)?;
            for (i, (&t, &w)) in out
                .pre_spikes_ms
                .iter()
                .zip(&out.w_after_each_pre_spike)
                .enumerate()
            {
                rows.push(vec![n as f64, m as f64, i as f64, t, w]);
            }
            let cells: Vec<String> = out
                .w_after_each_pre_spike
                .iter()
                .map(|w| format!("{w:.15}"))
                .collect();
            println!("  {:<30} {method:<23} {}", case.key, cells.join(" "));
            if buffering == PostValues::AtArrival {
                let svg = dir.join(format!("stdp_third_factor_{}.svg", case.key));
                std::fs::write(
                    &svg,
                    plot(
                        case,
                        &out,
                        format!(
                            "third-factor STDP, case {} (d = {} ms)",
                            case.key, case.delay_ms
                        ),
                    )
                    .to_svg(),
                )?;
                written.push(svg);
            }
        }
    }
    let csv = dir.join("stdp_third_factor_cases.csv");
    common::write_csv(
        &csv,
        &[
            "case",
            "method(0=continuous_time_buffer,1=post_spike_based)",
            "pre_spike",
            "t_pre_ms",
            "w_after",
        ],
        rows,
    )?;
    written.push(csv);

    let (pre, post) = non_forced_times()?;
    let case = stdp_third_factor::non_forced_case(pre, post);
    let out = stdp_third_factor::run(&case, PostValues::AtArrival)?;
    let csv = dir.join("stdp_third_factor_non_forced.csv");
    common::write_csv(
        &csv,
        &["t_ms", "I_dAP_at_step_start_pA", "w"],
        (0..out.t_ms.len()).map(|i| vec![out.t_ms[i], out.i_dap[i], out.w[i]]),
    )?;
    let svg = dir.join("stdp_third_factor_non_forced.svg");
    std::fs::write(
        &svg,
        plot(
            &case,
            &out,
            "third-factor STDP, third factor 1 pA from 100 to 120 ms, then decaying".into(),
        )
        .to_svg(),
    )?;
    written.extend([csv, svg]);
    println!("non-forced case: {} pre, {} post spikes, final w = {:.15} (NEST 3.10: 791, 782, 1.00000007092669)", out.pre_spikes_ms.len(), out.post_spikes_ms.len(), out.w_final());
    for p in written {
        println!("wrote {}", p.display());
    }
    Ok(())
}
