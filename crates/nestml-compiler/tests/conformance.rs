//! The conformance corpus (`tests/conformance`), judged by PyNESTML 9.0.0.
//!
//! Every file in `valid/` must check without errors and every file in `invalid/` must be
//! rejected with exactly the errors its `# expect: CODE at LINE:COL` header lines list. The
//! verdicts PyNESTML gave on the same files (`pynestml_verdicts.json`, made by
//! `tools/pynestml_check.py`) must agree with ours, file by file.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use nestml_compiler::check_source;
use nestml_compiler::diagnostics::{render_all, RenderStyle, SourceMap};

struct Expectation {
    code: String,
    line: usize,
    column: usize,
}

fn expectations(text: &str) -> Vec<Expectation> {
    text.lines()
        .filter_map(|l| l.trim().strip_prefix("# expect:"))
        .map(|rest| {
            let (code, pos) = rest.trim().split_once(" at ").expect("`# expect: CODE at L:C`");
            let (line, column) = pos.trim().split_once(':').expect("L:C");
            Expectation { code: code.trim().to_string(), line: line.parse().unwrap(), column: column.parse().unwrap() }
        })
        .collect()
}

fn pynestml_verdicts(root: &Path) -> BTreeMap<String, bool> {
    let text = std::fs::read_to_string(root.join("pynestml_verdicts.json")).expect("tests/conformance/pynestml_verdicts.json");
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    json.as_object().unwrap().iter().map(|(k, v)| (k.clone(), v["accepted"].as_bool().unwrap())).collect()
}

#[test]
fn corpus_verdicts_codes_and_positions() {
    let root = common::workspace_root().join("tests/conformance");
    let verdicts = pynestml_verdicts(&root);
    let mut problems = Vec::new();
    let mut counts = (0, 0);
    for path in common::nestml_files(&root) {
        let rel = path.strip_prefix(&root).unwrap().to_string_lossy().replace('\\', "/");
        let text = std::fs::read_to_string(&path).unwrap();
        let mut sources = SourceMap::default();
        let checked = check_source(&mut sources, &rel, &text);
        let errors: Vec<_> = checked.diagnostics.iter().filter(|d| d.is_error()).cloned().collect();
        let ours_accepts = errors.is_empty();
        let should_accept = rel.starts_with("valid/");
        match verdicts.get(&rel) {
            Some(&pynestml_accepts) if pynestml_accepts != should_accept => {
                problems.push(format!("{rel}: PyNESTML {} it, but it is in the wrong folder", if pynestml_accepts { "accepts" } else { "rejects" }))
            }
            None => problems.push(format!("{rel}: no PyNESTML verdict recorded; rerun tools/pynestml_check.py")),
            _ => {}
        }
        if ours_accepts != should_accept {
            let rendered = render_all(&errors, &sources, RenderStyle::Plain);
            problems.push(format!("{rel}: we {} it\n{rendered}", if ours_accepts { "accept" } else { "reject" }));
            continue;
        }
        if should_accept {
            counts.0 += 1;
            continue;
        }
        counts.1 += 1;
        let file = sources.get(checked.file);
        let found: Vec<(String, usize, usize)> = errors
            .iter()
            .map(|d| {
                let lc = file.line_col(d.span.start as usize);
                (d.code.as_str().to_string(), lc.line, lc.column)
            })
            .collect();
        let expected = expectations(&text);
        if expected.is_empty() {
            problems.push(format!("{rel}: invalid file without `# expect:` header"));
        }
        for e in &expected {
            if !found.iter().any(|(c, l, col)| *c == e.code && *l == e.line && *col == e.column) {
                problems.push(format!("{rel}: expected {} at {}:{}, found {found:?}", e.code, e.line, e.column));
            }
        }
        // one mistake, one report: no follow-up errors beyond the expected ones
        for (c, l, col) in &found {
            if !expected.iter().any(|e| e.code == *c && e.line == *l && e.column == *col) {
                problems.push(format!("{rel}: unexpected {c} at {l}:{col}"));
            }
        }
    }
    assert!(counts.0 > 0 && counts.1 > 0, "empty corpus");
    assert!(problems.is_empty(), "{} of {} files disagree:\n{}", problems.len(), counts.0 + counts.1, problems.join("\n"));
}
