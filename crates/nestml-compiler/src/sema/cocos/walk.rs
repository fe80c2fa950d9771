//! A read-only traversal of a model that tells each visited node where it sits.
//!
//! PyNESTML's context conditions look at a node's ancestors (is this call inside the update
//! block? inside a `convolve`? inside a kernel?) and resolve names in the node's scope.
//! [`walk_model`] hands every statement, expression, call and variable reference to a
//! [`Visit`]or together with a [`Cx`] that answers those questions.

use std::collections::HashSet;

use crate::diagnostics::Span;
use crate::sema::predefined;
use crate::sema::symbols::{complete_name, ModelSymbols, VarKind, VarSymbol};
use crate::syntax::ast::*;

/// The kind of model block a node belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Site {
    State,
    Parameters,
    Internals,
    Equations,
    Input,
    Function,
    Update,
    OnReceive,
    OnCondition,
}

/// The local names of one procedural block (a function with its parameters, `update`,
/// `onReceive` or `onCondition`). As in PyNESTML, `if`, `for` and `while` bodies share the
/// scope of their block, and a local name is visible in the whole block.
#[derive(Debug, Default)]
pub struct Locals {
    names: HashSet<String>,
    /// Where each local was declared, for labels.
    spans: Vec<(String, Span)>,
}

impl Locals {
    /// The locals of a statement list, plus the given function parameters.
    pub fn of(params: &[Parameter], body: &[Stmt]) -> Self {
        let mut l = Locals::default();
        for p in params {
            l.add(p.name.name.clone(), p.name.span);
        }
        l.collect(body);
        l
    }

    fn add(&mut self, name: String, span: Span) {
        if self.names.insert(name.clone()) {
            self.spans.push((name, span));
        }
    }

    fn collect(&mut self, body: &[Stmt]) {
        for s in body {
            match &s.kind {
                StmtKind::Declaration(d) => {
                    for v in &d.variables {
                        self.add(complete_name(v), v.name.span);
                    }
                }
                StmtKind::If { branches, otherwise } => {
                    for (_, b) in branches {
                        self.collect(b);
                    }
                    if let Some(b) = otherwise {
                        self.collect(b);
                    }
                }
                StmtKind::For { body, .. } | StmtKind::While { body, .. } => self.collect(body),
                StmtKind::Assign { .. } | StmtKind::Call(_) | StmtKind::Return(_) => {}
            }
        }
    }

    /// Whether `name` (with derivative marks) is a local.
    pub fn contains(&self, name: &str) -> bool {
        self.names.contains(name)
    }

    /// Where the local `name` was declared.
    pub fn span_of(&self, name: &str) -> Option<Span> {
        self.spans.iter().find(|(n, _)| n == name).map(|(_, s)| *s)
    }
}

/// Where a visited node sits.
#[derive(Clone, Copy)]
pub struct Cx<'a, 'l> {
    pub site: Site,
    /// The locals of the enclosing procedural block, if any.
    pub locals: Option<&'l Locals>,
    /// Inside a kernel definition (left- or right-hand side).
    pub in_kernel: bool,
    /// Inside the arguments of a `convolve` call.
    pub in_convolve: bool,
    /// The declaration (in a variables block or a statement) the node belongs to.
    pub decl: Option<&'a Declaration>,
}

/// What a name resolves to, as PyNESTML's scopes resolve it: a local of the enclosing block
/// first, then a model-level variable, then a predefined variable (`t`, `e`, `pi`).
#[derive(Clone, Copy, Debug)]
pub enum Resolved<'s, 'a> {
    Local,
    Model(&'s VarSymbol<'a>),
    Predefined,
}

impl<'s, 'a> Resolved<'s, 'a> {
    /// The model-level kind, if the name is a model-level variable.
    pub fn kind(&self) -> Option<VarKind> {
        match self {
            Resolved::Model(s) => Some(s.kind),
            _ => None,
        }
    }
}

