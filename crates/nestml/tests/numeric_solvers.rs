//! The accuracy of the numeric solvers on hh_psc_alpha (`docs/numeric_solvers.md`): each
//! configuration against a reference run with RKF45 at abs = rel = 1e-10, at 0.1 ms for 1 s
//! under a DC current well above rheobase, one near it, Poisson spike input and the stronger
//! Poisson input of the W3 benchmark (README). Reported per
//! method: the largest |V_m error| before the first spike (of either run), the spike count,
//! and the largest difference of spike times — as emitted (whole steps) and as the upward
//! crossing of 0 mV interpolated between steps, which resolves errors below a step.
//!
//! The tests pin what the document states of the default Rush–Larsen configuration
//! (`numeric_solver = "rush-larsen"` and nothing else): the reference's spike count and the drift of its spike times — which is far larger than that of NEST's setting
//! of RKF45 (abs 1e-3, rel 0): it does not reach NEST's accuracy —, second-order convergence,
//! and that its `f32` build follows it; and what `rk45_error_states = "kept"` changes. The table of the document is printed by
//!
//! ```sh
//! cargo test -p nestml --release --test numeric_solvers -- --nocapture --ignored table
//! ```

use nestml::{NestmlRng, Neuron, Resolution, StepContext};

const H_MS: f64 = 0.1;
const STEPS: i64 = 10_000;

/// One module per configuration, each with its `HhPscAlphaNeuron`.
macro_rules! configurations {
    ($($module:ident: [$($option:tt)*];)*) => {
        $(mod $module {
            nestml::include_nestml!($($option)* "../../../shared/nestml-models/neurons/hh_psc_alpha_neuron.nestml");
        })*
    };
}

configurations! {
    reference: [gsl_abs_error_tol = 1e-10, gsl_rel_error_tol = 1e-10,];
    nest: [gsl_abs_error_tol = 1e-3, gsl_rel_error_tol = 0.0,];
    nest_inline_exp: [gsl_abs_error_tol = 1e-3, gsl_rel_error_tol = 0.0, exp = "inline",];
    kept_3: [gsl_abs_error_tol = 1e-3, gsl_rel_error_tol = 0.0, rk45_error_states = "kept",];
    kept_4: [gsl_abs_error_tol = 1e-4, gsl_rel_error_tol = 0.0, rk45_error_states = "kept",];
    kept_5: [gsl_abs_error_tol = 1e-5, gsl_rel_error_tol = 0.0, rk45_error_states = "kept",];
    library: [];
    rl1_1: [numeric_solver = "rush-larsen", rush_larsen_order = 1, rush_larsen_substeps = 1,];
    rl1_2: [numeric_solver = "rush-larsen", rush_larsen_order = 1, rush_larsen_substeps = 2,];
    rl1_4: [numeric_solver = "rush-larsen", rush_larsen_order = 1, rush_larsen_substeps = 4,];
    rl1_8: [numeric_solver = "rush-larsen", rush_larsen_order = 1, rush_larsen_substeps = 8,];
    rl2_1: [numeric_solver = "rush-larsen", rush_larsen_order = 2, rush_larsen_substeps = 1,];
    rl2_2: [numeric_solver = "rush-larsen", rush_larsen_order = 2, rush_larsen_substeps = 2,];
    rl2_3: [numeric_solver = "rush-larsen", rush_larsen_order = 2, rush_larsen_substeps = 3,];
    rl2_4: [numeric_solver = "rush-larsen", rush_larsen_order = 2, rush_larsen_substeps = 4,];
    rl2_8: [numeric_solver = "rush-larsen", rush_larsen_order = 2, rush_larsen_substeps = 8,];
    rl2_16: [numeric_solver = "rush-larsen", rush_larsen_order = 2, rush_larsen_substeps = 16,];
    rl_default: [numeric_solver = "rush-larsen",];
    rl_default_f32: [numeric_solver = "rush-larsen", float = "f32",];
}

/// The drive of one scenario.
#[derive(Clone, Copy, Debug)]
enum Drive {
    /// `I_e` in pA.
    Dc(f64),
    /// Excitatory and inhibitory Poisson spike trains (rates in Hz, weights in pA of the
    /// alpha current's peak) on top of `I_e`, from a fixed seed.
    Poisson { i_e: f64, exc_hz: f64, exc_w: f64, inh_hz: f64, inh_w: f64 },
}

/// The scenarios of the study, with their names.
const SCENARIOS: [(&str, Drive); 4] = [
    ("DC 800 pA", Drive::Dc(800.0)),
    ("DC 640 pA (near rheobase)", Drive::Dc(640.0)),
    ("Poisson input", Drive::Poisson { i_e: 300.0, exc_hz: 20_000.0, exc_w: 50.0, inh_hz: 5_000.0, inh_w: -50.0 }),
    ("Poisson input of W3", Drive::Poisson { i_e: 0.0, exc_hz: 20_000.0, exc_w: 100.0, inh_hz: 0.0, inh_w: 0.0 }),
];

