//! The machine-readable report of `nestml check --format json`.
//!
//! ```json
//! {"files":[{"path":"m.nestml","diagnostics":[{"severity":"error","code":"E0003",
//!   "message":"…","line":3,"column":9,"end_line":3,"end_column":14,"help":null,"notes":[]}]}],
//!  "errors":1,"warnings":0}
//! ```
//! Lines and columns are 1-based (columns count characters); the end position is exclusive,
//! i.e. the column just after the last character of the span.

use nestml_compiler::diagnostics::{Diagnostic, Severity, SourceFile};
use serde::Serialize;

/// The whole report: every checked file, and the totals.
#[derive(Debug, Default, Serialize)]
pub struct Report {
    pub files: Vec<FileReport>,
    pub errors: usize,
    pub warnings: usize,
}

/// One checked file, with its path as given on the command line or found in a folder.
#[derive(Debug, Serialize)]
pub struct FileReport {
    pub path: String,
    pub diagnostics: Vec<JsonDiagnostic>,
}

/// One diagnostic, positioned by line and column.
#[derive(Debug, Serialize)]
pub struct JsonDiagnostic {
    pub severity: Severity,
    pub code: &'static str,
    pub message: String,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    pub help: Option<String>,
    pub notes: Vec<String>,
}

impl JsonDiagnostic {
    /// Converts a diagnostic whose primary span lies in `file`.
    pub fn new(d: &Diagnostic, file: &SourceFile) -> Self {
        let start = file.line_col(d.span.start as usize);
        let end = file.line_col(d.span.end.max(d.span.start) as usize);
        JsonDiagnostic {
            severity: d.severity,
            code: d.code.as_str(),
            message: d.message.clone(),
            line: start.line,
            column: start.column,
            end_line: end.line,
            end_column: end.column,
            help: d.help.clone(),
            notes: d.notes.clone(),
        }
    }
}
