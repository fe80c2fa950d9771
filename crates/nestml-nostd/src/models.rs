//! The neurons the checks run: the runtime's hand-written `iaf_psc_exp_neuron` on [`Rkf45`]
//! ([`ExampleIafPscExp`]) and [`IafPscExpExact`], the same model propagated exactly with
//! [`linalg::propagator`](nestml::linalg::propagator) (the way generated neurons with
//! `solver = "analytic"` are). Both will give way to `include_nestml!` models.
//!
//! [`Rkf45`]: nestml::Rkf45

use nestml::checkpoint::{Checkpoint, CheckpointError, WordSink};
use nestml::{
    ContinuousInputs, Fault, Neuron, PortInfo, Receptor, Resolution, SetError, SpikeInputs,
    StepContext, StepOutcome, ValueType, VariableInfo, VariableKind,
};

pub use nestml::neuron::example::ExampleIafPscExp;

/// `iaf_psc_exp_neuron` with the exact propagator of `x = [V_m, I_syn_exc, I_syn_inh]`:
/// `x(t+h) = P x(t) + Φ b` for `x' = A x + b`.
#[derive(Clone, Debug)]
pub struct IafPscExpExact {
    /// Membrane capacitance (pF), time constants (ms), resting potential, reset and threshold
    /// (mV), refractory period (ms), constant input current (pA).
    p: [f64; 9],
    x: [f64; 3],
    refr_t: f64,
    spikes: SpikeInputs<2>,
    currents: ContinuousInputs<1>,
    h: f64,
    propagator: [[f64; 3]; 3],
    phi: [[f64; 3]; 3],
}

impl IafPscExpExact {
    /// `P` and `Φ` for the parameters and the step of the last `calibrate`.
    fn propagate(&mut self) {
        let p = &self.p;
        let a = [
            [-1.0 / p[TAU_M], 1.0 / p[C_M], -1.0 / p[C_M]],
            [0.0, -1.0 / p[TAU_SYN_EXC], 0.0],
            [0.0, 0.0, -1.0 / p[TAU_SYN_INH]],
        ];
        (self.propagator, self.phi) = nestml::linalg::propagator(&a, self.h);
    }
}

const fn var(name: &'static str, unit: &'static str, kind: VariableKind) -> VariableInfo {
    VariableInfo { name, unit: Some(unit), kind, ty: ValueType::Real, vector: false }
}

// Indices into `IafPscExpExact::p`, in `VARIABLES` order after the four states.
const C_M: usize = 0;
const TAU_M: usize = 1;
const TAU_SYN_INH: usize = 2;
const TAU_SYN_EXC: usize = 3;
const REFR_T: usize = 4;
const E_L: usize = 5;
const V_RESET: usize = 6;
const V_TH: usize = 7;
const I_E: usize = 8;

impl Default for IafPscExpExact {
    fn default() -> Self {
        IafPscExpExact {
            p: [250.0, 10.0, 2.0, 2.0, 2.0, -70.0, -70.0, -55.0, 0.0],
            x: [-70.0, 0.0, 0.0],
            refr_t: 0.0,
            spikes: SpikeInputs::default(),
            currents: ContinuousInputs::default(),
            h: 0.0,
            propagator: [[0.0; 3]; 3],
            phi: [[0.0; 3]; 3],
        }
    }
}

