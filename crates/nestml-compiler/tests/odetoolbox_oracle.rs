//! Our ODE analysis against ODE-toolbox 3.0 as PyNESTML 9.0.0 drives it, for every library
//! model (fixtures in `tests/fixtures/odetoolbox`, made by `tools/odetoolbox_reference.py`).
//!
//! - The partition into exactly propagated and numerically integrated state variables must be
//!   ODE-toolbox's.
//! - Every entry of `P` and `q` (dt = 0.1 ms, default parameters) must agree with ODE-toolbox's
//!   propagators evaluated at 50 digits to 1e-12 relative.
//! - At parameter values where ODE-toolbox's closed forms are singular or lose precision
//!   (`tau_syn == tau_m` and ratios 1 ± 1e-8, 1 ± 1e-4), we differ on purpose: there each entry
//!   must agree with a 50-digit `expm` of the system matrix to 1e-12 relative.
//!
//! Run with `--nocapture` for the per-model table.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use nestml_compiler::analysis::{analyse, AnalysisOptions, Plan};
use nestml_compiler::diagnostics::SourceMap;
use serde_json::Value;

const TOLERANCE: f64 = 1e-12;

/// Relative error, with an absolute floor for entries that are zero in the reference.
fn rel_err(ours: f64, reference: f64) -> f64 {
    if reference == 0.0 {
        ours.abs()
    } else {
        ((ours - reference) / reference).abs()
    }
}

/// A number stored as a 50-digit string (`hp`), `"nan"`, or a rational `"p/q"`.
fn number(v: &Value) -> f64 {
    let text = v.get("hp").unwrap_or(v).as_str().map(str::to_string).unwrap_or_else(|| v.to_string());
    match text.split_once('/') {
        Some((p, q)) => p.trim().parse::<f64>().unwrap() / q.trim().parse::<f64>().unwrap(),
        None => text.trim().parse().unwrap_or(f64::NAN),
    }
}

/// The plan of `model` at dt = 0.1 ms, with `overrides` of parameters (`__h` sets the step).
fn plan_for(source: &str, model: &str, mut overrides: BTreeMap<String, f64>) -> Plan {
    let dt = overrides.remove("__h").unwrap_or(0.1);
    let text = std::fs::read_to_string(common::model_library().join(source)).unwrap();
    let checked = nestml_compiler::check_source(&mut SourceMap::default(), source, &text);
    assert!(!checked.has_errors(), "{source} has errors");
    let ir = checked.lower_models().into_iter().find(|ir| ir.name == model).unwrap_or_else(|| panic!("{model} not in {source}"));
    analyse(&ir, &AnalysisOptions { dt, overrides, ..AnalysisOptions::default() })
}

/// Our state name as ODE-toolbox spells it: `x'` is `x__d`, `x$` is `x__DOLLAR`.
fn odetoolbox_name(name: &str) -> String {
    name.replace('\'', "__d").replace('$', "__DOLLAR")
}

/// Our propagator entry for ODE-toolbox's state names (`x__d`), or `None` if we have no such row.
struct Ours<'p> {
    index: BTreeMap<String, usize>,
    plan: &'p Plan,
}

impl<'p> Ours<'p> {
    fn new(plan: &'p Plan) -> Self {
        let index = plan.propagator.as_ref().map_or_else(BTreeMap::new, |p| p.states.iter().enumerate().map(|(i, s)| (odetoolbox_name(s), i)).collect());
        Ours { index, plan }
    }
    fn p(&self, i: &str, j: &str) -> Option<f64> {
        let p = self.plan.propagator.as_ref()?;
        Some(p.p[*self.index.get(i)?][*self.index.get(j)?])
    }
    fn q(&self, i: &str) -> Option<f64> {
        Some(self.plan.propagator.as_ref()?.q[*self.index.get(i)?])
    }
}

/// Compares the propagator of one analytic block (`states`) with the values in `values`
/// (`reference` and `odetoolbox` entries); returns the largest relative error, or a
/// description of the first entry out of tolerance.
fn compare_block(ours: &Ours, states: &[&str], values: &Value, against: &str) -> Result<f64, String> {
    let (block, reference) = (values, &values["reference"]);
    let odetoolbox = &block["odetoolbox"];
    let mut worst = 0.0f64;
    for (i, si) in states.iter().enumerate() {
        for (j, sj) in states.iter().enumerate() {
            let mut r = number(&reference["P"][i][j]);
            if against == "odetoolbox" {
                let o = number(&odetoolbox["P"][i][j]);
                if o.is_finite() {
                    r = o;
                }
            }
            let mine = ours.p(si, sj).ok_or_else(|| format!("no P[{si}, {sj}] in our propagator"))?;
            let e = rel_err(mine, r);
            if e.is_nan() || e > TOLERANCE {
                return Err(format!("P[{si}, {sj}] = {mine:e}, {against} {r:e} (rel. error {e:e})"));
            }
            worst = worst.max(e);
        }
        let mut r = number(&reference["q"][i]);
        if against == "odetoolbox" && number(&odetoolbox["q"][i]).is_finite() {
            r = number(&odetoolbox["q"][i]);
        }
        let mine = ours.q(si).ok_or_else(|| format!("no q[{si}]"))?;
        let e = rel_err(mine, r);
        if e.is_nan() || e > TOLERANCE {
            return Err(format!("q[{si}] = {mine:e}, {against} {r:e} (rel. error {e:e})"));
        }
        worst = worst.max(e);
    }
    Ok(worst)
}

