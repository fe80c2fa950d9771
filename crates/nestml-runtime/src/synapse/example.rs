//! A hand-written synapse in the shape generated code takes: NESTML's `stdp_synapse`
//! (additive and multiplicative pair-based STDP with all-to-all traces, NEST's
//! `stdp_synapse`). Used by the runtime's tests and docs.

use super::{HandlerContext, PortRole, Synapse, SynapseParams, SynapsePort};
use crate::fault::{Fault, FaultKind};
use crate::neuron::{SetError, ValueType, VariableInfo, VariableKind};

const fn var(name: &'static str, kind: VariableKind) -> VariableInfo {
    VariableInfo { name, unit: None, kind, ty: ValueType::Real, vector: false }
}

/// The shared parameters (NEST units).
#[derive(Clone, Debug, PartialEq)]
pub struct ExampleStdpParams {
    /// Learning rate.
    pub lambda: f64,
    /// Depression relative to facilitation.
    pub alpha: f64,
    /// Presynaptic trace time constant (ms).
    pub tau_tr_pre: f64,
    /// Postsynaptic trace time constant (ms).
    pub tau_tr_post: f64,
    /// Largest weight.
    pub w_max: f64,
}

impl Default for ExampleStdpParams {
    fn default() -> Self {
        ExampleStdpParams { lambda: 0.01, alpha: 1.0, tau_tr_pre: 20.0, tau_tr_post: 20.0, w_max: 100.0 }
    }
}

impl SynapseParams for ExampleStdpParams {
    const MODEL: &'static str = "example_stdp_synapse";
    const VARIABLES: &'static [VariableInfo] = &[
        var("lambda", VariableKind::Parameter),
        var("alpha", VariableKind::Parameter),
        var("tau_tr_pre", VariableKind::Parameter),
        var("tau_tr_post", VariableKind::Parameter),
        var("Wmax", VariableKind::Parameter),
    ];

    fn get_value(&self, var: usize) -> Option<f64> {
        [self.lambda, self.alpha, self.tau_tr_pre, self.tau_tr_post, self.w_max].get(var).copied()
    }

    fn set_value(&mut self, var: usize, value: f64) -> Result<(), SetError> {
        let old = self.clone();
        match var {
            0 => self.lambda = value,
            1 => self.alpha = value,
            2 => self.tau_tr_pre = value,
            3 => self.tau_tr_post = value,
            4 => self.w_max = value,
            _ => return Err(SetError::UnknownIndex { model: Self::MODEL, index: var }),
        }
        if self.check().is_err() {
            *self = old;
            return Err(SetError::Invalid { model: Self::MODEL, name: Self::VARIABLES[var].name, value, reason: "violates a guard" });
        }
        Ok(())
    }

    fn check(&self) -> Result<(), Fault> {
        if self.w_max >= 0.0 {
            Ok(())
        } else {
            Err(Fault::new(Self::MODEL, 0.0, FaultKind::GuardViolated { guard: "Wmax >= 0" }))
        }
    }
}

/// One connection: weight, traces and the time of the last update.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ExampleStdp {
    /// The weight.
    pub w: f64,
    /// Presynaptic trace.
    pub pre_trace: f64,
    /// Postsynaptic trace.
    pub post_trace: f64,
    t_last: f64,
}

impl Synapse for ExampleStdp {
    const NAME: &'static str = "example_stdp_synapse";
    const VARIABLES: &'static [VariableInfo] =
        &[var("w", VariableKind::State), var("pre_trace", VariableKind::State), var("post_trace", VariableKind::State)];
    const PORTS: &'static [SynapsePort] = &[
        SynapsePort { name: "pre_spikes", role: PortRole::Pre, unit: None },
        SynapsePort { name: "post_spikes", role: PortRole::Post, unit: None },
    ];
    const PRE_FIRST: bool = false;
    type Params = ExampleStdpParams;
    type PostTraces = [f64; 1];

    fn new(_: &ExampleStdpParams) -> Self {
        ExampleStdp { w: 1.0, pre_trace: 0.0, post_trace: 0.0, t_last: 0.0 }
    }
    fn weight(&self) -> f64 {
        self.w
    }
    fn set_weight(&mut self, w: f64) {
        self.w = w;
    }
    fn get_value(&self, var: usize) -> Option<f64> {
        [self.w, self.pre_trace, self.post_trace].get(var).copied()
    }
    fn set_value(&mut self, var: usize, value: f64) -> Result<(), SetError> {
        match var {
            0 => self.w = value,
            1 => self.pre_trace = value,
            2 => self.post_trace = value,
            _ => return Err(SetError::UnknownIndex { model: Self::NAME, index: var }),
        }
        Ok(())
    }
    fn t_last(&self) -> f64 {
        self.t_last
    }
    fn set_t_last(&mut self, t: f64) {
        self.t_last = t;
    }
    fn advance(&mut self, p: &ExampleStdpParams, _: &mut HandlerContext<'_>, _: f64, h: f64) -> Result<(), Fault> {
        if h >= 1e-12 {
            self.pre_trace *= crate::math::exp(-h / p.tau_tr_pre);
            self.post_trace *= crate::math::exp(-h / p.tau_tr_post);
        }
        Ok(())
    }
    fn on_pre(&mut self, p: &ExampleStdpParams, _: &mut HandlerContext<'_>, _: f64) -> Result<Option<f64>, Fault> {
        self.pre_trace += 1.0;
        let w = p.w_max * (self.w / p.w_max - p.alpha * p.lambda * (self.w / p.w_max) * self.post_trace);
        self.w = w.max(0.0);
        Ok(Some(self.w))
    }
    fn on_post(&mut self, p: &ExampleStdpParams, _: &mut HandlerContext<'_>, _: f64) -> Result<(), Fault> {
        let w = p.w_max * (self.w / p.w_max + p.lambda * (1.0 - self.w / p.w_max) * self.pre_trace);
        self.w = w.min(p.w_max);
        self.post_trace += 1.0;
        Ok(())
    }
    fn on_mod(&mut self, _: &ExampleStdpParams, _: &mut HandlerContext<'_>, _: f64) -> Result<(), Fault> {
        Ok(())
    }
    fn post_traces(&self) -> [f64; 1] {
        [self.post_trace]
    }
    fn set_post_traces(&mut self, v: [f64; 1]) {
        self.post_trace = v[0];
    }
    fn check_finite(&self, t: f64) -> Result<(), Fault> {
        Fault::check_finite(Self::NAME, t, &["w", "pre_trace", "post_trace"], &[self.w, self.pre_trace, self.post_trace])
    }
}

impl crate::checkpoint::Checkpoint for ExampleStdp {
    fn save(&self, out: &mut dyn crate::checkpoint::WordSink) {
        [self.w, self.pre_trace, self.post_trace, self.t_last].save(out);
    }
    fn restore(&mut self, input: &mut &[u64]) -> Result<(), crate::checkpoint::CheckpointError> {
        let mut v = [0.0; 4];
        v.restore(input)?;
        [self.w, self.pre_trace, self.post_trace, self.t_last] = v;
        Ok(())
    }
}
