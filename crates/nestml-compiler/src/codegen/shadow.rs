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

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::model::doc;
use super::names::{float_fn, math_fn};
use super::FloatType;
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
fn rust_type(r: Repr) -> TokenStream {
    match r {
        Repr::Plain => FloatType::F64.ty(),
        Repr::Quantity(d) => {
            let d = dimension(d);
            quote!(::nestml::units::Si<#d>)
        }
    }
}

/// A value of representation `r`.
fn leaf(r: Repr) -> TokenStream {
    match r {
        Repr::Plain => FloatType::F64.number(0.0),
        Repr::Quantity(d) => {
            let d = dimension(d);
            quote!(::nestml::units::any::<#d>())
        }
    }
}

/// The method `name` of `args[0]` (a float's or a quantity's) with the other arguments.
fn method(r: Repr, name: &str, args: &[TokenStream]) -> TokenStream {
    match r {
        Repr::Plain => float_fn(name, args),
        Repr::Quantity(_) => {
            let (name, x, rest) = (format_ident!("{name}"), &args[0], &args[1..]);
            quote!(#x.#name(#(#rest),*))
        }
    }
}

/// `::nestml::units::plain(t)`: a dimensionless quantity as a plain number.
fn plain(t: TokenStream) -> TokenStream {
    quote!(::nestml::units::plain(#t))
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
    out: TokenStream,
    checked: usize,
    skipped: usize,
}

impl Shadow<'_, '_> {
    /// `e` in the shadow and its representation.
    fn expr(&self, e: &ast::Expr) -> Result<(TokenStream, Repr), Skip> {
        let of = |e: &ast::Expr| self.info.types.get(&e.span).and_then(repr).ok_or(());
        Ok(match &e.kind {
            ExprKind::Paren(x) => {
                let (t, r) = self.expr(x)?;
                (quote!((#t)), r)
            }
            ExprKind::Unary(UnaryOp::Minus, x) => {
                let (t, r) = self.expr(x)?;
                (quote!((-#t)), r)
            }
            ExprKind::Unary(UnaryOp::Plus, x) => self.expr(x)?,
            ExprKind::Number { unit: None, .. } => (FloatType::F64.number(1.0), Repr::Plain),
            ExprKind::Number { unit: Some(u), .. } => {
                let u = resolve_unit_type(u, &mut Vec::new()).ok_or(())?;
                let r = repr(&Type::from_unit(u)).ok_or(())?;
                (leaf(r), r)
            }
            ExprKind::Inf => (FloatType::F64.number(f64::INFINITY), Repr::Plain),
            ExprKind::Var(_) => {
                let r = of(e)?;
                (leaf(r), r)
            }
            ExprKind::Binary(op, l, r) => self.binary(*op, l, r)?,
            ExprKind::Ternary(c, a, b) => {
                let c = self.cond(c)?;
                let ((ta, ra), (tb, rb)) = (self.expr(a)?, self.expr(b)?);
                let (ta, tb, r) = unify(ta, ra, tb, rb)?;
                (quote!((if #c { #ta } else { #tb })), r)
            }
            ExprKind::Call(call) => self.call(call, e)?,
            _ => return Err(()),
        })
    }

    fn binary(&self, op: BinaryOp, l: &ast::Expr, r: &ast::Expr) -> Result<(TokenStream, Repr), Skip> {
        let ((tl, rl), (tr, rr)) = (self.expr(l)?, self.expr(r)?);
        Ok(match op {
            BinaryOp::Add | BinaryOp::Sub => {
                let (tl, tr, rep) = unify(tl, rl, tr, rr)?;
                (if op == BinaryOp::Add { quote!((#tl + #tr)) } else { quote!((#tl - #tr)) }, rep)
            }
            BinaryOp::Mul | BinaryOp::Div => {
                let sign = if op == BinaryOp::Mul { 1 } else { -1 };
                let rep = match (rl, rr) {
                    (Repr::Plain, Repr::Plain) => Repr::Plain,
                    (Repr::Quantity(a), Repr::Plain) => quantity(a),
                    (Repr::Plain, Repr::Quantity(b)) => quantity(add([0; 7], b, sign)),
                    (Repr::Quantity(a), Repr::Quantity(b)) => quantity(add(a, b, sign)),
                };
                (if sign == 1 { quote!((#tl * #tr)) } else { quote!((#tl / #tr)) }, rep)
            }
            BinaryOp::Pow => match (rl, exponent(r)) {
                (Repr::Plain, _) if rr == Repr::Plain => (math_fn("powf", &[tl, tr]), Repr::Plain),
                (Repr::Quantity(_), Some(0)) => (FloatType::F64.number(1.0), Repr::Plain),
                (Repr::Quantity(d), Some(k)) => {
                    let n = if k > 0 { format_ident!("P{k}") } else { format_ident!("N{}", k.unsigned_abs()) };
                    (quote!(#tl.powi(::nestml::uom::typenum::#n::new())), quantity(d.map(|x| x * k)))
                }
                _ => return Err(()),
            },
            _ => return Err(()),
        })
    }

    fn cond(&self, e: &ast::Expr) -> Result<TokenStream, Skip> {
        match &e.kind {
            ExprKind::Paren(x) => self.cond(x),
            ExprKind::Binary(op @ (BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge | BinaryOp::Eq | BinaryOp::Ne), l, r) => {
                let ((tl, rl), (tr, rr)) = (self.expr(l)?, self.expr(r)?);
                let (tl, tr, _) = unify(tl, rl, tr, rr)?;
                let op = match op {
                    BinaryOp::Lt => quote!(<),
                    BinaryOp::Le => quote!(<=),
                    BinaryOp::Gt => quote!(>),
                    BinaryOp::Ge => quote!(>=),
                    BinaryOp::Eq => quote!(==),
                    _ => quote!(!=),
                };
                Ok(quote!((#tl #op #tr)))
            }
            ExprKind::Binary(op @ (BinaryOp::And | BinaryOp::Or), l, r) => {
                let (l, r) = (self.cond(l)?, self.cond(r)?);
                Ok(if *op == BinaryOp::And { quote!((#l && #r)) } else { quote!((#l || #r)) })
            }
            ExprKind::Not(x) => {
                let x = self.cond(x)?;
                Ok(quote!(!#x))
            }
            _ => Err(()),
        }
    }

    /// Math functions are written out; every other call is a leaf of its checked type.
    fn call(&self, call: &ast::Call, e: &ast::Expr) -> Result<(TokenStream, Repr), Skip> {
        let args: Vec<(TokenStream, Repr)> = call.args.iter().map(|a| self.expr(a)).collect::<Result<_, _>>()?;
        let name = call.name.name.as_str();
        Ok(match (name, args.as_slice()) {
            ("exp" | "ln" | "log" | "log10" | "expm1" | "sin" | "cos" | "tan" | "sinh" | "cosh" | "tanh" | "erf" | "erfc" | "sign", [(t, r)]) => {
                // a dimensionless quantity, or (a unit error) a dimensionful one, which rustc rejects
                let t = if *r == Repr::Plain { t.clone() } else { plain(t.clone()) };
                (quote!(::nestml::units::math(#t)), Repr::Plain)
            }
            ("abs", [(t, r)]) => (method(*r, "abs", std::slice::from_ref(t)), *r),
            ("min" | "max", [(ta, ra), (tb, rb)]) => {
                let (ta, tb, r) = unify(ta.clone(), *ra, tb.clone(), *rb)?;
                (method(r, name, &[ta, tb]), r)
            }
            ("clip", [(tx, rx), (tl, rl), (th, rh)]) if rx == rl && rx == rh => {
                let low = method(*rx, "max", &[tx.clone(), tl.clone()]);
                (method(*rx, "min", &[low, th.clone()]), *rx)
            }
            _ => {
                let r = self.info.types.get(&e.span).and_then(repr).ok_or(())?;
                (leaf(r), r)
            }
        })
    }

    /// `let _: <target> = <rhs>;`, unless left out.
    fn check(&mut self, target: Option<Repr>, rhs: &ast::Expr, span: Span) {
        let warned = self.warnings.iter().any(|w| w.start >= span.start && w.end <= span.end);
        let emitted = (|| {
            let target = target.ok_or(())?;
            let (value, r) = self.expr(rhs).ok().filter(|_| !warned).ok_or(())?;
            let value = match (target, r) {
                (Repr::Plain, Repr::Quantity(d)) if d == [0; 7] => plain(value),
                // a plain number and a unit: NESTML converts, uom cannot
                (Repr::Quantity(_), Repr::Plain) | (Repr::Plain, Repr::Quantity(_)) => return Err(()),
                _ => value,
            };
            let ty = rust_type(target);
            self.out.extend(quote!(let _: #ty = #value;));
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
                    if let (Some(rhs), [_]) = (&d.rhs, d.variables.as_slice()) {
                        self.check(repr(&t), rhs, s.span);
                    }
                }
                StmtKind::Assign { lhs, op, rhs } => {
                    let target = match op {
                        AssignOp::Set | AssignOp::Add | AssignOp::Sub => self.var_type(lhs),
                        _ => Some(Repr::Plain),
                    };
                    self.check(target, rhs, s.span);
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
fn unify(ta: TokenStream, ra: Repr, tb: TokenStream, rb: Repr) -> Result<(TokenStream, TokenStream, Repr), Skip> {
    let zero = Repr::Quantity([0; 7]);
    Ok(match (ra, rb) {
        (a, b) if a == b => (ta, tb, a),
        (a, Repr::Plain) if a == zero => (plain(ta), tb, Repr::Plain),
        (Repr::Plain, b) if b == zero => (ta, plain(tb), Repr::Plain),
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
pub(super) fn shadow(syms: &ModelSymbols, info: &TypeInfo, warnings: &[Span], fn_name: &str) -> TokenStream {
    let mut s = Shadow { syms, info, warnings, locals: HashMap::new(), out: TokenStream::new(), checked: 0, skipped: 0 };
    for block in &syms.model.blocks {
        s.locals.clear();
        match block {
            Block::Variables(vb) => {
                for d in &vb.declarations {
                    let t = resolve_data_type(&d.data_type, &mut Vec::new());
                    if let (Some(rhs), [_]) = (&d.rhs, d.variables.as_slice()) {
                        s.check(repr(&t), rhs, d.span);
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
                            s.check(target, rhs, item.span);
                        }
                        EquationKind::Inline { data_type, rhs, .. } => {
                            let t = resolve_data_type(data_type, &mut Vec::new());
                            s.check(repr(&t), rhs, item.span);
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
    let docs = doc([format!("uom shadow of `{}`: {} statements checked, {} left out (never called).", syms.model.name.name, s.checked, s.skipped)]);
    let (name, body) = (format_ident!("{fn_name}"), s.out);
    quote! {
        #docs
        #[doc(hidden)]
        #[allow(dead_code, non_snake_case, unused_parens, clippy::all)]
        fn #name() {
            #body
        }
    }
}

#[cfg(test)]
mod tests {
    use quote::quote;

    use crate::codegen::{generate_tokens_at, CodegenOptions};

    /// The doc line and the statements of the shadow of the model `m_neuron` with `body`.
    fn shadow_of(body: &str) -> (String, Vec<String>) {
        let text = format!("model m_neuron:\n{body}");
        let options = CodegenOptions { uom_check: true, ..CodegenOptions::default() };
        let tokens = generate_tokens_at("m.nestml", 1, &text, &options).unwrap_or_else(|e| panic!("{e}"));
        let file: syn::File = syn::parse2(tokens).unwrap();
        let shadow = file
            .items
            .into_iter()
            .find_map(|item| match item {
                syn::Item::Fn(f) if f.sig.ident == "__uom_check_m_neuron" => Some(f),
                _ => None,
            })
            .expect("shadow");
        let doc = match &shadow.attrs[0].meta {
            syn::Meta::NameValue(nv) => quote!(#nv).to_string(),
            other => panic!("{}", quote!(#other)),
        };
        (doc, shadow.block.stmts.iter().map(|s| quote!(#s).to_string()).collect())
    }

    #[test]
    fn odes_become_typed_statements_and_mixing_is_left_out() {
        let (doc, stmts) = shadow_of(
            "    state:\n        V_m mV = 0 mV\n        x real = 0\n    equations:\n        V_m' = -V_m / tau + I_e / C_m\n        x' = -x / tau\n    parameters:\n        tau ms = 10 ms\n        C_m pF = 1 pF\n        I_e pA = 1 pA\n        r real = 2 * V_m\n    update:\n        integrate_odes()\n",
        );
        // V_m' is mV/ms = m^2 kg s^-4 A^-1: the target type of the ODE's statement
        let target = quote!(let _: ::nestml::units::Si<::nestml::uom::si::ISQ<::nestml::uom::typenum::P2, ::nestml::uom::typenum::P1, ::nestml::uom::typenum::N4, ::nestml::uom::typenum::N1,).to_string();
        let ode = stmts.iter().find(|s| s.starts_with(&target)).unwrap_or_else(|| panic!("{stmts:#?}"));
        assert!(ode.contains(" / ") && ode.contains(" + "), "{ode}");
        // `r real = 2 * V_m` mixes a plain number with a unit (a warning in NESTML): left out
        assert!(doc.contains("uom shadow of `m_neuron`: 7 statements checked, 1 left out"), "{doc}");
        assert_eq!(stmts.len(), 7);
    }
}
