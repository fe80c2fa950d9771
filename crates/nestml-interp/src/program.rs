//! A neuron model compiled for interpretation ([`Program`]): the compiler's IR and the code
//! generator's layout ([`NeuronLayout`]) with every expression and statement resolved to
//! slots once.

use std::collections::{BTreeMap, BTreeSet};

use nestml_compiler::analysis::nestml_name;
use nestml_compiler::codegen::{dependency_order, guard_reason, guard_text, is_synapse, neuron_layout, receptors, CodegenOptions, Declared, FloatType, NeuronLayout, NumericSolver};
use nestml_compiler::ir::{ModelIr, STEP};
use nestml_compiler::sema::symbols::VarKind;
use nestml_compiler::sema::types::Type;
use nestml_ode::{Expr, Func};
use nestml_runtime::{PortInfo, PortKind, Receptor, ValueType, VariableInfo, VariableKind};

use crate::block::{leak, Block, BlockCompiler, Function, Scope, Storage};
use crate::code::{Code, CondCode};
use crate::resolve::{Compiler, Ctx, Slots};
use crate::sized::MAX_STATES;

/// The most spike or continuous input ports an interpreted model may have.
pub const MAX_PORTS: usize = 16;

/// Why a model cannot be interpreted: the model and each construct, by name.
#[derive(Clone, Debug, PartialEq)]
pub struct Unsupported {
    /// The model.
    pub model: String,
    /// What cannot be interpreted.
    pub reasons: Vec<String>,
}

impl std::fmt::Display for Unsupported {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "model `{}` cannot be interpreted: {}", self.model, self.reasons.join("; "))
    }
}

impl std::error::Error for Unsupported {}

/// How one variable of [`Program::variables`] is read.
#[derive(Clone, Debug)]
pub(crate) enum Access {
    /// A scalar slot.
    Scalar(u32),
    /// A vector.
    Vector(u32),
    /// A recordable inline, computed when read.
    Recordable(Code),
}

/// A declared value computed in dependency order (defaults, initial values).
#[derive(Clone, Debug)]
pub(crate) struct Initial {
    pub target: Target,
    /// The value; `None` is 0.
    pub value: Option<Code>,
}

/// Where an [`Initial`] goes.
#[derive(Clone, Debug)]
pub(crate) enum Target {
    Scalar(u32),
    /// A vector of a literal length, or of the length its size expression gives.
    Vector(u32, Len),
}

/// The length of a vector variable.
#[derive(Clone, Debug)]
pub(crate) enum Len {
    Fixed(usize),
    Sized(Code),
}

/// A term of an exact row `Σ P x + q + Σ G u`.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Term {
    /// `P[k] * x[column]`.
    P(usize, usize),
    /// `P[k] * delayed value` (slot).
    PDelayed(usize, u32),
    /// `q[m]`.
    Q(usize),
    /// `G[m] * u[input]`.
    G(usize, usize),
}

/// A delayed state value `x(t - delay)`.
#[derive(Clone, Debug)]
pub(crate) struct Delayed {
    pub state: u32,
    pub value: u32,
    /// `round(delay / h)`.
    pub steps: Code,
    pub delay: Code,
    /// The delay's name for faults.
    pub name: &'static str,
}

