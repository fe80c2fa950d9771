//! Old neuron models after `nestml migrate`, simulated by the interpreter against today's
//! library models of the same name: 1 s at 0.1 ms under a DC current (on the first continuous
//! port, or as `I_e`) and spikes of both signs on every receptor; the state variables both have
//! after every step and the spike steps are compared. Every neuron of NESTML 8 agrees (but
//! wb_cond_exp before 8.3, which changed its sign convention); older releases are reported
//! (their models count refractory steps where today's use a timer, among other changes).
//!
//! The old models are GPL text outside the repository (`tools/old_nestml_corpus.py` fetches the
//! model libraries of NESTML 3.1–8.3.0 from PyPI into `${NESTML_CACHE_DIR:-~/.cache/nestml}`);
//! without them the test says so loudly and passes.

use std::path::{Path, PathBuf};

use nestml_compiler::diagnostics::SourceMap;
use nestml_compiler::syntax::Dialect;
use nestml_interp::{CodegenOptions, Interpreted};
use nestml_runtime::{DynNeuron, NestmlRng, PortKind, Resolution, StepContext, VariableKind};

/// The tolerance: `|a - b| <= TOL * max(1, |a|, |b|)`, that of today's NEST conformance
/// tests for exactly integrated models.
const TOL: f64 = 1e-9;

fn corpus() -> Option<PathBuf> {
    let cache = std::env::var_os("NESTML_CACHE_DIR").map(PathBuf::from).or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/nestml")))?;
    let dir = cache.join("old-models");
    dir.join("8.3.0/.complete").is_file().then_some(dir)
}

