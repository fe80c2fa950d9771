//! NEST extension modules from NESTML files, without CMake or Python code generation.
//!
//! [`build_module`] turns model files into `DIR/NAMEmodule.so`, which `nest.Install("NAMEmodule")`
//! loads into the NEST found through a Python interpreter (pip's `nest-simulator==3.10.0`):
//! 1. the models are checked and generated as for the macros (`nestml_compiler::codegen`);
//!    neurons and synapses are told apart as there;
//! 2. a small crate (in the cache) wraps them into the C ABI tables of `nestml::nest_ffi`
//!    and cargo builds it as a static library (release profile; the cache's target folder is
//!    shared by all modules, so a warm build compiles only the models);
//! 3. g++ compiles the model-independent NEST classes (`cpp/nestml_nest.{h,cpp}`, cached as an
//!    object file per NEST installation) and a generated registration file per module, and links
//!    them with the static library into the module, hiding the Rust symbols
//!    (`--exclude-libs,ALL`) so that several modules can be loaded side by side.
//!
//! The recipe for pip's NEST (its `nest-config` is stale; the old C++ string ABI; no link
//! against NEST's libraries, which PyNEST has loaded globally) is `../shared/docs/design.md` §9.
//!
//! From a build script (`build.rs` of a crate with `nestml-nest` as a build dependency):
//!
//! ```no_run
//! use std::path::{Path, PathBuf};
//! let spec = nestml_nest::ModuleSpec {
//!     suffix: "_nestml".into(),
//!     python: ".venv/bin/python".into(),
//!     ..nestml_nest::ModuleSpec::new("mymodels", vec![PathBuf::from("models")], Path::new("nest-modules"))
//! };
//! nestml_nest::rerun_if_changed(&spec).expect("model files");
//! if let Err(e) = nestml_nest::build_module(&spec) {
//!     panic!("{e}");
//! }
//! ```

#![deny(missing_docs)]

mod nest;
mod sources;
mod tools;

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use nestml_compiler::codegen::{CodegenOptions, GeneratedModel, OptionValue};

pub use nest::NestInstallation;

/// What to build.
#[derive(Clone, Debug)]
pub struct ModuleSpec {
    /// The module is `NAMEmodule.so`, loaded with `nest.Install("NAMEmodule")`.
    pub name: String,
    /// Model files, or folders searched for `*.nestml` files.
    pub inputs: Vec<PathBuf>,
    /// Where `NAMEmodule.so` is written.
    pub out_dir: PathBuf,
    /// Appended to every model name (PyNESTML's `_nestml` convention).
    pub suffix: String,
    /// Code-generator options (`numeric_solver=…`, …), as `nestml generate --option`.
    pub options: Vec<(String, OptionValue)>,
    /// The Python interpreter whose `nest` package the module is built for.
    pub python: String,
    /// Where the generated crate, cargo's target folder and compiled objects are kept.
    pub cache_dir: PathBuf,
}

impl ModuleSpec {
    /// A module of `inputs` with the defaults: no suffix, `python3`, [`default_cache_dir`].
    pub fn new(name: &str, inputs: Vec<PathBuf>, out_dir: &Path) -> ModuleSpec {
        ModuleSpec {
            name: name.to_string(),
            inputs,
            out_dir: out_dir.to_path_buf(),
            suffix: String::new(),
            options: Vec::new(),
            python: "python3".into(),
            cache_dir: default_cache_dir(),
        }
    }
}

/// `$NESTML_CACHE_DIR`, else `$XDG_CACHE_HOME/nestml`, else `~/.cache/nestml`.
pub fn default_cache_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("NESTML_CACHE_DIR") {
        return PathBuf::from(dir);
    }
    let base = std::env::var_os("XDG_CACHE_HOME").map(PathBuf::from).or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")));
    base.unwrap_or_else(std::env::temp_dir).join("nestml")
}

/// A model registered by a module.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModuleModel {
    /// The NEST model name (the NESTML name with the suffix).
    pub name: String,
    /// A synapse (connection model), else a neuron (node model).
    pub synapse: bool,
}

/// A built module.
#[derive(Clone, Debug)]
pub struct BuiltModule {
    /// `out_dir/NAMEmodule.so`.
    pub path: PathBuf,
    /// The models it registers, neurons and synapses in file order.
    pub models: Vec<ModuleModel>,
    /// The NEST it was built for.
    pub nest: NestInstallation,
    /// Wall time of the stages: generate, cargo, g++.
    pub timings: Vec<(&'static str, Duration)>,
}

/// Why a module could not be built.
#[derive(Debug)]
pub enum BuildError {
    /// The models have errors (rendered as `file:line:col` diagnostics).
    Models(String),
    /// No usable NEST behind the Python interpreter.
    Nest(String),
    /// A model name that NEST already has, or that two files define.
    Name(String),
    /// cargo or g++ failed.
    Tool {
        /// The command line.
        command: String,
        /// What it printed.
        output: String,
        /// What to do about it, where known (e.g. the system headers to install).
        hint: Option<String>,
    },
    /// A file or folder could not be read or written.
    Io(String),
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuildError::Models(m) | BuildError::Nest(m) | BuildError::Name(m) | BuildError::Io(m) => f.write_str(m),
            BuildError::Tool { command, output, hint } => {
                write!(f, "`{command}` failed:\n{output}")?;
                if let Some(h) = hint {
                    write!(f, "\nhint: {h}")?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for BuildError {}

fn io(what: &str, path: &Path) -> impl FnOnce(std::io::Error) -> BuildError {
    let message = format!("cannot {what} {}", path.display());
    move |e| BuildError::Io(format!("{message}: {e}"))
}

/// The `*.nestml` files of `inputs` (folders searched recursively), sorted within each folder.
pub fn model_files(inputs: &[PathBuf]) -> Result<Vec<PathBuf>, BuildError> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), BuildError> {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir).map_err(io("read the folder", dir))?.filter_map(|e| e.ok().map(|e| e.path())).collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                walk(&p, out)?;
            } else if p.extension().is_some_and(|e| e == "nestml") {
                out.push(p);
            }
        }
        Ok(())
    }
    let mut files = Vec::new();
    for input in inputs {
        if input.is_dir() {
            walk(input, &mut files)?;
        } else if input.is_file() {
            files.push(input.clone());
        } else {
            return Err(BuildError::Io(format!("no such file or folder: {}", input.display())));
        }
    }
    if files.is_empty() {
        return Err(BuildError::Io("no .nestml files given".into()));
    }
    Ok(files)
}

