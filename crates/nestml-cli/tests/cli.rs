//! Runs the built `nestml` binary on small files and on the model library.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

const CLEAN: &str = "\
model clean_neuron:
    state:
        V_m mV = -70 mV

    equations:
        V_m' = -(V_m - E_L) / tau_m

    parameters:
        E_L mV = -70 mV
        tau_m ms = 10 ms

    update:
        integrate_odes()
";

/// `state` without its colon: a syntax error at line 2, column 10.
const MISSING_COLON: &str = "\
model broken_neuron:
    state
        V_m mV = -70 mV

    update:
        V_m = -65 mV
";

/// The `n += 1` line dedents to column 10, between the `if` body (12) and the `update` body (8):
/// an inconsistent dedent (W0005), and nothing else wrong.
const INCONSISTENT_DEDENT: &str = "\
model dedent_neuron:
    state:
        V_m mV = -70 mV
        n integer = 0

    update:
        if V_m > -50 mV:
            V_m = -70 mV
          n += 1
";

/// A neuron in the NESTML 3 dialect (written for these tests): a docstring, `neuron … end`,
/// `initial_values`, `shape`, `function` declarations, a spike port with a unit, `<- current`,
/// `output: spike`, a state variable without a value, a unit standing alone.
const OLD_NEURON: &str = "\
\"\"\"
leaky_old - a leaky integrator written in the NESTML 3 dialect
\"\"\"
neuron leaky_old:
  state:
    r integer   # refractory steps left
  end

  initial_values:
    V_rel mV = 0 mV
    function V_m mV = V_rel + E_L   # absolute potential
  end

  equations:
    shape syn = exp(-t / tau_syn)
    function I_syn pA = convolve(syn, spikes)
    V_rel' = -V_rel / tau_m + (I_syn + I_ext) / C_m
  end

  parameters:
    C_m pF = 100 pF
    tau_m ms = 10 ms
    tau_syn ms = 1 ms
    E_L mV = -65 mV
    function V_th mV = -50 mV - E_L   # threshold, relative
    t_ref ms = 2 ms
  end

  internals:
    ref_steps integer = steps(t_ref)
  end

  input:
    spikes pA <- spike
    I_ext pA <- current
  end

  output: spike

  update:
    if r == 0:
      integrate_odes()
    else:
      r -= 1
    end
    if V_rel / mV >= V_th / mV:
      r = ref_steps
      V_rel = 0 mV
      emit_spike()
    end
  end
end
";

/// [`OLD_NEURON`] as `nestml migrate` writes it.
const OLD_NEURON_MIGRATED: &str = "\
#
# leaky_old - a leaky integrator written in the NESTML 3 dialect
#
model leaky_old:
    state:
        r integer = 0  # refractory steps left
        V_rel mV = 0 mV
    equations:
        recordable inline V_m mV = V_rel + E_L  # absolute potential
        kernel syn = exp(-t / tau_syn)
        inline I_syn pA = (convolve(syn, spikes) * 1 pA)
        V_rel' = -V_rel / tau_m + (I_syn + I_ext) / C_m
    parameters:
        C_m pF = 100 pF
        tau_m ms = 10 ms
        tau_syn ms = 1 ms
        E_L mV = -65 mV
        t_ref ms = 2 ms
    internals:
        V_th mV = -50 mV - E_L  # threshold, relative
        ref_steps integer = steps(t_ref)
    input:
        spikes <- spike
        I_ext pA <- continuous
    output:
        spike
    update:
        if r == 0:
            integrate_odes()
        else:
            r -= 1
        if V_rel / (1 mV) >= V_th / (1 mV):
            r = ref_steps
            V_rel = 0 mV
            emit_spike()
";

/// A synapse in the NESTML 5-7 dialect: `synapse NAME:`, `deliver_spike(w, d)`, ODEs integrated
/// without `integrate_odes()`, no output block.
const OLD_SYNAPSE: &str = "\
synapse trace_old:
    state:
        w real = 1 @nest::weight
        tr real = 0
    parameters:
        d ms = 1 ms @nest::delay
        tau ms = 20 ms
    equations:
        tr' = -tr / tau
    input:
        pre <- spike
        post <- spike
    onReceive(post):
        w += tr
    onReceive(pre):
        tr += 1
        deliver_spike(w, d)
