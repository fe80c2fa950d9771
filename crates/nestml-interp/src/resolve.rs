//! Where symbols live in an interpreted model, and how an expression's symbols are found in
//! each place code runs — the same rules as the code generator's (`codegen::body`'s `Ctx`).

use std::collections::BTreeMap;

use nestml_compiler::analysis::{nestml_name, substitute_all, substitute_cond};
use nestml_compiler::codegen::NeuronLayout;
use nestml_compiler::ir::STEP;
use nestml_ode::{Cond, Expr};

use crate::code::{compile, compile_cond, Code, CondCode, Resolve};

/// Where code runs, which decides what its symbols mean.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ctx {
    /// Defaults and initial values: ports cannot be read, `t` is 0.
    Default,
    /// Internals, the propagator, guards and recordables: `t` is 0, ports hold the last step's values.
    Calibrate,
    /// The blocks of a step: `t` is the end of the step.
    Step,
    /// The numeric solver's right-hand side: ODE states are the solver's state vector.
    Rhs,
}

/// The slots of a model's values.
#[derive(Clone, Debug, Default)]
pub struct Slots {
    /// Scalar model values (variables, convolution states, delayed values) by symbol.
    pub scalar: BTreeMap<String, u32>,
    /// Vector variables by symbol.
    pub vector: BTreeMap<String, u32>,
    /// Input ports by name.
    pub port: BTreeMap<String, u32>,
    /// The slot of the step `h`.
    pub h: u32,
    /// The number of scalar slots.
    pub len: usize,
}

impl Slots {
    /// A new scalar slot for `symbol`.
    pub fn add_scalar(&mut self, symbol: &str) -> u32 {
        let slot = self.next();
        self.scalar.insert(symbol.to_string(), slot);
        slot
    }

    /// A new slot, for no symbol.
    pub fn next(&mut self) -> u32 {
        self.len += 1;
        (self.len - 1) as u32
    }
}

/// Compiles expressions of one model.
pub struct Compiler<'a> {
    /// The model's step layout (fields, ports, states, inlines).
    pub layout: &'a NeuronLayout,
    /// Where values live.
    pub slots: &'a Slots,
}

/// A symbol resolver for one context and set of locals.
struct Scope<'a> {
    compiler: &'a Compiler<'a>,
    ctx: Ctx,
    locals: &'a BTreeMap<String, u32>,
}

impl Resolve for Scope<'_> {
    fn symbol(&self, s: &str) -> Result<Code, String> {
        let c = self.compiler;
        if let Some(&l) = self.locals.get(s) {
            return Ok(Code::Local(l));
        }
        if s == STEP {
            return Ok(Code::Slot(c.slots.h));
        }
        if s == "t" {
            return Ok(match self.ctx {
                Ctx::Step => Code::T,
                Ctx::Rhs => Code::TRhs(c.slots.h),
                _ => Code::Num(0.0),
            });
        }
        if self.ctx == Ctx::Rhs {
            if let Some(&i) = c.layout.state_index.get(s) {
                return Ok(Code::Y(i as u32));
            }
        }
        if c.layout.fields.contains(s) {
            return match c.slots.scalar.get(s) {
                Some(&slot) => Ok(Code::Slot(slot)),
                None => Err(format!("the vector `{}` is read as a number", nestml_name(s))),
            };
        }
        if self.ctx != Ctx::Default {
            if let Some(&slot) = c.slots.port.get(s) {
                return Ok(Code::Slot(slot));
            }
        }
        Err(format!("`{}` cannot be used here", nestml_name(s)))
    }

    fn vector(&self, s: &str) -> Option<u32> {
        if self.locals.contains_key(s) {
            return None;
        }
        self.compiler.slots.vector.get(s).copied()
    }
}

impl Compiler<'_> {
    /// `e` (inline expressions substituted) compiled for `ctx` with `locals`.
    pub fn expr(&self, e: &Expr, ctx: Ctx, locals: &BTreeMap<String, u32>) -> Result<Code, String> {
        let e = substitute_all(e, &self.layout.inlines);
        compile(&e, &Scope { compiler: self, ctx, locals })
    }

    /// `c` (inline expressions substituted) compiled for `ctx` with `locals`.
    pub fn cond(&self, c: &Cond, ctx: Ctx, locals: &BTreeMap<String, u32>) -> Result<CondCode, String> {
        let c = substitute_cond(c, &self.layout.inlines);
        compile_cond(&c, &Scope { compiler: self, ctx, locals })
    }
}