/// What one run produced.
struct Run {
    /// V_m after every step.
    v_m: Vec<f64>,
    /// The steps (index + 1) in which the neuron spiked.
    spike_steps: Vec<i64>,
    /// Upward crossings of 0 mV (ms), linearly interpolated between steps.
    crossings: Vec<f64>,
}

/// Runs a neuron of model `N` for `STEPS` steps of `H_MS` under `drive`.
fn run<N: Neuron + Default>(drive: Drive) -> Run {
    let resolution = Resolution::from_ms(H_MS).unwrap();
    let mut n = N::default();
    let (i_e, poisson) = match drive {
        Drive::Dc(i_e) => (i_e, None),
        Drive::Poisson { i_e, exc_hz, exc_w, inh_hz, inh_w } => (i_e, Some([(exc_hz, exc_w), (inh_hz, inh_w)])),
    };
    n.set("I_e", i_e).unwrap();
    n.init_buffers(&resolution);
    n.calibrate(&resolution).unwrap();
    let mut input = NestmlRng::seed_from_u64(11);
    let mut rng = NestmlRng::seed_from_u64(1);
    let mut out = Run { v_m: Vec::new(), spike_steps: Vec::new(), crossings: Vec::new() };
    let mut v_before = n.get("V_m").unwrap();
    for k in 0..STEPS {
        for (hz, w) in poisson.iter().flatten() {
            let count = input.poisson(hz * H_MS / 1000.0).unwrap();
            if count > 0 {
                n.handle_spike(0, *w, count as u32);
            }
        }
        let mut ctx = StepContext::new(&resolution, k, &mut rng);
        if n.step(&mut ctx).unwrap().spiked() {
            out.spike_steps.push(k + 1);
        }
        let v = n.get("V_m").unwrap();
        if v_before < 0.0 && v >= 0.0 {
            out.crossings.push(H_MS * (k as f64 + v_before / (v_before - v)));
        }
        out.v_m.push(v);
        v_before = v;
    }
    out
}

/// A run's errors against the reference.
#[derive(Clone, Copy, Debug)]
struct Errors {
    /// Largest |V_m error| (mV) before the first spike of either run.
    v_before_spike: f64,
    spikes: usize,
    /// Largest spike-step difference (ms) and crossing-time difference (ms), if the spike
    /// and crossing counts equal the reference's.
    spike_shift: Option<f64>,
    crossing_shift: Option<f64>,
}

fn errors(run: &Run, reference: &Run) -> Errors {
    let first = |r: &Run| r.spike_steps.first().copied().unwrap_or(STEPS);
    let until = first(run).min(first(reference)) as usize - 1;
    let v_before_spike = run.v_m[..until].iter().zip(&reference.v_m).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
    let largest = |a: &[f64], b: &[f64]| (a.len() == b.len()).then(|| a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f64::max));
    let steps = |r: &Run| r.spike_steps.iter().map(|&s| s as f64 * H_MS).collect::<Vec<_>>();
    Errors {
        v_before_spike,
        spikes: run.spike_steps.len(),
        spike_shift: largest(&steps(run), &steps(reference)),
        crossing_shift: largest(&run.crossings, &reference.crossings),
    }
}

/// The errors of model `N` in every scenario, with the reference runs.
fn study<N: Neuron + Default>(references: &[Run]) -> Vec<Errors> {
    SCENARIOS.iter().zip(references).map(|((_, drive), reference)| errors(&run::<N>(*drive), reference)).collect()
}

fn references() -> Vec<Run> {
    SCENARIOS.iter().map(|(_, drive)| run::<reference::HhPscAlphaNeuron>(*drive)).collect()
}