";

/// NESTML 8: `model` headers, but units standing alone.
const UNITS_ALONE: &str = "\
model ratio_neuron:
    state:
        x real = 0
    parameters:
        tau ms = 5 ms
    equations:
        x' = (1 - x) / (tau / ms) / ms
    update:
        integrate_odes()
";

/// A fresh folder for one test, under cargo's temporary directory for integration tests.
fn temp_dir(name: &str) -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("cli-{name}-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn nestml(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_nestml"))
        .args(args)
        .current_dir(cwd)
        .env_remove("NO_COLOR")
        .output()
        .expect("run nestml")
}

fn stderr(out: &Output) -> String {
    String::from_utf8(out.stderr.clone()).unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", stdout(out)))
}

#[test]
fn clean_file_exits_zero() {
    let dir = temp_dir("clean");
    write(&dir, "clean.nestml", CLEAN);
    let out = nestml(&["check", "clean.nestml"], &dir);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("checked 1 file: 0 errors, 0 warnings"), "{err}");
    assert!(!err.contains("clean.nestml: ok"), "status lines need --verbose:\n{err}");
    assert!(stdout(&out).is_empty());

    let out = nestml(&["check", "--verbose", "clean.nestml"], &dir);
    assert!(stderr(&out).contains("clean.nestml: ok"), "{}", stderr(&out));
}

#[test]
fn syntax_error_is_rendered_rustc_style() {
    let dir = temp_dir("syntax");
    write(&dir, "broken.nestml", MISSING_COLON);
    let out = nestml(&["check", "broken.nestml"], &dir);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("error[E0003]"), "{err}");
    assert!(err.contains("--> broken.nestml:2:10"), "{err}");
    assert!(err.lines().any(|l| l.trim_start().starts_with('|') && l.contains('^')), "no caret line:\n{err}");
    assert!(err.contains("checked 1 file: 1 error, 0 warnings"), "{err}");
    assert!(!err.contains("\x1b["), "output to a pipe must not be coloured:\n{err}");
}

#[test]
fn caret_lines_up_after_tab_indentation() {
    let dir = temp_dir("tabs");
    write(&dir, "tabs.nestml", "model tab_neuron:\n\tstate:\n\t\tV_m mV = -70 mV )\n");
    let out = nestml(&["check", "tabs.nestml"], &dir);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("--> tabs.nestml:3:19"), "{err}");
    let lines: Vec<&str> = err.lines().collect();
    let source = lines.iter().position(|l| l.contains("V_m mV = -70 mV )")).expect("source line");
    let paren = lines[source].find(')').unwrap();
    let caret = lines[source + 1].find('^').expect("caret line");
    assert_eq!(caret, paren, "caret not under `)`:\n{err}");
}

#[test]
fn color_always_styles_the_output() {
    let dir = temp_dir("color");
    write(&dir, "broken.nestml", MISSING_COLON);
    let out = nestml(&["check", "--color", "always", "broken.nestml"], &dir);
    assert!(stderr(&out).contains("\x1b["), "{}", stderr(&out));
}

#[test]
fn json_output_has_positions() {
    let dir = temp_dir("json");
    write(&dir, "broken.nestml", MISSING_COLON);
    write(&dir, "clean.nestml", CLEAN);
    let out = nestml(&["check", "--format", "json", "clean.nestml", "broken.nestml"], &dir);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = json(&out);
    assert_eq!(report["errors"], 1);
    assert_eq!(report["warnings"], 0);
    let files = report["files"].as_array().unwrap();
    assert_eq!(files.len(), 2);
    assert_eq!(files[0]["path"], "clean.nestml");
    assert_eq!(files[0]["diagnostics"], serde_json::json!([]));
    assert_eq!(files[1]["path"], "broken.nestml");
    let d = &files[1]["diagnostics"][0];
    assert_eq!(d["severity"], "error");
    assert_eq!(d["code"], "E0003");
    assert_eq!((d["line"].as_u64(), d["column"].as_u64()), (Some(2), Some(10)), "{d}");
    assert!(d["end_line"].as_u64().unwrap() >= 2, "{d}");
    assert!(d["message"].as_str().is_some_and(|m| !m.is_empty()), "{d}");
    assert!(d["help"].is_null() || d["help"].is_string(), "{d}");
    assert!(d["notes"].is_array(), "{d}");
    let keys: Vec<&str> = d.as_object().unwrap().keys().map(String::as_str).collect();
    let mut expected = vec!["severity", "code", "message", "line", "column", "end_line", "end_column", "help", "notes"];
    expected.sort();
    let mut keys = keys;
    keys.sort();
    assert_eq!(keys, expected);
    // Human output goes to stderr, so stdout is only the JSON document.
    assert!(!stderr(&out).contains("error[E0003]"), "{}", stderr(&out));
}

