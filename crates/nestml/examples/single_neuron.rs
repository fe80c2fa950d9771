//! One `iaf_psc_exp_neuron` from the NESTML model library, compiled by `include_nestml!`, run
//! for 1000 ms at 0.1 ms with a step current and regular (not random) excitatory and
//! inhibitory spike trains. Writes into OUTPUT_DIR (default `target/example-output`):
//! `v_m.csv` (V_m after every step), `spikes.csv` (the neuron's spike times) and
//! `single_neuron.svg` (both plotted with the input).
//!
//! ```sh
//! cargo run -p nestml --example single_neuron [-- OUTPUT_DIR]
//! ```

mod plot;

use nestml::{Driver, Neuron, Resolution};
use plot::{Line, Marks, Panel, Plot};
use std::error::Error;
use std::fmt::Write as _;
use std::path::PathBuf;

nestml::include_nestml!("../../../shared/nestml-models/neurons/iaf_psc_exp_neuron.nestml");

const H_MS: f64 = 0.1;
const DURATION_MS: f64 = 1000.0;
/// The step current on `I_stim`: from each time (ms) on, this many pA.
const STEP_CURRENT: [(f64, f64); 3] = [(0.0, 0.0), (100.0, 500.0), (800.0, 0.0)];
/// Regular spike trains `(first ms, last ms, interval ms, weight pA)` on receptor 0: positive
/// weights reach `exc_spikes`, negative ones `inh_spikes` (as in NEST).
const SPIKE_TRAINS: [(f64, f64, f64, f64); 3] = [
    (20.0, 80.0, 10.0, 200.0),   // single EPSPs from rest
    (400.0, 500.0, 2.0, -300.0), // inhibition that silences the neuron under the current
    (850.0, 950.0, 2.0, 200.0),  // EPSPs summing to a plateau below threshold
];

fn main() -> Result<(), Box<dyn Error>> {
    let out_dir = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "target/example-output".into()),
    );
    std::fs::create_dir_all(&out_dir)?;

    let resolution = Resolution::from_ms(H_MS)?;
    let steps = resolution.steps_ceil(DURATION_MS) as usize;
    let mut driver = Driver::new(resolution, 1);
    for (t, pa) in STEP_CURRENT {
        driver.current(resolution.steps_ceil(t), 0, pa);
    }
    let (mut exc_in, mut inh_in) = (Vec::new(), Vec::new()); // arrival times, ms
    for (first, last, interval, weight) in SPIKE_TRAINS {
        let n = ((last - first) / interval).round() as usize;
        for i in 0..=n {
            let t = first + i as f64 * interval;
            driver.spike_by_ms(t, 0, weight);
            if weight >= 0.0 {
                exc_in.push(t);
            } else {
                inh_in.push(t);
            }
        }
    }
    driver.record(&["V_m"]);

    let mut neuron = IafPscExpNeuron::default();
    let rec = driver.run(&mut neuron, steps)?;
    let v_m = rec.column("V_m").ok_or("V_m was not recorded")?;

    let mut csv = String::from("t_ms,V_m_mV\n");
    for (t, v) in rec.times.iter().zip(v_m) {
        writeln!(csv, "{t:.1},{v}")?;
    }
    let v_m_path = out_dir.join("v_m.csv");
    std::fs::write(&v_m_path, csv)?;

    let mut csv = String::from("t_ms\n");
    for t in &rec.spikes {
        writeln!(csv, "{t:.1}")?;
    }
    let spikes_path = out_dir.join("spikes.csv");
    std::fs::write(&spikes_path, csv)?;

    let v_th = neuron.get("V_th").ok_or("no V_th")?;
    let svg_path = out_dir.join("single_neuron.svg");
    std::fs::write(
        &svg_path,
        plot(&rec.times, v_m, v_th, &rec.spikes, exc_in, inh_in).to_svg(),
    )?;

    println!(
        "{}: {} spikes in {DURATION_MS} ms ({:.1} spikes/s), first at {} ms",
        IafPscExpNeuron::NAME,
        rec.spikes.len(),
        rec.spikes.len() as f64 / (DURATION_MS / 1000.0),
        rec.spikes.first().map_or("-".into(), |t| format!("{t:.1}")),
    );
    for path in [v_m_path, spikes_path, svg_path] {
        println!("wrote {}", path.display());
    }
    Ok(())
}

/// V_m with the threshold and the output spikes above; the input current and spikes below.
fn plot(
    times: &[f64],
    v_m: &[f64],
    v_th: f64,
    spikes: &[f64],
    exc_in: Vec<f64>,
    inh_in: Vec<f64>,
) -> Plot {
    let v_line = times.iter().copied().zip(v_m.iter().copied()).collect();
    // the current as a step function: each value holds until the next change
    let mut current = Vec::new();
    for (i, &(t, pa)) in STEP_CURRENT.iter().enumerate() {
        let end = STEP_CURRENT.get(i + 1).map_or(DURATION_MS, |next| next.0);
        current.extend([(t, pa), (end, pa)]);
    }
    Plot {
        title: "iaf_psc_exp_neuron (NESTML library, include_nestml!)".into(),
        x_label: "time (ms)".into(),
        x_range: (0.0, DURATION_MS),
        width: 900.0,
        panels: vec![
            Panel {
                y_label: "V_m (mV)".into(),
                height: 300.0,
                lines: vec![
                    Line {
                        points: v_line,
                        color: "#1f5fa8",
                        dashed: false,
                    },
                    Line {
                        points: vec![(0.0, v_th), (DURATION_MS, v_th)],
                        color: "#888",
                        dashed: true,
                    },
                ],
                marks: vec![Marks {
                    xs: spikes.to_vec(),
                    color: "black",
                    label: "spikes".into(),
                }],
                dots: vec![],
                legend: vec![],
            },
            Panel {
                y_label: "I_stim (pA)".into(),
                height: 110.0,
                lines: vec![Line {
                    points: current,
                    color: "#b35900",
                    dashed: false,
                }],
                marks: vec![
                    Marks {
                        xs: exc_in,
                        color: "#1a8a1a",
                        label: "exc in".into(),
                    },
                    Marks {
                        xs: inh_in,
                        color: "#c0282d",
                        label: "inh in".into(),
                    },
                ],
                dots: vec![],
                legend: vec![],
            },
        ],
    }
}
