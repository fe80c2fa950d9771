//! What may not be assigned to (E0307-E0312).
//!
//! PyNESTML rules mirrored here, for every assignment statement (`=`, `+=`, …) in `update`,
//! `onReceive`, `onCondition` and functions; the left-hand side is looked up by its name
//! without derivative marks, except for units:
//! - a parameter (E0307) and an input port (E0309) are looked up in the statement's scope, so
//!   a local variable or function parameter of the same name shadows them;
//! - an internal (E0308) and an inline expression of the equations block (E0310) are
//!   matched by name in the whole model, whatever the local scope; `recordable inline`
//!   expressions and `inline` declarations in variables blocks may be assigned to;
//! - a physical unit that is not also a variable (`mV = 1`) (E0311);
//! - the delay parameter of a NEST synapse (E0312) is only known when the NEST code generator
//!   is told which variable it is: see [`check_synapse_delay_not_assigned`].

use std::collections::HashMap;

use super::walk::{walk_model, Cx, Resolved, Visit};
use crate::diagnostics::{Code, Diagnostic, Span};
use crate::sema::symbols::{complete_name, ModelSymbols, VarKind};
use crate::sema::units::Unit;
use crate::syntax::ast::*;

/// Runs the checks of this module.
pub fn check(model: &Model, syms: &ModelSymbols, diags: &mut Vec<Diagnostic>) {
    let mut internals = HashMap::new();
    let mut inlines = HashMap::new();
    for block in &model.blocks {
        match block {
            Block::Variables(vb) if vb.kind == VariablesKind::Internals => {
                for d in &vb.declarations {
                    for v in &d.variables {
                        internals.entry(v.name.name.clone()).or_insert(v.name.span);
                    }
                }
            }
            Block::Equations(eb) => {
                for item in &eb.items {
                    if let EquationKind::Inline { recordable: false, name, .. } = &item.kind {
                        inlines.entry(name.name.clone()).or_insert(name.span);
                    }
                }
            }
            _ => {}
        }
    }
    let mut v = Assignments { syms, internals, inlines, diags };
    walk_model(model, &mut v);
}

struct Assignments<'s, 'a, 'd> {
    syms: &'s ModelSymbols<'a>,
    /// Internals by name (without derivative marks), with the span of their name.
    internals: HashMap<String, Span>,
    /// Non-recordable inline expressions of the equations block.
    inlines: HashMap<String, Span>,
    diags: &'d mut Vec<Diagnostic>,
}

impl<'a> Visit<'a> for Assignments<'_, 'a, '_> {
    fn stmt(&mut self, cx: &Cx<'a, '_>, s: &'a Stmt) {
        let StmtKind::Assign { lhs, .. } = &s.kind else { return };
        let base = lhs.name.name.as_str();
        let shown = complete_name(lhs);
        let span = lhs.span;

        if let Some(&decl) = self.inlines.get(base) {
            self.diags.push(
                Diagnostic::error(Code::E0310, span, format!("cannot assign to `{shown}`: it is an inline expression"))
                    .with_label(decl, "defined here as an inline expression")
                    .with_help(format!("an inline expression always equals its definition; to store values, declare `{base}` in the state block")),
            );
        }

        if Unit::lookup(&shown).is_some() && cx.resolve(self.syms, &shown).is_none() {
            self.diags.push(
                Diagnostic::error(Code::E0311, span, format!("cannot assign to `{shown}`: it is a physical unit, not a variable"))
                    .with_help(format!("declare a variable to hold the value, e.g. `my_{shown} {shown} = …` in the state block")),
            );
        }

        match cx.resolve(self.syms, base) {
            Some(Resolved::Model(sym)) if matches!(sym.kind, VarKind::SpikePort | VarKind::ContinuousPort) => {
                self.diags.push(
                    Diagnostic::error(Code::E0309, span, format!("cannot assign to `{shown}`: it is an input port"))
                        .with_label(sym.name_span, "declared here as an input port")
                        .with_help("input ports are read-only; copy the value into a state variable or local variable instead"),
                );
            }
            Some(Resolved::Model(sym)) if sym.kind == VarKind::Parameter => {
                self.diags.push(
                    Diagnostic::error(Code::E0307, span, format!("cannot assign to `{shown}`: parameters may only be set in the parameters block"))
                        .with_label(sym.name_span, "declared here as a parameter")
                        .with_help(format!("parameters are constant while the model runs; to change `{base}`, declare it in the state block")),
                );
            }
            _ => {}
        }

        if let Some(&decl) = self.internals.get(base) {
            self.diags.push(
                Diagnostic::error(Code::E0308, span, format!("cannot assign to `{shown}`: internals may only be set in the internals block"))
                    .with_label(decl, "declared here as an internal")
                    .with_help(format!("internals are computed once from the parameters; to change `{base}` while the model runs, declare it in the state block")),
            );
        }
    }
}

