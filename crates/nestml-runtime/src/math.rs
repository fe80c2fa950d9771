//! The `f64` functions generated code calls, as free functions (`::nestml::math::exp(x)`), so
//! that they exist without `std`: `core` lacks `f64::exp`, `powi`, `round`, ….
//!
//! With the feature `std` each is exactly the `std` method of the same name (bit for bit what
//! NEST's C++ computes: both call the platform's libm); without it, the `libm` crate's
//! function. `powi` without `std` is exponentiation by squaring, which may differ in the last
//! bit from LLVM's `powi`. `erf` and `erfc` are `libm`'s in both builds (`std` has none).

/// `f64 -> f64` functions: the `std` method `$method` or `libm::$libm`.
macro_rules! unary {
    ($($(#[$doc:meta])* $name:ident = $method:ident | $libm:ident;)*) => {$(
        $(#[$doc])*
        #[inline]
        pub fn $name(x: f64) -> f64 {
            #[cfg(feature = "std")]
            {
                x.$method()
            }
            #[cfg(not(feature = "std"))]
            {
                libm::$libm(x)
            }
        }
    )*};
}

unary! {
    /// `e^x`.
    exp = exp | exp;
    /// The natural logarithm.
    ln = ln | log;
    /// The base-10 logarithm.
    log10 = log10 | log10;
    /// `e^x − 1`, accurate near 0.
    exp_m1 = exp_m1 | expm1;
    /// The sine.
    sin = sin | sin;
    /// The cosine.
    cos = cos | cos;
    /// The tangent.
    tan = tan | tan;
    /// The hyperbolic sine.
    sinh = sinh | sinh;
    /// The hyperbolic cosine.
    cosh = cosh | cosh;
    /// The hyperbolic tangent.
    tanh = tanh | tanh;
    /// The largest integer `<= x`.
    floor = floor | floor;
    /// The smallest integer `>= x`.
    ceil = ceil | ceil;
    /// The nearest integer, halves away from zero.
    round = round | round;
    /// The integer part (rounded towards zero).
    trunc = trunc | trunc;
    /// The square root.
    sqrt = sqrt | sqrt;
}

/// `|x|` (`core`'s method in every build).
#[inline]
pub fn abs(x: f64) -> f64 {
    x.abs()
}

/// `x` to the integer power `n` (`x ** 3`).
#[inline]
pub fn powi(x: f64, n: i32) -> f64 {
    #[cfg(feature = "std")]
    {
        x.powi(n)
    }
    #[cfg(not(feature = "std"))]
    {
        let (mut base, mut k, mut acc) = (x, n.unsigned_abs(), 1.0);
        while k > 0 {
            if k & 1 == 1 {
                acc *= base;
            }
            base *= base;
            k >>= 1;
        }
        if n < 0 {
            1.0 / acc
        } else {
            acc
        }
    }
}

/// `x` to the power `y` (`x ** y` with a non-integer-literal exponent), with the exact
/// shortcut `x ** 1 = x`: model exponents such as STDP's `mu_plus` are often 1, and a
/// general `pow` costs as much as the rest of a synapse event.
#[inline]
pub fn powf(x: f64, y: f64) -> f64 {
    if y == 1.0 {
        return x;
    }
    #[cfg(feature = "std")]
    {
        x.powf(y)
    }
    #[cfg(not(feature = "std"))]
    {
        libm::pow(x, y)
    }
}

/// The error function.
#[inline]
pub fn erf(x: f64) -> f64 {
    libm::erf(x)
}

/// The complementary error function.
#[inline]
pub fn erfc(x: f64) -> f64 {
    libm::erfc(x)
}

/// NESTML's `sign`: -1, 0 or 1.
#[inline]
pub fn sign(x: f64) -> f64 {
    if x > 0.0 {
        1.0
    } else if x < 0.0 {
        -1.0
    } else {
        0.0
    }
}

/// NESTML's `v[i]`: element `i` of `v` (the index rounded to the nearest integer, as a NESTML
/// integer expression is), or NaN if it is out of range or not finite, so that a bad read
/// poisons what it feeds (and a state it reaches faults at the end of the step).
#[inline]
pub fn element(v: &[f64], i: f64) -> f64 {
    let i = round(i);
    if i >= 0.0 && i < v.len() as f64 {
        v[i as usize]
    } else {
        f64::NAN
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn element_reads_in_range_and_is_nan_outside() {
        let v = [1.0, 2.0, 3.0];
        assert_eq!(element(&v, 0.0), 1.0);
        assert_eq!(element(&v, 2.0), 3.0);
        assert!(element(&v, 3.0).is_nan());
        assert!(element(&v, -1.0).is_nan());
        assert!(element(&v, f64::NAN).is_nan());
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
        // powi by squaring: at most a few ulps from the correctly rounded power
        let x = 1.000_000_1_f64;
        assert!((powi(x, 1000) / exp(1000.0 * ln(x)) - 1.0).abs() < 1e-13);
    }
}
