//! Synapse models: a model named `…synapse` (or one that emits spikes with a weight) becomes
//! two types implementing `nestml::Synapse` and `nestml::SynapseParams`:
//! - `XSynapse`, the state of one connection: its state variables, the weight variable (per
//!   connection also where the model declares it a parameter), convolution states and the time
//!   of the last update (only if the model has dynamics between events or reads postsynaptic
//!   or modulatory spikes: a static synapse is its weight); `Copy` (a few `f64`s);
//! - `XSynapseParams`, the parameters and internals shared by the connections of one synapse
//!   type (`Default` is the model's defaults), with guards checked on `set` and by `check`.
//!
//! The generated parts are what the runtime's event loop drives (`nestml::synapse` docs):
//! `advance` (convolution states and the `update` block over an event interval `timestep()`,
//! `integrate_odes` by closed-form propagators), one method per handler (`onReceive` of the
//! presynaptic, postsynaptic and modulatory spike ports), and the postsynaptic traces.
//!
//! Spike ports are told apart by name, as PyNESTML's co-generation options name them: a port
//! whose name contains `post` carries the postsynaptic neuron's spikes, one containing `mod`
//! neuromodulatory spikes, the remaining one the presynaptic spikes. Continuous ports read
//! variables of the postsynaptic neuron.
//!
//! **Postsynaptic traces** are the state variables that only postsynaptic spikes change: set
//! only by top-level statements of the postsynaptic handler whose right-hand sides read only
//! such traces and parameters, with ODEs among themselves (and the convolutions with the
//! postsynaptic port). PyNESTML moves them into the neuron and reads them strictly before the
//! event being handled, as NEST reads its postsynaptic traces; here they stay in the synapse:
//! the postsynaptic handler runs its other statements first (they see the traces before this
//! spike), then the trace updates, and the event loop hides the increments of a postsynaptic
//! spike that coincides with a presynaptic one from the presynaptic handler.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use nestml_ode::Expr;

use super::body::{Ctx, Gen, Scope};
use super::names::{field, ident, local};
use super::err;
use crate::analysis::{nestml_name, ModelSystem, WEIGHT};
use crate::ir::{IrStmt, IrVariable, ModelIr, STEP};
use crate::sema::symbols::VarKind;
use crate::sema::types::Type;

/// What a spike port of a synapse carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum SpikeRole {
    Pre,
    Post,
    Modulatory,
}

impl SpikeRole {
    fn of(port: &str) -> SpikeRole {
        if port.contains("post") {
            SpikeRole::Post
        } else if port.contains("mod") {
            SpikeRole::Modulatory
        } else {
            SpikeRole::Pre
        }
    }

    fn runtime(self) -> &'static str {
        match self {
            SpikeRole::Pre => "Pre",
            SpikeRole::Post => "Post",
            SpikeRole::Modulatory => "Modulatory",
        }
    }
}

/// Whether `ir` is a synapse: named `…synapse`, or not named `…neuron` and calling
/// `emit_spike` with a weight.
pub(super) fn is_synapse(ir: &ModelIr) -> bool {
    ir.name.ends_with("synapse") || (!ir.name.ends_with("neuron") && emits(ir, &|args| !args.is_empty()))
}

/// Whether some `emit_spike(args)` of the model's blocks satisfies `pred`.
fn emits(ir: &ModelIr, pred: &dyn Fn(&[Expr]) -> bool) -> bool {
    let blocks = ir.on_receive.iter().map(|(_, b)| b).chain([&ir.update]).chain(ir.on_condition.iter().map(|(_, b)| b));
    blocks.into_iter().any(|b| any_stmt(b, &mut |s| matches!(s, IrStmt::EmitSpike(args) if pred(args))))
}

/// Whether `f` holds for some statement of `body`, nested ones included.
fn any_stmt(body: &[IrStmt], f: &mut dyn FnMut(&IrStmt) -> bool) -> bool {
    body.iter().any(|s| {
        f(s) || match s {
            IrStmt::If { branches, otherwise } => branches.iter().any(|(_, b)| any_stmt(b, f)) || any_stmt(otherwise, f),
            IrStmt::For { body, .. } | IrStmt::While { body, .. } => any_stmt(body, f),
            _ => false,
        }
    })
}

