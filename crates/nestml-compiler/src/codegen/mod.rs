//! Code generation: a model's IR and ODE analysis → the Rust source of a struct implementing
//! `nestml_runtime::Neuron` (through the `::nestml` facade, the only path generated code names).
//!
//! What is generated (all values `f64` in NEST units):
//! - the struct: one public field per state variable, parameter and internal (named as the
//!   NESTML symbol, `g__d` for `g'`), one per convolution state, the propagator cache
//!   (`__P`, `__Phi`) and the input buffers;
//! - `Default`: the defaults evaluated in dependency order, the propagator at 0.1 ms;
//! - `calibrate`: the internals (in dependency order) and `P = expm(A h)`, `Φ` from the
//!   parameter values at the resolution (`nestml::linalg::propagator`);
//! - `step`, in the order of PyNESTML's NEST target: spike sums into the port values
//!   (`1e-3 * weight sum`, so `port * 1 s` is the sum), `update` (`integrate_odes(names)`
//!   applies the propagator rows of the named states, reading the old values of all states;
//!   convolution states are always advanced), `onReceive` handlers of ports that received
//!   spikes, convolution jumps, `onCondition` blocks; each `emit_spike()` is a spike at the
//!   end of the step;
//! - `get_value`/`set_value` by variable index (the trait's `get`/`set` by name), guards
//!   checked on set, internals recomputed after a parameter changes.
//!
//! Only models whose ODEs are all linear with constant coefficients are supported so far;
//! everything else is reported as a [`CodegenError`] naming the feature.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use nestml_ode::{rust, Cond, Expr, LinearPart, RustNames};

use crate::analysis::{build_system, nestml_name, resolved_inlines, substitute_all, StateOrigin, WEIGHT};
use crate::diagnostics::Span;
use crate::ir::{ArithOp, IrStmt, ModelIr, STEP};
use crate::sema::symbols::VarKind;
use crate::sema::types::Type;

/// Why a model cannot be generated (yet).
#[derive(Clone, Debug, PartialEq)]
pub struct CodegenError {
    pub span: Option<Span>,
    pub message: String,
}

fn err(span: Option<Span>, message: impl Into<String>) -> CodegenError {
    CodegenError { span, message: message.into() }
}

const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "dyn", "else", "enum", "extern", "false", "fn", "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return", "static", "struct", "trait", "true", "type", "unsafe", "use", "where", "while", "abstract", "become", "box", "do", "final", "macro", "override", "priv", "typeof", "unsized", "virtual", "yield", "try", "gen",
];

/// A Rust identifier for a NESTML symbol.
fn ident(sym: &str) -> Result<String, CodegenError> {
    if matches!(sym, "self" | "Self" | "super" | "crate" | "_") {
        return Err(err(None, format!("a variable named `{sym}` cannot be generated as a Rust field")));
    }
    Ok(if KEYWORDS.contains(&sym) { format!("r#{sym}") } else { sym.to_string() })
}

/// Where a symbol lives in a generated function.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Ctx {
    /// `Default::default`: model variables are local bindings `v_<sym>`.
    Default,
    /// `__recompute` (internals, propagator): `self.<sym>`, the step is `self.__h`.
    Calibrate,
    /// `step`: `self.<sym>`, ports `self.__in_<port>`, `t` is the end of the step.
    Step,
}

struct Gen<'a> {
    ir: &'a ModelIr,
    inlines: Vec<(String, Expr)>,
    /// Every field holding a model value: variables and convolution states.
    fields: BTreeSet<String>,
    ports: BTreeSet<String>,
    lin: LinearPart,
    /// Convolution states (always advanced by `integrate_odes`).
    conv: BTreeSet<String>,
    /// Jumps of ODE states by delta-kernel convolutions: (port index, state, jump with the
    /// weight sum as the local `__w`). As PyNESTML, they are applied where the state is
    /// integrated (`integrate_odes` naming it), so a state that is not integrated in a step
    /// (e.g. a refractory V_m) ignores the spikes of that step.
    delta_jumps: Vec<(usize, String, Expr)>,
    errors: Vec<CodegenError>,
}

