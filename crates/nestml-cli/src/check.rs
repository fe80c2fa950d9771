//! `nestml check PATH...`: parse and check model files, report diagnostics.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use nestml_compiler::diagnostics::{render, RenderStyle, Severity, SourceMap};
use nestml_compiler::syntax::Dialect;

use crate::json::{FileReport, JsonDiagnostic, Report};

/// Exit status when no errors were found.
const EXIT_OK: u8 = 0;
/// Exit status when a model has errors (or warnings, with `--deny-warnings`).
const EXIT_FINDINGS: u8 = 1;
/// Exit status for usage or I/O errors (clap uses 2 for usage errors too).
const EXIT_IO: u8 = 2;

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// Model files, or folders searched recursively for `*.nestml` files.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Output format: rustc-style text on stderr, or one JSON document on stdout.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,

    /// Exit with status 1 when there are warnings, not only when there are errors.
    #[arg(long, short = 'D')]
    pub deny_warnings: bool,

    /// Also print a status line (`PATH: ok`) for every checked file.
    #[arg(long, short)]
    pub verbose: bool,

    /// `nest` also checks the restrictions of generating code for NEST (E0406, E0409).
    #[arg(long, value_enum, default_value_t = Target::Language)]
    pub target: Target,

    /// Read every file as NESTML 2–8 (also NESTML 8 files, whose units standing alone and
    /// docstrings are then warnings); files with `neuron`/`synapse` headers are read so anyway.
    #[arg(long)]
    pub legacy: bool,

    /// When to colour the human output (`auto`: when stderr is a terminal and NO_COLOR is unset).
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Human,
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Target {
    Language,
    Nest,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Color {
    Auto,
    Always,
    Never,
}

/// Runs the check command and returns the process exit status.
pub fn run(args: &CheckArgs) -> ExitCode {
    let style = render_style(args.color);
    let mut stderr = std::io::stderr().lock();
    let mut io_errors = 0usize;
    let mut report_io_error = |stderr: &mut dyn Write, path: &Path, error: &std::io::Error| {
        io_errors += 1;
        let _ = writeln!(stderr, "error: cannot read {}: {}", path.display(), describe(error));
    };

    let mut files = Vec::new();
    for path in &args.paths {
        discover(path, &mut files, &mut |p, e| report_io_error(&mut stderr, p, e));
    }

    let mut report = Report::default();
    let mut checked_files = 0usize;
    for path in &files {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) => {
                report_io_error(&mut stderr, path, &e);
                continue;
            }
        };
        checked_files += 1;
        let name = path.display().to_string();
        // One source map per file: the text is only needed while this file is reported.
        let mut sources = SourceMap::default();
        let target = match args.target {
            Target::Language => nestml_compiler::Target::Language,
            Target::Nest => nestml_compiler::Target::Nest,
        };
        let dialect = if args.legacy { Dialect::Legacy } else { Dialect::Auto };
        let checked = nestml_compiler::check_source_with(&mut sources, &name, &text, target, dialect);
        let (mut errors, mut warnings) = (0, 0);
        for d in &checked.diagnostics {
            match d.severity {
                Severity::Error => errors += 1,
                Severity::Warning => warnings += 1,
            }
        }
        report.errors += errors;
        report.warnings += warnings;
        match args.format {
            Format::Human => {
                if !checked.diagnostics.is_empty() {
                    for d in &checked.diagnostics {
                        let _ = writeln!(stderr, "{}\n", render(d, &sources, style));
                    }
                }
                if args.verbose {
                    let status = if errors + warnings == 0 { "ok".to_string() } else { counts(errors, warnings) };
                    let _ = writeln!(stderr, "{name}: {status}");
                }
            }
            Format::Json => {
                let file = sources.get(checked.file);
                let diagnostics = checked.diagnostics.iter().map(|d| JsonDiagnostic::new(d, file)).collect();
                report.files.push(FileReport { path: name, diagnostics });
            }
        }
    }

    match args.format {
        Format::Human => {
            let mut summary =
                format!("checked {} {}: {}", checked_files, plural(checked_files, "file"), counts(report.errors, report.warnings));
            if io_errors > 0 {
                summary.push_str(&format!(" ({} {} could not be read)", io_errors, plural(io_errors, "path")));
            }
            let _ = writeln!(stderr, "{summary}");
        }
        Format::Json => {
            let mut stdout = std::io::stdout().lock();
            let written = serde_json::to_writer(&mut stdout, &report).map_err(std::io::Error::from).and_then(|()| writeln!(stdout));
            if let Err(e) = written {
                let _ = writeln!(stderr, "error: cannot write the report: {e}");
                return ExitCode::from(EXIT_IO);
            }
        }
    }

    let status = if io_errors > 0 {
        EXIT_IO
    } else if report.errors > 0 || (args.deny_warnings && report.warnings > 0) {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    };
    ExitCode::from(status)
}

/// Adds `path` to `out` if it is a file, or every `*.nestml` file below it (sorted) if it is a
/// folder. Paths that cannot be read are passed to `on_error`.
pub(crate) fn discover(path: &Path, out: &mut Vec<PathBuf>, on_error: &mut dyn FnMut(&Path, &std::io::Error)) {
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_dir() => {
            let mut found = Vec::new();
            walk(path, &mut found, on_error);
            found.sort();
            out.extend(found);
        }
        // A file named on the command line is checked whatever its extension.
        Ok(_) => out.push(path.to_path_buf()),
        Err(e) => on_error(path, &e),
    }
}

/// Collects the `*.nestml` files below `dir`. Symbolic links to folders are not followed, so a
/// link cycle cannot make the walk endless.
fn walk(dir: &Path, out: &mut Vec<PathBuf>, on_error: &mut dyn FnMut(&Path, &std::io::Error)) {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => return on_error(dir, &e),
    };
    for entry in entries {
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                on_error(dir, &e);
                continue;
            }
        };
        let path = entry.path();
        let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
        if is_dir {
            walk(&path, out, on_error);
        } else if path.extension().is_some_and(|e| e == "nestml") {
            out.push(path);
        }
    }
}

pub(crate) fn render_style(color: Color) -> RenderStyle {
    let styled = match color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
    };
    if styled {
        RenderStyle::Styled
    } else {
        RenderStyle::Plain
    }
}

/// The OS error message without Rust's ` (os error N)` suffix.
pub(crate) fn describe(error: &std::io::Error) -> String {
    let text = error.to_string();
    match text.find(" (os error ") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

fn counts(errors: usize, warnings: usize) -> String {
    format!("{} {}, {} {}", errors, plural(errors, "error"), warnings, plural(warnings, "warning"))
}

pub(crate) fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        word.to_string()
    } else {
        format!("{word}s")
    }
}
