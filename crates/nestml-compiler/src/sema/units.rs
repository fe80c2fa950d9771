//! Physical units: rational exponents over the seven SI base units plus an exact decimal
//! magnitude (design §3).
//!
//! A [`Unit`] is `10^exp10 * factor * m^d0 kg^d1 s^d2 A^d3 K^d4 mol^d5 cd^d6`, where all `d_i`
//! and `exp10` are [`Rational`]s (NESTML accepts `ns**0.5` and `ms**(1/2)`), and `factor` is the
//! non-decimal residual (`1.0` for every decimal unit, `3600.0` for `h`). Powers of ten are kept
//! exact and never folded into `factor`, so conversions between decimal units are exact powers
//! of ten ([`Conversion`]).
//!
//! Unit names are those PyNESTML 9 accepts ([`Unit::lookup`]), taken from astropy by
//! `tools/gen_unit_table.py` into the generated `units/table.rs`.

use std::cmp::Ordering;
use std::fmt;
use std::ops::{Add, Div, Mul, Neg, Sub};
use std::sync::OnceLock;

mod table;

// ---------------------------------------------------------------------------------------------
// Rational
// ---------------------------------------------------------------------------------------------

/// An exact rational number `num/den`, always reduced, with `den > 0`.
///
/// The operator impls (`+ - * / neg`) panic on `i64` overflow (like integer arithmetic in debug
/// builds); the `checked_*` methods return `None` instead and are what code handling user input
/// should use.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Rational {
    num: i64,
    den: i64,
}

fn gcd_i128(mut a: i128, mut b: i128) -> i128 {
    a = a.abs();
    b = b.abs();
    while b != 0 {
        let t = a % b;
        a = b;
        b = t;
    }
    a
}

impl Rational {
    /// Zero.
    pub const ZERO: Rational = Rational { num: 0, den: 1 };
    /// One.
    pub const ONE: Rational = Rational { num: 1, den: 1 };

    /// `num/den`, reduced; `None` if `den == 0` or the reduced value does not fit in `i64`.
    pub fn new(num: i64, den: i64) -> Option<Rational> {
        Self::from_i128(num as i128, den as i128)
    }

    fn from_i128(num: i128, den: i128) -> Option<Rational> {
        if den == 0 {
            return None;
        }
        let g = gcd_i128(num, den).max(1);
        let (mut n, mut d) = (num / g, den / g);
        if d < 0 {
            n = -n;
            d = -d;
        }
        Some(Rational {
            num: i64::try_from(n).ok()?,
            den: i64::try_from(d).ok()?,
        })
    }

    /// The integer `n` as a rational.
    pub const fn from_integer(n: i64) -> Rational {
        Rational { num: n, den: 1 }
    }

    /// Parses a decimal literal exactly: `"2"`, `"-2"`, `"0.5"` → 1/2, `".25"`, `"1.5e-1"` →
    /// 3/20. `None` for anything else or when the value does not fit.
    pub fn from_decimal_str(s: &str) -> Option<Rational> {
        let s = s.trim();
        let (neg, s) = match s.as_bytes().first()? {
            b'-' => (true, &s[1..]),
            b'+' => (false, &s[1..]),
            _ => (false, s),
        };
        let (mantissa, exp) = match s.find(['e', 'E']) {
            Some(i) => (&s[..i], Some(&s[i + 1..])),
            None => (s, None),
        };
        let (int_part, frac_part) = match mantissa.find('.') {
            Some(i) => (&mantissa[..i], &mantissa[i + 1..]),
            None => (mantissa, ""),
        };
        if int_part.is_empty() && frac_part.is_empty() {
            return None;
        }
        if !int_part
            .bytes()
            .chain(frac_part.bytes())
            .all(|b| b.is_ascii_digit())
        {
            return None;
        }
        let mut exp10: i64 = match exp {
            None => 0,
            Some(e) => {
                let digits = e.strip_prefix(['+', '-']).unwrap_or(e);
                if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                e.parse::<i64>().ok()?
            }
        };
        let frac_part = frac_part.trim_end_matches('0');
        let digits = format!("{int_part}{frac_part}");
        let digits = digits.trim_start_matches('0');
        exp10 = exp10.checked_sub(frac_part.len() as i64)?;
        if digits.is_empty() {
            return Some(Rational::ZERO);
        }
        let mut m: i128 = digits.parse().ok()?;
        if neg {
            m = -m;
        }
        let pow10 = |k: i64| -> Option<i128> { 10i128.checked_pow(u32::try_from(k).ok()?) };
        if exp10 >= 0 {
            Self::from_i128(m.checked_mul(pow10(exp10)?)?, 1)
        } else {
            Self::from_i128(m, pow10(-exp10)?)
        }
    }

