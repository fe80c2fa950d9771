//! Expressions as LaTeX math (for documentation pages): sums with their minus signs,
//! quotients as `\frac`, powers as superscripts, functions by their LaTeX names, piecewise
//! expressions as `cases`. Symbols are written by a caller-given function (names of model
//! variables, derivatives), [`symbol`] by default.

use crate::expr::{CmpOp, Cond, Constant, Expr, Func, Num};

/// `e` as LaTeX, with symbols written by [`symbol`].
pub fn to_latex(e: &Expr) -> String {
    latex_with(e, &symbol)
}

/// `e` as LaTeX, with symbols written by `name`.
pub fn latex_with(e: &Expr, name: &dyn Fn(&str) -> String) -> String {
    Printer { name }.expr(e)
}

/// `c` as LaTeX, with symbols written by `name`.
pub fn cond_latex(c: &Cond, name: &dyn Fn(&str) -> String) -> String {
    Printer { name }.cond(c)
}

/// A symbol as LaTeX: a Greek-letter name as the letter (`tau` → `\tau`), one letter as
/// itself, a longer name upright; what follows the first `_` as an upright subscript
/// (`tau_syn_exc` → `\tau_{\mathrm{syn,exc}}`); each `__d` suffix as a prime.
pub fn symbol(s: &str) -> String {
    let mut base = s;
    let mut primes = 0;
    while let Some(b) = base.strip_suffix("__d") {
        base = b;
        primes += 1;
    }
    let primes = "'".repeat(primes);
    if base.starts_with("__") || base.contains("__") {
        return format!("\\mathrm{{{}}}{primes}", escape(base.trim_start_matches('_')));
    }
    let (head, tail) = match base.split_once('_') {
        Some((h, t)) if !h.is_empty() && !t.is_empty() => (h, Some(t)),
        _ => (base, None),
    };
    let head = match head {
        "alpha" | "beta" | "gamma" | "delta" | "epsilon" | "zeta" | "eta" | "theta" | "kappa" | "lambda" | "mu" | "nu" | "xi" | "pi" | "rho" | "sigma" | "tau" | "phi" | "chi" | "psi" | "omega" | "Gamma" | "Delta" | "Theta" | "Lambda" | "Phi" | "Psi" | "Omega" => format!("\\{head}"),
        h if h.chars().count() == 1 => h.to_string(),
        h => format!("\\mathrm{{{}}}", escape(h)),
    };
    match tail {
        Some(t) => format!("{head}_{{\\mathrm{{{}}}}}{primes}", escape(&t.replace('_', ","))),
        None => format!("{head}{primes}"),
    }
}

/// Escapes LaTeX's special characters in upright text.
fn escape(s: &str) -> String {
    s.replace('\\', "\\backslash ").replace('_', "\\_").replace('$', "\\$").replace('%', "\\%").replace('&', "\\&").replace('#', "\\#")
}

const P_ADD: u8 = 1;
const P_MUL: u8 = 2;
const P_POW: u8 = 3;
const P_ATOM: u8 = 4;

struct Printer<'a> {
    name: &'a dyn Fn(&str) -> String,
}