/// A neuron model compiled for interpretation; [`crate::Interpreted`] neurons run it.
///
/// Its names are leaked once (`&'static str`, as the runtime's variable lists and faults hold
/// them): a few hundred bytes per compiled model.
#[derive(Debug)]
pub struct Program {
    pub(crate) name: &'static str,
    pub(crate) ir: ModelIr,
    pub(crate) options: CodegenOptions,
    pub(crate) variables: &'static [VariableInfo],
    pub(crate) ports: &'static [PortInfo],
    pub(crate) receptors: &'static [Receptor],
    pub(crate) state_names: &'static [&'static str],
    pub(crate) slots: Slots,
    pub(crate) storage: Vec<Storage>,
    pub(crate) access: Vec<Access>,
    pub(crate) n_vectors: usize,
    pub(crate) spike_ports: Vec<u32>,
    pub(crate) continuous_ports: Vec<u32>,
    /// Every declared value in dependency order, and the states among them.
    pub(crate) defaults: Vec<Initial>,
    pub(crate) resets: Vec<Initial>,
    /// Scalar internals in dependency order (slot, value).
    pub(crate) internals: Vec<(u32, Code)>,
    /// Vectors sized by a parameter: (vector, size, default of new elements).
    pub(crate) resized: Vec<(u32, Code, Code)>,
    /// Guards: condition, fault text, `set` refusal.
    pub(crate) guards: Vec<(CondCode, &'static str, &'static str)>,
    /// Real scalar internals, checked finite by `calibrate`.
    pub(crate) finite_internals: Vec<(&'static str, u32)>,
    pub(crate) delayed: Vec<Delayed>,
    // the exact part
    pub(crate) lin_slots: Vec<u32>,
    pub(crate) a: Vec<Code>,
    pub(crate) p_entries: Vec<(usize, usize)>,
    pub(crate) constant: Vec<Option<Code>>,
    pub(crate) q_terms: Vec<(usize, Vec<usize>)>,
    pub(crate) g_terms: Vec<(usize, Vec<(usize, Code)>)>,
    pub(crate) rows: Vec<Vec<Term>>,
    /// Exactly propagated convolution states (row, slot), advanced at the start of a step
    /// from the inputs `conv_inputs`.
    pub(crate) exact_conv: Vec<(usize, u32)>,
    pub(crate) conv_inputs: Vec<Code>,
    // the step
    pub(crate) numeric: bool,
    pub(crate) ode_slots: Vec<u32>,
    pub(crate) update: Block,
    pub(crate) on_receive: Vec<(usize, Block)>,
    /// Convolution jumps: (spike port, slot, jump reading the weight sum from local 0).
    pub(crate) conv_jumps: Vec<(usize, u32, Code)>,
    pub(crate) on_condition: Vec<(CondCode, Block)>,
    pub(crate) functions: Vec<Function>,
}

