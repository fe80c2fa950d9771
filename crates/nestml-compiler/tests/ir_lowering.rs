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
