//! The snapshot models of the code generator (crates/nestml-compiler/tests/codegen) compile
//! and run; macro options select the solver and name the type.

use nestml::{NestmlRng, Neuron, Resolution, StepContext};

nestml::include_nestml!("../nestml-compiler/tests/codegen/numeric_neuron.nestml");
nestml::include_nestml!(
    suffix = "_euler",
    numeric_solver = "forward-Euler",
    "../nestml-compiler/tests/codegen/numeric_neuron.nestml"
);
nestml::include_nestml!(
    suffix = "_rk4",
    numeric_solver = "rk4",
    "../nestml-compiler/tests/codegen/numeric_neuron.nestml"
);
nestml::include_nestml!(
    suffix = "_implicit",
    numeric_solver = "implicit",
    "../nestml-compiler/tests/codegen/numeric_neuron.nestml"
);
nestml::include_nestml!(
    suffix = "_rush_larsen",
    numeric_solver = "rush-larsen",
    "../nestml-compiler/tests/codegen/numeric_neuron.nestml"
);
nestml::include_nestml!(
    suffix = "_rush_larsen_numeric",
    solver = "numeric",
    numeric_solver = "rush-larsen",
    rush_larsen_order = 1,
    rush_larsen_substeps = 4,
    "../nestml-compiler/tests/codegen/numeric_neuron.nestml"
);
nestml::include_nestml!(
    suffix = "_all_numeric",
    solver = "numeric",
    "../nestml-compiler/tests/codegen/numeric_neuron.nestml"
);
nestml::include_nestml!("../nestml-compiler/tests/codegen/vector_neuron.nestml");
nestml::include_nestml!(suffix = "_f32", float = "f32", "../nestml-compiler/tests/codegen/vector_neuron.nestml");
nestml::include_nestml!(suffix = "_f32", float = "f32", "../nestml-compiler/tests/codegen/numeric_neuron.nestml");

/// Runs `steps` steps of 0.1 ms with `current` on the continuous port; the spike steps.
fn run<N: Neuron>(n: &mut N, current: f64, steps: i64) -> Vec<i64> {
    let resolution = Resolution::from_ms(0.1).unwrap();
    let mut rng = NestmlRng::seed_from_u64(3);
    n.init_buffers(&resolution);
    n.calibrate(&resolution).unwrap();
    let mut spikes = Vec::new();
    for k in 0..steps {
        n.handle_current(0, current);
        let out = n.step(&mut StepContext::new(&resolution, k, &mut rng)).unwrap_or_else(|e| panic!("{e}"));
        if out.spiked() {
            spikes.push(k);
        }
    }
    spikes
}

#[test]
fn numeric_model_fires_with_every_solver_at_nearly_the_same_rate() {
    let rk45 = run(&mut NumericNeuron::default(), 150.0, 10_000);
    assert_eq!(<NumericNeuronEuler as Neuron>::NAME, "numeric_neuron_euler");
    assert!(rk45.len() > 5, "{rk45:?}");
    // one step per 0.1 ms: forward Euler (first order) and ROS2 (second order) are a few
    // percent off the adaptive solution, RK4 closer; `solver = "numeric"` integrates the
    // kernel and the refractory timer numerically too; Rush–Larsen (second order, 2 substeps)
    // steps w exponentially and V_m (quadratic in itself) by the explicit midpoint, and with
    // `solver = "numeric"` (first order, 4 substeps) the kernel exponentially, refr_t explicitly
    for (name, spikes, tolerance) in [
        ("forward Euler", run(&mut NumericNeuronEuler::default(), 150.0, 10_000), 0.1),
        ("rk4", run(&mut NumericNeuronRk4::default(), 150.0, 10_000), 0.02),
        ("implicit", run(&mut NumericNeuronImplicit::default(), 150.0, 10_000), 0.1),
        ("all numeric", run(&mut NumericNeuronAllNumeric::default(), 150.0, 10_000), 0.02),
        ("rush-larsen", run(&mut NumericNeuronRushLarsen::default(), 150.0, 10_000), 0.02),
        ("rush-larsen, all numeric", run(&mut NumericNeuronRushLarsenNumeric::default(), 150.0, 10_000), 0.1),
    ] {
        let diff = (rk45.len() as f64 - spikes.len() as f64).abs() / rk45.len() as f64;
        assert!(diff <= tolerance, "rk45 {} spikes, {name} {}", rk45.len(), spikes.len());
    }
    // below rheobase (the quadratic term's minimum is -50 pA) it stays silent
    assert!(run(&mut NumericNeuron::default(), 20.0, 10_000).is_empty());
}