/// Tells cargo (from a build script) to run it again when a model file of `spec` changes or
/// one is added to its folders.
pub fn rerun_if_changed(spec: &ModuleSpec) -> Result<(), BuildError> {
    for input in &spec.inputs {
        println!("cargo:rerun-if-changed={}", input.display());
    }
    for file in model_files(&spec.inputs)? {
        println!("cargo:rerun-if-changed={}", file.display());
    }
    Ok(())
}

/// The generated Rust source of one file and its models.
pub(crate) struct GeneratedFile {
    pub path: PathBuf,
    pub source: String,
    pub models: Vec<GeneratedModel>,
}

/// Checks and generates every file; all errors of all files at once.
fn generate(files: &[PathBuf], options: &CodegenOptions) -> Result<Vec<GeneratedFile>, BuildError> {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(path).map_err(io("read", path))?;
        match nestml_compiler::codegen::generate_models_at(&path.display().to_string(), 1, &text, options) {
            Ok((source, models)) => out.push(GeneratedFile { path: path.clone(), source, models }),
            Err(rendered) => errors.push(rendered),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(BuildError::Models(errors.join("\n")))
    }
}

/// The names NEST would get from this module, checked against each other and NEST's own.
fn check_names(files: &[GeneratedFile], nest: &NestInstallation) -> Result<Vec<ModuleModel>, BuildError> {
    let mut models: Vec<(ModuleModel, &Path)> = Vec::new();
    for f in files {
        for m in &f.models {
            let model = ModuleModel { name: m.name.clone(), synapse: m.connection_fields.is_some() };
            if let Some((_, other)) = models.iter().find(|(o, _)| o.name == model.name) {
                return Err(BuildError::Name(format!("model `{}` is defined twice: in {} and in {}", model.name, other.display(), f.path.display())));
            }
            let registered = if model.synapse { vec![model.name.clone(), format!("{}_hpc", model.name), format!("{}_lbl", model.name)] } else { vec![model.name.clone()] };
            if let Some(taken) = registered.iter().find(|n| nest.models.contains(*n)) {
                return Err(BuildError::Name(format!(
                    "model `{}` ({}) would register `{taken}`, which NEST {} already has as a built-in model\nhint: give the module's models a suffix, e.g. `--suffix _nestml` (PyNESTML's convention)",
                    m.name,
                    f.path.display(),
                    nest.version
                )));
            }
            models.push((model, &f.path));
        }
    }
    Ok(models.into_iter().map(|(m, _)| m).collect())
}

/// Builds the module (module docs).
pub fn build_module(spec: &ModuleSpec) -> Result<BuiltModule, BuildError> {
    if spec.name.is_empty() || !spec.name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') || spec.name.starts_with(|c: char| c.is_ascii_digit()) {
        return Err(BuildError::Name(format!("module name `{}`: use letters, digits and `_`, not starting with a digit", spec.name)));
    }
    let mut timings = Vec::new();
    let started = Instant::now();
    let mut options = CodegenOptions { suffix: spec.suffix.clone(), ..CodegenOptions::default() };
    for (key, value) in &spec.options {
        options.set(key, value.clone()).map_err(|e| BuildError::Models(format!("option {key}: {e}")))?;
    }
    let files = model_files(&spec.inputs)?;
    let generated = generate(&files, &options)?;
    std::fs::create_dir_all(&spec.cache_dir).map_err(io("create", &spec.cache_dir))?;
    let nest = nest::find(&spec.python, &spec.cache_dir)?;
    let models = check_names(&generated, &nest)?;
    timings.push(("generate", started.elapsed()));

    let started = Instant::now();
    let crate_dir = spec.cache_dir.join("modules").join(&spec.name);
    let lib = sources::write_crate(&crate_dir, &spec.name, &generated)?;
    let staticlib = tools::cargo_build(&crate_dir, &spec.cache_dir.join("target"), &lib)?;
    timings.push(("cargo", started.elapsed()));

    let started = Instant::now();
    std::fs::create_dir_all(&spec.out_dir).map_err(io("create", &spec.out_dir))?;
    let module_cpp = crate_dir.join(format!("{}module.cpp", spec.name));
    sources::write_if_changed(&module_cpp, &sources::module_cpp(&spec.name, &generated))?;
    let path = spec.out_dir.join(format!("{}module.so", spec.name));
    tools::compile_module(&nest, &spec.cache_dir, &module_cpp, &staticlib, &path)?;
    timings.push(("g++", started.elapsed()));
    Ok(BuiltModule { path, models, nest, timings })
}

#[cfg(test)]
mod tests;
