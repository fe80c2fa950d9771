//! The expression tree: numbers, symbols, sums, products, powers, functions and conditionals.
//!
//! Constructors and operators build trees as written (only flattening directly nested sums
//! and products); [`mod@crate::simplify`] brings them to canonical form.

use std::cmp::Ordering;
use std::collections::BTreeSet;
use std::ops::{Add, Div, Mul, Neg, Sub};

pub use crate::num::Num;

/// A symbolic real-valued expression.
#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    /// A number.
    Num(Num),
    /// A variable (state, parameter, input, time …), by name.
    Sym(String),
    /// A mathematical constant.
    Const(Constant),
    /// A sum of terms.
    Add(Vec<Expr>),
    /// A product of factors.
    Mul(Vec<Expr>),
    /// `base ** exponent`.
    Pow(Box<Expr>, Box<Expr>),
    /// A function application.
    Func(Func, Vec<Expr>),
    /// `cond ? then : otherwise`.
    Ite(Box<Cond>, Box<Expr>, Box<Expr>),
}

/// Named mathematical constants.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Constant {
    /// π.
    Pi,
    /// Euler's number e.
    E,
}

/// Functions that may appear in expressions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Func {
    /// Natural exponential.
    Exp,
    /// Natural logarithm.
    Ln,
    /// Base-10 logarithm.
    Log10,
    /// `exp(x) - 1`, accurate for small `x`.
    Expm1,
    /// Sine.
    Sin,
    /// Cosine.
    Cos,
    /// Tangent.
    Tan,
    /// Hyperbolic sine.
    Sinh,
    /// Hyperbolic cosine.
    Cosh,
    /// Hyperbolic tangent.
    Tanh,
    /// Error function.
    Erf,
    /// Complementary error function.
    Erfc,
    /// Absolute value.
    Abs,
    /// Sign: -1, 0 or 1 (derivative of `abs`).
    Sign,
    /// Minimum of the arguments (one or more).
    Min,
    /// Maximum of the arguments (one or more).
    Max,
    /// `pow(base, exponent)`; simplification turns it into [`Expr::Pow`].
    Pow,
    /// `clip(x, lo, hi)`.
    Clip,
    /// Round down.
    Floor,
    /// Round up.
    Ceil,
    /// Round half away from zero.
    Round,
    /// `element(v, i)`: element `i` (from 0) of the vector `v` (a symbol), NESTML's `v[i]`.
    /// It has no value in evaluation or analysis; generated code reads the vector.
    Element,
}

/// A boolean condition, used by [`Expr::Ite`].
#[derive(Clone, Debug, PartialEq)]
pub enum Cond {
    /// A constant truth value.
    Bool(bool),
    /// A comparison of two expressions.
    Cmp(CmpOp, Expr, Expr),
    /// All of the conditions.
    And(Vec<Cond>),
    /// Any of the conditions.
    Or(Vec<Cond>),
    /// Negation.
    Not(Box<Cond>),
}

/// Comparison operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CmpOp {
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `==`
    Eq,
    /// `!=`
    Ne,
}

impl Func {
    /// Every function, in declaration order.
    pub const ALL: [Func; 21] = [
        Func::Exp,
        Func::Ln,
        Func::Log10,
        Func::Expm1,
        Func::Sin,
        Func::Cos,
        Func::Tan,
        Func::Sinh,
        Func::Cosh,
        Func::Tanh,
        Func::Erf,
        Func::Erfc,
        Func::Abs,
        Func::Sign,
        Func::Min,
        Func::Max,
        Func::Pow,
        Func::Clip,
        Func::Floor,
        Func::Ceil,
        Func::Round,
    ];

    /// The name used in text (NESTML's spelling).
    pub fn name(self) -> &'static str {
        match self {
            Func::Exp => "exp",
            Func::Ln => "ln",
            Func::Log10 => "log10",
            Func::Expm1 => "expm1",
            Func::Sin => "sin",
            Func::Cos => "cos",
            Func::Tan => "tan",
            Func::Sinh => "sinh",
            Func::Cosh => "cosh",
            Func::Tanh => "tanh",
            Func::Erf => "erf",
            Func::Erfc => "erfc",
            Func::Abs => "abs",
            Func::Sign => "sign",
            Func::Min => "min",
            Func::Max => "max",
            Func::Pow => "pow",
            Func::Clip => "clip",
            Func::Floor => "floor",
            Func::Ceil => "ceil",
            Func::Round => "round",
            Func::Element => "element",
        }
    }

    /// Looks a function up by its name (`"log"` is accepted for `ln`).
    pub fn from_name(name: &str) -> Option<Func> {
        if name == "log" {
            return Some(Func::Ln);
        }
        Func::ALL.into_iter().find(|f| f.name() == name)
    }

    /// Accepted argument counts `(min, max)`.
    pub fn arity(self) -> (usize, usize) {
        match self {
            Func::Min | Func::Max => (1, usize::MAX),
            Func::Pow | Func::Element => (2, 2),
            Func::Clip => (3, 3),
            _ => (1, 1),
        }
    }
}

