use super::*;

fn r(n: i64, d: i64) -> Rational {
    Rational::new(n, d).unwrap()
}

fn u(name: &str) -> Unit {
    Unit::lookup(name).unwrap_or_else(|| panic!("unit {name} not found"))
}

fn conv(exp10: i32, factor: f64) -> Conversion {
    Conversion { exp10, factor }
}

// --- Rational ---------------------------------------------------------------------------------

#[test]
fn rational_is_reduced_with_positive_denominator() {
    assert_eq!(r(2, 4), r(1, 2));
    assert_eq!(r(3, -6), r(-1, 2));
    assert_eq!(r(-3, -6).num(), 1);
    assert_eq!(r(-3, -6).den(), 2);
    assert_eq!(r(0, -5), Rational::ZERO);
    assert_eq!(r(0, -5).den(), 1);
    assert_eq!(Rational::new(1, 0), None);
}

#[test]
fn rational_arithmetic() {
    assert_eq!(r(1, 2) + r(1, 3), r(5, 6));
    assert_eq!(r(1, 2) - r(1, 3), r(1, 6));
    assert_eq!(r(2, 3) * r(3, 4), r(1, 2));
    assert_eq!(r(2, 3) / r(4, 3), r(1, 2));
    assert_eq!(-r(1, 2), r(-1, 2));
    assert!((r(1, 2) - r(1, 2)).is_zero());
    assert_eq!(Rational::from_integer(-7), r(-7, 1));
    assert!(r(1, 3) < r(1, 2));
    assert!(r(-1, 2) < Rational::ZERO);
    assert_eq!(r(-7, 2).floor(), -4);
    assert_eq!(r(7, 2).floor(), 3);
    assert_eq!(r(4, 2).to_integer(), Some(2));
    assert_eq!(r(1, 2).to_integer(), None);
}

#[test]
fn rational_overflow_is_checked() {
    let big = Rational::from_integer(i64::MAX);
    assert_eq!(big.checked_add(Rational::ONE), None);
    assert_eq!(big.checked_mul(Rational::from_integer(2)), None);
    assert_eq!(Rational::from_integer(i64::MIN).checked_neg(), None);
    assert_eq!(Rational::ONE.checked_div(Rational::ZERO), None);
    // Intermediate products beyond i64 are fine when the result fits.
    assert_eq!(
        big.checked_mul(r(1, 2))
            .map(|x| x * Rational::from_integer(2)),
        Some(big)
    );
}

#[test]
fn rational_from_decimal_str() {
    assert_eq!(Rational::from_decimal_str("0.5"), Some(r(1, 2)));
    assert_eq!(Rational::from_decimal_str("-2"), Some(r(-2, 1)));
    assert_eq!(Rational::from_decimal_str("+3"), Some(r(3, 1)));
    assert_eq!(Rational::from_decimal_str("1.25"), Some(r(5, 4)));
    assert_eq!(Rational::from_decimal_str(".25"), Some(r(1, 4)));
    assert_eq!(Rational::from_decimal_str("2."), Some(r(2, 1)));
    assert_eq!(
        Rational::from_decimal_str("-0.5000000000000000000000000000"),
        Some(r(-1, 2))
    );
    assert_eq!(Rational::from_decimal_str("1e3"), Some(r(1000, 1)));
    assert_eq!(Rational::from_decimal_str("1.5E-1"), Some(r(3, 20)));
    assert_eq!(Rational::from_decimal_str("0.000"), Some(Rational::ZERO));
    assert_eq!(Rational::from_decimal_str("0e99999"), Some(Rational::ZERO));
    for bad in [
        "", "-", ".", "e3", "1e", "1e+", "--1", "1.2.3", "abc", "1/2", "0x10", "1 2",
    ] {
        assert_eq!(Rational::from_decimal_str(bad), None, "{bad:?}");
    }
    assert_eq!(Rational::from_decimal_str("1e40"), None);
    assert_eq!(Rational::from_decimal_str("1e-40"), None);
}

#[test]
fn rational_display() {
    assert_eq!(r(1, 2).to_string(), "1/2");
    assert_eq!(r(-2, 1).to_string(), "-2");
    assert_eq!(r(-3, 4).to_string(), "-3/4");
    assert_eq!(Rational::ZERO.to_string(), "0");
}

// --- Unit algebra -----------------------------------------------------------------------------

#[test]
fn nest_unit_names_exist() {
    for name in [
        "V", "mV", "uV", "pA", "nA", "A", "nS", "uS", "mS", "S", "pF", "uF", "F", "ms", "s", "Hz",
        "kHz", "MOhm", "GOhm", "Ohm", "mmol", "mol", "L", "um", "cm",
    ] {
        assert!(Unit::lookup(name).is_some(), "{name}");
    }
    // Molar units do not exist in astropy, so PyNESTML rejects them too.
    for name in ["nM", "mM", "M", "min", "mOhm_", "", "mv", "MV_"] {
        assert!(Unit::lookup(name).is_none(), "{name}");
    }
    // `min` is skipped by PyNESTML, but `minute` and prefixed `amin` etc. are not.
    assert!(Unit::lookup("minute").is_some());
}

