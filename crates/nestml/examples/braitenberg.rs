//! A Braitenberg vehicle steering toward a light: two light sensors feed two spiking neurons
//! (the NESTML library's `iaf_psc_exp_neuron`) through their current input, and each neuron's
//! firing rate drives the wheel on the other side (vehicle 2b, "aggression": crossed excitation
//! turns the vehicle toward the light and speeds it up as it gets closer). A fixed-rate control
//! loop (1 kHz) reads the sensors, hands each neuron its sensor current as a typed quantity
//! (`ElectricCurrent`), steps the neurons over the tick (10 steps of 0.1 ms) and turns their
//! spikes into wheel speeds. With uncrossed wiring (vehicle 2a, "fear") the same vehicle turns
//! away. Writes `braitenberg_path.svg` (the paths of both) and `braitenberg_rates.svg` (the motor
//! neurons' rates of the crossed one) into OUTPUT_DIR (default `target/example-output`).
//!
//! ```sh
//! cargo run -p nestml --example braitenberg [-- OUTPUT_DIR]
//! ```

mod plot;

use nestml::uom::si::electric_current::picoampere;
use nestml::uom::si::f64::{ElectricCurrent, Time};
use nestml::uom::si::time::millisecond;
use nestml::{NestmlRng, Neuron, Resolution, StepContext};
use plot::{Dots, Line, Panel, Plot};
use std::error::Error;
use std::path::PathBuf;

nestml::include_nestml!("../../../shared/nestml-models/neurons/iaf_psc_exp_neuron.nestml");

/// Where the light is (m).
pub const LIGHT: (f64, f64) = (2.0, 1.5);
/// The vehicle has arrived within this distance of the light (m).
pub const ARRIVED: f64 = 0.1;
/// Control period and neuron resolution.
const TICK_MS: f64 = 1.0;
const H_MS: f64 = 0.1;
/// Sensors: angle off the heading (rad) and distance ahead of the axle (m).
const SENSOR_ANGLE: f64 = 0.6;
const SENSOR_AHEAD: f64 = 0.05;
/// Sensor current: a bias just above the neuron's rheobase (375 pA) plus the light.
const BIAS_PA: f64 = 380.0;
const LIGHT_PA: f64 = 600.0;
/// Wheel speed per Hz of the motor neuron (m/s), axle length (m), rate filter (ms).
const SPEED_PER_HZ: f64 = 0.004;
const AXLE: f64 = 0.1;
const RATE_TAU_MS: f64 = 100.0;

/// How the sensors reach the motors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wiring {
    /// Left sensor to right wheel and vice versa (Braitenberg's vehicle 2b): approaches.
    Crossed,
    /// Each sensor to the wheel on its own side (vehicle 2a): turns away.
    Uncrossed,
}

/// A trip: samples every 10 ms of (time s, x m, y m, left rate Hz, right rate Hz), and when the
/// vehicle arrived, if it did.
pub struct Trip {
    pub samples: Vec<(f64, f64, f64, f64, f64)>,
    pub arrived: Option<Time>,
}

/// The light a sensor at `(x, y)` looking along `dir` sees: falls off with distance, zero
/// behind it.
fn brightness(x: f64, y: f64, dir: f64) -> f64 {
    let (dx, dy) = (LIGHT.0 - x, LIGHT.1 - y);
    let d2 = dx * dx + dy * dy;
    let facing = ((dx * dir.cos() + dy * dir.sin()) / d2.sqrt()).max(0.0);
    facing / (1.0 + d2)
}

/// One motor neuron with its rate estimate (spikes filtered with `RATE_TAU_MS`).
struct Motor {
    neuron: IafPscExpNeuron,
    rate_hz: f64,
}

impl Motor {
    /// Runs the neuron over one control tick with the sensor current `current`.
    fn tick(&mut self, current: ElectricCurrent, res: &Resolution, first_step: i64, rng: &mut NestmlRng) -> Result<(), nestml::Fault> {
        let steps = (TICK_MS / H_MS).round() as i64;
        for k in first_step..first_step + steps {
            // continuous input arriving for step k is used from step k + 1 on, as in NEST
            self.neuron.handle_current(0, current.get::<picoampere>());
            let out = self.neuron.step(&mut StepContext::new(res, k, rng))?;
            self.rate_hz *= (-H_MS / RATE_TAU_MS).exp();
            self.rate_hz += f64::from(out.spikes) * 1000.0 / RATE_TAU_MS;
        }
        Ok(())
    }
}

