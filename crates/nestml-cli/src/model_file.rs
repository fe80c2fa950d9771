//! Reading a model file for the commands that simulate it (`run`, `doc`): checked, one neuron
//! model picked, compiled for the interpreter. Every failure is a [`Failure`] (exit status 2).

use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use nestml_compiler::codegen::{is_synapse, CodegenOptions, OptionValue};
use nestml_compiler::diagnostics::RenderStyle;
use nestml_interp::{LoadError, Program};

/// Why a command could not do its job: the message for stderr; the exit status is 2.
#[derive(Debug)]
pub struct Failure(pub String);

impl Failure {
    /// Prints the message and gives exit status 2.
    pub fn exit(&self) -> ExitCode {
        eprintln!("{}", self.0);
        ExitCode::from(2)
    }
}

/// `error: …`.
pub fn fail(message: impl std::fmt::Display) -> Failure {
    Failure(format!("error: {message}"))
}

/// The code generator's options from `KEY=VALUE` pairs.
pub fn codegen_options(pairs: &[(String, OptionValue)]) -> Result<CodegenOptions, Failure> {
    let mut options = CodegenOptions::default();
    for (key, value) in pairs {
        options.set(key, value.clone()).map_err(fail)?;
    }
    Ok(options)
}

/// The neuron model `model` (or the file's first neuron) of `file`, compiled for the
/// interpreter; the checker's diagnostics, a synapse, an unknown name or a construct the
/// interpreter cannot run are failures.
pub fn load_neuron(file: &Path, model: Option<&str>, options: &CodegenOptions) -> Result<Arc<Program>, Failure> {
    let text = std::fs::read_to_string(file).map_err(|e| fail(format!("cannot read {}: {e}", file.display())))?;
    let style = if std::io::stderr().is_terminal() { RenderStyle::Styled } else { RenderStyle::Plain };
    let loaded = match nestml_interp::check(&file.display().to_string(), &text, style) {
        Ok(l) => l,
        Err(LoadError::Check(rendered)) => return Err(Failure(format!("{rendered}\nerror: {} has errors; fix them before running it", file.display()))),
        Err(e) => return Err(fail(e)),
    };
    let names: Vec<&str> = loaded.models.iter().map(|m| m.name.as_str()).collect();
    let ir = match model {
        Some(name) => loaded.models.iter().find(|m| m.name == name).ok_or_else(|| fail(format!("{} has no model `{name}` (it has {})", file.display(), names.join(", "))))?,
        None => loaded.models.iter().find(|m| !is_synapse(m)).ok_or_else(|| fail(format!("{} has no neuron model (it has {}); only neurons can be simulated", file.display(), names.join(", "))))?,
    };
    Program::new(ir, options).map(Arc::new).map_err(fail)
}