#[test]
fn missing_path_exits_two() {
    let dir = temp_dir("missing");
    write(&dir, "clean.nestml", CLEAN);
    let out = nestml(&["check", "clean.nestml", "no-such-file.nestml"], &dir);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("error: cannot read no-such-file.nestml: "), "{err}");

    let out = nestml(&["check", "--format", "json", "no-such-file.nestml"], &dir);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(json(&out)["files"], serde_json::json!([]));
}

#[test]
fn usage_errors_exit_two() {
    let dir = temp_dir("usage");
    assert_eq!(nestml(&["check"], &dir).status.code(), Some(2));
    assert_eq!(nestml(&["check", "--format", "xml", "x.nestml"], &dir).status.code(), Some(2));
    assert_eq!(nestml(&["frobnicate"], &dir).status.code(), Some(2));
}

#[test]
fn warnings_fail_only_with_deny_warnings() {
    let dir = temp_dir("warnings");
    write(&dir, "dedent.nestml", INCONSISTENT_DEDENT);
    let out = nestml(&["check", "dedent.nestml"], &dir);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("warning[W0005]"), "{err}");
    assert!(err.contains("--> dedent.nestml:9:1"), "{err}");
    assert!(err.contains("checked 1 file: 0 errors, 1 warning"), "{err}");

    let out = nestml(&["check", "--deny-warnings", "dedent.nestml"], &dir);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));

    let out = nestml(&["check", "--deny-warnings", "--format", "json", "dedent.nestml"], &dir);
    assert_eq!(out.status.code(), Some(1));
    let report = json(&out);
    assert_eq!((report["errors"].as_u64(), report["warnings"].as_u64()), (Some(0), Some(1)));
    assert_eq!(report["files"][0]["diagnostics"][0]["code"], "W0005");
    assert_eq!(report["files"][0]["diagnostics"][0]["severity"], "warning");
}

#[test]
fn folders_are_searched_recursively_in_order() {
    let dir = temp_dir("folders");
    std::fs::create_dir_all(dir.join("models/b")).unwrap();
    write(&dir, "models/b/z.nestml", CLEAN);
    write(&dir, "models/a.nestml", CLEAN);
    write(&dir, "models/b/readme.txt", "not a model");
    let out = nestml(&["check", "--format", "json", "models"], &dir);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let paths: Vec<String> =
        json(&out)["files"].as_array().unwrap().iter().map(|f| f["path"].as_str().unwrap().replace('\\', "/")).collect();
    assert_eq!(paths, ["models/a.nestml", "models/b/z.nestml"]);
}

#[test]
fn model_library_checks_clean() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let library = root.join("../shared/nestml-models");
    assert!(library.is_dir(), "the model library is expected at {}", library.display());
    let out = nestml(&["check", "../shared/nestml-models"], &root);
    let err = stderr(&out);
    // On failure show the errors and their positions, not the library's many warnings.
    let lines: Vec<&str> = err.lines().collect();
    let errors: Vec<String> = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| l.starts_with("error"))
        .map(|(i, l)| format!("{l}\n{}", lines.get(i + 1).unwrap_or(&"")))
        .collect();
    assert_eq!(out.status.code(), Some(0), "{}\n{}", errors.join("\n"), lines.last().unwrap_or(&""));
    let summary = err.lines().last().unwrap_or_default();
    let files: usize = summary
        .strip_prefix("checked ")
        .and_then(|s| s.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no summary line: {summary}"));
    assert!(files >= 43, "expected the 43 library and tutorial models: {summary}");
    assert!(summary.contains(" files: 0 errors"), "{summary}");
}

