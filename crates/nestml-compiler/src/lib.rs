//! The NESTML 9 language front-end: lexing, parsing, semantic analysis and diagnostics.
//!
//! Stages: [`syntax`] (lexer, parser, AST, printer) → [`sema`] (units, types, symbols,
//! context conditions); all problems are reported as [`diagnostics::Diagnostic`] values.

pub mod analysis;
pub mod codegen;
pub mod diagnostics;
pub mod ir;
pub mod sema;
pub mod syntax;

use diagnostics::{Diagnostic, FileId, SourceMap};
use syntax::ast::CompilationUnit;

/// The result of checking one source file.
#[derive(Debug)]
pub struct Checked {
    pub file: FileId,
    pub unit: CompilationUnit,
    /// Errors and warnings, sorted by position.
    pub diagnostics: Vec<Diagnostic>,
    /// Per model, the checked type of every expression (empty if the file did not parse).
    pub types: Vec<sema::typing::TypeInfo>,
}

impl Checked {
    /// Whether any error was found.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    /// The IR of every model of an error-free unit.
    pub fn lower_models(&self) -> Vec<ir::ModelIr> {
        self.unit
            .models
            .iter()
            .zip(&self.types)
            .map(|(model, types)| ir::lower_model(&sema::symbols::ModelSymbols::collect(model, &mut Vec::new()), types))
            .collect()
    }
}

/// What the models are checked for: the language alone, or also the restrictions of code
/// generation for NEST (random functions only in `update`, `onReceive` and `onCondition`;
/// `onReceive` only for spike input ports), as PyNESTML's NEST target checks them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Target {
    #[default]
    Language,
    Nest,
}

/// Adds `text` to `sources` under `name`, parses it and, if it parsed cleanly, runs every
/// semantic check on it.
pub fn check_source(sources: &mut SourceMap, name: &str, text: &str) -> Checked {
    check_source_for(sources, name, text, Target::Language)
}

/// [`check_source`] for a given [`Target`].
pub fn check_source_for(sources: &mut SourceMap, name: &str, text: &str, target: Target) -> Checked {
    check_source_with(sources, name, text, target, syntax::Dialect::Auto)
}

/// [`check_source_for`] reading the file in a given [`syntax::Dialect`]: with
/// [`syntax::Dialect::Legacy`] also NESTML 8 files are read as old (their units standing alone
/// and docstrings are warnings); the checked tree is the NESTML 9 one `nestml migrate` prints.
pub fn check_source_with(sources: &mut SourceMap, name: &str, text: &str, target: Target, dialect: syntax::Dialect) -> Checked {
    let file = sources.add(name, text);
    let parsed = syntax::parse_with(text, file, dialect);
    let mut diagnostics = parsed.diagnostics;
    let mut unit = parsed.unit;
    let mut types = Vec::new();
    if !diagnostics.iter().any(Diagnostic::is_error) {
        sema::quantities::split_variables_off_units(&mut unit);
        let (found, checked_types) = sema::check(&unit, target);
        diagnostics.extend(found);
        types = checked_types;
    }
    let mut all = diagnostics::Diagnostics::default();
    all.extend(diagnostics);
    Checked { file, unit, diagnostics: all.into_sorted(), types }
}

/// The result of [`migrate_source`]: a file read in the old dialect and printed as NESTML 9.
#[derive(Debug)]
pub struct Migrated {
    /// The old file in the source map.
    pub file: FileId,
    /// What reading the old file found: a warning per old spelling (W03xx), syntax errors.
    pub diagnostics: Vec<Diagnostic>,
    /// The NESTML 9 text, if the old file parsed without errors.
    pub text: Option<String>,
    /// Whether the file had old spellings, i.e. whether migrating changes it. A NESTML 9 file
    /// is left as it is (not reformatted).
    pub changed: bool,
    /// The check of the NESTML 9 text (added to the source map as `NAME (migrated)`), if it
    /// was printed.
    pub checked: Option<Checked>,
}

/// Reads `text` in the old dialect ([`syntax::Dialect::Legacy`]), prints the NESTML 9 tree
/// (comments kept) and checks the printed text as NESTML 9.
pub fn migrate_source(sources: &mut SourceMap, name: &str, text: &str) -> Migrated {
    migrate_source_with(sources, name, text, syntax::Dialect::Legacy)
}

/// [`migrate_source`] for a file known to be from a release ([`syntax::Dialect::Release`]).
pub fn migrate_source_with(sources: &mut SourceMap, name: &str, text: &str, dialect: syntax::Dialect) -> Migrated {
    let dialect = if dialect == syntax::Dialect::Auto { syntax::Dialect::Legacy } else { dialect };
    let file = sources.add(name, text);
    let parsed = syntax::parse_with(text, file, dialect);
    let mut all = diagnostics::Diagnostics::default();
    all.extend(parsed.diagnostics);
    let diagnostics = all.into_sorted();
    if diagnostics.iter().any(Diagnostic::is_error) {
        return Migrated { file, diagnostics, text: None, changed: false, checked: None };
    }
    let changed = diagnostics.iter().any(|d| d.code.is_dialect());
    let new_text = if changed { syntax::print(&parsed.unit) } else { text.to_string() };
    let checked = check_source(sources, &format!("{name} (migrated)"), &new_text);
    Migrated { file, diagnostics, text: Some(new_text), changed, checked: Some(checked) }
}

/// The integration plan of every model of a checked, error-free compilation unit.
pub fn analyse_unit(checked: &Checked, options: &analysis::AnalysisOptions) -> Vec<analysis::Plan> {
    checked.lower_models().iter().map(|ir| analysis::analyse(ir, options)).collect()
}
