//! Quantities typed by a user (`20 ms`, `0.02s`, `-70 mV`, `500pA`) read with the language's
//! unit names and algebra (`pA/ms`, `nS**2`), and converted to NEST's internal units, for tools
//! such as `nestml run --set tau_m=20ms`.

use crate::diagnostics::FileId;
use crate::sema::types::resolve_data_type;
use crate::sema::units::Unit;
use crate::syntax::parse_data_type;

/// The unit written `text` (`mV`, `pA/ms`, `1/s`, `nS**2`; `^` is read as `**`, as
/// [`Unit::describe`] writes powers).
pub fn parse_unit(text: &str) -> Result<Unit, String> {
    let normalised = text.trim().replace('^', "**");
    let data_type = parse_data_type(&normalised, FileId(0)).map_err(|_| format!("`{text}` is not a unit"))?;
    let mut diagnostics = Vec::new();
    let ty = resolve_data_type(&data_type, &mut diagnostics);
    match (diagnostics.is_empty(), ty.unit()) {
        (true, Some(u)) => Ok(u),
        _ => Err(format!("`{text}` is not a physical unit")),
    }
}

/// `text` split into the number at its start and the (trimmed, maybe empty) unit text after
/// it; `None` if it does not start with a number.
pub fn split_quantity(text: &str) -> Option<(&str, &str)> {
    let t = text.trim();
    let end = number_end(t);
    (end > 0).then(|| (&t[..end], t[end..].trim()))
}

/// A number with an optional unit after it (`20ms`, `0.02 s`, `1e-3 s`, `3`).
pub fn parse_quantity(text: &str) -> Result<(f64, Option<Unit>), String> {
    let (number, unit) = split_quantity(text).ok_or_else(|| format!("`{text}` does not start with a number"))?;
    let value: f64 = number.parse().map_err(|_| format!("`{number}` is not a number"))?;
    if unit.is_empty() {
        return Ok((value, None));
    }
    Ok((value, Some(parse_unit(unit)?)))
}

/// The value of the quantity `text` in NEST's internal unit of the dimension `expected` (a
/// unit as the IR names variables' units: `ms`, `pA/ms`, `nS^2/ms`; `None` for a plain
/// number). A bare number is taken as already in that unit; a unit of another dimension is an
/// error naming the expected unit.
pub fn quantity_in(text: &str, expected: Option<&str>) -> Result<f64, String> {
    let (value, unit) = parse_quantity(text)?;
    let Some(unit) = unit else { return Ok(value) };
    let wanted = match expected {
        None => Unit::dimensionless(),
        Some(e) => parse_unit(e).map_err(|_| format!("cannot convert `{text}` to `{e}`; give a plain number in {e}"))?,
    };
    if !unit.same_dimension(&wanted) {
        let expected = expected.map_or("a plain number (no unit)".to_string(), |e| format!("a quantity in {e} (or a unit of its dimension)"));
        return Err(format!("`{}` has the unit {}, but {expected} is expected", text.trim(), unit.describe()));
    }
    Ok(value * unit.nest_internal_scale().value())
}

/// The length of the number at the start of `t`: sign, digits, a fraction, an exponent (only
/// when digits follow the `e`, so that `3e` is not read as an exponent).
fn number_end(t: &str) -> usize {
    let b = t.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
        i += 1;
    }
    let digits_start = i;
    while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'.') {
        i += 1;
    }
    if i == digits_start {
        return 0;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        let mut j = i + 1;
        if j < b.len() && (b[j] == b'-' || b[j] == b'+') {
            j += 1;
        }
        if j < b.len() && b[j].is_ascii_digit() {
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
            i = j;
        }
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_convert_to_nest_units() {
        assert_eq!(quantity_in("20ms", Some("ms")), Ok(20.0));
        assert_eq!(quantity_in("0.02 s", Some("ms")), Ok(20.0));
        assert_eq!(quantity_in("1e-3s", Some("ms")), Ok(1.0));
        assert_eq!(quantity_in("-70mV", Some("mV")), Ok(-70.0));
        assert_eq!(quantity_in("0.5 nA", Some("pA")), Ok(500.0));
        assert_eq!(quantity_in("12", Some("nS")), Ok(12.0));
        assert_eq!(quantity_in("0.012 uS", Some("nS")), Ok(12.0));
        assert_eq!(quantity_in("8000Hz", Some("1/ms")), Ok(8.0));
        assert_eq!(quantity_in("2 nS**2/ms", Some("nS^2/ms")), Ok(2.0));
        assert_eq!(quantity_in("3", None), Ok(3.0));
        let wrong = quantity_in("20mV", Some("ms")).unwrap_err();
        assert!(wrong.contains("mV") && wrong.contains("in ms"), "{wrong}");
        assert!(quantity_in("20 mV", None).unwrap_err().contains("plain number"));
        assert!(quantity_in("fast", Some("ms")).unwrap_err().contains("number"));
        assert!(quantity_in("20 parsecs", Some("ms")).is_err());
    }
}
