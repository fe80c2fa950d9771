//! Four NESTML tutorials re-run with the generated Rust models (the experiment code of the
//! examples, `examples/tutorials/`), checked against the NEST 3.10 + PyNESTML 9.0.0 numbers in
//! ../shared/tutorial-reference (`<tutorial>.json`, specified in `<tutorial>.md`).
//!
//! Deterministic protocols are compared tightly (the spec's tolerance, about 1e-9 or better);
//! the one random protocol (dopamine, Poisson input) is compared statistically, because our
//! random numbers are not NEST's: the mean over the same number of seeds must lie within the
//! spec's band around NEST's mean, and the exact properties any RNG must show are checked
//! exactly. Where the reference number is a documented artifact of PyNESTML 9.0.0's generated
//! code, the test says so and checks the corrected number the spec gives.

use serde_json::Value;

#[path = "../examples/tutorials/common.rs"]
mod common;
#[path = "../examples/tutorials/stdp_dopamine.rs"]
mod stdp_dopamine;
#[path = "../examples/tutorials/stdp_third_factor.rs"]
mod stdp_third_factor;
#[path = "../examples/tutorials/stdp_windows.rs"]
mod stdp_windows;
#[path = "../examples/tutorials/triplet_stdp.rs"]
mod triplet_stdp;

fn reference(tutorial: &str) -> Value {
    let path = format!(
        "{}/../../../shared/tutorial-reference/{tutorial}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}")))
        .unwrap()
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap_or_else(|| panic!("not an array: {v}"))
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

fn float(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

/// Asserts `|got − want| <= tol` elementwise; returns the largest deviation.
fn assert_close(what: &str, got: &[f64], want: &[f64], tol: f64) -> f64 {
    assert_eq!(
        got.len(),
        want.len(),
        "{what}: {} values, reference {}",
        got.len(),
        want.len()
    );
    let mut worst = 0.0_f64;
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        let dev = (g - w).abs();
        assert!(
            dev <= tol,
            "{what}[{i}]: {g}, reference {w} (|Δ| = {dev:.3e} > {tol:.0e})"
        );
        worst = worst.max(dev);
    }
    worst
}

/// stdp_windows: every `dw` of the four rules, and their summaries. Deterministic: the
/// reference values are exponentials of multiples of 1/20 or 1/10 printed to 10 significant
/// digits, and `(w − 1) / lambda` with `lambda = 1e-6` loses about 1e-10 to rounding (in NEST
/// as here), so 1e-9 absolute; dt of the extremes and the sign counts exactly.
#[test]
fn stdp_windows_matches_nest() {
    let r = reference("stdp_windows");
    for rule in stdp_windows::Rule::ALL {
        let key = rule.key();
        let want = &r["variants"][&key];
        assert!(want.is_object(), "no variant {key} in the reference");
        let window = stdp_windows::window(rule).unwrap();
        assert_eq!(window.dt_ms, floats(&want["dt_ms"]), "{key}: dt grid");
        let worst = assert_close(&format!("{key} dw"), &window.dw, &floats(&want["dw"]), 1e-9);
        let (s, ws) = (window.summary(), &want["summary"]);
        assert_close(
            &format!("{key} extremes"),
            &[s.dw_max, s.dw_min],
            &[float(&ws["dw_max"]), float(&ws["dw_min"])],
            1e-9,
        );
        assert_eq!(
            (s.dt_at_dw_max, s.dt_at_dw_min),
            (float(&ws["dt_at_dw_max"]), float(&ws["dt_at_dw_min"])),
            "{key}"
        );
        assert_eq!(
            (s.n_dw_positive as u64, s.n_dw_negative as u64),
            (
                ws["n_dw_positive"].as_u64().unwrap(),
                ws["n_dw_negative"].as_u64().unwrap()
            ),
            "{key}"
        );
        eprintln!("stdp_windows {key}: 150 points, max |Δdw| {worst:.2e}");
    }
}

/// The parameter sets of the triplet experiment code are the reference's.
#[test]
fn triplet_parameters_are_the_reference_ones() {
    use triplet_stdp::{pairing_parameters, triplet_parameters, Variant};
    let r = reference("triplet_stdp_synapse");
    for v in Variant::ALL {
        for (set, p) in [
            ("pairing", pairing_parameters(v)),
            ("triplet", triplet_parameters(v, false)),
        ] {
            for (name, value) in p.named() {
                assert_eq!(
                    value,
                    float(&r["parameters"][set][v.key()][name]),
                    "{set} {} {name}",
                    v.key()
                );
            }
        }
    }
    let notebook = triplet_parameters(Variant::AllToAll, true);
    let side = &r["parameters"]["triplet_all_to_all_neuron_side_as_run_by_notebook"];
    assert_eq!(
        (notebook.tau_minus, notebook.tau_y),
        (float(&side["tau_minus"]), float(&side["tau_y"]))
    );
}

