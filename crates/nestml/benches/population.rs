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
//!     --ours target/criterion/population/iaf_psc_exp_neuron_population/new/estimates.json
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
// setting, docs/numeric_solvers.md), `population/hh_psc_alpha_neuron_rush_larsen`; and with NEST's
// tolerances and `exp = "inline"` (the lockstep population vectorises the right-hand side),
// `population/hh_psc_alpha_neuron_inline_exp`
models! {
    IafPscExpNeuron: [] "../../../shared/nestml-models/neurons/iaf_psc_exp_neuron.nestml", I_e = 500.0;
    HhPscAlphaNeuron: [gsl_abs_error_tol = 1e-3, gsl_rel_error_tol = 0.0,] "../../../shared/nestml-models/neurons/hh_psc_alpha_neuron.nestml", I_e = 800.0;
    HhPscAlphaNeuronRushLarsen: [suffix = "_rush_larsen", numeric_solver = "rush-larsen",] "../../../shared/nestml-models/neurons/hh_psc_alpha_neuron.nestml", I_e = 800.0;
    HhPscAlphaNeuronInlineExp: [suffix = "_inline_exp", exp = "inline", gsl_abs_error_tol = 1e-3, gsl_rel_error_tol = 0.0,] "../../../shared/nestml-models/neurons/hh_psc_alpha_neuron.nestml", I_e = 800.0;
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
/// refractory counter in ms counted down as the model's `refr_t' = -1`, a spike flag per neuron
/// and the indices collected after the loop; like the generated loop, compiled for AVX-512 or
/// AVX2 where the CPU has them (what a careful human writes for speed).
#[derive(Clone)]
struct HandIafPscExp {
    v: Vec<f64>,
    exc: Vec<f64>,
    inh: Vec<f64>,
    refr: Vec<f64>,
    fired: Vec<u32>,
    i_e: f64,
}

/// The constants of the hand-written step.
#[derive(Clone, Copy)]
struct HandConstants {
    p_vv: f64,
    p_ee: f64,
    p_ii: f64,
    p_ve: f64,
    p_vi: f64,
    q_v: f64,
    h: f64,
    v_th: f64,
    v_reset: f64,
    refr_t: f64,
}

/// One step of the hand-written neurons; whether one spiked.
#[inline(always)]
fn hand_step(c: HandConstants, v: &mut [f64], exc: &mut [f64], inh: &mut [f64], refr: &mut [f64], fired: &mut [u32]) -> bool {
    let n = fired.len();
    let (v, exc, inh, refr) = (&mut v[..n], &mut exc[..n], &mut inh[..n], &mut refr[..n]);
    let mut any = 0;
    for j in 0..n {
        let (mut vj, ej, ij, mut rj) = (v[j], exc[j], inh[j], refr[j]);
        if rj > 0.0 {
            rj -= c.h;
        } else {
            vj = c.p_ve * ej + c.p_vi * ij + c.p_vv * vj + c.q_v;
        }
        exc[j] = c.p_ee * ej;
        inh[j] = c.p_ii * ij;
        let fire = rj <= 0.0 && vj >= c.v_th;
        v[j] = if fire { c.v_reset } else { vj };
        refr[j] = if fire { c.refr_t } else { rj };
        fired[j] = u32::from(fire);
        any |= u32::from(fire);
    }
    any != 0
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512vl,avx512dq,avx512bw")]
unsafe fn hand_step_avx512(c: HandConstants, v: &mut [f64], exc: &mut [f64], inh: &mut [f64], refr: &mut [f64], fired: &mut [u32]) -> bool {
    hand_step(c, v, exc, inh, refr, fired)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn hand_step_avx2(c: HandConstants, v: &mut [f64], exc: &mut [f64], inh: &mut [f64], refr: &mut [f64], fired: &mut [u32]) -> bool {
    hand_step(c, v, exc, inh, refr, fired)
}

impl HandIafPscExp {
    fn new(n: usize, i_e: f64) -> Self {
        HandIafPscExp { v: vec![-70.0; n], exc: vec![0.0; n], inh: vec![0.0; n], refr: vec![0.0; n], fired: vec![0; n], i_e }
    }

    fn run(&mut self, h: f64) -> u64 {
        let (c_m, tau_m, tau_exc, tau_inh, e_l) = (250.0, 10.0, 2.0, 2.0, -70.0);
        let (p_vv, p_ee, p_ii) = ((-h / tau_m).exp(), (-h / tau_exc).exp(), (-h / tau_inh).exp());
        let c = HandConstants {
            p_vv,
            p_ee,
            p_ii,
            p_ve: tau_exc * tau_m / (c_m * (tau_exc - tau_m)) * (p_ee - p_vv),
            p_vi: -tau_inh * tau_m / (c_m * (tau_inh - tau_m)) * (p_ii - p_vv),
            q_v: (1.0 - p_vv) * (e_l + self.i_e * tau_m / c_m),
            h,
            v_th: -55.0,
            v_reset: -70.0,
            refr_t: 2.0,
        };
        let level = nestml::population::simd_level();
        let mut spikes = Vec::with_capacity(self.v.len());
        let mut count = 0;
        for _ in 0..STEPS {
            spikes.clear();
            let Self { v, exc, inh, refr, fired, .. } = self;
            // SAFETY: `simd_level` reports the instructions this CPU has.
            let any = match level {
                #[cfg(target_arch = "x86_64")]
                nestml::population::SimdLevel::Avx512 => unsafe { hand_step_avx512(c, v, exc, inh, refr, fired) },
                #[cfg(target_arch = "x86_64")]
                nestml::population::SimdLevel::Avx2 => unsafe { hand_step_avx2(c, v, exc, inh, refr, fired) },
                _ => hand_step(c, v, exc, inh, refr, fired),
            };
            if any {
                nestml::population::collect_spikes(fired, &mut spikes);
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
