//! Canonical simplification, expansion, zero test and linear coefficients.
//!
//! Canonical form (what [`simplify`] returns and the smart constructors [`add`], [`mul`],
//! [`pow`], [`func`] and [`ite`] keep): sums and products are flat and sorted by
//! [`Expr::canonical_cmp`]; a sum holds at most one number (last) and no two terms with the
//! same non-numeric part; a product holds at most one number (first, never 1) and no two factors
//! with the same base; `x**0 = 1`, `x**1 = x`; numbers are folded exactly while rational;
//! functions of exact special arguments are folded (`exp(0) = 1`, `ln(1) = 0`, …) and of `f64`
//! arguments evaluated. [`expand`] also multiplies products out over sums, so that two
//! expressions that agree as polynomials in their atoms expand to the same tree.

use std::fmt;

use crate::eval::apply_f64;
use crate::expr::{Cond, Constant, Expr, Func, Num};

/// Brings an expression to canonical form.
pub fn simplify(e: &Expr) -> Expr {
    match e {
        Expr::Num(n) => Expr::Num(match *n {
            Num::Rat(p, q) => Num::rat(p, q),
            Num::Float(x) => Num::float(x),
        }),
        Expr::Sym(_) => e.clone(),
        Expr::Const(_) => e.clone(),
        Expr::Add(ts) => add(ts.iter().map(simplify).collect()),
        Expr::Mul(fs) => mul(fs.iter().map(simplify).collect()),
        Expr::Pow(b, x) => pow(simplify(b), simplify(x)),
        Expr::Func(f, args) => func(*f, args.iter().map(simplify).collect()),
        Expr::Ite(c, a, b) => ite(simplify_cond(c), simplify(a), simplify(b)),
    }
}

/// Simplifies a condition (decides comparisons of numbers, folds constant `and`/`or`/`not`).
pub fn simplify_cond(c: &Cond) -> Cond {
    match c {
        Cond::Bool(b) => Cond::Bool(*b),
        Cond::Cmp(op, a, b) => {
            let (a, b) = (simplify(a), simplify(b));
            match expand(&(a.clone() - b.clone())) {
                Expr::Num(d) if !d.to_f64().is_nan() => Cond::Bool(op.holds(d.to_f64(), 0.0)),
                _ => Cond::Cmp(*op, a, b),
            }
        }
        Cond::And(cs) | Cond::Or(cs) => {
            let is_and = matches!(c, Cond::And(_));
            let mut out = Vec::new();
            for sub in cs {
                match simplify_cond(sub) {
                    Cond::Bool(b) if b == is_and => {}
                    Cond::Bool(b) => return Cond::Bool(b),
                    Cond::And(inner) if is_and => out.extend(inner),
                    Cond::Or(inner) if !is_and => out.extend(inner),
                    s => out.push(s),
                }
            }
            match out.len() {
                0 => Cond::Bool(is_and),
                1 => out.pop().unwrap_or(Cond::Bool(is_and)),
                _ if is_and => Cond::And(out),
                _ => Cond::Or(out),
            }
        }
        Cond::Not(sub) => match simplify_cond(sub) {
            Cond::Bool(b) => Cond::Bool(!b),
            Cond::Not(inner) => *inner,
            s => Cond::Not(Box::new(s)),
        },
    }
}

/// Splits a canonical term into its numeric coefficient and the rest (`None` for a number).
pub fn split_coefficient(t: Expr) -> (Num, Option<Expr>) {
    match t {
        Expr::Num(n) => (n, None),
        Expr::Mul(mut fs) if matches!(fs.first(), Some(Expr::Num(_))) => {
            let c = match fs.remove(0) {
                Expr::Num(n) => n,
                _ => Num::ONE,
            };
            let rest = if fs.len() == 1 {
                fs.pop().unwrap_or_else(Expr::one)
            } else {
                Expr::Mul(fs)
            };
            (c, Some(rest))
        }
        t => (Num::ONE, Some(t)),
    }
}