/// A random number drawn for a parameter: legal NESTML, rejected when generating for NEST.
const RANDOM_PARAMETER: &str = "\
model random_neuron:
    parameters:
        V_th mV = -55 mV + random_normal(0 mV, 1 mV)
";

#[test]
fn nest_target_adds_the_code_generator_checks() {
    let dir = temp_dir("target");
    write(&dir, "random.nestml", RANDOM_PARAMETER);
    let out = nestml(&["check", "random.nestml"], &dir);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = nestml(&["check", "--target", "nest", "--format", "json", "random.nestml"], &dir);
    assert_eq!(out.status.code(), Some(1));
    let report = json(&out);
    let d = &report["files"][0]["diagnostics"][0];
    assert_eq!((d["code"].as_str(), d["line"].as_u64(), d["column"].as_u64()), (Some("E0409"), Some(3), Some(28)), "{report}");
}

#[test]
fn analyze_reports_the_plan_as_json() {
    let dir = temp_dir("analyze");
    write(&dir, "clean.nestml", CLEAN);
    let out = nestml(&["analyze", "--json", "--dt", "0.25", "clean.nestml"], &dir);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let plans = json(&out);
    let plan = &plans[0];
    assert_eq!(plan["model"], "clean_neuron");
    assert_eq!(plan["analytic"], serde_json::json!(["V_m"]));
    let p = plan["propagator"]["p"][0][0].as_f64().unwrap();
    assert!((p - (-0.25f64 / 10.0).exp()).abs() < 1e-15, "{p}");
    // V_m relaxes towards E_L = -70 mV: q = E_L (1 - P)
    let q = plan["propagator"]["q"][0].as_f64().unwrap();
    assert!((q - (-70.0) * (1.0 - p)).abs() < 1e-12, "{q}");

    let out = nestml(&["analyze", "--solver", "numeric", "clean.nestml"], &dir);
    let text = stdout(&out);
    assert!(text.contains("numeric (1): V_m") && text.contains("solver: rk45"), "{text}");
    assert!(plan["rush_larsen"].is_null());

    // the Rush–Larsen solver's rows: V_m is affine in itself, rate -1/tau_m
    let out = nestml(&["analyze", "--solver", "numeric", "--numeric-solver", "rush-larsen", "clean.nestml"], &dir);
    let text = stdout(&out);
    assert!(text.contains("rush-larsen: exponential (1), explicit (0)") && text.contains("exponential V_m: rate ∂f/∂V_m = -1/tau_m"), "{text}");
    let out = nestml(&["analyze", "--json", "--solver", "numeric", "--numeric-solver", "rush-larsen", "clean.nestml"], &dir);
    let rows = &json(&out)[0]["rush_larsen"];
    assert_eq!(rows["exponential"][0]["state"], "V_m", "{rows}");
    assert_eq!(rows["explicit"], serde_json::json!({}), "{rows}");

    write(&dir, "broken.nestml", MISSING_COLON);
    let out = nestml(&["analyze", "broken.nestml"], &dir);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("error[E0003]"), "{}", stderr(&out));
}

#[test]
fn generate_prints_the_macro_expansion() {
    let dir = temp_dir("generate");
    let file = write(&dir, "clean.nestml", CLEAN);
    let out = nestml(&["generate", file.to_str().unwrap()], &dir);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let src = stdout(&out);
    assert!(src.contains("pub struct CleanNeuron {"), "{src}");
    assert!(src.contains("impl ::nestml::Neuron for CleanNeuron {"), "{src}");
    assert!(!src.contains("uom shadow"));

    let out = nestml(&["generate", "--uom-check", "-o", "suffix=_x", "clean.nestml"], &dir);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("pub struct CleanNeuronX {") && stdout(&out).contains("fn __uom_check_clean_neuron_x()"));

    let out = nestml(&["generate", "-o", "float=f32", "clean.nestml"], &dir);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("__h: f32,"), "{}", stdout(&out));
    let out = nestml(&["generate", "-o", "float=f16", "clean.nestml"], &dir);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("expected \"f64\" or \"f32\""), "{}", stderr(&out));

    let out = nestml(&["generate", "-o", "numeric_solver=euler", "clean.nestml"], &dir);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("expected one of \"rk45\""), "{}", stderr(&out));

    let broken = write(&dir, "broken.nestml", MISSING_COLON);
    let out = nestml(&["generate", broken.to_str().unwrap()], &dir);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("broken.nestml:2:10"), "{}", stderr(&out));
    assert!(stdout(&out).is_empty());
}