impl Program {
    /// Compiles the neuron model `ir` with the code generator's `options` (solver, tolerances,
    /// suffix); refuses synapses, `float = "f32"` and whatever the code generator cannot
    /// generate, by name.
    pub fn new(ir: &ModelIr, options: &CodegenOptions) -> Result<Program, Unsupported> {
        let unsupported = |reasons: Vec<String>| Unsupported { model: ir.name.clone(), reasons };
        if is_synapse(ir) {
            return Err(unsupported(vec!["it is a synapse model; the interpreter runs neurons".into()]));
        }
        if options.float != FloatType::F64 {
            return Err(unsupported(vec!["`float = \"f32\"`: the interpreter computes in f64".into()]));
        }
        if options.numeric_solver == NumericSolver::RushLarsen {
            return Err(unsupported(vec!["`numeric_solver = \"rush-larsen\"`: the interpreter does not run the Rush–Larsen solver".into()]));
        }
        let (layout, ms) = neuron_layout(ir, options).map_err(|errors| unsupported(errors.into_iter().map(|e| e.message).collect()))?;
        let mut reasons = Vec::new();
        if layout.states.len() > MAX_STATES {
            reasons.push(format!("{} ODE states (the interpreter takes at most {MAX_STATES})", layout.states.len()));
        }
        if ir.spike_ports.len() > MAX_PORTS || ir.continuous_ports.len() > MAX_PORTS {
            reasons.push(format!("more than {MAX_PORTS} spike or continuous input ports"));
        }
        if !reasons.is_empty() {
            return Err(unsupported(reasons));
        }
        let name = leak(format!("{}{}", ir.name, options.suffix));
        let conv_states: Vec<String> = layout.states.iter().filter(|s| layout.conv.contains(*s)).cloned().collect();

        // slots, storage and the variable list
        let mut slots = Slots::default();
        let mut storage_of = BTreeMap::new();
        let mut n_vectors = 0u32;
        for v in &ir.variables {
            if v.size.is_some() {
                slots.vector.insert(v.name.clone(), n_vectors);
                n_vectors += 1;
            } else {
                slots.add_scalar(&v.name);
                let storage = match v.ty {
                    Type::Integer => Storage::Integer,
                    Type::Boolean => Storage::Boolean,
                    _ => Storage::Real,
                };
                storage_of.insert(v.name.clone(), storage);
            }
        }
        for s in &conv_states {
            slots.add_scalar(s);
        }
        for d in &ir.delayed {
            slots.add_scalar(&d.symbol);
        }
        let spike_ports: Vec<u32> = ir.spike_ports.iter().map(|p| port_slot(&mut slots, p)).collect();
        let continuous_ports: Vec<u32> = ir.continuous_ports.iter().map(|p| port_slot(&mut slots, p)).collect();
        slots.h = slots.next();
        let mut storage = vec![Storage::Real; slots.len];
        for (s, st) in &storage_of {
            storage[slots.scalar[s] as usize] = *st;
        }

        let mut b = Builder { compiler: Compiler { layout: &layout, slots: &slots }, errors: Vec::new() };
        let mut variables: Vec<VariableInfo> = Vec::new();
        let mut access = Vec::new();
        for v in &ir.variables {
            variables.push(VariableInfo { name: leak(v.name.clone()), unit: v.unit.clone().map(leak), kind: variable_kind(v.kind), ty: value_type(&v.ty), vector: v.size.is_some() });
            access.push(match slots.vector.get(&v.name) {
                Some(&i) => Access::Vector(i),
                None => Access::Scalar(slots.scalar[&v.name]),
            });
        }
        for s in &conv_states {
            variables.push(VariableInfo { name: leak(s.clone()), unit: None, kind: VariableKind::State, ty: ValueType::Real, vector: false });
            access.push(Access::Scalar(slots.scalar[s]));
        }
        for i in ir.inlines.iter().filter(|i| i.recordable) {
            variables.push(VariableInfo { name: leak(i.name.clone()), unit: i.unit.clone().map(leak), kind: VariableKind::Recordable, ty: ValueType::Real, vector: false });
            access.push(Access::Recordable(b.expr(&i.rhs, Ctx::Calibrate)));
        }
        let ports: Vec<PortInfo> = ir
            .spike_ports
            .iter()
            .map(|p| PortInfo { name: leak(p.clone()), kind: PortKind::Spike, unit: None, len: 1 })
            .chain(ir.continuous_ports.iter().zip(&ir.continuous_units).map(|(p, u)| PortInfo { name: leak(p.clone()), kind: PortKind::Continuous, unit: u.clone().map(leak), len: 1 }))
            .collect();
        let receptors: Vec<Receptor> = receptors(&ir.spike_qualifiers).into_iter().map(|(excitatory, inhibitory)| Receptor { excitatory, inhibitory }).collect();

        // defaults and initial values
        let initial: BTreeMap<&str, &Expr> = ms.system.states.iter().map(|s| (s.name.as_str(), &s.initial)).collect();
        let mut items: Vec<Declared> = ir.variables.iter().map(|v| (v.name.as_str(), v.default.as_ref(), v.size.as_ref())).collect();
        for s in &conv_states {
            items.push((s.as_str(), initial.get(s.as_str()).copied(), None));
        }
        let defaults = match dependency_order(&items) {
            Ok(order) => b.initials(ir, &order),
            Err(cycle) => {
                b.errors.push(format!("the defaults of {} depend on each other", cycle.iter().map(|s| format!("`{}`", nestml_name(s))).collect::<Vec<_>>().join(", ")));
                Vec::new()
            }
        };
        let is_state = |sym: &str| conv_states.iter().any(|c| c == sym) || ir.variable(sym).is_some_and(|v| v.kind == VarKind::State);
        let state_items: Vec<Declared> = items.iter().copied().filter(|(sym, ..)| is_state(sym)).collect();
        let resets = dependency_order(&state_items).map(|order| b.initials(ir, &order)).unwrap_or_default();

        // internals, vectors that follow their size, guards
        let internal_items: Vec<Declared> = ir.variables.iter().filter(|v| v.kind == VarKind::Internal && v.size.is_none()).map(|v| (v.name.as_str(), v.default.as_ref(), None)).collect();
        let internals = dependency_order(&internal_items)
            .map(|order| order.iter().filter_map(|(sym, e, _)| Some((slots.scalar[*sym], b.expr((*e)?, Ctx::Calibrate)))).collect())
            .unwrap_or_default();
        let resized = ir
            .variables
            .iter()
            .filter(|v| v.size.is_some() && v.fixed_len().is_none())
            .map(|v| {
                let size = b.expr(v.size.as_ref().expect("a vector"), Ctx::Calibrate);
                let default = v.default.as_ref().map_or(Code::Num(0.0), |e| b.expr(e, Ctx::Calibrate));
                (slots.vector[&v.name], size, default)
            })
            .collect();
        let guards = ir
            .variables
            .iter()
            .filter_map(|v| {
                let g = v.guard.as_ref()?;
                let code = b.cond(g, Ctx::Calibrate);
                Some((code, leak(guard_text(g, &v.nestml_name)), leak(guard_reason(g, &nestml_name(&v.name)))))
            })
            .collect();
        let finite_internals = ir
            .variables
            .iter()
            .filter(|v| v.kind == VarKind::Internal && v.size.is_none() && storage_of.get(&v.name) == Some(&Storage::Real))
            .map(|v| (leak(v.nestml_name.clone()), slots.scalar[&v.name]))
            .collect();
        let delayed = ir
            .delayed
            .iter()
            .map(|d| Delayed {
                state: slots.scalar.get(&d.state).copied().unwrap_or(0),
                value: slots.scalar[&d.symbol],
                steps: b.expr(&Expr::call(Func::Round, vec![d.delay.clone() / Expr::sym(STEP)]), Ctx::Calibrate),
                delay: b.expr(&d.delay, Ctx::Calibrate),
                name: leak(match &d.delay {
                    Expr::Sym(p) => nestml_name(p),
                    _ => format!("{}(t - {})", nestml_name(&d.state), d.delay),
                }),
            })
            .collect();

        // the exact part: A, the constant parts and coefficients of b, the rows
        let lin = &layout.lin;
        let n = lin.states.len();
        let lin_slots = lin.states.iter().map(|s| slots.scalar.get(s).copied().unwrap_or(0)).collect();
        let a = lin.a.iter().flatten().map(|e| b.expr(e, Ctx::Calibrate)).collect();
        let constant: Vec<Option<Code>> = layout.forcing.constant.iter().map(|e| (!nestml_ode::is_zero(e)).then(|| b.expr(e, Ctx::Calibrate))).collect();
        let q_terms = layout.q_rows.iter().map(|&i| (i, (0..n).filter(|&k| layout.reach[i][k] && constant[k].is_some()).collect())).collect();
        let g_terms = layout
            .g_entries
            .iter()
            .map(|&(i, u)| {
                let terms = (0..n)
                    .filter(|&k| layout.reach[i][k])
                    .filter_map(|k| layout.forcing.coefficients[k].iter().find(|(v, _)| *v == u).map(|(_, c)| (k, b.expr(c, Ctx::Calibrate))))
                    .collect();
                (i, terms)
            })
            .collect();
        let rows = (0..n).map(|i| row_terms(&layout, &slots, i)).collect();
        let exact_conv: Vec<(usize, u32)> = lin.states.iter().enumerate().filter(|(_, s)| layout.conv.contains(*s)).map(|(i, s)| (i, slots.scalar[s])).collect();
        let conv_inputs = if exact_conv.is_empty() { Vec::new() } else { layout.forcing.inputs.iter().map(|e| b.expr(e, Ctx::Step)).collect() };
        let ode_slots = layout.states.iter().map(|s| slots.scalar.get(s).copied().unwrap_or(0)).collect();
        let state_names: Vec<&'static str> = layout.states.iter().map(|s| leak(nestml_name(s))).collect();

        // the blocks
        let mut errors = std::mem::take(&mut b.errors);
        let mut blocks = BlockCompiler { exprs: Compiler { layout: &layout, slots: &slots }, ir, storage: &storage_of, errors: Vec::new(), n_locals: 0 };
        let functions = ir
            .functions
            .iter()
            .map(|f| {
                let block = blocks.block(&f.body, &f.params, Scope::Function);
                Function { params: f.params.len(), locals: block.locals, body: block.body }
            })
            .collect();
        let update = blocks.block(&ir.update, &[], Scope::Update);
        let mut on_receive = Vec::new();
        for (port, handler) in &ir.on_receive {
            match ir.spike_ports.iter().position(|p| p == port) {
                Some(i) => on_receive.push((i, blocks.block(handler, &[], Scope::Handler))),
                None => blocks.errors.push(format!("`onReceive({port})`: not a spike input port")),
            }
        }
        let mut conv_jumps = Vec::new();
        let w: BTreeMap<String, u32> = [("__w".to_string(), 0)].into();
        for j in ms.jumps.iter().filter(|j| layout.conv.contains(&j.state)) {
            let Some(i) = ir.spike_ports.iter().position(|p| *p == j.port) else { continue };
            let jump = j.jump.subs(nestml_compiler::analysis::WEIGHT, &Expr::sym("__w"));
            match blocks.exprs.expr(&jump, Ctx::Step, &w) {
                Ok(code) => conv_jumps.push((i, slots.scalar[&j.state], code)),
                Err(e) => blocks.errors.push(e),
            }
        }
        let on_condition = ir
            .on_condition
            .iter()
            .map(|(c, block)| {
                let c = blocks.exprs.cond(c, Ctx::Step, &BTreeMap::new()).unwrap_or_else(|e| {
                    blocks.errors.push(e);
                    CondCode::Bool(false)
                });
                (c, blocks.block(block, &[], Scope::Handler))
            })
            .collect();
        errors.append(&mut blocks.errors);
        if !errors.is_empty() {
            let mut seen = BTreeSet::new();
            errors.retain(|e| seen.insert(e.clone()));
            return Err(unsupported(errors));
        }
        Ok(Program {
            name,
            ir: ir.clone(),
            options: options.clone(),
            variables: Box::leak(variables.into_boxed_slice()),
            ports: Box::leak(ports.into_boxed_slice()),
            receptors: Box::leak(receptors.into_boxed_slice()),
            state_names: Box::leak(state_names.into_boxed_slice()),
            storage,
            access,
            n_vectors: n_vectors as usize,
            spike_ports,
            continuous_ports,
            defaults,
            resets,
            internals,
            resized,
            guards,
            finite_internals,
            delayed,
            lin_slots,
            a,
            p_entries: layout.p_entries.clone(),
            constant,
            q_terms,
            g_terms,
            rows,
            exact_conv,
            conv_inputs,
            numeric: layout.numeric,
            ode_slots,
            update,
            on_receive,
            conv_jumps,
            on_condition,
            functions,
            slots,
        })
    }

