//! Rust names for NESTML symbols and models, and the one place that spells what generated code
//! takes from outside itself: the float type with its literals and constants, the math
//! functions (`::nestml::math`, free functions that exist without `std`), `Vec`, `vec!` and the
//! print macros (`::nestml::__private`). Generated code names no `::std::` path.

use nestml_ode::{Constant, RustNames};
use proc_macro2::{Ident, Literal, Span, TokenStream};
use quote::{format_ident, quote};

use super::{err, CodegenError, FloatType};

const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "dyn", "else", "enum", "extern", "false", "fn", "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return", "static", "struct", "trait", "true", "type", "unsafe", "use", "where", "while", "abstract", "become", "box", "do", "final", "macro", "override", "priv", "typeof", "unsized", "virtual", "yield", "try", "gen",
];

/// A Rust identifier for a NESTML symbol: keywords as raw identifiers, `$` (allowed in
/// NESTML names) as `__S`.
pub(super) fn ident(sym: &str) -> Result<Ident, CodegenError> {
    if matches!(sym, "self" | "Self" | "super" | "crate" | "_") {
        return Err(err(None, format!("a variable named `{sym}` cannot be generated as a Rust field")));
    }
    Ok(if KEYWORDS.contains(&sym) { Ident::new_raw(sym, Span::call_site()) } else { format_ident!("{}", sym.replace('$', "__S")) })
}

/// A generated local for a symbol: `prefix` followed by the symbol (`$` as `__S`).
pub(super) fn local(prefix: &str, sym: &str) -> Ident {
    format_ident!("{prefix}{}", sym.replace('$', "__S"))
}

/// The field of a symbol already checked by [`ident`].
pub(super) fn member(sym: &str) -> Ident {
    ident(sym).unwrap_or_else(|_| local("", sym))
}

