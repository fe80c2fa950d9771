//! NESTML neuron models in Rust.
//!
//! `include_nestml!("path/to/model.nestml")` (path relative to the crate's `Cargo.toml`) and
//! `nestml!(r#"model …"#)` expand to one struct per model implementing [`Neuron`]; the runtime
//! they run on ([`nestml_runtime`]) is re-exported here, and generated code names only
//! `::nestml::…` paths.
//!
//! ```
//! use nestml::{Driver, Neuron, Resolution};
//!
//! nestml::nestml!(r#"
//! model leak_neuron:
//!     state:
//!         V_m mV = -70 mV
//!     equations:
//!         V_m' = -(V_m - E_L) / tau_m + I_stim / C_m
//!     parameters:
//!         E_L mV = -70 mV
//!         tau_m ms = 10 ms
//!         C_m pF = 250 pF
//!     input:
//!         I_stim pA <- continuous
//!     update:
//!         integrate_odes()
//! "#);
//!
//! let mut n = LeakNeuron::default();
//! let mut driver = Driver::new(Resolution::from_ms(0.1).unwrap(), 1);
//! driver.current(0, 0, 100.0).record(&["V_m"]);
//! let rec = driver.run(&mut n, 100).unwrap();
//! assert!(rec.column("V_m").unwrap()[99] > -70.0);
//! ```
//!
//! Options come first, as in PyNESTML's code generator (`solver`, `numeric_solver`,
//! `gsl_abs_error_tol`, `gsl_rel_error_tol`, `gsl_adaptive_step_size_controller`, `suffix`);
//! every scalar with a unit also has typed accessors through [`uom`]:
//!
//! ```
//! use nestml::uom::si::{f64::Time, time::millisecond};
//!
//! nestml::nestml!(numeric_solver = "forward-Euler", r#"
//! model quadratic_neuron:
//!     state:
//!         V_m mV = -65 mV
//!     equations:
//!         V_m' = (V_m + 65 mV) * (V_m + 50 mV) / (tau_m * 15 mV)
//!     parameters:
//!         tau_m ms = 10 ms [[tau_m > 0 ms]]
//!     update:
//!         integrate_odes()
//! "#);
//!
//! let mut n = QuadraticNeuron::default();
//! n.set_tau_m(Time::new::<millisecond>(20.0)).unwrap();
//! assert_eq!(n.tau_m, 20.0); // fields hold NEST units (ms)
//! assert!(n.set_tau_m(Time::new::<millisecond>(-1.0)).is_err()); // the guard
//! ```

pub use nestml_macros::{include_nestml, nestml};
pub use nestml_runtime::*;
