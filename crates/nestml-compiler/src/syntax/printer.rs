//! Renders an AST back to NESTML source text.
//!
//! Parentheses are explicit nodes in the tree, so printing a parsed tree reproduces the
//! original token sequence; parsing the printed text gives the same tree (up to spans).

use std::fmt::Write;

use super::ast::*;

const INDENT: &str = "    ";

/// Prints a compilation unit as NESTML text, with comments, four spaces per indentation level.
pub fn print(unit: &CompilationUnit) -> String {
    let mut p = Printer { out: String::new() };
    for (i, model) in unit.models.iter().enumerate() {
        if i > 0 {
            p.out.push('\n');
        }
        p.model(model);
    }
    p.out
}

struct Printer {
    out: String,
}

impl Printer {
    fn line(&mut self, depth: usize, comments: &Comments, text: &str) {
        for c in &comments.pre {
            let _ = writeln!(self.out, "{}#{}", INDENT.repeat(depth), c);
        }
        self.out.push_str(&INDENT.repeat(depth));
        self.out.push_str(text);
        if let Some(c) = &comments.trailing {
            let _ = write!(self.out, "  #{c}");
        }
        self.out.push('\n');
    }

    fn model(&mut self, m: &Model) {
        self.line(0, &m.comments, &format!("model {}:", m.name.name));
        for block in &m.blocks {
            self.block(block);
        }
    }

    fn block(&mut self, b: &Block) {
        match b {
            Block::Variables(v) => {
                self.line(1, &v.comments, &format!("{}:", v.kind.keyword()));
                for d in &v.declarations {
                    self.line(2, &d.comments, &declaration(d));
                }
            }
            Block::Equations(e) => {
                self.line(1, &e.comments, "equations:");
                for item in &e.items {
                    self.line(2, &item.comments, &equation(&item.kind));
                }
            }
            Block::Input(i) => {
                self.line(1, &i.comments, "input:");
                for port in &i.ports {
                    self.line(2, &port.comments, &input_port(port));
                }
            }
            Block::Output(o) => {
                self.line(1, &o.comments, "output:");
                let kind = match o.kind {
                    OutputKind::Spike => "spike",
                    OutputKind::Continuous => "continuous",
                };
                self.line(2, &Comments::default(), kind);
            }
            Block::Function(f) => {
                let params: Vec<String> = f.parameters.iter().map(|p| format!("{} {}", p.name.name, data_type(&p.data_type))).collect();
                let ret = f.return_type.as_ref().map(|t| format!(" {}", data_type(t))).unwrap_or_default();
                self.line(1, &f.comments, &format!("function {}({}){}:", f.name.name, params.join(", "), ret));
                self.stmts(2, &f.body);
            }
            Block::OnReceive(r) => {
                self.line(1, &r.comments, &format!("onReceive({}{}):", r.port.name, const_parameters(&r.parameters)));
                self.stmts(2, &r.body);
            }
            Block::OnCondition(c) => {
                self.line(1, &c.comments, &format!("onCondition({}{}):", expr(&c.condition), const_parameters(&c.parameters)));
                self.stmts(2, &c.body);
            }
            Block::Update(u) => {
                self.line(1, &u.comments, "update:");
                self.stmts(2, &u.body);
            }
        }
    }

    fn stmts(&mut self, depth: usize, stmts: &[Stmt]) {
        for s in stmts {
            self.stmt(depth, s);
        }
    }

    fn stmt(&mut self, depth: usize, s: &Stmt) {
        match &s.kind {
            StmtKind::Assign { lhs, op, rhs } => self.line(depth, &s.comments, &format!("{} {} {}", variable(lhs), op.symbol(), expr(rhs))),
            StmtKind::Call(c) => self.line(depth, &s.comments, &call(c)),
            StmtKind::Declaration(d) => self.line(depth, &s.comments, &declaration(d)),
            StmtKind::Return(None) => self.line(depth, &s.comments, "return"),
            StmtKind::Return(Some(e)) => self.line(depth, &s.comments, &format!("return {}", expr(e))),
            StmtKind::If { branches, otherwise } => {
                for (i, (cond, body)) in branches.iter().enumerate() {
                    let (kw, comments) = if i == 0 { ("if", s.comments.clone()) } else { ("elif", Comments::default()) };
                    self.line(depth, &comments, &format!("{kw} {}:", expr(cond)));
                    self.stmts(depth + 1, body);
                }
                if let Some(body) = otherwise {
                    self.line(depth, &Comments::default(), "else:");
                    self.stmts(depth + 1, body);
                }
            }
            StmtKind::For { var, from, to, step, step_negative, body } => {
                let sign = if *step_negative { "-" } else { "" };
                self.line(depth, &s.comments, &format!("for {} in {} ... {} step {sign}{}:", var.name, expr(from), expr(to), step.text));
                self.stmts(depth + 1, body);
            }
            StmtKind::While { condition, body } => {
                self.line(depth, &s.comments, &format!("while {}:", expr(condition)));
                self.stmts(depth + 1, body);
            }
        }
    }
}

fn const_parameters(ps: &[ConstParameter]) -> String {
    ps.iter().map(|p| format!(", {}={}", p.name.name, expr(&p.value))).collect()
}

