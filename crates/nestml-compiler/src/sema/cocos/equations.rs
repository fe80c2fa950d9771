//! State initialisation, the equations block, `convolve`, kernels, `integrate_odes` and
//! `delta` (E0301-E0306, E0401-E0404, E0410, E0411).
//!
//! PyNESTML rules mirrored here:
//! - every state variable has an initial value (E0301); an `inline` declaration has a
//!   right-hand side (E0305) and one variable (E0306), in any block;
//! - an ODE `x' = …` has at least one `'` (E0303); for `x'' = …` the names `x` and `x'`
//!   must be declared (E0304, checked for every lower order, as PyNESTML's symbol table
//!   does; the same holds for kernels given as ODEs, `kernel g' = …`; for a first-order ODE
//!   of an undeclared variable, E0302); the variable the ODE
//!   defines, `x'` for `x'' = …`, must be a state variable (E0302), and so must the lower
//!   ones, `x` here (E0304: PyNESTML's context conditions let a parameter `x` pass, but its
//!   ODE analysis then fails for want of an initial value);
//! - `convolve` takes two arguments (PyNESTML crashes on fewer and rejects more), both plain
//!   names (E0402); the first, if declared, is a kernel or a state variable, the second, if
//!   declared, a spike input port (E0401). In the equations block a state variable that is
//!   not a kernel is rejected too (PyNESTML's transformation fails on it); in `update` it
//!   passes;
//! - a kernel's name appears only inside `convolve(…)`, inside kernel definitions or as the
//!   variable of its own declaration (E0403);
//! - each argument of `integrate_odes` is the name of a declared state variable of order 0
//!   (E0404; typing does not look at these arguments, so undeclared names are E0404 too);
//! - `delta` takes the single argument `t` and is the whole right-hand side of a kernel
//!   (E0410);
//! - a model with ODEs calls `integrate_odes()` somewhere (E0411). Kernels and inline
//!   expressions alone do not require it.

use std::collections::HashSet;

use super::walk::{plain_name, walk_model, Cx, Resolved, Site, Visit};
use crate::diagnostics::{Code, Diagnostic, Span};
use crate::sema::predefined;
use crate::sema::symbols::{complete_name, ModelSymbols, VarKind};
use crate::syntax::ast::*;

/// Runs the checks of this module.
pub fn check(model: &Model, syms: &ModelSymbols, diags: &mut Vec<Diagnostic>) {
    check_declarations(model, diags);
    check_odes(model, syms, diags);
    let kernels = KernelInfo::collect(model, syms);
    let mut v = ExprChecks { syms, kernels: &kernels, diags, kernel_roots: kernel_rhs_calls(model), integrate_called: false };
    walk_model(model, &mut v);
    let integrate_called = v.integrate_called;
    check_integrate_called(model, integrate_called, diags);
}

// ----- declarations: E0301, E0305, E0306 ------------------------------------------------

fn check_declarations(model: &Model, diags: &mut Vec<Diagnostic>) {
    struct Decls<'d>(&'d mut Vec<Diagnostic>);
    impl<'a> Visit<'a> for Decls<'_> {
        fn stmt(&mut self, _cx: &Cx<'a, '_>, s: &'a Stmt) {
            if let StmtKind::Declaration(d) = &s.kind {
                check_inline_declaration(d, self.0);
            }
        }
    }
    for block in &model.blocks {
        let Block::Variables(vb) = block else { continue };
        for d in &vb.declarations {
            if vb.kind == VariablesKind::State && d.rhs.is_none() {
                for v in &d.variables {
                    let name = complete_name(v);
                    diags.push(
                        Diagnostic::error(Code::E0301, v.name.span, format!("the state variable `{name}` has no initial value"))
                            .with_help(format!("give `{name}` an initial value: `{name} {}`", example_initialisation(&d.data_type))),
                    );
                }
            }
            check_inline_declaration(d, diags);
        }
    }
    walk_model(model, &mut Decls(diags));
}

