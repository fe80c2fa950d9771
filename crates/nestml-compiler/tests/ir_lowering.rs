//! Lowering checked models to the IR: literal units become NEST-unit factors, procedural
//! blocks become statements, handlers keep their ports.

mod common;

use nestml_compiler::diagnostics::SourceMap;
use nestml_compiler::ir::{IrStmt, ModelIr};

fn lower(src: &str) -> ModelIr {
    let checked = nestml_compiler::check_source(&mut SourceMap::default(), "m.nestml", src);
    assert!(!checked.has_errors(), "{:?}", checked.diagnostics);
    checked.lower_models().remove(0)
}

fn default_of(ir: &ModelIr, name: &str) -> f64 {
    ir.variable(name).unwrap().default.as_ref().unwrap().eval(&[("x", 0.0)]).unwrap()
}

#[test]
fn literals_are_converted_to_nest_units() {
    let ir = lower("model m:\n    parameters:\n        g uS = 0.012 uS\n        tau ms = 1 s\n        rate 1/s = 5 Hz\n        V mV = 0.5 V\n");
    assert_eq!(default_of(&ir, "g"), 12.0);
    assert_eq!(default_of(&ir, "tau"), 1000.0);
    assert_eq!(default_of(&ir, "rate"), 0.005);
    assert_eq!(default_of(&ir, "V"), 500.0);
    assert_eq!(ir.variable("g").unwrap().unit.as_deref(), Some("nS"));
}

#[test]
fn library_model_blocks_become_statements() {
    let text = std::fs::read_to_string(common::model_library().join("neurons/iaf_psc_exp_neuron.nestml")).unwrap();
    let ir = lower(&text);
    assert!(ir.problems.is_empty(), "{:?}", ir.problems);
    let [IrStmt::If { branches, otherwise }] = ir.update.as_slice() else { panic!("{:?}", ir.update) };
    assert!(matches!(branches[0].1.as_slice(), [IrStmt::IntegrateOdes(names)] if names == &["I_syn_exc", "I_syn_inh", "refr_t"]));
    assert!(matches!(otherwise.as_slice(), [IrStmt::IntegrateOdes(names)] if names == &["I_syn_exc", "I_syn_inh", "V_m"]));
    let ports: Vec<&str> = ir.on_receive.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(ports, ["exc_spikes", "inh_spikes"]);
    // `I_syn_exc += unit_psc * exc_spikes * 1 s`: the port's value (1/ms) times 1000 ms
    let IrStmt::Assign { target, value, .. } = &ir.on_receive[0].1[0] else { panic!() };
    assert_eq!(target, "I_syn_exc");
    let v = value.eval(&[("unit_psc", 1.0), ("exc_spikes", 0.002)]).unwrap();
    assert!((v - 2.0).abs() < 1e-12, "{v}");
    assert_eq!(ir.on_condition.len(), 1);
}

/// The default values of `ir`'s variables, each evaluated once those it refers to are known.
fn defaults(ir: &ModelIr) -> std::collections::HashMap<String, f64> {
    let mut env = std::collections::HashMap::new();
    while env.len() < ir.variables.len() {
        let before = env.len();
        for v in &ir.variables {
            if let (false, Some(Ok(x))) = (env.contains_key(&v.name), v.default.as_ref().map(|d| d.eval(&env))) {
                env.insert(v.name.clone(), x);
            }
        }
        assert!(env.len() > before, "defaults refer to each other in a cycle");
    }
    env
}

#[test]
fn plain_numbers_beside_quantities_are_taken_in_their_unit() {
    // mmol is stored in mol (NEST has no unit of its own for amounts), so the plain numbers
    // the checker takes to be in mmol² and mmol must be scaled with it
    let ir = lower("model m:\n    parameters:\n        Ca mmol = 0.1 mmol\n        on boolean = false\n    internals:\n        r real = Ca * Ca / (Ca * Ca + 0.014 * 0.014)\n        c mmol = on ? Ca : 0.5\n        d mmol = on ? 0.5 : Ca\n");
    let env = defaults(&ir);
    assert_eq!(env["Ca"], 1e-4);
    let expected = 0.01 / (0.01 + 0.014 * 0.014);
    assert!((env["r"] - expected).abs() < 1e-12 * expected, "{} vs {expected}", env["r"]);
    assert!((env["c"] - 5e-4).abs() < 1e-18, "{}", env["c"]);
    assert!((env["d"] - 1e-4).abs() < 1e-18, "{}", env["d"]);
}