#[test]
fn vector_model_loops_over_its_traces() {
    let mut n = VectorNeuron::default();
    n.set("noise", 0.0).unwrap();
    let spikes = run(&mut n, 1.0, 200);
    // traces approach weight / (1 - decay) = 5, squash(5) = 5/6, three of them exceed 2
    assert!(!spikes.is_empty());
    let want = 5.0 * (1.0 - 0.9f64.powi(200));
    assert!((n.get("trace[2]").unwrap() - want).abs() < 1e-9);
    assert_eq!(n.get("fired"), Some(spikes.len() as f64));
    // integers and booleans are stored as such
    let (fired, noisy): (i64, bool) = (n.fired, n.noisy);
    assert_eq!((fired, noisy), (spikes.len() as i64, true));
    assert!(n.set("decay", 2.0).is_err(), "guard");
    assert!(n.set("noisy", 0.5).is_err(), "booleans are 0 or 1");
    // `recent[2]` (a literal size) is an array holding the last two totals
    let recent: [f64; 2] = n.recent;
    assert_eq!(recent[0], n.total);
    let total = |k: i32| {
        let trace = 5.0 * (1.0 - 0.9f64.powi(k));
        3.0 * trace / (1.0 + trace)
    };
    assert!((recent[1] - total(199)).abs() < 1e-9, "{recent:?}");
    n.set("n_traces", 5.0).unwrap();
    assert_eq!(n.vector_len(<VectorNeuron as Neuron>::variable_index("trace").unwrap()), 5);
    assert_eq!(n.vector_len(<VectorNeuron as Neuron>::variable_index("recent").unwrap()), 2);
}

/// `float = "f32"`: vectors, functions, random draws, printing and the numeric solver in single
/// precision follow the f64 model to its rounding.
#[test]
fn single_precision_models_follow_their_f64_versions() {
    let (mut a, mut b) = (VectorNeuron::default(), VectorNeuronF32::default());
    a.set("noise", 0.0).unwrap();
    b.set("noise", 0.0).unwrap();
    assert_eq!(run(&mut a, 1.0, 200), run(&mut b, 1.0, 200));
    let (x, y): (f64, f32) = (a.trace[2], b.trace[2]);
    assert!((x - y as f64).abs() < 1e-5, "{x} {y}");
    let rk45 = run(&mut NumericNeuron::default(), 150.0, 10_000);
    let f32_spikes = run(&mut NumericNeuronF32::default(), 150.0, 10_000);
    // the refractory timer: 1 ms counted down by 0.1 ms ends after 11 steps in f64 (it is
    // 1.4e-16 after 10) and after 10 in f32, so spike k may come up to k steps earlier
    assert_eq!(rk45.len(), f32_spikes.len());
    assert!(rk45.iter().zip(&f32_spikes).enumerate().all(|(k, (a, b))| (0..=k as i64).contains(&(a - b))), "{rk45:?} {f32_spikes:?}");
}

/// A vector whose size is a literal is an array: no heap, no resizing; elements are read,
/// written (bounds checked), set by index and checkpointed as a `Vec`'s are.
#[test]
fn literal_size_vectors_are_arrays() {
    nestml::nestml!(
        r#"
model shift_neuron:
    state:
        last[3] real = -1
        count integer = 0
    input:
        drive real <- continuous
    update:
        count += 1
        last[2] = last[1]
        last[1] = last[0]
        last[0] = count * drive
        if count >= 10:
            last[count] = 0
"#
    );
    assert!(!core::mem::needs_drop::<ShiftNeuron>(), "no heap field");
    let mut n = ShiftNeuron::default();
    assert_eq!(n.last, [-1.0; 3]);
    run(&mut n, 0.5, 5);
    assert_eq!(n.last, [2.5, 2.0, 1.5]);
    let var = <ShiftNeuron as Neuron>::variable_index("last").unwrap();
    assert_eq!(n.vector_len(var), 3);
    n.set_value(var, 2, 7.0).unwrap();
    assert_eq!((n.get("last[2]"), n.get_value(var, 2), n.get_value(var, 3)), (Some(7.0), Some(7.0), None));
    assert!(n.set_value(var, 3, 0.0).is_err());
    let mut words: Vec<u64> = Vec::new();
    nestml::Checkpoint::save(&n, &mut words);
    let mut m = ShiftNeuron::default();
    nestml::Checkpoint::restore(&mut m, &mut &words[..]).unwrap();
    assert_eq!((m.last, m.count), (n.last, n.count));
    // step 10 writes `last[10]`: out of range, a fault naming the vector
    let resolution = Resolution::from_ms(0.1).unwrap();
    let mut rng = NestmlRng::seed_from_u64(3);
    let faults: Vec<String> = (5..10).filter_map(|k| n.step(&mut StepContext::new(&resolution, k, &mut rng)).err().map(|e| e.to_string())).collect();
    assert_eq!(faults.len(), 1, "{faults:?}");
    assert!(faults[0].contains("last"), "{faults:?}");
}

#[test]
fn integer_division_and_remainder_truncate_as_in_cpp() {
    nestml::nestml!(
        r#"
model arith_neuron:
    state:
        n integer = 7
        q integer = 0
        r integer = 0
        m integer = 0
        k integer = 2
        x real = 0
        y real = 0
    update:
        q = n // 2
        r = n % 3
        m = -n // 2
        x = n / 2
        y = n / k
        n //= 2
"#
    );
    let mut a = ArithNeuron::default();
    run(&mut a, 0.0, 1);
    assert_eq!((a.q, a.r, a.m, a.n), (3, 1, -3, 3));
    assert_eq!(a.x, 3.5, "a literal divisor divides as reals (PyNESTML casts it to double)");
    assert_eq!(a.y, 3.0, "two integers divide as integers, as in C++");
}

#[test]
fn several_models_in_one_text_become_several_types() {
    nestml::nestml!(
        r#"
model first_neuron:
    parameters:
        a real = 1

model second_neuron:
    parameters:
        b real = 2
"#
    );
    assert_eq!((FirstNeuron::default().a, SecondNeuron::default().b), (1.0, 2.0));
    assert_eq!(<SecondNeuron as Neuron>::NAME, "second_neuron");
}
