//! The lexer: source text to tokens, with Python-style INDENT/DEDENT layout tokens.
//!
//! It follows PyNESTML's lexer: tabs advance to the next multiple of 8 columns, blank and
//! comment-only lines produce no layout tokens, `\` at the end of a line continues it, and a
//! `,` directly followed by a line break is one `KernelJoining` token. Line breaks inside
//! parentheses are *not* ignored (as in PyNESTML). At the end of the input a final line
//! break and the pending DEDENTs are produced.

use super::token::{Comment, Token, TokenKind};
use crate::diagnostics::{Code, Diagnostic, FileId, Span};

/// The lexer's output: tokens, comments kept aside, and problems found.
#[derive(Debug)]
pub struct Lexed {
    pub tokens: Vec<Token>,
    pub comments: Vec<Comment>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Splits `text` (file `file`) into tokens.
pub fn lex(text: &str, file: FileId) -> Lexed {
    lex_with(text, file, false)
}

/// [`lex`] for the older dialects (NESTML 2–8): a docstring `"""…"""` or a `/* … */` comment
/// is a comment (one [`Comment`] per line, warning W0310), not a string or operators.
pub fn lex_legacy(text: &str, file: FileId) -> Lexed {
    lex_with(text, file, true)
}

fn lex_with(text: &str, file: FileId, legacy: bool) -> Lexed {
    let mut lexer = Lexer { text, bytes: text.as_bytes(), pos: 0, file, line: 1, indents: Vec::new(), line_has_code: false, code_on_line: false, legacy, out: Lexed { tokens: Vec::new(), comments: Vec::new(), diagnostics: Vec::new() } };
    lexer.run();
    lexer.out
}

struct Lexer<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    file: FileId,
    line: usize,
    indents: Vec<usize>,
    /// Code has been produced since the last NEWLINE token.
    line_has_code: bool,
    /// Code precedes the current position on this physical line.
    code_on_line: bool,
    /// Docstrings and `/* */` comments are comments (NESTML 2–8).
    legacy: bool,
    out: Lexed,
}