/// The library's iaf_psc_exp_neuron, relative to this crate.
const IAF_PSC_EXP: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/nestml-models/neurons/iaf_psc_exp_neuron.nestml");

mod generated {
    nestml::include_nestml!("../../../shared/nestml-models/neurons/iaf_psc_exp_neuron.nestml");
}

/// The spike count and times `nestml run` prints.
fn printed_spikes(out: &Output) -> (usize, Vec<f64>) {
    let text = stdout(out);
    let count = text.lines().next().and_then(|l| l.split(": ").nth(1)).and_then(|l| l.split(' ').next()).and_then(|n| n.parse().ok()).unwrap_or_else(|| panic!("no spike count in:\n{text}"));
    let times = text.lines().find_map(|l| l.strip_prefix("spike times (ms):")).unwrap_or_else(|| panic!("no spike times in:\n{text}"));
    (count, times.split_whitespace().map(|t| t.parse().unwrap()).collect())
}

#[test]
fn run_prints_the_spike_times_of_the_generated_code() {
    use nestml::{Driver, Resolution};
    let mut n = generated::IafPscExpNeuron::default();
    let mut d = Driver::new(Resolution::from_ms(0.1).unwrap(), 1);
    d.current(0, 0, 500.0);
    let expected = d.run(&mut n, 10_000).unwrap().spikes;
    assert!(expected.len() > 10);

    let dir = temp_dir("run");
    let out = nestml(&["run", IAF_PSC_EXP, "--current", "500pA", "--duration", "1s"], &dir);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let (count, times) = printed_spikes(&out);
    assert_eq!(count, expected.len(), "{}", stdout(&out));
    assert_eq!(times.len(), expected.len());
    assert!(times.iter().zip(&expected).all(|(a, b)| (a - b).abs() < 1e-9), "{times:?} vs {expected:?}");

    // a parameter with units: 0.02 s is 20 ms, and a slower membrane fires less
    let slow = nestml(&["run", IAF_PSC_EXP, "--current", "500pA", "--set", "tau_m=0.02s"], &dir);
    let slow_ms = nestml(&["run", IAF_PSC_EXP, "--current", "500pA", "--set", "tau_m=20ms"], &dir);
    assert_eq!(stdout(&slow), stdout(&slow_ms));
    assert_ne!(printed_spikes(&slow).0, count);
}

#[test]
fn run_takes_spikes_steps_and_poisson_input() {
    let dir = temp_dir("run-inputs");
    // one strong spike alone fires the neuron once (arriving at 10 ms, visible from 10.1 ms on)
    let out = nestml(&["run", IAF_PSC_EXP, "--spikes", "10ms", "--weight", "5nA", "--record", "V_m,I_syn_exc", "--csv", "v.csv", "-t", "50ms"], &dir);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(printed_spikes(&out).0, 1, "{}", stdout(&out));
    let csv = std::fs::read_to_string(dir.join("v.csv")).unwrap();
    let rows: Vec<&str> = csv.lines().collect();
    assert_eq!(rows[0], "t_ms,V_m_mV,I_syn_exc_pA");
    assert_eq!(rows.len(), 501);
    assert!(rows[100].ends_with(",5000"), "{}", rows[100]);
    // the inhibitory port takes the weight with its sign flipped, so it arrives as given
    let out = nestml(&["run", IAF_PSC_EXP, "--spikes", "10", "--weight", "100pA", "--port", "inh_spikes", "--record", "I_syn_inh", "--csv", "i.csv", "-t", "20ms"], &dir);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(std::fs::read_to_string(dir.join("i.csv")).unwrap().lines().nth(100).unwrap().ends_with(",100"));
    // a current step fires only while it is on
    let out = nestml(&["run", IAF_PSC_EXP, "--current", "1nA@100ms..200ms", "-t", "300ms"], &dir);
    let (_, times) = printed_spikes(&out);
    assert!(!times.is_empty() && times.iter().all(|&t| t > 100.0 && t < 210.0), "{times:?}");
    // Poisson input: seeded, so repeatable; another seed gives other times
    let poisson = |seed: &str| stdout(&nestml(&["run", IAF_PSC_EXP, "--poisson", "8000Hz:87.8pA", "--seed", seed, "-t", "500ms"], &dir));
    assert_eq!(poisson("1"), poisson("1"));
    assert_ne!(poisson("1"), poisson("2"));
}