/// triplet_stdp_synapse, experiment A: dw against pairing frequency, both signs of dt, both
/// rules. Deterministic closed forms: NEST's numbers (12 significant digits) to 1e-12.
#[test]
fn triplet_pairing_matches_nest() {
    use triplet_stdp::{
        pairing, pairing_parameters, pairing_protocol, run, Variant, PAIRING_DT_MS,
        PAIRING_FREQUENCIES_HZ,
    };
    let r = reference("triplet_stdp_synapse");
    assert_eq!(floats(&r["pairing"]["freqs_hz"]), PAIRING_FREQUENCIES_HZ);
    for v in Variant::ALL {
        let dw = pairing(v).unwrap();
        for (i, dt) in PAIRING_DT_MS.iter().enumerate() {
            let key = format!("dt={dt:+}ms");
            let want = floats(&r["pairing"]["dw"][v.key()][&key]);
            let worst = assert_close(&format!("pairing {} {key}", v.key()), &dw[i], &want, 1e-12);
            eprintln!("triplet pairing {} {key}: max |Δdw| {worst:.2e}", v.key());
        }
        // the tutorial's own check: no potentiation at 1 Hz with dt = +10 ms
        assert!(dw[0][0].abs() < 1e-3, "{}", dw[0][0]);
    }
    // each generator spike makes its neuron fire once, 1 ms later
    let protocol = pairing_protocol(20.0, -10.0);
    let run = run(
        Variant::AllToAll,
        &pairing_parameters(Variant::AllToAll),
        &protocol,
    )
    .unwrap();
    let later = |g: &[f64]| g.iter().map(|t| t + 1.0).collect::<Vec<_>>();
    assert_eq!(run.pre_spikes_ms, later(&protocol.pre_generator_ms));
    assert_eq!(run.post_spikes_ms, later(&protocol.post_generator_ms));
}

/// triplet_stdp_synapse, experiment B: the triplet protocols, both rules, with the notebook's
/// parameters and (all-to-all) with tau_y = 27 ms as intended.
///
/// pre-post-pre equals NEST to 1e-12. post-pre-post does not, by design: NEST's numbers carry
/// an artifact of PyNESTML 9.0.0's generated neuron, which drops the spike-history entry
/// before the second postsynaptic spike of each triplet while that spike is still to be
/// applied, so its `tr_o2` reads 0 and the A3_plus term never counts (which is also why tau_y
/// changes nothing in NEST). Our generated synapse keeps its postsynaptic traces itself and
/// reads them just before each spike's own increment, so it computes the rule as written:
/// the spec's `rule_variants_pure_python.no_history_pruning` numbers, which equal NEST
/// wherever the artifact does not apply (pairing and pre-post-pre, checked here too). Those
/// are the numbers post-pre-post is checked against (1e-12); NEST's are kept as the
/// documented difference, which must stay large (the A3_plus term is not negligible).
#[test]
fn triplet_protocols_match_nest_or_the_unpruned_rule() {
    use triplet_stdp::{triplets, Triplet, Variant};
    let r = reference("triplet_stdp_synapse");
    let unpruned = &r["rule_variants_pure_python"]["no_history_pruning"]["triplet"];
    for t in Triplet::ALL {
        let want_protocols: Vec<Vec<f64>> = r["triplet"][t.key()]["delays_ms"]
            .as_array()
            .unwrap()
            .iter()
            .map(floats)
            .collect();
        let delays: Vec<Vec<f64>> = t.delays().iter().map(|&(a, b)| vec![a, b]).collect();
        assert_eq!(delays, want_protocols, "{}", t.key());
        for (i, ab) in t.delays().into_iter().enumerate() {
            let p = t.protocol(ab);
            let want = &r["triplet"][t.key()]["spike_times_ms"][i];
            assert_eq!(
                p.pre_generator_ms,
                floats(&want["pre_generator"]),
                "{} {ab:?}",
                t.key()
            );
            assert_eq!(
                p.post_generator_ms,
                floats(&want["post_generator"]),
                "{} {ab:?}",
                t.key()
            );
        }
        for (v, notebook, key) in [
            (Variant::AllToAll, true, "all_to_all"),
            (Variant::Nearest, true, "nearest_spike"),
            (Variant::AllToAll, false, "all_to_all_tau_y_27_as_intended"),
        ] {
            let dw = triplets(t, v, notebook).unwrap();
            let nest = floats(&r["triplet"][t.key()]["dw"][key]);
            let ours = floats(&unpruned[t.key()][key]);
            let worst = assert_close(
                &format!("{} {key} (rule as written)", t.key()),
                &dw,
                &ours,
                1e-12,
            );
            match t {
                Triplet::PrePostPre => {
                    let worst_nest =
                        assert_close(&format!("{} {key} (NEST)", t.key()), &dw, &nest, 1e-12);
                    eprintln!(
                        "triplet {} {key}: max |Δdw| vs NEST {worst_nest:.2e}",
                        t.key()
                    );
                }
                Triplet::PostPrePost => {
                    let gap = dw
                        .iter()
                        .zip(&nest)
                        .map(|(a, b)| (a - b).abs())
                        .fold(f64::INFINITY, f64::min);
                    assert!(
                        gap > 1e-3,
                        "{} {key}: the NEST history artifact should show (min |Δ| {gap:.2e})",
                        t.key()
                    );
                    eprintln!("triplet {} {key}: max |Δdw| vs no_history_pruning {worst:.2e}; vs NEST (artifact) min |Δ| {gap:.2e}", t.key());
                }
            }
        }
    }
}