/// Every variable assigned anywhere in `body`.
fn assigned(body: &[IrStmt]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    any_stmt(body, &mut |s| {
        if let IrStmt::Assign { target, .. } = s {
            out.insert(target.clone());
        }
        false
    });
    out
}

/// The postsynaptic traces (module docs) among the real scalar `states`.
fn post_traces(ir: &ModelIr, ms: &ModelSystem, post_port: Option<&str>, states: &BTreeSet<String>) -> BTreeSet<String> {
    let Some(post_port) = post_port else { return BTreeSet::new() };
    let handler: &[IrStmt] = ir.on_receive.iter().find(|(p, _)| p == post_port).map_or(&[], |(_, b)| b);
    let mut elsewhere = assigned(&ir.update);
    for (p, b) in ir.on_receive.iter().filter(|(p, _)| p != post_port) {
        elsewhere.extend(assigned(b));
        let _ = p;
    }
    let top: Vec<(&String, &Expr)> = handler.iter().filter_map(|s| match s {
        IrStmt::Assign { target, index: None, value, .. } => Some((target, value)),
        _ => None,
    }).collect();
    let nested = assigned(handler).into_iter().filter(|t| !top.iter().any(|(x, _)| *x == t));
    elsewhere.extend(nested);
    let conv: BTreeSet<String> = ms.jumps.iter().filter(|j| j.port == post_port).map(|j| j.state.clone()).collect();
    let mut set: BTreeSet<String> = top.iter().map(|(t, _)| (*t).clone()).filter(|t| states.contains(t)).chain(conv).filter(|t| !elsewhere.contains(t)).collect();
    let rhs: BTreeMap<&str, &Expr> = ms.system.states.iter().map(|s| (s.name.as_str(), &s.rhs)).collect();
    let locals: BTreeSet<String> = handler.iter().filter_map(|s| if let IrStmt::Local { name, .. } = s { Some(name.clone()) } else { None }).collect();
    loop {
        let reads_other = |e: &Expr, set: &BTreeSet<String>| e.symbols().iter().any(|s| (states.contains(s) && !set.contains(s)) || locals.contains(s) || s == "t");
        let keep: BTreeSet<String> = set
            .iter()
            .filter(|v| !top.iter().any(|(t, e)| *t == *v && reads_other(e, &set)) && !rhs.get(v.as_str()).is_some_and(|e| reads_other(e, &set)))
            .cloned()
            .collect();
        if keep.len() == set.len() {
            return keep;
        }
        set = keep;
    }
}

