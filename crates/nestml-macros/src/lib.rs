//! `include_nestml!("path")` and `nestml!(r#"…"#)`: NESTML models compiled to Rust neuron
//! structs at build time (use them through the `nestml` crate, which re-exports them).

#![deny(missing_docs)]

use proc_macro::TokenStream;

use nestml_compiler::codegen::{CodegenOptions, OptionValue};
use proc_macro2::{Literal, Span, TokenTree};

/// The macro input: leading `key = value` options, then one string literal.
struct Input {
    options: CodegenOptions,
    text: String,
    /// The literal's tokens.
    span: Span,
    /// Where the literal is: the Rust file and the line its text starts on.
    file: String,
    line: usize,
}

/// A macro input error and the tokens it is about (underlined in the user's file).
struct MacroError {
    span: Span,
    message: String,
}

/// The span of `tokens` (their first token's; `fallback` for none).
fn span_of(tokens: &[TokenTree], fallback: Span) -> Span {
    tokens.first().map_or(fallback, |first| tokens.last().and_then(|last| first.span().join(last.span())).unwrap_or(first.span()))
}

/// Parses `key = value, …, "literal"` (the options of [`CodegenOptions::set`]).
fn parse_input(input: TokenStream) -> Result<Input, MacroError> {
    let tokens = flatten(proc_macro2::TokenStream::from(input));
    let at = |span: Span| move |message: String| MacroError { span, message };
    let mut items: Vec<&[TokenTree]> = tokens
        .split(|t| matches!(t, TokenTree::Punct(p) if p.as_char() == ','))
        .collect();
    if items.last().is_some_and(|last| last.is_empty()) {
        items.pop();
    }
    let Some((last, options)) = items.split_last() else {
        return Err(at(Span::call_site())("expected a string literal".into()));
    };
    let [TokenTree::Literal(lit)] = last else {
        return Err(at(span_of(last, Span::call_site()))("expected a string literal here: the last argument is the model file's path (`include_nestml!`) or the NESTML source (`nestml!`), after any `key = value` options".into()));
    };
    let mut parsed = CodegenOptions { uom_check: cfg!(feature = "uom-check"), serde: cfg!(feature = "serde"), ..CodegenOptions::default() };
    for option in options {
        match option {
            [TokenTree::Ident(key), TokenTree::Punct(eq), value @ ..] if eq.as_char() == '=' => {
                let value_span = span_of(value, eq.span());
                let v = option_value(value).map_err(at(value_span))?;
                let key_name = key.to_string();
                let unknown = !CodegenOptions::KEYS.contains(&key_name.as_str());
                parsed.set(&key_name, v).map_err(at(if unknown { key.span() } else { value_span }))?;
            }
            _ => return Err(at(span_of(option, Span::call_site()))("expected `key = value` (e.g. `numeric_solver = \"forward-Euler\"`)".into())),
        }
    }
    let span = lit.span().unwrap();
    let text = string_literal(lit).map_err(at(lit.span()))?;
    Ok(Input { options: parsed, text, span: lit.span(), file: span.file(), line: span.line() })
}

/// The tokens with invisible groups (a `$x:literal` passed through `macro_rules!`) opened.
fn flatten(tokens: proc_macro2::TokenStream) -> Vec<TokenTree> {
    tokens
        .into_iter()
        .flat_map(|t| match t {
            TokenTree::Group(g) if g.delimiter() == proc_macro2::Delimiter::None => flatten(g.stream()),
            t => vec![t],
        })
        .collect()
}

/// The value of an option: a string literal or a (possibly negative) number.
fn option_value(tokens: &[TokenTree]) -> Result<OptionValue, String> {
    match tokens {
        [TokenTree::Literal(lit)] if lit.to_string().contains('"') => Ok(OptionValue::Str(string_literal(lit)?)),
        [TokenTree::Literal(lit)] => number(&lit.to_string()),
        [TokenTree::Punct(minus), TokenTree::Literal(lit)] if minus.as_char() == '-' => number(&format!("-{lit}")),
        _ => Err("an option value is a string literal or a number".into()),
    }
}

fn number(text: &str) -> Result<OptionValue, String> {
    let digits = text.trim_end_matches("f64").trim_end_matches("f32").replace('_', "");
    digits.parse::<f64>().map(OptionValue::Number).map_err(|_| format!("`{text}` is not a number"))
}

