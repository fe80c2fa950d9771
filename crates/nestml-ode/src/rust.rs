//! Expressions as Rust tokens (float arithmetic), for code generation.
//!
//! The tokens are fully parenthesised, so they can be placed in any expression context. The
//! caller spells everything that is not arithmetic ([`RustNames`]): symbols, literals, the
//! constants and the math functions, so that it decides the float type and the paths.

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use crate::expr::{CmpOp, Cond, Constant, Expr, Func, Num};

/// How symbols, numbers and functions are spelled in the generated code.
pub trait RustNames {
    /// The Rust expression for a symbol, e.g. `V_m` → `self.V_m`.
    fn symbol(&self, name: &str) -> TokenStream;
    /// A float expression of exactly `v`.
    fn number(&self, v: f64) -> TokenStream;
    /// π or e.
    fn constant(&self, c: Constant) -> TokenStream;
    /// The float function `name` (`exp`, `powi`, `min`, …, named as `f64`'s methods) of
    /// `args[0]`, with the other arguments (the caller chooses method or free function).
    fn float_fn(&self, name: &str, args: &[TokenStream]) -> TokenStream;
    /// A function of the runtime's math module: `powf`, `erf`, `erfc`, `sign`, `element`.
    fn math_fn(&self, name: &str, args: &[TokenStream]) -> TokenStream;
}

/// `e` as a Rust float expression.
pub fn to_rust(e: &Expr, names: &dyn RustNames) -> TokenStream {
    match e {
        Expr::Num(n) => names.number(n.to_f64()),
        Expr::Sym(s) => names.symbol(s),
        Expr::Const(c) => names.constant(*c),
        Expr::Add(ts) => join(ts.iter().map(|e| to_rust(e, names)), quote!(+)),
        Expr::Mul(fs) => join(fs.iter().map(|e| to_rust(e, names)), quote!(*)),
        Expr::Pow(b, x) => match x.as_ref() {
            Expr::Num(Num::Rat(k, 1)) if i32::try_from(*k).is_ok() => {
                let abs = Literal::u64_unsuffixed(k.unsigned_abs());
                let k = if *k < 0 { quote!(-#abs) } else { quote!(#abs) };
                names.float_fn("powi", &[to_rust(b, names), k])
            }
            _ => names.math_fn("powf", &[to_rust(b, names), to_rust(x, names)]),
        },
        Expr::Func(f, args) => func(*f, args, names),
        Expr::Ite(c, a, b) => {
            let (c, a, b) = (cond(c, names), to_rust(a, names), to_rust(b, names));
            quote!((if #c { #a } else { #b }))
        }
    }
}

/// `c` as a Rust `bool` expression.
pub fn cond(c: &Cond, names: &dyn RustNames) -> TokenStream {
    match c {
        Cond::Bool(true) => quote!(true),
        Cond::Bool(false) => quote!(false),
        Cond::Cmp(op, a, b) => {
            let op = match op {
                CmpOp::Lt => quote!(<),
                CmpOp::Le => quote!(<=),
                CmpOp::Gt => quote!(>),
                CmpOp::Ge => quote!(>=),
                CmpOp::Eq => quote!(==),
                CmpOp::Ne => quote!(!=),
            };
            let (a, b) = (to_rust(a, names), to_rust(b, names));
            quote!((#a #op #b))
        }
        Cond::And(cs) => join(cs.iter().map(|c| cond(c, names)), quote!(&&)),
        Cond::Or(cs) => join(cs.iter().map(|c| cond(c, names)), quote!(||)),
        Cond::Not(c) => {
            let c = cond(c, names);
            quote!(!#c)
        }
    }
}

/// `(a op b op …)`.
fn join(mut items: impl Iterator<Item = TokenStream>, op: TokenStream) -> TokenStream {
    let first = items.next();
    quote!((#first #(#op #items)*))
}

fn func(f: Func, args: &[Expr], names: &dyn RustNames) -> TokenStream {
    let a: Vec<TokenStream> = args.iter().map(|e| to_rust(e, names)).collect();
    let method = |m: &str| names.float_fn(m, &a[..1]);
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
        Func::Element => {
            let (v, i) = (&a[0], &a[1]);
            names.math_fn("element", &[quote!(&#v[..]), i.clone()])
        }
        Func::Erf => names.math_fn("erf", &a[..1]),
        Func::Erfc => names.math_fn("erfc", &a[..1]),
        Func::Sign => names.math_fn("sign", &a[..1]),
        Func::Min => a[1..].iter().fold(a[0].clone(), |acc, x| names.float_fn("min", &[acc, x.clone()])),
        Func::Max => a[1..].iter().fold(a[0].clone(), |acc, x| names.float_fn("max", &[acc, x.clone()])),
        Func::Pow => names.math_fn("powf", &a[..2]),
        Func::Clip => {
            let low = names.float_fn("max", &a[..2]);
            names.float_fn("min", &[low, a[2].clone()])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::format_ident;

    /// Symbols as `s.<lowercase>`, numbers as `f64` literals, functions as `f64`'s methods
    /// and `m::…`.
    struct Names;

    impl RustNames for Names {
        fn symbol(&self, name: &str) -> TokenStream {
            let name = format_ident!("{}", name.to_lowercase());
            quote!(s.#name)
        }
        fn number(&self, v: f64) -> TokenStream {
            let lit = Literal::f64_suffixed(v.abs());
            if v < 0.0 { quote!((-#lit)) } else { quote!(#lit) }
        }
        fn constant(&self, c: Constant) -> TokenStream {
            match c {
                Constant::Pi => quote!(PI),
                Constant::E => quote!(E),
            }
        }
        fn float_fn(&self, name: &str, args: &[TokenStream]) -> TokenStream {
            let (name, x, rest) = (format_ident!("{name}"), &args[0], &args[1..]);
            quote!(#x.#name(#(#rest),*))
        }
        fn math_fn(&self, name: &str, args: &[TokenStream]) -> TokenStream {
            let name = format_ident!("{name}");
            quote!(m::#name(#(#args),*))
        }
    }

    fn rust(e: &Expr) -> String {
        to_rust(e, &Names).to_string()
    }

    #[test]
    fn arithmetic_functions_and_conditions() {
        let v = Expr::sym("V_m");
        let tau = Expr::sym("tau");
        assert_eq!(rust(&(-(v.clone() / tau.clone())).exp()), quote!(((-1f64) * s.v_m * s.tau.powi(-1)).exp()).to_string());
        assert_eq!(rust(&Expr::call(Func::Erf, vec![v.clone()])), quote!(m::erf(s.v_m)).to_string());
        assert_eq!(rust(&v.clone().pow(Expr::rat(1, 2))), quote!(m::powf(s.v_m, 0.5f64)).to_string());
        assert_eq!(rust(&v.clone().clip(Expr::int(0), Expr::int(1))), quote!(s.v_m.max(0f64).min(1f64)).to_string());
        let ite = Expr::ite(Cond::And(vec![Cond::gt(v.clone(), Expr::int(0)), Cond::Not(Box::new(Cond::Bool(false)))]), v, Expr::e());
        assert_eq!(rust(&ite), quote!((if ((s.v_m > 0f64) && !false) { s.v_m } else { E })).to_string());
    }
}
