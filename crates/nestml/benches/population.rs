//! Throughput of a population of generated neurons: 10,000 neurons of one model (a `Vec` of
//! the struct `include_nestml!` generates) under a DC current (`I_e`) for 1,000 steps of 0.1 ms,
//! each iteration from the initial state (`init_buffers` and `calibrate` included, as in NEST's
//! `Simulate`). Criterion reports the time per iteration and neuron-steps per second (elem/s);
//! the spike count of a run follows, to compare the work with NEST's. An hh_psc_alpha run takes
//! seconds: select models by name.
//!
//! ```sh
//! cargo bench -p nestml --bench population [-- iaf_psc_exp|hh_psc_alpha]
//! python tools/nest_population_bench.py --model iaf_psc_exp \
//!     --ours target/criterion/population/iaf_psc_exp_neuron/new/estimates.json
//! ```
//!
//! The same workload in NEST 3.10 is `tools/nest_population_bench.py`.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use nestml::{NestmlRng, Neuron, Resolution, StepContext};
use std::cell::Cell;
use std::hint::black_box;
use std::time::Duration;

const NEURONS: usize = 10_000;
const STEPS: i64 = 1_000;
const H_MS: f64 = 0.1;

/// One line per model: the generated type, the macro's options, its file, and the DC current
/// (`I_e`, pA).
macro_rules! models {
    ($($ty:ident: [$($option:tt)*] $file:literal, I_e = $dc:expr;)*) => {
        mod models {
            $(nestml::include_nestml!($($option)* $file);)*
        }

        fn populations(c: &mut Criterion) {
            $(population::<models::$ty>(c, $dc);)*
        }
    };
}

// hh_psc_alpha with NEST's error control for its built-in (GSL y_new(1e-3, 0)), so that both
// sides integrate to the same accuracy (the library default is PyNESTML's 1e-6 / 1e-6); and on
// the Rush–Larsen solver at its defaults (order 2, 2 substeps: far less accurate than NEST's
// setting, docs/numeric_solvers.md), `population/hh_psc_alpha_neuron_rush_larsen`
models! {
    IafPscExpNeuron: [] "../../../shared/nestml-models/neurons/iaf_psc_exp_neuron.nestml", I_e = 500.0;
    HhPscAlphaNeuron: [gsl_abs_error_tol = 1e-3, gsl_rel_error_tol = 0.0,] "../../../shared/nestml-models/neurons/hh_psc_alpha_neuron.nestml", I_e = 800.0;
    HhPscAlphaNeuronRushLarsen: [suffix = "_rush_larsen", numeric_solver = "rush-larsen",] "../../../shared/nestml-models/neurons/hh_psc_alpha_neuron.nestml", I_e = 800.0;
}

/// Benchmarks `NEURONS` neurons of model `M` with `I_e = dc_pa` as `population/<model name>`.
fn population<M: Neuron + Default>(c: &mut Criterion, dc_pa: f64) {
    let resolution = Resolution::from_ms(H_MS).unwrap();
    let mut prototype = M::default();
    prototype
        .set("I_e", dc_pa)
        .unwrap_or_else(|e| panic!("{e}"));
    let population = vec![prototype; NEURONS];

    let spikes = Cell::new(None);
    let mut group = c.benchmark_group("population");
    group.throughput(Throughput::Elements(NEURONS as u64 * STEPS as u64));
    group.bench_function(M::NAME, |b| {
        b.iter_batched(
            || population.clone(),
            |mut pop| spikes.set(Some(black_box(run(&mut pop, &resolution)))),
            BatchSize::LargeInput,
        )
    });
    group.finish();
    if let Some(spikes) = spikes.get() {
        eprintln!(
            "{}: {NEURONS} neurons of {} bytes, {STEPS} steps of {H_MS} ms, I_e = {dc_pa} pA: \
             {} spikes per run ({:.1} spikes/s per neuron)\n",
            M::NAME,
            std::mem::size_of::<M>(),
            spikes,
            spikes as f64 / NEURONS as f64 / (STEPS as f64 * H_MS / 1000.0)
        );
    }
}

/// Prepares the neurons and runs `STEPS` steps, all neurons per step; returns the spike count.
fn run<M: Neuron>(population: &mut [M], resolution: &Resolution) -> u64 {
    let mut rng = NestmlRng::seed_from_u64(1);
    for n in population.iter_mut() {
        n.init_buffers(resolution);
        n.calibrate(resolution).unwrap();
    }
    let mut spikes = 0u64;
    for k in 0..STEPS {
        let mut ctx = StepContext::new(resolution, k, &mut rng);
        for n in population.iter_mut() {
            spikes += u64::from(n.step(&mut ctx).unwrap().spikes);
        }
    }
    spikes
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    targets = populations
}
criterion_main!(benches);
