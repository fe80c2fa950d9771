//! Renders diagnostics the way rustc does (`error[E0101]: …`, `--> file:line:col`, snippet, carets).

use annotate_snippets::{Level, Renderer, Snippet};

use super::{Diagnostic, Severity, SourceMap};

/// Plain text (for `compile_error!`, logs and tests) or ANSI-coloured (for a terminal).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RenderStyle {
    Plain,
    Styled,
}

/// Renders one diagnostic with its source snippet.
pub fn render(d: &Diagnostic, sources: &SourceMap, style: RenderStyle) -> String {
    let file = sources.get(d.span.file);
    let level = match d.severity {
        Severity::Error => Level::Error,
        Severity::Warning => Level::Warning,
    };
    // annotate-snippets 0.11 widens tabs when printing a line but not when placing carets;
    // a tab shown as one space keeps every byte offset and every caret in place.
    let text = file.text.replace('\t', " ");
    let primary = clamp(d.span.start as usize, d.span.end as usize, &text);
    let mut snippet = Snippet::source(&text)
        .line_start(file.first_line)
        .origin(&file.name)
        .fold(true)
        .annotation(level.span(primary).label(""));
    for label in d.labels.iter().filter(|l| l.span.file == d.span.file) {
        let range = clamp(label.span.start as usize, label.span.end as usize, &text);
        snippet = snippet.annotation(Level::Info.span(range).label(&label.message));
    }
    let code = d.code.as_str();
    let mut message = level.title(&d.message).id(code).snippet(snippet);
    for note in &d.notes {
        message = message.footer(Level::Note.title(note));
    }
    if let Some(help) = &d.help {
        message = message.footer(Level::Help.title(help));
    }
    // A wide terminal: no trimming of long lines (annotate-snippets 0.11 can panic when it
    // trims a line whose span lies in its leading whitespace).
    let renderer = match style {
        RenderStyle::Plain => Renderer::plain(),
        RenderStyle::Styled => Renderer::styled(),
    }
    .term_width(1 << 20);
    let rendered = renderer.render(message).to_string();
    rendered
}

/// Renders several diagnostics separated by blank lines.
pub fn render_all(ds: &[Diagnostic], sources: &SourceMap, style: RenderStyle) -> String {
    ds.iter().map(|d| render(d, sources, style)).collect::<Vec<_>>().join("\n\n")
}

/// A non-empty range on character boundaries inside `text`, so the renderer always has a caret.
fn clamp(start: usize, end: usize, text: &str) -> std::ops::Range<usize> {
    let mut start = start.min(text.len());
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = end.clamp(start, text.len());
    while !text.is_char_boundary(end) {
        end += 1;
    }
    if end == start && end < text.len() && !text[start..].starts_with('\n') {
        end += text[start..].chars().next().map_or(0, char::len_utf8);
    }
    start..end
}
