//! Expressions, statements and `integrate_odes` as Rust tokens.

use std::collections::{BTreeMap, BTreeSet};

use nestml_ode::{rust, Cond, Expr, RustNames};
use proc_macro2::TokenStream;
use quote::{format_ident, quote, ToTokens};

use super::names::{self, field, int, local, member, Names};
use super::layout::NeuronLayout;
use super::options::{CodegenOptions, NumericSolver};
use super::{err, CodegenError, FloatType};
use crate::analysis::{nestml_name, substitute_all, substitute_cond};
use crate::diagnostics::Span;
use crate::ir::{ArithOp, Draw, IrStmt, ModelIr, RandomFn, STEP};
use crate::sema::types::Type;

/// Where a symbol lives in a generated function.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Ctx {
    /// `Default::default`: model variables are local bindings `v_<sym>`.
    Default,
    /// `__recompute` (internals, propagator) and reading recordables: `self.<sym>`, the step
    /// is `self.__h`, ports hold the values of the last step.
    Calibrate,
    /// `step`: `self.<sym>`, ports `self.__in_<port>`, `t` is the end of the step.
    Step,
    /// The right-hand side closure of the numeric solver: ODE states are `__y[i]`, `t` is
    /// the start of the step plus the solver's time `__tt`.
    Rhs,
    /// A synapse's `new(__p)`: state variables are local bindings `v_<sym>`, parameters
    /// `__p.<sym>`.
    New,
}

/// Where a neuron's step keeps the model's values.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Layout {
    /// The neuron struct: `self.<sym>`, inputs from its buffers, faults returned at once.
    Struct,
    /// The loop body of a population's step (`population`): per-neuron values (state
    /// variables, convolution states) are locals `s_<sym>`, parameters and internals fields
    /// of the neuron's parameter block `__p`, spike sums and flags the locals `__sum<i>`,
    /// `__hit<i>`, continuous inputs `__cur<i>`; spikes are counted in `__spk`, non-finite
    /// states flagged in `__bad`.
    Population,
}

/// How a scalar model variable is stored.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Storage {
    Real,
    Integer,
    Boolean,
}

impl Storage {
    /// The Rust type of the field, reals in `float`.
    pub fn rust_type(self, float: FloatType) -> TokenStream {
        match self {
            Storage::Real => float.ty(),
            Storage::Integer => quote!(i64),
            Storage::Boolean => quote!(bool),
        }
    }

