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

pub use nestml_macros::{include_nestml, nestml};
pub use nestml_runtime::*;
