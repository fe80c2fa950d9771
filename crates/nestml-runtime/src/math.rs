//! The functions generated code calls, as free functions (`::nestml::math::exp(x)`), so that
//! they exist without `std` (`core` lacks `f64::exp`, `powi`, `round`, …), generic over the
//! float type: each calls the [`Real`] method of the same name (see there for `std` and `libm`).

use crate::real::{unary_functions, Real};

/// The free functions of the one-argument [`Real`] methods.
macro_rules! free_functions {
    ($($(#[$doc:meta])* $name:ident = $libm64:ident, $libm32:ident;)*) => {$(
        $(#[$doc])*
        #[inline]
        pub fn $name<F: Real>(x: F) -> F {
            F::$name(x)
        }
    )*};
}

unary_functions!(free_functions);

/// `|x|`.
#[inline]
pub fn abs<F: Real>(x: F) -> F {
    x.abs()
}

/// `x` to the integer power `n` (`x ** 3`).
#[inline]
pub fn powi<F: Real>(x: F, n: i32) -> F {
    x.powi(n)
}

/// `x` to the power `y` (`x ** y` with a non-integer-literal exponent), with the exact
/// shortcut `x ** 1 = x`: model exponents such as STDP's `mu_plus` are often 1, and a
/// general `pow` costs as much as the rest of a synapse event.
#[inline]
pub fn powf<F: Real>(x: F, y: F) -> F {
    if y == F::ONE {
        x
    } else {
        x.powf(y)
    }
}

/// The error function.
#[inline]
pub fn erf<F: Real>(x: F) -> F {
    x.erf()
}

/// The complementary error function.
#[inline]
pub fn erfc<F: Real>(x: F) -> F {
    x.erfc()
}

/// NESTML's `sign`: -1, 0 or 1.
#[inline]
pub fn sign<F: Real>(x: F) -> F {
    if x > F::ZERO {
        F::ONE
    } else if x < F::ZERO {
        -F::ONE
    } else {
        F::ZERO
    }
}

/// NESTML's `v[i]`: element `i` of `v` (the index rounded to the nearest integer, as a NESTML
/// integer expression is), or NaN if it is out of range or not finite, so that a bad read
/// poisons what it feeds (and a state it reaches faults at the end of the step).
#[inline]
pub fn element<F: Real>(v: &[F], i: F) -> F {
    let i = round(i).to_f64();
    if i >= 0.0 && i < v.len() as f64 {
        v[i as usize]
    } else {
        F::NAN
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn element_reads_in_range_and_is_nan_outside() {
        let v = [1.0_f64, 2.0, 3.0];
        assert_eq!(element(&v, 0.0), 1.0);
        assert_eq!(element(&v, 2.0), 3.0);
        assert!(element(&v, 3.0).is_nan());
        assert!(element(&v, -1.0).is_nan());
        assert!(element(&v, f64::NAN).is_nan());
        let v = [1.0_f32, 2.0];
        assert_eq!(element(&v, 1.4), 2.0);
        assert!(element(&v, 1.6).is_nan() && element(&v, f32::INFINITY).is_nan());
    }

    #[test]
    fn functions_agree_with_known_values() {
        assert_eq!(exp(0.0), 1.0);
        assert_eq!(ln(1.0), 0.0);
        assert_eq!(log10(1000.0), 3.0);
        assert_eq!(exp_m1(0.0), 0.0);
        assert!((exp_m1(1e-10) - (1e-10 + 5e-21)).abs() < 1e-25);
        assert_eq!((sin(0.0), cos(0.0), tan(0.0)), (0.0, 1.0, 0.0));
        assert_eq!((sinh(0.0), cosh(0.0), tanh(0.0)), (0.0, 1.0, 0.0));
        assert_eq!((abs(-2.5), floor(-2.5), ceil(-2.5), round(-2.5), trunc(-2.5)), (2.5, -3.0, -2.0, -3.0, -2.0));
        assert_eq!((round(2.5), sqrt(2.25)), (3.0, 1.5));
        assert_eq!((powi(2.0, 10), powi(2.0, -2), powi(-3.0, 3), powi(5.0, 0)), (1024.0, 0.25, -27.0, 1.0));
        assert_eq!((powf(0.3, 1.0), powf(4.0, 0.5)), (0.3, 2.0));
        assert_eq!((erf(0.0), erfc(0.0)), (0.0, 1.0));
        assert_eq!((sign(-0.1), sign(0.0), sign(7.0)), (-1.0, 0.0, 1.0));
        assert_eq!((sign(-0.1_f32), powf(0.3_f32, 1.0), powf(4.0_f32, 0.5)), (-1.0, 0.3, 2.0));
        // powi by squaring: at most a few ulps from the correctly rounded power
        let x = 1.000_000_1_f64;
        assert!((powi(x, 1000) / exp(1000.0 * ln(x)) - 1.0).abs() < 1e-13);
    }
}
