//! What a neuron's step is made of, independent of how it is spelled: the ODE states in the
//! solver's order with their right-hand sides, the exactly propagated part with the entries of
//! `P`, `q` and `G` it needs, convolution states, delta-kernel jumps and where exact rows read
//! delayed values. The code generator spells it as Rust tokens; the interpreter
//! (`nestml-interp`) evaluates it, so both compute the same thing.

use std::collections::{BTreeMap, BTreeSet};

use nestml_ode::{Expr, LinearPart};

use super::forcing::{self, Forcing};
use super::{err, CodegenError, CodegenOptions};
use crate::analysis::{build_system, nestml_name, resolved_inlines, ModelSystem, SolverMode, StateOrigin, WEIGHT};
use crate::ir::ModelIr;
use crate::sema::symbols::VarKind;
use crate::sema::types::Type;

/// The parts of one model's step (see the module docs).
#[derive(Clone, Debug)]
pub struct NeuronLayout {
    /// The inline expressions with inlines substituted, to substitute into every expression.
    pub inlines: Vec<(String, Expr)>,
    /// Every symbol holding a model value: variables, convolution states, delayed values.
    pub fields: BTreeSet<String>,
    /// Spike and continuous input ports.
    pub ports: BTreeSet<String>,
    /// Every ODE state in the order of the solver's state vector, with its right-hand side.
    pub states: Vec<String>,
    /// The right-hand side of each of `states`.
    pub rhs: Vec<Expr>,
    /// The index of each state in `states`.
    pub state_index: BTreeMap<String, usize>,
    /// The exactly propagated states (none with `solver = "numeric"`).
    pub lin: LinearPart,
    /// The entries of `P` that can be nonzero (from the structure of `A`), in row order.
    pub p_entries: Vec<(usize, usize)>,
    /// `reach[i][k]`: state `k` can influence state `i` (so `P[i][k]`, `Φ[i][k]` may be nonzero).
    pub reach: Vec<Vec<bool>>,
    /// `b` split into a constant part and inputs.
    pub forcing: Forcing,
    /// The rows with a constant part (`q`).
    pub q_rows: Vec<usize>,
    /// The (row, input) pairs with a coefficient (`G`).
    pub g_entries: Vec<(usize, usize)>,
    /// `(row, column, symbol)`: the exact row reads the delayed value `symbol` in place of
    /// the state of the column.
    pub delayed_columns: Vec<(usize, usize, String)>,
    /// Convolution states.
    pub conv: BTreeSet<String>,
    /// Whether some state needs the numeric solver.
    pub numeric: bool,
    /// Jumps of ODE states by delta-kernel convolutions: (spike port index, state, jump with
    /// the weight sum as the local `__w`). As PyNESTML, they are applied where the state is
    /// integrated (`integrate_odes` naming it).
    pub delta_jumps: Vec<(usize, String, Expr)>,
}