impl<'a> Cx<'a, '_> {
    /// Resolves a name (with derivative marks) in this node's scope.
    pub fn resolve<'s>(&self, syms: &'s ModelSymbols<'a>, name: &str) -> Option<Resolved<'s, 'a>> {
        if self.locals.is_some_and(|l| l.contains(name)) {
            return Some(Resolved::Local);
        }
        if let Some(s) = syms.var(name) {
            return Some(Resolved::Model(s));
        }
        predefined::variable(name).map(|_| Resolved::Predefined)
    }
}

/// Callbacks of [`walk_model`]; every method does nothing by default.
pub trait Visit<'a> {
    /// Every statement, before its parts.
    fn stmt(&mut self, _cx: &Cx<'a, '_>, _s: &'a Stmt) {}
    /// Every expression node, before its children.
    fn expr(&mut self, _cx: &Cx<'a, '_>, _e: &'a Expr) {}
    /// Every function call (in expressions and as statements), before its arguments.
    fn call(&mut self, _cx: &Cx<'a, '_>, _c: &'a Call) {}
    /// Every variable reference: in expressions, on the left of declarations, assignments,
    /// ODEs and kernels. (The unit of a quantity such as `10 mV` is not a variable; variables
    /// the grammar read into a unit are split off by `sema::quantities` beforehand.)
    fn var(&mut self, _cx: &Cx<'a, '_>, _v: &'a Variable) {}
}

/// Visits every node of `model` in source order.
pub fn walk_model<'a, V: Visit<'a>>(model: &'a Model, v: &mut V) {
    for block in &model.blocks {
        walk_block(block, v);
    }
}

fn base_cx<'a, 'l>(site: Site, locals: Option<&'l Locals>) -> Cx<'a, 'l> {
    Cx { site, locals, in_kernel: false, in_convolve: false, decl: None }
}

fn walk_block<'a, V: Visit<'a>>(block: &'a Block, v: &mut V) {
    match block {
        Block::Variables(vb) => {
            let site = match vb.kind {
                VariablesKind::State => Site::State,
                VariablesKind::Parameters => Site::Parameters,
                VariablesKind::Internals => Site::Internals,
            };
            let cx = base_cx(site, None);
            for d in &vb.declarations {
                walk_declaration(&cx, d, v);
            }
        }
        Block::Equations(eb) => {
            let cx = base_cx(Site::Equations, None);
            for item in &eb.items {
                match &item.kind {
                    EquationKind::Inline { rhs, .. } => walk_expr(&cx, rhs, v),
                    EquationKind::Ode { lhs, rhs, .. } => {
                        walk_variable(&cx, lhs, v);
                        walk_expr(&cx, rhs, v);
                    }
                    EquationKind::Kernel { parts, .. } => {
                        let kcx = Cx { in_kernel: true, ..cx };
                        for (var, rhs) in parts {
                            walk_variable(&kcx, var, v);
                            walk_expr(&kcx, rhs, v);
                        }
                    }
                }
            }
        }
        Block::Input(ib) => {
            let cx = base_cx(Site::Input, None);
            for port in &ib.ports {
                if let Some(size) = &port.size {
                    walk_expr(&cx, size, v);
                }
            }
        }
        Block::Output(_) => {}
        Block::Function(f) => {
            let locals = Locals::of(&f.parameters, &f.body);
            let cx = base_cx(Site::Function, Some(&locals));
            walk_stmts(&cx, &f.body, v);
        }
        Block::OnReceive(r) => {
            let locals = Locals::of(&[], &r.body);
            let cx = base_cx(Site::OnReceive, Some(&locals));
            walk_stmts(&cx, &r.body, v);
        }
        Block::OnCondition(c) => {
            // the condition lives in the model scope, the body in the block's own scope
            walk_expr(&base_cx(Site::OnCondition, None), &c.condition, v);
            let locals = Locals::of(&[], &c.body);
            let cx = base_cx(Site::OnCondition, Some(&locals));
            walk_stmts(&cx, &c.body, v);
        }
        Block::Update(u) => {
            let locals = Locals::of(&[], &u.body);
            let cx = base_cx(Site::Update, Some(&locals));
            walk_stmts(&cx, &u.body, v);
        }
    }
}

fn walk_declaration<'a, V: Visit<'a>>(cx: &Cx<'a, '_>, d: &'a Declaration, v: &mut V) {
    let cx = Cx { decl: Some(d), ..*cx };
    for var in &d.variables {
        walk_variable(&cx, var, v);
    }
    if let Some(rhs) = &d.rhs {
        walk_expr(&cx, rhs, v);
    }
    if let Some(inv) = &d.invariant {
        walk_expr(&cx, inv, v);
    }
}

/// Visits all statements of a block.
pub fn walk_stmts<'a, V: Visit<'a>>(cx: &Cx<'a, '_>, stmts: &'a [Stmt], v: &mut V) {
    for s in stmts {
        walk_stmt(cx, s, v);
    }
}

fn walk_stmt<'a, V: Visit<'a>>(cx: &Cx<'a, '_>, s: &'a Stmt, v: &mut V) {
    v.stmt(cx, s);
    match &s.kind {
        StmtKind::Assign { lhs, rhs, .. } => {
            walk_variable(cx, lhs, v);
            walk_expr(cx, rhs, v);
        }
        StmtKind::Call(c) => walk_call(cx, c, v),
        StmtKind::Declaration(d) => walk_declaration(cx, d, v),
        StmtKind::Return(e) => {
            if let Some(e) = e {
                walk_expr(cx, e, v);
            }
        }
        StmtKind::If { branches, otherwise } => {
            for (cond, body) in branches {
                walk_expr(cx, cond, v);
                walk_stmts(cx, body, v);
            }
            if let Some(body) = otherwise {
                walk_stmts(cx, body, v);
            }
        }
        StmtKind::For { from, to, body, .. } => {
            walk_expr(cx, from, v);
            walk_expr(cx, to, v);
            walk_stmts(cx, body, v);
        }
        StmtKind::While { condition, body } => {
            walk_expr(cx, condition, v);
            walk_stmts(cx, body, v);
        }
    }
}

fn walk_variable<'a, V: Visit<'a>>(cx: &Cx<'a, '_>, var: &'a Variable, v: &mut V) {
    v.var(cx, var);
    if let Some(index) = &var.index {
        walk_expr(cx, index, v);
    }
}

/// Visits an expression tree.
pub fn walk_expr<'a, V: Visit<'a>>(cx: &Cx<'a, '_>, e: &'a Expr, v: &mut V) {
    v.expr(cx, e);
    match &e.kind {
        ExprKind::Paren(a) | ExprKind::Unary(_, a) | ExprKind::Not(a) => walk_expr(cx, a, v),
        ExprKind::Binary(_, a, b) => {
            walk_expr(cx, a, v);
            walk_expr(cx, b, v);
        }
        ExprKind::Ternary(a, b, c) => {
            walk_expr(cx, a, v);
            walk_expr(cx, b, v);
            walk_expr(cx, c, v);
        }
        ExprKind::Call(c) => walk_call(cx, c, v),
        ExprKind::Var(var) => walk_variable(cx, var, v),
        ExprKind::Number { .. } | ExprKind::Bool(_) | ExprKind::String(_) | ExprKind::Inf => {}
    }
}

fn walk_call<'a, V: Visit<'a>>(cx: &Cx<'a, '_>, c: &'a Call, v: &mut V) {
    v.call(cx, c);
    let inner = Cx { in_convolve: cx.in_convolve || c.name.name == "convolve", ..*cx };
    for a in &c.args {
        walk_expr(&inner, a, v);
    }
}

/// Collects every call of a model with its site (a convenience for simple checks).
pub fn calls(model: &Model) -> Vec<(Site, &Call)> {
    struct C<'a>(Vec<(Site, &'a Call)>);
    impl<'a> Visit<'a> for C<'a> {
        fn call(&mut self, cx: &Cx<'a, '_>, c: &'a Call) {
            self.0.push((cx.site, c));
        }
    }
    let mut c = C(Vec::new());
    walk_model(model, &mut c);
    c.0
}

/// The complete name (`x`, `x'`) of an expression that is a plain variable reference without
/// an index, as PyNESTML's `str(expr)` gives it for name look-ups; `None` otherwise.
pub fn plain_name(e: &Expr) -> Option<String> {
    match &e.kind {
        ExprKind::Var(v) if v.index.is_none() => Some(complete_name(v)),
        _ => None,
    }
}
