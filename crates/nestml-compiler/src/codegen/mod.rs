//! Code generation: a model's IR and ODE analysis → the Rust tokens of a struct implementing
//! `nestml_runtime::Neuron` (through the `::nestml` facade, the only path generated code names
//! besides `core`; no `std`, and `alloc` only through `::nestml::__private` for vectors, see
//! `names`), built with `quote!`; as text, they are printed by `prettyplease`.
//!
//! What is generated (values in NEST units: reals `f64`, integers `i64`, booleans `bool`,
//! vectors `Vec<f64>`; expressions compute in `f64` and integer variables truncate on
//! assignment, as C++'s `long = double`):
//! - the struct: one public field per state variable, parameter and internal (named as the
//!   NESTML symbol, `g__d` for `g'`), one per convolution state, the propagator cache
//!   (`__P`: only the entries the structure of `A` lets be nonzero; `__q`, `__G`: `Φ` times the
//!   constant part of `b` and times the coefficients of its inputs, see `forcing`), so that
//!   each exact row is straight-line code; the numeric solver and the input buffers;
//! - `Default`: the defaults evaluated in dependency order, the propagator at 0.1 ms;
//! - `calibrate`: the internals (in dependency order) and `P = expm(A h)`, `q`, `G` from the
//!   parameter values at the resolution (`nestml::linalg::propagator`); a violated guard, a
//!   non-finite real internal or propagator entry is a fault;
//! - `step`, in the order of PyNESTML's NEST target: spike sums into the port values
//!   (`1e-3 * weight sum`, so `port * 1 s` is the sum); the end-of-step values of the
//!   convolution states from their values at the start; `update` (see
//!   `integrate_odes` in `body` for how exact and numeric states are advanced); `onReceive`
//!   handlers of ports that received spikes; the convolution states take their end-of-step
//!   values and jump by the spikes of the step; `onCondition` blocks; each `emit_spike()` is
//!   a spike at the end of the step; a non-finite ODE state is a fault naming it;
//! - `reset_state`: the states' initial values from the current parameters, as `Default`;
//! - `get_value`/`set_value` by variable index (the trait's `get`/`set` by name), guards
//!   checked on set, internals recomputed after a parameter changes.
//!
//! What cannot be generated is reported as a [`CodegenError`] naming the feature.

mod body;
mod checkpoint;
mod forcing;
mod lockstep;
pub mod layout;
mod model;
mod names;
mod options;
mod population;
mod shadow;
mod synapse;
mod typed;

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::TokenStream;

use crate::diagnostics::Span;
use crate::ir::ModelIr;
use crate::sema::symbols::VarKind;
use body::Gen;
pub use layout::{integrates, neuron_layout, unknown_integrated, NeuronLayout};
pub use forcing::Forcing;
pub use model::{dependency_order, guard_reason, guard_text, receptors, Declared};
pub use names::type_name;
pub use synapse::{emits, is_synapse};
pub use options::{CodegenOptions, FloatType, NumericSolver, OptionValue, StepSizeController};

/// Why a model cannot be generated (yet).
#[derive(Clone, Debug, PartialEq)]
pub struct CodegenError {
    pub span: Option<Span>,
    pub message: String,
}

fn err(span: Option<Span>, message: impl Into<String>) -> CodegenError {
    CodegenError { span, message: message.into() }
}

/// What the code generator made of one model, for tools that wrap the generated types
/// (the NEST extension module builder).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GeneratedModel {
    /// `NAME` of the generated type: the model name with the suffix.
    pub name: String,
    /// The Rust type (`IafPscExpNeuron`; a synapse's parameters are `{type_name}Params`).
    pub type_name: String,
    /// For a synapse: the fields of its `Copy` connection struct and of its parameters struct
    /// (a connection with its own parameters), none larger than 8 bytes.
    pub connection_fields: Option<usize>,
}

/// The Rust tokens of the model's neuron struct, or of its synapse types (`synapse`).
pub fn generate(ir: &ModelIr, options: &CodegenOptions) -> Result<TokenStream, Vec<CodegenError>> {
    generate_model(ir, options).map(|(tokens, _)| tokens)
}