/// The layout of `ir` under `options`, with its ODE system; or every reason it cannot be
/// generated (unsupported constructs, each by name).
pub fn neuron_layout(ir: &ModelIr, options: &CodegenOptions) -> Result<(NeuronLayout, ModelSystem), Vec<CodegenError>> {
    let mut errors: Vec<CodegenError> = ir.problems.iter().chain(&ir.block_problems).map(|p| err(Some(p.span), format!("not supported yet: {}", p.message))).collect();
    let ms = build_system(ir);
    errors.extend(ms.problems.iter().map(|p| err(None, p.clone())));
    for v in &ir.variables {
        if v.ty == Type::String {
            errors.push(err(Some(v.span), format!("`{}`: string variables are not supported", v.nestml_name)));
        }
        if let Err(e) = super::names::ident(&v.name) {
            errors.push(err(Some(v.span), e.message));
        }
    }
    for p in &ir.vector_ports {
        errors.push(err(None, format!("input port `{p}`: vector ports are not supported yet")));
    }
    if super::synapse::is_synapse(ir) {
        for d in &ir.delayed {
            errors.push(err(None, format!("`{}(t - delay)`: delayed state variables in synapses are not supported", nestml_name(&d.state))));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let partition = ms.undelayed(ir).linear_partition();
    let lin = match options.solver {
        SolverMode::Auto => partition.linear.clone(),
        SolverMode::Numeric => LinearPart { states: Vec::new(), a: Vec::new(), b: Vec::new() },
    };
    let states: Vec<String> = ms.system.states.iter().map(|s| s.name.clone()).collect();
    let conv: BTreeSet<String> = ms.origins.iter().filter(|(_, o)| **o == StateOrigin::Convolution).map(|(s, _)| s.clone()).collect();
    let mut fields: BTreeSet<String> = ir.variables.iter().map(|v| v.name.clone()).collect();
    fields.extend(conv.iter().cloned());
    fields.extend(ir.delayed.iter().map(|d| d.symbol.clone()));
    let delta_jumps = ms
        .jumps
        .iter()
        .filter(|j| !conv.contains(&j.state))
        .filter_map(|j| Some((ir.spike_ports.iter().position(|p| *p == j.port)?, j.state.clone(), j.jump.subs(WEIGHT, &Expr::sym("__w")))))
        .collect();
    let (p_entries, reach) = propagator_entries(&lin);
    let delayed_columns = delayed_columns(ir, &ms, &lin)?;
    let fixed = |s: &str| s == crate::ir::STEP || ir.variable(s).is_some_and(|v| matches!(v.kind, VarKind::Parameter | VarKind::Internal));
    let forcing = forcing::split(&lin.b, fixed);
    let n = lin.states.len();
    let q_rows = (0..n).filter(|&i| (0..n).any(|k| reach[i][k] && !nestml_ode::is_zero(&forcing.constant[k]))).collect();
    let g_entries = (0..n)
        .flat_map(|i| (0..forcing.inputs.len()).map(move |u| (i, u)))
        .filter(|&(i, u)| (0..n).any(|k| reach[i][k] && forcing.coefficients[k].iter().any(|(v, _)| *v == u)))
        .collect();
    let layout = NeuronLayout {
        inlines: resolved_inlines(ir),
        fields,
        ports: ir.spike_ports.iter().chain(&ir.continuous_ports).cloned().collect(),
        numeric: states.len() > lin.states.len(),
        state_index: states.iter().enumerate().map(|(i, s)| (s.clone(), i)).collect(),
        rhs: right_hand_sides(&ms, options),
        states,
        lin,
        p_entries,
        reach,
        forcing,
        q_rows,
        g_entries,
        delayed_columns,
        conv,
        delta_jumps,
    };
    Ok((layout, ms))
}

/// The right-hand side of each ODE state; with `exp = "inline"`, exponentials whose arguments
/// differ by a number share one (`nestml_ode::share_exponentials`: a few ulp).
fn right_hand_sides(ms: &ModelSystem, options: &CodegenOptions) -> Vec<Expr> {
    let rhs: Vec<Expr> = ms.system.states.iter().map(|s| s.rhs.clone()).collect();
    if options.exp_inline {
        nestml_ode::share_exponentials(&rhs)
    } else {
        rhs
    }
}

impl NeuronLayout {
    /// Whether a convolution state is propagated exactly once per step, outside
    /// `integrate_odes` (it is, unless `solver = "numeric"`).
    pub fn exact_convolution(&self, s: &str) -> bool {
        exact_convolution(&self.conv, &self.lin, s)
    }

    /// For an inline expression that is `scale * c` for one convolution state `c` (and a
    /// `scale` of parameters and numbers): `(c, scale)`. As PyNESTML, an assignment to such an
    /// inline assigns that convolution's state.
    pub fn inline_convolution(&self, ir: &ModelIr, name: &str) -> Option<(String, Expr)> {
        let (_, e) = self.inlines.iter().find(|(n, _)| n == name)?;
        inline_convolution_of(ir, e, &self.conv)
    }
}

/// Whether `s` is a convolution state (of `conv`) that the exact part `lin` propagates.
pub(super) fn exact_convolution(conv: &BTreeSet<String>, lin: &LinearPart, s: &str) -> bool {
    conv.contains(s) && lin.states.iter().any(|l| l == s)
}

/// Whether `integrate_odes(names)` integrates the ODE state `state`: all for no names, else
/// a named state and its derivatives (`x`, `x__d`, `x__d__d`, …).
pub fn integrates(names: &[String], state: &str) -> bool {
    names.is_empty() || names.iter().any(|name| state == name || state.strip_prefix(name.as_str()).is_some_and(|rest| !rest.is_empty() && rest.trim_start_matches("__d").is_empty()))
}

/// The names of `integrate_odes(names)` that are not ODE states (none of the model's states
/// is the name or one of its derivatives).
pub fn unknown_integrated<'a>(states: &[String], names: &'a [String]) -> Vec<&'a String> {
    names.iter().filter(|name| !states.iter().any(|s| s == *name || s.starts_with(&format!("{name}__d")))).collect()
}

