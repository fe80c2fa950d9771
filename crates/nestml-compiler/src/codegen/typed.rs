//! Typed accessors: `v_m() -> ElectricPotential`, `set_tau_m(Time)`, so that Rust callers
//! cannot mix units. Every scalar parameter, state and internal whose NEST unit uom can express
//! (integer exponents) gets a getter named in snake case; parameters and states also a setter,
//! which goes through `set_value` (guards, internals). Names that would clash with each other
//! or with `Neuron`'s methods get none; `get`/`set` by name reach everything.

use std::collections::BTreeMap;

use proc_macro2::{Ident, Literal, TokenStream};
use quote::{format_ident, quote};

use super::model::doc;
use super::names::{field, trait_float};
use super::FloatType;
use crate::ir::{IrVariable, ModelIr, SiUnit};
use crate::sema::symbols::VarKind;

/// Method names that generated accessors must not take (trait and derived methods).
const RESERVED: &[&str] = &[
    "name", "new", "weight", "set_weight", "send", "update_to", "check", "advance", "on_pre", "on_post", "on_mod", "t_last", "set_t_last", "post_traces", "set_post_traces", "check_finite", "continuous_ports", "modulate_until", "init_buffers", "calibrate", "reset_state", "handle_spike", "handle_current", "step", "get_value", "set_value", "vector_len", "variable_index", "get", "set", "default", "clone", "fmt", "variables", "ports", "receptors", "clone_box",
];

/// uom's names for the dimensions of NEST's common units (m, kg, s, A, K, mol, cd).
const NAMED: &[([i64; 7], &str)] = &[
    ([2, 1, -3, -1, 0, 0, 0], "ElectricPotential"),
    ([0, 0, 1, 0, 0, 0, 0], "Time"),
    ([0, 0, 0, 1, 0, 0, 0], "ElectricCurrent"),
    ([-2, -1, 3, 2, 0, 0, 0], "ElectricalConductance"),
    ([-2, -1, 4, 2, 0, 0, 0], "Capacitance"),
    ([2, 1, -3, -2, 0, 0, 0], "ElectricalResistance"),
    ([0, 0, -1, 0, 0, 0, 0], "Frequency"),
    ([0, 0, 0, 0, 1, 0, 0], "ThermodynamicTemperature"),
    ([-3, 0, 0, 0, 0, 1, 0], "MolarConcentration"),
];

/// The uom type of a quantity in `u`.
fn quantity_type(u: &SiUnit) -> TokenStream {
    if let Some((_, name)) = NAMED.iter().find(|(d, _)| *d == u.dims) {
        let (name, float) = (format_ident!("{name}"), trait_float());
        return quote!(::nestml::uom::si::#float::#name);
    }
    let d = dimension(u.dims);
    quote!(::nestml::units::Si<#d>)
}

/// uom's dimension type for the SI exponents `d` (m, kg, s, A, K, mol, cd).
pub(super) fn dimension(d: [i64; 7]) -> TokenStream {
    let exps = d.iter().map(|&x| {
        let n = match x {
            0 => format_ident!("Z0"),
            x if x > 0 => format_ident!("P{x}"),
            x => format_ident!("N{}", x.unsigned_abs()),
        };
        quote!(::nestml::uom::typenum::#n)
    });
    quote!(::nestml::uom::si::ISQ<#(#exps),*>)
}

/// The typed accessors of `ir`'s variables (`index` is the position in `VARIABLES`), reals
/// stored in `float`.
pub(super) fn typed_accessors(ir: &ModelIr, type_name: &Ident, float: FloatType) -> TokenStream {
    let vars: Vec<(usize, &IrVariable)> = ir.variables.iter().enumerate().collect();
    accessors(&vars, type_name, float, |index, value| {
        let index = Literal::usize_unsuffixed(index);
        quote!(::nestml::Neuron::set_value(self, #index, 0, #value))
    })
}

/// Typed accessors of `vars` (each with its index for the setter, reals stored in `float`) on
/// `type_name`; `set_call` gives the `set_value` call for an index and an `f64` value.
pub(super) fn accessors(vars: &[(usize, &IrVariable)], type_name: &Ident, float: FloatType, set_call: impl Fn(usize, TokenStream) -> TokenStream) -> TokenStream {
    let snake = |n: &str| n.to_lowercase();
    let mut count: BTreeMap<String, usize> = BTreeMap::new();
    for (_, v) in vars {
        *count.entry(snake(&v.name)).or_default() += 1;
    }
    let mut o = TokenStream::new();
    for &(index, v) in vars {
        let (Some(si), None) = (&v.si, &v.size) else { continue };
        let method = snake(&v.name);
        // the getter is the only variable of that snake-case name and no other's setter
        let getter_free = count.get(&method) == Some(&1) && !RESERVED.contains(&method.as_str()) && !method.strip_prefix("set_").is_some_and(|m| count.contains_key(m));
        if !getter_free || !method.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') || method.starts_with(|c: char| c.is_ascii_digit()) {
            continue;
        }
        if !(1..=9).contains(&si.dims.iter().map(|d| d.abs()).max().unwrap_or(0)) {
            continue;
        }
        let ty = quantity_type(si);
        let scale = Literal::f64_unsuffixed(format!("1e{}", si.exp10).parse().expect("a power of ten"));
        let unit = v.unit.as_deref().unwrap_or("1");
        let (docs, getter, f) = (doc([format!("`{}` as a uom quantity (stored in {unit}).", v.nestml_name)]), format_ident!("{method}"), float.to_f64(field(&v.name)));
        o.extend(quote! {
            #docs
            pub fn #getter(&self) -> #ty {
                ::nestml::units::from_nest(#f, #scale)
            }
        });
        if matches!(v.kind, VarKind::Parameter | VarKind::State) && !count.contains_key(&format!("set_{method}")) {
            let docs = doc([format!("Sets `{}` from a uom quantity (checks guards and recomputes internals as `set`).", v.nestml_name)]);
            let (setter, call) = (format_ident!("set_{method}"), set_call(index, quote!(::nestml::units::to_nest(value, #scale))));
            o.extend(quote! {
                #docs
                pub fn #setter(&mut self, value: #ty) -> ::core::result::Result<(), ::nestml::SetError> {
                    #call
                }
            });
        }
    }
    quote! {
        #[allow(non_snake_case, clippy::all)]
        impl #type_name {
            #o
        }
    }
}
