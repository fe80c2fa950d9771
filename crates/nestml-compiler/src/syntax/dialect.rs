//! The older dialects of NESTML (2–8), read into the NESTML 9 tree.
//!
//! Which dialect a file is read in is decided per file ([`Dialect`]): by default a file is
//! NESTML 9 unless a model in it starts with `neuron NAME:` or `synapse NAME:`, which NESTML 9
//! does not accept and which every release up to 7.x used; NESTML 8 files (`model NAME:`) are
//! read as old only when asked (`nestml migrate`, `nestml check --legacy`), because the
//! spellings they differ in — a unit standing alone in an expression, a docstring — are
//! errors in NESTML 9 and must stay errors for NESTML 9 files.
//!
//! In the old dialect every spelling that has a faithful NESTML 9 counterpart is accepted with
//! a warning (W03xx) naming it:
//!
//! - layout: blocks closed by `end` (≤ 5.x) are re-laid out into the INDENT/DEDENT tokens of
//!   NESTML 9 by [`close_end_blocks`] before parsing (the indentation of such files means
//!   nothing); docstrings and `/* */` are comments (the lexer's `lex_legacy`);
//! - the parser reads `neuron`/`synapse` headers, `initial_values:`, `shape`, `function`
//!   declarations, typed spike ports, `<- current`, one-line `output: spike` and output
//!   attributes, and records in [`LegacyNotes`] what [`modernise`] needs;
//! - [`modernise`] rewrites the parsed model into NESTML 9 with the old meaning made explicit:
//!   `initial_values` merged into `state`; `function` declarations of state variables become
//!   recordable inline expressions, those of parameters internals (recomputed from the
//!   parameters, as the old alias was); the uses of a spike port that had a unit `U` are
//!   scaled (`convolve(k, p)` → `(convolve(k, p) * 1 U)`, `p` elsewhere → `(p * 1 U*s)`: NESTML
//!   9's port carries weight per second); a unit standing alone becomes `(1 U)`;
//!   `deliver_spike(w, d)`/`emit_spike(w, d)` become `emit_spike(w)`; `delta(t, tau)` becomes
//!   `delta(t)`; a synapse whose ODEs the old code generator integrated implicitly gets
//!   `integrate_odes()` in `update:`; a state variable without an initial value starts at zero
//!   as before; blocks left empty are dropped.

use std::collections::HashSet;

use super::ast::*;
use super::token::{Token, TokenKind as T};
use crate::diagnostics::{Code, Diagnostic, Span};
use crate::sema::predefined;
use crate::sema::units::Unit;

/// How a file is read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Dialect {
    /// NESTML 9, or the old dialect if a model starts with `neuron NAME:` or `synapse NAME:`.
    #[default]
    Auto,
    /// NESTML 2–8, whatever the headers: also NESTML 8 files (`model NAME:`), whose units
    /// standing alone and docstrings are then accepted with warnings.
    Legacy,
    /// [`Dialect::Legacy`], the file known to be from NESTML release `N` (its major version):
    /// decides what the syntax does not, such as the sign of inhibitory weights (≤ 4: negative
    /// on ports that are not conductances).
    Release(u32),
}

impl Dialect {
    /// The release the file is known to be from, if given.
    pub fn release(self) -> Option<u32> {
        match self {
            Dialect::Release(n) => Some(n),
            _ => None,
        }
    }
}

/// Whether a model of the file starts with `neuron NAME:` or `synapse NAME:` at the start of a
/// line, which only the old dialects accept.
pub(super) fn has_old_header(tokens: &[Token], text: &str) -> bool {
    tokens.windows(3).enumerate().any(|(i, w)| {
        let line_start = i == 0 || matches!(tokens[i - 1].kind, T::Newline | T::Indent | T::Dedent);
        line_start && w[0].kind == T::Name && matches!(text_of(text, w[0].span), "neuron" | "synapse") && w[1].kind == T::Name && w[2].kind == T::Colon
    })
}

fn text_of(text: &str, span: Span) -> &str {
    text.get(span.start as usize..span.end as usize).unwrap_or("")
}

fn at(span: Span, kind: T) -> Token {
    Token { kind, span: Span { file: span.file, start: span.start, end: span.start } }
}

/// Re-lays out a file whose blocks are closed by `end` lines (NESTML ≤ 5.x): the indentation
/// tokens are dropped, a `:` ending a line opens a block (INDENT), `end` alone on a line closes
/// one (DEDENT), and `elif`/`else` at the start of a line close the clause before them. Returns
/// the tokens unchanged and `None` if there is no `end` line, else the new tokens and the span
/// of the first `end` (for the warning).
pub(super) fn close_end_blocks(tokens: Vec<Token>, text: &str) -> (Vec<Token>, Option<Span>) {
    let is_end_line = |toks: &[Token], i: usize, line_start: bool| {
        line_start && toks[i].kind == T::Name && text_of(text, toks[i].span) == "end" && toks.get(i + 1).is_none_or(|t| matches!(t.kind, T::Newline | T::Eof))
    };
    let first_end = (0..tokens.len()).find(|&i| is_end_line(&tokens, i, i == 0 || matches!(tokens[i - 1].kind, T::Newline | T::Indent | T::Dedent)));
    let Some(first_end) = first_end else { return (tokens, None) };
    let first_span = tokens[first_end].span;
    let toks: Vec<Token> = tokens.into_iter().filter(|t| !matches!(t.kind, T::Indent | T::Dedent)).collect();
    let mut out: Vec<Token> = Vec::with_capacity(toks.len() + toks.len() / 4);
    let mut i = 0;
    while i < toks.len() {
        let t = toks[i];
        let line_start = out.last().is_none_or(|p| matches!(p.kind, T::Newline | T::Indent | T::Dedent));
        if is_end_line(&toks, i, line_start) {
            out.push(at(t.span, T::Dedent));
            i += if toks.get(i + 1).is_some_and(|n| n.kind == T::Newline) { 2 } else { 1 };
            continue;
        }
        if line_start && matches!(t.kind, T::Elif | T::Else) {
            out.push(at(t.span, T::Dedent));
        }
        out.push(t);
        if t.kind == T::Colon && toks.get(i + 1).is_some_and(|n| n.kind == T::Newline) {
            let newline = toks[i + 1];
            out.push(newline);
            out.push(Token { kind: T::Indent, span: Span { file: newline.span.file, start: newline.span.end, end: newline.span.end } });
            i += 2;
            continue;
        }
        i += 1;
    }
    (out, Some(first_span))
}