/// `self.<field>` for a symbol already checked by [`ident`].
pub(super) fn field(sym: &str) -> TokenStream {
    let f = member(sym);
    quote!(self.#f)
}

/// An unsuffixed integer literal (an index, a length, a count).
pub(super) fn int(i: usize) -> Literal {
    Literal::usize_unsuffixed(i)
}

/// `Some("text")` or `None`.
pub(super) fn opt_str(s: Option<&str>) -> TokenStream {
    match s {
        Some(s) => quote!(Some(#s)),
        None => quote!(None),
    }
}

impl FloatType {
    /// The float type that generated arithmetic computes in.
    pub(super) fn ty(self) -> TokenStream {
        match self {
            FloatType::F64 => quote!(f64),
            FloatType::F32 => quote!(f32),
        }
    }

    /// A float expression of exactly `v` (for `f32`, `v` rounded to it): a suffixed literal
    /// that reads back to that value, a negative one as `(-x)`, a non-finite one as the float
    /// type's constant.
    pub(super) fn number(self, v: f64) -> TokenStream {
        let ty = self.ty();
        if v.is_nan() {
            quote!(#ty::NAN)
        } else if v.is_infinite() || (self == FloatType::F32 && (v as f32).is_infinite()) {
            if v > 0.0 { quote!(#ty::INFINITY) } else { quote!(#ty::NEG_INFINITY) }
        } else {
            let lit = match self {
                FloatType::F64 => Literal::f64_suffixed(v.abs()),
                FloatType::F32 => Literal::f32_suffixed((v as f32).abs()),
            };
            if v.is_sign_negative() { quote!((-#lit)) } else { quote!(#lit) }
        }
    }

    /// π or e in the float type.
    pub(super) fn constant(self, c: Constant) -> TokenStream {
        let ty = self.ty();
        match c {
            Constant::Pi => quote!(::core::#ty::consts::PI),
            Constant::E => quote!(::core::#ty::consts::E),
        }
    }

    /// The `f64` expression `value` (from the `Neuron` trait, the inputs, random draws, times)
    /// in the float type.
    pub(super) fn from_f64(self, value: TokenStream) -> TokenStream {
        match self {
            FloatType::F64 => value,
            FloatType::F32 => quote!((#value as f32)),
        }
    }

    /// The float-type expression `value` as the `f64` the `Neuron` trait and the runtime's
    /// faults take.
    pub(super) fn to_f64(self, value: TokenStream) -> TokenStream {
        match self {
            FloatType::F64 => value,
            FloatType::F32 => quote!((#value as f64)),
        }
    }
}

/// `f64`: the type of the `Neuron` trait's values, weights and inputs and of times, whatever
/// the model's float type.
pub(super) fn trait_float() -> TokenStream {
    quote!(f64)
}

/// The float function `name` (`exp`, `powi`, `min`, … as `f64`'s methods) of `args`: `min` and
/// `max`, which `core` has, as methods of `args[0]`; the others as [`math_fn`]s.
pub(super) fn float_fn(name: &str, args: &[TokenStream]) -> TokenStream {
    if !matches!(name, "min" | "max") {
        return math_fn(name, args);
    }
    let (name, x, rest) = (format_ident!("{name}"), &args[0], &args[1..]);
    quote!(#x.#name(#(#rest),*))
}

/// A function of the runtime's math module (`powf`, `erf`, `element`, …).
pub(super) fn math_fn(name: &str, args: &[TokenStream]) -> TokenStream {
    let name = format_ident!("{name}");
    quote!(::nestml::math::#name(#(#args),*))
}

/// `Vec<elem>` (the runtime's feature `alloc`).
pub(super) fn vec_type(elem: TokenStream) -> TokenStream {
    quote!(::nestml::__private::Vec<#elem>)
}

/// `vec![args]` (the runtime's feature `alloc`).
pub(super) fn vec_macro(args: TokenStream) -> TokenStream {
    quote!(::nestml::__private::vec![#args])
}

/// `println!(args)` or, without `newline`, `print!(args)` (printing nothing without `std`).
pub(super) fn print_macro(newline: bool, args: TokenStream) -> TokenStream {
    if newline { quote!(::nestml::__private::println!(#args)) } else { quote!(::nestml::__private::print!(#args)) }
}

/// Expressions as [`nestml_ode::to_rust`] spells them here, in a float type, with symbols
/// spelled by `F`; `exp` as the runtime's `exp_inline` if the third field is true (the
/// option `exp = "inline"`).
pub(super) struct Names<F>(pub FloatType, pub F, pub bool);

impl<F: Fn(&str) -> TokenStream> RustNames for Names<F> {
    fn symbol(&self, name: &str) -> TokenStream {
        (self.1)(name)
    }
    fn number(&self, v: f64) -> TokenStream {
        self.0.number(v)
    }
    fn constant(&self, c: Constant) -> TokenStream {
        self.0.constant(c)
    }
    fn float_fn(&self, name: &str, args: &[TokenStream]) -> TokenStream {
        if name == "exp" && self.2 {
            return math_fn("exp_inline", args);
        }
        float_fn(name, args)
    }
    fn math_fn(&self, name: &str, args: &[TokenStream]) -> TokenStream {
        math_fn(name, args)
    }
}

/// The Rust type name of a model: `iaf_psc_exp_neuron` → `IafPscExpNeuron`.
pub fn type_name(model: &str) -> String {
    model
        .split('_')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut chars = part.chars();
            chars.next().map(|c| c.to_ascii_uppercase().to_string() + chars.as_str()).unwrap_or_default()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_names_become_upper_camel_case() {
        assert_eq!(type_name("iaf_psc_exp_neuron"), "IafPscExpNeuron");
        assert_eq!(type_name("hh_moto_5ht_neuron"), "HhMoto5htNeuron");
        assert_eq!(type_name("stdp_synapse"), "StdpSynapse");
        assert_eq!(type_name("iaf_psc_exp_neuron_nestml"), "IafPscExpNeuronNestml");
    }

    #[test]
    fn keywords_become_raw_identifiers() {
        assert_eq!(ident("type").unwrap().to_string(), "r#type");
        assert_eq!(ident("V_m").unwrap().to_string(), "V_m");
        assert!(ident("self").is_err());
        assert_eq!(ident("g_AMPA$").unwrap().to_string(), "g_AMPA__S");
        assert_eq!(local("l_", "g$").to_string(), "l_g__S");
    }

    #[test]
    fn numbers_read_back_exactly() {
        for v in [0.1, 1.0 / 3.0, 6.02214076e23, 1e-300, 123_456_789.123_456_78, -2.5, 5e-324] {
            let text = FloatType::F64.number(v).to_string();
            let (sign, literal) = text.strip_prefix("(- ").and_then(|t| t.strip_suffix(')')).map_or((1.0, text.as_str()), |t| (-1.0, t));
            let parsed = sign * literal.strip_suffix("f64").unwrap().parse::<f64>().unwrap();
            assert_eq!(parsed.to_bits(), v.to_bits(), "{text}");
        }
        assert_eq!(FloatType::F64.number(f64::NEG_INFINITY).to_string(), quote!(f64::NEG_INFINITY).to_string());
        assert_eq!(FloatType::F32.number(0.1).to_string(), "0.1f32");
        assert_eq!(FloatType::F32.number(-1e300).to_string(), quote!(f32::NEG_INFINITY).to_string());
    }
}
