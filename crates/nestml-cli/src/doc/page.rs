//! The content of a documentation page and its Markdown and HTML forms.

use std::sync::Arc;

use nestml_compiler::analysis::{analyse, nestml_name, AnalysisOptions, SolverMode};
use nestml_compiler::codegen::emits;
use nestml_compiler::ir::{KernelDef, ModelIr};
use nestml_interp::{Interpreted, Program};
use nestml_ode::latex::{latex_with, symbol};
use nestml_ode::Expr;
use nestml_runtime::{DynNeuron, PortKind, VariableKind};

/// A row of a variable table.
pub struct Row {
    pub name: String,
    pub unit: String,
    /// The value in NEST units.
    pub value: String,
    /// The declared expression, where it is not a number.
    pub declared: String,
    pub description: String,
}

/// Everything on a model's page.
pub struct Page {
    pub name: String,
    /// The model's documentation comment.
    pub doc: Vec<String>,
    pub parameters: Vec<Row>,
    pub states: Vec<Row>,
    pub internals: Vec<Row>,
    /// Display equations (LaTeX) with a label: ODEs, inline expressions, kernels.
    pub equations: Vec<(String, String)>,
    /// How the ODEs are integrated, as sentences.
    pub plan: Vec<String>,
    /// Input ports (name, kind) and the output.
    pub ports: Vec<(String, String)>,
    pub output: Option<String>,
    /// Figures: caption and file name (beside the page).
    pub figures: Vec<(String, String)>,
    /// Remarks on the simulations.
    pub notes: Vec<String>,
}