fn with_coefficient(c: Num, m: Expr) -> Expr {
    if c.is_one() {
        return m;
    }
    match m {
        Expr::Mul(mut fs) => {
            fs.insert(0, Expr::Num(c));
            Expr::Mul(fs)
        }
        m => Expr::Mul(vec![Expr::Num(c), m]),
    }
}

/// The canonical sum of canonical terms: flattens, collects like terms, folds numbers.
pub fn add(terms: Vec<Expr>) -> Expr {
    let mut constant = Num::ZERO;
    let mut monos: Vec<(Expr, Num)> = Vec::new();
    let mut push = |t: Expr, constant: &mut Num| match split_coefficient(t) {
        (c, None) => *constant = *constant + c,
        (c, Some(m)) => monos.push((m, c)),
    };
    for t in terms {
        match t {
            Expr::Add(ts) => ts.into_iter().for_each(|t| push(t, &mut constant)),
            t => push(t, &mut constant),
        }
    }
    monos.sort_by(|a, b| a.0.canonical_cmp(&b.0));
    let mut out: Vec<Expr> = Vec::new();
    let mut iter = monos.into_iter().peekable();
    while let Some((m, mut c)) = iter.next() {
        while let Some((_, c2)) = iter.next_if(|(m2, _)| m2.canonical_cmp(&m).is_eq()) {
            c = c + c2;
        }
        if !c.is_zero() {
            out.push(with_coefficient(c, m));
        }
    }
    if !constant.is_zero() {
        out.push(Expr::Num(constant));
    }
    match out.len() {
        0 => Expr::zero(),
        1 => out.pop().unwrap_or_else(Expr::zero),
        _ => Expr::Add(out),
    }
}

/// The canonical product of canonical factors: flattens, folds numbers, adds the exponents
/// of equal bases.
pub fn mul(factors: Vec<Expr>) -> Expr {
    let mut coef = Num::ONE;
    let mut pairs: Vec<(Expr, Expr)> = Vec::new();
    let mut push = |f: Expr, coef: &mut Num| match f {
        Expr::Num(n) => *coef = *coef * n,
        Expr::Pow(b, x) => pairs.push((*b, *x)),
        f => pairs.push((f, Expr::one())),
    };
    for f in factors {
        match f {
            Expr::Mul(fs) => fs.into_iter().for_each(|f| push(f, &mut coef)),
            f => push(f, &mut coef),
        }
    }
    if coef.is_zero() {
        return Expr::zero();
    }
    // exp(u) * exp(v) = exp(u + v).
    let exps: Vec<usize> = (0..pairs.len())
        .filter(|&i| {
            pairs[i].1 == Expr::one()
                && matches!(&pairs[i].0, Expr::Func(Func::Exp, a) if a.len() == 1)
        })
        .collect();
    if exps.len() > 1 {
        let mut args = Vec::new();
        for &i in exps.iter().rev() {
            if let (Expr::Func(_, mut a), _) = pairs.remove(i) {
                args.push(a.pop().unwrap_or_else(Expr::zero));
            }
        }
        match func(Func::Exp, vec![add(args)]) {
            Expr::Num(n) => coef = coef * n,
            e => pairs.push((e, Expr::one())),
        }
    }
    pairs.sort_by(|a, b| a.0.canonical_cmp(&b.0));
    let mut out: Vec<Expr> = Vec::new();
    let mut again = false;
    let mut iter = pairs.into_iter().peekable();
    while let Some((base, x)) = iter.next() {
        let mut exps = vec![x];
        while let Some((_, x2)) = iter.next_if(|(b2, _)| b2.canonical_cmp(&base).is_eq()) {
            exps.push(x2);
        }
        let x = if exps.len() == 1 {
            exps.pop().unwrap_or_else(Expr::one)
        } else {
            add(exps)
        };
        match pow(base, x) {
            Expr::Num(n) => coef = coef * n,
            p @ Expr::Mul(_) => {
                again = true;
                out.push(p);
            }
            p => out.push(p),
        }
    }
    if again {
        out.push(Expr::Num(coef));
        return mul(out);
    }
    if coef.is_zero() {
        return Expr::zero();
    }
    out.sort_by(|a, b| a.canonical_cmp(b));
    if !coef.is_one() {
        out.insert(0, Expr::Num(coef));
    }
    match out.len() {
        0 => Expr::Num(coef),
        1 => out.pop().unwrap_or_else(Expr::one),
        _ => Expr::Mul(out),
    }
}

