//! An interpreter of NESTML neuron models: a model file runs without generating and compiling
//! Rust (`nestml run`, `nestml doc`), and a second implementation of the generated code's
//! semantics that differential tests hold against it.
//!
//! A [`Program`] is a neuron model compiled for interpretation from the same input the code
//! generator uses — the compiler's `ModelIr` and its [`NeuronLayout`](nestml_compiler::codegen::NeuronLayout)
//! (ODE states, exact part, `P`/`q`/`G` entries, jumps) — with every expression resolved to
//! value slots once ([`code`]). An [`Interpreted`] neuron runs it through the runtime's
//! object-safe [`DynNeuron`](nestml_runtime::DynNeuron) (so [`Driver::run_dyn`](nestml_runtime::Driver::run_dyn)
//! drives it) with generated code's step: port values `1e-3 * weight sum`, exact propagation
//! by `P`, `q`, `G` from the runtime's [`linalg::propagator`](nestml_runtime::linalg::propagator),
//! the runtime's numeric solvers with the code generator's options, `onReceive`,
//! convolution jumps, `onCondition`, random draws from the step's `NestmlRng` in the same
//! order, integer truncation, delayed values and faults. The arithmetic is generated code's
//! (sums from the left, `powi` for integer powers, the runtime's `math`), so both agree to
//! rounding (`crates/nestml/tests/interpreter.rs`: every library neuron within 1e-12).
//!
//! The runtime's `Neuron` trait has its model's metadata as associated constants, which a
//! model known only at run time cannot provide; `DynNeuron`, its object-safe face, is what an
//! interpreted neuron implements. The runtime's solvers and propagator are generic over the
//! state size, so [`sized`] picks the instance for the model's size (at most
//! [`sized::MAX_STATES`] states).

#![deny(missing_docs)]

mod block;
pub mod code;
mod neuron;
mod program;
mod resolve;
pub mod sized;

use std::sync::Arc;

use nestml_compiler::diagnostics::{render_all, RenderStyle, SourceMap};

pub use nestml_compiler::codegen::{CodegenOptions, OptionValue};
pub use neuron::Interpreted;
pub use program::{Program, Unsupported, MAX_PORTS};

/// Why a model file cannot be interpreted.
#[derive(Clone, Debug, PartialEq)]
pub enum LoadError {
    /// The file has errors: the checker's diagnostics, rendered rustc-style.
    Check(String),
    /// A model uses what the interpreter cannot run (named).
    Unsupported(Unsupported),
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LoadError::Check(rendered) => write!(f, "{rendered}"),
            LoadError::Unsupported(u) => write!(f, "{u}"),
        }
    }
}

impl std::error::Error for LoadError {}

/// A checked model file, its models lowered.
pub struct Loaded {
    /// The file and its models' IR.
    pub models: Vec<nestml_compiler::ir::ModelIr>,
    /// The checker's warnings, rendered (empty if none).
    pub warnings: String,
}

/// Checks `text` (file `name`) for the NEST target and lowers its models; errors are the
/// checker's diagnostics rendered in `style`.
pub fn check(name: &str, text: &str, style: RenderStyle) -> Result<Loaded, LoadError> {
    let mut sources = SourceMap::default();
    let checked = nestml_compiler::check_source_for(&mut sources, name, text, nestml_compiler::Target::Nest);
    if checked.has_errors() {
        return Err(LoadError::Check(render_all(&checked.diagnostics, &sources, style)));
    }
    let warnings: Vec<_> = checked.diagnostics.iter().filter(|d| !d.is_error()).cloned().collect();
    Ok(Loaded { models: checked.lower_models(), warnings: render_all(&warnings, &sources, style) })
}

/// Every neuron model of `text` compiled for interpretation with `options` (a file with a
/// synapse, or a construct the interpreter cannot run, is an error naming it).
pub fn load(name: &str, text: &str, options: &CodegenOptions) -> Result<Vec<Arc<Program>>, LoadError> {
    let loaded = check(name, text, RenderStyle::Plain)?;
    loaded.models.iter().map(|ir| Program::new(ir, options).map(Arc::new).map_err(LoadError::Unsupported)).collect()
}
