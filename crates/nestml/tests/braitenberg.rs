//! The robotics example (`examples/braitenberg.rs`): spiking neurons in a 1 kHz control loop
//! steer a vehicle. Crossed wiring (Braitenberg's 2b) reaches the light from every start; the
//! same vehicle with uncrossed wiring (2a) never comes close.

#[path = "../examples/braitenberg.rs"]
#[allow(dead_code)]
mod braitenberg;

use braitenberg::{drive, Wiring, LIGHT};
use nestml::uom::si::time::second;

/// Starts (x, y, heading) from which the light is within the sensors' field of view.
const STARTS: [(f64, f64, f64); 4] = [(0.0, 0.0, -0.5), (0.0, 0.0, 1.5), (3.5, 0.0, 2.0), (0.5, 3.0, -0.5)];

#[test]
fn the_crossed_vehicle_reaches_the_light_from_every_start() {
    for start in STARTS {
        let trip = drive(start, Wiring::Crossed, 30.0).unwrap();
        let at = trip.arrived.unwrap_or_else(|| panic!("from {start:?}: never arrived; last {:?}", trip.samples.last()));
        assert!(at.get::<second>() < 20.0, "from {start:?}: arrived only after {:?}", at);
    }
}

#[test]
fn the_uncrossed_vehicle_turns_away() {
    for start in STARTS {
        let trip = drive(start, Wiring::Uncrossed, 30.0).unwrap();
        assert!(trip.arrived.is_none(), "from {start:?}");
        let closest = trip.samples.iter().map(|s| (s.1 - LIGHT.0).hypot(s.2 - LIGHT.1)).fold(f64::INFINITY, f64::min);
        let first = (start.0 - LIGHT.0).hypot(start.1 - LIGHT.1);
        assert!(closest > 0.5 * first.min(1.0), "from {start:?}: came within {closest:.2} m");
    }
}