/// `type = value` with a value of the declared type, for help messages.
fn example_initialisation(t: &DataType) -> String {
    match t {
        DataType::Integer(_) => "integer = 0".to_string(),
        DataType::Real(_) => "real = 0".to_string(),
        DataType::Boolean(_) => "boolean = false".to_string(),
        DataType::String(_) => "string = \"\"".to_string(),
        DataType::Unit(UnitType { kind: UnitTypeKind::Name(u), .. }) => format!("{0} = 0 {0}", u.name),
        DataType::Unit(_) | DataType::Void(_) => "<type> = <value>".to_string(),
    }
}

fn check_inline_declaration(d: &Declaration, diags: &mut Vec<Diagnostic>) {
    if !d.inline {
        return;
    }
    let Some(first) = d.variables.first() else { return };
    if d.rhs.is_none() {
        let name = complete_name(first);
        diags.push(
            Diagnostic::error(Code::E0305, first.name.span, format!("the inline expression `{name}` has no right-hand side"))
                .with_help(format!("define it with `inline {name} <type> = <expression>`")),
        );
    }
    if let (Some(second), Some(last)) = (d.variables.get(1), d.variables.last()) {
        let names: Vec<String> = d.variables.iter().map(complete_name).collect();
        diags.push(
            Diagnostic::error(Code::E0306, first.span.to(last.span), format!("an inline expression defines one name, but this one declares {}", names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")))
                .with_label(second.span, "second name")
                .with_help("write one `inline` declaration per name"),
        );
    }
}

// ----- ODE left-hand sides: E0302, E0303, E0304 -----------------------------------------

/// Whether a model-level or predefined variable `name` exists (PyNESTML resolves ODE and
/// kernel left-hand sides in the model scope).
fn model_resolves(syms: &ModelSymbols, name: &str) -> bool {
    syms.var(name).is_some() || predefined::variable(name).is_some()
}

/// Reports the first lower derivative of `lhs` that is not declared (E0304; E0302 for the
/// variable of a first-order ODE); true if one was missing.
fn check_lower_orders(syms: &ModelSymbols, lhs: &Variable, what: &str, diags: &mut Vec<Diagnostic>) -> bool {
    for k in 0..lhs.order {
        let name = format!("{}{}", lhs.name.name, "'".repeat(k as usize));
        // a kernel's own name stands for the kernel (see `ModelSymbols::collect`), not for a
        // declared variable holding its initial value
        let declared = model_resolves(syms, &name) && !(what == "kernel" && syms.var(&name).is_some_and(|s| s.kind == VarKind::Kernel));
        if !declared {
            let full = complete_name(lhs);
            if what == "ODE" && lhs.order == 1 {
                diags.push(
                    Diagnostic::error(Code::E0302, lhs.span, format!("`{full}` is defined, but `{name}` is not declared"))
                        .with_help(format!("declare `{name}` in the state block with an initial value")),
                );
                return true;
            }
            let msg = if k == 0 {
                format!("the {what} for `{full}` refers to `{name}`, which is not declared")
            } else {
                format!("the {what} for `{full}` is of order {}, but the lower derivative `{name}` is not declared", lhs.order)
            };
            diags.push(Diagnostic::error(Code::E0304, lhs.span, msg).with_help(format!("declare `{name}` in the state block with an initial value")));
            return true;
        }
    }
    false
}

fn check_odes(model: &Model, syms: &ModelSymbols, diags: &mut Vec<Diagnostic>) {
    for block in &model.blocks {
        let Block::Equations(eb) = block else { continue };
        for item in &eb.items {
            match &item.kind {
                EquationKind::Ode { lhs, .. } => {
                    let base = &lhs.name.name;
                    if lhs.order == 0 {
                        diags.push(
                            Diagnostic::error(Code::E0303, lhs.span, format!("the equation for `{base}` has no derivative on its left-hand side"))
                                .with_help(format!("write `{base}' = …` for an ODE, or `inline {base} <type> = …` for an expression")),
                        );
                    }
                    if check_lower_orders(syms, lhs, "ODE", diags) {
                        continue;
                    }
                    // ODE-toolbox needs an initial value for every lower derivative: PyNESTML
                    // fails on `x'' = …` when `x` is declared but not a state variable
                    if let Some((name, sym)) = (0..lhs.order.saturating_sub(1)).find_map(|k| {
                        let name = format!("{base}{}", "'".repeat(k as usize));
                        match syms.var(&name) {
                            Some(sym) if sym.kind == VarKind::State => None,
                            sym => Some((name, sym)),
                        }
                    }) {
                        let what = sym.map_or("predefined variable", |s| s.kind.describe());
                        let mut d = Diagnostic::error(
                            Code::E0304,
                            lhs.span,
                            format!("the ODE for `{}` needs an initial value for `{name}`, but `{name}` is a {what}, not a state variable", complete_name(lhs)),
                        )
                        .with_help(format!("declare `{name}` in the state block with an initial value"));
                        if let Some(sym) = sym {
                            d = d.with_label(sym.name_span, format!("`{name}` is declared here"));
                        }
                        diags.push(d);
                        continue;
                    }
                    // the variable whose derivative is defined: `x` for `x'`, `x'` for `x''`
                    let defined = format!("{}{}", base, "'".repeat(lhs.order.saturating_sub(1) as usize));
                    let not_state = |kind: &str, decl: Option<Span>| {
                        let mut d = Diagnostic::error(Code::E0302, lhs.span, format!("`{defined}` has an ODE but is a {kind}, not a state variable"))
                            .with_help(format!("declare `{defined}` in the state block with an initial value"));
                        if let Some(span) = decl {
                            d = d.with_label(span, format!("`{defined}` is declared here"));
                        }
                        d
                    };
                    if let Some(sym) = syms.var(&defined) {
                        if sym.kind != VarKind::State {
                            diags.push(not_state(sym.kind.describe(), Some(sym.name_span)));
                        }
                    } else if predefined::variable(&defined).is_some() {
                        diags.push(not_state("predefined variable", None));
                    }
                }
                EquationKind::Kernel { parts, .. } => {
                    let direct = parts.len() == 1 && parts.first().is_some_and(|(v, _)| v.order == 0);
                    if !direct {
                        for (v, _) in parts {
                            if check_lower_orders(syms, v, "kernel", diags) {
                                break;
                            }
                        }
                    }
                }
                EquationKind::Inline { .. } => {}
            }
        }
    }
}

// ----- kernels ------------------------------------------------------------------------------

/// Which names denote kernels.
struct KernelInfo {
    /// The names a kernel defines, as PyNESTML lists them (`g` for `kernel g = …` and for
    /// `kernel g' = …`, `g'` for `kernel g'' = …`).
    names: HashSet<String>,
    /// Variables that PyNESTML marks as kernels: kernels defined directly, and for a kernel
    /// given as an ODE (`kernel g'' = …`) the declared variables `g` and `g'`.
    symbols: HashSet<String>,
}

impl KernelInfo {
    fn collect(model: &Model, syms: &ModelSymbols) -> Self {
        let mut names = HashSet::new();
        let mut symbols: HashSet<String> = syms.vars.values().filter(|s| s.kind == VarKind::Kernel).map(|s| s.name.clone()).collect();
        for block in &model.blocks {
            let Block::Equations(eb) = block else { continue };
            for item in &eb.items {
                let EquationKind::Kernel { parts, .. } = &item.kind else { continue };
                for (v, _) in parts {
                    names.insert(format!("{}{}", v.name.name, "'".repeat(v.order.saturating_sub(1) as usize)));
                }
                let direct = parts.len() == 1 && parts.first().is_some_and(|(v, _)| v.order == 0);
                if direct {
                    continue;
                }
                'parts: for (v, _) in parts {
                    for k in 0..v.order {
                        let name = format!("{}{}", v.name.name, "'".repeat(k as usize));
                        if !model_resolves(syms, &name) {
                            break 'parts; // reported as E0304
                        }
                        symbols.insert(name);
                    }
                }
            }
        }
        KernelInfo { names, symbols }
    }
}

/// The `delta(…)` calls that are the whole right-hand side of a kernel.
fn kernel_rhs_calls(model: &Model) -> Vec<*const Call> {
    let mut out = Vec::new();
    for block in &model.blocks {
        let Block::Equations(eb) = block else { continue };
        for item in &eb.items {
            let EquationKind::Kernel { parts, .. } = &item.kind else { continue };
            for (_, rhs) in parts {
                if let ExprKind::Call(c) = &rhs.kind {
                    out.push(c as *const Call);
                }
            }
        }
    }
    out
}

// ----- expressions: E0401-E0404, E0410 ----------------------------------------------------

struct ExprChecks<'s, 'a, 'd> {
    syms: &'s ModelSymbols<'a>,
    kernels: &'s KernelInfo,
    diags: &'d mut Vec<Diagnostic>,
    kernel_roots: Vec<*const Call>,
    integrate_called: bool,
}