/// Exact `q`-th root of a non-negative integer, if there is one.
fn int_root(n: i64, q: u32) -> Option<i64> {
    if n < 0 {
        return None;
    }
    let r = (n as f64).powf(1.0 / q as f64).round() as i64;
    (r.max(0) - 1..=r + 1).find(|&c| c >= 0 && (c as i128).checked_pow(q) == Some(n as i128))
}

/// The canonical power of canonical operands.
pub fn pow(base: Expr, exponent: Expr) -> Expr {
    if let Expr::Num(n) = exponent {
        if n.is_zero() {
            return Expr::one();
        }
        if n.is_one() {
            return base;
        }
    }
    match (base, exponent) {
        (Expr::Num(b), _) if b.is_one() => Expr::one(),
        (Expr::Num(b), Expr::Num(x)) => {
            if let Some(k) = x.as_int() {
                if !(b.is_zero() && k < 0) {
                    return Expr::Num(b.powi(k));
                }
            } else if let (Num::Rat(p, q), Num::Rat(xn, xd)) = (b, x) {
                if let (Ok(xd32), true) = (u32::try_from(xd), p > 0) {
                    if let (Some(rp), Some(rq)) = (int_root(p, xd32), int_root(q, xd32)) {
                        return Expr::Num(Num::rat(rp, rq).powi(xn));
                    }
                }
            } else if b.to_f64() >= 0.0 {
                return Expr::Num(Num::float(b.to_f64().powf(x.to_f64())));
            }
            if b.is_zero() && !x.is_negative() {
                return Expr::zero();
            }
            Expr::Pow(Box::new(Expr::Num(b)), Box::new(Expr::Num(x)))
        }
        (Expr::Pow(c, y), Expr::Num(x)) if x.as_int().is_some() => {
            pow(*c, mul(vec![*y, Expr::Num(x)]))
        }
        (Expr::Mul(fs), Expr::Num(x)) if x.as_int().is_some() => {
            mul(fs.into_iter().map(|f| pow(f, Expr::Num(x))).collect())
        }
        (Expr::Func(Func::Exp, mut args), x) if args.len() == 1 => {
            let u = args.pop().unwrap_or_else(Expr::zero);
            func(Func::Exp, vec![mul(vec![u, x])])
        }
        (Expr::Const(Constant::E), x) => func(Func::Exp, vec![x]),
        (b, x) => Expr::Pow(Box::new(b), Box::new(x)),
    }
}

/// True if a canonical expression prints with a leading minus (a negative number or a
/// product with a negative coefficient).
pub fn is_negated(e: &Expr) -> bool {
    match e {
        Expr::Num(n) => n.is_negative(),
        Expr::Mul(fs) => matches!(fs.first(), Some(Expr::Num(n)) if n.is_negative()),
        _ => false,
    }
}

fn neg(e: Expr) -> Expr {
    mul(vec![Expr::int(-1), e])
}

fn all_num(args: &[Expr]) -> Option<Vec<Num>> {
    args.iter().map(Expr::as_num).collect()
}

