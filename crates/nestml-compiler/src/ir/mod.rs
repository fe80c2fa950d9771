//! The model IR: a checked model as plain data, with every expression lowered to a
//! [`nestml_ode::Expr`] whose values are in NEST's internal units.
//!
//! NEST's internal units (ms, mV, pA, nS, pF, GOhm; design brief §3) form a coherent system:
//! products and quotients of values in these units are again in these units. So the only
//! conversion factors are those of literals (`0.012 uS` becomes `12` nS, `1 s` becomes `1000`
//! ms), and they are applied here, once, at lowering time.

mod expr;
mod lower;
mod stmt;

pub use expr::{conversion_expr, convolution_name, ode_name, Draw, LowerError, RandomFn, STEP};
pub use lower::lower_model;
pub use stmt::{ArithOp, IrStmt};

use nestml_ode::Expr;

use crate::diagnostics::Span;
use crate::sema::symbols::VarKind;
use crate::sema::types::Type;

/// One model, ready for analysis and code generation.
#[derive(Clone, Debug)]
pub struct ModelIr {
    pub name: String,
    /// The comment lines above `model`.
    pub doc: Vec<String>,
    /// State variables, parameters and internals, in declaration order.
    pub variables: Vec<IrVariable>,
    /// Inline expressions of the equations block, in order.
    pub inlines: Vec<IrInline>,
    /// ODEs of the equations block, in order.
    pub odes: Vec<IrOde>,
    pub kernels: Vec<IrKernel>,
    /// Every `convolve(kernel, port)` of the equations, in order of first appearance.
    pub convolutions: Vec<(String, String)>,
    /// Every delayed state value `x(t - delay)` of the equations, in order of first appearance;
    /// the equations read it as the symbol [`IrDelayed::symbol`].
    pub delayed: Vec<IrDelayed>,
    pub spike_ports: Vec<String>,
    /// Per spike port: whether it is qualified `excitatory`, `inhibitory`.
    pub spike_qualifiers: Vec<(bool, bool)>,
    /// Input ports declared as vectors (`spikes[3]`).
    pub vector_ports: Vec<String>,
    /// Continuous input ports: held constant over a step.
    pub continuous_ports: Vec<String>,
    /// The NEST unit of each continuous port's values (`None` for plain numbers).
    pub continuous_units: Vec<Option<String>>,
    /// User functions that are not plain formulas (those are inlined), called from blocks.
    pub functions: Vec<IrFunction>,
    /// The `update` block.
    pub update: Vec<IrStmt>,
    /// `onReceive(port)` handlers in the order they run (by priority, highest first).
    pub on_receive: Vec<(String, Vec<IrStmt>)>,
    /// The `priority` of each handler of `on_receive` (0 where none is given).
    pub on_receive_priority: Vec<i64>,
    /// `onCondition(cond)` blocks in source order.
    pub on_condition: Vec<(nestml_ode::Cond, Vec<IrStmt>)>,
    /// Expressions of declarations and equations that could not be lowered (they are
    /// reported, not fatal).
    pub problems: Vec<LowerError>,
    /// Statements of `update`, `onReceive` and `onCondition` that could not be lowered; they
    /// do not affect the ODE analysis, only code generation.
    pub block_problems: Vec<LowerError>,
}

/// `state(t - delay)` in the equations.
#[derive(Clone, Debug, PartialEq)]
pub struct IrDelayed {
    /// The state variable read delayed.
    pub state: String,
    /// The delay in ms: a parameter or a number.
    pub delay: Expr,
    /// The symbol of the delayed value in the lowered equations, `__delay<N>__<state>`.
    pub symbol: String,
}

/// A state variable, parameter or internal.
#[derive(Clone, Debug)]
pub struct IrVariable {
    /// The name as a symbol: `V_m`, `g__d` for NESTML's `g'`.
    pub name: String,
    /// The NESTML name: `V_m`, `g'`.
    pub nestml_name: String,
    pub kind: VarKind,
    pub ty: Type,
    /// NEST's internal unit for the value, e.g. `mV`, `nS`, `1/ms`; `None` for plain numbers.
    pub unit: Option<String>,
    /// The initial or default value (may refer to other variables).
    pub default: Option<Expr>,
    /// The guard `[[cond]]` of the declaration, if it could be lowered.
    pub guard: Option<nestml_ode::Cond>,
    /// The size of a vector (`x[n]`): a number or an integer parameter; `None` for a scalar.
    pub size: Option<Expr>,
    /// The comment lines of the declaration.
    pub doc: Vec<String>,
    /// The NEST unit in SI terms, when its exponents are integers (uom can express it).
    pub si: Option<SiUnit>,
    pub span: Span,
}

impl IrVariable {
    /// The length of a vector whose size is an integer literal (`x[3]`): it is generated as an
    /// array; a vector sized by a parameter is resized with it.
    pub fn fixed_len(&self) -> Option<usize> {
        match &self.size {
            Some(Expr::Num(n)) => n.as_int().and_then(|n| usize::try_from(n).ok()),
            _ => None,
        }
    }
}

/// A NEST internal unit as SI base-unit exponents (m, kg, s, A, K, mol, cd) and a power of
/// ten: mV is `10^-3 m^2 kg s^-3 A^-1`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SiUnit {
    pub dims: [i64; 7],
    pub exp10: i64,
}

/// A procedural user function: parameters (locals) and statements ending in `return`s.
#[derive(Clone, Debug)]
pub struct IrFunction {
    pub name: String,
    pub params: Vec<String>,
    pub body: Vec<IrStmt>,
}

/// `inline name type = rhs`.
#[derive(Clone, Debug)]
pub struct IrInline {
    pub name: String,
    pub rhs: Expr,
    pub recordable: bool,
    /// The NEST unit of the value (`None` for plain numbers).
    pub unit: Option<String>,
}

/// `name^(order) = rhs` (`order` primes on the left-hand side).
#[derive(Clone, Debug)]
pub struct IrOde {
    pub name: String,
    pub order: usize,
    pub rhs: Expr,
    pub span: Span,
}

/// A kernel, as a function of `t` or as linear ODEs over state variables.
#[derive(Clone, Debug)]
pub struct IrKernel {
    pub name: String,
    pub def: KernelDef,
    pub span: Span,
}

/// The two ways NESTML defines a kernel.
#[derive(Clone, Debug)]
pub enum KernelDef {
    /// `kernel g = f(t)`.
    Function(Expr),
    /// `kernel g'' = …, h' = …`: (state base name, order, right-hand side) per part.
    Odes(Vec<(String, usize, Expr)>),
    /// `kernel g = c * delta(t)`: the convolution adds `c` times the spike weight directly.
    Delta(Expr),
}

impl ModelIr {
    /// The variable with symbol name `name`.
    pub fn variable(&self, name: &str) -> Option<&IrVariable> {
        self.variables.iter().find(|v| v.name == name)
    }
}
