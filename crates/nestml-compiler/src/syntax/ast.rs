//! The NESTML abstract syntax tree. Every node carries the [`Span`] of its source text.
//!
//! The tree mirrors the NESTML 9 grammar (PyNestMLParser.g4); it is produced by
//! [`super::parse`] and rendered back to text by [`super::print`].

use crate::diagnostics::{FileId, Span};

/// A parsed `.nestml` file: zero or more models.
#[derive(Clone, Debug, PartialEq)]
pub struct CompilationUnit {
    pub file: FileId,
    pub models: Vec<Model>,
}

/// A name with its location.
#[derive(Clone, Debug, PartialEq)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

/// Comments attached to an element, as NESTML attaches them: the comment lines directly
/// above it and a comment at the end of its (first) line.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Comments {
    /// Text of each `#` line above the element, without the `#`.
    pub pre: Vec<String>,
    /// Text of the `#` comment on the element's line, without the `#`.
    pub trailing: Option<String>,
}

/// `model NAME:` with its blocks.
#[derive(Clone, Debug, PartialEq)]
pub struct Model {
    pub name: Ident,
    pub blocks: Vec<Block>,
    pub comments: Comments,
    pub span: Span,
}

/// One block of a model body.
#[derive(Clone, Debug, PartialEq)]
pub enum Block {
    Variables(VariablesBlock),
    Equations(EquationsBlock),
    Input(InputBlock),
    Output(OutputBlock),
    Function(Function),
    OnReceive(OnReceive),
    OnCondition(OnCondition),
    Update(UpdateBlock),
}

impl Block {
    /// The span of the block's keyword (where "defined twice" errors point).
    pub fn keyword_span(&self) -> Span {
        match self {
            Block::Variables(b) => b.keyword,
            Block::Equations(b) => b.keyword,
            Block::Input(b) => b.keyword,
            Block::Output(b) => b.keyword,
            Block::Function(b) => b.keyword,
            Block::OnReceive(b) => b.keyword,
            Block::OnCondition(b) => b.keyword,
            Block::Update(b) => b.keyword,
        }
    }
}

/// Which kind of variables block.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum VariablesKind {
    State,
    Parameters,
    Internals,
}

impl VariablesKind {
    /// The block's keyword.
    pub fn keyword(self) -> &'static str {
        match self {
            VariablesKind::State => "state",
            VariablesKind::Parameters => "parameters",
            VariablesKind::Internals => "internals",
        }
    }
}

/// `state:`, `parameters:` or `internals:` with declarations.
#[derive(Clone, Debug, PartialEq)]
pub struct VariablesBlock {
    pub kind: VariablesKind,
    pub keyword: Span,
    pub declarations: Vec<Declaration>,
    pub comments: Comments,
    pub span: Span,
}

/// `recordable inline a, b[n] unit = rhs [[invariant]] @decorators`.
#[derive(Clone, Debug, PartialEq)]
pub struct Declaration {
    pub recordable: bool,
    pub inline: bool,
    pub variables: Vec<Variable>,
    pub data_type: DataType,
    pub rhs: Option<Expr>,
    pub invariant: Option<Expr>,
    pub decorators: Vec<Decorator>,
    pub comments: Comments,
    pub span: Span,
}

/// `@homogeneous`, `@heterogeneous` or `@namespace::name`.
#[derive(Clone, Debug, PartialEq)]
pub enum Decorator {
    Homogeneous(Span),
    Heterogeneous(Span),
    Namespaced { namespace: Ident, name: Ident, span: Span },
}

/// A variable reference: `name`, `name[index]`, `name'`, `name''` ….
#[derive(Clone, Debug, PartialEq)]
pub struct Variable {
    pub name: Ident,
    pub index: Option<Box<Expr>>,
    /// Number of `'` marks (differential order).
    pub order: u32,
    pub span: Span,
}

/// A declared type: a primitive or a physical unit.
#[derive(Clone, Debug, PartialEq)]
pub enum DataType {
    Integer(Span),
    Real(Span),
    String(Span),
    Boolean(Span),
    Void(Span),
    Unit(UnitType),
}

impl DataType {
    /// The span of the type in the source.
    pub fn span(&self) -> Span {
        match self {
            DataType::Integer(s) | DataType::Real(s) | DataType::String(s) | DataType::Boolean(s) | DataType::Void(s) => *s,
            DataType::Unit(u) => u.span,
        }
    }
}

/// A unit type such as `mV`, `nS/ms`, `1/s`, `(ms*mV)**-1`, `ms**(1/2)`.
#[derive(Clone, Debug, PartialEq)]
pub struct UnitType {
    pub kind: UnitTypeKind,
    pub span: Span,
}