impl Neuron for IafPscExpExact {
    const NAME: &'static str = "iaf_psc_exp_exact";
    const VARIABLES: &'static [VariableInfo] = &[
        var("V_m", "mV", VariableKind::State),
        var("refr_t", "ms", VariableKind::State),
        var("I_syn_exc", "pA", VariableKind::State),
        var("I_syn_inh", "pA", VariableKind::State),
        var("C_m", "pF", VariableKind::Parameter),
        var("tau_m", "ms", VariableKind::Parameter),
        var("tau_syn_inh", "ms", VariableKind::Parameter),
        var("tau_syn_exc", "ms", VariableKind::Parameter),
        var("refr_T", "ms", VariableKind::Parameter),
        var("E_L", "mV", VariableKind::Parameter),
        var("V_reset", "mV", VariableKind::Parameter),
        var("V_th", "mV", VariableKind::Parameter),
        var("I_e", "pA", VariableKind::Parameter),
    ];
    const PORTS: &'static [PortInfo] = ExampleIafPscExp::PORTS;
    const RECEPTORS: &'static [Receptor] = ExampleIafPscExp::RECEPTORS;

    fn init_buffers(&mut self, _resolution: &Resolution) {
        self.spikes.clear();
        self.currents.clear();
    }

    fn calibrate(&mut self, resolution: &Resolution) -> Result<(), Fault> {
        self.h = resolution.h();
        self.propagate();
        Ok(())
    }

    fn handle_spike(&mut self, receptor: usize, weight: f64, multiplicity: u32) {
        self.spikes.receive(Self::RECEPTORS, receptor, weight, multiplicity);
    }

    fn handle_current(&mut self, port: usize, value: f64) {
        self.currents.add(port, value);
    }

    fn step(&mut self, ctx: &mut StepContext<'_>) -> Result<StepOutcome, Fault> {
        self.spikes.begin_step();
        let (p, x, m, phi) = (&self.p, self.x, &self.propagator, &self.phi);
        let refractory = self.refr_t > 0.0;
        if refractory {
            self.refr_t -= ctx.h;
        }
        // b = [E_L / tau_m + (I_e + I_stim) / C_m, 0, 0]; V_m stays put while refractory.
        let b0 = p[E_L] / p[TAU_M] + (p[I_E] + self.currents.value(0)) / p[C_M];
        for i in 0..3 {
            if i > 0 || !refractory {
                self.x[i] = (0..3).map(|j| m[i][j] * x[j]).sum::<f64>() + phi[i][0] * b0;
            }
        }
        if self.spikes.received(0) {
            self.x[1] += self.spikes.sum(0);
        }
        if self.spikes.received(1) {
            self.x[2] += self.spikes.sum(1);
        }
        let mut out = StepOutcome::default();
        if self.refr_t <= 0.0 && self.x[0] >= p[V_TH] {
            self.refr_t = p[REFR_T];
            self.x[0] = p[V_RESET];
            out.spikes += 1;
        }
        self.currents.end_step();
        Fault::check_finite(Self::NAME, ctx.t_end, &["V_m", "I_syn_exc", "I_syn_inh"], &self.x)?;
        Ok(out)
    }

    fn get_value(&self, var: usize, element: usize) -> Option<f64> {
        match (var, element) {
            (0, 0) => Some(self.x[0]),
            (1, 0) => Some(self.refr_t),
            (2 | 3, 0) => Some(self.x[var - 1]),
            (4..=12, 0) => Some(self.p[var - 4]),
            _ => None,
        }
    }

    fn set_value(&mut self, var: usize, element: usize, value: f64) -> Result<(), SetError> {
        let info = Self::VARIABLES.get(var).ok_or(SetError::UnknownIndex { model: Self::NAME, index: var })?;
        if element != 0 {
            return Err(SetError::Index { model: Self::NAME, name: info.name, index: element, len: 1 });
        }
        match var {
            0 => self.x[0] = value,
            1 => self.refr_t = value,
            2 | 3 => self.x[var - 1] = value,
            4..=7 if value <= 0.0 => {
                return Err(SetError::Invalid { model: Self::NAME, name: info.name, value, reason: "must be > 0" })
            }
            _ => {
                self.p[var - 4] = value;
                self.propagate();
            }
        }
        Ok(())
    }
}

impl Checkpoint for IafPscExpExact {
    fn save(&self, out: &mut dyn WordSink) {
        self.x.save(out);
        self.refr_t.save(out);
        self.spikes.save(out);
        self.currents.save(out);
    }

    fn restore(&mut self, input: &mut &[u64]) -> Result<(), CheckpointError> {
        self.x.restore(input)?;
        self.refr_t.restore(input)?;
        self.spikes.restore(input)?;
        self.currents.restore(input)
    }
}