/// stdp_dopa_synapse, experiment 1: the final weight against the dopamine spike time, for
/// A_vt = ±1. Deterministic and exact (NEST agrees with the closed form to < 1e-12; its
/// numbers are printed to 12 significant digits): 1e-11 against NEST, 1e-12 against the
/// closed form. NEST's numbers come from generated code patched for the uninitialised
/// `vt_spikes_idx_` of PyNESTML 9.0.0 (unpatched NEST gives 2.046, 0, …, heap-dependent); the
/// Rust synapse reads neuromodulatory spikes by time and has no such index, so it matches the
/// patched numbers, which are the model's semantics.
#[test]
fn dopamine_timing_matches_nest() {
    let r = reference("stdp_dopa_synapse");
    let times = stdp_dopamine::vt_generator_times_ms();
    assert_eq!(
        times,
        floats(&r["vt_timing"]["vt_spike_generator_times_ms"])
    );
    for a_vt in [1.0, -1.0] {
        let (t, w) = stdp_dopamine::vt_timing(a_vt).unwrap();
        let closed: Vec<f64> = t
            .iter()
            .map(|&t| stdp_dopamine::closed_form(a_vt, t))
            .collect();
        assert_close(&format!("A_vt={a_vt:+} closed form"), &w, &closed, 1e-12);
        let worst = assert_close(
            &format!("A_vt={a_vt:+}"),
            &w,
            &floats(&r["vt_timing"]["w_final"][&format!("A_vt={a_vt:+}")]),
            1e-11,
        );
        eprintln!("dopamine timing A_vt={a_vt:+}: max |Δw| vs NEST {worst:.2e}");
    }
}

