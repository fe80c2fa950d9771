//! Lowering of checked NESTML expressions to [`nestml_ode::Expr`] in NEST's internal units.

use std::collections::HashMap;

use nestml_ode::{CmpOp, Cond, Expr, Func, Num};

use crate::diagnostics::Span;
use crate::sema::symbols::ModelSymbols;
use crate::sema::types::resolve_unit_type;
use crate::sema::types::Type;
use crate::sema::typing::TypeInfo;
use crate::sema::units::Conversion;
use crate::syntax::ast::{self, BinaryOp, ExprKind, StmtKind, UnaryOp};

/// An expression that has no meaning in equations (a random number, a string, …).
#[derive(Clone, Debug, PartialEq)]
pub struct LowerError {
    pub span: Span,
    pub message: String,
}

/// The symbol for a NESTML variable with `order` derivative marks: `g'` is `g__d`.
pub fn ode_name(name: &str, order: u32) -> String {
    format!("{name}{}", "__d".repeat(order as usize))
}

/// The symbol for the value of `convolve(kernel, port)`.
pub fn convolution_name(kernel: &str, port: &str) -> String {
    format!("{kernel}__X__{port}")
}


/// The symbol for the simulation step, `resolution()` and `timestep()`.
pub const STEP: &str = "__h";

/// Lowers expressions of one model; remembers the convolutions and delayed states it meets.
pub struct Lowerer<'s, 'a> {
    pub syms: &'s ModelSymbols<'a>,
    /// The checked type of every expression (to tell integer division from real division).
    types: &'s TypeInfo,
    pub convolutions: Vec<(String, String)>,
    pub delayed: Vec<super::IrDelayed>,
    /// Values of function parameters and locals while a function call is inlined.
    bindings: HashMap<String, Expr>,
    depth: u32,
    /// What the statement being lowered computes before it (`None` outside statements, where
    /// random functions and procedural user functions have no meaning): each random number and
    /// each call of a procedural function becomes a local computed first.
    pub(super) hoisted: Option<Vec<super::IrStmt>>,
    /// How many locals have been hoisted so far (`__rand<N>`, `__call<N>`).
    hoist_count: usize,
}

/// A NESTML random function.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RandomFn {
    /// `random_normal(mean, std)`.
    Normal,
    /// `random_uniform(low, high)`.
    Uniform,
    /// `random_poisson(lambda)`.
    Poisson,
}

impl RandomFn {
    fn from_name(name: &str) -> Option<(RandomFn, usize)> {
        Some(match name {
            "random_normal" => (RandomFn::Normal, 2),
            "random_uniform" => (RandomFn::Uniform, 2),
            "random_poisson" => (RandomFn::Poisson, 1),
            _ => return None,
        })
    }
}

/// A random number drawn into the local `local` before the statement that uses it.
#[derive(Clone, Debug, PartialEq)]
pub struct Draw {
    pub local: String,
    pub function: RandomFn,
    pub args: Vec<Expr>,
}

type Lowered<T> = Result<T, LowerError>;

fn fail<T>(span: Span, message: impl Into<String>) -> Lowered<T> {
    Err(LowerError { span, message: message.into() })
}

impl<'s, 'a> Lowerer<'s, 'a> {
    /// A lowerer for the model whose symbols are `syms`.
    pub fn new(syms: &'s ModelSymbols<'a>, types: &'s TypeInfo) -> Self {
        Lowerer { syms, types, convolutions: Vec::new(), delayed: Vec::new(), bindings: HashMap::new(), depth: 0, hoisted: None, hoist_count: 0 }
    }

    /// Lowers a numeric expression.
    pub fn expr(&mut self, e: &ast::Expr) -> Lowered<Expr> {
        let value = self.value(e)?;
        // a plain number taken to be in the unit of the quantity beside it (W0001)
        Ok(match self.types.plain_in_unit.get(&e.span) {
            Some(&scale) => value * conversion_expr(scale),
            None => value,
        })
    }

