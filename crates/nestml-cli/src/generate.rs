//! `nestml generate FILE`: the Rust source that `include_nestml!` expands a file to.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use nestml_compiler::codegen::{generate_source, CodegenOptions, OptionValue};

#[derive(Args, Debug)]
pub struct GenerateArgs {
    /// The model file.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,

    /// A code-generator option as for the macros (`numeric_solver=forward-Euler`,
    /// `gsl_abs_error_tol=1e-3`, `suffix=_nestml`, …); may be repeated.
    #[arg(long = "option", short = 'o', value_name = "KEY=VALUE", value_parser = parse_option)]
    pub options: Vec<(String, OptionValue)>,

    /// Also print the uom shadow of every model (the `uom-check` feature).
    #[arg(long)]
    pub uom_check: bool,
}

/// `KEY=VALUE`; a VALUE that reads as a number is a number, anything else a string.
pub fn parse_option(s: &str) -> Result<(String, OptionValue), String> {
    let (key, value) = s.split_once('=').ok_or("expected KEY=VALUE")?;
    let value = match value.parse::<f64>() {
        Ok(x) => OptionValue::Number(x),
        Err(_) => OptionValue::Str(value.to_string()),
    };
    Ok((key.trim().to_string(), value))
}

/// Runs the generate command: the source on stdout, or the errors on stderr (exit 1).
pub fn run(args: &GenerateArgs) -> ExitCode {
    let mut options = CodegenOptions { uom_check: args.uom_check, ..CodegenOptions::default() };
    for (key, value) in &args.options {
        if let Err(e) = options.set(key, value.clone()) {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    }
    let text = match std::fs::read_to_string(&args.file) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: cannot read {}: {e}", args.file.display());
            return ExitCode::from(2);
        }
    };
    match generate_source(&args.file.display().to_string(), &text, &options) {
        Ok(source) => {
            let _ = std::io::stdout().lock().write_all(source.as_bytes());
            ExitCode::SUCCESS
        }
        Err(rendered) => {
            eprintln!("{rendered}");
            ExitCode::from(1)
        }
    }
}