impl Printer<'_> {
    fn expr(&self, e: &Expr) -> String {
        match e {
            Expr::Num(n) => number(*n),
            Expr::Sym(s) => (self.name)(s),
            Expr::Const(Constant::Pi) => "\\pi".into(),
            Expr::Const(Constant::E) => "e".into(),
            Expr::Add(ts) => {
                let mut out = String::new();
                for (i, t) in ts.iter().enumerate() {
                    match (i, crate::print::negated_if_negative(t)) {
                        (0, Some(n)) => out.push_str(&format!("-{}", self.wrap(&n, P_MUL))),
                        (0, None) => out.push_str(&self.wrap(t, P_ADD)),
                        (_, Some(n)) => out.push_str(&format!(" - {}", self.wrap(&n, P_MUL))),
                        (_, None) => out.push_str(&format!(" + {}", self.wrap(t, P_ADD))),
                    }
                }
                out
            }
            Expr::Mul(fs) => {
                if let Some(n) = crate::print::negated_if_negative(e) {
                    return format!("-{}", self.wrap(&n, P_MUL));
                }
                let (mut num, mut den) = (Vec::new(), Vec::new());
                for f in fs {
                    match f {
                        Expr::Pow(b, x) if matches!(**x, Expr::Num(n) if n.is_negative()) => {
                            let Expr::Num(n) = **x else { unreachable!("matched") };
                            den.push(if (-n).is_one() { (**b).clone() } else { Expr::Pow(b.clone(), Box::new(Expr::Num(-n))) });
                        }
                        Expr::Num(Num::Rat(p, q)) if *q != 1 => {
                            num.push(Expr::Num(Num::Rat(*p, 1)));
                            den.push(Expr::Num(Num::Rat(*q, 1)));
                        }
                        _ => num.push(f.clone()),
                    }
                }
                let product = |items: &[Expr]| -> String {
                    if items.is_empty() {
                        return "1".into();
                    }
                    items.iter().map(|f| self.wrap(f, P_MUL)).collect::<Vec<_>>().join(" \\cdot ")
                };
                if den.is_empty() {
                    product(&num)
                } else {
                    let strip = |items: &[Expr]| if items.len() == 1 { self.expr(&items[0]) } else { product(items) };
                    format!("\\frac{{{}}}{{{}}}", if num.is_empty() { "1".into() } else { strip(&num) }, strip(&den))
                }
            }
            Expr::Pow(b, x) => match **x {
                Expr::Num(n) if n.is_negative() => {
                    let positive = Expr::Pow(b.clone(), Box::new(Expr::Num(-n)));
                    format!("\\frac{{1}}{{{}}}", if (-n).is_one() { self.expr(b) } else { self.expr(&positive) })
                }
                Expr::Num(Num::Rat(1, 2)) => format!("\\sqrt{{{}}}", self.expr(b)),
                _ => format!("{}^{{{}}}", self.wrap(b, P_ATOM), self.expr(x)),
            },
            Expr::Func(f, args) => self.func(*f, args),
            Expr::Ite(c, a, b) => format!("\\begin{{cases}} {} & \\text{{if }} {} \\\\ {} & \\text{{otherwise}} \\end{{cases}}", self.expr(a), self.cond(c), self.expr(b)),
        }
    }

    /// `e`, in parentheses if it binds looser than `outer`.
    fn wrap(&self, e: &Expr, outer: u8) -> String {
        let inner = match e {
            Expr::Num(Num::Rat(p, 1)) if *p >= 0 => P_ATOM,
            Expr::Num(Num::Float(x)) if *x >= 0.0 && !number(Num::Float(*x)).contains('\\') => P_ATOM,
            Expr::Num(_) => P_ADD,
            Expr::Sym(_) | Expr::Const(_) | Expr::Func(..) => P_ATOM,
            Expr::Pow(_, x) if matches!(**x, Expr::Num(n) if n.is_negative()) => P_MUL,
            Expr::Pow(..) => P_POW,
            Expr::Mul(_) if crate::print::negated_if_negative(e).is_some() => P_ADD,
            Expr::Mul(_) => P_MUL,
            Expr::Add(ts) if ts.len() == 1 => return self.wrap(&ts[0], outer),
            Expr::Add(_) | Expr::Ite(..) => P_ADD,
        };
        let text = self.expr(e);
        if inner < outer || (inner == outer && outer == P_ATOM && !matches!(e, Expr::Sym(_) | Expr::Const(_) | Expr::Func(..) | Expr::Num(_))) {
            format!("\\left({text}\\right)")
        } else {
            text
        }
    }

    fn func(&self, f: Func, args: &[Expr]) -> String {
        let a: Vec<String> = args.iter().map(|e| self.expr(e)).collect();
        let call = |name: &str| format!("{name}\\left({}\\right)", a.join(", "));
        match f {
            Func::Exp => format!("\\exp\\left({}\\right)", a.join(", ")),
            Func::Ln => call("\\ln"),
            Func::Log10 => call("\\log_{10}"),
            Func::Expm1 => call("\\operatorname{expm1}"),
            Func::Sin => call("\\sin"),
            Func::Cos => call("\\cos"),
            Func::Tan => call("\\tan"),
            Func::Sinh => call("\\sinh"),
            Func::Cosh => call("\\cosh"),
            Func::Tanh => call("\\tanh"),
            Func::Erf => call("\\operatorname{erf}"),
            Func::Erfc => call("\\operatorname{erfc}"),
            Func::Abs => format!("\\left|{}\\right|", a.join(", ")),
            Func::Sign => call("\\operatorname{sgn}"),
            Func::Min => call("\\min"),
            Func::Max => call("\\max"),
            Func::Floor => format!("\\left\\lfloor {} \\right\\rfloor", a.join(", ")),
            Func::Ceil => format!("\\left\\lceil {} \\right\\rceil", a.join(", ")),
            Func::Round => call("\\operatorname{round}"),
            Func::Pow => format!("{{{}}}^{{{}}}", a[0], a.get(1).cloned().unwrap_or_default()),
            Func::Clip => call("\\operatorname{clip}"),
            Func::Element => format!("{}_{{{}}}", a[0], a.get(1).cloned().unwrap_or_default()),
        }
    }

    fn cond(&self, c: &Cond) -> String {
        match c {
            Cond::Bool(b) => format!("\\text{{{b}}}"),
            Cond::Cmp(op, a, b) => {
                let op = match op {
                    CmpOp::Lt => "<",
                    CmpOp::Le => "\\le",
                    CmpOp::Gt => ">",
                    CmpOp::Ge => "\\ge",
                    CmpOp::Eq => "=",
                    CmpOp::Ne => "\\ne",
                };
                format!("{} {op} {}", self.expr(a), self.expr(b))
            }
            Cond::And(cs) => cs.iter().map(|c| self.cond(c)).collect::<Vec<_>>().join(" \\land "),
            Cond::Or(cs) => cs.iter().map(|c| format!("\\left({}\\right)", self.cond(c))).collect::<Vec<_>>().join(" \\lor "),
            Cond::Not(c) => format!("\\lnot \\left({}\\right)", self.cond(c)),
        }
    }
}