/// The canonical application of `f` to canonical arguments.
pub fn func(f: Func, mut args: Vec<Expr>) -> Expr {
    let (lo, hi) = f.arity();
    if args.len() < lo || args.len() > hi {
        return Expr::Func(f, args);
    }
    if f == Func::Pow {
        let x = args.pop().unwrap_or_else(Expr::one);
        let b = args.pop().unwrap_or_else(Expr::one);
        return pow(b, x);
    }
    if matches!(f, Func::Min | Func::Max) {
        return min_max(f, args);
    }
    let nums = all_num(&args);
    // Exact folding first.
    if let Some(nums) = &nums {
        let a = nums[0];
        let exact = match f {
            Func::Abs if a.is_exact() => Some(if a.is_negative() { -a } else { a }),
            Func::Sign if a.is_exact() => {
                Some(Num::int(a.to_f64().signum() as i64 * !a.is_zero() as i64))
            }
            Func::Floor | Func::Ceil | Func::Round if a.is_exact() => {
                Some(Num::float(apply_f64(f, &[a.to_f64()])))
            }
            Func::Clip if nums.iter().all(|n| n.is_exact()) => {
                let v = if a.total_cmp(nums[1]).is_lt() {
                    nums[1]
                } else if a.total_cmp(nums[2]).is_gt() {
                    nums[2]
                } else {
                    a
                };
                Some(v)
            }
            Func::Log10 => match a {
                Num::Rat(p, 1) if p > 0 && 10i64.pow(p.ilog10()) == p => {
                    Some(Num::int(p.ilog10() as i64))
                }
                Num::Rat(1, q) if 10i64.pow(q.ilog10()) == q => {
                    Some(Num::int(-(q.ilog10() as i64)))
                }
                _ => None,
            },
            _ => None,
        };
        if let Some(v) = exact {
            return Expr::Num(v);
        }
        if nums.iter().any(|n| !n.is_exact()) {
            let vals: Vec<f64> = nums.iter().map(|n| n.to_f64()).collect();
            return Expr::Num(Num::float(apply_f64(f, &vals)));
        }
    }
    let a = &args[0];
    let zero = a.is_zero_literal();
    match f {
        Func::Exp if zero => Expr::one(),
        Func::Exp => match a {
            Expr::Func(Func::Ln, inner) if inner.len() == 1 => inner[0].clone(),
            _ => Expr::Func(f, args),
        },
        Func::Ln => match a {
            Expr::Num(n) if n.is_one() => Expr::zero(),
            Expr::Const(Constant::E) => Expr::one(),
            Expr::Func(Func::Exp, inner) if inner.len() == 1 => inner[0].clone(),
            _ => Expr::Func(f, args),
        },
        Func::Expm1 | Func::Sin | Func::Tan | Func::Sinh | Func::Tanh | Func::Erf | Func::Sign
            if zero =>
        {
            Expr::zero()
        }
        Func::Cos | Func::Cosh | Func::Erfc if zero => Expr::one(),
        Func::Sin | Func::Tan | Func::Sinh | Func::Tanh | Func::Erf | Func::Sign
            if is_negated(a) =>
        {
            let inner = neg(args.swap_remove(0));
            neg(func(f, vec![inner]))
        }
        Func::Cos | Func::Cosh | Func::Abs if is_negated(a) => {
            let inner = neg(args.swap_remove(0));
            func(f, vec![inner])
        }
        Func::Abs => match a {
            Expr::Func(Func::Abs | Func::Exp | Func::Cosh, _) | Expr::Const(_) => a.clone(),
            _ => Expr::Func(f, args),
        },
        _ => Expr::Func(f, args),
    }
}

fn min_max(f: Func, args: Vec<Expr>) -> Expr {
    let mut flat: Vec<Expr> = Vec::new();
    for a in args {
        match a {
            Expr::Func(g, inner) if g == f => flat.extend(inner),
            a => flat.push(a),
        }
    }
    let pick_min = f == Func::Min;
    let mut best: Option<Num> = None;
    let mut rest: Vec<Expr> = Vec::new();
    for a in flat {
        match a {
            Expr::Num(n) => {
                best = Some(match best {
                    None => n,
                    Some(b) if (n.total_cmp(b).is_lt()) == pick_min => n,
                    Some(b) => b,
                })
            }
            a => rest.push(a),
        }
    }
    rest.sort_by(|a, b| a.canonical_cmp(b));
    rest.dedup();
    if let Some(b) = best {
        rest.push(Expr::Num(b));
    }
    if rest.len() == 1 {
        return rest.pop().unwrap_or_else(Expr::zero);
    }
    Expr::Func(f, rest)
}

