//! `impl nestml::Checkpoint` for a generated type: the fields that carry over between steps or
//! events, in declaration order (what calibration recomputes is left out); and, with the
//! `serde` option, serde impls that save and restore that checkpoint (`nestml::snapshot`).

use std::fmt::Write as _;

use super::names::field;

/// The `Checkpoint` impl of `type_name` over `fields` (symbols or generated field names).
pub(super) fn checkpoint_impl(type_name: &str, fields: &[String]) -> String {
    let mut save = String::new();
    let mut restore = String::new();
    for f in fields {
        let place = field(f);
        let _ = writeln!(save, "        ::nestml::Checkpoint::save(&{place}, out);");
        let _ = writeln!(restore, "        ::nestml::Checkpoint::restore(&mut {place}, input)?;");
    }
    format!(
        "#[allow(non_snake_case, clippy::all)]\nimpl ::nestml::Checkpoint for {type_name} {{\n    fn save(&self, out: &mut ::std::vec::Vec<u64>) {{\n{save}    }}\n\n    fn restore(&mut self, input: &mut &[u64]) -> ::core::result::Result<(), ::nestml::CheckpointError> {{\n{restore}        Ok(())\n    }}\n}}\n\n"
    )
}

/// `Serialize` and `Deserialize` for `type_name` through its checkpoint: `name` is the model
/// name (an expression), `initial` the value a snapshot is restored into.
pub(super) fn serde_impls(type_name: &str, name: &str, initial: &str) -> String {
    format!(
        "impl ::nestml::snapshot::serde::Serialize for {type_name} {{\n    fn serialize<S: ::nestml::snapshot::serde::Serializer>(&self, s: S) -> ::core::result::Result<S::Ok, S::Error> {{\n        ::nestml::snapshot::serialize({name}, self, s)\n    }}\n}}\n\nimpl<'de> ::nestml::snapshot::serde::Deserialize<'de> for {type_name} {{\n    fn deserialize<D: ::nestml::snapshot::serde::Deserializer<'de>>(d: D) -> ::core::result::Result<Self, D::Error> {{\n        ::nestml::snapshot::deserialize({name}, {initial}, d)\n    }}\n}}\n\n"
    )
}
