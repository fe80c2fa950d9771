//! Infix text for expressions, with minimal parentheses (`**` for powers, NESTML's
//! `cond ? a : b`, `and`/`or`/`not`).

use std::fmt::{self, Display, Formatter, Write};

use crate::expr::{Cond, Expr, Num};

const P_ITE: u8 = 0;
const P_ADD: u8 = 1;
const P_MUL: u8 = 2;
const P_POW: u8 = 3;
const P_ATOM: u8 = 4;

fn num_prec(n: Num) -> u8 {
    match n {
        Num::Rat(p, 1) if p >= 0 => P_ATOM,
        Num::Rat(..) => P_MUL,
        Num::Float(x) if x < 0.0 => P_MUL,
        Num::Float(_) => P_ATOM,
    }
}

fn negative_exponent(e: &Expr) -> Option<(&Expr, Num)> {
    match e {
        Expr::Pow(b, x) => match **x {
            Expr::Num(n) if n.is_negative() => Some((b, -n)),
            _ => None,
        },
        _ => None,
    }
}

fn prec(e: &Expr) -> u8 {
    match e {
        Expr::Num(n) => num_prec(*n),
        Expr::Sym(_) | Expr::Const(_) | Expr::Func(..) => P_ATOM,
        Expr::Pow(..) if negative_exponent(e).is_some() => P_MUL,
        Expr::Pow(..) => P_POW,
        Expr::Mul(_) => P_MUL,
        Expr::Add(ts) if ts.len() == 1 => prec(&ts[0]),
        Expr::Add(_) => P_ADD,
        Expr::Ite(..) => P_ITE,
    }
}

/// If `e` prints with a leading minus sign, its negation (for `a - b` in sums).
pub(crate) fn negated_if_negative(e: &Expr) -> Option<Expr> {
    match e {
        Expr::Num(n) if n.is_negative() => Some(Expr::Num(-*n)),
        Expr::Mul(fs) => match fs.first() {
            Some(Expr::Num(n)) if n.is_negative() => {
                let c = -*n;
                let mut rest: Vec<Expr> = fs[1..].to_vec();
                if !c.is_one() {
                    rest.insert(0, Expr::Num(c));
                }
                Some(match rest.len() {
                    0 => Expr::Num(c),
                    1 => rest.pop().unwrap_or_else(Expr::one),
                    _ => Expr::Mul(rest),
                })
            }
            _ => None,
        },
        _ => None,
    }
}

fn write_at(f: &mut Formatter<'_>, e: &Expr, ctx: u8) -> fmt::Result {
    if prec(e) < ctx {
        write!(f, "(")?;
        write_expr(f, e)?;
        write!(f, ")")
    } else {
        write_expr(f, e)
    }
}

/// Writes `base` or `base**k` for a positive exponent `k`.
fn write_power(f: &mut Formatter<'_>, base: &Expr, k: Num) -> fmt::Result {
    if k.is_one() {
        write_at(f, base, P_POW)
    } else {
        write_at(f, base, P_ATOM)?;
        write!(f, "**")?;
        write_at(f, &Expr::Num(k), P_POW)
    }
}

fn write_mul(f: &mut Formatter<'_>, fs: &[Expr]) -> fmt::Result {
    // Exact numbers anywhere in the product print as one leading coefficient.
    let mut coef = Num::ONE;
    let mut rest: Vec<&Expr> = Vec::new();
    for (i, factor) in fs.iter().enumerate() {
        match factor {
            Expr::Num(n) if n.is_exact() || i == 0 => coef = coef * *n,
            other => rest.push(other),
        }
    }
    let mut num = String::new();
    let mut den: Vec<String> = Vec::new();
    let negative = coef.is_negative();
    let mag = if negative { -coef } else { coef };
    match mag {
        Num::Rat(p, q) => {
            if p != 1 {
                num.push_str(&p.to_string());
            }
            if q != 1 {
                den.push(q.to_string());
            }
        }
        Num::Float(x) if x != 1.0 => num.push_str(&Num::Float(x).to_string()),
        Num::Float(_) => {}
    }
    for factor in rest {
        if let Some((base, k)) = negative_exponent(factor) {
            den.push(Shown(|f| write_power(f, base, k)).to_string());
        } else {
            if !num.is_empty() {
                num.push('*');
            }
            let _ = write!(num, "{}", Shown(|f| write_at(f, factor, P_POW)));
        }
    }
    if negative {
        write!(f, "-")?;
    }
    if num.is_empty() {
        num.push('1');
    }
    write!(f, "{num}")?;
    match den.len() {
        0 => Ok(()),
        1 => write!(f, "/{}", den[0]),
        _ => write!(f, "/({})", den.join("*")),
    }
}