impl Gen<'_> {
    fn expr(&mut self, e: &Expr, ctx: Ctx, locals: &BTreeSet<String>, span: Option<Span>) -> String {
        let e = substitute_all(e, &self.inlines);
        self.print(ctx, locals, span, |names| rust::to_rust(&e, names))
    }

    fn cond(&mut self, c: &Cond, ctx: Ctx, locals: &BTreeSet<String>, span: Option<Span>) -> String {
        let c = subst_cond(c, &self.inlines);
        self.print(ctx, locals, span, |names| rust::cond(&c, names))
    }

    /// Prints with the symbol names of `ctx`; unknown symbols are reported.
    fn print(&mut self, ctx: Ctx, locals: &BTreeSet<String>, span: Option<Span>, f: impl FnOnce(&RustNames) -> String) -> String {
        let bad = std::cell::RefCell::new(Vec::new());
        let fields = &self.fields;
        let ports = &self.ports;
        let symbol = |s: &str| -> String {
            if locals.contains(s) {
                return format!("l_{s}");
            }
            if s == STEP {
                return match ctx {
                    Ctx::Default => "__h".into(),
                    _ => "self.__h".into(),
                };
            }
            if s == "t" {
                return match ctx {
                    Ctx::Step => "__t".into(),
                    _ => "0.0_f64".into(),
                };
            }
            if fields.contains(s) {
                let id = ident(s).unwrap_or_else(|_| s.to_string());
                return match ctx {
                    Ctx::Default => format!("v_{s}"),
                    _ => format!("self.{id}"),
                };
            }
            if ports.contains(s) && ctx == Ctx::Step {
                return format!("self.__in_{s}");
            }
            bad.borrow_mut().push(s.to_string());
            "0.0_f64".into()
        };
        let text = f(&RustNames { symbol: &symbol, math: "::nestml::math" });
        for s in bad.into_inner() {
            self.errors.push(err(span, format!("`{}` cannot be used here in generated code", nestml_name(&s))));
        }
        text
    }

    fn stmts(&mut self, body: &[IrStmt], locals: &mut BTreeSet<String>, out: &mut String, indent: usize, in_update: bool) {
        let pad = "    ".repeat(indent);
        for s in body {
            match s {
                IrStmt::Assign { target, index, op, value } => {
                    if index.is_some() {
                        self.errors.push(err(None, format!("assignment to an element of vector `{}`: vectors are not supported yet", nestml_name(target))));
                        continue;
                    }
                    let lhs = if locals.contains(target) {
                        format!("l_{target}")
                    } else if self.fields.contains(target) {
                        format!("self.{}", ident(target).unwrap_or_default())
                    } else {
                        self.errors.push(err(None, format!("assignment to `{}`: not a variable of the model", nestml_name(target))));
                        continue;
                    };
                    let v = self.expr(value, Ctx::Step, locals, None);
                    let op = match op {
                        None => "=",
                        Some(ArithOp::Add) => "+=",
                        Some(ArithOp::Sub) => "-=",
                        Some(ArithOp::Mul) => "*=",
                        Some(ArithOp::Div) => "/=",
                    };
                    let _ = writeln!(out, "{pad}{lhs} {op} {v};");
                }
                IrStmt::Local { name, value } => {
                    let v = self.expr(value, Ctx::Step, locals, None);
                    locals.insert(name.clone());
                    let _ = writeln!(out, "{pad}#[allow(unused_mut, unused_assignments)]\n{pad}let mut l_{name}: f64 = {v};");
                }
                IrStmt::If { branches, otherwise } => {
                    for (i, (c, b)) in branches.iter().enumerate() {
                        let c = self.cond(c, Ctx::Step, locals, None);
                        let _ = writeln!(out, "{pad}{}if {c} {{", if i == 0 { "" } else { "} else " });
                        let mut inner = locals.clone();
                        self.stmts(b, &mut inner, out, indent + 1, in_update);
                    }
                    if !otherwise.is_empty() {
                        let _ = writeln!(out, "{pad}}} else {{");
                        let mut inner = locals.clone();
                        self.stmts(otherwise, &mut inner, out, indent + 1, in_update);
                    }
                    let _ = writeln!(out, "{pad}}}");
                }
                IrStmt::For { var, from, to, step, body } => {
                    if !locals.contains(var) {
                        self.errors.push(err(None, format!("`for {var} in …`: the loop variable must be a local variable")));
                        continue;
                    }
                    if *step == 0.0 || !step.is_finite() {
                        self.errors.push(err(None, format!("`for {var} in …`: the step must be a non-zero number")));
                        continue;
                    }
                    let from = self.expr(from, Ctx::Step, locals, None);
                    let to = self.expr(to, Ctx::Step, locals, None);
                    let cmp = if *step > 0.0 { "<=" } else { ">=" };
                    let _ = writeln!(out, "{pad}l_{var} = {from};\n{pad}while l_{var} {cmp} {to} {{");
                    let mut inner = locals.clone();
                    self.stmts(body, &mut inner, out, indent + 1, in_update);
                    let _ = writeln!(out, "{pad}    l_{var} += {:?}_f64;\n{pad}}}", step);
                }
                IrStmt::While { condition, body } => {
                    let c = self.cond(condition, Ctx::Step, locals, None);
                    let _ = writeln!(out, "{pad}while {c} {{");
                    let mut inner = locals.clone();
                    self.stmts(body, &mut inner, out, indent + 1, in_update);
                    let _ = writeln!(out, "{pad}}}");
                }
                IrStmt::IntegrateOdes(names) => {
                    if !in_update {
                        self.errors.push(err(None, "`integrate_odes` outside the `update` block is not supported"));
                        continue;
                    }
                    self.integrate(names, locals, out, &pad);
                }
                IrStmt::EmitSpike(args) => {
                    if !args.is_empty() {
                        self.errors.push(err(None, "`emit_spike` with arguments (weight, delay) is not supported yet"));
                        continue;
                    }
                    let _ = writeln!(out, "{pad}__out.spikes += 1;");
                }
                IrStmt::Print { .. } => self.errors.push(err(None, "`print`/`println` is not supported yet")),
                IrStmt::Return(_) => self.errors.push(err(None, "`return` in `update`, `onReceive` or `onCondition` is not supported yet")),
            }
        }
    }

    /// `integrate_odes(names)`: the named rows of `P x + Φ b` (all rows for no names), from the
    /// values of all states before the call. Convolution states are always advanced.
    fn integrate(&mut self, names: &[String], locals: &BTreeSet<String>, out: &mut String, pad: &str) {
        let n = self.lin.states.len();
        if n == 0 {
            return;
        }
        let named = |s: &str| {
            names.is_empty()
                || names.iter().any(|name| s == name || s.strip_prefix(name.as_str()).is_some_and(|rest| !rest.is_empty() && rest.trim_start_matches("__d").is_empty()))
        };
        for name in names {
            if !self.lin.states.iter().any(|s| s == name || s.starts_with(&format!("{name}__d"))) {
                self.errors.push(err(None, format!("`integrate_odes({})`: `{}` is not a state variable with an ODE", nestml_name(name), nestml_name(name))));
            }
        }
        let states: Vec<String> = self.lin.states.clone();
        let x: Vec<String> = states.iter().map(|s| format!("self.{}", ident(s).unwrap_or_default())).collect();
        let b: Vec<String> = self.lin.b.clone().iter().map(|e| self.expr(e, Ctx::Step, locals, None)).collect();
        let _ = writeln!(out, "{pad}{{");
        let _ = writeln!(out, "{pad}    let __x: [f64; {n}] = [{}];", x.join(", "));
        let _ = writeln!(out, "{pad}    let __b: [f64; {n}] = [{}];", b.join(", "));
        for (i, s) in states.iter().enumerate() {
            if named(s) || self.conv.contains(s) {
                let _ = writeln!(out, "{pad}    {} = ::nestml::linalg::row(&self.__P, &self.__Phi, &__x, &__b, {i});", x[i]);
            }
        }
        for (i, state, jump) in self.delta_jumps.clone() {
            if !named(&state) {
                continue;
            }
            let mut locals = locals.clone();
            locals.insert("__w".to_string());
            let v = self.expr(&jump, Ctx::Step, &locals, None);
            let target = ident(&state).unwrap_or_default();
            let _ = writeln!(out, "{pad}    // delta-kernel input of `{}`\n{pad}    if self.__spikes.received({i}) {{\n{pad}        let l___w = self.__spikes.sum({i});\n{pad}        self.{target} += {v};\n{pad}    }}", nestml_name(&state));
        }
        let _ = writeln!(out, "{pad}}}");
    }
}

