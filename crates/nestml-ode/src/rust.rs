//! Expressions as Rust source text (`f64` arithmetic), for code generation.
//!
//! The text is fully parenthesised, so it can be pasted into any expression context; numbers
//! print as `f64` literals that read back to the same value; symbols are renamed by the caller.
//! `erf`, `erfc` and `sign` call functions under a path the caller chooses (the runtime's math
//! module), since `f64` has no such methods.

use crate::expr::{Cond, Constant, Expr, Func, Num};

/// How symbols and special functions are spelled in the generated code.
pub struct RustNames<'a> {
    /// The Rust expression for a symbol, e.g. `V_m` → `self.state.v_m`.
    pub symbol: &'a dyn Fn(&str) -> String,
    /// The path of the module with `erf`, `erfc` and `sign`, e.g. `::nestml::math`.
    pub math: &'a str,
}

/// `e` as a Rust `f64` expression.
pub fn to_rust(e: &Expr, names: &RustNames) -> String {
    match e {
        Expr::Num(n) => number(n.to_f64()),
        Expr::Sym(s) => (names.symbol)(s),
        Expr::Const(Constant::Pi) => "::core::f64::consts::PI".into(),
        Expr::Const(Constant::E) => "::core::f64::consts::E".into(),
        Expr::Add(ts) => join(ts, " + ", names),
        Expr::Mul(fs) => join(fs, " * ", names),
        Expr::Pow(b, x) => match x.as_ref() {
            Expr::Num(Num::Rat(k, 1)) if i32::try_from(*k).is_ok() => format!("{}.powi({k})", to_rust(b, names)),
            _ => format!("{}::powf({}, {})", names.math, to_rust(b, names), to_rust(x, names)),
        },
        Expr::Func(f, args) => func(*f, args, names),
        Expr::Ite(c, a, b) => format!("(if {} {{ {} }} else {{ {} }})", cond(c, names), to_rust(a, names), to_rust(b, names)),
    }
}

/// `c` as a Rust `bool` expression.
pub fn cond(c: &Cond, names: &RustNames) -> String {
    match c {
        Cond::Bool(b) => b.to_string(),
        Cond::Cmp(op, a, b) => format!("({} {} {})", to_rust(a, names), op.symbol(), to_rust(b, names)),
        Cond::And(cs) => format!("({})", cs.iter().map(|c| cond(c, names)).collect::<Vec<_>>().join(" && ")),
        Cond::Or(cs) => format!("({})", cs.iter().map(|c| cond(c, names)).collect::<Vec<_>>().join(" || ")),
        Cond::Not(c) => format!("!{}", cond(c, names)),
    }
}

fn join(items: &[Expr], sep: &str, names: &RustNames) -> String {
    format!("({})", items.iter().map(|e| to_rust(e, names)).collect::<Vec<_>>().join(sep))
}

fn func(f: Func, args: &[Expr], names: &RustNames) -> String {
    let a: Vec<String> = args.iter().map(|e| to_rust(e, names)).collect();
    let method = |m: &str| format!("{}.{m}()", a[0]);
    match f {
        Func::Exp => method("exp"),
        Func::Ln => method("ln"),
        Func::Log10 => method("log10"),
        Func::Expm1 => method("exp_m1"),
        Func::Sin => method("sin"),
        Func::Cos => method("cos"),
        Func::Tan => method("tan"),
        Func::Sinh => method("sinh"),
        Func::Cosh => method("cosh"),
        Func::Tanh => method("tanh"),
        Func::Abs => method("abs"),
        Func::Floor => method("floor"),
        Func::Ceil => method("ceil"),
        Func::Round => method("round"),
        Func::Element => format!("{}::element(&{}, {})", names.math, a[0], a[1]),
        Func::Erf => format!("{}::erf({})", names.math, a[0]),
        Func::Erfc => format!("{}::erfc({})", names.math, a[0]),
        Func::Sign => format!("{}::sign({})", names.math, a[0]),
        Func::Min => a[1..].iter().fold(a[0].clone(), |acc, x| format!("{acc}.min({x})")),
        Func::Max => a[1..].iter().fold(a[0].clone(), |acc, x| format!("{acc}.max({x})")),
        Func::Pow => format!("{}::powf({}, {})", names.math, a[0], a[1]),
        Func::Clip => format!("{}.max({}).min({})", a[0], a[1], a[2]),
    }
}

/// An `f64` literal that reads back to `v`.
fn number(v: f64) -> String {
    if v.is_nan() {
        "f64::NAN".into()
    } else if v.is_infinite() {
        if v > 0.0 { "f64::INFINITY" } else { "f64::NEG_INFINITY" }.into()
    } else if v < 0.0 {
        format!("(-{:?}_f64)", -v)
    } else {
        format!("{v:?}_f64")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rust(e: &Expr) -> String {
        let symbol = |s: &str| format!("s.{}", s.to_lowercase());
        to_rust(e, &RustNames { symbol: &symbol, math: "::nestml::math" })
    }

    #[test]
    fn arithmetic_functions_and_conditions() {
        let v = Expr::sym("V_m");
        let tau = Expr::sym("tau");
        assert_eq!(rust(&(-(v.clone() / tau.clone())).exp()), "((-1.0_f64) * s.v_m * s.tau.powi(-1)).exp()");
        assert_eq!(rust(&Expr::rat(1, 10)), "0.1_f64");
        assert_eq!(rust(&Expr::call(Func::Erf, vec![v.clone()])), "::nestml::math::erf(s.v_m)");
        assert_eq!(rust(&v.clone().pow(Expr::rat(1, 2))), "::nestml::math::powf(s.v_m, 0.5_f64)");
        assert_eq!(rust(&v.clone().clip(Expr::int(0), Expr::int(1))), "s.v_m.max(0.0_f64).min(1.0_f64)");
        let ite = Expr::ite(Cond::And(vec![Cond::gt(v.clone(), Expr::int(0)), Cond::Not(Box::new(Cond::Bool(false)))]), v, Expr::e());
        assert_eq!(rust(&ite), "(if ((s.v_m > 0.0_f64) && !false) { s.v_m } else { ::core::f64::consts::E })");
        assert_eq!(rust(&Expr::float(f64::INFINITY)), "f64::INFINITY");
    }

    #[test]
    fn literals_read_back_exactly() {
        for v in [0.1, 1.0 / 3.0, 6.02214076e23, 1e-300, 123_456_789.123_456_78] {
            let text = number(v);
            let parsed: f64 = text.trim_end_matches("_f64").parse().unwrap();
            assert_eq!(parsed.to_bits(), v.to_bits(), "{text}");
        }
    }
}