/// E0312: the NEST code generator's check that the delay variable of a synapse (the
/// `delay_variable` code generator option) is never assigned to. Not part of
/// [`super::check_model`], since the variable is a generator option.
pub fn check_synapse_delay_not_assigned(model: &Model, delay_variable: &str, diags: &mut Vec<Diagnostic>) {
    struct Delay<'n, 'd> {
        name: &'n str,
        diags: &'d mut Vec<Diagnostic>,
    }
    impl<'a> Visit<'a> for Delay<'_, '_> {
        fn stmt(&mut self, _cx: &Cx<'a, '_>, s: &'a Stmt) {
            let StmtKind::Assign { lhs, .. } = &s.kind else { return };
            if lhs.name.name == self.name {
                self.diags.push(
                    Diagnostic::error(Code::E0312, lhs.span, format!("cannot assign to `{}`: it is the delay of this NEST synapse", self.name))
                        .with_help("NEST fixes a connection's delay when it is created; the synapse may read it but not change it"),
                );
            }
        }
    }
    walk_model(model, &mut Delay { name: delay_variable, diags });
}

#[cfg(test)]
mod tests {
    use super::super::test_util::expect;
    use crate::diagnostics::Code::*;
    use crate::diagnostics::FileId;
    use crate::syntax::parse;

    #[test]
    fn parameters() {
        expect("model m:\n    parameters:\n        p real = 0\n    update:\n        p = 1\n        p += 1\n", &[(E0307, "5:9"), (E0307, "6:9")]);
        // shadowed by a local or a function parameter
        expect("model m:\n    parameters:\n        p real = 0\n    update:\n        p real = 2\n        p = 1\n", &[]);
        expect("model m:\n    parameters:\n        p real = 0\n    function f(p real) real:\n        p = 1\n        return p\n", &[]);
    }

    #[test]
    fn internals_ignore_scopes() {
        expect("model m:\n    internals:\n        p real = 0\n    update:\n        p = 1\n", &[(E0308, "5:9")]);
        expect("model m:\n    internals:\n        p real = 0\n    function f(p real) real:\n        p = 1\n        return p\n", &[(E0308, "5:9")]);
    }

    #[test]
    fn ports() {
        expect("model m:\n    input:\n        I_in pA <- continuous\n        sp <- spike\n    update:\n        I_in = 1 pA\n        sp = 0\n", &[(E0309, "6:9"), (E0309, "7:9")]);
    }

    #[test]
    fn inline_expressions() {
        let head = "model m:\n    state:\n        x real = 0\n        inline z real = x\n    equations:\n        inline y real = x\n        recordable inline r real = x\n    update:\n";
        expect(&format!("{head}        y = 1\n"), &[(E0310, "9:9")]);
        // recordable inline expressions and inline declarations of variables blocks pass
        expect(&format!("{head}        r = 1\n        z = 1\n"), &[]);
    }

    #[test]
    fn units() {
        expect("model m:\n    update:\n        mV = 1\n", &[(E0311, "3:9")]);
        expect("model m:\n    state:\n        mV real = 0\n    update:\n        mV = 1\n", &[]);
    }

    #[test]
    fn synapse_delay() {
        let src = "model s:\n    parameters:\n        d ms = 1 ms\n    update:\n        d = 2 ms\n";
        let parsed = parse(src, FileId(0));
        let mut diags = Vec::new();
        super::check_synapse_delay_not_assigned(&parsed.unit.models[0], "d", &mut diags);
        assert_eq!(diags.iter().map(|d| d.code).collect::<Vec<_>>(), vec![E0312]);
    }
}