impl<'a> ExprChecks<'_, 'a, '_> {
    fn is_kernel(&self, r: &Resolved) -> bool {
        matches!(r, Resolved::Model(s) if self.kernels.symbols.contains(&s.name))
    }

    fn describe(r: &Resolved) -> (&'static str, Option<Span>) {
        match r {
            Resolved::Local => ("local variable", None),
            Resolved::Model(s) => (s.kind.describe(), Some(s.name_span)),
            Resolved::Predefined => ("predefined variable", None),
        }
    }

    fn convolve(&mut self, cx: &Cx<'a, '_>, c: &'a Call) {
        // a wrong number of arguments is reported by typing (E0205)
        let [kernel, port] = c.args.as_slice() else { return };
        if let Some(name) = plain_name(kernel) {
            if let Some(r) = cx.resolve(self.syms, &name) {
                let is_state = r.kind() == Some(VarKind::State);
                if is_state && !self.is_kernel(&r) && cx.site == Site::Equations {
                    // accepted by PyNESTML's context condition, but its transformation of the
                    // equations block then fails: only kernels can be convolved there
                    let mut d = Diagnostic::error(Code::E0401, kernel.span, format!("in the equations block, the first argument of `convolve` must be a kernel, but `{name}` is a state variable"))
                        .with_help(format!("define `{name}` as a kernel, e.g. `kernel {name}' = -{name} / tau` (it keeps its initial value from the state block)"));
                    if let Resolved::Model(s) = r {
                        d = d.with_label(s.name_span, format!("`{name}` is declared here"));
                    }
                    self.diags.push(d);
                } else if !self.is_kernel(&r) && !is_state {
                    let (what, decl) = Self::describe(&r);
                    let mut d = Diagnostic::error(Code::E0401, kernel.span, format!("the first argument of `convolve` must be a kernel or a state variable, but `{name}` is a {what}"))
                        .with_help("define a kernel in the equations block, e.g. `kernel k = exp(-t / tau)`, and convolve with it");
                    if let Some(span) = decl {
                        d = d.with_label(span, format!("`{name}` is declared here"));
                    }
                    self.diags.push(d);
                }
            }
        }
        if let Some(name) = plain_name(port) {
            if let Some(r) = cx.resolve(self.syms, &name) {
                if r.kind() != Some(VarKind::SpikePort) {
                    let (what, decl) = Self::describe(&r);
                    let mut d = Diagnostic::error(Code::E0401, port.span, format!("the second argument of `convolve` must be a spike input port, but `{name}` is a {what}"))
                        .with_help("declare a spike input port, e.g. `spikes <- spike` in the input block, and convolve with it");
                    if let Some(span) = decl {
                        d = d.with_label(span, format!("`{name}` is declared here"));
                    }
                    self.diags.push(d);
                }
            }
        }
        for arg in &c.args {
            if !matches!(arg.kind, ExprKind::Var(_)) {
                self.diags.push(
                    Diagnostic::error(Code::E0402, arg.span, "the arguments of `convolve` must be plain names")
                        .with_help("define the expression as a kernel (`kernel k = …`) and pass its name"),
                );
            }
        }
    }