/// The measured accuracy of the default Rush–Larsen configuration (order 2, 2 substeps) as
/// `docs/numeric_solvers.md` states it: every spike of the reference in the first three
/// scenarios (one of 68 lost under W3's input), the spike times within the stated drift — and
/// NEST's RKF45 setting closer to the reference than it by orders of magnitude (the default does not reach NEST's accuracy; the document
/// says what it would cost).
#[test]
fn the_default_rush_larsen_keeps_every_spike_within_the_documented_drift() {
    let references = references();
    let nest = study::<nest::HhPscAlphaNeuron>(&references);
    let ours = study::<rl_default::HhPscAlphaNeuron>(&references);
    // the largest 0 mV crossing difference after 1 s (ms), measured 2.83, 4.53, 0.036
    let drift = [3.5, 5.5, 0.05];
    // W3's strong input (the fourth scenario) costs it one spike of 68
    assert_eq!((ours[3].spikes, references[3].spike_steps.len()), (67, 68));
    for (i, (name, _)) in SCENARIOS.iter().enumerate().take(3) {
        let (ours, nest, reference) = (&ours[i], &nest[i], &references[i]);
        assert!(reference.spike_steps.len() >= 5, "{name}: the scenario should spike");
        assert_eq!(ours.spikes, reference.spike_steps.len(), "{name}: spike count");
        let shift = ours.crossing_shift.unwrap();
        assert!(shift <= drift[i], "{name}: crossings off by {shift} ms");
        let nest_shift = nest.crossing_shift.unwrap();
        assert!(nest_shift * 100.0 < shift && nest.v_before_spike * 100.0 < ours.v_before_spike, "{name}: NEST's setting {nest:?}, ours {ours:?}");
    }
}

/// NEST's RKF45 setting with `exp = "inline"` (the vectorisable `exp` of lockstep
/// populations) is as accurate as with the platform's `exp`: every spike of the reference, and
/// errors against it within 2 % of those of the platform's `exp` (the `exp`s differ by at most
/// an ulp; RKF45's own error, 1e-3 absolute per step, is what the reference measures).
#[test]
fn inline_exp_keeps_nest_accuracy() {
    let references = references();
    let nest = study::<nest::HhPscAlphaNeuron>(&references);
    let inline = study::<nest_inline_exp::HhPscAlphaNeuron>(&references);
    for (i, (name, _)) in SCENARIOS.iter().enumerate() {
        let (a, b) = (&nest[i], &inline[i]);
        assert_eq!(b.spikes, references[i].spike_steps.len(), "{name}: spike count");
        assert_eq!(a.spike_shift, b.spike_shift, "{name}: spike steps");
        let (x, y) = (a.crossing_shift.unwrap(), b.crossing_shift.unwrap());
        assert!((y - x).abs() <= 0.02 * x + 1e-9, "{name}: crossings {x} vs {y}");
        assert!((b.v_before_spike - a.v_before_spike).abs() <= 0.02 * a.v_before_spike + 1e-12, "{name}: {a:?} vs {b:?}");
    }
}

/// `rk45_error_states = "kept"` leaves the convolution states (the alpha currents, which
/// advance by their propagator) out of RKF45's error control. Under DC they stay 0 and the
/// runs are NEST's setting's, bit for bit; under Poisson input they no longer shorten the
/// steps, and V_m's error grows with them: at NEST's abs 1e-3 the 0 mV crossings drift by up
/// to 0.26 ms (NEST's setting: 1.4e-4 ms), at abs 1e-5 by 3e-3 ms — a faster setting than
/// NEST's, not one of its accuracy (`docs/numeric_solvers.md`).
#[test]
fn kept_error_states_change_nothing_under_dc_and_lengthen_steps_under_input() {
    let references = references();
    for (i, (name, drive)) in SCENARIOS.iter().enumerate() {
        let (nest, kept) = (run::<nest::HhPscAlphaNeuron>(*drive), run::<kept_3::HhPscAlphaNeuron>(*drive));
        let e = |r: &Run| errors(r, &references[i]);
        let (nest, kept, finer) = (e(&nest), e(&kept), e(&run::<kept_5::HhPscAlphaNeuron>(*drive)));
        assert_eq!(kept.spikes, references[i].spike_steps.len(), "{name}: spike count");
        match drive {
            Drive::Dc(_) => assert_eq!(format!("{nest:?}"), format!("{kept:?}"), "{name}"),
            Drive::Poisson { .. } => {
                let (n, k, f) = (nest.crossing_shift.unwrap(), kept.crossing_shift.unwrap(), finer.crossing_shift.unwrap());
                assert!(k > 10.0 * n && k < 0.3, "{name}: crossings off by {k} ms, NEST's setting {n}");
                assert!(f < 0.2 * k && f < 5e-3, "{name}: abs 1e-5: {f} ms, abs 1e-3: {k}");
            }
        }
    }
}

/// The exponential midpoint converges at second order on the model itself: doubling the
/// substeps divides the drift of the spike times by about four.
#[test]
fn rush_larsen_2_converges_at_second_order_on_hh_psc_alpha() {
    let references = references();
    let (two, four) = (study::<rl2_2::HhPscAlphaNeuron>(&references), study::<rl2_4::HhPscAlphaNeuron>(&references));
    for (i, (name, _)) in SCENARIOS.iter().enumerate().take(2) {
        let ratio = two[i].crossing_shift.unwrap() / four[i].crossing_shift.unwrap();
        assert!((3.0..5.0).contains(&ratio), "{name}: drift ratio {ratio}");
    }
}