impl Lexer<'_> {
    fn span(&self, start: usize, end: usize) -> Span {
        Span::new(self.file, start, end)
    }

    fn peek(&self, ahead: usize) -> u8 {
        self.bytes.get(self.pos + ahead).copied().unwrap_or(0)
    }

    fn push(&mut self, kind: TokenKind, start: usize, end: usize) {
        self.out.tokens.push(Token { kind, span: self.span(start, end) });
        if !matches!(kind, TokenKind::Newline | TokenKind::Indent | TokenKind::Dedent) {
            self.line_has_code = true;
            self.code_on_line = true;
        }
    }

    fn run(&mut self) {
        // Leading whitespace on the first line is treated like indentation after a line break.
        if matches!(self.peek(0), b' ' | b'\t') {
            let ws_end = self.skip_ws(self.pos);
            self.pos = ws_end;
            self.on_new_line(0, 0, ws_end);
        }
        while self.pos < self.bytes.len() {
            let start = self.pos;
            let c = self.bytes[start];
            match c {
                b' ' | b'\t' | b'\x0c' => self.pos += 1,
                b'\r' | b'\n' => self.newline(),
                b'\\' if matches!(self.peek(1), b'\n') || (self.peek(1) == b'\r' && self.peek(2) == b'\n') => {
                    // line continuation
                    self.pos += if self.peek(1) == b'\r' { 3 } else { 2 };
                    self.line += 1;
                }
                b'#' => self.comment(),
                b'"' if self.legacy && self.text[start..].starts_with("\"\"\"") => self.block_comment("\"\"\"", "\"\"\""),
                b'/' if self.legacy && self.peek(1) == b'*' => self.block_comment("/*", "*/"),
                b'"' => self.string(),
                b'0'..=b'9' => self.number(),
                b'.' if self.peek(1).is_ascii_digit() => self.number(),
                b'a'..=b'z' | b'A'..=b'Z' | b'_' | b'$' => self.word(),
                b',' => {
                    let after = if self.peek(1) == b'\n' { 2 } else if self.peek(1) == b'\r' && self.peek(2) == b'\n' { 3 } else { 0 };
                    if after > 0 {
                        let end = self.skip_ws(start + after);
                        self.push(TokenKind::KernelJoining, start, start + 1);
                        self.pos = end;
                        self.line += 1;
                    } else {
                        self.push(TokenKind::Comma, start, start + 1);
                        self.pos += 1;
                    }
                }
                b'@' => self.decorator(),
                _ => self.punctuation(),
            }
        }
        let end = self.bytes.len();
        if !self.indents.is_empty() {
            self.push(TokenKind::Newline, end, end);
            for _ in 0..self.indents.len() {
                self.push(TokenKind::Dedent, end, end);
            }
            self.indents.clear();
        }
        self.push(TokenKind::Eof, end, end);
    }

    fn skip_ws(&self, mut i: usize) -> usize {
        while matches!(self.bytes.get(i), Some(b' ' | b'\t')) {
            i += 1;
        }
        i
    }

    /// A line break and the following indentation.
    fn newline(&mut self) {
        let start = self.pos;
        let nl_end = if self.bytes[start] == b'\r' && self.peek(1) == b'\n' { start + 2 } else { start + 1 };
        self.line += 1;
        self.code_on_line = false;
        if self.bytes[start] == b'\r' && nl_end == start + 1 {
            // a lone carriage return is whitespace
            self.pos = nl_end;
            self.line -= 1;
            return;
        }
        let ws_end = self.skip_ws(nl_end);
        self.pos = ws_end;
        self.on_new_line(start, nl_end, ws_end);
    }

    /// Decides which layout tokens a line start produces (PyNESTML's `onNewLine`).
    fn on_new_line(&mut self, nl_start: usize, ws_start: usize, ws_end: usize) {
        let next = self.peek(0);
        let at_eof = self.pos + 1 >= self.bytes.len();
        let rest = &self.text[self.pos..];
        let block_comment = self.legacy && (rest.starts_with("\"\"\"") || rest.starts_with("/*"));
        let blank = matches!(next, b'\r' | b'\n' | b'\x0c' | b'#') || block_comment;
        if blank && !at_eof {
            return;
        }
        let indent = indentation_width(&self.text[ws_start..ws_end]);
        let previous = self.indents.last().copied().unwrap_or(0);
        if self.line_has_code || nl_start == 0 {
            self.push(TokenKind::Newline, nl_start, ws_start.max(nl_start));
        }
        self.line_has_code = false;
        if indent > previous {
            self.indents.push(indent);
            self.push(TokenKind::Indent, ws_end, ws_end);
        } else if indent < previous {
            while self.indents.last().is_some_and(|&i| i > indent) {
                self.indents.pop();
                self.push(TokenKind::Dedent, ws_end, ws_end);
            }
            let level = self.indents.last().copied().unwrap_or(0);
            if level != indent {
                self.out.diagnostics.push(
                    Diagnostic::warning(Code::W0005, self.span(ws_start, ws_end), "this line's indentation does not match any enclosing block")
                        .with_help(format!("indent it by {level} columns, like the lines of the block it belongs to")),
                );
            }
        }
    }

    fn comment(&mut self) {
        let start = self.pos;
        let mut end = start;
        while end < self.bytes.len() && !matches!(self.bytes[end], b'\n' | b'\r') {
            end += 1;
        }
        let trailing = self.code_on_line;
        self.out.comments.push(Comment { text: self.text[start + 1..end].to_string(), line: self.line, trailing, span: self.span(start, end) });
        self.pos = end;
    }

    /// A docstring or `/* */` comment of the older dialects: every line of it (the delimiters
    /// removed) becomes a comment line, so that it is kept, as `#` lines, by the printer.
    fn block_comment(&mut self, open: &str, close: &str) {
        let start = self.pos;
        let body_start = start + open.len();
        let (body_end, end) = match self.text[body_start..].find(close) {
            Some(i) => (body_start + i, body_start + i + close.len()),
            None => {
                self.out.diagnostics.push(
                    Diagnostic::error(Code::E0002, self.span(start, body_start), format!("`{open}` is never closed"))
                        .with_help(format!("close the comment with `{close}`")),
                );
                (self.bytes.len(), self.bytes.len())
            }
        };
        self.out.diagnostics.push(
            Diagnostic::warning(Code::W0310, self.span(start, body_start), format!("`{open} … {close}` is a comment of NESTML 8 and older"))
                .with_help("NESTML 9 has only `#` comments: write each line as `# …` (`nestml migrate` does)"),
        );
        let trailing = self.code_on_line;
        let mut offset = body_start;
        for (i, raw) in self.text[body_start..body_end].split('\n').enumerate() {
            // the text after the opening delimiter, on its line, loses its leading spaces
            let line = if i == 0 { raw.trim() } else { raw.trim_end() };
            let text = if line.trim().is_empty() { String::new() } else { format!(" {line}") };
            self.out.comments.push(Comment { text, line: self.line + i, trailing: trailing && i == 0, span: self.span(offset, offset + line.len()) });
            offset += raw.len() + 1;
        }
        self.line += self.text[start..end].matches('\n').count();
        self.pos = end;
    }

    fn string(&mut self) {
        let start = self.pos;
        let mut i = start + 1;
        loop {
            match self.bytes.get(i) {
                Some(b'"') => {
                    self.push(TokenKind::Str, start, i + 1);
                    self.pos = i + 1;
                    return;
                }
                Some(b'\\') => {
                    // an escaped character, or a backslash-continued line
                    let ws_end = self.skip_ws(i + 1);
                    if ws_end > i + 1 {
                        i = ws_end;
                        if self.bytes.get(i) == Some(&b'\r') {
                            i += 1;
                        }
                        if self.bytes.get(i) == Some(&b'\n') {
                            i += 1;
                            self.line += 1;
                        }
                    } else if i + 1 < self.bytes.len() {
                        i += 1 + utf8_len(self.bytes[i + 1]);
                    } else {
                        i += 1;
                    }
                }
                Some(b'\n' | b'\r') | None => {
                    self.out.diagnostics.push(
                        Diagnostic::error(Code::E0002, self.span(start, i), "unterminated string literal")
                            .with_help("close the string with `\"` on the same line"),
                    );
                    self.pos = i;
                    self.line_has_code = true;
                    return;
                }
                Some(&b) => i += utf8_len(b),
            }
        }
    }

    fn digits(&self, mut i: usize) -> usize {
        while self.bytes.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        i
    }

    /// Integer or float literal, longest match as in the grammar.
    fn number(&mut self) {
        let start = self.pos;
        let int_end = self.digits(start);
        let mut end = int_end;
        let mut is_float = false;
        if self.bytes.get(end) == Some(&b'.') {
            let frac_end = self.digits(end + 1);
            // `1.` and `1.5` and `.5` are floats; `.` alone is not
            if frac_end > end + 1 || int_end > start {
                end = frac_end;
                is_float = true;
            }
        }
        if matches!(self.bytes.get(end), Some(b'e' | b'E')) {
            let mut e = end + 1;
            if matches!(self.bytes.get(e), Some(b'+' | b'-')) {
                e += 1;
            }
            let exp_end = self.digits(e);
            if exp_end > e {
                end = exp_end;
                is_float = true;
            }
        }
        self.push(if is_float { TokenKind::Float } else { TokenKind::Integer }, start, end);
        self.pos = end;
    }

    fn word(&mut self) {
        let start = self.pos;
        let mut end = start;
        while self.bytes.get(end).is_some_and(|&b| b.is_ascii_alphanumeric() || b == b'_' || b == b'$') {
            end += 1;
        }
        let kind = TokenKind::keyword(&self.text[start..end]).unwrap_or(TokenKind::Name);
        self.push(kind, start, end);
        self.pos = end;
    }

    fn decorator(&mut self) {
        let start = self.pos;
        for (word, kind) in [("@homogeneous", TokenKind::DecoratorHomogeneous), ("@heterogeneous", TokenKind::DecoratorHeterogeneous)] {
            if self.text[start..].starts_with(word) {
                self.push(kind, start, start + word.len());
                self.pos = start + word.len();
                return;
            }
        }
        self.push(TokenKind::At, start, start + 1);
        self.pos += 1;
    }

    fn punctuation(&mut self) {
        use TokenKind::*;
        const TABLE: &[(&str, TokenKind)] = &[
            ("...", Ellipsis),
            ("//=", SlashSlashEq),
            ("//", SlashSlash),
            ("**", StarStar),
            ("*=", StarEq),
            ("<-", LeftArrow),
            ("<<", Shl),
            ("<=", Le),
            ("<>", LtGt),
            (">>", Shr),
            (">=", Ge),
            ("[[", LLBracket),
            ("]]", RRBracket),
            ("::", ColonColon),
            ("==", EqEq),
            ("!=", BangEq),
            ("+=", PlusEq),
            ("-=", MinusEq),
            ("/=", SlashEq),
            ("(", LParen),
            (")", RParen),
            ("+", Plus),
            ("~", Tilde),
            ("|", Pipe),
            ("^", Caret),
            ("&", Ampersand),
            ("[", LBracket),
            ("]", RBracket),
            ("<", Lt),
            (">", Gt),
            (",", Comma),
            ("-", Minus),
            ("=", Eq),
            ("*", Star),
            ("/", Slash),
            ("%", Percent),
            ("?", Question),
            (":", Colon),
            (";", Semicolon),
            ("'", Prime),
            (".", Dot),
        ];
        let start = self.pos;
        let rest = &self.text[start..];
        if let Some((text, kind)) = TABLE.iter().find(|(t, _)| rest.starts_with(t)) {
            self.push(*kind, start, start + text.len());
            self.pos += text.len();
            return;
        }
        let ch = rest.chars().next().unwrap_or('\0');
        let len = ch.len_utf8().max(1);
        let mut d = Diagnostic::error(Code::E0001, self.span(start, start + len), format!("invalid character `{}` in NESTML source", ch.escape_default()));
        if ch == '!' {
            d = d.with_help("for logical negation write `not`");
        } else if ch == 'µ' {
            d = d.with_help("write the micro prefix as `u`, e.g. `uS`");
        }
        self.out.diagnostics.push(d);
        self.line_has_code = true;
        self.pos += len;
    }
}

