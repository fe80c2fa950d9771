//! `nestml nest-module -n NAME -o DIR PATH…`: a NEST extension module from model files.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use nestml_compiler::codegen::OptionValue;
use nestml_nest::{build_module, default_cache_dir, ModuleSpec};

#[derive(Args, Debug)]
pub struct NestModuleArgs {
    /// Model files or folders (searched for `*.nestml`).
    #[arg(value_name = "PATH", required = true)]
    pub inputs: Vec<PathBuf>,

    /// The module's name: it is built as `DIR/NAMEmodule.so`, loaded with
    /// `nest.Install("NAMEmodule")`.
    #[arg(long, short = 'n', value_name = "NAME")]
    pub name: String,

    /// Where the module is written.
    #[arg(long = "out", short = 'o', value_name = "DIR", default_value = ".")]
    pub out_dir: PathBuf,

    /// Appended to every model name (`--suffix _nestml`, PyNESTML's convention), e.g. to
    /// keep clear of NEST's built-in `stdp_synapse`.
    #[arg(long, default_value = "")]
    pub suffix: String,

    /// The Python interpreter whose `nest` package (NEST 3.10) the module is built for.
    #[arg(long, default_value = "python3")]
    pub python: String,

    /// A code-generator option as for the macros (`numeric_solver=rk45`, …); may be repeated.
    #[arg(long = "option", value_name = "KEY=VALUE", value_parser = crate::generate::parse_option)]
    pub options: Vec<(String, OptionValue)>,

    /// Where generated sources, cargo's build folder and compiled objects are kept (default:
    /// `$NESTML_CACHE_DIR`, else `~/.cache/nestml`).
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
}

/// Builds the module; prints its path, its models and the time of each stage.
pub fn run(args: &NestModuleArgs) -> ExitCode {
    let spec = ModuleSpec {
        suffix: args.suffix.clone(),
        options: args.options.clone(),
        python: args.python.clone(),
        cache_dir: args.cache_dir.clone().unwrap_or_else(default_cache_dir),
        ..ModuleSpec::new(&args.name, args.inputs.clone(), &args.out_dir)
    };
    match build_module(&spec) {
        Ok(built) => {
            let path = built.path.canonicalize().unwrap_or(built.path);
            println!("built {} for NEST {}", path.display(), built.nest.version);
            for m in &built.models {
                println!("  {} {}", if m.synapse { "synapse" } else { "neuron " }, m.name);
            }
            let stages: Vec<String> = built.timings.iter().map(|(s, d)| format!("{s} {:.2} s", d.as_secs_f64())).collect();
            println!("  ({})", stages.join(", "));
            println!("load it with nest.Install({:?})", path.display().to_string());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}