/// What the parser saw of the old dialect in one model, for [`modernise`].
#[derive(Debug, Default)]
pub(super) struct LegacyNotes {
    /// The model was declared with `synapse NAME:`.
    pub synapse_keyword: bool,
    /// Spike input ports declared with a unit (`spikes pA <- spike`): name, unit, and whether
    /// the port is `inhibitory` (only).
    pub typed_spike_ports: Vec<(String, UnitType, bool)>,
    /// A spelling only NESTML 3 and older used was seen (`initial_values`, `shape`,
    /// `function` declarations, `<- current`).
    pub nestml3: bool,
    /// The blocks are closed by `end` (NESTML 5.0 and older).
    pub end_blocks: bool,
    /// The release the file is known to be from ([`Dialect::Release`]).
    pub release: Option<u32>,
    /// Start offsets of the declarations written `function NAME TYPE = …`.
    pub function_declarations: Vec<u32>,
}

/// Rewrites a model read in the old dialect into NESTML 9 with the same meaning (see the
/// module documentation), reporting each rewrite that the parser has not reported already.
pub(super) fn modernise(model: &mut Model, notes: &LegacyNotes, diags: &mut Vec<Diagnostic>) {
    merge_state_blocks(model);
    name_receive_ports(model);
    move_function_declarations(model, notes);
    move_assigned_internals(model, diags);
    initialise_state(model, diags);
    let declared = declared_names(model);
    strip_kernel_units(model, &declared, diags);
    let ports = port_rewrites(notes, diags);
    let mut rewriter = Rewriter { declared: &declared, ports: &ports, diags };
    for_each_expr(model, &mut |e| rewriter.expr(e));
    for_each_stmt(model, &mut |s| rewriter.stmt(s));
    if notes.synapse_keyword {
        add_integrate_odes(model, diags);
    }
    if emits_weighted_spike(model) && !model.blocks.iter().any(|b| matches!(b, Block::Output(_))) {
        // `deliver_spike` needed no output block
        let span = model.name.span;
        let at = model.blocks.iter().position(|b| matches!(b, Block::Function(_) | Block::OnReceive(_) | Block::OnCondition(_) | Block::Update(_))).unwrap_or(model.blocks.len());
        model.blocks.insert(at, Block::Output(OutputBlock { keyword: span, kind: OutputKind::Spike, kind_span: span, comments: Comments::default(), span }));
    }
    drop_empty_blocks(model);
}

/// `preReceive:` and `postReceive:` blocks handle the model's presynaptic and postsynaptic spike
/// ports: the spike port whose name has `pre` (`post`) in it, else the first (second) spike port.
fn name_receive_ports(model: &mut Model) {
    let spike_ports: Vec<String> = model
        .blocks
        .iter()
        .filter_map(|b| if let Block::Input(i) = b { Some(i) } else { None })
        .flat_map(|i| &i.ports)
        .filter(|p| matches!(p.kind, PortKind::Spike { .. }))
        .map(|p| p.name.name.clone())
        .collect();
    let pick = |tag: &str, nth: usize| spike_ports.iter().find(|p| p.contains(tag)).or(spike_ports.get(nth)).cloned();
    let (pre, post) = (pick("pre", 0), pick("post", 1));
    for block in &mut model.blocks {
        if let Block::OnReceive(r) = block {
            let port = match r.port.name.as_str() {
                super::parser::PRE_RECEIVE_PORT => &pre,
                super::parser::POST_RECEIVE_PORT => &post,
                _ => continue,
            };
            if let Some(port) = port {
                r.port.name = port.clone();
            }
        }
    }
}

fn merge_state_blocks(model: &mut Model) {
    let Some(first) = model.blocks.iter().position(|b| matches!(b, Block::Variables(v) if v.kind == VariablesKind::State)) else { return };
    let mut i = first + 1;
    while i < model.blocks.len() {
        if matches!(&model.blocks[i], Block::Variables(v) if v.kind == VariablesKind::State) {
            let Block::Variables(later) = model.blocks.remove(i) else { unreachable!("matched above") };
            let Block::Variables(state) = &mut model.blocks[first] else { unreachable!("found above") };
            let mut decls = later.declarations;
            if let Some(d) = decls.first_mut() {
                let mut pre = later.comments.pre;
                pre.append(&mut d.comments.pre);
                d.comments.pre = pre;
            }
            state.declarations.extend(decls);
        } else {
            i += 1;
        }
    }
}

/// The index of the first block of `kind`, created after the block `after` (or at the start)
/// if there is none.
fn variables_block(model: &mut Model, kind: VariablesKind, after: &[VariablesKind]) -> usize {
    if let Some(i) = model.blocks.iter().position(|b| matches!(b, Block::Variables(v) if v.kind == kind)) {
        return i;
    }
    let at = model.blocks.iter().rposition(|b| matches!(b, Block::Variables(v) if after.contains(&v.kind))).map_or(0, |i| i + 1);
    let span = model.span;
    model.blocks.insert(at, Block::Variables(VariablesBlock { kind, keyword: span, declarations: Vec::new(), comments: Comments::default(), span }));
    at
}

fn equations_block(model: &mut Model) -> usize {
    if let Some(i) = model.blocks.iter().position(|b| matches!(b, Block::Equations(_))) {
        return i;
    }
    let at = model.blocks.iter().rposition(|b| matches!(b, Block::Variables(v) if v.kind == VariablesKind::State)).map_or(0, |i| i + 1);
    let span = model.span;
    model.blocks.insert(at, Block::Equations(EquationsBlock { keyword: span, items: Vec::new(), comments: Comments::default(), span }));
    at
}

