//! A hand-written neuron in the shape generated code takes: NESTML's `iaf_psc_exp_neuron`
//! integrated with [`Rkf45`] (as if generated with `numeric_solver = "rk45"`). Used by the
//! tests, the docs and as a template for code generation.

use super::{
    Neuron, PortInfo, PortKind, SetError, StepContext, StepOutcome, ValueType, VariableInfo,
    VariableKind,
};
use crate::fault::Fault;
use crate::inputs::{ContinuousInputs, Receptor, SpikeInputs};
use crate::solvers::{Control, OdeRhs, OdeSolver, Rkf45};
use crate::time::Resolution;

const fn var(name: &'static str, unit: Option<&'static str>, kind: VariableKind) -> VariableInfo {
    VariableInfo {
        name,
        unit,
        kind,
        ty: ValueType::Real,
        vector: false,
    }
}

/// Parameters, in NEST units.
#[derive(Clone, Debug, PartialEq)]
pub struct Params {
    /// Membrane capacitance (pF).
    pub c_m: f64,
    /// Membrane time constant (ms).
    pub tau_m: f64,
    /// Inhibitory synaptic time constant (ms).
    pub tau_syn_inh: f64,
    /// Excitatory synaptic time constant (ms).
    pub tau_syn_exc: f64,
    /// Refractory period (ms).
    pub refr_t_param: f64,
    /// Resting potential (mV).
    pub e_l: f64,
    /// Reset potential (mV).
    pub v_reset: f64,
    /// Threshold (mV).
    pub v_th: f64,
    /// Constant input current (pA).
    pub i_e: f64,
}

/// `iaf_psc_exp_neuron` with RKF45 (state vector `[V_m, I_syn_exc, I_syn_inh]`).
#[derive(Clone, Debug)]
pub struct ExampleIafPscExp {
    /// The parameters.
    pub p: Params,
    /// `[V_m, I_syn_exc, I_syn_inh]`.
    pub y: [f64; 3],
    /// Remaining refractory time (ms).
    pub refr_t: f64,
    spikes: SpikeInputs<2>,
    currents: ContinuousInputs<1>,
    solver: Rkf45<3>,
}

/// The right-hand side seen by the solver: parameters, the held input, and which variables
/// `integrate_odes(...)` names (the others have derivative 0).
struct Rhs<'a> {
    p: &'a Params,
    i_stim: f64,
    v_m: bool,
}

impl OdeRhs<3> for Rhs<'_> {
    #[inline(always)]
    fn rhs(&self, _t: f64, y: &[f64; 3], f: &mut [f64; 3]) {
        let p = self.p;
        f[0] = if self.v_m {
            -(y[0] - p.e_l) / p.tau_m + (y[1] - y[2] + p.i_e + self.i_stim) / p.c_m
        } else {
            0.0
        };
        f[1] = -y[1] / p.tau_syn_exc;
        f[2] = -y[2] / p.tau_syn_inh;
    }
}

impl Default for ExampleIafPscExp {
    fn default() -> Self {
        let p = Params {
            c_m: 250.0,
            tau_m: 10.0,
            tau_syn_inh: 2.0,
            tau_syn_exc: 2.0,
            refr_t_param: 2.0,
            e_l: -70.0,
            v_reset: -70.0,
            v_th: -55.0,
            i_e: 0.0,
        };
        let y = [p.e_l, 0.0, 0.0];
        ExampleIafPscExp {
            p,
            y,
            refr_t: 0.0,
            spikes: SpikeInputs::default(),
            currents: ContinuousInputs::default(),
            solver: Rkf45::new(Control::NESTML_DEFAULT, 0.1),
        }
    }
}

const STATE_NAMES: [&str; 3] = ["V_m", "I_syn_exc", "I_syn_inh"];

#[cfg(feature = "alloc")]
impl crate::Populated for ExampleIafPscExp {
    type Population = crate::NeuronVec<Self>;
}

