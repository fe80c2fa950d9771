//! The struct-of-arrays population of every library neuron that has one (`<Model>Population`)
//! gives bit for bit the results of the single-neuron struct: both are driven through the
//! `Population` trait, as `NeuronVec` (a `Vec` of structs) and as the generated population,
//! with the same random spike input on every port (positive, negative and zero weights,
//! steps without input) and continuous input, for 2,000 steps of 0.1 ms, neurons with
//! different parameter sets interleaved, at every vector instruction level this CPU has
//! (`limit_simd`). After every step every variable of every neuron has
//! the same bits, and the same neurons spiked; a NaN weight near the end makes both fault at
//! the same neuron with the same message.

use nestml::population::{limit_simd, simd_level, SimdLevel};
use nestml::{NestmlRng, NeuronVec, Neuron, PortInput, PortKind, Populated, Population, Resolution, VariableKind};

const NEURONS: usize = 37;

/// Held by a test while it sets the process-wide `limit_simd`.
static ONE_SIMD_LIMIT: std::sync::Mutex<()> = std::sync::Mutex::new(());
const STEPS: i64 = 2_000;

/// Neuron `i`'s parameter `name` scaled, for a third of the neurons (every parameter set is then
/// a run of one or two neurons between runs of the default set).
fn vary_parameters<P: Population>(pop: &mut P) {
    let params: Vec<&str> = P::Neuron::VARIABLES.iter().filter(|v| v.kind == VariableKind::Parameter && !v.vector).map(|v| v.name).collect();
    for i in (0..pop.len()).filter(|i| i % 3 == 1) {
        let name = params[i % params.len()];
        let v = pop.get_value(i, P::Neuron::variable_index(name).unwrap()).unwrap();
        // a change the model accepts (guards); kept if it does not
        let _ = pop.set(i, name, if v == 0.0 { 0.5 } else { v * 1.05 });
    }
}

/// Drives both stores and compares them; `current` is the amplitude of the continuous input.
fn compare<N: Populated + Default>(current: f64) -> (usize, &'static str) {
    compare_for::<N>(current, STEPS)
}

/// [`compare`] over `steps` steps (the NaN weight comes 100 steps before the end).
fn compare_for<N: Populated + Default>(current: f64, steps: i64) -> (usize, &'static str) {
    let resolution = Resolution::from_ms(0.1).unwrap();
    let mut prototype = N::default();
    let has_port = N::PORTS.iter().any(|p| p.kind == PortKind::Continuous);
    if !has_port {
        let _ = prototype.set("I_e", current);
    }
    let mut aos = NeuronVec::<N>::new(prototype.clone(), NEURONS, 1, 0);
    let mut soa = N::Population::new(prototype, NEURONS, 1, 0);
    vary_parameters(&mut aos);
    vary_parameters(&mut soa);
    aos.init_buffers(&resolution);
    soa.init_buffers(&resolution);
    aos.calibrate(&resolution).unwrap();
    soa.calibrate(&resolution).unwrap();
    let spike_ports = N::PORTS.iter().filter(|p| p.kind == PortKind::Spike).count();
    let continuous = N::PORTS.iter().filter(|p| p.kind == PortKind::Continuous).count();
    let mut rng = NestmlRng::seed_from_u64(11);
    let (mut sums, mut hits, mut currents) = (vec![0.0; spike_ports * NEURONS], vec![false; spike_ports * NEURONS], vec![0.0; continuous * NEURONS]);
    let mut total = 0;
    for k in 0..steps {
        let quiet = k % 7 == 3;
        for (s, h) in sums.iter_mut().zip(&mut hits) {
            let u = rng.uniform(0.0, 1.0);
            *h = u < 0.3;
            *s = if u < 0.1 { 0.0 } else if *h { rng.normal(20.0, 60.0) } else { 0.0 };
        }
        for (i, c) in currents.iter_mut().enumerate() {
            *c = if (k / 500) % 2 == 0 { current * (1.0 + (i % NEURONS) as f64 / NEURONS as f64) } else { 0.0 };
        }
        if k == steps - 101 && spike_ports > 0 {
            // a NaN weight into neuron 20: both stores fault, naming the same neuron and state
            (sums[20], hits[20]) = (f64::NAN, true);
        }
        let input = PortInput { spike_sum: &sums, spike_hit: &hits, current: &currents };
        let input = (!quiet).then_some(input);
        let (mut spikes_aos, mut spikes_soa) = (Vec::new(), Vec::new());
        let a = aos.step(&resolution, k, input, &mut spikes_aos);
        let b = soa.step(&resolution, k, input, &mut spikes_soa);
        match (a, b) {
            (Ok(()), Ok(())) => {}
            (Err(a), Err(b)) => {
                assert_eq!(a.0, b.0, "{}: the same neuron faults", N::NAME);
                assert_eq!(a.1.to_string(), b.1.to_string());
                return (total, "faulted alike at the NaN input");
            }
            (a, b) => panic!("{}: step {k}: {a:?} vs {b:?}", N::NAME),
        }
        assert_eq!(spikes_aos, spikes_soa, "{}: step {k}", N::NAME);
        total += spikes_aos.len();
        for i in 0..NEURONS {
            for (var, info) in N::VARIABLES.iter().enumerate().filter(|(_, v)| !v.vector) {
                let (x, y) = (aos.get_value(i, var), soa.get_value(i, var));
                assert_eq!(x.map(f64::to_bits), y.map(f64::to_bits), "{}: step {k}, neuron {i}, {}: {x:?} vs {y:?}", N::NAME, info.name);
            }
        }
    }
    (total, "ran")
}

