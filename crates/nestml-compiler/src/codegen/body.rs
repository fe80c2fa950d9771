//! Expressions, statements and `integrate_odes` as Rust source.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use nestml_ode::{rust, Cond, Expr, LinearPart, RustNames};

use super::names::{field, local};
use super::options::CodegenOptions;
use super::{err, CodegenError};
use crate::analysis::{nestml_name, substitute_all};
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

/// How a scalar model variable is stored.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Storage {
    Real,
    Integer,
    Boolean,
}

impl Storage {
    /// The Rust type of the field.
    pub fn rust_type(self) -> &'static str {
        match self {
            Storage::Real => "f64",
            Storage::Integer => "i64",
            Storage::Boolean => "bool",
        }
    }

    /// `place` (of this storage) as an `f64` expression, as NESTML arithmetic sees it.
    pub fn read(self, place: &str) -> String {
        match self {
            Storage::Real => place.to_string(),
            Storage::Integer => format!("({place} as f64)"),
            Storage::Boolean => format!("(if {place} {{ 1.0_f64 }} else {{ 0.0_f64 }})"),
        }
    }

    /// The `f64` expression `value` converted for storing: integers truncate as C++'s
    /// `long = double` does, booleans are true when nonzero.
    pub fn store(self, value: &str) -> String {
        match self {
            Storage::Real => value.to_string(),
            Storage::Integer => format!("({value}) as i64"),
            Storage::Boolean => format!("({value}) != 0.0"),
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
    pub inlines: Vec<(String, Expr)>,
    /// Every field holding a model value: variables and convolution states.
    pub fields: BTreeSet<String>,
    pub ports: BTreeSet<String>,
    /// Every ODE state in the order of the solver's state vector, with its right-hand side.
    pub states: Vec<String>,
    pub rhs: Vec<Expr>,
    pub state_index: BTreeMap<String, usize>,
    /// The exactly propagated states (none with `solver = "numeric"`).
    pub lin: LinearPart,
    /// The entries of `P` that can be nonzero (from the structure of `A`), in row order: they
    /// are stored flat and multiplied out as straight-line code.
    pub p_entries: Vec<(usize, usize)>,
    /// `reach[i][k]`: state `k` can influence state `i` (so `P[i][k]`, `Φ[i][k]` may be nonzero).
    pub reach: Vec<Vec<bool>>,
    /// `b` split into a constant part and inputs; `q_rows` are the rows with a constant part
    /// (`__q`), `g_entries` the (row, input) pairs with a coefficient (`__G`).
    pub forcing: super::forcing::Forcing,
    pub q_rows: Vec<usize>,
    pub g_entries: Vec<(usize, usize)>,
    /// Convolution states.
    pub conv: BTreeSet<String>,
    /// Whether some state needs the numeric solver.
    pub numeric: bool,
    /// Jumps of ODE states by delta-kernel convolutions: (port index, state, jump with the
    /// weight sum as the local `__w`). As PyNESTML, they are applied where the state is
    /// integrated (`integrate_odes` naming it), so a state that is not integrated in a step
    /// (e.g. a refractory V_m) ignores the spikes of that step.
    pub delta_jumps: Vec<(usize, String, Expr)>,
    /// For a synapse: where its parameters, delay and continuous ports are read.
    pub synapse: Option<SynapseNames>,
    pub errors: Vec<CodegenError>,
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
    /// How the model variable `sym` is stored (`Real` for vectors and non-variables).
    pub fn storage(&self, sym: &str) -> Storage {
        match self.ir.variable(sym) {
            Some(v) if v.size.is_none() && v.ty == Type::Integer => Storage::Integer,
            Some(v) if v.size.is_none() && v.ty == Type::Boolean => Storage::Boolean,
            _ => Storage::Real,
        }
    }

    pub fn expr(&mut self, e: &Expr, ctx: Ctx, locals: &BTreeSet<String>, span: Option<Span>) -> String {
        let e = substitute_all(e, &self.inlines);
        self.print(ctx, locals, span, |names| rust::to_rust(&e, names))
    }

    pub fn cond(&mut self, c: &Cond, ctx: Ctx, locals: &BTreeSet<String>, span: Option<Span>) -> String {
        let c = subst_cond(c, &self.inlines);
        self.print(ctx, locals, span, |names| rust::cond(&c, names))
    }

    /// Whether a convolution state is propagated exactly once per step, outside
    /// `integrate_odes` (it is, unless `solver = "numeric"`).
    pub fn exact_convolution(&self, s: &str) -> bool {
        self.conv.contains(s) && self.lin.states.iter().any(|l| l == s)
    }

    /// Prints with the symbol names of `ctx`; unknown symbols are reported.
    fn print(&mut self, ctx: Ctx, locals: &BTreeSet<String>, span: Option<Span>, f: impl FnOnce(&RustNames) -> String) -> String {
        let bad = std::cell::RefCell::new(Vec::new());
        let (fields, ports, index, synapse) = (&self.fields, &self.ports, &self.state_index, &self.synapse);
        let storage = |s: &str| self.storage(s);
        let symbol = |s: &str| -> String {
            if locals.contains(s) {
                return local("l_", s);
            }
            if let Some(syn) = synapse {
                if syn.delay.as_deref() == Some(s) && ctx != Ctx::Default {
                    return "ctx.delay".into();
                }
                if let Some(i) = syn.continuous.iter().position(|p| p == s) {
                    return format!("ctx.input({i})");
                }
                if s == STEP {
                    return "__h".into();
                }
                if syn.params.contains(s) {
                    return match ctx {
                        Ctx::Default => local("v_", s),
                        Ctx::Calibrate => storage(s).read(&field(s)),
                        _ => storage(s).read(&format!("__p.{}", super::names::ident(s).unwrap_or_default())),
                    };
                }
            }
            if s == STEP {
                return if ctx == Ctx::Default { "__h".into() } else { "self.__h".into() };
            }
            if s == "t" {
                return match ctx {
                    Ctx::Step => "__t".into(),
                    Ctx::Rhs => "(__t - self.__h + __tt)".into(),
                    _ => "0.0_f64".into(),
                };
            }
            if ctx == Ctx::Rhs {
                if let Some(i) = index.get(s) {
                    return format!("__y[{i}]");
                }
            }
            if fields.contains(s) {
                return if matches!(ctx, Ctx::Default | Ctx::New) { local("v_", s) } else { storage(s).read(&field(s)) };
            }
            if ports.contains(s) && ctx != Ctx::Default && synapse.is_none() {
                return format!("self.__in_{s}");
            }
            bad.borrow_mut().push(s.to_string());
            "0.0_f64".into()
        };
        let text = f(&RustNames { symbol: &symbol, math: "::nestml::math" });
        for s in bad.into_inner() {
            self.errors.push(err(span, format!("`{}` cannot be used here in generated code", nestml_name(&s))));
        }
        text
    }

    /// The statements of a block.
    pub fn stmts(&mut self, body: &[IrStmt], locals: &mut BTreeSet<String>, out: &mut String, indent: usize, scope: Scope) {
        let pad = "    ".repeat(indent);
        for s in body {
            match s {
                IrStmt::Assign { target, index, op, value } => {
                    let lhs = if locals.contains(target) {
                        local("l_", target)
                    } else if self.fields.contains(target) {
                        field(target)
                    } else if let (None, Some((state, scale))) = (index, self.inline_convolution(target)) {
                        // as PyNESTML: an inline that is a multiple of one convolution is
                        // assigned through that convolution's state
                        let value = match op {
                            None | Some(ArithOp::Add) | Some(ArithOp::Sub) => value.clone() / scale,
                            Some(ArithOp::Mul) | Some(ArithOp::Div) => value.clone(),
                        };
                        self.stmts(&[IrStmt::Assign { target: state, index: None, op: *op, value }], locals, out, indent, scope);
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
                            Some(op) => format!("({} {} {v})", storage.read(&lhs), match op {
                                ArithOp::Add => "+",
                                ArithOp::Sub => "-",
                                ArithOp::Mul => "*",
                                ArithOp::Div => "/",
                            }),
                        };
                        let _ = writeln!(out, "{pad}{lhs} = {};", storage.store(&v));
                        continue;
                    }
                    let op = match op {
                        None => "=",
                        Some(ArithOp::Add) => "+=",
                        Some(ArithOp::Sub) => "-=",
                        Some(ArithOp::Mul) => "*=",
                        Some(ArithOp::Div) => "/=",
                    };
                    match index {
                        None => {
                            let _ = writeln!(out, "{pad}{lhs} {op} {v};");
                        }
                        Some(i) => {
                            // the value first: it may read the vector
                            let i = self.expr(i, Ctx::Step, locals, None);
                            let fault = format!("::nestml::Fault::new(Self::__MODEL, __t, ::nestml::FaultKind::IndexOutOfRange {{ variable: {:?}, index: __i, len: {lhs}.len() }})", nestml_name(target));
                            let _ = writeln!(out, "{pad}{{\n{pad}    let (__i, __v) = (({i}).round(), {v});\n{pad}    match if __i >= 0.0 {{ {lhs}.get_mut(__i as usize) }} else {{ None }} {{\n{pad}        Some(__e) => *__e {op} __v,\n{pad}        None => return Err({fault}),\n{pad}    }}\n{pad}}}");
                        }
                    }
                }
                IrStmt::Local { name, value } => {
                    let v = self.expr(value, Ctx::Step, locals, None);
                    locals.insert(name.clone());
                    let _ = writeln!(out, "{pad}#[allow(unused_mut, unused_assignments)]\n{pad}let mut {}: f64 = {v};", local("l_", name));
                }
                IrStmt::Draw(d) => self.draw(d, locals, out, &pad),
                IrStmt::If { branches, otherwise } => {
                    for (i, (c, b)) in branches.iter().enumerate() {
                        let c = self.cond(c, Ctx::Step, locals, None);
                        let _ = writeln!(out, "{pad}{}if {c} {{", if i == 0 { "" } else { "} else " });
                        self.stmts(b, &mut locals.clone(), out, indent + 1, scope);
                    }
                    if !otherwise.is_empty() {
                        let _ = writeln!(out, "{pad}}} else {{");
                        self.stmts(otherwise, &mut locals.clone(), out, indent + 1, scope);
                    }
                    let _ = writeln!(out, "{pad}}}");
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
                    let cmp = if *step > 0.0 { "<=" } else { ">=" };
                    let l = local("l_", var);
                    let _ = writeln!(out, "{pad}{l} = {from};\n{pad}while {l} {cmp} {to} {{");
                    self.stmts(body, &mut locals.clone(), out, indent + 1, scope);
                    let _ = writeln!(out, "{pad}    {l} += {step:?}_f64;\n{pad}}}");
                }
                IrStmt::While { condition, body } => {
                    let c = self.cond(condition, Ctx::Step, locals, None);
                    let _ = writeln!(out, "{pad}while {c} {{");
                    self.stmts(body, &mut locals.clone(), out, indent + 1, scope);
                    let _ = writeln!(out, "{pad}}}");
                }
                IrStmt::IntegrateOdes(names) => {
                    if scope != Scope::Update {
                        self.errors.push(err(None, "`integrate_odes` outside the `update` block is not supported"));
                        continue;
                    }
                    if self.synapse.is_some() {
                        self.integrate_closed(names, locals, out, &pad);
                    } else {
                        self.integrate(names, locals, out, &pad);
                    }
                }
                IrStmt::EmitSpike(_) if scope == Scope::Function => self.errors.push(err(None, "`emit_spike` in a function is not supported")),
                IrStmt::EmitSpike(args) if self.synapse.is_some() => match args.as_slice() {
                    [w] => {
                        let w = self.expr(w, Ctx::Step, locals, None);
                        let _ = writeln!(out, "{pad}__emit = Some({w});");
                    }
                    _ => self.errors.push(err(None, "a synapse's `emit_spike` takes the weight as its one argument (the delay is the connection's)")),
                },
                IrStmt::EmitSpike(args) => {
                    if !args.is_empty() {
                        self.errors.push(err(None, "`emit_spike` with arguments (weight, delay) is only meaningful in synapses"));
                        continue;
                    }
                    let _ = writeln!(out, "{pad}__out.spikes += 1;");
                }
                IrStmt::Print { text, newline } => self.print_stmt(text, *newline, locals, out, &pad),
                IrStmt::Return(value) if scope == Scope::Function => {
                    let v = value.as_ref().map_or("0.0_f64".to_string(), |e| self.expr(e, Ctx::Step, locals, None));
                    let _ = writeln!(out, "{pad}return Ok({v});");
                }
                IrStmt::Return(_) => self.errors.push(err(None, "`return` in `update`, `onReceive` or `onCondition` is not supported yet")),
                IrStmt::Call { local, function, args } => {
                    if !self.ir.functions.iter().any(|f| f.name == *function) {
                        self.errors.push(err(None, format!("`{function}` cannot be called here")));
                        continue;
                    }
                    let args: String = args.iter().map(|a| format!(", {}", self.expr(a, Ctx::Step, locals, None))).collect();
                    let call = format!("self.{}(ctx, __t{args})?", local_fn(function));
                    match local {
                        Some(l) => {
                            let _ = writeln!(out, "{pad}let {}: f64 = {call};", super::names::local("l_", l));
                            locals.insert(l.clone());
                        }
                        None => {
                            let _ = writeln!(out, "{pad}{call};");
                        }
                    }
                }
            }
        }
    }

    /// For an inline expression that is `scale * c` for one convolution state `c` (and a
    /// `scale` of parameters and numbers): `(c, scale)`.
    fn inline_convolution(&self, name: &str) -> Option<(String, Expr)> {
        let (_, e) = self.inlines.iter().find(|(n, _)| n == name)?;
        let symbols = e.symbols();
        let mut states = symbols.iter().filter(|s| self.conv.contains(*s));
        let state = states.next()?.clone();
        if states.next().is_some() {
            return None;
        }
        let (scale, rest) = nestml_ode::coefficient(e, &state).ok()?;
        let fixed = |s: &String| self.ir.variable(s).is_some_and(|v| matches!(v.kind, crate::sema::symbols::VarKind::Parameter | crate::sema::symbols::VarKind::Internal));
        (nestml_ode::is_zero(&rest) && !nestml_ode::is_zero(&scale) && scale.symbols().iter().all(fixed)).then_some((state, scale))
    }

    /// A random number from the caller's generator (`ctx.rng`); an argument it cannot sample
    /// from is a fault naming the function.
    fn draw(&mut self, d: &Draw, locals: &mut BTreeSet<String>, out: &mut String, pad: &str) {
        let args: Vec<String> = d.args.iter().map(|a| self.expr(a, Ctx::Step, locals, None)).collect();
        let fault = |name: &str, value: &str| format!("::nestml::Fault::new(Self::__MODEL, __t, ::nestml::FaultKind::BadRandomArgument {{ function: {name:?}, value: {value} }})");
        let _ = writeln!(out, "{pad}let l_{}: f64 = {{", d.local);
        match d.function {
            RandomFn::Normal => {
                let _ = writeln!(out, "{pad}    let (__m, __s) = ({}, {});
{pad}    if !(__m.is_finite() && __s >= 0.0 && __s.is_finite()) {{
{pad}        return Err({});
{pad}    }}
{pad}    ctx.rng.normal(__m, __s)", args[0], args[1], fault("random_normal", "__s"));
            }
            RandomFn::Uniform => {
                let _ = writeln!(out, "{pad}    let (__lo, __hi) = ({}, {});
{pad}    if !(__lo.is_finite() && __hi.is_finite() && __lo <= __hi) {{
{pad}        return Err({});
{pad}    }}
{pad}    ctx.rng.uniform(__lo, __hi)", args[0], args[1], fault("random_uniform", "__hi"));
            }
            RandomFn::Poisson => {
                let _ = writeln!(out, "{pad}    let __lambda = {};
{pad}    match ctx.rng.poisson(__lambda) {{
{pad}        Some(k) => k as f64,
{pad}        None => return Err({}),
{pad}    }}", args[0], fault("random_poisson", "__lambda"));
            }
        }
        let _ = writeln!(out, "{pad}}};");
        locals.insert(d.local.clone());
    }

    /// `print`/`println`: `{name}` prints the value and, if it has one, the unit.
    fn print_stmt(&mut self, text: &str, newline: bool, locals: &BTreeSet<String>, out: &mut String, pad: &str) {
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
        let mac = if newline { "println" } else { "print" };
        let args: String = args.iter().map(|a| format!(", {a}")).collect();
        let _ = writeln!(out, "{pad}::std::{mac}!({format:?}{args});");
    }

    /// `integrate_odes(names)` (all ODE states for no names), as PyNESTML's NEST target does
    /// it: the exactly solvable states among the named ones are propagated from the values
    /// before the call; with a numeric solver, the whole state vector is then integrated over
    /// the step with the derivatives of unnamed states set to zero, the exact values replace
    /// the numeric ones, and exactly propagated convolution states are restored (they advance
    /// once per step, outside `integrate_odes`).
    fn integrate(&mut self, names: &[String], locals: &BTreeSet<String>, out: &mut String, pad: &str) {
        for name in names {
            if !self.states.iter().any(|s| s == name || s.starts_with(&format!("{name}__d"))) {
                self.errors.push(err(None, format!("`integrate_odes({})`: `{}` is not a state variable with an ODE", nestml_name(name), nestml_name(name))));
            }
        }
        let named = |s: &str| {
            names.is_empty() || names.iter().any(|name| s == name || s.strip_prefix(name.as_str()).is_some_and(|rest| !rest.is_empty() && rest.trim_start_matches("__d").is_empty()))
        };
        let exact: Vec<(usize, String)> = self.lin.states.iter().enumerate().filter(|(_, s)| named(s) && !self.conv.contains(*s)).map(|(i, s)| (i, s.clone())).collect();
        let _ = writeln!(out, "{pad}{{");
        if !exact.is_empty() {
            let (x, u) = self.linear_inputs(locals);
            let _ = writeln!(out, "{pad}    let __x = {x};\n{pad}    let __u = {u};");
            for (i, s) in &exact {
                let _ = writeln!(out, "{pad}    let {} = {};", local("__exact_", s), self.row(*i));
            }
        }
        if self.numeric {
            let n = self.states.len();
            let y: Vec<String> = self.states.iter().map(|s| field(s)).collect();
            let _ = writeln!(out, "{pad}    let mut __y: [f64; {n}] = [{}];", y.join(", "));
            let _ = writeln!(out, "{pad}    let __f = |__tt: f64, __y: &[f64; {n}], __dy: &mut [f64; {n}]| {{");
            for i in 0..n {
                let s = self.states[i].clone();
                let d = if named(&s) || self.conv.contains(&s) { self.expr(&self.rhs[i].clone(), Ctx::Rhs, locals, None) } else { "0.0".into() };
                let _ = writeln!(out, "{pad}        __dy[{i}] = {d};");
            }
            let _ = writeln!(out, "{pad}    }};");
            let _ = writeln!(out, "{pad}    ::nestml::OdeSolver::integrate(&mut self.__solver, &__f, 0.0, self.__h, &mut __y)\n{pad}        .map_err(|e| ::nestml::Fault::from_solver(Self::__MODEL, __t, e, &Self::__STATES))?;");
            for (i, s) in self.states.clone().iter().enumerate() {
                let kept = (named(s) || self.conv.contains(s)) && !self.exact_convolution(s) && !exact.iter().any(|(_, e)| e == s);
                if kept {
                    let _ = writeln!(out, "{pad}    {} = __y[{i}];", field(s));
                }
            }
        }
        for (_, s) in &exact {
            let _ = writeln!(out, "{pad}    {} = {};", field(s), local("__exact_", s));
        }
        for (i, state, jump) in self.delta_jumps.clone() {
            if !named(&state) {
                continue;
            }
            let mut locals = locals.clone();
            locals.insert("__w".to_string());
            let v = self.expr(&jump, Ctx::Step, &locals, None);
            let _ = writeln!(out, "{pad}    // delta-kernel input of `{}`\n{pad}    if self.__spikes.received({i}) {{\n{pad}        let l___w = self.__spikes.sum({i});\n{pad}        {} += {v};\n{pad}    }}", nestml_name(&state), field(&state));
        }
        let _ = writeln!(out, "{pad}}}");
    }

    /// `integrate_odes(names)` in a synapse: the named exactly solvable states (all, for no
    /// names) advance over the event interval `__h` by their closed-form propagators, from the
    /// values before the call (convolution states advance on their own, in `advance`).
    fn integrate_closed(&mut self, names: &[String], locals: &BTreeSet<String>, out: &mut String, pad: &str) {
        for name in names {
            if !self.lin.states.iter().any(|s| s == name) {
                self.errors.push(err(None, format!("`integrate_odes({})`: `{}` is not a state variable with a linear ODE", nestml_name(name), nestml_name(name))));
            }
        }
        let rows: Vec<usize> = (0..self.lin.states.len()).filter(|&i| (names.is_empty() || names.contains(&self.lin.states[i])) && !self.conv.contains(&self.lin.states[i])).collect();
        let update = self.closed_rows(&rows, locals);
        let _ = writeln!(out, "{pad}{{");
        for line in update {
            let _ = writeln!(out, "{pad}    {line}");
        }
        let _ = writeln!(out, "{pad}}}");
    }

    /// Statements that advance the exact states `rows` (indices into `lin.states`) over `__h`
    /// by their closed-form propagators `x ← p x + q`, all from the values before.
    pub fn closed_rows(&mut self, rows: &[usize], locals: &BTreeSet<String>) -> Vec<String> {
        let symbolic = nestml_ode::symbolic_propagator(&self.lin, STEP);
        let mut lines = Vec::new();
        for &i in rows {
            let s = self.lin.states[i].clone();
            match &symbolic[i] {
                nestml_ode::SymbolicRow::Closed { p, q } => {
                    let x = Expr::sym(&s);
                    let e = nestml_ode::simplify(&(p.clone() * x + q.clone()));
                    let v = self.expr(&e, Ctx::Step, locals, None);
                    lines.push(format!("let {} = {v};", local("__new_", &s)));
                }
                nestml_ode::SymbolicRow::NumericExpm => self.errors.push(err(None, format!("`{}`: coupled linear ODEs in synapses are not supported yet", nestml_name(&s)))),
            }
        }
        for &i in rows {
            let s = &self.lin.states[i];
            lines.push(format!("{} = {};", field(s), local("__new_", s)));
        }
        lines
    }

    /// Row `i` of `P x + Φ b` over the locals `__x` (state) and `__u` (inputs), as
    /// straight-line code: `Σ P[i][j] x[j] + q[i] + Σ G[i][u] u`.
    pub fn row(&self, i: usize) -> String {
        let p = self.p_entries.iter().enumerate().filter(|(_, e)| e.0 == i).map(|(k, e)| format!("self.__P[{k}] * __x[{}]", e.1));
        let q = self.q_rows.iter().position(|&r| r == i).map(|m| format!("self.__q[{m}]"));
        let g = self.g_entries.iter().enumerate().filter(|(_, e)| e.0 == i).map(|(m, e)| format!("self.__G[{m}] * __u[{}]", e.1));
        let terms: Vec<String> = p.chain(q).chain(g).collect();
        if terms.is_empty() {
            "0.0_f64".into()
        } else {
            format!("({})", terms.join(" + "))
        }
    }

    /// The state `x` and the inputs `u` of the exactly propagated states as Rust arrays.
    pub fn linear_inputs(&mut self, locals: &BTreeSet<String>) -> (String, String) {
        let n = self.lin.states.len();
        let x: Vec<String> = self.lin.states.iter().map(|s| field(s)).collect();
        let u: Vec<String> = self.forcing.inputs.clone().iter().map(|e| self.expr(e, Ctx::Step, locals, None)).collect();
        (format!("[{}] as [f64; {n}]", x.join(", ")), format!("[{}] as [f64; {}]", u.join(", "), u.len()))
    }
}

/// The method a procedural user function becomes.
pub(super) fn local_fn(name: &str) -> String {
    super::names::local("__fn_", name)
}

/// `c` with the inline expressions substituted.
fn subst_cond(c: &Cond, inlines: &[(String, Expr)]) -> Cond {
    match c {
        Cond::Bool(b) => Cond::Bool(*b),
        Cond::Cmp(op, a, b) => Cond::Cmp(*op, substitute_all(a, inlines), substitute_all(b, inlines)),
        Cond::And(cs) => Cond::And(cs.iter().map(|c| subst_cond(c, inlines)).collect()),
        Cond::Or(cs) => Cond::Or(cs.iter().map(|c| subst_cond(c, inlines)).collect()),
        Cond::Not(c) => Cond::Not(Box::new(subst_cond(c, inlines))),
    }
}