/// `function x T = e` of a state variable becomes `recordable inline x T = e` in the
/// equations block; of a parameter, the internal `x T = e` (first in `internals:`); of an
/// internal, the internal `x T = e` where it is.
fn move_function_declarations(model: &mut Model, notes: &LegacyNotes) {
    if notes.function_declarations.is_empty() {
        return;
    }
    let is_function = |d: &Declaration| notes.function_declarations.contains(&d.span.start);
    let mut inlines = Vec::new();
    let mut internals = Vec::new();
    for block in &mut model.blocks {
        let Block::Variables(vb) = block else { continue };
        let kind = vb.kind;
        let (moved, kept): (Vec<Declaration>, Vec<Declaration>) = std::mem::take(&mut vb.declarations).into_iter().partition(|d| is_function(d) && kind != VariablesKind::Internals && d.rhs.is_some());
        vb.declarations = kept;
        for mut d in moved {
            d.inline = false;
            match kind {
                VariablesKind::State => inlines.push(d),
                _ => internals.push(d),
            }
        }
        for d in &mut vb.declarations {
            if is_function(d) && kind == VariablesKind::Internals {
                d.inline = false;
            }
        }
    }
    if !internals.is_empty() {
        let i = variables_block(model, VariablesKind::Internals, &[VariablesKind::State, VariablesKind::Parameters]);
        let Block::Variables(vb) = &mut model.blocks[i] else { unreachable!("variables_block returns a variables block") };
        internals.append(&mut vb.declarations);
        vb.declarations = internals;
    }
    if !inlines.is_empty() {
        substitute_aliases(model, &inlines);
        let i = equations_block(model);
        let Block::Equations(eb) = &mut model.blocks[i] else { unreachable!("equations_block returns an equations block") };
        let mut items: Vec<Equation> = Vec::new();
        for d in inlines {
            let Some(rhs) = d.rhs else { continue };
            for v in &d.variables {
                items.push(Equation {
                    kind: EquationKind::Inline { recordable: true, name: v.name.clone(), data_type: d.data_type.clone(), rhs: rhs.clone(), decorators: d.decorators.clone() },
                    comments: d.comments.clone(),
                    span: d.span,
                });
            }
        }
        items.append(&mut eb.items);
        eb.items = items;
    }
}

/// The declarations of the variables blocks (initial values, parameters, internals) are
/// evaluated once, before the equations: a state alias they read (`Act_m real =
/// alpha_m_init / …`) is replaced there by its definition, in parentheses.
fn substitute_aliases(model: &mut Model, aliases: &[Declaration]) {
    fn subst(e: &mut Expr, aliases: &[Declaration], depth: u32) {
        match &mut e.kind {
            ExprKind::Var(v) if v.index.is_none() && v.order == 0 && depth < 16 => {
                let found = aliases.iter().find(|d| d.variables.iter().any(|x| x.name.name == v.name.name)).and_then(|d| d.rhs.clone());
                if let Some(mut rhs) = found {
                    subst(&mut rhs, aliases, depth + 1);
                    *e = Expr { span: e.span, kind: ExprKind::Paren(Box::new(rhs)) };
                }
            }
            ExprKind::Paren(x) | ExprKind::Unary(_, x) | ExprKind::Not(x) => subst(x, aliases, depth),
            ExprKind::Binary(_, a, b) => {
                subst(a, aliases, depth);
                subst(b, aliases, depth);
            }
            ExprKind::Ternary(c, a, b) => {
                subst(c, aliases, depth);
                subst(a, aliases, depth);
                subst(b, aliases, depth);
            }
            ExprKind::Call(c) => c.args.iter_mut().for_each(|a| subst(a, aliases, depth)),
            _ => {}
        }
    }
    for block in &mut model.blocks {
        let Block::Variables(vb) = block else { continue };
        for d in &mut vb.declarations {
            if let Some(rhs) = &mut d.rhs {
                subst(rhs, aliases, 0);
            }
        }
    }
}

/// A state variable declared without a value started at zero (`false`) in NESTML ≤ 3; NESTML 9
/// needs the value written.
fn initialise_state(model: &mut Model, diags: &mut Vec<Diagnostic>) {
    for block in &mut model.blocks {
        let Block::Variables(vb) = block else { continue };
        if vb.kind != VariablesKind::State {
            continue;
        }
        for d in &mut vb.declarations {
            if d.rhs.is_some() || d.variables.iter().any(|v| v.index.is_some()) {
                continue;
            }
            let span = d.data_type.span();
            let kind = match &d.data_type {
                DataType::Integer(_) => number("0", true, None, span),
                DataType::Real(_) => number("0.", false, None, span),
                DataType::Boolean(_) => ExprKind::Bool(false),
                DataType::Unit(u) => number("0", true, Some(u.clone()), span),
                DataType::String(_) | DataType::Void(_) => continue,
            };
            let value = Expr { kind, span };
            let names: Vec<&str> = d.variables.iter().map(|v| v.name.name.as_str()).collect();
            diags.push(
                Diagnostic::warning(Code::W0314, d.span, format!("state variable `{}` has no initial value; NESTML 3 and older started it at zero", names.join("`, `")))
                    .with_help(format!("NESTML 9 writes the initial value: `= {}`", super::print_expr(&value))),
            );
            d.rhs = Some(value);
        }
    }
}

fn number(text: &str, is_integer: bool, unit: Option<UnitType>, span: Span) -> ExprKind {
    ExprKind::Number { literal: NumberLit { text: text.to_string(), is_integer, span }, unit }
}

