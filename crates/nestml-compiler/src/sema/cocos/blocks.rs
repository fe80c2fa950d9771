//! Blocks, models and functions that may exist only once (E0103, E0104, E0105, E0106).
//!
//! Diagnostics about a model or function defined twice point at the second one's keyword.
//!
//! PyNESTML rules mirrored here:
//! - `state`, `parameters`, `internals`, `equations`, `input`, `output` and `update` may each
//!   appear at most once; `function`, `onReceive` and `onCondition` blocks may repeat. (A
//!   missing `input` or `output` block is only a warning in PyNESTML and is not reported.)
//! - model names are unique within a file;
//! - a function name is declared once and does not redefine a predefined function;
//! - functions may not be named like the members NEST generates for every model.

use std::collections::HashMap;

use crate::diagnostics::{Code, Diagnostic, Span};
use crate::sema::predefined;
use crate::syntax::ast::*;

/// The member names of a NEST model class that a user function would collide with.
pub const NEST_NAMESPACE: &[&str] =
    &["update", "calibrate", "handle", "connect_sender", "check_connection", "get_status", "set_status", "init_state_", "init_buffers_"];

/// E0104: two models of one file with the same name.
pub fn check_unit(unit: &CompilationUnit, diags: &mut Vec<Diagnostic>) {
    let mut first: HashMap<&str, Span> = HashMap::new();
    for model in &unit.models {
        let name = model.name.name.as_str();
        match first.get(name) {
            Some(&span) => diags.push(
                Diagnostic::error(Code::E0104, model_head(model), format!("a model named `{name}` is already defined in this file"))
                    .with_label(span, "first defined here")
                    .with_help("rename one of the two models"),
            ),
            None => {
                first.insert(name, model_head(model));
            }
        }
    }
}

/// `model NAME`: where diagnostics about a whole model point.
pub fn model_head(model: &Model) -> Span {
    Span { file: model.name.span.file, start: model.span.start.min(model.name.span.start), end: model.name.span.end }
}

/// E0103, E0105, E0106.
pub fn check(model: &Model, diags: &mut Vec<Diagnostic>) {
    check_blocks_once(model, diags);
    check_functions(model, diags);
}

/// The name of a block kind that may appear only once, or `None` for repeatable blocks.
fn unique_block_name(block: &Block) -> Option<&'static str> {
    match block {
        Block::Variables(vb) => Some(vb.kind.keyword()),
        Block::Equations(_) => Some("equations"),
        Block::Input(_) => Some("input"),
        Block::Output(_) => Some("output"),
        Block::Update(_) => Some("update"),
        Block::Function(_) | Block::OnReceive(_) | Block::OnCondition(_) => None,
    }
}

fn check_blocks_once(model: &Model, diags: &mut Vec<Diagnostic>) {
    // PyNESTML reports each kind once, however often it repeats: report the second one
    let mut seen: HashMap<&'static str, (Span, bool)> = HashMap::new();
    for block in &model.blocks {
        let Some(name) = unique_block_name(block) else { continue };
        let here = block.keyword_span();
        match seen.get_mut(name) {
            None => {
                seen.insert(name, (here, false));
            }
            Some((first, reported)) => {
                if !*reported {
                    *reported = true;
                    diags.push(
                        Diagnostic::error(Code::E0103, here, format!("the `{name}` block is defined more than once in model `{}`", model.name.name))
                            .with_label(*first, "first defined here")
                            .with_help(format!("merge the two `{name}` blocks into one")),
                    );
                }
            }
        }
    }
}

fn check_functions(model: &Model, diags: &mut Vec<Diagnostic>) {
    let mut first: HashMap<&str, Span> = HashMap::new();
    for block in &model.blocks {
        let Block::Function(f) = block else { continue };
        let name = f.name.name.as_str();
        let head = f.keyword.to(f.name.span);
        if predefined::builtin(name).is_some() {
            diags.push(
                Diagnostic::error(Code::E0105, head, format!("`{name}` is a predefined function and cannot be defined again"))
                    .with_help("give the function another name"),
            );
        } else if let Some(&span) = first.get(name) {
            diags.push(
                Diagnostic::error(Code::E0105, head, format!("the function `{name}` is defined more than once"))
                    .with_label(span, "first defined here")
                    .with_help("rename one of the two functions (NESTML has no overloading)"),
            );
        } else {
            first.insert(name, f.name.span);
        }
        if NEST_NAMESPACE.contains(&name) {
            diags.push(
                Diagnostic::error(Code::E0106, head, format!("the function name `{name}` collides with a member of the generated NEST model"))
                    .with_note(format!("NEST models reserve the names {}", NEST_NAMESPACE.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")))
                    .with_help("give the function another name"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_util::expect;
    use crate::diagnostics::Code::*;

    #[test]
    fn repeated_blocks() {
        let src = "model m:\n    state:\n        x real = 0\n    state:\n        y real = 0\n    state:\n        z real = 0\n    update:\n        x = 1\n    update:\n        y = 2\n";
        expect(src, &[(E0103, "4:5"), (E0103, "10:5")]);
    }

    #[test]
    fn repeatable_blocks_are_fine() {
        let src = "model m:\n    state:\n        x real = 0\n    input:\n        sp <- spike\n    onReceive(sp):\n        x = 1\n    onReceive(sp):\n        x = 2\n    onCondition(x > 1):\n        x = 0\n    onCondition(x < 0):\n        x = 0\n    function f() real:\n        return 1\n    function g() real:\n        return 2\n";
        expect(src, &[]);
    }

    #[test]
    fn every_unique_kind() {
        for kw in ["parameters", "internals"] {
            let src = format!("model m:\n    {kw}:\n        a real = 0\n    {kw}:\n        b real = 0\n");
            expect(&src, &[(E0103, "4:5")]);
        }
        expect("model m:\n    equations:\n        inline a real = 1\n    equations:\n        inline b real = 1\n", &[(E0103, "4:5")]);
        expect("model m:\n    input:\n        a <- spike\n    input:\n        b <- spike\n", &[(E0103, "4:5")]);
        expect("model m:\n    output:\n        spike\n    output:\n        spike\n", &[(E0103, "4:5")]);
    }

    #[test]
    fn models_with_the_same_name() {
        let src = "model m:\n    state:\n        x real = 0\nmodel n:\n    state:\n        x real = 0\nmodel m:\n    state:\n        y real = 0\n";
        expect(src, &[(E0104, "7:1")]);
    }

    #[test]
    fn functions_defined_twice_or_predefined() {
        let src = "model m:\n    function f(a real) real:\n        return a\n    function f(a real) real:\n        return a\n    function exp(a real) real:\n        return a\n";
        expect(src, &[(E0105, "4:5"), (E0105, "6:5")]);
    }

    #[test]
    fn nest_namespace() {
        let src = "model m:\n    function handle(a real) real:\n        return a\n    function init_buffers_() real:\n        return 1\n    function handler() real:\n        return 1\n";
        expect(src, &[(E0106, "2:5"), (E0106, "4:5")]);
    }
}
