//! Numbers of the expression tree: exact rationals `i64/i64`, with an `f64` fallback.

use std::cmp::Ordering;
use std::fmt;
use std::ops::{Add, Mul, Neg};

/// A number: an exact rational `n/d` (always `d > 0`, `gcd(n, d) == 1`) or, when a value
/// cannot be held exactly (irrational results, overflow, non-decimal floats), an `f64`.
///
/// Construct with [`Num::int`], [`Num::rat`], [`Num::float`] or [`Num::parse_decimal`]: they
/// keep the invariants (an integral `f64` of magnitude below 2^53 becomes a rational).
/// Arithmetic is exact while both operands are rational and the result fits in `i64`.
#[derive(Clone, Copy, Debug)]
pub enum Num {
    /// Exact rational `numerator / denominator`.
    Rat(i64, i64),
    /// Inexact value.
    Float(f64),
}

fn gcd(mut a: i128, mut b: i128) -> i128 {
    a = a.abs();
    b = b.abs();
    while b != 0 {
        let t = a % b;
        a = b;
        b = t;
    }
    a
}

impl Num {
    /// Zero.
    pub const ZERO: Num = Num::Rat(0, 1);
    /// One.
    pub const ONE: Num = Num::Rat(1, 1);
    /// Minus one.
    pub const MINUS_ONE: Num = Num::Rat(-1, 1);

    /// The integer `n`.
    pub fn int(n: i64) -> Num {
        Num::Rat(n, 1)
    }

    /// The rational `n/d`, reduced; `d == 0` gives the `f64` quotient (±inf or NaN).
    pub fn rat(n: i64, d: i64) -> Num {
        Self::from_i128(n as i128, d as i128)
    }

    /// Reduces `n/d`; falls back to `f64` when the reduced form does not fit in `i64`.
    fn from_i128(n: i128, d: i128) -> Num {
        if d == 0 {
            return Num::Float(n as f64 / 0.0);
        }
        let g = gcd(n, d).max(1);
        let (mut n, mut d) = (n / g, d / g);
        if d < 0 {
            n = -n;
            d = -d;
        }
        match (i64::try_from(n), i64::try_from(d)) {
            (Ok(n), Ok(d)) => Num::Rat(n, d),
            _ => Num::Float(n as f64 / d as f64),
        }
    }

    /// An `f64`; integral values below 2^53 in magnitude become exact integers.
    pub fn float(x: f64) -> Num {
        if x.is_finite() && x.fract() == 0.0 && x.abs() < 9_007_199_254_740_992.0 {
            Num::Rat(x as i64, 1)
        } else {
            Num::Float(x)
        }
    }

    /// Parses a decimal literal (`"12"`, `"0.1"`, `"2.5e-3"`, `"1E4"`) exactly when the
    /// rational fits in `i64/i64`, else as `f64`. `None` if the text is not a number.
    pub fn parse_decimal(text: &str) -> Option<Num> {
        let t = text.trim();
        let value: f64 = t.parse().ok()?;
        let (mantissa, exponent) = match t.find(['e', 'E']) {
            Some(i) => (&t[..i], t[i + 1..].parse::<i32>().ok()?),
            None => (t, 0),
        };
        let (neg, mantissa) = match mantissa.strip_prefix('-') {
            Some(m) => (true, m),
            None => (false, mantissa.strip_prefix('+').unwrap_or(mantissa)),
        };
        let (int_part, frac_part) = match mantissa.find('.') {
            Some(i) => (&mantissa[..i], &mantissa[i + 1..]),
            None => (mantissa, ""),
        };
        let digits = format!("{int_part}{frac_part}");
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Some(Num::float(value));
        }
        let exact = (|| {
            let mut n: i128 = digits.trim_start_matches('0').parse().unwrap_or(0);
            if neg {
                n = -n;
            }
            let e = exponent.checked_sub(i32::try_from(frac_part.len()).ok()?)?;
            let p = 10i128.checked_pow(e.unsigned_abs())?;
            if e >= 0 {
                Some(Num::from_i128(n.checked_mul(p)?, 1))
            } else {
                Some(Num::from_i128(n, p))
            }
        })();
        match exact {
            Some(n @ Num::Rat(..)) => Some(n),
            _ => Some(Num::float(value)),
        }
    }

    /// The value as `f64` (correctly rounded for integers below 2^53).
    pub fn to_f64(self) -> f64 {
        match self {
            Num::Rat(n, 1) => n as f64,
            Num::Rat(n, d) => n as f64 / d as f64,
            Num::Float(x) => x,
        }
    }

    /// True for an exact rational.
    pub fn is_exact(self) -> bool {
        matches!(self, Num::Rat(..))
    }

    /// True if the value is zero.
    pub fn is_zero(self) -> bool {
        self.to_f64() == 0.0
    }

    /// True if the value is exactly one.
    pub fn is_one(self) -> bool {
        matches!(self, Num::Rat(1, 1)) || matches!(self, Num::Float(x) if x == 1.0)
    }

    /// True if the value is negative.
    pub fn is_negative(self) -> bool {
        self.to_f64() < 0.0
    }

    /// The integer value, if this is an exact integer.
    pub fn as_int(self) -> Option<i64> {
        match self {
            Num::Rat(n, 1) => Some(n),
            _ => None,
        }
    }

    fn sum(self, other: Num) -> Num {
        match (self, other) {
            (Num::Rat(a, b), Num::Rat(c, d)) => Num::from_i128(
                a as i128 * d as i128 + c as i128 * b as i128,
                b as i128 * d as i128,
            ),
            _ => Num::float(self.to_f64() + other.to_f64()),
        }
    }

    fn product(self, other: Num) -> Num {
        match (self, other) {
            (Num::Rat(a, b), Num::Rat(c, d)) => {
                Num::from_i128(a as i128 * c as i128, b as i128 * d as i128)
            }
            _ => Num::float(self.to_f64() * other.to_f64()),
        }
    }

    fn negated(self) -> Num {
        match self {
            Num::Rat(a, b) => Num::from_i128(-(a as i128), b as i128),
            Num::Float(x) => Num::Float(-x),
        }
    }

    /// `1/self` (`f64` infinity for zero).
    pub fn recip(self) -> Num {
        match self {
            Num::Rat(a, b) => Num::from_i128(b as i128, a as i128),
            Num::Float(x) => Num::float(1.0 / x),
        }
    }

    /// `self` raised to an integer power, exact when possible.
    pub fn powi(self, k: i64) -> Num {
        if let Num::Rat(a, b) = self {
            if k == 0 {
                return Num::ONE;
            }
            if a == 0 && k < 0 {
                return Num::Float(f64::INFINITY);
            }
            let (mut n, mut d) = (a as i128, b as i128);
            if k < 0 {
                std::mem::swap(&mut n, &mut d);
            }
            let e = u32::try_from(k.unsigned_abs()).ok();
            if let Some(e) = e {
                if let (Some(n), Some(d)) = (n.checked_pow(e), d.checked_pow(e)) {
                    return Num::from_i128(n, d);
                }
            }
        }
        Num::float(self.to_f64().powf(k as f64))
    }

    /// Total order by value (rationals before equal floats, NaN last).
    pub fn total_cmp(self, other: Num) -> Ordering {
        match (self, other) {
            (Num::Rat(a, b), Num::Rat(c, d)) => {
                (a as i128 * d as i128).cmp(&(c as i128 * b as i128))
            }
            _ => self
                .to_f64()
                .total_cmp(&other.to_f64())
                .then_with(|| self.is_exact().cmp(&other.is_exact()).reverse()),
        }
    }
}

