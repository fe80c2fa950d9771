//! Input and output ports, `emit_spike`, `onReceive` handlers and vector sizes (E0313-E0315,
//! E0405, E0406, E0215, E0216).
//!
//! PyNESTML rules mirrored here:
//! - a spike input port has at most one qualifier: `excitatory inhibitory` is rejected as
//!   much as `excitatory excitatory` (E0313);
//! - `emit_spike(…)` takes at most one argument (E0315) and needs exactly one output block,
//!   of kind `spike` (E0314; two output blocks are reported as E0103);
//! - `onReceive` priorities (E0405), following PyNESTML exactly: the handlers with a
//!   `priority` are grouped by the priority as written, the last handler of each group
//!   standing for it; every priority must be an integer; if the remaining handlers give
//!   priorities for exactly one port, or two ports share a priority value, the model is
//!   rejected. So a single handler with a priority, two handlers with the same priority and
//!   two prioritised handlers of one port are errors, while handlers without any priority
//!   are fine;
//! - `onReceive(name)` names a spike input port (E0406; PyNESTML accepts any name and only
//!   the C++ it generates for NEST fails to compile, so this is a NEST-target check, see
//!   [`check_on_receive_ports`]);
//! - the size of a vector variable is an integer literal or the name of a parameter or
//!   internal (E0215; checked for declarations in every block, local ones included; the
//!   literal's value and the name's type are checked by typing, E0213);
//! - the size of a vector input port (E0216) is an integer or decimal literal (PyNESTML
//!   truncates a decimal and accepts 0), not a negative literal, or the name of a variable
//!   whose initial value is an integer literal (0 and a unit are accepted there too); any
//!   other expression makes PyNESTML fail.

use std::collections::HashMap;

use super::walk::{walk_model, Cx, Resolved, Visit};
use crate::diagnostics::{Code, Diagnostic, Span};
use crate::sema::symbols::{complete_name, ModelSymbols, VarKind};
use crate::syntax::ast::*;

/// Runs the checks of this module.
pub fn check(model: &Model, syms: &ModelSymbols, diags: &mut Vec<Diagnostic>) {
    check_input_ports(model, syms, diags);
    check_emit_spike(model, diags);
    check_priorities(model, diags);
    let mut v = VectorSizes { syms, diags };
    walk_model(model, &mut v);
}

// ----- input ports: E0313, E0216 ----------------------------------------------------------

fn check_input_ports(model: &Model, syms: &ModelSymbols, diags: &mut Vec<Diagnostic>) {
    for block in &model.blocks {
        let Block::Input(ib) = block else { continue };
        for port in &ib.ports {
            if let PortKind::Spike { qualifiers } = &port.kind {
                if let (Some((q1, _)), Some((q2, span))) = (qualifiers.first(), qualifiers.get(1)) {
                    let word = |q: &Qualifier| match q {
                        Qualifier::Excitatory => "excitatory",
                        Qualifier::Inhibitory => "inhibitory",
                    };
                    let msg = if q1 == q2 {
                        format!("the spike input port `{}` is marked `{}` twice", port.name.name, word(q1))
                    } else {
                        format!("the spike input port `{}` is marked both `{}` and `{}`", port.name.name, word(q1), word(q2))
                    };
                    diags.push(Diagnostic::error(Code::E0313, port.name.span, msg).with_label(*span, "second qualifier").with_help(
                        "give a spike port at most one qualifier; to tell excitatory from inhibitory input on one port, leave out the qualifier and test the sign of the weight",
                    ));
                }
            }
            if let Some(size) = &port.size {
                check_port_size(port, size, syms, diags);
            }
        }
    }
}

