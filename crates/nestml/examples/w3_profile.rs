//! The W3 workload: `NEURONS` hh_psc_alpha neurons (default 1,000; first argument) for 1 s at
//! 0.1 ms, with NEST's error control for its built-in model (GSL `y_new(1e-3, 0)`), under a DC
//! current `I_e` (`dc`, 800 pA) or independent Poisson spike trains on the excitatory port
//! (`poisson`: 20,000 /s of 100 pA — each neuron its own stream, so that neurons integrate
//! differently), stored as the generated lockstep population with `exp` from libm (`libm`) or
//! inline (`inline`, the default), the latter also with `rk45_error_states = "kept"` (`kept`:
//! less accurate under input, `docs/numeric_solvers.md`), or as a `Vec` of structs
//! (`structs`). Prints the spike
//! rate and the wall time per neuron-step; the SIMD level is the CPU's widest unless limited by
//! a fourth argument (`baseline`, `avx2`).
//!
//! ```sh
//! cargo run --release -p nestml --example w3_profile -- 1000 dc inline
//! .venv-nest/bin/python tools/nest_population_bench.py --model hh_psc_alpha --neurons 1000 --t-ms 1000
//! ```

use nestml::population::{limit_simd, simd_level, SimdLevel};
use nestml::{NestmlRng, Neuron, NeuronVec, PortInput, Populated, Population, Resolution};

mod libm_exp {
    nestml::include_nestml!(gsl_abs_error_tol = 1e-3, gsl_rel_error_tol = 0.0, "../../../shared/nestml-models/neurons/hh_psc_alpha_neuron.nestml");
}
mod inline_exp {
    nestml::include_nestml!(gsl_abs_error_tol = 1e-3, gsl_rel_error_tol = 0.0, exp = "inline", "../../../shared/nestml-models/neurons/hh_psc_alpha_neuron.nestml");
}
mod kept {
    nestml::include_nestml!(gsl_abs_error_tol = 1e-3, gsl_rel_error_tol = 0.0, exp = "inline", rk45_error_states = "kept", "../../../shared/nestml-models/neurons/hh_psc_alpha_neuron.nestml");
}

const STEPS: i64 = 10_000;
const POISSON_RATE: f64 = 20_000.0;
const POISSON_WEIGHT: f64 = 100.0;

fn main() {
    let arg = |i: usize| std::env::args().nth(i);
    let neurons: usize = arg(1).map_or(1_000, |s| s.parse().expect("NEURONS: an integer"));
    let poisson = match arg(2).as_deref() {
        Some("dc") | None => false,
        Some("poisson") => true,
        Some(other) => panic!("unknown drive {other}: dc or poisson"),
    };
    match arg(4).as_deref() {
        Some("baseline") => limit_simd(SimdLevel::Baseline),
        Some("avx2") => limit_simd(SimdLevel::Avx2),
        Some("avx512") | None => limit_simd(SimdLevel::Avx512),
        Some(other) => panic!("unknown SIMD level {other}: baseline, avx2 or avx512"),
    }
    let (ns, spikes) = match arg(3).as_deref() {
        Some("inline") | None => run::<<inline_exp::HhPscAlphaNeuron as Populated>::Population>(neurons, poisson),
        Some("libm") => run::<<libm_exp::HhPscAlphaNeuron as Populated>::Population>(neurons, poisson),
        Some("kept") => run::<<kept::HhPscAlphaNeuron as Populated>::Population>(neurons, poisson),
        Some("structs") => run::<NeuronVec<libm_exp::HhPscAlphaNeuron>>(neurons, poisson),
        Some(other) => panic!("unknown store {other}: inline, libm, kept or structs"),
    };
    let rate = spikes as f64 / neurons as f64 / (STEPS as f64 * 1e-4);
    println!("{spikes} spikes ({rate:.1} /s per neuron); {ns:.1} ns per neuron-step ({:?})", simd_level());
}

/// Runs the workload on a population of `P`: nanoseconds per neuron-step and the spike count.
fn run<P: Population>(neurons: usize, poisson: bool) -> (f64, usize)
where
    P::Neuron: Default,
{
    let resolution = Resolution::from_ms(0.1).expect("0.1 ms is a valid resolution");
    let mut prototype = P::Neuron::default();
    prototype.set("I_e", if poisson { 0.0 } else { 800.0 }).expect("I_e is a parameter");
    let mut population = P::new(prototype, neurons, 1, 0);
    population.init_buffers(&resolution);
    population.calibrate(&resolution).expect("default parameters calibrate");
    let mut rng = NestmlRng::seed_from_u64(7);
    let draws = nestml::PoissonDraws::new(POISSON_RATE * 1e-4).expect("a valid mean");
    // two spike ports (excitatory first) and one continuous, port-major
    let (mut sums, mut hits, currents) = (vec![0.0; 2 * neurons], vec![false; 2 * neurons], vec![0.0; neurons]);
    let (mut spikes, mut count, mut elapsed) = (Vec::with_capacity(neurons), 0, std::time::Duration::ZERO);
    for k in 0..STEPS {
        if poisson {
            for (s, h) in sums[..neurons].iter_mut().zip(&mut hits[..neurons]) {
                let n = rng.poisson_from(&draws);
                (*s, *h) = (POISSON_WEIGHT * n as f64, n > 0);
            }
        }
        let input = poisson.then_some(PortInput { spike_sum: &sums, spike_hit: &hits, current: &currents });
        spikes.clear();
        let start = std::time::Instant::now();
        population.step(&resolution, k, input, &mut spikes).expect("no fault");
        elapsed += start.elapsed();
        count += spikes.len();
    }
    (elapsed.as_secs_f64() * 1e9 / (neurons as f64 * STEPS as f64), count)
}