impl Neuron for ExampleIafPscExp {
    const NAME: &'static str = "iaf_psc_exp_neuron";
    const VARIABLES: &'static [VariableInfo] = &[
        var("V_m", Some("mV"), VariableKind::State),
        var("refr_t", Some("ms"), VariableKind::State),
        var("I_syn_exc", Some("pA"), VariableKind::State),
        var("I_syn_inh", Some("pA"), VariableKind::State),
        var("C_m", Some("pF"), VariableKind::Parameter),
        var("tau_m", Some("ms"), VariableKind::Parameter),
        var("tau_syn_inh", Some("ms"), VariableKind::Parameter),
        var("tau_syn_exc", Some("ms"), VariableKind::Parameter),
        var("refr_T", Some("ms"), VariableKind::Parameter),
        var("E_L", Some("mV"), VariableKind::Parameter),
        var("V_reset", Some("mV"), VariableKind::Parameter),
        var("V_th", Some("mV"), VariableKind::Parameter),
        var("I_e", Some("pA"), VariableKind::Parameter),
    ];
    const PORTS: &'static [PortInfo] = &[
        PortInfo {
            name: "exc_spikes",
            kind: PortKind::Spike,
            unit: None,
            len: 1,
        },
        PortInfo {
            name: "inh_spikes",
            kind: PortKind::Spike,
            unit: None,
            len: 1,
        },
        PortInfo {
            name: "I_stim",
            kind: PortKind::Continuous,
            unit: Some("pA"),
            len: 1,
        },
    ];
    const RECEPTORS: &'static [Receptor] = &[Receptor {
        excitatory: 0,
        inhibitory: Some(1),
    }];

    fn init_buffers(&mut self, resolution: &Resolution) {
        self.spikes.clear();
        self.currents.clear();
        self.solver.reset(resolution.h());
    }

    fn calibrate(&mut self, _resolution: &Resolution) -> Result<(), Fault> {
        Ok(())
    }

    #[inline]
    fn handle_spike(&mut self, receptor: usize, weight: f64, multiplicity: u32) {
        self.spikes
            .receive(Self::RECEPTORS, receptor, weight, multiplicity);
    }

    #[inline]
    fn handle_port_spike(&mut self, port: usize, weight: f64) {
        self.spikes.add(port, weight);
    }

    #[inline]
    fn handle_current(&mut self, port: usize, value: f64) {
        self.currents.add(port, value);
    }

    fn step(&mut self, ctx: &mut StepContext<'_>) -> Result<StepOutcome, Fault> {
        self.spikes.begin_step();
        // update:
        let refractory = self.refr_t > 0.0;
        if refractory {
            self.refr_t -= ctx.h;
        }
        let rhs = Rhs {
            p: &self.p,
            i_stim: self.currents.value(0),
            v_m: !refractory,
        };
        self.solver
            .integrate(&rhs, 0.0, ctx.h, &mut self.y)
            .map_err(|e| Fault::from_solver(Self::NAME, ctx.t_end, e, &STATE_NAMES))?;
        // onReceive (unit_psc * port * 1 s = the summed weight in pA):
        if self.spikes.received(0) {
            self.y[1] += self.spikes.sum(0);
        }
        if self.spikes.received(1) {
            self.y[2] += self.spikes.sum(1);
        }
        // onCondition:
        let mut out = StepOutcome::default();
        if self.refr_t <= 0.0 && self.y[0] >= self.p.v_th {
            self.refr_t = self.p.refr_t_param;
            self.y[0] = self.p.v_reset;
            out.spikes += 1;
        }
        self.currents.end_step();
        Ok(out)
    }

    fn get_value(&self, var: usize, element: usize) -> Option<f64> {
        if element != 0 {
            return None;
        }
        let p = &self.p;
        Some(match var {
            0 => self.y[0],
            1 => self.refr_t,
            2 => self.y[1],
            3 => self.y[2],
            4 => p.c_m,
            5 => p.tau_m,
            6 => p.tau_syn_inh,
            7 => p.tau_syn_exc,
            8 => p.refr_t_param,
            9 => p.e_l,
            10 => p.v_reset,
            11 => p.v_th,
            12 => p.i_e,
            _ => return None,
        })
    }

    fn set_value(&mut self, var: usize, element: usize, value: f64) -> Result<(), SetError> {
        let info = Self::VARIABLES.get(var).ok_or(SetError::UnknownIndex { model: Self::NAME, index: var })?;
        if element != 0 {
            return Err(SetError::Index {
                model: Self::NAME,
                name: info.name,
                index: element,
                len: 1,
            });
        }
        let positive = |v: f64| {
            if v > 0.0 {
                Ok(v)
            } else {
                Err(SetError::Invalid {
                    model: Self::NAME,
                    name: info.name,
                    value,
                    reason: "must be > 0",
                })
            }
        };
        let p = &mut self.p;
        match var {
            0 => self.y[0] = value,
            1 => self.refr_t = value,
            2 => self.y[1] = value,
            3 => self.y[2] = value,
            4 => p.c_m = positive(value)?,
            5 => p.tau_m = positive(value)?,
            6 => p.tau_syn_inh = positive(value)?,
            7 => p.tau_syn_exc = positive(value)?,
            8 => p.refr_t_param = value,
            9 => p.e_l = value,
            10 => p.v_reset = value,
            11 => p.v_th = value,
            _ => p.i_e = value,
        }
        Ok(())
    }
}

impl crate::checkpoint::Checkpoint for ExampleIafPscExp {
    fn save(&self, out: &mut dyn crate::checkpoint::WordSink) {
        self.y.save(out);
        self.refr_t.save(out);
        self.spikes.save(out);
        self.currents.save(out);
        self.solver.save(out);
    }
    fn restore(&mut self, input: &mut &[u64]) -> Result<(), crate::checkpoint::CheckpointError> {
        self.y.restore(input)?;
        self.refr_t.restore(input)?;
        self.spikes.restore(input)?;
        self.currents.restore(input)?;
        self.solver.restore(input)
    }
}
