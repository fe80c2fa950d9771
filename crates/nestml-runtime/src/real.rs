//! [`Real`]: the floating-point type a model computes in, `f64` (NEST's, the default) or `f32`
//! (for FPUs without double precision).
//!
//! The solvers ([`crate::solvers`]), [`crate::linalg::propagator`], [`crate::math`] and
//! [`crate::Fault::check_finite`] are generic over it. The interfaces to the outside — the
//! `Neuron` trait's values, spike weights and input sums, random draws, times, tolerances —
//! stay `f64`; an `f32` model converts at them.
//!
//! # What `f32` gives and costs
//!
//! Half the memory per state variable and, on FPUs without double precision, hardware
//! arithmetic instead of software emulation. The cost is precision: `f32::EPSILON ≈ 1.2·10⁻⁷`
//! against `2.2·10⁻¹⁶`, so each step adds rounding errors of relative size ~10⁻⁷ (a membrane
//! potential of −70 mV is held to ~4 µV), which accumulate over a run. Nothing in `f32` is bit
//! for bit with NEST. Measured on the neurons of the GSL conformance cases
//! (`tests/single_precision.rs`: Hodgkin–Huxley and AdEx on [`Rkf45`](crate::Rkf45) with
//! NESTML's and NEST's tolerances, spiking tonically for 1 s at 0.1 ms): the same spikes in
//! the same steps as `f64`, HH's interpolated spike times within 1.5·10⁻⁴ ms, `V` within
//! 1.2·10⁻⁴ mV before the first spike, about as many RKF45 steps. A run whose threshold
//! crossing is closer than that can spike a step earlier or later. RKF45 tolerances tighter
//! than ~10⁻⁶ relative only shrink its steps: the error estimate is then rounding noise.

use crate::checkpoint::Checkpoint;
use core::fmt::{Debug, Display};
use core::ops::{Add, AddAssign, Div, DivAssign, Mul, MulAssign, Neg, Rem, RemAssign, Sub, SubAssign};

mod exp_inline;

/// The one-argument functions, for a `$callback!` macro: each with its docs, name (`std`'s
/// method of both types), and `libm`'s `f64` and `f32` function.
macro_rules! unary_functions {
    ($callback:ident) => {
        $callback! {
            /// `e^x`.
            exp = exp, expf;
            /// The natural logarithm.
            ln = log, logf;
            /// The base-10 logarithm.
            log10 = log10, log10f;
            /// `e^x − 1`, accurate near 0.
            exp_m1 = expm1, expm1f;
            /// The sine.
            sin = sin, sinf;
            /// The cosine.
            cos = cos, cosf;
            /// The tangent.
            tan = tan, tanf;
            /// The hyperbolic sine.
            sinh = sinh, sinhf;
            /// The hyperbolic cosine.
            cosh = cosh, coshf;
            /// The hyperbolic tangent.
            tanh = tanh, tanhf;
            /// The largest integer `<= x`.
            floor = floor, floorf;
            /// The smallest integer `>= x`.
            ceil = ceil, ceilf;
            /// The nearest integer, halves away from zero.
            round = round, roundf;
            /// The integer part (rounded towards zero).
            trunc = trunc, truncf;
            /// The square root.
            sqrt = sqrt, sqrtf;
        }
    };
}
pub(crate) use unary_functions;