impl Add for Num {
    type Output = Num;
    /// Exact while both are rational and the result fits.
    fn add(self, other: Num) -> Num {
        self.sum(other)
    }
}

impl Mul for Num {
    type Output = Num;
    /// Exact while both are rational and the result fits.
    fn mul(self, other: Num) -> Num {
        self.product(other)
    }
}

impl Neg for Num {
    type Output = Num;
    fn neg(self) -> Num {
        self.negated()
    }
}

impl PartialEq for Num {
    fn eq(&self, other: &Num) -> bool {
        match (*self, *other) {
            (Num::Rat(a, b), Num::Rat(c, d)) => a == c && b == d,
            (Num::Float(x), Num::Float(y)) => x == y,
            _ => false,
        }
    }
}

impl fmt::Display for Num {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Num::Rat(n, 1) => write!(f, "{n}"),
            Num::Rat(n, d) => write!(f, "{n}/{d}"),
            Num::Float(x) if x.is_nan() => write!(f, "nan"),
            Num::Float(x) if x.is_infinite() => write!(f, "{}inf", if x < 0.0 { "-" } else { "" }),
            Num::Float(x) => write!(f, "{x:?}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rationals_reduce_and_fold_exactly() {
        assert_eq!(Num::rat(6, -4), Num::Rat(-3, 2));
        assert_eq!(Num::rat(1, 3) + Num::rat(1, 6), Num::Rat(1, 2));
        assert_eq!(Num::rat(2, 3) * Num::rat(3, 4), Num::Rat(1, 2));
        assert_eq!(Num::rat(2, 3).powi(-2), Num::Rat(9, 4));
        assert_eq!(Num::int(0).powi(0), Num::ONE);
    }

    #[test]
    fn overflow_falls_back_to_float() {
        let big = Num::int(i64::MAX);
        assert!(!(big * big).is_exact());
        assert!(((big * big).to_f64() / 8.507059173023462e37 - 1.0).abs() < 1e-15);
        assert!(!Num::int(10).powi(40).is_exact());
    }

    #[test]
    fn decimal_literals_are_exact() {
        assert_eq!(Num::parse_decimal("0.1"), Some(Num::Rat(1, 10)));
        assert_eq!(Num::parse_decimal("2.5e-3"), Some(Num::Rat(1, 400)));
        assert_eq!(Num::parse_decimal("-1E4"), Some(Num::Rat(-10000, 1)));
        assert_eq!(Num::parse_decimal("1e-25"), Some(Num::Float(1e-25)));
        assert_eq!(Num::parse_decimal(".5"), Some(Num::Rat(1, 2)));
        assert_eq!(Num::parse_decimal("inf"), Some(Num::Float(f64::INFINITY)));
        assert_eq!(Num::parse_decimal("x"), None);
        assert_eq!(Num::float(3.0), Num::Rat(3, 1));
        assert_eq!(Num::float(0.5), Num::Float(0.5));
    }

    #[test]
    fn display() {
        assert_eq!(Num::rat(-3, 2).to_string(), "-3/2");
        assert_eq!(Num::float(1e-10).to_string(), "1e-10");
        assert_eq!(Num::float(2.5).to_string(), "2.5");
    }
}
