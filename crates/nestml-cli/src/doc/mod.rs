//! `nestml doc MODEL.nestml [-o DIR] [--format md|html]`: a neuron model's documentation page —
//! its comments, parameters and state variables with units and defaults, the equations as
//! math, how they are integrated, its ports — and plots of its responses simulated by the
//! interpreter (PSP per spike port, current step, f–I curve) as SVG files beside the page.

mod experiments;
mod page;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, ValueEnum};
use nestml_compiler::codegen::OptionValue;
use nestml_interp::Program;

use crate::generate::parse_option;
use crate::model_file::{codegen_options, fail, load_neuron, Failure};
use experiments::CurrentInput;
pub use page::Page;

#[derive(Args, Debug)]
pub struct DocArgs {
    /// The model file.
    #[arg(value_name = "MODEL.nestml")]
    pub file: PathBuf,

    /// The folder for the page and its images (created if missing).
    #[arg(long = "out", short = 'o', default_value = ".", value_name = "DIR")]
    pub out: PathBuf,

    /// `md` (Markdown, equations as `$$…$$` LaTeX) or `html` (one self-contained page).
    #[arg(long, value_enum, default_value_t = Format::Md)]
    pub format: Format,

    /// The neuron model, if the file has several (default: the first neuron).
    #[arg(long, value_name = "NAME")]
    pub model: Option<String>,

    /// A code-generator option (`numeric_solver=rk4`, …); may be repeated.
    #[arg(long = "option", value_name = "KEY=VALUE", value_parser = parse_option)]
    pub options: Vec<(String, OptionValue)>,
}

/// The page's format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Markdown.
    Md,
    /// HTML.
    Html,
}

/// Runs the doc command: prints the page's path.
pub fn run(args: &DocArgs) -> ExitCode {
    let result = codegen_options(&args.options).and_then(|options| {
        let program = load_neuron(&args.file, args.model.as_deref(), &options)?;
        write_page(&program, &args.out, args.format)
    });
    match result {
        Ok(path) => {
            println!("{}", path.display());
            ExitCode::SUCCESS
        }
        Err(f) => f.exit(),
    }
}

/// Writes the page of `program` and its images into `dir`; the page's path.
pub fn write_page(program: &Arc<Program>, dir: &Path, format: Format) -> Result<PathBuf, Failure> {
    std::fs::create_dir_all(dir).map_err(|e| fail(format!("cannot create {}: {e}", dir.display())))?;
    let mut page = Page::new(program);
    let name = program.name();
    // an experiment the model faults in leaves a note instead of its figure
    let mut figure = |file: String, caption: &str, fig: Result<Option<crate::plot::Figure>, String>| -> Result<(), Failure> {
        match fig {
            Ok(Some(fig)) => {
                crate::plot::write(&dir.join(&file), &fig).map_err(fail)?;
                page.figures.push((caption.to_string(), file));
            }
            Ok(None) => {}
            Err(e) => page.notes.push(format!("No figure \"{caption}\": the simulation failed: {e}")),
        }
        Ok(())
    };
    figure(format!("{name}_psp.svg"), "Postsynaptic response: the change of the membrane potential after one spike of weight 1 into each spike port of a resting neuron (interpreted).", experiments::psp(program))?;
    let input = CurrentInput::of(program);
    let firing = match input {
        Some(input) => experiments::firing_current(program, input).map_err(fail)?,
        None => None,
    };
    if let Some(input) = input {
        let (amplitude, top) = match firing {
            Some(i) => (1.5 * i, 4.0 * i),
            None => (1e6, 1e6),
        };
        figure(format!("{name}_step.svg"), "Response to a current step (interpreted); spikes marked at the top.", experiments::step_response(program, input, amplitude))?;
        figure(format!("{name}_fi.svg"), "f–I curve: the firing rate over 500 ms under a constant current (interpreted).", experiments::fi_curve(program, input, top).map(Some))?;
    }
    match (input, firing) {
        (None, _) => page.notes.push("The model has no continuous input port and no parameter `I_e`: no current-step or f–I plot.".into()),
        (Some(_), None) => page.notes.push("No current up to 10⁶ made the model fire within 200 ms.".into()),
        _ => {}
    }
    let (text, ext) = match format {
        Format::Md => (page.markdown(), "md"),
        Format::Html => (page.html(), "html"),
    };
    let path = dir.join(format!("{name}.{ext}"));
    std::fs::write(&path, text).map_err(|e| fail(format!("cannot write {}: {e}", path.display())))?;
    Ok(path)
}

#[cfg(test)]
mod tests;