    fn integrate_odes(&mut self, cx: &Cx<'a, '_>, c: &'a Call) {
        for arg in &c.args {
            let ExprKind::Var(v) = &arg.kind else {
                self.diags.push(
                    Diagnostic::error(Code::E0404, arg.span, "the arguments of `integrate_odes` must be names of state variables")
                        .with_help("pass the names of the state variables whose ODEs to integrate, or nothing to integrate all"),
                );
                continue;
            };
            let name = complete_name(v);
            if v.index.is_some() {
                // PyNESTML looks up `x[i]` as a name, which never resolves
                self.diags.push(
                    Diagnostic::error(Code::E0404, arg.span, format!("`integrate_odes` takes names of state variables, not elements of a vector like `{}[…]`", v.name.name))
                        .with_help(format!("write `integrate_odes({name})` to integrate the whole vector")),
                );
                continue;
            }
            // typing leaves the arguments of `integrate_odes` alone: undeclared names are ours
            let Some(r) = cx.resolve(self.syms, &name) else {
                let help = if v.order > 0 && cx.resolve(self.syms, &v.name.name).is_some() {
                    format!("write `integrate_odes({})`; its derivatives are integrated with it", v.name.name)
                } else {
                    "pass the names of the state variables whose ODEs to integrate, or nothing to integrate all".to_string()
                };
                self.diags.push(Diagnostic::error(Code::E0404, arg.span, format!("`integrate_odes` takes state variables, but `{name}` is not declared")).with_help(help));
                continue;
            };
            match r {
                Resolved::Model(s) if s.kind == VarKind::State => {
                    if v.order > 0 {
                        self.diags.push(
                            Diagnostic::error(Code::E0404, arg.span, format!("`{name}` is a derivative; `integrate_odes` takes the variable itself"))
                                .with_help(format!("write `integrate_odes({})`; its derivatives are integrated with it", v.name.name)),
                        );
                    }
                }
                other => {
                    let (what, decl) = Self::describe(&other);
                    let mut d = Diagnostic::error(Code::E0404, arg.span, format!("`integrate_odes` takes state variables, but `{name}` is a {what}"))
                        .with_help("pass the names of the state variables whose ODEs to integrate, or nothing to integrate all");
                    if let Some(span) = decl {
                        d = d.with_label(span, format!("`{name}` is declared here"));
                    }
                    self.diags.push(d);
                }
            }
        }
    }

