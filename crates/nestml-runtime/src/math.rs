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

/// `e^x` with no call and no branch, so that a loop over it vectorises (`std`'s and `libm`'s
/// `exp` are calls, which keep a loop scalar): for the right-hand sides of many neurons at
/// once, such as those [`Rkf45Lanes`](crate::solvers::Rkf45Lanes) drives. Not bit for bit
/// [`exp`] (nor NEST), so a model that must match NEST keeps [`exp`].
///
/// The algorithm, in `F` with `mul` and `add` only (no fused multiply-add, so the result is the
/// same with every instruction set): `x` clamped to where the result is neither 0 nor ∞ plus a
/// margin; `k = round(x / ln 2)` by adding and subtracting `1.5 · 2^52` (`2^23` for `f32`);
/// `r = x − k ln2_hi − k ln2_lo` (Cody–Waite, `k ln2_hi` exact), `|r| ≤ ln 2 / 2`;
/// `e^r = 1 + (r + r² q(r))` with `q` the Taylor series to `r^13 / 13!` (`f64`, by Estrin's
/// scheme: pairs of terms, then pairs of pairs, a short dependency chain) or `r^7 / 7!`
/// (`f32`, Horner form); the result `e^r · 2^k1 · 2^k2` with `k1 + k2 = k`, both powers
/// built from bits and normal, so that only the last product rounds: to ∞ on overflow,
/// gradually in the subnormal range. The sum `1 + r + …` is compensated (the rounding errors of
/// `r` and of `1 + r` are added back), so that the final addition is the one rounding of size
/// ½ ulp.
///
/// Accuracy, measured against the platform's `exp` (glibc's, within ~0.5 ulp) over 1.2·10⁶
/// random and edge arguments (`real::exp_inline::tests`): `f64` on `[−745.2, 709.8]` at most
/// 1 ulp apart, 98.2 % equal; subnormal results at most 1 unit of the smallest subnormal
/// (2⁻¹⁰⁷⁴) apart. `f32` on `[−104, 88.8]` against `f64`'s `exp` rounded to `f32` (correctly
/// rounded but in rare cases): at most 1 ulp, 98.3 % equal; subnormal results at most 1 unit
/// of 2⁻¹⁴⁹. `exp_inline(0) = 1` exactly; NaN is returned as it came, `exp_inline(+∞) = ∞`,
/// `exp_inline(−∞) = 0`, overflow gives ∞ and underflow 0.
///
/// In assembly (the ignored test `exp_inline_loop_compiles_without_calls`), a loop of eight
/// is call-free and packed: ~300 instructions for eight `f64` at the x86-64 baseline (SSE2),
/// 150 with AVX2, 67 with AVX-512.
#[inline(always)]
pub fn exp_inline<F: Real>(x: F) -> F {
    x.exp_inline()
}

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
