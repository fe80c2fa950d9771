//! The parser: tokens to [`ast`](super::ast) nodes, following PyNestMLParser.g4.
//!
//! Errors never abort the parse: each is recorded as a diagnostic and the parser resumes at
//! the next line (or skips the rest of a malformed block), so one run reports several
//! independent mistakes without a cascade of follow-up errors.

use super::ast::*;
use super::dialect::{self, Dialect, LegacyNotes};
use super::lexer::{lex, lex_legacy};
use super::token::{Comment, Token, TokenKind as T};
use crate::diagnostics::{Code, Diagnostic, FileId, Span};

/// The result of parsing one file: the tree (as far as it could be built) and all problems.
#[derive(Debug)]
pub struct Parsed {
    pub unit: CompilationUnit,
    pub diagnostics: Vec<Diagnostic>,
}

/// Parses NESTML source `text` belonging to file `file` ([`Dialect::Auto`]).
pub fn parse(text: &str, file: FileId) -> Parsed {
    parse_with(text, file, Dialect::Auto)
}

/// Parses NESTML source `text` of file `file`, read in `dialect`. A file read in the old
/// dialect (see [`super::dialect`]) gives a NESTML 9 tree and a warning per old spelling.
pub fn parse_with(text: &str, file: FileId, dialect: Dialect) -> Parsed {
    let mut lexed = lex(text, file);
    let legacy = dialect != Dialect::Auto || dialect::has_old_header(&lexed.tokens, text);
    let mut end_blocks = false;
    if legacy {
        lexed = lex_legacy(text, file);
        let (tokens, end_span) = dialect::close_end_blocks(std::mem::take(&mut lexed.tokens), text);
        lexed.tokens = tokens;
        end_blocks = end_span.is_some();
        if let Some(span) = end_span {
            // the indentation of a file with `end` means nothing
            lexed.diagnostics.retain(|d| d.code != Code::W0005);
            lexed.diagnostics.push(
                Diagnostic::warning(Code::W0302, span, "blocks closed by `end` are NESTML 5 and older")
                    .with_help("NESTML 9 closes a block by indentation: indent its lines under the `:` line and drop `end` (`nestml migrate` does)"),
            );
        }
    }
    let mut line_starts = vec![0];
    line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
    let claimed = vec![false; lexed.comments.len()];
    let lexer_error_lines = lexed.diagnostics.iter().filter(|d| d.is_error()).map(|d| line_index(&line_starts, d.span.start)).collect();
    let mut p = Parser {
        text,
        file,
        tokens: lexed.tokens,
        pos: 0,
        comments: lexed.comments,
        claimed,
        line_starts,
        diagnostics: lexed.diagnostics,
        error_line: 0,
        lexer_error_lines,
        legacy,
        notes: LegacyNotes::default(),
        comment_cursor: 0,
        end_blocks,
        release: dialect.release(),
    };
    let unit = p.compilation_unit();
    Parsed { unit, diagnostics: p.diagnostics }
}

/// Parses a single expression (used by tests and tools).
pub fn parse_expression(text: &str, file: FileId) -> Result<Expr, Vec<Diagnostic>> {
    parse_fragment(text, file, |p| p.expression())
}

/// Parses a single data type such as `mV/ms` or `integer` (used by tests and tools).
pub fn parse_data_type(text: &str, file: FileId) -> Result<DataType, Vec<Diagnostic>> {
    parse_fragment(text, file, |p| p.data_type())
}

fn parse_fragment<R>(text: &str, file: FileId, f: impl FnOnce(&mut Parser) -> PResult<R>) -> Result<R, Vec<Diagnostic>> {
    let lexed = lex(text, file);
    let mut p = Parser {
        text,
        file,
        tokens: lexed.tokens,
        pos: 0,
        comments: Vec::new(),
        claimed: Vec::new(),
        line_starts: vec![0],
        diagnostics: lexed.diagnostics,
        error_line: 0,
        lexer_error_lines: Vec::new(),
        legacy: false,
        notes: LegacyNotes::default(),
        comment_cursor: 0,
        end_blocks: false,
        release: None,
    };
    let result = f(&mut p);
    if result.is_ok() && p.peek() != T::Eof && p.peek() != T::Newline {
        let _: PResult<()> = p.unexpected("end of input");
    }
    match result {
        Ok(r) if p.diagnostics.iter().all(|d| !d.is_error()) => Ok(r),
        _ => Err(p.diagnostics),
    }
}

/// The 1-based line of byte `offset`.
fn line_index(line_starts: &[usize], offset: u32) -> usize {
    line_starts.partition_point(|&s| s <= offset as usize)
}

/// A syntax error has been recorded; the caller recovers.
#[derive(Debug)]
struct Failed;

type PResult<T> = Result<T, Failed>;

// Binding powers, from loosest to tightest, as in the grammar's `expression` rule.
const TERNARY: u8 = 1;
const LOGICAL: u8 = 2;
const NOT: u8 = 3;
const COMPARISON: u8 = 4;
const BITWISE: u8 = 5;
const ADDITIVE: u8 = 6;
const MULTIPLICATIVE: u8 = 7;
const UNARY: u8 = 8;
const POWER: u8 = 9;

/// The port an old `preReceive:` block handles until `dialect::modernise` names the model's own.
pub(crate) const PRE_RECEIVE_PORT: &str = "pre_spikes";
/// The port an old `postReceive:` block handles until `dialect::modernise` names the model's own.
pub(crate) const POST_RECEIVE_PORT: &str = "post_spikes";

struct Parser<'a> {
    text: &'a str,
    file: FileId,
    tokens: Vec<Token>,
    pos: usize,
    comments: Vec<Comment>,
    claimed: Vec<bool>,
    line_starts: Vec<usize>,
    diagnostics: Vec<Diagnostic>,
    /// Line of the last reported syntax error: one report per line.
    error_line: usize,
    /// Lines with a lexical error: the parser's follow-up complaints there are not reported.
    lexer_error_lines: Vec<usize>,
    /// The file is read in the old dialect (NESTML 2–8).
    legacy: bool,
    /// What the old dialect left for [`dialect::modernise`] in the model being parsed.
    notes: LegacyNotes,
    /// In the old dialect, every comment before this index is attached.
    comment_cursor: usize,
    /// The file's blocks are closed by `end`.
    end_blocks: bool,
    /// The release the file is known to be from ([`Dialect::Release`]).
    release: Option<u32>,
}

