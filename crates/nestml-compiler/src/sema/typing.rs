//! Name resolution and type/unit checking of every expression, declaration, assignment,
//! equation and call of a model, following PyNESTML 9's typing rules.
//!
//! The result records the type of every expression and each implicit conversion between
//! compatible units of different magnitude, for the later lowering stage.

use std::collections::HashMap;

use super::predefined::{self, Param};
use super::symbols::{check_new_name, complete_name, redeclared, repeated_in_declaration, ModelSymbols, VarKind, VarSymbol};
use super::types::{resolve_data_type, resolve_unit_type, Type};
use super::units::{Conversion, Rational, Unit};
use crate::diagnostics::{Code, Diagnostic, Span};
use crate::syntax::ast::*;

/// What the type checker learned about a model.
#[derive(Debug, Default)]
pub struct TypeInfo {
    /// The type of every expression, by its span.
    pub types: HashMap<Span, Type>,
    /// Values that must be converted between compatible units with a factor other than 1.
    pub conversions: Vec<(Span, Conversion)>,
    /// Plain numbers that the checker takes to be in the unit of the quantity beside them
    /// (W0001: `Ca_in**2 + 0.014**2`), with that unit's factor to NEST's internal unit; by
    /// the number's span.
    pub plain_in_unit: HashMap<Span, Conversion>,
}

/// Checks every expression of one model.
pub fn check_model(syms: &ModelSymbols, diags: &mut Vec<Diagnostic>) -> TypeInfo {
    let mut c = Checker { syms, locals: HashMap::new(), return_type: None, in_invariant: false, in_equations: false, block_decls: HashMap::new(), diags, info: TypeInfo::default() };
    for block in &syms.model.blocks {
        c.block(block);
    }
    c.info
}

struct Checker<'s, 'a> {
    syms: &'s ModelSymbols<'a>,
    /// Local variables of the current update/onReceive/onCondition block or function. As in
    /// PyNESTML, nested statement blocks share their enclosing block's scope.
    locals: HashMap<String, VarSymbol<'a>>,
    /// Declared return type of the function being checked (`None` outside functions).
    /// PyNESTML checks neither shadowing nor duplicates among a function's locals.
    return_type: Option<Type>,
    in_invariant: bool,
    /// Inside the equations block, the only place where a state variable can be read delayed.
    in_equations: bool,
    /// Every local declared anywhere in the current block, to tell "not declared" from
    /// "declared further down".
    block_decls: HashMap<String, Span>,
    diags: &'s mut Vec<Diagnostic>,
    info: TypeInfo,
}

/// A resolved name: its kind, type and declaration.
struct Resolved<'a> {
    kind: Option<VarKind>,
    ty: Type,
    decl_span: Option<Span>,
    /// The vector size, for vector variables.
    size: Option<&'a Expr>,
}

