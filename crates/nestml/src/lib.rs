//! NESTML neuron and synapse models in Rust.
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
//! `gsl_abs_error_tol`, `gsl_rel_error_tol`, `gsl_adaptive_step_size_controller`, `suffix`,
//! `weight_variable`, `delay_variable`), with `max_substeps` (a bound on RKF45's steps per
//! simulation step) and `float = "f32"`: a neuron's state, parameters and arithmetic in single
//! precision, for FPUs without double (the [`Neuron`] trait's values, weights and inputs stay
//! `f64`; on NEST's conformance scenarios at 0.1 ms, V_m within ~5·10⁻⁶ relative for exact
//! models and ~3·10⁻⁴ for Hodgkin–Huxley, the same spike steps; synapses are `f64` only);
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

//! Synapse models become a connection type implementing [`Synapse`] and a parameter type
//! implementing [`SynapseParams`], shared by the connections of one synapse type:
//!
//! ```
//! use nestml::{NestmlRng, SendContext, SpikeHistory, Synapse, SynapseParams};
//! nestml::include_nestml!("../../../shared/nestml-models/synapses/stdp_synapse.nestml");
//!
//! let mut params = StdpSynapseParams::default();
//! params.set("lambda", 0.05).unwrap();
//! assert!(params.set("Wmax", -1.0).is_err()); // the guard `Wmax >= 0`
//! let mut conn = StdpSynapse::new(&params);
//! assert_eq!(std::mem::size_of::<StdpSynapse>(), 32); // w, two traces, time of last update
//!
//! let post = SpikeHistory::from_times(&[12.0]); // the postsynaptic neuron's spikes
//! let mut rng = NestmlRng::seed_from_u64(1);
//! let mut ev = SendContext { t_spike: 10.0, delay: 1.0, post: &post, modulation: None, inputs: &[], rng: &mut rng };
//! let first = conn.send(&params, &mut ev).unwrap().unwrap();
//! ev.t_spike = 20.0; // the post spike at 12 ms reached the synapse at 13 ms: facilitation
//! let second = conn.send(&params, &mut ev).unwrap().unwrap();
//! assert!(second > first);
//! ```
//!
//! # Stepping neurons yourself
//!
//! In a control loop a neuron is a plain value: hand it its input for the coming step
//! ([`Neuron::handle_spike`] per receptor, [`Neuron::handle_current`] per continuous port, in
//! NEST units) and [`Neuron::step`] it; a step allocates nothing. A step that fails returns a
//! [`Fault`] naming the model, the variable and the time (here a NaN input current):
//!
//! ```
//! use nestml::{NestmlRng, Neuron, Resolution, StepContext};
//! nestml::include_nestml!("../../../shared/nestml-models/neurons/iaf_psc_exp_neuron.nestml");
//!
//! let res = Resolution::from_ms(0.1).unwrap();
//! let mut rng = NestmlRng::seed_from_u64(1);
//! let mut n = IafPscExpNeuron::default();
//! n.init_buffers(&res);
//! n.calibrate(&res).unwrap();
//! let mut spikes = 0;
//! for k in 0..1000 {
//!     n.handle_current(0, 500.0); // pA on `I_stim`, used from the next step on
//!     spikes += n.step(&mut StepContext::new(&res, k, &mut rng)).unwrap().spikes;
//! }
//! assert!(spikes > 0);
//! n.handle_current(0, f64::NAN);
//! let fault = (1000..1010).find_map(|k| n.step(&mut StepContext::new(&res, k, &mut rng)).err()).unwrap();
//! assert!(fault.to_string().starts_with("iaf_psc_exp_neuron: V_m became NaN at t ="), "{fault}");
//! ```
//!
//! `calibrate` also faults on parameters that make an internal or the propagator non-finite,
//! before any step; `reset_state()` sets the state back to its declared initial values at the
//! current parameters (`V_m = E_L` after `E_L` changed).
//!
//! # Features
//!
//! - `std` (default): the whole runtime (see below).
//! - `alloc`: without `std`, the runtime's heap-allocated parts (models with vectors,
//!   synapses).
//! - `network` (default, implies `std`): [`network`], populations, connections, devices and
//!   recorders, simulated as NEST does.
//! - `uom-check`: every model also expands to a never-called uom shadow of its equations, so
//!   that rustc checks their units independently of the macro.
//! - `serde`: generated neurons and synapse connections and [`NestmlRng`] implement serde's
//!   `Serialize`/`Deserialize` (`nestml::snapshot`).
//!
//! # no_std
//!
//! With `nestml = { version = "…", default-features = false }` the crate is `#![no_std]` and
//! needs no allocator: generated neurons without vectors sized by a parameter (a vector of
//! literal size, `x[3] real`, is an array) step, calibrate and checkpoint (into a [`WordBuf`])
//! on `core` alone, with [`math`] through `libm`; `alloc` adds models with vectors sized by a
//! parameter, synapses and `Vec` checkpoints; `std` adds the single-neuron [`Driver`], the
//! [`PlasticityDriver`], `DynNeuron`'s boxes and math bit for bit as NEST's. NESTML's
//! `print`/`println` print nothing without `std`. `crates/nestml-nostd` is such a build: a
//! `no_std`, `no_main` binary without an allocator, checked in CI.
//!
//! The `nestml` command (`cargo install --path crates/nestml-cli`) checks and analyses models,
//! prints the generated code, and builds NEST extension modules (`nestml nest-module`).

