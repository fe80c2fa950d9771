//! State snapshots (feature `serde`): a neuron and a synapse connection saved as JSON continue
//! bit for bit like the originals.

#![cfg(feature = "serde")]

use nestml::{NestmlRng, Neuron, Resolution, SpikeHistory, StepContext, Synapse, SynapseParams};

mod models {
    nestml::include_nestml!("../../../shared/nestml-models/neurons/hh_psc_alpha_neuron.nestml");
    nestml::include_nestml!("../../../shared/nestml-models/synapses/stdp_synapse.nestml");
}

fn run(n: &mut models::HhPscAlphaNeuron, rng: &mut NestmlRng, steps: std::ops::Range<i64>) -> Vec<u64> {
    let res = Resolution::from_ms(0.1).unwrap();
    steps
        .map(|k| {
            if k % 50 == 0 {
                n.handle_spike(0, 300.0, 1);
            }
            n.step(&mut StepContext::new(&res, k, rng)).unwrap();
            n.get("V_m").unwrap().to_bits()
        })
        .collect()
}

#[test]
fn a_neuron_continues_from_its_json_snapshot() {
    let res = Resolution::from_ms(0.1).unwrap();
    let mut n = models::HhPscAlphaNeuron::default();
    n.set("I_e", 400.0).unwrap();
    n.init_buffers(&res);
    n.calibrate(&res).unwrap();
    let mut rng = NestmlRng::seed_from_u64(3);
    run(&mut n, &mut rng, 0..1234);
    let json = serde_json::to_string(&(&n, &rng)).unwrap();
    let (mut copy, mut copy_rng): (models::HhPscAlphaNeuron, NestmlRng) = serde_json::from_str(&json).unwrap();
    copy.calibrate(&res).unwrap();
    assert_eq!(run(&mut n, &mut rng, 1234..3000), run(&mut copy, &mut copy_rng, 1234..3000));
    let err = serde_json::from_str::<models::StdpSynapse>(&json[1..json.find("]}").unwrap() + 2]).unwrap_err().to_string();
    assert!(err.contains("`hh_psc_alpha_neuron`, not of `stdp_synapse`"), "{err}");
}

#[test]
fn a_synapse_connection_continues_from_its_json_snapshot() {
    let p = models::StdpSynapseParams::default();
    assert!(p.check().is_ok());
    let post = SpikeHistory::from_times(&[4.0, 9.5, 15.0, 31.0]);
    let mut rng = NestmlRng::seed_from_u64(1);
    let mut send = |s: &mut models::StdpSynapse, t: f64| {
        let mut ev = nestml::SendContext { t_spike: t, delay: 1.0, post: &post, modulation: None, inputs: &[], rng: &mut rng };
        s.send(&p, &mut ev).unwrap().unwrap().to_bits()
    };
    let mut s = models::StdpSynapse::new(&p);
    s.set_weight(20.0);
    send(&mut s, 5.0);
    send(&mut s, 12.0);
    let mut copy: models::StdpSynapse = serde_json::from_str(&serde_json::to_string(&s).unwrap()).unwrap();
    for t in [20.0, 33.0, 40.0] {
        assert_eq!(send(&mut s, t), send(&mut copy, t));
    }
}
