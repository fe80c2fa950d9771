//! The uom shadow (`uom-check`): every ODE, inline, declaration and assignment of a model
//! rewritten over uom quantities in a function that is never called but must type-check, so
//! that rustc verifies the units independently of the compiler's own analysis.
//!
//! Each leaf (variable, literal with unit, opaque call such as `convolve`) becomes a value of
//! its declared uom type (`units::any::<D>()`); arithmetic, powers and math functions are
//! written out, so uom's typenum arithmetic derives the result's dimension and rustc compares
//! it with the target's. Only the combination rules are re-checked, not the leaves' units.
//! Statements are left out where uom cannot express a unit (rational exponents), where
//! NESTML allows what uom does not (plain numbers mixed with units, which PyNESTML accepts
//! with a warning) and where the checker warned.

use std::collections::HashMap;
use std::fmt::Write as _;

use super::typed::dimension;
use crate::diagnostics::Span;
use crate::sema::symbols::{complete_name, ModelSymbols};
use crate::sema::types::{resolve_data_type, resolve_unit_type, Type};
use crate::sema::typing::TypeInfo;
use crate::syntax::ast::{self, AssignOp, BinaryOp, Block, EquationKind, ExprKind, StmtKind, UnaryOp};

/// How a value is represented in the shadow: a plain `f64` or a quantity with SI exponents.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Repr {
    Plain,
    Quantity([i64; 7]),
}

const TIME: [i64; 7] = [0, 0, 1, 0, 0, 0, 0];

fn repr(t: &Type) -> Option<Repr> {
    match t {
        Type::Real | Type::Integer => Some(Repr::Plain),
        Type::Unit(u) => {
            let mut dims = [0; 7];
            for (d, r) in dims.iter_mut().zip(u.dims()) {
                *d = r.to_integer()?;
            }
            Some(if dims == [0; 7] { Repr::Plain } else { Repr::Quantity(dims) })
        }
        _ => None,
    }
}

/// The Rust type of a representation.
fn rust_type(r: Repr) -> String {
    match r {
        Repr::Plain => "f64".into(),
        Repr::Quantity(d) => format!("::nestml::units::Si<{}>", dimension(d)),
    }
}

/// A value of representation `r`.
fn leaf(r: Repr) -> String {
    match r {
        Repr::Plain => "0.0_f64".into(),
        Repr::Quantity(d) => format!("::nestml::units::any::<{}>()", dimension(d)),
    }
}

fn add(a: [i64; 7], b: [i64; 7], sign: i64) -> [i64; 7] {
    std::array::from_fn(|i| a[i] + sign * b[i])
}

fn quantity(d: [i64; 7]) -> Repr {
    Repr::Quantity(d)
}

/// Why a statement is left out.
type Skip = ();

struct Shadow<'s, 'a> {
    syms: &'s ModelSymbols<'a>,
    info: &'s TypeInfo,
    warnings: &'s [Span],
    locals: HashMap<String, Type>,
    out: String,
    checked: usize,
    skipped: usize,
}

impl Shadow<'_, '_> {
    /// `e` as shadow text and its representation.
    fn expr(&self, e: &ast::Expr) -> Result<(String, Repr), Skip> {
        let of = |e: &ast::Expr| self.info.types.get(&e.span).and_then(repr).ok_or(());
        Ok(match &e.kind {
            ExprKind::Paren(x) => {
                let (t, r) = self.expr(x)?;
                (format!("({t})"), r)
            }
            ExprKind::Unary(UnaryOp::Minus, x) => {
                let (t, r) = self.expr(x)?;
                (format!("(-{t})"), r)
            }
            ExprKind::Unary(UnaryOp::Plus, x) => self.expr(x)?,
            ExprKind::Number { unit: None, .. } => ("1.0_f64".into(), Repr::Plain),
            ExprKind::Number { unit: Some(u), .. } => {
                let u = resolve_unit_type(u, &mut Vec::new()).ok_or(())?;
                let r = repr(&Type::from_unit(u)).ok_or(())?;
                (leaf(r), r)
            }
            ExprKind::Inf => ("::core::f64::INFINITY".into(), Repr::Plain),
            ExprKind::Var(_) => {
                let r = of(e)?;
                (leaf(r), r)
            }
            ExprKind::Binary(op, l, r) => self.binary(*op, l, r)?,
            ExprKind::Ternary(c, a, b) => {
                let c = self.cond(c)?;
                let ((ta, ra), (tb, rb)) = (self.expr(a)?, self.expr(b)?);
                let (ta, tb, r) = unify(ta, ra, tb, rb)?;
                (format!("(if {c} {{ {ta} }} else {{ {tb} }})"), r)
            }
            ExprKind::Call(call) => self.call(call, e)?,
            _ => return Err(()),
        })
    }

