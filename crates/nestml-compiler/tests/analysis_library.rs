//! Every library model can be analysed completely, and the analysis makes the expected
//! decisions on models whose dynamics are known.

mod common;

use nestml_compiler::analysis::{AnalysisOptions, Plan};
use nestml_compiler::diagnostics::SourceMap;

fn plans(file: &str) -> Vec<Plan> {
    let path = common::model_library().join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    let checked = nestml_compiler::check_source(&mut SourceMap::default(), file, &text);
    assert!(!checked.has_errors());
    nestml_compiler::analyse_unit(&checked, &AnalysisOptions::default())
}

#[test]
fn every_library_model_is_analysed_without_problems() {
    let mut failures = Vec::new();
    for path in common::nestml_files(&common::model_library()) {
        let rel = path.strip_prefix(common::model_library()).unwrap().to_string_lossy().into_owned();
        for plan in plans(&rel) {
            if !plan.problems.is_empty() {
                failures.push(format!("{}: {:?}", plan.model, plan.problems));
            }
            if plan.analytic.len() + plan.numeric.len() != plan.states.len() {
                failures.push(format!("{}: states not partitioned", plan.model));
            }
            if let Some(p) = &plan.propagator {
                if p.p.iter().flatten().chain(&p.q).any(|v| !v.is_finite()) {
                    failures.push(format!("{}: non-finite propagator", plan.model));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn iaf_psc_exp_is_propagated_exactly() {
    let plan = &plans("neurons/iaf_psc_exp_neuron.nestml")[0];
    assert_eq!(plan.analytic, ["I_syn_exc", "I_syn_inh", "V_m", "refr_t"]);
    assert!(plan.numeric.is_empty() && plan.solver.is_none());
    let p = plan.propagator.as_ref().unwrap();
    // P for V_m: exp(-h/tau_m) with tau_m = 10 ms, h = 0.1 ms
    let v = p.states.iter().position(|s| s == "V_m").unwrap();
    assert!((p.p[v][v] - (-0.01f64).exp()).abs() < 1e-15);
    // the exc. current's effect on V_m (tau_syn = 2 ms, C_m = 250 pF), the textbook closed form
    let (tm, ts, c, h) = (10.0f64, 2.0f64, 250.0f64, 0.1f64);
    let p21 = ts * tm / (c * (tm - ts)) * ((-h / tm).exp() - (-h / ts).exp());
    assert!((p.p[v][0] - p21).abs() < 1e-15 * p21.abs().max(1.0), "{} vs {p21}", p.p[v][0]);
    // the refractory timer counts down by h
    let r = p.states.iter().position(|s| s == "refr_t").unwrap();
    assert_eq!(p.q[r], -h);
}

#[test]
fn alpha_kernels_become_second_order_convolutions_with_jumps() {
    let plan = &plans("neurons/iaf_psc_alpha_neuron.nestml")[0];
    let names: Vec<&str> = plan.states.iter().map(|s| s.name.as_str()).collect();
    assert!(names.contains(&"I_kernel_exc__X__exc_spikes") && names.contains(&"I_kernel_exc__X__exc_spikes'"), "{names:?}");
    let jumps: Vec<(&str, &str)> = plan.spike_jumps.iter().map(|j| (j.port.as_str(), j.state.as_str())).collect();
    assert!(jumps.contains(&("exc_spikes", "I_kernel_exc__X__exc_spikes'")), "{jumps:?}");
    assert!(plan.numeric.is_empty());
}

#[test]
fn hodgkin_huxley_goes_to_a_numeric_solver_with_reasons() {
    let plan = &plans("neurons/hh_psc_alpha_neuron.nestml")[0];
    for s in ["V_m", "Act_m", "Inact_h", "Act_n"] {
        assert!(plan.numeric.iter().any(|n| n == s), "{s} not numeric: {:?}", plan.numeric);
        assert!(plan.numeric_reasons.contains_key(s));
    }
    assert_eq!(plan.solver.as_ref().unwrap().solver, "rk45");
    // the alpha kernels and the refractory timer stay exact
    assert!(plan.analytic.iter().any(|n| n == "refr_t"));
}

#[test]
fn delta_kernels_jump_the_membrane_potential() {
    let plan = &plans("neurons/iaf_psc_delta_neuron.nestml")[0];
    assert!(plan.spike_jumps.iter().any(|j| j.state == "V_m"), "{:?}", plan.spike_jumps);
    assert!(plan.states.iter().all(|s| !s.name.contains("__X__")));
}

/// A delayed value is analysed as its state, as PyNESTML gives it to ODE-toolbox: both ODEs of
/// the delay model are exact, and `P[v][u] = 1 - exp(-h/tau)` is what multiplies `u(t - lag)`.
#[test]
fn delayed_values_are_analysed_as_their_state() {
    let text = std::fs::read_to_string(common::workspace_root().join("tests/fixtures/pynestml_dde/delayed_decay_neuron.nestml")).unwrap();
    let checked = nestml_compiler::check_source(&mut SourceMap::default(), "d.nestml", &text);
    let plan = &nestml_compiler::analyse_unit(&checked, &AnalysisOptions::default())[0];
    assert!(plan.problems.is_empty(), "{:?}", plan.problems);
    assert_eq!(plan.analytic, ["u", "v"]);
    assert_eq!(plan.states[1].ode, "u(t - lag)/tau");
    let p = plan.propagator.as_ref().unwrap();
    assert!((p.p[1][0] - (1.0 - (-0.1f64 / 2.0).exp())).abs() < 1e-15, "{:?}", p.p);
}