impl CmpOp {
    /// The operator as text.
    pub fn symbol(self) -> &'static str {
        match self {
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
        }
    }

    /// Applies the comparison to two numbers.
    pub fn holds(self, a: f64, b: f64) -> bool {
        match self {
            CmpOp::Lt => a < b,
            CmpOp::Le => a <= b,
            CmpOp::Gt => a > b,
            CmpOp::Ge => a >= b,
            CmpOp::Eq => a == b,
            CmpOp::Ne => a != b,
        }
    }
}

impl Constant {
    /// The value as `f64`.
    pub fn value(self) -> f64 {
        match self {
            Constant::Pi => std::f64::consts::PI,
            Constant::E => std::f64::consts::E,
        }
    }

    /// The name used in text.
    pub fn name(self) -> &'static str {
        match self {
            Constant::Pi => "pi",
            Constant::E => "e",
        }
    }
}

macro_rules! unary_functions {
    ($($method:ident => $func:ident),* $(,)?) => {
        impl Expr {
            $(
                #[doc = concat!("`", stringify!($method), "(self)`.")]
                pub fn $method(self) -> Expr {
                    Expr::Func(Func::$func, vec![self])
                }
            )*
        }
    };
}

unary_functions! {
    exp => Exp, ln => Ln, log10 => Log10, expm1 => Expm1, sin => Sin, cos => Cos, tan => Tan,
    sinh => Sinh, cosh => Cosh, tanh => Tanh, erf => Erf, erfc => Erfc, abs => Abs, sign => Sign,
    floor => Floor, ceil => Ceil, round => Round,
}

impl Expr {
    /// The integer `n`.
    pub fn int(n: i64) -> Expr {
        Expr::Num(Num::int(n))
    }

    /// The exact rational `n/d`.
    pub fn rat(n: i64, d: i64) -> Expr {
        Expr::Num(Num::rat(n, d))
    }

    /// A floating-point number (integral values become exact).
    pub fn float(x: f64) -> Expr {
        Expr::Num(Num::float(x))
    }

    /// A decimal literal, exact when it fits a rational `i64/i64`.
    pub fn decimal(text: &str) -> Option<Expr> {
        Num::parse_decimal(text).map(Expr::Num)
    }

    /// A symbol.
    pub fn sym(name: &str) -> Expr {
        Expr::Sym(name.to_string())
    }

    /// The constant π.
    pub fn pi() -> Expr {
        Expr::Const(Constant::Pi)
    }

    /// The constant e.
    pub fn e() -> Expr {
        Expr::Const(Constant::E)
    }

    /// Zero.
    pub fn zero() -> Expr {
        Expr::Num(Num::ZERO)
    }

    /// One.
    pub fn one() -> Expr {
        Expr::Num(Num::ONE)
    }

    /// A function application.
    pub fn call(f: Func, args: Vec<Expr>) -> Expr {
        Expr::Func(f, args)
    }

    /// `self ** exponent`.
    pub fn pow(self, exponent: impl Into<Expr>) -> Expr {
        Expr::Pow(Box::new(self), Box::new(exponent.into()))
    }

    /// `min(self, other)`.
    pub fn min(self, other: impl Into<Expr>) -> Expr {
        Expr::Func(Func::Min, vec![self, other.into()])
    }

    /// `max(self, other)`.
    pub fn max(self, other: impl Into<Expr>) -> Expr {
        Expr::Func(Func::Max, vec![self, other.into()])
    }

    /// `clip(self, lo, hi)`.
    pub fn clip(self, lo: impl Into<Expr>, hi: impl Into<Expr>) -> Expr {
        Expr::Func(Func::Clip, vec![self, lo.into(), hi.into()])
    }

    /// `cond ? then : otherwise`.
    pub fn ite(cond: Cond, then: impl Into<Expr>, otherwise: impl Into<Expr>) -> Expr {
        Expr::Ite(
            Box::new(cond),
            Box::new(then.into()),
            Box::new(otherwise.into()),
        )
    }