/// `c` with the inline expressions substituted.
fn subst_cond(c: &Cond, inlines: &[(String, Expr)]) -> Cond {
    match c {
        Cond::Bool(b) => Cond::Bool(*b),
        Cond::Cmp(op, a, b) => Cond::Cmp(*op, substitute_all(a, inlines), substitute_all(b, inlines)),
        Cond::And(cs) => Cond::And(cs.iter().map(|c| subst_cond(c, inlines)).collect()),
        Cond::Or(cs) => Cond::Or(cs.iter().map(|c| subst_cond(c, inlines)).collect()),
        Cond::Not(c) => Cond::Not(Box::new(subst_cond(c, inlines))),
    }
}

/// Orders `items` (symbol, default) so that each comes after the symbols its default uses.
fn dependency_order<'a>(items: &[(&'a str, Option<&'a Expr>)]) -> Result<Vec<(&'a str, Option<&'a Expr>)>, Vec<String>> {
    let names: BTreeSet<&str> = items.iter().map(|(n, _)| *n).collect();
    let mut done: BTreeSet<&str> = BTreeSet::new();
    let mut order = Vec::new();
    let mut pending: Vec<(&str, Option<&Expr>)> = items.to_vec();
    while !pending.is_empty() {
        let before = pending.len();
        pending.retain(|(name, e)| {
            let ready = e.is_none_or(|e| e.symbols().iter().all(|s| !names.contains(s.as_str()) || done.contains(s.as_str())));
            if ready {
                done.insert(name);
                order.push((*name, *e));
            }
            !ready
        });
        if pending.len() == before {
            return Err(pending.iter().map(|(n, _)| n.to_string()).collect());
        }
    }
    Ok(order)
}