    fn delta(&mut self, c: &'a Call) {
        let arg_ok = match c.args.as_slice() {
            [a] => matches!(&a.kind, ExprKind::Var(v) if v.name.name == "t"),
            _ => false,
        };
        let whole_kernel = self.kernel_roots.contains(&(c as *const Call));
        if !arg_ok {
            let mut d = Diagnostic::error(Code::E0410, c.name.span, "`delta` takes exactly one argument, the time `t`").with_help("write `delta(t)`");
            if !whole_kernel {
                d = d.with_note("`delta(t)` can also only be used as the whole right-hand side of a kernel");
            }
            self.diags.push(d);
        } else if !whole_kernel {
            self.diags.push(
                Diagnostic::error(Code::E0410, c.name.span, "`delta(t)` can only be used as the whole right-hand side of a kernel")
                    .with_help("define `kernel k = delta(t)` and use it as `convolve(k, spikes)`"),
            );
        }
    }
}

impl<'a> Visit<'a> for ExprChecks<'_, 'a, '_> {
    fn call(&mut self, cx: &Cx<'a, '_>, c: &'a Call) {
        match c.name.name.as_str() {
            "convolve" => self.convolve(cx, c),
            "integrate_odes" => {
                self.integrate_called = true;
                self.integrate_odes(cx, c);
            }
            "delta" => self.delta(c),
            _ => {}
        }
    }

    fn var(&mut self, cx: &Cx<'a, '_>, v: &'a Variable) {
        if self.kernels.names.is_empty() {
            return;
        }
        let name = complete_name(v);
        if !self.kernels.names.contains(&name) {
            return;
        }
        let Some(r) = cx.resolve(self.syms, &name) else { return };
        if !self.is_kernel(&r) {
            return;
        }
        let own_declaration = cx.decl.is_some_and(|d| d.variables.iter().any(|dv| complete_name(dv) == name));
        if cx.in_kernel || cx.in_convolve || own_declaration {
            return;
        }
        let mut d = Diagnostic::error(Code::E0403, v.span, format!("the kernel `{name}` can only be used inside `convolve()`"))
            .with_help(format!("convolve it with a spike input port: `convolve({name}, spikes)`"));
        if let Resolved::Model(s) = r {
            d = d.with_label(s.name_span, "kernel defined here");
        }
        self.diags.push(d);
    }
}

