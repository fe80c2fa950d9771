//! Splits variables off the unit of a quantity.
//!
//! The grammar reads a number followed by a unit greedily: `1 nS * e / tau` parses as the
//! number 1 with the unit `nS*e/tau`. As PyNESTML does after parsing, the rightmost factors
//! of such a unit that name variables (or are parenthesised) are moved out of the unit
//! until none is left, giving `((1 nS) * e) / tau`.

use std::collections::HashSet;

use super::predefined;
use crate::syntax::ast::*;

/// Rewrites every quantity in `unit` whose unit mentions declared variables.
pub fn split_variables_off_units(unit: &mut CompilationUnit) {
    for model in &mut unit.models {
        let names = declared_names(model);
        let is_var = |n: &str| names.contains(n) || predefined::variable(n).is_some();
        for_each_expr_mut(model, &mut |e| while split(e, &is_var) {});
    }
}

/// Every name a model declares anywhere (variables, ports, kernels, locals, parameters).
fn declared_names(model: &Model) -> HashSet<String> {
    let mut names = HashSet::new();
    let mut add_decl = |d: &Declaration, names: &mut HashSet<String>| {
        for v in &d.variables {
            names.insert(v.name.name.clone());
        }
    };
    fn stmts(ss: &[Stmt], names: &mut HashSet<String>, add: &mut dyn FnMut(&Declaration, &mut HashSet<String>)) {
        for s in ss {
            match &s.kind {
                StmtKind::Declaration(d) => add(d, names),
                StmtKind::If { branches, otherwise } => {
                    branches.iter().for_each(|(_, b)| stmts(b, names, add));
                    if let Some(b) = otherwise {
                        stmts(b, names, add);
                    }
                }
                StmtKind::For { body, .. } | StmtKind::While { body, .. } => stmts(body, names, add),
                _ => {}
            }
        }
    }
    for block in &model.blocks {
        match block {
            Block::Variables(vb) => vb.declarations.iter().for_each(|d| add_decl(d, &mut names)),
            Block::Equations(eb) => {
                for item in &eb.items {
                    match &item.kind {
                        EquationKind::Inline { name, .. } => {
                            names.insert(name.name.clone());
                        }
                        EquationKind::Kernel { parts, .. } => parts.iter().for_each(|(v, _)| {
                            names.insert(v.name.name.clone());
                        }),
                        EquationKind::Ode { .. } => {}
                    }
                }
            }
            Block::Input(ib) => ib.ports.iter().for_each(|p| {
                names.insert(p.name.name.clone());
            }),
            Block::Function(f) => {
                f.parameters.iter().for_each(|p| {
                    names.insert(p.name.name.clone());
                });
                stmts(&f.body, &mut names, &mut add_decl);
            }
            Block::OnReceive(b) => stmts(&b.body, &mut names, &mut add_decl),
            Block::OnCondition(b) => stmts(&b.body, &mut names, &mut add_decl),
            Block::Update(b) => stmts(&b.body, &mut names, &mut add_decl),
            Block::Output(_) => {}
        }
    }
    names
}

/// Moves one variable out of a quantity at `e`; returns whether anything changed.
///
/// A quantity on the right of `*` or `/` is re-associated as the text reads:
/// `L / 1 nS * v` becomes `(L / 1 nS) * v`, not `L / (1 nS * v)`.
fn split(e: &mut Expr, is_var: &dyn Fn(&str) -> bool) -> bool {
    if let ExprKind::Binary(op @ (BinaryOp::Mul | BinaryOp::Div | BinaryOp::FloorDiv), l, r) = &mut e.kind {
        if let Some((quantity, inner_op, moved)) = split_quantity(r, is_var) {
            let left_span = l.span.to(quantity.span);
            let left = Expr { span: left_span, kind: ExprKind::Binary(*op, l.clone(), Box::new(quantity)) };
            e.kind = ExprKind::Binary(inner_op, Box::new(left), Box::new(moved));
            return true;
        }
    }
    match split_quantity(e, is_var) {
        Some((quantity, op, moved)) => {
            e.kind = ExprKind::Binary(op, Box::new(quantity), Box::new(moved));
            true
        }
        None => false,
    }
}

/// For a quantity `n u1 ∘ v` whose last unit factor `v` is a variable (or parenthesised),
/// the quantity `n u1`, the operator `∘` and `v` as an expression.
fn split_quantity(e: &Expr, is_var: &dyn Fn(&str) -> bool) -> Option<(Expr, BinaryOp, Expr)> {
    let ExprKind::Number { literal, unit: Some(unit) } = &e.kind else { return None };
    let (op, lhs_unit, rhs_unit) = match &unit.kind {
        UnitTypeKind::Mul(a, b) => (BinaryOp::Mul, a, b),
        UnitTypeKind::Div(a, b) => (BinaryOp::Div, a, b),
        _ => return None,
    };
    let (term, parenthesised) = match &rhs_unit.kind {
        UnitTypeKind::Paren(inner) => (inner.as_ref(), true),
        _ => (rhs_unit.as_ref(), false),
    };
    let moved = match &term.kind {
        UnitTypeKind::Name(id) if is_var(&id.name) => var_expr(id),
        UnitTypeKind::Pow(base, exponent) => match &base.kind {
            UnitTypeKind::Name(id) if is_var(&id.name) => Expr { span: term.span, kind: ExprKind::Binary(BinaryOp::Pow, Box::new(var_expr(id)), Box::new(exponent_expr(exponent))) },
            _ => return None,
        },
        UnitTypeKind::Mul(..) | UnitTypeKind::Div(..) if parenthesised => unit_as_expr(rhs_unit),
        _ => return None,
    };
    let quantity = Expr { span: literal.span.to(lhs_unit.span), kind: ExprKind::Number { literal: literal.clone(), unit: Some((**lhs_unit).clone()) } };
    Some((quantity, op, moved))
}

