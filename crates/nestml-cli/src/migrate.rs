//! `nestml migrate PATH...`: rewrite model files of NESTML 2–8 as NESTML 9.
//!
//! Each file is read in the old dialect (`Dialect::Legacy`), printed by the NESTML 9 printer
//! (comments kept) and the printed text checked as NESTML 9. Files without old spellings are
//! left as they are. Like `rustfmt --check`, `--check` only reports.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use nestml_compiler::diagnostics::{render, SourceMap};
use nestml_compiler::syntax::Dialect;

use crate::check::{describe, discover, plural, render_style, Color};

/// Exit status: every file is NESTML 9 now (or, with `--check`, already was), without errors.
const EXIT_OK: u8 = 0;
/// Exit status: with `--check`, a file would change; or a migrated file has errors.
const EXIT_FINDINGS: u8 = 1;
/// Exit status: a file could not be read or written, or has syntax errors (nothing written).
const EXIT_BAD_INPUT: u8 = 2;

#[derive(Args, Debug)]
pub struct MigrateArgs {
    /// Model files, or folders searched recursively for `*.nestml` files.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Write nothing: list the files that would change and exit with status 1 if any would.
    #[arg(long)]
    pub check: bool,

    /// The NESTML release (major version, 2-8) the files are from, where the meaning depends on
    /// it: NESTML 4 and older passed inhibitory weights negative to ports that are not
    /// conductances (W0316). Without it, a file with NESTML 3 spellings is taken as NESTML 3,
    /// any other as NESTML 5 or later.
    #[arg(long = "from", value_name = "RELEASE", value_parser = clap::value_parser!(u32).range(2..=8))]
    pub from: Option<u32>,

    /// Also print a warning for every old spelling, naming its NESTML 9 spelling.
    #[arg(long, short)]
    pub verbose: bool,

    /// When to colour the output (`auto`: when stderr is a terminal and NO_COLOR is unset).
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
}

/// What happened to one file.
enum Outcome {
    Unchanged,
    Changed { errors: bool },
    Bad,
}

/// Runs the migrate command and returns the process exit status.
pub fn run(args: &MigrateArgs) -> ExitCode {
    let mut stderr = std::io::stderr().lock();
    let mut files = Vec::new();
    let mut bad = 0usize;
    for path in &args.paths {
        discover(path, &mut files, &mut |p, e| {
            bad += 1;
            let _ = writeln!(stderr, "error: cannot read {}: {}", p.display(), describe(e));
        });
    }
    let (mut changed, mut with_errors) = (0usize, 0usize);
    for path in &files {
        match migrate_file(path, args, &mut stderr) {
            Outcome::Unchanged => {}
            Outcome::Changed { errors } => {
                changed += 1;
                with_errors += usize::from(errors);
            }
            Outcome::Bad => bad += 1,
        }
    }
    let verb = if args.check { "would migrate" } else { "migrated" };
    let mut summary = format!("{verb} {changed} of {} {}", files.len(), plural(files.len(), "file"));
    if with_errors > 0 {
        summary.push_str(&format!(", {with_errors} with errors in NESTML 9"));
    }
    if bad > 0 {
        summary.push_str(&format!(", {bad} not read or not parsed (left unchanged)"));
    }
    let _ = writeln!(stderr, "{summary}");
    let status = if bad > 0 {
        EXIT_BAD_INPUT
    } else if with_errors > 0 || (args.check && changed > 0) {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    };
    ExitCode::from(status)
}

fn migrate_file(path: &Path, args: &MigrateArgs, out: &mut dyn Write) -> Outcome {
    let style = render_style(args.color);
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) => {
            let _ = writeln!(out, "error: cannot read {}: {}", path.display(), describe(&e));
            return Outcome::Bad;
        }
    };
    let name = path.display().to_string();
    let mut sources = SourceMap::default();
    let dialect = args.from.map_or(Dialect::Legacy, Dialect::Release);
    let migrated = nestml_compiler::migrate_source_with(&mut sources, &name, &text, dialect);
    let (Some(new_text), Some(checked)) = (&migrated.text, &migrated.checked) else {
        for d in migrated.diagnostics.iter().filter(|d| d.is_error()) {
            let _ = writeln!(out, "{}\n", render(d, &sources, style));
        }
        let _ = writeln!(out, "{name}: not migrated: it does not parse as NESTML 2-9");
        return Outcome::Bad;
    };
    if args.verbose {
        for d in &migrated.diagnostics {
            let _ = writeln!(out, "{}\n", render(d, &sources, style));
        }
    }
    if !migrated.changed {
        if args.verbose {
            let _ = writeln!(out, "{name}: already NESTML 9");
        }
        return Outcome::Unchanged;
    }
    let errors = checked.has_errors();
    if errors {
        for d in checked.diagnostics.iter().filter(|d| d.is_error()) {
            let _ = writeln!(out, "{}\n", render(d, &sources, style));
        }
    }
    let spellings = migrated.diagnostics.iter().filter(|d| d.code.is_dialect()).count();
    let status = if errors { ", with errors in NESTML 9" } else { "" };
    if args.check {
        let _ = writeln!(out, "{name}: would be migrated ({spellings} old {}){status}", plural(spellings, "spelling"));
        return Outcome::Changed { errors };
    }
    if let Err(e) = std::fs::write(path, new_text) {
        let _ = writeln!(out, "error: cannot write {name}: {}", describe(&e));
        return Outcome::Bad;
    }
    let _ = writeln!(out, "{name}: migrated ({spellings} old {}){status}", plural(spellings, "spelling"));
    Outcome::Changed { errors }
}
