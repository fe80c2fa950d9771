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

use nestml_ode::Expr;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::body::{Ctx, Gen, Scope};
use super::err;
use super::model::{convolution_field, dependency_order, doc, guard_reason, guard_violated, kind_name, type_doc, variable_field, variable_info, Declared};
use super::names::{self, field, int, local};
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

    fn runtime(self) -> TokenStream {
        match self {
            SpikeRole::Pre => quote!(::nestml::PortRole::Pre),
            SpikeRole::Post => quote!(::nestml::PortRole::Post),
            SpikeRole::Modulatory => quote!(::nestml::PortRole::Modulatory),
        }
    }
}

/// Whether `ir` is a synapse: named `…synapse`, or not named `…neuron` and calling
/// `emit_spike` with a weight.
pub fn is_synapse(ir: &ModelIr) -> bool {
    ir.name.ends_with("synapse") || (!ir.name.ends_with("neuron") && emits(ir, &|args| !args.is_empty()))
}

/// Whether some `emit_spike(args)` of the model's blocks satisfies `pred`.
pub fn emits(ir: &ModelIr, pred: &dyn Fn(&[Expr]) -> bool) -> bool {
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
    pub fn synapse_source(&mut self, ms: &ModelSystem) -> TokenStream {
        let ir = self.ir;
        let name = format_ident!("{}", self.type_name);
        let params_name = format_ident!("{}Params", self.type_name);
        let ty = self.float().ty();
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
        let weight_only = ir.variables.iter().all(|v| v.kind != VarKind::State || v.name == weight);
        let emits_weight = matches!(ir.on_receive.as_slice(), [(port, body)] if Some(port.as_str()) == pre_port && matches!(body.as_slice(), [IrStmt::EmitSpike(args)] if args.as_slice() == [Expr::sym(&weight)]));
        let is_static = weight_only && emits_weight && ir.spike_ports.len() == 1 && ir.continuous_ports.is_empty() && self.states.is_empty() && ir.update.is_empty() && ir.on_condition.is_empty();

        let conn: Vec<(usize, &IrVariable)> = ir.variables.iter().filter(|v| v.kind == VarKind::State || v.name == weight).enumerate().collect();
        let params: Vec<(usize, &IrVariable)> = ir.variables.iter().filter(|v| syn.params.contains(&v.name)).enumerate().collect();
        let conv_states: Vec<String> = self.states.iter().filter(|s| self.conv.contains(*s)).cloned().collect();
        let real_states: BTreeSet<String> = conn.iter().filter(|(_, v)| v.ty != Type::Integer && v.ty != Type::Boolean).map(|(_, v)| v.name.clone()).chain(conv_states.iter().cloned()).collect();
        let traces: Vec<String> = post_traces(ir, ms, post_port, &real_states).into_iter().collect();
        let finite: Vec<&String> = real_states.iter().collect();
        // a synapse without dynamics between events and without postsynaptic or modulatory
        // input never reads the time of its last update: it does not store it
        let timed = !self.states.is_empty() || !ir.update.is_empty() || post_port.is_some() || mod_port.is_some();
        let model_name = self.model_name.clone();

        let docs = type_doc(format!("The NESTML synapse `{model_name}` (generated): the state of one connection."), &ir.doc);
        let conn_fields = conn.iter().map(|(_, v)| variable_field(if v.kind == VarKind::State { "state" } else { "weight" }, v, self.storage(&v.name).rust_type(self.float())));
        let conv_fields = conv_states.iter().map(|s| convolution_field(s, self.float()));
        let t_last = timed.then(|| {
            quote! {
                /// The time (ms) the connection's state refers to.
                __t_last: #ty,
            }
        });
        let mut o = quote! {
            #docs
            #[allow(non_snake_case, dead_code)]
            #[derive(Clone, Copy, Debug, PartialEq)]
            pub struct #name {
                #(#conn_fields)*
                #(#conv_fields)*
                #t_last
            }
        };
        // a connection with its own parameters (NEST modules): both structs, every field ≤ 8 bytes
        self.connection_fields = Some(conn.len() + conv_states.len() + usize::from(timed) + params.len());

        // the parameters
        let params_doc = doc([format!("The parameters of the NESTML synapse `{model_name}`, shared by the connections of one synapse type.")]);
        let param_fields = params.iter().map(|(_, v)| variable_field(&kind_name(v.kind).to_lowercase(), v, self.storage(&v.name).rust_type(self.float())));
        o.extend(quote! {
            #params_doc
            #[allow(non_snake_case, dead_code)]
            #[derive(Clone, Debug, PartialEq)]
            pub struct #params_name {
                #(#param_fields)*
            }
        });
        let declared: Vec<Declared> = params.iter().map(|(_, v)| (v.name.as_str(), v.default.as_ref(), None)).collect();
        let none = BTreeSet::new();
        let mut defaults = TokenStream::new();
        match dependency_order(&declared) {
            Ok(order) => {
                for (sym, e, _) in order {
                    let v = e.map_or(self.float().number(0.0), |e| self.expr(e, Ctx::Default, &none, None));
                    let l = local("v_", sym);
                    defaults.extend(quote!(let #l: #ty = #v;));
                }
            }
            Err(cycle) => self.errors.push(err(None, format!("the defaults of {} depend on each other", cycle.join(", ")))),
        }
        let param_inits = params.iter().map(|(_, v)| self.init(&v.name));
        o.extend(quote! {
            impl ::core::default::Default for #params_name {
                #[allow(non_snake_case, unused_variables, clippy::all)]
                fn default() -> Self {
                    #defaults
                    #params_name {
                        #(#param_inits)*
                    }
                }
            }
        });
        let internals: Vec<Declared> = params.iter().filter(|(_, v)| v.kind == VarKind::Internal).map(|(_, v)| (v.name.as_str(), v.default.as_ref(), None)).collect();
        let mut recompute = TokenStream::new();
        if let Ok(order) = dependency_order(&internals) {
            for (sym, e, _) in order {
                if let Some(e) = e {
                    let v = self.expr(e, Ctx::Calibrate, &none, None);
                    let (f, v) = (field(sym), self.storage(sym).store(v));
                    recompute.extend(quote!(#f = #v;));
                }
            }
        }
        let param_infos = self.variable_infos(&params, &[]);
        let param_get_set = self.synapse_get_set(&params, &[], Ctx::Calibrate, true);
        let mut checks = TokenStream::new();
        for (_, v) in &params {
            if let Some(g) = &v.guard {
                let c = self.cond(g, Ctx::Calibrate, &none, None);
                let fault = guard_violated(quote!(Self::__MODEL), g, &v.nestml_name);
                checks.extend(quote! {
                    if !#c {
                        return Err(#fault);
                    }
                });
            }
        }
        o.extend(quote! {
            #[allow(non_snake_case, unused_parens, clippy::all)]
            impl #params_name {
                const __MODEL: &'static str = #model_name;

                /// Recomputes the internals from the parameters.
                fn __recompute(&mut self) {
                    #recompute
                }
            }

            #[allow(non_snake_case, unused_parens, unused_variables, clippy::all)]
            impl ::nestml::SynapseParams for #params_name {
                const MODEL: &'static str = #model_name;
                #param_infos
                #param_get_set

                fn check(&self) -> ::core::result::Result<(), ::nestml::Fault> {
                    #checks
                    Ok(())
                }
            }
        });

        // the connection
        let states: Vec<String> = finite.iter().map(|s| nestml_name(s)).collect();
        let n_states = int(states.len());
        let conn_infos = self.variable_infos(&conn, &conv_states);
        let spike_ports = ir.spike_ports.iter().zip(&roles).map(|(p, r)| {
            let role = r.runtime();
            quote!(::nestml::SynapsePort { name: #p, role: #role, unit: None })
        });
        let continuous_ports = ir.continuous_ports.iter().zip(&ir.continuous_units).map(|(p, unit)| {
            let unit = names::opt_str(unit.as_deref());
            quote!(::nestml::SynapsePort { name: #p, role: ::nestml::PortRole::Continuous, unit: #unit })
        });
        let n_traces = int(traces.len());

        // new: the initial state under the parameters
        let mut items: Vec<Declared> = conn.iter().map(|(_, v)| (v.name.as_str(), v.default.as_ref(), None)).collect();
        let initial: BTreeMap<&str, &Expr> = ms.system.states.iter().map(|s| (s.name.as_str(), &s.initial)).collect();
        for s in &conv_states {
            items.push((s.as_str(), initial.get(s.as_str()).copied(), None));
        }
        let mut new = TokenStream::new();
        if let Ok(order) = dependency_order(&items) {
            for (sym, e, _) in order {
                let v = e.map_or(self.float().number(0.0), |e| self.expr(e, Ctx::New, &none, None));
                let l = local("v_", sym);
                new.extend(quote!(let #l: #ty = #v;));
            }
        }
        let conn_inits: Vec<TokenStream> = conn.iter().map(|(_, v)| &v.name).chain(&conv_states).map(|s| self.init(s)).collect();
        let t_last_init = timed.then(|| quote!(__t_last: 0.0,));
        let w = self.storage(&weight);
        let (weight_read, weight_store) = (w.read(field(&weight), self.float()), w.store(quote!(w)));
        let weight_field = field(&weight);
        let conn_get_set = self.synapse_get_set(&conn, &conv_states, Ctx::Step, false);
        let t_last_methods = match timed {
            true => quote! {
                fn t_last(&self) -> #ty {
                    self.__t_last
                }

                fn set_t_last(&mut self, t: #ty) {
                    self.__t_last = t;
                }
            },
            false => quote! {
                fn t_last(&self) -> #ty {
                    0.0
                }

                fn set_t_last(&mut self, _t: #ty) {}
            },
        };

        // advance: convolutions, then the update block
        let conv_rows: Vec<usize> = (0..self.lin.states.len()).filter(|&i| self.conv.contains(&self.lin.states[i])).collect();
        let advance_conv = self.closed_rows(&conv_rows, &none);
        let update = self.stmts(&ir.update, &mut BTreeSet::new(), Scope::Update);

        // the handlers
        let handler = |port: Option<&str>| port.and_then(|p| ir.on_receive.iter().find(|(q, _)| q == p)).map_or(&[][..], |(_, b)| b.as_slice());
        let on_pre = self.handler_body(handler(pre_port), pre_port, &[], ms);
        let on_post = self.handler_body(handler(post_port), post_port, &traces, ms);
        let on_mod = self.handler_body(handler(mod_port), mod_port, &[], ms);
        let head = |method: &str, ret: TokenStream, body: TokenStream, result: TokenStream| {
            let method = format_ident!("{method}");
            quote! {
                fn #method(&mut self, __p: &#params_name, ctx: &mut ::nestml::HandlerContext<'_>, __t: #ty) -> ::core::result::Result<#ret, ::nestml::Fault> {
                    let __h: #ty = 0.0;
                    let mut __emit: ::core::option::Option<#ty> = None;
                    #body
                    Ok(#result)
                }
            }
        };
        let handlers = [
            head("on_pre", quote!(::core::option::Option<#ty>), on_pre, quote!(__emit)),
            head("on_post", quote!(()), on_post, quote!(())),
            head("on_mod", quote!(()), on_mod, quote!(())),
        ];

        let trace_fields: Vec<TokenStream> = traces.iter().map(|t| field(t)).collect();
        let trace_indices = (0..traces.len()).map(int);
        let values: Vec<TokenStream> = finite.iter().map(|s| field(s)).collect();
        let all_finite = if values.is_empty() { quote!(true) } else { quote!(#(#values.is_finite())&*) };
        o.extend(quote! {
            #[allow(non_snake_case, unused_parens, unused_variables, unused_mut, clippy::all)]
            impl #name {
                const __MODEL: &'static str = #model_name;
                /// The real state variables, for faults.
                const __STATES: [&'static str; #n_states] = [#(#states),*];
            }

            #[allow(non_snake_case, unused_parens, unused_variables, unused_mut, unused_assignments, clippy::all)]
            impl ::nestml::Synapse for #name {
                const NAME: &'static str = #model_name;
                #conn_infos
                const PORTS: &'static [::nestml::SynapsePort] = &[#(#spike_ports,)* #(#continuous_ports),*];
                const PRE_FIRST: bool = #pre_first;
                const STATIC: bool = #is_static;
                type Params = #params_name;
                type PostTraces = [#ty; #n_traces];

                fn new(__p: &#params_name) -> Self {
                    #new
                    #name {
                        #(#conn_inits)*
                        #t_last_init
                    }
                }

                fn weight(&self) -> #ty {
                    #weight_read
                }

                fn set_weight(&mut self, w: #ty) {
                    #weight_field = #weight_store;
                }

                #conn_get_set
                #t_last_methods

                fn advance(&mut self, __p: &#params_name, ctx: &mut ::nestml::HandlerContext<'_>, __t_start: #ty, __h: #ty) -> ::core::result::Result<(), ::nestml::Fault> {
                    if __h < 1e-12 {
                        return Ok(());
                    }
                    let __t = __t_start;
                    let mut __emit: ::core::option::Option<#ty> = None;
                    #advance_conv
                    #update
                    Ok(())
                }

                #(#handlers)*

                fn post_traces(&self) -> [#ty; #n_traces] {
                    [#(#trace_fields),*]
                }

                fn set_post_traces(&mut self, __v: [#ty; #n_traces]) {
                    #(#trace_fields = __v[#trace_indices];)*
                }

                fn check_finite(&self, t: #ty) -> ::core::result::Result<(), ::nestml::Fault> {
                    if !(#all_finite) {
                        ::nestml::Fault::check_finite(Self::__MODEL, t, &Self::__STATES, &[#(#values),*])?;
                    }
                    Ok(())
                }
            }
        });
        let mut carried: Vec<String> = conn.iter().map(|(_, v)| v.name.clone()).chain(conv_states.iter().cloned()).collect();
        if timed {
            carried.push("__t_last".into());
        }
        o.extend(super::checkpoint::checkpoint_impl(&name, &carried, TokenStream::new()));
        if self.options.serde {
            let initial = quote!(<Self as ::nestml::Synapse>::new(&<#params_name as ::core::default::Default>::default()));
            o.extend(super::checkpoint::serde_impls(&name, quote!(<#name as ::nestml::Synapse>::NAME), initial));
        }
        o.extend(super::typed::accessors(&conn, &name, self.float(), |i, value| {
            let i = int(i);
            quote!(::nestml::Synapse::set_value(self, #i, #value))
        }));
        o.extend(super::typed::accessors(&params, &params_name, self.float(), |i, value| {
            let i = int(i);
            quote!(::nestml::SynapseParams::set_value(self, #i, #value))
        }));
        o
    }

    /// A handler's statements (with the postsynaptic `traces`' own updates last, see the
    /// module docs), then the jumps of the convolutions with `port` (1 per spike).
    fn handler_body(&mut self, body: &[IrStmt], port: Option<&str>, traces: &[String], ms: &ModelSystem) -> TokenStream {
        let is_trace = |s: &IrStmt| matches!(s, IrStmt::Assign { target, index: None, .. } if traces.contains(target));
        let ordered: Vec<IrStmt> = body.iter().filter(|s| !is_trace(s)).chain(body.iter().filter(|s| is_trace(s))).cloned().collect();
        let mut o = self.stmts(&ordered, &mut BTreeSet::new(), Scope::Handler);
        let Some(port) = port else { return o };
        let jumps: Vec<_> = ms.jumps.iter().filter(|j| j.port == port && self.conv.contains(&j.state)).collect();
        for j in jumps {
            let jump = nestml_ode::simplify(&j.jump.subs(WEIGHT, &Expr::one()));
            let (v, f) = (self.expr(&jump, Ctx::Step, &BTreeSet::new(), None), field(&j.state));
            o.extend(quote!(#f += #v;));
        }
        o
    }

    /// `const VARIABLES` for `vars`, then the convolution states `conv`.
    fn variable_infos(&self, vars: &[(usize, &IrVariable)], conv: &[String]) -> TokenStream {
        let infos = vars
            .iter()
            .map(|(_, v)| variable_info(&v.name, v.unit.as_deref(), kind_name(v.kind), &v.ty, false))
            .chain(conv.iter().map(|c| variable_info(c, None, "State", &Type::Real, false)));
        quote!(const VARIABLES: &'static [::nestml::VariableInfo] = &[#(#infos),*];)
    }

    /// `get_value` and `set_value` over `vars` and then the convolution states `conv`
    /// (`VARIABLES` order); guards are read in `ctx` and checked after a write; `recompute`
    /// reruns the internals after one.
    fn synapse_get_set(&mut self, vars: &[(usize, &IrVariable)], conv: &[String], ctx: Ctx, recompute: bool) -> TokenStream {
        let ty = self.float().ty();
        let none = BTreeSet::new();
        let mut get = TokenStream::new();
        for (i, v) in vars {
            let (i, value) = (int(*i), self.storage(&v.name).read(field(&v.name), self.float()));
            get.extend(quote!(#i => Some(#value),));
        }
        for (k, c) in conv.iter().enumerate() {
            let (i, f) = (int(vars.len() + k), field(c));
            get.extend(quote!(#i => Some(#f),));
        }
        let mut set = TokenStream::new();
        for (i, v) in vars {
            if v.kind != VarKind::Internal {
                let (i, f, value) = (int(*i), field(&v.name), self.storage(&v.name).store(quote!(value)));
                set.extend(quote!(#i => #f = #value,));
            }
        }
        for (k, c) in conv.iter().enumerate() {
            let (i, f) = (int(vars.len() + k), field(c));
            set.extend(quote!(#i => #f = value,));
        }
        let recompute = recompute.then(|| quote!(self.__recompute();));
        let mut guards = TokenStream::new();
        for (_, v) in vars {
            if let Some(g) = &v.guard {
                // guards of the connection's variables may read parameters: their defaults
                let c = self.cond(g, ctx, &none, None);
                let c = match ctx {
                    Ctx::Calibrate => c,
                    _ => {
                        let params = format_ident!("{}Params", self.type_name);
                        quote!({ let __p = &<#params as ::core::default::Default>::default(); #c })
                    }
                };
                let reason = guard_reason(g, &v.nestml_name);
                guards.extend(quote! {
                    if !#c {
                        *self = __old;
                        return Err(::nestml::SetError::Invalid { model: Self::__MODEL, name: info.name, value, reason: #reason });
                    }
                });
            }
        }
        quote! {
            fn get_value(&self, var: usize) -> ::core::option::Option<#ty> {
                match var {
                    #get
                    _ => None,
                }
            }

            fn set_value(&mut self, var: usize, value: #ty) -> ::core::result::Result<(), ::nestml::SetError> {
                let info = Self::VARIABLES.get(var).ok_or(::nestml::SetError::UnknownIndex { model: Self::__MODEL, index: var })?;
                info.check_write(Self::__MODEL, value)?;
                let __old = self.clone();
                match var {
                    #set
                    _ => {}
                }
                #recompute
                #guards
                Ok(())
            }
        }
    }
}
