//! The TextMate grammar of `editors/vscode` against the compiler: it is the VS Code extension's
//! grammar, its regexes compile, it knows every keyword of the lexer and every predefined
//! function, and — run by a small TextMate engine (`match` rules, `include`s, captures with
//! patterns: all the grammar uses) over every library and tutorial model — it marks exactly the
//! lexer's keywords, numbers, strings and comments, byte for byte.

mod common;

use std::collections::{HashMap, HashSet};

use nestml_compiler::diagnostics::FileId;
use nestml_compiler::sema::predefined::{self, BUILTINS};
use nestml_compiler::syntax::lexer::lex;
use nestml_compiler::syntax::token::TokenKind;
use regex::Regex;
use serde_json::Value;

fn read(rel: &str) -> String {
    let path = common::workspace_root().join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// A scope given to the bytes `start..end` of a line.
#[derive(Debug)]
struct Tok {
    start: usize,
    end: usize,
    scope: String,
}

struct Grammar {
    json: Value,
    regexes: HashMap<String, Regex>,
}

impl Grammar {
    fn load() -> Grammar {
        let json: Value = serde_json::from_str(&read("editors/vscode/syntaxes/nestml.tmLanguage.json")).expect("the grammar is valid JSON");
        let mut sources = Vec::new();
        collect_regexes(&json, &mut sources);
        let regexes = sources.into_iter().map(|s| (s.clone(), Regex::new(&s).unwrap_or_else(|e| panic!("regex {s:?} does not compile: {e}")))).collect();
        Grammar { json, regexes }
    }

    /// The `match` rules of `patterns`, `include`s resolved, in order.
    fn rules<'a>(&'a self, patterns: &'a Value, out: &mut Vec<&'a Value>) {
        for p in patterns.as_array().expect("patterns is an array") {
            if let Some(inc) = p["include"].as_str() {
                let name = inc.strip_prefix('#').unwrap_or_else(|| panic!("unsupported include {inc}"));
                let rule = &self.json["repository"][name];
                assert!(rule.is_object(), "include of a missing rule #{name}");
                if rule["patterns"].is_array() { self.rules(&rule["patterns"], out) } else { out.push(rule) }
            } else if p["patterns"].is_array() {
                self.rules(&p["patterns"], out);
            } else {
                assert!(p["match"].is_string() && p.get("begin").is_none(), "the engine runs `match` rules only: {p}");
                out.push(p);
            }
        }
    }

    /// TextMate's scan: at each position the earliest match wins, the first rule on a tie.
    fn scan(&self, patterns: &Value, line: &str, from: usize, to: usize, out: &mut Vec<Tok>) {
        let mut rules = Vec::new();
        self.rules(patterns, &mut rules);
        let text = &line[..to];
        let mut pos = from;
        while pos < to {
            let best = rules
                .iter()
                .filter_map(|r| self.regexes[r["match"].as_str().unwrap()].captures_at(text, pos).map(|c| (r, c)))
                .min_by_key(|(_, c)| c.get(0).unwrap().start()); // min_by_key keeps the first of equals
            let Some((rule, caps)) = best else { break };
            let m = caps.get(0).unwrap();
            if let Some(name) = rule["name"].as_str() {
                out.push(Tok { start: m.start(), end: m.end(), scope: name.into() });
            }
            for (i, cap) in caps.iter().enumerate().skip(1) {
                let (Some(cap), Some(spec)) = (cap, rule["captures"].get(i.to_string())) else { continue };
                if let Some(name) = spec["name"].as_str() {
                    out.push(Tok { start: cap.start(), end: cap.end(), scope: name.into() });
                }
                if spec["patterns"].is_array() {
                    self.scan(&spec["patterns"], line, cap.start(), cap.end(), out);
                }
            }
            pos = if m.end() > pos { m.end() } else { pos + line[pos..].chars().next().map_or(1, char::len_utf8) };
        }
    }

    /// The tokens of a whole text, with byte offsets into it.
    fn tokenize(&self, text: &str) -> Vec<Tok> {
        let mut out = Vec::new();
        let mut offset = 0;
        for raw in text.split_inclusive('\n') {
            let line = raw.trim_end_matches(['\n', '\r']);
            let mut toks = Vec::new();
            self.scan(&self.json["patterns"], line, 0, line.len(), &mut toks);
            out.extend(toks.into_iter().map(|t| Tok { start: t.start + offset, end: t.end + offset, ..t }));
            offset += raw.len();
        }
        out
    }
}

