//! Every model of the NESTML 9 library and tutorials checks without errors.

mod common;

use nestml_compiler::check_source;
use nestml_compiler::diagnostics::{render_all, RenderStyle, SourceMap};

#[test]
fn library_models_have_no_errors() {
    let mut sources = SourceMap::default();
    let mut failures = Vec::new();
    let mut models = 0;
    for path in common::nestml_files(&common::model_library()) {
        let text = std::fs::read_to_string(&path).unwrap();
        let checked = check_source(&mut sources, &path.display().to_string(), &text);
        models += checked.unit.models.len();
        let errors: Vec<_> = checked.diagnostics.iter().filter(|d| d.is_error()).cloned().collect();
        if !errors.is_empty() {
            failures.push(render_all(&errors, &sources, RenderStyle::Plain));
        }
    }
    assert!(models >= 43, "expected at least 43 models, found {models}");
    assert!(failures.is_empty(), "{} files with errors:\n{}", failures.len(), failures.join("\n\n"));
}