// ----- E0411 ---------------------------------------------------------------------------------

fn check_integrate_called(model: &Model, integrate_called: bool, diags: &mut Vec<Diagnostic>) {
    if integrate_called {
        return;
    }
    let first_ode = model.blocks.iter().find_map(|b| match b {
        Block::Equations(eb) => eb.items.iter().find_map(|i| match &i.kind {
            EquationKind::Ode { lhs, .. } => Some(lhs),
            _ => None,
        }),
        _ => None,
    });
    let Some(lhs) = first_ode else { return };
    let mut d = Diagnostic::error(Code::E0411, super::blocks::model_head(model), format!("model `{}` has ODEs, but `integrate_odes()` is never called", model.name.name))
        .with_label(lhs.span, "an ODE is defined here")
        .with_help("call `integrate_odes()` in the `update` block to advance the ODEs");
    if let Some(u) = model.blocks.iter().find_map(|b| if let Block::Update(u) = b { Some(u) } else { None }) {
        d = d.with_label(u.keyword, "this block does not call `integrate_odes()`");
    } else {
        d = d.with_note("without an `update` block that calls `integrate_odes()`, the state variables never change");
    }
    diags.push(d);
}

#[cfg(test)]
mod tests {
    use crate::diagnostics::Code::{self, *};

    /// Kernels use the time constant `tau_k`, declared at the end so that positions do not
    /// move. (PyNESTML fails on a quantity such as `(1 ms)` inside a kernel.)
    #[track_caller]
    fn expect(src: &str, expected: &[(Code, &str)]) {
        let src = if src.contains("tau_k") { format!("{src}    internals:\n        tau_k ms = 1 ms\n") } else { src.to_string() };
        super::super::test_util::expect(&src, expected);
    }

    #[test]
    fn uninitialised_state() {
        expect("model m:\n    state:\n        x, y real\n        z real = 1\n", &[(E0301, "3:9"), (E0301, "3:12")]);
    }

    #[test]
    fn inline_declarations() {
        expect("model m:\n    state:\n        inline x real\n", &[(E0301, "3:16"), (E0305, "3:16")]);
        expect("model m:\n    parameters:\n        inline x, y real = 1\n", &[(E0306, "3:16")]);
        expect("model m:\n    state:\n        x real = 0\n    update:\n        inline y real\n        x = 1\n", &[(E0305, "5:16")]);
    }

    #[test]
    fn ode_lhs() {
        let head = "model m:\n    parameters:\n        p real = 0\n    state:\n        x real = 0\n";
        let tail = "    update:\n        integrate_odes()\n";
        // ODE for a parameter
        expect(&format!("{head}    equations:\n        p' = -p / (1 ms)\n{tail}"), &[(E0302, "7:9")]);
        // no derivative
        expect(&format!("{head}    equations:\n        x = 1\n{tail}"), &[(E0303, "7:9")]);
        // both
        expect(&format!("{head}    equations:\n        p = 1\n{tail}"), &[(E0302, "7:9"), (E0303, "7:9")]);
        // undeclared, and missing lower order
        expect(&format!("{head}    equations:\n        y' = 1 / (1 ms)\n{tail}"), &[(E0302, "7:9")]);
        expect(&format!("{head}    equations:\n        y'' = 1 / (1 ms**2)\n{tail}"), &[(E0304, "7:9")]);
        expect(&format!("{head}    equations:\n        x'' = -x / (1 ms**2)\n{tail}"), &[(E0304, "7:9")]);
        // every lower derivative needs an initial value (PyNESTML's ODE analysis fails otherwise)
        let src = "model m:\n    parameters:\n        x real = 0\n    state:\n        x' real = 0\n    equations:\n        x'' = -x / (1 ms**2)\n    update:\n        integrate_odes()\n";
        expect(src, &[(E0304, "7:9")]);
        let src = "model m:\n    state:\n        x real = 0\n        x' real = 0\n    equations:\n        x'' = -x / (1 ms**2)\n    update:\n        integrate_odes()\n";
        expect(src, &[]);
    }

