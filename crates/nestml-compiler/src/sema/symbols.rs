//! The model-level symbol table: every variable, port, kernel and function a model declares.

use std::collections::HashMap;

use super::predefined;
use super::types::{resolve_data_type, Type};
use super::units::Unit;
use crate::diagnostics::{Code, Diagnostic, Span};
use crate::syntax::ast::*;

/// What kind of thing a variable name denotes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VarKind {
    State,
    Parameter,
    Internal,
    /// An inline expression of the equations block.
    Inline,
    Kernel,
    SpikePort,
    ContinuousPort,
    /// A local variable or function parameter.
    Local,
}

impl From<VariablesKind> for VarKind {
    fn from(kind: VariablesKind) -> Self {
        match kind {
            VariablesKind::State => VarKind::State,
            VariablesKind::Parameters => VarKind::Parameter,
            VariablesKind::Internals => VarKind::Internal,
        }
    }
}

impl VarKind {
    /// Variables of these kinds may be used anywhere in the model, even above their declaration.
    pub fn order_free(self) -> bool {
        matches!(self, VarKind::State | VarKind::Parameter | VarKind::Internal | VarKind::SpikePort | VarKind::ContinuousPort | VarKind::Kernel)
    }

    /// How the kind is named in messages.
    pub fn describe(self) -> &'static str {
        match self {
            VarKind::State => "state variable",
            VarKind::Parameter => "parameter",
            VarKind::Internal => "internal",
            VarKind::Inline => "inline expression",
            VarKind::Kernel => "kernel",
            VarKind::SpikePort => "spike input port",
            VarKind::ContinuousPort => "continuous input port",
            VarKind::Local => "local variable",
        }
    }
}

/// One declared variable.
#[derive(Clone, Debug)]
pub struct VarSymbol<'a> {
    /// The name with its derivative marks, e.g. `V_m` or `g_ex'`.
    pub name: String,
    pub kind: VarKind,
    pub ty: Type,
    /// The span of the name in its declaration.
    pub name_span: Span,
    /// The span of the whole declaring element (declaration, inline, kernel or port).
    pub decl_span: Span,
    /// The vector size expression, for vector variables and ports.
    pub size: Option<&'a Expr>,
    /// The declared initial value or defining expression.
    pub rhs: Option<&'a Expr>,
    /// The `inline` flag on a declaration in a variables block.
    pub inline_decl: bool,
}

/// All model-level names of one model.
#[derive(Debug)]
pub struct ModelSymbols<'a> {
    pub model: &'a Model,
    pub vars: HashMap<String, VarSymbol<'a>>,
    pub functions: HashMap<String, &'a Function>,
}