/// [`generate`], with what it generated.
pub fn generate_model(ir: &ModelIr, options: &CodegenOptions) -> Result<(TokenStream, GeneratedModel), Vec<CodegenError>> {
    let (mut parts, ms) = layout::neuron_layout(ir, options)?;
    let model_name = format!("{}{}", ir.name, options.suffix);
    let is_synapse = synapse::is_synapse(ir);
    if is_synapse && options.float != FloatType::F64 {
        return Err(vec![err(None, "synapses are generated in f64 only (`float = \"f32\"` applies to neurons)")]);
    }
    let synapse = is_synapse.then(|| {
        let delay = ir.variable(&options.delay_variable).filter(|v| v.kind == VarKind::Parameter && v.unit.as_deref() == Some("ms")).map(|v| v.name.clone());
        let params: BTreeSet<String> = ir.variables.iter().filter(|v| matches!(v.kind, VarKind::Parameter | VarKind::Internal) && v.name != options.weight_variable && Some(&v.name) != delay.as_ref()).map(|v| v.name.clone()).collect();
        parts.fields.retain(|f| !params.contains(f) && Some(f) != delay.as_ref());
        body::SynapseNames { params, delay, continuous: ir.continuous_ports.clone() }
    });
    let exponential = match options.numeric_solver {
        NumericSolver::RushLarsen => parts
            .states
            .iter()
            .filter(|s| !parts.lin.states.contains(s))
            .filter_map(|s| match crate::analysis::row_method(&ms.system, s) {
                crate::analysis::RowMethod::Exponential { rate } => Some((s.clone(), rate)),
                crate::analysis::RowMethod::Explicit { .. } => None,
            })
            .collect(),
        _ => BTreeMap::new(),
    };
    let mut g = Gen {
        ir,
        connection_fields: None,
        options,
        type_name: type_name(&model_name),
        model_name,
        parts,
        exponential,
        synapse,
        layout: body::Layout::Struct,
        sites: Vec::new(),
        errors: Vec::new(),
    };
    let tokens = if is_synapse { g.synapse_source(&ms) } else { g.source(&ms) };
    if g.errors.is_empty() {
        let summary = GeneratedModel { name: g.model_name, type_name: g.type_name, connection_fields: g.connection_fields };
        Ok((tokens, summary))
    } else {
        Err(g.errors)
    }
}

/// Checks `text` (for the NEST target) and generates the Rust tokens of every model in it, for
/// the macros; `text` starts on line `first_line` of `file_name` (a string literal in a Rust
/// file), so that messages show positions in that file. On failure, the rendered diagnostics
/// (`file:line:col`) or code-generation errors.
pub fn generate_tokens_at(file_name: &str, first_line: usize, text: &str, options: &CodegenOptions) -> Result<TokenStream, String> {
    models_at(file_name, first_line, text, options).map(|(tokens, _)| tokens)
}

/// [`generate_tokens_at`] as Rust source text (a whole file), for a text from line 1.
pub fn generate_source(file_name: &str, text: &str, options: &CodegenOptions) -> Result<String, String> {
    generate_source_at(file_name, 1, text, options)
}

/// [`generate_tokens_at`] as Rust source text (a whole file).
pub fn generate_source_at(file_name: &str, first_line: usize, text: &str, options: &CodegenOptions) -> Result<String, String> {
    generate_models_at(file_name, first_line, text, options).map(|(src, _)| src)
}

/// [`generate_source_at`], with what was generated for each model.
pub fn generate_models_at(file_name: &str, first_line: usize, text: &str, options: &CodegenOptions) -> Result<(String, Vec<GeneratedModel>), String> {
    let (tokens, models) = models_at(file_name, first_line, text, options)?;
    let file: syn::File = syn::parse2(tokens).map_err(|e| format!("{file_name}: the generated code does not parse: {e}"))?;
    Ok((prettyplease::unparse(&file), models))
}

/// The tokens of every model in `text` and what was generated for each.
fn models_at(file_name: &str, first_line: usize, text: &str, options: &CodegenOptions) -> Result<(TokenStream, Vec<GeneratedModel>), String> {
    let mut sources = crate::diagnostics::SourceMap::default();
    let checked = crate::check_source_for(&mut sources, file_name, text, crate::Target::Nest);
    sources.get_mut(checked.file).first_line = first_line.max(1);
    if checked.has_errors() {
        let errors: Vec<_> = checked.diagnostics.iter().filter(|d| d.is_error()).cloned().collect();
        return Err(crate::diagnostics::render_all(&errors, &sources, crate::diagnostics::RenderStyle::Plain));
    }
    let file = sources.get(checked.file);
    let mut out = TokenStream::new();
    let mut models = Vec::new();
    let mut messages = Vec::new();
    for (model, types) in checked.unit.models.iter().zip(&checked.types) {
        let syms = crate::sema::symbols::ModelSymbols::collect(model, &mut Vec::new());
        let ir = crate::ir::lower_model(&syms, types);
        match generate_model(&ir, options) {
            Ok((tokens, summary)) => {
                out.extend(tokens);
                models.push(summary);
                if options.uom_check {
                    let warnings: Vec<Span> = checked.diagnostics.iter().filter(|d| !d.is_error()).map(|d| d.span).collect();
                    out.extend(shadow::shadow(&syms, types, &warnings, &format!("__uom_check_{}{}", ir.name, options.suffix)));
                }
            }
            Err(errors) => {
                for e in errors {
                    let span = e.span.unwrap_or(model.name.span);
                    let lc = file.line_col(span.start as usize);
                    messages.push(format!("{}:{}:{}: error: model `{}` cannot be generated: {}", file.name, lc.line, lc.column, ir.name, e.message));
                }
            }
        }
    }
    if messages.is_empty() {
        Ok((out, models))
    } else {
        Err(messages.join("\n"))
    }
}
