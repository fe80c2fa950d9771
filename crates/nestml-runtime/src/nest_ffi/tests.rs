use super::*;
use crate::neuron::example::ExampleIafPscExp;
use crate::synapse::example::{ExampleStdp, ExampleStdpParams};

fn text(s: Str) -> String {
    // SAFETY: the tables hand out 'static strings and the thread's last error.
    String::from_utf8(unsafe { std::slice::from_raw_parts(s.ptr, s.len) }.to_vec()).unwrap()
}

static NEURON: NeuronVTable = NeuronVTable::of::<ExampleIafPscExp>();
static SYNAPSE: SynapseVTable = SynapseVTable::of::<ExampleStdp>();

#[test]
fn a_neuron_through_the_table_steps_as_the_neuron_itself() {
    let n = (NEURON.create)();
    assert_eq!((NEURON.init_buffers)(n, 0.1, 1000.0, 7, 3), Status::Ok);
    assert_eq!((NEURON.calibrate)(n, 0.1, 1000.0), Status::Ok);
    let mut direct = ExampleIafPscExp::default();
    let res = Resolution::from_ms(0.1).unwrap();
    direct.init_buffers(&res);
    direct.calibrate(&res).unwrap();
    let mut rng = NestmlRng::with_stream(7, 3);
    let v_m = (0..NEURON.n_variables).find(|&i| text((NEURON.variable)(i).name) == "V_m").unwrap();
    assert_eq!(NEURON.input_width, 4 * NEURON.n_receptors + NEURON.n_continuous);
    for block in 0..20 {
        // ten steps per call, a spike of weight 300 and multiplicity 2 in the first
        let mut inputs = vec![0.0; 10 * NEURON.input_width];
        inputs[0] = 600.0;
        inputs[1] = 1.0;
        let mut spikes = [0u32; 10];
        assert_eq!((NEURON.run)(n, block * 10, 10, inputs.as_ptr(), spikes.as_mut_ptr()), Status::Ok);
        for k in 0..10 {
            if k == 0 {
                direct.handle_spike(0, 300.0, 2);
            }
            let out = direct.step(&mut StepContext::new(&res, block * 10 + k, &mut rng)).unwrap();
            assert_eq!(spikes[k as usize], out.spikes);
        }
        let mut v = 0.0;
        assert_eq!((NEURON.get)(n, v_m, 0, &mut v), Status::Ok);
        assert_eq!(v.to_bits(), direct.get_value(v_m, 0).unwrap().to_bits());
    }
    let copy = (NEURON.clone)(n);
    (NEURON.destroy)(n);
    (NEURON.destroy)(copy);
}

#[test]
fn a_rejected_value_is_a_bad_property_with_the_models_message() {
    let n = (NEURON.create)();
    let tau_m = (0..NEURON.n_variables).find(|&i| text((NEURON.variable)(i).name) == "tau_m").unwrap();
    assert_eq!((NEURON.set)(n, tau_m, 0, -1.0), Status::BadProperty);
    assert!(text(nestml_last_error()).contains("tau_m"), "{}", text(nestml_last_error()));
    assert_eq!((NEURON.set)(n, NEURON.n_variables + 1, 0, 1.0), Status::Unknown);
    (NEURON.destroy)(n);
}

#[test]
fn a_connection_in_words_sends_as_the_synapse_itself() {
    assert!(SYNAPSE.connection_bytes <= 9 * 8 && SYNAPSE.connection_align <= 8);
    assert_eq!(SYNAPSE.reads_post, 1);
    let mut words = [0u64; 9];
    let c = words.as_mut_ptr() as *mut c_void;
    (SYNAPSE.connection_init)(c);
    (SYNAPSE.set_weight)(c, 5.0);
    // parameters are per connection: `lambda` follows the state variables
    let lambda = (0..SYNAPSE.n_variables).find(|&i| text((SYNAPSE.variable)(i).name) == "lambda").unwrap();
    assert_eq!((SYNAPSE.connection_set)(c, lambda, 0.05), Status::Ok);
    let wmax = (0..SYNAPSE.n_variables).find(|&i| text((SYNAPSE.variable)(i).name) == "Wmax").unwrap();
    assert_eq!((SYNAPSE.connection_set)(c, wmax, -1.0), Status::BadProperty);
    let mut params = ExampleStdpParams::default();
    params.set("lambda", 0.05).unwrap();
    let mut direct = ExampleStdp::new(&params);
    direct.set_weight(5.0);
    let post_all = [3.0, 11.5, 12.0, 30.0];
    let mut rng = NestmlRng::seed_from_u64(1);
    let d = 1.0;
    for t in [10.0, 13.0, 40.0] {
        // the postsynaptic spikes NEST's get_history would hand over for this event
        let history = SpikeHistory::from_times(&post_all);
        let window: Vec<f64> = history.times()[history.window((SYNAPSE.t_last)(c) - d, t - d)].to_vec();
        let mut w = 0.0;
        let status = (SYNAPSE.send)(c, t, d, window.as_ptr(), window.len(), std::ptr::null(), 0, 1, 0, &mut w);
        let mut ev = SendContext { t_spike: t, delay: d, post: &history, modulation: None, inputs: &[], rng: &mut rng };
        let expected = direct.send(&params, &mut ev).unwrap();
        assert_eq!(status, Status::Ok);
        assert_eq!(w.to_bits(), expected.unwrap().to_bits());
    }
    for i in 0..ExampleStdp::VARIABLES.len() {
        let mut v = 0.0;
        assert_eq!((SYNAPSE.connection_get)(c, i, &mut v), Status::Ok);
        assert_eq!(v.to_bits(), direct.get_value(i).unwrap().to_bits());
    }
}

#[test]
fn a_panic_becomes_a_fault_status() {
    let status = guarded(|| panic!("boom"));
    assert_eq!(status, Status::Fault);
    assert!(text(nestml_last_error()).contains("boom"));
}
