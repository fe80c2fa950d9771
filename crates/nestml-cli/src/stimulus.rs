//! Inputs of `nestml run` (currents, spike times, Poisson trains) parsed from the command line
//! and scheduled on the runtime's `Driver` with NEST's timing.

use nestml_compiler::sema::quantity_input::{parse_quantity, quantity_in, split_quantity};
use nestml_runtime::{Driver, NestmlRng, PortInfo, PortKind, Receptor};

/// A current `amplitude` (in the port's unit) from `start` to `stop` ms.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Current {
    pub amplitude: f64,
    pub start: f64,
    pub stop: f64,
}

/// `500pA` (from 0 on) or `500pA@100ms..600ms`, in the unit `unit` of the port.
pub fn parse_current(text: &str, unit: Option<&str>) -> Result<Current, String> {
    let (amplitude, window) = match text.split_once('@') {
        Some((a, w)) => (a, Some(w)),
        None => (text, None),
    };
    let amplitude = quantity_in(amplitude, unit).map_err(|e| format!("--current {text}: {e}"))?;
    let (start, stop) = match window {
        None => (0.0, f64::INFINITY),
        Some(w) => {
            let (a, b) = w.split_once("..").ok_or_else(|| format!("--current {text}: expected AMPLITUDE@START..STOP, e.g. 500pA@100ms..600ms"))?;
            (time(a).map_err(|e| format!("--current {text}: {e}"))?, time(b).map_err(|e| format!("--current {text}: {e}"))?)
        }
    };
    if !(amplitude.is_finite() && start >= 0.0 && stop > start) {
        return Err(format!("--current {text}: the amplitude must be finite and 0 <= START < STOP"));
    }
    Ok(Current { amplitude, start, stop })
}

/// A time (`100ms`, `0.1 s`; a bare number is ms).
pub fn time(text: &str) -> Result<f64, String> {
    let t = quantity_in(text, Some("ms"))?;
    if t.is_finite() {
        Ok(t)
    } else {
        Err(format!("`{text}` is not a finite time"))
    }
}

/// Spike times `10,20,30ms` (a number without a unit takes the unit of the last one that has
/// one, ms if none has), sorted.
pub fn parse_times(text: &str) -> Result<Vec<f64>, String> {
    let items: Vec<&str> = text.split(',').map(str::trim).filter(|s| !s.is_empty()).collect();
    let last_unit = items.iter().rev().find_map(|s| split_quantity(s).map(|(_, u)| u).filter(|u| !u.is_empty()));
    let mut times = Vec::new();
    for item in &items {
        let with_unit = match (last_unit, split_quantity(item)) {
            (Some(u), Some((_, ""))) => format!("{item} {u}"),
            _ => item.to_string(),
        };
        let t = time(&with_unit).map_err(|e| format!("--spikes {text}: {e}"))?;
        if t < 0.0 {
            return Err(format!("--spikes {text}: spike times must not be negative"));
        }
        times.push(t);
    }
    if times.is_empty() {
        return Err(format!("--spikes {text}: no spike times"));
    }
    times.sort_by(f64::total_cmp);
    Ok(times)
}

/// A Poisson train `8000Hz:87.8pA`: rate per ms and weight (in NEST's unit of its dimension).
pub fn parse_poisson(text: &str) -> Result<(f64, f64), String> {
    let (rate, weight) = text.split_once(':').ok_or_else(|| format!("--poisson {text}: expected RATE:WEIGHT, e.g. 8000Hz:87.8pA"))?;
    let rate = quantity_in(rate, Some("1/ms")).map_err(|e| format!("--poisson {text}: {e}"))?;
    let weight = weight_value(weight).map_err(|e| format!("--poisson {text}: {e}"))?;
    if !(rate >= 0.0 && rate.is_finite()) {
        return Err(format!("--poisson {text}: the rate must be a finite non-negative frequency"));
    }
    Ok((rate, weight))
}

