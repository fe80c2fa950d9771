//! Generated neurons against NEST 3.10's built-in models (tests/fixtures/nest, read its README
//! for the alignment): V_m within 1e-9 relative at every recorded sample, identical spike steps.

use nestml::{NestmlRng, Neuron, Resolution, StepContext};
use serde_json::Value;

nestml::include_nestml!("../../../shared/nestml-models/neurons/iaf_psc_exp_neuron.nestml");
nestml::include_nestml!("../../../shared/nestml-models/neurons/iaf_psc_alpha_neuron.nestml");
nestml::include_nestml!("../../../shared/nestml-models/neurons/iaf_psc_delta_neuron.nestml");

const TOLERANCE: f64 = 1e-9;

fn fixture(model: &str, scenario: &str) -> Value {
    let path = format!(
        "{}/../../tests/fixtures/nest/{model}/{scenario}_dt0.1.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}")))
        .unwrap()
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

/// What one run produced: V_m after every step and the spike stamps (step index + 1).
struct Run {
    v_m: Vec<f64>,
    spike_steps: Vec<i64>,
}

/// Runs the fixture's scenario (parameters, spike events, dc current, `I_e`) for `steps` steps.
fn run<N: Neuron + Default>(fx: &Value, i_e: Option<f64>, steps: i64) -> Run {
    let resolution = Resolution::from_ms(fx["resolution"].as_f64().unwrap()).unwrap();
    let mut rng = NestmlRng::seed_from_u64(1);
    let mut n = N::default();
    for (name, value) in fx["nestml_parameters"].as_object().unwrap() {
        if let Some(v) = value.as_f64() {
            n.set(name, v).unwrap_or_else(|e| panic!("{e}"));
        }
    }
    if let Some(i_e) = i_e {
        n.set("I_e", i_e).unwrap();
    }
    n.init_buffers(&resolution);
    n.calibrate(&resolution).unwrap();
    let inputs = &fx["inputs"];
    let mut events: Vec<(i64, f64)> = inputs["spikes"]["events"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| (e["step"].as_i64().unwrap(), e["weight"].as_f64().unwrap()))
                .collect()
        })
        .unwrap_or_default();
    events.sort_by_key(|e| e.0);
    let current = inputs.get("current").filter(|c| c.is_object());
    let mut out = Run {
        v_m: Vec::new(),
        spike_steps: Vec::new(),
    };
    let mut next = 0;
    for k in 0..steps {
        while next < events.len() && events[next].0 == k {
            n.handle_spike(0, events[next].1, 1);
            next += 1;
        }
        if let Some(c) = current {
            // delivered during step k, used in step k + 1
            let (first, end) = (
                c["first_step"].as_i64().unwrap(),
                c["end_step"].as_i64().unwrap(),
            );
            if first <= k + 1 && k + 1 < end {
                n.handle_current(0, c["amplitude"].as_f64().unwrap());
            }
        }
        let mut ctx = StepContext::new(&resolution, k, &mut rng);
        if n.step(&mut ctx).unwrap().spiked() {
            out.spike_steps.push(k + 1);
        }
        out.v_m.push(n.get("V_m").unwrap());
    }
    out
}

/// Max relative V_m error over the recorded samples, and whether the spike steps agree.
fn compare<N: Neuron + Default>(model: &str, scenario: &str) -> (f64, bool) {
    let fx = fixture(model, scenario);
    let want = floats(&fx["V_m"]);
    let stride = fx["record_stride"].as_u64().unwrap() as usize;
    let steps = (fx["inputs"]["duration"].as_f64().unwrap() / fx["resolution"].as_f64().unwrap())
        .round() as i64;
    let got = run::<N>(&fx, None, steps);
    let mut worst = 0.0f64;
    for (i, w) in want.iter().enumerate() {
        let g = got.v_m[(i + 1) * stride - 1];
        worst = worst.max((g - w).abs() / w.abs());
    }
    let spikes: Vec<i64> = fx["spike_steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_i64().unwrap())
        .collect();
    let same = spikes == got.spike_steps;
    if !same {
        eprintln!(
            "{model} {scenario}: NEST spikes {spikes:?}\n ours {:?}",
            got.spike_steps
        );
    }
    eprintln!(
        "{model} {scenario}: max relative V_m error {worst:.3e}, spike steps identical: {same}"
    );
    (worst, same)
}

/// The fI scenario: spike steps per constant current, 1 s each.
fn compare_fi<N: Neuron + Default>(model: &str) -> bool {
    let fx = fixture(model, "fI");
    let steps = (fx["inputs"]["duration"].as_f64().unwrap() / fx["resolution"].as_f64().unwrap())
        .round() as i64;
    let currents = floats(&fx["inputs"]["I_e"]);
    let mut all = true;
    for (i, i_e) in currents.iter().enumerate() {
        let want: Vec<i64> = fx["spike_steps"][i]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_i64().unwrap())
            .collect();
        let got = run::<N>(&fx, Some(*i_e), steps);
        if want != got.spike_steps {
            eprintln!(
                "{model} fI I_e = {i_e}: NEST {want:?}\n ours {:?}",
                got.spike_steps
            );
            all = false;
        }
    }
    all
}

fn check_model<N: Neuron + Default>(model: &str) {
    for scenario in ["subthreshold", "spiking", "step_current"] {
        let (err, same) = compare::<N>(model, scenario);
        assert!(
            err <= TOLERANCE,
            "{model} {scenario}: V_m relative error {err:e}"
        );
        assert!(same, "{model} {scenario}: spike steps differ");
    }
    assert!(compare_fi::<N>(model), "{model} fI: spike steps differ");
}

#[test]
fn iaf_psc_exp_matches_nest() {
    check_model::<IafPscExpNeuron>("iaf_psc_exp");
}

#[test]
fn iaf_psc_alpha_matches_nest() {
    check_model::<IafPscAlphaNeuron>("iaf_psc_alpha");
}

#[test]
fn iaf_psc_delta_matches_nest() {
    check_model::<IafPscDeltaNeuron>("iaf_psc_delta");
}
