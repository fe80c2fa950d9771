//! Context conditions: the rules of NESTML that are neither name resolution nor typing.
//!
//! They mirror the context conditions PyNESTML 9.0.0 runs for the NEST target (its
//! `CoCosManager.check_cocos`, the symbol-table checks on ODE left-hand sides and the NEST
//! code generator's own checks), including the quirks that decide whether a model is
//! accepted. Each topic lives in its own module:
//!
//! - [`blocks`]: blocks defined twice (E0103), models with the same name (E0104), functions
//!   defined twice or redefining a predefined one (E0105), NEST namespace clashes (E0106);
//! - [`equations`]: state initialisation and the equations block (E0301-E0306), `convolve`,
//!   kernels, `integrate_odes` and `delta` (E0401-E0404, E0410, E0411);
//! - [`assignments`]: what may not be assigned to (E0307-E0312);
//! - [`ports`]: input and output ports, `emit_spike`, `onReceive` handlers and vector sizes
//!   (E0313-E0315, E0405, E0215, E0216; E0406 for the NEST target);
//! - [`placement`]: predefined functions that are only legal in some blocks (E0407, E0408;
//!   E0409 for the NEST target) and the fixed-time-step warning (W0004).
//!
//! [`check_unit`] and [`check_model`] decide whether a model is accepted, as PyNESTML does
//! without a code generator; [`check_nest_target`] adds the checks PyNESTML's NEST code
//! generator makes.
//!
//! [`walk`] is the traversal they share: it visits every expression, call, variable and
//! statement of a model together with the block it sits in and its local scope.

pub mod assignments;
pub mod blocks;
pub mod equations;
pub mod placement;
pub mod ports;
pub mod walk;

use crate::diagnostics::Diagnostic;
use crate::sema::symbols::ModelSymbols;
use crate::syntax::ast::{CompilationUnit, Model};

/// Checks the context conditions that concern a whole file (E0104).
pub fn check_unit(unit: &CompilationUnit, diags: &mut Vec<Diagnostic>) {
    blocks::check_unit(unit, diags);
}

/// Checks the context conditions of one model.
pub fn check_model(model: &Model, syms: &ModelSymbols, diags: &mut Vec<Diagnostic>) {
    blocks::check(model, diags);
    equations::check(model, syms, diags);
    assignments::check(model, syms, diags);
    ports::check(model, syms, diags);
    placement::check(model, diags);
}

/// The extra checks PyNESTML makes only when it generates code for NEST (its NEST code
/// generator's own checks, or failures of the C++ it generates), for `nestml nest-module`:
/// random functions outside `update`/`onReceive`/`onCondition` (E0409) and `onReceive`
/// handlers of names that are not spike input ports (E0406). PyNESTML accepts such models
/// otherwise, and so does [`check_model`].
pub fn check_nest_target(model: &Model, syms: &ModelSymbols, diags: &mut Vec<Diagnostic>) {
    ports::check_on_receive_ports(model, syms, diags);
    placement::check_random_functions(model, diags);
}

#[cfg(test)]
pub(crate) mod test_util {
    use crate::diagnostics::{Code, Diagnostic, FileId, SourceFile};
    use crate::sema::symbols::ModelSymbols;
    use crate::syntax::parse;

    /// Runs the context conditions (with the NEST-target checks when `nest` is set) on `src`
    /// and returns `(code, "line:col", message)` of every diagnostic they report, in source
    /// order. Panics if the source does not parse.
    pub fn run_with(src: &str, nest: bool) -> Vec<(Code, String, String)> {
        let mut parsed = parse(src, FileId(0));
        assert!(!parsed.diagnostics.iter().any(Diagnostic::is_error), "parse errors: {:?}", parsed.diagnostics);
        crate::sema::quantities::split_variables_off_units(&mut parsed.unit);
        let mut diags = Vec::new();
        super::check_unit(&parsed.unit, &mut diags);
        for model in &parsed.unit.models {
            let mut ignored = Vec::new();
            let syms = ModelSymbols::collect(model, &mut ignored);
            super::check_model(model, &syms, &mut diags);
            if nest {
                super::check_nest_target(model, &syms, &mut diags);
            }
        }
        let file = SourceFile::new("t", src);
        diags.sort_by_key(|d| (d.span.start, d.code));
        diags
            .into_iter()
            .map(|d| {
                let lc = file.line_col(d.span.start as usize);
                (d.code, format!("{}:{}", lc.line, lc.column), d.message)
            })
            .collect()
    }

    /// Asserts that `src` produces exactly `expected` (code, "line:col") pairs.
    #[track_caller]
    pub fn expect(src: &str, expected: &[(Code, &str)]) {
        expect_with(src, false, expected);
    }

    /// Like [`expect`], with the NEST-target checks.
    #[track_caller]
    pub fn expect_nest(src: &str, expected: &[(Code, &str)]) {
        expect_with(src, true, expected);
    }

    #[track_caller]
    fn expect_with(src: &str, nest: bool, expected: &[(Code, &str)]) {
        let got = run_with(src, nest);
        let got_pairs: Vec<(Code, String)> = got.iter().map(|(c, p, _)| (*c, p.clone())).collect();
        let want: Vec<(Code, String)> = expected.iter().map(|(c, p)| (*c, p.to_string())).collect();
        assert_eq!(got_pairs, want, "full diagnostics: {got:#?}");
    }
}