macro_rules! kernels {
    ($($name:ident: $ty:ident, $file:literal, $current:expr;)*) => {
        $(
            mod $name {
                nestml::include_nestml!($file);
            }
        )*

        /// Every model listed has a struct-of-arrays population and matches its struct.
        #[test]
        fn struct_of_arrays_matches_the_neuron_struct_bit_for_bit() {
            let _only = ONE_SIMD_LIMIT.lock().unwrap_or_else(|e| e.into_inner());
            for level in [SimdLevel::Baseline, SimdLevel::Avx2, SimdLevel::Avx512] {
                limit_simd(level);
                if simd_level() != level {
                    eprintln!("{level:?}: not on this CPU");
                    continue;
                }
                $(
                    assert_eq!(<<$name::$ty as Populated>::Population as Population>::LAYOUT, "struct of arrays", stringify!($name));
                    let (spikes, how) = compare::<$name::$ty>($current);
                    eprintln!("{level:?}: {}: {spikes} spikes, {how}", stringify!($name));
                )*
            }
        }
    };
}

kernels! {
    iaf_psc_exp_neuron: IafPscExpNeuron, "../../../shared/nestml-models/neurons/iaf_psc_exp_neuron.nestml", 500.0;
    iaf_psc_alpha_neuron: IafPscAlphaNeuron, "../../../shared/nestml-models/neurons/iaf_psc_alpha_neuron.nestml", 500.0;
    iaf_psc_delta_neuron: IafPscDeltaNeuron, "../../../shared/nestml-models/neurons/iaf_psc_delta_neuron.nestml", 500.0;
    iaf_psc_delta_fixed_timestep_neuron: IafPscDeltaFixedTimestepNeuron, "../../../shared/nestml-models/neurons/iaf_psc_delta_fixed_timestep_neuron.nestml", 500.0;
    iaf_psc_exp_htum_neuron: IafPscExpHtumNeuron, "../../../shared/nestml-models/neurons/iaf_psc_exp_htum_neuron.nestml", 500.0;
    ignore_and_fire_neuron: IgnoreAndFireNeuron, "../../../shared/nestml-models/neurons/ignore_and_fire_neuron.nestml", 0.0;
    mat2_psc_exp_neuron: Mat2PscExpNeuron, "../../../shared/nestml-models/neurons/mat2_psc_exp_neuron.nestml", 600.0;
    iaf_psc_exp_nonlineardendrite_neuron: IafPscExpNonlineardendriteNeuron, "../../../shared/nestml-models/tutorials/iaf_psc_exp_nonlineardendrite_neuron.nestml", 500.0;
}

