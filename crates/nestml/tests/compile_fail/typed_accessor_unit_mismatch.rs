// The typed accessors take uom quantities: a potential is not a time.
use nestml::uom::si::electric_potential::millivolt;
use nestml::uom::si::f64::ElectricPotential;

nestml::nestml!(r#"
model leak_neuron:
    state:
        V_m mV = -70 mV
    equations:
        V_m' = -V_m / tau_m
    parameters:
        tau_m ms = 10 ms
    update:
        integrate_odes()
"#);

fn main() {
    let mut n = LeakNeuron::default();
    let _ = n.set_tau_m(ElectricPotential::new::<millivolt>(10.0));
}