    /// `place` (of this storage, reals in `float`) as a `float` expression, as NESTML
    /// arithmetic sees it.
    pub fn read(self, place: TokenStream, float: FloatType) -> TokenStream {
        match self {
            Storage::Real => place,
            Storage::Integer => {
                let ty = float.ty();
                quote!((#place as #ty))
            }
            Storage::Boolean => {
                let (one, zero) = (float.number(1.0), float.number(0.0));
                quote!((if #place { #one } else { #zero }))
            }
        }
    }

    /// `place` as the `f64` the `Neuron` trait reads.
    pub fn read_f64(self, place: TokenStream, float: FloatType) -> TokenStream {
        match self {
            Storage::Real => float.to_f64(place),
            _ => self.read(place, FloatType::F64),
        }
    }

    /// The `f64` expression `value` (from the `Neuron` trait) converted for storing.
    pub fn store_f64(self, value: TokenStream, float: FloatType) -> TokenStream {
        match self {
            Storage::Real => float.from_f64(value),
            _ => self.store(value),
        }
    }

    /// The float expression `value` converted for storing: integers truncate as C++'s
    /// `long = double` does, booleans are true when nonzero.
    pub fn store(self, value: TokenStream) -> TokenStream {
        match self {
            Storage::Real => value,
            Storage::Integer => quote!((#value) as i64),
            Storage::Boolean => quote!((#value) != 0.0),
        }
    }
}

/// Which block statements belong to.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Scope {
    Update,
    /// `onReceive` and `onCondition`.
    Handler,
    /// A procedural user function (a method returning `Result<f64, Fault>`).
    Function,
}

/// The generator of one model: what it knows about the model, and the errors found so far.
pub(super) struct Gen<'a> {
    pub ir: &'a ModelIr,
    /// For a synapse: the number of fields of its connection and parameters structs, each at
    /// most 8 bytes (set by `synapse_source`).
    pub connection_fields: Option<usize>,
    pub options: &'a CodegenOptions,
    /// The model name with the suffix (`NAME`), and the Rust type name.
    pub model_name: String,
    pub type_name: String,
    /// What the step is made of (read through `Deref`: `self.states`, `self.lin`, …).
    pub parts: NeuronLayout,
    /// With the Rush–Larsen solver: the numeric rows affine in their own state, with their
    /// rate `∂f/∂x` (the others take explicit steps).
    pub exponential: BTreeMap<String, Expr>,
    /// For a synapse: where its parameters, delay and continuous ports are read.
    pub synapse: Option<SynapseNames>,
    /// Where the step being generated keeps its values.
    pub layout: Layout,
    /// In a population's lockstep step: the names of each `integrate_odes` call of `update`
    /// (its site), in the order generated.
    pub sites: Vec<Vec<String>>,
    pub errors: Vec<CodegenError>,
}

impl core::ops::Deref for Gen<'_> {
    type Target = NeuronLayout;
    fn deref(&self) -> &NeuronLayout {
        &self.parts
    }
}

/// How a synapse's generated methods name what is not per-connection state.
#[derive(Clone, Debug, Default)]
pub(super) struct SynapseNames {
    /// Symbols kept in the shared parameter struct: `__p.<sym>` in handlers, `self.<sym>`
    /// in its own methods.
    pub params: BTreeSet<String>,
    /// The delay variable (`d`), read as the connection's delay.
    pub delay: Option<String>,
    /// Continuous ports in order, read as `ctx.input(i)`.
    pub continuous: Vec<String>,
}

impl Gen<'_> {
    /// The float type of the model's reals.
    pub fn float(&self) -> FloatType {
        self.options.float
    }

    /// How the model variable `sym` is stored (`Real` for vectors and non-variables).
    pub fn storage(&self, sym: &str) -> Storage {
        match self.ir.variable(sym) {
            Some(v) if v.size.is_none() && v.ty == Type::Integer => Storage::Integer,
            Some(v) if v.size.is_none() && v.ty == Type::Boolean => Storage::Boolean,
            _ => Storage::Real,
        }
    }

    /// Where the step reads and writes the model variable or convolution state `sym`.
    pub fn place(&self, sym: &str) -> TokenStream {
        match self.layout {
            Layout::Struct => field(sym),
            Layout::Population if self.per_neuron(sym) => local("s_", sym).into_token_stream(),
            Layout::Population => {
                let m = member(sym);
                quote!(__p.#m)
            }
        }
    }

    /// Whether `sym` has a value per neuron in a population (a state variable or a
    /// convolution state), rather than one per parameter block.
    pub fn per_neuron(&self, sym: &str) -> bool {
        self.conv.contains(sym) || self.ir.variable(sym).is_some_and(|v| v.kind == crate::sema::symbols::VarKind::State)
    }

    /// What holds the step, the propagator and the parameters: `self`, or a population's `__p`.
    pub fn shared(&self) -> TokenStream {
        match self.layout {
            Layout::Struct => quote!(self),
            Layout::Population => quote!(__p),
        }
    }

    /// The summed weight of spike port `i` in this step, as the `f64` of the input buffers.
    pub fn spike_sum(&self, i: usize) -> TokenStream {
        match self.layout {
            Layout::Struct => {
                let i = int(i);
                quote!(self.__spikes.sum(#i))
            }
            Layout::Population => format_ident!("__sum{i}").into_token_stream(),
        }
    }

    /// Whether spike port `i` received anything in this step.
    pub fn spike_received(&self, i: usize) -> TokenStream {
        match self.layout {
            Layout::Struct => {
                let i = int(i);
                quote!(self.__spikes.received(#i))
            }
            Layout::Population => format_ident!("__hit{i}").into_token_stream(),
        }
    }

    /// The value of continuous port `i` in this step, as an `f64`.
    pub fn current_value(&self, i: usize) -> TokenStream {
        match self.layout {
            Layout::Struct => {
                let i = int(i);
                quote!(self.__currents.value(#i))
            }
            Layout::Population => format_ident!("__cur{i}").into_token_stream(),
        }
    }

    /// Where the value of input port `port` is kept in a step.
    pub fn port_place(&self, port: &str) -> TokenStream {
        let p = port_field(port);
        match self.layout {
            Layout::Struct => quote!(self.#p),
            Layout::Population => quote!(#p),
        }
    }

    pub fn expr(&mut self, e: &Expr, ctx: Ctx, locals: &BTreeSet<String>, span: Option<Span>) -> TokenStream {
        let e = substitute_all(e, &self.inlines);
        self.print(ctx, locals, span, |names| rust::to_rust(&e, names))
    }

    pub fn cond(&mut self, c: &Cond, ctx: Ctx, locals: &BTreeSet<String>, span: Option<Span>) -> TokenStream {
        let c = substitute_cond(c, &self.inlines);
        self.print(ctx, locals, span, |names| rust::cond(&c, names))
    }

    /// Whether the model keeps a second propagator over one stage of the Rush–Larsen solver
    /// (`__Ps`, `__qs`, `__Gs`): it has exact rows and numeric rows on that solver.
    pub fn stage_propagator(&self) -> bool {
        self.numeric && self.options.numeric_solver == NumericSolver::RushLarsen && !self.lin.states.is_empty()
    }

    /// Whether a convolution state is propagated exactly once per step, outside
    /// `integrate_odes` (it is, unless `solver = "numeric"`).
    pub fn exact_convolution(&self, s: &str) -> bool {
        super::layout::exact_convolution(&self.conv, &self.lin, s)
    }

    /// Spells with the symbol names of `ctx`; unknown symbols are reported.
    fn print(&mut self, ctx: Ctx, locals: &BTreeSet<String>, span: Option<Span>, f: impl FnOnce(&dyn RustNames) -> TokenStream) -> TokenStream {
        let bad = std::cell::RefCell::new(Vec::new());
        let (fields, ports, index, synapse, float) = (&self.fields, &self.ports, &self.state_index, &self.synapse, self.float());
        let storage = |s: &str| self.storage(s);
        let symbol = |s: &str| -> TokenStream {
            if locals.contains(s) {
                let l = local("l_", s);
                return quote!(#l);
            }
            if let Some(syn) = synapse {
                if syn.delay.as_deref() == Some(s) && ctx != Ctx::Default {
                    return quote!(ctx.delay);
                }
                if let Some(i) = syn.continuous.iter().position(|p| p == s) {
                    let i = int(i);
                    return quote!(ctx.input(#i));
                }
                if s == STEP {
                    return quote!(__h);
                }
                if syn.params.contains(s) {
                    return match ctx {
                        Ctx::Default => {
                            let v = local("v_", s);
                            quote!(#v)
                        }
                        Ctx::Calibrate => storage(s).read(field(s), float),
                        _ => {
                            let m = member(s);
                            storage(s).read(quote!(__p.#m), float)
                        }
                    };
                }
            }
            if s == STEP {
                let shared = self.shared();
                return if ctx == Ctx::Default { quote!(__h) } else { quote!(#shared.__h) };
            }
            if s == "t" {
                return match ctx {
                    Ctx::Step => float.from_f64(quote!(__t)),
                    Ctx::Rhs => {
                        let (t, shared) = (float.from_f64(quote!(__t)), self.shared());
                        quote!((#t - #shared.__h + __tt))
                    }
                    _ => float.number(0.0),
                };
            }
            if ctx == Ctx::Rhs {
                if let Some(&i) = index.get(s) {
                    let i = int(i);
                    return quote!(__y[#i]);
                }
            }
            if fields.contains(s) {
                return if matches!(ctx, Ctx::Default | Ctx::New) {
                    let v = local("v_", s);
                    quote!(#v)
                } else if ctx == Ctx::Calibrate {
                    storage(s).read(field(s), float)
                } else {
                    storage(s).read(self.place(s), float)
                };
            }
            if ports.contains(s) && ctx != Ctx::Default && synapse.is_none() {
                return self.port_place(s);
            }
            bad.borrow_mut().push(s.to_string());
            float.number(0.0)
        };
        let tokens = f(&Names(float, symbol, self.options.exp_inline));
        for s in bad.into_inner() {
            self.errors.push(err(span, format!("`{}` cannot be used here in generated code", nestml_name(&s))));
        }
        tokens
    }

    /// The statements of a block.
    pub fn stmts(&mut self, body: &[IrStmt], locals: &mut BTreeSet<String>, scope: Scope) -> TokenStream {
        let mut out = TokenStream::new();
        for s in body {
            match s {
                IrStmt::Assign { target, index, op, value } => {
                    let lhs = if locals.contains(target) {
                        let l = local("l_", target);
                        quote!(#l)
                    } else if self.fields.contains(target) {
                        self.place(target)
                    } else if let (None, Some((state, scale))) = (index, self.inline_convolution(target)) {
                        // as PyNESTML: an inline that is a multiple of one convolution is
                        // assigned through that convolution's state
                        let value = match op {
                            None | Some(ArithOp::Add) | Some(ArithOp::Sub) => value.clone() / scale,
                            Some(ArithOp::Mul) | Some(ArithOp::Div) => value.clone(),
                        };
                        out.extend(self.stmts(&[IrStmt::Assign { target: state, index: None, op: *op, value }], locals, scope));
                        continue;
                    } else {
                        self.errors.push(err(None, format!("assignment to `{}`: not a variable of the model", nestml_name(target))));
                        continue;
                    };
                    let v = self.expr(value, Ctx::Step, locals, None);
                    let storage = if locals.contains(target) || index.is_some() { Storage::Real } else { self.storage(target) };
                    if storage != Storage::Real {
                        let v = match op {
                            None => v,
                            Some(op) => {
                                let old = storage.read(lhs.clone(), self.float());
                                let op = match op {
                                    ArithOp::Add => quote!(+),
                                    ArithOp::Sub => quote!(-),
                                    ArithOp::Mul => quote!(*),
                                    ArithOp::Div => quote!(/),
                                };
                                quote!((#old #op #v))
                            }
                        };
                        let v = storage.store(v);
                        out.extend(quote!(#lhs = #v;));
                        continue;
                    }
                    let op = match op {
                        None => quote!(=),
                        Some(ArithOp::Add) => quote!(+=),
                        Some(ArithOp::Sub) => quote!(-=),
                        Some(ArithOp::Mul) => quote!(*=),
                        Some(ArithOp::Div) => quote!(/=),
                    };
                    match index {
                        None => out.extend(quote!(#lhs #op #v;)),
                        Some(i) => {
                            // the value first: it may read the vector
                            let i = self.expr(i, Ctx::Step, locals, None);
                            let i = names::math_fn("round", &[quote!((#i))]);
                            let (variable, index) = (nestml_name(target), self.float().to_f64(quote!(__i)));
                            out.extend(quote! {
                                {
                                    let (__i, __v) = (#i, #v);
                                    match if __i >= 0.0 { #lhs.get_mut(__i as usize) } else { None } {
                                        Some(__e) => *__e #op __v,
                                        None => return Err(::nestml::Fault::new(Self::__MODEL, __t, ::nestml::FaultKind::IndexOutOfRange { variable: #variable, index: #index, len: #lhs.len() })),
                                    }
                                }
                            });
                        }
                    }
                }
                IrStmt::Local { name, value } => {
                    let v = self.expr(value, Ctx::Step, locals, None);
                    locals.insert(name.clone());
                    let (l, ty) = (local("l_", name), self.float().ty());
                    out.extend(quote! {
                        #[allow(unused_mut, unused_assignments)]
                        let mut #l: #ty = #v;
                    });
                }
                IrStmt::Draw(d) => out.extend(self.draw(d, locals)),
                IrStmt::If { branches, otherwise } => {
                    let mut arms = Vec::new();
                    for (c, b) in branches {
                        let c = self.cond(c, Ctx::Step, locals, None);
                        let b = self.stmts(b, &mut locals.clone(), scope);
                        arms.push(quote!(if #c { #b }));
                    }
                    out.extend(quote!(#(#arms)else*));
                    if !otherwise.is_empty() {
                        let b = self.stmts(otherwise, &mut locals.clone(), scope);
                        out.extend(quote!(else { #b }));
                    }
                }
                IrStmt::For { var, from, to, step, body } => {
                    if !locals.contains(var) {
                        self.errors.push(err(None, format!("`for {var} in …`: the loop variable must be a local variable")));
                        continue;
                    }
                    if *step == 0.0 || !step.is_finite() {
                        self.errors.push(err(None, format!("`for {var} in …`: the step must be a non-zero number")));
                        continue;
                    }
                    let from = self.expr(from, Ctx::Step, locals, None);
                    let to = self.expr(to, Ctx::Step, locals, None);
                    let cmp = if *step > 0.0 { quote!(<=) } else { quote!(>=) };
                    let (l, step) = (local("l_", var), self.float().number(*step));
                    let body = self.stmts(body, &mut locals.clone(), scope);
                    out.extend(quote! {
                        #l = #from;
                        while #l #cmp #to {
                            #body
                            #l += #step;
                        }
                    });
                }
                IrStmt::While { condition, body } => {
                    let c = self.cond(condition, Ctx::Step, locals, None);
                    let body = self.stmts(body, &mut locals.clone(), scope);
                    out.extend(quote!(while #c { #body }));
                }
                IrStmt::IntegrateOdes(names) => {
                    if scope != Scope::Update {
                        self.errors.push(err(None, "`integrate_odes` outside the `update` block is not supported"));
                        continue;
                    }
                    out.extend(if self.synapse.is_some() { self.integrate_closed(names, locals) } else { self.integrate(names, locals) });
                }
                IrStmt::EmitSpike(_) if scope == Scope::Function => self.errors.push(err(None, "`emit_spike` in a function is not supported")),
                IrStmt::EmitSpike(args) if self.synapse.is_some() => match args.as_slice() {
                    [w] => {
                        let w = self.expr(w, Ctx::Step, locals, None);
                        out.extend(quote!(__emit = Some(#w);));
                    }
                    _ => self.errors.push(err(None, "a synapse's `emit_spike` takes the weight as its one argument (the delay is the connection's)")),
                },
                IrStmt::EmitSpike(args) => {
                    if !args.is_empty() {
                        self.errors.push(err(None, "`emit_spike` with arguments (weight, delay) is only meaningful in synapses"));
                        continue;
                    }
                    out.extend(match self.layout {
                        Layout::Struct => quote!(__out.spikes += 1;),
                        Layout::Population => quote!(__spk += 1;),
                    });
                }
                IrStmt::Print { text, newline } => out.extend(self.print_stmt(text, *newline, locals)),
                IrStmt::Return(value) if scope == Scope::Function => {
                    let v = value.as_ref().map_or(self.float().number(0.0), |e| self.expr(e, Ctx::Step, locals, None));
                    out.extend(quote!(return Ok(#v);));
                }
                IrStmt::Return(_) => self.errors.push(err(None, "`return` in `update`, `onReceive` or `onCondition` is not supported yet")),
                IrStmt::Call { local: result, function, args } => {
                    if !self.ir.functions.iter().any(|f| f.name == *function) {
                        self.errors.push(err(None, format!("`{function}` cannot be called here")));
                        continue;
                    }
                    let args: Vec<TokenStream> = args.iter().map(|a| self.expr(a, Ctx::Step, locals, None)).collect();
                    let f = local_fn(function);
                    let call = quote!(self.#f(ctx, __t #(, #args)*)?);
                    match result {
                        Some(l) => {
                            let (name, ty) = (local("l_", l), self.float().ty());
                            out.extend(quote!(let #name: #ty = #call;));
                            locals.insert(l.clone());
                        }
                        None => out.extend(quote!(#call;)),
                    }
                }
            }
        }
        out
    }

    /// See [`super::NeuronLayout::inline_convolution`].
    fn inline_convolution(&self, name: &str) -> Option<(String, Expr)> {
        let (_, e) = self.inlines.iter().find(|(n, _)| n == name)?;
        super::layout::inline_convolution_of(self.ir, e, &self.conv)
    }

    /// A random number from the caller's generator (`ctx.rng`); an argument it cannot sample
    /// from is a fault naming the function.
    fn draw(&mut self, d: &Draw, locals: &mut BTreeSet<String>) -> TokenStream {
        let args: Vec<TokenStream> = d.args.iter().map(|a| self.expr(a, Ctx::Step, locals, None)).collect();
        let float = self.float();
        let f64_of = |v: &str| float.to_f64(format_ident!("{v}").into_token_stream());
        let fault = |function: &str, value: &str| {
            let value = f64_of(value);
            quote!(::nestml::Fault::new(Self::__MODEL, __t, ::nestml::FaultKind::BadRandomArgument { function: #function, value: #value }))
        };
        let ty = float.ty();
        let value = match d.function {
            RandomFn::Normal => {
                let (m, s, fault) = (&args[0], &args[1], fault("random_normal", "__s"));
                let (m64, s64) = (f64_of("__m"), f64_of("__s"));
                let draw = float.from_f64(quote!(ctx.rng.normal(#m64, #s64)));
                quote! {
                    let (__m, __s) = (#m, #s);
                    if !(__m.is_finite() && __s >= 0.0 && __s.is_finite()) {
                        return Err(#fault);
                    }
                    #draw
                }
            }
            RandomFn::Uniform => {
                let (lo, hi, fault) = (&args[0], &args[1], fault("random_uniform", "__hi"));
                let (lo64, hi64) = (f64_of("__lo"), f64_of("__hi"));
                let draw = float.from_f64(quote!(ctx.rng.uniform(#lo64, #hi64)));
                quote! {
                    let (__lo, __hi) = (#lo, #hi);
                    if !(__lo.is_finite() && __hi.is_finite() && __lo <= __hi) {
                        return Err(#fault);
                    }
                    #draw
                }
            }
            RandomFn::Poisson => {
                let (lambda, fault) = (&args[0], fault("random_poisson", "__lambda"));
                let lambda64 = f64_of("__lambda");
                quote! {
                    let __lambda = #lambda;
                    match ctx.rng.poisson(#lambda64) {
                        Some(k) => k as #ty,
                        None => return Err(#fault),
                    }
                }
            }
        };
        locals.insert(d.local.clone());
        let l = local("l_", &d.local);
        quote!(let #l: #ty = { #value };)
    }

    /// `print`/`println`: `{name}` prints the value and, if it has one, the unit.
    fn print_stmt(&mut self, text: &str, newline: bool, locals: &BTreeSet<String>) -> TokenStream {
        let mut format = String::new();
        let mut args = Vec::new();
        let mut rest = text;
        while let Some(open) = rest.find('{') {
            let Some(close) = rest[open..].find('}').map(|c| open + c) else { break };
            format.push_str(&rest[..open].replace('{', "{{").replace('}', "}}"));
            let name = rest[open + 1..close].trim();
            let unit = self.ir.variable(name).and_then(|v| v.unit.clone());
            let value = self.expr(&Expr::sym(name), Ctx::Step, locals, None);
            format.push_str(&match unit {
                Some(u) => format!("{{}} {}", u.replace('{', "{{").replace('}', "}}")),
                None => "{}".into(),
            });
            args.push(value);
            rest = &rest[close + 1..];
        }
        format.push_str(&rest.replace('{', "{{").replace('}', "}}"));
        let print = names::print_macro(newline, quote!(#format #(, #args)*));
        quote!(#print;)
    }

    /// `integrate_odes(names)` (all ODE states for no names), as PyNESTML's NEST target does
    /// it: the exactly solvable states among the named ones are propagated from the values
    /// before the call; with a numeric solver, the whole state vector is then integrated over
    /// the step with the derivatives of unnamed states set to zero, the exact values replace
    /// the numeric ones, and exactly propagated convolution states are restored (they advance
    /// once per step, outside `integrate_odes`).
    fn integrate(&mut self, names: &[String], locals: &BTreeSet<String>) -> TokenStream {
        for name in super::layout::unknown_integrated(&self.states, names) {
            self.errors.push(err(None, format!("`integrate_odes({})`: `{}` is not a state variable with an ODE", nestml_name(name), nestml_name(name))));
        }
        let named = |s: &str| super::layout::integrates(names, s);
        let (mut out, exact) = self.exact_values(&named, locals);
        if self.numeric && self.layout == Layout::Population {
            // a population's lockstep solver integrates after the update block (`population`):
            // the call site and the exact values are kept per lane
            let site = self.sites.len() as u8;
            self.sites.push(names.to_vec());
            out.extend(quote!(__site[__l] = #site;));
            for (_, s) in &exact {
                let (lane, l) = (local("__lx_", s), local("__exact_", s));
                out.extend(quote!(#lane[__l] = #l;));
            }
            return quote!({ #out });
        }
        if self.numeric && self.options.numeric_solver == NumericSolver::RushLarsen {
            out.extend(self.rush_larsen(&named, locals));
        } else if self.numeric {
            let (n, ty) = (int(self.states.len()), self.float().ty());
            let y = self.states.iter().map(|s| field(s));
            out.extend(quote!(let mut __y: [#ty; #n] = [#(#y),*];));
            let dy = self.rhs_rows(&[names.to_vec()], locals);
            out.extend(quote! {
                let __f = |__tt: #ty, __y: &[#ty; #n], __dy: &mut [#ty; #n]| { #dy };
                ::nestml::OdeSolver::integrate(&mut self.__solver, &__f, 0.0, self.__h, &mut __y)
                    .map_err(|e| ::nestml::Fault::from_solver(Self::__MODEL, __t, e, &Self::__STATES))?;
            });
        }
        out.extend(self.integrate_writeback(&named, &exact, &|i| {
            let i = int(i);
            quote!(__y[#i])
        }));
        quote!({ #out })
    }

    /// The exact values `__exact_<s>` of the exactly solvable states that `named` integrates
    /// (not convolution states), from the values before the call, and those states with their
    /// rows.
    fn exact_values(&mut self, named: &dyn Fn(&str) -> bool, locals: &BTreeSet<String>) -> (TokenStream, Vec<(usize, String)>) {
        let exact = self.exact_named(named);
        let mut out = TokenStream::new();
        if !exact.is_empty() {
            let (x, u) = self.linear_inputs(locals);
            out.extend(quote!(let __x = #x; let __u = #u;));
            for (i, s) in &exact {
                let (l, row) = (local("__exact_", s), self.row(*i));
                out.extend(quote!(let #l = #row;));
            }
        }
        (out, exact)
    }

    /// The exactly solvable states that `named` integrates, but for convolution states (they
    /// advance once per step, outside `integrate_odes`), with their rows.
    pub fn exact_named(&self, named: &dyn Fn(&str) -> bool) -> Vec<(usize, String)> {
        self.lin.states.iter().enumerate().filter(|(_, s)| named(s) && !self.conv.contains(*s)).map(|(i, s)| (i, s.clone())).collect()
    }

    /// `__dy[i] = f_i(__tt, __y)` for every ODE state: for a state that one of the call sites
    /// `sites` (the names of `integrate_odes` calls) integrates, its right-hand side, else 0;
    /// with more than one site, the site is `__s` (its index), chosen by a select after the
    /// value is computed, so that a loop over lanes stays branch-free.
    pub fn rhs_rows(&mut self, sites: &[Vec<String>], locals: &BTreeSet<String>) -> TokenStream {
        let mut dy = TokenStream::new();
        for i in 0..self.states.len() {
            let s = self.states[i].clone();
            let at: Vec<u8> = (0..sites.len()).filter(|&c| super::layout::integrates(&sites[c], &s) || self.conv.contains(&s)).map(|c| c as u8).collect();
            let d = if at.is_empty() {
                quote!(0.0)
            } else {
                let f = self.expr(&self.rhs[i].clone(), Ctx::Rhs, locals, None);
                if at.len() == sites.len() {
                    f
                } else {
                    quote!({
                        let __v = #f;
                        if matches!(__s, #(#at)|*) { __v } else { 0.0 }
                    })
                }
            };
            let i = int(i);
            dy.extend(quote!(__dy[#i] = #d;));
        }
        dy
    }

    /// After a numeric integration that `named` describes: the states it keeps (`y_at(i)`, the
    /// solver's value of state `i`), the exact values `__exact_<s>` of `exact`, and the jumps
    /// of delta kernels whose states were integrated.
    pub fn integrate_writeback(&mut self, named: &dyn Fn(&str) -> bool, exact: &[(usize, String)], y_at: &dyn Fn(usize) -> TokenStream) -> TokenStream {
        let mut out = TokenStream::new();
        if self.numeric {
            for (i, s) in self.states.iter().enumerate() {
                let kept = (named(s) || self.conv.contains(s)) && !self.exact_convolution(s) && !exact.iter().any(|(_, e)| e == s);
                if kept {
                    let (f, y) = (self.place(s), y_at(i));
                    out.extend(quote!(#f = #y;));
                }
            }
        }
        for (_, s) in exact {
            let (f, l) = (self.place(s), local("__exact_", s));
            out.extend(quote!(#f = #l;));
        }
        for (i, state, jump) in self.delta_jumps.clone() {
            if !named(&state) {
                continue;
            }
            let mut locals = BTreeSet::new();
            locals.insert("__w".to_string());
            let (v, f) = (self.expr(&jump, Ctx::Step, &locals, None), self.place(&state));
            let (w, received) = (self.float().from_f64(self.spike_sum(i)), self.spike_received(i));
            out.extend(quote! {
                if #received {
                    let l___w = #w;
                    #f += #v;
                }
            });
        }
        out
    }

    /// The Rush–Larsen integration of the state vector `__y` over the step (see
    /// `nestml::solvers::RushLarsen`): one stage `__stage(__tt, __hs, __y, __y0, __out)` reads
    /// the rates at `__y` and steps from `__y0` — each named (or convolution) row affine in
    /// itself by `exponential_step`, the other named rows explicitly, exact rows by the stage
    /// propagator from `__y`, unnamed rows held at `__y0` (as the other solvers set their
    /// derivatives to zero).
    fn rush_larsen(&mut self, named: &dyn Fn(&str) -> bool, locals: &BTreeSet<String>) -> TokenStream {
        let (n, ty) = (int(self.states.len()), self.float().ty());
        let y: Vec<TokenStream> = self.states.iter().map(|s| field(s)).collect();
        let mut stage = TokenStream::new();
        let mut inputs = TokenStream::new();
        if !self.lin.states.is_empty() {
            let (_, u) = self.linear_inputs(locals);
            inputs = quote!(let __u = #u;);
            let (x, nl) = (self.lin.states.iter().map(|s| int(self.state_index[s])), int(self.lin.states.len()));
            stage.extend(quote!(let __x = [#(__y[#x]),*] as [#ty; #nl];));
        }
        for i in 0..self.states.len() {
            let s = self.states[i].clone();
            let out = int(i);
            let advanced = named(&s) || self.conv.contains(&s);
            let value = match self.lin.states.iter().position(|l| *l == s) {
                _ if !advanced => quote!(__y0[#out]),
                Some(k) => self.row_of(k, &Propagator::STAGE),
                None => match self.exponential.get(&s).cloned() {
                    Some(rate) => {
                        // `f` in the canonical form `rate` was derived from, so that their
                        // common subexpressions (the `exp`s of gating rates) print alike
                        let f = self.expr(&nestml_ode::simplify(&self.rhs[i]), Ctx::Rhs, locals, None);
                        let b = self.expr(&rate, Ctx::Rhs, locals, None);
                        quote!(::nestml::solvers::exponential_step(__y0[#out], #f, #b, __y[#out], __hs))
                    }
                    None => {
                        let f = self.expr(&self.rhs[i].clone(), Ctx::Rhs, locals, None);
                        quote!(__y0[#out] + __hs * #f)
                    }
                },
            };
            stage.extend(quote!(__out[#out] = #value;));
        }
        quote! {
            let mut __y: [#ty; #n] = [#(#y),*];
            #inputs
            let __stage = |__tt: #ty, __hs: #ty, __y: &[#ty; #n], __y0: &[#ty; #n], __out: &mut [#ty; #n]| { #stage };
            self.__solver.integrate(&__stage, 0.0, self.__h, &mut __y)
                .map_err(|e| ::nestml::Fault::from_solver(Self::__MODEL, __t, e, &Self::__STATES))?;
        }
    }

    /// `integrate_odes(names)` in a synapse: the named exactly solvable states (all, for no
    /// names) advance over the event interval `__h` by their closed-form propagators, from the
    /// values before the call (convolution states advance on their own, in `advance`).
    fn integrate_closed(&mut self, names: &[String], locals: &BTreeSet<String>) -> TokenStream {
        for name in names {
            if !self.lin.states.iter().any(|s| s == name) {
                self.errors.push(err(None, format!("`integrate_odes({})`: `{}` is not a state variable with a linear ODE", nestml_name(name), nestml_name(name))));
            }
        }
        let rows: Vec<usize> = (0..self.lin.states.len()).filter(|&i| (names.is_empty() || names.contains(&self.lin.states[i])) && !self.conv.contains(&self.lin.states[i])).collect();
        let update = self.closed_rows(&rows, locals);
        quote!({ #update })
    }

    /// Statements that advance the exact states `rows` (indices into `lin.states`) over `__h`
    /// by their closed-form propagators `x ← p x + q`, all from the values before.
    pub fn closed_rows(&mut self, rows: &[usize], locals: &BTreeSet<String>) -> TokenStream {
        let symbolic = nestml_ode::symbolic_propagator(&self.lin, STEP);
        let mut out = TokenStream::new();
        for &i in rows {
            let s = self.lin.states[i].clone();
            match &symbolic[i] {
                nestml_ode::SymbolicRow::Closed { p, q } => {
                    let x = Expr::sym(&s);
                    let e = nestml_ode::simplify(&(p.clone() * x + q.clone()));
                    let (l, v) = (local("__new_", &s), self.expr(&e, Ctx::Step, locals, None));
                    out.extend(quote!(let #l = #v;));
                }
                nestml_ode::SymbolicRow::NumericExpm => self.errors.push(err(None, format!("`{}`: coupled linear ODEs in synapses are not supported yet", nestml_name(&s)))),
            }
        }
        for &i in rows {
            let s = &self.lin.states[i];
            let (f, l) = (field(s), local("__new_", s));
            out.extend(quote!(#f = #l;));
        }
        out
    }

    /// Row `i` of `P x + Φ b` over the locals `__x` (state) and `__u` (inputs), as
    /// straight-line code: `Σ P[i][j] x[j] + q[i] + Σ G[i][u] u`.
    pub fn row(&self, i: usize) -> TokenStream {
        self.row_of(i, &Propagator::STEP)
    }

    /// [`row`](Self::row) with the propagator `p`.
    fn row_of(&self, i: usize, p: &Propagator) -> TokenStream {
        let Propagator { p: pf, q: qf, g: gf } = p;
        let (pf, qf, gf) = (format_ident!("{pf}"), format_ident!("{qf}"), format_ident!("{gf}"));
        let shared = self.shared();
        let p = self.p_entries.iter().enumerate().filter(|(_, e)| e.0 == i).map(|(k, e)| {
            let x = match self.delayed_columns.iter().find(|(r, c, _)| (*r, *c) == *e) {
                Some((.., symbol)) => field(symbol),
                None => {
                    let j = int(e.1);
                    quote!(__x[#j])
                }
            };
            let k = int(k);
            quote!(#shared.#pf[#k] * #x)
        });
        let q = self.q_rows.iter().position(|&r| r == i).map(|m| {
            let m = int(m);
            quote!(#shared.#qf[#m])
        });
        let g = self.g_entries.iter().enumerate().filter(|(_, e)| e.0 == i).map(|(m, e)| {
            let (m, u) = (int(m), int(e.1));
            quote!(#shared.#gf[#m] * __u[#u])
        });
        let terms: Vec<TokenStream> = p.chain(q).chain(g).collect();
        if terms.is_empty() {
            self.float().number(0.0)
        } else {
            let sum = sum(&terms);
            quote!((#sum))
        }
    }

    /// The state `x` and the inputs `u` of the exactly propagated states as Rust arrays.
    pub fn linear_inputs(&mut self, locals: &BTreeSet<String>) -> (TokenStream, TokenStream) {
        let ty = self.float().ty();
        let u: Vec<TokenStream> = self.forcing.inputs.clone().iter().map(|e| self.expr(e, Ctx::Step, locals, None)).collect();
        let (x, n) = (self.lin.states.iter().map(|s| self.place(s)), int(self.lin.states.len()));
        let m = int(u.len());
        (quote!([#(#x),*] as [#ty; #n]), quote!([#(#u),*] as [#ty; #m]))
    }
}

/// The fields of one exact propagator: `P`'s entries, `q`, `G`.
struct Propagator {
    p: &'static str,
    q: &'static str,
    g: &'static str,
}

impl Propagator {
    /// Over a simulation step.
    const STEP: Propagator = Propagator { p: "__P", q: "__q", g: "__G" };
    /// Over one stage of the Rush–Larsen solver.
    const STAGE: Propagator = Propagator { p: "__Ps", q: "__qs", g: "__Gs" };
}

/// `a + b + …` (no parentheses).
pub(super) fn sum(terms: &[TokenStream]) -> TokenStream {
    let (first, rest) = terms.split_first().map_or((None, &[][..]), |(f, r)| (Some(f), r));
    quote!(#first #(+ #rest)*)
}

/// The field that holds the value of input port `port` in a step.
pub(super) fn port_field(port: &str) -> proc_macro2::Ident {
    format_ident!("__in_{port}")
}

/// The method a procedural user function becomes.
pub(super) fn local_fn(name: &str) -> proc_macro2::Ident {
    local("__fn_", name)
}