/// Drives a vehicle from `(x, y, heading)` for at most `seconds`.
pub fn drive(start: (f64, f64, f64), wiring: Wiring, seconds: f64) -> Result<Trip, Box<dyn Error>> {
    let res = Resolution::from_ms(H_MS)?;
    let mut rng = NestmlRng::seed_from_u64(1);
    let mut motors = [(); 2].map(|_| Motor { neuron: IafPscExpNeuron::default(), rate_hz: 0.0 });
    for m in &mut motors {
        m.neuron.init_buffers(&res);
        m.neuron.calibrate(&res)?;
    }
    let (mut x, mut y, mut heading) = start;
    let mut trip = Trip { samples: Vec::new(), arrived: None };
    let ticks = (seconds * 1000.0 / TICK_MS) as i64;
    for tick in 0..ticks {
        let t = Time::new::<millisecond>(tick as f64 * TICK_MS);
        // sensors: left (+angle) and right (-angle) of the heading
        let sensor = |side: f64| {
            let dir = heading + side * SENSOR_ANGLE;
            let light = brightness(x + SENSOR_AHEAD * dir.cos(), y + SENSOR_AHEAD * dir.sin(), dir);
            ElectricCurrent::new::<picoampere>(BIAS_PA + LIGHT_PA * light)
        };
        let (left, right) = (sensor(1.0), sensor(-1.0));
        let first_step = tick * (TICK_MS / H_MS).round() as i64;
        motors[0].tick(left, &res, first_step, &mut rng)?;
        motors[1].tick(right, &res, first_step, &mut rng)?;
        let (left_hz, right_hz) = (motors[0].rate_hz, motors[1].rate_hz);
        let (v_left, v_right) = match wiring {
            Wiring::Crossed => (SPEED_PER_HZ * right_hz, SPEED_PER_HZ * left_hz),
            Wiring::Uncrossed => (SPEED_PER_HZ * left_hz, SPEED_PER_HZ * right_hz),
        };
        let dt = TICK_MS / 1000.0;
        heading += (v_right - v_left) / AXLE * dt;
        x += 0.5 * (v_left + v_right) * heading.cos() * dt;
        y += 0.5 * (v_left + v_right) * heading.sin() * dt;
        if tick % 10 == 0 {
            trip.samples.push((tick as f64 * TICK_MS / 1000.0, x, y, left_hz, right_hz));
        }
        if (x - LIGHT.0).hypot(y - LIGHT.1) < ARRIVED {
            trip.arrived = Some(t);
            break;
        }
    }
    Ok(trip)
}

fn main() -> Result<(), Box<dyn Error>> {
    let out_dir = std::env::args().nth(1).map(PathBuf::from).unwrap_or_else(|| PathBuf::from("target/example-output"));
    std::fs::create_dir_all(&out_dir)?;
    let start = (0.0, 0.0, -0.5);
    let crossed = drive(start, Wiring::Crossed, 30.0)?;
    let uncrossed = drive(start, Wiring::Uncrossed, 30.0)?;
    for (name, trip) in [("crossed (2b)", &crossed), ("uncrossed (2a)", &uncrossed)] {
        let &(t, x, y, ..) = trip.samples.last().unwrap();
        match trip.arrived {
            Some(at) => println!("{name}: reached the light after {:.2} s", at.get::<millisecond>() / 1000.0),
            None => println!("{name}: did not reach the light in {t:.1} s; ended at ({x:.2}, {y:.2}) m"),
        }
    }
    let path = |trip: &Trip| trip.samples.iter().map(|s| (s.1, s.2)).collect();
    let xs = crossed.samples.iter().chain(&uncrossed.samples).map(|s| s.1).chain([LIGHT.0, start.0]);
    let (x_min, x_max) = xs.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(v), b.max(v)));
    let map = Plot {
        title: "Braitenberg vehicles and a light: crossed (red) approaches, uncrossed (grey) turns away".into(),
        x_label: "x (m)".into(),
        x_range: (x_min - 0.1, x_max + 0.1),
        width: 600.0,
        panels: vec![Panel {
            lines: vec![Line { points: path(&crossed), color: "#c0392b", dashed: false }, Line { points: path(&uncrossed), color: "#888888", dashed: true }],
            dots: vec![Dots { points: vec![LIGHT], color: "#f1c40f", radius: 8.0 }, Dots { points: vec![(start.0, start.1)], color: "#2c3e50", radius: 4.0 }],
            legend: vec![("#c0392b", "crossed (2b)".into()), ("#888888", "uncrossed (2a)".into()), ("#f1c40f", "light".into())],
            ..Panel::new("y (m)", 450.0)
        }],
    };
    std::fs::write(out_dir.join("braitenberg_path.svg"), map.to_svg())?;
    let t_end = crossed.samples.last().map_or(1.0, |s| s.0);
    let rates = Plot {
        title: "Motor neurons of the crossed vehicle".into(),
        x_label: "time (s)".into(),
        x_range: (0.0, t_end),
        width: 600.0,
        panels: vec![Panel {
            lines: vec![
                Line { points: crossed.samples.iter().map(|s| (s.0, s.3)).collect(), color: "#2980b9", dashed: false },
                Line { points: crossed.samples.iter().map(|s| (s.0, s.4)).collect(), color: "#27ae60", dashed: false },
            ],
            legend: vec![("#2980b9", "left sensor's neuron".into()), ("#27ae60", "right sensor's neuron".into())],
            ..Panel::new("rate (Hz)", 250.0)
        }],
    };
    std::fs::write(out_dir.join("braitenberg_rates.svg"), rates.to_svg())?;
    println!("wrote {} and {}", out_dir.join("braitenberg_path.svg").display(), out_dir.join("braitenberg_rates.svg").display());
    Ok(())
}
