//! The simulated responses on a model's documentation page, run by the interpreter: the
//! postsynaptic potential of one spike of weight 1 per spike port, the response to a current
//! step, and the firing rate over a range of currents (f–I curve).

use std::sync::Arc;

use nestml_interp::{Interpreted, Program};
use nestml_runtime::{DynNeuron, Driver, PortKind, Recording, Resolution, VariableKind};

use crate::plot::{Figure, Line, Panel};
use crate::stimulus::receptor_of;

/// The step of every experiment (ms).
const H: f64 = 0.1;

/// How current reaches the model: its first continuous port, or the parameter `I_e`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum CurrentInput {
    /// The first continuous input port, with its unit.
    Port(Option<&'static str>),
    /// The parameter `I_e` (pA).
    Parameter,
}

impl CurrentInput {
    /// How current reaches `program`'s neurons, if it can.
    pub fn of(program: &Program) -> Option<CurrentInput> {
        if let Some(p) = program.ports().iter().find(|p| p.kind == PortKind::Continuous) {
            return Some(CurrentInput::Port(p.unit));
        }
        program.variables().iter().any(|v| v.name == "I_e" && v.kind == VariableKind::Parameter).then_some(CurrentInput::Parameter)
    }

    /// The unit of its values.
    pub fn unit(self) -> Option<&'static str> {
        match self {
            CurrentInput::Port(u) => u,
            CurrentInput::Parameter => Some("pA"),
        }
    }
}

/// The variable the experiments watch: `V_m`, or the first scalar state variable.
pub fn observed(program: &Program) -> Option<(&'static str, Option<&'static str>)> {
    let vars = program.variables();
    vars.iter().find(|v| v.name == "V_m").or_else(|| vars.iter().find(|v| v.kind == VariableKind::State && !v.vector)).map(|v| (v.name, v.unit))
}

/// A fresh neuron and driver recording `var`.
fn setup(program: &Arc<Program>, var: &str) -> (Interpreted, Driver) {
    let mut driver = Driver::new(Resolution::from_ms(H).expect("0.1 ms is a resolution"), 1);
    driver.record(&[var]);
    (Interpreted::new(program.clone()), driver)
}

/// Runs `steps` steps with `current` (from step `from` on, if it has one).
fn run(neuron: &mut Interpreted, driver: &mut Driver, input: Option<CurrentInput>, current: f64, from: i64, steps: usize) -> Result<Recording, String> {
    match input {
        Some(CurrentInput::Port(_)) => {
            driver.current(from, 0, current);
        }
        Some(CurrentInput::Parameter) => DynNeuron::set(neuron, "I_e", current).map_err(|e| e.to_string())?,
        None => {}
    }
    driver.run_dyn(neuron, steps).map_err(|e| e.to_string())
}

/// The PSP figure: per spike port, the observed variable after one spike of weight 1 at
/// 10 ms minus its course without the spike, over 100 ms.
pub fn psp(program: &Arc<Program>) -> Result<Option<Figure>, String> {
    let Some((var, unit)) = observed(program) else { return Ok(None) };
    let mut panels = Vec::new();
    for (port, info) in program.ports().iter().enumerate().filter(|(_, p)| p.kind == PortKind::Spike) {
        let Some((receptor, sign)) = receptor_of(program.receptors(), port) else { continue };
        let (mut quiet, mut d0) = setup(program, var);
        let base = run(&mut quiet, &mut d0, None, 0.0, 0, 1000)?;
        let (mut hit, mut d1) = setup(program, var);
        d1.spike_by_ms(10.0, receptor, sign);
        let with = run(&mut hit, &mut d1, None, 0.0, 0, 1000)?;
        let points = with.times.iter().zip(with.columns[0].iter().zip(&base.columns[0])).map(|(&t, (a, b))| (t, a - b)).collect();
        panels.push(Panel { y_label: format!("Δ{var}{}", unit_suffix(unit)), lines: vec![Line { points, label: Some(format!("one spike into `{}`", info.name)) }], marks: Vec::new() });
    }
    Ok((!panels.is_empty()).then(|| Figure { title: format!("{}: one spike of weight 1 at 10 ms", program.name()), x_label: "t (ms)".into(), panels }))
}

/// The smallest current of 10, 20, 40, … (in the input's unit, up to 10⁶) with a spike in
/// 200 ms, if any.
pub fn firing_current(program: &Arc<Program>, input: CurrentInput) -> Result<Option<f64>, String> {
    let var = observed(program).map_or("", |v| v.0);
    let mut i = 10.0;
    while i <= 1e6 {
        let (mut n, mut d) = setup(program, var);
        if let Ok(rec) = run(&mut n, &mut d, Some(input), i, 0, 2000) {
            if !rec.spikes.is_empty() {
                return Ok(Some(i));
            }
        }
        i *= 2.0;
    }
    Ok(None)
}

/// The step response: `amplitude` from 50 to 250 ms of 300 ms, the spikes marked.
pub fn step_response(program: &Arc<Program>, input: CurrentInput, amplitude: f64) -> Result<Option<Figure>, String> {
    let Some((var, unit)) = observed(program) else { return Ok(None) };
    let (mut n, mut d) = setup(program, var);
    let mut rec = run(&mut n, &mut d, Some(input), 0.0, 0, 500)?;
    for (current, from, steps) in [(amplitude, 500, 2000), (0.0, 2500, 500)] {
        let more = run(&mut n, &mut d, Some(input), current, from, steps)?;
        rec.times.extend(more.times);
        rec.spikes.extend(more.spikes);
        rec.columns[0].extend(&more.columns[0]);
    }
    let points = rec.times.iter().copied().zip(rec.columns[0].iter().copied()).collect();
    let title = format!("{}: a current step of {amplitude} {} from 50 to 250 ms ({} spikes)", program.name(), input.unit().unwrap_or(""), rec.spikes.len());
    Ok(Some(Figure { title, x_label: "t (ms)".into(), panels: vec![Panel { y_label: format!("{var}{}", unit_suffix(unit)), lines: vec![Line { points, label: None }], marks: rec.spikes }] }))
}

/// The f–I curve: the firing rate over 500 ms at 11 currents from 0 to `top`.
pub fn fi_curve(program: &Arc<Program>, input: CurrentInput, top: f64) -> Result<Figure, String> {
    let var = observed(program).map_or("", |v| v.0);
    let mut points = Vec::new();
    for k in 0..=10 {
        let current = top * k as f64 / 10.0;
        let (mut n, mut d) = setup(program, var);
        // a run that faults has no rate at this current
        if let Ok(rec) = run(&mut n, &mut d, Some(input), current, 0, 5000) {
            points.push((current, rec.spikes.len() as f64 / 0.5));
        }
    }
    let unit = input.unit().map(|u| format!(" ({u})")).unwrap_or_default();
    Ok(Figure {
        title: format!("{}: firing rate over 500 ms", program.name()),
        x_label: format!("current{unit}"),
        panels: vec![Panel { y_label: "rate (spikes/s)".into(), lines: vec![Line { points, label: None }], marks: Vec::new() }],
    })
}

fn unit_suffix(unit: Option<&str>) -> String {
    unit.map(|u| format!(" ({u})")).unwrap_or_default()
}
