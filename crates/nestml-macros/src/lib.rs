//! `include_nestml!("path")` and `nestml!(r#"…"#)`: NESTML models compiled to Rust neuron
//! structs at build time (use them through the `nestml` crate, which re-exports them).

use proc_macro::TokenStream;

/// The value of a single string literal (plain or raw), or why the input is not one.
fn string_literal(input: TokenStream) -> Result<String, String> {
    let tokens: Vec<proc_macro2::TokenTree> =
        proc_macro2::TokenStream::from(input).into_iter().collect();
    let [proc_macro2::TokenTree::Literal(lit)] = tokens.as_slice() else {
        return Err("expected one string literal".into());
    };
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

fn compile_error(message: &str) -> TokenStream {
    format!("::core::compile_error!({message:?});")
        .parse()
        .unwrap()
}

fn expand(name: &str, text: &str, include: Option<&str>) -> TokenStream {
    match nestml_compiler::codegen::generate_source(name, text) {
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
/// into one neuron struct per model.
#[proc_macro]
pub fn include_nestml(input: TokenStream) -> TokenStream {
    let rel = match string_literal(input) {
        Ok(p) => p,
        Err(e) => return compile_error(&format!("include_nestml!: {e}")),
    };
    let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".into());
    let path = std::path::Path::new(&dir).join(&rel);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) => {
            return compile_error(&format!(
                "include_nestml!: cannot read {}: {e}",
                path.display()
            ))
        }
    };
    let abs = path.to_string_lossy().into_owned();
    expand(&rel, &text, Some(&abs))
}

/// Compiles NESTML source given as a string literal into one neuron struct per model.
#[proc_macro]
pub fn nestml(input: TokenStream) -> TokenStream {
    match string_literal(input) {
        Ok(text) => expand("<nestml!>", &text, None),
        Err(e) => compile_error(&format!("nestml!: {e}")),
    }
}