impl<'a> Checker<'_, 'a> {
    fn error(&mut self, code: Code, span: Span, message: String) -> &mut Diagnostic {
        self.diags.push(Diagnostic::error(code, span, message));
        self.diags.last_mut().expect("just pushed")
    }

    fn warn(&mut self, code: Code, span: Span, message: String) -> &mut Diagnostic {
        self.diags.push(Diagnostic::warning(code, span, message));
        self.diags.last_mut().expect("just pushed")
    }

    // ----- blocks -------------------------------------------------------------------

    fn block(&mut self, block: &'a Block) {
        self.locals.clear();
        self.block_decls.clear();
        self.return_type = None;
        let body = match block {
            Block::Function(f) => Some(&f.body),
            Block::OnReceive(b) => Some(&b.body),
            Block::OnCondition(b) => Some(&b.body),
            Block::Update(b) => Some(&b.body),
            _ => None,
        };
        if let Some(body) = body {
            collect_declarations(body, &mut self.block_decls);
        }
        match block {
            Block::Variables(vb) => {
                for d in &vb.declarations {
                    self.declaration_values(d);
                }
            }
            Block::Equations(eb) => {
                self.in_equations = true;
                for item in &eb.items {
                    self.equation(item);
                }
                self.in_equations = false;
            }
            Block::Input(ib) => {
                for port in &ib.ports {
                    if let Some(size) = &port.size {
                        self.expr(size);
                    }
                }
            }
            Block::Output(_) => {}
            Block::Function(f) => {
                let mut diags = Vec::new();
                let params: Vec<_> = f
                    .parameters
                    .iter()
                    .map(|p| {
                        let ty = resolve_data_type(&p.data_type, &mut diags);
                        VarSymbol { name: p.name.name.clone(), kind: VarKind::Local, ty, name_span: p.name.span, decl_span: p.span, size: None, rhs: None, inline_decl: false }
                    })
                    .collect();
                let ret = f.return_type.as_ref().map_or(Type::Void, |t| resolve_data_type(t, &mut diags));
                self.diags.extend(diags);
                self.return_type = Some(ret.clone());
                for sym in params {
                    self.declare_local(sym);
                }
                self.stmts(&f.body);
                if f.body.is_empty() {
                    if ret != Type::Void {
                        self.error(Code::E0211, f.name.span, format!("the function `{}` has no statements but must return {ret}", f.name.name));
                    }
                } else {
                    self.check_returns(&f.body, false);
                }
            }
            Block::OnReceive(r) => self.stmts(&r.body),
            Block::OnCondition(oc) => {
                let ty = self.expr(&oc.condition);
                if !matches!(ty, Type::Boolean | Type::Error) {
                    self.warn(Code::W0009, oc.condition.span, format!("the condition of `onCondition` has type {ty}, not boolean; a nonzero value counts as true"))
                        .help("compare explicitly, e.g. `x != 0`");
                }
                self.stmts(&oc.body);
            }
            Block::Update(u) => self.stmts(&u.body),
        }
    }

    /// Initial values, invariants and vector sizes of a declaration.
    fn declaration_values(&mut self, d: &'a Declaration) {
        let mut diags = Vec::new();
        let declared = resolve_data_type(&d.data_type, &mut diags);
        for v in &d.variables {
            if let Some(size) = &v.index {
                let ty = self.expr(size);
                self.check_vector_size(size, &ty);
            }
        }
        if let Some(rhs) = &d.rhs {
            let ty = self.expr(rhs);
            self.assignable(&declared, &ty, rhs, || format!("`{}`", d.variables.first().map_or(String::new(), complete_name)));
            let is_vector = d.variables.iter().any(|v| v.index.is_some());
            if !is_vector {
                self.check_no_vector_in(rhs, d);
            }
        }
        if let Some(inv) = &d.invariant {
            self.in_invariant = true;
            let ty = self.expr(inv);
            self.in_invariant = false;
            if !matches!(ty, Type::Boolean | Type::Error) {
                self.error(Code::E0207, inv.span, format!("the guard `[[…]]` must be a boolean condition, but it has type {ty}"))
                    .help("write a comparison, e.g. `[[x >= 0]]`");
            }
        }
    }

    fn check_vector_size(&mut self, size: &Expr, ty: &Type) {
        let literal = match &size.kind {
            ExprKind::Number { literal, unit: None } if literal.is_integer => literal.text.parse::<i64>().ok(),
            _ => None,
        };
        let value = literal.map(|n| n as f64).or_else(|| self.constant_value(size, 0));
        if !matches!(ty, Type::Integer | Type::Error) || value.is_some_and(|n| n <= 0.0) {
            self.error(Code::E0213, size.span, "a vector size must be a positive integer".to_string())
                .help("use an integer literal such as `[3]` or an integer parameter");
        }
    }

    /// A non-vector declaration must not take its value from a vector variable.
    fn check_no_vector_in(&mut self, rhs: &Expr, d: &Declaration) {
        let mut found = None;
        visit_vars(rhs, &mut |v| {
            if found.is_none() && v.index.is_none() && self.is_vector(&complete_name(v)) {
                found = Some((v.name.name.clone(), v.span));
            }
        });
        if let Some((name, span)) = found {
            let target = d.variables.first().map_or(String::new(), complete_name);
            self.error(Code::E0214, span, format!("the vector variable `{name}` is used in the declaration of `{target}`, which is not a vector"))
                .help(format!("declare `{target}` as a vector too, e.g. `{target}[n]`"));
        }
    }

    fn is_vector(&self, name: &str) -> bool {
        self.locals.get(name).or_else(|| self.syms.var(name)).is_some_and(|s| s.size.is_some())
    }

    fn equation(&mut self, item: &'a Equation) {
        match &item.kind {
            EquationKind::Inline { name, data_type, rhs, .. } => {
                let mut diags = Vec::new();
                let declared = resolve_data_type(data_type, &mut diags);
                let ty = self.expr(rhs);
                if !ty.is_castable_to(&declared) {
                    self.error(Code::E0204, rhs.span, format!("the inline expression `{}` is declared as {declared}, but its value has type {ty}", name.name))
                        .label(data_type.span(), "declared type");
                } else {
                    self.note_conversion(&ty, &declared, rhs.span);
                }
            }
            EquationKind::Ode { lhs, rhs, .. } => {
                if let Some(index) = &lhs.index {
                    self.expr(index);
                }
                let rhs_ty = self.expr(rhs);
                let Some(sym) = self.syms.var(&lhs.name.name) else { return }; // reported as E0302
                let Some(var_unit) = sym.ty.unit() else { return };
                // in ms (NEST's time unit) so that messages read `mV/ms`; only the dimension counts
                let expected = Type::from_unit(var_unit.mul(&Unit::lookup("ms").expect("ms").pow(Rational::from_integer(-(lhs.order as i64)))));
                let ok = match (&rhs_ty, &expected) {
                    (Type::Error, _) => true,
                    (a, b) if same_magnitude_class(a, b) => true,
                    (a, b) => a.is_castable_to(b),
                };
                if !ok {
                    let d = self.error(
                        Code::E0203,
                        rhs.span,
                        match rhs_ty {
                            Type::Real | Type::Integer => format!("unit mismatch: `{}` has unit {expected}, but the right-hand side is dimensionless", complete_name(lhs)),
                            _ => format!("unit mismatch: `{}` has unit {expected}, but the right-hand side has unit {rhs_ty}", complete_name(lhs)),
                        },
                    );
                    d.labels.push(crate::diagnostics::Label { span: lhs.span, message: format!("{} has unit {}", lhs.name.name, sym.ty) });
                    if let Some(help) = ode_hint(&expected, &rhs_ty) {
                        d.help = Some(help);
                    }
                }
            }
            EquationKind::Kernel { parts, .. } => {
                for (var, rhs) in parts {
                    let ty = self.expr(rhs);
                    let ok = if var.order == 0 {
                        matches!(ty, Type::Integer | Type::Real | Type::Error)
                    } else {
                        let per_time = Type::from_unit(Unit::lookup("ms").expect("ms").pow(Rational::from_integer(-(var.order as i64))));
                        ty.is_castable_to(&per_time)
                    };
                    if !ok {
                        let expected = if var.order == 0 { "a plain number (real)".to_string() } else { format!("1/ms**{}", var.order) };
                        self.error(Code::E0212, rhs.span, format!("the kernel `{}` must have type {expected}, but has type {ty}", complete_name(var)));
                    }
                    // the state variables holding a kernel given by an ODE: `g` real, `g'` 1/ms, …
                    for k in 0..var.order {
                        let name = format!("{}{}", var.name.name, "'".repeat(k as usize));
                        let Some(sym) = self.syms.var(&name) else { continue }; // missing: E0304
                        let per_time = Type::from_unit(Unit::lookup("ms").expect("ms").pow(Rational::from_integer(-(k as i64))));
                        if !sym.ty.is_castable_to(&per_time) {
                            let unit = if k == 0 { "real".to_string() } else { format!("1/ms**{k}") };
                            self.error(Code::E0212, var.span, format!("`{name}` holds a kernel given by an ODE and must have type {unit}, but is declared as {}", sym.ty))
                                .label(sym.name_span, "declared here");
                        }
                    }
                }
            }
        }
    }

    // ----- statements ---------------------------------------------------------------

    fn stmts(&mut self, stmts: &'a [Stmt]) {
        for s in stmts {
            self.stmt(s);
        }
    }

    fn stmt(&mut self, s: &'a Stmt) {
        match &s.kind {
            StmtKind::Assign { lhs, op, rhs } => self.assignment(lhs, *op, rhs),
            StmtKind::Call(call) => {
                self.call(call, true);
            }
            StmtKind::Declaration(d) => {
                self.declaration_values(d);
                let mut diags = Vec::new();
                let ty = resolve_data_type(&d.data_type, &mut diags);
                self.diags.extend(diags);
                for v in &d.variables {
                    let sym = VarSymbol { name: complete_name(v), kind: VarKind::Local, ty: ty.clone(), name_span: v.name.span, decl_span: d.span, size: v.index.as_deref(), rhs: d.rhs.as_ref(), inline_decl: d.inline };
                    self.declare_local(sym);
                }
            }
            StmtKind::Return(value) => {
                let ty = value.as_ref().map(|e| (self.expr(e), e.span));
                if let Some(expected) = self.return_type.clone() {
                    match (ty, &expected) {
                        (None, Type::Void) => {}
                        (None, _) => {
                            self.error(Code::E0211, s.span, format!("this function must return a value of type {expected}"));
                        }
                        (Some((_, span)), Type::Void) => {
                            self.error(Code::E0211, span, "this function has no return type, so it cannot return a value".to_string())
                                .help("declare the return type after the parameter list, e.g. `function f(x real) real:`");
                        }
                        (Some((ty, span)), expected) => {
                            if !ty.is_castable_to(expected) {
                                self.error(Code::E0211, span, format!("the function returns {expected}, but this value has type {ty}"));
                            }
                        }
                    }
                }
            }
            StmtKind::If { branches, otherwise } => {
                for (cond, body) in branches {
                    let ty = self.expr(cond);
                    self.expect_boolean(&ty, cond.span, "an `if` condition");
                    self.stmts(body);
                }
                if let Some(body) = otherwise {
                    self.stmts(body);
                }
            }
            // PyNESTML does not require the loop variable to be declared
            StmtKind::For { from, to, body, .. } => {
                for bound in [from, to] {
                    let ty = self.expr(bound);
                    if !matches!(ty, Type::Integer | Type::Real | Type::Error) {
                        self.error(Code::E0202, bound.span, format!("a loop bound must be an integer or real number, but this has type {ty}"));
                    }
                }
                self.stmts(body);
            }
            StmtKind::While { condition, body } => {
                let ty = self.expr(condition);
                self.expect_boolean(&ty, condition.span, "a `while` condition");
                self.stmts(body);
            }
        }
    }

    /// PyNESTML's rule for function bodies: a block that does not end in `return` (and is not
    /// covered by a `return` ending an enclosing block) must end in a compound statement
    /// whose blocks follow the same rule; a `return` before the end of its block is dead code.
    fn check_returns(&mut self, stmts: &[Stmt], covered: bool) {
        let Some(last) = stmts.last() else { return };
        let covered = covered || matches!(last.kind, StmtKind::Return(_));
        for (i, s) in stmts.iter().enumerate() {
            match &s.kind {
                StmtKind::Return(_) if i + 1 < stmts.len() => {
                    self.warn(Code::W0007, s.span, "`return` is not the last statement of its block; the statements after it never run".to_string());
                }
                StmtKind::Return(_) => {}
                StmtKind::If { branches, otherwise } => {
                    for (_, body) in branches {
                        self.check_returns(body, covered);
                    }
                    if let Some(body) = otherwise {
                        self.check_returns(body, covered);
                    }
                }
                StmtKind::For { body, .. } | StmtKind::While { body, .. } => self.check_returns(body, covered),
                _ if !covered && i + 1 == stmts.len() => {
                    self.error(Code::E0211, s.span, "a function must end with a `return` statement".to_string())
                        .help("add `return` (with a value if the function declares a return type)");
                }
                _ => {}
            }
        }
    }

    fn declare_local(&mut self, sym: VarSymbol<'a>) {
        if self.return_type.is_some() {
            self.locals.insert(sym.name.clone(), sym);
            return;
        }
        check_new_name(&sym.name, sym.name_span, self.diags);
        if let Some(first) = self.locals.get(&sym.name) {
            let d = if first.decl_span == sym.decl_span { repeated_in_declaration(&sym.name, sym.name_span) } else { redeclared(&sym.name, sym.name_span, first.name_span) };
            self.diags.push(d);
            return;
        }
        if let Some(model_var) = self.syms.var(&sym.name) {
            // PyNESTML rejects a local only when it comes before the model-level declaration
            if sym.name_span.start < model_var.name_span.start {
                self.diags.push(redeclared(&sym.name, model_var.name_span, sym.name_span));
            } else {
                let (kind, at) = (model_var.kind.describe(), model_var.name_span);
                self.warn(Code::W0006, sym.name_span, format!("the local variable `{}` hides the {kind} of the same name", sym.name))
                    .label(at, format!("the {kind} declared here"))
                    .help("assignments to the local variable do not change the model variable; rename the local or assign to the model variable");
            }
        }
        self.locals.insert(sym.name.clone(), sym);
    }

    fn assignment(&mut self, lhs: &'a Variable, op: AssignOp, rhs: &'a Expr) {
        let name = complete_name(lhs);
        if self.lookup(&name).is_none() && Unit::lookup(&name).is_some() {
            self.expr(rhs);
            return; // assigning to a unit is reported by the context conditions (E0311)
        }
        let target = self.variable(lhs);
        let rhs_ty = self.expr(rhs);
        let Some(target) = target else { return };
        let lhs_ty = target.ty;
        let result = match op {
            AssignOp::Set | AssignOp::Add | AssignOp::Sub => rhs_ty,
            AssignOp::Mul => self.arith(BinaryOp::Mul, &lhs_ty, &rhs_ty, rhs.span, rhs),
            AssignOp::Div | AssignOp::FloorDiv => self.arith(BinaryOp::Div, &lhs_ty, &rhs_ty, rhs.span, rhs),
        };
        self.assignable(&lhs_ty, &result, rhs, || format!("`{}`", complete_name(lhs)));
    }

    /// Reports (E0202) a value of type `value` stored in a variable of type `target`, unless
    /// PyNESTML's casting rules allow it; records magnitude conversions.
    fn assignable(&mut self, target: &Type, value: &Type, rhs: &Expr, what: impl FnOnce() -> String) {
        if value.is_castable_to(target) {
            self.note_conversion(value, target, rhs.span);
            return;
        }
        let d = self.error(Code::E0202, rhs.span, format!("{} has type {target}, but the assigned value has type {value}", what()));
        d.help = match (target, value) {
            (Type::Unit(u), Type::Integer | Type::Real) => Some(format!("give the number a unit, e.g. `{} {}`", crate::syntax::print_expr(rhs), u.describe())),
            _ => None,
        };
    }

    /// Records that the plain number `plain` is taken to be in the unit of `unit` (W0001).
    fn take_in_unit(&mut self, plain: &Expr, unit: &Type) {
        if let Type::Unit(u) = unit {
            let scale = u.nest_internal_scale();
            if !scale.is_identity() {
                self.info.plain_in_unit.insert(plain.span, scale);
            }
        }
    }

    fn note_conversion(&mut self, from: &Type, to: &Type, span: Span) {
        if let (Type::Unit(a), Type::Unit(b)) = (from, to) {
            if let Some(conv) = a.conversion_to(b) {
                if !conv.is_identity() {
                    self.info.conversions.push((span, conv));
                }
            }
        }
    }

    fn expect_boolean(&mut self, ty: &Type, span: Span, what: &str) {
        if !matches!(ty, Type::Boolean | Type::Error) {
            self.error(Code::E0208, span, format!("{what} must be boolean, but this has type {ty}")).help("compare values, e.g. `V_m >= V_th`");
        }
    }

    // ----- names --------------------------------------------------------------------

    fn lookup(&self, name: &str) -> Option<Resolved<'a>> {
        if let Some(s) = self.locals.get(name).or_else(|| self.syms.var(name)) {
            return Some(Resolved { kind: Some(s.kind), ty: s.ty.clone(), decl_span: Some(s.decl_span), size: s.size });
        }
        predefined::variable(name).map(|ty| Resolved { kind: None, ty, decl_span: None, size: None })
    }

    /// Resolves a variable reference, reporting undefined names, use before declaration and
    /// recursive definitions. `None` if the name does not denote a variable.
    fn variable(&mut self, v: &'a Variable) -> Option<Resolved<'a>> {
        if let Some(index) = &v.index {
            self.expr(index);
        }
        let name = complete_name(v);
        let Some(found) = self.lookup(&name) else {
            self.undefined(v, &name);
            return None;
        };
        if let (Some(kind), Some(decl)) = (found.kind, found.decl_span) {
            if !self.in_invariant {
                let declared_before = decl.start < v.span.start;
                if !kind.order_free() && !declared_before {
                    self.error(Code::E0107, v.span, format!("`{name}` is used before it is declared")).label(decl, "declared here");
                } else if decl.start <= v.span.start && v.span.end <= decl.end && !matches!(kind, VarKind::Local | VarKind::Inline | VarKind::Kernel) {
                    self.error(Code::E0107, v.span, format!("`{name}` is defined in terms of itself")).help("a variable's initial value or definition cannot refer to the variable itself");
                }
            }
        }
        if let (Some(index), Some(size)) = (&v.index, found.size) {
            self.check_index(index, size, &name);
        }
        Some(found)
    }

    /// PyNESTML does not check indices; a constant index outside the vector is worth a warning.
    fn check_index(&mut self, index: &Expr, size: &Expr, name: &str) {
        let Some(i) = self.constant_value(index, 0) else { return };
        let n = self.constant_value(size, 0);
        let out_of_range = i < 0.0 || i.fract() != 0.0 || n.is_some_and(|n| i >= n);
        if out_of_range {
            let range = n.map_or("0, 1, …".to_string(), |n| format!("0 to {}", n - 1.0));
            self.warn(Code::W0010, index.span, format!("index {i} is outside the vector `{name}`, whose indices are {range}"));
        }
    }

    fn undefined(&mut self, v: &Variable, name: &str) {
        if let Some(&later) = self.block_decls.get(name) {
            self.error(Code::E0107, v.span, format!("`{name}` is used before it is declared")).label(later, "declared here");
            return;
        }
        if v.order == 0 && Unit::lookup(name).is_some() {
            self.error(Code::E0209, v.span, format!("the physical unit `{name}` cannot stand alone in an expression"))
                .help(format!("write a quantity with a number, e.g. `1 {name}` (NESTML 8 and older accepted a unit alone: `nestml migrate` rewrites such a file)"));
            return;
        }
        let help = if v.order > 0 && self.syms.var(&v.name.name).is_some() {
            Some(format!("declare `{name}` in the state block: a derivative used in an expression needs its own state variable"))
        } else {
            similar_name(name, self.syms.vars.keys().chain(self.locals.keys()).map(String::as_str)).map(|s| format!("a variable with a similar name exists: `{s}`"))
        };
        self.error(Code::E0101, v.span, format!("`{name}` is not defined")).help = help;
    }

    // ----- expressions --------------------------------------------------------------

    fn expr(&mut self, e: &'a Expr) -> Type {
        let ty = self.expr_inner(e);
        self.info.types.insert(e.span, ty.clone());
        ty
    }

    fn expr_inner(&mut self, e: &'a Expr) -> Type {
        match &e.kind {
            ExprKind::Paren(inner) => self.expr(inner),
            ExprKind::Unary(op, operand) => {
                let ty = self.expr(operand);
                match (op, &ty) {
                    (_, Type::Error) => Type::Error,
                    (UnaryOp::Plus | UnaryOp::Minus, t) if t.is_numeric() => ty,
                    (UnaryOp::BitNot, Type::Integer) => Type::Integer,
                    _ => {
                        let sym = match op {
                            UnaryOp::Plus => "+",
                            UnaryOp::Minus => "-",
                            UnaryOp::BitNot => "~",
                        };
                        self.error(Code::E0201, e.span, format!("the operator `{sym}` cannot be applied to a value of type {ty}"));
                        Type::Error
                    }
                }
            }
            ExprKind::Not(operand) => match self.expr(operand) {
                Type::Boolean => Type::Boolean,
                Type::Error => Type::Error,
                ty => {
                    self.error(Code::E0201, e.span, format!("`not` needs a boolean operand, but this has type {ty}"));
                    Type::Error
                }
            },
            ExprKind::Binary(op, l, r) => {
                let lt = self.expr(l);
                let rt = self.expr(r);
                self.binary(*op, &lt, &rt, e, l, r)
            }
            ExprKind::Ternary(c, a, b) => {
                let ct = self.expr(c);
                let at = self.expr(a);
                let bt = self.expr(b);
                if !matches!(ct, Type::Boolean | Type::Error) {
                    self.error(Code::E0208, c.span, format!("the condition of `?:` must be boolean, but it has type {ct}"));
                    return Type::Error;
                }
                self.ternary(at, bt, e)
            }
            ExprKind::Call(call) => self.call(call, false),
            ExprKind::Bool(_) => Type::Boolean,
            ExprKind::String(_) => Type::String,
            ExprKind::Inf => Type::Real,
            ExprKind::Number { literal, unit } => match unit {
                None if literal.is_integer => Type::Integer,
                None => Type::Real,
                Some(u) => self.quantity_unit(u),
            },
            ExprKind::Var(v) => self.variable(v).map_or(Type::Error, |r| r.ty),
        }
    }

    /// The unit after a number, e.g. `mV` in `10 mV` or `nS/ms` in `0 nS/ms`.
    fn quantity_unit(&mut self, u: &UnitType) -> Type {
        let mut diags = Vec::new();
        let unit = resolve_unit_type(u, &mut diags);
        for d in &mut diags {
            let name = d.span;
            if d.code == Code::E0109 {
                let text = self.syms.vars.keys().chain(self.locals.keys()).find(|k| unit_names_in(u).iter().any(|(n, s)| n == *k && *s == name)).cloned();
                if let Some(var) = text {
                    d.message = format!("`{var}` is a variable, not a physical unit");
                    d.help = Some(format!("a number followed by a name is a quantity with a unit in NESTML; to multiply, write `*` before `{var}` (e.g. `2 * {var}`) or put the quantity in parentheses"));
                }
            }
        }
        self.diags.extend(diags);
        unit.map_or(Type::Error, Type::from_unit)
    }

    fn binary(&mut self, op: BinaryOp, lt: &Type, rt: &Type, e: &'a Expr, l: &'a Expr, r: &'a Expr) -> Type {
        if *lt == Type::Error || *rt == Type::Error {
            return Type::Error;
        }
        use BinaryOp::*;
        match op {
            Pow => self.power(lt, rt, e, r),
            Mul | Div | FloorDiv | Mod | Add | Sub => self.arith(op, lt, rt, e.span, e),
            And | Or => {
                if *lt == Type::Boolean && *rt == Type::Boolean {
                    Type::Boolean
                } else {
                    let (bad, span) = if *lt != Type::Boolean { (lt, l.span) } else { (rt, r.span) };
                    self.error(Code::E0201, span, format!("`{}` needs boolean operands, but this has type {bad}", op.symbol()));
                    Type::Error
                }
            }
            BitAnd | BitXor | BitOr | Shl | Shr => lt.clone(),
            Lt | Le | Eq | Ne | NeAlt | Ge | Gt => {
                let same_numeric_unit = lt.is_numeric() && lt == rt;
                let ok = (*lt == Type::String && *rt == Type::String) || (lt.is_numeric_primitive() && rt.is_numeric_primitive()) || same_numeric_unit || (*lt == Type::Boolean && *rt == Type::Boolean);
                if ok {
                    return Type::Boolean;
                }
                if (matches!(lt, Type::Unit(_)) && rt.is_numeric()) || (matches!(rt, Type::Unit(_)) && lt.is_numeric()) {
                    let compatible = lt.unit().zip(rt.unit()).is_some_and(|(a, b)| a.same_dimension(&b));
                    let msg = if compatible {
                        format!("comparing values in different units ({lt} and {rt}); NEST compares the raw numbers")
                    } else {
                        format!("comparing values of incompatible units ({lt} and {rt})")
                    };
                    self.warn(Code::W0002, e.span, msg).help("convert one side so both have the same unit");
                    return Type::Boolean;
                }
                self.error(Code::E0201, e.span, format!("values of type {lt} and {rt} cannot be compared with `{}`", op.symbol()));
                Type::Error
            }
        }
    }

    /// `*`, `/`, `%`, `+`, `-` with PyNESTML's rules for mixing integers, reals and units.
    fn arith(&mut self, op: BinaryOp, lt: &Type, rt: &Type, span: Span, e: &Expr) -> Type {
        use Type::*;
        if *lt == Error || *rt == Error {
            return Error;
        }
        let op = if op == BinaryOp::FloorDiv { BinaryOp::Div } else { op };
        let result = match (op, lt, rt) {
            (BinaryOp::Mul, Integer, r) if r.is_numeric() => Some(r.clone()),
            (BinaryOp::Mul, Real, Unit(_)) => Some(rt.clone()),
            (BinaryOp::Mul, Real, Integer | Real) => Some(Real),
            (BinaryOp::Mul, Unit(a), Unit(b)) => a.checked_mul(b).map(Type::from_unit),
            (BinaryOp::Mul, Unit(_), Integer | Real) => Some(lt.clone()),
            (BinaryOp::Div, Unit(a), Unit(b)) => a.checked_div(b).map(Type::from_unit),
            (BinaryOp::Div, Unit(_), Integer | Real) => Some(lt.clone()),
            (BinaryOp::Div, Integer | Real, Unit(b)) => Some(Type::from_unit(b.recip())),
            (BinaryOp::Div, Real, Integer | Real) => Some(Real),
            (BinaryOp::Div, Integer, Integer | Real) => Some(rt.clone()),
            (BinaryOp::Mod, Integer, Integer) => Some(Integer),
            (BinaryOp::Add, String, _) | (BinaryOp::Add, _, String) if !matches!(lt, Boolean) => Some(String),
            (BinaryOp::Add | BinaryOp::Sub, Integer | Real, Integer | Real) => Some(if *lt == Real || *rt == Real { Real } else { Integer }),
            (BinaryOp::Add | BinaryOp::Sub, Integer | Real, Unit(_)) | (BinaryOp::Add | BinaryOp::Sub, Unit(_), Integer | Real) => {
                self.warn(Code::W0001, span, format!("adding a plain number and a quantity with a unit ({lt} {} {rt}); the number is taken to be in the unit", op.symbol()))
                    .help("give the number a unit, e.g. `0 mV`");
                if let ExprKind::Binary(_, l, r) = &e.kind {
                    let (plain, unit) = if matches!(lt, Unit(_)) { (r, lt) } else { (l, rt) };
                    self.take_in_unit(plain, unit);
                }
                // PyNESTML keeps the integer type for `integer + unit`
                Some(if *lt == Integer && op == BinaryOp::Add { Integer } else if matches!(lt, Unit(_)) { lt.clone() } else { rt.clone() })
            }
            (BinaryOp::Add | BinaryOp::Sub, Unit(a), Unit(b)) if a.same_dimension(b) => {
                if let Some(conv) = b.conversion_to(a) {
                    if !conv.is_identity() {
                        self.info.conversions.push((e.span, conv));
                    }
                }
                Some(lt.clone())
            }
            _ => None,
        };
        result.unwrap_or_else(|| {
            let d = self.error(Code::E0201, span, format!("cannot apply `{}` to {lt} and {rt}", op.symbol()));
            if matches!(op, BinaryOp::Add | BinaryOp::Sub) && matches!((lt, rt), (Unit(_), Unit(_))) {
                d.help = Some("both sides of `+` and `-` must have the same physical dimension".into());
            } else if op == BinaryOp::Mod {
                d.help = Some("`%` is defined for integers only".into());
            }
            Error
        })
    }

    fn power(&mut self, base: &Type, exponent: &Type, e: &Expr, r: &Expr) -> Type {
        match base {
            Type::Unit(u) => match self.constant_value(r, 0).and_then(rational_of) {
                Some(p) => u.checked_pow(p).map_or(Type::Error, Type::from_unit),
                None => {
                    self.error(Code::E0201, r.span, format!("a quantity with a unit ({base}) can only be raised to a constant power"))
                        .help("use a number literal as the exponent, or divide by a unit quantity first");
                    Type::Error
                }
            },
            Type::Integer | Type::Real if exponent.is_numeric_primitive() => {
                if *base == Type::Integer && *exponent == Type::Integer {
                    Type::Integer
                } else {
                    Type::Real
                }
            }
            _ => {
                self.error(Code::E0201, e.span, format!("cannot raise {base} to the power of {exponent}"));
                Type::Error
            }
        }
    }

    /// The numeric value of a constant exponent expression (literals, arithmetic, and
    /// variables whose declared value is constant).
    fn constant_value(&self, e: &Expr, depth: u32) -> Option<f64> {
        if depth > 16 {
            return None;
        }
        match &e.kind {
            ExprKind::Number { literal, unit: None } => Some(literal.value()),
            ExprKind::Paren(inner) => self.constant_value(inner, depth + 1),
            ExprKind::Unary(UnaryOp::Minus, inner) => self.constant_value(inner, depth + 1).map(|v| -v),
            ExprKind::Unary(UnaryOp::Plus, inner) => self.constant_value(inner, depth + 1),
            ExprKind::Binary(op, l, r) => {
                let (a, b) = (self.constant_value(l, depth + 1)?, self.constant_value(r, depth + 1)?);
                match op {
                    BinaryOp::Add => Some(a + b),
                    BinaryOp::Sub => Some(a - b),
                    BinaryOp::Mul => Some(a * b),
                    BinaryOp::Div => Some(a / b),
                    BinaryOp::Mod => Some(a % b),
                    _ => None,
                }
            }
            ExprKind::Var(v) if v.index.is_none() => {
                let sym = self.locals.get(&complete_name(v)).or_else(|| self.syms.var(&complete_name(v)))?;
                self.constant_value(sym.rhs?, depth + 1)
            }
            _ => None,
        }
    }

    fn ternary(&mut self, a: Type, b: Type, e: &Expr) -> Type {
        if a == Type::Error || b == Type::Error {
            return Type::Error;
        }
        if a == b || same_magnitude_class(&a, &b) {
            return a;
        }
        match (&a, &b) {
            (Type::Unit(_), x) | (x, Type::Unit(_)) if x.is_numeric_primitive() => {
                self.warn(Code::W0001, e.span, format!("one alternative of `?:` has a unit and the other is a plain number ({a} and {b}); the number is taken to be in the unit"));
                if let ExprKind::Ternary(_, x, y) = &e.kind {
                    let (plain, unit) = if matches!(a, Type::Unit(_)) { (y, &a) } else { (x, &b) };
                    self.take_in_unit(plain, unit);
                }
                if matches!(a, Type::Unit(_)) {
                    a
                } else {
                    b
                }
            }
            _ if a.is_castable_to(&b) => a,
            (Type::Unit(_), Type::Unit(_)) => {
                self.warn(Code::W0002, e.span, format!("the two alternatives of `?:` have incompatible units ({a} and {b})"));
                Type::Real
            }
            (x, y) if x.is_numeric_primitive() && y.is_numeric_primitive() => Type::Real,
            _ => {
                self.error(Code::E0201, e.span, format!("the two alternatives of `?:` have incompatible types ({a} and {b})"));
                Type::Error
            }
        }
    }

    // ----- calls --------------------------------------------------------------------

    fn call(&mut self, call: &'a Call, is_statement: bool) -> Type {
        if call.name.name == "integrate_odes" && !self.syms.functions.contains_key("integrate_odes") {
            return Type::Void; // its arguments are names of ODE variables, checked by the context conditions (E0404)
        }
        let arg_types: Vec<Type> = call.args.iter().map(|a| self.expr(a)).collect();
        let name = call.name.name.as_str();
        if let Some(f) = self.syms.functions.get(name).copied() {
            return self.user_call(call, f, &arg_types, is_statement);
        }
        let Some(b) = predefined::builtin(name) else {
            // a predefined function wins over a variable of the same name, as in PyNESTML
            let syms = self.syms;
            if let Some(sym) = syms.var(name) {
                return self.delayed_state(call, sym);
            }
            let help = similar_name(name, predefined::BUILTINS.iter().map(|b| b.name).chain(self.syms.functions.keys().map(String::as_str))).map(|s| format!("a function with a similar name exists: `{s}`"));
            self.error(Code::E0108, call.name.span, format!("the function `{name}` is not defined")).help = help;
            return Type::Error;
        };
        if name == "convolve" {
            return self.convolve(call);
        }
        let variadic = b.params == [Param::Variadic];
        if !variadic && b.params.len() != call.args.len() {
            self.error(Code::E0205, call.span, format!("`{name}` takes {} argument{}, but {} {} given", b.params.len(), plural(b.params.len()), call.args.len(), if call.args.len() == 1 { "was" } else { "were" }));
            return Type::Error;
        }
        let mut template: HashMap<u8, (Type, Span)> = HashMap::new();
        for ((param, ty), arg) in b.params.iter().zip(&arg_types).zip(&call.args) {
            match param {
                Param::Variadic => break,
                Param::Template(i) => match template.get(i) {
                    None => {
                        template.insert(*i, (ty.clone(), arg.span));
                    }
                    Some((first, first_span)) => {
                        if !template_compatible(first, ty) {
                            let (first, first_span) = (first.clone(), *first_span);
                            self.error(Code::E0217, call.span, format!("the arguments of `{name}` must have compatible types, but one has type {first} and another {ty}"))
                                .label(first_span, format!("this has type {first}"))
                                .label(arg.span, format!("this has type {ty}"));
                            return Type::Error;
                        }
                    }
                },
                p => {
                    let expected = p.concrete().expect("concrete parameter");
                    if !ty.is_castable_to(&expected) {
                        self.error(Code::E0206, arg.span, format!("argument of `{name}` must have type {expected}, but this has type {ty}"));
                    } else if matches!(ty, Type::Unit(_)) && expected == Type::Real {
                        self.warn(Code::W0001, arg.span, format!("`{name}` expects a plain number, but this argument has unit {ty}; its numeric value in that unit is used"))
                            .help("divide by a quantity of the same unit to make it dimensionless");
                    }
                }
            }
        }
        let ret = match b.returns {
            Param::Template(i) => template.get(&i).map_or(Type::Error, |(t, _)| t.clone()),
            p => p.concrete().unwrap_or(Type::Void),
        };
        if ret == Type::Void && !is_statement {
            self.error(Code::E0218, call.span, format!("`{name}` returns no value and cannot be used in an expression"));
            return Type::Error;
        }
        ret
    }

    /// `x(t - delay)`: the state variable `x` (with an ODE) as it was `delay` earlier, in the
    /// equations block; `delay` a parameter or a literal of unit time. Has the type of `x`.
    fn delayed_state(&mut self, call: &Call, sym: &VarSymbol<'_>) -> Type {
        let name = call.name.name.as_str();
        if sym.kind != VarKind::State || !has_ode(self.syms.model, name) {
            self.error(Code::E0412, call.name.span, format!("`{name}` is not a function; only a state variable with an ODE can be called, as `{name}(t - delay)` for its delayed value"))
                .label(sym.decl_span, "declared here");
            return Type::Error;
        }
        if !self.in_equations {
            self.error(Code::E0412, call.span, format!("the delayed value `{name}(t - delay)` can only be used in the equations block"));
            return Type::Error;
        }
        if call.args.len() != 1 {
            self.error(Code::E0205, call.span, format!("the delayed state variable `{name}` takes 1 argument (`t - delay`), but {} were given", call.args.len()));
            return Type::Error;
        }
        let arg = call.args[0].without_parens();
        let delay = match &arg.kind {
            ExprKind::Binary(BinaryOp::Sub, lhs, rhs) if matches!(&lhs.without_parens().kind, ExprKind::Var(v) if v.name.name == "t" && v.index.is_none() && self.syms.var("t").is_none()) => rhs.without_parens(),
            _ => {
                self.error(Code::E0413, call.args[0].span, format!("the argument of the delayed state variable `{name}` must be `t - delay`"));
                return Type::Error;
            }
        };
        let constant = match &delay.kind {
            ExprKind::Var(v) => self.syms.var(&complete_name(v)).is_some_and(|s| s.kind == VarKind::Parameter && s.size.is_none()),
            ExprKind::Number { .. } => true,
            _ => false,
        };
        if !constant {
            self.error(Code::E0413, delay.span, format!("the delay of `{name}(t - delay)` must be a parameter or a literal"));
            return Type::Error;
        }
        let ms = Unit::lookup("ms").expect("ms");
        match self.info.types.get(&delay.span) {
            Some(Type::Unit(u)) if u.same_dimension(&ms) => {}
            Some(Type::Error) | None => return Type::Error,
            Some(ty) => {
                let ty = ty.clone();
                self.error(Code::E0219, delay.span, format!("the delay of `{name}(t - delay)` must be a time, but it has type {ty}"));
                return Type::Error;
            }
        }
        sym.ty.clone()
    }

    /// `convolve(kernel, port)` has the type of the port's value times seconds.
    fn convolve(&mut self, call: &Call) -> Type {
        if call.args.len() != 2 {
            self.error(Code::E0205, call.span, format!("`convolve` takes 2 arguments (a kernel and a spike input port), but {} were given", call.args.len()));
            return Type::Error;
        }
        match &call.args[1].kind {
            ExprKind::Var(v) => match self.lookup(&complete_name(v)) {
                Some(r) => self.arith(BinaryOp::Mul, &r.ty, &Type::Unit(Unit::lookup("s").expect("s")), call.span, &call.args[1]),
                None => Type::Error,
            },
            _ => Type::Error, // reported by the context conditions (E0402)
        }
    }

    fn user_call(&mut self, call: &Call, f: &Function, arg_types: &[Type], is_statement: bool) -> Type {
        if f.parameters.len() != call.args.len() {
            self.error(Code::E0205, call.span, format!("`{}` takes {} argument{}, but {} {} given", f.name.name, f.parameters.len(), plural(f.parameters.len()), call.args.len(), if call.args.len() == 1 { "was" } else { "were" }))
                .label(f.name.span, "defined here");
            return Type::Error;
        }
        let mut diags = Vec::new();
        for ((p, ty), arg) in f.parameters.iter().zip(arg_types).zip(&call.args) {
            let expected = resolve_data_type(&p.data_type, &mut diags);
            if !ty.is_castable_to(&expected) {
                self.error(Code::E0206, arg.span, format!("argument `{}` of `{}` has type {expected}, but this value has type {ty}", p.name.name, f.name.name))
                    .label(p.span, "parameter declared here");
            }
        }
        let ret = f.return_type.as_ref().map_or(Type::Void, |t| resolve_data_type(t, &mut diags));
        if ret == Type::Void && !is_statement {
            self.error(Code::E0218, call.span, format!("`{}` returns no value and cannot be used in an expression", f.name.name))
                .label(f.name.span, "declared without a return type here");
            return Type::Error;
        }
        ret
    }
}