    fn binary(&self, op: BinaryOp, l: &ast::Expr, r: &ast::Expr) -> Result<(String, Repr), Skip> {
        let ((tl, rl), (tr, rr)) = (self.expr(l)?, self.expr(r)?);
        Ok(match op {
            BinaryOp::Add | BinaryOp::Sub => {
                let (tl, tr, rep) = unify(tl, rl, tr, rr)?;
                (format!("({tl} {} {tr})", if op == BinaryOp::Add { "+" } else { "-" }), rep)
            }
            BinaryOp::Mul | BinaryOp::Div => {
                let sign = if op == BinaryOp::Mul { 1 } else { -1 };
                let rep = match (rl, rr) {
                    (Repr::Plain, Repr::Plain) => Repr::Plain,
                    (Repr::Quantity(a), Repr::Plain) => quantity(a),
                    (Repr::Plain, Repr::Quantity(b)) => quantity(add([0; 7], b, sign)),
                    (Repr::Quantity(a), Repr::Quantity(b)) => quantity(add(a, b, sign)),
                };
                (format!("({tl} {} {tr})", if sign == 1 { "*" } else { "/" }), rep)
            }
            BinaryOp::Pow => match (rl, exponent(r)) {
                (Repr::Plain, _) if rr == Repr::Plain => (format!("{tl}.powf({tr})"), Repr::Plain),
                (Repr::Quantity(_), Some(0)) => ("1.0_f64".into(), Repr::Plain),
                (Repr::Quantity(d), Some(k)) => {
                    let n = if k > 0 { format!("P{k}") } else { format!("N{}", -k) };
                    (format!("{tl}.powi(::nestml::uom::typenum::{n}::new())"), quantity(d.map(|x| x * k)))
                }
                _ => return Err(()),
            },
            _ => return Err(()),
        })
    }

    fn cond(&self, e: &ast::Expr) -> Result<String, Skip> {
        match &e.kind {
            ExprKind::Paren(x) => self.cond(x),
            ExprKind::Binary(op @ (BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge | BinaryOp::Eq | BinaryOp::Ne), l, r) => {
                let ((tl, rl), (tr, rr)) = (self.expr(l)?, self.expr(r)?);
                let (tl, tr, _) = unify(tl, rl, tr, rr)?;
                let sym = match op {
                    BinaryOp::Lt => "<",
                    BinaryOp::Le => "<=",
                    BinaryOp::Gt => ">",
                    BinaryOp::Ge => ">=",
                    BinaryOp::Eq => "==",
                    _ => "!=",
                };
                Ok(format!("({tl} {sym} {tr})"))
            }
            ExprKind::Binary(op @ (BinaryOp::And | BinaryOp::Or), l, r) => {
                Ok(format!("({} {} {})", self.cond(l)?, if *op == BinaryOp::And { "&&" } else { "||" }, self.cond(r)?))
            }
            ExprKind::Not(x) => Ok(format!("!{}", self.cond(x)?)),
            _ => Err(()),
        }
    }

    /// Math functions are written out; every other call is a leaf of its checked type.
    fn call(&self, call: &ast::Call, e: &ast::Expr) -> Result<(String, Repr), Skip> {
        let args: Vec<(String, Repr)> = call.args.iter().map(|a| self.expr(a)).collect::<Result<_, _>>()?;
        let plain = |(t, r): &(String, Repr)| match r {
            Repr::Plain => Ok(t.clone()),
            // a dimensionless quantity, or (a unit error) a dimensionful one, which rustc rejects
            Repr::Quantity(_) => Ok(format!("::nestml::units::plain({t})")),
        };
        let name = call.name.name.as_str();
        Ok(match (name, args.as_slice()) {
            ("exp" | "ln" | "log" | "log10" | "expm1" | "sin" | "cos" | "tan" | "sinh" | "cosh" | "tanh" | "erf" | "erfc" | "sign", [a]) => {
                (format!("::nestml::units::math({})", plain(a)?), Repr::Plain)
            }
            ("abs", [(t, r)]) => (format!("{t}.abs()"), *r),
            ("min" | "max", [(ta, ra), (tb, rb)]) => {
                let (ta, tb, r) = unify(ta.clone(), *ra, tb.clone(), *rb)?;
                (format!("{ta}.{name}({tb})"), r)
            }
            ("clip", [(tx, rx), (tl, rl), (th, rh)]) if rx == rl && rx == rh => (format!("{tx}.max({tl}).min({th})"), *rx),
            _ => {
                let r = self.info.types.get(&e.span).and_then(repr).ok_or(())?;
                (leaf(r), r)
            }
        })
    }