    /// The numerator (carries the sign).
    pub const fn num(self) -> i64 {
        self.num
    }

    /// The denominator (always positive).
    pub const fn den(self) -> i64 {
        self.den
    }

    /// Whether this is zero.
    pub const fn is_zero(self) -> bool {
        self.num == 0
    }

    /// Whether the denominator is 1.
    pub const fn is_integer(self) -> bool {
        self.den == 1
    }

    /// The value if it is an integer.
    pub const fn to_integer(self) -> Option<i64> {
        if self.den == 1 {
            Some(self.num)
        } else {
            None
        }
    }

    /// The largest integer not greater than `self`.
    pub const fn floor(self) -> i64 {
        self.num.div_euclid(self.den)
    }

    /// Nearest `f64`.
    pub fn to_f64(self) -> f64 {
        self.num as f64 / self.den as f64
    }

    /// `self + rhs`, `None` on overflow.
    pub fn checked_add(self, rhs: Rational) -> Option<Rational> {
        let (a, b, c, d) = (
            self.num as i128,
            self.den as i128,
            rhs.num as i128,
            rhs.den as i128,
        );
        Self::from_i128(a * d + c * b, b * d)
    }

    /// `self - rhs`, `None` on overflow.
    pub fn checked_sub(self, rhs: Rational) -> Option<Rational> {
        self.checked_add(rhs.checked_neg()?)
    }

    /// `self * rhs`, `None` on overflow.
    pub fn checked_mul(self, rhs: Rational) -> Option<Rational> {
        let (a, b, c, d) = (
            self.num as i128,
            self.den as i128,
            rhs.num as i128,
            rhs.den as i128,
        );
        Self::from_i128(a * c, b * d)
    }

    /// `self / rhs`, `None` on division by zero or overflow.
    pub fn checked_div(self, rhs: Rational) -> Option<Rational> {
        let (a, b, c, d) = (
            self.num as i128,
            self.den as i128,
            rhs.num as i128,
            rhs.den as i128,
        );
        Self::from_i128(a * d, b * c)
    }

    /// `-self`, `None` on overflow.
    pub fn checked_neg(self) -> Option<Rational> {
        Some(Rational {
            num: self.num.checked_neg()?,
            den: self.den,
        })
    }
}

impl Default for Rational {
    fn default() -> Self {
        Rational::ZERO
    }
}

impl From<i64> for Rational {
    fn from(n: i64) -> Self {
        Rational::from_integer(n)
    }
}

impl Add for Rational {
    type Output = Rational;
    fn add(self, rhs: Rational) -> Rational {
        self.checked_add(rhs).expect("Rational overflow in +")
    }
}

impl Sub for Rational {
    type Output = Rational;
    fn sub(self, rhs: Rational) -> Rational {
        self.checked_sub(rhs).expect("Rational overflow in -")
    }
}

impl Mul for Rational {
    type Output = Rational;
    fn mul(self, rhs: Rational) -> Rational {
        self.checked_mul(rhs).expect("Rational overflow in *")
    }
}

impl Div for Rational {
    type Output = Rational;
    /// # Panics
    /// On division by zero or overflow.
    fn div(self, rhs: Rational) -> Rational {
        self.checked_div(rhs)
            .expect("Rational division by zero or overflow")
    }
}

impl Neg for Rational {
    type Output = Rational;
    fn neg(self) -> Rational {
        self.checked_neg().expect("Rational overflow in neg")
    }
}

impl PartialOrd for Rational {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Rational {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.num as i128 * other.den as i128).cmp(&(other.num as i128 * self.den as i128))
    }
}

impl fmt::Display for Rational {
    /// `"1/2"`, `"-2"`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.den == 1 {
            write!(f, "{}", self.num)
        } else {
            write!(f, "{}/{}", self.num, self.den)
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Conversion
// ---------------------------------------------------------------------------------------------

/// A conversion multiplier `10^exp10 * factor`.
///
/// `factor` is exactly `1.0` whenever the conversion is a pure power of ten (all conversions
/// between decimal units); otherwise it carries the non-decimal part (e.g. `3600.0` for h → s),
/// including `10^frac` if the power of ten is fractional.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Conversion {
    /// The power of ten.
    pub exp10: i32,
    /// The non-decimal factor.
    pub factor: f64,
}

