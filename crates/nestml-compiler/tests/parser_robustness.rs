//! The front-end never panics and never hangs, whatever the input: random bytes, random
//! NESTML-ish token soup, and library models with random edits. A mutated model that has errors
//! reports at least one of them at a position inside the file.
//!
//! Bounded for CI: each property runs a fixed number of cases (see `config`), overridable with
//! `PROPTEST_CASES`; `PROPTEST_RNG_SEED` replays a run. A watchdog aborts with the offending
//! input if one case takes longer than `STUCK_AFTER`.

mod common;

use std::collections::BTreeMap;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use nestml_compiler::diagnostics::{render, RenderStyle, SourceMap};
use nestml_compiler::{check_source, migrate_source, Checked};
use proptest::prelude::*;
use proptest::sample::Index;

/// Cases per property when `PROPTEST_CASES` is not set; sized so this file runs in well under
/// a minute with the test profile on a 2-core machine.
/// Measured with the test profile: about 2.6 ms per random-bytes case (hundreds of E0001
/// diagnostics, each rendered), 0.2-0.3 ms per token or mutation case; about 12 s in all, twice
/// that since every case is also migrated (`migrate_source`: read as NESTML 2-8, printed, re-read).
const BYTES_CASES: u32 = 2048;
const TOKENS_CASES: u32 = 4096;
const MUTATION_CASES: u32 = 16384;

/// A single case taking longer than this is taken to be an endless loop.
const STUCK_AFTER: Duration = Duration::from_secs(30);

fn config(cases: u32) -> ProptestConfig {
    let mut config = ProptestConfig::default();
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = cases;
    }
    if std::env::var_os("PROPTEST_MAX_SHRINK_TIME").is_none() {
        config.max_shrink_time = 60_000;
    }
    config
}

/// Pieces of NESTML text: keywords, names, units, numbers, operators and layout characters.
const TOKENS: &[&str] = &[
    // keywords and block names
    "model", "neuron", "synapse", "state", "parameters", "internals", "equations", "input", "output",
    "update", "function", "return", "if", "elif", "else", "for", "while", "in", "step", "inline",
    "kernel", "recordable", "onReceive", "onCondition", "spike", "continuous", "excitatory",
    "inhibitory", "and", "or", "not", "true", "false", "inf", "integer", "real", "string", "boolean",
    "void", "convolve", "emit_spike", "integrate_odes", "resolution", "timestep", "steps", "exp",
    "delta", "e", "t",
    // the older dialects
    "end", "initial_values", "shape", "current", "deliver_spike", "/*", "*/",
    // names and units
    "V_m", "I_syn", "tau_m", "x", "y_", "g_ex$", "mV", "ms", "pA", "nS", "pF", "1/ms", "ms**-1", "Ohm",
    // numbers
    "0", "1", "42", "2.5", "1e-3", "1.5E+10", ".5", "10.", "1e", "0x1F", "999999999999999999999999",
    // operators and punctuation
    "+", "-", "*", "/", "**", "%", "=", "+=", "-=", "*=", "/=", "==", "!=", "<>", "<", "<=", ">", ">=",
    "<-", "->", "'", "''", "(", ")", "[", "]", "{", "}", ",", ";", ".", "?", "|", "&", "^", "~", "<<",
    ">>", "!", "@", "$", ":", "...",
    // layout, comments and strings
    "\n", "\n", "\n", " ", " ", " ", "    ", "        ", "\t", "\r\n", "\r", "\\", "\\\n", "#", "# c\n",
    "\"", "\"s\"", "\"\"\"", "\"\"\"doc\"\"\"", "µ", "é", "\u{0}", "\u{feff}",
];

/// One random edit of a model's text.
#[derive(Clone, Debug)]
enum Mutation {
    DeleteLine(usize),
    DuplicateLine(usize),
    SwapLines(usize, usize),
    /// Change a line's indentation by `delta` spaces (never below zero).
    Reindent(usize, i8),
    /// Replace a line's leading spaces by tabs (one tab per `width` spaces, rounded up).
    Tabify(usize, u8),
    /// Cut the text at a byte offset (moved back to a character boundary).
    Truncate(usize),
    /// Insert a token at a byte offset, optionally with spaces around it.
    InsertToken(usize, usize, bool),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let delta = prop_oneof![-8i8..=-1, 1i8..=8];
    prop_oneof![
        3 => any::<usize>().prop_map(Mutation::DeleteLine),
        2 => any::<usize>().prop_map(Mutation::DuplicateLine),
        2 => (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Mutation::SwapLines(a, b)),
        3 => (any::<usize>(), delta).prop_map(|(i, d)| Mutation::Reindent(i, d)),
        1 => (any::<usize>(), 1u8..=8).prop_map(|(i, w)| Mutation::Tabify(i, w)),
        1 => any::<usize>().prop_map(Mutation::Truncate),
        4 => (any::<usize>(), any::<usize>(), any::<bool>()).prop_map(|(at, t, sp)| Mutation::InsertToken(at, t, sp)),
    ]
}

fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn apply(text: &str, m: &Mutation) -> String {
    let mut lines: Vec<String> = text.split_inclusive('\n').map(str::to_string).collect();
    if lines.is_empty() {
        lines.push(String::new());
    }
    let n = lines.len();
    match m {
        Mutation::DeleteLine(i) => {
            lines.remove(i % n);
        }
        Mutation::DuplicateLine(i) => {
            let i = i % n;
            let mut line = lines[i].clone();
            if !line.ends_with('\n') {
                line.push('\n');
            }
            lines.insert(i, line);
        }
        Mutation::SwapLines(a, b) => {
            let (a, b) = (a % n, b % n);
            // Keep line ends in place so the last line cannot swallow its successor.
            let ends: Vec<bool> = lines.iter().map(|l| l.ends_with('\n')).collect();
            lines.swap(a, b);
            for (line, had_newline) in lines.iter_mut().zip(ends) {
                let has = line.ends_with('\n');
                if has && !had_newline {
                    line.pop();
                } else if !has && had_newline {
                    line.push('\n');
                }
            }
        }
        Mutation::Reindent(i, delta) => {
            let line = &mut lines[i % n];
            let indent = line.len() - line.trim_start_matches(' ').len();
            let new = (indent as i64 + *delta as i64).max(0) as usize;
            *line = format!("{}{}", " ".repeat(new), &line[indent..]);
        }
        Mutation::Tabify(i, width) => {
            let line = &mut lines[i % n];
            let indent = line.len() - line.trim_start_matches(' ').len();
            let tabs = indent.div_ceil(*width as usize);
            *line = format!("{}{}", "\t".repeat(tabs), &line[indent..]);
        }
        Mutation::Truncate(at) => {
            let text = lines.concat();
            let cut = floor_char_boundary(&text, at % (text.len() + 1));
            return text[..cut].to_string();
        }
        Mutation::InsertToken(at, token, spaced) => {
            let mut text = lines.concat();
            let at = floor_char_boundary(&text, at % (text.len() + 1));
            let token = TOKENS[token % TOKENS.len()];
            let piece = if *spaced { format!(" {token} ") } else { token.to_string() };
            text.insert_str(at, &piece);
            return text;
        }
    }
    lines.concat()
}

/// The library models, read once.
fn library() -> &'static [(String, String)] {
    static LIBRARY: OnceLock<Vec<(String, String)>> = OnceLock::new();
    LIBRARY.get_or_init(common::library_texts)
}

/// The input of the case in progress on each test thread, and when it started, for the watchdog.
static CURRENT: Mutex<BTreeMap<String, (Instant, String)>> = Mutex::new(BTreeMap::new());

fn current() -> std::sync::MutexGuard<'static, BTreeMap<String, (Instant, String)>> {
    CURRENT.lock().unwrap_or_else(|e| e.into_inner())
}

fn thread_key() -> String {
    format!("{:?}", std::thread::current().id())
}

/// Starts (once) a thread that aborts the process, printing the input, if a case hangs.
fn start_watchdog() {
    static STARTED: OnceLock<()> = OnceLock::new();
    STARTED.get_or_init(|| {
        std::thread::spawn(|| loop {
            std::thread::sleep(Duration::from_secs(1));
            for (started, text) in current().values() {
                if started.elapsed() > STUCK_AFTER {
                    eprintln!("check_source has been running for {:?} on this input:\n{text:?}", started.elapsed());
                    std::process::abort();
                }
            }
        });
    });
}

/// Marks the current thread's case as finished when dropped, even if the case panicked.
struct InProgress;

impl InProgress {
    fn start(text: &str) -> Self {
        start_watchdog();
        current().insert(thread_key(), (Instant::now(), text.to_string()));
        InProgress
    }
}

impl Drop for InProgress {
    fn drop(&mut self) {
        current().remove(&thread_key());
    }
}