#[test]
fn the_f32_rush_larsen_follows_the_f64_one() {
    for (name, drive) in SCENARIOS {
        let (a, b) = (run::<rl_default::HhPscAlphaNeuron>(drive), run::<rl_default_f32::HhPscAlphaNeuron>(drive));
        assert_eq!(a.spike_steps.len(), b.spike_steps.len(), "{name}");
        let e = errors(&b, &a);
        // measured: up to 8.7e-4 ms and 1.3e-3 mV (near rheobase), against the method's own
        // 4.5 ms and 5.4 mV
        assert!(e.crossing_shift.unwrap() < 5e-3 && e.v_before_spike < 5e-3, "{name}: {e:?}");
    }
}

/// Prints the table of `docs/numeric_solvers.md` (a release build takes seconds).
#[test]
#[ignore = "prints the study's table; run with --release --ignored --nocapture"]
fn table() {
    let references = references();
    let rows: Vec<(&str, Vec<Errors>, f64)> = vec![
        timed("RKF45 abs 1e-3, rel 0 (NEST)", || study::<nest::HhPscAlphaNeuron>(&references)),
        timed("RKF45 abs 1e-3, rel 0, exp = \"inline\"", || study::<nest_inline_exp::HhPscAlphaNeuron>(&references)),
        timed("RKF45 abs 1e-3, rel 0, `rk45_error_states = \"kept\"`", || study::<kept_3::HhPscAlphaNeuron>(&references)),
        timed("RKF45 abs 1e-4, rel 0, `rk45_error_states = \"kept\"`", || study::<kept_4::HhPscAlphaNeuron>(&references)),
        timed("RKF45 abs 1e-5, rel 0, `rk45_error_states = \"kept\"`", || study::<kept_5::HhPscAlphaNeuron>(&references)),
        timed("RKF45 abs 1e-6, rel 1e-6 (library default)", || study::<library::HhPscAlphaNeuron>(&references)),
        timed("Rush–Larsen order 1, 1 substep", || study::<rl1_1::HhPscAlphaNeuron>(&references)),
        timed("Rush–Larsen order 1, 2 substeps", || study::<rl1_2::HhPscAlphaNeuron>(&references)),
        timed("Rush–Larsen order 1, 4 substeps", || study::<rl1_4::HhPscAlphaNeuron>(&references)),
        timed("Rush–Larsen order 1, 8 substeps", || study::<rl1_8::HhPscAlphaNeuron>(&references)),
        timed("Rush–Larsen order 2, 1 substep", || study::<rl2_1::HhPscAlphaNeuron>(&references)),
        timed("Rush–Larsen order 2, 2 substeps", || study::<rl2_2::HhPscAlphaNeuron>(&references)),
        timed("Rush–Larsen order 2, 3 substeps", || study::<rl2_3::HhPscAlphaNeuron>(&references)),
        timed("Rush–Larsen order 2, 4 substeps", || study::<rl2_4::HhPscAlphaNeuron>(&references)),
        timed("Rush–Larsen order 2, 8 substeps", || study::<rl2_8::HhPscAlphaNeuron>(&references)),
        timed("Rush–Larsen order 2, 16 substeps", || study::<rl2_16::HhPscAlphaNeuron>(&references)),
        timed("Rush–Larsen default, f32", || study::<rl_default_f32::HhPscAlphaNeuron>(&references)),
    ];
    let show = |x: Option<f64>| x.map_or("count differs".to_string(), |x| format!("{x:.3e}"));
    for (i, (name, _)) in SCENARIOS.iter().enumerate() {
        println!("\n### {name}: the reference spikes {} times\n", references[i].spike_steps.len());
        println!("| method | max \\|ΔV_m\\| before 1st spike (mV) | spikes | max Δ spike step (ms) | max Δ 0 mV crossing (ms) |");
        println!("|---|---|---|---|---|");
        for (method, errors, _) in &rows {
            let e = errors[i];
            println!("| {method} | {:.3e} | {} | {} | {} |", e.v_before_spike, e.spikes, show(e.spike_shift), show(e.crossing_shift));
        }
    }
    println!("\n| method | µs per neuron-step (single neuron, indicative) |\n|---|---|");
    for (method, _, us) in &rows {
        println!("| {method} | {us:.3} |");
    }
}

/// `f()` with its time per neuron-step in µs.
fn timed(name: &'static str, f: impl Fn() -> Vec<Errors>) -> (&'static str, Vec<Errors>, f64) {
    let start = std::time::Instant::now();
    let errors = f();
    let us = start.elapsed().as_secs_f64() * 1e6 / (STEPS as f64 * SCENARIOS.len() as f64);
    (name, errors, us)
}