    fn value(&mut self, e: &ast::Expr) -> Lowered<Expr> {
        match &e.kind {
            ExprKind::Paren(x) => self.expr(x),
            ExprKind::Unary(UnaryOp::Minus, x) => Ok(-self.expr(x)?),
            ExprKind::Unary(UnaryOp::Plus, x) => self.expr(x),
            ExprKind::Unary(UnaryOp::BitNot, _) => fail(e.span, "bitwise `~` has no meaning in equations"),
            // booleans are numbers in equations: 1 for true, 0 for false (as in C++)
            ExprKind::Binary(op, ..) if op.is_comparison() || op.is_logical() => Ok(Expr::ite(self.cond(e)?, Expr::one(), Expr::zero())),
            ExprKind::Bool(b) => Ok(Expr::int(i64::from(*b))),
            ExprKind::Not(_) => Ok(Expr::ite(self.cond(e)?, Expr::one(), Expr::zero())),
            ExprKind::Binary(op, l, r) => {
                let (a, b) = (self.expr(l)?, self.expr(r)?);
                Ok(match op {
                    BinaryOp::Add => a + b,
                    BinaryOp::Sub => a - b,
                    BinaryOp::Mul => a * b,
                    // two integers divide as integers (C++), unless the divisor is a number
                    // literal, which PyNESTML's NEST target casts to double
                    BinaryOp::Div if self.is_integer(l) && self.is_integer(r) && !matches!(r.kind, ExprKind::Number { .. }) => trunc(a / b),
                    BinaryOp::Div => a / b,
                    BinaryOp::Pow => a.pow(b),
                    // integer division and remainder truncate towards zero, as C++'s on integers
                    BinaryOp::FloorDiv => trunc(a / b),
                    BinaryOp::Mod => a.clone() - b.clone() * trunc(a / b),
                    _ => return fail(e.span, format!("the operator `{}` has no meaning in equations", op.symbol())),
                })
            }
            ExprKind::Ternary(c, a, b) => Ok(Expr::ite(self.cond(c)?, self.expr(a)?, self.expr(b)?)),
            ExprKind::Call(call) => self.call(call, e.span),
            ExprKind::Number { literal, unit } => {
                let value = Num::parse_decimal(&literal.text).map_or_else(|| Expr::float(literal.value()), Expr::Num);
                let Some(unit) = unit else { return Ok(value) };
                let scale = resolve_unit_type(unit, &mut Vec::new()).map_or(Conversion::IDENTITY, |u| u.nest_internal_scale());
                Ok(if conversion_is_one(scale) { value } else { value * conversion_expr(scale) })
            }
            ExprKind::Inf => Ok(Expr::float(f64::INFINITY)),
            ExprKind::Var(v) => self.variable(v),
            ExprKind::String(_) => fail(e.span, "a string is not a number"),
        }
    }

    /// Lowers a boolean expression.
    pub fn cond(&mut self, e: &ast::Expr) -> Lowered<Cond> {
        match &e.kind {
            ExprKind::Paren(x) => self.cond(x),
            ExprKind::Bool(b) => Ok(Cond::Bool(*b)),
            ExprKind::Not(x) => Ok(Cond::Not(Box::new(self.cond(x)?))),
            ExprKind::Binary(BinaryOp::And, a, b) => Ok(Cond::And(vec![self.cond(a)?, self.cond(b)?])),
            ExprKind::Binary(BinaryOp::Or, a, b) => Ok(Cond::Or(vec![self.cond(a)?, self.cond(b)?])),
            ExprKind::Binary(op, a, b) if op.is_comparison() => {
                let op = match op {
                    BinaryOp::Lt => CmpOp::Lt,
                    BinaryOp::Le => CmpOp::Le,
                    BinaryOp::Gt => CmpOp::Gt,
                    BinaryOp::Ge => CmpOp::Ge,
                    BinaryOp::Eq => CmpOp::Eq,
                    _ => CmpOp::Ne,
                };
                Ok(Cond::cmp(op, self.expr(a)?, self.expr(b)?))
            }
            // a boolean variable or any number: true when nonzero
            _ => Ok(Cond::cmp(CmpOp::Ne, self.expr(e)?, Expr::zero())),
        }
    }

