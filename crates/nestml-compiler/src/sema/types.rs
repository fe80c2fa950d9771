//! NESTML types: the primitive types and physical units, and how declared types resolve.

use std::fmt;

use super::units::{Rational, Unit};
use crate::diagnostics::{Code, Diagnostic};
use crate::syntax::ast::{DataType, ExponentValue, UnitType, UnitTypeKind};

/// The type of a NESTML value. `Error` marks an expression whose type could not be derived;
/// it is compatible with everything so that one mistake is reported once.
#[derive(Clone, Debug, PartialEq)]
pub enum Type {
    Integer,
    Real,
    Boolean,
    String,
    Void,
    /// A physical unit (never the plain dimensionless unit of magnitude 1, which is `Real`).
    Unit(Unit),
    Error,
}

impl Type {
    /// The type of a value with unit `u`: `Real` for the plain dimensionless unit.
    pub fn from_unit(u: Unit) -> Type {
        if u == Unit::DIMENSIONLESS {
            Type::Real
        } else {
            Type::Unit(u)
        }
    }

    /// Integer or real.
    pub fn is_numeric_primitive(&self) -> bool {
        matches!(self, Type::Integer | Type::Real)
    }

    /// Integer, real or a unit.
    pub fn is_numeric(&self) -> bool {
        matches!(self, Type::Integer | Type::Real | Type::Unit(_))
    }

    /// The unit of a numeric type (dimensionless for integer and real).
    pub fn unit(&self) -> Option<Unit> {
        match self {
            Type::Integer | Type::Real => Some(Unit::DIMENSIONLESS),
            Type::Unit(u) => Some(*u),
            _ => None,
        }
    }

    /// Whether a value of type `self` may be stored in a variable of type `target`, as
    /// PyNESTML allows it: any unit and boolean convert to real, integer and real convert to
    /// dimensionless units, units convert to units of the same dimension.
    pub fn is_castable_to(&self, target: &Type) -> bool {
        use Type::*;
        match (self, target) {
            (Error, _) | (_, Error) => true,
            (a, b) if a == b => true,
            (Integer | Real | Unit(_) | Boolean, Real) => true,
            (Integer, Integer) => true,
            (Real, Integer | Boolean) => true,
            (Integer | Real, Unit(u)) => u.is_dimensionless(),
            (Unit(a), Unit(b)) => a.same_dimension(b),
            _ => false,
        }
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::Integer => f.write_str("integer"),
            Type::Real => f.write_str("real"),
            Type::Boolean => f.write_str("boolean"),
            Type::String => f.write_str("string"),
            Type::Void => f.write_str("void"),
            Type::Unit(u) => f.write_str(&u.describe()),
            Type::Error => f.write_str("<unknown>"),
        }
    }
}

/// Resolves a declared type; unknown unit names and numerators other than 1 are reported.
pub fn resolve_data_type(t: &DataType, diags: &mut Vec<Diagnostic>) -> Type {
    match t {
        DataType::Integer(_) => Type::Integer,
        DataType::Real(_) => Type::Real,
        DataType::Boolean(_) => Type::Boolean,
        DataType::String(_) => Type::String,
        DataType::Void(_) => Type::Void,
        DataType::Unit(u) => resolve_unit_type(u, diags).map_or(Type::Error, Type::from_unit),
    }
}

