//! NEST's simulation clock: time counts integer tics (default 1000 per ms) and a step is a
//! whole number of tics. Times in ms are computed the way NEST computes them
//! (`ms_per_tic * tics`), so that `t` and `resolution()` in generated code have NEST's
//! values bit for bit (`0.001 * 300` rather than `3 * 0.1`).

use core::fmt;

/// The simulation resolution `h` in NEST's tic arithmetic.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Resolution {
    tics_per_step: i64,
    tics_per_ms: f64,
    ms_per_tic: f64,
}

/// A resolution that is not a positive whole number of tics.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BadResolution(pub f64);

impl fmt::Display for BadResolution {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "resolution {} ms is not a positive multiple of the tic",
            self.0
        )
    }
}

impl core::error::Error for BadResolution {}

impl Resolution {
    /// NEST's default tics per ms.
    pub const TICS_PER_MS_DEFAULT: f64 = 1000.0;

    /// `h` ms with NEST's default tic of 1 µs (`nest.resolution = h`).
    pub fn from_ms(h: f64) -> Result<Self, BadResolution> {
        Self::with_tics_per_ms(h, Self::TICS_PER_MS_DEFAULT)
    }

    /// `h` ms with `tics_per_ms` tics per ms; `h` must be a whole number of tics.
    pub fn with_tics_per_ms(h: f64, tics_per_ms: f64) -> Result<Self, BadResolution> {
        let tics = crate::math::round(h * tics_per_ms);
        let whole = (h * tics_per_ms - tics).abs() <= 1e-9 * tics.max(1.0);
        if tics.is_nan() || tics < 1.0 || !whole || tics > i64::MAX as f64 {
            return Err(BadResolution(h));
        }
        Ok(Resolution {
            tics_per_step: tics as i64,
            tics_per_ms,
            ms_per_tic: 1.0 / tics_per_ms,
        })
    }

    /// The step size in ms, as NEST's `Time::get_resolution().get_ms()`.
    #[inline]
    pub fn h(&self) -> f64 {
        self.ms_per_tic * self.tics_per_step as f64
    }

    /// Tics per step.
    #[inline]
    pub fn tics_per_step(&self) -> i64 {
        self.tics_per_step
    }

    /// The time in ms at the start of step `step` (NEST's `Time::step(step).get_ms()`).
    #[inline]
    pub fn t_ms(&self, step: i64) -> f64 {
        self.ms_per_tic * (step * self.tics_per_step) as f64
    }

    /// The first step boundary at or after `t_ms` (NEST's `Time(Time::ms_stamp(t))`), as a
    /// step count.
    pub fn steps_ceil(&self, t_ms: f64) -> i64 {
        let mut n = (t_ms * self.tics_per_ms) as i64;
        n -= n.rem_euclid(self.tics_per_step);
        if (n as f64) * self.ms_per_tic < t_ms {
            n += self.tics_per_step;
        }
        n / self.tics_per_step
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nest_time_arithmetic() {
        let r = Resolution::from_ms(0.1).unwrap();
        assert_eq!(r.tics_per_step(), 100);
        assert_eq!(r.h(), 0.1);
        assert_eq!(r.t_ms(3), 0.001 * 300.0);
        assert_ne!(r.t_ms(3), 3.0 * 0.1);
        assert_eq!(r.steps_ceil(1.0), 10);
        assert_eq!(r.steps_ceil(1.05), 11);
        assert_eq!(r.steps_ceil(0.0), 0);
        assert!(Resolution::from_ms(0.0).is_err());
        assert!(Resolution::from_ms(0.0005).is_err());
        assert!(Resolution::from_ms(f64::NAN).is_err());
        assert_eq!(
            Resolution::with_tics_per_ms(0.0005, 1e4)
                .unwrap()
                .tics_per_step(),
            5
        );
    }
}
