//! Statements compiled once: the `update`, `onReceive` and `onCondition` blocks and the
//! procedural functions, with the code generator's semantics (`codegen::body`): locals in
//! nested blocks, integers truncated on assignment, an assignment to an inline that is a
//! multiple of one convolution assigns that convolution's state, `integrate_odes` as PyNESTML's
//! NEST target does it, random draws before their statement. Anything the code generator
//! refuses is refused here with its words.

use std::collections::BTreeMap;

use nestml_compiler::analysis::nestml_name;
use nestml_compiler::codegen::{integrates, unknown_integrated, NeuronLayout};
use nestml_compiler::ir::{ArithOp, IrStmt, ModelIr, RandomFn};
use nestml_ode::Expr;

use crate::code::{Code, CondCode};
use crate::resolve::{Compiler, Ctx};

/// How a scalar model value is stored: integers truncate towards zero on assignment (C++'s
/// `long = double`), booleans are 1 when nonzero.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Storage {
    /// A real number.
    Real,
    /// An integer.
    Integer,
    /// A boolean (0 or 1).
    Boolean,
}

impl Storage {
    /// `value` as stored.
    #[inline]
    pub fn store(self, value: f64) -> f64 {
        match self {
            Storage::Real => value,
            Storage::Integer => value as i64 as f64,
            Storage::Boolean => (value != 0.0) as u8 as f64,
        }
    }
}

/// Which block statements belong to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// `update`.
    Update,
    /// `onReceive` and `onCondition`.
    Handler,
    /// A procedural function.
    Function,
}

/// Where an assignment writes.
#[derive(Clone, Copy, Debug)]
pub enum Place {
    /// A scalar model value, stored as `Storage`.
    Slot(u32, Storage),
    /// A local.
    Local(u32),
}

/// A compiled statement.
#[derive(Clone, Debug)]
pub enum Stmt {
    /// `place (op)= value`.
    Assign { place: Place, op: Option<ArithOp>, value: Code },
    /// `vector[round(index)] (op)= value`; an index outside the vector is a fault.
    AssignElement { vector: u32, name: &'static str, index: Code, op: Option<ArithOp>, value: Code },
    /// A random draw into a local.
    Draw { local: u32, function: RandomFn, args: Vec<Code> },
    /// `if … elif … else`.
    If { branches: Vec<(CondCode, Vec<Stmt>)>, otherwise: Vec<Stmt> },
    /// `for var in from … to step s` (`to` tested before every iteration).
    For { var: u32, from: Code, to: Code, step: f64, body: Vec<Stmt> },
    /// `while`.
    While { condition: CondCode, body: Vec<Stmt> },
    /// `integrate_odes(…)`.
    Integrate(Box<Integrate>),
    /// `emit_spike()`.
    Emit,
    /// `print`/`println`: literal pieces and values with their units.
    Print { pieces: Vec<Piece>, newline: bool },
    /// `return` from a function.
    Return(Option<Code>),
    /// A procedural function call, its value into a local.
    Call { result: Option<u32>, function: usize, args: Vec<Code> },
}

/// A piece of a `print` text.
#[derive(Clone, Debug)]
pub enum Piece {
    /// Literal text.
    Text(String),
    /// A value, with the unit of the variable printed after it.
    Value(Code, Option<String>),
}

/// `integrate_odes(names)` compiled (see `codegen::body`'s `integrate`).
#[derive(Clone, Debug)]
pub struct Integrate {
    /// The exactly propagated states it advances (indices into the exact part).
    pub exact: Vec<usize>,
    /// The inputs of the exact part (`Forcing::inputs`), read where the call is.
    pub inputs: Vec<Code>,
    /// Per ODE state, its derivative (`None`: held, derivative 0), if there is a numeric solver.
    pub rhs: Vec<Option<Code>>,
    /// The ODE states (indices) that take the numeric solver's values.
    pub kept: Vec<usize>,
    /// Delta-kernel jumps of the integrated states: (spike port, slot, jump reading the weight
    /// sum from local `w`).
    pub jumps: Vec<(usize, u32, Code)>,
    /// The local that holds the weight sum for `jumps`.
    pub w: u32,
}

/// A compiled procedural function.
#[derive(Clone, Debug)]
pub struct Function {
    /// Its parameters (the first locals).
    pub params: usize,
    /// Locals in all (parameters included).
    pub locals: usize,
    /// The body.
    pub body: Vec<Stmt>,
}

/// A block compiled with the locals it needs.
#[derive(Clone, Debug, Default)]
pub struct Block {
    /// Locals in all.
    pub locals: usize,
    /// The statements.
    pub body: Vec<Stmt>,
}

/// Compiles the blocks of one model, collecting what it cannot compile.
pub struct BlockCompiler<'a> {
    /// Expressions.
    pub exprs: Compiler<'a>,
    /// The model.
    pub ir: &'a ModelIr,
    /// Storage of each scalar variable by symbol.
    pub storage: &'a BTreeMap<String, Storage>,
    /// Problems found, by construct.
    pub errors: Vec<String>,
    /// Locals allocated in the block being compiled.
    pub n_locals: u32,
}