macro_rules! lockstep {
    ($($name:ident: $ty:ident, [$($option:tt)*] $file:literal, $current:expr;)*) => {
        $(
            mod $name {
                nestml::include_nestml!($($option)* $file);
            }
        )*

        /// Every model listed steps in lockstep (`Rkf45Lanes`) and matches its struct: the
        /// same accepted and rejected RKF45 steps per neuron, the same bits. All models at the
        /// CPU's widest vector instructions, the first two also at the narrower ones (the level
        /// only changes the right-hand side's loop; a debug build takes seconds per model).
        #[test]
        fn lockstep_populations_match_the_neuron_struct_bit_for_bit() {
            let _only = ONE_SIMD_LIMIT.lock().unwrap_or_else(|e| e.into_inner());
            limit_simd(SimdLevel::Avx512);
            let widest = simd_level();
            for level in [SimdLevel::Avx512, SimdLevel::Avx2, SimdLevel::Baseline] {
                limit_simd(level);
                if simd_level() != level {
                    eprintln!("{level:?}: not on this CPU");
                    continue;
                }
                let mut models = 0;
                $(
                    if level == widest || models < 2 {
                        assert_eq!(<<$name::$ty as Populated>::Population as Population>::LAYOUT, "struct of arrays, lockstep RKF45", stringify!($name));
                        let (spikes, how) = compare_for::<$name::$ty>($current, 1_000);
                        eprintln!("{level:?}: {}: {spikes} spikes, {how}", stringify!($name));
                    }
                    models += 1;
                )*
            }
        }
    };
}

// models with RKF45 whose `integrate_odes` ends `update`: Hodgkin–Huxley types, adaptive
// exponential, conductance-based; one with NEST's tolerances and `exp = "inline"`, one with
// the convolution states left out of the error control, one in f32
lockstep! {
    hh_psc_alpha_neuron: HhPscAlphaNeuron, [] "../../../shared/nestml-models/neurons/hh_psc_alpha_neuron.nestml", 800.0;
    hh_psc_alpha_inline_exp: HhPscAlphaNeuronInline, [suffix = "_inline", exp = "inline", gsl_abs_error_tol = 1e-3, gsl_rel_error_tol = 0.0,] "../../../shared/nestml-models/neurons/hh_psc_alpha_neuron.nestml", 800.0;
    hh_psc_alpha_kept: HhPscAlphaNeuronKept, [suffix = "_kept", rk45_error_states = "kept",] "../../../shared/nestml-models/neurons/hh_psc_alpha_neuron.nestml", 800.0;
    hh_cond_exp_traub_neuron: HhCondExpTraubNeuron, [] "../../../shared/nestml-models/neurons/hh_cond_exp_traub_neuron.nestml", 800.0;
    aeif_cond_exp_neuron: AeifCondExpNeuron, [] "../../../shared/nestml-models/neurons/aeif_cond_exp_neuron.nestml", 800.0;
    iaf_cond_alpha_neuron: IafCondAlphaNeuron, [] "../../../shared/nestml-models/neurons/iaf_cond_alpha_neuron.nestml", 500.0;
    wb_cond_multisyn_neuron: WbCondMultisynNeuron, [] "../../../shared/nestml-models/neurons/wb_cond_multisyn_neuron.nestml", 500.0;
    terub_stn_neuron: TerubStnNeuron, [] "../../../shared/nestml-models/neurons/terub_stn_neuron.nestml", 100.0;
    iaf_cond_exp_f32: IafCondExpNeuron, [float = "f32",] "../../../shared/nestml-models/neurons/iaf_cond_exp_neuron.nestml", 500.0;
}

mod euler {
    nestml::include_nestml!("../../../shared/nestml-models/neurons/izhikevich_neuron.nestml");
}

/// A model on another numeric solver keeps the vector of structs.
#[test]
fn other_numeric_models_are_stored_as_structs() {
    assert_eq!(<<euler::IzhikevichNeuron as Populated>::Population as Population>::LAYOUT, "vector of structs");
}

mod single_precision {
    nestml::include_nestml!(float = "f32", "../../../shared/nestml-models/neurons/iaf_psc_exp_neuron.nestml");
    nestml::include_nestml!(float = "f32", "../../../shared/nestml-models/neurons/iaf_psc_alpha_neuron.nestml");
}

/// Models computing in `f32` have struct-of-arrays populations of `f32` that match their
/// structs too.
#[test]
fn single_precision_populations_match_too() {
    assert_eq!(std::mem::size_of_val(&<single_precision::IafPscExpNeuron as Populated>::Population::new(Default::default(), 3, 0, 0).V_m[0]), 4);
    for (model, (spikes, how)) in [("iaf_psc_exp_neuron", compare::<single_precision::IafPscExpNeuron>(500.0)), ("iaf_psc_alpha_neuron", compare::<single_precision::IafPscAlphaNeuron>(500.0))] {
        assert!(spikes > 0, "{model}");
        eprintln!("f32 {model}: {spikes} spikes, {how}");
    }
}