/// Every name the model declares: variables, equations' left-hand sides, ports, functions,
/// their parameters, local variables and loop variables.
fn declared_names(model: &Model) -> HashSet<String> {
    let mut names = HashSet::new();
    fn stmts(body: &[Stmt], names: &mut HashSet<String>) {
        for s in body {
            match &s.kind {
                StmtKind::Declaration(d) => names.extend(d.variables.iter().map(|v| v.name.name.clone())),
                StmtKind::If { branches, otherwise } => {
                    for (_, b) in branches {
                        stmts(b, names);
                    }
                    if let Some(b) = otherwise {
                        stmts(b, names);
                    }
                }
                StmtKind::For { var, body, .. } => {
                    names.insert(var.name.clone());
                    stmts(body, names);
                }
                StmtKind::While { body, .. } => stmts(body, names),
                _ => {}
            }
        }
    }
    for block in &model.blocks {
        match block {
            Block::Variables(vb) => names.extend(vb.declarations.iter().flat_map(|d| d.variables.iter().map(|v| v.name.name.clone()))),
            Block::Equations(eb) => {
                for item in &eb.items {
                    match &item.kind {
                        EquationKind::Inline { name, .. } => {
                            names.insert(name.name.clone());
                        }
                        EquationKind::Ode { lhs, .. } => {
                            names.insert(lhs.name.name.clone());
                        }
                        EquationKind::Kernel { parts, .. } => names.extend(parts.iter().map(|(v, _)| v.name.name.clone())),
                    }
                }
            }
            Block::Input(ib) => names.extend(ib.ports.iter().map(|p| p.name.name.clone())),
            Block::Function(f) => {
                names.insert(f.name.name.clone());
                names.extend(f.parameters.iter().map(|p| p.name.name.clone()));
                stmts(&f.body, &mut names);
            }
            Block::OnReceive(r) => stmts(&r.body, &mut names),
            Block::OnCondition(c) => stmts(&c.body, &mut names),
            Block::Update(u) => stmts(&u.body, &mut names),
            Block::Output(_) => {}
        }
    }
    names
}

/// Whether `e` is a unit name standing alone.
fn is_unit_alone(e: &Expr, declared: &HashSet<String>) -> bool {
    matches!(&e.kind, ExprKind::Var(v) if v.index.is_none() && v.order == 0 && !declared.contains(&v.name.name) && predefined::variable(&v.name.name).is_none() && Unit::lookup(&v.name.name).is_some())
}

/// NESTML 3 let a kernel carry the unit of its port as a leading factor (`shape g = pA * …`
/// with `spikes pA <- spike`), the convolution having the port's unit; NESTML 9's kernels are
/// plain numbers, so the factor (numerically 1) is dropped.
fn strip_kernel_units(model: &mut Model, declared: &HashSet<String>, diags: &mut Vec<Diagnostic>) {
    fn strip(e: &mut Expr, declared: &HashSet<String>) -> Option<String> {
        let ExprKind::Binary(BinaryOp::Mul, l, r) = &mut e.kind else { return None };
        if is_unit_alone(l, declared) {
            let ExprKind::Var(v) = &l.kind else { return None };
            let unit = v.name.name.clone();
            let span = r.span;
            let rest = std::mem::replace(&mut **r, Expr { kind: ExprKind::Bool(false), span });
            *e = rest;
            return Some(unit);
        }
        strip(l, declared)
    }
    for block in &mut model.blocks {
        let Block::Equations(eb) = block else { continue };
        for item in &mut eb.items {
            let EquationKind::Kernel { parts, .. } = &mut item.kind else { continue };
            for (v, rhs) in parts {
                let span = rhs.span;
                if let Some(unit) = strip(rhs, declared) {
                    diags.push(
                        Diagnostic::warning(Code::W0311, span, format!("the kernel `{}` has the unit `{unit}` as a factor (NESTML 3 and older)", v.name.name))
                            .with_help("NESTML 9's kernels are plain numbers and the port's weights carry the unit: `nestml migrate` drops the factor"),
                    );
                }
            }
        }
    }
}

/// Calls `f` on every top-level expression of the model (not on their subexpressions).
fn for_each_expr(model: &mut Model, f: &mut dyn FnMut(&mut Expr)) {
    fn decl(d: &mut Declaration, f: &mut dyn FnMut(&mut Expr)) {
        for v in &mut d.variables {
            var(v, f);
        }
        if let Some(e) = &mut d.rhs {
            f(e);
        }
        if let Some(e) = &mut d.invariant {
            f(e);
        }
    }
    fn var(v: &mut Variable, f: &mut dyn FnMut(&mut Expr)) {
        if let Some(i) = &mut v.index {
            f(i);
        }
    }
    fn stmts(body: &mut [Stmt], f: &mut dyn FnMut(&mut Expr)) {
        for s in body {
            match &mut s.kind {
                StmtKind::Assign { lhs, rhs, .. } => {
                    var(lhs, f);
                    f(rhs);
                }
                StmtKind::Call(c) => c.args.iter_mut().for_each(&mut *f),
                StmtKind::Declaration(d) => decl(d, f),
                StmtKind::Return(e) => {
                    if let Some(e) = e {
                        f(e);
                    }
                }
                StmtKind::If { branches, otherwise } => {
                    for (c, b) in branches {
                        f(c);
                        stmts(b, f);
                    }
                    if let Some(b) = otherwise {
                        stmts(b, f);
                    }
                }
                StmtKind::For { from, to, body, .. } => {
                    f(from);
                    f(to);
                    stmts(body, f);
                }
                StmtKind::While { condition, body } => {
                    f(condition);
                    stmts(body, f);
                }
            }
        }
    }
    for block in &mut model.blocks {
        match block {
            Block::Variables(vb) => vb.declarations.iter_mut().for_each(|d| decl(d, f)),
            Block::Equations(eb) => {
                for item in &mut eb.items {
                    match &mut item.kind {
                        EquationKind::Inline { rhs, .. } => f(rhs),
                        EquationKind::Ode { lhs, rhs, .. } => {
                            var(lhs, f);
                            f(rhs);
                        }
                        EquationKind::Kernel { parts, .. } => parts.iter_mut().for_each(|(_, e)| f(e)),
                    }
                }
            }
            Block::Input(ib) => ib.ports.iter_mut().filter_map(|p| p.size.as_mut()).for_each(&mut *f),
            Block::Function(func) => stmts(&mut func.body, f),
            Block::OnReceive(r) => stmts(&mut r.body, f),
            Block::OnCondition(c) => {
                f(&mut c.condition);
                stmts(&mut c.body, f);
            }
            Block::Update(u) => stmts(&mut u.body, f),
            Block::Output(_) => {}
        }
    }
}