#[test]
fn lookup_exponents_and_magnitudes() {
    let volt = [2, 1, -3, -1, 0, 0, 0].map(Rational::from_integer);
    assert_eq!(u("mV").dims(), volt);
    assert_eq!(u("mV").exp10(), Rational::from_integer(-3));
    assert_eq!(u("mV").factor(), 1.0);
    assert_eq!(u("pF").exp10(), Rational::from_integer(-12));
    assert_eq!(u("nS").exp10(), Rational::from_integer(-9));
    assert_eq!(u("GOhm").exp10(), Rational::from_integer(9));
    assert_eq!(u("g").exp10(), Rational::from_integer(-3)); // astropy's g is 1e-3 kg
    assert_eq!(u("kg").exp10(), Rational::ZERO);
    assert_eq!(u("h").factor(), 3600.0);
    assert_eq!(u("h").exp10(), Rational::ZERO);
    assert_eq!(u("L").exp10(), Rational::from_integer(-3));
    // u and both micro signs (U+00B5, U+03BC) name the same unit.
    assert_eq!(u("uS"), u("µS"));
    assert_eq!(u("uS"), u("μS"));
    assert_eq!(u("Ohm"), u("Ω"));
    // Gaussian units have half-integer exponents and powers of ten.
    assert_eq!(u("statC").exp10(), r(-9, 2));
    assert_eq!(u("statC").dims()[0], r(3, 2));
}

#[test]
fn table_is_sorted_unique_and_complete() {
    let t = table::UNIT_TABLE;
    assert_eq!(t.len(), 3775);
    assert!(t.windows(2).all(|w| w[0].0 < w[1].0));
    assert!(t
        .iter()
        .all(|row| row.3 > 0 && row.4 > 0.0 && row.4.is_finite()));
    for row in t {
        assert!(Unit::lookup(row.0).is_some());
    }
    assert_eq!(unit_names().count(), 3775);
}

#[test]
fn compound_expression() {
    // mV*mV*nS**2/(mS*pA) has the dimension of a potential, at 10^-9: nV.
    let two = Rational::from_integer(2);
    let x = u("mV")
        .mul(&u("mV"))
        .mul(&u("nS").pow(two))
        .div(&u("mS").mul(&u("pA")));
    assert!(x.same_dimension(&u("V")));
    assert_eq!(x.exp10(), Rational::from_integer(-9));
    assert_eq!(x, u("nV"));
    assert_eq!(x.nest_quantity(), Some(NestQuantity::Potential));
}

#[test]
fn negative_power_equals_reciprocal() {
    let ms_mv = u("ms").mul(&u("mV"));
    let a = ms_mv.pow(-Rational::ONE);
    let b = Unit::dimensionless().div(&ms_mv);
    assert_eq!(a, b);
    assert_eq!(a, ms_mv.recip());
    assert_eq!(a.dims(), b.dims());
    assert_eq!(a.exp10(), Rational::from_integer(6));
    assert_eq!(&Unit::dimensionless() / &ms_mv, a);
    assert_eq!(&u("ms") * &u("mV"), ms_mv);
}

#[test]
fn fractional_powers_are_exact() {
    let half = Rational::from_decimal_str("0.5").unwrap();
    let a = u("ns").pow(half);
    let b = u("ns").pow(r(1, 2));
    assert_eq!(a, b);
    assert_eq!(a.exp10(), r(-9, 2));
    assert_eq!(a.dims()[2], r(1, 2));
    assert_eq!(a.factor(), 1.0);
    // (ms)**(1/2) squared is ms again, exactly.
    let ms_half = u("ms").pow(r(1, 2));
    assert_eq!(ms_half.mul(&ms_half), u("ms"));
    assert_eq!(ms_half.mul(&ms_half).exp10(), Rational::from_integer(-3));
    // ns**0.5 in units of ms**0.5: 10^-3 exactly.
    assert_eq!(a.conversion_to(&ms_half), Some(conv(-3, 1.0)));
    // mV**-2
    assert_eq!(
        u("mV").pow(Rational::from_integer(-2)).exp10(),
        Rational::from_integer(6)
    );
}

#[test]
fn checked_ops_report_overflow() {
    let huge = Rational::from_integer(i64::MAX / 2);
    let x = u("ms").checked_pow(huge);
    assert!(x.is_none()); // exp10 -3 * huge overflows
    let y = u("m").checked_pow(huge).unwrap();
    assert!(y.checked_mul(&y).is_some());
    assert!(y.checked_mul(&y).unwrap().checked_mul(&y).is_none());
}