impl Conversion {
    /// Multiply by one.
    pub const IDENTITY: Conversion = Conversion {
        exp10: 0,
        factor: 1.0,
    };

    /// Builds `10^exp10 * factor` in normal form: a fractional part of `exp10` is moved into
    /// `factor`, and a `factor` within rounding of a power of ten becomes an exact power of ten.
    pub fn new(exp10: Rational, factor: f64) -> Conversion {
        let whole = exp10.floor();
        let frac = Rational::from_i128(
            exp10.num as i128 - whole as i128 * exp10.den as i128,
            exp10.den as i128,
        )
        .unwrap_or(Rational::ZERO);
        let mut factor = factor;
        if !frac.is_zero() {
            factor *= 10f64.powf(frac.to_f64());
        }
        let (snap, factor) = snap_power_of_ten(factor);
        let exp = (whole as i128 + snap as i128).clamp(i32::MIN as i128, i32::MAX as i128);
        Conversion {
            exp10: exp as i32,
            factor,
        }
    }

    /// Whether this is the identity (`10^0 * 1.0`).
    pub fn is_identity(&self) -> bool {
        self.exp10 == 0 && self.factor == 1.0
    }

    /// Whether this is an exact power of ten (`factor == 1.0`).
    pub fn is_power_of_ten(&self) -> bool {
        self.factor == 1.0
    }

    /// The multiplier as an `f64` (the power of ten correctly rounded, then times `factor`).
    pub fn value(&self) -> f64 {
        let p: f64 = format!("1e{}", self.exp10).parse().unwrap_or(f64::NAN);
        p * self.factor
    }

    /// First `self`, then `next`: the product of both multipliers.
    pub fn then(self, next: Conversion) -> Conversion {
        Conversion::new(
            Rational::from_integer(self.exp10 as i64 + next.exp10 as i64),
            self.factor * next.factor,
        )
    }

    /// The inverse conversion.
    pub fn inverse(self) -> Conversion {
        Conversion::new(
            Rational::from_integer(-(self.exp10 as i64)),
            1.0 / self.factor,
        )
    }

    /// This multiplier raised to `p`; `None` on overflow.
    pub fn pow(self, p: Rational) -> Option<Conversion> {
        let e = Rational::from_integer(self.exp10 as i64).checked_mul(p)?;
        Some(Conversion::new(e, pow_f64(self.factor, p)))
    }
}

impl fmt::Display for Conversion {
    /// `"1e3"`, `"3600"`, `"3600e-3"`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.factor == 1.0, self.exp10 == 0) {
            (true, _) => write!(f, "1e{}", self.exp10),
            (false, true) => write!(f, "{}", self.factor),
            (false, false) => write!(f, "{}e{}", self.factor, self.exp10),
        }
    }
}

/// Splits `x > 0` into `(j, rest)` with `x == 10^j * rest`: `(j, 1.0)` if `x` is within
/// rounding of `10^j`, else `(0, x)`.
fn snap_power_of_ten(x: f64) -> (i64, f64) {
    if x == 1.0 || x.is_nan() || x <= 0.0 || !x.is_finite() {
        return (0, x);
    }
    let lg = x.log10();
    let j = lg.round();
    if (lg - j).abs() < 1e-12 {
        (j as i64, 1.0)
    } else {
        (0, x)
    }
}

fn pow_f64(x: f64, p: Rational) -> f64 {
    if x == 1.0 {
        1.0
    } else if let Some(i) = p.to_integer().and_then(|i| i32::try_from(i).ok()) {
        x.powi(i)
    } else {
        x.powf(p.to_f64())
    }
}

// ---------------------------------------------------------------------------------------------
// Unit
// ---------------------------------------------------------------------------------------------

/// Symbols of the seven SI base units, in the order of [`Unit::dims`].
pub const BASE_SYMBOLS: [&str; 7] = ["m", "kg", "s", "A", "K", "mol", "cd"];