/// The canonical conditional: decided conditions pick a branch, equal branches merge.
pub fn ite(c: Cond, then: Expr, otherwise: Expr) -> Expr {
    match c {
        Cond::Bool(true) => then,
        Cond::Bool(false) => otherwise,
        _ if then == otherwise => then,
        c => Expr::Ite(Box::new(c), Box::new(then), Box::new(otherwise)),
    }
}

/// Largest positive integer power of a sum that [`expand`] multiplies out.
const MAX_EXPAND_POWER: i64 = 8;

/// Simplifies and multiplies products (and small positive integer powers) out over sums.
pub fn expand(e: &Expr) -> Expr {
    match e {
        Expr::Num(_) | Expr::Sym(_) | Expr::Const(_) => simplify(e),
        Expr::Add(ts) => add(ts.iter().map(expand).collect()),
        Expr::Mul(fs) => distribute(mul(fs.iter().map(expand).collect())),
        Expr::Pow(b, x) => distribute(pow(expand(b), expand(x))),
        Expr::Func(f, args) => func(*f, args.iter().map(expand).collect()),
        Expr::Ite(c, a, b) => ite(simplify_cond(c), expand(a), expand(b)),
    }
}

/// Multiplies a canonical product or power of expanded operands out over its sums.
fn distribute(e: Expr) -> Expr {
    fn sum_power(f: &Expr) -> Option<(&[Expr], i64)> {
        match f {
            Expr::Add(ts) => Some((ts, 1)),
            Expr::Pow(b, x) => match (&**b, x.as_num().and_then(Num::as_int)) {
                (Expr::Add(ts), Some(k)) if (1..=MAX_EXPAND_POWER).contains(&k) => Some((ts, k)),
                _ => None,
            },
            _ => None,
        }
    }
    let factors: Vec<Expr> = match e {
        Expr::Mul(fs) => fs,
        e @ Expr::Pow(..) => vec![e],
        e => return e,
    };
    if !factors.iter().any(|f| sum_power(f).is_some()) {
        return mul(factors);
    }
    let mut terms: Vec<Expr> = vec![Expr::one()];
    for f in &factors {
        match sum_power(f) {
            Some((ts, k)) => {
                for _ in 0..k {
                    let mut next = Vec::with_capacity(terms.len() * ts.len());
                    for t in &terms {
                        for s in ts {
                            next.push(distribute(mul(vec![t.clone(), s.clone()])));
                        }
                    }
                    terms = vec![add(next)];
                    if let Expr::Add(v) = &terms[0] {
                        terms = v.clone();
                    }
                }
            }
            None => terms = terms.into_iter().map(|t| mul(vec![t, f.clone()])).collect(),
        }
    }
    add(terms)
}

/// True if `e` is zero as a rational function of its atoms after expansion (sound: `true`
/// means zero; `false` may miss identities such as `sin(x)**2 + cos(x)**2 - 1`).
pub fn is_zero(e: &Expr) -> bool {
    expand(e).is_zero_literal()
}

/// True if `a - b` [`is_zero`].
pub fn equivalent(a: &Expr, b: &Expr) -> bool {
    is_zero(&(a.clone() - b.clone()))
}

/// An affine decomposition `Σ coefficients[i] * symbols[i] + constant`.
#[derive(Clone, Debug, PartialEq)]
pub struct Affine {
    /// The coefficient of each symbol, in the order asked for (canonical, free of the symbols).
    pub coefficients: Vec<Expr>,
    /// The remaining term, free of the symbols.
    pub constant: Expr,
}

/// Why an expression is not affine in the given symbols.
#[derive(Clone, Debug, PartialEq)]
pub struct NonLinear {
    /// A symbol that occurs non-linearly.
    pub symbol: String,
    /// The offending term of the expanded expression.
    pub term: Expr,
}

