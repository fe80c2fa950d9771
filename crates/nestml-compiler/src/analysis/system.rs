//! The model's ODE system: ODEs with inline expressions substituted, and one set of
//! convolution states per `convolve(kernel, port)`.

use std::collections::BTreeMap;

use nestml_ode::{coefficient, convolution, derivative_names, kernel_from_odes, kernel_to_ode, Expr, KernelEquation, KernelOde, OdeSystem, SPIKE_WEIGHT};

use crate::ir::{convolution_name, KernelDef, ModelIr};

/// Where a state variable of the system comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StateOrigin {
    /// An ODE of the equations block.
    Ode,
    /// A state carrying `convolve(kernel, port)`.
    Convolution,
}

/// An instantaneous change on each incoming spike: `state += expr`, where the symbol
/// `__weight` is the sum of the weights of the spikes arriving at `port` in the step.
#[derive(Clone, Debug, PartialEq)]
pub struct SpikeJump {
    pub port: String,
    pub state: String,
    pub jump: Expr,
}

/// The ODE system of a model and what belongs to it.
#[derive(Clone, Debug)]
pub struct ModelSystem {
    pub system: OdeSystem,
    pub origins: BTreeMap<String, StateOrigin>,
    pub jumps: Vec<SpikeJump>,
    /// Why parts of the model could not be turned into ODEs.
    pub problems: Vec<String>,
}

impl ModelSystem {
    /// The system the analysis partitions, propagates and tests for stiffness: each delayed
    /// value `x(t - delay)` read as `x` itself, as PyNESTML 9 gives the equations to
    /// ODE-toolbox. The generated code then reads the delayed value where an equation has it:
    /// in the numeric right-hand side as a constant over the step, and in an exact row in
    /// place of `x` (the propagator entry `P[row][x]` multiplies the delayed value).
    pub fn undelayed(&self, ir: &ModelIr) -> OdeSystem {
        let mut system = self.system.clone();
        for s in &mut system.states {
            for d in &ir.delayed {
                if s.rhs.contains(&d.symbol) {
                    s.rhs = s.rhs.subs(&d.symbol, &Expr::sym(&d.state));
                }
            }
        }
        system
    }
}

/// The symbol for the weight sum of one step in spike jumps.
pub const WEIGHT: &str = SPIKE_WEIGHT;

/// Builds the ODE system of `ir`.
pub fn build_system(ir: &ModelIr) -> ModelSystem {
    let mut out = ModelSystem { system: OdeSystem::new(), origins: BTreeMap::new(), jumps: Vec::new(), problems: Vec::new() };
    let inlines = resolved_inlines(ir);
    let default = |name: &str| ir.variable(name).and_then(|v| v.default.clone()).unwrap_or_else(Expr::zero);
    for ode in &ir.odes {
        let names = derivative_names(&ode.name, ode.order);
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let initial = names.iter().map(|n| default(n)).collect();
        match out.system.add_ode(&refs, substitute_all(&ode.rhs, &inlines), initial) {
            Ok(()) => names.into_iter().for_each(|n| {
                out.origins.insert(n, StateOrigin::Ode);
            }),
            Err(e) => out.problems.push(format!("ODE of `{}`: {e}", ode.name)),
        }
    }
    for (kernel_name, port) in &ir.convolutions {
        let symbol = convolution_name(kernel_name, port);
        let Some(kernel) = ir.kernels.iter().find(|k| &k.name == kernel_name) else {
            out.problems.push(format!("`convolve({kernel_name}, {port})`: no kernel named `{kernel_name}`"));
            continue;
        };
        let kode: KernelOde = match &kernel.def {
            KernelDef::Delta(scale) => {
                add_delta_jumps(&mut out, &symbol, scale, port);
                continue;
            }
            KernelDef::Function(f) => match kernel_to_ode(f, "t", kernel_name) {
                Ok(k) => k,
                Err(e) => {
                    out.problems.push(format!("kernel `{kernel_name}`: {e}"));
                    continue;
                }
            },
            KernelDef::Odes(parts) => {
                let equations: Vec<KernelEquation> = parts.iter().map(|(var, order, rhs)| KernelEquation { var: var.clone(), order: *order, rhs: rhs.clone() }).collect();
                let initial: BTreeMap<String, Expr> = ir.variables.iter().filter_map(|v| Some((v.name.clone(), v.default.clone()?))).collect();
                match kernel_from_odes(kernel_name, &equations, &initial, "t") {
                    Ok(k) => k,
                    Err(e) => {
                        out.problems.push(format!("kernel `{kernel_name}`: {e}"));
                        continue;
                    }
                }
            }
        };
        let conv = convolution(&kode, port);
        for state in conv.states {
            match out.system.add_state(&state.name, state.rhs, state.initial) {
                Ok(()) => {
                    out.origins.insert(state.name, StateOrigin::Convolution);
                }
                Err(e) => out.problems.push(format!("`convolve({kernel_name}, {port})`: {e}")),
            }
        }
        for (state, jump) in conv.jump {
            out.jumps.push(SpikeJump { port: port.clone(), state, jump });
        }
    }
    for port in &ir.continuous_ports {
        out.system.declare_held_input(port);
    }
    out
}

/// A delta kernel has no state: `convolve(K, port)` stands for the weight arriving at that
/// instant, so each ODE that contains it jumps by its coefficient times the weight.
fn add_delta_jumps(out: &mut ModelSystem, symbol: &str, scale: &Expr, port: &str) {
    for state in &mut out.system.states {
        if !state.rhs.contains(symbol) {
            continue;
        }
        match coefficient(&state.rhs, symbol) {
            Ok((coef, rest)) => {
                out.jumps.push(SpikeJump { port: port.to_string(), state: state.name.clone(), jump: coef * scale.clone() * Expr::sym(WEIGHT) });
                state.rhs = rest;
            }
            Err(e) => out.problems.push(format!("`{}` must be linear in a delta convolution: {e}", state.name)),
        }
    }
}

/// Inline expressions with the inline expressions they use substituted.
pub fn resolved_inlines(ir: &ModelIr) -> Vec<(String, Expr)> {
    let mut resolved: Vec<(String, Expr)> = Vec::new();
    for inline in &ir.inlines {
        let rhs = substitute_all(&inline.rhs, &resolved);
        resolved.push((inline.name.clone(), rhs));
    }
    resolved
}

pub fn substitute_all(e: &Expr, inlines: &[(String, Expr)]) -> Expr {
    let mut e = e.clone();
    // an inline may be used before its definition in the equations block: substitute until
    // nothing changes (bounded by the number of inlines)
    for _ in 0..=inlines.len() {
        let before = e.clone();
        for (name, value) in inlines {
            if e.contains(name) {
                e = e.subs(name, value);
            }
        }
        if e == before {
            break;
        }
    }
    e
}

/// `c` with the inline expressions substituted ([`substitute_all`] in every comparison).
pub fn substitute_cond(c: &nestml_ode::Cond, inlines: &[(String, Expr)]) -> nestml_ode::Cond {
    use nestml_ode::Cond;
    match c {
        Cond::Bool(b) => Cond::Bool(*b),
        Cond::Cmp(op, a, b) => Cond::Cmp(*op, substitute_all(a, inlines), substitute_all(b, inlines)),
        Cond::And(cs) => Cond::And(cs.iter().map(|c| substitute_cond(c, inlines)).collect()),
        Cond::Or(cs) => Cond::Or(cs.iter().map(|c| substitute_cond(c, inlines)).collect()),
        Cond::Not(c) => Cond::Not(Box::new(substitute_cond(c, inlines))),
    }
}
