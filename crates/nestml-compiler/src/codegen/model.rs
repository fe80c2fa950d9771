//! The struct, `Default`, calibration and the `Neuron` impl of one model.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use nestml_ode::Expr;

use super::body::{local_fn, Ctx, Gen, Scope};
use super::names::{field, ident, local};
use super::options::{NumericSolver, StepSizeController};
use super::err;
use crate::analysis::{nestml_name, ModelSystem, WEIGHT};
use crate::sema::symbols::VarKind;
use crate::sema::types::Type;

/// Comment lines as `///` doc lines with `indent`.
pub(super) fn doc(lines: &[String], indent: &str) -> String {
    lines.iter().map(|l| format!("{indent}///{}\n", if l.is_empty() || l.starts_with(' ') { l.clone() } else { format!(" {l}") })).collect()
}

pub(super) fn kind_name(k: VarKind) -> &'static str {
    match k {
        VarKind::Parameter => "Parameter",
        VarKind::Internal => "Internal",
        _ => "State",
    }
}

/// A declared symbol with its default and, for a vector, its size.
pub(super) type Declared<'a> = (&'a str, Option<&'a Expr>, Option<&'a Expr>);

/// Orders `items` so that each comes after the symbols its default and size use.
pub(super) fn dependency_order<'a>(items: &[Declared<'a>]) -> Result<Vec<Declared<'a>>, Vec<String>> {
    let names: BTreeSet<&str> = items.iter().map(|(n, ..)| *n).collect();
    let mut done: BTreeSet<&str> = BTreeSet::new();
    let mut order = Vec::new();
    let mut pending = items.to_vec();
    while !pending.is_empty() {
        let before = pending.len();
        pending.retain(|(name, e, size)| {
            let ready = e.iter().chain(size).all(|e| e.symbols().iter().all(|s| !names.contains(s.as_str()) || done.contains(s.as_str())));
            if ready {
                done.insert(name);
                order.push((*name, *e, *size));
            }
            !ready
        });
        if pending.len() == before {
            return Err(pending.iter().map(|(n, ..)| n.to_string()).collect());
        }
    }
    Ok(order)
}

/// NEST receptors: an `excitatory` and an `inhibitory` spike port form one receptor routed by
/// the sign of the weight (PyNESTML's NEST target); every other spike port is a receptor.
fn receptors(qualifiers: &[(bool, bool)]) -> Vec<(usize, Option<usize>)> {
    let exc: Vec<usize> = (0..qualifiers.len()).filter(|&i| qualifiers[i] == (true, false)).collect();
    let inh: Vec<usize> = (0..qualifiers.len()).filter(|&i| qualifiers[i] == (false, true)).collect();
    let pair = (exc.len() == 1 && inh.len() == 1).then(|| (exc[0], inh[0]));
    let mut out = Vec::new();
    for i in 0..qualifiers.len() {
        match pair {
            Some((e, h)) if i == e.min(h) => out.push((e, Some(h))),
            Some((e, h)) if i == e.max(h) => {}
            _ => out.push((i, None)),
        }
    }
    out
}

