//! Old neuron models after `nestml migrate` against today's library models of the same name:
//! the same model (token for token, so the same generated code and the same simulation), or
//! the same dynamics (states, ODEs, exact propagator at the default parameters and `dt`,
//! numeric solver, spike jumps), or a different formulation, which is listed.
//!
//! This compares the analysis plans, not simulations: the old models are GPL text outside the
//! repository (tools/old_nestml_corpus.py), and compiling each through `include_nestml!` at
//! test time is too heavy. A model with the same tokens as a library model generates the same
//! code; one with the same plan integrates the same equations with the same propagator.

mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;

use nestml_compiler::analysis::{build_system, default_environment, AnalysisOptions, ModelSystem, Plan, WEIGHT};
use nestml_compiler::diagnostics::{FileId, SourceMap};
use nestml_compiler::syntax::lexer;
use nestml_compiler::syntax::token::TokenKind;
use nestml_compiler::syntax::Dialect;
use nestml_compiler::{analyse_unit, check_source, migrate_source_with};

fn corpus() -> Option<PathBuf> {
    let dir = match std::env::var_os("NESTML_OLD_MODELS") {
        Some(d) => PathBuf::from(d),
        None => std::env::var_os("NESTML_CACHE_DIR").map(PathBuf::from).or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/nestml")))?.join("old-models"),
    };
    let complete = std::fs::read_dir(&dir).ok()?.filter_map(Result::ok).any(|e| e.path().join(".complete").is_file());
    complete.then_some(dir)
}

/// The tokens of a text (kind and text; layout tokens kept), comments and spacing ignored.
fn tokens(text: &str) -> Vec<(TokenKind, String)> {
    lexer::lex(text, FileId(0)).tokens.iter().map(|t| (t.kind, text[t.span.start as usize..t.span.end as usize].to_string())).collect()
}

/// A model's plan, its ODE system and the default values of its variables (NEST units).
struct Analysed {
    plan: Plan,
    system: ModelSystem,
    defaults: BTreeMap<String, f64>,
}

fn analysed(name: &str, text: &str) -> Option<Analysed> {
    let checked = check_source(&mut SourceMap::default(), name, text);
    if checked.has_errors() {
        return None;
    }
    let ir = checked.lower_models().into_iter().next()?;
    let options = AnalysisOptions::default();
    let plan = analyse_unit(&checked, &options).into_iter().next()?;
    Some(Analysed { system: build_system(&ir), defaults: default_environment(&ir, options.dt, &options.overrides), plan })
}

/// A sample value for a state or input `name` in sample `k`, the same in both models.
fn sample(name: &str, k: u64, default: Option<f64>) -> f64 {
    let h = name.bytes().fold(1469598103934665603u64 ^ k, |h, b| (h ^ u64::from(b)).wrapping_mul(1099511628211));
    let jitter = (h % 1000) as f64 / 1000.0;
    // a small positive change, so that logarithms and roots of positive states stay defined
    default.unwrap_or(0.0) * (1.0 + 0.1 * jitter) + 0.1 * jitter
}

/// The right-hand sides of the states both systems have, evaluated at four sample points
/// (states and inputs from [`sample`], parameters and internals at their defaults); the
/// states whose values differ by more than 1e-9 relative.
fn rhs_differences(old: &Analysed, new: &Analysed) -> Vec<String> {
    let mut out = Vec::new();
    for k in 0..4u64 {
        let env = |a: &Analysed| {
            let mut env = a.defaults.clone();
            for s in &a.system.system.states {
                env.insert(s.name.clone(), sample(&s.name, k, a.defaults.get(&s.name).copied()));
            }
            for input in &a.system.system.held_inputs {
                env.insert(input.clone(), sample(input, k, None));
            }
            env
        };
        let (eo, en) = (env(old), env(new));
        for s in &old.system.system.states {
            let Some(t) = new.system.system.state(&s.name) else { continue };
            match (s.rhs.eval(&eo), t.rhs.eval(&en)) {
                (Ok(x), Ok(y)) if (x - y).abs() <= 1e-9 * x.abs().max(y.abs()) || (x - y).abs() < 1e-300 => {}
                (x, y) => out.push(format!("{}' = {x:?} vs {y:?} at sample {k}", s.name)),
            }
        }
    }
    out.dedup_by(|a, b| a.split(' ').next() == b.split(' ').next());
    out
}

