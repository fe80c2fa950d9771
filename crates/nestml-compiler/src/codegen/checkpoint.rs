//! `impl nestml::Checkpoint` for a generated type: the fields that carry over between steps or
//! events, in declaration order (what calibration recomputes is left out); and, with the
//! `serde` option, serde impls that save and restore that checkpoint (`nestml::snapshot`).

use proc_macro2::{Ident, TokenStream};
use quote::quote;

use super::names::field;

/// The `Checkpoint` impl of `type_name` over `fields` (symbols or generated field names);
/// `after_restore` runs after a successful restore.
pub(super) fn checkpoint_impl(type_name: &Ident, fields: &[String], after_restore: TokenStream) -> TokenStream {
    let places: Vec<TokenStream> = fields.iter().map(|f| field(f)).collect();
    quote! {
        #[allow(non_snake_case, clippy::all)]
        impl ::nestml::Checkpoint for #type_name {
            fn save(&self, out: &mut dyn ::nestml::WordSink) {
                #(::nestml::Checkpoint::save(&#places, out);)*
            }

            fn restore(&mut self, input: &mut &[u64]) -> ::core::result::Result<(), ::nestml::CheckpointError> {
                #(::nestml::Checkpoint::restore(&mut #places, input)?;)*
                #after_restore
                Ok(())
            }
        }
    }
}

/// `Serialize` and `Deserialize` for `type_name` through its checkpoint: `name` is the model
/// name (an expression), `initial` the value a snapshot is restored into.
pub(super) fn serde_impls(type_name: &Ident, name: TokenStream, initial: TokenStream) -> TokenStream {
    quote! {
        impl ::nestml::snapshot::serde::Serialize for #type_name {
            fn serialize<S: ::nestml::snapshot::serde::Serializer>(&self, s: S) -> ::core::result::Result<S::Ok, S::Error> {
                ::nestml::snapshot::serialize(#name, self, s)
            }
        }

        impl<'de> ::nestml::snapshot::serde::Deserialize<'de> for #type_name {
            fn deserialize<D: ::nestml::snapshot::serde::Deserializer<'de>>(d: D) -> ::core::result::Result<Self, D::Error> {
                ::nestml::snapshot::deserialize(#name, #initial, d)
            }
        }
    }
}
