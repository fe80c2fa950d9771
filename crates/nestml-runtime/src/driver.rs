//! [`Driver`]: steps one neuron with scheduled input and records what it does.
//!
//! ```
//! use nestml_runtime::{Driver, Resolution, neuron::example::ExampleIafPscExp};
//! let mut n = ExampleIafPscExp::default();
//! let mut d = Driver::new(Resolution::from_ms(0.1).unwrap(), 42);
//! d.current(0, 0, 400.0).spike(100, 0, 800.0).record(&["V_m", "I_syn_exc"]);
//! let rec = d.run(&mut n, 1000).unwrap();
//! assert_eq!(rec.times.len(), 1000);
//! assert!(!rec.spikes.is_empty());
//! ```
//!
//! Timing follows the [`Neuron`] cycle: a spike scheduled for step `k` arrives in step `k`
//! (from `k·h` to `(k+1)·h`) and shows from `(k+1)·h` on; a current set from step `k` is
//! delivered in every step from `k` on and, as in NEST, drives the neuron from step `k + 1`.
//! Rows are recorded after each step, stamped with its end time.
//!
//! Inputs by time need none of this: [`Driver::spike_by_ms`] takes the time a spike reaches
//! the neuron (NEST: spike time plus delay), [`Driver::current_by_ms`] the time from which a
//! current drives it (NEST: a generator's start plus delay).

use crate::fault::Fault;
use crate::neuron::{split_index, DynNeuron, Neuron, PortKind, StepContext};
use crate::rng::NestmlRng;
use crate::time::Resolution;
use std::fmt;

/// A spike delivered in a given step.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScheduledSpike {
    /// The step it arrives in.
    pub step: i64,
    /// The NEST receptor.
    pub receptor: usize,
    /// Its weight.
    pub weight: f64,
    /// How many spikes it stands for.
    pub multiplicity: u32,
}

/// From step `step` on, continuous port `port` receives `value` each step.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CurrentChange {
    /// The first step with the new value.
    pub step: i64,
    /// The continuous port (index among continuous ports).
    pub port: usize,
    /// The value (the port's unit, NEST's).
    pub value: f64,
}

/// Recorded variables (one column per name, one row per step) and spike times.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Recording {
    /// The model (`NAME`).
    pub model: &'static str,
    /// End time of each recorded step, ms.
    pub times: Vec<f64>,
    /// The recorded variables.
    pub names: Vec<String>,
    /// One column per name.
    pub columns: Vec<Vec<f64>>,
    /// Spike times, ms (a step with several `emit_spike()` appears several times).
    pub spikes: Vec<f64>,
}

impl Recording {
    /// The column recorded for `name`.
    pub fn column(&self, name: &str) -> Option<&[f64]> {
        let i = self.names.iter().position(|n| n == name)?;
        Some(&self.columns[i])
    }
}

/// A run stopped by a fault, with everything recorded before it. The last row is the state
/// the failing step left behind.
#[derive(Clone, Debug, PartialEq)]
pub struct Interrupted {
    /// Everything recorded up to and including the failing step.
    pub recording: Recording,
    /// What failed.
    pub fault: Fault,
}

/// Why [`Driver::run`] failed.
#[derive(Clone, Debug, PartialEq)]
pub enum RunError {
    /// A recorded name is not a variable of the model.
    UnknownVariable {
        /// The model (`NAME`).
        model: &'static str,
        /// The name asked for.
        name: String,
    },
    /// A scheduled spike names a receptor, or a current a continuous port, the model lacks.
    UnknownInput {
        /// The model (`NAME`).
        model: &'static str,
        /// "receptor" or "continuous port".
        what: &'static str,
        /// The index asked for.
        index: usize,
    },
    /// `calibrate` failed before the first step.
    Calibrate(Fault),
    /// A step failed.
    Fault(Box<Interrupted>),
}