/// A number: integers and fractions exactly, floats shortest, large and small ones as
/// `a \cdot 10^{b}`.
fn number(n: Num) -> String {
    match n {
        Num::Rat(p, 1) => p.to_string(),
        Num::Rat(p, q) => format!("\\frac{{{p}}}{{{q}}}"),
        Num::Float(x) => {
            let text = format!("{x}");
            if x != 0.0 && (x.abs() >= 1e6 || x.abs() < 1e-4) {
                let sci = format!("{x:e}");
                match sci.split_once('e') {
                    Some((m, e)) => format!("{m} \\cdot 10^{{{e}}}"),
                    None => text,
                }
            } else {
                text
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn odes_read_as_math() {
        let s = Expr::sym;
        // -(V_m - E_L) / tau_m + I_e / C_m
        let rhs = -(s("V_m") - s("E_L")) / s("tau_m") + s("I_e") / s("C_m");
        let text = to_latex(&rhs);
        assert!(text.contains("\\frac{"), "{text}");
        assert!(text.contains("\\tau_{\\mathrm{m}}") && text.contains("V_{\\mathrm{m}}") && text.contains("E_{\\mathrm{L}}"), "{text}");
        assert_eq!(symbol("tau_syn_exc"), "\\tau_{\\mathrm{syn,exc}}");
        assert_eq!(symbol("g_ex__d"), "g_{\\mathrm{ex}}'");
        assert_eq!(symbol("V"), "V");
        assert_eq!(symbol("I_kernel__X__spikes"), "\\mathrm{I\\_kernel\\_\\_X\\_\\_spikes}");
        assert_eq!(to_latex(&s("x").exp()), "\\exp\\left(x\\right)");
        assert_eq!(to_latex(&(s("a") - s("b"))), "a - b");
        assert_eq!(to_latex(&s("x").pow(Expr::int(2))), "x^{2}");
        assert_eq!(to_latex(&(s("a") + s("b")).pow(Expr::int(2))), "\\left(a + b\\right)^{2}");
        assert_eq!(number(Num::Float(1e-6)), "1 \\cdot 10^{-6}");
    }
}