fn declaration(d: &Declaration) -> String {
    let mut s = String::new();
    if d.recordable {
        s.push_str("recordable ");
    }
    if d.inline {
        s.push_str("inline ");
    }
    s.push_str(&d.variables.iter().map(variable).collect::<Vec<_>>().join(", "));
    let _ = write!(s, " {}", data_type(&d.data_type));
    if let Some(rhs) = &d.rhs {
        let _ = write!(s, " = {}", expr(rhs));
    }
    if let Some(inv) = &d.invariant {
        let _ = write!(s, " [[{}]]", expr(inv));
    }
    s.push_str(&decorators(&d.decorators));
    s
}

fn decorators(ds: &[Decorator]) -> String {
    ds.iter()
        .map(|d| match d {
            Decorator::Homogeneous(_) => " @homogeneous".to_string(),
            Decorator::Heterogeneous(_) => " @heterogeneous".to_string(),
            Decorator::Namespaced { namespace, name, .. } => format!(" @{}::{}", namespace.name, name.name),
        })
        .collect()
}

fn equation(e: &EquationKind) -> String {
    match e {
        EquationKind::Inline { recordable, name, data_type: t, rhs, decorators: ds } => {
            let rec = if *recordable { "recordable " } else { "" };
            format!("{rec}inline {} {} = {}{}", name.name, data_type(t), expr(rhs), decorators(ds))
        }
        EquationKind::Ode { lhs, rhs, decorators: ds } => format!("{} = {}{}", variable(lhs), expr(rhs), decorators(ds)),
        EquationKind::Kernel { parts, .. } => {
            let parts: Vec<String> = parts.iter().map(|(v, e)| format!("{} = {}", variable(v), expr(e))).collect();
            format!("kernel {}", parts.join(",\n        "))
        }
    }
}

fn input_port(p: &InputPort) -> String {
    let size = p.size.as_ref().map(|e| format!("[{}]", expr(e))).unwrap_or_default();
    match &p.kind {
        PortKind::Spike { qualifiers } => {
            let q: String = qualifiers
                .iter()
                .map(|(q, _)| match q {
                    Qualifier::Inhibitory => "inhibitory ",
                    Qualifier::Excitatory => "excitatory ",
                })
                .collect();
            format!("{}{size} <- {q}spike", p.name.name)
        }
        PortKind::Continuous { data_type: t } => format!("{}{size} {} <- continuous", p.name.name, data_type(t)),
    }
}

/// Prints a data type as NESTML text.
pub fn data_type(t: &DataType) -> String {
    match t {
        DataType::Integer(_) => "integer".into(),
        DataType::Real(_) => "real".into(),
        DataType::String(_) => "string".into(),
        DataType::Boolean(_) => "boolean".into(),
        DataType::Void(_) => "void".into(),
        DataType::Unit(u) => unit_type(u),
    }
}

fn unit_type(u: &UnitType) -> String {
    match &u.kind {
        UnitTypeKind::Name(id) => id.name.clone(),
        UnitTypeKind::Paren(inner) => format!("({})", unit_type(inner)),
        UnitTypeKind::Pow(base, e) => {
            let sign = if e.negative { "-" } else { "" };
            let value = match &e.value {
                ExponentValue::Literal(s) => s.clone(),
                ExponentValue::Fraction(n, d) => format!("({n}/{d})"),
            };
            format!("{}**{sign}{value}", unit_type(base))
        }
        UnitTypeKind::Mul(a, b) => format!("{}*{}", unit_type(a), unit_type(b)),
        UnitTypeKind::Div(a, b) => format!("{}/{}", unit_type(a), unit_type(b)),
        UnitTypeKind::Reciprocal { numerator, unit, .. } => format!("{numerator}/{}", unit_type(unit)),
    }
}

fn variable(v: &Variable) -> String {
    let index = v.index.as_ref().map(|e| format!("[{}]", expr(e))).unwrap_or_default();
    format!("{}{index}{}", v.name.name, "'".repeat(v.order as usize))
}

fn call(c: &Call) -> String {
    format!("{}({})", c.name.name, c.args.iter().map(expr).collect::<Vec<_>>().join(", "))
}

/// Prints an expression as NESTML text.
pub fn expr(e: &Expr) -> String {
    match &e.kind {
        ExprKind::Paren(inner) => format!("({})", expr(inner)),
        ExprKind::Unary(op, operand) => {
            let sym = match op {
                UnaryOp::Plus => "+",
                UnaryOp::Minus => "-",
                UnaryOp::BitNot => "~",
            };
            format!("{sym}{}", expr(operand))
        }
        ExprKind::Not(operand) => format!("not {}", expr(operand)),
        ExprKind::Binary(op, l, r) => format!("{} {} {}", expr(l), op.symbol(), expr(r)),
        ExprKind::Ternary(c, a, b) => format!("{} ? {} : {}", expr(c), expr(a), expr(b)),
        ExprKind::Call(c) => call(c),
        ExprKind::Bool(b) => if *b { "true" } else { "false" }.into(),
        ExprKind::Number { literal, unit: None } => literal.text.clone(),
        ExprKind::Number { literal, unit: Some(u) } => format!("{} {}", literal.text, unit_type(u)),
        ExprKind::String(s) => format!("\"{s}\""),
        ExprKind::Inf => "inf".into(),
        ExprKind::Var(v) => variable(v),
    }
}