#[test]
fn run_plots_svg_and_png() {
    let dir = temp_dir("run-plot");
    for file in ["v.svg", "v.png"] {
        let out = nestml(&["run", IAF_PSC_EXP, "--current", "500pA", "--record", "V_m,I_syn_exc", "--plot", file, "-t", "200ms"], &dir);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let bytes = std::fs::read(dir.join(file)).unwrap();
        assert!(bytes.len() > 1000, "{file}: {} bytes", bytes.len());
        if file.ends_with(".svg") {
            let svg = String::from_utf8(bytes).unwrap();
            assert!(svg.starts_with("<svg") && svg.contains("<polyline") && svg.contains("V_m (mV)"), "{svg}");
        } else {
            assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
        }
    }
}

#[test]
fn run_refuses_bad_input_with_status_two() {
    let dir = temp_dir("run-bad");
    write(&dir, "broken.nestml", MISSING_COLON);
    let synapse = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/nestml-models/synapses/stdp_synapse.nestml");
    let cases: [(&[&str], &str); 12] = [
        (&["run", IAF_PSC_EXP, "--duration", "1e30ms"], "a run takes 1 to"),
        (&["run", IAF_PSC_EXP, "--duration=-5ms"], "must be positive"),
        (&["run", IAF_PSC_EXP, "--set", "tau_x=1ms"], "has no variable `tau_x`"),
        (&["run", IAF_PSC_EXP, "--set", "tau_m=20mV"], "a quantity in ms"),
        (&["run", IAF_PSC_EXP, "--set", "tau_m"], "expected NAME=VALUE"),
        (&["run", IAF_PSC_EXP, "--record", "V_x"], "has no variable `V_x`"),
        (&["run", IAF_PSC_EXP, "--current", "500mV"], "a quantity in pA"),
        (&["run", IAF_PSC_EXP, "--spikes", "10ms", "--port", "nope"], "no spike input port `nope`"),
        (&["run", IAF_PSC_EXP, "--plot", "v.pdf"], ".svg or .png"),
        (&["run", "missing.nestml"], "cannot read missing.nestml"),
        (&["run", "broken.nestml"], "error[E0003]"),
        (&["run", synapse], "no neuron model"),
    ];
    for (args, message) in cases {
        let out = nestml(args, &dir);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(message), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
}

#[test]
fn doc_writes_a_page_with_its_plots() {
    let dir = temp_dir("doc");
    let out = nestml(&["doc", IAF_PSC_EXP, "-o", "pages", "--format", "html"], &dir);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out).trim(), "pages/iaf_psc_exp_neuron.html");
    let html = std::fs::read_to_string(dir.join("pages/iaf_psc_exp_neuron.html")).unwrap();
    for needle in ["<h2>Parameters</h2>", "<code>tau_m</code></td><td>ms</td><td>10</td>", "\\frac{dV_{\\mathrm{m}}}{dt}", "Propagated exactly", "<code>exc_spikes</code></td><td>spike (excitatory)"] {
        assert!(html.contains(needle), "{needle} not in the page:\n{html}");
    }
    for image in ["psp", "step", "fi"] {
        let svg = std::fs::read_to_string(dir.join(format!("pages/iaf_psc_exp_neuron_{image}.svg"))).unwrap();
        assert!(html.contains(&format!("src=\"iaf_psc_exp_neuron_{image}.svg\"")) && svg.contains("<polyline"), "{image}");
    }
    let out = nestml(&["doc", "missing.nestml"], &dir);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("cannot read missing.nestml"), "{}", stderr(&out));
}