    #[test]
    fn odes_for_non_state_variables() {
        let tail = "    update:\n        integrate_odes()\n";
        expect(&format!("model m:\n    state:\n        x real = 0\n    equations:\n        inline y real = x\n        y' = -y / (1 ms)\n{tail}"), &[(E0302, "6:9")]);
        expect(&format!("model m:\n    input:\n        sp <- spike\n    equations:\n        sp' = -sp / (1 ms)\n{tail}"), &[(E0302, "5:9")]);
        expect(&format!("model m:\n    equations:\n        t' = 1\n{tail}"), &[(E0302, "3:9")]);
    }

    #[test]
    fn kernels_assigned_or_integrated() {
        let head = "model m:\n    state:\n        x real = 0\n    input:\n        sp <- spike\n    equations:\n        kernel kk = exp(-t / tau_k)\n        x' = -x / (1 ms)\n    update:\n";
        expect(&format!("{head}        kk = 1\n        integrate_odes()\n"), &[(E0403, "10:9")]);
        expect(&format!("{head}        integrate_odes(kk)\n"), &[(E0403, "10:24"), (E0404, "10:24")]);
        // second-order kernel: `kk` and `kk'` become kernels
        let src = "model m:\n    state:\n        kk real = 0\n        kk' real = 1\n        x real = 0\n    input:\n        sp <- spike\n    equations:\n        kernel kk'' = -kk / tau_k**2\n        inline I real = convolve(kk, sp)\n        x' = -x / (1 ms) + kk' / (1 ms)\n    update:\n        integrate_odes()\n";
        expect(src, &[(E0403, "11:28")]);
    }

    #[test]
    fn kernel_given_as_ode_needs_its_variable() {
        let src = "model m:\n    input:\n        sp <- spike\n    equations:\n        kernel kk' = -kk / tau_k\n        inline I real = convolve(kk, sp)\n";
        expect(src, &[(E0304, "5:16")]);
        let src = "model m:\n    state:\n        kk real = 1\n    input:\n        sp <- spike\n    equations:\n        kernel kk' = -kk / tau_k\n        inline I real = convolve(kk, sp)\n";
        expect(src, &[]);
    }

    #[test]
    fn convolve_arguments() {
        let head = "model m:\n    parameters:\n        p real = 0\n    state:\n        x real = 0\n    input:\n        sp <- spike\n        I_in pA <- continuous\n    equations:\n        kernel kk = exp(-t / tau_k)\n";
        expect(&format!("{head}        inline a real = convolve(kk, sp)\n"), &[]);
        // a state variable is accepted as first argument by PyNESTML's check, but its
        // transformation of the equations block fails; in `update` it passes
        expect(&format!("{head}        inline a real = convolve(x, sp)\n"), &[(E0401, "11:34")]);
        expect(&format!("{head}    update:\n        x = convolve(x, sp)\n"), &[]);
        expect(&format!("{head}        inline a real = convolve(p, sp)\n"), &[(E0401, "11:34")]);
        expect(&format!("{head}        inline a real = convolve(kk, x)\n"), &[(E0401, "11:38")]);
        expect(&format!("{head}        inline a real = convolve(kk, I_in)\n"), &[(E0401, "11:38")]);
        // the number of arguments is checked by typing (E0205)
        expect(&format!("{head}        inline a real = convolve(kk)\n"), &[]);
        expect(&format!("{head}        inline a real = convolve(kk, sp, sp)\n"), &[]);
        expect(&format!("{head}        inline a real = convolve(kk * 2, sp)\n"), &[(E0402, "11:34")]);
        expect(&format!("{head}        inline a real = convolve((kk), sp)\n"), &[(E0402, "11:34")]);
        // undeclared names are left to name resolution
        expect(&format!("{head}        inline a real = convolve(foo, bar)\n"), &[]);
    }

