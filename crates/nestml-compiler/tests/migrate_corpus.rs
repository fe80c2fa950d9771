//! The model libraries of NESTML 3.1 … 8.3.0 (every release on PyPI before 9.0.0) migrate to
//! NESTML 9 and check clean.
//!
//! The corpus is GPL model text and is not part of the repository: `tools/old_nestml_corpus.py`
//! fetches it from PyPI into `${NESTML_CACHE_DIR:-~/.cache/nestml}/old-models/<version>/`
//! (`.ci/run` calls it first). Without it the tests print a loud SKIPPED message and pass.
//! `NESTML_OLD_MODELS` may point at another copy.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use nestml_compiler::diagnostics::{FileId, SourceMap};
use nestml_compiler::syntax::{lexer, parse, Dialect};
use nestml_compiler::{check_source, migrate_source, migrate_source_with};

/// The files the migration cannot make check clean, with the error codes NESTML 9 reports and
/// why: the models themselves were inconsistent in those releases, whose checkers only warned.
const KNOWN_FAILURES: &[(&str, &str, &[&str], &str)] = &[
    ("3.1", "hill_tononi.nestml", &["E0201"], "adds a current to a conductance rate (fixed in 4.0)"),
    ("3.1", "iaf_cond_beta.nestml", &["E0401"], "convolves with state variables defined by ODEs (NESTML 3 shapes by ODE; no NESTML 9 counterpart written)"),
    ("4.0.0", "hill_tononi.nestml", &["E0204"], "inline expressions whose values have other units than declared (fixed in 6.0)"),
    ("4.0.0", "terub_stn.nestml", &["E0204"], "a conductance port declared in pA (fixed in 6.0)"),
    ("5.0.0", "neurons/hill_tononi.nestml", &["E0204"], "as 4.0"),
    ("5.0.0", "neurons/terub_stn.nestml", &["E0204"], "as 4.0"),
    ("5.1.0", "neurons/hill_tononi.nestml", &["E0204"], "as 4.0"),
    ("5.1.0", "neurons/terub_stn.nestml", &["E0204"], "as 4.0"),
    ("5.2.0", "neurons/hill_tononi.nestml", &["E0204"], "as 4.0"),
    ("5.2.0", "neurons/terub_stn.nestml", &["E0204"], "as 4.0"),
    ("5.3.0", "neurons/hill_tononi.nestml", &["E0204"], "as 4.0"),
    ("5.3.0", "neurons/terub_stn.nestml", &["E0204"], "as 4.0"),
];

/// The corpus folder, if `tools/old_nestml_corpus.py` has filled it.
fn corpus() -> Option<PathBuf> {
    let dir = match std::env::var_os("NESTML_OLD_MODELS") {
        Some(d) => PathBuf::from(d),
        None => {
            let cache = std::env::var_os("NESTML_CACHE_DIR").map(PathBuf::from).or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/nestml")))?;
            cache.join("old-models")
        }
    };
    let complete = std::fs::read_dir(&dir).ok()?.filter_map(Result::ok).any(|e| e.path().join(".complete").is_file());
    complete.then_some(dir)
}

fn skipped() {
    eprintln!("\n*** SKIPPED: the old NESTML model corpus is absent; run `python3 tools/old_nestml_corpus.py` (fetches NESTML 3.1-8.3.0 from PyPI) ***\n");
}

/// (version, path below the version folder, text) of every corpus file, by version then path.
fn corpus_files(dir: &std::path::Path) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for file in common::nestml_files(dir) {
        let rel = file.strip_prefix(dir).expect("below the corpus").to_string_lossy().replace('\\', "/");
        let (version, path) = rel.split_once('/').expect("<version>/<path>");
        let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        out.push((version.to_string(), path.to_string(), text));
    }
    out.sort_by_key(|(v, p, _)| (v.split('.').map(|n| n.parse::<u32>().unwrap_or(0)).collect::<Vec<_>>(), p.clone()));
    out
}

