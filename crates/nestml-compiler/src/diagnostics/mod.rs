//! Diagnostics as data: source files, spans, codes, and one renderer for the CLI and the macros.

mod codes;
mod render;
mod source;

pub use codes::{Code, CODES};
pub use render::{render, render_all, RenderStyle};
pub use source::{FileId, LineCol, SourceFile, SourceMap, Span};

/// How serious a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

/// A secondary location attached to a diagnostic.
#[derive(Clone, Debug, PartialEq)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

/// One finding about a model: where, what, and how to fix it.
#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub code: Code,
    pub span: Span,
    pub message: String,
    /// Secondary spans, e.g. the first declaration of a name declared twice.
    pub labels: Vec<Label>,
    /// Free-text notes, rendered as `note: …`.
    pub notes: Vec<String>,
    /// A suggested fix, rendered as `help: …`.
    pub help: Option<String>,
}

impl Diagnostic {
    /// An error with the given code, primary span and message.
    pub fn error(code: Code, span: Span, message: impl Into<String>) -> Self {
        Self::new(Severity::Error, code, span, message)
    }

    /// A warning with the given code, primary span and message.
    pub fn warning(code: Code, span: Span, message: impl Into<String>) -> Self {
        Self::new(Severity::Warning, code, span, message)
    }

    fn new(severity: Severity, code: Code, span: Span, message: impl Into<String>) -> Self {
        Diagnostic { severity, code, span, message: message.into(), labels: Vec::new(), notes: Vec::new(), help: None }
    }

    /// Adds a secondary span with a message.
    pub fn with_label(mut self, span: Span, message: impl Into<String>) -> Self {
        self.labels.push(Label { span, message: message.into() });
        self
    }

    /// Adds a `note:` line.
    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    /// Sets the `help:` line.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Sets the `help:` line of a diagnostic already recorded.
    pub fn help(&mut self, help: impl Into<String>) -> &mut Self {
        self.help = Some(help.into());
        self
    }

    /// Adds a secondary span to a diagnostic already recorded.
    pub fn label(&mut self, span: Span, message: impl Into<String>) -> &mut Self {
        self.labels.push(Label { span, message: message.into() });
        self
    }

    /// True for errors.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Collects diagnostics while a stage runs; stages never abort on the first problem.
#[derive(Default, Debug)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    /// Records a diagnostic.
    pub fn push(&mut self, d: Diagnostic) {
        self.items.push(d);
    }

    /// Whether any error has been recorded.
    pub fn has_errors(&self) -> bool {
        self.items.iter().any(Diagnostic::is_error)
    }

    /// All diagnostics, sorted by position, duplicates removed.
    pub fn into_sorted(mut self) -> Vec<Diagnostic> {
        self.items.sort_by_key(|d| (d.span.file, d.span.start, d.span.end));
        self.items.dedup_by(|a, b| a.code == b.code && a.span == b.span && a.message == b.message);
        self.items
    }

    /// The diagnostics recorded so far.
    pub fn as_slice(&self) -> &[Diagnostic] {
        &self.items
    }

    /// Moves all diagnostics of `other` into `self`.
    pub fn extend(&mut self, other: impl IntoIterator<Item = Diagnostic>) {
        self.items.extend(other);
    }
}