/// The six quantities NEST stores in non-SI "neuroscience" units.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum NestQuantity {
    /// Time, internally ms.
    Time,
    /// Electric potential, internally mV.
    Potential,
    /// Electric current, internally pA.
    Current,
    /// Conductance, internally nS.
    Conductance,
    /// Capacitance, internally pF.
    Capacitance,
    /// Resistance, internally GOhm.
    Resistance,
}

impl NestQuantity {
    /// All six, in declaration order.
    pub const ALL: [NestQuantity; 6] = [
        NestQuantity::Time,
        NestQuantity::Potential,
        NestQuantity::Current,
        NestQuantity::Conductance,
        NestQuantity::Capacitance,
        NestQuantity::Resistance,
    ];

    /// Exponents of `[m, kg, s, A]` (K, mol, cd are zero).
    const fn dims4(self) -> [i64; 4] {
        match self {
            NestQuantity::Time => [0, 0, 1, 0],
            NestQuantity::Potential => [2, 1, -3, -1],
            NestQuantity::Current => [0, 0, 0, 1],
            NestQuantity::Conductance => [-2, -1, 3, 2],
            NestQuantity::Capacitance => [-2, -1, 4, 2],
            NestQuantity::Resistance => [2, 1, -3, -2],
        }
    }

    /// Name of NEST's internal unit: `"ms"`, `"mV"`, `"pA"`, `"nS"`, `"pF"`, `"GOhm"`.
    pub const fn internal_unit_name(self) -> &'static str {
        match self {
            NestQuantity::Time => "ms",
            NestQuantity::Potential => "mV",
            NestQuantity::Current => "pA",
            NestQuantity::Conductance => "nS",
            NestQuantity::Capacitance => "pF",
            NestQuantity::Resistance => "GOhm",
        }
    }
}

/// A physical unit: `10^exp10 * factor * m^d0 kg^d1 s^d2 A^d3 K^d4 mol^d5 cd^d6`.
///
/// Equality (`==`) means same dimension and same magnitude (the non-decimal factors compared up
/// to rounding), so `h == 3600 s`-like units built along different paths compare equal.
///
/// `mul`, `div`, `pow` (and `&a * &b`, `&a / &b`) panic if an exponent overflows `i64` rationals, which
/// needs absurd exponents; the `checked_*` variants return `None` instead.
#[derive(Clone, Copy, Debug)]
pub struct Unit {
    dims: [Rational; 7],
    exp10: Rational,
    factor: f64,
}

impl Unit {
    /// The dimensionless unit with magnitude 1.
    pub const DIMENSIONLESS: Unit = Unit {
        dims: [Rational::ZERO; 7],
        exp10: Rational::ZERO,
        factor: 1.0,
    };

    /// Builds a unit. `factor` must be positive and finite; if it is within rounding of a power
    /// of ten, that power is moved into `exp10`.
    pub fn new(dims: [Rational; 7], exp10: Rational, factor: f64) -> Unit {
        Unit {
            dims,
            exp10,
            factor,
        }
        .normalized()
    }

    /// The SI base unit with index `i` in [`BASE_SYMBOLS`] order (`0` = m, ..., `6` = cd).
    ///
    /// # Panics
    /// If `i >= 7`.
    pub fn si_base(i: usize) -> Unit {
        let mut dims = [Rational::ZERO; 7];
        dims[i] = Rational::ONE;
        Unit {
            dims,
            exp10: Rational::ZERO,
            factor: 1.0,
        }
    }

    /// The dimensionless unit with magnitude 1 (same as [`Unit::DIMENSIONLESS`]).
    pub fn dimensionless() -> Unit {
        Unit::DIMENSIONLESS
    }

    /// A dimensionless unit of magnitude `10^exp10` (e.g. what `mV/V` reduces to).
    pub fn scale_only(exp10: Rational) -> Unit {
        Unit {
            dims: [Rational::ZERO; 7],
            exp10,
            factor: 1.0,
        }
    }

    fn normalized(mut self) -> Unit {
        let (j, f) = snap_power_of_ten(self.factor);
        if j != 0 {
            if let Some(e) = self.exp10.checked_add(Rational::from_integer(j)) {
                self.exp10 = e;
                self.factor = f;
            }
        } else {
            self.factor = f;
        }
        self
    }

    /// Looks up a unit name exactly as PyNESTML 9 accepts it (`"mV"`, `"uS"`, `"µS"`, `"GOhm"`,
    /// `"h"`, ...). `None` if PyNESTML does not know the name. See [`unit_names`].
    pub fn lookup(name: &str) -> Option<Unit> {
        lookup_row(name).map(row_unit)
    }