/// Where an exact row reads a delayed value, as PyNESTML 9 does: in the row of a state whose
/// ODE has `x(t - delay)`, the propagator entry of column `x` multiplies the delayed value
/// instead of `x` (`(row, column, symbol)`). A row that reads `x` both now and delayed, or at
/// two delays, has no such reading.
fn delayed_columns(ir: &ModelIr, ms: &ModelSystem, lin: &LinearPart) -> Result<Vec<(usize, usize, String)>, Vec<CodegenError>> {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (i, s) in lin.states.iter().enumerate() {
        let Some(rhs) = ms.system.state(s).map(|st| &st.rhs) else { continue };
        for d in ir.delayed.iter().filter(|d| rhs.contains(&d.symbol)) {
            let twice = rhs.contains(&d.state) || ir.delayed.iter().any(|o| o.state == d.state && o.symbol != d.symbol && rhs.contains(&o.symbol));
            match lin.states.iter().position(|x| *x == d.state) {
                Some(j) if !twice => out.push((i, j, d.symbol.clone())),
                _ => errors.push(err(None, format!("the ODE of `{}` reads `{}` at more than one time, which its exact solution cannot (solve it with `solver = \"numeric\"`)", nestml_name(s), nestml_name(&d.state)))),
            }
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// A (row, column) of a matrix.
type Entry = (usize, usize);

/// The entries of `P = expm(A h)` that can be nonzero — `P[i][j]` where state `j` influences
/// `i` through a chain of nonzero entries of `A` (or `i == j`) — and that reachability.
fn propagator_entries(lin: &LinearPart) -> (Vec<Entry>, Vec<Vec<bool>>) {
    let n = lin.states.len();
    let mut reach: Vec<Vec<bool>> = (0..n).map(|i| (0..n).map(|j| i == j || !nestml_ode::is_zero(&lin.a[i][j])).collect()).collect();
    for k in 0..n {
        for i in 0..n {
            for j in 0..n {
                reach[i][j] = reach[i][j] || (reach[i][k] && reach[k][j]);
            }
        }
    }
    let p = (0..n).flat_map(|i| (0..n).map(move |j| (i, j))).filter(|&(i, j)| reach[i][j]).collect();
    (p, reach)
}

/// `(c, scale)` if the (resolved) inline expression `e` is `scale * c` for one convolution
/// state `c` of `conv` and a `scale` of parameters, internals and numbers.
pub(super) fn inline_convolution_of(ir: &ModelIr, e: &Expr, conv: &BTreeSet<String>) -> Option<(String, Expr)> {
    let symbols = e.symbols();
    let mut states = symbols.iter().filter(|s| conv.contains(*s));
    let state = states.next()?.clone();
    if states.next().is_some() {
        return None;
    }
    let (scale, rest) = nestml_ode::coefficient(e, &state).ok()?;
    let fixed = |s: &String| ir.variable(s).is_some_and(|v| matches!(v.kind, VarKind::Parameter | VarKind::Internal));
    (nestml_ode::is_zero(&rest) && !nestml_ode::is_zero(&scale) && scale.symbols().iter().all(fixed)).then_some((state, scale))
}
