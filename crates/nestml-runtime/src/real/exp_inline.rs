//! `e^x` without calls, branches or tables, for [`Real::exp_inline`](super::Real::exp_inline)
//! and [`math::exp_inline`](crate::math::exp_inline) (the algorithm and its accuracy are
//! documented there).
//!
//! Only `core` arithmetic, comparisons that become selects, and bit casts: a loop over these
//! functions vectorises (checked by the ignored test `exp_inline_loop_compiles_without_calls`,
//! which compiles this file alone and reads the assembly).

/// `1.5 · 2^52`: adding it to a double of magnitude below `2^51` rounds that to an integer
/// (to nearest, ties to even), which then sits in the low bits of the sum's significand.
const SHIFT: f64 = 6_755_399_441_055_744.0;
/// The bits of [`SHIFT`].
const SHIFT_BITS: u64 = 0x4338_0000_0000_0000;
/// `1 / ln 2`.
const INV_LN2: f64 = core::f64::consts::LOG2_E;
/// `ln 2` truncated to 32 significant bits, `⌊2^32 ln 2⌋ / 2^32` (`0x3fe62e42fee00000`): `k · LN2_HI` is exact
/// for `|k| < 2^21`.
const LN2_HI: f64 = 2_977_044_471.0 / 4_294_967_296.0;
/// `ln 2 − LN2_HI`, rounded (computed in 60-digit decimal).
const LN2_LO: f64 = 1.908_214_929_270_587_7e-10;

/// `e^x` for `f64` (see [`crate::math::exp_inline`]).
#[inline(always)]
pub(crate) fn exp_inline_f64(x: f64) -> f64 {
    // Results are 0 below −745.14 and ∞ above 709.79: clamping keeps k within the two
    // exponent factors below; NaN passes (both comparisons false) and is selected at the end.
    let xc = if x < -750.0 { -750.0 } else { x };
    let xc = if xc > 710.0 { 710.0 } else { xc };
    // k = round(x / ln 2), |k| ≤ 1082
    let kf = (xc * INV_LN2 + SHIFT) - SHIFT;
    // r = x − k ln 2, |r| ≤ ln 2 / 2 (plus rounding): the first difference is exact, and the
    // second's rounding error is `r_err` (exactly when |r_hi| ≥ |r_lo|; else both are tiny)
    let r_hi = xc - kf * LN2_HI;
    let r_lo = kf * LN2_LO;
    let r = r_hi - r_lo;
    let r_err = (r_hi - r) - r_lo;
    // e^r = 1 + r + r² q(r), q the Taylor series to r^13 / 13! (truncation < 5·10⁻¹⁸)
    // q(r) = Σ r^i / (i + 2)!, i = 0..11, by Estrin's scheme: pairs, then pairs of pairs
    // (a short dependency chain, so that the multiplications of one vector overlap)
    let r2 = r * r;
    let r4 = r2 * r2;
    let r8 = r4 * r4;
    let p01 = 1.0 / 2.0 + r * (1.0 / 6.0);
    let p23 = 1.0 / 24.0 + r * (1.0 / 120.0);
    let p45 = 1.0 / 720.0 + r * (1.0 / 5040.0);
    let p67 = 1.0 / 40320.0 + r * (1.0 / 362_880.0);
    let p89 = 1.0 / 3_628_800.0 + r * (1.0 / 39_916_800.0);
    let p1011 = 1.0 / 479_001_600.0 + r * (1.0 / 6_227_020_800.0);
    let q = (p01 + r2 * p23) + r4 * (p45 + r2 * p67) + r8 * (p89 + r2 * p1011);
    let a = 1.0 + r;
    let a_err = (1.0 - a) + r;
    let p = a + (a_err + (r2 * q + r_err));
    // 2^k as 2^k1 · 2^k2 with k1 = round(k / 2), k2 = k − k1, both in [−541, 512]: normal
    // numbers, so p · 2^k1 is exact and the one rounding is the last product's (overflow to
    // ∞, or a subnormal result)
    let k1 = kf * 0.5 + SHIFT;
    let k2 = (kf - (k1 - SHIFT)) + SHIFT;
    let two_k1 = f64::from_bits(k1.to_bits().wrapping_sub(SHIFT_BITS - 1023) << 52);
    let two_k2 = f64::from_bits(k2.to_bits().wrapping_sub(SHIFT_BITS - 1023) << 52);
    let y = p * two_k1 * two_k2;
    #[allow(clippy::eq_op)]
    let nan = x != x;
    if nan {
        x
    } else {
        y
    }
}

/// `1.5 · 2^23`, as [`SHIFT`] for `f32`.
const SHIFT_F32: f32 = 12_582_912.0;
/// The bits of [`SHIFT_F32`].
const SHIFT_BITS_F32: u32 = 0x4b40_0000;
/// `1 / ln 2` in `f32`.
const INV_LN2_F32: f32 = core::f32::consts::LOG2_E;
/// `ln 2` truncated to 16 significant bits, `⌊2^16 ln 2⌋ / 2^16`: `k · LN2_HI_F32` is exact for `|k| < 2^8`.
const LN2_HI_F32: f32 = 45_426.0 / 65_536.0;
/// `ln 2 − LN2_HI_F32`, rounded.
const LN2_LO_F32: f32 = 1.428_606_8e-6;

/// `e^x` for `f32`, computed in `f32` (see [`crate::math::exp_inline`]).
#[inline(always)]
pub(crate) fn exp_inline_f32(x: f32) -> f32 {
    // 0 below −103.98, ∞ above 88.73
    let xc = if x < -104.0 { -104.0 } else { x };
    let xc = if xc > 89.0 { 89.0 } else { xc };
    // |k| ≤ 150
    let kf = (xc * INV_LN2_F32 + SHIFT_F32) - SHIFT_F32;
    let r_hi = xc - kf * LN2_HI_F32;
    let r_lo = kf * LN2_LO_F32;
    let r = r_hi - r_lo;
    let r_err = (r_hi - r) - r_lo;
    // Taylor to r^7 / 7! (truncation < 6·10⁻⁹)
    let q = 1.0 / 2.0
        + r * (1.0 / 6.0 + r * (1.0 / 24.0 + r * (1.0 / 120.0 + r * (1.0 / 720.0 + r * (1.0 / 5040.0)))));
    let a = 1.0 + r;
    let a_err = (1.0 - a) + r;
    let p = a + (a_err + ((r * r) * q + r_err));
    // k1, k2 in [−75, 64]
    let k1 = kf * 0.5 + SHIFT_F32;
    let k2 = (kf - (k1 - SHIFT_F32)) + SHIFT_F32;
    let two_k1 = f32::from_bits(k1.to_bits().wrapping_sub(SHIFT_BITS_F32 - 127) << 23);
    let two_k2 = f32::from_bits(k2.to_bits().wrapping_sub(SHIFT_BITS_F32 - 127) << 23);
    let y = p * two_k1 * two_k2;
    #[allow(clippy::eq_op)]
    let nan = x != x;
    if nan {
        x
    } else {
        y
    }
}

#[cfg(test)]
mod tests;