    /// The exponents of `[m, kg, s, A, K, mol, cd]`.
    pub fn dims(&self) -> [Rational; 7] {
        self.dims
    }

    /// The exact power of ten of the magnitude.
    pub fn exp10(&self) -> Rational {
        self.exp10
    }

    /// The non-decimal part of the magnitude (`1.0` for decimal units).
    pub fn factor(&self) -> f64 {
        self.factor
    }

    /// Whether the dimension vector is all zero (the magnitude may differ from 1, as in `mV/V`).
    pub fn is_dimensionless(&self) -> bool {
        self.dims.iter().all(|d| d.is_zero())
    }

    /// Whether both have the same dimension vector (magnitudes may differ).
    pub fn same_dimension(&self, other: &Unit) -> bool {
        self.dims == other.dims
    }

    /// `self * rhs`, `None` on exponent overflow.
    pub fn checked_mul(&self, rhs: &Unit) -> Option<Unit> {
        let mut dims = [Rational::ZERO; 7];
        for (i, d) in dims.iter_mut().enumerate() {
            *d = self.dims[i].checked_add(rhs.dims[i])?;
        }
        let exp10 = self.exp10.checked_add(rhs.exp10)?;
        Some(
            Unit {
                dims,
                exp10,
                factor: self.factor * rhs.factor,
            }
            .normalized(),
        )
    }

    /// `self / rhs`, `None` on exponent overflow.
    pub fn checked_div(&self, rhs: &Unit) -> Option<Unit> {
        self.checked_mul(&rhs.checked_pow(-Rational::ONE)?)
    }

    /// `self ** p` (any rational `p`; the power of ten stays exact, e.g. `ns**(1/2)` is
    /// `10^(-9/2) s^(1/2)`), `None` on exponent overflow.
    pub fn checked_pow(&self, p: Rational) -> Option<Unit> {
        let mut dims = [Rational::ZERO; 7];
        for (i, d) in dims.iter_mut().enumerate() {
            *d = self.dims[i].checked_mul(p)?;
        }
        let exp10 = self.exp10.checked_mul(p)?;
        Some(
            Unit {
                dims,
                exp10,
                factor: pow_f64(self.factor, p),
            }
            .normalized(),
        )
    }

    /// `self * rhs`.
    ///
    /// # Panics
    /// On exponent overflow; see [`Unit::checked_mul`].
    pub fn mul(&self, rhs: &Unit) -> Unit {
        self.checked_mul(rhs).expect("unit exponent overflow")
    }

    /// `self / rhs`.
    ///
    /// # Panics
    /// On exponent overflow; see [`Unit::checked_div`].
    pub fn div(&self, rhs: &Unit) -> Unit {
        self.checked_div(rhs).expect("unit exponent overflow")
    }

    /// `self ** p`.
    ///
    /// # Panics
    /// On exponent overflow; see [`Unit::checked_pow`].
    pub fn pow(&self, p: Rational) -> Unit {
        self.checked_pow(p).expect("unit exponent overflow")
    }

    /// `1 / self`.
    pub fn recip(&self) -> Unit {
        self.pow(-Rational::ONE)
    }

    /// The multiplier that converts a value expressed in `self` into a value expressed in
    /// `other` (`V` → `mV`: `10^3`; `h` → `s`: `3600`), or `None` if the dimensions differ.
    pub fn conversion_to(&self, other: &Unit) -> Option<Conversion> {
        if !self.same_dimension(other) {
            return None;
        }
        let e = self.exp10.checked_sub(other.exp10)?;
        Some(Conversion::new(e, self.factor / other.factor))
    }

    /// Which of NEST's six neuroscience quantities this dimension is, if any.
    pub fn nest_quantity(&self) -> Option<NestQuantity> {
        if self.dims[4..].iter().any(|d| !d.is_zero()) {
            return None;
        }
        NestQuantity::ALL.into_iter().find(|q| {
            q.dims4()
                .iter()
                .zip(&self.dims[..4])
                .all(|(a, b)| Rational::from_integer(*a) == *b)
        })
    }