    fn variable(&mut self, v: &ast::Variable) -> Lowered<Expr> {
        let name = ode_name(&v.name.name, v.order);
        if let Some(index) = &v.index {
            return Ok(Expr::call(Func::Element, vec![Expr::sym(&name), self.expr(index)?]));
        }
        if let Some(value) = self.bindings.get(&name) {
            return Ok(value.clone());
        }
        if self.syms.var(&crate::sema::symbols::complete_name(v)).is_none() {
            match name.as_str() {
                "e" => return Ok(Expr::e()),
                "pi" => return Ok(Expr::pi()),
                _ => {}
            }
        }
        Ok(Expr::sym(&name))
    }

    fn call(&mut self, call: &ast::Call, span: Span) -> Lowered<Expr> {
        let name = call.name.name.as_str();
        if let Some(f) = self.syms.functions.get(name).copied() {
            if !is_formula(f) && self.hoisted.is_some() {
                let args = call.args.iter().map(|a| self.expr(a)).collect::<Lowered<Vec<_>>>()?;
                let local = self.hoist_local("call");
                self.hoist(super::IrStmt::Call { local: Some(local.clone()), function: name.to_string(), args });
                return Ok(Expr::sym(&local));
            }
            return self.inline_function(f, call, span);
        }
        if crate::sema::predefined::builtin(name).is_none() && self.syms.var(name).is_some() {
            return self.delayed_state(call, span);
        }
        match name {
            "convolve" => {
                let names: Vec<&str> = call.args.iter().filter_map(|a| match &a.kind {
                    ExprKind::Var(v) if v.index.is_none() => Some(v.name.name.as_str()),
                    _ => None,
                }).collect();
                let [kernel, port] = names[..] else { return fail(span, "`convolve` needs a kernel name and a spike input port name") };
                let pair = (kernel.to_string(), port.to_string());
                if !self.convolutions.contains(&pair) {
                    self.convolutions.push(pair);
                }
                Ok(Expr::sym(&convolution_name(kernel, port)))
            }
            "resolution" | "timestep" => Ok(Expr::sym(STEP)),
            // the number of simulation steps in a duration, rounded as NEST's `Time` does
            "steps" => match call.args.as_slice() {
                [arg] => Ok(Expr::call(Func::Round, vec![self.expr(arg)? / Expr::sym(STEP)])),
                _ => fail(span, "`steps` takes one argument"),
            },
            "delta" => fail(span, "`delta` is only meaningful as a kernel"),
            _ if RandomFn::from_name(name).is_some() && self.hoisted.is_some() => {
                let (function, arity) = RandomFn::from_name(name).expect("checked above");
                if call.args.len() != arity {
                    return fail(span, format!("`{name}` takes {arity} argument(s)"));
                }
                let args = call.args.iter().map(|a| self.expr(a)).collect::<Lowered<Vec<_>>>()?;
                let local = self.hoist_local("rand");
                self.hoist(super::IrStmt::Draw(Draw { local: local.clone(), function, args }));
                Ok(Expr::sym(&local))
            }
            _ => match Func::from_name(name) {
                Some(f) => {
                    let args = call.args.iter().map(|a| self.expr(a)).collect::<Lowered<Vec<_>>>()?;
                    Ok(Expr::call(f, args))
                }
                None => fail(span, format!("`{name}` has no meaning in equations")),
            },
        }
    }

