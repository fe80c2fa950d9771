//! Every library model parses without errors, and parse → print → parse gives the same tree.

mod common;

use nestml_compiler::diagnostics::FileId;
use nestml_compiler::syntax::{parse, print};

#[test]
fn library_models_parse_and_round_trip() {
    let files = common::nestml_files(&common::model_library());
    assert!(files.len() >= 43, "expected the 43 library and tutorial models, found {}", files.len());
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let first = parse(&text, FileId(0));
        let errors: Vec<_> = first.diagnostics.iter().filter(|d| d.is_error()).collect();
        assert!(errors.is_empty(), "{}: {errors:#?}", path.display());
        assert!(!first.unit.models.is_empty(), "{}: no model", path.display());
        let printed = print(&first.unit);
        let second = parse(&printed, FileId(0));
        assert!(second.diagnostics.is_empty(), "{} reprinted:\n{printed}\n{:#?}", path.display(), second.diagnostics);
        assert_eq!(
            common::without_spans(&format!("{:?}", first.unit)),
            common::without_spans(&format!("{:?}", second.unit)),
            "{}: the reprinted model parses to a different tree",
            path.display()
        );
        assert_eq!(print(&second.unit), printed, "{}: printing is not stable", path.display());
    }
}
