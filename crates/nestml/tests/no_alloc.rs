//! Generated neurons allocate nothing per step: an exact, a mixed exact/RKF45 and a vector
//! model with random numbers, counted by a global allocator.

#[path = "../../nestml-runtime/tests/support/counting_alloc.rs"]
mod counting_alloc;
use counting_alloc::allocations_in;

use nestml::{NestmlRng, Neuron, Resolution, StepContext};

nestml::include_nestml!("../../../shared/nestml-models/neurons/iaf_psc_exp_neuron.nestml");
nestml::include_nestml!("../../../shared/nestml-models/neurons/hh_psc_alpha_neuron.nestml");
nestml::include_nestml!("../nestml-compiler/tests/codegen/vector_neuron.nestml");

/// Allocations during 1,000 steps with DC and spike input (after setting up).
fn allocations_stepping<N: Neuron + Default>(current: f64, threshold: Option<(&str, f64)>) -> u64 {
    let resolution = Resolution::from_ms(0.1).unwrap();
    let mut rng = NestmlRng::seed_from_u64(1);
    let mut n = N::default();
    if let Some((name, value)) = threshold {
        n.set(name, value).unwrap();
    }
    n.init_buffers(&resolution);
    n.calibrate(&resolution).unwrap();
    allocations_in(|| {
        for k in 0..1_000 {
            n.handle_current(0, current);
            if k % 10 == 0 {
                n.handle_spike(0, if k % 20 == 0 { 50.0 } else { -50.0 }, 1);
            }
            n.step(&mut StepContext::new(&resolution, k, &mut rng)).unwrap();
        }
    })
}

#[test]
fn generated_neurons_allocate_nothing_per_step() {
    assert_eq!(allocations_stepping::<IafPscExpNeuron>(500.0, None), 0);
    assert_eq!(allocations_stepping::<HhPscAlphaNeuron>(800.0, None), 0);
    // a threshold it never reaches: no `println`
    assert_eq!(allocations_stepping::<VectorNeuron>(1.0, Some(("threshold", 1e9))), 0);
}