    /// `let _: <target> = <rhs>;`, unless left out.
    fn check(&mut self, what: &str, target: Option<Repr>, rhs: &ast::Expr, span: Span) {
        let warned = self.warnings.iter().any(|w| w.start >= span.start && w.end <= span.end);
        let emitted = (|| {
            let target = target.ok_or(())?;
            let (text, r) = self.expr(rhs).ok().filter(|_| !warned).ok_or(())?;
            let text = match (target, r) {
                (Repr::Plain, Repr::Quantity(d)) if d == [0; 7] => format!("::nestml::units::plain({text})"),
                // a plain number and a unit: NESTML converts, uom cannot
                (Repr::Quantity(_), Repr::Plain) | (Repr::Plain, Repr::Quantity(_)) => return Err(()),
                _ => text,
            };
            let _ = writeln!(self.out, "    // {what}\n    let _: {} = {text};", rust_type(target));
            Ok::<(), Skip>(())
        })();
        match emitted {
            Ok(()) => self.checked += 1,
            Err(()) => self.skipped += 1,
        }
    }

    fn var_type(&self, v: &ast::Variable) -> Option<Repr> {
        let name = complete_name(v);
        let t = self.locals.get(&name).cloned().or_else(|| self.syms.var(&name).map(|s| s.ty.clone()))?;
        repr(&t)
    }

    fn stmts(&mut self, body: &[ast::Stmt]) {
        for s in body {
            match &s.kind {
                StmtKind::Declaration(d) => {
                    let t = resolve_data_type(&d.data_type, &mut Vec::new());
                    for v in &d.variables {
                        self.locals.insert(complete_name(v), t.clone());
                    }
                    if let (Some(rhs), [v]) = (&d.rhs, d.variables.as_slice()) {
                        self.check(&format!("local `{}`", v.name.name), repr(&t), rhs, s.span);
                    }
                }
                StmtKind::Assign { lhs, op, rhs } => {
                    let target = match op {
                        AssignOp::Set | AssignOp::Add | AssignOp::Sub => self.var_type(lhs),
                        _ => Some(Repr::Plain),
                    };
                    self.check(&format!("assignment to `{}`", complete_name(lhs)), target, rhs, s.span);
                }
                StmtKind::If { branches, otherwise } => {
                    for (_, b) in branches {
                        self.stmts(b);
                    }
                    if let Some(b) = otherwise {
                        self.stmts(b);
                    }
                }
                StmtKind::For { body, .. } | StmtKind::While { body, .. } => self.stmts(body),
                StmtKind::Call(_) | StmtKind::Return(_) => {}
            }
        }
    }
}

/// Two operands that must have the same representation (a dimensionless quantity meets a
/// plain number as a plain number); plain numbers against units are left out.
fn unify(ta: String, ra: Repr, tb: String, rb: Repr) -> Result<(String, String, Repr), Skip> {
    let zero = Repr::Quantity([0; 7]);
    Ok(match (ra, rb) {
        (a, b) if a == b => (ta, tb, a),
        (a, Repr::Plain) if a == zero => (format!("::nestml::units::plain({ta})"), tb, Repr::Plain),
        (Repr::Plain, b) if b == zero => (ta, format!("::nestml::units::plain({tb})"), Repr::Plain),
        (Repr::Quantity(_), Repr::Quantity(_)) => (ta, tb, ra), // different dimensions: rustc rejects it
        _ => return Err(()),
    })
}

/// An integer exponent written as a literal (`2`, `-1`, `(3)`).
fn exponent(e: &ast::Expr) -> Option<i64> {
    match &e.kind {
        ExprKind::Paren(x) => exponent(x),
        ExprKind::Unary(UnaryOp::Minus, x) => exponent(x).map(|k| -k),
        ExprKind::Number { literal, unit: None } => {
            let v = literal.value();
            (v.fract() == 0.0 && v.abs() <= 9.0).then_some(v as i64)
        }
        _ => None,
    }
}

