//! The `nestml` command-line tool.

mod analyze;
mod check;
mod generate;
mod json;
mod migrate;
mod nest_module;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// NESTML 9 neuron and synapse models, compiled by cargo.
#[derive(Parser)]
#[command(name = "nestml", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Parse and check model files; report errors and warnings.
    Check(check::CheckArgs),
    /// Show how each model's ODEs will be integrated: exact propagators and numeric solvers.
    Analyze(analyze::AnalyzeArgs),
    /// Print the Rust source that `include_nestml!` expands a file to.
    Generate(generate::GenerateArgs),
    /// Rewrite model files of NESTML 2–8 as NESTML 9 (comments kept); `--check` only reports.
    Migrate(migrate::MigrateArgs),
    /// Build a NEST 3.10 extension module from model files (`nest.Install("NAMEmodule")`).
    NestModule(nest_module::NestModuleArgs),
}

fn main() -> ExitCode {
    // clap exits with status 2 on usage errors and 0 for --help/--version.
    let cli = Cli::parse();
    match cli.command {
        Command::Check(args) => check::run(&args),
        Command::Analyze(args) => analyze::run(&args),
        Command::Generate(args) => generate::run(&args),
        Command::Migrate(args) => migrate::run(&args),
        Command::NestModule(args) => nest_module::run(&args),
    }
}