fn collect_regexes(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(map) => {
            for (k, v) in map {
                match (k.as_str(), v) {
                    ("match" | "begin" | "end" | "while", Value::String(s)) => out.push(s.clone()),
                    _ => collect_regexes(v, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_regexes(v, out)),
        _ => {}
    }
}

/// Scopes the grammar gives to keywords (and only to them).
fn is_keyword_scope(scope: &str) -> bool {
    ["keyword.control.", "keyword.other.", "keyword.operator.logical.", "storage.", "constant.language."].iter().any(|p| scope.starts_with(p))
}

/// Every keyword of the lexer, read from `TokenKind::keyword`'s table and confirmed by it.
fn lexer_keywords() -> Vec<String> {
    let src = read("crates/nestml-compiler/src/syntax/token.rs");
    let table = src.split("pub fn keyword(").nth(1).and_then(|s| s.split("_ => return None").next()).expect("TokenKind::keyword's table");
    let words: Vec<String> = table.split('"').skip(1).step_by(2).map(String::from).collect();
    for w in &words {
        assert!(TokenKind::keyword(w).is_some(), "`{w}` read from token.rs is not a keyword");
    }
    assert!(words.len() >= 39, "only {} keywords read from token.rs", words.len());
    words
}

fn scopes_of<'a>(toks: &'a [Tok], start: usize, end: usize) -> Vec<&'a str> {
    toks.iter().filter(|t| t.start == start && t.end == end).map(|t| t.scope.as_str()).collect()
}

#[test]
fn grammar_is_the_vscode_extensions_and_compiles() {
    let g = Grammar::load();
    assert_eq!(g.json["scopeName"], "source.nestml");
    assert_eq!(g.json["fileTypes"], serde_json::json!(["nestml"]));
    assert!(g.regexes.len() > 30);
    let pkg: Value = serde_json::from_str(&read("editors/vscode/package.json")).expect("package.json is valid JSON");
    let lang = &pkg["contributes"]["languages"][0];
    assert_eq!(lang["id"], "nestml");
    assert_eq!(lang["extensions"], serde_json::json!([".nestml"]));
    let grammar = &pkg["contributes"]["grammars"][0];
    assert_eq!((grammar["language"].as_str(), grammar["scopeName"].as_str()), (Some("nestml"), Some("source.nestml")));
    assert_eq!(grammar["path"], "./syntaxes/nestml.tmLanguage.json");
    let config: Value = serde_json::from_str(&read("editors/vscode/language-configuration.json")).expect("language-configuration.json is valid JSON");
    assert_eq!(config["comments"]["lineComment"], "#");
    for key in ["increaseIndentPattern", "decreaseIndentPattern"] {
        Regex::new(config["indentationRules"][key].as_str().unwrap()).unwrap();
    }
    assert!(!common::workspace_root().join("editors/nestml.tmLanguage.json").exists(), "one grammar file, no copy");
}

#[test]
fn every_keyword_and_predefined_name_is_highlighted() {
    let g = Grammar::load();
    let alone = |text: &str, start: usize, end: usize| {
        let toks = g.tokenize(text);
        scopes_of(&toks, start, end).into_iter().map(String::from).collect::<Vec<_>>()
    };
    for kw in lexer_keywords().iter().map(String::as_str).chain(["@homogeneous", "@heterogeneous"]) {
        let kinds: Vec<_> = lex(kw, FileId(0)).tokens.iter().map(|t| t.kind).collect();
        assert_eq!(kinds.len(), 2, "`{kw}` is one token for the lexer");
        let scopes = alone(kw, 0, kw.len());
        assert!(scopes.iter().any(|s| is_keyword_scope(s)), "keyword `{kw}` gets {scopes:?}");
    }
    for b in BUILTINS {
        let scopes = alone(&format!("x = {}(y)", b.name), 4, 4 + b.name.len());
        assert_eq!(scopes, ["support.function.builtin.nestml"], "{}", b.name);
    }
    for v in ["t", "e", "pi"] {
        assert!(predefined::variable(v).is_some());
        assert_eq!(alone(&format!("x = 2 * {v}"), 8, 8 + v.len()), ["variable.language.nestml"]);
    }
    // a user's function is not a builtin, and a builtin's name inside an identifier is nothing
    assert_eq!(alone("x = expo(y)", 4, 8), ["entity.name.function.call.nestml"]);
    assert_eq!(alone("x = exp_(y)", 4, 8), ["entity.name.function.call.nestml"]);
}

