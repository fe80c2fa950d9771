//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("workspace root")
}

/// The NESTML model library beside the project (`../shared/nestml-models`).
pub fn model_library() -> PathBuf {
    workspace_root().join("../shared/nestml-models")
}

/// Every `.nestml` file under `dir`, sorted.
pub fn nestml_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap_or_else(|e| panic!("cannot read {}: {e}", d.display())) {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "nestml") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// Every library model as (file name, text), sorted by path.
pub fn library_texts() -> Vec<(String, String)> {
    let files = nestml_files(&model_library());
    assert!(files.len() >= 43, "expected the 43 library and tutorial models, found {}", files.len());
    files
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            (p.file_name().unwrap().to_string_lossy().into_owned(), text)
        })
        .collect()
}

/// The Debug rendering of a value with every span erased, to compare trees by shape.
pub fn without_spans(debug: &str) -> String {
    let mut out = String::with_capacity(debug.len());
    let mut rest = debug;
    while let Some(i) = rest.find("Span {") {
        out.push_str(&rest[..i]);
        let close = rest[i..].find('}').expect("closing brace of a span");
        out.push('_');
        rest = &rest[i + close + 1..];
    }
    out.push_str(rest);
    out
}