#[test]
fn conversions() {
    assert_eq!(u("V").conversion_to(&u("mV")), Some(conv(3, 1.0)));
    assert_eq!(u("nS").conversion_to(&u("uS")), Some(conv(-3, 1.0)));
    assert_eq!(u("h").conversion_to(&u("s")), Some(conv(0, 3600.0)));
    assert_eq!(u("h").conversion_to(&u("ms")), Some(conv(3, 3600.0)));
    assert_eq!(u("h").conversion_to(&u("ms")).unwrap().value(), 3.6e6);
    assert_eq!(u("d").conversion_to(&u("h")), Some(conv(0, 24.0)));
    assert_eq!(u("mV").conversion_to(&u("pA")), None);
    assert_eq!(u("mV").conversion_to(&u("mV")), Some(Conversion::IDENTITY));
    assert_eq!(u("pF").conversion_to(&u("F")).unwrap().value(), 1e-12);
    // Kilohour is a decimal prefix on a non-decimal unit.
    assert_eq!(u("kh").conversion_to(&u("s")), Some(conv(3, 3600.0)));
    assert_eq!(u("kh").conversion_to(&u("h")), Some(conv(3, 1.0)));
    assert_eq!(Conversion::new(r(-3, 2), 1.0).exp10, -2);
    assert!((Conversion::new(r(-3, 2), 1.0).factor - 10f64.sqrt()).abs() < 1e-12);
    assert_eq!(conv(3, 1.0).then(conv(-3, 1.0)), Conversion::IDENTITY);
    assert_eq!(
        conv(3, 3600.0).inverse().then(conv(3, 3600.0)),
        Conversion::IDENTITY
    );
    assert_eq!(conv(3, 1.0).pow(r(1, 3)), Some(conv(1, 1.0)));
}

#[test]
fn dimensionless_units() {
    let x = u("mV").div(&u("V"));
    assert!(x.is_dimensionless());
    assert_eq!(x.exp10(), Rational::from_integer(-3));
    assert_ne!(x, Unit::dimensionless());
    assert!(x.same_dimension(&Unit::dimensionless()));
    assert_eq!(x, Unit::scale_only(Rational::from_integer(-3)));
    assert!(u("ms").div(&u("ms")).is_dimensionless());
    assert_eq!(u("ms").div(&u("ms")), Unit::dimensionless());
    assert_eq!(u("h").div(&u("h")).factor(), 1.0);
    assert!(!u("ms").is_dimensionless());
    // Angles are represented as dimensionless (flagged as non-SI).
    assert!(u("rad").is_dimensionless());
    assert_eq!(is_non_si_name("rad"), Some(true));
    assert_eq!(is_non_si_name("mV"), Some(false));
    assert_eq!(is_non_si_name("nope"), None);
}

#[test]
fn nest_internal_scale_cases() {
    let nis = |s: &str| u(s).nest_internal_scale();
    assert_eq!(nis("uS"), conv(3, 1.0)); // 0.012 uS holds 12.0 (nS)
    assert_eq!(nis("nS"), Conversion::IDENTITY);
    assert_eq!(nis("mV"), Conversion::IDENTITY);
    assert_eq!(nis("V"), conv(3, 1.0));
    assert_eq!(nis("pA"), Conversion::IDENTITY);
    assert_eq!(nis("nA"), conv(3, 1.0));
    assert_eq!(nis("pF"), Conversion::IDENTITY);
    assert_eq!(nis("uF"), conv(6, 1.0));
    assert_eq!(nis("GOhm"), Conversion::IDENTITY);
    assert_eq!(nis("MOhm"), conv(-3, 1.0));
    assert_eq!(nis("ms"), Conversion::IDENTITY);
    assert_eq!(nis("s"), conv(3, 1.0));
    assert_eq!(nis("h"), conv(3, 3600.0));
    assert_eq!(nis("Hz"), conv(-3, 1.0)); // per ms (PyNESTML keeps Hz: see below)
    assert_eq!(
        u("nS").div(&u("ms")).nest_internal_scale(),
        Conversion::IDENTITY
    );
    assert_eq!(
        u("pA").div(&u("ms")).nest_internal_scale(),
        Conversion::IDENTITY
    );
    assert_eq!(u("s").recip().nest_internal_scale(), conv(-3, 1.0));
    let two = Rational::from_integer(2);
    assert_eq!(
        u("uS").pow(two).div(&u("ms")).nest_internal_scale(),
        conv(6, 1.0)
    );
    assert_eq!(u("mV").div(&u("V")).nest_internal_scale(), conv(-3, 1.0));
    assert_eq!(u("ns").pow(r(1, 2)).nest_internal_scale(), conv(-3, 1.0));
    // Conductance density: 1 mS/cm^2 = 10 S/m^2 = 1e10 nS/m^2.
    assert_eq!(
        u("mS").div(&u("cm").pow(two)).nest_internal_scale(),
        conv(10, 1.0)
    );
    // Everything else is SI.
    assert_eq!(nis("mmol"), conv(-3, 1.0));
    assert_eq!(
        u("mmol").div(&u("L")).nest_internal_scale(),
        Conversion::IDENTITY
    );
    assert_eq!(nis("um"), conv(-6, 1.0));
    // Internal units themselves.
    assert_eq!(u("uS").nest_internal_unit(), u("nS"));
    assert_eq!(u("F").nest_internal_unit(), u("pF"));
    assert_eq!(u("Ohm").nest_internal_unit(), u("GOhm"));
    assert_eq!(u("C").nest_internal_unit(), u("fC"));
    for q in NestQuantity::ALL {
        let internal = u(q.internal_unit_name());
        assert_eq!(internal.nest_quantity(), Some(q));
        assert_eq!(internal.nest_internal_scale(), Conversion::IDENTITY);
    }
}