/// The shapes of a unit type.
#[derive(Clone, Debug, PartialEq)]
pub enum UnitTypeKind {
    Name(Ident),
    Paren(Box<UnitType>),
    Pow(Box<UnitType>, UnitExponent),
    Mul(Box<UnitType>, Box<UnitType>),
    Div(Box<UnitType>, Box<UnitType>),
    /// `N / unit`; NESTML requires `N == 1`.
    Reciprocal { numerator: u64, numerator_span: Span, unit: Box<UnitType> },
}

/// The exponent of `unit ** exponent`: an integer or decimal (optionally signed) or `(p/q)`.
#[derive(Clone, Debug, PartialEq)]
pub struct UnitExponent {
    pub negative: bool,
    pub value: ExponentValue,
    pub span: Span,
}

/// The magnitude of a unit exponent as written.
#[derive(Clone, Debug, PartialEq)]
pub enum ExponentValue {
    /// An integer or decimal literal, kept as written (`2`, `0.5`).
    Literal(String),
    /// `(num/den)`.
    Fraction(u64, u64),
}

/// An expression.
#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

impl Expr {
    /// The expression inside any number of parentheses.
    pub fn without_parens(&self) -> &Expr {
        match &self.kind {
            ExprKind::Paren(inner) => inner.without_parens(),
            _ => self,
        }
    }
}

/// The shapes of an expression.
#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    Paren(Box<Expr>),
    Unary(UnaryOp, Box<Expr>),
    Not(Box<Expr>),
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
    Ternary(Box<Expr>, Box<Expr>, Box<Expr>),
    Call(Call),
    Bool(bool),
    /// A number, optionally followed by a unit: `10`, `2.5e-3 mV`, `10mV`, `1 nS/ms`.
    Number { literal: NumberLit, unit: Option<UnitType> },
    String(String),
    Inf,
    Var(Variable),
}

/// A numeric literal as written.
#[derive(Clone, Debug, PartialEq)]
pub struct NumberLit {
    pub text: String,
    pub is_integer: bool,
    pub span: Span,
}

impl NumberLit {
    /// The literal's value.
    pub fn value(&self) -> f64 {
        self.text.parse().unwrap_or(f64::NAN)
    }
}

/// Prefix arithmetic operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnaryOp {
    Plus,
    Minus,
    BitNot,
}

/// Binary operators, in NESTML's precedence groups.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinaryOp {
    Pow,
    Mul,
    Div,
    /// `//`, integer division.
    FloorDiv,
    Mod,
    Add,
    Sub,
    BitAnd,
    BitXor,
    BitOr,
    Shl,
    Shr,
    Lt,
    Le,
    Eq,
    Ne,
    /// `<>`, a synonym of `!=`.
    NeAlt,
    Ge,
    Gt,
    And,
    Or,
}

impl BinaryOp {
    /// The operator as written.
    pub fn symbol(self) -> &'static str {
        use BinaryOp::*;
        match self {
            Pow => "**",
            Mul => "*",
            Div => "/",
            FloorDiv => "//",
            Mod => "%",
            Add => "+",
            Sub => "-",
            BitAnd => "&",
            BitXor => "^",
            BitOr => "|",
            Shl => "<<",
            Shr => ">>",
            Lt => "<",
            Le => "<=",
            Eq => "==",
            Ne => "!=",
            NeAlt => "<>",
            Ge => ">=",
            Gt => ">",
            And => "and",
            Or => "or",
        }
    }

    /// True for `< <= == != <> >= >`.
    pub fn is_comparison(self) -> bool {
        use BinaryOp::*;
        matches!(self, Lt | Le | Eq | Ne | NeAlt | Ge | Gt)
    }

    /// True for `& ^ | << >>`.
    pub fn is_bitwise(self) -> bool {
        use BinaryOp::*;
        matches!(self, BitAnd | BitXor | BitOr | Shl | Shr)
    }

    /// True for `and`, `or`.
    pub fn is_logical(self) -> bool {
        matches!(self, BinaryOp::And | BinaryOp::Or)
    }
}

/// `name(args…)`.
#[derive(Clone, Debug, PartialEq)]
pub struct Call {
    pub name: Ident,
    pub args: Vec<Expr>,
    pub span: Span,
}

/// One statement of a procedural block.
#[derive(Clone, Debug, PartialEq)]
pub struct Stmt {
    pub kind: StmtKind,
    pub comments: Comments,
    pub span: Span,
}

/// The shapes of a statement.
#[derive(Clone, Debug, PartialEq)]
pub enum StmtKind {
    Assign { lhs: Variable, op: AssignOp, rhs: Expr },
    Call(Call),
    Declaration(Declaration),
    Return(Option<Expr>),
    If { branches: Vec<(Expr, Vec<Stmt>)>, otherwise: Option<Vec<Stmt>> },
    For { var: Ident, from: Expr, to: Expr, step: NumberLit, step_negative: bool, body: Vec<Stmt> },
    While { condition: Expr, body: Vec<Stmt> },
}

