//! The dynamics of the library's hh_psc_alpha_neuron, lowered by hand: partition, propagator
//! of the linear part and solver choice for the rest.

use nestml_ode::{
    propagator, simplify, stiffness, symbolic_propagator, Expr, OdeSystem, Solver, SymbolicRow,
};

fn s(n: &str) -> Expr {
    Expr::sym(n)
}

fn f(x: f64) -> Expr {
    Expr::decimal(&x.to_string()).unwrap()
}

/// Rate functions of V (in mV), as in the model's inline expressions.
fn rates(v: &Expr) -> [(Expr, Expr); 3] {
    let alpha_n = f(0.01) * (v.clone() + 55) / (Expr::one() - (-(v.clone() + 55) / 10).exp());
    let beta_n = f(0.125) * (-(v.clone() + 65) / 80).exp();
    let alpha_m = f(0.1) * (v.clone() + 40) / (Expr::one() - (-(v.clone() + 40) / 10).exp());
    let beta_m = Expr::int(4) * (-(v.clone() + 65) / 18).exp();
    let alpha_h = f(0.07) * (-(v.clone() + 65) / 20).exp();
    let beta_h = Expr::one() / (Expr::one() + (-(v.clone() + 35) / 10).exp());
    [(alpha_n, beta_n), (alpha_m, beta_m), (alpha_h, beta_h)]
}

fn hh_psc_alpha() -> OdeSystem {
    let mut sys = OdeSystem::new();
    let v = s("V_m");
    let [(an, bn), (am, bm), (ah, bh)] = rates(&v);
    let [(an0, bn0), (am0, bm0), (ah0, bh0)] = rates(&s("V_m_init"));
    let i_syn_exc = s("unit_psc") * s("K_syn_exc__X__exc_spikes");
    let i_syn_inh = s("unit_psc") * s("K_syn_inh__X__inh_spikes");
    let i_na = s("g_Na") * s("Act_m").pow(3) * s("Inact_h") * (v.clone() - s("E_Na"));
    let i_k = s("g_K") * s("Act_n").pow(4) * (v.clone() - s("E_K"));
    let i_l = s("g_L") * (v.clone() - s("E_L"));
    let v_rhs = (-(i_na + i_k + i_l) + s("I_e") + s("I_stim") + i_syn_exc - i_syn_inh) / s("C_m");
    sys.add_state("V_m", v_rhs, s("V_m_init")).unwrap();
    sys.add_state("refr_t", Expr::int(-1), Expr::zero())
        .unwrap();
    let gate = |a: Expr, b: Expr, x: &str| a * (Expr::one() - s(x)) - b * s(x);
    sys.add_state("Act_m", gate(am, bm, "Act_m"), am0.clone() / (am0 + bm0))
        .unwrap();
    sys.add_state(
        "Inact_h",
        gate(ah, bh, "Inact_h"),
        ah0.clone() / (ah0 + bh0),
    )
    .unwrap();
    sys.add_state("Act_n", gate(an, bn, "Act_n"), an0.clone() / (an0 + bn0))
        .unwrap();
    for (k, tau) in [
        ("K_syn_exc__X__exc_spikes", "tau_syn_exc"),
        ("K_syn_inh__X__inh_spikes", "tau_syn_inh"),
    ] {
        let d = format!("{k}__d");
        let rhs = -(Expr::int(2) / s(tau)) * s(&d) - s(k) / s(tau).pow(2);
        sys.add_ode(&[k, &d], rhs, vec![Expr::zero(), Expr::zero()])
            .unwrap();
    }
    sys.declare_held_input("I_stim");
    sys
}

const DEFAULTS: [(&str, f64); 13] = [
    ("V_m_init", -65.0),
    ("C_m", 100.0),
    ("g_Na", 12000.0),
    ("g_K", 3600.0),
    ("g_L", 30.0),
    ("E_Na", 50.0),
    ("E_K", -77.0),
    ("E_L", -54.402),
    ("tau_syn_exc", 0.2),
    ("tau_syn_inh", 2.0),
    ("I_e", 0.0),
    ("I_stim", 0.0),
    ("unit_psc", 1.0),
];

#[test]
fn partition_propagator_and_solver() {
    let sys = hh_psc_alpha();
    let part = sys.linear_partition();
    assert_eq!(
        part.linear.states,
        [
            "refr_t",
            "K_syn_exc__X__exc_spikes",
            "K_syn_exc__X__exc_spikes__d",
            "K_syn_inh__X__inh_spikes",
            "K_syn_inh__X__inh_spikes__d"
        ]
    );
    assert_eq!(part.nonlinear, ["V_m", "Act_m", "Inact_h", "Act_n"]);

    let rows = symbolic_propagator(&part.linear, "__h");
    assert_eq!(
        rows[0],
        SymbolicRow::Closed {
            p: Expr::one(),
            q: simplify(&-s("__h"))
        }
    );
    assert!(rows[1..].iter().all(|r| *r == SymbolicRow::NumericExpm));

    let prop = propagator(&part.linear, &DEFAULTS, 0.1).unwrap();
    // Alpha kernel propagator, h = 0.1, tau = 0.2: P = exp(-h/tau) [[1 + h/tau, h], [-h/tau², 1 - h/tau]].
    let (h, tau) = (0.1, 0.2);
    let e = f64::exp(-h / tau);
    let want = [
        [e * (1.0 + h / tau), e * h],
        [-e * h / (tau * tau), e * (1.0 - h / tau)],
    ];
    for (i, row) in want.iter().enumerate() {
        for (j, w) in row.iter().enumerate() {
            let got = prop.p[(1 + i, 1 + j)];
            assert!(
                (got - w).abs() <= 1e-15 * w.abs().max(1.0),
                "P[{i},{j}] = {got}, want {w}"
            );
        }
    }

    let nonlinear: Vec<&str> = part.nonlinear.iter().map(String::as_str).collect();
    let report = stiffness(&sys, &nonlinear, &DEFAULTS, 0.1).unwrap();
    assert_eq!(report.solver, Solver::Rkf45, "{}", report.reason);
    assert_eq!(report.eigenvalues.len(), 4);
    assert!(report.fastest > 1.0 && report.fastest < 100.0, "{report:?}");
}