/// The shadow function of one model; its doc comment says how many statements it checks and
/// leaves out.
pub(super) fn shadow(syms: &ModelSymbols, info: &TypeInfo, warnings: &[Span], fn_name: &str) -> String {
    let mut s = Shadow { syms, info, warnings, locals: HashMap::new(), out: String::new(), checked: 0, skipped: 0 };
    for block in &syms.model.blocks {
        s.locals.clear();
        match block {
            Block::Variables(vb) => {
                for d in &vb.declarations {
                    let t = resolve_data_type(&d.data_type, &mut Vec::new());
                    if let (Some(rhs), [v]) = (&d.rhs, d.variables.as_slice()) {
                        s.check(&format!("declaration of `{}`", v.name.name), repr(&t), rhs, d.span);
                    }
                }
            }
            Block::Equations(eb) => {
                for item in &eb.items {
                    match &item.kind {
                        EquationKind::Ode { lhs, rhs, .. } => {
                            let name = lhs.name.name.clone();
                            let base = syms.var(&name).and_then(|v| repr(&v.ty));
                            let target = base.map(|r| match r {
                                Repr::Plain => quantity(add([0; 7], TIME, -(lhs.order as i64))),
                                Repr::Quantity(d) => quantity(add(d, TIME, -(lhs.order as i64))),
                            });
                            s.check(&format!("ODE of `{}`", complete_name(lhs)), target, rhs, item.span);
                        }
                        EquationKind::Inline { name, data_type, rhs, .. } => {
                            let t = resolve_data_type(data_type, &mut Vec::new());
                            s.check(&format!("inline `{}`", name.name), repr(&t), rhs, item.span);
                        }
                        EquationKind::Kernel { .. } => {}
                    }
                }
            }
            Block::Update(b) => s.stmts(&b.body),
            Block::OnReceive(b) => s.stmts(&b.body),
            Block::OnCondition(b) => s.stmts(&b.body),
            Block::Function(f) => s.stmts(&f.body),
            Block::Input(_) | Block::Output(_) => {}
        }
    }
    let mut o = String::new();
    let _ = writeln!(o, "/// uom shadow of `{}`: {} statements checked, {} left out (never called).\n#[doc(hidden)]\n#[allow(dead_code, non_snake_case, unused_parens, clippy::all)]\nfn {fn_name}() {{", syms.model.name.name, s.checked, s.skipped);
    o.push_str(&s.out);
    o.push_str("}\n");
    o
}

#[cfg(test)]
mod tests {
    use crate::codegen::{generate_source, CodegenOptions};

    fn shadow_of(body: &str) -> String {
        let text = format!("model m_neuron:\n{body}");
        let options = CodegenOptions { uom_check: true, ..CodegenOptions::default() };
        let src = generate_source("m.nestml", &text, &options).unwrap_or_else(|e| panic!("{e}"));
        src[src.find("/// uom shadow").expect("shadow")..].to_string()
    }

    #[test]
    fn odes_become_typed_statements_and_mixing_is_left_out() {
        let s = shadow_of(
            "    state:\n        V_m mV = 0 mV\n        x real = 0\n    equations:\n        V_m' = -V_m / tau + I_e / C_m\n        x' = -x / tau\n    parameters:\n        tau ms = 10 ms\n        C_m pF = 1 pF\n        I_e pA = 1 pA\n        r real = 2 * V_m\n    update:\n        integrate_odes()\n",
        );
        // V_m' is mV/ms = m^2 kg s^-4 A^-1: the target type of the ODE's statement
        let ode = s.lines().skip_while(|l| !l.contains("ODE of `V_m'`")).nth(1).unwrap();
        assert!(ode.starts_with("    let _: ::nestml::units::Si<::nestml::uom::si::ISQ<::nestml::uom::typenum::P2, ::nestml::uom::typenum::P1, ::nestml::uom::typenum::N4, ::nestml::uom::typenum::N1,"), "{ode}");
        assert!(ode.contains(" / ") && ode.contains(" + "), "{ode}");
        // `r real = 2 * V_m` mixes a plain number with a unit (a warning in NESTML): left out
        assert!(!s.contains("declaration of `r`"), "{s}");
        assert!(s.starts_with("/// uom shadow of `m_neuron`: 7 statements checked, 1 left out"), "{s}");
    }
}
