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

/// The integration plan of every model of a checked, error-free compilation unit.
pub fn analyse_unit(checked: &Checked, options: &analysis::AnalysisOptions) -> Vec<analysis::Plan> {
    checked.lower_models().iter().map(|ir| analysis::analyse(ir, options)).collect()
}
