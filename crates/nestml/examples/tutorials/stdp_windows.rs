//! The `stdp_windows` tutorial: the weight change of four pair-based STDP rules for one
//! presynaptic and one postsynaptic spike, against their time difference
//! (../shared/tutorial-reference/stdp_windows.md).
//!
//! One fresh simulation per point, at 1 ms: a relay (`parrot_neuron`) fires at 101 and 991 ms
//! and reaches an `iaf_psc_delta_neuron` (library, defaults) through the rule under test (delay
//! 10 ms, `w = 1`, `lambda = 1e-6`); a generator spike at `t_g` in 25..=174 ms makes the neuron
//! fire at `t_g + 1` (weight 9999, delay 1 ms). `dt = t_post − t_pre`, `dw = (w(1000 ms) − 1) /
//! lambda`. The second presynaptic spike only makes the synapse apply the postsynaptic spike
//! (weights change when a presynaptic spike passes). The whole delay is dendritic, so the rule
//! sees the lag `dt + 10 ms` and the window is centred at `dt = −10 ms`.

#![allow(dead_code)]

use super::common::Sim;
use nestml::{Resolution, Synapse, SynapseParams};

mod models {
    nestml::include_nestml!("../../../shared/nestml-models/neurons/iaf_psc_delta_neuron.nestml");
    nestml::include_nestml!("../../../shared/tutorial-models/stdp_synapse__stdp_windows.nestml");
    nestml::include_nestml!("../../../shared/tutorial-models/stdp_windowed_synapse.nestml");
    nestml::include_nestml!("../../../shared/tutorial-models/stdp_vogels_synapse.nestml");
}
pub use models::{IafPscDeltaNeuron, StdpSynapse, StdpVogelsSynapse, StdpWindowedSynapse};

pub const RESOLUTION_MS: f64 = 1.0;
pub const SIM_TIME_MS: f64 = 1000.0;
pub const DELAY_MS: f64 = 10.0;
pub const LAMBDA: f64 = 1e-6;
/// Spike generator times of the presynaptic side; the relay fires 1 ms later.
pub const PRE_GENERATOR_MS: [f64; 2] = [100.0, 990.0];
/// The postsynaptic generator spike is at one of these times (ms).
pub const POST_GENERATOR_MS: std::ops::RangeInclusive<i32> = 25..=174;

/// A rule of the tutorial with its parameters (keys of `variants` in the reference JSON).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Rule {
    /// `stdp_synapse` with `alpha`.
    Stdp {
        alpha: f64,
    },
    StdpWindowed,
    /// `stdp_vogels_synapse` with `offset = 0.1` (its `d` is the connection's delay).
    Vogels,
}

impl Rule {
    pub const ALL: [Rule; 4] = [
        Rule::Stdp { alpha: 0.5 },
        Rule::Stdp { alpha: -1.0 },
        Rule::StdpWindowed,
        Rule::Vogels,
    ];

    /// The key of the variant in the reference JSON.
    pub fn key(&self) -> String {
        match self {
            Rule::Stdp { alpha } => format!("stdp_synapse_alpha_{alpha}"),
            Rule::StdpWindowed => "stdp_windowed_synapse".into(),
            Rule::Vogels => "stdp_vogels_synapse".into(),
        }
    }
}

/// The window of one rule.
#[derive(Clone, Debug, PartialEq)]
pub struct Window {
    pub rule: Rule,
    /// `t_post − t_pre` (ms), measured from the neuron's and the relay's first spikes.
    pub dt_ms: Vec<f64>,
    /// `(w(end) − 1) / lambda`.
    pub dw: Vec<f64>,
}

/// The tutorial's summary of a window (as `variants.<key>.summary` in the JSON).
#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    pub dw_max: f64,
    pub dt_at_dw_max: f64,
    pub dw_min: f64,
    pub dt_at_dw_min: f64,
    pub n_dw_positive: usize,
    pub n_dw_negative: usize,
}

impl Window {
    /// Extremes (the first point attaining each) and the counts of strictly positive and
    /// negative changes.
    pub fn summary(&self) -> Summary {
        let (mut imax, mut imin) = (0, 0);
        for i in 0..self.dw.len() {
            if self.dw[i] > self.dw[imax] {
                imax = i;
            }
            if self.dw[i] < self.dw[imin] {
                imin = i;
            }
        }
        Summary {
            dw_max: self.dw[imax],
            dt_at_dw_max: self.dt_ms[imax],
            dw_min: self.dw[imin],
            dt_at_dw_min: self.dt_ms[imin],
            n_dw_positive: self.dw.iter().filter(|&&d| d > 0.0).count(),
            n_dw_negative: self.dw.iter().filter(|&&d| d < 0.0).count(),
        }
    }
}

/// One simulation: returns (dt, dw) for the postsynaptic generator spike at `t_gen_ms`.
fn pairing<S: Synapse>(params: S::Params, t_gen_ms: f64) -> Result<(f64, f64), String> {
    let resolution = Resolution::from_ms(RESOLUTION_MS).map_err(|e| e.to_string())?;
    let mut sim =
        Sim::<IafPscDeltaNeuron, S>::new(resolution, IafPscDeltaNeuron::default(), params, 1);
    let pre: Vec<f64> = PRE_GENERATOR_MS.iter().map(|t| t + 1.0).collect(); // the parrot relays
    let mut synapse = S::new(&sim.params);
    synapse.set("w", 1.0).map_err(|e| e.to_string())?;
    sim.connect(synapse, &pre, DELAY_MS, 0);
    sim.generator_spike(t_gen_ms, 1.0, 0, 9999.0);
    sim.run_until(SIM_TIME_MS)?;
    let t_post = *sim
        .post_spikes
        .first()
        .ok_or("the postsynaptic neuron did not fire")?;
    let w = sim.connections[0].synapse.weight();
    Ok((t_post - pre[0], (w - 1.0) / LAMBDA))
}

fn window_of<S: Synapse>(rule: Rule, params: S::Params) -> Result<Window, String> {
    let mut window = Window {
        rule,
        dt_ms: Vec::new(),
        dw: Vec::new(),
    };
    for t_gen in POST_GENERATOR_MS {
        let (dt, dw) = pairing::<S>(params.clone(), t_gen as f64)?;
        window.dt_ms.push(dt);
        window.dw.push(dw);
    }
    Ok(window)
}

/// The STDP window of `rule` on the tutorial's grid (150 points).
pub fn window(rule: Rule) -> Result<Window, String> {
    let e = |e: nestml::SetError| e.to_string();
    match rule {
        Rule::Stdp { alpha } => {
            let mut p = <StdpSynapse as Synapse>::Params::default();
            p.set("lambda", LAMBDA).map_err(e)?;
            p.set("alpha", alpha).map_err(e)?;
            window_of::<StdpSynapse>(rule, p)
        }
        Rule::StdpWindowed => {
            let mut p = <StdpWindowedSynapse as Synapse>::Params::default();
            p.set("lambda", LAMBDA).map_err(e)?;
            window_of::<StdpWindowedSynapse>(rule, p)
        }
        Rule::Vogels => {
            let mut p = <StdpVogelsSynapse as Synapse>::Params::default();
            p.set("lambda", LAMBDA).map_err(e)?;
            p.set("offset", 0.1).map_err(e)?;
            window_of::<StdpVogelsSynapse>(rule, p)
        }
    }
}

/// The windows of the four rules, in [`Rule::ALL`] order.
pub fn run() -> Result<Vec<Window>, String> {
    Rule::ALL.iter().map(|&r| window(r)).collect()
}
