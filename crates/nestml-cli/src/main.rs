//! The `nestml` command-line tool.

mod analyze;
mod check;
mod doc;
mod generate;
mod json;
mod model_file;
mod migrate;
mod nest_module;
mod plot;
mod run;
mod stimulus;

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
    /// Simulate a neuron model with the interpreter (nothing is compiled): spike times, CSV, plots.
    Run(run::RunArgs),
    /// Write a neuron model's documentation page: parameters, equations, integration, ports and simulated responses.
    Doc(doc::DocArgs),
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
        Command::Run(args) => run::run(&args),
        Command::Doc(args) => doc::run(&args),
    }
}