/// The Rust source of the model's neuron struct.
pub fn generate(ir: &ModelIr) -> Result<String, Vec<CodegenError>> {
    let mut errors: Vec<CodegenError> = ir
        .problems
        .iter()
        .chain(&ir.block_problems)
        .map(|p| match p.message.split('`').nth(1).filter(|f| f.starts_with("random_")) {
            Some(f) => err(Some(p.span), format!("random functions (`{f}`) are not supported yet")),
            None => err(Some(p.span), format!("not supported yet: {}", p.message)),
        })
        .collect();
    let ms = build_system(ir);
    errors.extend(ms.problems.iter().map(|p| err(None, p.clone())));
    for v in &ir.variables {
        if v.vector {
            errors.push(err(Some(v.span), format!("`{}`: vectors are not supported yet", v.nestml_name)));
        }
        match v.ty {
            Type::Boolean => errors.push(err(Some(v.span), format!("`{}`: boolean variables are not supported yet", v.nestml_name))),
            Type::String => errors.push(err(Some(v.span), format!("`{}`: string variables are not supported", v.nestml_name))),
            _ => {}
        }
        if let Err(e) = ident(&v.name) {
            errors.push(err(Some(v.span), e.message));
        }
    }
    for p in &ir.vector_ports {
        errors.push(err(None, format!("input port `{p}`: vector ports are not supported yet")));
    }
    let partition = ms.system.linear_partition();
    if !partition.nonlinear.is_empty() {
        let list: Vec<String> = partition.nonlinear.iter().map(|s| format!("`{}` ({})", nestml_name(s), partition.reasons.get(s).map(|r| r.to_string()).unwrap_or_default())).collect();
        errors.push(err(None, format!("nonlinear ODEs (numeric solver) are not supported yet: {}", list.join(", "))));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let conv: BTreeSet<String> = ms.origins.iter().filter(|(_, o)| **o == StateOrigin::Convolution).map(|(s, _)| s.clone()).collect();
    let mut fields: BTreeSet<String> = ir.variables.iter().map(|v| v.name.clone()).collect();
    fields.extend(conv.iter().cloned());
    let ports: BTreeSet<String> = ir.spike_ports.iter().chain(&ir.continuous_ports).cloned().collect();
    let delta_jumps = ms
        .jumps
        .iter()
        .filter(|j| !conv.contains(&j.state))
        .filter_map(|j| Some((ir.spike_ports.iter().position(|p| *p == j.port)?, j.state.clone(), j.jump.subs(WEIGHT, &Expr::sym("__w")))))
        .collect();
    let mut g = Gen { ir, inlines: resolved_inlines(ir), fields, ports, lin: partition.linear.clone(), conv, delta_jumps, errors: Vec::new() };
    let src = g.source(&ms);
    if g.errors.is_empty() {
        Ok(src)
    } else {
        Err(g.errors)
    }
}

fn kind_name(k: VarKind) -> &'static str {
    match k {
        VarKind::Parameter => "Parameter",
        VarKind::Internal => "Internal",
        _ => "State",
    }
}