    /// The unit NEST uses internally for values of this dimension: the dimension is written as
    /// `V^b s^a A^c × (m, kg, K, mol, cd remainder)` with `b` = the kg exponent (kg only enters
    /// through the volt), and volt, second and ampere are taken as mV, ms and pA while the
    /// remainder stays SI. This is the coherent system NEST uses: nS = pA/mV, pF = pA·ms/mV,
    /// GOhm = mV/pA, so `nS/ms`, `pA/ms`, `1/ms`, `uS**2/ms` → nS²/ms, `mS/cm**2` → nS/m² and
    /// dimensionless units (→ 1) all come out as PyNESTML's NEST target stores them. (A pure
    /// mass would come out in mV·ms³·pA/m² = 10^-24 kg; neuron models do not use mass.)
    pub fn nest_internal_unit(&self) -> Unit {
        let [_, kg, s, a, ..] = self.dims;
        let three = Rational::from_integer(3);
        let twelve = Rational::from_integer(12);
        let calc = || -> Option<Rational> {
            let sec = s.checked_add(three.checked_mul(kg)?)?; // remaining seconds
            let amp = a.checked_add(kg)?; // remaining amperes
                                          // 10^-3 per mV, per ms; 10^-12 per pA
            three
                .checked_mul(kg)?
                .checked_add(three.checked_mul(sec)?)?
                .checked_add(twelve.checked_mul(amp)?)?
                .checked_neg()
        };
        Unit {
            dims: self.dims,
            exp10: calc().unwrap_or(self.exp10),
            factor: 1.0,
        }
    }

    /// The multiplier that converts a value expressed in `self` into NEST's internal unit for
    /// its dimension ([`Unit::nest_internal_unit`]): `uS` → 10^3 (0.012 uS holds 12.0 nS),
    /// `nS/ms` → 1, `1/s` → 10^-3, `mV` → 1, `h` → 3.6·10^6, `mV/V` → 10^-3.
    ///
    /// This is a rule on dimensions. PyNESTML's `NESTUnitConverter` instead looks at how the
    /// unit is written: it gives the same result when the whole unit is dimensionless or one of
    /// the six [`NestQuantity`]s, but keeps any other *named* unit as written (`Hz`, `kHz`, `cm`,
    /// `um`, `mmol`, `L`, `g` → factor 1), while `1/s` → 10^-3. Use [`pynestml_nest_scale`] to
    /// reproduce that exactly.
    pub fn nest_internal_scale(&self) -> Conversion {
        self.conversion_to(&self.nest_internal_unit())
            .unwrap_or(Conversion::IDENTITY)
    }

    /// The unit as a product of SI base units with its magnitude, e.g.
    /// `"10^-3 m^2 kg s^-3 A^-1"`, `"3600 s"`, `"10^(-9/2) s^(1/2)"`, `"1"`.
    pub fn si_form(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        let mag = magnitude_text(self.exp10, self.factor);
        let dims: Vec<String> = BASE_SYMBOLS
            .iter()
            .zip(self.dims)
            .filter(|(_, d)| !d.is_zero())
            .map(|(s, d)| power_text(s, d))
            .collect();
        if let Some(m) = mag {
            parts.push(m);
        }
        parts.extend(dims);
        if parts.is_empty() {
            "1".to_string()
        } else {
            parts.join(" ")
        }
    }

    /// A short human-readable form for diagnostics, preferring NEST-style names: `"mV"`,
    /// `"pA/ms"`, `"1/s"`, `"nS^2/ms"`, `"1/(ms*mV)"`, `"10^-3"` (a dimensionless scale), and
    /// otherwise [`Unit::si_form`].
    pub fn describe(&self) -> String {
        if self.is_dimensionless() {
            return magnitude_text(self.exp10, self.factor).unwrap_or_else(|| "1".to_string());
        }
        let atoms = describe_atoms();
        // A single named unit, then a single named unit to some other power.
        if let Some((name, ..)) = atoms.iter().find(|(_, u, _)| u == self) {
            return name.to_string();
        }
        for (name, u, d) in atoms {
            let Some(p) = ratio_of(&self.dims, d) else {
                continue;
            };
            if u.checked_pow(p).is_some_and(|c| c == *self) {
                return product_text(&[(name, p)]);
            }
        }
        // Two named units to small integer powers.
        if self.dims.iter().all(|d| d.is_integer()) {
            let target: Vec<i64> = self.dims.iter().map(|d| d.num()).collect();
            const POWERS: [i64; 6] = [1, -1, 2, -2, 3, -3];
            for (i, (n1, u1, d1)) in atoms.iter().enumerate() {
                for (n2, u2, d2) in &atoms[i + 1..] {
                    for p in POWERS {
                        for q in POWERS {
                            if (0..7).any(|k| p * d1[k] + q * d2[k] != target[k]) {
                                continue;
                            }
                            let (p, q) = (Rational::from_integer(p), Rational::from_integer(q));
                            let c = u1
                                .checked_pow(p)
                                .and_then(|a| a.checked_mul(&u2.checked_pow(q)?));
                            if c.is_some_and(|c| c == *self) {
                                return product_text(&[(n1, p), (n2, q)]);
                            }
                        }
                    }
                }
            }
        }
        self.si_form()
    }
}

