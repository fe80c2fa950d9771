//! `nestml run MODEL.nestml`: simulates a neuron model with the interpreter (no code is
//! generated or compiled) under currents, spike times or Poisson trains; prints the spike times,
//! writes the recorded variables as CSV and plots them.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use nestml_compiler::codegen::OptionValue;
use nestml_compiler::sema::quantity_input::quantity_in;
use nestml_interp::{Interpreted, Program};
use nestml_runtime::{DynNeuron, Driver, NestmlRng, PortKind, Recording, Resolution, RunError, VariableKind};

use crate::generate::parse_option;
use crate::model_file::{codegen_options, fail, load_neuron, Failure};
use crate::plot;
use crate::stimulus::{self, Current};

#[derive(Args, Debug)]
pub struct RunArgs {
    /// The model file.
    #[arg(value_name = "MODEL.nestml")]
    pub file: PathBuf,

    /// The neuron model to run, if the file has several (default: the first neuron).
    #[arg(long, value_name = "NAME")]
    pub model: Option<String>,

    /// Simulated time (`1000ms`, `2 s`; a bare number is ms).
    #[arg(long, short = 't', default_value = "1000ms", value_name = "TIME")]
    pub duration: String,

    /// The simulation step (a bare number is ms).
    #[arg(long, default_value = "0.1ms", value_name = "TIME")]
    pub resolution: String,

    /// A parameter or initial value with its unit (`tau_m=20ms`, `tau_m=0.02s`, `E_L=-65mV`;
    /// a bare number is in the variable's NEST unit); may be repeated. States take their
    /// initial values from the parameters set before them.
    #[arg(long = "set", value_name = "NAME=VALUE")]
    pub set: Vec<String>,

    /// A current into the first continuous input port: `500pA` from the start, or
    /// `500pA@100ms..600ms`; may be repeated (currents add).
    #[arg(long, value_name = "AMPLITUDE[@START..STOP]", allow_hyphen_values = true)]
    pub current: Vec<String>,

    /// Spike times (`10,20,30ms`) into the spike input port (`--port`), each with `--weight`.
    #[arg(long, value_name = "TIMES")]
    pub spikes: Option<String>,

    /// The weight of each `--spikes` spike (a number, or a quantity such as `100pA`, `2nS`).
    #[arg(long, default_value = "1", value_name = "WEIGHT", allow_hyphen_values = true)]
    pub weight: String,

    /// The spike input port for `--spikes` and `--poisson` (default: the first spike port).
    #[arg(long, value_name = "NAME")]
    pub port: Option<String>,

    /// A Poisson spike train `RATE:WEIGHT` (`8000Hz:87.8pA`) into the spike port; may be repeated.
    #[arg(long, value_name = "RATE:WEIGHT")]
    pub poisson: Vec<String>,

    /// The seed of the random numbers (Poisson trains, the model's random functions).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,

    /// The variables to record, comma-separated (default: `V_m`, or the first state variable).
    #[arg(long, value_delimiter = ',', value_name = "NAMES")]
    pub record: Vec<String>,

    /// Write the recorded variables as CSV: the time in ms, then one column per variable,
    /// one row per step.
    #[arg(long, value_name = "FILE")]
    pub csv: Option<PathBuf>,

    /// Plot the recorded variables over time with the spikes marked (`.svg`, or `.png`
    /// without text).
    #[arg(long, value_name = "FILE")]
    pub plot: Option<PathBuf>,

    /// A code-generator option (`numeric_solver=rk4`, `gsl_abs_error_tol=1e-3`, …); may be repeated.
    #[arg(long = "option", short = 'o', value_name = "KEY=VALUE", value_parser = parse_option)]
    pub options: Vec<(String, OptionValue)>,
}

/// The most steps of one run (every step of every recorded variable is kept in memory).
const MAX_STEPS: f64 = 1e8;

/// Runs the run command.
pub fn run(args: &RunArgs) -> ExitCode {
    match simulate(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => f.exit(),
    }
}

/// What a run produced.
pub struct Outcome {
    /// The model's name.
    pub model: &'static str,
    /// The recorded variables with their units, and the spikes.
    pub recording: Recording,
    /// The unit of each recorded variable.
    pub units: Vec<Option<&'static str>>,
}

