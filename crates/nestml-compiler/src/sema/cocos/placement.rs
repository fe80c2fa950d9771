//! Predefined functions that may only be called in some blocks (E0407-E0409) and the
//! fixed-time-step warning (W0004).
//!
//! PyNESTML rules mirrored here:
//! - `resolution()` may not appear in the equations block or in a function (E0407); it is
//!   fine in `update`, `onReceive`, `onCondition` and the variables blocks;
//! - `timestep()` may only appear in the `update` block (E0408);
//! - `random_normal`, `random_uniform` and `random_poisson` may only appear in `update`,
//!   `onReceive` and `onCondition` (E0409; the NEST code generator's check, so not part of
//!   [`check`]: see [`check_random_functions`]);
//! - every call of `resolution()` or `steps()` ties the model to a fixed time step (W0004).

use super::walk::{calls, Site};
use crate::diagnostics::{Code, Diagnostic};
use crate::sema::predefined::RANDOM_FUNCTIONS;
use crate::syntax::ast::*;

fn site_name(site: Site) -> &'static str {
    match site {
        Site::State => "the state block",
        Site::Parameters => "the parameters block",
        Site::Internals => "the internals block",
        Site::Equations => "the equations block",
        Site::Input => "the input block",
        Site::Function => "a function",
        Site::Update => "the update block",
        Site::OnReceive => "an onReceive block",
        Site::OnCondition => "an onCondition block",
    }
}

/// Runs the checks of this module.
pub fn check(model: &Model, diags: &mut Vec<Diagnostic>) {
    for (site, call) in calls(model) {
        let name = call.name.name.as_str();
        let span = call.name.span;
        match name {
            "resolution" | "steps" => {
                if name == "resolution" && matches!(site, Site::Equations | Site::Function) {
                    diags.push(
                        Diagnostic::error(Code::E0407, span, format!("`resolution()` cannot be used in {}", site_name(site)))
                            .with_help("compute the value in the internals block, e.g. `h ms = resolution()`, and use `h`"),
                    );
                }
                diags.push(
                    Diagnostic::warning(Code::W0004, span, format!("`{name}()` ties the model to a fixed simulation time step"))
                        .with_help("use `timestep()` in the update block, which also works with variable time steps"),
                );
            }
            "timestep" if site != Site::Update => {
                diags.push(
                    Diagnostic::error(Code::E0408, span, format!("`timestep()` can only be used in the update block, not in {}", site_name(site)))
                        .with_help("call `timestep()` in the update block, or use `resolution()` for the fixed simulation step"),
                );
            }
            _ => {}
        }
    }
}

/// E0409: the random functions may only be called in `update`, `onReceive` and
/// `onCondition`. PyNESTML checks this for the NEST target only (its NEST code generator
/// runs it), so it is part of [`super::check_nest_target`], not of [`check`].
pub fn check_random_functions(model: &Model, diags: &mut Vec<Diagnostic>) {
    for (site, call) in calls(model) {
        let name = call.name.name.as_str();
        if RANDOM_FUNCTIONS.contains(&name) && !matches!(site, Site::Update | Site::OnReceive | Site::OnCondition) {
            let mut d = Diagnostic::error(Code::E0409, call.name.span, format!("`{name}` can only be used in the update, onReceive or onCondition blocks, not in {}", site_name(site)))
                .with_help("draw the random number in the update block and store it in a state variable");
            if site == Site::Function {
                d = d.with_note("this also holds for functions called from those blocks");
            }
            diags.push(d);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_util::{expect, expect_nest};
    use crate::diagnostics::Code::*;

    #[test]
    fn resolution() {
        expect("model m:\n    state:\n        x real = 0\n    equations:\n        x' = -x / resolution()\n    update:\n        integrate_odes()\n", &[(E0407, "5:19"), (W0004, "5:19")]);
        expect("model m:\n    function f() ms:\n        return resolution()\n", &[(E0407, "3:16"), (W0004, "3:16")]);
        expect(
            "model m:\n    parameters:\n        h ms = resolution()\n        s integer = steps(2 ms)\n    state:\n        x ms = 0 ms\n    input:\n        sp <- spike\n    onReceive(sp):\n        x = resolution()\n",
            &[(W0004, "3:16"), (W0004, "4:21"), (W0004, "10:13")],
        );
    }

    #[test]
    fn timestep() {
        expect("model m:\n    state:\n        x ms = 0 ms\n    update:\n        x = timestep()\n", &[]);
        expect("model m:\n    state:\n        x ms = timestep()\n", &[(E0408, "3:16")]);
        expect("model m:\n    state:\n        x ms = 0 ms\n    input:\n        sp <- spike\n    onReceive(sp):\n        x = timestep()\n", &[(E0408, "7:13")]);
    }

    #[test]
    fn random() {
        expect_nest("model m:\n    state:\n        x real = 0\n    update:\n        x = random_normal(0, 1)\n    onCondition(random_uniform(0, 1) < 0.5):\n        x = random_poisson(2)\n", &[]);
        let src = "model m:\n    state:\n        x real = random_normal(0, 1)\n    function f() real:\n        return random_uniform(0, 1)\n";
        expect_nest(src, &[(E0409, "3:18"), (E0409, "5:16")]);
        // PyNESTML accepts this unless generating code for NEST
        expect(src, &[]);
    }
}
