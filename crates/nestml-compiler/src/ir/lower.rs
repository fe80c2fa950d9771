//! A checked model's AST to [`ModelIr`].

use super::expr::{ode_name, LowerError, Lowerer};
use super::{IrFunction, IrInline, IrKernel, IrOde, IrVariable, KernelDef, ModelIr};
use crate::sema::symbols::{complete_name, ModelSymbols, VarKind};
use crate::sema::typing::TypeInfo;
use crate::syntax::ast::{self, Block, EquationKind, ExprKind, PortKind};

/// Lowers one checked model (its symbols collected by [`ModelSymbols::collect`], its
/// expressions' types by the type checker).
pub fn lower_model(syms: &ModelSymbols, types: &TypeInfo) -> ModelIr {
    let model = syms.model;
    let mut lw = Lowerer::new(syms, types);
    let mut ir = ModelIr {
        name: model.name.name.clone(),
        doc: doc_lines(&model.comments),
        variables: Vec::new(),
        inlines: Vec::new(),
        odes: Vec::new(),
        kernels: Vec::new(),
        convolutions: Vec::new(),
        delayed: Vec::new(),
        spike_ports: Vec::new(),
        spike_qualifiers: Vec::new(),
        vector_ports: Vec::new(),
        continuous_ports: Vec::new(),
        continuous_units: Vec::new(),
        functions: Vec::new(),
        update: Vec::new(),
        on_receive: Vec::new(),
        on_receive_priority: Vec::new(),
        on_condition: Vec::new(),
        problems: Vec::new(),
        block_problems: Vec::new(),
    };
    let mut receive: Vec<(i64, usize, String, Vec<super::IrStmt>)> = Vec::new();
    let keep = |r: Result<nestml_ode::Expr, LowerError>, problems: &mut Vec<LowerError>| match r {
        Ok(e) => Some(e),
        Err(err) => {
            problems.push(err);
            None
        }
    };
    for block in &model.blocks {
        match block {
            Block::Variables(vb) => {
                let kind = VarKind::from(vb.kind);
                for d in &vb.declarations {
                    for v in &d.variables {
                        let Some(sym) = syms.var(&complete_name(v)) else { continue };
                        let default = d.rhs.as_ref().and_then(|rhs| keep(lw.expr(rhs), &mut ir.problems));
                        ir.variables.push(IrVariable {
                            name: ode_name(&v.name.name, v.order),
                            nestml_name: complete_name(v),
                            kind,
                            ty: sym.ty.clone(),
                            unit: sym.ty.unit().filter(|u| !u.is_dimensionless()).map(|u| u.nest_internal_unit().describe()),
                            default,
                            guard: d.invariant.as_ref().and_then(|g| lw.cond(g).ok()),
                            size: v.index.as_ref().and_then(|n| keep(lw.expr(n), &mut ir.problems)),
                            doc: doc_lines(&d.comments),
                            si: sym.ty.unit().filter(|u| !u.is_dimensionless()).and_then(|u| si_unit(&u.nest_internal_unit())),
                            span: v.span,
                        });
                    }
                }
            }
            Block::Equations(eb) => {
                for item in &eb.items {
                    match &item.kind {
                        EquationKind::Inline { recordable, name, rhs, .. } => {
                            if let Some(rhs) = keep(lw.expr(rhs), &mut ir.problems) {
                                let unit = syms.var(&name.name).and_then(|s| s.ty.unit()).filter(|u| !u.is_dimensionless()).map(|u| u.nest_internal_unit().describe());
                                ir.inlines.push(IrInline { name: name.name.clone(), rhs, recordable: *recordable, unit });
                            }
                        }
                        EquationKind::Ode { lhs, rhs, .. } => {
                            if let Some(rhs) = keep(lw.expr(rhs), &mut ir.problems) {
                                ir.odes.push(IrOde { name: lhs.name.name.clone(), order: lhs.order as usize, rhs, span: item.span });
                            }
                        }
                        EquationKind::Kernel { parts, .. } => {
                            if let Some(kernel) = lower_kernel(&mut lw, parts, item.span, &mut ir.problems) {
                                ir.kernels.push(kernel);
                            }
                        }
                    }
                }
            }
            Block::Input(ib) => {
                for port in &ib.ports {
                    if port.size.is_some() {
                        ir.vector_ports.push(port.name.name.clone());
                    }
                    match &port.kind {
                        PortKind::Spike { qualifiers } => {
                            let has = |q: ast::Qualifier| qualifiers.iter().any(|(x, _)| *x == q);
                            ir.spike_qualifiers.push((has(ast::Qualifier::Excitatory), has(ast::Qualifier::Inhibitory)));
                            ir.spike_ports.push(port.name.name.clone())
                        }
                        PortKind::Continuous { data_type } => {
                            let unit = crate::sema::types::resolve_data_type(data_type, &mut Vec::new()).unit().filter(|u| !u.is_dimensionless()).map(|u| u.nest_internal_unit().describe());
                            ir.continuous_ports.push(port.name.name.clone());
                            ir.continuous_units.push(unit);
                        }
                    }
                }
            }
            Block::Function(f) if !super::expr::is_formula(f) => match lw.stmts(&f.body) {
                Ok(body) => ir.functions.push(IrFunction {
                    name: f.name.name.clone(),
                    params: f.parameters.iter().map(|p| p.name.name.clone()).collect(),
                    body,
                }),
                Err(e) => ir.block_problems.push(e),
            },
            Block::Update(u) => match lw.stmts(&u.body) {
                Ok(body) => ir.update.extend(body),
                Err(e) => ir.block_problems.push(e),
            },
            Block::OnReceive(r) => match lw.stmts(&r.body) {
                Ok(body) => receive.push((priority(r), receive.len(), r.port.name.clone(), body)),
                Err(e) => ir.block_problems.push(e),
            },
            Block::OnCondition(c) => match lw.cond(&c.condition).and_then(|cond| Ok((cond, lw.stmts(&c.body)?))) {
                Ok(pair) => ir.on_condition.push(pair),
                Err(e) => ir.block_problems.push(e),
            },
            _ => {}
        }
    }
    // higher priority first; handlers without priority keep their source order
    receive.sort_by_key(|(p, order, ..)| (std::cmp::Reverse(*p), *order));
    ir.on_receive_priority = receive.iter().map(|(p, ..)| *p).collect();
    ir.on_receive = receive.into_iter().map(|(_, _, port, body)| (port, body)).collect();
    ir.convolutions = lw.convolutions;
    ir.delayed = lw.delayed;
    ir
}

