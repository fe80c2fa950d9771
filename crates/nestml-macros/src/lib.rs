//! `include_nestml!("path")` and `nestml!(r#"…"#)`: NESTML models compiled to Rust neuron
//! structs at build time (use them through the `nestml` crate, which re-exports them).

#![deny(missing_docs)]

use nestml_compiler::codegen::{generate_tokens_at, CodegenOptions, OptionValue};
use proc_macro::TokenStream;
use quote::quote;
use syn::parse::{Parse, ParseStream};
use syn::{Ident, Lit, LitStr, Token};

/// The macro input: `key = value,` options (those of [`CodegenOptions::set`]), then one string
/// literal and an optional comma.
struct Input {
    options: CodegenOptions,
    literal: LitStr,
}

impl Parse for Input {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let mut options = CodegenOptions { uom_check: cfg!(feature = "uom-check"), serde: cfg!(feature = "serde"), population: cfg!(feature = "alloc"), ..CodegenOptions::default() };
        while input.peek(Ident) && input.peek2(Token![=]) {
            let key: Ident = input.parse()?;
            input.parse::<Token![=]>()?;
            let (value, tokens) = option_value(input)?;
            let name = key.to_string();
            options.set(&name, value).map_err(|e| match CodegenOptions::KEYS.contains(&name.as_str()) {
                true => syn::Error::new_spanned(&tokens, e),
                false => syn::Error::new(key.span(), e),
            })?;
            input.parse::<Token![,]>()?;
        }
        let literal = input.parse::<LitStr>().map_err(|e| {
            syn::Error::new(e.span(), "expected a string literal here: the last argument is the model file's path (`include_nestml!`) or the NESTML source (`nestml!`), after any `key = value` options")
        })?;
        input.parse::<Option<Token![,]>>()?;
        Ok(Input { options, literal })
    }
}

/// The value of an option: a string literal or a (possibly negative) number; with its tokens.
fn option_value(input: ParseStream) -> syn::Result<(OptionValue, proc_macro2::TokenStream)> {
    let minus: Option<Token![-]> = input.parse()?;
    let lit: Lit = input.parse().map_err(|e| syn::Error::new(e.span(), "an option value is a string literal or a number"))?;
    let tokens = quote!(#minus #lit);
    let sign = if minus.is_some() { -1.0 } else { 1.0 };
    let value = match &lit {
        Lit::Str(s) if minus.is_none() => OptionValue::Str(s.value()),
        Lit::Int(i) => OptionValue::Number(sign * i.base10_parse::<f64>()?),
        Lit::Float(f) => OptionValue::Number(sign * f.base10_parse::<f64>()?),
        _ => return Err(syn::Error::new_spanned(tokens, "an option value is a string literal or a number")),
    };
    Ok((value, tokens))
}

/// Parses the input of the macro `name`; an error names the macro.
fn parse_input(name: &str, input: TokenStream) -> Result<Input, TokenStream> {
    syn::parse::<Input>(input).map_err(|e| syn::Error::new(e.span(), format!("{name}: {e}")).to_compile_error().into())
}

/// Expands the models of `text`, which starts on line `first_line` of the file `name`;
/// errors are reported at `literal`, the string literal the text comes from.
fn expand(name: &str, first_line: usize, text: &str, options: &CodegenOptions, literal: &LitStr) -> Result<proc_macro2::TokenStream, TokenStream> {
    generate_tokens_at(name, first_line, text, options).map_err(|rendered| syn::Error::new(literal.span(), rendered).to_compile_error().into())
}

/// Compiles the NESTML file at `path` (relative to the `Cargo.toml` of the crate being built)
/// into one neuron struct per model. Options come first, as `key = value`:
/// `include_nestml!(numeric_solver = "forward-Euler", "models/izhikevich.nestml")`.
#[proc_macro]
pub fn include_nestml(input: TokenStream) -> TokenStream {
    let Input { options, literal } = match parse_input("include_nestml!", input) {
        Ok(i) => i,
        Err(e) => return e,
    };
    let rel = literal.value();
    let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".into());
    let path = std::path::Path::new(&dir).join(&rel);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) => return syn::Error::new(literal.span(), format!("include_nestml!: cannot read `{rel}` (relative to CARGO_MANIFEST_DIR): {e}")).to_compile_error().into(),
    };
    let abs = path.to_string_lossy().into_owned();
    match expand(&rel, 1, &text, &options, &literal) {
        // cargo rebuilds when the model file changes
        Ok(models) => quote!(#models const _: &str = ::core::include_str!(#abs);).into(),
        Err(e) => e,
    }
}

/// Compiles NESTML source given as a string literal into one neuron struct per model;
/// options as for [`include_nestml!`].
#[proc_macro]
pub fn nestml(input: TokenStream) -> TokenStream {
    let Input { options, literal } = match parse_input("nestml!", input) {
        Ok(i) => i,
        Err(e) => return e,
    };
    // positions in the Rust file that holds the literal
    let span = literal.span().unwrap();
    match expand(&span.file(), span.line(), &literal.value(), &options, &literal) {
        Ok(models) => models.into(),
        Err(e) => e,
    }
}