/// A spike weight: a number, or a quantity converted to NEST's unit of its dimension
/// (`87.8pA`, `0.5 nS`, `2 mV`).
pub fn weight_value(text: &str) -> Result<f64, String> {
    let (value, unit) = parse_quantity(text)?;
    let w = unit.map_or(value, |u| value * u.nest_internal_scale().value());
    if w.is_finite() {
        Ok(w)
    } else {
        Err(format!("`{text}` is not a finite weight"))
    }
}

/// The NEST receptor that feeds spike port `port` (index among ports) and the sign a weight
/// needs to arrive there as given (an inhibitory port takes negated weights).
pub fn receptor_of(receptors: &[Receptor], port: usize) -> Option<(usize, f64)> {
    receptors.iter().enumerate().find_map(|(r, rec)| {
        if rec.excitatory == port {
            Some((r, 1.0))
        } else if rec.inhibitory == Some(port) {
            Some((r, -1.0))
        } else {
            None
        }
    })
}

/// The index of the spike port `name` (the first spike port for `None`) among `ports`.
pub fn spike_port(ports: &[PortInfo], name: Option<&str>) -> Result<usize, String> {
    let spike: Vec<(usize, &PortInfo)> = ports.iter().enumerate().filter(|(_, p)| p.kind == PortKind::Spike).collect();
    let names = || spike.iter().map(|(_, p)| p.name).collect::<Vec<_>>().join(", ");
    match name {
        None => spike.first().map(|(i, _)| *i).ok_or_else(|| "the model has no spike input port".to_string()),
        Some(n) => spike.iter().find(|(_, p)| p.name == n).map(|(i, _)| *i).ok_or_else(|| format!("the model has no spike input port `{n}` (its spike ports: {})", names())),
    }
}

/// Schedules the currents on continuous port 0: at every start and stop the sum of the
/// currents active from then on.
pub fn schedule_currents(driver: &mut Driver, currents: &[Current]) {
    let mut bounds: Vec<f64> = currents.iter().flat_map(|c| [c.start, c.stop]).filter(|t| t.is_finite()).collect();
    bounds.sort_by(f64::total_cmp);
    bounds.dedup();
    for t in bounds {
        let total: f64 = currents.iter().filter(|c| c.start <= t && t < c.stop).map(|c| c.amplitude).sum();
        driver.current_by_ms(t, 0, total);
    }
}

/// Schedules a Poisson train of `rate` (per ms) with `weight` on `receptor` over `n_steps`
/// steps of `h` ms: per step a Poisson number of spikes, from `rng`.
pub fn schedule_poisson(driver: &mut Driver, rng: &mut NestmlRng, rate: f64, weight: f64, receptor: usize, n_steps: i64, h: f64) {
    for k in 0..n_steps {
        if let Some(n) = rng.poisson(rate * h) {
            if n > 0 {
                driver.spike_with_multiplicity(k, receptor, weight, n as u32);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inputs_parse_with_units() {
        assert_eq!(parse_current("500pA", Some("pA")), Ok(Current { amplitude: 500.0, start: 0.0, stop: f64::INFINITY }));
        assert_eq!(parse_current("0.5nA@100ms..0.6s", Some("pA")), Ok(Current { amplitude: 500.0, start: 100.0, stop: 600.0 }));
        assert!(parse_current("500mV", Some("pA")).unwrap_err().contains("pA"));
        assert!(parse_current("500pA@600ms..100ms", Some("pA")).is_err());
        assert_eq!(parse_times("30, 10,20ms"), Ok(vec![10.0, 20.0, 30.0]));
        assert_eq!(parse_times("0.01s,20ms"), Ok(vec![10.0, 20.0]));
        assert_eq!(parse_times("5,7"), Ok(vec![5.0, 7.0]));
        assert!(parse_times("10,-2ms").is_err());
        assert_eq!(parse_poisson("8000Hz:87.8pA"), Ok((8.0, 87.8)));
        assert!(parse_poisson("8000ms:1").is_err());
        let receptors = [Receptor { excitatory: 0, inhibitory: Some(1) }, Receptor::single(2)];
        assert_eq!(receptor_of(&receptors, 1), Some((0, -1.0)));
        assert_eq!(receptor_of(&receptors, 2), Some((1, 1.0)));
    }
}