/// The state variables' names, their values after every step and the spike steps of
/// `neuron` over 1 s.
fn simulate(mut neuron: Interpreted) -> Result<(Vec<&'static str>, Vec<Vec<f64>>, Vec<i64>), String> {
    let states: Vec<(usize, &'static str)> = neuron.variables().iter().enumerate().filter(|(_, v)| v.kind == VariableKind::State && !v.vector).map(|(i, v)| (i, v.name)).collect();
    let resolution = Resolution::from_ms(0.1).expect("0.1 ms");
    let has_port = neuron.ports().iter().any(|p| p.kind == PortKind::Continuous);
    if !has_port && neuron.variables().iter().any(|v| v.name == "I_e") {
        neuron.set("I_e", 500.0).map_err(|e| e.to_string())?;
    }
    let mut rng = NestmlRng::seed_from_u64(3);
    neuron.init_buffers(&resolution);
    neuron.calibrate(&resolution).map_err(|e| e.to_string())?;
    let (mut values, mut spikes) = (Vec::new(), Vec::new());
    for k in 0..10_000i64 {
        if has_port {
            neuron.handle_current(0, 500.0);
        }
        for r in 0..neuron.receptors().len() {
            if (k + 11 * r as i64) % 37 == 0 {
                neuron.handle_spike(r, if (k / 37) % 2 == 0 { 25.0 } else { -15.0 }, 1);
            }
        }
        let out = neuron.step(&mut StepContext::new(&resolution, k, &mut rng)).map_err(|e| e.to_string())?;
        if out.spikes > 0 {
            spikes.push(k);
        }
        values.push(states.iter().map(|&(i, _)| neuron.get_value(i, 0).unwrap_or(f64::NAN)).collect());
    }
    Ok((states.iter().map(|&(_, n)| n).collect(), values, spikes))
}

/// Every `.nestml` file under `dir`.
fn walk(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    entries.filter_map(Result::ok).flat_map(|e| if e.path().is_dir() { walk(&e.path()) } else { vec![e.path()] }).filter(|p| p.extension().is_some_and(|x| x == "nestml")).collect()
}

fn load(name: &str, text: &str) -> Result<Interpreted, String> {
    let programs = nestml_interp::load(name, text, &CodegenOptions::default()).map_err(|e| e.to_string())?;
    programs.into_iter().next().map(Interpreted::new).ok_or_else(|| "no neuron model".into())
}

/// How a migrated model compares with today's.
#[derive(Debug, PartialEq)]
enum Verdict {
    Identical,
    Within(f64),
    Differs(String),
    NotRun(String),
}

fn compare(release: u32, old_file: &Path, library: &Path) -> Verdict {
    let text = std::fs::read_to_string(old_file).expect("corpus file");
    let name = old_file.file_name().unwrap().to_string_lossy().to_string();
    let migrated = nestml_compiler::migrate_source_with(&mut SourceMap::default(), &name, &text, Dialect::Release(release));
    let Some(new_text) = migrated.text.filter(|_| migrated.checked.as_ref().is_some_and(|c| !c.has_errors())) else {
        return Verdict::NotRun("does not migrate to a clean model".into());
    };
    let today = std::fs::read_to_string(library).expect("library file");
    let (old, new) = match (load(&name, &new_text).and_then(simulate), load(&name, &today).and_then(simulate)) {
        (Ok(a), Ok(b)) => (a, b),
        (a, b) => return Verdict::NotRun(format!("old: {:?}, today: {:?}", a.err(), b.err())),
    };
    if old.2 != new.2 {
        return Verdict::Differs(format!("{} vs {} spikes", old.2.len(), new.2.len()));
    }
    // the state variables both models have
    let common: Vec<(usize, usize, &str)> = old.0.iter().enumerate().filter_map(|(i, n)| Some((i, new.0.iter().position(|m| m == n)?, *n))).collect();
    if common.is_empty() {
        return Verdict::Differs("no state variable in common".into());
    }
    let mut worst = (0.0, "");
    for (a, b) in old.1.iter().zip(&new.1) {
        for &(i, j, name) in &common {
            let d = (a[i] - b[j]).abs() / a[i].abs().max(b[j].abs()).max(1.0);
            if !(d <= worst.0) {
                worst = (d, name);
            }
        }
    }
    match worst.0 {
        0.0 => Verdict::Identical,
        w if w <= TOL => Verdict::Within(w),
        w => Verdict::Differs(format!("{} differs by {w:.2e} (relative)", worst.1)),
    }
}

#[test]
fn migrated_neurons_simulate_like_todays_library() {
    let Some(corpus) = corpus() else {
        eprintln!("SKIPPED: no old model corpus (run tools/old_nestml_corpus.py)");
        return;
    };
    let library = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/nestml-models/neurons");
    let mut rows = Vec::new();
    let mut releases: Vec<String> = std::fs::read_dir(&corpus).expect("corpus").filter_map(Result::ok).map(|e| e.file_name().to_string_lossy().to_string()).collect();
    releases.sort_by_key(|r| r.split('.').map(|n| n.parse::<u32>().unwrap_or(0)).collect::<Vec<_>>());
    for release in &releases {
        let major: u32 = release.split('.').next().and_then(|m| m.parse().ok()).expect("a release number");
        let mut files: Vec<PathBuf> = walk(&corpus.join(release));
        files.sort();
        for file in files {
            // today's library names neurons `<model>_neuron`
            let stem = file.file_stem().unwrap().to_string_lossy().to_string();
            let today = library.join(if stem.ends_with("_neuron") { format!("{stem}.nestml") } else { format!("{stem}_neuron.nestml") });
            if today.is_file() && !file.components().any(|c| c.as_os_str() == "synapses") {
                rows.push((release.clone(), major, stem, compare(major, &file, &today)));
            }
        }
    }
    for (release, _, model, verdict) in &rows {
        eprintln!("{release:6} {model:40} {verdict:?}");
    }
    let agrees = |v: &Verdict| matches!(v, Verdict::Identical | Verdict::Within(_));
    for major in [3, 4, 5, 6, 7, 8] {
        let of: Vec<_> = rows.iter().filter(|r| r.1 == major).collect();
        let identical = of.iter().filter(|r| r.3 == Verdict::Identical).count();
        eprintln!("NESTML {major}: {} of {} migrated neurons simulate as today's within {TOL:e} ({identical} bit for bit)", of.iter().filter(|r| agrees(&r.3)).count(), of.len());
    }
    // every NESTML 8 neuron, but wb_cond_exp before 8.3 (8.3 changed the sign convention of its
    // synaptic currents)
    let nestml_8: Vec<_> = rows.iter().filter(|r| r.1 == 8).collect();
    assert!(nestml_8.len() >= 100, "{} NESTML 8 neurons", nestml_8.len());
    for (release, _, model, verdict) in nestml_8 {
        let expected_to_differ = model == "wb_cond_exp_neuron" && release != "8.3.0";
        assert!(agrees(verdict) != expected_to_differ, "{release} {model}: {verdict:?}");
    }
}
