//! Functions that generated code calls and `f64` lacks.

/// `x` to the power `y` (`x ** y` with a non-integer-literal exponent), with the exact
/// shortcut `x ** 1 = x`: model exponents such as STDP's `mu_plus` are often 1, and a
/// general `pow` costs as much as the rest of a synapse event.
#[inline]
pub fn powf(x: f64, y: f64) -> f64 {
    if y == 1.0 {
        x
    } else {
        x.powf(y)
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
    let i = i.round();
    if i >= 0.0 && i < v.len() as f64 {
        v[i as usize]
    } else {
        f64::NAN
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn element_reads_in_range_and_is_nan_outside() {
        let v = [1.0, 2.0, 3.0];
        assert_eq!(super::element(&v, 0.0), 1.0);
        assert_eq!(super::element(&v, 2.0), 3.0);
        assert!(super::element(&v, 3.0).is_nan());
        assert!(super::element(&v, -1.0).is_nan());
        assert!(super::element(&v, f64::NAN).is_nan());
    }
}