fn var_expr(id: &Ident) -> Expr {
    Expr { span: id.span, kind: ExprKind::Var(Variable { name: id.clone(), index: None, order: 0, span: id.span }) }
}

fn exponent_expr(x: &UnitExponent) -> Expr {
    let number = |text: String, is_integer: bool| Expr { span: x.span, kind: ExprKind::Number { literal: NumberLit { text, is_integer, span: x.span }, unit: None } };
    let magnitude = match &x.value {
        ExponentValue::Literal(t) => number(t.clone(), !t.contains(['.', 'e', 'E'])),
        ExponentValue::Fraction(n, d) => Expr {
            span: x.span,
            kind: ExprKind::Paren(Box::new(Expr { span: x.span, kind: ExprKind::Binary(BinaryOp::Div, Box::new(number(n.to_string(), true)), Box::new(number(d.to_string(), true))) })),
        },
    };
    if x.negative {
        Expr { span: x.span, kind: ExprKind::Unary(UnaryOp::Minus, Box::new(magnitude)) }
    } else {
        magnitude
    }
}

/// A parenthesised unit product read as an ordinary expression of variables.
fn unit_as_expr(u: &UnitType) -> Expr {
    let kind = match &u.kind {
        UnitTypeKind::Name(id) => return var_expr(id),
        UnitTypeKind::Paren(inner) => ExprKind::Paren(Box::new(unit_as_expr(inner))),
        UnitTypeKind::Pow(base, x) => ExprKind::Binary(BinaryOp::Pow, Box::new(unit_as_expr(base)), Box::new(exponent_expr(x))),
        UnitTypeKind::Mul(a, b) => ExprKind::Binary(BinaryOp::Mul, Box::new(unit_as_expr(a)), Box::new(unit_as_expr(b))),
        UnitTypeKind::Div(a, b) => ExprKind::Binary(BinaryOp::Div, Box::new(unit_as_expr(a)), Box::new(unit_as_expr(b))),
        UnitTypeKind::Reciprocal { numerator, numerator_span, unit } => {
            let n = Expr { span: *numerator_span, kind: ExprKind::Number { literal: NumberLit { text: numerator.to_string(), is_integer: true, span: *numerator_span }, unit: None } };
            ExprKind::Binary(BinaryOp::Div, Box::new(n), Box::new(unit_as_expr(unit)))
        }
    };
    Expr { span: u.span, kind }
}

