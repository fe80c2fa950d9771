//! `nestml analyze FILE`: how each model's dynamics will be integrated.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use nestml_compiler::analysis::{AnalysisOptions, Plan, SolverMode};
use nestml_compiler::diagnostics::{render_all, RenderStyle, SourceMap};

#[derive(Args, Debug)]
pub struct AnalyzeArgs {
    /// The model file.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,

    /// The simulation step in ms at which the propagators are evaluated.
    #[arg(long, default_value_t = 0.1)]
    pub dt: f64,

    /// Print the plan as JSON (keys documented in the README).
    #[arg(long)]
    pub json: bool,

    /// `analytic`: exact propagators where possible (default); `numeric`: integrate everything numerically.
    #[arg(long, value_enum, default_value_t = Solver::Analytic)]
    pub solver: Solver,

    /// Use VALUE (in NEST units: ms, mV, pA, nS, pF, GOhm) instead of the default of NAME; may be repeated.
    #[arg(long = "set", value_name = "NAME=VALUE", value_parser = parse_assignment)]
    pub overrides: Vec<(String, f64)>,

    /// Override the numeric solver: `rk45`, `rk4`, `forward-Euler`, `implicit` or `rush-larsen` (shows which rows it steps exponentially).
    #[arg(long, value_name = "NAME", value_parser = ["rk45", "rk4", "forward-Euler", "implicit", "rush-larsen"])]
    pub numeric_solver: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Solver {
    Analytic,
    Numeric,
}

/// Runs the analyze command.
pub fn run(args: &AnalyzeArgs) -> ExitCode {
    let text = match std::fs::read_to_string(&args.file) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: cannot read {}: {e}", args.file.display());
            return ExitCode::from(2);
        }
    };
    if !(args.dt > 0.0 && args.dt.is_finite()) {
        eprintln!("error: --dt must be a positive number of milliseconds");
        return ExitCode::from(2);
    }
    let mut sources = SourceMap::default();
    let checked = nestml_compiler::check_source(&mut sources, &args.file.display().to_string(), &text);
    if checked.has_errors() {
        let style = if std::io::stderr().is_terminal() { RenderStyle::Styled } else { RenderStyle::Plain };
        eprintln!("{}", render_all(&checked.diagnostics, &sources, style));
        eprintln!("error: the model has errors; fix them before analysing it");
        return ExitCode::from(1);
    }
    let options = AnalysisOptions {
        dt: args.dt,
        solver: match args.solver {
            Solver::Analytic => SolverMode::Auto,
            Solver::Numeric => SolverMode::Numeric,
        },
        numeric_solver: args.numeric_solver.clone(),
        overrides: args.overrides.iter().map(|(n, v)| (n.replace('\'', "__d"), *v)).collect(),
    };
    let plans = nestml_compiler::analyse_unit(&checked, &options);
    let mut out = std::io::stdout().lock();
    if args.json {
        let _ = writeln!(out, "{}", serde_json::to_string_pretty(&plans).expect("plans serialise"));
    } else {
        for plan in &plans {
            let _ = write!(out, "{}", human(plan));
        }
    }
    ExitCode::SUCCESS
}

fn parse_assignment(text: &str) -> Result<(String, f64), String> {
    let (name, value) = text.split_once('=').ok_or("expected NAME=VALUE")?;
    let value: f64 = value.trim().parse().map_err(|e| format!("`{value}` is not a number: {e}"))?;
    Ok((name.trim().to_string(), value))
}

/// The plan as text for a terminal.
fn human(plan: &Plan) -> String {
    let mut s = format!("model {} (dt = {} ms)\n", plan.model, plan.dt);
    s += "  state variables:\n";
    for st in &plan.states {
        let unit = st.unit.as_deref().unwrap_or("");
        let init = st.initial_value.map_or_else(|| st.initial.clone(), |v| format!("{v}"));
        s += &format!("    {:<28} {:<8} initial {:<12} ({:?}) {}' = {}\n", st.name, unit, init, st.origin, st.name, st.ode);
    }
    s += &format!("  analytic ({}): {}\n", plan.analytic.len(), plan.analytic.join(", "));
    if let Some(p) = &plan.propagator {
        s += "    propagator x(t+dt) = P x(t) + q:\n";
        for (i, row) in p.p.iter().enumerate() {
            // `+ 0.0` turns -0 into 0
            let cells: Vec<String> = row.iter().map(|v| format!("{:>13.6e}", v + 0.0)).collect();
            s += &format!("      {:<24} [{}]  q = {:.6e}   {}\n", p.states[i], cells.join(" "), p.q[i], p.symbolic[i]);
        }
    }
    s += &format!("  numeric ({}): {}\n", plan.numeric.len(), plan.numeric.join(", "));
    if let Some(solver) = &plan.solver {
        s += &format!("    solver: {} — {}\n", solver.solver, solver.reason);
        for (state, why) in &plan.numeric_reasons {
            s += &format!("    {state}: {why}\n");
        }
    }
    if let Some(rl) = &plan.rush_larsen {
        s += &format!("    rush-larsen: exponential ({}), explicit ({}); the analytic rows by their propagator per stage\n", rl.exponential.len(), rl.explicit.len());
        for row in &rl.exponential {
            s += &format!("      exponential {}: rate ∂f/∂{} = {}\n", row.state, row.state, row.rate);
        }
        for (state, why) in &rl.explicit {
            s += &format!("      explicit {state}: {why}\n");
        }
    }
    if !plan.spike_jumps.is_empty() {
        s += "  on each spike:\n";
        for j in &plan.spike_jumps {
            s += &format!("    {}: {} += {}\n", j.port, j.state, j.jump);
        }
    }
    for p in &plan.problems {
        s += &format!("  warning: {p}\n");
    }
    s
}
