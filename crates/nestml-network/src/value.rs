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
    /// Normal, drawn again until it lies in `[min, max]`, as NEST's
    /// `redraw(normal(mean, std), min, max)`.
    NormalRedraw {
        /// Mean.
        mean: f64,
        /// Standard deviation.
        std: f64,
        /// Smallest value kept.
        min: f64,
        /// Largest value kept.
        max: f64,
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
            Value::NormalRedraw { mean, std, min, max } => loop {
                let v = rng.normal(mean, std);
                if (min..=max).contains(&v) {
                    break v;
                }
            },
            Value::LogNormal { mu, sigma } => rng.normal(mu, sigma).exp(),
        }
    }

    /// Why the distribution cannot be drawn from, if it cannot.
    pub fn check(&self) -> Result<(), String> {
        let ok = match *self {
            Value::Const(v) => v.is_finite(),
            Value::Uniform { low, high } => low.is_finite() && high.is_finite() && low <= high,
            Value::Normal { mean, std } | Value::LogNormal { mu: mean, sigma: std } => mean.is_finite() && std.is_finite() && std >= 0.0,
            // at least 1e-6 of the distribution's mass inside (else drawing would not end)
            Value::NormalRedraw { mean, std, min, max } => {
                let mass = |x: f64| if std > 0.0 { 0.5 * nestml_runtime::math::erfc(-(x - mean) / (std * std::f64::consts::SQRT_2)) } else if x >= mean { 1.0 } else { 0.0 };
                mean.is_finite() && std.is_finite() && std >= 0.0 && min <= max && mass(max) - mass(min) >= 1e-6
            }
        };
        if ok {
            Ok(())
        } else {
            Err(format!("{self:?} is not a distribution that can be drawn from"))
        }
    }
}