fn simulate(args: &RunArgs) -> Result<(), Failure> {
    let options = codegen_options(&args.options)?;
    if let Some(path) = &args.plot {
        plot::check_path(path).map_err(fail)?;
    }
    let program = load_neuron(&args.file, args.model.as_deref(), &options)?;
    let duration = stimulus::time(&args.duration).map_err(|e| fail(format!("--duration: {e}")))?;
    let h = stimulus::time(&args.resolution).map_err(|e| fail(format!("--resolution: {e}")))?;
    let resolution = Resolution::from_ms(h).map_err(|_| fail(format!("--resolution {}: not a usable simulation step", args.resolution)))?;
    if duration <= 0.0 {
        return Err(fail("--duration must be positive"));
    }
    let n_steps = (duration / resolution.h()).round();
    if !(1.0..=MAX_STEPS).contains(&n_steps) {
        return Err(fail(format!("--duration {} at --resolution {}: {n_steps} steps; a run takes 1 to {MAX_STEPS:e} steps", args.duration, args.resolution)));
    }
    let n_steps = n_steps as i64;
    let mut neuron = Interpreted::new(program.clone());
    set_values(&mut neuron, &args.set)?;
    let mut driver = Driver::new(resolution, args.seed);
    schedule_inputs(&mut driver, &program, args, n_steps)?;
    let record = recorded(&program, &args.record)?;
    driver.record(&record.iter().map(String::as_str).collect::<Vec<_>>());
    let recording = run_with_progress(&mut driver, &mut neuron, n_steps)?;
    let units = record.iter().map(|name| unit_of(&program, name)).collect();
    let outcome = Outcome { model: program.name(), recording, units };
    report(&outcome, duration);
    if let Some(csv) = &args.csv {
        write_csv(csv, &outcome)?;
    }
    if let Some(path) = &args.plot {
        plot::write(path, &figure(&outcome)).map_err(fail)?;
    }
    Ok(())
}

/// Applies `NAME=VALUE` settings: parameters first, then the states' initial values are
/// recomputed from them (`reset_state`), then states.
fn set_values(neuron: &mut Interpreted, settings: &[String]) -> Result<(), Failure> {
    let mut parsed = Vec::new();
    for s in settings {
        let (name, value) = s.split_once('=').ok_or_else(|| fail(format!("--set {s}: expected NAME=VALUE, e.g. tau_m=20ms")))?;
        let name = name.trim().replace('\'', "__d");
        let variables = neuron.variables();
        let (base, _) = nestml_runtime::neuron::split_index(&name).ok_or_else(|| fail(format!("--set {s}: `{name}` is not a variable name")))?;
        let info = variables.iter().find(|v| v.name == base).ok_or_else(|| {
            let writable: Vec<&str> = variables.iter().filter(|v| v.writable()).map(|v| v.name).collect();
            fail(format!("--set {s}: {} has no variable `{base}` (parameters and states: {})", neuron.name(), writable.join(", ")))
        })?;
        if !info.writable() {
            return Err(fail(format!("--set {s}: `{base}` is {}, not a parameter or state", if info.kind == VariableKind::Internal { "an internal" } else { "a recordable inline" })));
        }
        let v = quantity_in(value, info.unit).map_err(|e| fail(format!("--set {s}: `{base}`: {e}")))?;
        parsed.push((name, info.kind, v, s));
    }
    for kind in [VariableKind::Parameter, VariableKind::State] {
        if kind == VariableKind::State && parsed.iter().any(|p| p.1 == VariableKind::Parameter) {
            neuron.reset_state();
        }
        for (name, _, v, s) in parsed.iter().filter(|p| p.1 == kind) {
            DynNeuron::set(neuron, name, *v).map_err(|e| fail(format!("--set {s}: {e}")))?;
        }
    }
    Ok(())
}

/// Schedules `--current`, `--spikes` and `--poisson` on the driver.
fn schedule_inputs(driver: &mut Driver, program: &Program, args: &RunArgs, n_steps: i64) -> Result<(), Failure> {
    let ports = program.ports();
    if !args.current.is_empty() {
        let port = ports.iter().find(|p| p.kind == PortKind::Continuous).ok_or_else(|| fail(format!("{} has no continuous input port for --current; set a constant current as a parameter instead (e.g. --set I_e=500pA)", program.name())))?;
        let currents: Vec<Current> = args.current.iter().map(|c| stimulus::parse_current(c, port.unit)).collect::<Result<_, _>>().map_err(fail)?;
        stimulus::schedule_currents(driver, &currents);
    }
    if args.spikes.is_none() && args.poisson.is_empty() {
        return Ok(());
    }
    let port = stimulus::spike_port(ports, args.port.as_deref()).map_err(|e| fail(format!("{}: {e}", program.name())))?;
    let (receptor, sign) = stimulus::receptor_of(program.receptors(), port).ok_or_else(|| fail(format!("no receptor feeds the port `{}`", ports[port].name)))?;
    if let Some(times) = &args.spikes {
        let weight = stimulus::weight_value(&args.weight).map_err(|e| fail(format!("--weight: {e}")))?;
        for t in stimulus::parse_times(times).map_err(fail)? {
            driver.spike_by_ms(t, receptor, sign * weight);
        }
    }
    let h = driver.resolution().h();
    for (i, p) in args.poisson.iter().enumerate() {
        let (rate, weight) = stimulus::parse_poisson(p).map_err(fail)?;
        let mut rng = NestmlRng::with_stream(args.seed, 1 + i as u64);
        stimulus::schedule_poisson(driver, &mut rng, rate, sign * weight, receptor, n_steps, h);
    }
    Ok(())
}