impl Gen<'_> {
    /// The Rust source of a synapse model (module docs).
    pub fn synapse_source(&mut self, ms: &ModelSystem) -> String {
        let ir = self.ir;
        let name = self.type_name.clone();
        let params_name = format!("{name}Params");
        let weight = self.options.weight_variable.clone();
        let syn = self.synapse.clone().unwrap_or_default();
        if self.numeric {
            self.errors.push(err(None, "nonlinear ODEs in synapses are not supported yet (synapse state is propagated exactly between events)"));
        }
        if !ir.functions.is_empty() {
            self.errors.push(err(None, "procedural functions in synapses are not supported yet"));
        }
        if !ir.on_condition.is_empty() {
            self.errors.push(err(None, "`onCondition` in synapses is not supported yet"));
        }
        if let Some(v) = ir.variables.iter().find(|v| v.size.is_some()) {
            self.errors.push(err(Some(v.span), format!("`{}`: vectors in synapses are not supported yet", v.nestml_name)));
        }
        if let Some(v) = ir.variables.iter().find(|v| v.kind == VarKind::Internal && v.default.as_ref().is_some_and(|e| e.symbols().contains(STEP))) {
            self.errors.push(err(Some(v.span), format!("`{}`: a synapse has no resolution; its internals cannot use `resolution()`", v.nestml_name)));
        }
        if ir.variable(&weight).is_none() {
            self.errors.push(err(None, format!("synapse `{}` has no weight variable `{weight}` (declare it, or name it with the option `weight_variable`)", ir.name)));
        }
        if !emits(ir, &|args| !args.is_empty()) {
            self.errors.push(err(None, format!("synapse `{}` never calls `emit_spike(w)`, so it would deliver nothing", ir.name)));
        }
        let roles: Vec<SpikeRole> = ir.spike_ports.iter().map(|p| SpikeRole::of(p)).collect();
        for role in [SpikeRole::Pre, SpikeRole::Post, SpikeRole::Modulatory] {
            let n = roles.iter().filter(|r| **r == role).count();
            if (role == SpikeRole::Pre && n != 1) || n > 1 {
                let ports: Vec<String> = ir.spike_ports.iter().map(|p| format!("`{p}`")).collect();
                self.errors.push(err(None, format!("a synapse needs one presynaptic spike port and at most one postsynaptic (`post…`) and one modulatory (`mod…`) port; it has {}", ports.join(", "))));
                break;
            }
        }
        let port_of = |role: SpikeRole| ir.spike_ports.iter().zip(&roles).find(|(_, r)| **r == role).map(|(p, _)| p.as_str());
        let (pre_port, post_port, mod_port) = (port_of(SpikeRole::Pre), port_of(SpikeRole::Post), port_of(SpikeRole::Modulatory));
        let priority = |port: Option<&str>| port.and_then(|p| ir.on_receive.iter().position(|(q, _)| q == p)).map_or(0, |i| ir.on_receive_priority[i]);
        let pre_first = priority(pre_port) > priority(post_port);

        let conn: Vec<(usize, &IrVariable)> = ir.variables.iter().filter(|v| v.kind == VarKind::State || v.name == weight).enumerate().collect();
        let params: Vec<(usize, &IrVariable)> = ir.variables.iter().filter(|v| syn.params.contains(&v.name)).enumerate().collect();
        let conv_states: Vec<String> = self.states.iter().filter(|s| self.conv.contains(*s)).cloned().collect();
        let real_states: BTreeSet<String> = conn.iter().filter(|(_, v)| v.ty != Type::Integer && v.ty != Type::Boolean).map(|(_, v)| v.name.clone()).chain(conv_states.iter().cloned()).collect();
        let traces: Vec<String> = post_traces(ir, ms, post_port, &real_states).into_iter().collect();
        let finite: Vec<&String> = real_states.iter().collect();
        // a synapse without dynamics between events and without postsynaptic or modulatory
        // input never reads the time of its last update: it does not store it
        let timed = !self.states.is_empty() || !ir.update.is_empty() || post_port.is_some() || mod_port.is_some();

        let mut o = String::new();
        let _ = writeln!(o, "/// The NESTML synapse `{}` (generated): the state of one connection.", self.model_name);
        if !ir.doc.is_empty() {
            o.push_str("///\n");
            o.push_str(&super::model::doc(&ir.doc, ""));
        }
        let _ = writeln!(o, "#[allow(non_snake_case, dead_code)]\n#[derive(Clone, Copy, Debug, PartialEq)]\npub struct {name} {{");
        for (_, v) in &conn {
            let unit = v.unit.as_deref().map(|u| format!(" ({u})")).unwrap_or_default();
            let _ = writeln!(o, "    /// {} `{}`{unit}.", if v.kind == VarKind::State { "state" } else { "weight" }, v.nestml_name);
            o.push_str(&super::model::doc(&v.doc, "    "));
            let _ = writeln!(o, "    pub {}: {},", ident(&v.name).unwrap_or_default(), self.storage(&v.name).rust_type());
        }
        for s in &conv_states {
            let _ = writeln!(o, "    /// convolution state `{}`.\n    pub {}: f64,", nestml_name(s), ident(s).unwrap_or_default());
        }
        if timed {
            let _ = writeln!(o, "    /// The time (ms) the connection's state refers to.\n    __t_last: f64,");
        }
        let _ = writeln!(o, "}}\n");
        // a connection with its own parameters (NEST modules): both structs, every field ≤ 8 bytes
        self.connection_fields = Some(conn.len() + conv_states.len() + usize::from(timed) + params.len());

        // the parameters
        let _ = writeln!(o, "/// The parameters of the NESTML synapse `{}`, shared by the connections of one synapse type.\n#[allow(non_snake_case, dead_code)]\n#[derive(Clone, Debug, PartialEq)]\npub struct {params_name} {{", self.model_name);
        for (_, v) in &params {
            let unit = v.unit.as_deref().map(|u| format!(" ({u})")).unwrap_or_default();
            let _ = writeln!(o, "    /// {} `{}`{unit}.", super::model::kind_name(v.kind).to_lowercase(), v.nestml_name);
            o.push_str(&super::model::doc(&v.doc, "    "));
            let _ = writeln!(o, "    pub {}: {},", ident(&v.name).unwrap_or_default(), self.storage(&v.name).rust_type());
        }
        let _ = writeln!(o, "}}\n");
        let declared: Vec<super::model::Declared> = params.iter().map(|(_, v)| (v.name.as_str(), v.default.as_ref(), None)).collect();
        let none = BTreeSet::new();
        let mut defaults = String::new();
        match super::model::dependency_order(&declared) {
            Ok(order) => {
                for (sym, e, _) in order {
                    let v = e.map_or("0.0_f64".into(), |e| self.expr(e, Ctx::Default, &none, None));
                    let _ = writeln!(defaults, "        let {}: f64 = {v};", local("v_", sym));
                }
            }
            Err(cycle) => self.errors.push(err(None, format!("the defaults of {} depend on each other", cycle.join(", ")))),
        }
        let _ = writeln!(o, "impl ::core::default::Default for {params_name} {{\n    #[allow(non_snake_case, unused_variables, clippy::all)]\n    fn default() -> Self {{");
        o.push_str(&defaults);
        let _ = writeln!(o, "        {params_name} {{");
        for (_, v) in &params {
            let _ = writeln!(o, "            {}: {},", ident(&v.name).unwrap_or_default(), self.storage(&v.name).store(&local("v_", &v.name)));
        }
        let _ = writeln!(o, "        }}\n    }}\n}}\n");
        let _ = writeln!(o, "#[allow(non_snake_case, unused_parens, clippy::all)]\nimpl {params_name} {{\n    const __MODEL: &'static str = {:?};\n\n    /// Recomputes the internals from the parameters.\n    fn __recompute(&mut self) {{", self.model_name);
        let internals: Vec<super::model::Declared> = params.iter().filter(|(_, v)| v.kind == VarKind::Internal).map(|(_, v)| (v.name.as_str(), v.default.as_ref(), None)).collect();
        if let Ok(order) = super::model::dependency_order(&internals) {
            for (sym, e, _) in order {
                if let Some(e) = e {
                    let v = self.expr(e, Ctx::Calibrate, &none, None);
                    let _ = writeln!(o, "        {} = {};", field(sym), self.storage(sym).store(&v));
                }
            }
        }
        let _ = writeln!(o, "    }}\n}}\n");
        let _ = writeln!(o, "#[allow(non_snake_case, unused_parens, unused_variables, clippy::all)]\nimpl ::nestml::SynapseParams for {params_name} {{\n    const MODEL: &'static str = {:?};", self.model_name);
        o.push_str(&self.variable_infos(&params, &[]));
        self.synapse_get_set(&params, &[], Ctx::Calibrate, true, &mut o);
        let _ = writeln!(o, "    fn check(&self) -> ::core::result::Result<(), ::nestml::Fault> {{");
        for (_, v) in &params {
            if let Some(g) = &v.guard {
                let c = self.cond(g, Ctx::Calibrate, &none, None);
                let text = format!("{g} (the guard of `{}`, in NEST units)", v.nestml_name);
                let _ = writeln!(o, "        if !{c} {{\n            return Err(::nestml::Fault::new(Self::__MODEL, 0.0, ::nestml::FaultKind::GuardViolated {{ guard: {text:?} }}));\n        }}");
            }
        }
        let _ = writeln!(o, "        Ok(())\n    }}\n}}\n");

        // the connection
        let states: Vec<String> = finite.iter().map(|s| format!("{:?}", nestml_name(s))).collect();
        let _ = writeln!(o, "#[allow(non_snake_case, unused_parens, unused_variables, unused_mut, clippy::all)]\nimpl {name} {{\n    const __MODEL: &'static str = {:?};\n    /// The real state variables, for faults.\n    const __STATES: [&'static str; {}] = [{}];\n}}\n", self.model_name, states.len(), states.join(", "));
        let _ = writeln!(o, "#[allow(non_snake_case, unused_parens, unused_variables, unused_mut, unused_assignments, clippy::all)]\nimpl ::nestml::Synapse for {name} {{\n    const NAME: &'static str = {:?};", self.model_name);
        o.push_str(&self.variable_infos(&conn, &conv_states));
        let _ = writeln!(o, "    const PORTS: &'static [::nestml::SynapsePort] = &[");
        for (p, r) in ir.spike_ports.iter().zip(&roles) {
            let _ = writeln!(o, "        ::nestml::SynapsePort {{ name: {p:?}, role: ::nestml::PortRole::{}, unit: None }},", r.runtime());
        }
        for (p, unit) in ir.continuous_ports.iter().zip(&ir.continuous_units) {
            let _ = writeln!(o, "        ::nestml::SynapsePort {{ name: {p:?}, role: ::nestml::PortRole::Continuous, unit: {unit:?} }},");
        }
        let _ = writeln!(o, "    ];\n    const PRE_FIRST: bool = {pre_first};\n    type Params = {params_name};\n    type PostTraces = [f64; {}];\n", traces.len());

        // new: the initial state under the parameters
        let mut items: Vec<super::model::Declared> = conn.iter().map(|(_, v)| (v.name.as_str(), v.default.as_ref(), None)).collect();
        let initial: BTreeMap<&str, &Expr> = ms.system.states.iter().map(|s| (s.name.as_str(), &s.initial)).collect();
        for s in &conv_states {
            items.push((s.as_str(), initial.get(s.as_str()).copied(), None));
        }
        let _ = writeln!(o, "    fn new(__p: &{params_name}) -> Self {{");
        if let Ok(order) = super::model::dependency_order(&items) {
            for (sym, e, _) in order {
                let v = e.map_or("0.0_f64".into(), |e| self.expr(e, Ctx::New, &none, None));
                let _ = writeln!(o, "        let {}: f64 = {v};", local("v_", sym));
            }
        }
        let _ = writeln!(o, "        {name} {{");
        for s in conn.iter().map(|(_, v)| &v.name).chain(&conv_states) {
            let _ = writeln!(o, "            {}: {},", ident(s).unwrap_or_default(), self.storage(s).store(&local("v_", s)));
        }
        if timed {
            let _ = writeln!(o, "            __t_last: 0.0,");
        }
        let _ = writeln!(o, "        }}\n    }}\n");
        let w = self.storage(&weight);
        let _ = writeln!(o, "    fn weight(&self) -> f64 {{\n        {}\n    }}\n", w.read(&field(&weight)));
        let _ = writeln!(o, "    fn set_weight(&mut self, w: f64) {{\n        {} = {};\n    }}\n", field(&weight), w.store("w"));
        self.synapse_get_set(&conn, &conv_states, Ctx::Step, false, &mut o);
        let _ = match timed {
            true => writeln!(o, "    fn t_last(&self) -> f64 {{\n        self.__t_last\n    }}\n\n    fn set_t_last(&mut self, t: f64) {{\n        self.__t_last = t;\n    }}\n"),
            false => writeln!(o, "    fn t_last(&self) -> f64 {{\n        0.0\n    }}\n\n    fn set_t_last(&mut self, _t: f64) {{}}\n"),
        };

        // advance: convolutions, then the update block
        let _ = writeln!(o, "    fn advance(&mut self, __p: &{params_name}, ctx: &mut ::nestml::HandlerContext<'_>, __t_start: f64, __h: f64) -> ::core::result::Result<(), ::nestml::Fault> {{\n        if __h < 1e-12 {{\n            return Ok(());\n        }}\n        let __t = __t_start;\n        let mut __emit: ::core::option::Option<f64> = None;");
        let conv_rows: Vec<usize> = (0..self.lin.states.len()).filter(|&i| self.conv.contains(&self.lin.states[i])).collect();
        for line in self.closed_rows(&conv_rows, &none) {
            let _ = writeln!(o, "        {line}");
        }
        let mut body = String::new();
        self.stmts(&ir.update, &mut BTreeSet::new(), &mut body, 2, Scope::Update);
        o.push_str(&body);
        let _ = writeln!(o, "        Ok(())\n    }}\n");

        // the handlers
        let handler = |port: Option<&str>| port.and_then(|p| ir.on_receive.iter().find(|(q, _)| q == p)).map_or(&[][..], |(_, b)| b.as_slice());
        let head = |o: &mut String, method: &str, ret: &str| {
            let _ = writeln!(o, "    fn {method}(&mut self, __p: &{params_name}, ctx: &mut ::nestml::HandlerContext<'_>, __t: f64) -> ::core::result::Result<{ret}, ::nestml::Fault> {{\n        let __h: f64 = 0.0;\n        let mut __emit: ::core::option::Option<f64> = None;");
        };
        head(&mut o, "on_pre", "::core::option::Option<f64>");
        self.handler_body(handler(pre_port), pre_port, &[], ms, &mut o);
        let _ = writeln!(o, "        Ok(__emit)\n    }}\n");
        head(&mut o, "on_post", "()");
        self.handler_body(handler(post_port), post_port, &traces, ms, &mut o);
        let _ = writeln!(o, "        Ok(())\n    }}\n");
        head(&mut o, "on_mod", "()");
        self.handler_body(handler(mod_port), mod_port, &[], ms, &mut o);
        let _ = writeln!(o, "        Ok(())\n    }}\n");

        let fields: Vec<String> = traces.iter().map(|t| field(t)).collect();
        let _ = writeln!(o, "    fn post_traces(&self) -> [f64; {}] {{\n        [{}]\n    }}\n", traces.len(), fields.join(", "));
        let sets: String = fields.iter().enumerate().map(|(i, f)| format!("\n        {f} = __v[{i}];")).collect();
        let _ = writeln!(o, "    fn set_post_traces(&mut self, __v: [f64; {}]) {{{sets}\n    }}\n", traces.len());
        let values: Vec<String> = finite.iter().map(|s| field(s)).collect();
        let tests: Vec<String> = values.iter().map(|v| format!("{v}.is_finite()")).collect();
        let _ = writeln!(o, "    fn check_finite(&self, t: f64) -> ::core::result::Result<(), ::nestml::Fault> {{\n        if !({}) {{\n            ::nestml::Fault::check_finite(Self::__MODEL, t, &Self::__STATES, &[{}])?;\n        }}\n        Ok(())\n    }}\n}}\n", if tests.is_empty() { "true".to_string() } else { tests.join(" & ") }, values.join(", "));
        let mut carried: Vec<String> = conn.iter().map(|(_, v)| v.name.clone()).chain(conv_states.iter().cloned()).collect();
        if timed {
            carried.push("__t_last".into());
        }
        o.push_str(&super::checkpoint::checkpoint_impl(&name, &carried));
        if self.options.serde {
            let initial = format!("<Self as ::nestml::Synapse>::new(&<{params_name} as ::core::default::Default>::default())");
            o.push_str(&super::checkpoint::serde_impls(&name, &format!("<{name} as ::nestml::Synapse>::NAME"), &initial));
        }
        o.push_str(&super::typed::accessors(&conn, &name, |i| format!("::nestml::Synapse::set_value(self, {i}, ")));
        o.push_str(&super::typed::accessors(&params, &params_name, |i| format!("::nestml::SynapseParams::set_value(self, {i}, ")));
        o
    }

    /// A handler's statements (with the postsynaptic `traces`' own updates last, see the
    /// module docs), then the jumps of the convolutions with `port` (1 per spike).
    fn handler_body(&mut self, body: &[IrStmt], port: Option<&str>, traces: &[String], ms: &ModelSystem, o: &mut String) {
        let is_trace = |s: &IrStmt| matches!(s, IrStmt::Assign { target, index: None, .. } if traces.contains(target));
        let ordered: Vec<IrStmt> = body.iter().filter(|s| !is_trace(s)).chain(body.iter().filter(|s| is_trace(s))).cloned().collect();
        let mut text = String::new();
        self.stmts(&ordered, &mut BTreeSet::new(), &mut text, 2, Scope::Handler);
        o.push_str(&text);
        let Some(port) = port else { return };
        let jumps: Vec<_> = ms.jumps.iter().filter(|j| j.port == port && self.conv.contains(&j.state)).collect();
        for j in jumps {
            let jump = nestml_ode::simplify(&j.jump.subs(WEIGHT, &Expr::one()));
            let v = self.expr(&jump, Ctx::Step, &BTreeSet::new(), None);
            let _ = writeln!(o, "        {} += {v};", field(&j.state));
        }
    }

    /// `const VARIABLES` for `vars`, then the convolution states `conv`.
    fn variable_infos(&self, vars: &[(usize, &IrVariable)], conv: &[String]) -> String {
        let mut o = String::from("    const VARIABLES: &'static [::nestml::VariableInfo] = &[\n");
        for (_, v) in vars {
            let ty = match v.ty {
                Type::Integer => "Integer",
                Type::Boolean => "Boolean",
                _ => "Real",
            };
            let _ = writeln!(o, "        ::nestml::VariableInfo {{ name: {:?}, unit: {:?}, kind: ::nestml::VariableKind::{}, ty: ::nestml::ValueType::{ty}, vector: false }},", v.name, v.unit, super::model::kind_name(v.kind));
        }
        for c in conv {
            let _ = writeln!(o, "        ::nestml::VariableInfo {{ name: {c:?}, unit: None, kind: ::nestml::VariableKind::State, ty: ::nestml::ValueType::Real, vector: false }},");
        }
        o.push_str("    ];\n");
        o
    }

    /// `get_value` and `set_value` over `vars` and then the convolution states `conv`
    /// (`VARIABLES` order); guards are read in `ctx` and checked after a write; `recompute`
    /// reruns the internals after one.
    fn synapse_get_set(&mut self, vars: &[(usize, &IrVariable)], conv: &[String], ctx: Ctx, recompute: bool, o: &mut String) {
        let none = BTreeSet::new();
        let _ = writeln!(o, "    fn get_value(&self, var: usize) -> ::core::option::Option<f64> {{\n        match var {{");
        for (i, v) in vars {
            let _ = writeln!(o, "            {i} => Some({}),", self.storage(&v.name).read(&field(&v.name)));
        }
        for (k, c) in conv.iter().enumerate() {
            let _ = writeln!(o, "            {} => Some({}),", vars.len() + k, field(c));
        }
        let _ = writeln!(o, "            _ => None,\n        }}\n    }}\n");
        let _ = writeln!(o, "    fn set_value(&mut self, var: usize, value: f64) -> ::core::result::Result<(), ::nestml::SetError> {{");
        let _ = writeln!(o, "        let info = Self::VARIABLES.get(var).ok_or(::nestml::SetError::Unknown {{ model: Self::__MODEL, name: ::std::format!(\"#{{var}}\") }})?;");
        let _ = writeln!(o, "        info.check_write(Self::__MODEL, value)?;");
        let _ = writeln!(o, "        let __old = self.clone();\n        match var {{");
        for (i, v) in vars {
            if v.kind != VarKind::Internal {
                let _ = writeln!(o, "            {i} => {} = {},", field(&v.name), self.storage(&v.name).store("value"));
            }
        }
        for (k, c) in conv.iter().enumerate() {
            let _ = writeln!(o, "            {} => {} = value,", vars.len() + k, field(c));
        }
        let _ = writeln!(o, "            _ => {{}}\n        }}");
        if recompute {
            let _ = writeln!(o, "        self.__recompute();");
        }
        for (_, v) in vars {
            if let Some(g) = &v.guard {
                // guards of the connection's variables may read parameters: their defaults
                let c = match ctx {
                    Ctx::Calibrate => self.cond(g, ctx, &none, None),
                    _ => {
                        let c = self.cond(g, ctx, &none, None);
                        format!("{{ let __p = &<{}Params as ::core::default::Default>::default(); {c} }}", self.type_name)
                    }
                };
                let text = super::model::guard_reason(g, &v.nestml_name);
                let _ = writeln!(o, "        if !{c} {{\n            *self = __old;\n            return Err(::nestml::SetError::Invalid {{ model: Self::__MODEL, name: info.name, value, reason: {text:?} }});\n        }}");
            }
        }
        let _ = writeln!(o, "        Ok(())\n    }}\n");
    }
}
