use super::example::{ExampleStdp, ExampleStdpParams};
use super::*;
use std::vec::Vec;

/// NEST's `stdp_synapse` rule written out directly (pair-based, all-to-all): facilitation by
/// each postsynaptic spike in `(t_last − d, t − d]` with the presynaptic trace decayed from
/// `t_last`, depression with the postsynaptic trace strictly before `t − d`.
fn nest_rule(pre: &[f64], post: &[f64], d: f64, p: &ExampleStdpParams) -> Vec<f64> {
    let (mut w, mut kplus, mut t_last) = (1.0_f64, 0.0_f64, 0.0_f64);
    let k_minus = |t: f64| post.iter().filter(|&&s| t - s > STDP_EPS).map(|&s| ((s - t) / p.tau_tr_post).exp()).sum::<f64>();
    let mut out = Vec::new();
    for &t in pre {
        for &s in post.iter().filter(|&&s| s > t_last - d + STDP_EPS / 2.0 && s < t - d + STDP_EPS / 2.0) {
            let k = kplus * ((t_last - (s + d)) / p.tau_tr_pre).exp();
            w = (p.w_max * (w / p.w_max + p.lambda * (1.0 - w / p.w_max) * k)).min(p.w_max);
        }
        w = (p.w_max * (w / p.w_max - p.alpha * p.lambda * (w / p.w_max) * k_minus(t - d))).max(0.0);
        out.push(w);
        kplus = kplus * ((t_last - t) / p.tau_tr_pre).exp() + 1.0;
        t_last = t;
    }
    out
}

fn run(pre: &[f64], post: &[f64], d: f64, p: &ExampleStdpParams) -> Vec<f64> {
    let history = SpikeHistory::from_times(post);
    let mut rng = NestmlRng::seed_from_u64(1);
    let mut s = ExampleStdp::new(p);
    pre.iter()
        .map(|&t| {
            let mut ev = SendContext { t_spike: t, delay: d, post: &history, modulation: None, inputs: &[], rng: &mut rng };
            s.send(p, &mut ev).unwrap().unwrap()
        })
        .collect()
}

fn assert_close(got: &[f64], want: &[f64]) {
    assert_eq!(got.len(), want.len());
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!((g - w).abs() <= 1e-13 * w.abs().max(1.0), "spike {i}: {g} vs {w}");
    }
}

#[test]
fn event_loop_reproduces_nests_stdp_rule() {
    let p = ExampleStdpParams { lambda: 0.05, alpha: 1.3, tau_tr_pre: 15.0, tau_tr_post: 25.0, w_max: 100.0 };
    // pre/post at every relative timing, on a 0.1 ms grid, including post exactly d before
    // and after pre and spikes in the same step
    let pre: Vec<f64> = (1..60).map(|i| (i as f64 * 7.3 * 10.0).round() / 10.0).collect();
    let post: Vec<f64> = (1..80).map(|i| (i as f64 * 5.1 * 10.0).round() / 10.0).chain([14.6 + 1.0, 29.2 - 1.0, 43.8]).collect();
    let mut post_sorted = post.clone();
    post_sorted.sort_by(f64::total_cmp);
    for d in [1.0, 5.0] {
        assert_close(&run(&pre, &post_sorted, d, &p), &nest_rule(&pre, &post_sorted, d, &p));
    }
}

#[test]
fn a_post_spike_one_delay_before_pre_facilitates_but_does_not_depress() {
    let p = ExampleStdpParams::default();
    let d = 1.0;
    // the post spike at 9.0 reaches the synapse at 10.0, with the presynaptic spike
    let got = run(&[5.0, 10.0], &[9.0], d, &p);
    let facilitated = p.w_max * (1.0 / p.w_max + p.lambda * (1.0 - 1.0 / p.w_max) * (-5.0 / p.tau_tr_pre).exp());
    // depression at 10.0 sees no postsynaptic trace: the spike at 9.0 = t − d is not before t − d
    assert_close(&got, &[1.0, facilitated]);
}

