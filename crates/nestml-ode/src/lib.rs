//! Symbolic mathematics and ODE analysis for NESTML: our replacement for sympy and ODE-toolbox.
//!
//! This crate knows nothing about NESTML syntax. The compiler lowers checked NESTML
//! expressions into [`Expr`] trees and ODEs into an [`OdeSystem`]; this crate then
//! - simplifies, expands and differentiates expressions ([`mod@simplify`], [`mod@diff`]),
//! - partitions the system into a linear constant-coefficient part and a nonlinear rest
//!   ([`OdeSystem::linear_partition`]),
//! - turns kernels into linear ODE systems and convolutions into states with spike jumps
//!   ([`mod@kernel`]),
//! - computes exact propagators `x(t+h) = P x(t) + q` for the linear part ([`mod@propagator`]),
//! - and recommends a numeric solver for the rest ([`mod@stiffness`]).
#![warn(missing_docs)]

pub mod diff;
pub mod eval;
pub mod expr;
pub mod kernel;
pub mod latex;
pub mod num;
mod print;
pub mod propagator;
pub mod rust;
pub mod shared_exp;
pub mod simplify;
pub mod stiffness;
pub mod system;

pub use diff::diff;
pub use eval::{Env, EvalError, FnEnv, Layered};
pub use expr::{CmpOp, Cond, Constant, Expr, Func, Num};
pub use kernel::{
    convolution, convolution_state_name, delta, kernel_from_odes, kernel_to_ode, Convolution,
    KernelEquation, KernelError, KernelOde, MAX_KERNEL_ORDER, SPIKE_WEIGHT,
};
pub use rust::{to_rust, RustNames};
pub use shared_exp::share_exponentials;
pub use propagator::{propagator, symbolic_propagator, Propagator, PropagatorError, SymbolicRow};
pub use simplify::{
    coefficient, coefficients, equivalent, expand, is_zero, simplify, Affine, NonLinear,
};
pub use stiffness::{stiffness, Solver, StiffnessError, StiffnessReport};
pub use system::{
    derivative_names, LinearPart, NonlinearReason, OdeSystem, Partition, State, SystemError,
};