    /// The number, if this is one.
    pub fn as_num(&self) -> Option<Num> {
        match self {
            Expr::Num(n) => Some(*n),
            _ => None,
        }
    }

    /// True if this is literally the number zero (use [`crate::simplify::is_zero`] to decide
    /// whether an expression is zero).
    pub fn is_zero_literal(&self) -> bool {
        matches!(self, Expr::Num(n) if n.is_zero())
    }

    /// Replaces every occurrence of the symbol `name` by `value` (no simplification).
    pub fn subs(&self, name: &str, value: &Expr) -> Expr {
        self.map_symbols(&mut |s| (s == name).then(|| value.clone()))
    }

    /// Replaces symbols for which `f` returns `Some` (no simplification).
    pub fn map_symbols(&self, f: &mut dyn FnMut(&str) -> Option<Expr>) -> Expr {
        match self {
            Expr::Sym(s) => f(s).unwrap_or_else(|| self.clone()),
            Expr::Num(_) | Expr::Const(_) => self.clone(),
            Expr::Add(ts) => Expr::Add(ts.iter().map(|t| t.map_symbols(f)).collect()),
            Expr::Mul(ts) => Expr::Mul(ts.iter().map(|t| t.map_symbols(f)).collect()),
            Expr::Pow(b, e) => Expr::Pow(Box::new(b.map_symbols(f)), Box::new(e.map_symbols(f))),
            Expr::Func(g, args) => Expr::Func(*g, args.iter().map(|a| a.map_symbols(f)).collect()),
            Expr::Ite(c, a, b) => Expr::Ite(
                Box::new(c.map_symbols(f)),
                Box::new(a.map_symbols(f)),
                Box::new(b.map_symbols(f)),
            ),
        }
    }

    /// The names of all symbols in the expression.
    pub fn symbols(&self) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        self.visit_symbols(&mut |s| {
            out.insert(s.to_string());
        });
        out
    }

    /// True if the symbol `name` occurs in the expression.
    pub fn contains(&self, name: &str) -> bool {
        let mut found = false;
        self.visit_symbols(&mut |s| found |= s == name);
        found
    }

    /// Calls `f` on every symbol occurrence.
    pub fn visit_symbols(&self, f: &mut dyn FnMut(&str)) {
        match self {
            Expr::Sym(s) => f(s),
            Expr::Num(_) | Expr::Const(_) => {}
            Expr::Add(ts) | Expr::Mul(ts) | Expr::Func(_, ts) => {
                ts.iter().for_each(|t| t.visit_symbols(f))
            }
            Expr::Pow(b, e) => {
                b.visit_symbols(f);
                e.visit_symbols(f);
            }
            Expr::Ite(c, a, b) => {
                c.visit_symbols(f);
                a.visit_symbols(f);
                b.visit_symbols(f);
            }
        }
    }

    /// A total order used to sort terms and factors into canonical form.
    pub fn canonical_cmp(&self, other: &Expr) -> Ordering {
        fn rank(e: &Expr) -> u8 {
            match e {
                Expr::Num(_) => 0,
                Expr::Const(_) => 1,
                Expr::Sym(_) => 2,
                Expr::Pow(..) => 3,
                Expr::Mul(_) => 4,
                Expr::Add(_) => 5,
                Expr::Func(..) => 6,
                Expr::Ite(..) => 7,
            }
        }
        // Powers sort beside their base: `x < x**2 < y`.
        match (self, other) {
            (Expr::Pow(a, x), b) | (b, Expr::Pow(a, x)) if !matches!(b, Expr::Pow(..)) => {
                let flip = matches!(self, Expr::Pow(..));
                let o = a
                    .canonical_cmp(b)
                    .then_with(|| (**x).canonical_cmp(&Expr::one()))
                    .then(Ordering::Greater);
                return if flip { o } else { o.reverse() };
            }
            _ => {}
        }
        match (self, other) {
            (Expr::Num(a), Expr::Num(b)) => a.total_cmp(*b),
            (Expr::Const(a), Expr::Const(b)) => a.cmp(b),
            (Expr::Sym(a), Expr::Sym(b)) => a.cmp(b),
            (Expr::Pow(a, x), Expr::Pow(b, y)) => {
                a.canonical_cmp(b).then_with(|| x.canonical_cmp(y))
            }
            (Expr::Mul(a), Expr::Mul(b)) | (Expr::Add(a), Expr::Add(b)) => cmp_slices(a, b),
            (Expr::Func(f, a), Expr::Func(g, b)) => f.cmp(g).then_with(|| cmp_slices(a, b)),
            (Expr::Ite(c, a, x), Expr::Ite(d, b, y)) => c
                .canonical_cmp(d)
                .then_with(|| a.canonical_cmp(b))
                .then_with(|| x.canonical_cmp(y)),
            _ => rank(self).cmp(&rank(other)),
        }
    }
}