/// Width of leading whitespace, with tab stops every 8 columns (as Python and PyNESTML).
fn indentation_width(ws: &str) -> usize {
    ws.chars().fold(0, |n, c| if c == '\t' { n + 8 - n % 8 } else { n + 1 })
}

fn utf8_len(first: u8) -> usize {
    match first {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use TokenKind::*;

    fn kinds(src: &str) -> Vec<TokenKind> {
        lex(src, FileId(0)).tokens.iter().map(|t| t.kind).collect()
    }

    #[test]
    fn indentation_produces_indent_and_dedent() {
        let src = "model m:\n    state:\n        x real = 1\n    update:\n        x = 2\n";
        assert_eq!(
            kinds(src),
            vec![
                Model, Name, Colon, Newline, Indent, State, Colon, Newline, Indent, Name, RealKw, Eq, Integer, Newline, Dedent, Update, Colon, Newline, Indent, Name, Eq,
                Integer, Newline, Dedent, Dedent, Eof
            ]
        );
    }

    #[test]
    fn tabs_count_to_the_next_multiple_of_eight() {
        assert_eq!(indentation_width("\t"), 8);
        assert_eq!(indentation_width("  \t"), 8);
        assert_eq!(indentation_width("\t  "), 10);
        // a tab and eight spaces are the same level: no extra INDENT
        let src = "model m:\n\tstate:\n\t\tx real = 1\n        \ty real = 2\n";
        let ks = kinds(src);
        assert_eq!(ks.iter().filter(|k| **k == Indent).count(), 2);
        assert!(lex(src, FileId(0)).diagnostics.is_empty());
    }

    #[test]
    fn blank_and_comment_lines_make_no_layout_tokens() {
        let src = "model m:\n\n    # c\n      # deeper comment\n    state:\n        x real = 1 # trailing\n";
        let lexed = lex(src, FileId(0));
        assert_eq!(lexed.tokens.iter().filter(|t| t.kind == Indent).count(), 2);
        assert_eq!(lexed.comments.len(), 3);
        assert!(!lexed.comments[0].trailing && !lexed.comments[1].trailing);
        assert!(lexed.comments[2].trailing);
        assert_eq!(lexed.comments[2].text, " trailing");
    }

    #[test]
    fn backslash_continues_a_line() {
        let ks = kinds("x = 1 + \\\n      2\n");
        assert_eq!(ks, vec![Name, Eq, Integer, Plus, Integer, Newline, Eof]);
    }

    #[test]
    fn comma_before_line_break_joins_kernels() {
        let ks = kinds("kernel a = 1,\n       b = 2\n");
        assert_eq!(ks, vec![Kernel, Name, Eq, Integer, KernelJoining, Name, Eq, Integer, Newline, Eof]);
    }

    #[test]
    fn numbers_and_units() {
        assert_eq!(kinds("10mV"), vec![Integer, Name, Eof]);
        assert_eq!(kinds("2.5e-3 1. .5 1e3 1.e5 2e"), vec![Float, Float, Float, Float, Float, Integer, Name, Eof]);
        assert_eq!(kinds("0 ... 10"), vec![Integer, Ellipsis, Integer, Eof]);
    }

    #[test]
    fn operators_take_the_longest_match() {
        assert_eq!(kinds("a**-b <> c <- [[ ]] :: <= >= != == += -= *= /= << >>"), vec![
            Name, StarStar, Minus, Name, LtGt, Name, LeftArrow, LLBracket, RRBracket, ColonColon, Le, Ge, BangEq, EqEq, PlusEq, MinusEq, StarEq, SlashEq, Shl, Shr, Eof
        ]);
    }

    #[test]
    fn keywords_booleans_and_decorators() {
        assert_eq!(kinds("True false inf @homogeneous @ns::x"), vec![BooleanLiteral, BooleanLiteral, Inf, DecoratorHomogeneous, At, Name, ColonColon, Name, Eof]);
    }

    #[test]
    fn bad_input_is_reported_not_fatal() {
        let lexed = lex("x = 1 ! 2\ns = \"open\n", FileId(0));
        let codes: Vec<_> = lexed.diagnostics.iter().map(|d| d.code).collect();
        assert_eq!(codes, vec![Code::E0001, Code::E0002]);
        assert_eq!(lexed.tokens.last().unwrap().kind, Eof);
    }

    #[test]
    fn inconsistent_dedent_warns() {
        let src = "model m:\n    state:\n        x real = 1\n      y real = 2\n";
        let lexed = lex(src, FileId(0));
        assert_eq!(lexed.diagnostics.len(), 1);
        assert_eq!(lexed.diagnostics[0].code, Code::W0005);
    }

    #[test]
    fn missing_final_newline_is_supplied() {
        let ks = kinds("model m:\n    update:\n        x = 1");
        assert_eq!(&ks[ks.len() - 4..], &[Newline, Dedent, Dedent, Eof]);
    }
}