/// The value of a string literal (plain or raw).
fn string_literal(lit: &Literal) -> Result<String, String> {
    let text = lit.to_string();
    if let Some(rest) = text.strip_prefix('r') {
        let hashes = rest.len() - rest.trim_start_matches('#').len();
        let inner = &rest[hashes..];
        return inner
            .strip_prefix('"')
            .and_then(|s| s.strip_suffix(&format!("\"{}", "#".repeat(hashes))))
            .map(str::to_string)
            .ok_or_else(|| "expected a string literal".into());
    }
    let inner = text
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .ok_or("expected a string literal")?;
    unescape(inner)
}

/// The escapes of a Rust string literal.
fn unescape(s: &str) -> Result<String, String> {
    let mut out = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('0') => out.push('\0'),
            Some('\\') => out.push('\\'),
            Some('"') => out.push('"'),
            Some('\'') => out.push('\''),
            Some('\n') => {
                while chars.peek().is_some_and(|c| c.is_whitespace()) {
                    chars.next();
                }
            }
            other => {
                return Err(format!(
                    "unsupported escape `\\{}` in the NESTML string",
                    other.map(String::from).unwrap_or_default()
                ))
            }
        }
    }
    Ok(out)
}

/// `compile_error!(message)`, reported at `span`.
fn compile_error_at(span: Span, message: &str) -> TokenStream {
    fn respan(tokens: proc_macro2::TokenStream, span: Span) -> proc_macro2::TokenStream {
        tokens
            .into_iter()
            .map(|t| match t {
                TokenTree::Group(g) => {
                    let mut group = proc_macro2::Group::new(g.delimiter(), respan(g.stream(), span));
                    group.set_span(span);
                    TokenTree::Group(group)
                }
                mut t => {
                    t.set_span(span);
                    t
                }
            })
            .collect()
    }
    let tokens: proc_macro2::TokenStream = format!("::core::compile_error!({message:?});").parse().unwrap();
    respan(tokens, span).into()
}

fn compile_error(message: &str) -> TokenStream {
    compile_error_at(Span::call_site(), message)
}

/// Expands the models of `text`, which starts on line `first_line` of the file `name`.
fn expand(name: &str, first_line: usize, text: &str, options: &CodegenOptions, include: Option<&str>) -> TokenStream {
    match nestml_compiler::codegen::generate_source_at(name, first_line, text, options) {
        Ok(mut src) => {
            if let Some(path) = include {
                // cargo rebuilds when the model file changes
                src.push_str(&format!(
                    "\nconst _: &str = ::core::include_str!({path:?});\n"
                ));
            }
            match nestml_compiler::codegen::to_tokens(&src) {
                Ok(tokens) => tokens.into(),
                Err(e) => compile_error(&e),
            }
        }
        Err(rendered) => compile_error(&rendered),
    }
}

/// Compiles the NESTML file at `path` (relative to the `Cargo.toml` of the crate being built)
/// into one neuron struct per model. Options come first, as `key = value`:
/// `include_nestml!(numeric_solver = "forward-Euler", "models/izhikevich.nestml")`.
#[proc_macro]
pub fn include_nestml(input: TokenStream) -> TokenStream {
    let Input { options, text: rel, span, .. } = match parse_input(input) {
        Ok(i) => i,
        Err(e) => return compile_error_at(e.span, &format!("include_nestml!: {}", e.message)),
    };
    let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".into());
    let path = std::path::Path::new(&dir).join(&rel);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) => return compile_error_at(span, &format!("include_nestml!: cannot read `{rel}` (relative to CARGO_MANIFEST_DIR): {e}")),
    };
    let abs = path.to_string_lossy().into_owned();
    expand(&rel, 1, &text, &options, Some(&abs))
}

/// Compiles NESTML source given as a string literal into one neuron struct per model;
/// options as for [`include_nestml!`].
#[proc_macro]
pub fn nestml(input: TokenStream) -> TokenStream {
    match parse_input(input) {
        // positions in the Rust file that holds the literal
        Ok(Input { options, text, file, line, .. }) => expand(&file, line, &text, &options, None),
        Err(e) => compile_error_at(e.span, &format!("nestml!: {}", e.message)),
    }
}