fn check_port_size(port: &InputPort, size: &Expr, syms: &ModelSymbols, diags: &mut Vec<Diagnostic>) {
    let name = &port.name.name;
    let help = "write a positive integer, e.g. `spikes[2] <- spike`, or the name of an integer parameter";
    match &size.kind {
        // PyNESTML truncates a decimal literal and accepts 0
        ExprKind::Number { .. } => {}
        ExprKind::Unary(UnaryOp::Minus, inner) if matches!(inner.kind, ExprKind::Number { .. }) => {
            diags.push(Diagnostic::error(Code::E0216, port.name.span, format!("the size of the input port `{name}` must be greater than zero")).with_label(size.span, "this size").with_help(help));
        }
        ExprKind::Var(v) if v.index.is_none() => {
            // names that do not resolve are reported by name resolution (E0101)
            let Some(sym) = syms.var(&v.name.name) else { return };
            let ok = match sym.rhs.map(|e| &e.kind) {
                Some(ExprKind::Number { literal, .. }) => literal.is_integer,
                _ => false,
            };
            if !ok {
                let what = match sym.rhs {
                    None => format!("`{}` has no integer literal as its value", v.name.name),
                    Some(_) => format!("the value of `{}` is not an integer literal", v.name.name),
                };
                diags.push(
                    Diagnostic::error(Code::E0216, port.name.span, format!("the size of the input port `{name}` must be a positive integer, but {what}"))
                        .with_label(size.span, "this size")
                        .with_label(sym.name_span, "declared here")
                        .with_help(format!("declare it as e.g. `{} integer = 2` in the parameters block", v.name.name)),
                );
            }
        }
        _ => {
            diags.push(
                Diagnostic::error(Code::E0216, port.name.span, format!("the size of the input port `{name}` must be an integer literal or the name of a parameter"))
                    .with_label(size.span, "this size")
                    .with_help(help),
            );
        }
    }
}

// ----- emit_spike: E0314, E0315 ------------------------------------------------------------

fn check_emit_spike(model: &Model, diags: &mut Vec<Diagnostic>) {
    let outputs: Vec<&OutputBlock> = model.blocks.iter().filter_map(|b| if let Block::Output(o) = b { Some(o) } else { None }).collect();
    for (_, call) in super::walk::calls(model) {
        if call.name.name != "emit_spike" {
            continue;
        }
        if let Some(extra) = call.args.get(1) {
            diags.push(
                Diagnostic::error(Code::E0315, call.name.span, format!("`emit_spike` takes at most one argument, but {} were given", call.args.len()))
                    .with_label(extra.span, "unexpected argument")
                    .with_help("write `emit_spike()` in a neuron, or `emit_spike(weight)` in a synapse"),
            );
        }
        match outputs.as_slice() {
            [] => diags.push(
                Diagnostic::error(Code::E0314, call.name.span, "`emit_spike` is called, but the model has no output block")
                    .with_help("add an output block:\n    output:\n        spike"),
            ),
            [o] if o.kind != OutputKind::Spike => diags.push(
                Diagnostic::error(Code::E0314, call.name.span, "`emit_spike` is called, but the model's output is continuous")
                    .with_label(o.kind_span, "declared continuous here")
                    .with_help("declare `spike` in the output block"),
            ),
            // one spike output block; more than one is reported as E0103
            _ => {}
        }
    }
}

// ----- onReceive: E0406, E0405 ------------------------------------------------------------

fn on_receive_blocks(model: &Model) -> Vec<&OnReceive> {
    model.blocks.iter().filter_map(|b| if let Block::OnReceive(r) = b { Some(r) } else { None }).collect()
}

/// E0406: every `onReceive` names a spike input port. Not part of [`check`]: PyNESTML
/// accepts any name there and only the NEST C++ it generates fails to compile, so this is
/// one of the NEST target's checks ([`super::check_nest_target`]).
pub fn check_on_receive_ports(model: &Model, syms: &ModelSymbols, diags: &mut Vec<Diagnostic>) {
    for r in on_receive_blocks(model) {
        let name = &r.port.name;
        match syms.var(name) {
            Some(sym) if sym.kind == VarKind::SpikePort => {}
            Some(sym) => diags.push(
                Diagnostic::error(Code::E0406, r.port.span, format!("`onReceive` needs a spike input port, but `{name}` is a {}", sym.kind.describe()))
                    .with_label(sym.name_span, "declared here")
                    .with_help("name a port declared as `name <- spike` in the input block"),
            ),
            None => diags.push(
                Diagnostic::error(Code::E0406, r.port.span, format!("`onReceive` names `{name}`, but there is no input port of that name"))
                    .with_help(format!("declare it in the input block: `{name} <- spike`")),
            ),
        }
    }
}

/// A handler's `priority` parameter (the last one, if given twice).
fn priority_of(r: &OnReceive) -> Option<&ConstParameter> {
    r.parameters.iter().rev().find(|p| p.name.name == "priority")
}