    /// The model name (with the options' suffix).
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The code generator's options it was compiled with.
    pub fn options(&self) -> &CodegenOptions {
        &self.options
    }

    /// The model's IR.
    pub fn ir(&self) -> &ModelIr {
        &self.ir
    }

    /// Parameters, state, internals, convolution states and recordable inlines, in the order
    /// generated code lists them.
    pub fn variables(&self) -> &'static [VariableInfo] {
        self.variables
    }

    /// The input ports: spike ports, then continuous ports.
    pub fn ports(&self) -> &'static [PortInfo] {
        self.ports
    }

    /// The NEST receptors and the spike ports they feed.
    pub fn receptors(&self) -> &'static [Receptor] {
        self.receptors
    }
}

fn port_slot(slots: &mut Slots, port: &str) -> u32 {
    let slot = slots.next();
    slots.port.insert(port.to_string(), slot);
    slot
}

fn variable_kind(k: VarKind) -> VariableKind {
    match k {
        VarKind::Parameter => VariableKind::Parameter,
        VarKind::Internal => VariableKind::Internal,
        _ => VariableKind::State,
    }
}

fn value_type(t: &Type) -> ValueType {
    match t {
        Type::Integer => ValueType::Integer,
        Type::Boolean => ValueType::Boolean,
        _ => ValueType::Real,
    }
}