impl PartialEq for Unit {
    fn eq(&self, other: &Unit) -> bool {
        self.conversion_to(other).is_some_and(|c| c.is_identity())
    }
}

impl Default for Unit {
    fn default() -> Self {
        Unit::DIMENSIONLESS
    }
}

impl Mul<&Unit> for &Unit {
    type Output = Unit;
    /// Same as [`Unit::mul`].
    fn mul(self, rhs: &Unit) -> Unit {
        Unit::mul(self, rhs)
    }
}

impl Div<&Unit> for &Unit {
    type Output = Unit;
    /// Same as [`Unit::div`].
    fn div(self, rhs: &Unit) -> Unit {
        Unit::div(self, rhs)
    }
}

impl fmt::Display for Unit {
    /// Same as [`Unit::describe`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe())
    }
}

// ---------------------------------------------------------------------------------------------
// Name table and PyNESTML's NEST conversion factors
// ---------------------------------------------------------------------------------------------

use table::Row;

fn lookup_row(name: &str) -> Option<&'static Row> {
    let t = table::UNIT_TABLE;
    t.binary_search_by(|r| r.0.cmp(name)).ok().map(|i| &t[i])
}

fn row_unit(r: &Row) -> Unit {
    let den = r.3 as i64;
    let q = |n: i64| Rational::new(n, den).unwrap_or(Rational::ZERO);
    let mut dims = [Rational::ZERO; 7];
    for (d, n) in dims.iter_mut().zip(r.1) {
        *d = q(n as i64);
    }
    Unit::new(dims, q(r.2 as i64), r.4)
}

/// All unit names PyNESTML 9 accepts, in byte order (3775 names, including non-ASCII spellings
/// such as `µV`, `μV`, `Ω`, `ℓ`, `Å`). Useful for "did you mean" suggestions.
pub fn unit_names() -> impl Iterator<Item = &'static str> {
    table::UNIT_TABLE.iter().map(|r| r.0)
}

/// Whether astropy decomposes the named unit into a base outside the seven SI units (radian,
/// steradian, photon, count, adu, beam, bin, chan, DN, electron, Sun; `deg_C`). Such units are
/// represented here as dimensionless (or, for `deg_C`, as kelvin), whereas astropy and PyNESTML
/// treat them as a dimension of their own. `None` for unknown names.
pub fn is_non_si_name(name: &str) -> Option<bool> {
    lookup_row(name).map(|r| r.5 & table::FLAG_NON_SI != 0)
}

/// PyNESTML's NEST conversion factor for a bare unit name (`NESTUnitConverter.get_factor`):
/// the conversion into NEST's internal unit if the unit is dimensionless or one of the six
/// [`NestQuantity`]s, and 1 for every other unit (it is kept as written: `Hz`, `cm`, `mmol`;
/// also angles and the other [`is_non_si_name`] units). `None` for unknown names.
/// `tools/gen_unit_table.py` checks this rule against PyNESTML for every name.
pub fn pynestml_name_nest_scale(name: &str) -> Option<Conversion> {
    let row = lookup_row(name)?;
    let unit = row_unit(row);
    if row.5 & table::FLAG_NON_SI != 0 {
        return Some(Conversion::IDENTITY);
    }
    if unit.is_dimensionless() || unit.nest_quantity().is_some() {
        Some(unit.nest_internal_scale())
    } else {
        Some(Conversion::IDENTITY)
    }
}