impl fmt::Display for RunError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RunError::UnknownVariable { model, name } => {
                write!(f, "{model} has no variable {name} to record")
            }
            RunError::UnknownInput { model, what, index } => {
                write!(f, "{model} has no {what} {index}")
            }
            RunError::Calibrate(fault) => write!(f, "calibration failed: {fault}"),
            RunError::Fault(i) => write!(
                f,
                "{} (after {} recorded steps)",
                i.fault,
                i.recording.times.len()
            ),
        }
    }
}

impl std::error::Error for RunError {}

/// Steps one neuron with scheduled spikes and currents (module docs).
#[derive(Clone, Debug)]
pub struct Driver {
    resolution: Resolution,
    rng: NestmlRng,
    spikes: Vec<ScheduledSpike>,
    currents: Vec<CurrentChange>,
    record: Vec<String>,
    next_step: i64,
    started: bool,
}

impl Driver {
    /// A driver at `resolution` whose random numbers come from `seed`.
    pub fn new(resolution: Resolution, seed: u64) -> Self {
        Driver {
            resolution,
            rng: NestmlRng::seed_from_u64(seed),
            spikes: Vec::new(),
            currents: Vec::new(),
            record: Vec::new(),
            next_step: 0,
            started: false,
        }
    }

    /// The resolution.
    pub fn resolution(&self) -> &Resolution {
        &self.resolution
    }

    /// The index of the next step to run (runs continue where the last one stopped).
    pub fn next_step(&self) -> i64 {
        self.next_step
    }

    /// The random stream the neuron draws from.
    pub fn rng_mut(&mut self) -> &mut NestmlRng {
        &mut self.rng
    }

    /// A spike of `weight` on `receptor`, arriving in step `step`.
    pub fn spike(&mut self, step: i64, receptor: usize, weight: f64) -> &mut Self {
        self.spike_with_multiplicity(step, receptor, weight, 1)
    }

    /// A spike of `multiplicity` spikes arriving in step `step` on `receptor`.
    pub fn spike_with_multiplicity(
        &mut self,
        step: i64,
        receptor: usize,
        weight: f64,
        multiplicity: u32,
    ) -> &mut Self {
        self.spikes.push(ScheduledSpike {
            step,
            receptor,
            weight,
            multiplicity,
        });
        self
    }

    /// A spike that must have reached the neuron by `t_ms` (arrives in the step ending at
    /// the first step boundary at or after `t_ms`): a NEST spike sent at `s` with delay `d`
    /// is `spike_by_ms(s + d, …)`.
    pub fn spike_by_ms(&mut self, t_ms: f64, receptor: usize, weight: f64) -> &mut Self {
        let step = self.resolution.steps_ceil(t_ms) - 1;
        self.spike(step, receptor, weight)
    }

    /// From step `step` on, continuous port `port` receives `value` (replaces the previous
    /// value of that port).
    pub fn current(&mut self, step: i64, port: usize, value: f64) -> &mut Self {
        self.currents.push(CurrentChange { step, port, value });
        self
    }

    /// From time `t_ms` on, continuous port `port` carries `value`: the neuron integrates with
    /// it from the first step boundary at or after `t_ms`. A NEST `dc_generator` with
    /// `start = s` and `stop = e`, connected with delay `d`, is `current_by_ms(s + d, …, a)`
    /// followed by `current_by_ms(e + d, …, 0.0)`.
    pub fn current_by_ms(&mut self, t_ms: f64, port: usize, value: f64) -> &mut Self {
        let step = self.resolution.steps_ceil(t_ms) - 1;
        self.current(step, port, value)
    }

    /// Records these variables (`name` or `name[i]`) after each step.
    pub fn record(&mut self, names: &[&str]) -> &mut Self {
        self.record.extend(names.iter().map(|s| s.to_string()));
        self
    }

    /// Runs `n_steps` steps. The first run of a driver calls `init_buffers`; every run calls
    /// `calibrate`. Spikes scheduled before the current step are ignored.
    pub fn run<N: Neuron>(
        &mut self,
        neuron: &mut N,
        n_steps: usize,
    ) -> Result<Recording, RunError> {
        self.run_with(neuron, n_steps)
    }

