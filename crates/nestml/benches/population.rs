//! Throughput of a population of generated neurons: 10,000 neurons of one model under a DC
//! current (`I_e`) for 1,000 steps of 0.1 ms, each iteration from the initial state
//! (`init_buffers` and `calibrate` included, as in NEST's `Simulate`), stored two ways:
//! `population/<model>/structs` (a `Vec` of the struct `include_nestml!` generates, stepped one
//! by one) and `population/<model>/population` (the model's `Populated::Population`: the
//! generated struct of arrays where the model has one). For iaf_psc_exp,
//! `population/iaf_psc_exp_neuron/hand_loop` is a hand-written loop over arrays with the same
//! arithmetic (the "zero-cost" reference). Criterion reports the time per iteration and
//! neuron-steps per second (elem/s); the spike count of a run follows, to compare the work with
//! NEST's. An hh_psc_alpha run takes seconds: select models by name.
//!
//! ```sh
//! cargo bench -p nestml --bench population [-- iaf_psc_exp|hh_psc_alpha]
//! python tools/nest_population_bench.py --model iaf_psc_exp \
//!     --ours target/criterion/population/iaf_psc_exp_neuron/population/new/estimates.json
//! ```
//!
//! The same workload in NEST 3.10 is `tools/nest_population_bench.py`.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use nestml::{NestmlRng, Neuron, Populated, Population, Resolution, StepContext};
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

/// Benchmarks `NEURONS` neurons of model `M` with `I_e = dc_pa` as
/// `population/<model name>/{structs,population}`.
fn population<M: Populated + Default>(c: &mut Criterion, dc_pa: f64) {
    let resolution = Resolution::from_ms(H_MS).unwrap();
    let mut prototype = M::default();
    prototype
        .set("I_e", dc_pa)
        .unwrap_or_else(|e| panic!("{e}"));
    let population = vec![prototype; NEURONS];

    let spikes = Cell::new(None);
    let mut group = c.benchmark_group("population");
    group.throughput(Throughput::Elements(NEURONS as u64 * STEPS as u64));
    group.bench_function(format!("{}/structs", M::NAME), |b| {
        b.iter_batched(
            || population.clone(),
            |mut pop| spikes.set(Some(black_box(run(&mut pop, &resolution)))),
            BatchSize::LargeInput,
        )
    });
    let soa = M::Population::new(population[0].clone(), NEURONS, 1, 0);
    let soa_spikes = Cell::new(None);
    group.bench_function(format!("{}/population", M::NAME), |b| {
        b.iter_batched(
            || soa.clone(),
            |mut pop| soa_spikes.set(Some(black_box(run_population(&mut pop, &resolution)))),
            BatchSize::LargeInput,
        )
    });
    if M::NAME == "iaf_psc_exp_neuron" {
        let hand = HandIafPscExp::new(NEURONS, dc_pa);
        let hand_spikes = Cell::new(None);
        group.bench_function(format!("{}/hand_loop", M::NAME), |b| {
            b.iter_batched(|| hand.clone(), |mut pop| hand_spikes.set(Some(black_box(pop.run(H_MS)))), BatchSize::LargeInput)
        });
        if let Some(s) = hand_spikes.get() {
            eprintln!("hand loop: {s} spikes per run");
        }
    }
    group.finish();
    if let Some(s) = soa_spikes.get() {
        eprintln!("{} ({}): {s} spikes per run", M::NAME, M::Population::LAYOUT);
    }
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

/// Prepares the population and runs `STEPS` steps without input; returns the spike count.
fn run_population<P: Population>(population: &mut P, resolution: &Resolution) -> u64 {
    population.init_buffers(resolution);
    population.calibrate(resolution).unwrap();
    let mut spikes = Vec::with_capacity(population.len());
    let mut count = 0;
    for k in 0..STEPS {
        spikes.clear();
        population.step(resolution, k, None, &mut spikes).unwrap();
        count += spikes.len() as u64;
    }
    count
}

/// iaf_psc_exp written by hand over arrays, with the arithmetic of the generated step: the
/// exact propagator of the library model at its default parameters (NEST's closed forms), a
/// refractory counter in ms counted down as the model's `refr_t' = -1`, spikes collected.
#[derive(Clone)]
struct HandIafPscExp {
    v: Vec<f64>,
    exc: Vec<f64>,
    inh: Vec<f64>,
    refr: Vec<f64>,
    i_e: f64,
}

impl HandIafPscExp {
    fn new(n: usize, i_e: f64) -> Self {
        HandIafPscExp { v: vec![-70.0; n], exc: vec![0.0; n], inh: vec![0.0; n], refr: vec![0.0; n], i_e }
    }

    fn run(&mut self, h: f64) -> u64 {
        let (c_m, tau_m, tau_exc, tau_inh, e_l, v_th, v_reset, refr_t) = (250.0, 10.0, 2.0, 2.0, -70.0, -55.0, -70.0, 2.0);
        let p_vv = (-h / tau_m).exp();
        let p_ee = (-h / tau_exc).exp();
        let p_ii = (-h / tau_inh).exp();
        let p_ve = tau_exc * tau_m / (c_m * (tau_exc - tau_m)) * (p_ee - p_vv);
        let p_vi = -tau_inh * tau_m / (c_m * (tau_inh - tau_m)) * (p_ii - p_vv);
        let q_v = (1.0 - p_vv) * (e_l + self.i_e * tau_m / c_m);
        let mut spikes = Vec::with_capacity(self.v.len());
        let mut count = 0;
        for _ in 0..STEPS {
            spikes.clear();
            let n = self.v.len();
            let (v, exc, inh, refr) = (&mut self.v[..n], &mut self.exc[..n], &mut self.inh[..n], &mut self.refr[..n]);
            for j in 0..n {
                let (mut vj, ej, ij, mut rj) = (v[j], exc[j], inh[j], refr[j]);
                if rj > 0.0 {
                    rj -= h;
                } else {
                    vj = p_ve * ej + p_vi * ij + p_vv * vj + q_v;
                }
                exc[j] = p_ee * ej;
                inh[j] = p_ii * ij;
                let fire = rj <= 0.0 && vj >= v_th;
                v[j] = if fire { v_reset } else { vj };
                refr[j] = if fire { refr_t } else { rj };
                spikes.push(j as u32);
                spikes.truncate(spikes.len() - usize::from(!fire));
            }
            count += spikes.len() as u64;
        }
        count
    }
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