impl Parser<'_> {
    // ----- token access -------------------------------------------------------------

    fn tok(&self) -> Token {
        self.tokens[self.pos.min(self.tokens.len() - 1)]
    }

    fn peek(&self) -> T {
        self.tok().kind
    }

    fn peek_at(&self, n: usize) -> T {
        self.tokens.get(self.pos + n).map_or(T::Eof, |t| t.kind)
    }

    fn bump(&mut self) -> Token {
        let t = self.tok();
        if self.pos < self.tokens.len() - 1 {
            self.pos += 1;
        }
        t
    }

    fn eat(&mut self, kind: T) -> Option<Token> {
        (self.peek() == kind).then(|| self.bump())
    }

    fn expect(&mut self, kind: T) -> PResult<Token> {
        match self.eat(kind) {
            Some(t) => Ok(t),
            None => self.unexpected(kind.describe()),
        }
    }

    fn text_of(&self, span: Span) -> &str {
        &self.text[span.start as usize..span.end as usize]
    }

    /// In the old dialect, whether the current token is the name `word` (an old keyword).
    fn at_old_word(&self, word: &str) -> bool {
        self.legacy && self.peek() == T::Name && self.text_of(self.tok().span) == word
    }

    /// Records a warning about an old spelling.
    fn old_spelling(&mut self, code: Code, span: Span, message: impl Into<String>, help: impl Into<String>) {
        self.diagnostics.push(Diagnostic::warning(code, span, message).with_help(help));
    }

    fn ident(&mut self) -> PResult<Ident> {
        let t = self.expect(T::Name)?;
        Ok(Ident { name: self.text_of(t.span).to_string(), span: t.span })
    }

    /// End of the previous token: where a node that just ended stops.
    fn prev_end(&self) -> u32 {
        self.tokens[..self.pos].iter().rev().find(|t| !matches!(t.kind, T::Newline | T::Indent | T::Dedent)).map_or(0, |t| t.span.end)
    }

    fn span_from(&self, start: Span) -> Span {
        Span { file: self.file, start: start.start, end: self.prev_end().max(start.start) }
    }

    fn line_of(&self, offset: u32) -> usize {
        line_index(&self.line_starts, offset)
    }

    // ----- errors and recovery ------------------------------------------------------

    fn unexpected<R>(&mut self, expected: &str) -> PResult<R> {
        let t = self.tok();
        let line = self.line_of(t.span.start);
        if line != self.error_line && !self.lexer_error_lines.contains(&line) {
            self.error_line = line;
            let found = match t.kind {
                T::Name | T::Integer | T::Float | T::Str | T::BooleanLiteral => format!("`{}`", self.text_of(t.span)),
                k if k.describe().starts_with('`') => k.describe().to_string(),
                k => k.describe().to_string(),
            };
            let mut d = Diagnostic::error(Code::E0003, t.span, format!("expected {expected}, found {found}"));
            if let Some(help) = self.hint(expected, t) {
                d = d.with_help(help);
            }
            self.diagnostics.push(d);
        }
        Err(Failed)
    }

    /// A syntax error at `span` (not at the current token).
    fn unexpected_at<R>(&mut self, span: Span, message: &str) -> PResult<R> {
        self.diagnostics.push(Diagnostic::error(Code::E0003, span, format!("expected {message}")));
        Err(Failed)
    }

    fn hint(&self, expected: &str, found: Token) -> Option<String> {
        let prev = self.pos.checked_sub(1).map(|i| self.tokens[i].kind);
        match (expected, found.kind) {
            (e, _) if e == T::Colon.describe() => Some("a block header ends with `:`".into()),
            (_, T::Indent) => Some("this line is indented more than the line before; a block is only opened after a line ending in `:`".into()),
            (_, T::Newline) if prev == Some(T::Comma) || matches!(prev, Some(T::Plus | T::Minus | T::Star | T::Slash)) => {
                Some("to continue an expression on the next line, end the line with `\\`".into())
            }
            (_, T::KernelJoining) => Some("a `,` at the end of a line joins kernel definitions; to continue a line, end it with `\\`".into()),
            (_, T::Name) if self.text_of(found.span) == "end" => Some("NESTML 9 blocks end by indentation, not with `end` (`nestml migrate` rewrites a file of NESTML 5 and older)".into()),
            _ => None,
        }
    }

    /// Skips to the start of the next line at the current block depth, skipping any block
    /// opened on the way.
    fn recover_line(&mut self) {
        let mut depth = 0usize;
        loop {
            match self.peek() {
                T::Eof => return,
                T::Indent => depth += 1,
                T::Dedent if depth == 0 => return,
                T::Dedent => {
                    depth -= 1;
                    if depth == 0 {
                        self.bump();
                        if self.peek() != T::Indent {
                            return;
                        }
                        continue;
                    }
                }
                T::Newline if depth == 0 => {
                    self.bump();
                    if self.peek() == T::Indent {
                        continue;
                    }
                    return;
                }
                _ => {}
            }
            self.bump();
        }
    }

    // ----- comments -----------------------------------------------------------------

    /// Comments for an element starting at `start`: whole-line comments directly above it and
    /// the comment at the end of its line.
    fn comments_for(&mut self, start: Span) -> Comments {
        let line = self.line_of(start.start);
        if self.legacy {
            return self.all_comments_before(line);
        }
        let mut pre = Vec::new();
        let mut want = line - 1;
        let first_after = self.comments.partition_point(|c| c.line < line);
        let mut i = first_after;
        while i > 0 {
            let c = &self.comments[i - 1];
            if c.trailing || c.line != want || self.claimed[i - 1] {
                break;
            }
            pre.push(i - 1);
            want -= 1;
            i -= 1;
        }
        pre.reverse();
        for &k in &pre {
            self.claimed[k] = true;
        }
        let mut trailing = None;
        if let Some(k) = (first_after..self.comments.len()).take_while(|&k| self.comments[k].line == line).find(|&k| self.comments[k].trailing && !self.claimed[k]) {
            self.claimed[k] = true;
            trailing = Some(self.comments[k].text.clone());
        }
        Comments { pre: pre.into_iter().map(|k| self.comments[k].text.clone()).collect(), trailing }
    }

    /// The old dialect's attachment: every comment not yet attached that lies before `line`
    /// (docstrings, comments before `end`, comments after blank lines), then the trailing
    /// comment of `line`, so that `nestml migrate` keeps every comment.
    fn all_comments_before(&mut self, line: usize) -> Comments {
        let first_after = self.comments.partition_point(|c| c.line < line);
        let mut pre = Vec::new();
        for k in self.comment_cursor..first_after {
            if !self.claimed[k] {
                self.claimed[k] = true;
                pre.push(self.comments[k].text.clone());
            }
        }
        self.comment_cursor = self.comment_cursor.max(first_after);
        let mut trailing = None;
        if let Some(k) = (first_after..self.comments.len()).take_while(|&k| self.comments[k].line == line).find(|&k| self.comments[k].trailing && !self.claimed[k]) {
            self.claimed[k] = true;
            trailing = Some(self.comments[k].text.clone());
        }
        Comments { pre, trailing }
    }

    // ----- models and blocks --------------------------------------------------------

    fn compilation_unit(&mut self) -> CompilationUnit {
        let mut models = Vec::new();
        loop {
            match self.peek() {
                T::Eof => break,
                // a block closed by error recovery leaves its DEDENT behind
                T::Newline | T::Dedent => {
                    self.bump();
                }
                T::Model => match self.model() {
                    Ok(m) => models.push(m),
                    Err(Failed) => self.recover_line(),
                },
                T::Name if self.at_old_word("neuron") || self.at_old_word("synapse") => match self.model() {
                    Ok(m) => models.push(m),
                    Err(Failed) => self.recover_line(),
                },
                _ => {
                    let _: PResult<()> = self.unexpected("`model`");
                    self.recover_line();
                    // skip stray layout tokens the recovery left behind
                    while matches!(self.peek(), T::Dedent | T::Indent) {
                        self.bump();
                    }
                }
            }
        }
        CompilationUnit { file: self.file, models }
    }

    fn model(&mut self) -> PResult<Model> {
        self.notes = LegacyNotes { end_blocks: self.end_blocks, release: self.release, ..LegacyNotes::default() };
        let kw = if self.peek() == T::Name && self.legacy {
            let kw = self.bump();
            let word = self.text_of(kw.span).to_string();
            self.notes.synapse_keyword = word == "synapse";
            self.old_spelling(Code::W0301, kw.span, format!("`{word} NAME:` is NESTML 7 and older"), "NESTML 9 declares neurons and synapses alike as `model NAME:`");
            kw
        } else {
            self.expect(T::Model)?
        };
        let comments = self.comments_for(kw.span);
        let name = self.ident()?;
        self.block_open()?;
        let mut blocks = Vec::new();
        while !matches!(self.peek(), T::Dedent | T::Eof) {
            match self.block() {
                Ok(b) => blocks.push(b),
                Err(Failed) => self.recover_line(),
            }
        }
        self.eat(T::Dedent);
        let mut model = Model { name, blocks, comments, span: self.span_from(kw.span) };
        if self.legacy {
            let notes = std::mem::take(&mut self.notes);
            dialect::modernise(&mut model, &notes, &mut self.diagnostics);
        }
        Ok(model)
    }

    /// `: NEWLINE INDENT` after a block header.
    fn block_open(&mut self) -> PResult<()> {
        self.expect(T::Colon)?;
        self.expect(T::Newline)?;
        self.expect(T::Indent)?;
        Ok(())
    }

    fn block(&mut self) -> PResult<Block> {
        let t = self.tok();
        let comments = self.comments_for(t.span);
        match t.kind {
            T::State | T::Parameters | T::Internals => self.variables_block(comments).map(Block::Variables),
            T::Name if self.at_old_word("initial_values") => {
                self.notes.nestml3 = true;
                self.old_spelling(Code::W0303, t.span, "`initial_values:` is NESTML 3 and older", "NESTML 9 declares these variables in `state:`");
                self.variables_block(comments).map(Block::Variables)
            }
            T::Equations => self.equations_block(comments).map(Block::Equations),
            T::Input => self.input_block(comments).map(Block::Input),
            T::Output => self.output_block(comments).map(Block::Output),
            T::Function => self.function(comments).map(Block::Function),
            T::OnReceive => self.on_receive(comments).map(Block::OnReceive),
            T::Name if self.at_old_word("preReceive") || self.at_old_word("postReceive") => {
                // the port is resolved by `dialect::modernise`, which sees the input block
                let kw = self.bump();
                let word = self.text_of(kw.span).to_string();
                let port = if word == "preReceive" { PRE_RECEIVE_PORT } else { POST_RECEIVE_PORT };
                self.old_spelling(Code::W0317, kw.span, format!("`{word}:` is a block of early synapse drafts"), format!("NESTML 9 writes `onReceive({port}):` for the {} spike port", if word == "preReceive" { "presynaptic" } else { "postsynaptic" }));
                self.block_open()?;
                let body = self.stmts_body()?;
                Ok(Block::OnReceive(OnReceive { keyword: kw.span, port: Ident { name: port.into(), span: kw.span }, parameters: Vec::new(), body, comments, span: self.span_from(kw.span) }))
            }
            T::OnCondition => self.on_condition(comments).map(Block::OnCondition),
            T::Update => {
                let kw = self.bump();
                self.block_open()?;
                let body = self.stmts_body()?;
                Ok(Block::Update(UpdateBlock { keyword: kw.span, body, comments, span: self.span_from(kw.span) }))
            }
            _ => self.unexpected("a block (`parameters`, `state`, `internals`, `equations`, `input`, `output`, `function`, `onReceive`, `onCondition` or `update`)"),
        }
    }

    fn variables_block(&mut self, comments: Comments) -> PResult<VariablesBlock> {
        let kw = self.bump();
        let kind = match kw.kind {
            T::State | T::Name => VariablesKind::State,
            T::Parameters => VariablesKind::Parameters,
            _ => VariablesKind::Internals,
        };
        self.block_open()?;
        let mut declarations = Vec::new();
        while !matches!(self.peek(), T::Dedent | T::Eof) {
            match self.declaration().and_then(|d| self.expect(T::Newline).map(|_| d)) {
                Ok(d) => declarations.push(d),
                Err(Failed) => self.recover_line(),
            }
        }
        self.eat(T::Dedent);
        Ok(VariablesBlock { kind, keyword: kw.span, declarations, comments, span: self.span_from(kw.span) })
    }

    fn equations_block(&mut self, comments: Comments) -> PResult<EquationsBlock> {
        let kw = self.bump();
        self.block_open()?;
        let mut items = Vec::new();
        while !matches!(self.peek(), T::Dedent | T::Eof) {
            match self.equation() {
                Ok(e) => items.push(e),
                Err(Failed) => self.recover_line(),
            }
        }
        self.eat(T::Dedent);
        Ok(EquationsBlock { keyword: kw.span, items, comments, span: self.span_from(kw.span) })
    }

    fn equation(&mut self) -> PResult<Equation> {
        let start = self.tok().span;
        let comments = self.comments_for(start);
        let kind = match self.peek() {
            T::Recordable | T::Inline | T::Function if self.peek() != T::Function || self.legacy => {
                let recordable = self.eat(T::Recordable).is_some();
                if self.legacy && self.peek() == T::Function {
                    let kw = self.bump();
                    self.notes.nestml3 = true;
                    self.old_spelling(Code::W0305, kw.span, "`function` in the equations block is NESTML 3 and older", "NESTML 9 writes an inline expression: `inline NAME TYPE = …`");
                } else {
                    self.expect(T::Inline)?;
                }
                let name = self.ident()?;
                let data_type = self.data_type()?;
                self.expect(T::Eq)?;
                let rhs = self.expression()?;
                self.eat(T::Semicolon);
                let decorators = self.decorators()?;
                EquationKind::Inline { recordable, name, data_type, rhs, decorators }
            }
            T::Kernel | T::Name if self.peek() == T::Kernel || (self.at_old_word("shape") && self.peek_at(1) == T::Name) => {
                let keyword = self.bump().span;
                if self.text_of(keyword) == "shape" {
                    self.notes.nestml3 = true;
                    self.old_spelling(Code::W0304, keyword, "`shape` is NESTML 3 and older", "NESTML 9 writes `kernel`");
                }
                let mut parts = Vec::new();
                loop {
                    let var = self.variable()?;
                    self.expect(T::Eq)?;
                    let rhs = self.expression()?;
                    parts.push((var, rhs));
                    if self.eat(T::KernelJoining).is_none() {
                        break;
                    }
                }
                self.eat(T::Semicolon);
                EquationKind::Kernel { keyword, parts }
            }
            _ => {
                let lhs = self.variable()?;
                self.expect(T::Eq)?;
                let rhs = self.expression()?;
                self.eat(T::Semicolon);
                let decorators = self.decorators()?;
                EquationKind::Ode { lhs, rhs, decorators }
            }
        };
        let span = self.span_from(start);
        self.expect(T::Newline)?;
        Ok(Equation { kind, comments, span })
    }

    fn input_block(&mut self, comments: Comments) -> PResult<InputBlock> {
        let kw = self.bump();
        self.block_open()?;
        let mut ports = Vec::new();
        while !matches!(self.peek(), T::Dedent | T::Eof) {
            match self.input_port() {
                Ok(p) => ports.push(p),
                Err(Failed) => self.recover_line(),
            }
        }
        self.eat(T::Dedent);
        Ok(InputBlock { keyword: kw.span, ports, comments, span: self.span_from(kw.span) })
    }

    fn input_port(&mut self) -> PResult<InputPort> {
        let start = self.tok().span;
        let comments = self.comments_for(start);
        let name = self.ident()?;
        let size = if self.eat(T::LBracket).is_some() {
            let e = self.expression()?;
            self.expect(T::RBracket)?;
            Some(e)
        } else {
            None
        };
        // NESTML ≤ 5: a spike port may have a unit (`spikes pA <- spike`), NESTML ≤ 3 writes
        // `<- current` for `<- continuous`
        let old_type = if self.legacy && self.peek() != T::LeftArrow { Some(self.data_type()?) } else { None };
        if let Some(data_type) = old_type {
            self.expect(T::LeftArrow)?;
            let qualifiers = self.qualifiers();
            let t = self.tok();
            let kind = if t.kind == T::Spike {
                self.bump();
                let help = match &data_type {
                    DataType::Unit(u) => {
                        let inhibitory_only = qualifiers.iter().all(|(q, _)| *q == Qualifier::Inhibitory) && !qualifiers.is_empty();
                        self.notes.typed_spike_ports.push((name.name.clone(), u.clone(), inhibitory_only));
                        let u = super::print_data_type(&data_type);
                        format!("NESTML 9 writes `{} <- spike`, a port of weights per second: `nestml migrate` writes `convolve(k, {0})` as `convolve(k, {0}) * 1 {u}` and `{0}` elsewhere as `{0} * 1 {u}*s`", name.name)
                    }
                    _ => format!("NESTML 9 writes `{} <- spike`", name.name),
                };
                self.old_spelling(Code::W0306, data_type.span(), format!("a spike input port with a type (`{} {} <- spike`) is NESTML 5 and older", name.name, super::print_data_type(&data_type)), help);
                PortKind::Spike { qualifiers }
            } else if t.kind == T::Continuous || (t.kind == T::Name && self.text_of(t.span) == "current") {
                self.bump();
                if t.kind == T::Name {
                    self.notes.nestml3 = true;
                    self.old_spelling(Code::W0307, t.span, "`<- current` is NESTML 3 and older", "NESTML 9 writes `<- continuous`");
                }
                if let Some((_, span)) = qualifiers.first() {
                    return self.unexpected_at(*span, "`spike` after a qualifier");
                }
                PortKind::Continuous { data_type }
            } else {
                return self.unexpected("`spike`, `continuous` or `current`");
            };
            let span = self.span_from(start);
            self.expect(T::Newline)?;
            return Ok(InputPort { name, size, kind, comments, span });
        }
        let kind = if self.eat(T::LeftArrow).is_some() {
            let qualifiers = self.qualifiers();
            if qualifiers.is_empty() && self.at_old_word("current") {
                // NESTML 2: `currents <- current`, a current in pA
                let t = self.bump();
                self.notes.nestml3 = true;
                self.old_spelling(Code::W0307, t.span, "`<- current` without a type is NESTML 2", format!("NESTML 9 writes `{} pA <- continuous`", name.name));
                let span = self.span_from(start);
                self.expect(T::Newline)?;
                let unit = UnitType { span: t.span, kind: UnitTypeKind::Name(Ident { name: "pA".into(), span: t.span }) };
                return Ok(InputPort { name, size, kind: PortKind::Continuous { data_type: DataType::Unit(unit) }, comments, span });
            }
            if self.peek() != T::Spike {
                return self.unexpected("`spike`, `inhibitory` or `excitatory`");
            }
            self.bump();
            PortKind::Spike { qualifiers }
        } else {
            let data_type = self.data_type()?;
            self.expect(T::LeftArrow)?;
            self.expect(T::Continuous)?;
            PortKind::Continuous { data_type }
        };
        let span = self.span_from(start);
        self.expect(T::Newline)?;
        Ok(InputPort { name, size, kind, comments, span })
    }

    /// `inhibitory`/`excitatory` qualifiers of a spike port.
    fn qualifiers(&mut self) -> Vec<(Qualifier, Span)> {
        let mut qualifiers = Vec::new();
        loop {
            match self.peek() {
                T::Inhibitory => qualifiers.push((Qualifier::Inhibitory, self.bump().span)),
                T::Excitatory => qualifiers.push((Qualifier::Excitatory, self.bump().span)),
                _ => return qualifiers,
            }
        }
    }

    fn output_block(&mut self, comments: Comments) -> PResult<OutputBlock> {
        let kw = self.bump();
        if self.legacy && self.peek() == T::Colon && matches!(self.peek_at(1), T::Spike | T::Continuous) {
            // NESTML ≤ 5: `output: spike` on one line
            self.bump();
            let kind_tok = self.bump();
            let kind = if kind_tok.kind == T::Spike { OutputKind::Spike } else { OutputKind::Continuous };
            self.expect(T::Newline)?;
            self.old_spelling(Code::W0302, kind_tok.span, "`output:` with its port on the same line is NESTML 5 and older", "NESTML 9 writes the port on its own, indented line");
            return Ok(OutputBlock { keyword: kw.span, kind, kind_span: kind_tok.span, comments, span: self.span_from(kw.span) });
        }
        self.block_open()?;
        let kind_tok = self.tok();
        let kind = match kind_tok.kind {
            T::Spike => OutputKind::Spike,
            T::Continuous => OutputKind::Continuous,
            _ => return self.unexpected("`spike` or `continuous`"),
        };
        self.bump();
        if self.legacy && kind == OutputKind::Spike && self.peek() == T::LParen {
            // NESTML 8: `spike(weight real, delay ms)`
            let open = self.bump();
            while !matches!(self.peek(), T::RParen | T::Newline | T::Eof) {
                self.bump();
            }
            self.expect(T::RParen)?;
            let span = self.span_from(open.span);
            self.old_spelling(Code::W0308, span, "attributes of the spike output are NESTML 8", "NESTML 9 writes `spike`: the weight is `emit_spike`'s argument, the delay the connection's");
        }
        self.expect(T::Newline)?;
        if self.peek() != T::Dedent {
            return self.unexpected("end of the output block (a model has one output port)");
        }
        self.bump();
        Ok(OutputBlock { keyword: kw.span, kind, kind_span: kind_tok.span, comments, span: self.span_from(kw.span) })
    }

    fn function(&mut self, comments: Comments) -> PResult<Function> {
        let kw = self.bump();
        let name = self.ident()?;
        self.expect(T::LParen)?;
        let mut parameters = Vec::new();
        if self.peek() != T::RParen {
            loop {
                let pname = self.ident()?;
                let data_type = self.data_type()?;
                let span = pname.span.to(data_type.span());
                parameters.push(Parameter { name: pname, data_type, span });
                if self.eat(T::Comma).is_none() {
                    break;
                }
            }
        }
        self.expect(T::RParen)?;
        let return_type = if self.peek() != T::Colon { Some(self.data_type()?) } else { None };
        self.block_open()?;
        let body = self.stmts_body()?;
        Ok(Function { keyword: kw.span, name, parameters, return_type, body, comments, span: self.span_from(kw.span) })
    }

    fn const_parameters(&mut self) -> PResult<Vec<ConstParameter>> {
        let mut out = Vec::new();
        while self.eat(T::Comma).is_some() {
            let name = self.ident()?;
            self.expect(T::Eq)?;
            let t = self.tok();
            let kind = match t.kind {
                T::BooleanLiteral => ExprKind::Bool(matches!(self.text_of(t.span), "true" | "True")),
                T::Integer | T::Float => ExprKind::Number { literal: self.number_lit(t), unit: None },
                T::Str => ExprKind::String(self.string_value(t.span)),
                T::Inf => ExprKind::Inf,
                _ => return self.unexpected("a literal value"),
            };
            self.bump();
            let span = name.span.to(t.span);
            out.push(ConstParameter { name, value: Expr { kind, span: t.span }, span });
        }
        Ok(out)
    }

    fn on_receive(&mut self, comments: Comments) -> PResult<OnReceive> {
        let kw = self.bump();
        self.expect(T::LParen)?;
        let port = self.ident()?;
        let parameters = self.const_parameters()?;
        self.expect(T::RParen)?;
        self.block_open()?;
        let body = self.stmts_body()?;
        Ok(OnReceive { keyword: kw.span, port, parameters, body, comments, span: self.span_from(kw.span) })
    }

    fn on_condition(&mut self, comments: Comments) -> PResult<OnCondition> {
        let kw = self.bump();
        self.expect(T::LParen)?;
        let condition = self.expression()?;
        let parameters = self.const_parameters()?;
        self.expect(T::RParen)?;
        self.block_open()?;
        let body = self.stmts_body()?;
        Ok(OnCondition { keyword: kw.span, condition, parameters, body, comments, span: self.span_from(kw.span) })
    }

    // ----- declarations and types ---------------------------------------------------

    fn declaration(&mut self) -> PResult<Declaration> {
        let start = self.tok().span;
        let comments = self.comments_for(start);
        let recordable = self.eat(T::Recordable).is_some();
        let mut inline = self.eat(T::Inline).is_some();
        if self.legacy && !inline && self.peek() == T::Function && self.peek_at(1) == T::Name && self.peek_at(2) != T::LParen {
            let kw = self.bump();
            self.notes.nestml3 = true;
            self.notes.function_declarations.push(start.start);
            self.old_spelling(
                Code::W0305,
                kw.span,
                "a `function` declaration is NESTML 3 and older",
                "NESTML 9 writes a state variable's alias as `recordable inline NAME TYPE = …` in `equations:` and a parameter's as an internal (`nestml migrate` does)",
            );
            inline = true;
        }
        let mut variables = vec![self.variable()?];
        while self.eat(T::Comma).is_some() {
            variables.push(self.variable()?);
        }
        let data_type = self.data_type()?;
        let rhs = if self.eat(T::Eq).is_some() { Some(self.expression()?) } else { None };
        let invariant = if self.eat(T::LLBracket).is_some() {
            let e = self.expression()?;
            self.expect(T::RRBracket)?;
            Some(e)
        } else {
            None
        };
        let decorators = self.decorators()?;
        Ok(Declaration { recordable, inline, variables, data_type, rhs, invariant, decorators, comments, span: self.span_from(start) })
    }

    fn decorators(&mut self) -> PResult<Vec<Decorator>> {
        let mut out = Vec::new();
        loop {
            match self.peek() {
                T::DecoratorHomogeneous => out.push(Decorator::Homogeneous(self.bump().span)),
                T::DecoratorHeterogeneous => out.push(Decorator::Heterogeneous(self.bump().span)),
                T::At => {
                    let at = self.bump();
                    let namespace = self.ident()?;
                    self.expect(T::ColonColon)?;
                    let name = self.ident()?;
                    let span = at.span.to(name.span);
                    out.push(Decorator::Namespaced { namespace, name, span });
                }
                _ => return Ok(out),
            }
        }
    }

    fn data_type(&mut self) -> PResult<DataType> {
        let t = self.tok();
        let ty = match t.kind {
            T::IntegerKw => DataType::Integer(t.span),
            T::RealKw => DataType::Real(t.span),
            T::StringKw => DataType::String(t.span),
            T::BooleanKw => DataType::Boolean(t.span),
            T::VoidKw => DataType::Void(t.span),
            T::Name | T::LParen | T::Integer => return Ok(DataType::Unit(self.unit_type(0)?)),
            _ => return self.unexpected("a type (`real`, `integer`, `boolean`, `string`, `void` or a unit such as `mV`)"),
        };
        self.bump();
        Ok(ty)
    }

    /// Unit types: `**` binds tightest, then `*` and `/` (left-associative); `1 / unit`
    /// takes everything to its right (`1/ms*mV` is `1/(ms*mV)`), as in the grammar.
    fn unit_type(&mut self, min: u8) -> PResult<UnitType> {
        const RECIPROCAL: u8 = 1;
        const PRODUCT: u8 = 2;
        const POW: u8 = 3;
        let t = self.tok();
        let mut lhs = match t.kind {
            T::LParen => {
                self.bump();
                let inner = self.unit_type(0)?;
                self.expect(T::RParen)?;
                UnitType { kind: UnitTypeKind::Paren(Box::new(inner)), span: self.span_from(t.span) }
            }
            T::Name => {
                let id = self.ident()?;
                UnitType { span: id.span, kind: UnitTypeKind::Name(id) }
            }
            T::Integer if self.peek_at(1) == T::Slash => {
                self.bump();
                self.bump();
                let numerator = self.text_of(t.span).parse().unwrap_or(u64::MAX);
                let unit = self.unit_type(RECIPROCAL)?;
                UnitType { kind: UnitTypeKind::Reciprocal { numerator, numerator_span: t.span, unit: Box::new(unit) }, span: self.span_from(t.span) }
            }
            _ => return self.unexpected("a unit"),
        };
        loop {
            match self.peek() {
                T::StarStar if POW >= min => {
                    let Some(exponent) = self.attempt(|p| {
                        p.bump();
                        p.unit_exponent()
                    }) else {
                        return Ok(lhs);
                    };
                    let span = lhs.span.to(exponent.span);
                    lhs = UnitType { kind: UnitTypeKind::Pow(Box::new(lhs), exponent), span };
                }
                T::Star | T::Slash if PRODUCT >= min => {
                    let op = self.peek();
                    let Some(rhs) = self.attempt(|p| {
                        p.bump();
                        let rhs = p.unit_type(PRODUCT + 1)?;
                        // a name followed by `(`, `[` or `'` is a call or variable, not a unit
                        if matches!(p.peek(), T::LParen | T::LBracket | T::Prime) {
                            return Err(Failed);
                        }
                        Ok(rhs)
                    }) else {
                        return Ok(lhs);
                    };
                    let span = lhs.span.to(rhs.span);
                    let (l, r) = (Box::new(lhs), Box::new(rhs));
                    lhs = UnitType { kind: if op == T::Star { UnitTypeKind::Mul(l, r) } else { UnitTypeKind::Div(l, r) }, span };
                }
                _ => return Ok(lhs),
            }
        }
    }

    fn unit_exponent(&mut self) -> PResult<UnitExponent> {
        let start = self.tok().span;
        let negative = match self.peek() {
            T::Minus => {
                self.bump();
                true
            }
            T::Plus if self.peek_at(1) != T::LParen => {
                self.bump();
                false
            }
            _ => false,
        };
        let value = if self.eat(T::LParen).is_some() {
            let num = self.expect(T::Integer)?;
            self.expect(T::Slash)?;
            let den = self.expect(T::Integer)?;
            self.expect(T::RParen)?;
            ExponentValue::Fraction(self.text_of(num.span).parse().unwrap_or(u64::MAX), self.text_of(den.span).parse().unwrap_or(u64::MAX))
        } else {
            match self.peek() {
                T::Integer | T::Float => {
                    let t = self.bump();
                    ExponentValue::Literal(self.text_of(t.span).to_string())
                }
                _ => return self.unexpected("an exponent such as `2`, `-1` or `(1/2)`"),
            }
        };
        Ok(UnitExponent { negative, value, span: self.span_from(start) })
    }

    // ----- statements ---------------------------------------------------------------

    /// `stmtsBody DEDENT`: statements of an indented block, up to and including its DEDENT.
    fn stmts_body(&mut self) -> PResult<Vec<Stmt>> {
        let mut stmts = Vec::new();
        loop {
            match self.peek() {
                T::Dedent => {
                    self.bump();
                    break;
                }
                T::Eof => break,
                T::Newline => {
                    self.bump();
                }
                _ => match self.stmt() {
                    Ok(s) => stmts.push(s),
                    Err(Failed) => self.recover_line(),
                },
            }
        }
        Ok(stmts)
    }

    fn stmt(&mut self) -> PResult<Stmt> {
        let start = self.tok().span;
        let comments = self.comments_for(start);
        let kind = match self.peek() {
            T::If => self.if_stmt()?,
            T::For => self.for_stmt()?,
            T::While => {
                self.bump();
                let condition = self.expression()?;
                self.block_open()?;
                let body = self.stmts_body()?;
                StmtKind::While { condition, body }
            }
            _ => {
                let kind = self.small_stmt()?;
                let span = self.span_from(start);
                self.expect(T::Newline)?;
                return Ok(Stmt { kind, comments, span });
            }
        };
        Ok(Stmt { kind, comments, span: self.span_from(start) })
    }

    fn small_stmt(&mut self) -> PResult<StmtKind> {
        match self.peek() {
            T::Return => {
                self.bump();
                let value = if matches!(self.peek(), T::Newline | T::Eof) { None } else { Some(self.expression()?) };
                Ok(StmtKind::Return(value))
            }
            T::Recordable | T::Inline => Ok(StmtKind::Declaration(self.declaration()?)),
            T::Name if self.peek_at(1) == T::LParen => Ok(StmtKind::Call(self.call()?)),
            T::Name => {
                let save = self.pos;
                let lhs = self.variable()?;
                let op = match self.peek() {
                    T::Eq => AssignOp::Set,
                    T::PlusEq => AssignOp::Add,
                    T::MinusEq => AssignOp::Sub,
                    T::StarEq => AssignOp::Mul,
                    T::SlashEq => AssignOp::Div,
                    T::SlashSlashEq => AssignOp::FloorDiv,
                    _ => {
                        self.pos = save;
                        return Ok(StmtKind::Declaration(self.declaration()?));
                    }
                };
                self.bump();
                let rhs = self.expression()?;
                Ok(StmtKind::Assign { lhs, op, rhs })
            }
            _ => self.unexpected("a statement"),
        }
    }

    fn if_stmt(&mut self) -> PResult<StmtKind> {
        let mut branches = Vec::new();
        self.expect(T::If)?;
        loop {
            let condition = self.expression()?;
            self.block_open()?;
            let body = self.stmts_body()?;
            branches.push((condition, body));
            if self.eat(T::Elif).is_none() {
                break;
            }
        }
        let otherwise = if self.eat(T::Else).is_some() {
            self.block_open()?;
            Some(self.stmts_body()?)
        } else {
            None
        };
        Ok(StmtKind::If { branches, otherwise })
    }

    fn for_stmt(&mut self) -> PResult<StmtKind> {
        self.expect(T::For)?;
        let var = self.ident()?;
        self.expect(T::In)?;
        let from = self.expression()?;
        self.expect(T::Ellipsis)?;
        let to = self.expression()?;
        self.expect(T::Step)?;
        let step_negative = self.eat(T::Minus).is_some();
        let t = self.tok();
        if !matches!(t.kind, T::Integer | T::Float) {
            return self.unexpected("a number (the loop step)");
        }
        self.bump();
        let step = self.number_lit(t);
        self.block_open()?;
        let body = self.stmts_body()?;
        Ok(StmtKind::For { var, from, to, step, step_negative, body })
    }

    // ----- expressions --------------------------------------------------------------

    fn expression(&mut self) -> PResult<Expr> {
        self.expr(0)
    }

    fn expr(&mut self, min: u8) -> PResult<Expr> {
        let start = self.tok().span;
        let mut lhs = match self.peek() {
            T::LParen => {
                self.bump();
                let inner = self.expression()?;
                self.expect(T::RParen)?;
                Expr { kind: ExprKind::Paren(Box::new(inner)), span: self.span_from(start) }
            }
            T::Plus | T::Minus | T::Tilde => {
                let op = match self.bump().kind {
                    T::Plus => UnaryOp::Plus,
                    T::Minus => UnaryOp::Minus,
                    _ => UnaryOp::BitNot,
                };
                let operand = self.expr(UNARY)?;
                Expr { kind: ExprKind::Unary(op, Box::new(operand)), span: self.span_from(start) }
            }
            T::Not => {
                self.bump();
                let operand = self.expr(NOT)?;
                Expr { kind: ExprKind::Not(Box::new(operand)), span: self.span_from(start) }
            }
            _ => self.simple_expression()?,
        };
        loop {
            let (op, power) = match self.peek() {
                T::StarStar => (BinaryOp::Pow, POWER),
                T::Star => (BinaryOp::Mul, MULTIPLICATIVE),
                T::Slash => (BinaryOp::Div, MULTIPLICATIVE),
                T::SlashSlash => (BinaryOp::FloorDiv, MULTIPLICATIVE),
                T::Percent => (BinaryOp::Mod, MULTIPLICATIVE),
                T::Plus => (BinaryOp::Add, ADDITIVE),
                T::Minus => (BinaryOp::Sub, ADDITIVE),
                T::Ampersand => (BinaryOp::BitAnd, BITWISE),
                T::Caret => (BinaryOp::BitXor, BITWISE),
                T::Pipe => (BinaryOp::BitOr, BITWISE),
                T::Shl => (BinaryOp::Shl, BITWISE),
                T::Shr => (BinaryOp::Shr, BITWISE),
                T::Lt => (BinaryOp::Lt, COMPARISON),
                T::Le => (BinaryOp::Le, COMPARISON),
                T::EqEq => (BinaryOp::Eq, COMPARISON),
                T::BangEq => (BinaryOp::Ne, COMPARISON),
                T::LtGt => (BinaryOp::NeAlt, COMPARISON),
                T::Ge => (BinaryOp::Ge, COMPARISON),
                T::Gt => (BinaryOp::Gt, COMPARISON),
                T::And => (BinaryOp::And, LOGICAL),
                T::Or => (BinaryOp::Or, LOGICAL),
                T::Question if TERNARY >= min => {
                    self.bump();
                    let then = self.expression()?;
                    self.expect(T::Colon)?;
                    let otherwise = self.expr(TERNARY + 1)?;
                    let span = lhs.span.to(otherwise.span);
                    lhs = Expr { kind: ExprKind::Ternary(Box::new(lhs), Box::new(then), Box::new(otherwise)), span };
                    continue;
                }
                _ => return Ok(lhs),
            };
            if power < min {
                return Ok(lhs);
            }
            self.bump();
            // `**` is right-associative, everything else left-associative
            let rhs = self.expr(if op == BinaryOp::Pow { power } else { power + 1 })?;
            let span = lhs.span.to(rhs.span);
            lhs = Expr { kind: ExprKind::Binary(op, Box::new(lhs), Box::new(rhs)), span };
        }
    }

    fn simple_expression(&mut self) -> PResult<Expr> {
        let t = self.tok();
        let kind = match t.kind {
            T::Name if self.peek_at(1) == T::LParen => {
                let call = self.call()?;
                return Ok(Expr { span: call.span, kind: ExprKind::Call(call) });
            }
            T::Name => {
                let v = self.variable()?;
                return Ok(Expr { span: v.span, kind: ExprKind::Var(v) });
            }
            T::BooleanLiteral => ExprKind::Bool(matches!(self.text_of(t.span), "true" | "True")),
            T::Str => ExprKind::String(self.string_value(t.span)),
            T::Inf => ExprKind::Inf,
            T::Integer | T::Float => {
                self.bump();
                let literal = self.number_lit(t);
                let unit = self.attempt(|p| p.unit_type(0));
                return Ok(Expr { kind: ExprKind::Number { literal, unit }, span: self.span_from(t.span) });
            }
            _ => return self.unexpected("an expression"),
        };
        self.bump();
        Ok(Expr { kind, span: t.span })
    }

    /// Runs `f`; if it fails, rewinds as if nothing had been read and forgets its errors.
    /// This is the grammar's lookahead where it must choose between continuing a unit type
    /// and ending it (`1 ms * mV` is one quantity, `1 ms * x` is `1 ms` times `x`).
    fn attempt<R>(&mut self, f: impl FnOnce(&mut Self) -> PResult<R>) -> Option<R> {
        let (pos, n_diags, error_line) = (self.pos, self.diagnostics.len(), self.error_line);
        match f(self) {
            Ok(r) => Some(r),
            Err(Failed) => {
                self.pos = pos;
                self.diagnostics.truncate(n_diags);
                self.error_line = error_line;
                None
            }
        }
    }

    fn number_lit(&self, t: Token) -> NumberLit {
        NumberLit { text: self.text_of(t.span).to_string(), is_integer: t.kind == T::Integer, span: t.span }
    }

    /// The contents of a string literal token, with escapes kept as written.
    fn string_value(&self, span: Span) -> String {
        let s = self.text_of(span);
        s.get(1..s.len().saturating_sub(1)).unwrap_or("").to_string()
    }

    fn variable(&mut self) -> PResult<Variable> {
        let name = self.ident()?;
        let index = if self.eat(T::LBracket).is_some() {
            let e = self.expression()?;
            self.expect(T::RBracket)?;
            Some(Box::new(e))
        } else {
            None
        };
        let mut order = 0;
        while self.eat(T::Prime).is_some() {
            order += 1;
        }
        Ok(Variable { span: self.span_from(name.span), name, index, order })
    }

    fn call(&mut self) -> PResult<Call> {
        let name = self.ident()?;
        self.expect(T::LParen)?;
        let mut args = Vec::new();
        if self.peek() != T::RParen {
            loop {
                args.push(self.expression()?);
                if self.eat(T::Comma).is_none() {
                    break;
                }
            }
        }
        self.expect(T::RParen)?;
        Ok(Call { span: self.span_from(name.span), name, args })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The expression as a fully parenthesised S-expression.
    fn sexpr(e: &Expr) -> String {
        match &e.kind {
            ExprKind::Paren(x) => sexpr(x),
            ExprKind::Unary(op, x) => format!("({} {})", match op {
                UnaryOp::Plus => "+",
                UnaryOp::Minus => "-",
                UnaryOp::BitNot => "~",
            }, sexpr(x)),
            ExprKind::Not(x) => format!("(not {})", sexpr(x)),
            ExprKind::Binary(op, a, b) => format!("({} {} {})", op.symbol(), sexpr(a), sexpr(b)),
            ExprKind::Ternary(c, a, b) => format!("(? {} {} {})", sexpr(c), sexpr(a), sexpr(b)),
            ExprKind::Call(c) => format!("{}({})", c.name.name, c.args.iter().map(sexpr).collect::<Vec<_>>().join(" ")),
            _ => crate::syntax::print_expr(e),
        }
    }

    fn tree(src: &str) -> String {
        sexpr(&parse_expression(src, FileId(0)).unwrap_or_else(|d| panic!("{src}: {d:?}")))
    }

    #[test]
    fn power_is_right_associative_and_binds_tightest() {
        assert_eq!(tree("a ** b ** c"), "(** a (** b c))");
        assert_eq!(tree("-a ** b"), "(- (** a b))");
        assert_eq!(tree("a ** -b"), "(** a (- b))");
        assert_eq!(tree("a * b ** 2"), "(* a (** b 2))");
    }

    #[test]
    fn arithmetic_levels() {
        assert_eq!(tree("a + b * c - d / e % f"), "(- (+ a (* b c)) (% (/ d e) f))");
        assert_eq!(tree("-a * b"), "(* (- a) b)");
        assert_eq!(tree("a // b * c"), "(* (// a b) c)");
        assert_eq!(tree("a - b - c"), "(- (- a b) c)");
    }

    #[test]
    fn bitwise_comparison_and_logic_levels() {
        // bit operators share one level, below + and -
        assert_eq!(tree("a & b | c << 1 + d"), "(<< (| (& a b) c) (+ 1 d))");
        assert_eq!(tree("a + b < c & d"), "(< (+ a b) (& c d))");
        assert_eq!(tree("a < b == c <> d"), "(<> (== (< a b) c) d)");
        // `not` binds looser than comparisons, tighter than and/or
        assert_eq!(tree("not a < b and c"), "(and (not (< a b)) c)");
        // `and` and `or` share one level, left-associative (as in the NESTML grammar)
        assert_eq!(tree("a or b and c"), "(and (or a b) c)");
        assert_eq!(tree("~a + b"), "(+ (~ a) b)");
    }

    #[test]
    fn ternary_is_loosest() {
        assert_eq!(tree("a > b ? x + 1 : y"), "(? (> a b) (+ x 1) y)");
        assert_eq!(tree("a ? b : c ? d : e"), "(? (? a b c) d e)");
    }

    #[test]
    fn quantities_take_the_whole_unit() {
        assert_eq!(tree("1 ms * mV"), "1 ms*mV");
        assert_eq!(tree("0 nS/ms"), "0 nS/ms");
        assert_eq!(tree("10mV"), "10 mV");
        // a call or an indexed variable ends the unit
        assert_eq!(tree("0.5 / 1 ms * exp(a)"), "(* (/ 0.5 1 ms) exp(a))");
        assert_eq!(tree("2 mV * x[1]"), "(* 2 mV x[1])");
        assert_eq!(tree("V_m / 1 mV"), "(/ V_m 1 mV)");
        assert_eq!(tree("1 / tau"), "(/ 1 tau)");
    }

    #[test]
    fn several_errors_are_reported_once_per_line() {
        let src = "model m:\n    state:\n        x real = (1 +\n        y real = 2 +* 3\n        z real = 3\n    update:\n        x = = 1\n";
        let parsed = parse(src, FileId(0));
        let lines: Vec<usize> = parsed.diagnostics.iter().map(|d| crate::diagnostics::SourceFile::new("t", src).line_col(d.span.start as usize).line).collect();
        assert_eq!(lines, vec![3, 4, 7]);
        // the good declaration between the bad ones survives
        let Block::Variables(vb) = &parsed.unit.models[0].blocks[0] else { panic!() };
        assert_eq!(vb.declarations.len(), 1);
        assert_eq!(vb.declarations[0].variables[0].name.name, "z");
    }

    #[test]
    fn grammar_forms_parse() {
        let src = r#"model m:
    parameters:
        n integer = 3 [[n > 0]]
        a, b real = 1.5e-3 @homogeneous
        v[n] mV = -70 mV @nest::x
        recordable inline w real = a * 2
    state:
        x' 1/ms = 0 1/ms
        y real = 0
    equations:
        kernel g = exp(-t / 1 ms),
               h = delta(t)
        recordable inline I pA = convolve(g, sp) * 1 pA
        x'' = -x' / (1 ms) - y / (1 ms ** 2);
        y' = x'
    input:
        sp <- inhibitory excitatory spike
        ports[2] <- spike
        I_in pA <- continuous
    output:
        spike
    function f(p ms, q (ms*mV)**-1) ms**(1/2):
        return 1 ms**0.5
    onReceive(sp, priority=2):
        y += sp * 1 s
    onCondition(y > 1 and not (x' < 0 1/ms)):
        emit_spike()
    update:
        i integer = 0
        for i in 0 ... n - 1 step 1:
            v[i] -= 1 mV
        while i > 0:
            i -= 1
        if y < 0:
            y = 0
        elif y > 1:
            y = 1
        else:
            println("y = {y}")
        integrate_odes()
"#;
        let parsed = parse(src, FileId(0));
        assert!(parsed.diagnostics.is_empty(), "{:#?}", parsed.diagnostics);
        assert_eq!(parsed.unit.models[0].blocks.len(), 9);
    }
}
