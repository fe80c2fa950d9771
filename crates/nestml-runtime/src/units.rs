//! NEST-unit `f64` values ↔ [`uom`] quantities, for the typed accessors of generated neurons.
//!
//! A value in NEST's internal unit for its dimension (mV, ms, pA, nS, …) is `10^e` SI base
//! units for an integer `e` (`-3` for mV); generated code passes that power as the literal
//! `scale = 1e-3`. [`from_nest`] multiplies by it and [`to_nest`] divides by it, exactly as
//! uom's own `ElectricPotential::new::<millivolt>` and `get::<millivolt>` do, so values round
//! trip as they do through uom.

use core::marker::PhantomData;
use uom::si::{Dimension, Quantity, SI};
use uom::typenum::Z0;

/// A quantity of dimension `D` in uom's SI system with `f64` values.
pub type Si<D> = Quantity<D, SI<f64>, f64>;

/// The quantity whose value is `value` NEST units of `scale` SI base units each.
#[inline]
pub fn from_nest<D: Dimension + ?Sized>(value: f64, scale: f64) -> Si<D> {
    Quantity { dimension: PhantomData, units: PhantomData, value: value * scale }
}

/// The value of `q` in NEST units of `scale` SI base units each.
#[inline]
pub fn to_nest<D: Dimension + ?Sized>(q: Si<D>, scale: f64) -> f64 {
    q.value / scale
}

/// A value of any quantity type: the leaves of the `uom-check` shadow, which is type-checked
/// and never run.
pub fn any<D: Dimension + ?Sized>() -> Si<D> {
    from_nest(0.0, 1.0)
}

/// The number a dimensionless quantity is (in the shadow: uom's dimensionless quantities meet
/// plain numbers); any other quantity is a type error.
pub fn plain<T: Plain>(x: T) -> f64 {
    x.plain()
}

/// A math function of a plain number in the shadow (`exp`, `ln`, …: only their argument's
/// dimension matters there).
pub fn math(x: f64) -> f64 {
    x
}

/// Plain numbers and dimensionless quantities.
pub trait Plain {
    /// The value as a plain number.
    fn plain(self) -> f64;
}

impl Plain for f64 {
    fn plain(self) -> f64 {
        self
    }
}

impl Plain for Si<uom::si::ISQ<Z0, Z0, Z0, Z0, Z0, Z0, Z0>> {
    fn plain(self) -> f64 {
        self.value
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uom::si::electric_potential::millivolt;
    use uom::si::f64::ElectricPotential;
    use uom::si::ISQ;
    use uom::typenum::{N1, N3, P1, P2};

    type Potential = ISQ<P2, P1, N3, N1, Z0, Z0, Z0>;

    #[test]
    fn millivolts_round_trip_as_through_uom() {
        let v: Si<Potential> = from_nest(-70.0, 1e-3);
        let u: ElectricPotential = v;
        assert_eq!(u, ElectricPotential::new::<millivolt>(-70.0));
        assert_eq!(u.get::<millivolt>(), to_nest(u, 1e-3));
        assert_eq!(to_nest(ElectricPotential::new::<millivolt>(-65.5), 1e-3), -65.5);
    }
}