/// Calls `f` on every expression of a model, outermost first.
fn for_each_expr_mut(model: &mut Model, f: &mut dyn FnMut(&mut Expr)) {
    fn expr(e: &mut Expr, f: &mut dyn FnMut(&mut Expr)) {
        f(e);
        match &mut e.kind {
            ExprKind::Paren(x) | ExprKind::Unary(_, x) | ExprKind::Not(x) => expr(x, f),
            ExprKind::Binary(_, a, b) => {
                expr(a, f);
                expr(b, f);
            }
            ExprKind::Ternary(a, b, c) => {
                expr(a, f);
                expr(b, f);
                expr(c, f);
            }
            ExprKind::Call(c) => c.args.iter_mut().for_each(|a| expr(a, f)),
            ExprKind::Var(v) => variable(v, f),
            ExprKind::Number { .. } | ExprKind::Bool(_) | ExprKind::String(_) | ExprKind::Inf => {}
        }
    }
    fn variable(v: &mut Variable, f: &mut dyn FnMut(&mut Expr)) {
        if let Some(i) = &mut v.index {
            expr(i, f);
        }
    }
    fn declaration(d: &mut Declaration, f: &mut dyn FnMut(&mut Expr)) {
        d.variables.iter_mut().for_each(|v| variable(v, f));
        for e in d.rhs.iter_mut().chain(d.invariant.iter_mut()) {
            expr(e, f);
        }
    }
    fn stmts(ss: &mut [Stmt], f: &mut dyn FnMut(&mut Expr)) {
        for s in ss {
            match &mut s.kind {
                StmtKind::Assign { lhs, rhs, .. } => {
                    variable(lhs, f);
                    expr(rhs, f);
                }
                StmtKind::Call(c) => c.args.iter_mut().for_each(|a| expr(a, f)),
                StmtKind::Declaration(d) => declaration(d, f),
                StmtKind::Return(v) => v.iter_mut().for_each(|e| expr(e, f)),
                StmtKind::If { branches, otherwise } => {
                    for (c, b) in branches {
                        expr(c, f);
                        stmts(b, f);
                    }
                    if let Some(b) = otherwise {
                        stmts(b, f);
                    }
                }
                StmtKind::For { from, to, body, .. } => {
                    expr(from, f);
                    expr(to, f);
                    stmts(body, f);
                }
                StmtKind::While { condition, body } => {
                    expr(condition, f);
                    stmts(body, f);
                }
            }
        }
    }
    for block in &mut model.blocks {
        match block {
            Block::Variables(vb) => vb.declarations.iter_mut().for_each(|d| declaration(d, f)),
            Block::Equations(eb) => {
                for item in &mut eb.items {
                    match &mut item.kind {
                        EquationKind::Inline { rhs, .. } => expr(rhs, f),
                        EquationKind::Ode { lhs, rhs, .. } => {
                            variable(lhs, f);
                            expr(rhs, f);
                        }
                        EquationKind::Kernel { parts, .. } => parts.iter_mut().for_each(|(v, e)| {
                            variable(v, f);
                            expr(e, f);
                        }),
                    }
                }
            }
            Block::Input(ib) => ib.ports.iter_mut().for_each(|p| p.size.iter_mut().for_each(|e| expr(e, f))),
            Block::Function(func) => stmts(&mut func.body, f),
            Block::OnReceive(b) => stmts(&mut b.body, f),
            Block::OnCondition(b) => {
                expr(&mut b.condition, f);
                stmts(&mut b.body, f);
            }
            Block::Update(b) => stmts(&mut b.body, f),
            Block::Output(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::FileId;
    use crate::syntax::{parse, print_expr};

    fn rewritten(expr: &str) -> String {
        let src = format!("model m:\n    parameters:\n        tau ms = 1 ms\n        k real = 2\n        x real = {expr}\n");
        let mut unit = parse(&src, FileId(0)).unit;
        split_variables_off_units(&mut unit);
        let Block::Variables(vb) = &unit.models[0].blocks[0] else { panic!() };
        let e = vb.declarations[2].rhs.as_ref().unwrap();
        print_expr(e)
    }

    #[test]
    fn quantities_reassociate_as_written() {
        // `a / 1 nS * k` reads `(a / 1 nS) * k`
        let src = "model m:\n    parameters:\n        k real = 2\n        a nS = 1 nS\n        x real = a / 1 nS * k\n";
        let mut unit = parse(src, FileId(0)).unit;
        split_variables_off_units(&mut unit);
        let Block::Variables(vb) = &unit.models[0].blocks[0] else { panic!() };
        let e = vb.declarations[2].rhs.as_ref().unwrap();
        let ExprKind::Binary(BinaryOp::Mul, l, r) = &e.kind else { panic!("{e:?}") };
        assert!(matches!(&r.kind, ExprKind::Var(v) if v.name.name == "k"));
        assert!(matches!(&l.kind, ExprKind::Binary(BinaryOp::Div, _, _)));
    }

    #[test]
    fn variables_leave_the_unit() {
        assert_eq!(rewritten("1 nS * e / tau"), "1 nS * e / tau");
        let src = "model m:\n    parameters:\n        tau ms = 1 ms\n        x real = 1 nS * e / tau\n";
        let mut unit = parse(src, FileId(0)).unit;
        split_variables_off_units(&mut unit);
        let Block::Variables(vb) = &unit.models[0].blocks[0] else { panic!() };
        let e = vb.declarations[1].rhs.as_ref().unwrap();
        let ExprKind::Binary(BinaryOp::Div, q, r) = &e.kind else { panic!("{e:?}") };
        assert!(matches!(&r.kind, ExprKind::Var(v) if v.name.name == "tau"));
        let ExprKind::Binary(BinaryOp::Mul, q, e2) = &q.kind else { panic!("{q:?}") };
        assert!(matches!(&e2.kind, ExprKind::Var(v) if v.name.name == "e"));
        assert!(matches!(&q.kind, ExprKind::Number { unit: Some(u), .. } if matches!(&u.kind, UnitTypeKind::Name(n) if n.name == "nS")));
    }

    #[test]
    fn pure_units_stay() {
        let src = "model m:\n    parameters:\n        x nS/ms = 0 nS/ms\n        y real = 2 k**2\n        k real = 1\n";
        let mut unit = parse(src, FileId(0)).unit;
        split_variables_off_units(&mut unit);
        let Block::Variables(vb) = &unit.models[0].blocks[0] else { panic!() };
        assert!(matches!(&vb.declarations[0].rhs.as_ref().unwrap().kind, ExprKind::Number { unit: Some(_), .. }));
        // `2 k**2` has no `*`/`/` at the top of its unit: PyNESTML leaves it as a unit too
        assert!(matches!(&vb.declarations[1].rhs.as_ref().unwrap().kind, ExprKind::Number { unit: Some(_), .. }));
        let _ = rewritten("1 mV * k");
    }
}
