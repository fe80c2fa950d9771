//! Stepping allocates nothing: solvers, RNG and a neuron step, counted by a global allocator
//! (per thread, so that the test harness's own threads do not interfere).

use nestml_runtime::neuron::example::ExampleIafPscExp;
use nestml_runtime::solvers::{Control, ForwardEuler, OdeSolver, Rk4, Rkf45, Ros2};
use nestml_runtime::{Driver, DynNeuron, NestmlRng, Neuron, Resolution, StepContext};
#[path = "support/counting_alloc.rs"]
mod counting_alloc;
use counting_alloc::allocations_in;

/// A stiff-ish nonlinear 32-dimensional chain.
fn chain(_t: f64, y: &[f64; 32], f: &mut [f64; 32]) {
    for i in 0..32 {
        let left = if i > 0 { y[i - 1] } else { 1.0 };
        f[i] = -50.0 * (y[i] - left) - y[i] * y[i] * y[i] + (0.1 * i as f64).sin();
    }
}

#[test]
fn solvers_allocate_nothing_per_step() {
    let mut rkf = Rkf45::<32>::new(Control::NESTML_DEFAULT, 0.1);
    let mut rk4 = Rk4::<32>::new(4);
    let mut euler = ForwardEuler::<32>::new(10);
    let mut ros = Ros2::<32>::new(2);
    let mut y = [0.5; 32];
    let n = allocations_in(|| {
        for _ in 0..100 {
            rkf.integrate(&chain, 0.0, 0.1, &mut y).unwrap();
            rk4.integrate(&chain, 0.0, 0.1, &mut y).unwrap();
            euler.integrate(&chain, 0.0, 0.1, &mut y).unwrap();
            ros.integrate(&chain, 0.0, 0.1, &mut y).unwrap();
            let mut t = 0.0;
            rkf.evolve_apply(&chain, &mut t, 0.1, &mut y).unwrap();
        }
    });
    assert!(rkf.stats().accepted > 100);
    assert_eq!(n, 0, "solver steps allocated {n} times");
}

#[test]
fn rng_and_neuron_steps_allocate_nothing() {
    let res = Resolution::from_ms(0.1).unwrap();
    let mut rng = NestmlRng::seed_from_u64(3);
    let mut n = ExampleIafPscExp::default();
    Neuron::init_buffers(&mut n, &res);
    let mut boxed: Box<dyn DynNeuron> = Box::new(ExampleIafPscExp::default());
    let mut sum = 0.0;
    let mut spikes = 0;
    let count = allocations_in(|| {
        for k in 0..2000 {
            sum += rng.normal(0.0, 1.0) + rng.uniform(0.0, 1.0) + rng.poisson(2.5).unwrap() as f64;
            Neuron::handle_current(&mut n, 0, 500.0);
            if k % 7 == 0 {
                Neuron::handle_spike(&mut n, 0, -20.0, 2);
            }
            let mut ctx = StepContext::new(&res, k, &mut rng);
            spikes += Neuron::step(&mut n, &mut ctx).unwrap().spikes;
            boxed.handle_current(0, 500.0);
            let mut ctx = StepContext::new(&res, k, &mut rng);
            spikes += boxed.step(&mut ctx).unwrap().spikes;
            sum += Neuron::get(&n, "V_m").unwrap();
        }
    });
    assert!(sum.is_finite() && spikes > 0);
    assert_eq!(count, 0, "neuron steps allocated {count} times");
}

#[test]
fn driver_allocates_only_up_front() {
    let res = Resolution::from_ms(0.1).unwrap();
    let run = |steps: usize| {
        let mut n = ExampleIafPscExp::default();
        let mut d = Driver::new(res, 1);
        d.current(0, 0, 100.0)
            .spike(3, 0, 10.0)
            .record(&["V_m", "I_syn_exc"]);
        allocations_in(|| {
            let rec = d.run(&mut n, steps).unwrap();
            assert!(rec.spikes.is_empty());
        })
    };
    assert_eq!(run(10), run(5000));
}