/// The priority as written in the source, as PyNESTML groups handlers by it.
fn priority_text(e: &Expr) -> String {
    match &e.kind {
        ExprKind::Number { literal, .. } => literal.text.clone(),
        ExprKind::Bool(b) => b.to_string(),
        ExprKind::String(s) => format!("{s:?}"),
        ExprKind::Inf => "inf".to_string(),
        _ => String::new(),
    }
}

/// The integer value of a priority (leading zeros removed), or `None` when it is not an
/// integer literal.
fn priority_value(e: &Expr) -> Option<String> {
    match &e.kind {
        ExprKind::Number { literal, unit: None } if literal.is_integer && !literal.text.is_empty() && literal.text.bytes().all(|b| b.is_ascii_digit()) => {
            let t = literal.text.trim_start_matches('0');
            Some(if t.is_empty() { "0".to_string() } else { t.to_string() })
        }
        _ => None,
    }
}

fn check_priorities(model: &Model, diags: &mut Vec<Diagnostic>) {
    let handlers: Vec<(&OnReceive, &ConstParameter)> = on_receive_blocks(model).into_iter().filter_map(|r| priority_of(r).map(|p| (r, p))).collect();
    if handlers.is_empty() {
        return;
    }
    // every priority must be an integer (PyNESTML fails on anything else)
    let mut malformed = false;
    for (_, p) in &handlers {
        if priority_value(&p.value).is_none() {
            malformed = true;
            diags.push(
                Diagnostic::error(Code::E0405, p.value.span, "an `onReceive` priority must be a non-negative integer")
                    .with_help("write e.g. `onReceive(spikes, priority=1)`; handlers with a higher priority run first"),
            );
        }
    }
    if malformed {
        return;
    }
    // handlers with the same priority text: the last one stands for all
    let mut by_text: Vec<(String, usize)> = Vec::new();
    for (i, (_, p)) in handlers.iter().enumerate() {
        let text = priority_text(&p.value);
        match by_text.iter_mut().find(|(t, _)| *t == text) {
            Some(entry) => entry.1 = i,
            None => by_text.push((text, i)),
        }
    }
    by_text.sort_by(|a, b| b.0.cmp(&a.0));
    // priority by port, in that order
    let mut by_port: Vec<(&str, String, usize)> = Vec::new();
    for (_, i) in &by_text {
        let (r, p) = handlers[*i];
        let value = priority_value(&p.value).unwrap_or_default();
        match by_port.iter_mut().find(|(port, _, _)| *port == r.port.name) {
            Some(entry) => {
                entry.1 = value;
                entry.2 = *i;
            }
            None => by_port.push((&r.port.name, value, *i)),
        }
    }
    let help = "give every `onReceive` handler a different priority, or give none of them a priority";
    if by_port.len() == 1 {
        // explain why only one port is left
        let same_text = (1..handlers.len()).find(|&j| (0..j).any(|i| priority_text(&handlers[i].1.value) == priority_text(&handlers[j].1.value)));
        let same_port = (1..handlers.len()).find(|&j| (0..j).any(|i| handlers[i].0.port.name == handlers[j].0.port.name));
        let d = if let Some(j) = same_text {
            let (_, p) = handlers[j];
            let first = handlers.iter().find(|(_, q)| priority_text(&q.value) == priority_text(&p.value)).map(|(_, q)| q.value.span);
            let (r, _) = handlers[j];
            let mut d = Diagnostic::error(Code::E0405, r.keyword, format!("two `onReceive` handlers have the priority {}", priority_text(&p.value)))
                .with_label(p.value.span, "this priority")
                .with_help(help);
            if let Some(span) = first {
                d = d.with_label(span, "the same priority is given here");
            }
            d
        } else if let Some(j) = same_port {
            let (r, _) = handlers[j];
            Diagnostic::error(Code::E0405, r.keyword, format!("priorities are given only to handlers of the port `{}`", r.port.name))
                .with_note("priorities order the handlers of different ports")
                .with_help(help)
        } else {
            let (r, p) = handlers[0];
            Diagnostic::error(Code::E0405, r.keyword, format!("only the `onReceive` handler of `{}` has a priority", r.port.name)).with_label(p.span, "the only priority").with_help(
                if on_receive_blocks(model).len() > 1 {
                    "give every `onReceive` handler a priority, or none of them"
                } else {
                    "a priority orders several handlers; remove it, or give every handler one"
                },
            )
        };
        diags.push(d);
        return;
    }
    // priority values must differ
    let mut seen: HashMap<&str, Span> = HashMap::new();
    let mut order: Vec<usize> = by_port.iter().map(|(_, _, i)| *i).collect();
    order.sort_unstable();
    for i in order {
        let (r, p) = handlers[i];
        let Some((_, value, _)) = by_port.iter().find(|(_, _, j)| *j == i) else { continue };
        if let Some(&first) = seen.get(value.as_str()) {
            diags.push(
                Diagnostic::error(Code::E0405, r.keyword, format!("two `onReceive` handlers have the priority {value}"))
                    .with_label(p.value.span, "this priority")
                    .with_label(first, "the same priority is given here")
                    .with_help(help),
            );
            return;
        }
        seen.insert(value, p.value.span);
    }
}