#[test]
fn hh_moto_5ht_calcium_activated_potassium_current_at_rest() {
    let text = std::fs::read_to_string(common::model_library().join("neurons/hh_moto_5ht_neuron.nestml")).unwrap();
    let ir = lower(&text);
    let env = defaults(&ir);
    let inline = ir.inlines.iter().find(|i| i.name == "I_K_Ca").unwrap();
    let i_k_ca = inline.rhs.eval(&env).unwrap();
    // 0.6 · 30 µS · (10⁻⁸ / (10⁻⁸ + 0.014²)) · (−65 mV + 80 mV), all in mmol and mV
    let expected = 0.6 * 30000.0 * (1e-8 / (1e-8 + 0.014 * 0.014)) * 15.0;
    assert!((i_k_ca - expected).abs() < 1e-12 * expected, "I_K_Ca at rest = {i_k_ca} pA, expected {expected} pA");
    assert!((i_k_ca - 13.8).abs() < 0.05, "{i_k_ca}");
}

#[test]
fn every_plain_number_taken_in_a_scaled_unit_is_converted() {
    // Every conversion recorded for lowering lies inside a W0001 warning of its own; the
    // warnings whose unit is NEST's internal one (mV, 1/ms) need none.
    let mut converted = Vec::new();
    for (name, text) in common::library_texts() {
        let checked = nestml_compiler::check_source(&mut SourceMap::default(), &name, &text);
        let warned: Vec<_> = checked
            .diagnostics
            .iter()
            .filter(|d| d.message.contains("the number is taken to be in the unit"))
            .map(|d| d.span)
            .collect();
        for span in checked.types.iter().flat_map(|t| t.plain_in_unit.keys()) {
            let inside = warned.iter().filter(|w| w.start <= span.start && span.end <= w.end).count();
            assert_eq!(inside, 1, "{name}: a conversion at {span:?} outside the warnings {warned:?}");
            converted.push((name.clone(), text[span.start as usize..span.end as usize].to_string()));
        }
    }
    // the library's one: hh_moto_5ht_neuron's `Ca_in * Ca_in + 0.014 * 0.014` (mmol²)
    assert_eq!(converted, [("hh_moto_5ht_neuron.nestml".to_string(), "0.014 * 0.014".to_string())]);
}

#[test]
fn delayed_state_values_become_symbols() {
    let text = std::fs::read_to_string(common::workspace_root().join("tests/fixtures/pynestml_dde/delayed_decay_neuron.nestml")).unwrap();
    let ir = lower(&text);
    assert!(ir.problems.is_empty(), "{:?}", ir.problems);
    let [d] = ir.delayed.as_slice() else { panic!("{:?}", ir.delayed) };
    assert_eq!((d.state.as_str(), d.symbol.as_str()), ("u", "__delay0__u"));
    assert_eq!(d.delay, nestml_ode::Expr::sym("lag"));
    assert_eq!(ir.odes[1].rhs.eval(&[("__delay0__u", 3.0), ("tau", 2.0), ("u", 100.0)]).unwrap(), 1.5);
    // one symbol per state and delay; a literal delay in seconds becomes ms
    let ir = lower("model m:\n    state:\n        u real = 1\n        v real = 0\n\n    equations:\n        u' = -u / (1 ms)\n        v' = (u(t - 0.002 s) + u(t - 2 ms) + u(t - 1 ms)) / (1 ms)\n\n    update:\n        integrate_odes()\n");
    let delays: Vec<(String, f64)> = ir.delayed.iter().map(|d| (d.symbol.clone(), d.delay.eval(&[("x", 0.0)]).unwrap())).collect();
    assert_eq!(delays, [("__delay0__u".to_string(), 2.0), ("__delay1__u".to_string(), 1.0)]);
}
