//! Lowering of the procedural blocks (`update`, `onReceive`, `onCondition`, functions).

use nestml_ode::{Cond, Expr};

use super::expr::{ode_name, Draw, LowerError, Lowerer};
use crate::syntax::ast::{self, AssignOp, ExprKind, StmtKind};

/// A statement of a procedural block, with expressions in NEST units.
#[derive(Clone, Debug)]
pub enum IrStmt {
    /// `target op= value` (`op` `None` for plain assignment).
    Assign { target: String, index: Option<Expr>, op: Option<ArithOp>, value: Expr },
    /// A local variable with its initial value.
    Local { name: String, value: Expr },
    If { branches: Vec<(Cond, Vec<IrStmt>)>, otherwise: Vec<IrStmt> },
    /// `for var in from ... to step step` (inclusive of `to`, as in NESTML).
    For { var: String, from: Expr, to: Expr, step: f64, body: Vec<IrStmt> },
    While { condition: Cond, body: Vec<IrStmt> },
    /// `integrate_odes(names…)`; an empty list integrates every ODE.
    IntegrateOdes(Vec<String>),
    /// `emit_spike(args…)`.
    EmitSpike(Vec<Expr>),
    /// A random number drawn into a local before the statement that uses it.
    Draw(Draw),
    /// A call of a procedural user function (`IrFunction`), its result into `local` (none
    /// for a call as a statement).
    Call { local: Option<String>, function: String, args: Vec<Expr> },
    /// `print`/`println` of a text with `{name}` interpolations.
    Print { text: String, newline: bool },
    Return(Option<Expr>),
}

/// The arithmetic of a compound assignment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArithOp {
    Add,
    Sub,
    Mul,
    Div,
}

type Lowered<T> = Result<T, LowerError>;

impl Lowerer<'_, '_> {
    /// Lowers a list of statements; random numbers a statement draws come first, as locals.
    pub fn stmts(&mut self, stmts: &[ast::Stmt]) -> Lowered<Vec<IrStmt>> {
        let mut out = Vec::new();
        for s in stmts {
            let outer = self.hoisted.replace(Vec::new());
            let lowered = self.stmt(s);
            let hoisted = std::mem::replace(&mut self.hoisted, outer).unwrap_or_default();
            out.extend(hoisted);
            out.push(lowered?);
        }
        Ok(out)
    }

    fn stmt(&mut self, s: &ast::Stmt) -> Lowered<IrStmt> {
        Ok(match &s.kind {
            StmtKind::Assign { lhs, op, rhs } => {
                let target = ode_name(&lhs.name.name, lhs.order);
                let index = lhs.index.as_ref().map(|i| self.expr(i)).transpose()?;
                let value = self.expr(rhs)?;
                let arith = match op {
                    AssignOp::Set => None,
                    AssignOp::Add => Some(ArithOp::Add),
                    AssignOp::Sub => Some(ArithOp::Sub),
                    AssignOp::Mul => Some(ArithOp::Mul),
                    AssignOp::Div => Some(ArithOp::Div),
                    // `x //= y` is `x = x // y`
                    AssignOp::FloorDiv => {
                        let current = match &index {
                            Some(i) => Expr::call(nestml_ode::Func::Element, vec![Expr::sym(&target), i.clone()]),
                            None => Expr::sym(&target),
                        };
                        return Ok(IrStmt::Assign { target, index, op: None, value: super::expr::trunc(current / value) });
                    }
                };
                IrStmt::Assign { target, index, op: arith, value }
            }
            StmtKind::Declaration(d) => {
                let value = d.rhs.as_ref().map(|e| self.expr(e)).transpose()?.unwrap_or_else(Expr::zero);
                match d.variables.as_slice() {
                    [v] if v.index.is_none() => IrStmt::Local { name: ode_name(&v.name.name, v.order), value },
                    _ => return Err(LowerError { span: d.span, message: "local vectors and several names in one local declaration are not supported yet".into() }),
                }
            }
            StmtKind::Call(call) => match call.name.name.as_str() {
                "integrate_odes" => IrStmt::IntegrateOdes(
                    call.args.iter().filter_map(|a| match &a.kind {
                        ExprKind::Var(v) => Some(ode_name(&v.name.name, v.order)),
                        _ => None,
                    }).collect(),
                ),
                "emit_spike" => IrStmt::EmitSpike(call.args.iter().map(|a| self.expr(a)).collect::<Lowered<_>>()?),
                name @ ("print" | "println") => {
                    let text = match call.args.first().map(|a| &a.kind) {
                        Some(ExprKind::String(t)) => t.clone(),
                        _ => String::new(),
                    };
                    IrStmt::Print { text, newline: name == "println" }
                }
                other if self.syms.functions.contains_key(other) => IrStmt::Call {
                    local: None,
                    function: other.to_string(),
                    args: call.args.iter().map(|a| self.expr(a)).collect::<Lowered<_>>()?,
                },
                other => return Err(LowerError { span: s.span, message: format!("calling `{other}` as a statement is not supported yet") }),
            },
            StmtKind::Return(v) => IrStmt::Return(v.as_ref().map(|e| self.expr(e)).transpose()?),
            StmtKind::If { branches, otherwise } => IrStmt::If {
                branches: branches.iter().map(|(c, b)| Ok((self.cond(c)?, self.stmts(b)?))).collect::<Lowered<_>>()?,
                otherwise: otherwise.as_ref().map(|b| self.stmts(b)).transpose()?.unwrap_or_default(),
            },
            StmtKind::For { var, from, to, step, step_negative, body } => IrStmt::For {
                var: var.name.clone(),
                from: self.expr(from)?,
                to: self.expr(to)?,
                step: if *step_negative { -step.value() } else { step.value() },
                body: self.stmts(body)?,
            },
            StmtKind::While { condition, body } => {
                let condition = self.cond(condition)?;
                if self.hoisted.as_ref().is_some_and(|d| !d.is_empty()) {
                    return Err(LowerError { span: s.span, message: "a random function or procedural function call in a `while` condition is not supported (it would be evaluated once)".into() });
                }
                IrStmt::While { condition, body: self.stmts(body)? }
            }
        })
    }
}
