//! The context conditions (`sema::cocos`) accept every model of the NESTML 9 library and
//! tutorials, which PyNESTML 9.0.0 accepts, and warn only where PyNESTML warns.

mod common;

use nestml_compiler::diagnostics::{render_all, Diagnostic, RenderStyle, SourceMap};
use nestml_compiler::sema::cocos;
use nestml_compiler::sema::quantities::split_variables_off_units;
use nestml_compiler::sema::symbols::ModelSymbols;
use nestml_compiler::syntax::parse;

/// Runs only the context conditions on one file.
fn cocos_of(sources: &mut SourceMap, name: &str, text: &str) -> Vec<Diagnostic> {
    let file = sources.add(name, text);
    let mut parsed = parse(text, file);
    assert!(!parsed.diagnostics.iter().any(Diagnostic::is_error), "{name} does not parse");
    split_variables_off_units(&mut parsed.unit);
    let mut diags = Vec::new();
    cocos::check_unit(&parsed.unit, &mut diags);
    for model in &parsed.unit.models {
        let mut symbol_diags = Vec::new();
        let syms = ModelSymbols::collect(model, &mut symbol_diags);
        cocos::check_model(model, &syms, &mut diags);
    }
    diags
}

#[test]
fn library_models_pass_the_context_conditions() {
    let mut sources = SourceMap::default();
    let mut failures = Vec::new();
    let mut files = 0;
    for path in common::nestml_files(&common::model_library()) {
        files += 1;
        let text = std::fs::read_to_string(&path).unwrap();
        let diags = cocos_of(&mut sources, &path.display().to_string(), &text);
        let errors: Vec<_> = diags.iter().filter(|d| d.is_error()).cloned().collect();
        if !errors.is_empty() {
            failures.push(render_all(&errors, &sources, RenderStyle::Plain));
        }
    }
    assert!(files >= 43, "expected at least 43 files, found {files}");
    assert!(failures.is_empty(), "{} files with errors:\n{}", failures.len(), failures.join("\n\n"));
}

/// PyNESTML warns about `resolution()`/`steps()` (W0004) at exactly these places of the
/// library (positions from PyNESTML 9.0.0's log, columns made 1-based).
#[test]
fn fixed_time_step_warnings_match_pynestml() {
    let mut sources = SourceMap::default();
    let mut warned = Vec::new();
    for path in common::nestml_files(&common::model_library()) {
        let text = std::fs::read_to_string(&path).unwrap();
        let diags = cocos_of(&mut sources, &path.display().to_string(), &text);
        let file = nestml_compiler::diagnostics::SourceFile::new("x", text.as_str());
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        for d in diags.iter().filter(|d| d.code.as_str() == "W0004") {
            let lc = file.line_col(d.span.start as usize);
            warned.push(format!("{name} {}:{}", lc.line, lc.column));
        }
    }
    warned.sort();
    let mut expected = vec![
        "iaf_chxk_2008_neuron.nestml 112:37",
        "iaf_psc_delta_fixed_timestep_neuron.nestml 72:31",
        "iaf_psc_exp_htum_neuron.nestml 92:39",
        "iaf_psc_exp_htum_neuron.nestml 93:39",
        "iaf_psc_exp_nonlineardendrite_neuron.nestml 113:32",
        "iaf_psc_exp_nonlineardendrite_neuron.nestml 113:52",
        "iaf_psc_exp_nonlineardendrite_neuron.nestml 114:33",
        "iaf_psc_exp_nonlineardendrite_neuron.nestml 114:65",
        "iaf_psc_exp_nonlineardendrite_neuron.nestml 71:37",
        "iaf_psc_exp_nonlineardendrite_neuron.nestml 75:37",
        "ignore_and_fire_neuron.nestml 53:39",
        "inhomogeneous_poisson.nestml 47:67",
        "mat2_psc_exp_neuron.nestml 90:16",
    ];
    expected.sort();
    assert_eq!(warned, expected);
}

/// The context conditions never panic: every library file with one line deleted, and with
/// one line duplicated, is checked (when it still parses).
#[test]
fn edited_library_models_never_panic() {
    let mut checked = 0;
    for path in common::nestml_files(&common::model_library()) {
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        for i in 0..lines.len() {
            for dup in [false, true] {
                let mut edited: Vec<&str> = lines.clone();
                if dup {
                    edited.insert(i, lines[i]);
                } else {
                    edited.remove(i);
                }
                let src = edited.join("\n") + "\n";
                let mut parsed = parse(&src, nestml_compiler::diagnostics::FileId(0));
                if parsed.diagnostics.iter().any(Diagnostic::is_error) {
                    continue;
                }
                split_variables_off_units(&mut parsed.unit);
                let mut diags = Vec::new();
                cocos::check_unit(&parsed.unit, &mut diags);
                for model in &parsed.unit.models {
                    let mut symbol_diags = Vec::new();
                    let syms = ModelSymbols::collect(model, &mut symbol_diags);
                    cocos::check_model(model, &syms, &mut diags);
                }
                checked += 1;
            }
        }
    }
    assert!(checked > 1000, "only {checked} edited files parsed");
}
