//! [`Value`]: a parameter, weight or delay given as a constant or drawn per neuron or per
//! connection from a distribution of the network's seeded generator.

use nestml_runtime::NestmlRng;

/// A constant, or a distribution to draw from.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Value {
    /// The same value everywhere.
    Const(f64),
    /// Uniform in `[low, high)`.
    Uniform {
        /// Lower bound (included).
        low: f64,
        /// Upper bound (excluded).
        high: f64,
    },
    /// Normal.
    Normal {
        /// Mean.
        mean: f64,
        /// Standard deviation.
        std: f64,
    },
    /// `exp(N(mu, sigma))`, as NEST's `lognormal`.
    LogNormal {
        /// Mean of the underlying normal.
        mu: f64,
        /// Standard deviation of the underlying normal.
        sigma: f64,
    },
}

impl From<f64> for Value {
    fn from(v: f64) -> Self {
        Value::Const(v)
    }
}

impl Value {
    /// One value (a constant draws nothing).
    pub fn sample(&self, rng: &mut NestmlRng) -> f64 {
        match *self {
            Value::Const(v) => v,
            Value::Uniform { low, high } => rng.uniform(low, high),
            Value::Normal { mean, std } => rng.normal(mean, std),
            Value::LogNormal { mu, sigma } => rng.normal(mu, sigma).exp(),
        }
    }

    /// Why the distribution cannot be drawn from, if it cannot.
    pub fn check(&self) -> Result<(), String> {
        let ok = match *self {
            Value::Const(v) => v.is_finite(),
            Value::Uniform { low, high } => low.is_finite() && high.is_finite() && low <= high,
            Value::Normal { mean, std } | Value::LogNormal { mu: mean, sigma: std } => mean.is_finite() && std.is_finite() && std >= 0.0,
        };
        if ok {
            Ok(())
        } else {
            Err(format!("{self:?} is not a distribution that can be drawn from"))
        }
    }
}