/// Every file migrates (reads without syntax errors, prints); the printed text is NESTML 9
/// (no old spelling left, migrating it again changes nothing) and checks without errors, but
/// for the known failures, which fail with exactly their codes. Prints the table per release.
#[test]
fn every_old_model_migrates_and_checks_clean() {
    let Some(dir) = corpus() else { return skipped() };
    let files = corpus_files(&dir);
    assert!(files.len() >= 500, "the corpus has {} files; expected the 559 of 16 releases", files.len());
    let mut table: BTreeMap<Vec<u32>, (String, usize, usize, usize)> = BTreeMap::new();
    let mut problems = Vec::new();
    let mut known_seen = BTreeSet::new();
    for (version, path, text) in &files {
        let name = format!("{version}/{path}");
        let key = version.split('.').map(|n| n.parse().unwrap_or(0)).collect();
        let row = table.entry(key).or_insert_with(|| (version.clone(), 0, 0, 0));
        row.1 += 1;
        let mut sources = SourceMap::default();
        let release = version.split('.').next().and_then(|m| m.parse().ok()).expect("a release number");
        let migrated = migrate_source_with(&mut sources, &name, text, Dialect::Release(release));
        let (Some(new_text), Some(checked)) = (&migrated.text, &migrated.checked) else {
            problems.push(format!("{name}: does not read: {:?}", migrated.diagnostics.iter().filter(|d| d.is_error()).map(|d| &d.message).collect::<Vec<_>>()));
            continue;
        };
        row.2 += 1;
        let legacy_header = text.lines().any(|l| l.starts_with("neuron ") || l.starts_with("synapse "));
        if legacy_header && !migrated.changed {
            problems.push(format!("{name}: a NESTML ≤ 7 file left unchanged"));
        }
        // the result is NESTML 9: read by default, no old spelling, and a fixed point
        let mut again = SourceMap::default();
        let second = migrate_source(&mut again, &name, new_text);
        if second.changed {
            let left: Vec<_> = second.diagnostics.iter().filter(|d| d.code.is_dialect()).map(|d| format!("{}: {}", d.code, d.message)).collect();
            problems.push(format!("{name}: the migrated text still has old spellings: {left:?}"));
        }
        let errors: BTreeSet<&str> = checked.diagnostics.iter().filter(|d| d.is_error()).map(|d| d.code.as_str()).collect();
        let known = KNOWN_FAILURES.iter().find(|(v, p, _, _)| v == version && p == path);
        match known {
            Some((_, _, codes, _)) => {
                known_seen.insert(name.clone());
                let expected: BTreeSet<&str> = codes.iter().copied().collect();
                if errors != expected {
                    problems.push(format!("{name}: a known failure with {expected:?} now has {errors:?}; update KNOWN_FAILURES"));
                }
            }
            None if errors.is_empty() => row.3 += 1,
            None => {
                let first: Vec<_> = checked.diagnostics.iter().filter(|d| d.is_error()).take(3).map(|d| format!("{}: {}", d.code, d.message)).collect();
                problems.push(format!("{name}: the migrated model has errors: {first:?}"));
            }
        }
    }
    eprintln!("release  files  migrated  check clean");
    for (version, n, migrated, clean) in table.values() {
        eprintln!("{version:<8} {n:>5}  {migrated:>8}  {clean:>11}");
    }
    let total: (usize, usize, usize) = table.values().fold((0, 0, 0), |a, r| (a.0 + r.1, a.1 + r.2, a.2 + r.3));
    eprintln!("all      {:>5}  {:>8}  {:>11}  ({} known failures)", total.0, total.1, total.2, known_seen.len());
    for (v, p, _, _) in KNOWN_FAILURES {
        if !known_seen.contains(&format!("{v}/{p}")) {
            problems.push(format!("{v}/{p}: listed in KNOWN_FAILURES but not in the corpus"));
        }
    }
    assert!(problems.is_empty(), "{} problems:\n{}", problems.len(), problems.join("\n"));
}

