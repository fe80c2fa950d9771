use super::example::ExampleIafPscExp;
use super::*;
use std::string::ToString;

#[test]
fn split_index_parses_vector_elements() {
    assert_eq!(split_index("V_m"), Some(("V_m", None)));
    assert_eq!(split_index("w[3]"), Some(("w", Some(3))));
    assert_eq!(split_index("w[x]"), None);
    assert_eq!(split_index("w]"), None);
}

#[test]
fn get_and_set_by_name_with_guards() {
    let mut n = ExampleIafPscExp::default();
    assert_eq!(Neuron::get(&n, "V_m"), Some(-70.0));
    assert_eq!(Neuron::get(&n, "C_m"), Some(250.0));
    assert_eq!(Neuron::get(&n, "nope"), None);
    Neuron::set(&mut n, "I_e", 376.0).unwrap();
    assert_eq!(n.p.i_e, 376.0);
    let e = Neuron::set(&mut n, "tau_m", 0.0).unwrap_err();
    assert_eq!(e.to_string(), "iaf_psc_exp_neuron: tau_m = 0: must be > 0");
    let e = Neuron::set(&mut n, "x", 1.0).unwrap_err();
    assert!(e.to_string().starts_with("iaf_psc_exp_neuron has no variable"), "{e}");
    assert_eq!(Neuron::set_value(&mut n, 13, 0, 1.0), Err(SetError::UnknownIndex { model: "iaf_psc_exp_neuron", index: 13 }));
    assert!(matches!(
        Neuron::set(&mut n, "V_m[1]", 1.0),
        Err(SetError::Index { .. })
    ));
    assert_eq!(ExampleIafPscExp::variable_index("E_L"), Some(9));
    assert!(ExampleIafPscExp::VARIABLES.iter().all(|v| v.writable()));
}

#[cfg(feature = "alloc")]
#[test]
fn dyn_neuron_is_object_safe_and_clones() {
    let mut pop: std::vec::Vec<Box<dyn DynNeuron>> = vec![Box::new(ExampleIafPscExp::default()); 3];
    let res = Resolution::from_ms(0.1).unwrap();
    let mut rng = NestmlRng::seed_from_u64(1);
    pop[1].set("I_e", 1000.0).unwrap();
    let mut spikes = [0u32; 3];
    for n in pop.iter_mut() {
        n.init_buffers(&res);
        n.calibrate(&res).unwrap();
    }
    for k in 0..200 {
        for (i, n) in pop.iter_mut().enumerate() {
            let mut ctx = StepContext::new(&res, k, &mut rng);
            spikes[i] += n.step(&mut ctx).unwrap().spikes;
        }
    }
    assert_eq!(spikes[0], 0);
    assert!(spikes[1] > 0);
    assert_eq!(pop[2].name(), "iaf_psc_exp_neuron");
    assert_eq!(pop[2].variables().len(), 13);
    assert_eq!(pop[2].ports()[2].kind, PortKind::Continuous);
    assert_eq!(pop[2].receptors().len(), 1);
    let c = pop[1].clone();
    assert_eq!(c.get("V_m"), pop[1].get("V_m"));
}

#[test]
fn example_neuron_matches_exact_psc_response() {
    let res = Resolution::from_ms(0.1).unwrap();
    let mut rng = NestmlRng::seed_from_u64(1);
    let mut n = ExampleIafPscExp::default();
    Neuron::init_buffers(&mut n, &res);
    // 1000 pA arrives in step 0: I_syn_exc = 1000 pA at t = 0.1 ms.
    Neuron::handle_spike(&mut n, 0, 500.0, 2);
    Neuron::handle_spike(&mut n, 0, -100.0, 1);
    let (tm, ts, c) = (10.0, 2.0, 250.0);
    let a = 1000.0 * tm * ts / (c * (ts - tm));
    // The inhibitory current (100 pA) enters V_m' with a minus sign.
    let b = -100.0 * tm * ts / (c * (ts - tm));
    let mut worst: f64 = 0.0;
    for k in 0..200 {
        let mut ctx = StepContext::new(&res, k, &mut rng);
        Neuron::step(&mut n, &mut ctx).unwrap();
        let s = ctx.t_end - 0.1;
        let v = -70.0 - (a + b) * (-s / tm).exp() + (a + b) * (-s / ts).exp();
        worst = worst.max((Neuron::get(&n, "V_m").unwrap() - v).abs());
    }
    assert!(worst < 1e-6, "max |V_m - exact| = {worst} mV");
    assert!((Neuron::get(&n, "I_syn_inh").unwrap() - 100.0 * (-19.9f64 / 2.0).exp()).abs() < 1e-7);
}