/// PyNESTML's NEST conversion factor for a unit written as a product of named units to
/// rational powers (`uS**2/ms` is `[("uS", 2), ("ms", -1)]`): if the whole product is
/// dimensionless or one of the six [`NestQuantity`]s, its [`Unit::nest_internal_scale`];
/// otherwise the product of [`pynestml_name_nest_scale`] of the parts to their powers (so
/// `Hz` → 1 but `1/s` → 10^-3, `mmol/L` → 1, `uS**2/ms` → 10^6). If a part is an
/// [`is_non_si_name`] unit the whole-product check is skipped. `None` for an unknown name or on
/// overflow.
pub fn pynestml_nest_scale(parts: &[(&str, Rational)]) -> Option<Conversion> {
    let mut whole = Unit::DIMENSIONLESS;
    let mut any_non_si = false;
    let mut product = Conversion::IDENTITY;
    for &(name, p) in parts {
        whole = whole.checked_mul(&Unit::lookup(name)?.checked_pow(p)?)?;
        any_non_si |= is_non_si_name(name)?;
        product = product.then(pynestml_name_nest_scale(name)?.pow(p)?);
    }
    if !any_non_si && (whole.is_dimensionless() || whole.nest_quantity().is_some()) {
        Some(whole.nest_internal_scale())
    } else {
        Some(product)
    }
}

// ---------------------------------------------------------------------------------------------
// Text helpers
// ---------------------------------------------------------------------------------------------

/// Named units `describe` tries, in order of preference (NEST's internal units first).
/// (`Hz` is left out so that rates read `1/s`, `1/ms`.)
const DESCRIBE_NAMES: [&str; 34] = [
    "ms", "mV", "pA", "nS", "pF", "GOhm", "s", "V", "A", "S", "F", "Ohm", "MOhm", "nA", "uA", "uS",
    "mS", "uF", "nF", "m", "cm", "mm", "um", "mol", "mmol", "L", "kg", "g", "K", "cd", "C", "J",
    "W", "N",
];

fn describe_atoms() -> &'static [(&'static str, Unit, [i64; 7])] {
    static ATOMS: OnceLock<Vec<(&'static str, Unit, [i64; 7])>> = OnceLock::new();
    ATOMS.get_or_init(|| {
        DESCRIBE_NAMES
            .iter()
            .filter_map(|&n| {
                let u = Unit::lookup(n)?;
                let d = u.dims.map(|r| r.to_integer().unwrap_or(0));
                Some((n, u, d))
            })
            .collect()
    })
}

/// `p` with `dims == p * base`, if any (base non-zero).
fn ratio_of(dims: &[Rational; 7], base: &[i64; 7]) -> Option<Rational> {
    let k = base.iter().position(|&b| b != 0)?;
    let p = dims[k].checked_div(Rational::from_integer(base[k]))?;
    if p.is_zero() {
        return None;
    }
    for i in 0..7 {
        if Rational::from_integer(base[i]).checked_mul(p)? != dims[i] {
            return None;
        }
    }
    Some(p)
}

fn power_text(name: &str, p: Rational) -> String {
    if p == Rational::ONE {
        name.to_string()
    } else if p.is_integer() {
        format!("{name}^{p}")
    } else {
        format!("{name}^({p})")
    }
}

/// `"pA/ms"`, `"1/(ms*mV)"`, `"nS^2/ms"`, `"mV*nS"`.
fn product_text(parts: &[(&str, Rational)]) -> String {
    let num: Vec<String> = parts
        .iter()
        .filter(|(_, p)| *p > Rational::ZERO)
        .map(|(n, p)| power_text(n, *p))
        .collect();
    let den: Vec<String> = parts
        .iter()
        .filter(|(_, p)| *p < Rational::ZERO)
        .map(|(n, p)| power_text(n, -*p))
        .collect();
    let num_text = if num.is_empty() {
        "1".to_string()
    } else {
        num.join("*")
    };
    match den.len() {
        0 => num_text,
        1 => format!("{num_text}/{}", den[0]),
        _ => format!("{num_text}/({})", den.join("*")),
    }
}

/// `None` for magnitude 1; else `"10^-3"`, `"10^(-9/2)"`, `"3600"`, `"3600×10^3"`.
fn magnitude_text(exp10: Rational, factor: f64) -> Option<String> {
    let pow = if exp10.is_integer() {
        format!("10^{exp10}")
    } else {
        format!("10^({exp10})")
    };
    match (exp10.is_zero(), factor == 1.0) {
        (true, true) => None,
        (false, true) => Some(pow),
        (true, false) => Some(format!("{factor}")),
        (false, false) => Some(format!("{factor}×{pow}")),
    }
}

#[cfg(test)]
mod tests;