impl Gen<'_> {
    fn source(&mut self, ms: &crate::analysis::ModelSystem) -> String {
        let ir = self.ir;
        let name = &type_name(&ir.name);
        let n = self.lin.states.len();
        let none = BTreeSet::new();
        let mut o = String::new();
        let _ = writeln!(o, "/// The NESTML model `{name}` (generated).");
        let _ = writeln!(o, "#[allow(non_snake_case, dead_code)]\n#[derive(Clone, Debug)]\npub struct {name} {{");
        // model variables in declaration order, then convolution states
        let conv_states: Vec<String> = ms.system.states.iter().filter(|s| self.conv.contains(&s.name)).map(|s| s.name.clone()).collect();
        for v in &ir.variables {
            let unit = v.unit.as_deref().map(|u| format!(" ({u})")).unwrap_or_default();
            let _ = writeln!(o, "    /// {} `{}`{unit}.\n    pub {}: f64,", kind_name(v.kind).to_lowercase(), v.nestml_name, ident(&v.name).unwrap_or_default());
        }
        for s in &conv_states {
            let _ = writeln!(o, "    /// convolution state `{}`.\n    pub {}: f64,", nestml_name(s), ident(s).unwrap_or_default());
        }
        for p in ir.spike_ports.iter().chain(&ir.continuous_ports) {
            let _ = writeln!(o, "    __in_{p}: f64,");
        }
        let _ = writeln!(o, "    __h: f64,\n    __P: [[f64; {n}]; {n}],\n    __Phi: [[f64; {n}]; {n}],");
        let _ = writeln!(o, "    __spikes: ::nestml::SpikeInputs<{}>,\n    __currents: ::nestml::ContinuousInputs<{}>,\n}}\n", ir.spike_ports.len(), ir.continuous_ports.len());

        // Default
        let initial: BTreeMap<&str, &Expr> = ms.system.states.iter().map(|s| (s.name.as_str(), &s.initial)).collect();
        let mut items: Vec<(&str, Option<&Expr>)> = ir.variables.iter().map(|v| (v.name.as_str(), v.default.as_ref())).collect();
        for s in &conv_states {
            items.push((s.as_str(), initial.get(s.as_str()).copied()));
        }
        let mut d = String::new();
        match dependency_order(&items) {
            Ok(order) => {
                for (sym, e) in order {
                    let v = match e {
                        Some(e) => self.expr(e, Ctx::Default, &none, None),
                        None => "0.0_f64".into(),
                    };
                    let _ = writeln!(d, "        let v_{sym}: f64 = {v};");
                }
            }
            Err(cycle) => self.errors.push(err(None, format!("the defaults of {} depend on each other", cycle.iter().map(|s| format!("`{}`", nestml_name(s))).collect::<Vec<_>>().join(", ")))),
        }
        let _ = writeln!(o, "impl ::core::default::Default for {name} {{\n    #[allow(non_snake_case, unused_variables)]\n    fn default() -> Self {{\n        let __h: f64 = 0.1;");
        o.push_str(&d);
        let _ = writeln!(o, "        let mut __s = {name} {{");
        for s in ir.variables.iter().map(|v| &v.name).chain(&conv_states) {
            let _ = writeln!(o, "            {}: v_{s},", ident(s).unwrap_or_default());
        }
        for p in ir.spike_ports.iter().chain(&ir.continuous_ports) {
            let _ = writeln!(o, "            __in_{p}: 0.0,");
        }
        let _ = writeln!(o, "            __h,\n            __P: [[0.0; {n}]; {n}],\n            __Phi: [[0.0; {n}]; {n}],\n            __spikes: ::core::default::Default::default(),\n            __currents: ::core::default::Default::default(),\n        }};\n        __s.__propagator();\n        __s\n    }}\n}}\n");

        // internals and propagator
        let internals: Vec<(&str, Option<&Expr>)> = ir.variables.iter().filter(|v| v.kind == VarKind::Internal).map(|v| (v.name.as_str(), v.default.as_ref())).collect();
        let _ = writeln!(o, "#[allow(non_snake_case, unused_parens, clippy::all)]\nimpl {name} {{");
        let _ = writeln!(o, "    /// Recomputes the internals from the parameters and the resolution, then the propagator.\n    fn __recompute(&mut self) {{");
        if let Ok(order) = dependency_order(&internals) {
            for (sym, e) in order {
                if let Some(e) = e {
                    let v = self.expr(e, Ctx::Calibrate, &none, None);
                    let _ = writeln!(o, "        self.{} = {v};", ident(sym).unwrap_or_default());
                }
            }
        }
        let _ = writeln!(o, "        self.__propagator();\n    }}\n");
        let _ = writeln!(o, "    /// `P = expm(A h)` and `Φ` at the current parameters and resolution.\n    fn __propagator(&mut self) {{");
        if n > 0 {
            let a = self.lin.a.clone();
            let rows: Vec<String> = a.iter().map(|row| format!("[{}]", row.iter().map(|e| self.expr(e, Ctx::Calibrate, &none, None)).collect::<Vec<_>>().join(", "))).collect();
            let _ = writeln!(o, "        let __a: [[f64; {n}]; {n}] = [\n            {},\n        ];", rows.join(",\n            "));
            let _ = writeln!(o, "        let (__p, __phi) = ::nestml::linalg::propagator(&__a, self.__h);\n        self.__P = __p;\n        self.__Phi = __phi;");
        }
        let _ = writeln!(o, "    }}\n}}\n");

        // the Neuron impl
        let _ = writeln!(o, "#[allow(non_snake_case, unused_parens, unused_variables, unused_mut, clippy::all)]\nimpl ::nestml::Neuron for {name} {{");
        let _ = writeln!(o, "    const NAME: &'static str = {:?};", ir.name);
        let _ = writeln!(o, "    const VARIABLES: &'static [::nestml::VariableInfo] = &[");
        for v in &ir.variables {
            let ty = match v.ty {
                Type::Integer => "Integer",
                Type::Boolean => "Boolean",
                _ => "Real",
            };
            let _ = writeln!(
                o,
                "        ::nestml::VariableInfo {{ name: {:?}, unit: {:?}, kind: ::nestml::VariableKind::{}, ty: ::nestml::ValueType::{ty}, vector: false }},",
                v.name,
                v.unit,
                kind_name(v.kind)
            );
        }
        for s in &conv_states {
            let _ = writeln!(o, "        ::nestml::VariableInfo {{ name: {s:?}, unit: None, kind: ::nestml::VariableKind::State, ty: ::nestml::ValueType::Real, vector: false }},");
        }
        let _ = writeln!(o, "    ];\n    const PORTS: &'static [::nestml::PortInfo] = &[");
        for p in &ir.spike_ports {
            let _ = writeln!(o, "        ::nestml::PortInfo {{ name: {p:?}, kind: ::nestml::PortKind::Spike, unit: None, len: 1 }},");
        }
        for p in &ir.continuous_ports {
            let unit = ir.variable(p).and_then(|v| v.unit.clone());
            let _ = writeln!(o, "        ::nestml::PortInfo {{ name: {p:?}, kind: ::nestml::PortKind::Continuous, unit: {unit:?}, len: 1 }},");
        }
        let _ = writeln!(o, "    ];\n    const RECEPTORS: &'static [::nestml::Receptor] = &[");
        for r in receptors(&ir.spike_qualifiers) {
            let _ = match r {
                (e, Some(i)) => writeln!(o, "        ::nestml::Receptor {{ excitatory: {e}, inhibitory: Some({i}) }},"),
                (e, None) => writeln!(o, "        ::nestml::Receptor::single({e}),"),
            };
        }
        let _ = writeln!(o, "    ];\n");
        let _ = writeln!(o, "    fn init_buffers(&mut self, _resolution: &::nestml::Resolution) {{\n        self.__spikes.clear();\n        self.__currents.clear();\n    }}\n");
        let _ = writeln!(o, "    fn calibrate(&mut self, resolution: &::nestml::Resolution) -> ::core::result::Result<(), ::nestml::Fault> {{\n        self.__h = resolution.h();\n        self.__recompute();\n        Ok(())\n    }}\n");
        let _ = writeln!(o, "    #[inline]\n    fn handle_spike(&mut self, receptor: usize, weight: f64, multiplicity: u32) {{\n        self.__spikes.receive(Self::RECEPTORS, receptor, weight, multiplicity);\n    }}\n");
        let _ = writeln!(o, "    #[inline]\n    fn handle_current(&mut self, port: usize, value: f64) {{\n        self.__currents.add(port, value);\n    }}\n");

        // step
        let _ = writeln!(o, "    fn step(&mut self, ctx: &mut ::nestml::StepContext<'_>) -> ::core::result::Result<::nestml::StepOutcome, ::nestml::Fault> {{");
        let _ = writeln!(o, "        let __t = ctx.t_end;\n        let mut __out = ::nestml::StepOutcome::default();\n        self.__spikes.begin_step();");
        for (i, p) in ir.spike_ports.iter().enumerate() {
            let _ = writeln!(o, "        self.__in_{p} = 1e-3 * self.__spikes.sum({i});");
        }
        for (i, p) in ir.continuous_ports.iter().enumerate() {
            let _ = writeln!(o, "        self.__in_{p} = self.__currents.value({i});");
        }
        let _ = writeln!(o, "        // update");
        let mut locals = BTreeSet::new();
        let mut body = String::new();
        self.stmts(&ir.update, &mut locals, &mut body, 2, true);
        o.push_str(&body);
        for (port, handler) in &ir.on_receive {
            let Some(i) = ir.spike_ports.iter().position(|p| p == port) else {
                self.errors.push(err(None, format!("`onReceive({port})`: not a spike input port")));
                continue;
            };
            let _ = writeln!(o, "        // onReceive({port})\n        if self.__spikes.received({i}) {{");
            let mut body = String::new();
            self.stmts(handler, &mut BTreeSet::new(), &mut body, 3, false);
            o.push_str(&body);
            let _ = writeln!(o, "        }}");
        }
        let jumps: Vec<_> = ms.jumps.iter().filter(|j| self.conv.contains(&j.state)).cloned().collect();
        for j in &jumps {
            let Some(i) = ir.spike_ports.iter().position(|p| *p == j.port) else { continue };
            let jump = j.jump.subs(WEIGHT, &Expr::sym("__w"));
            let mut locals = BTreeSet::new();
            locals.insert("__w".to_string());
            let v = self.expr(&jump, Ctx::Step, &locals, None);
            let target = ident(&j.state).unwrap_or_default();
            let _ = writeln!(o, "        // convolution jump of `{}` by the weights at `{}`\n        if self.__spikes.received({i}) {{\n            let l___w = self.__spikes.sum({i});\n            self.{target} += {v};\n        }}", nestml_name(&j.state), j.port);
        }
        for (c, block) in &ir.on_condition {
            let c = self.cond(c, Ctx::Step, &none, None);
            let _ = writeln!(o, "        // onCondition\n        if {c} {{");
            let mut body = String::new();
            self.stmts(block, &mut BTreeSet::new(), &mut body, 3, false);
            o.push_str(&body);
            let _ = writeln!(o, "        }}");
        }
        let _ = writeln!(o, "        self.__currents.end_step();\n        Ok(__out)\n    }}\n");

        // get/set
        let all: Vec<(&str, VarKind, Option<&nestml_ode::Cond>)> =
            ir.variables.iter().map(|v| (v.name.as_str(), v.kind, v.guard.as_ref())).chain(conv_states.iter().map(|s| (s.as_str(), VarKind::State, None))).collect();
        let _ = writeln!(o, "    fn get_value(&self, var: usize, element: usize) -> Option<f64> {{\n        if element != 0 {{\n            return None;\n        }}\n        Some(match var {{");
        for (i, (s, _, _)) in all.iter().enumerate() {
            let _ = writeln!(o, "            {i} => self.{},", ident(s).unwrap_or_default());
        }
        let _ = writeln!(o, "            _ => return None,\n        }})\n    }}\n");
        let _ = writeln!(o, "    fn set_value(&mut self, var: usize, element: usize, value: f64) -> ::core::result::Result<(), ::nestml::SetError> {{");
        let _ = writeln!(o, "        let info = Self::VARIABLES.get(var).ok_or(::nestml::SetError::Unknown {{ model: Self::NAME, name: format!(\"#{{var}}\") }})?;");
        let _ = writeln!(o, "        if element != 0 {{\n            return Err(::nestml::SetError::Index {{ model: Self::NAME, name: info.name, index: element, len: 1 }});\n        }}");
        let _ = writeln!(o, "        if !info.writable() {{\n            return Err(::nestml::SetError::ReadOnly {{ model: Self::NAME, name: info.name }});\n        }}");
        let _ = writeln!(o, "        if info.ty == ::nestml::ValueType::Integer && value.fract() != 0.0 {{\n            return Err(::nestml::SetError::NotInteger {{ model: Self::NAME, name: info.name, value }});\n        }}");
        let _ = writeln!(o, "        let __old = self.clone();\n        match var {{");
        for (i, (s, kind, _)) in all.iter().enumerate() {
            if matches!(kind, VarKind::Parameter | VarKind::State) {
                let _ = writeln!(o, "            {i} => self.{} = value,", ident(s).unwrap_or_default());
            }
        }
        let _ = writeln!(o, "            _ => {{}}\n        }}");
        let _ = writeln!(o, "        if info.kind == ::nestml::VariableKind::Parameter {{\n            self.__recompute();\n        }}");
        for (s, _, guard) in &all {
            if let Some(g) = guard {
                let c = self.cond(g, Ctx::Calibrate, &none, None);
                let text = format!("violates the guard of `{}`", nestml_name(s));
                let _ = writeln!(o, "        if !{c} {{\n            *self = __old;\n            return Err(::nestml::SetError::Invalid {{ model: Self::NAME, name: info.name, value, reason: {text:?} }});\n        }}");
            }
        }
        let _ = writeln!(o, "        Ok(())\n    }}\n}}");
        o
    }
}