impl Gen<'_> {
    /// The Rust type of the numeric solver field.
    fn solver_type(&self) -> String {
        let n = self.states.len();
        match self.options.numeric_solver {
            NumericSolver::Rk45 => format!("::nestml::Rkf45<{n}>"),
            NumericSolver::ForwardEuler => format!("::nestml::ForwardEuler<{n}>"),
            NumericSolver::Rk4 => format!("::nestml::Rk4<{n}>"),
            NumericSolver::Implicit => format!("::nestml::Ros2<{n}>"),
        }
    }

    /// A fresh numeric solver for the step `__h`.
    fn solver_new(&self) -> String {
        let o = self.options;
        match o.numeric_solver {
            NumericSolver::Rk45 => {
                let control = match o.step_size_controller {
                    StepSizeController::Solution => "y",
                    StepSizeController::Derivative => "yp",
                };
                let limit = o.max_substeps.map(|n| format!(".with_max_steps({n})")).unwrap_or_default();
                format!("::nestml::Rkf45::new(::nestml::Control::{control}({:?}, {:?}), __h){limit}", o.abs_error_tol, o.rel_error_tol)
            }
            NumericSolver::ForwardEuler => "::nestml::ForwardEuler::new(1)".into(),
            NumericSolver::Rk4 => "::nestml::Rk4::new(1)".into(),
            NumericSolver::Implicit => "::nestml::Ros2::new(1)".into(),
        }
    }

    pub fn source(&mut self, ms: &ModelSystem) -> String {
        let ir = self.ir;
        let name = self.type_name.clone();
        let n = self.lin.states.len();
        let none = BTreeSet::new();
        let mut o = String::new();
        let _ = writeln!(o, "/// The NESTML model `{}` (generated).", self.model_name);
        if !ir.doc.is_empty() {
            o.push_str("///\n");
            o.push_str(&doc(&ir.doc, ""));
        }
        let _ = writeln!(o, "#[allow(non_snake_case, dead_code)]\n#[derive(Clone, Debug)]\npub struct {name} {{");
        // model variables in declaration order, then convolution states
        let conv_states: Vec<String> = self.states.iter().filter(|s| self.conv.contains(*s)).cloned().collect();
        for v in &ir.variables {
            let unit = v.unit.as_deref().map(|u| format!(" ({u})")).unwrap_or_default();
            let ty = if v.size.is_some() { "::std::vec::Vec<f64>" } else { self.storage(&v.name).rust_type() };
            let _ = writeln!(o, "    /// {} `{}`{unit}.", kind_name(v.kind).to_lowercase(), v.nestml_name);
            o.push_str(&doc(&v.doc, "    "));
            let _ = writeln!(o, "    pub {}: {ty},", ident(&v.name).unwrap_or_default());
        }
        for s in &conv_states {
            let _ = writeln!(o, "    /// convolution state `{}`.\n    pub {}: f64,", nestml_name(s), ident(s).unwrap_or_default());
        }
        for p in ir.spike_ports.iter().chain(&ir.continuous_ports) {
            let _ = writeln!(o, "    __in_{p}: f64,");
        }
        let (np, nq, ng) = (self.p_entries.len(), self.q_rows.len(), self.g_entries.len());
        let _ = writeln!(o, "    __h: f64,\n    /// The entries of `P = expm(A h)` that can be nonzero, row by row.\n    __P: [f64; {np}],\n    /// `Φ` times the constant part of `b`, per row that has one.\n    __q: [f64; {nq}],\n    /// `Φ` times the coefficients of the inputs in `b`, per (row, input).\n    __G: [f64; {ng}],");
        if self.numeric {
            let _ = writeln!(o, "    __solver: {},", self.solver_type());
        }
        let _ = writeln!(o, "    __spikes: ::nestml::SpikeInputs<{}>,\n    __currents: ::nestml::ContinuousInputs<{}>,\n}}\n", ir.spike_ports.len(), ir.continuous_ports.len());

        // Default
        let initial: BTreeMap<&str, &Expr> = ms.system.states.iter().map(|s| (s.name.as_str(), &s.initial)).collect();
        let mut items: Vec<Declared> = ir.variables.iter().map(|v| (v.name.as_str(), v.default.as_ref(), v.size.as_ref())).collect();
        for s in &conv_states {
            items.push((s.as_str(), initial.get(s.as_str()).copied(), None));
        }
        let mut d = String::new();
        match dependency_order(&items) {
            Ok(order) => {
                for (sym, e, size) in order {
                    let v = match e {
                        Some(e) => self.expr(e, Ctx::Default, &none, None),
                        None => "0.0_f64".into(),
                    };
                    match size {
                        Some(n) => {
                            let n = self.expr(n, Ctx::Default, &none, None);
                            let _ = writeln!(d, "        let {}: ::std::vec::Vec<f64> = ::std::vec![{v}; ({n}).max(0.0) as usize];", local("v_", sym));
                        }
                        None => {
                            let _ = writeln!(d, "        let {}: f64 = {v};", local("v_", sym));
                        }
                    }
                }
            }
            Err(cycle) => self.errors.push(err(None, format!("the defaults of {} depend on each other", cycle.iter().map(|s| format!("`{}`", nestml_name(s))).collect::<Vec<_>>().join(", ")))),
        }
        let _ = writeln!(o, "impl ::core::default::Default for {name} {{\n    #[allow(non_snake_case, unused_variables, clippy::all)]\n    fn default() -> Self {{\n        let __h: f64 = 0.1;");
        o.push_str(&d);
        let _ = writeln!(o, "        let mut __s = {name} {{");
        for s in ir.variables.iter().map(|v| &v.name).chain(&conv_states) {
            let _ = writeln!(o, "            {}: {},", ident(s).unwrap_or_default(), self.storage(s).store(&local("v_", s)));
        }
        for p in ir.spike_ports.iter().chain(&ir.continuous_ports) {
            let _ = writeln!(o, "            __in_{p}: 0.0,");
        }
        let _ = writeln!(o, "            __h,\n            __P: [0.0; {np}],\n            __q: [0.0; {nq}],\n            __G: [0.0; {ng}],");
        if self.numeric {
            let _ = writeln!(o, "            __solver: {},", self.solver_new());
        }
        let _ = writeln!(o, "            __spikes: ::core::default::Default::default(),\n            __currents: ::core::default::Default::default(),\n        }};\n        __s.__propagator();\n        __s\n    }}\n}}\n");

        // internals, propagator, state names
        let internals: Vec<Declared> = ir.variables.iter().filter(|v| v.kind == VarKind::Internal && v.size.is_none()).map(|v| (v.name.as_str(), v.default.as_ref(), None)).collect();
        let _ = writeln!(o, "#[allow(non_snake_case, unused_parens, clippy::all)]\nimpl {name} {{");
        let states: Vec<String> = self.states.iter().map(|s| format!("{:?}", nestml_name(s))).collect();
        let _ = writeln!(o, "    /// The model name, for faults.\n    const __MODEL: &'static str = {:?};", self.model_name);
        let _ = writeln!(o, "    /// The ODE states, in the order of the numeric solver's state vector.\n    const __STATES: [&'static str; {}] = [{}];\n", states.len(), states.join(", "));
        let _ = writeln!(o, "    /// Recomputes the internals from the parameters and the resolution, then the propagator.\n    fn __recompute(&mut self) {{");
        if let Ok(order) = dependency_order(&internals) {
            for (sym, e, _) in order {
                if let Some(e) = e {
                    let v = self.expr(e, Ctx::Calibrate, &none, None);
                    let _ = writeln!(o, "        {} = {};", field(sym), self.storage(sym).store(&v));
                }
            }
        }
        // vectors follow their size parameters; new elements take the default
        for v in ir.variables.iter().filter(|v| v.size.is_some()) {
            let n = self.expr(v.size.as_ref().expect("vector"), Ctx::Calibrate, &none, None);
            let d = v.default.as_ref().map_or("0.0_f64".to_string(), |e| self.expr(e, Ctx::Calibrate, &none, None));
            let _ = writeln!(o, "        {{\n            let __n = ({n}).max(0.0) as usize;\n            if {f}.len() != __n {{\n                let __d = {d};\n                {f}.resize(__n, __d);\n            }}\n        }}", f = field(&v.name));
        }
        let _ = writeln!(o, "        self.__propagator();\n    }}\n");
        for f in &ir.functions {
            let params: String = f.params.iter().map(|p| format!(", {}: f64", local("l_", p))).collect();
            let _ = writeln!(o, "    /// The NESTML function `{}`.\n    #[allow(unused_mut, unused_variables, unreachable_code)]\n    fn {}(&mut self, ctx: &mut ::nestml::StepContext<'_>, __t: f64{params}) -> ::core::result::Result<f64, ::nestml::Fault> {{", f.name, local_fn(&f.name));
            let mut locals: BTreeSet<String> = f.params.iter().cloned().collect();
            let mut body = String::new();
            self.stmts(&f.body, &mut locals, &mut body, 2, Scope::Function);
            o.push_str(&body);
            let _ = writeln!(o, "        Ok(0.0)\n    }}\n");
        }
        let _ = writeln!(o, "    /// `P = expm(A h)`, `q` and `G` at the current parameters and resolution.\n    fn __propagator(&mut self) {{");
        if n > 0 {
            let a = self.lin.a.clone();
            let rows: Vec<String> = a.iter().map(|row| format!("[{}]", row.iter().map(|e| self.expr(e, Ctx::Calibrate, &none, None)).collect::<Vec<_>>().join(", "))).collect();
            let _ = writeln!(o, "        let __a: [[f64; {n}]; {n}] = [\n            {},\n        ];", rows.join(",\n            "));
            let p: Vec<String> = self.p_entries.iter().map(|(i, j)| format!("__p[{i}][{j}]")).collect();
            let _ = writeln!(o, "        let (__p, __phi) = ::nestml::linalg::propagator(&__a, self.__h);\n        self.__P = [{}];", p.join(", "));
            // q = Φ · constant part of b, G = Φ · coefficients of the inputs
            let constant: Vec<Expr> = self.forcing.constant.clone();
            let c: Vec<String> = constant.iter().map(|e| self.expr(e, Ctx::Calibrate, &none, None)).collect();
            let _ = writeln!(o, "        let __c: [f64; {n}] = [{}];", c.join(", "));
            let q: Vec<String> = self.q_rows.iter().map(|&i| (0..n).filter(|&k| self.reach[i][k] && !nestml_ode::is_zero(&constant[k])).map(|k| format!("__phi[{i}][{k}] * __c[{k}]")).collect::<Vec<_>>().join(" + ")).collect();
            let _ = writeln!(o, "        self.__q = [{}];", q.join(", "));
            let mut g = Vec::new();
            for (i, u) in self.g_entries.clone() {
                let coefficients: Vec<(usize, Expr)> = (0..n)
                    .filter(|&k| self.reach[i][k])
                    .filter_map(|k| self.forcing.coefficients[k].iter().find(|(v, _)| *v == u).map(|(_, coeff)| (k, coeff.clone())))
                    .collect();
                let terms: Vec<String> = coefficients.iter().map(|(k, coeff)| format!("__phi[{i}][{k}] * {}", self.expr(coeff, Ctx::Calibrate, &none, None))).collect();
                g.push(terms.join(" + "));
            }
            let _ = writeln!(o, "        self.__G = [{}];", g.join(", "));
        }
        let _ = writeln!(o, "    }}\n}}\n");

        // the Neuron impl
        let _ = writeln!(o, "#[allow(non_snake_case, unused_parens, unused_variables, unused_mut, clippy::all)]\nimpl ::nestml::Neuron for {name} {{");
        let _ = writeln!(o, "    const NAME: &'static str = {:?};", self.model_name);
        let _ = writeln!(o, "    const VARIABLES: &'static [::nestml::VariableInfo] = &[");
        for v in &ir.variables {
            let ty = match v.ty {
                Type::Integer => "Integer",
                Type::Boolean => "Boolean",
                _ => "Real",
            };
            let _ = writeln!(o, "        ::nestml::VariableInfo {{ name: {:?}, unit: {:?}, kind: ::nestml::VariableKind::{}, ty: ::nestml::ValueType::{ty}, vector: {} }},", v.name, v.unit, kind_name(v.kind), v.size.is_some());
        }
        for s in &conv_states {
            let _ = writeln!(o, "        ::nestml::VariableInfo {{ name: {s:?}, unit: None, kind: ::nestml::VariableKind::State, ty: ::nestml::ValueType::Real, vector: false }},");
        }
        for i in ir.inlines.iter().filter(|i| i.recordable) {
            let _ = writeln!(o, "        ::nestml::VariableInfo {{ name: {:?}, unit: {:?}, kind: ::nestml::VariableKind::Recordable, ty: ::nestml::ValueType::Real, vector: false }},", i.name, i.unit);
        }
        let _ = writeln!(o, "    ];\n    const PORTS: &'static [::nestml::PortInfo] = &[");
        for p in &ir.spike_ports {
            let _ = writeln!(o, "        ::nestml::PortInfo {{ name: {p:?}, kind: ::nestml::PortKind::Spike, unit: None, len: 1 }},");
        }
        for (p, unit) in ir.continuous_ports.iter().zip(&ir.continuous_units) {
            let _ = writeln!(o, "        ::nestml::PortInfo {{ name: {p:?}, kind: ::nestml::PortKind::Continuous, unit: {unit:?}, len: 1 }},");
        }
        let _ = writeln!(o, "    ];\n    const RECEPTORS: &'static [::nestml::Receptor] = &[");
        for r in receptors(&ir.spike_qualifiers) {
            let _ = match r {
                (e, Some(i)) => writeln!(o, "        ::nestml::Receptor {{ excitatory: {e}, inhibitory: Some({i}) }},"),
                (e, None) => writeln!(o, "        ::nestml::Receptor::single({e}),"),
            };
        }
        let _ = writeln!(o, "    ];\n");
        let reset = if self.numeric { "\n        ::nestml::OdeSolver::reset(&mut self.__solver, resolution.h());" } else { "" };
        let _ = writeln!(o, "    fn init_buffers(&mut self, resolution: &::nestml::Resolution) {{\n        self.__spikes.clear();\n        self.__currents.clear();{reset}\n    }}\n");
        self.calibrate(&mut o);
        let _ = writeln!(o, "    #[inline]\n    fn handle_spike(&mut self, receptor: usize, weight: f64, multiplicity: u32) {{\n        self.__spikes.receive(Self::RECEPTORS, receptor, weight, multiplicity);\n    }}\n");
        let _ = writeln!(o, "    #[inline]\n    fn handle_current(&mut self, port: usize, value: f64) {{\n        self.__currents.add(port, value);\n    }}\n");
        self.step(ms, &mut o);
        self.get_set(&conv_states, &mut o);
        o.push_str("}\n\n");
        let mut carried: Vec<String> = ir.variables.iter().map(|v| v.name.clone()).chain(conv_states.iter().cloned()).collect();
        if self.numeric {
            carried.push("__solver".into());
        }
        carried.extend(["__spikes".to_string(), "__currents".to_string()]);
        o.push_str(&super::checkpoint::checkpoint_impl(&name, &carried));
        if self.options.serde {
            o.push_str(&super::checkpoint::serde_impls(&name, &format!("<{name} as ::nestml::Neuron>::NAME"), "<Self as ::core::default::Default>::default()"));
        }
        o.push_str(&super::typed::typed_accessors(ir, &name));
        o
    }

    /// `Neuron::calibrate`: internals and propagator, then every guard (fields are public, so
    /// a parameter may have been set without `set`) and a finite propagator.
    fn calibrate(&mut self, o: &mut String) {
        let none = BTreeSet::new();
        let _ = writeln!(o, "    fn calibrate(&mut self, resolution: &::nestml::Resolution) -> ::core::result::Result<(), ::nestml::Fault> {{\n        self.__h = resolution.h();\n        self.__recompute();");
        let guards: Vec<(String, nestml_ode::Cond)> = self.ir.variables.iter().filter_map(|v| Some((v.nestml_name.clone(), v.guard.clone()?))).collect();
        for (name, g) in guards {
            let c = self.cond(&g, Ctx::Calibrate, &none, None);
            let text = format!("{g} (the guard of `{name}`, in NEST units)");
            let _ = writeln!(o, "        if !{c} {{\n            return Err(::nestml::Fault::new(Self::NAME, 0.0, ::nestml::FaultKind::GuardViolated {{ guard: {text:?} }}));\n        }}");
        }
        if !self.p_entries.is_empty() {
            let _ = writeln!(o, "        if let Some(v) = self.__P.iter().chain(&self.__q).chain(&self.__G).find(|v| !v.is_finite()) {{\n            return Err(::nestml::Fault::new(Self::NAME, 0.0, ::nestml::FaultKind::InvalidParameter {{ name: \"propagator\", value: *v, reason: \"the exact propagator is not finite at these parameters and this resolution\" }}));\n        }}");
        }
        let _ = writeln!(o, "        Ok(())\n    }}\n");
    }

    /// `Neuron::step`.
    fn step(&mut self, ms: &ModelSystem, o: &mut String) {
        let ir = self.ir;
        let none = BTreeSet::new();
        let _ = writeln!(o, "    fn step(&mut self, ctx: &mut ::nestml::StepContext<'_>) -> ::core::result::Result<::nestml::StepOutcome, ::nestml::Fault> {{");
        let _ = writeln!(o, "        let __t = ctx.t_end;\n        let mut __out = ::nestml::StepOutcome::default();\n        self.__spikes.begin_step();");
        for (i, p) in ir.spike_ports.iter().enumerate() {
            let _ = writeln!(o, "        self.__in_{p} = 1e-3 * self.__spikes.sum({i});");
        }
        for (i, p) in ir.continuous_ports.iter().enumerate() {
            let _ = writeln!(o, "        self.__in_{p} = self.__currents.value({i});");
        }
        let exact_conv: Vec<(usize, String)> = self.lin.states.iter().enumerate().filter(|(_, s)| self.conv.contains(*s)).map(|(i, s)| (i, s.clone())).collect();
        if !exact_conv.is_empty() {
            let (x, u) = self.linear_inputs(&none);
            let names: Vec<String> = exact_conv.iter().map(|(_, s)| local("__conv_", s)).collect();
            let rows: Vec<String> = exact_conv.iter().map(|(i, _)| self.row(*i)).collect();
            let _ = writeln!(o, "        // convolutions: their values at the end of the step, from those at its start");
            let _ = writeln!(o, "        let ({},) = {{\n            let __x = {x};\n            let __u = {u};\n            ({},)\n        }};", names.join(", "), rows.join(", "));
        }
        let _ = writeln!(o, "        // update");
        let mut body = String::new();
        self.stmts(&ir.update, &mut BTreeSet::new(), &mut body, 2, Scope::Update);
        o.push_str(&body);
        for (port, handler) in &ir.on_receive {
            let Some(i) = ir.spike_ports.iter().position(|p| p == port) else {
                self.errors.push(err(None, format!("`onReceive({port})`: not a spike input port")));
                continue;
            };
            let _ = writeln!(o, "        // onReceive({port})\n        if self.__spikes.received({i}) {{");
            let mut body = String::new();
            self.stmts(handler, &mut BTreeSet::new(), &mut body, 3, Scope::Handler);
            o.push_str(&body);
            let _ = writeln!(o, "        }}");
        }
        for (_, s) in &exact_conv {
            let _ = writeln!(o, "        {} = {};", field(s), local("__conv_", s));
        }
        let conv_jumps: Vec<_> = ms.jumps.iter().filter(|j| self.conv.contains(&j.state)).collect();
        for j in conv_jumps {
            let Some(i) = ir.spike_ports.iter().position(|p| *p == j.port) else { continue };
            let jump = j.jump.subs(WEIGHT, &Expr::sym("__w"));
            let locals: BTreeSet<String> = ["__w".to_string()].into();
            let v = self.expr(&jump, Ctx::Step, &locals, None);
            let _ = writeln!(o, "        // convolution jump of `{}` by the weights at `{}`\n        if self.__spikes.received({i}) {{\n            let l___w = self.__spikes.sum({i});\n            {} += {v};\n        }}", nestml_name(&j.state), j.port, field(&j.state));
        }
        for (c, block) in &ir.on_condition {
            let c = self.cond(c, Ctx::Step, &none, None);
            let _ = writeln!(o, "        // onCondition\n        if {c} {{");
            let mut body = String::new();
            self.stmts(block, &mut BTreeSet::new(), &mut body, 3, Scope::Handler);
            o.push_str(&body);
            let _ = writeln!(o, "        }}");
        }
        if !self.states.is_empty() {
            let values: Vec<String> = self.states.iter().map(|s| field(s)).collect();
            let finite: Vec<String> = values.iter().map(|v| format!("{v}.is_finite()")).collect();
            let _ = writeln!(o, "        if !({}) {{\n            ::nestml::Fault::check_finite(<Self as ::nestml::Neuron>::NAME, __t, &Self::__STATES, &[{}])?;\n        }}", finite.join(" & "), values.join(", "));
        }
        let _ = writeln!(o, "        self.__currents.end_step();\n        Ok(__out)\n    }}\n");
    }

    /// `get_value` and `set_value`.
    fn get_set(&mut self, conv_states: &[String], o: &mut String) {
        let none = BTreeSet::new();
        // (symbol, kind, guard, is a vector)
        let all: Vec<(&str, VarKind, Option<&nestml_ode::Cond>, bool)> = self
            .ir
            .variables
            .iter()
            .map(|v| (v.name.as_str(), v.kind, v.guard.as_ref(), v.size.is_some()))
            .chain(conv_states.iter().map(|s| (s.as_str(), VarKind::State, None, false)))
            .collect();
        let _ = writeln!(o, "    fn get_value(&self, var: usize, element: usize) -> Option<f64> {{\n        match var {{");
        for (i, (s, _, _, vector)) in all.iter().enumerate() {
            let _ = match vector {
                true => writeln!(o, "            {i} => {}.get(element).copied(),", field(s)),
                false => writeln!(o, "            {i} if element == 0 => Some({}),", self.storage(s).read(&field(s))),
            };
        }
        let recordables: Vec<Expr> = self.ir.inlines.iter().filter(|i| i.recordable).map(|i| i.rhs.clone()).collect();
        for (k, rhs) in recordables.iter().enumerate() {
            let v = self.expr(rhs, Ctx::Calibrate, &none, None);
            let _ = writeln!(o, "            {} if element == 0 => Some({v}),", all.len() + k);
        }
        let _ = writeln!(o, "            _ => None,\n        }}\n    }}\n");
        let _ = writeln!(o, "    fn vector_len(&self, var: usize) -> usize {{\n        match var {{");
        for (i, (s, ..)) in all.iter().enumerate().filter(|(_, v)| v.3) {
            let _ = writeln!(o, "            {i} => {}.len(),", field(s));
        }
        let _ = writeln!(o, "            _ => 1,\n        }}\n    }}\n");
        let _ = writeln!(o, "    fn set_value(&mut self, var: usize, element: usize, value: f64) -> ::core::result::Result<(), ::nestml::SetError> {{");
        let _ = writeln!(o, "        let info = Self::VARIABLES.get(var).ok_or(::nestml::SetError::Unknown {{ model: Self::NAME, name: ::std::format!(\"#{{var}}\") }})?;");
        let _ = writeln!(o, "        let len = <Self as ::nestml::Neuron>::vector_len(self, var);\n        if element >= len {{\n            return Err(::nestml::SetError::Index {{ model: Self::NAME, name: info.name, index: element, len }});\n        }}");
        let _ = writeln!(o, "        info.check_write(Self::NAME, value)?;");
        let _ = writeln!(o, "        let __old = self.clone();\n        match var {{");
        for (i, (s, kind, _, vector)) in all.iter().enumerate() {
            if matches!(kind, VarKind::Parameter | VarKind::State) {
                let _ = match vector {
                    true => writeln!(o, "            {i} => {}[element] = value,", field(s)),
                    false => writeln!(o, "            {i} => {} = {},", field(s), self.storage(s).store("value")),
                };
            }
        }
        let _ = writeln!(o, "            _ => {{}}\n        }}");
        let _ = writeln!(o, "        if info.kind == ::nestml::VariableKind::Parameter {{\n            self.__recompute();\n        }}");
        for (s, _, guard, _) in &all {
            if let Some(g) = guard {
                let c = self.cond(g, Ctx::Calibrate, &none, None);
                let text = guard_reason(g, &nestml_name(s));
                let _ = writeln!(o, "        if !{c} {{\n            *self = __old;\n            return Err(::nestml::SetError::Invalid {{ model: Self::NAME, name: info.name, value, reason: {text:?} }});\n        }}");
            }
        }
        let _ = writeln!(o, "        Ok(())\n    }}\n");
    }
}

/// Why a set value was rejected by the guard `g` of variable `name` (NESTML name).
pub(super) fn guard_reason(g: &nestml_ode::Cond, name: &str) -> String {
    format!("violates the guard `{g}` of `{name}` (in NEST units)")
}