    /// `x(t - delay)`, as checked by the type checker: the symbol of the delayed value.
    fn delayed_state(&mut self, call: &ast::Call, span: Span) -> Lowered<Expr> {
        let delay = match call.args.as_slice() {
            [arg] => match &arg.without_parens().kind {
                ExprKind::Binary(BinaryOp::Sub, _, delay) => nestml_ode::simplify(&self.expr(delay)?),
                _ => return fail(span, "a delayed state variable is read as `x(t - delay)`"),
            },
            _ => return fail(span, "a delayed state variable is read as `x(t - delay)`"),
        };
        let state = call.name.name.clone();
        if let Some(d) = self.delayed.iter().find(|d| d.state == state && d.delay == delay) {
            return Ok(Expr::sym(&d.symbol));
        }
        let symbol = format!("__delay{}__{state}", self.delayed.len());
        self.delayed.push(super::IrDelayed { state, delay, symbol: symbol.clone() });
        Ok(Expr::sym(&symbol))
    }

    fn is_integer(&self, e: &ast::Expr) -> bool {
        self.types.types.get(&e.span) == Some(&Type::Integer)
    }

    /// A fresh local name `__<kind><N>` for a hoisted value.
    fn hoist_local(&mut self, kind: &str) -> String {
        self.hoist_count += 1;
        format!("__{kind}{}", self.hoist_count - 1)
    }

    fn hoist(&mut self, s: super::IrStmt) {
        self.hoisted.get_or_insert_with(Vec::new).push(s);
    }

    /// Inlines a user function made of local declarations and a final `return`.
    fn inline_function(&mut self, f: &ast::Function, call: &ast::Call, span: Span) -> Lowered<Expr> {
        if self.depth > 16 {
            return fail(span, format!("`{}` calls itself too deeply to be inlined", f.name.name));
        }
        let mut bindings = HashMap::new();
        for (p, a) in f.parameters.iter().zip(&call.args) {
            bindings.insert(p.name.name.clone(), self.expr(a)?);
        }
        let saved = std::mem::replace(&mut self.bindings, bindings);
        self.depth += 1;
        let result = self.function_body(f, span);
        self.depth -= 1;
        self.bindings = saved;
        result
    }

    fn function_body(&mut self, f: &ast::Function, span: Span) -> Lowered<Expr> {
        for s in &f.body {
            match &s.kind {
                StmtKind::Declaration(d) if d.variables.len() == 1 => {
                    let value = match &d.rhs {
                        Some(rhs) => self.expr(rhs)?,
                        None => Expr::zero(),
                    };
                    self.bindings.insert(d.variables[0].name.name.clone(), value);
                }
                StmtKind::Return(Some(value)) => return self.expr(value),
                _ => return fail(s.span, format!("`{}` is not a plain formula (declarations and a `return`), so it cannot be used in equations", f.name.name)),
            }
        }
        fail(span, format!("`{}` returns no value", f.name.name))
    }
}

fn conversion_is_one(c: Conversion) -> bool {
    c.exp10 == 0 && c.factor == 1.0
}

/// The number `10^exp10 · factor` as an exact expression where possible.
pub fn conversion_expr(c: Conversion) -> Expr {
    let power = match c.exp10 {
        k @ 0..=18 => Expr::int(10i64.pow(k as u32)),
        k @ -18..=-1 => Expr::rat(1, 10i64.pow((-k) as u32)),
        k => Expr::float(10f64.powi(k)),
    };
    if c.factor == 1.0 {
        power
    } else {
        power * Expr::float(c.factor)
    }
}

/// `x` rounded towards zero: `sign(x) * floor(abs(x))`.
pub(super) fn trunc(x: Expr) -> Expr {
    Expr::call(Func::Sign, vec![x.clone()]) * Expr::call(Func::Floor, vec![Expr::call(Func::Abs, vec![x])])
}

/// Whether a user function is a plain formula (local declarations and a final `return`), which
/// is inlined where it is called; other functions are called (`IrStmt::Call`).
pub fn is_formula(f: &ast::Function) -> bool {
    let n = f.body.len();
    n > 0
        && f.body.iter().enumerate().all(|(i, s)| match &s.kind {
            StmtKind::Declaration(d) => i + 1 < n && d.variables.len() == 1,
            StmtKind::Return(Some(_)) => i + 1 == n,
            _ => false,
        })
}