/// Evaluates a unit type such as `mV/ms` or `(ms*mV)**-1` to a [`Unit`].
pub fn resolve_unit_type(u: &UnitType, diags: &mut Vec<Diagnostic>) -> Option<Unit> {
    match &u.kind {
        UnitTypeKind::Name(id) => {
            let unit = Unit::lookup(&id.name);
            if unit.is_none() {
                diags.push(
                    Diagnostic::error(Code::E0109, id.span, format!("unknown physical unit `{}`", id.name))
                        .with_help("use a unit such as `mV`, `pA`, `nS`, `ms`, `pF` or a product like `mV/ms`"),
                );
            }
            unit
        }
        UnitTypeKind::Paren(inner) => resolve_unit_type(inner, diags),
        UnitTypeKind::Pow(base, exponent) => {
            let base = resolve_unit_type(base, diags)?;
            let magnitude = match &exponent.value {
                ExponentValue::Literal(text) => Rational::from_decimal_str(text),
                ExponentValue::Fraction(n, d) => i64::try_from(*n).ok().zip(i64::try_from(*d).ok()).and_then(|(n, d)| Rational::new(n, d)),
            };
            let Some(p) = magnitude.map(|p| if exponent.negative { -p } else { p }) else {
                diags.push(Diagnostic::error(Code::E0109, exponent.span, "this exponent is not a valid rational number"));
                return None;
            };
            base.checked_pow(p)
        }
        UnitTypeKind::Mul(a, b) => {
            let (a, b) = (resolve_unit_type(a, diags), resolve_unit_type(b, diags));
            a?.checked_mul(&b?)
        }
        UnitTypeKind::Div(a, b) => {
            let (a, b) = (resolve_unit_type(a, diags), resolve_unit_type(b, diags));
            a?.checked_div(&b?)
        }
        UnitTypeKind::Reciprocal { numerator, numerator_span, unit } => {
            if *numerator != 1 {
                diags.push(
                    Diagnostic::error(Code::E0210, *numerator_span, format!("the numerator of a unit type must be 1, found {numerator}"))
                        .with_help("write `1/unit`; to scale a value, multiply the value instead"),
                );
            }
            Some(resolve_unit_type(unit, diags)?.recip())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::FileId;
    use crate::syntax::parse_data_type;

    fn unit_of(text: &str) -> Unit {
        let dt = parse_data_type(text, FileId(0)).expect("parses");
        let mut diags = Vec::new();
        match resolve_data_type(&dt, &mut diags) {
            Type::Unit(u) => u,
            Type::Real => Unit::DIMENSIONLESS,
            other => panic!("{text}: {other:?} {diags:?}"),
        }
    }

    #[test]
    fn compound_unit_types_evaluate() {
        let u = unit_of("mV*mV*nS**2/(mS*pA)");
        let expected = Unit::lookup("mV").unwrap().pow(Rational::from_integer(2)).mul(&Unit::lookup("nS").unwrap().pow(Rational::from_integer(2))).div(&Unit::lookup("mS").unwrap().mul(&Unit::lookup("pA").unwrap()));
        assert_eq!(u, expected);
        assert_eq!(unit_of("(ms*mV)**-1"), unit_of("1/(ms*mV)"));
        assert_eq!(unit_of("ms**(1/2)"), unit_of("ms**0.5"));
        assert_eq!(unit_of("mV**-2"), unit_of("1/(mV*mV)"));
    }

    #[test]
    fn reciprocal_takes_the_whole_product() {
        // `1/ms*mV` is `1/(ms*mV)`, as PyNESTML's grammar parses it
        assert_eq!(unit_of("1/ms*mV"), unit_of("1/(ms*mV)"));
        assert_eq!(unit_of("mV/ms*pA"), unit_of("(mV/ms)*pA"));
    }

    #[test]
    fn unknown_units_and_bad_numerators_are_reported() {
        let mut diags = Vec::new();
        let dt = parse_data_type("2/mV", FileId(0)).unwrap();
        resolve_data_type(&dt, &mut diags);
        let dt = parse_data_type("furlong/ms", FileId(0)).unwrap();
        assert_eq!(resolve_data_type(&dt, &mut diags), Type::Error);
        let codes: Vec<_> = diags.iter().map(|d| d.code).collect();
        assert_eq!(codes, vec![Code::E0210, Code::E0109]);
    }

    #[test]
    fn casts_follow_pynestml() {
        let mv = Type::Unit(Unit::lookup("mV").unwrap());
        let v = Type::Unit(Unit::lookup("V").unwrap());
        let pa = Type::Unit(Unit::lookup("pA").unwrap());
        assert!(mv.is_castable_to(&Type::Real));
        assert!(v.is_castable_to(&mv));
        assert!(!pa.is_castable_to(&mv));
        assert!(!Type::Real.is_castable_to(&mv));
        assert!(Type::Integer.is_castable_to(&Type::Unit(Unit::lookup("mV").unwrap().div(&Unit::lookup("V").unwrap()))));
    }
}
