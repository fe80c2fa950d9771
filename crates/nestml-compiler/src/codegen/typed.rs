//! Typed accessors: `v_m() -> ElectricPotential`, `set_tau_m(Time)`, so that Rust callers
//! cannot mix units. Every scalar parameter, state and internal whose NEST unit uom can express
//! (integer exponents) gets a getter named in snake case; parameters and states also a setter,
//! which goes through `set_value` (guards, internals). Names that would clash with each other
//! or with `Neuron`'s methods get none; `get`/`set` by name reach everything.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::names::field;
use crate::ir::{IrVariable, ModelIr, SiUnit};
use crate::sema::symbols::VarKind;

/// Method names that generated accessors must not take (trait and derived methods).
const RESERVED: &[&str] = &[
    "name", "new", "weight", "set_weight", "send", "update_to", "check", "advance", "on_pre", "on_post", "on_mod", "t_last", "set_t_last", "post_traces", "set_post_traces", "check_finite", "continuous_ports", "modulate_until", "init_buffers", "calibrate", "handle_spike", "handle_current", "step", "get_value", "set_value", "vector_len", "variable_index", "get", "set", "default", "clone", "fmt", "variables", "ports", "receptors", "clone_box",
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
fn quantity_type(u: &SiUnit) -> String {
    if let Some((_, name)) = NAMED.iter().find(|(d, _)| *d == u.dims) {
        return format!("::nestml::uom::si::f64::{name}");
    }
    format!("::nestml::units::Si<{}>", dimension(u.dims))
}

/// uom's dimension type for the SI exponents `d` (m, kg, s, A, K, mol, cd).
pub(super) fn dimension(d: [i64; 7]) -> String {
    let exps: Vec<String> = d
        .iter()
        .map(|&x| match x {
            0 => "::nestml::uom::typenum::Z0".to_string(),
            x if x > 0 => format!("::nestml::uom::typenum::P{x}"),
            x => format!("::nestml::uom::typenum::N{}", -x),
        })
        .collect();
    format!("::nestml::uom::si::ISQ<{}>", exps.join(", "))
}

/// The typed accessors of `ir`'s variables (`index` is the position in `VARIABLES`).
pub(super) fn typed_accessors(ir: &ModelIr, type_name: &str) -> String {
    let vars: Vec<(usize, &IrVariable)> = ir.variables.iter().enumerate().collect();
    accessors(&vars, type_name, |index| format!("::nestml::Neuron::set_value(self, {index}, 0, "))
}

/// Typed accessors of `vars` (each with its index for the setter) on `type_name`; `set_call`
/// gives the start of the `set_value` call for an index, to which the value is appended.
pub(super) fn accessors(vars: &[(usize, &IrVariable)], type_name: &str, set_call: impl Fn(usize) -> String) -> String {
    let snake = |n: &str| n.to_lowercase();
    let mut count: BTreeMap<String, usize> = BTreeMap::new();
    for (_, v) in vars {
        *count.entry(snake(&v.name)).or_default() += 1;
    }
    let mut o = String::new();
    let _ = writeln!(o, "#[allow(non_snake_case, clippy::all)]\nimpl {type_name} {{");
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
        let scale = format!("1e{}_f64", si.exp10);
        let unit = v.unit.as_deref().unwrap_or("1");
        let _ = writeln!(o, "    /// `{}` as a uom quantity (stored in {unit}).\n    pub fn {method}(&self) -> {ty} {{\n        ::nestml::units::from_nest({}, {scale})\n    }}\n", v.nestml_name, field(&v.name));
        if matches!(v.kind, VarKind::Parameter | VarKind::State) && !count.contains_key(&format!("set_{method}")) {
            let _ = writeln!(o, "    /// Sets `{}` from a uom quantity (checks guards and recomputes internals as `set`).\n    pub fn set_{method}(&mut self, value: {ty}) -> ::core::result::Result<(), ::nestml::SetError> {{\n        {}::nestml::units::to_nest(value, {scale}))\n    }}\n", v.nestml_name, set_call(index));
        }
    }
    o.push_str("}\n");
    o
}