    #[test]
    fn kernels_only_inside_convolve() {
        let head = "model m:\n    state:\n        x real = 0\n    input:\n        sp <- spike\n    equations:\n        kernel kk = exp(-t / tau_k)\n";
        let src = format!("{head}        x' = -x / (1 ms) + kk / (1 ms)\n    update:\n        integrate_odes()\n");
        expect(&src, &[(E0403, "8:28")]);
        let src = format!("{head}    update:\n        x = kk\n");
        expect(&src, &[(E0403, "9:13")]);
        // a local variable shadows the kernel
        let src = format!("{head}    update:\n        kk real = 1\n        x = kk\n");
        expect(&src, &[]);
        // kernel given as an ODE of a state variable: the variable becomes a kernel
        let src = "model m:\n    state:\n        kk real = 1\n        x real = 0\n    input:\n        sp <- spike\n    equations:\n        kernel kk' = -kk / tau_k\n        inline I real = convolve(kk, sp)\n        x' = -x / (1 ms) + kk / (1 ms)\n    update:\n        integrate_odes()\n";
        expect(src, &[(E0403, "10:28")]);
    }

    #[test]
    fn integrate_odes_arguments() {
        let head = "model m:\n    parameters:\n        p real = 0\n    state:\n        x real = 0\n        x' real = 0\n        y real = 0\n    equations:\n        x'' = -x / (1 ms**2)\n    update:\n";
        expect(&format!("{head}        integrate_odes(x, y)\n"), &[]);
        expect(&format!("{head}        integrate_odes(p)\n"), &[(E0404, "11:24")]);
        expect(&format!("{head}        integrate_odes(x')\n"), &[(E0404, "11:24")]);
        expect(&format!("{head}        integrate_odes(x + 1)\n"), &[(E0404, "11:24")]);
        // typing leaves these arguments alone, so undeclared names are reported here
        expect(&format!("{head}        integrate_odes(foo)\n"), &[(E0404, "11:24")]);
        expect(&format!("{head}        integrate_odes(y')\n"), &[(E0404, "11:24")]);
    }

    #[test]
    fn integrate_odes_must_be_called() {
        expect("model m:\n    state:\n        x real = 0\n    equations:\n        x' = -x / (1 ms)\n", &[(E0411, "1:1")]);
        // a call anywhere counts, even in a function
        expect("model m:\n    state:\n        x real = 0\n    equations:\n        x' = -x / (1 ms)\n    function f() real:\n        integrate_odes()\n        return 1\n", &[]);
        // kernels and inline expressions alone need no integration
        expect("model m:\n    input:\n        sp <- spike\n    equations:\n        kernel kk = exp(-t / tau_k)\n        inline I real = convolve(kk, sp)\n", &[]);
    }

    #[test]
    fn delta() {
        let head = "model m:\n    parameters:\n        s ms = 1 ms\n    input:\n        sp <- spike\n    equations:\n";
        let tail = "        inline I real = convolve(kk, sp)\n";
        expect(&format!("{head}        kernel kk = delta(t)\n{tail}"), &[]);
        expect(&format!("{head}        kernel kk = 2 * delta(t)\n{tail}"), &[(E0410, "7:25")]);
        expect(&format!("{head}        kernel kk = (delta(t))\n{tail}"), &[(E0410, "7:22")]);
        expect(&format!("{head}        kernel kk = delta(t - 1 ms)\n{tail}"), &[(E0410, "7:21")]);
        expect(&format!("{head}        kernel kk = delta(s)\n{tail}"), &[(E0410, "7:21")]);
        expect("model m:\n    state:\n        x real = 0\n    update:\n        x = delta(t)\n", &[(E0410, "5:13")]);
    }
}