/// Checks `text` and renders every diagnostic (as `nestml check` and the macros do); asserts
/// that every span lies in the text.
fn check(name: &str, text: &str) -> Checked {
    let _in_progress = InProgress::start(text);
    let mut sources = SourceMap::default();
    let checked = check_source(&mut sources, name, text);
    for d in &checked.diagnostics {
        assert_eq!(d.span.file, checked.file, "{d:#?}");
        assert!(d.span.start <= d.span.end && d.span.end as usize <= text.len(), "span outside the text ({} bytes): {d:#?}", text.len());
        let rendered = std::panic::catch_unwind(|| render(d, &sources, RenderStyle::Plain))
            .unwrap_or_else(|_| panic!("rendering panicked on {d:#?}\nin this text:\n{text:?}"));
        assert!(rendered.contains(d.code.as_str()), "{rendered}");
    }
    migrate(name, text);
    checked
}

/// Migrates `text` as `nestml migrate` does (read in the old dialect, printed, re-checked);
/// asserts that the old file's spans lie in it and that the printed text reads back as
/// NESTML 9 without syntax errors.
fn migrate(name: &str, text: &str) {
    let mut sources = SourceMap::default();
    let migrated = migrate_source(&mut sources, name, text);
    for d in &migrated.diagnostics {
        assert!(d.span.start <= d.span.end && d.span.end as usize <= text.len(), "span outside the text ({} bytes): {d:#?}", text.len());
        render(d, &sources, RenderStyle::Plain);
    }
    if let (Some(new_text), Some(checked)) = (&migrated.text, &migrated.checked) {
        let syntax_errors: Vec<_> = checked.diagnostics.iter().filter(|d| d.is_error() && matches!(d.code.as_str(), "E0001" | "E0002" | "E0003")).collect();
        assert!(syntax_errors.is_empty(), "the migrated text does not parse: {syntax_errors:#?}\nold:\n{text}\nnew:\n{new_text}");
    }
}

proptest! {
    #![proptest_config(config(BYTES_CASES))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..768)) {
        let text = String::from_utf8_lossy(&bytes);
        check("bytes.nestml", &text);
    }
}

proptest! {
    #![proptest_config(config(TOKENS_CASES))]

    #[test]
    fn token_soup_never_panics(tokens in proptest::collection::vec(proptest::sample::select(TOKENS), 0..256)) {
        let text = tokens.concat();
        check("tokens.nestml", &text);
    }

    #[test]
    fn indented_token_lines_never_panic(
        lines in proptest::collection::vec(
            (0usize..5, proptest::collection::vec(proptest::sample::select(TOKENS), 0..12)),
            0..40,
        )
    ) {
        // Token soup with a block structure: lines at indentation levels 0, 4, 8, ...
        let text: String = lines
            .iter()
            .map(|(level, tokens)| format!("{}{}\n", "    ".repeat(*level), tokens.join(" ")))
            .collect();
        check("lines.nestml", &text);
    }
}

proptest! {
    #![proptest_config(config(MUTATION_CASES))]

    #[test]
    fn mutated_models_never_panic_and_locate_errors(
        model in any::<Index>(),
        mutations in proptest::collection::vec(mutation(), 1..5),
    ) {
        let (name, original) = model.get(library());
        let text = mutations.iter().fold(original.clone(), |text, m| apply(&text, m));
        let checked = check(name, &text);
        if checked.has_errors() {
            let located = checked
                .diagnostics
                .iter()
                .any(|d| d.is_error() && d.span.file == checked.file && d.span.start <= d.span.end && d.span.end as usize <= text.len());
            prop_assert!(located, "no error located in the file: {:#?}", checked.diagnostics);
        }
    }
}

#[test]
fn mutations_do_what_they_say() {
    let text = "a\n  b\nc";
    assert_eq!(apply(text, &Mutation::DeleteLine(4)), "a\nc");
    assert_eq!(apply(text, &Mutation::DuplicateLine(1)), "a\n  b\n  b\nc");
    assert_eq!(apply(text, &Mutation::SwapLines(0, 2)), "c\n  b\na");
    assert_eq!(apply(text, &Mutation::Reindent(1, 3)), "a\n     b\nc");
    assert_eq!(apply(text, &Mutation::Reindent(1, -8)), "a\nb\nc");
    assert_eq!(apply(text, &Mutation::Tabify(1, 4)), "a\n\tb\nc");
    assert_eq!(apply("aµb", &Mutation::Truncate(2)), "a");
    assert_eq!(apply("ab", &Mutation::InsertToken(0, 0, true)), " model ab");
}