impl fmt::Display for NonLinear {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` occurs non-linearly in the term `{}`",
            self.symbol, self.term
        )
    }
}

impl std::error::Error for NonLinear {}

/// Decomposes `e` as `Σ c_i * symbols[i] + constant` where no `c_i` and not the constant
/// contain any of the symbols; errors if `e` is not affine in them.
pub fn coefficients(e: &Expr, symbols: &[&str]) -> Result<Affine, NonLinear> {
    let terms = match expand(e) {
        Expr::Add(ts) => ts,
        t => vec![t],
    };
    let mut coefs: Vec<Vec<Expr>> = vec![Vec::new(); symbols.len()];
    let mut constant = Vec::new();
    for t in terms {
        let present: Vec<usize> = (0..symbols.len())
            .filter(|&i| t.contains(symbols[i]))
            .collect();
        match present.as_slice() {
            [] => constant.push(t),
            [i] => match linear_factor(&t, symbols[*i]) {
                Some(c) => coefs[*i].push(c),
                None => {
                    return Err(NonLinear {
                        symbol: symbols[*i].to_string(),
                        term: t,
                    })
                }
            },
            [i, ..] => {
                return Err(NonLinear {
                    symbol: symbols[*i].to_string(),
                    term: t,
                })
            }
        }
    }
    Ok(Affine {
        coefficients: coefs.into_iter().map(add).collect(),
        constant: add(constant),
    })
}

/// `(c, r)` with `e = c * symbol + r`, neither containing `symbol`.
pub fn coefficient(e: &Expr, symbol: &str) -> Result<(Expr, Expr), NonLinear> {
    let mut a = coefficients(e, &[symbol])?;
    Ok((a.coefficients.pop().unwrap_or_else(Expr::zero), a.constant))
}

/// For a canonical term containing `x`: the cofactor if the term is `cofactor * x` with the
/// cofactor free of `x`.
fn linear_factor(t: &Expr, x: &str) -> Option<Expr> {
    match t {
        Expr::Sym(s) if s == x => Some(Expr::one()),
        Expr::Mul(fs) => {
            let mut idx = None;
            for (i, f) in fs.iter().enumerate() {
                if f.contains(x) {
                    if idx.is_some() || !matches!(f, Expr::Sym(s) if s == x) {
                        return None;
                    }
                    idx = Some(i);
                }
            }
            let i = idx?;
            let rest: Vec<Expr> = fs
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .map(|(_, f)| f.clone())
                .collect();
            Some(mul(rest))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(n: &str) -> Expr {
        Expr::sym(n)
    }

    fn simp(e: Expr) -> String {
        simplify(&e).to_string()
    }

    #[test]
    fn collects_like_terms_and_folds_constants() {
        let x = s("x");
        assert_eq!(simp(x.clone() * 2 + x.clone() * 3), "5*x");
        assert_eq!(
            simp(x.clone() + 1 + x.clone() + Expr::rat(1, 2)),
            "2*x + 3/2"
        );
        assert_eq!(simp(x.clone() - x.clone()), "0");
        assert_eq!(simp(Expr::rat(1, 3) + Expr::rat(1, 6)), "1/2");
        assert_eq!(simp(x.clone() * Expr::int(0) + 4), "4");
        assert_eq!(simp((x.clone() + (s("y") + 1)) + 2), "x + y + 3");
    }

    #[test]
    fn flattens_and_combines_powers() {
        let (x, y) = (s("x"), s("y"));
        assert_eq!(simp(x.clone() * (x.clone() * y.clone())), "x**2*y");
        assert_eq!(simp(x.clone() / x.clone()), "1");
        assert_eq!(simp(x.clone().pow(2) * x.clone().pow(-3)), "1/x");
        assert_eq!(simp(x.clone().pow(0)), "1");
        assert_eq!(simp(x.clone().pow(1)), "x");
        assert_eq!(simp(x.clone().pow(2).pow(3)), "x**6");
        assert_eq!(simp((x.clone() * 2).pow(2)), "4*x**2");
        assert_eq!(simp(Expr::int(2).pow(-2)), "1/4");
        assert_eq!(simp(Expr::rat(4, 9).pow(Expr::rat(1, 2))), "2/3");
        assert_eq!(simp(Expr::int(2).pow(Expr::rat(1, 2))), "2**(1/2)");
        assert_eq!(simp(x.clone().pow(y.clone()) * x.clone()), "x**(y + 1)");
        assert_eq!(
            simp(Expr::call(Func::Pow, vec![x.clone(), Expr::int(2)])),
            "x**2"
        );
    }

    #[test]
    fn folds_functions() {
        let x = s("x");
        assert_eq!(simp(Expr::zero().exp()), "1");
        assert_eq!(simp(Expr::one().ln()), "0");
        assert_eq!(simp(Expr::e().ln()), "1");
        assert_eq!(simp(x.clone().ln().exp()), "x");
        assert_eq!(simp(x.clone().exp().ln()), "x");
        assert_eq!(simp(Expr::int(1000).log10()), "3");
        assert_eq!(simp(Expr::rat(1, 100).log10()), "-2");
        assert_eq!(simp(Expr::zero().cos() + Expr::zero().sin()), "1");
        assert_eq!(simp((-x.clone()).sin()), "-sin(x)");
        assert_eq!(simp((-x.clone()).cosh()), "cosh(x)");
        assert_eq!(simp((-x.clone()).abs().abs()), "abs(x)");
        assert_eq!(simp(Expr::rat(-3, 2).abs()), "3/2");
        assert_eq!(simp(Expr::float(0.5).exp()), format!("{:?}", 0.5f64.exp()));
        assert_eq!(simp(Expr::int(1).exp()), "exp(1)");
        assert_eq!(simp(x.clone().max(3).max(Expr::int(5))), "max(x, 5)");
        assert_eq!(simp(Expr::int(2).min(Expr::rat(1, 2))), "1/2");
        assert_eq!(simp(Expr::int(7).clip(0, 5)), "5");
        assert_eq!(simp(Expr::rat(7, 2).floor()), "3");
        assert_eq!(simp(Expr::rat(-5, 2).round()), "-3");
        assert_eq!(simp(x.clone().exp().pow(2)), "exp(2*x)");
        assert_eq!(simp(Expr::e().pow(x.clone())), "exp(x)");
    }

    #[test]
    fn conditionals_fold() {
        let x = s("x");
        assert_eq!(simp(Expr::ite(Cond::lt(1, 2), x.clone(), 0)), "x");
        assert_eq!(
            simp(Expr::ite(Cond::lt(x.clone(), x.clone() + 1), 1, 0)),
            "1"
        );
        assert_eq!(
            simp(Expr::ite(Cond::lt(x.clone(), 0), x.clone() * 1, x.clone())),
            "x"
        );
        let c = Cond::And(vec![Cond::Bool(true), Cond::gt(x.clone(), 0)]);
        assert_eq!(simplify_cond(&c).to_string(), "x > 0");
    }

    #[test]
    fn expansion_decides_zero() {
        let (a, b, x) = (s("a"), s("b"), s("x"));
        let lhs = (a.clone() + b.clone()).pow(2);
        let rhs = a.clone().pow(2) + a.clone() * b.clone() * 2 + b.clone().pow(2);
        assert!(equivalent(&lhs, &rhs));
        assert!(!equivalent(&lhs, &(a.clone().pow(2) + b.clone().pow(2))));
        assert!(is_zero(
            &((a.clone() + b.clone()) / (a.clone() + b.clone()) - 1)
        ));
        assert!(is_zero(
            &((x.clone() - a.clone()) / s("tau") - x.clone() / s("tau") + a.clone() / s("tau"))
        ));
        assert!(is_zero(
            &((a.clone() - b.clone()) * (a.clone() + b.clone()) - a.clone().pow(2)
                + b.clone().pow(2))
        ));
        assert_eq!(
            expand(&((x.clone() + 1) * (x.clone() - 1))).to_string(),
            "x**2 - 1"
        );
        assert!(is_zero(&(x.clone().exp() * (-x.clone()).exp() - 1)));
    }

    #[test]
    fn linear_coefficients() {
        let (v, i, tau, c, e) = (s("V"), s("I"), s("tau"), s("C"), s("E_L"));
        let rhs =
            -(v.clone() - e.clone()) / tau.clone() + i.clone() / c.clone() + s("I_e") / c.clone();
        let a = coefficients(&rhs, &["V", "I"]).unwrap();
        assert_eq!(a.coefficients[0].to_string(), "-1/tau");
        assert_eq!(a.coefficients[1].to_string(), "1/C");
        assert!(equivalent(
            &a.constant,
            &(e.clone() / tau.clone() + s("I_e") / c.clone())
        ));
        let (k, r) = coefficient(&(v.clone() * 3 + 2), "V").unwrap();
        assert_eq!((k.to_string(), r.to_string()), ("3".into(), "2".into()));
        // Zero coefficient when the symbol is absent.
        assert_eq!(coefficient(&tau, "V").unwrap().0, Expr::zero());
        // Non-linear: product of states, state in exp, square.
        let err = coefficients(&(v.clone() * i.clone()), &["V", "I"]).unwrap_err();
        assert_eq!(err.symbol, "V");
        assert!(coefficient(&v.clone().exp(), "V").is_err());
        assert!(coefficient(&v.clone().pow(2), "V").is_err());
        assert!(coefficient(&(v.clone() / v.clone() + v.clone()), "V").is_ok());
        assert!(coefficient(&Expr::ite(Cond::gt(v.clone(), 0), v.clone(), 0), "V").is_err());
    }

    /// True if every subexpression evaluates to a finite value of moderate size.
    fn all_finite(e: &Expr, env: &[(&str, f64)]) -> bool {
        let ok = e.eval(env).is_ok_and(|v| v.is_finite() && v.abs() < 1e6);
        ok && match e {
            Expr::Add(ts) | Expr::Mul(ts) | Expr::Func(_, ts) => {
                ts.iter().all(|t| all_finite(t, env))
            }
            Expr::Pow(b, x) => all_finite(b, env) && all_finite(x, env),
            _ => true,
        }
    }

    /// Random trees: simplification and expansion keep the value.
    #[test]
    fn simplification_preserves_values_on_random_trees() {
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move |n: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % n
        };
        fn tree(next: &mut dyn FnMut(u64) -> u64, depth: u32) -> Expr {
            let leaf = depth == 0 || next(4) == 0;
            if leaf {
                return match next(5) {
                    0 => Expr::rat(next(7) as i64 - 3, next(3) as i64 + 1),
                    1 => Expr::float(0.25 * next(9) as f64 - 1.0),
                    2 => Expr::sym("x"),
                    3 => Expr::sym("y"),
                    _ => Expr::sym("z"),
                };
            }
            let a = tree(next, depth - 1);
            match next(8) {
                0 | 1 => a + tree(next, depth - 1),
                2 | 3 => a * tree(next, depth - 1),
                4 => a - tree(next, depth - 1),
                5 => a.pow(next(5) as i64 - 2),
                6 => (a * Expr::rat(1, 4)).exp(),
                _ => a / (tree(next, depth - 1).pow(2) + 1),
            }
        }
        let env = [("x", 0.7), ("y", -1.3), ("z", 2.1)];
        let mut checked = 0;
        for _ in 0..3000 {
            let e = tree(&mut next, 5);
            let Ok(v) = e.eval(&env) else { continue };
            if !all_finite(&e, &env) || v.abs() > 1e6 {
                continue;
            }
            for (what, f) in [("simplify", simplify(&e)), ("expand", expand(&e))] {
                let w = f.eval(&env).unwrap();
                let scale = v.abs().max(1.0);
                assert!(
                    (v - w).abs() <= 1e-9 * scale,
                    "{what}: {e} = {v} but {f} = {w}"
                );
                assert_eq!(simplify(&f), f, "{what} result not canonical: {f}");
            }
            checked += 1;
        }
        assert!(checked > 1000);
    }
}
