//! Semantic analysis: units, types, symbols and context conditions.

pub mod units;

use crate::diagnostics::Diagnostic;
use crate::syntax::ast::CompilationUnit;

/// Runs every semantic check on a parsed compilation unit.
pub fn check(_unit: &CompilationUnit) -> Vec<Diagnostic> {
    Vec::new()
}