    /// [`run`](Driver::run) for a neuron behind the object-safe [`DynNeuron`], e.g. one whose
    /// model is only known at run time (an interpreted model).
    pub fn run_dyn(
        &mut self,
        neuron: &mut dyn DynNeuron,
        n_steps: usize,
    ) -> Result<Recording, RunError> {
        self.run_with(neuron, n_steps)
    }

    /// [`run`](Driver::run) through [`DynNeuron`]'s methods (static calls for a `Neuron`).
    fn run_with<N: DynNeuron + ?Sized>(
        &mut self,
        neuron: &mut N,
        n_steps: usize,
    ) -> Result<Recording, RunError> {
        let model = neuron.name();
        let mut targets = Vec::with_capacity(self.record.len());
        for name in &self.record {
            let unknown = || RunError::UnknownVariable {
                model,
                name: name.clone(),
            };
            let (base, idx) = split_index(name).ok_or_else(unknown)?;
            let var = neuron
                .variables()
                .iter()
                .position(|v| v.name == base)
                .ok_or_else(unknown)?;
            let element = idx.unwrap_or(0);
            neuron.get_value(var, element).ok_or_else(unknown)?;
            targets.push((var, element));
        }
        let n_currents: usize = neuron
            .ports()
            .iter()
            .filter(|p| p.kind == PortKind::Continuous)
            .map(|p| p.len)
            .sum();
        if let Some(s) = self
            .spikes
            .iter()
            .find(|s| s.receptor >= neuron.receptors().len())
        {
            return Err(RunError::UnknownInput {
                model,
                what: "receptor",
                index: s.receptor,
            });
        }
        if let Some(c) = self.currents.iter().find(|c| c.port >= n_currents) {
            return Err(RunError::UnknownInput {
                model,
                what: "continuous port",
                index: c.port,
            });
        }
        self.spikes.sort_by_key(|s| s.step);
        self.currents.sort_by_key(|c| c.step);

        if !self.started {
            neuron.init_buffers(&self.resolution);
            self.started = true;
        }
        neuron
            .calibrate(&self.resolution)
            .map_err(RunError::Calibrate)?;

        let mut rec = Recording {
            model,
            times: Vec::with_capacity(n_steps),
            names: self.record.clone(),
            columns: targets
                .iter()
                .map(|_| Vec::with_capacity(n_steps))
                .collect(),
            spikes: Vec::new(),
        };
        let first = self.next_step;
        let mut level = vec![0.0; n_currents];
        let mut ci = 0;
        let mut si = self.spikes.partition_point(|s| s.step < first);
        for k in first..first + n_steps as i64 {
            while ci < self.currents.len() && self.currents[ci].step <= k {
                level[self.currents[ci].port] = self.currents[ci].value;
                ci += 1;
            }
            for (port, &v) in level.iter().enumerate() {
                neuron.handle_current(port, v);
            }
            while si < self.spikes.len() && self.spikes[si].step == k {
                let s = self.spikes[si];
                neuron.handle_spike(s.receptor, s.weight, s.multiplicity);
                si += 1;
            }
            let mut ctx = StepContext::new(&self.resolution, k, &mut self.rng);
            let t_end = ctx.t_end;
            let result = neuron.step(&mut ctx);
            self.next_step = k + 1;
            rec.times.push(t_end);
            for (col, &(var, element)) in rec.columns.iter_mut().zip(&targets) {
                col.push(neuron.get_value(var, element).unwrap_or(f64::NAN));
            }
            match result {
                Ok(out) => rec
                    .spikes
                    .extend(std::iter::repeat_n(t_end, out.spikes as usize)),
                Err(fault) => {
                    return Err(RunError::Fault(Box::new(Interrupted {
                        recording: rec,
                        fault,
                    })))
                }
            }
        }
        Ok(rec)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fault::FaultKind;
    use crate::neuron::example::ExampleIafPscExp;

    fn driver() -> Driver {
        Driver::new(Resolution::from_ms(0.1).unwrap(), 7)
    }

    #[test]
    fn spike_timing_and_recording() {
        let mut n = ExampleIafPscExp::default();
        let mut d = driver();
        d.spike(10, 0, 100.0)
            .spike_by_ms(3.0, 0, -50.0)
            .record(&["V_m", "I_syn_exc", "I_syn_inh"]);
        let rec = d.run(&mut n, 50).unwrap();
        let i_exc = rec.column("I_syn_exc").unwrap();
        // Arrives in step 10, visible at the end of it (t = 1.1 ms).
        assert_eq!(i_exc[9], 0.0);
        assert_eq!(i_exc[10], 100.0);
        assert_eq!(rec.times[10], 0.001 * 1100.0);
        // Inhibitory (negative weight) spike by 3.0 ms: step 29, arrives negated on inh port.
        let i_inh = rec.column("I_syn_inh").unwrap();
        assert_eq!((i_inh[28], i_inh[29]), (0.0, 50.0));
        assert_eq!(rec.column("V_m").unwrap().len(), 50);
        assert!(rec.spikes.is_empty());
        assert_eq!(d.next_step(), 50);
    }

    #[test]
    fn current_drives_from_the_next_step_and_spikes_are_stamped_at_step_end() {
        let mut n = ExampleIafPscExp::default();
        let mut d = driver();
        d.current(5, 0, 1000.0).record(&["V_m", "refr_t"]);
        let rec = d.run(&mut n, 300).unwrap();
        let v = rec.column("V_m").unwrap();
        assert_eq!(v[5], -70.0);
        assert!(v[6] > -70.0);
        assert!(rec.spikes.len() >= 2);
        let first = rec.times.iter().position(|&t| t == rec.spikes[0]).unwrap();
        assert_eq!(v[first], -70.0);
        assert!(rec.column("refr_t").unwrap()[first] == 2.0);
        // The next run continues in time and keeps the input.
        let rec2 = d.run(&mut n, 10).unwrap();
        assert_eq!(rec2.times[0], 0.001 * 30100.0);
    }

    #[test]
    fn fault_returns_everything_recorded() {
        let mut n = ExampleIafPscExp::default();
        let mut d = driver();
        // A NaN weight poisons I_syn_inh in step 50; the solver fails in step 51.
        d.current(0, 0, 200.0)
            .spike(50, 0, f64::NAN)
            .record(&["V_m", "I_syn_inh"]);
        let err = d.run(&mut n, 1000).unwrap_err();
        assert!(
            err.to_string()
                .contains("iaf_psc_exp_neuron: solver failed on V_m"),
            "{err}"
        );
        let RunError::Fault(i) = err else {
            panic!("{err:?}")
        };
        assert_eq!(i.recording.times.len(), 52);
        assert_eq!(i.recording.columns[0].len(), 52);
        assert!(i.recording.columns[0][..51].iter().all(|v| v.is_finite()));
        assert!(i.recording.columns[1][50].is_nan());
        assert_eq!(i.fault.model, "iaf_psc_exp_neuron");
        assert_eq!(i.fault.t, i.recording.times[51]);
        assert!(
            matches!(
                i.fault.kind,
                FaultKind::Solver {
                    variable: Some("V_m"),
                    ..
                }
            ),
            "{:?}",
            i.fault
        );
    }

    #[test]
    fn setup_errors() {
        let mut n = ExampleIafPscExp::default();
        assert!(matches!(
            driver().record(&["nope"]).run(&mut n, 1),
            Err(RunError::UnknownVariable { .. })
        ));
        assert!(matches!(
            driver().record(&["V_m[2]"]).run(&mut n, 1),
            Err(RunError::UnknownVariable { .. })
        ));
        assert!(matches!(
            driver().spike(0, 1, 1.0).run(&mut n, 1),
            Err(RunError::UnknownInput { .. })
        ));
        assert!(matches!(
            driver().current(0, 1, 1.0).run(&mut n, 1),
            Err(RunError::UnknownInput { .. })
        ));
    }
}
