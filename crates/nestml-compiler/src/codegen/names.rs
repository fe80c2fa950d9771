//! Rust names for NESTML symbols and models.

use super::{err, CodegenError};

const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "dyn", "else", "enum", "extern", "false", "fn", "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return", "static", "struct", "trait", "true", "type", "unsafe", "use", "where", "while", "abstract", "become", "box", "do", "final", "macro", "override", "priv", "typeof", "unsized", "virtual", "yield", "try", "gen",
];

/// A Rust identifier for a NESTML symbol: keywords as raw identifiers, `$` (allowed in
/// NESTML names) as `__S`.
pub(super) fn ident(sym: &str) -> Result<String, CodegenError> {
    if matches!(sym, "self" | "Self" | "super" | "crate" | "_") {
        return Err(err(None, format!("a variable named `{sym}` cannot be generated as a Rust field")));
    }
    Ok(if KEYWORDS.contains(&sym) { format!("r#{sym}") } else { sym.replace('$', "__S") })
}

/// A generated local for a symbol: `prefix` followed by the symbol (`$` as `__S`).
pub(super) fn local(prefix: &str, sym: &str) -> String {
    format!("{prefix}{}", sym.replace('$', "__S"))
}

/// `self.<field>` for a symbol already checked by [`ident`].
pub(super) fn field(sym: &str) -> String {
    format!("self.{}", ident(sym).unwrap_or_else(|_| sym.to_string()))
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
    #[test]
    fn model_names_become_upper_camel_case() {
        assert_eq!(super::type_name("iaf_psc_exp_neuron"), "IafPscExpNeuron");
        assert_eq!(super::type_name("hh_moto_5ht_neuron"), "HhMoto5htNeuron");
        assert_eq!(super::type_name("stdp_synapse"), "StdpSynapse");
        assert_eq!(super::type_name("iaf_psc_exp_neuron_nestml"), "IafPscExpNeuronNestml");
    }

    #[test]
    fn keywords_become_raw_identifiers() {
        assert_eq!(super::ident("type").unwrap(), "r#type");
        assert_eq!(super::ident("V_m").unwrap(), "V_m");
        assert!(super::ident("self").is_err());
        assert_eq!(super::ident("g_AMPA$").unwrap(), "g_AMPA__S");
        assert_eq!(super::local("l_", "g$"), "l_g__S");
    }
}