impl<'a> ModelSymbols<'a> {
    /// Collects the symbols of `model`, reporting names declared twice (E0102), names that
    /// clash with predefined variables, unit-like names (W0003) and bad types.
    pub fn collect(model: &'a Model, diags: &mut Vec<Diagnostic>) -> Self {
        let mut syms = ModelSymbols { model, vars: HashMap::new(), functions: HashMap::new() };
        for block in &model.blocks {
            match block {
                Block::Variables(vb) => {
                    let kind = VarKind::from(vb.kind);
                    for d in &vb.declarations {
                        let ty = resolve_data_type(&d.data_type, diags);
                        for v in &d.variables {
                            let sym = VarSymbol {
                                name: complete_name(v),
                                kind,
                                ty: ty.clone(),
                                name_span: v.name.span,
                                decl_span: d.span,
                                size: v.index.as_deref(),
                                rhs: d.rhs.as_ref(),
                                inline_decl: d.inline,
                            };
                            syms.declare(sym, diags);
                        }
                    }
                }
                Block::Equations(eb) => {
                    for item in &eb.items {
                        match &item.kind {
                            EquationKind::Inline { name, data_type, rhs, .. } => {
                                let ty = resolve_data_type(data_type, diags);
                                let sym = VarSymbol { name: name.name.clone(), kind: VarKind::Inline, ty, name_span: name.span, decl_span: item.span, size: None, rhs: Some(rhs), inline_decl: false };
                                syms.declare(sym, diags);
                            }
                            EquationKind::Kernel { parts, .. } => {
                                for (v, rhs) in parts {
                                    // `kernel g' = …` needs `g` in the state block (E0304); if it
                                    // is missing, `g` still names the kernel, so that its uses are
                                    // not reported again as undefined
                                    if !syms.vars.contains_key(&v.name.name) {
                                        let sym = VarSymbol { name: v.name.name.clone(), kind: VarKind::Kernel, ty: Type::Real, name_span: v.name.span, decl_span: item.span, size: None, rhs: Some(rhs), inline_decl: false };
                                        syms.declare(sym, diags);
                                    }
                                }
                            }
                            EquationKind::Ode { .. } => {}
                        }
                    }
                }
                Block::Input(ib) => {
                    for port in &ib.ports {
                        let (kind, ty) = match &port.kind {
                            PortKind::Spike { .. } => (VarKind::SpikePort, Type::Unit(per_second())),
                            PortKind::Continuous { data_type } => (VarKind::ContinuousPort, resolve_data_type(data_type, diags)),
                        };
                        let sym = VarSymbol { name: port.name.name.clone(), kind, ty, name_span: port.name.span, decl_span: port.span, size: port.size.as_ref(), rhs: None, inline_decl: false };
                        syms.declare(sym, diags);
                    }
                }
                Block::Function(f) => {
                    // duplicates are reported by the context conditions (E0105)
                    syms.functions.entry(f.name.name.clone()).or_insert(f);
                }
                _ => {}
            }
        }
        syms
    }

    fn declare(&mut self, sym: VarSymbol<'a>, diags: &mut Vec<Diagnostic>) {
        check_new_name(&sym.name, sym.name_span, diags);
        if let Some(first) = self.vars.get(&sym.name) {
            diags.push(if first.decl_span == sym.decl_span { repeated_in_declaration(&sym.name, sym.name_span) } else { redeclared(&sym.name, sym.name_span, first.name_span) });
            return;
        }
        self.vars.insert(sym.name.clone(), sym);
    }

    /// The model-level variable named `name` (with derivative marks).
    pub fn var(&self, name: &str) -> Option<&VarSymbol<'a>> {
        self.vars.get(name)
    }
}

/// The error for a name declared a second time.
pub fn redeclared(name: &str, span: Span, first: Span) -> Diagnostic {
    Diagnostic::error(Code::E0102, span, format!("`{name}` is declared more than once"))
        .with_label(first, "first declared here")
        .with_help("rename one of the two, or remove the second declaration")
}

/// The warning for `a, a real`: PyNESTML does not detect it; the second name is ignored.
pub fn repeated_in_declaration(name: &str, span: Span) -> Diagnostic {
    Diagnostic::warning(Code::W0008, span, format!("`{name}` appears twice in this declaration")).with_help("remove the second one")
}

/// Reports a new variable that redeclares a predefined variable (E0102) or is named like a
/// physical unit (W0003).
pub fn check_new_name(name: &str, span: Span, diags: &mut Vec<Diagnostic>) {
    if predefined::variable(name).is_some() {
        diags.push(Diagnostic::error(Code::E0102, span, format!("`{name}` is a predefined variable and cannot be declared again")).with_help("choose another name"));
    } else if Unit::lookup(name).is_some() {
        diags.push(
            Diagnostic::warning(Code::W0003, span, format!("the variable `{name}` has the same name as a physical unit"))
                .with_note(format!("in this model `{name}` means the variable, not the unit")),
        );
    }
}

/// A variable's name with its derivative marks: `V_m`, `g'`, `x''`.
pub fn complete_name(v: &Variable) -> String {
    format!("{}{}", v.name.name, "'".repeat(v.order as usize))
}

/// The unit of a spike input port's value: `1/s`.
pub fn per_second() -> Unit {
    Unit::lookup("s").expect("s is a unit").recip()
}