#![cfg_attr(not(feature = "std"), no_std)]
#![deny(missing_docs)]

pub use nestml_macros::{include_nestml, nestml};
pub use nestml_runtime::*;

/// Networks: populations, connections, devices (the `network` feature, on by default).
#[cfg(feature = "network")]
pub use nestml_network as network;

/// Binds continuous input ports of a synapse type to variables of a neuron type, checked at
/// compile time: a port the synapse lacks, a variable the neuron lacks, or a variable of
/// another unit than the port's is a compile error naming both types. Gives the pairs for
/// [`PlasticityDriver::bind_ports`].
///
/// ```
/// nestml::include_nestml!("../../../shared/tutorial-models/third_factor_stdp_synapse.nestml");
/// nestml::include_nestml!("../../../shared/nestml-models/neurons/iaf_psc_exp_neuron.nestml");
/// let ports = nestml::post_binding!(ThirdFactorStdpSynapse => IafPscExpNeuron { I_post_dend: I_syn_exc });
/// assert_eq!(ports, [("I_post_dend", "I_syn_exc")]);
/// ```
#[macro_export]
macro_rules! post_binding {
    ($synapse:ty => $neuron:ty { $($port:ident : $variable:ident),* $(,)? }) => {{
        $(
            const _: () = {
                let port = $crate::synapse::continuous_port_unit(<$synapse as $crate::Synapse>::PORTS, ::core::stringify!($port));
                let variable = $crate::synapse::variable_unit(<$neuron as $crate::Neuron>::VARIABLES, ::core::stringify!($variable));
                ::core::assert!(port.is_some(), ::core::concat!("synapse `", ::core::stringify!($synapse), "` has no continuous input port `", ::core::stringify!($port), "`"));
                ::core::assert!(variable.is_some(), ::core::concat!("synapse `", ::core::stringify!($synapse), "` reads `", ::core::stringify!($variable), "` of neuron `", ::core::stringify!($neuron), "`, which has no such variable"));
                if let (::core::option::Option::Some(p), ::core::option::Option::Some(v)) = (port, variable) {
                    ::core::assert!($crate::synapse::same_unit(p, v), ::core::concat!("synapse `", ::core::stringify!($synapse), "`: port `", ::core::stringify!($port), "` and variable `", ::core::stringify!($variable), "` of neuron `", ::core::stringify!($neuron), "` have different units"));
                }
            };
        )*
        [$((::core::stringify!($port), ::core::stringify!($variable))),*]
    }};
}

#[cfg(all(test, feature = "alloc"))]
mod tests {
    extern crate alloc;
    use alloc::string::ToString;

    /// What generated code names under `::nestml` (here `crate`) besides the runtime's public
    /// items.
    #[test]
    fn the_paths_of_generated_code_resolve() {
        let v: crate::__private::Vec<f64> = crate::__private::vec![crate::math::powi(2.0, 3); 2];
        assert_eq!(crate::__private::format!("{}", v[1] + crate::math::exp(0.0)), "9");
        crate::__private::println!("{}", crate::math::round(0.5));
        let e = crate::SetError::UnknownIndex { model: "m", index: 3 };
        assert_eq!(e.to_string(), "m has no variable #3");
    }
}
