//! The struct, `Default`, calibration and the `Neuron` impl of one model.

use std::collections::{BTreeMap, BTreeSet};

use nestml_ode::Expr;
use proc_macro2::TokenStream;
use quote::{format_ident, quote, ToTokens};

use super::body::{local_fn, port_field, sum, Ctx, Gen, Scope, Storage};
use super::err;
use super::names::{self, field, int, local, member, opt_str};
use super::options::{FloatType, NumericSolver, StepSizeController};
use crate::analysis::{nestml_name, ModelSystem, WEIGHT};
use crate::sema::symbols::VarKind;
use crate::sema::types::Type;

/// Comment lines as `#[doc]` attributes (with the leading space of `/// line`).
pub(super) fn doc<S: AsRef<str>>(lines: impl IntoIterator<Item = S>) -> TokenStream {
    lines
        .into_iter()
        .map(|l| {
            let l = l.as_ref();
            let text = if l.is_empty() || l.starts_with(' ') { l.to_string() } else { format!(" {l}") };
            quote!(#[doc = #text])
        })
        .collect()
}

/// The doc lines of a generated type: `title`, then the model's documentation.
pub(super) fn type_doc(title: String, model_doc: &[String]) -> TokenStream {
    let separator = (!model_doc.is_empty()).then(String::new);
    doc(std::iter::once(title).chain(separator).chain(model_doc.iter().cloned()))
}

/// A public field of a model variable: its kind, name and unit, documentation, name and type.
pub(super) fn variable_field(kind: &str, v: &crate::ir::IrVariable, ty: TokenStream) -> TokenStream {
    let unit = v.unit.as_deref().map(|u| format!(" ({u})")).unwrap_or_default();
    let docs = doc(std::iter::once(format!("{kind} `{}`{unit}.", v.nestml_name)).chain(v.doc.iter().cloned()));
    let f = member(&v.name);
    quote!(#docs pub #f: #ty,)
}

/// The public field of a convolution state.
pub(super) fn convolution_field(s: &str, float: FloatType) -> TokenStream {
    let docs = doc([format!("convolution state `{}`.", nestml_name(s))]);
    let (f, ty) = (member(s), float.ty());
    quote!(#docs pub #f: #ty,)
}

/// The fields of a delayed value `symbol`: the value in this step, the history, the position.
fn delay_members(symbol: &str) -> (proc_macro2::Ident, proc_macro2::Ident, proc_macro2::Ident) {
    (member(symbol), member(&format!("{symbol}__buf")), member(&format!("{symbol}__pos")))
}

pub(super) fn kind_name(k: VarKind) -> &'static str {
    match k {
        VarKind::Parameter => "Parameter",
        VarKind::Internal => "Internal",
        _ => "State",
    }
}

/// `::nestml::VariableInfo { … }` of a variable: its name, unit, kind, value type and whether
/// it is a vector.
pub(super) fn variable_info(name: &str, unit: Option<&str>, kind: &str, ty: &Type, vector: bool) -> TokenStream {
    let kind = format_ident!("{kind}");
    let ty = match ty {
        Type::Integer => quote!(Integer),
        Type::Boolean => quote!(Boolean),
        _ => quote!(Real),
    };
    let unit = opt_str(unit);
    quote!(::nestml::VariableInfo { name: #name, unit: #unit, kind: ::nestml::VariableKind::#kind, ty: ::nestml::ValueType::#ty, vector: #vector })
}

/// `Fault::new(model, 0.0, GuardViolated)` for the guard `g` of the variable `name` (NESTML name).
pub(super) fn guard_violated(model: TokenStream, g: &nestml_ode::Cond, name: &str) -> TokenStream {
    let text = guard_text(g, name);
    quote!(::nestml::Fault::new(#model, 0.0, ::nestml::FaultKind::GuardViolated { guard: #text }))
}

/// `(n).max(0.0) as usize`: the length of a vector of size `n`.
fn vector_len(n: TokenStream) -> TokenStream {
    let n = names::float_fn("max", &[quote!((#n)), quote!(0.0)]);
    quote!(#n as usize)
}

/// The Rust type of a vector variable of `float`s: an array (`[f64; 3]`) for a literal size,
/// else a `Vec` that follows its size parameter.
fn vector_type(v: &crate::ir::IrVariable, float: FloatType) -> TokenStream {
    let ty = float.ty();
    match v.fixed_len() {
        Some(n) => {
            let n = int(n);
            quote!([#ty; #n])
        }
        None => names::vec_type(ty),
    }
}

/// A declared symbol with its default and, for a vector, its size.
pub type Declared<'a> = (&'a str, Option<&'a Expr>, Option<&'a Expr>);

/// Orders `items` so that each comes after the symbols its default and size use.
pub fn dependency_order<'a>(items: &[Declared<'a>]) -> Result<Vec<Declared<'a>>, Vec<String>> {
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
pub fn receptors(qualifiers: &[(bool, bool)]) -> Vec<(usize, Option<usize>)> {
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
    /// `field: v_field,` in a struct expression, converted for storing.
    pub(super) fn init(&self, sym: &str) -> TokenStream {
        let (f, l) = (member(sym), local("v_", sym));
        let v = self.storage(sym).store(quote!(#l));
        quote!(#f: #v,)
    }

    /// `let v_<sym>: <type> = <default>;` for the declared symbols `order` (in that order),
    /// with the model's variables read as such locals (`Ctx::Default`).
    fn default_locals(&mut self, order: &[Declared]) -> TokenStream {
        let (none, ty) = (BTreeSet::new(), self.float().ty());
        let mut d = TokenStream::new();
        for &(sym, e, size) in order {
            let v = match e {
                Some(e) => self.expr(e, Ctx::Default, &none, None),
                None => self.float().number(0.0),
            };
            let l = local("v_", sym);
            let vector = size.and_then(|_| self.ir.variable(sym));
            d.extend(match vector {
                Some(var) => {
                    let value = match var.fixed_len() {
                        Some(len) => {
                            let len = int(len);
                            quote!([#v; #len])
                        }
                        None => {
                            let len = vector_len(self.expr(var.size.as_ref().expect("vector"), Ctx::Default, &none, None));
                            names::vec_macro(quote!(#v; #len))
                        }
                    };
                    let vec = vector_type(var, self.float());
                    quote!(let #l: #vec = #value;)
                }
                None => quote!(let #l: #ty = #v;),
            });
        }
        d
    }

    /// The Rust type of the numeric solver field.
    fn solver_type(&self) -> TokenStream {
        let (n, ty) = (int(self.states.len()), self.float().ty());
        match self.options.numeric_solver {
            NumericSolver::Rk45 => quote!(::nestml::Rkf45<#n, #ty>),
            NumericSolver::ForwardEuler => quote!(::nestml::ForwardEuler<#n, #ty>),
            NumericSolver::Rk4 => quote!(::nestml::Rk4<#n, #ty>),
            NumericSolver::Implicit => quote!(::nestml::Ros2<#n, #ty>),
            NumericSolver::RushLarsen => quote!(::nestml::RushLarsen<#n, #ty>),
        }
    }

    /// A fresh numeric solver for the step `__h`.
    fn solver_new(&self) -> TokenStream {
        let o = self.options;
        match o.numeric_solver {
            NumericSolver::Rk45 => {
                let control = match o.step_size_controller {
                    StepSizeController::Solution => quote!(y),
                    StepSizeController::Derivative => quote!(yp),
                };
                let (abs, rel) = (proc_macro2::Literal::f64_unsuffixed(o.abs_error_tol), proc_macro2::Literal::f64_unsuffixed(o.rel_error_tol));
                let limit = o.max_substeps.map(|n| {
                    let n = proc_macro2::Literal::u32_unsuffixed(n);
                    quote!(.with_max_steps(#n))
                });
                let ignoring = o.error_kept_states_only.then(|| {
                    // the exactly propagated states (the 64 first can be left out)
                    let rows = self.states.iter().enumerate().filter(|(i, s)| *i < 64 && self.lin.states.contains(s)).fold(0u64, |m, (i, _)| m | 1 << i);
                    let rows = proc_macro2::Literal::u64_unsuffixed(rows);
                    quote!(.ignoring(#rows))
                });
                quote!(::nestml::Rkf45::new(::nestml::Control::#control(#abs, #rel)#ignoring, __h)#limit)
            }
            NumericSolver::ForwardEuler => quote!(::nestml::ForwardEuler::new(1)),
            NumericSolver::Rk4 => quote!(::nestml::Rk4::new(1)),
            NumericSolver::Implicit => quote!(::nestml::Ros2::new(1)),
            NumericSolver::RushLarsen => {
                let n = proc_macro2::Literal::u32_unsuffixed(o.rush_larsen_substeps);
                let order = if o.rush_larsen_order == 1 { quote!(First) } else { quote!(Second) };
                quote!(::nestml::RushLarsen::new(#n, ::nestml::RushLarsenOrder::#order))
            }
        }
    }

    pub fn source(&mut self, ms: &ModelSystem) -> TokenStream {
        let ir = self.ir;
        let name = format_ident!("{}", self.type_name);
        let (float, ty) = (self.float(), self.float().ty());
        let n = self.lin.states.len();
        let none = BTreeSet::new();
        let docs = type_doc(format!("The NESTML model `{}` (generated).", self.model_name), &ir.doc);
        // model variables in declaration order, then convolution states
        let conv_states: Vec<String> = self.states.iter().filter(|s| self.conv.contains(*s)).cloned().collect();
        let variable_fields = ir.variables.iter().map(|v| {
            let field_ty = if v.size.is_some() { vector_type(v, float) } else { self.storage(&v.name).rust_type(float) };
            variable_field(&kind_name(v.kind).to_lowercase(), v, field_ty)
        });
        let conv_fields = conv_states.iter().map(|s| convolution_field(s, float));
        let delay_fields = ir.delayed.iter().map(|d| {
            let (value, buf, pos) = delay_members(&d.symbol);
            let (state, docs) = (nestml_name(&d.state), doc([format!("`{}(t - {})` in this step.", nestml_name(&d.state), d.delay)]));
            let buf_docs = doc([format!("The values of `{state}` at the start of the last steps, a ring buffer of `round(delay / h) + 1` (set by `calibrate`); the next to write at `{pos}`, after which it holds the oldest.")]);
            let vec = names::vec_type(ty.clone());
            quote!(#docs pub #value: #ty, #buf_docs #buf: #vec, #pos: u32,)
        });
        let ports: Vec<proc_macro2::Ident> = ir.spike_ports.iter().chain(&ir.continuous_ports).map(|p| port_field(p)).collect();
        let (np, nq, ng) = (int(self.p_entries.len()), int(self.q_rows.len()), int(self.g_entries.len()));
        let solver_field = self.numeric.then(|| {
            let t = self.solver_type();
            quote!(__solver: #t,)
        });
        let stage_fields = self.stage_propagator().then(|| {
            quote! {
                /// The entries of `P` over one stage of the Rush–Larsen solver, as `__P`.
                __Ps: [#ty; #np],
                /// `q` over one stage.
                __qs: [#ty; #nq],
                /// `G` over one stage.
                __Gs: [#ty; #ng],
            }
        });
        let stage_init = self.stage_propagator().then(|| quote!(__Ps: [0.0; #np], __qs: [0.0; #nq], __Gs: [0.0; #ng],));
        let (n_spike, n_cont) = (int(ir.spike_ports.len()), int(ir.continuous_ports.len()));
        let mut o = quote! {
            #docs
            #[allow(non_snake_case, dead_code)]
            #[derive(Clone, Debug)]
            pub struct #name {
                #(#variable_fields)*
                #(#conv_fields)*
                #(#delay_fields)*
                #(#ports: #ty,)*
                __h: #ty,
                /// The entries of `P = expm(A h)` that can be nonzero, row by row.
                __P: [#ty; #np],
                /// `Φ` times the constant part of `b`, per row that has one.
                __q: [#ty; #nq],
                /// `Φ` times the coefficients of the inputs in `b`, per (row, input).
                __G: [#ty; #ng],
                #stage_fields
                #solver_field
                __spikes: ::nestml::SpikeInputs<#n_spike>,
                __currents: ::nestml::ContinuousInputs<#n_cont>,
            }
        };

        // Default
        let initial: BTreeMap<&str, &Expr> = ms.system.states.iter().map(|s| (s.name.as_str(), &s.initial)).collect();
        let mut items: Vec<Declared> = ir.variables.iter().map(|v| (v.name.as_str(), v.default.as_ref(), v.size.as_ref())).collect();
        for s in &conv_states {
            items.push((s.as_str(), initial.get(s.as_str()).copied(), None));
        }
        let d = match dependency_order(&items) {
            Ok(order) => self.default_locals(&order),
            Err(cycle) => {
                self.errors.push(err(None, format!("the defaults of {} depend on each other", cycle.iter().map(|s| format!("`{}`", nestml_name(s))).collect::<Vec<_>>().join(", "))));
                TokenStream::new()
            }
        };
        // reset_state: the states' initial values from the current parameters and internals
        let is_state = |sym: &str| conv_states.iter().any(|c| c == sym) || ir.variable(sym).is_some_and(|v| v.kind == VarKind::State);
        let (state_items, fixed): (Vec<Declared>, Vec<Declared>) = items.iter().partition(|(sym, ..)| is_state(sym));
        let reset_locals = dependency_order(&state_items).map(|order| self.default_locals(&order)).unwrap_or_default();
        let used: BTreeSet<String> = state_items.iter().flat_map(|(_, e, size)| e.iter().chain(size).flat_map(|e| e.symbols())).collect();
        let fixed_locals = fixed.iter().filter(|(sym, ..)| used.contains(*sym)).map(|(sym, _, size)| {
            let (l, f) = (local("v_", sym), field(sym));
            match size {
                Some(_) => quote!(let #l = &#f;),
                None => {
                    let v = self.storage(sym).read(f, float);
                    quote!(let #l: #ty = #v;)
                }
            }
        });
        let reset_assign = state_items.iter().map(|(sym, ..)| {
            let (f, v) = (field(sym), self.storage(sym).store(local("v_", sym).into_token_stream()));
            quote!(#f = #v;)
        });
        let reset_history = ir.delayed.iter().map(|d| {
            let (_, buf, pos) = delay_members(&d.symbol);
            quote!(self.#buf.iter_mut().for_each(|x| *x = 0.0); self.#pos = 0;)
        });
        let reset_state = quote! {
            /// Sets every state variable, convolution states included, to its declared initial
            /// value computed from the current parameters, in dependency order, as `Default`
            /// does; parameters are kept, internals recomputed.
            #[allow(unused_variables)]
            pub fn reset_state(&mut self) {
                self.__recompute();
                let __h = self.__h;
                #(#fixed_locals)*
                #reset_locals
                #(#reset_assign)*
                #(#reset_history)*
            }
        };
        let inits = ir.variables.iter().map(|v| &v.name).chain(&conv_states).map(|s| self.init(s));
        let delay_inits = ir.delayed.iter().map(|d| {
            let (value, buf, pos) = delay_members(&d.symbol);
            let empty = names::vec_macro(TokenStream::new());
            quote!(#value: 0.0, #buf: #empty, #pos: 0,)
        });
        let solver_init = self.numeric.then(|| {
            let s = self.solver_new();
            quote!(__solver: #s,)
        });
        o.extend(quote! {
            impl ::core::default::Default for #name {
                #[allow(non_snake_case, unused_variables, clippy::all)]
                fn default() -> Self {
                    let __h: #ty = 0.1;
                    #d
                    let mut __s = #name {
                        #(#inits)*
                        #(#delay_inits)*
                        #(#ports: 0.0,)*
                        __h,
                        __P: [0.0; #np],
                        __q: [0.0; #nq],
                        __G: [0.0; #ng],
                        #stage_init
                        #solver_init
                        __spikes: ::core::default::Default::default(),
                        __currents: ::core::default::Default::default(),
                    };
                    __s.__propagator();
                    __s
                }
            }
        });

        // internals, propagator, state names
        let internals: Vec<Declared> = ir.variables.iter().filter(|v| v.kind == VarKind::Internal && v.size.is_none()).map(|v| (v.name.as_str(), v.default.as_ref(), None)).collect();
        let model_name = self.model_name.clone();
        let states: Vec<String> = self.states.iter().map(|s| nestml_name(s)).collect();
        let n_states = int(states.len());
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
        // vectors follow their size parameters; new elements take the default
        for v in ir.variables.iter().filter(|v| v.size.is_some() && v.fixed_len().is_none()) {
            let n = self.expr(v.size.as_ref().expect("vector"), Ctx::Calibrate, &none, None);
            let len = vector_len(n);
            let d = v.default.as_ref().map_or(float.number(0.0), |e| self.expr(e, Ctx::Calibrate, &none, None));
            let f = field(&v.name);
            recompute.extend(quote! {
                {
                    let __n = #len;
                    if #f.len() != __n {
                        let __d = #d;
                        #f.resize(__n, __d);
                    }
                }
            });
        }
        let (mut functions, time) = (TokenStream::new(), names::trait_float());
        for f in &ir.functions {
            let docs = doc([format!("The NESTML function `{}`.", f.name)]);
            let params = f.params.iter().map(|p| local("l_", p));
            let method = local_fn(&f.name);
            let mut locals: BTreeSet<String> = f.params.iter().cloned().collect();
            let body = self.stmts(&f.body, &mut locals, Scope::Function);
            functions.extend(quote! {
                #docs
                #[allow(unused_mut, unused_variables, unreachable_code)]
                fn #method(&mut self, ctx: &mut ::nestml::StepContext<'_>, __t: #time #(, #params: #ty)*) -> ::core::result::Result<#ty, ::nestml::Fault> {
                    #body
                    Ok(0.0)
                }
            });
        }
        let mut propagator = TokenStream::new();
        if n > 0 {
            let a = self.lin.a.clone();
            let rows: Vec<TokenStream> = a
                .iter()
                .map(|row| {
                    let row = row.iter().map(|e| self.expr(e, Ctx::Calibrate, &none, None)).collect::<Vec<_>>();
                    quote!([#(#row),*])
                })
                .collect();
            // q = Φ · constant part of b, G = Φ · coefficients of the inputs
            let constant: Vec<Expr> = self.forcing.constant.clone();
            let c: Vec<TokenStream> = constant.iter().map(|e| self.expr(e, Ctx::Calibrate, &none, None)).collect();
            let q: Vec<TokenStream> = self
                .q_rows
                .iter()
                .map(|&i| {
                    let terms: Vec<TokenStream> = (0..n)
                        .filter(|&k| self.reach[i][k] && !nestml_ode::is_zero(&constant[k]))
                        .map(|k| {
                            let (i, k) = (int(i), int(k));
                            quote!(__phi[#i][#k] * __c[#k])
                        })
                        .collect();
                    sum(&terms)
                })
                .collect();
            let mut g = Vec::new();
            for (i, u) in self.g_entries.clone() {
                let coefficients: Vec<(usize, Expr)> = (0..n)
                    .filter(|&k| self.reach[i][k])
                    .filter_map(|k| self.forcing.coefficients[k].iter().find(|(v, _)| *v == u).map(|(_, coeff)| (k, coeff.clone())))
                    .collect();
                let terms: Vec<TokenStream> = coefficients
                    .iter()
                    .map(|(k, coeff)| {
                        let (i, k, coeff) = (int(i), int(*k), self.expr(coeff, Ctx::Calibrate, &none, None));
                        quote!(__phi[#i][#k] * #coeff)
                    })
                    .collect();
                g.push(sum(&terms));
            }
            let p = self.p_entries.iter().map(|&(i, j)| {
                let (i, j) = (int(i), int(j));
                quote!(__p[#i][#j])
            });
            let n = int(n);
            let p: Vec<TokenStream> = p.collect();
            propagator = quote! {
                let __a: [[#ty; #n]; #n] = [#(#rows),*];
                let (__p, __phi) = ::nestml::linalg::propagator(&__a, self.__h);
                self.__P = [#(#p),*];
                let __c: [#ty; #n] = [#(#c),*];
                self.__q = [#(#q),*];
                self.__G = [#(#g),*];
            };
            if self.stage_propagator() {
                propagator.extend(quote! {
                    let (__p, __phi) = ::nestml::linalg::propagator(&__a, self.__solver.stage_length(self.__h));
                    self.__Ps = [#(#p),*];
                    self.__qs = [#(#q),*];
                    self.__Gs = [#(#g),*];
                });
            }
        }
        o.extend(quote! {
            #[allow(non_snake_case, unused_parens, clippy::all)]
            impl #name {
                /// The model name, for faults.
                const __MODEL: &'static str = #model_name;
                /// The ODE states, in the order of the numeric solver's state vector.
                const __STATES: [&'static str; #n_states] = [#(#states),*];

                #reset_state

                /// Recomputes the internals from the parameters and the resolution, then the propagator.
                fn __recompute(&mut self) {
                    #recompute
                    self.__propagator();
                }

                #functions

                /// `P = expm(A h)`, `q` and `G` at the current parameters and resolution.
                fn __propagator(&mut self) {
                    #propagator
                }
            }
        });

        // the Neuron impl
        let mut infos: Vec<TokenStream> = ir.variables.iter().map(|v| variable_info(&v.name, v.unit.as_deref(), kind_name(v.kind), &v.ty, v.size.is_some())).collect();
        infos.extend(conv_states.iter().map(|s| variable_info(s, None, "State", &Type::Real, false)));
        infos.extend(ir.inlines.iter().filter(|i| i.recordable).map(|i| variable_info(&i.name, i.unit.as_deref(), "Recordable", &Type::Real, false)));
        let spike_ports = ir.spike_ports.iter().map(|p| quote!(::nestml::PortInfo { name: #p, kind: ::nestml::PortKind::Spike, unit: None, len: 1 }));
        let continuous_ports = ir.continuous_ports.iter().zip(&ir.continuous_units).map(|(p, unit)| {
            let unit = opt_str(unit.as_deref());
            quote!(::nestml::PortInfo { name: #p, kind: ::nestml::PortKind::Continuous, unit: #unit, len: 1 })
        });
        let receptors = receptors(&ir.spike_qualifiers).into_iter().map(|r| match r {
            (e, Some(i)) => {
                let (e, i) = (int(e), int(i));
                quote!(::nestml::Receptor { excitatory: #e, inhibitory: Some(#i) })
            }
            (e, None) => {
                let e = int(e);
                quote!(::nestml::Receptor::single(#e))
            }
        });
        let reset = (self.numeric && self.options.numeric_solver != NumericSolver::RushLarsen).then(|| {
            let h = float.from_f64(quote!(resolution.h()));
            quote!(::nestml::OdeSolver::reset(&mut self.__solver, #h);)
        });
        let boundary = names::trait_float();
        let calibrate = self.calibrate();
        let step = self.step(ms);
        let get_set = self.get_set(&conv_states);
        o.extend(quote! {
            #[allow(non_snake_case, unused_parens, unused_variables, unused_mut, clippy::all)]
            impl ::nestml::Neuron for #name {
                const NAME: &'static str = #model_name;
                const VARIABLES: &'static [::nestml::VariableInfo] = &[#(#infos),*];
                const PORTS: &'static [::nestml::PortInfo] = &[#(#spike_ports,)* #(#continuous_ports),*];
                const RECEPTORS: &'static [::nestml::Receptor] = &[#(#receptors),*];

                fn init_buffers(&mut self, resolution: &::nestml::Resolution) {
                    self.__spikes.clear();
                    self.__currents.clear();
                    #reset
                }

                #calibrate

                #[inline]
                fn handle_spike(&mut self, receptor: usize, weight: #boundary, multiplicity: u32) {
                    self.__spikes.receive(Self::RECEPTORS, receptor, weight, multiplicity);
                }

                #[inline]
                fn handle_port_spike(&mut self, port: usize, weight: #boundary) {
                    self.__spikes.add(port, weight);
                }

                #[inline]
                fn handle_current(&mut self, port: usize, value: #boundary) {
                    self.__currents.add(port, value);
                }

                #step
                #get_set
            }
        });
        let mut carried: Vec<String> = ir.variables.iter().map(|v| v.name.clone()).chain(conv_states.iter().cloned()).collect();
        for d in &ir.delayed {
            let (_, buf, pos) = delay_members(&d.symbol);
            carried.extend([buf.to_string(), pos.to_string()]);
        }
        if self.numeric {
            carried.push("__solver".into());
        }
        carried.extend(["__spikes".to_string(), "__currents".to_string()]);
        o.extend(super::checkpoint::checkpoint_impl(&name, &carried, TokenStream::new()));
        if self.options.population && self.errors.is_empty() {
            o.extend(self.population_source(ms));
        }
        if self.options.serde {
            o.extend(super::checkpoint::serde_impls(&name, quote!(<#name as ::nestml::Neuron>::NAME), quote!(<Self as ::core::default::Default>::default())));
        }
        o.extend(super::typed::typed_accessors(ir, &name, float));
        o
    }

    /// `Neuron::calibrate`: internals and propagator, then every guard (fields are public, so
    /// a parameter may have been set without `set`), finite real internals and a finite
    /// propagator.
    fn calibrate(&mut self) -> TokenStream {
        let none = BTreeSet::new();
        let guards: Vec<(String, nestml_ode::Cond)> = self.ir.variables.iter().filter_map(|v| Some((v.nestml_name.clone(), v.guard.clone()?))).collect();
        let mut checks = TokenStream::new();
        for (name, g) in guards {
            let c = self.cond(&g, Ctx::Calibrate, &none, None);
            let fault = guard_violated(quote!(Self::NAME), &g, &name);
            checks.extend(quote! {
                if !#c {
                    return Err(#fault);
                }
            });
        }
        // every real internal: e.g. a normalisation that divides by `tau_rise - tau_decay`
        let internals: Vec<TokenStream> = self
            .ir
            .variables
            .iter()
            .filter(|v| v.kind == VarKind::Internal && v.size.is_none() && self.storage(&v.name) == Storage::Real)
            .map(|v| {
                let (name, f) = (&v.nestml_name, field(&v.name));
                quote!((#name, #f))
            })
            .collect();
        let float = self.float();
        if !internals.is_empty() {
            let value = float.to_f64(quote!(value));
            checks.extend(quote! {
                for (name, value) in [#(#internals),*] {
                    if !value.is_finite() {
                        return Err(::nestml::Fault::new(Self::NAME, 0.0, ::nestml::FaultKind::InvalidParameter { name, value: #value, reason: "this internal is not finite at these parameters and this resolution" }));
                    }
                }
            });
        }
        if !self.p_entries.is_empty() {
            let value = float.to_f64(quote!(*v));
            let stage = self.stage_propagator().then(|| quote!(.chain(&self.__Ps).chain(&self.__qs).chain(&self.__Gs)));
            checks.extend(quote! {
                if let Some(v) = self.__P.iter().chain(&self.__q).chain(&self.__G) #stage .find(|v| !v.is_finite()) {
                    return Err(::nestml::Fault::new(Self::NAME, 0.0, ::nestml::FaultKind::InvalidParameter { name: "propagator", value: #value, reason: "the exact propagator is not finite at these parameters and this resolution" }));
                }
            });
        }
        for d in &self.ir.delayed.clone() {
            // NEST's `Time::delay_ms_to_steps`, as PyNESTML's buffer length
            let steps = self.expr(&Expr::call(nestml_ode::Func::Round, vec![d.delay.clone() / Expr::sym(crate::ir::STEP)]), Ctx::Calibrate, &none, None);
            let delay = self.expr(&d.delay, Ctx::Calibrate, &none, None);
            let (steps, delay) = (float.to_f64(steps), float.to_f64(delay));
            let (_, buf, pos) = delay_members(&d.symbol);
            let name = match &d.delay {
                Expr::Sym(p) => nestml_name(p),
                _ => format!("{}(t - {})", nestml_name(&d.state), d.delay),
            };
            let empty = names::vec_macro(quote!(0.0; __len));
            checks.extend(quote! {
                let __steps = #steps;
                if !(__steps >= 1.0 && __steps.is_finite()) {
                    return Err(::nestml::Fault::new(Self::NAME, 0.0, ::nestml::FaultKind::InvalidParameter { name: #name, value: #delay, reason: "a delayed state variable's delay must be finite and at least one simulation step" }));
                }
                let __len = __steps as usize + 1;
                if self.#buf.len() != __len {
                    self.#buf = #empty;
                    self.#pos = 0;
                }
            });
        }
        let h = float.from_f64(quote!(resolution.h()));
        quote! {
            fn calibrate(&mut self, resolution: &::nestml::Resolution) -> ::core::result::Result<(), ::nestml::Fault> {
                self.__h = #h;
                self.__recompute();
                #checks
                Ok(())
            }
        }
    }

    /// `Neuron::step`.
    fn step(&mut self, ms: &ModelSystem) -> TokenStream {
        let float = self.float();
        let mut o = TokenStream::new();
        for (i, p) in self.ir.spike_ports.iter().enumerate() {
            let sum = self.spike_sum(i);
            let (p, v) = (port_field(p), float.from_f64(quote!(1e-3 * #sum)));
            o.extend(quote!(self.#p = #v;));
        }
        for (i, p) in self.ir.continuous_ports.iter().enumerate() {
            let (p, v) = (port_field(p), float.from_f64(self.current_value(i)));
            o.extend(quote!(self.#p = #v;));
        }
        // PyNESTML's order: the state at the start of the step goes into the history, then
        // the oldest value (`round(delay / h)` steps back; 0 before) is this step's delayed value
        for d in &self.ir.delayed {
            let (value, buf, pos) = delay_members(&d.symbol);
            let x = field(&d.state);
            o.extend(quote! {
                self.#buf[self.#pos as usize] = #x;
                self.#pos = ((self.#pos as usize + 1) % self.#buf.len()) as u32;
                self.#value = self.#buf[self.#pos as usize];
            });
        }
        o.extend(self.step_body(ms));
        if !self.states.is_empty() {
            let values: Vec<TokenStream> = self.states.iter().map(|s| field(s)).collect();
            o.extend(quote! {
                if !(#(#values.is_finite())&*) {
                    ::nestml::Fault::check_finite(<Self as ::nestml::Neuron>::NAME, __t, &Self::__STATES, &[#(#values),*])?;
                }
            });
        }
        quote! {
            fn step(&mut self, ctx: &mut ::nestml::StepContext<'_>) -> ::core::result::Result<::nestml::StepOutcome, ::nestml::Fault> {
                let __t = ctx.t_end;
                let mut __out = ::nestml::StepOutcome::default();
                self.__spikes.begin_step();
                #o
                self.__currents.end_step();
                Ok(__out)
            }
        }
    }

    /// The step after the port values are set, up to the check for non-finite states, in
    /// the current layout: the end-of-step convolution values, `update`, `onReceive`, the
    /// convolution jumps, `onCondition`.
    pub(super) fn step_body(&mut self, ms: &ModelSystem) -> TokenStream {
        let mut o = self.step_head();
        o.extend(self.step_tail(ms));
        o
    }

    /// The convolution states that are propagated exactly once per step, with their rows.
    pub(super) fn exact_convolutions(&self) -> Vec<(usize, String)> {
        self.lin.states.iter().enumerate().filter(|(_, s)| self.conv.contains(*s)).map(|(i, s)| (i, s.clone())).collect()
    }

    /// The step up to the end of `update`: the end-of-step values `__conv_<s>` of the
    /// convolution states, then `update`.
    pub(super) fn step_head(&mut self) -> TokenStream {
        let mut o = TokenStream::new();
        let none = BTreeSet::new();
        let exact_conv = self.exact_convolutions();
        if !exact_conv.is_empty() {
            // convolutions: their values at the end of the step, from those at its start
            let (x, u) = self.linear_inputs(&none);
            let names = exact_conv.iter().map(|(_, s)| local("__conv_", s));
            let rows = exact_conv.iter().map(|(i, _)| self.row(*i));
            o.extend(quote! {
                let (#(#names,)*) = {
                    let __x = #x;
                    let __u = #u;
                    (#(#rows,)*)
                };
            });
        }
        o.extend(self.stmts(&self.ir.update, &mut BTreeSet::new(), Scope::Update));
        o
    }

    /// The step after `update`: `onReceive`, the convolution states' new values and jumps,
    /// `onCondition`.
    pub(super) fn step_tail(&mut self, ms: &ModelSystem) -> TokenStream {
        let (ir, float) = (self.ir, self.float());
        let none = BTreeSet::new();
        let mut o = TokenStream::new();
        let exact_conv = self.exact_convolutions();
        for (port, handler) in &ir.on_receive {
            let Some(i) = ir.spike_ports.iter().position(|p| p == port) else {
                self.errors.push(err(None, format!("`onReceive({port})`: not a spike input port")));
                continue;
            };
            let (body, received) = (self.stmts(handler, &mut BTreeSet::new(), Scope::Handler), self.spike_received(i));
            o.extend(quote!(if #received { #body }));
        }
        for (_, s) in &exact_conv {
            let (f, l) = (self.place(s), local("__conv_", s));
            o.extend(quote!(#f = #l;));
        }
        let conv_jumps: Vec<_> = ms.jumps.iter().filter(|j| self.conv.contains(&j.state)).collect();
        for j in conv_jumps {
            let Some(i) = ir.spike_ports.iter().position(|p| *p == j.port) else { continue };
            let jump = j.jump.subs(WEIGHT, &Expr::sym("__w"));
            let locals: BTreeSet<String> = ["__w".to_string()].into();
            let (v, f) = (self.expr(&jump, Ctx::Step, &locals, None), self.place(&j.state));
            let (w, received) = (float.from_f64(self.spike_sum(i)), self.spike_received(i));
            o.extend(quote! {
                if #received {
                    let l___w = #w;
                    #f += #v;
                }
            });
        }
        for (c, block) in &ir.on_condition {
            let c = self.cond(c, Ctx::Step, &none, None);
            let body = self.stmts(block, &mut BTreeSet::new(), Scope::Handler);
            o.extend(quote!(if #c { #body }));
        }
        o
    }

    /// `get_value` and `set_value`.
    fn get_set(&mut self, conv_states: &[String]) -> TokenStream {
        let (ty, float) = (names::trait_float(), self.float());
        let none = BTreeSet::new();
        // (symbol, kind, guard, is a vector)
        let all: Vec<(&str, VarKind, Option<&nestml_ode::Cond>, bool)> = self
            .ir
            .variables
            .iter()
            .map(|v| (v.name.as_str(), v.kind, v.guard.as_ref(), v.size.is_some()))
            .chain(conv_states.iter().map(|s| (s.as_str(), VarKind::State, None, false)))
            .collect();
        let mut get = TokenStream::new();
        for (i, (s, _, _, vector)) in all.iter().enumerate() {
            let (i, f) = (int(i), field(s));
            get.extend(match vector {
                true => {
                    let v = float.to_f64(quote!(__v));
                    quote!(#i => #f.get(element).map(|&__v| #v),)
                }
                false => {
                    let v = self.storage(s).read_f64(f, float);
                    quote!(#i if element == 0 => Some(#v),)
                }
            });
        }
        let recordables: Vec<Expr> = self.ir.inlines.iter().filter(|i| i.recordable).map(|i| i.rhs.clone()).collect();
        for (k, rhs) in recordables.iter().enumerate() {
            let (v, i) = (float.to_f64(self.expr(rhs, Ctx::Calibrate, &none, None)), int(all.len() + k));
            get.extend(quote!(#i if element == 0 => Some(#v),));
        }
        let lens = all.iter().enumerate().filter(|(_, v)| v.3).map(|(i, (s, ..))| {
            let (i, f) = (int(i), field(s));
            quote!(#i => #f.len(),)
        });
        let mut set = TokenStream::new();
        for (i, (s, kind, _, vector)) in all.iter().enumerate() {
            if matches!(kind, VarKind::Parameter | VarKind::State) {
                let (i, f) = (int(i), field(s));
                set.extend(match vector {
                    true => {
                        let v = float.from_f64(quote!(value));
                        quote!(#i => #f[element] = #v,)
                    }
                    false => {
                        let v = self.storage(s).store_f64(quote!(value), float);
                        quote!(#i => #f = #v,)
                    }
                });
            }
        }
        let mut guards = TokenStream::new();
        for (s, _, guard, _) in &all {
            if let Some(g) = guard {
                let c = self.cond(g, Ctx::Calibrate, &none, None);
                let reason = guard_reason(g, &nestml_name(s));
                guards.extend(quote! {
                    if !#c {
                        *self = __old;
                        return Err(::nestml::SetError::Invalid { model: Self::NAME, name: info.name, value, reason: #reason });
                    }
                });
            }
        }
        quote! {
            fn get_value(&self, var: usize, element: usize) -> Option<#ty> {
                match var {
                    #get
                    _ => None,
                }
            }

            fn vector_len(&self, var: usize) -> usize {
                match var {
                    #(#lens)*
                    _ => 1,
                }
            }

            fn set_value(&mut self, var: usize, element: usize, value: #ty) -> ::core::result::Result<(), ::nestml::SetError> {
                let info = Self::VARIABLES.get(var).ok_or(::nestml::SetError::UnknownIndex { model: Self::NAME, index: var })?;
                let len = <Self as ::nestml::Neuron>::vector_len(self, var);
                if element >= len {
                    return Err(::nestml::SetError::Index { model: Self::NAME, name: info.name, index: element, len });
                }
                info.check_write(Self::NAME, value)?;
                let __old = self.clone();
                match var {
                    #set
                    _ => {}
                }
                if info.kind == ::nestml::VariableKind::Parameter {
                    self.__recompute();
                }
                #guards
                Ok(())
            }
        }
    }
}

/// The guard `g` of the variable `name` (NESTML name) as a fault names it.
pub fn guard_text(g: &nestml_ode::Cond, name: &str) -> String {
    format!("{g} (the guard of `{name}`, in NEST units)")
}

/// Why a set value was rejected by the guard `g` of variable `name` (NESTML name).
pub fn guard_reason(g: &nestml_ode::Cond, name: &str) -> String {
    format!("violates the guard `{g}` of `{name}` (in NEST units)")
}