/// Calls `f` on every statement of the model, nested ones included.
fn for_each_stmt(model: &mut Model, f: &mut dyn FnMut(&mut Stmt)) {
    fn stmts(body: &mut [Stmt], f: &mut dyn FnMut(&mut Stmt)) {
        for s in body {
            f(s);
            match &mut s.kind {
                StmtKind::If { branches, otherwise } => {
                    for (_, b) in branches {
                        stmts(b, f);
                    }
                    if let Some(b) = otherwise {
                        stmts(b, f);
                    }
                }
                StmtKind::For { body, .. } | StmtKind::While { body, .. } => stmts(body, f),
                _ => {}
            }
        }
    }
    for block in &mut model.blocks {
        match block {
            Block::Function(func) => stmts(&mut func.body, f),
            Block::OnReceive(r) => stmts(&mut r.body, f),
            Block::OnCondition(c) => stmts(&mut c.body, f),
            Block::Update(u) => stmts(&mut u.body, f),
            _ => {}
        }
    }
}

/// How the uses of a spike port with a unit are rewritten.
struct PortRewrite {
    name: String,
    unit: UnitType,
    /// NESTML ≤ 4 passed inhibitory weights to a port that is not a conductance with their
    /// negative sign, NESTML 5 and later (and 9) their absolute value: the uses are negated.
    negate: bool,
}

/// Whether a unit type is a conductance (the ports NESTML ≤ 4 gave positive weights).
fn is_conductance(u: &UnitType) -> bool {
    let siemens = Unit::lookup("S").expect("S is a unit");
    crate::sema::types::resolve_unit_type(u, &mut Vec::new()).is_some_and(|x| x.same_dimension(&siemens))
}

/// The rewrites of the model's spike ports with units; the sign of inhibitory weights by the
/// release: known ([`Dialect::Release`]), or NESTML 3 if a NESTML 3 spelling was seen, else taken
/// to be NESTML 5 or later, with a warning (W0316) for `end`-closed files, which NESTML 4 wrote
/// too.
fn port_rewrites(notes: &LegacyNotes, diags: &mut Vec<Diagnostic>) -> Vec<PortRewrite> {
    let release_4_or_older = notes.release.map(|r| r <= 4).unwrap_or(notes.nestml3);
    let mut out = Vec::new();
    for (name, unit, inhibitory) in &notes.typed_spike_ports {
        let affected = *inhibitory && !is_conductance(unit);
        if affected && notes.release.is_none() && !notes.nestml3 && notes.end_blocks {
            diags.push(
                Diagnostic::warning(Code::W0316, unit.span, format!("the sign of the inhibitory weights on `{name}` depends on the release: NESTML 4 and older passed them negative, NESTML 5 and later positive"))
                    .with_help("read as NESTML 5 (as NESTML 9: positive); for a file of NESTML 4 or older, migrate with `nestml migrate --from 4`, which negates the port's uses"),
            );
        }
        out.push(PortRewrite { name: name.clone(), unit: unit.clone(), negate: affected && release_4_or_older });
    }
    out
}

/// The expression and statement rewrites of [`modernise`].
struct Rewriter<'a> {
    declared: &'a HashSet<String>,
    ports: &'a [PortRewrite],
    diags: &'a mut Vec<Diagnostic>,
}

impl Rewriter<'_> {
    fn port(&self, name: &str) -> Option<&PortRewrite> {
        self.ports.iter().find(|p| p.name == name)
    }

    fn expr(&mut self, e: &mut Expr) {
        let span = e.span;
        match &mut e.kind {
            ExprKind::Call(c) if c.name.name == "convolve" && c.args.len() == 2 => {
                let port = match &c.args[1].kind {
                    ExprKind::Var(v) if v.index.is_none() && v.order == 0 => self.port(&v.name.name).map(|p| (p.unit.clone(), p.negate)),
                    _ => None,
                };
                if let Some((unit, negate)) = port {
                    let call = std::mem::replace(e, Expr { kind: ExprKind::Bool(false), span });
                    *e = scaled(call, unit, negate);
                    return;
                }
            }
            ExprKind::Call(c) if c.name.name == "delta" && c.args.len() == 2 => {
                self.diags.push(
                    Diagnostic::warning(Code::W0313, span, "`delta` with a second argument is NESTML 3 and older; the argument was never used")
                        .with_help("NESTML 9 writes `delta(t)`"),
                );
                c.args.truncate(1);
            }
            _ => {}
        }
        match &mut e.kind {
            ExprKind::Paren(x) | ExprKind::Unary(_, x) | ExprKind::Not(x) => self.expr(x),
            ExprKind::Binary(_, a, b) => {
                self.expr(a);
                self.expr(b);
            }
            ExprKind::Ternary(c, a, b) => {
                self.expr(c);
                self.expr(a);
                self.expr(b);
            }
            ExprKind::Call(c) => c.args.iter_mut().for_each(|a| self.expr(a)),
            ExprKind::Var(v) => {
                if let Some(i) = &mut v.index {
                    self.expr(i);
                }
                let name = v.name.name.clone();
                if v.index.is_some() || v.order > 0 {
                    return;
                }
                if let Some((unit, negate)) = self.port(&name).map(|p| (p.unit.clone(), p.negate)) {
                    let times_s = UnitType { span: unit.span, kind: UnitTypeKind::Mul(Box::new(paren_if_compound(unit)), Box::new(UnitType { span, kind: UnitTypeKind::Name(Ident { name: "s".into(), span }) })) };
                    let var = std::mem::replace(e, Expr { kind: ExprKind::Bool(false), span });
                    *e = scaled(var, times_s, negate);
                } else if is_unit_alone(e, self.declared) {
                    self.diags.push(
                        Diagnostic::warning(Code::W0311, span, format!("the physical unit `{name}` stands alone in an expression (NESTML 8 and older)"))
                            .with_help(format!("NESTML 9 writes the quantity `1 {name}`")),
                    );
                    let unit = UnitType { span, kind: UnitTypeKind::Name(Ident { name, span }) };
                    *e = Expr { kind: ExprKind::Paren(Box::new(Expr { kind: number("1", true, Some(unit), span), span })), span };
                }
            }
            _ => {}
        }
    }

    fn stmt(&mut self, s: &mut Stmt) {
        let StmtKind::Call(c) = &mut s.kind else { return };
        let renamed = c.name.name == "deliver_spike";
        if !(renamed || c.name.name == "emit_spike" && c.args.len() == 2) {
            return;
        }
        let old = format!("{}({})", c.name.name, c.args.iter().map(super::print_expr).collect::<Vec<_>>().join(", "));
        c.name.name = "emit_spike".into();
        let dropped = (c.args.len() > 1).then(|| c.args.split_off(1));
        let new = format!("emit_spike({})", c.args.iter().map(super::print_expr).collect::<Vec<_>>().join(", "));
        let mut d = Diagnostic::warning(Code::W0309, s.span, format!("`{old}` is the spike output of {}", if renamed { "NESTML 5 to 7" } else { "NESTML 8" })).with_help(format!("NESTML 9 writes `{new}`"));
        if let Some(delay) = dropped.as_ref().and_then(|d| d.first()) {
            d = d.with_note(format!(
                "NESTML 9 sends the spike with the connection's delay; to keep `{}` as the delay, generate the synapse with the option `delay_variable = \"{0}\"`",
                super::print_expr(delay)
            ));
        }
        self.diags.push(d);
    }
}