fn cmp_slices(a: &[Expr], b: &[Expr]) -> Ordering {
    for (x, y) in a.iter().zip(b) {
        let o = x.canonical_cmp(y);
        if o != Ordering::Equal {
            return o;
        }
    }
    a.len().cmp(&b.len())
}

impl Cond {
    /// `a op b`.
    pub fn cmp(op: CmpOp, a: impl Into<Expr>, b: impl Into<Expr>) -> Cond {
        Cond::Cmp(op, a.into(), b.into())
    }

    /// `a < b`.
    pub fn lt(a: impl Into<Expr>, b: impl Into<Expr>) -> Cond {
        Cond::cmp(CmpOp::Lt, a, b)
    }

    /// `a <= b`.
    pub fn le(a: impl Into<Expr>, b: impl Into<Expr>) -> Cond {
        Cond::cmp(CmpOp::Le, a, b)
    }

    /// `a > b`.
    pub fn gt(a: impl Into<Expr>, b: impl Into<Expr>) -> Cond {
        Cond::cmp(CmpOp::Gt, a, b)
    }

    /// `a >= b`.
    pub fn ge(a: impl Into<Expr>, b: impl Into<Expr>) -> Cond {
        Cond::cmp(CmpOp::Ge, a, b)
    }

    /// Replaces symbols for which `f` returns `Some`.
    pub fn map_symbols(&self, f: &mut dyn FnMut(&str) -> Option<Expr>) -> Cond {
        match self {
            Cond::Bool(b) => Cond::Bool(*b),
            Cond::Cmp(op, a, b) => Cond::Cmp(*op, a.map_symbols(f), b.map_symbols(f)),
            Cond::And(cs) => Cond::And(cs.iter().map(|c| c.map_symbols(f)).collect()),
            Cond::Or(cs) => Cond::Or(cs.iter().map(|c| c.map_symbols(f)).collect()),
            Cond::Not(c) => Cond::Not(Box::new(c.map_symbols(f))),
        }
    }

    /// Calls `f` on every symbol occurrence.
    pub fn visit_symbols(&self, f: &mut dyn FnMut(&str)) {
        match self {
            Cond::Bool(_) => {}
            Cond::Cmp(_, a, b) => {
                a.visit_symbols(f);
                b.visit_symbols(f);
            }
            Cond::And(cs) | Cond::Or(cs) => cs.iter().for_each(|c| c.visit_symbols(f)),
            Cond::Not(c) => c.visit_symbols(f),
        }
    }

    /// A total order consistent with `==` (see [`Expr::canonical_cmp`]).
    pub fn canonical_cmp(&self, other: &Cond) -> Ordering {
        fn rank(c: &Cond) -> u8 {
            match c {
                Cond::Bool(_) => 0,
                Cond::Cmp(..) => 1,
                Cond::And(_) => 2,
                Cond::Or(_) => 3,
                Cond::Not(_) => 4,
            }
        }
        match (self, other) {
            (Cond::Bool(a), Cond::Bool(b)) => a.cmp(b),
            (Cond::Cmp(o, a, x), Cond::Cmp(p, b, y)) => o
                .cmp(p)
                .then_with(|| a.canonical_cmp(b))
                .then_with(|| x.canonical_cmp(y)),
            (Cond::And(a), Cond::And(b)) | (Cond::Or(a), Cond::Or(b)) => {
                for (x, y) in a.iter().zip(b) {
                    let o = x.canonical_cmp(y);
                    if o != Ordering::Equal {
                        return o;
                    }
                }
                a.len().cmp(&b.len())
            }
            (Cond::Not(a), Cond::Not(b)) => a.canonical_cmp(b),
            _ => rank(self).cmp(&rank(other)),
        }
    }
}

impl From<i64> for Expr {
    fn from(n: i64) -> Expr {
        Expr::int(n)
    }
}

impl From<i32> for Expr {
    fn from(n: i32) -> Expr {
        Expr::int(n as i64)
    }
}

impl From<f64> for Expr {
    fn from(x: f64) -> Expr {
        Expr::float(x)
    }
}

impl From<Num> for Expr {
    fn from(n: Num) -> Expr {
        Expr::Num(n)
    }
}