/// Whether the model has a first-order ODE `name' = …`.
fn has_ode(model: &Model, name: &str) -> bool {
    model.blocks.iter().any(|b| matches!(b, Block::Equations(eb) if eb.items.iter().any(|e| matches!(&e.kind, EquationKind::Ode { lhs, .. } if lhs.order == 1 && lhs.index.is_none() && lhs.name.name == name))))
}


/// The unit names in a unit type, with their spans.
fn unit_names_in(u: &UnitType) -> Vec<(String, Span)> {
    match &u.kind {
        UnitTypeKind::Name(id) => vec![(id.name.clone(), id.span)],
        UnitTypeKind::Paren(x) | UnitTypeKind::Pow(x, _) | UnitTypeKind::Reciprocal { unit: x, .. } => unit_names_in(x),
        UnitTypeKind::Mul(a, b) | UnitTypeKind::Div(a, b) => {
            let mut v = unit_names_in(a);
            v.extend(unit_names_in(b));
            v
        }
    }
}

/// The first declaration of every local in `stmts`, nested blocks included.
fn collect_declarations(stmts: &[Stmt], out: &mut HashMap<String, Span>) {
    for s in stmts {
        match &s.kind {
            StmtKind::Declaration(d) => {
                for v in &d.variables {
                    out.entry(complete_name(v)).or_insert(v.name.span);
                }
            }
            StmtKind::If { branches, otherwise } => {
                branches.iter().for_each(|(_, b)| collect_declarations(b, out));
                if let Some(b) = otherwise {
                    collect_declarations(b, out);
                }
            }
            StmtKind::For { body, .. } | StmtKind::While { body, .. } => collect_declarations(body, out),
            _ => {}
        }
    }
}