/// stdp_dopa_synapse, experiment 2: ten neurons with Poisson input, rewarded then punished.
///
/// Random: our Poisson trains are not NEST's, so the summary (mean over the 10 synapses or
/// neurons, then over the reference's 5 seeds, ours 1000-1004 of our own generator) is
/// compared statistically, as the spec suggests: the difference of two 5-seed means has an SD
/// of about 0.63 × the seed-to-seed SD, so it must be within 2 × that SD (about 3 sigma).
/// What holds for any generator is checked exactly: the weight stays 5.6 until the first
/// dopamine spike (b = 0) and hardly changes between 5010 and 7980 ms (no dopamine: only the
/// remaining n ≈ 0.2 e^{−1008/50} ≈ 4e-10 acts, which moves w by at most |c| n tau_n ≈ 2e-8
/// |c|; the spec's "< 1e-9 relative" is NEST's 5-seed mean, single synapses of ours move by
/// up to ~2e-9, so 1e-7 here); rewards raise and punishments lower the weights.
#[test]
fn dopamine_reward_and_punishment_match_nest_statistically() {
    use stdp_dopamine::{mean_sd, ten_neurons, RATE_WINDOWS_MS, SEEDS, WEIGHT_TIMES_MS};
    let r = reference("stdp_dopa_synapse");
    let want = &r["ten_neurons"]["across_seeds"];
    assert_eq!(floats(&r["ten_neurons"]["seeds"]), SEEDS.map(|s| s as f64));
    let runs: Vec<_> = SEEDS.iter().map(|&s| ten_neurons(s).unwrap()).collect();
    let mut worst_rel = 0.0_f64;
    for run in &runs {
        let (w0, w1) = (run.w_mean(5010.0), run.w_mean(7980.0));
        let i = |t: f64| run.t_ms.iter().position(|&x| x == t).unwrap();
        let before_dopamine = run.t_ms.iter().filter(|&&t| t <= 2002.0).count();
        assert_eq!(before_dopamine, i(1980.0) + 1);
        for w in &run.w {
            assert!(
                w[..before_dopamine].iter().all(|&x| x == 5.6),
                "seed {}: weight moved before the first dopamine spike",
                run.seed
            );
            let rel = ((w[i(7980.0)] - w[i(5010.0)]) / w[i(5010.0)]).abs();
            worst_rel = worst_rel.max(rel);
            assert!(
                rel < 1e-7,
                "seed {}: weight moved without dopamine: {} -> {}",
                run.seed,
                w[i(5010.0)],
                w[i(7980.0)]
            );
        }
        assert!(
            w0 > 5.6 && run.w_mean(12_000.0) < w1,
            "seed {}: {w0} {w1}",
            run.seed
        );
        assert!(
            (run.input_rate_hz() - 50.0).abs() < 1.0,
            "seed {}: input rate {}",
            run.seed,
            run.input_rate_hz()
        );
    }
    let mut report = Vec::new();
    let mut check = |what: String, ours: Vec<f64>, want: &Value| {
        let (m, sd) = mean_sd(&ours);
        let (wm, wsd) = (float(&want["mean"]), float(&want["sd_across_seeds"]));
        let dev = if wsd > 0.0 {
            format!("{:.2} SD", (m - wm).abs() / wsd)
        } else {
            format!("{:.1e}", (m - wm).abs())
        };
        report.push(format!(
            "{what}: ours {m:.3} ± {sd:.3}, NEST {wm:.3} ± {wsd:.3}, |Δ| = {dev}"
        ));
        if wsd == 0.0 {
            assert!((m - wm).abs() < 1e-12, "{what}: {m}, NEST {wm}");
        } else {
            assert!(
                (m - wm).abs() <= 2.0 * wsd,
                "{what}: our mean {m} (SD {sd}), NEST {wm} (SD {wsd}): more than 2 SD apart"
            );
        }
    };
    for t in WEIGHT_TIMES_MS {
        check(
            format!("w_mean t={t}"),
            runs.iter().map(|r| r.w_mean(t)).collect(),
            &want["w_mean"][&format!("t={t}")],
        );
    }
    for (from, to) in RATE_WINDOWS_MS {
        let key = format!("{}-{}s", from / 1000.0, to / 1000.0);
        check(
            format!("rate {key}"),
            runs.iter().map(|r| r.rate_hz((from, to))).collect(),
            &want["rate_hz_mean_over_neurons"][&key],
        );
    }
    for line in report {
        eprintln!("dopamine ten neurons {line}");
    }
    eprintln!(
        "dopamine ten neurons: largest relative weight change 5010 -> 7980 ms {worst_rel:.1e}"
    );
}

/// Checks a third-factor case definition against the reference's and returns its expected
/// outcome.
fn third_factor_case_matches(case: &stdp_third_factor::Case, want: &Value) {
    let key = case.key;
    assert_eq!(
        case.pre_generator_ms,
        floats(&want["pre_generator_ms"]),
        "{key}"
    );
    assert_eq!(
        case.post_generator_ms,
        floats(&want["post_generator_ms"]),
        "{key}"
    );
    assert_eq!(case.resolution_ms, float(&want["resolution_ms"]), "{key}");
    assert_eq!(case.delay_ms, float(&want["delay_ms"]), "{key}");
    let stepwise: Vec<(f64, Option<f64>)> = floats(&want["stepwise_times_ms"])
        .into_iter()
        .zip(
            want["stepwise_I_dAP_pA"]
                .as_array()
                .unwrap()
                .iter()
                .map(Value::as_f64),
        )
        .collect();
    assert_eq!(case.stepwise, stepwise, "{key}");
}