impl From<&Expr> for Expr {
    fn from(e: &Expr) -> Expr {
        e.clone()
    }
}

fn push_flat(out: &mut Vec<Expr>, e: Expr, is_add: bool) {
    match (e, is_add) {
        (Expr::Add(ts), true) | (Expr::Mul(ts), false) => out.extend(ts),
        (e, _) => out.push(e),
    }
}

fn sum(a: Expr, b: Expr) -> Expr {
    let mut v = Vec::new();
    push_flat(&mut v, a, true);
    push_flat(&mut v, b, true);
    Expr::Add(v)
}

fn product(a: Expr, b: Expr) -> Expr {
    let mut v = Vec::new();
    push_flat(&mut v, a, false);
    push_flat(&mut v, b, false);
    Expr::Mul(v)
}

fn negate(a: Expr) -> Expr {
    match a {
        Expr::Num(n) => Expr::Num(-n),
        a => product(Expr::int(-1), a),
    }
}

fn recip(a: Expr) -> Expr {
    match a {
        Expr::Num(n) if n.is_exact() && !n.is_zero() => Expr::Num(n.recip()),
        a => Expr::Pow(Box::new(a), Box::new(Expr::int(-1))),
    }
}

macro_rules! binary_ops {
    ($($trait:ident $method:ident $build:expr;)*) => {$(
        impl<T: Into<Expr>> $trait<T> for Expr {
            type Output = Expr;
            fn $method(self, rhs: T) -> Expr {
                ($build)(self, rhs.into())
            }
        }
        impl<T: Into<Expr>> $trait<T> for &Expr {
            type Output = Expr;
            fn $method(self, rhs: T) -> Expr {
                ($build)(self.clone(), rhs.into())
            }
        }
        impl $trait<Expr> for i64 {
            type Output = Expr;
            fn $method(self, rhs: Expr) -> Expr {
                ($build)(Expr::int(self), rhs)
            }
        }
        impl $trait<Expr> for f64 {
            type Output = Expr;
            fn $method(self, rhs: Expr) -> Expr {
                ($build)(Expr::float(self), rhs)
            }
        }
    )*};
}

binary_ops! {
    Add add sum;
    Sub sub |a, b| sum(a, negate(b));
    Mul mul product;
    Div div |a, b| product(a, recip(b));
}

impl Neg for Expr {
    type Output = Expr;
    fn neg(self) -> Expr {
        negate(self)
    }
}

impl Neg for &Expr {
    type Output = Expr;
    fn neg(self) -> Expr {
        negate(self.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn x() -> Expr {
        Expr::sym("x")
    }

    #[test]
    fn operators_flatten_sums_and_products() {
        let e = x() + 1 + 2;
        assert!(matches!(&e, Expr::Add(ts) if ts.len() == 3));
        let e = x() * 2 * Expr::sym("y");
        assert!(matches!(&e, Expr::Mul(ts) if ts.len() == 3));
        assert_eq!(-Expr::int(3), Expr::int(-3));
        assert_eq!(x() / 2, Expr::Mul(vec![x(), Expr::rat(1, 2)]));
    }

    #[test]
    fn subs_and_symbols() {
        let e = (x() * Expr::sym("tau")).exp() + Expr::sym("y");
        let s: Vec<_> = e.symbols().into_iter().collect();
        assert_eq!(s, ["tau", "x", "y"]);
        let f = e.subs("x", &Expr::int(2));
        assert!(!f.contains("x"));
        assert!(f.contains("tau"));
        let c = Expr::ite(Cond::lt(x(), 0), x(), Expr::sym("z"));
        assert_eq!(c.symbols().len(), 2);
        assert!(!c.subs("x", &Expr::int(1)).contains("x"));
    }

    #[test]
    fn function_names_round_trip() {
        for f in Func::ALL {
            assert_eq!(Func::from_name(f.name()), Some(f));
        }
        assert_eq!(Func::from_name("log"), Some(Func::Ln));
        assert_eq!(Func::from_name("nope"), None);
    }

    #[test]
    fn canonical_order_is_total_and_consistent() {
        let items = [
            Expr::int(2),
            Expr::pi(),
            x(),
            x().pow(2),
            Expr::sym("y"),
            x() * 2,
            x() + 1,
            x().exp(),
        ];
        for (i, a) in items.iter().enumerate() {
            for (j, b) in items.iter().enumerate() {
                assert_eq!(a.canonical_cmp(b), i.cmp(&j), "{a:?} vs {b:?}");
            }
        }
    }
}