/// PyNESTML's template check: a later argument must have the first one's dimension, or the
/// first must convert to it.
fn template_compatible(first: &Type, other: &Type) -> bool {
    same_magnitude_class(first, other) || first.is_castable_to(other)
}

/// Same physical dimension (possibly different magnitude), or both plain numbers.
fn same_magnitude_class(a: &Type, b: &Type) -> bool {
    match (a, b) {
        (Type::Unit(x), Type::Unit(y)) => x.same_dimension(y),
        (Type::Integer | Type::Real, Type::Integer | Type::Real) => true,
        _ => false,
    }
}

fn rational_of(v: f64) -> Option<Rational> {
    if !v.is_finite() {
        return None;
    }
    for den in [1i64, 2, 3, 4, 5, 6, 8, 10, 12, 100, 1000] {
        let num = v * den as f64;
        if (num - num.round()).abs() < 1e-9 && num.abs() < 1e12 {
            return Rational::new(num.round() as i64, den);
        }
    }
    None
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// A hint for the most common ODE unit mistakes.
fn ode_hint(expected: &Type, actual: &Type) -> Option<String> {
    let (Type::Unit(e), Some(a)) = (expected, actual.unit()) else { return None };
    let ratio = a.checked_div(e)?;
    let guess = [("C_m", "pF"), ("tau_m", "ms"), ("g_L", "nS")]
        .into_iter()
        .find(|(_, unit)| Unit::lookup(unit).is_some_and(|u| u.same_dimension(&ratio)))?;
    Some(format!("the right-hand side has an extra factor of {}; divide by a quantity in {}, such as `{}`", ratio.describe(), guess.1, guess.0))
}

/// Calls `f` on every variable referenced in `e`.
pub fn visit_vars<'e>(e: &'e Expr, f: &mut impl FnMut(&'e Variable)) {
    match &e.kind {
        ExprKind::Paren(x) | ExprKind::Unary(_, x) | ExprKind::Not(x) => visit_vars(x, f),
        ExprKind::Binary(_, a, b) => {
            visit_vars(a, f);
            visit_vars(b, f);
        }
        ExprKind::Ternary(a, b, c) => {
            visit_vars(a, f);
            visit_vars(b, f);
            visit_vars(c, f);
        }
        ExprKind::Call(c) => c.args.iter().for_each(|a| visit_vars(a, f)),
        ExprKind::Var(v) => {
            f(v);
            if let Some(i) = &v.index {
                visit_vars(i, f);
            }
        }
        ExprKind::Number { .. } | ExprKind::Bool(_) | ExprKind::String(_) | ExprKind::Inf => {}
    }
}


/// The candidate closest to `name` by edit distance, if it is close enough to be a typo.
fn similar_name<'n>(name: &str, candidates: impl Iterator<Item = &'n str>) -> Option<&'n str> {
    candidates
        .filter(|c| *c != name)
        .map(|c| (edit_distance(name, c), c))
        .filter(|(d, c)| *d <= (name.len().max(c.len()) / 3).max(1))
        .min()
        .map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::FileId;
    use crate::syntax::parse;

    fn check(src: &str) -> (TypeInfo, Vec<Diagnostic>) {
        let unit = parse(src, FileId(0)).unit;
        let mut diags = Vec::new();
        let syms = ModelSymbols::collect(&unit.models[0], &mut diags);
        let info = check_model(&syms, &mut diags);
        (info, diags)
    }

    #[test]
    fn magnitude_conversions_are_recorded() {
        let (info, diags) = check("model m:\n    parameters:\n        x mV = 1 V\n        y nS = 0.012 uS\n        z mV = 2 mV + 1 V\n");
        assert!(diags.is_empty(), "{diags:?}");
        let exps: Vec<i32> = info.conversions.iter().map(|(_, c)| c.exp10).collect();
        // V → mV, uS → nS, and the `1 V` added to mV
        assert_eq!(exps, vec![3, 3, 3]);
    }

    #[test]
    fn every_expression_is_typed() {
        let (info, _) = check("model m:\n    parameters:\n        x mV = 1 mV * 2\n        y real = x / 1 mV\n");
        let mut types: Vec<String> = info.types.values().map(|t| t.to_string()).collect();
        types.sort();
        assert_eq!(types, ["integer", "mV", "mV", "mV", "mV", "real"]);
    }

    /// A model with states `u` (with an ODE) and `w` (without), a time parameter `lag`, a
    /// real parameter `r`, and `line` as the second ODE.
    fn delayed(line: &str) -> Vec<(Code, String)> {
        let src = format!("model m:\n    state:\n        u real = -65.\n        v real = 0\n        w real = 0\n\n    equations:\n        u' = -u / tau\n        {line}\n\n    parameters:\n        tau ms = 2 ms\n        lag ms = 3 ms\n        r real = 3\n\n    update:\n        w = u\n");
        check(&src).1.iter().map(|d| (d.code, d.message.clone())).collect()
    }

    #[test]
    fn delayed_state_variables() {
        assert_eq!(delayed("v' = u(t - lag) / tau"), []);
        assert_eq!(delayed("v' = u((t - (lag))) / tau"), []);
        assert_eq!(delayed("v' = u(t - 5 ms) / tau"), []);
        let code = |line: &str| delayed(line).iter().map(|(c, _)| *c).collect::<Vec<_>>();
        assert_eq!(code("v' = u(t - r) / tau"), [Code::W0001, Code::E0219]); // the warning: `t - r` itself
        assert_eq!(code("v' = u(t - tau * 2) / tau"), [Code::E0413]);
        assert_eq!(code("v' = u(t - v * 1 ms) / tau"), [Code::E0413]);
        assert_eq!(code("v' = u(t + lag) / tau"), [Code::E0413]);
        assert_eq!(code("v' = u(lag) / tau"), [Code::E0413]);
        assert_eq!(code("v' = u(t - lag, t) / tau"), [Code::E0205]);
        assert_eq!(code("v' = w(t - lag) / tau"), [Code::E0412]);
        assert_eq!(code("v' = tau(t - lag) / tau"), [Code::E0412]);
        assert_eq!(code("v' = f(t - lag) / tau"), [Code::E0108]);
        // a variable named as a predefined function does not hide it
        let (_, diags) = check("model m:\n    parameters:\n        exp real = exp(1)\n");
        assert!(diags.is_empty(), "{diags:?}");
        let outside = check("model m:\n    state:\n        u real = 1\n\n    equations:\n        u' = -u / (1 ms)\n\n    update:\n        u = u(t - 1 ms)\n").1;
        assert_eq!(outside.iter().map(|d| d.code).collect::<Vec<_>>(), [Code::E0412]);
        assert!(outside[0].message.contains("only be used in the equations block"), "{outside:?}");
    }
}
