//! The work per neuron-step of hh_psc_alpha on each numeric solver configuration of
//! `docs/numeric_solvers.md`: `NEURONS` neurons (default 1,000) under `I_e = 800 pA` for 1 s of
//! 0.1 ms steps, all neurons per step, as `benches/population.rs` runs them. Prints the wall
//! time per neuron-step; on a shared machine count instructions instead, which do not depend
//! on the load:
//!
//! ```sh
//! cargo build --release -p nestml --example hh_solver_cost
//! valgrind --tool=callgrind --callgrind-out-file=/dev/null \
//!     target/release/examples/hh_solver_cost rk45-nest 100   # "Collected" / 10⁶
//! ```
//!
//! Configurations: `rk45-nest` (abs 1e-3, rel 0), `rl1-1` (Rush–Larsen order 1, 1 substep),
//! `rl2-1` (order 2, 1 substep), `rl2-2` (order 2, 2 substeps: the solver's default); `none`
//! runs no steps (the set-up's share).

use nestml::{NestmlRng, Neuron, Resolution, StepContext};
use std::time::Instant;

/// One module per configuration, each with its `HhPscAlphaNeuron`.
macro_rules! configurations {
    ($($module:ident: [$($option:tt)*];)*) => {
        $(mod $module {
            nestml::include_nestml!($($option)* "../../../shared/nestml-models/neurons/hh_psc_alpha_neuron.nestml");
        })*
    };
}

configurations! {
    rk45_nest: [gsl_abs_error_tol = 1e-3, gsl_rel_error_tol = 0.0,];
    rl1_1: [numeric_solver = "rush-larsen", rush_larsen_order = 1, rush_larsen_substeps = 1,];
    rl2_1: [numeric_solver = "rush-larsen", rush_larsen_order = 2, rush_larsen_substeps = 1,];
    rl2_2: [numeric_solver = "rush-larsen",];
}

const STEPS: i64 = 10_000;

/// Runs `neurons` neurons of `M` for `steps` steps; the spike count.
fn run<M: Neuron + Default>(neurons: usize, steps: i64) -> u64 {
    let resolution = Resolution::from_ms(0.1).expect("0.1 ms is a resolution");
    let mut prototype = M::default();
    prototype.set("I_e", 800.0).expect("I_e is a parameter");
    let mut population = vec![prototype; neurons];
    for n in &mut population {
        n.init_buffers(&resolution);
        n.calibrate(&resolution).expect("the defaults calibrate");
    }
    let mut rng = NestmlRng::seed_from_u64(1);
    let mut spikes = 0;
    for k in 0..steps {
        let mut ctx = StepContext::new(&resolution, k, &mut rng);
        for n in &mut population {
            spikes += u64::from(n.step(&mut ctx).expect("no fault at these parameters").spikes);
        }
    }
    spikes
}

fn main() {
    let mut args = std::env::args().skip(1);
    let configuration = args.next().unwrap_or_else(|| "rl2-2".into());
    let neurons: usize = match args.next().map(|s| s.parse()) {
        None => 1000,
        Some(Ok(n)) => n,
        Some(Err(e)) => {
            eprintln!("the neuron count: {e}");
            std::process::exit(2);
        }
    };
    let start = Instant::now();
    let spikes = match configuration.as_str() {
        "rk45-nest" => run::<rk45_nest::HhPscAlphaNeuron>(neurons, STEPS),
        "rl1-1" => run::<rl1_1::HhPscAlphaNeuron>(neurons, STEPS),
        "rl2-1" => run::<rl2_1::HhPscAlphaNeuron>(neurons, STEPS),
        "rl2-2" => run::<rl2_2::HhPscAlphaNeuron>(neurons, STEPS),
        "none" => run::<rk45_nest::HhPscAlphaNeuron>(neurons, 0),
        other => {
            eprintln!("unknown configuration `{other}`: rk45-nest, rl1-1, rl2-1, rl2-2 or none");
            std::process::exit(2);
        }
    };
    let per_step = start.elapsed().as_secs_f64() * 1e9 / (neurons as f64 * STEPS as f64);
    println!("{configuration}: {neurons} neurons, {spikes} spikes in 1 s, {per_step:.1} ns per neuron-step");
}
