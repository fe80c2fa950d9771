//! Semantic analysis: units, types, symbols and context conditions.
//!
//! For each model: [`symbols`] collects the declared names, [`typing`] resolves every name
//! and checks types and units, and `cocos` checks the remaining context conditions.

pub mod cocos;
pub mod predefined;
pub mod quantities;
pub mod quantity_input;
pub mod symbols;
pub mod types;
pub mod typing;
pub mod units;

use crate::diagnostics::Diagnostic;
use crate::syntax::ast::CompilationUnit;
use crate::Target;

/// Runs every semantic check on a parsed compilation unit; also returns the type checker's
/// findings per model (the types of all expressions, which lowering uses).
pub fn check(unit: &CompilationUnit, target: Target) -> (Vec<Diagnostic>, Vec<typing::TypeInfo>) {
    let mut diags = Vec::new();
    let mut types = Vec::new();
    cocos::check_unit(unit, &mut diags);
    for model in &unit.models {
        let syms = symbols::ModelSymbols::collect(model, &mut diags);
        types.push(typing::check_model(&syms, &mut diags));
        cocos::check_model(model, &syms, &mut diags);
        if target == Target::Nest {
            cocos::check_nest_target(model, &syms, &mut diags);
        }
    }
    (diags, types)
}