#[test]
fn pynestml_factors() {
    let one = Rational::ONE;
    let name = |s: &str| pynestml_name_nest_scale(s).unwrap();
    assert_eq!(name("uS"), conv(3, 1.0));
    assert_eq!(name("s"), conv(3, 1.0));
    assert_eq!(name("h"), conv(3, 3600.0));
    // Other named units are kept as written.
    for s in [
        "Hz", "kHz", "cm", "um", "mmol", "L", "g", "deg", "rad", "mol",
    ] {
        assert_eq!(name(s), Conversion::IDENTITY, "{s}");
    }
    assert_eq!(pynestml_name_nest_scale("nope"), None);
    assert_eq!(pynestml_nest_scale(&[("s", -one)]), Some(conv(-3, 1.0)));
    assert_eq!(
        pynestml_nest_scale(&[("Hz", one)]),
        Some(Conversion::IDENTITY)
    );
    let two = Rational::from_integer(2);
    assert_eq!(
        pynestml_nest_scale(&[("uS", two), ("ms", -one)]),
        Some(conv(6, 1.0))
    );
    assert_eq!(
        pynestml_nest_scale(&[("mmol", one), ("L", -one)]),
        Some(Conversion::IDENTITY)
    );
    assert_eq!(
        pynestml_nest_scale(&[("mV", one), ("nS", one)]),
        Some(Conversion::IDENTITY)
    );
    assert_eq!(
        pynestml_nest_scale(&[("V", one), ("S", one)]),
        Some(conv(12, 1.0))
    );
    assert_eq!(
        pynestml_nest_scale(&[("mV", one), ("V", -one)]),
        Some(conv(-3, 1.0))
    );
    assert_eq!(
        pynestml_nest_scale(&[("uA", one), ("cm", -two)]),
        Some(conv(6, 1.0))
    );
    assert_eq!(pynestml_nest_scale(&[]), Some(Conversion::IDENTITY));
    assert_eq!(pynestml_nest_scale(&[("nope", one)]), None);
}

#[test]
fn describe_and_display() {
    assert_eq!(u("mV").describe(), "mV");
    assert_eq!(u("uS").describe(), "uS");
    assert_eq!(u("µS").to_string(), "uS");
    assert_eq!(u("pA").div(&u("ms")).describe(), "pA/ms");
    assert_eq!(u("nS").div(&u("ms")).describe(), "nS/ms");
    assert_eq!(u("s").recip().describe(), "1/s");
    assert_eq!(u("ms").recip().describe(), "1/ms");
    assert_eq!(u("ms").mul(&u("mV")).recip().describe(), "1/(ms*mV)");
    assert_eq!(
        u("nS")
            .pow(Rational::from_integer(2))
            .div(&u("ms"))
            .describe(),
        "nS^2/ms"
    );
    assert_eq!(u("mV").div(&u("V")).describe(), "10^-3");
    assert_eq!(Unit::dimensionless().describe(), "1");
    assert_eq!(u("mV").pow(r(1, 2)).describe(), "mV^(1/2)");
    assert_eq!(u("h").describe(), "3600 s");
    assert_eq!(u("ns").pow(r(1, 2)).describe(), "10^(-9/2) s^(1/2)");
    assert_eq!(u("mV").si_form(), "10^-3 m^2 kg s^-3 A^-1");
    assert_eq!(u("kh").si_form(), "3600×10^3 s");
    assert_eq!(Unit::dimensionless().si_form(), "1");
    assert_eq!(u("mV").to_string(), "mV");
}