/// The trait [`Real`] with the one-argument functions, and its impls for `f64` and `f32`.
macro_rules! real {
    ($($(#[$doc:meta])* $name:ident = $libm64:ident, $libm32:ident;)*) => {
        /// A floating-point type models compute in: `f64` or `f32` (module docs).
        ///
        /// The functions are, with feature `std`, the `std` method of the same name (for `f64`
        /// bit for bit what NEST's C++ computes: both call the platform's libm); without it,
        /// the `libm` crate's (`exp`, or `expf` for `f32`). `powi` without `std` is
        /// exponentiation by squaring, which may differ in the last bit from LLVM's `powi`.
        /// `erf` and `erfc` are `libm`'s in both builds (`std` has none); `abs`, `min`, `max`
        /// and `is_finite` are `core`'s.
        pub trait Real:
            Copy
            + PartialOrd
            + Default
            + Debug
            + Display
            + Checkpoint
            + 'static
            + Add<Output = Self>
            + Sub<Output = Self>
            + Mul<Output = Self>
            + Div<Output = Self>
            + Rem<Output = Self>
            + Neg<Output = Self>
            + AddAssign
            + SubAssign
            + MulAssign
            + DivAssign
            + RemAssign
        {
            /// 0.
            const ZERO: Self;
            /// 1.
            const ONE: Self;
            /// The smallest positive normal number.
            const MIN_POSITIVE: Self;
            /// The difference between 1 and the next larger number.
            const EPSILON: Self;
            /// Not a number.
            const NAN: Self;
            /// +∞.
            const INFINITY: Self;

            /// `x as Self`: exact for `f64`, rounded to nearest for `f32`.
            fn from_f64(x: f64) -> Self;
            /// `self as f64` (exact).
            fn to_f64(self) -> f64;
            /// Neither infinite nor NaN.
            fn is_finite(self) -> bool;
            $($(#[$doc])* fn $name(self) -> Self;)*
            /// `|x|`.
            fn abs(self) -> Self;
            /// `x` to the integer power `n`.
            fn powi(self, n: i32) -> Self;
            /// `x` to the power `y` (without [`math::powf`](crate::math::powf)'s shortcut).
            fn powf(self, y: Self) -> Self;
            /// The error function.
            fn erf(self) -> Self;
            /// The complementary error function.
            fn erfc(self) -> Self;
            /// The smaller of the two, or the other one if one is NaN.
            fn min(self, other: Self) -> Self;
            /// The larger of the two, or the other one if one is NaN.
            fn max(self, other: Self) -> Self;
            /// `e^x` with no call and no branch, so that a loop over it vectorises: within
            /// 1 ulp of [`exp`](Real::exp) (see [`math::exp_inline`](crate::math::exp_inline)).
            fn exp_inline(self) -> Self;
        }

        impl_real!(f64, pow, erf, erfc, exp_inline::exp_inline_f64; $($name = $libm64;)*);
        impl_real!(f32, powf, erff, erfcf, exp_inline::exp_inline_f32; $($name = $libm32;)*);
    };
}

/// `Real` for the float type `$t`, with `libm`'s functions named as given.
macro_rules! impl_real {
    ($t:ident, $pow:ident, $erf:ident, $erfc:ident, $exp_inline:path; $($name:ident = $libm:ident;)*) => {
        impl Real for $t {
            const ZERO: Self = 0.0;
            const ONE: Self = 1.0;
            const MIN_POSITIVE: Self = $t::MIN_POSITIVE;
            const EPSILON: Self = $t::EPSILON;
            const NAN: Self = $t::NAN;
            const INFINITY: Self = $t::INFINITY;

            #[inline(always)]
            fn from_f64(x: f64) -> Self {
                x as $t
            }
            #[inline(always)]
            fn to_f64(self) -> f64 {
                self as f64
            }
            #[inline(always)]
            fn is_finite(self) -> bool {
                $t::is_finite(self)
            }
            $(
                #[inline]
                fn $name(self) -> Self {
                    #[cfg(feature = "std")]
                    {
                        $t::$name(self)
                    }
                    #[cfg(not(feature = "std"))]
                    {
                        libm::$libm(self)
                    }
                }
            )*
            #[inline(always)]
            fn abs(self) -> Self {
                $t::abs(self)
            }
            #[inline]
            fn powi(self, n: i32) -> Self {
                #[cfg(feature = "std")]
                {
                    $t::powi(self, n)
                }
                #[cfg(not(feature = "std"))]
                {
                    powi_by_squaring(self, n)
                }
            }
            #[inline]
            fn powf(self, y: Self) -> Self {
                #[cfg(feature = "std")]
                {
                    $t::powf(self, y)
                }
                #[cfg(not(feature = "std"))]
                {
                    libm::$pow(self, y)
                }
            }
            #[inline]
            fn erf(self) -> Self {
                libm::$erf(self)
            }
            #[inline]
            fn erfc(self) -> Self {
                libm::$erfc(self)
            }
            #[inline(always)]
            fn min(self, other: Self) -> Self {
                $t::min(self, other)
            }
            #[inline(always)]
            fn max(self, other: Self) -> Self {
                $t::max(self, other)
            }
            #[inline(always)]
            fn exp_inline(self) -> Self {
                $exp_inline(self)
            }
        }
    };
}

unary_functions!(real);

/// `x^n` by repeated squaring (`powi` without `std`).
#[cfg(not(feature = "std"))]
fn powi_by_squaring<F: Real>(x: F, n: i32) -> F {
    let (mut base, mut k, mut acc) = (x, n.unsigned_abs(), F::ONE);
    while k > 0 {
        if k & 1 == 1 {
            acc *= base;
        }
        base *= base;
        k >>= 1;
    }
    if n < 0 {
        F::ONE / acc
    } else {
        acc
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec::Vec;

    /// Each function in `f32` against `f64` rounded to `f32`, at arguments exact in both.
    #[test]
    fn f32_functions_agree_with_f64_to_single_precision() {
        let args = [-3.75, -1.5, -0.375, -0.0009765625, 0.0, 0.000244140625, 0.5, 0.6875, 1.25, 2.5, 9.0];
        /// A function in both types, named.
        type Both = (&'static str, fn(f32) -> f32, fn(f64) -> f64);
        macro_rules! both {
            ($($(#[$doc:meta])* $name:ident = $libm64:ident, $libm32:ident;)*) => {
                [$((stringify!($name), Real::$name as fn(f32) -> f32, Real::$name as fn(f64) -> f64)),*]
            };
        }
        let others: [Both; 4] = [
            ("abs", Real::abs, Real::abs),
            ("erf", Real::erf, Real::erf),
            ("erfc", Real::erfc, Real::erfc),
            ("cube", |x| Real::powi(x, 3), |x| Real::powi(x, 3)),
        ];
        let unary: Vec<Both> = unary_functions!(both).into_iter().chain(others).collect();
        // within 2 ulps of f32 (libm's f32 functions are accurate to ≤ 1 ulp; the rest exact)
        let close = |got: f32, want: f64| {
            let want32 = want as f32;
            (got.is_nan() && want.is_nan())
                || got == want32
                || (got - want32).abs() <= 2.0 * f32::EPSILON * want32.abs().max(f32::MIN_POSITIVE)
        };
        for &x in &args {
            for &(name, f32_fn, f64_fn) in &unary {
                let (got, want) = (f32_fn(x as f32), f64_fn(x));
                assert!(close(got, want), "{name}({x}): {got} vs {want}");
            }
            for y in [0.5, -1.5, 3.0] {
                let (got, want) = ((x as f32).abs().powf(y as f32), x.abs().powf(y));
                assert!(close(got, want), "powf({x}, {y}): {got} vs {want}");
            }
            assert_eq!(Real::min(x as f32, 0.6), Real::min(x, 0.6) as f32);
            assert_eq!(Real::max(x as f32, 0.6), Real::max(x, 0.6) as f32);
        }
        assert_eq!((f32::from_f64(0.1), 0.1f32.to_f64()), (0.1f32, 0.1f32 as f64));
        assert!(!Real::is_finite(f32::NAN) && !Real::is_finite(<f32 as Real>::INFINITY) && Real::is_finite(f32::MAX));
        // powi by squaring (no_std): an error of at most ~n/2 ulps, as for f64
        let x = 1.000_1_f32;
        let err = (Real::powi(x, 100) as f64 / (100.0 * (x as f64).ln()).exp() - 1.0).abs();
        assert!(err < 50.0 * f32::EPSILON as f64, "{err:e}");
        assert_eq!((Real::powi(2.0f32, -2), Real::powi(-3.0f32, 3)), (0.25, -27.0));
    }
}