#[test]
fn grammar_agrees_with_the_lexer_on_every_library_model() {
    let g = Grammar::load();
    let mut files = common::library_texts();
    let tutorials = common::workspace_root().join("../shared/tutorial-models");
    if tutorials.is_dir() {
        files.extend(common::nestml_files(&tutorials).into_iter().map(|p| (p.display().to_string(), std::fs::read_to_string(&p).unwrap())));
    }
    let (mut keywords, mut numbers, mut seen_on_receive, mut seen_units) = (0, 0, false, 0);
    for (name, text) in &files {
        let toks = g.tokenize(text);
        let lexed = lex(text, FileId(0));
        let has = |start: usize, end: usize, want: &dyn Fn(&str) -> bool| scopes_of(&toks, start, end).into_iter().any(want);
        let mut keyword_spans = HashSet::new();
        let number_spans: HashSet<_> = lexed.tokens.iter().filter(|l| matches!(l.kind, TokenKind::Integer | TokenKind::Float)).map(|l| (l.span.start as usize, l.span.end as usize)).collect();
        for (i, t) in lexed.tokens.iter().enumerate() {
            let (s, e) = (t.span.start as usize, t.span.end as usize);
            let word = &text[s..e];
            let at = || format!("{name} byte {s}: `{word}`");
            let is_keyword = TokenKind::keyword(word) == Some(t.kind) || matches!(t.kind, TokenKind::DecoratorHomogeneous | TokenKind::DecoratorHeterogeneous);
            if is_keyword {
                assert!(has(s, e, &is_keyword_scope), "keyword not highlighted at {}", at());
                keyword_spans.insert((s, e));
                keywords += 1;
                seen_on_receive |= t.kind == TokenKind::OnReceive && has(s, e, &|sc| sc == "keyword.other.block.nestml");
            }
            match t.kind {
                TokenKind::Integer | TokenKind::Float => {
                    assert!(has(s, e, &|sc| sc == "constant.numeric.nestml"), "number not highlighted at {}", at());
                    numbers += 1;
                }
                TokenKind::Str => assert!(has(s, e, &|sc| sc.starts_with("string.quoted.")), "string at {}", at()),
                TokenKind::Name if lexed.tokens.get(i + 1).is_some_and(|n| n.kind == TokenKind::LParen) && BUILTINS.iter().any(|b| b.name == word) => {
                    assert!(has(s, e, &|sc| sc == "support.function.builtin.nestml"), "predefined function at {}", at())
                }
                TokenKind::Name if lexed.tokens.get(i.wrapping_sub(1)).is_some_and(|p| matches!(p.kind, TokenKind::Integer | TokenKind::Float) && p.span.end as usize + 1 == s) => {
                    // `10 mV`: a unit right after a number
                    assert!(has(s, e, &|sc| sc == "support.type.unit.nestml"), "unit at {}", at());
                    seen_units += 1;
                }
                _ => {}
            }
        }
        for c in &lexed.comments {
            assert!(has(c.span.start as usize, c.span.end as usize, &|sc| sc.starts_with("comment.line.")), "comment at {name} byte {}", c.span.start);
        }
        // and nothing else: no keyword inside an identifier, comment or string, no stray number
        for t in &toks {
            if is_keyword_scope(&t.scope) {
                assert!(keyword_spans.contains(&(t.start, t.end)), "{name} byte {}: `{}` is no keyword ({})", t.start, &text[t.start..t.end], t.scope);
            }
            if t.scope == "constant.numeric.nestml" {
                assert!(number_spans.contains(&(t.start, t.end)), "{name} byte {}: `{}` is no number", t.start, &text[t.start..t.end]);
            }
        }
    }
    eprintln!("{} files, {keywords} keywords, {numbers} numbers, {seen_units} units", files.len());
    assert!(files.len() >= 43 && keywords > 1000 && numbers > 1000 && seen_units > 500, "{} files, {keywords} keywords, {numbers} numbers, {seen_units} units", files.len());
    assert!(seen_on_receive, "`onReceive` of a synapse model highlighted as a block");
}

#[test]
fn declarations_ports_and_equations_get_their_scopes() {
    let g = Grammar::load();
    let src = "    x', v[n] nS/ms = 0.5 nS/ms [[x >= 0]] @homogeneous\n    I pA <- continuous\n    V_m' = -V_m / tau + 1.5e-3 1/ms\n    function f(p ms, q (ms*mV)**-1) ms**(1/2):\n";
    let toks = g.tokenize(src);
    let scope_of = |needle: &str, nth: usize| {
        let start = src.match_indices(needle).nth(nth).unwrap_or_else(|| panic!("{needle}")).0;
        scopes_of(&toks, start, start + needle.len()).into_iter().map(String::from).collect::<Vec<_>>()
    };
    assert_eq!(scope_of("nS/ms", 0), ["meta.type.nestml"]);
    assert_eq!(scope_of("nS", 1), ["support.type.unit.nestml"]);
    assert_eq!(scope_of("ms", 1), ["support.type.unit.nestml"]);
    assert_eq!(scope_of("[[", 0), ["punctuation.section.guard.nestml"]);
    assert_eq!(scope_of("@homogeneous", 0), ["storage.modifier.decorator.nestml"]);
    assert_eq!(scope_of("pA", 0), ["meta.type.nestml", "support.type.unit.nestml"]);
    assert_eq!(scope_of("<-", 0), ["keyword.operator.port.nestml"]);
    assert_eq!(scope_of("'", 1), ["keyword.operator.derivative.nestml"]);
    assert_eq!(scope_of("1.5e-3", 0), ["constant.numeric.nestml"]);
    assert!(scope_of("1/ms", 0).is_empty()); // `1/ms` after a number: `1` a number, `ms` a unit
    assert_eq!(scope_of("ms", 2), ["support.type.unit.nestml"]);
    let f = src.find("f(p").unwrap();
    assert_eq!(scopes_of(&toks, f, f + 1), ["entity.name.function.nestml"]);
    assert_eq!(scope_of("q", 0), ["variable.parameter.nestml"]);
    assert_eq!(scope_of("(ms*mV)**-1", 0), ["meta.type.nestml"]);
    assert_eq!(scope_of("ms**(1/2)", 0), ["meta.type.nestml"]);
}