impl Page {
    /// The page of `program` at its defaults (figures are added by the caller).
    pub fn new(program: &Arc<Program>) -> Page {
        let ir = program.ir();
        let neuron = Interpreted::new(program.clone());
        let (mut parameters, mut states, mut internals) = (Vec::new(), Vec::new(), Vec::new());
        for (i, info) in program.variables().iter().enumerate() {
            let declared = ir.variables.iter().find(|v| v.name == info.name);
            let value = match info.vector {
                true => {
                    let n = DynNeuron::vector_len(&neuron, i);
                    let values: Vec<String> = (0..n).filter_map(|e| DynNeuron::get_value(&neuron, i, e)).map(number).collect();
                    format!("[{}]", values.join(", "))
                }
                false => DynNeuron::get_value(&neuron, i, 0).map(number).unwrap_or_default(),
            };
            let row = Row {
                name: declared.map_or_else(|| nestml_name(info.name), |v| v.nestml_name.clone()),
                unit: info.unit.unwrap_or("").to_string(),
                declared: declared.and_then(|v| v.default.as_ref()).filter(|e| !matches!(e, Expr::Num(_))).map(|e| format!("{e}")).unwrap_or_default(),
                description: declared.map(|v| v.doc.join(" ").trim().to_string()).unwrap_or_default(),
                value,
            };
            match info.kind {
                VariableKind::Parameter => parameters.push(row),
                VariableKind::State => states.push(row),
                VariableKind::Internal => internals.push(row),
                VariableKind::Recordable => {}
            }
        }
        Page {
            name: program.name().to_string(),
            doc: ir.doc.clone(),
            parameters,
            states,
            internals,
            equations: equations(ir),
            plan: plan(program),
            ports: ports(program, ir),
            output: emits(ir, &|_| true).then(|| "spike".to_string()),
            figures: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// The page as Markdown (equations as `$$…$$`).
    pub fn markdown(&self) -> String {
        let mut s = format!("# {}\n\n", self.name);
        if !self.doc.is_empty() {
            s += "```text\n";
            for l in &self.doc {
                s += l.strip_prefix(' ').unwrap_or(l);
                s += "\n";
            }
            s += "```\n\n";
        }
        for (title, rows, value) in [("Parameters", &self.parameters, "default"), ("State variables", &self.states, "initial value"), ("Internals", &self.internals, "value at the defaults")] {
            if rows.is_empty() {
                continue;
            }
            s += &format!("## {title}\n\n| name | unit | {value} | declared as | description |\n|---|---|---|---|---|\n");
            for r in rows.iter() {
                s += &format!("| `{}` | {} | {} | {} | {} |\n", r.name, cell(&r.unit), r.value, code_cell(&r.declared), cell(&r.description));
            }
            s += "\n";
        }
        if !self.equations.is_empty() {
            s += "## Equations\n\nIn NEST's units (ms, mV, pA, nS, pF, GOhm).\n\n";
            for (label, eq) in &self.equations {
                s += &format!("{label}\n\n$$\n{eq}\n$$\n\n");
            }
        }
        s += "## Integration\n\n";
        for p in &self.plan {
            s += &format!("- {p}\n");
        }
        s += "\n## Input and output\n\n| port | kind |\n|---|---|\n";
        for (name, kind) in &self.ports {
            s += &format!("| `{name}` | {kind} |\n");
        }
        if let Some(o) = &self.output {
            s += &format!("| output | {o} |\n");
        }
        if !self.figures.is_empty() || !self.notes.is_empty() {
            s += "\n## Responses\n\n";
            for (caption, file) in &self.figures {
                s += &format!("![{caption}]({file})\n\n{caption}\n\n");
            }
            for n in &self.notes {
                s += &format!("{n}\n\n");
            }
        }
        s
    }

    /// The page as one HTML file (equations in LaTeX inside `\[…\]`, readable as they are
    /// and typeset by MathJax or KaTeX if the reader adds one).
    pub fn html(&self) -> String {
        let mut s = format!(
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{0}</title>\n<style>body {{ font-family: sans-serif; max-width: 64em; margin: 2em auto; }} table {{ border-collapse: collapse; }} td, th {{ border: 1px solid #ccc; padding: 0.2em 0.5em; text-align: left; }} .math {{ font-family: monospace; background: #f6f6f6; padding: 0.5em; overflow-x: auto; }} img {{ max-width: 100%; }}</style>\n</head>\n<body>\n<h1>{0}</h1>\n",
            esc(&self.name)
        );
        if !self.doc.is_empty() {
            s += &format!("<pre>{}</pre>\n", esc(&self.doc.join("\n")));
        }
        for (title, rows, value) in [("Parameters", &self.parameters, "default"), ("State variables", &self.states, "initial value"), ("Internals", &self.internals, "value at the defaults")] {
            if rows.is_empty() {
                continue;
            }
            s += &format!("<h2>{title}</h2>\n<table>\n<tr><th>name</th><th>unit</th><th>{value}</th><th>declared as</th><th>description</th></tr>\n");
            for r in rows.iter() {
                s += &format!("<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td></tr>\n", esc(&r.name), esc(&r.unit), esc(&r.value), esc(&r.declared), esc(&r.description));
            }
            s += "</table>\n";
        }
        if !self.equations.is_empty() {
            s += "<h2>Equations</h2>\n<p>In NEST's units (ms, mV, pA, nS, pF, GOhm).</p>\n";
            for (label, eq) in &self.equations {
                s += &format!("<p>{}</p>\n<div class=\"math\">\\[ {} \\]</div>\n", esc(&label.replace('`', "")), esc(eq));
            }
        }
        s += "<h2>Integration</h2>\n<ul>\n";
        for p in &self.plan {
            s += &format!("<li>{}</li>\n", esc(&p.replace('`', "")));
        }
        s += "</ul>\n<h2>Input and output</h2>\n<table>\n<tr><th>port</th><th>kind</th></tr>\n";
        for (name, kind) in &self.ports {
            s += &format!("<tr><td><code>{}</code></td><td>{}</td></tr>\n", esc(name), esc(kind));
        }
        if let Some(o) = &self.output {
            s += &format!("<tr><td>output</td><td>{}</td></tr>\n", esc(o));
        }
        s += "</table>\n";
        if !self.figures.is_empty() || !self.notes.is_empty() {
            s += "<h2>Responses</h2>\n";
            for (caption, file) in &self.figures {
                s += &format!("<figure><img src=\"{}\" alt=\"{1}\"><figcaption>{1}</figcaption></figure>\n", esc(file), esc(caption));
            }
            for n in &self.notes {
                s += &format!("<p>{}</p>\n", esc(n));
            }
        }
        s += "</body>\n</html>\n";
        s
    }
}

/// A value as text (integers without a fraction).
fn number(v: f64) -> String {
    format!("{v}")
}

/// Text for a Markdown table cell.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

fn code_cell(s: &str) -> String {
    if s.is_empty() {
        String::new()
    } else {
        format!("`{}`", s.replace('|', "\\|").replace('`', "'"))
    }
}

/// HTML-escaped text.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The LaTeX of a symbol in the model's equations: convolutions as `(k ∗ s)`, delayed values
/// as `x(t - d)`.
fn name_of(ir: &ModelIr) -> impl Fn(&str) -> String + '_ {
    move |s: &str| {
        if let Some((kernel, port)) = s.split_once("__X__") {
            return format!("\\left({} \\ast {}\\right)", symbol(kernel), symbol(port));
        }
        if let Some(d) = ir.delayed.iter().find(|d| d.symbol == s) {
            return format!("{}\\left(t - {}\\right)", symbol(&d.state), latex_with(&d.delay, &symbol));
        }
        if s == nestml_compiler::ir::STEP {
            return "h".into();
        }
        symbol(s)
    }
}

/// The ODEs, inline expressions and kernels as display equations.
fn equations(ir: &ModelIr) -> Vec<(String, String)> {
    let name = name_of(ir);
    let mut out = Vec::new();
    let derivative = |n: &str, order: usize| match order {
        1 => format!("\\frac{{d{}}}{{dt}}", symbol(n)),
        k => format!("\\frac{{d^{{{k}}}{}}}{{dt^{{{k}}}}}", symbol(n)),
    };
    for ode in &ir.odes {
        out.push((format!("ODE of `{}`:", ode.name), format!("{} = {}", derivative(&ode.name, ode.order), latex_with(&ode.rhs, &name))));
    }
    for inline in &ir.inlines {
        out.push((format!("inline `{}`:", inline.name), format!("{} = {}", symbol(&inline.name), latex_with(&inline.rhs, &name))));
    }
    for k in &ir.kernels {
        match &k.def {
            KernelDef::Function(e) => out.push((format!("kernel `{}`:", k.name), format!("{}(t) = {}", symbol(&k.name), latex_with(e, &name)))),
            KernelDef::Delta(e) => out.push((format!("kernel `{}`:", k.name), format!("{}(t) = {}", symbol(&k.name), latex_with(e, &name)))),
            KernelDef::Odes(odes) => {
                for (n, order, rhs) in odes {
                    out.push((format!("kernel `{}`:", k.name), format!("{} = {}", derivative(n, *order), latex_with(rhs, &name))));
                }
            }
        }
    }
    out
}

/// Which states are propagated exactly, which numerically and by which solver.
fn plan(program: &Program) -> Vec<String> {
    let ir = program.ir();
    let options = program.options();
    let solver = options.numeric_solver.name();
    let plan = analyse(ir, &AnalysisOptions { solver: options.solver, ..AnalysisOptions::default() });
    let list = |xs: &[String]| xs.iter().map(|x| format!("`{x}`")).collect::<Vec<_>>().join(", ");
    let mut out = Vec::new();
    if plan.states.is_empty() {
        out.push("No ODEs: the state changes only in the model's blocks.".into());
    }
    if !plan.analytic.is_empty() {
        out.push(format!("Propagated exactly (x(t+h) = P x(t) + q, P = exp(A h) at the parameters and step): {}.", list(&plan.analytic)));
    }
    if !plan.numeric.is_empty() {
        let reasons: Vec<String> = plan.numeric_reasons.iter().map(|(s, why)| format!("`{s}`: {why}")).collect();
        out.push(format!("Integrated numerically by `{solver}`{}: {}.", if options.solver == SolverMode::Numeric { " (all states, option `solver = \"numeric\"`)" } else { "" }, list(&plan.numeric)));
        if !reasons.is_empty() {
            out.push(format!("Not linear with constant coefficients: {}.", reasons.join("; ")));
        }
        if let Some(choice) = &plan.solver {
            out.push(format!("The stiffness test recommends `{}`: {}.", choice.solver, choice.reason.trim_end_matches('.')));
        }
    }
    for j in &plan.spike_jumps {
        out.push(format!("Each spike into `{}`: `{}` += `{}`.", j.port, j.state, j.jump));
    }
    out
}

/// The input ports and their kinds.
fn ports(program: &Program, ir: &ModelIr) -> Vec<(String, String)> {
    program
        .ports()
        .iter()
        .map(|p| {
            let kind = match p.kind {
                PortKind::Spike => {
                    let i = ir.spike_ports.iter().position(|s| s == p.name);
                    match i.map(|i| ir.spike_qualifiers[i]) {
                        Some((true, false)) => "spike (excitatory)".to_string(),
                        Some((false, true)) => "spike (inhibitory)".to_string(),
                        _ => "spike".to_string(),
                    }
                }
                PortKind::Continuous => format!("continuous{}", p.unit.map(|u| format!(" ({u})")).unwrap_or_default()),
            };
            (p.name.to_string(), kind)
        })
        .collect()
}