/// stdp_third_factor_active_dendrite: the gated weight changes of the eight deterministic
/// cases with the default `continuous_time_buffer` (the gate read where the postsynaptic spike
/// reaches the synapse), and cases 3, 5, 6 with `post_spike_based` (read at the somatic
/// spike). Deterministic: w after each presynaptic spike to 1e-13 (NEST agrees with the
/// reference model to ~1e-15). With `post_spike_based`, NEST's numbers for cases 5 and 6
/// differ from the tutorial's reference model (the tutorial expects exactly these two to
/// fail, since the dendritic delay is ignored); we check NEST's numbers there, and that they
/// indeed differ from the reference model's.
#[test]
fn third_factor_cases_match_nest() {
    use common::PostValues;
    use stdp_third_factor::{cases, run};
    let r = reference("stdp_third_factor_active_dendrite");
    let all = cases();
    for (method, buffering) in [
        ("continuous_time_buffer", PostValues::AtArrival),
        ("post_spike_based", PostValues::AtSpike),
    ] {
        let want_cases = r["cases"][method].as_object().unwrap();
        for (key, want) in want_cases {
            let case = all
                .iter()
                .find(|c| c.key == key)
                .unwrap_or_else(|| panic!("no case {key}"));
            third_factor_case_matches(case, want);
            let out = run(case, buffering).unwrap();
            assert_eq!(
                out.pre_spikes_ms,
                floats(&want["pre_spikes_ms"]),
                "{method} {key}"
            );
            assert_eq!(
                out.post_spikes_ms,
                floats(&want["post_spikes_ms"]),
                "{method} {key}"
            );
            let nest = floats(&want["w_after_each_pre_spike"]);
            let worst = assert_close(
                &format!("{method} {key}"),
                &out.w_after_each_pre_spike,
                &nest,
                1e-13,
            );
            assert_close(
                &format!("{method} {key} final"),
                &[out.w_final()],
                &[float(&want["w_final"])],
                1e-13,
            );
            let model = floats(&want["reference_w_after_each_pre_spike"]);
            let matches_model = out
                .w_after_each_pre_spike
                .iter()
                .zip(&model)
                .all(|(a, b)| (a - b).abs() < 1e-13);
            assert_eq!(
                matches_model,
                want["nest_matches_reference"].as_bool().unwrap(),
                "{method} {key}: agreement with the tutorial's reference model"
            );
            eprintln!(
                "third factor {method} {key}: max |Δw| {worst:.1e}{}",
                if matches_model {
                    ""
                } else {
                    " (differs from the tutorial's reference model, as NEST does)"
                }
            );
        }
    }
    assert_eq!(
        r["cases"]["continuous_time_buffer"]
            .as_object()
            .unwrap()
            .len(),
        all.len()
    );
}

/// stdp_third_factor_active_dendrite, the non-forced case: the third factor forced to 1 pA
/// from 100 to 120 ms and then decaying with the neuron's own dynamics; ~800 random pre and
/// post spikes (the tutorial's times, from the JSON). Deterministic: spike counts exactly,
/// the weight every 25 ms and at the end to 1e-13.
///
/// This case decides a detail the forced cases leave open (there the value is constant over
/// a step and no event falls on a switching time): while `I_dAP` is written from outside
/// before each step and decays within it, NEST's `continuous_time_buffer` gives a
/// postsynaptic event at `s + d` the value at the end of the step ending there (before that
/// moment's write), but a presynaptic spike the value after the write. Taking the value after
/// the write for postsynaptic events too (the gate 0.01 instead of 0.01·e^{−0.5/100} during
/// the forcing) puts every weight from 125.5 ms on 6.8e-8 above NEST's; see
/// `common::PostValues::AtArrival`.
#[test]
fn third_factor_non_forced_dynamics_matches_nest() {
    use stdp_third_factor::{non_forced_case, run};
    let r = reference("stdp_third_factor_active_dendrite");
    let want = &r["non_forced_dynamics"];
    let case = non_forced_case(
        floats(&want["pre_generator_ms"]),
        floats(&want["post_generator_ms"]),
    );
    third_factor_case_matches(&case, want);
    let out = run(&case, common::PostValues::AtArrival).unwrap();
    assert_eq!(
        out.pre_spikes_ms.len() as u64,
        want["n_pre_spikes"].as_u64().unwrap()
    );
    assert_eq!(
        out.post_spikes_ms.len() as u64,
        want["n_post_spikes"].as_u64().unwrap()
    );
    let t_want = floats(&want["t_ms_every_25ms"]);
    let w: Vec<f64> = t_want
        .iter()
        .map(|&t| {
            out.w[out
                .t_ms
                .iter()
                .position(|&x| x == t)
                .unwrap_or_else(|| panic!("no step ends at {t}"))]
        })
        .collect();
    let worst = assert_close(
        "non-forced w every 25 ms",
        &w,
        &floats(&want["w_every_25ms"]),
        1e-13,
    );
    assert_close(
        "non-forced final w",
        &[out.w_final()],
        &[float(&want["w_final"])],
        1e-13,
    );
    eprintln!(
        "third factor non-forced: {} pre, {} post spikes, final w {}, max |Δw| {worst:.1e}",
        out.pre_spikes_ms.len(),
        out.post_spikes_ms.len(),
        out.w_final()
    );
}