/// The variables to record: those asked for (each must exist), or `V_m`, or the first state.
fn recorded(program: &Program, asked: &[String]) -> Result<Vec<String>, Failure> {
    let variables = program.variables();
    if asked.is_empty() {
        let default = variables.iter().find(|v| v.name == "V_m").or_else(|| variables.iter().find(|v| v.kind == VariableKind::State && !v.vector));
        return Ok(default.map(|v| v.name.to_string()).into_iter().collect());
    }
    let mut out = Vec::new();
    for name in asked.iter().map(|n| n.trim().replace('\'', "__d")).filter(|n| !n.is_empty()) {
        let known = nestml_runtime::neuron::split_index(&name).is_some_and(|(base, _)| variables.iter().any(|v| v.name == base));
        if !known {
            let names: Vec<&str> = variables.iter().map(|v| v.name).collect();
            return Err(fail(format!("--record: {} has no variable `{name}` (it has {})", program.name(), names.join(", "))));
        }
        out.push(name);
    }
    Ok(out)
}

fn unit_of(program: &Program, name: &str) -> Option<&'static str> {
    let base = nestml_runtime::neuron::split_index(name).map_or(name, |(b, _)| b);
    program.variables().iter().find(|v| v.name == base).and_then(|v| v.unit)
}

/// Runs `n_steps`, with a progress bar on stderr if it is a terminal (in up to 50 parts;
/// the runs continue one another, so the result is that of one run).
fn run_with_progress(driver: &mut Driver, neuron: &mut Interpreted, n_steps: i64) -> Result<Recording, Failure> {
    let show = std::io::stderr().is_terminal() && n_steps >= 100_000;
    let parts = if show { 50 } else { 1 };
    let mut total: Option<Recording> = None;
    let mut done = 0;
    for part in 1..=parts {
        let upto = n_steps * part / parts;
        let rec = driver.run_dyn(neuron, (upto - done) as usize).map_err(|e| run_failure(&e))?;
        done = upto;
        match &mut total {
            None => total = Some(rec),
            Some(t) => {
                t.times.extend(rec.times);
                t.spikes.extend(rec.spikes);
                for (c, more) in t.columns.iter_mut().zip(rec.columns) {
                    c.extend(more);
                }
            }
        }
        if show {
            let filled = part as usize * 40 / parts as usize;
            eprint!("\r[{}{}] {:>3}%", "=".repeat(filled), " ".repeat(40 - filled), part * 100 / parts);
            if part == parts {
                eprintln!();
            }
        }
    }
    Ok(total.unwrap_or_default())
}

fn run_failure(e: &RunError) -> Failure {
    match e {
        RunError::Fault(i) => fail(format!("the simulation stopped at t = {} ms: {}", i.fault.t, i.fault)),
        other => fail(other),
    }
}

/// The summary and the spike times on stdout.
fn report(outcome: &Outcome, duration: f64) {
    let spikes = &outcome.recording.spikes;
    let mut out = std::io::stdout().lock();
    let rate = spikes.len() as f64 / (duration / 1000.0);
    let _ = writeln!(out, "{}: {} spikes in {duration} ms ({rate:.3} Hz)", outcome.model, spikes.len());
    let times: Vec<String> = spikes.iter().map(|&t| time_text(t)).collect();
    let _ = writeln!(out, "spike times (ms): {}", times.join(" "));
}

/// A time in ms as text: times are multiples of the step, so rounding to 1e-9 ms drops the
/// binary noise of `k * h` (59.300000000000004).
fn time_text(t: f64) -> String {
    format!("{}", (t * 1e9).round() / 1e9)
}

fn write_csv(path: &Path, outcome: &Outcome) -> Result<(), Failure> {
    let rec = &outcome.recording;
    let mut text = String::from("t_ms");
    for (name, unit) in rec.names.iter().zip(&outcome.units) {
        text.push(',');
        text.push_str(&match unit {
            Some(u) => format!("{name}_{u}").replace('/', "_per_"),
            None => name.clone(),
        });
    }
    text.push('\n');
    for (k, t) in rec.times.iter().enumerate() {
        text.push_str(&time_text(*t));
        for c in &rec.columns {
            text.push(',');
            text.push_str(&c[k].to_string());
        }
        text.push('\n');
    }
    std::fs::write(path, text).map_err(|e| fail(format!("cannot write {}: {e}", path.display())))
}

/// One panel per recorded variable, the spikes marked on each.
pub fn figure(outcome: &Outcome) -> plot::Figure {
    let rec = &outcome.recording;
    let panels = rec
        .names
        .iter()
        .zip(&rec.columns)
        .zip(&outcome.units)
        .map(|((name, column), unit)| plot::Panel {
            y_label: unit.map_or(name.clone(), |u| format!("{name} ({u})")),
            lines: vec![plot::Line { points: rec.times.iter().copied().zip(column.iter().copied()).collect(), label: None }],
            marks: rec.spikes.clone(),
        })
        .collect();
    plot::Figure { title: format!("{} ({} spikes)", outcome.model, rec.spikes.len()), x_label: "t (ms)".into(), panels }
}
