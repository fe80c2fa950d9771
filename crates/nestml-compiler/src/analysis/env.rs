//! Numeric values of parameters, internals and initial states at their defaults.

use std::collections::BTreeMap;

use nestml_ode::Expr;

use crate::ir::{ModelIr, STEP};

/// The default value of every variable that has a constant default, in NEST units, with the
/// step `__h` set to `dt`, `t` to 0 and the values in `overrides` taking the place of the
/// defaults (other defaults that depend on them follow). Defaults may refer to each other in
/// any order; those that cannot be evaluated (random numbers, cycles) are left out.
pub fn default_environment(ir: &ModelIr, dt: f64, overrides: &BTreeMap<String, f64>) -> BTreeMap<String, f64> {
    let mut env = overrides.clone();
    env.insert(STEP.to_string(), dt);
    env.insert("t".to_string(), 0.0);
    let mut pending: Vec<(&str, &Expr)> =
        ir.variables.iter().filter(|v| !overrides.contains_key(&v.name)).filter_map(|v| v.default.as_ref().map(|d| (v.name.as_str(), d))).collect();
    loop {
        let before = pending.len();
        pending.retain(|(name, expr)| match expr.eval(&env) {
            Ok(value) => {
                env.insert(name.to_string(), value);
                false
            }
            Err(_) => true,
        });
        if pending.len() == before {
            break;
        }
    }
    env
}