#[test]
fn update_to_brings_traces_forward_without_a_presynaptic_spike() {
    let p = ExampleStdpParams::default();
    let post = SpikeHistory::from_times(&[12.0]);
    let mut rng = NestmlRng::seed_from_u64(1);
    let mut s = ExampleStdp::new(&p);
    let mut ev = SendContext { t_spike: 10.0, delay: 1.0, post: &post, modulation: None, inputs: &[], rng: &mut rng };
    s.send(&p, &mut ev).unwrap();
    let mut later = s;
    later.update_to(&p, &mut ev, 20.0).unwrap();
    assert!((later.pre_trace - (-10.0 / p.tau_tr_pre).exp()).abs() < 1e-15);
    assert!((later.post_trace - (-7.0 / p.tau_tr_post).exp()).abs() < 1e-15);
    assert!(later.w > s.w);
    // going back in time changes nothing
    let mut same = later;
    same.update_to(&p, &mut ev, 15.0).unwrap();
    assert_eq!(same, later);
}

#[test]
fn with_params_carries_its_own_parameters() {
    let mut own = ExampleStdpParams::default();
    own.set("lambda", 0.5).unwrap();
    assert!(own.set("Wmax", -1.0).is_err());
    assert_eq!(own.get("Wmax"), Some(100.0));
    let post = SpikeHistory::from_times(&[4.0]);
    let mut rng = NestmlRng::seed_from_u64(1);
    let mut hetero = WithParams::<ExampleStdp>::new(own);
    let mut shared = ExampleStdp::new(&ExampleStdpParams::default());
    for t in [1.0, 10.0] {
        let mut ev = SendContext { t_spike: t, delay: 1.0, post: &post, modulation: None, inputs: &[], rng: &mut rng };
        hetero.send(&(), &mut ev).unwrap();
        shared.send(&ExampleStdpParams::default(), &mut ev).unwrap();
    }
    assert!(hetero.weight() > shared.weight());
    assert_eq!(WithParams::<ExampleStdp>::NAME, "example_stdp_synapse");
}

#[test]
fn non_finite_state_is_a_fault_naming_the_variable_and_time() {
    let p = ExampleStdpParams { tau_tr_pre: 0.0, ..Default::default() };
    let post = SpikeHistory::new();
    let mut rng = NestmlRng::seed_from_u64(1);
    let mut s = ExampleStdp::new(&p);
    s.pre_trace = f64::INFINITY;
    let mut ev = SendContext { t_spike: 3.0, delay: 1.0, post: &post, modulation: None, inputs: &[], rng: &mut rng };
    let err = s.send(&p, &mut ev).unwrap_err();
    assert_eq!(err.t, 3.0);
    assert!(err.to_string().contains("example_stdp_synapse"), "{err}");
}

#[cfg(feature = "std")]
#[test]
fn plasticity_driver_rejects_invalid_times() {
    use crate::plasticity::PlasticityDriver;
    use crate::time::Resolution;
    let mut d = PlasticityDriver::<ExampleStdp>::new(Resolution::from_ms(0.1).unwrap(), 1);
    d.pre_spikes(&[1.0, f64::NAN]).connect(1.0, 0);
    assert!(d.run_with_post_train(&[2.0], 10.0).unwrap_err().to_string().contains("NaN"));
    let mut d = PlasticityDriver::<ExampleStdp>::new(Resolution::from_ms(0.1).unwrap(), 1);
    d.pre_spikes(&[1.0]).connect(1.0, 0);
    assert!(d.run_with_post_train(&[-2.0], 10.0).is_err());
    assert!(d.run_with_post_train(&[2.0], f64::INFINITY).is_err());
    assert_eq!(d.run_with_post_train(&[2.0], 10.0).unwrap().events.len(), 1);
    d.connect(0.0, 0);
    assert!(d.run_with_post_train(&[2.0], 10.0).unwrap_err().to_string().contains("delay"));
}