/// The terms of exact row `i`: `P` entries of the row (a delayed value in place of its
/// state where the row reads one), `q`, then `G` entries.
fn row_terms(layout: &NeuronLayout, slots: &Slots, i: usize) -> Vec<Term> {
    let mut terms = Vec::new();
    for (k, e) in layout.p_entries.iter().enumerate().filter(|(_, e)| e.0 == i) {
        terms.push(match layout.delayed_columns.iter().find(|(r, c, _)| (*r, *c) == *e) {
            Some((.., symbol)) => Term::PDelayed(k, slots.scalar[symbol]),
            None => Term::P(k, e.1),
        });
    }
    if let Some(m) = layout.q_rows.iter().position(|&r| r == i) {
        terms.push(Term::Q(m));
    }
    for (m, e) in layout.g_entries.iter().enumerate().filter(|(_, e)| e.0 == i) {
        terms.push(Term::G(m, e.1));
    }
    terms
}

/// Compiles the expressions outside blocks, collecting problems.
struct Builder<'a> {
    compiler: Compiler<'a>,
    errors: Vec<String>,
}

impl Builder<'_> {
    fn expr(&mut self, e: &Expr, ctx: Ctx) -> Code {
        self.compiler.expr(e, ctx, &BTreeMap::new()).unwrap_or_else(|message| {
            self.errors.push(message);
            Code::Num(0.0)
        })
    }

    fn cond(&mut self, c: &nestml_ode::Cond, ctx: Ctx) -> CondCode {
        self.compiler.cond(c, ctx, &BTreeMap::new()).unwrap_or_else(|message| {
            self.errors.push(message);
            CondCode::Bool(false)
        })
    }

    /// The declared values `order` (in that order) with the model's values read as computed
    /// so far (`Ctx::Default`).
    fn initials(&mut self, ir: &ModelIr, order: &[Declared]) -> Vec<Initial> {
        order
            .iter()
            .map(|&(sym, e, size)| {
                let value = e.map(|e| self.expr(e, Ctx::Default));
                let target = match (size, self.compiler.slots.vector.get(sym)) {
                    (Some(size), Some(&v)) => {
                        let len = match ir.variable(sym).and_then(|v| v.fixed_len()) {
                            Some(n) => Len::Fixed(n),
                            None => Len::Sized(self.expr(size, Ctx::Default)),
                        };
                        Target::Vector(v, len)
                    }
                    _ => Target::Scalar(self.compiler.slots.scalar[sym]),
                };
                Initial { target, value }
            })
            .collect()
    }
}