/// Every comment of an old file — `#` lines, trailing comments, docstring lines — is in the
/// migrated text.
#[test]
fn migration_keeps_every_comment() {
    let Some(dir) = corpus() else { return skipped() };
    let mut lost = Vec::new();
    let mut count = 0usize;
    for (version, path, text) in corpus_files(&dir) {
        let mut sources = SourceMap::default();
        let migrated = migrate_source(&mut sources, &path, &text);
        let Some(new_text) = migrated.text.filter(|_| migrated.changed) else { continue };
        let new_comments: BTreeSet<String> = lexer::lex(&new_text, FileId(0)).comments.into_iter().map(|c| c.text.trim().to_string()).collect();
        for c in lexer::lex_legacy(&text, FileId(0)).comments {
            let t = c.text.trim().to_string();
            if t.is_empty() {
                continue;
            }
            count += 1;
            if !new_comments.contains(&t) {
                lost.push(format!("{version}/{path}:{}: #{}", c.line, c.text));
            }
        }
    }
    eprintln!("{count} comment lines checked");
    assert!(lost.is_empty(), "{} comments lost, e.g.:\n{}", lost.len(), lost.iter().take(20).cloned().collect::<Vec<_>>().join("\n"));
}

/// The migration of NESTML 8 files (read as old only when asked): a NESTML 8 file is not read
/// as old by default, so its units standing alone stay errors for `nestml check`.
#[test]
fn nestml_8_files_are_old_only_when_asked() {
    let Some(dir) = corpus() else { return skipped() };
    let mut n = 0;
    for (version, path, text) in corpus_files(&dir).into_iter().filter(|(v, _, _)| v.starts_with("8.")) {
        let parsed = parse(&text, FileId(0));
        assert!(parsed.diagnostics.iter().all(|d| !d.code.is_dialect()), "{version}/{path}: read as old by default");
        let mut sources = SourceMap::default();
        let by_default = check_source(&mut sources, &path, &text);
        let migrated = migrate_source(&mut sources, &path, &text);
        if migrated.changed {
            n += 1;
            assert!(by_default.has_errors(), "{version}/{path}: has old spellings but checks clean as NESTML 9");
        }
    }
    assert!(n > 100, "expected most NESTML 8 files to have old spellings, found {n}");
}

/// PyNESTML 9.0.0's verdicts on the migrated corpus (`tests/fixtures/migrate/
/// pynestml_verdicts.json`, made by `tools/pynestml_check_migrated.py`, which migrates without
/// `--from`): our checker gives the verdict recorded for each file, and PyNESTML agrees with it
/// on every file PyNESTML has checked (files not checked yet are `pending`).
#[test]
fn pynestml_agrees_on_the_migrated_corpus() {
    let path = common::workspace_root().join("tests/fixtures/migrate/pynestml_verdicts.json");
    let fixture: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).expect("the fixture")).expect("JSON");
    let entries = fixture.as_object().expect("an object of files");
    assert_eq!(entries.len(), 559, "one entry per corpus file");
    let checked = entries.values().filter(|e| e.get("pending").is_none()).count();
    assert!(checked >= 300, "only {checked} files have PyNESTML's verdict");
    let Some(dir) = corpus() else { return skipped() };
    let mut problems = Vec::new();
    let (mut agree, mut accepted) = (0, 0);
    for (version, path, text) in corpus_files(&dir) {
        let name = format!("{version}/{path}");
        let entry = entries.get(&name).unwrap_or_else(|| panic!("{name} is not in the fixture"));
        let migrated = migrate_source(&mut SourceMap::default(), &name, &text);
        let ours = migrated.checked.as_ref().is_some_and(|c| !c.has_errors());
        if entry["nestml_accepted"].as_bool() != Some(ours) {
            problems.push(format!("{name}: we now say {ours}, the fixture recorded {}", entry["nestml_accepted"]));
        }
        let Some(theirs) = entry.get("accepted").and_then(serde_json::Value::as_bool) else { continue };
        accepted += usize::from(theirs);
        if theirs == ours {
            agree += 1;
        } else {
            problems.push(format!("{name}: PyNESTML 9.0.0 {} it, we {}", if theirs { "accepts" } else { "rejects" }, if ours { "accept" } else { "reject" }));
        }
    }
    eprintln!("PyNESTML 9.0.0 checked {checked} migrated files, accepted {accepted}; nestml agrees on {agree}");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