#[test]
fn partition_and_propagators_match_odetoolbox() {
    let dir = common::workspace_root().join("tests/fixtures/odetoolbox");
    let mut files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).filter(|p| p.extension().is_some_and(|e| e == "json")).collect();
    files.sort();
    assert!(files.len() >= 20, "expected a fixture per library model, found {}", files.len());
    let mut failures = Vec::new();
    let mut rows = Vec::new();
    let (mut probes, mut singular, mut imprecise) = (0, 0, 0);
    for path in files {
        let d: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let model = d["model"].as_str().unwrap();
        let source = d["source"].as_str().unwrap();
        let Some(analysis) = d["analyses"].as_array().and_then(|a| a.get(d["main_analysis_index"].as_u64().unwrap_or(0) as usize)) else {
            rows.push(format!("{model:<40} (no ODEs: ODE-toolbox not called)"));
            let plan = plan_for(source, model, BTreeMap::new());
            if !plan.states.is_empty() {
                failures.push(format!("{model}: ODE-toolbox saw no ODEs, we have {:?}", plan.states.iter().map(|s| &s.name).collect::<Vec<_>>()));
            }
            continue;
        };
        let plan = plan_for(source, model, BTreeMap::new());
        let ours = Ours::new(&plan);
        let blocks = analysis["analytic_blocks"].as_array().cloned().unwrap_or_default();
        let theirs_analytic: BTreeSet<String> = blocks.iter().flat_map(|b| b["state_variables"].as_array().unwrap().iter().map(|s| s.as_str().unwrap().to_string())).collect();
        let theirs_numeric: BTreeSet<String> = analysis["numeric"]["state_variables"].as_array().map_or_else(BTreeSet::new, |a| a.iter().map(|s| s.as_str().unwrap().to_string()).collect());
        let ours_analytic: BTreeSet<String> = plan.analytic.iter().map(|s| odetoolbox_name(s)).collect();
        let ours_numeric: BTreeSet<String> = plan.numeric.iter().map(|s| odetoolbox_name(s)).collect();
        if ours_analytic != theirs_analytic || ours_numeric != theirs_numeric {
            failures.push(format!("{model}: partition differs: analytic ours {ours_analytic:?} theirs {theirs_analytic:?}; numeric ours {ours_numeric:?} theirs {theirs_numeric:?}"));
            continue;
        }
        let mut worst = 0.0f64;
        for block in &blocks {
            let states: Vec<&str> = block["state_variables"].as_array().unwrap().iter().map(|s| s.as_str().unwrap()).collect();
            match compare_block(&ours, &states, block, "odetoolbox") {
                Ok(e) => worst = worst.max(e),
                Err(e) => failures.push(format!("{model}: {e}")),
            }
            for probe in block["singularity_probes"].as_array().into_iter().flatten() {
                for point in probe["points"].as_array().into_iter().flatten() {
                    let name = point["override"]["name"].as_str().unwrap().to_string();
                    let value = number(&point["override"]["value"]);
                    let probe_plan = plan_for(source, model, BTreeMap::from([(name.clone(), value)]));
                    probes += 1;
                    if point["singular_in_odetoolbox"].as_bool() == Some(true) {
                        singular += 1;
                    } else if point["f64_precision_loss"].as_bool() == Some(true) {
                        imprecise += 1;
                    }
                    if let Err(e) = compare_block(&Ours::new(&probe_plan), &states, point, "reference") {
                        failures.push(format!("{model} with {name} = {value}: {e}"));
                    }
                }
            }
        }
        rows.push(format!("{model:<40} analytic {:>2}  numeric {:>2}  max rel. error {worst:.1e}", plan.analytic.len(), plan.numeric.len()));
    }
    eprintln!("{}", rows.join("\n"));
    eprintln!("{probes} probes at or near singular parameters: ODE-toolbox's propagators are NaN/inf at {singular}, lose precision in f64 at {imprecise}; ours agree with 50-digit expm at all");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