/// Whether a handler or `update` calls `emit_spike` with an argument (a synapse's spike).
fn emits_weighted_spike(model: &mut Model) -> bool {
    let mut emits = false;
    for_each_stmt(model, &mut |s| emits |= matches!(&s.kind, StmtKind::Call(c) if c.name.name == "emit_spike" && !c.args.is_empty()));
    emits
}

/// Internals that statements assign to were plain member variables in NESTML ≤ 5 (the
/// refractory counter `r` of several neurons); NESTML 9 keeps such variables in `state:`.
fn move_assigned_internals(model: &mut Model, diags: &mut Vec<Diagnostic>) {
    let mut assigned = HashSet::new();
    for_each_stmt(model, &mut |s| {
        if let StmtKind::Assign { lhs, .. } = &s.kind {
            assigned.insert(lhs.name.name.clone());
        }
    });
    let mut moved = Vec::new();
    for block in &mut model.blocks {
        let Block::Variables(vb) = block else { continue };
        if vb.kind != VariablesKind::Internals {
            continue;
        }
        let (go, stay): (Vec<Declaration>, Vec<Declaration>) = std::mem::take(&mut vb.declarations).into_iter().partition(|d| d.variables.iter().any(|v| assigned.contains(&v.name.name)));
        vb.declarations = stay;
        moved.extend(go);
    }
    if moved.is_empty() {
        return;
    }
    for d in &moved {
        let names: Vec<&str> = d.variables.iter().map(|v| v.name.name.as_str()).collect();
        diags.push(
            Diagnostic::warning(Code::W0315, d.span, format!("internal `{}` is assigned while the model runs (NESTML 5 and older allowed it)", names.join("`, `")))
                .with_help("NESTML 9 declares a variable that statements change in `state:` (`nestml migrate` moves it)"),
        );
    }
    let i = variables_block(model, VariablesKind::State, &[]);
    let Block::Variables(vb) = &mut model.blocks[i] else { unreachable!("variables_block returns a variables block") };
    vb.declarations.extend(moved);
}

/// `(x * 1 unit)`, or `(-x * 1 unit)` with `negate`.
fn scaled(x: Expr, unit: UnitType, negate: bool) -> Expr {
    let span = x.span;
    let x = if negate { Expr { kind: ExprKind::Unary(UnaryOp::Minus, Box::new(x)), span } } else { x };
    let one = Expr { kind: number("1", true, Some(unit), span), span };
    Expr { kind: ExprKind::Paren(Box::new(Expr { kind: ExprKind::Binary(BinaryOp::Mul, Box::new(x), Box::new(one)), span })), span }
}

fn paren_if_compound(u: UnitType) -> UnitType {
    match u.kind {
        UnitTypeKind::Name(_) | UnitTypeKind::Paren(_) => u,
        _ => UnitType { span: u.span, kind: UnitTypeKind::Paren(Box::new(u)) },
    }
}

/// Whether a statement list calls `integrate_odes`.
fn calls_integrate_odes(body: &[Stmt]) -> bool {
    body.iter().any(|s| match &s.kind {
        StmtKind::Call(c) => c.name.name == "integrate_odes",
        StmtKind::If { branches, otherwise } => branches.iter().any(|(_, b)| calls_integrate_odes(b)) || otherwise.as_deref().is_some_and(calls_integrate_odes),
        StmtKind::For { body, .. } | StmtKind::While { body, .. } => calls_integrate_odes(body),
        _ => false,
    })
}