// ----- vector sizes: E0215 ------------------------------------------------------------------

struct VectorSizes<'s, 'a, 'd> {
    syms: &'s ModelSymbols<'a>,
    diags: &'d mut Vec<Diagnostic>,
}

impl<'a> Visit<'a> for VectorSizes<'_, 'a, '_> {
    fn var(&mut self, cx: &Cx<'a, '_>, v: &'a Variable) {
        // only the variables a declaration declares
        let Some(decl) = cx.decl else { return };
        if !decl.variables.iter().any(|dv| std::ptr::eq(dv, v)) {
            return;
        }
        let Some(size) = v.index.as_deref() else { return };
        let name = complete_name(v);
        match &size.kind {
            // the literal's type and value are checked by typing (E0213)
            ExprKind::Number { .. } => {}
            ExprKind::Unary(UnaryOp::Minus, inner) if matches!(inner.kind, ExprKind::Number { .. }) => {}
            ExprKind::Var(sv) if sv.index.is_none() => {
                let size_name = complete_name(sv);
                let (what, decl) = match cx.resolve(self.syms, &size_name) {
                    // undeclared names are reported by name resolution (E0101)
                    None => return,
                    Some(Resolved::Model(s)) if matches!(s.kind, VarKind::Parameter | VarKind::Internal) => return,
                    Some(Resolved::Model(s)) => (s.kind.describe(), Some(s.name_span)),
                    Some(Resolved::Local) => ("local variable", cx.locals.and_then(|l| l.span_of(&size_name))),
                    Some(Resolved::Predefined) => ("predefined variable", None),
                };
                let mut d = Diagnostic::error(Code::E0215, v.span, format!("the size of the vector `{name}` must be a parameter or internal, but `{size_name}` is a {what}"))
                    .with_help(format!("declare `{size_name}` as an integer in the parameters or internals block"));
                if let Some(span) = decl {
                    d = d.with_label(span, "declared here");
                }
                self.diags.push(d);
            }
            _ => {
                self.diags.push(
                    Diagnostic::error(Code::E0215, v.span, format!("the size of the vector `{name}` must be an integer literal or the name of a parameter or internal"))
                        .with_help("declare the size as an integer parameter, e.g. `N integer = 3`, and write `v[N]`"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_util::{expect, expect_nest};
    use crate::diagnostics::Code::*;

    #[test]
    fn qualifiers() {
        expect("model m:\n    input:\n        sp <- excitatory inhibitory spike\n        sq <- inhibitory inhibitory spike\n        sr <- inhibitory spike\n", &[(E0313, "3:9"), (E0313, "4:9")]);
    }

    #[test]
    fn emit_spike() {
        expect("model m:\n    update:\n        emit_spike()\n", &[(E0314, "3:9")]);
        expect("model m:\n    function f() real:\n        emit_spike()\n        return 1\n", &[(E0314, "3:9")]);
        expect("model m:\n    output:\n        continuous\n    update:\n        emit_spike()\n", &[(E0314, "5:9")]);
        expect("model m:\n    output:\n        spike\n    update:\n        emit_spike(1, 2)\n", &[(E0315, "5:9")]);
        expect("model m:\n    output:\n        spike\n    update:\n        emit_spike(1.5)\n", &[]);
    }

    #[test]
    fn on_receive_ports() {
        let head = "model m:\n    state:\n        x real = 0\n    input:\n        sp <- spike\n        I_in pA <- continuous\n";
        expect_nest(&format!("{head}    onReceive(sp):\n        x = 1\n"), &[]);
        // PyNESTML accepts these unless generating code for NEST
        expect(&format!("{head}    onReceive(foo):\n        x = 1\n"), &[]);
        expect_nest(&format!("{head}    onReceive(I_in):\n        x = 1\n"), &[(E0406, "7:15")]);
        expect_nest(&format!("{head}    onReceive(x):\n        x = 1\n"), &[(E0406, "7:15")]);
        expect_nest(&format!("{head}    onReceive(foo):\n        x = 1\n"), &[(E0406, "7:15")]);
    }

    fn prio(handlers: &[(&str, Option<&str>)]) -> String {
        let mut s = String::from("model m:\n    state:\n        x real = 0\n    input:\n        sa <- spike\n        sb <- spike\n        sc <- spike\n");
        for (port, p) in handlers {
            match p {
                Some(p) => s.push_str(&format!("    onReceive({port}, priority={p}):\n        x = 1\n")),
                None => s.push_str(&format!("    onReceive({port}):\n        x = 1\n")),
            }
        }
        s
    }

    #[test]
    fn priorities() {
        // no priorities, or all distinct
        expect(&prio(&[("sa", None), ("sb", None)]), &[]);
        expect(&prio(&[("sa", Some("1")), ("sb", Some("2")), ("sc", Some("10"))]), &[]);
        // exactly one prioritised handler, even if it is the only handler
        expect(&prio(&[("sa", Some("1")), ("sb", None)]), &[(E0405, "8:5")]);
        expect(&prio(&[("sa", Some("1"))]), &[(E0405, "8:5")]);
        // equal priorities (PyNESTML keeps one of the two handlers, then sees one priority)
        expect(&prio(&[("sa", Some("1")), ("sb", Some("1"))]), &[(E0405, "10:5")]);
        // three handlers, two with the same priority: PyNESTML accepts this
        expect(&prio(&[("sa", Some("1")), ("sb", Some("2")), ("sc", Some("2"))]), &[]);
        // equal values written differently
        expect(&prio(&[("sa", Some("1")), ("sb", Some("01"))]), &[(E0405, "10:5")]);
        // two handlers of one port with priorities
        expect(&prio(&[("sa", Some("1")), ("sa", Some("2"))]), &[(E0405, "10:5")]);
        // not an integer
        expect(&prio(&[("sa", Some("1.5")), ("sb", Some("2"))]), &[(E0405, "8:28")]);
        expect(&prio(&[("sa", Some("\"x\"")), ("sb", Some("2"))]), &[(E0405, "8:28")]);
        // other parameters are ignored
        expect(&prio(&[("sa", Some("1")), ("sb", None)]).replace("(sb)", "(sb, foo=1)"), &[(E0405, "8:5")]);
    }

    #[test]
    fn port_sizes() {
        let p = |size: &str, params: &str| format!("model m:\n    parameters:\n{params}    state:\n        s integer = 2\n    input:\n        sp[{size}] <- spike\n");
        let n = "        n integer = 2\n";
        expect(&p("2", n), &[]);
        expect(&p("n", n), &[]);
        // PyNESTML quirks: 0, a decimal and a state variable are accepted
        expect(&p("0", n), &[]);
        expect(&p("2.5", n), &[]);
        expect(&p("s", n), &[]);
        expect(&p("-2", n), &[(E0216, "7:9")]);
        expect(&p("n + 1", n), &[(E0216, "7:9")]);
        expect(&p("n", "        n real = 2.0\n"), &[(E0216, "7:9")]);
        expect(&p("n", "        n integer = 1 + 1\n"), &[(E0216, "7:9")]);
        expect(&p("n", "        n integer = -2\n"), &[(E0216, "7:9")]);
        expect(&p("n", "        n integer = 0\n"), &[]);
    }

    #[test]
    fn vector_sizes() {
        let head = "model m:\n    parameters:\n        n integer = 3\n    internals:\n        k integer = 2\n    state:\n        s integer = 3\n";
        expect(&format!("{head}        v[n] real = 0\n        w[k] real = 0\n        u[3] real = 0\n"), &[]);
        expect(&format!("{head}        v[s] real = 0\n"), &[(E0215, "8:9")]);
        expect(&format!("{head}        v[n + 1] real = 0\n"), &[(E0215, "8:9")]);
        expect(&format!("{head}        x real = 0\n    update:\n        j integer = 3\n        v[j] real = 0\n        x = v[0]\n"), &[(E0215, "11:9")]);
        // the index of a vector element in an expression is not a declaration
        expect(&format!("{head}        v[n] real = 0\n    update:\n        v[s] = 1\n"), &[]);
    }
}