fn write_expr(f: &mut Formatter<'_>, e: &Expr) -> fmt::Result {
    match e {
        Expr::Num(n) => write!(f, "{n}"),
        Expr::Sym(s) => write!(f, "{s}"),
        Expr::Const(c) => write!(f, "{}", c.name()),
        Expr::Add(ts) if ts.is_empty() => write!(f, "0"),
        Expr::Add(ts) => {
            // Lead with a positive term when there is one: `1 - x`, not `-x + 1`.
            let first = ts
                .iter()
                .position(|t| negated_if_negative(t).is_none())
                .unwrap_or(0);
            write_at(f, &ts[first], P_ADD)?;
            for t in ts
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != first)
                .map(|(_, t)| t)
            {
                match negated_if_negative(t) {
                    Some(n) => {
                        write!(f, " - ")?;
                        write_at(f, &n, P_MUL)?;
                    }
                    None => {
                        write!(f, " + ")?;
                        write_at(f, t, P_ADD)?;
                    }
                }
            }
            Ok(())
        }
        Expr::Mul(fs) if fs.is_empty() => write!(f, "1"),
        Expr::Mul(fs) => write_mul(f, fs),
        Expr::Pow(b, x) => match negative_exponent(e) {
            Some((base, k)) => {
                write!(f, "1/")?;
                write_power(f, base, k)
            }
            None => {
                write_at(f, b, P_ATOM)?;
                write!(f, "**")?;
                write_at(f, x, P_POW)
            }
        },
        Expr::Func(g, args) => {
            write!(f, "{}(", g.name())?;
            for (i, a) in args.iter().enumerate() {
                if i > 0 {
                    write!(f, ", ")?;
                }
                write_at(f, a, P_ITE)?;
            }
            write!(f, ")")
        }
        Expr::Ite(c, a, b) => {
            write_cond(f, c, 0)?;
            write!(f, " ? ")?;
            write_at(f, a, P_ADD)?;
            write!(f, " : ")?;
            write_at(f, b, P_ITE)
        }
    }
}

fn cond_prec(c: &Cond) -> u8 {
    match c {
        Cond::Or(_) => 1,
        Cond::And(_) => 2,
        Cond::Not(_) => 3,
        Cond::Cmp(..) | Cond::Bool(_) => 4,
    }
}

fn write_cond(f: &mut Formatter<'_>, c: &Cond, ctx: u8) -> fmt::Result {
    let paren = cond_prec(c) < ctx;
    if paren {
        write!(f, "(")?;
    }
    match c {
        Cond::Bool(b) => write!(f, "{b}")?,
        Cond::Cmp(op, a, b) => {
            write_at(f, a, P_ADD)?;
            write!(f, " {} ", op.symbol())?;
            write_at(f, b, P_ADD)?;
        }
        Cond::And(cs) | Cond::Or(cs) => {
            let (word, p) = if matches!(c, Cond::And(_)) {
                (" and ", 2)
            } else {
                (" or ", 1)
            };
            for (i, sub) in cs.iter().enumerate() {
                if i > 0 {
                    write!(f, "{word}")?;
                }
                write_cond(f, sub, p + 1)?;
            }
        }
        Cond::Not(sub) => {
            write!(f, "not ")?;
            write_cond(f, sub, 3)?;
        }
    }
    if paren {
        write!(f, ")")?;
    }
    Ok(())
}

struct Shown<F: Fn(&mut Formatter<'_>) -> fmt::Result>(F);

impl<F: Fn(&mut Formatter<'_>) -> fmt::Result> Display for Shown<F> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        (self.0)(f)
    }
}

impl Display for Expr {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write_expr(f, self)
    }
}

impl Display for Cond {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write_cond(f, self, 0)
    }
}

#[cfg(test)]
mod tests {
    use crate::expr::{Cond, Expr};

    fn s(n: &str) -> Expr {
        Expr::sym(n)
    }

    #[test]
    fn minimal_parentheses() {
        let (a, b, c) = (s("a"), s("b"), s("c"));
        assert_eq!((a.clone() + b.clone() * c.clone()).to_string(), "a + b*c");
        assert_eq!(
            ((a.clone() + b.clone()) * c.clone()).to_string(),
            "(a + b)*c"
        );
        assert_eq!((a.clone() - 2 * b.clone()).to_string(), "a - 2*b");
        assert_eq!(
            (a.clone() - (b.clone() + c.clone())).to_string(),
            "a - (b + c)"
        );
        assert_eq!((a.clone() / (b.clone() * c.clone())).to_string(), "a/(b*c)");
        assert_eq!((a.clone() / b.clone() / c.clone()).to_string(), "a/(b*c)");
        assert_eq!((a.clone() / b.clone().pow(2)).to_string(), "a/b**2");
        assert_eq!((a.clone() / 2).to_string(), "a/2");
        assert_eq!((-a.clone() / s("tau")).to_string(), "-a/tau");
        assert_eq!(
            a.clone().pow(b.clone().pow(c.clone())).to_string(),
            "a**b**c"
        );
        assert_eq!(
            a.clone().pow(b.clone()).pow(c.clone()).to_string(),
            "(a**b)**c"
        );
        assert_eq!(a.clone().pow(Expr::rat(1, 2)).to_string(), "a**(1/2)");
        assert_eq!((a.clone() * b.clone()).pow(2).to_string(), "(a*b)**2");
        assert_eq!((-a.clone()).pow(2).to_string(), "(-a)**2");
        assert_eq!(a.clone().pow(-1).to_string(), "1/a");
        assert_eq!(((a.clone() + 1) * 2).exp().to_string(), "exp(2*(a + 1))");
        assert_eq!((a.clone() * Expr::float(-2.5)).to_string(), "a*(-2.5)");
        assert_eq!((Expr::float(1e-3) * a.clone()).to_string(), "0.001*a");
        assert_eq!(a.clone().max(b.clone()).to_string(), "max(a, b)");
        assert_eq!((-a.clone() + 1).to_string(), "1 - a");
        assert_eq!((-a.clone() - b.clone()).to_string(), "-a - b");
    }

    #[test]
    fn conditionals() {
        let (a, b) = (s("a"), s("b"));
        let c = Cond::And(vec![
            Cond::gt(a.clone(), 0),
            Cond::Or(vec![
                Cond::lt(b.clone(), 1),
                Cond::Not(Box::new(Cond::Bool(true))),
            ]),
        ]);
        let e = Expr::ite(c, a.clone(), b.clone()) + 1;
        assert_eq!(e.to_string(), "(a > 0 and (b < 1 or not true) ? a : b) + 1");
    }
}