/// `=`, `+=`, `-=`, `*=`, `/=`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AssignOp {
    Set,
    Add,
    Sub,
    Mul,
    Div,
    /// `//=`, integer division.
    FloorDiv,
}

impl AssignOp {
    /// The operator as written.
    pub fn symbol(self) -> &'static str {
        match self {
            AssignOp::Set => "=",
            AssignOp::Add => "+=",
            AssignOp::Sub => "-=",
            AssignOp::Mul => "*=",
            AssignOp::Div => "/=",
            AssignOp::FloorDiv => "//=",
        }
    }
}

/// `equations:` with ODEs, inline expressions and kernels.
#[derive(Clone, Debug, PartialEq)]
pub struct EquationsBlock {
    pub keyword: Span,
    pub items: Vec<Equation>,
    pub comments: Comments,
    pub span: Span,
}

/// One item of an equations block.
#[derive(Clone, Debug, PartialEq)]
pub struct Equation {
    pub kind: EquationKind,
    pub comments: Comments,
    pub span: Span,
}

/// The shapes of an equations-block item.
#[derive(Clone, Debug, PartialEq)]
pub enum EquationKind {
    /// `recordable inline name type = rhs @decorators`.
    Inline { recordable: bool, name: Ident, data_type: DataType, rhs: Expr, decorators: Vec<Decorator> },
    /// `x' = rhs @decorators`.
    Ode { lhs: Variable, rhs: Expr, decorators: Vec<Decorator> },
    /// `kernel g = …` or a `,`-joined system `kernel g' = …, g = …`.
    Kernel { keyword: Span, parts: Vec<(Variable, Expr)> },
}

/// `input:` with ports.
#[derive(Clone, Debug, PartialEq)]
pub struct InputBlock {
    pub keyword: Span,
    pub ports: Vec<InputPort>,
    pub comments: Comments,
    pub span: Span,
}

/// A spike or continuous input port.
#[derive(Clone, Debug, PartialEq)]
pub struct InputPort {
    pub name: Ident,
    pub size: Option<Expr>,
    pub kind: PortKind,
    pub comments: Comments,
    pub span: Span,
}

/// What an input port carries.
#[derive(Clone, Debug, PartialEq)]
pub enum PortKind {
    Spike { qualifiers: Vec<(Qualifier, Span)> },
    Continuous { data_type: DataType },
}

/// `inhibitory` or `excitatory`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Qualifier {
    Inhibitory,
    Excitatory,
}

/// `output:` with `spike` or `continuous`.
#[derive(Clone, Debug, PartialEq)]
pub struct OutputBlock {
    pub keyword: Span,
    pub kind: OutputKind,
    pub kind_span: Span,
    pub comments: Comments,
    pub span: Span,
}

/// What a model emits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputKind {
    Spike,
    Continuous,
}

/// `function name(params) type:` with a body.
#[derive(Clone, Debug, PartialEq)]
pub struct Function {
    pub keyword: Span,
    pub name: Ident,
    pub parameters: Vec<Parameter>,
    pub return_type: Option<DataType>,
    pub body: Vec<Stmt>,
    pub comments: Comments,
    pub span: Span,
}

/// `name type` in a parameter list.
#[derive(Clone, Debug, PartialEq)]
pub struct Parameter {
    pub name: Ident,
    pub data_type: DataType,
    pub span: Span,
}

/// `name = literal` in `onReceive(port, priority=1)`.
#[derive(Clone, Debug, PartialEq)]
pub struct ConstParameter {
    pub name: Ident,
    pub value: Expr,
    pub span: Span,
}

/// `onReceive(port, …):` with a body.
#[derive(Clone, Debug, PartialEq)]
pub struct OnReceive {
    pub keyword: Span,
    pub port: Ident,
    pub parameters: Vec<ConstParameter>,
    pub body: Vec<Stmt>,
    pub comments: Comments,
    pub span: Span,
}

/// `onCondition(expr, …):` with a body.
#[derive(Clone, Debug, PartialEq)]
pub struct OnCondition {
    pub keyword: Span,
    pub condition: Expr,
    pub parameters: Vec<ConstParameter>,
    pub body: Vec<Stmt>,
    pub comments: Comments,
    pub span: Span,
}

/// `update:` with a body.
#[derive(Clone, Debug, PartialEq)]
pub struct UpdateBlock {
    pub keyword: Span,
    pub body: Vec<Stmt>,
    pub comments: Comments,
    pub span: Span,
}
