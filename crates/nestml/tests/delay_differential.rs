//! Delayed state variables `x(t - delay)`: the closed form of a linear delay differential
//! equation, PyNESTML 9's trace of the same model in NEST 3.10, the numeric path, calibration
//! faults, checkpoints of the history, and a network of such neurons.

use nestml::network::Network;
use nestml::{Checkpoint, Driver, NestmlRng, Neuron, Resolution, StepContext};

nestml::include_nestml!("../../tests/fixtures/pynestml_dde/delayed_decay_neuron.nestml");
nestml::include_nestml!("../nestml-compiler/tests/codegen/delayed_numeric_neuron.nestml");
nestml::include_nestml!(suffix = "_f32", float = "f32", "../../tests/fixtures/pynestml_dde/delayed_decay_neuron.nestml");

const H: f64 = 0.1;

/// Steps `n` (calibrated at `H`) from step `from` to `to`, the states after each step.
fn run<N: Neuron>(n: &mut N, from: i64, to: i64, names: &[&str]) -> Vec<Vec<f64>> {
    let resolution = Resolution::from_ms(H).unwrap();
    let mut rng = NestmlRng::seed_from_u64(1);
    (from..to)
        .map(|k| {
            n.step(&mut StepContext::new(&resolution, k, &mut rng)).unwrap_or_else(|e| panic!("{e}"));
            names.iter().map(|s| n.get(s).unwrap()).collect()
        })
        .collect()
}

fn calibrated<N: Neuron + Default>() -> N {
    let resolution = Resolution::from_ms(H).unwrap();
    let mut n = N::default();
    n.init_buffers(&resolution);
    n.calibrate(&resolution).unwrap();
    n
}

/// u(t) = u0 exp(-t/tau); v(t) = ∫ u(s - lag)/tau ds with u = 0 before t = 0, i.e.
/// u0 (1 - exp(-(t - lag)/tau)) after `lag`: exact at the steps when `lag` is a multiple of h.
#[test]
fn linear_delay_equation_follows_its_closed_form() {
    let mut n: DelayedDecayNeuron = calibrated();
    let (u0, tau, lag) = (-65.0, 2.0, 3.0);
    for (k, x) in run(&mut n, 0, 300, &["u", "v"]).iter().enumerate() {
        let t = (k + 1) as f64 * H;
        let v = if t < lag + 1e-9 { 0.0 } else { u0 * (1.0 - (-(t - lag) / tau).exp()) };
        assert!((x[0] - u0 * (-t / tau).exp()).abs() < 1e-12, "u at {t}: {}", x[0]);
        assert!((x[1] - v).abs() < 1e-12, "v at {t}: {} != {v}", x[1]);
    }
}

/// In single precision: the f64 trace within the rounding of ~1e-7 relative per step.
#[test]
fn single_precision_follows_the_double_precision_trace() {
    let want = run(&mut calibrated::<DelayedDecayNeuron>(), 0, 300, &["u", "v"]);
    let got = run(&mut calibrated::<DelayedDecayNeuronF32>(), 0, 300, &["u", "v"]);
    for (g, w) in got.iter().flatten().zip(want.iter().flatten()) {
        assert!((g - w).abs() <= 1e-4 * w.abs().max(1.0), "{g} != {w}");
    }
    assert!(got[299][1] < -60.0);
}

/// `tests/fixtures/pynestml_dde`: PyNESTML 9.0.0's NEST module of the same model file.
#[test]
fn matches_pynestml_in_nest() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/pynestml_dde/delayed_decay_neuron.json");
    let doc: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert_eq!(doc["resolution"].as_f64(), Some(H));
    let times: Vec<f64> = doc["times"].as_array().unwrap().iter().map(|t| t.as_f64().unwrap()).collect();
    let mut n: DelayedDecayNeuron = calibrated();
    let ours = run(&mut n, 0, (doc["t_sim"].as_f64().unwrap() / H).round() as i64, &["u", "v"]);
    for (s, name) in ["u", "v"].iter().enumerate() {
        let theirs = doc["values"][name].as_array().unwrap();
        for (t, want) in times.iter().zip(theirs) {
            // the sample at t is the state after the step ending at t
            let (got, want) = (ours[(t / H).round() as usize - 1][s], want.as_f64().unwrap());
            assert!((got - want).abs() <= 1e-12 * want.abs().max(1.0), "{name} at {t}: {got} != {want}");
        }
    }
}

/// Before `lag` the delayed value is 0, so x' = -x/tau (RKF45 at its tolerance); later the
/// feedback holds x up.
#[test]
fn numeric_solver_reads_the_delayed_value_held_over_the_step() {
    let mut n: DelayedNumericNeuron = calibrated();
    let xs = run(&mut n, 0, 200, &["x"]);
    for (k, x) in xs.iter().take(15).enumerate() {
        let t = (k + 1) as f64 * H;
        assert!((x[0] - 0.5 * (-t).exp()).abs() < 1e-6, "x at {t}: {}", x[0]);
    }
    assert!(xs[199][0] > 0.5, "{}", xs[199][0]);
}

#[test]
fn a_delay_shorter_than_a_step_is_a_calibration_fault() {
    let resolution = Resolution::from_ms(H).unwrap();
    let mut n = DelayedDecayNeuron::default();
    n.set("lag", 0.04).unwrap();
    n.init_buffers(&resolution);
    let e = n.calibrate(&resolution).unwrap_err().to_string();
    assert!(e.contains("lag") && e.contains("at least one simulation step"), "{e}");
    n.set("lag", f64::INFINITY).unwrap();
    assert!(n.calibrate(&resolution).is_err());
    // 0.06 ms rounds to one step, as NEST's `Time::delay_ms_to_steps`
    n.set("lag", 0.06).unwrap();
    n.calibrate(&resolution).unwrap();
}

#[test]
fn the_history_is_checkpointed_and_reset() {
    let mut a: DelayedDecayNeuron = calibrated();
    run(&mut a, 0, 45, &[]);
    let mut words = Vec::new();
    a.save(&mut words);
    let mut b: DelayedDecayNeuron = calibrated();
    b.restore(&mut words.as_slice()).unwrap();
    assert_eq!(run(&mut a, 45, 100, &["u", "v"]), run(&mut b, 45, 100, &["u", "v"]));
    // reset_state starts over, history included
    a.reset_state();
    let mut fresh: DelayedDecayNeuron = calibrated();
    assert_eq!(run(&mut a, 0, 60, &["u", "v"]), run(&mut fresh, 0, 60, &["u", "v"]));
}

/// In a network (with `simulate` split mid-run) the neurons run as under the `Driver`.
#[test]
fn networks_run_delayed_neurons_as_the_driver() {
    let mut net = Network::new(H, 2).unwrap();
    let p = net.create(DelayedDecayNeuron::default(), 3);
    let m = net.multimeter(p, &["v"], H).unwrap();
    net.simulate(7.3).unwrap();
    net.simulate(12.7).unwrap();
    let got = net.multimeter_data(m).unwrap().trace("v", 2).unwrap();
    let mut d = Driver::new(Resolution::from_ms(H).unwrap(), 1);
    d.record(&["v"]);
    let want = d.run(&mut DelayedDecayNeuron::default(), 200).unwrap();
    assert_eq!(got, want.column("v").unwrap());
    assert!(got[100] < -50.0, "{}", got[100]);
}