/// A kernel: one part `g = f(t)` (or `c * delta(t)`), or parts `g^(n) = …` over states.
fn lower_kernel(lw: &mut Lowerer, parts: &[(ast::Variable, ast::Expr)], span: crate::diagnostics::Span, problems: &mut Vec<LowerError>) -> Option<IrKernel> {
    let (first, rhs) = parts.first()?;
    let name = first.name.name.clone();
    if parts.len() == 1 && first.order == 0 {
        if let Some(scale) = delta_scale(lw, rhs, problems) {
            return Some(IrKernel { name, def: KernelDef::Delta(scale), span });
        }
        return match lw.expr(rhs) {
            Ok(f) => Some(IrKernel { name, def: KernelDef::Function(f), span }),
            Err(e) => {
                problems.push(e);
                None
            }
        };
    }
    let mut odes = Vec::new();
    for (v, rhs) in parts {
        match lw.expr(rhs) {
            Ok(e) => odes.push((v.name.name.clone(), v.order as usize, e)),
            Err(e) => {
                problems.push(e);
                return None;
            }
        }
    }
    Some(IrKernel { name, def: KernelDef::Odes(odes), span })
}

/// For `delta(t)` or `c * delta(t)`: the factor `c`.
fn delta_scale(lw: &mut Lowerer, e: &ast::Expr, problems: &mut Vec<LowerError>) -> Option<nestml_ode::Expr> {
    match &e.kind {
        ExprKind::Paren(x) => delta_scale(lw, x, problems),
        ExprKind::Call(c) if c.name.name == "delta" => Some(nestml_ode::Expr::one()),
        ExprKind::Binary(ast::BinaryOp::Mul, a, b) => {
            let (factor, delta) = if delta_scale(lw, b, problems).is_some() { (a, b) } else { (b, a) };
            let inner = delta_scale(lw, delta, problems)?;
            match lw.expr(factor) {
                Ok(f) => Some(f * inner),
                Err(err) => {
                    problems.push(err);
                    None
                }
            }
        }
        _ => None,
    }
}

/// The `priority=N` of an `onReceive` handler (0 without one).
fn priority(r: &ast::OnReceive) -> i64 {
    r.parameters
        .iter()
        .find(|p| p.name.name == "priority")
        .and_then(|p| match &p.value.kind {
            ExprKind::Number { literal, .. } => literal.text.parse().ok(),
            _ => None,
        })
        .unwrap_or(0)
}

/// The lines of a comment, for doc comments of generated code.
fn doc_lines(c: &ast::Comments) -> Vec<String> {
    c.pre.iter().chain(&c.trailing).map(|l| l.trim_end().to_string()).collect()
}

/// `u` with integer exponents, if it has them.
fn si_unit(u: &crate::sema::units::Unit) -> Option<super::SiUnit> {
    let mut dims = [0; 7];
    for (d, r) in dims.iter_mut().zip(u.dims()) {
        *d = r.to_integer()?;
    }
    (u.factor() == 1.0).then_some(())?;
    Some(super::SiUnit { dims, exp10: u.exp10().to_integer()? })
}