#[test]
fn check_reads_old_dialects_with_warnings_naming_the_nestml_9_spelling() {
    let dir = temp_dir("old-check");
    write(&dir, "old.nestml", OLD_NEURON);
    write(&dir, "syn.nestml", OLD_SYNAPSE);
    let out = nestml(&["check", "--color", "never", "old.nestml", "syn.nestml"], &dir);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    for code in ["W0301", "W0302", "W0303", "W0304", "W0305", "W0306", "W0307", "W0309", "W0310", "W0311", "W0312", "W0314"] {
        assert!(err.contains(&format!("warning[{code}]")), "{code} missing:\n{err}");
    }
    assert!(err.contains("help: NESTML 9 writes `kernel`"), "{err}");
    assert!(err.contains("help: NESTML 9 writes `emit_spike(w)`"), "{err}");
    assert!(err.contains("0 errors"), "{err}");
}

#[test]
fn nestml_8_files_are_read_as_old_only_when_asked() {
    let dir = temp_dir("old-8");
    write(&dir, "units.nestml", UNITS_ALONE);
    let out = nestml(&["check", "--color", "never", "units.nestml"], &dir);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("error[E0209]") && err.contains("`nestml migrate` rewrites such a file"), "{err}");
    let out = nestml(&["check", "--color", "never", "--legacy", "units.nestml"], &dir);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("warning[W0311]") && err.contains("help: NESTML 9 writes the quantity `1 ms`"), "{err}");
}

#[test]
fn migrate_rewrites_old_files_as_nestml_9_and_keeps_comments() {
    let dir = temp_dir("migrate");
    let neuron = write(&dir, "old.nestml", OLD_NEURON);
    let synapse = write(&dir, "syn.nestml", OLD_SYNAPSE);
    let units = write(&dir, "units.nestml", UNITS_ALONE);
    let out = nestml(&["migrate", "--color", "never", "."], &dir);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("migrated 3 of 3 files"), "{err}");
    assert_eq!(std::fs::read_to_string(&neuron).unwrap(), OLD_NEURON_MIGRATED);
    let syn = std::fs::read_to_string(&synapse).unwrap();
    assert!(syn.starts_with("model trace_old:\n"), "{syn}");
    assert!(syn.contains("    output:\n        spike\n") && syn.contains("        emit_spike(w)\n") && syn.ends_with("    update:\n        integrate_odes()\n"), "{syn}");
    assert!(std::fs::read_to_string(&units).unwrap().contains("x' = (1 - x) / (tau / (1 ms)) / (1 ms)"));
    // the result is NESTML 9: it checks (the only warning is the model's own `steps()`), and a
    // second migration changes nothing
    let out = nestml(&["check", "--color", "never", "."], &dir);
    assert!(stderr(&out).contains("checked 3 files: 0 errors, 2 warnings"), "{}", stderr(&out));
    let out = nestml(&["migrate", "--check", "."], &dir);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("would migrate 0 of 3 files"), "{}", stderr(&out));
}

#[test]
fn migrate_check_reports_without_writing() {
    let dir = temp_dir("migrate-check");
    let neuron = write(&dir, "old.nestml", OLD_NEURON);
    write(&dir, "clean.nestml", CLEAN);
    let out = nestml(&["migrate", "--check", "--verbose", "--color", "never", "."], &dir);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("old.nestml: would be migrated (14 old spellings)"), "{err}");
    assert!(err.contains("clean.nestml: already NESTML 9") && err.contains("would migrate 1 of 2 files"), "{err}");
    assert!(err.contains("warning[W0304]"), "--verbose shows the old spellings:\n{err}");
    assert_eq!(std::fs::read_to_string(&neuron).unwrap(), OLD_NEURON);
}

#[test]
fn migrate_leaves_nestml_9_files_alone_and_exits_two_on_bad_input() {
    let dir = temp_dir("migrate-bad");
    let clean = write(&dir, "clean.nestml", CLEAN);
    let broken = write(&dir, "broken.nestml", MISSING_COLON);
    let out = nestml(&["migrate", "--color", "never", "clean.nestml", "broken.nestml", "missing.nestml"], &dir);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("error: cannot read missing.nestml") && err.contains("broken.nestml: not migrated"), "{err}");
    assert!(err.contains("migrated 0 of 2 files, 2 not read or not parsed"), "{err}");
    assert_eq!(std::fs::read_to_string(&clean).unwrap(), CLEAN);
    assert_eq!(std::fs::read_to_string(&broken).unwrap(), MISSING_COLON);
}