/// NESTML ≤ 7 integrated a synapse's ODEs between events without being asked; NESTML 9 needs
/// `integrate_odes()` in `update:`.
fn add_integrate_odes(model: &mut Model, diags: &mut Vec<Diagnostic>) {
    let has_odes = model.blocks.iter().any(|b| matches!(b, Block::Equations(eb) if !eb.items.is_empty()));
    let calls = model.blocks.iter().any(|b| match b {
        Block::Update(u) => calls_integrate_odes(&u.body),
        Block::Function(f) => calls_integrate_odes(&f.body),
        Block::OnReceive(r) => calls_integrate_odes(&r.body),
        Block::OnCondition(c) => calls_integrate_odes(&c.body),
        _ => false,
    });
    if !has_odes || calls {
        return;
    }
    let span = model.name.span;
    diags.push(
        Diagnostic::warning(Code::W0312, span, format!("the ODEs of synapse `{}` were integrated implicitly (NESTML 7 and older)", model.name.name))
            .with_help("NESTML 9 integrates them where `update:` calls `integrate_odes()`; `nestml migrate` adds the call"),
    );
    let call = Stmt { kind: StmtKind::Call(Call { name: Ident { name: "integrate_odes".into(), span }, args: Vec::new(), span }), comments: Comments::default(), span };
    if let Some(Block::Update(u)) = model.blocks.iter_mut().find(|b| matches!(b, Block::Update(_))) {
        u.body.insert(0, call);
    } else {
        model.blocks.push(Block::Update(UpdateBlock { keyword: span, body: vec![call], comments: Comments::default(), span }));
    }
}

/// Blocks left without items (an `end`-closed block may be empty; NESTML 9 needs an item).
/// Their comments move to the block after them.
fn drop_empty_blocks(model: &mut Model) {
    let mut carried: Vec<String> = Vec::new();
    let mut i = 0;
    while i < model.blocks.len() {
        let empty = match &model.blocks[i] {
            Block::Variables(vb) => vb.declarations.is_empty(),
            Block::Equations(eb) => eb.items.is_empty(),
            Block::Input(ib) => ib.ports.is_empty(),
            _ => false,
        };
        let comments = block_comments(&mut model.blocks[i]);
        if empty {
            carried.append(&mut comments.pre);
            if let Some(t) = comments.trailing.take() {
                carried.push(t);
            }
            model.blocks.remove(i);
            continue;
        }
        if !carried.is_empty() {
            carried.append(&mut comments.pre);
            comments.pre = std::mem::take(&mut carried);
        }
        i += 1;
    }
}