#[derive(Debug, PartialEq, Eq, PartialOrd, Ord, Clone, Copy)]
enum Verdict {
    /// The same tokens: the same generated code.
    SameModel,
    /// The same states, right-hand sides, propagator, solver and spike jumps.
    SameDynamics,
    /// Other states (e.g. a refractory counter for today's timer `refr_t`), but the states both
    /// have obey the same right-hand sides.
    SameSharedOdes,
    Different,
}

/// Compares two models; `Ok` if they have the same states, the same right-hand sides
/// (numerically, [`rhs_differences`]), propagator (1e-12 relative), solver and jumps, else the
/// first differences.
fn same_dynamics(old_a: &Analysed, new_a: &Analysed) -> Result<(), Vec<String>> {
    let (old, new) = (&old_a.plan, &new_a.plan);
    let mut diffs = Vec::new();
    let names = |p: &Plan| p.states.iter().map(|s| s.name.clone()).collect::<Vec<_>>();
    let (a, b) = (names(old), names(new));
    let mut sa = a.clone();
    let mut sb = b.clone();
    sa.sort();
    sb.sort();
    let rhs = rhs_differences(old_a, new_a);
    if sa != sb {
        let only_old: Vec<_> = a.iter().filter(|x| !b.contains(x)).collect();
        let only_new: Vec<_> = b.iter().filter(|x| !a.contains(x)).collect();
        diffs.push(format!("states only in the old model {only_old:?}, only in today's {only_new:?}"));
        diffs.extend(rhs);
        return Err(diffs);
    }
    diffs.extend(rhs);
    if old.numeric != new.numeric || old.solver.as_ref().map(|s| &s.solver) != new.solver.as_ref().map(|s| &s.solver) {
        diffs.push(format!("numeric {:?} ({:?}) vs {:?} ({:?})", old.numeric, old.solver.as_ref().map(|s| &s.solver), new.numeric, new.solver.as_ref().map(|s| &s.solver)));
    }
    if let (Some(p), Some(q)) = (&old.propagator, &new.propagator) {
        for (i, si) in p.states.iter().enumerate() {
            for (j, sj) in p.states.iter().enumerate() {
                let (Some(k), Some(l)) = (q.states.iter().position(|x| x == si), q.states.iter().position(|x| x == sj)) else {
                    diffs.push(format!("propagator state {si} or {sj} missing"));
                    continue;
                };
                let (x, y) = (p.p[i][j], q.p[k][l]);
                if (x - y).abs() > 1e-12 * x.abs().max(y.abs()).max(1e-300) && (x - y).abs() > 1e-300 {
                    diffs.push(format!("P[{si}][{sj}] {x} vs {y}"));
                }
            }
        }
    } else if old.propagator.is_some() != new.propagator.is_some() {
        diffs.push("one has an exact propagator, the other not".into());
    }
    // spike jumps, evaluated at the defaults and a weight of 1.5
    let jumps = |a: &Analysed| {
        let mut env = a.defaults.clone();
        env.insert(WEIGHT.to_string(), 1.5);
        let mut j: Vec<(String, String, Option<f64>)> = a.system.jumps.iter().map(|j| (j.port.clone(), j.state.clone(), j.jump.eval(&env).ok())).collect();
        j.sort_by(|x, y| (&x.0, &x.1).cmp(&(&y.0, &y.1)));
        j
    };
    let (jo, jn) = (jumps(old_a), jumps(new_a));
    let close = |x: &Option<f64>, y: &Option<f64>| matches!((x, y), (Some(x), Some(y)) if (x - y).abs() <= 1e-12 * x.abs().max(y.abs()));
    if jo.len() != jn.len() || jo.iter().zip(&jn).any(|(x, y)| x.0 != y.0 || x.1 != y.1 || !close(&x.2, &y.2)) {
        diffs.push(format!("jumps {jo:?} vs {jn:?}"));
    }
    if diffs.is_empty() {
        Ok(())
    } else {
        Err(diffs)
    }
}