/// NEST receptors: an `excitatory` and an `inhibitory` spike port form one receptor routed by
/// the sign of the weight (PyNESTML's NEST target); every other spike port is a receptor.
fn receptors(qualifiers: &[(bool, bool)]) -> Vec<(usize, Option<usize>)> {
    let exc: Vec<usize> = (0..qualifiers.len()).filter(|&i| qualifiers[i] == (true, false)).collect();
    let inh: Vec<usize> = (0..qualifiers.len()).filter(|&i| qualifiers[i] == (false, true)).collect();
    let pair = (exc.len() == 1 && inh.len() == 1).then(|| (exc[0], inh[0]));
    let mut out = Vec::new();
    for i in 0..qualifiers.len() {
        match pair {
            Some((e, h)) if i == e.min(h) => out.push((e, Some(h))),
            Some((e, h)) if i == e.max(h) => {}
            _ => out.push((i, None)),
        }
    }
    out
}

/// Parses generated source into tokens.
pub fn to_tokens(source: &str) -> Result<proc_macro2::TokenStream, String> {
    source.parse::<proc_macro2::TokenStream>().map_err(|e| format!("generated code does not lex: {e}"))
}

/// Checks `text` (for the NEST target) and generates the Rust source of every model in it;
/// on failure, the rendered diagnostics (`file:line:col`) or code-generation errors.
pub fn generate_source(file_name: &str, text: &str) -> Result<String, String> {
    let mut sources = crate::diagnostics::SourceMap::default();
    let checked = crate::check_source_for(&mut sources, file_name, text, crate::Target::Nest);
    if checked.has_errors() {
        let errors: Vec<_> = checked.diagnostics.iter().filter(|d| d.is_error()).cloned().collect();
        return Err(crate::diagnostics::render_all(&errors, &sources, crate::diagnostics::RenderStyle::Plain));
    }
    let file = sources.get(checked.file);
    let mut out = String::new();
    let mut messages = Vec::new();
    for model in &checked.unit.models {
        let syms = crate::sema::symbols::ModelSymbols::collect(model, &mut Vec::new());
        let ir = crate::ir::lower_model(&syms);
        match generate(&ir) {
            Ok(src) => out.push_str(&src),
            Err(errors) => {
                for e in errors {
                    let span = e.span.unwrap_or(model.name.span);
                    let lc = file.line_col(span.start as usize);
                    messages.push(format!("{}:{}:{}: error: model `{}` cannot be generated: {}", file.name, lc.line, lc.column, ir.name, e.message));
                }
            }
        }
    }
    if messages.is_empty() {
        Ok(out)
    } else {
        Err(messages.join("\n"))
    }
}

/// The Rust type name of a model: `iaf_psc_exp_neuron` → `IafPscExpNeuron`.
pub fn type_name(model: &str) -> String {
    model
        .split('_')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut chars = part.chars();
            chars.next().map(|c| c.to_ascii_uppercase().to_string() + chars.as_str()).unwrap_or_default()
        })
        .collect()
}

#[cfg(test)]
mod type_name_tests {
    #[test]
    fn model_names_become_upper_camel_case() {
        assert_eq!(super::type_name("iaf_psc_exp_neuron"), "IafPscExpNeuron");
        assert_eq!(super::type_name("hh_moto_5ht_neuron"), "HhMoto5htNeuron");
        assert_eq!(super::type_name("stdp_synapse"), "StdpSynapse");
    }
}