/// Leaks `s` for the `&'static str` the runtime's faults and variable lists hold (a model's
/// names, once per compiled model).
pub fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

impl BlockCompiler<'_> {
    fn layout(&self) -> &NeuronLayout {
        self.exprs.layout
    }

    fn expr(&mut self, e: &Expr, ctx: Ctx, locals: &BTreeMap<String, u32>) -> Code {
        self.exprs.expr(e, ctx, locals).unwrap_or_else(|message| {
            self.errors.push(message);
            Code::Num(0.0)
        })
    }

    fn cond(&mut self, c: &nestml_ode::Cond, locals: &BTreeMap<String, u32>) -> CondCode {
        self.exprs.cond(c, Ctx::Step, locals).unwrap_or_else(|message| {
            self.errors.push(message);
            CondCode::Bool(false)
        })
    }

    /// A fresh local slot.
    pub fn local(&mut self) -> u32 {
        self.n_locals += 1;
        self.n_locals - 1
    }

    /// A block of `scope` with `params` as its first locals.
    pub fn block(&mut self, body: &[IrStmt], params: &[String], scope: Scope) -> Block {
        self.n_locals = 0;
        let mut locals = BTreeMap::new();
        for p in params {
            let l = self.local();
            locals.insert(p.clone(), l);
        }
        let body = self.stmts(body, &mut locals, scope);
        Block { locals: self.n_locals as usize, body }
    }

    /// The statements of a block.
    pub fn stmts(&mut self, body: &[IrStmt], locals: &mut BTreeMap<String, u32>, scope: Scope) -> Vec<Stmt> {
        let mut out = Vec::new();
        for s in body {
            match s {
                IrStmt::Assign { target, index, op, value } => self.assign(target, index.as_ref(), *op, value, locals, scope, &mut out),
                IrStmt::Local { name, value } => {
                    let value = self.expr(value, Ctx::Step, locals);
                    let l = self.local();
                    locals.insert(name.clone(), l);
                    out.push(Stmt::Assign { place: Place::Local(l), op: None, value });
                }
                IrStmt::Draw(d) => {
                    let args = d.args.iter().map(|a| self.expr(a, Ctx::Step, locals)).collect();
                    let l = self.local();
                    locals.insert(d.local.clone(), l);
                    out.push(Stmt::Draw { local: l, function: d.function, args });
                }
                IrStmt::If { branches, otherwise } => {
                    let branches = branches.iter().map(|(c, b)| (self.cond(c, locals), self.stmts(b, &mut locals.clone(), scope))).collect();
                    let otherwise = self.stmts(otherwise, &mut locals.clone(), scope);
                    out.push(Stmt::If { branches, otherwise });
                }
                IrStmt::For { var, from, to, step, body } => {
                    let Some(&v) = locals.get(var) else {
                        self.errors.push(format!("`for {var} in …`: the loop variable must be a local variable"));
                        continue;
                    };
                    if *step == 0.0 || !step.is_finite() {
                        self.errors.push(format!("`for {var} in …`: the step must be a non-zero number"));
                        continue;
                    }
                    let (from, to) = (self.expr(from, Ctx::Step, locals), self.expr(to, Ctx::Step, locals));
                    let body = self.stmts(body, &mut locals.clone(), scope);
                    out.push(Stmt::For { var: v, from, to, step: *step, body });
                }
                IrStmt::While { condition, body } => {
                    let condition = self.cond(condition, locals);
                    let body = self.stmts(body, &mut locals.clone(), scope);
                    out.push(Stmt::While { condition, body });
                }
                IrStmt::IntegrateOdes(names) => {
                    if scope != Scope::Update {
                        self.errors.push("`integrate_odes` outside the `update` block is not supported".into());
                        continue;
                    }
                    let integrate = self.integrate(names, locals);
                    out.push(Stmt::Integrate(Box::new(integrate)));
                }
                IrStmt::EmitSpike(_) if scope == Scope::Function => self.errors.push("`emit_spike` in a function is not supported".into()),
                IrStmt::EmitSpike(args) if !args.is_empty() => self.errors.push("`emit_spike` with arguments (weight, delay) is only meaningful in synapses".into()),
                IrStmt::EmitSpike(_) => out.push(Stmt::Emit),
                IrStmt::Print { text, newline } => {
                    let pieces = self.print(text, locals);
                    out.push(Stmt::Print { pieces, newline: *newline });
                }
                IrStmt::Return(value) if scope == Scope::Function => {
                    let value = value.as_ref().map(|e| self.expr(e, Ctx::Step, locals));
                    out.push(Stmt::Return(value));
                }
                IrStmt::Return(_) => self.errors.push("`return` in `update`, `onReceive` or `onCondition` is not supported yet".into()),
                IrStmt::Call { local, function, args } => {
                    let Some(f) = self.ir.functions.iter().position(|f| f.name == *function) else {
                        self.errors.push(format!("`{function}` cannot be called here"));
                        continue;
                    };
                    let args = args.iter().map(|a| self.expr(a, Ctx::Step, locals)).collect();
                    let result = local.as_ref().map(|name| {
                        let l = self.local();
                        locals.insert(name.clone(), l);
                        l
                    });
                    out.push(Stmt::Call { result, function: f, args });
                }
            }
        }
        out
    }

    #[allow(clippy::too_many_arguments)]
    fn assign(&mut self, target: &str, index: Option<&Expr>, op: Option<ArithOp>, value: &Expr, locals: &mut BTreeMap<String, u32>, scope: Scope, out: &mut Vec<Stmt>) {
        let place = if let Some(&l) = locals.get(target) {
            if index.is_some() {
                self.errors.push(format!("`{}[…]`: a local variable is not a vector", nestml_name(target)));
                return;
            }
            Place::Local(l)
        } else if let Some(&vector) = self.exprs.slots.vector.get(target) {
            let Some(index) = index else {
                self.errors.push(format!("assignment to the vector `{}` without an index", nestml_name(target)));
                return;
            };
            let (index, value) = (self.expr(index, Ctx::Step, locals), self.expr(value, Ctx::Step, locals));
            out.push(Stmt::AssignElement { vector, name: leak(nestml_name(target)), index, op, value });
            return;
        } else if let Some(&slot) = self.exprs.slots.scalar.get(target) {
            if index.is_some() {
                self.errors.push(format!("`{}[…]`: `{}` is not a vector", nestml_name(target), nestml_name(target)));
                return;
            }
            Place::Slot(slot, self.storage.get(target).copied().unwrap_or(Storage::Real))
        } else if let (None, Some((state, scale))) = (index, self.layout().inline_convolution(self.ir, target)) {
            let value = match op {
                None | Some(ArithOp::Add) | Some(ArithOp::Sub) => value.clone() / scale,
                Some(ArithOp::Mul) | Some(ArithOp::Div) => value.clone(),
            };
            let redirected = [IrStmt::Assign { target: state, index: None, op, value }];
            out.extend(self.stmts(&redirected, locals, scope));
            return;
        } else {
            self.errors.push(format!("assignment to `{}`: not a variable of the model", nestml_name(target)));
            return;
        };
        let value = self.expr(value, Ctx::Step, locals);
        out.push(Stmt::Assign { place, op, value });
    }

    /// `print` text: `{name}` prints the value and, if it has one, the unit.
    fn print(&mut self, text: &str, locals: &BTreeMap<String, u32>) -> Vec<Piece> {
        let mut pieces = Vec::new();
        let mut rest = text;
        while let Some(open) = rest.find('{') {
            let Some(close) = rest[open..].find('}').map(|c| open + c) else { break };
            pieces.push(Piece::Text(rest[..open].to_string()));
            let name = rest[open + 1..close].trim();
            let unit = self.ir.variable(name).and_then(|v| v.unit.clone());
            pieces.push(Piece::Value(self.expr(&Expr::sym(name), Ctx::Step, locals), unit));
            rest = &rest[close + 1..];
        }
        pieces.push(Piece::Text(rest.to_string()));
        pieces
    }

    fn integrate(&mut self, names: &[String], locals: &mut BTreeMap<String, u32>) -> Integrate {
        let layout = self.exprs.layout;
        for name in unknown_integrated(&layout.states, names) {
            self.errors.push(format!("`integrate_odes({})`: `{}` is not a state variable with an ODE", nestml_name(name), nestml_name(name)));
        }
        let named = |s: &str| integrates(names, s);
        let exact: Vec<usize> = (0..layout.lin.states.len()).filter(|&i| named(&layout.lin.states[i]) && !layout.conv.contains(&layout.lin.states[i])).collect();
        let inputs = if exact.is_empty() { Vec::new() } else { layout.forcing.inputs.iter().map(|e| self.expr(e, Ctx::Step, locals)).collect() };
        let (mut rhs, mut kept) = (Vec::new(), Vec::new());
        if layout.numeric {
            for (i, s) in layout.states.iter().enumerate() {
                let integrated = named(s) || layout.conv.contains(s);
                rhs.push(integrated.then(|| self.expr(&layout.rhs[i], Ctx::Rhs, locals)));
                if integrated && !layout.exact_convolution(s) && !exact.iter().any(|&e| layout.lin.states[e] == *s) {
                    kept.push(i);
                }
            }
        }
        let w = self.local();
        let mut with_w = locals.clone();
        with_w.insert("__w".into(), w);
        let mut jumps = Vec::new();
        for (port, state, jump) in &layout.delta_jumps {
            if named(state) {
                let code = self.expr(jump, Ctx::Step, &with_w);
                match self.exprs.slots.scalar.get(state) {
                    Some(&slot) => jumps.push((*port, slot, code)),
                    None => self.errors.push(format!("the spike jump of `{}`: not a scalar state", nestml_name(state))),
                }
            }
        }
        Integrate { exact, inputs, rhs, kept, jumps, w }
    }
}