/// Every old neuron model with a namesake in today's library (`NAME` or `NAME_neuron`) is
/// classified; the table is printed. The neurons of NESTML 8 must be the same models or have the
/// same dynamics as today's (but one, whose sign convention changed).
#[test]
fn migrated_neurons_against_todays_library() {
    let Some(dir) = corpus() else {
        eprintln!("\n*** SKIPPED: the old NESTML model corpus is absent; run `python3 tools/old_nestml_corpus.py` ***\n");
        return;
    };
    let library = common::model_library().join("neurons");
    let mut per_release: BTreeMap<Vec<u32>, (String, [usize; 4])> = BTreeMap::new();
    let mut details = Vec::new();
    let mut failures = Vec::new();
    for file in common::nestml_files(&dir) {
        let rel = file.strip_prefix(&dir).unwrap().to_string_lossy().replace('\\', "/");
        let (version, path) = rel.split_once('/').unwrap();
        if path.starts_with("synapses/") {
            continue;
        }
        let stem = file.file_stem().unwrap().to_string_lossy().to_string();
        let base = stem.strip_suffix("_neuron").unwrap_or(&stem).to_string();
        let today = library.join(format!("{base}_neuron.nestml"));
        let Ok(today_text) = std::fs::read_to_string(&today) else { continue };
        let text = std::fs::read_to_string(&file).unwrap();
        let release = version.split('.').next().and_then(|m| m.parse().ok()).expect("a release number");
        let migrated = migrate_source_with(&mut SourceMap::default(), &rel, &text, Dialect::Release(release));
        let Some(new_text) = migrated.text.filter(|_| migrated.checked.as_ref().is_some_and(|c| !c.has_errors())) else { continue };
        // the old name (without `_neuron`) is the only token allowed to differ
        let renamed: Vec<_> = tokens(&new_text).into_iter().map(|(k, t)| if k == TokenKind::Name && t == stem { (k, format!("{base}_neuron")) } else { (k, t) }).collect();
        let verdict = if renamed == tokens(&today_text) {
            Verdict::SameModel
        } else {
            let old_a = analysed(&rel, &new_text).expect("checked clean");
            let new_a = analysed(&today.to_string_lossy(), &today_text).expect("library model checks clean");
            match same_dynamics(&old_a, &new_a) {
                Ok(()) => Verdict::SameDynamics,
                Err(d) if d.len() == 1 && d[0].starts_with("states only") => {
                    details.push(format!("{rel}: {}", d[0]));
                    Verdict::SameSharedOdes
                }
                Err(d) => {
                    details.push(format!("{rel}: {}", d.iter().take(2).cloned().collect::<Vec<_>>().join("; ")));
                    Verdict::Different
                }
            }
        };
        // NESTML 8: the same dynamics as today's, but wb_cond_exp before 8.3.0, whose synaptic
        // currents changed sign convention (`g*(V_m - E)` added, today `g*(E - V_m)`)
        let expected_different = version.starts_with("8.") && version != "8.3.0" && stem == "wb_cond_exp_neuron";
        if version.starts_with("8.") && (verdict == Verdict::Different) != expected_different {
            failures.push(format!("{rel}: {verdict:?}"));
        }
        let key = version.split('.').map(|n| n.parse().unwrap_or(0)).collect();
        per_release.entry(key).or_insert_with(|| (version.to_string(), [0; 4])).1[verdict as usize] += 1;
    }
    eprintln!("release  same model  same dynamics  same shared ODEs  different");
    for (version, [same, dynamics, shared, different]) in per_release.values() {
        eprintln!("{version:<8} {same:>10}  {dynamics:>13}  {shared:>16}  {different:>9}");
    }
    for d in &details {
        eprintln!("  {d}");
    }
    assert!(per_release.len() >= 15, "expected neurons of every release");
    assert!(failures.is_empty(), "NESTML 8 neurons classified other than expected: {failures:?}");
}