fn block_comments(b: &mut Block) -> &mut Comments {
    match b {
        Block::Variables(x) => &mut x.comments,
        Block::Equations(x) => &mut x.comments,
        Block::Input(x) => &mut x.comments,
        Block::Output(x) => &mut x.comments,
        Block::Function(x) => &mut x.comments,
        Block::OnReceive(x) => &mut x.comments,
        Block::OnCondition(x) => &mut x.comments,
        Block::Update(x) => &mut x.comments,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::FileId;
    use crate::syntax::{parse_with, print};

    /// The NESTML 9 text of `src` read in `dialect`, and the codes of its diagnostics.
    fn migrate(src: &str, dialect: Dialect) -> (String, Vec<Code>) {
        let parsed = parse_with(src, FileId(0), dialect);
        let mut codes: Vec<Code> = parsed.diagnostics.iter().map(|d| d.code).collect();
        codes.sort();
        codes.dedup();
        (print(&parsed.unit), codes)
    }

    #[test]
    fn end_closed_blocks_with_elif_else_and_loops() {
        let src = "neuron n:\nstate:\n  x real = 0\n  end\nupdate:\n if x > 1:\n x = 1\n elif x < 0:\n  while x < 0:\n x += 1\n end\n else:\n  x = 0.5\n  end\n   for i in 0 ... 2 step 1:\n x += 0\n end\nend\nend\n";
        let (text, codes) = migrate(src, Dialect::Auto);
        assert_eq!(
            text,
            "model n:\n    state:\n        x real = 0\n    update:\n        if x > 1:\n            x = 1\n        elif x < 0:\n            while x < 0:\n                x += 1\n        else:\n            x = 0.5\n        for i in 0 ... 2 step 1:\n            x += 0\n"
        );
        // the indentation of an `end` file means nothing: no W0005
        assert_eq!(codes, vec![Code::W0301, Code::W0302]);
    }

    #[test]
    fn nestml_9_files_are_not_read_as_old() {
        let src = "model m:\n    state:\n        x real = 0\n    update:\n        x = x / ms\n";
        let parsed = parse_with(src, FileId(0), Dialect::Auto);
        assert!(parsed.diagnostics.is_empty());
        assert!(!has_old_header(&crate::syntax::lexer::lex(src, FileId(0)).tokens, src));
        // the same file read as NESTML 8: the unit alone is rewritten
        let (text, codes) = migrate(src, Dialect::Legacy);
        assert!(text.contains("x = x / (1 ms)"), "{text}");
        assert_eq!(codes, vec![Code::W0311]);
    }

    #[test]
    fn typed_spike_ports_are_scaled_at_their_uses() {
        let src = "neuron n:\n    state:\n        g nS = 0 nS\n    equations:\n        kernel k = exp(-t / (1 ms))\n        inline I pA = convolve(k, sp) * (1 mV)\n    input:\n        sp nS/ms <- excitatory spike\n    update:\n        g += sp * 1 ms\n";
        let (text, codes) = migrate(src, Dialect::Auto);
        assert!(text.contains("inline I pA = (convolve(k, sp) * 1 nS/ms) * (1 mV)"), "{text}");
        assert!(text.contains("g += (sp * 1 (nS/ms)*s) * 1 ms"), "{text}");
        assert!(text.contains("        sp <- excitatory spike\n"), "{text}");
        assert!(codes.contains(&Code::W0306));
        let again = parse_with(&text, FileId(1), Dialect::Auto);
        assert!(again.diagnostics.is_empty(), "{:?}", again.diagnostics);
    }

    #[test]
    fn assigned_internals_move_to_state_and_aliases_are_substituted() {
        let src = "neuron n:\n    state:\n        function a real = b * 2\n    initial_values:\n        b real = 1\n        c real = a + 1\n    internals:\n        r integer\n    parameters:\n        function p real = 3 * q\n        q real = 1\n    update:\n        r = 1\n";
        let (text, codes) = migrate(src, Dialect::Auto);
        assert_eq!(
            text,
            "model n:\n    state:\n        b real = 1\n        c real = (b * 2) + 1\n        r integer = 0\n    equations:\n        recordable inline a real = b * 2\n    internals:\n        p real = 3 * q\n    parameters:\n        q real = 1\n    update:\n        r = 1\n"
        );
        assert!(codes.contains(&Code::W0305) && codes.contains(&Code::W0303) && codes.contains(&Code::W0315) && codes.contains(&Code::W0314));
    }

    #[test]
    fn docstrings_and_block_comments_become_comment_lines() {
        let src = "\"\"\"\nTitle\n\n  indented\n\"\"\"\n/* c-style */\nneuron n:\n    state:\n        x real = 0  # x\n";
        let (text, codes) = migrate(src, Dialect::Auto);
        assert_eq!(text, "#\n# Title\n#\n#   indented\n#\n# c-style\nmodel n:\n    state:\n        x real = 0  # x\n");
        assert!(codes.contains(&Code::W0310));
        // in a NESTML 9 file a docstring stays an error
        let parsed = parse_with("\"\"\"doc\"\"\"\nmodel m:\n    state:\n        x real = 0\n", FileId(0), Dialect::Auto);
        assert!(parsed.diagnostics.iter().any(|d| d.is_error()));
    }

    #[test]
    fn synapse_spike_output_and_implicit_integration() {
        let src = "synapse s:\n    state:\n        w real = 1\n        x real = 0\n    equations:\n        x' = -x / (1 ms)\n    input:\n        pre <- spike\n    onReceive(pre):\n        deliver_spike(w, 1 ms)\n";
        let (text, codes) = migrate(src, Dialect::Auto);
        assert!(text.contains("    output:\n        spike\n    onReceive(pre):\n        emit_spike(w)\n    update:\n        integrate_odes()\n"), "{text}");
        assert_eq!(codes, vec![Code::W0301, Code::W0309, Code::W0312]);
        let (text, codes) = migrate("model s:\n    output:\n        spike(weight real, delay ms)\n    onReceive(pre):\n        emit_spike(1, 2 ms)\n    input:\n        pre <- spike\n", Dialect::Legacy);
        assert!(text.contains("    output:\n        spike\n") && text.contains("emit_spike(1)\n"), "{text}");
        assert_eq!(codes, vec![Code::W0308, Code::W0309]);
    }

    #[test]
    fn inhibitory_weights_of_nestml_4_and_older_are_negated_on_current_ports() {
        let src = "neuron n:\n  equations:\n    kernel k = exp(-t / (1 ms))\n    inline I pA = convolve(k, inh) + convolve(k, exc) + convolve(k, g_inh) * (1 mV)\n  end\n  input:\n    inh pA <- inhibitory spike\n    exc pA <- excitatory spike\n    g_inh nS <- inhibitory spike\n  end\nend\n";
        let (text, codes) = migrate(src, Dialect::Release(4));
        assert!(text.contains("inline I pA = (-convolve(k, inh) * 1 pA) + (convolve(k, exc) * 1 pA) + (convolve(k, g_inh) * 1 nS) * (1 mV)"), "{text}");
        assert!(!codes.contains(&Code::W0316));
        let (text, codes) = migrate(src, Dialect::Release(5));
        assert!(text.contains("inline I pA = (convolve(k, inh) * 1 pA) + (convolve(k, exc) * 1 pA)"), "{text}");
        assert!(!codes.contains(&Code::W0316));
        // unknown release, `end` blocks: read as NESTML 5, with a warning
        let (text, codes) = migrate(src, Dialect::Auto);
        assert!(text.contains("(convolve(k, inh) * 1 pA)"), "{text}");
        assert!(codes.contains(&Code::W0316));
    }

    #[test]
    fn nestml_2_untyped_current_ports_carry_pico_amperes() {
        let (text, codes) = migrate("neuron n:\n  input:\n    currents <- current\n  end\nend\n", Dialect::Auto);
        assert_eq!(text, "model n:\n    input:\n        currents pA <- continuous\n");
        assert!(codes.contains(&Code::W0307));
    }

    #[test]
    fn nestml_3_kernels_lose_their_unit_factor_and_delta_its_second_argument() {
        let src = "neuron n:\n  equations:\n    shape g = pA * t * exp(-t / tau)\n    shape d = delta(t, tau)\n  end\n  parameters:\n    tau ms = 1 ms\n  end\nend\n";
        let (text, codes) = migrate(src, Dialect::Auto);
        assert!(text.contains("kernel g = t * exp(-t / tau)") && text.contains("kernel d = delta(t)"), "{text}");
        assert!(codes.contains(&Code::W0311) && codes.contains(&Code::W0313) && codes.contains(&Code::W0304));
    }

    /// Early synapse drafts: `preReceive:`/`postReceive:` handle the ports with `pre`/`post` in
    /// their names (else the first and second spike port); the result checks as NESTML 9.
    #[test]
    fn pre_and_post_receive_blocks_become_on_receive_of_their_ports() {
        let src = "synapse stdp:\n  state:\n    w real = 1\n    x real = 0\n  end\n  input:\n    spikes_pre <- spike\n    spikes_post <- spike\n  end\n  preReceive:\n    x += 1\n    deliver_spike(w, 1 ms)\n  end\n  postReceive:\n    w += x\n  end\nend\n";
        let (text, codes) = migrate(src, Dialect::Auto);
        assert!(text.contains("onReceive(spikes_pre):\n        x += 1\n        emit_spike(w)"), "{text}");
        assert!(text.contains("onReceive(spikes_post):\n        w += x"), "{text}");
        assert!(codes.contains(&Code::W0317) && codes.contains(&Code::W0309), "{codes:?}");
        let checked = crate::check_source(&mut crate::diagnostics::SourceMap::default(), "migrated.nestml", &text);
        assert!(!checked.has_errors(), "{:?}", checked.diagnostics);
        let (text, _) = migrate("synapse s:\n  state:\n    w real = 1\n  end\n  input:\n    a <- spike\n    b <- spike\n  end\n  postReceive:\n    w += 1\n  end\nend\n", Dialect::Auto);
        assert!(text.contains("onReceive(b):"), "the second spike port: {text}");
    }
}
