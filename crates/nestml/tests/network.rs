//! Networks of generated neurons and synapses (`nestml::network`): timing against the
//! single-neuron `Driver`, thread-count invariance, split simulation, faults, plastic
//! connections.

use nestml::network::{ConnSpec, Generator, Network, NetworkError, Rule, SynapseSpec, Value};
use nestml::{Driver, Neuron, Resolution};

mod models {
    nestml::include_nestml!("../../../shared/nestml-models/neurons/iaf_psc_exp_neuron.nestml");
    nestml::include_nestml!("../../../shared/nestml-models/neurons/iaf_psc_delta_neuron.nestml");
    nestml::include_nestml!("../../../shared/nestml-models/synapses/static_synapse.nestml");
    nestml::include_nestml!("../../../shared/nestml-models/synapses/stdp_synapse.nestml");
}
use models::{IafPscDeltaNeuron, IafPscExpNeuron, StaticSynapse, StdpSynapse};

/// A spike generator through a network connection reaches a neuron exactly when the driver
/// delivers a NEST spike sent at `s` with delay `d` (`spike_by_ms(s + d)`): identical V_m.
#[test]
fn spike_generator_timing_matches_the_driver() {
    let times = [2.0, 5.3, 5.3, 11.1];
    let mut net = Network::new(0.1, 1).unwrap();
    let p = net.create(IafPscExpNeuron::default(), 1);
    let g = net.device(Generator::SpikeGenerator { spike_times: times.to_vec() }).unwrap();
    net.drive(g, p, 250.0, 1.5, "exc_spikes").unwrap();
    let m = net.multimeter(p, &["V_m"], 0.1).unwrap();
    net.simulate(20.0).unwrap();
    let got = net.multimeter_data(m).unwrap().trace("V_m", 0).unwrap();

    let mut n = IafPscExpNeuron::default();
    let mut d = Driver::new(Resolution::from_ms(0.1).unwrap(), 1);
    for t in times {
        d.spike_by_ms(t + 1.5, 0, 250.0);
    }
    d.record(&["V_m"]);
    let want = d.run(&mut n, 200).unwrap();
    assert_eq!(got, want.column("V_m").unwrap());
    assert!(got.iter().any(|&v| v > -70.0 + 1e-3));
}

/// A chain: neuron 0 driven to fire, each neuron excites the next strongly enough to fire
/// once, so spikes travel down the chain one delay (plus the rise to threshold) apart.
#[test]
fn spikes_travel_along_a_chain_with_the_delays() {
    let mut net = Network::new(0.1, 1).unwrap();
    let first = net.create(IafPscDeltaNeuron::default(), 1);
    let rest = net.create(IafPscDeltaNeuron::default(), 4);
    let g = net.device(Generator::SpikeGenerator { spike_times: vec![10.0] }).unwrap();
    net.drive(g, first, 100.0, 1.0, "spikes").unwrap();
    net.connect::<StaticSynapse>(first, rest, ConnSpec::from(Rule::FixedTotalNumber { n: 1 }), SynapseSpec::new(100.0, 2.0)).unwrap();
    net.connect::<StaticSynapse>(rest, rest, Rule::OneToOne.into(), SynapseSpec::new(0.0, 1.0)).unwrap();
    let r = net.spike_recorder(&[first, rest]);
    net.simulate(30.0).unwrap();
    let events = &net.recorder(r).unwrap().events;
    // iaf_psc_delta jumps by the weight in the step the spike arrives and fires at its end
    assert_eq!(events[0], (0.001 * 11000.0, 0, 0));
    assert_eq!(events.len(), 2, "{events:?}");
    assert_eq!(events[1].0, 0.001 * 13000.0);
}

/// A recurrent network with Poisson drive and plastic synapses, built and run with `threads`
/// threads; returns its spikes and final weights.
fn recurrent(threads: usize, split: bool) -> (Vec<(f64, usize, usize)>, Vec<f64>) {
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
    pool.install(|| {
        let mut net = Network::new(0.1, 7).unwrap();
        let exc = net.create(IafPscExpNeuron::default(), 600);
        net.set(exc, "V_m", Value::Uniform { low: -70.0, high: -55.0 }).unwrap();
        let drive = net.device(Generator::PoissonGenerator { rate: 9000.0, start: 0.0, stop: 1e9 }).unwrap();
        net.drive(drive, exc, 40.0, 1.0, "exc_spikes").unwrap();
        let spec = SynapseSpec::<StdpSynapse>::new(Value::Normal { mean: 30.0, std: 5.0 }, Value::Uniform { low: 1.0, high: 3.0 }).state("w", Value::Normal { mean: 30.0, std: 5.0 });
        let stdp = net.connect(exc, exc, ConnSpec::from(Rule::FixedIndegree { indegree: 50 }).autapses(false), spec).unwrap();
        let r = net.spike_recorder(&[exc]);
        if split {
            net.simulate(30.0).unwrap();
            net.simulate(45.3).unwrap();
            net.simulate(24.7).unwrap();
        } else {
            net.simulate(100.0).unwrap();
        }
        let weights = net.connections(Some(stdp)).iter().map(|c| c.weight).collect();
        (net.recorder(r).unwrap().events.clone(), weights)
    })
}

#[test]
fn same_seed_same_spikes_and_weights_for_any_thread_count_and_split() {
    let (spikes, weights) = recurrent(1, false);
    assert!(spikes.len() > 500, "{} spikes", spikes.len());
    assert_eq!(weights.len(), 600 * 50);
    assert!(weights.iter().any(|&w| (w - weights[0]).abs() > 1e-9));
    for (threads, split) in [(2, false), (3, false), (1, true), (2, true)] {
        let (s, w) = recurrent(threads, split);
        assert!(s == spikes, "{threads} threads, split {split}: spikes differ");
        assert!(w == weights, "{threads} threads, split {split}: weights differ");
    }
}

/// A fault names population, neuron, model, variable and time; what was recorded is kept.
#[test]
fn a_neuron_fault_stops_the_run_and_keeps_the_recordings() {
    let mut net = Network::new(0.1, 1).unwrap();
    let p = net.create(IafPscExpNeuron::default(), 300);
    net.set(p, "I_e", 500.0.into()).unwrap();
    let r = net.spike_recorder(&[p]);
    let g = net.device(Generator::SpikeGenerator { spike_times: vec![50.0] }).unwrap();
    net.drive(g, p, f64::NAN, 1.0, "exc_spikes").unwrap();
    let err = net.simulate(100.0).unwrap_err();
    let NetworkError::Fault { population: Some(0), neuron: Some(0), fault } = &err else { panic!("{err}") };
    assert_eq!(fault.model, "iaf_psc_exp_neuron");
    // the NaN weight arrives in the step ending at 50 + 1 ms
    assert!((fault.t - 51.0).abs() < 1e-9, "{err}");
    assert_eq!(err.to_string(), "population 0, neuron 0: iaf_psc_exp_neuron: I_syn_inh became NaN at t = 51 ms");
    assert!(!net.recorder(r).unwrap().events.is_empty(), "spikes before the fault are kept");
    assert!(net.time() > 50.0);
}

#[test]
fn setup_errors_are_reported() {
    let mut net = Network::new(0.1, 1).unwrap();
    let p = net.create(IafPscExpNeuron::default(), 3);
    assert!(net.set(p, "nope", 1.0.into()).is_err());
    assert!(net.set(p, "V_m", Value::Normal { mean: 0.0, std: -1.0 }).is_err());
    assert!(net.connect::<StaticSynapse>(p, p, Rule::AllToAll.into(), SynapseSpec::new(1.0, 0.01)).is_err(), "delay below one step");
    assert!(net.connect::<StaticSynapse>(p, p, Rule::AllToAll.into(), SynapseSpec::new(1.0, 1.0).port("dendrite")).is_err());
    assert!(net.multimeter(p, &["V_x"], 1.0).is_err());
    let g = net.device(Generator::DcGenerator { amplitude: 1.0, start: 0.0, stop: 1.0 }).unwrap();
    assert!(net.drive(g, p, 1.0, 1.0, "exc_spikes").is_err(), "a current needs a continuous port");
    assert!(net.simulate(0.05).is_err());
    assert_eq!(net.len(p), 3);
    assert_eq!(IafPscExpNeuron::NAME, "iaf_psc_exp_neuron");
}

/// Dopamine-modulated STDP in a network: a volume transmitter collects the spikes of a
/// dopaminergic population; the synapses' eligibility turns into weight change only with it.
#[test]
fn volume_transmitter_drives_neuromodulated_plasticity() {
    mod dopa {
        nestml::include_nestml!("../../../shared/nestml-models/synapses/neuromodulated_stdp_synapse.nestml");
    }
    let run = |dopamine: bool| {
        let mut net = Network::new(0.1, 3).unwrap();
        let pre = net.create(IafPscExpNeuron::default(), 20);
        let post = net.create(IafPscExpNeuron::default(), 20);
        let da = net.create(IafPscExpNeuron::default(), 5);
        net.set(pre, "I_e", 420.0.into()).unwrap();
        net.set(post, "I_e", 400.0.into()).unwrap();
        net.set(da, "I_e", if dopamine { 450.0 } else { 0.0 }.into()).unwrap();
        let vt = net.volume_transmitter(&[da], 1.0);
        let spec = SynapseSpec::<dopa::NeuromodulatedStdpSynapse>::new(50.0, 1.0).modulation(vt);
        let proj = net.connect(pre, post, Rule::AllToAll.into(), spec).unwrap();
        assert!(net.connect::<dopa::NeuromodulatedStdpSynapse>(pre, post, Rule::AllToAll.into(), SynapseSpec::new(1.0, 1.0)).is_err(), "no volume transmitter");
        net.simulate(300.0).unwrap();
        let conns = net.connections(Some(proj));
        assert_eq!(conns.len(), 400);
        let csv = nestml::network::ConnectionInfo::to_csv(&conns);
        assert_eq!(csv.lines().count(), 401);
        assert!(net.connection_get(proj, 0, "c").unwrap().abs() > 0.0, "eligibility trace");
        conns.iter().map(|c| (c.weight - 50.0).abs()).fold(0.0, f64::max)
    };
    assert_eq!(run(false), 0.0, "no dopamine, no weight change");
    assert!(run(true) > 1e-6);
}

/// A synapse with a continuous port reads the target neuron's variable it is bound to: the
/// third-factor rule gates plasticity by it, so a variable that stays 0 freezes the weights.
#[test]
fn continuous_ports_read_the_bound_neuron_variable() {
    mod third {
        nestml::include_nestml!("../../../shared/tutorial-models/third_factor_stdp_synapse.nestml");
    }
    use third::ThirdFactorStdpSynapse as Third;
    let run_split = |variable: &str, split: bool| -> Result<Vec<f64>, NetworkError> {
        let mut net = Network::new(0.1, 5).unwrap();
        let pre = net.create(IafPscExpNeuron::default(), 10);
        let post = net.create(IafPscExpNeuron::default(), 10);
        net.set(pre, "I_e", 420.0.into())?;
        net.set(post, "I_e", 400.0.into())?;
        let spec = SynapseSpec::<Third>::new(50.0, 1.0).bind("I_post_dend", variable);
        let proj = net.connect(pre, post, Rule::AllToAll.into(), spec)?;
        if split {
            net.simulate(77.7)?;
            net.simulate(122.3)?;
        } else {
            net.simulate(200.0)?;
        }
        Ok(net.connections(Some(proj)).iter().map(|c| c.weight).collect())
    };
    let run = |variable: &str| run_split(variable, false).map(|w| w.iter().map(|w| (w - 50.0).abs()).fold(0.0, f64::max));
    assert_eq!(run_split("I_syn_exc", true).unwrap(), run_split("I_syn_exc", false).unwrap(), "split simulate reads the same values");
    assert_eq!(run("I_syn_inh").unwrap(), 0.0, "no inhibitory input: the gate stays closed");
    assert!(run("I_syn_exc").unwrap() > 1e-6, "the plastic input itself opens the gate");
    let err = run("V_m").unwrap_err().to_string();
    assert_eq!(err, "third_factor_stdp_synapse onto iaf_psc_exp_neuron: port `I_post_dend` (pA) reads `V_m`, which is in mV");
    assert!(run("I_dend").unwrap_err().to_string().contains("which the neuron does not have"));
    let mut net = Network::new(0.1, 5).unwrap();
    let p = net.create(IafPscExpNeuron::default(), 2);
    let unbound = net.connect::<Third>(p, p, Rule::AllToAll.into(), SynapseSpec::new(1.0, 1.0));
    assert!(unbound.unwrap_err().to_string().contains("is not bound"));
}

/// A saved network loaded into the same network built anew continues bit for bit: spikes and
/// weights after `load` equal those of the run that went on (hh_psc_alpha with its adaptive
/// RKF45 step, Poisson drive, STDP, a save in the middle of a min-delay interval).
#[test]
fn save_and_load_continue_a_run_exactly() {
    mod hh {
        nestml::include_nestml!("../../../shared/nestml-models/neurons/hh_psc_alpha_neuron.nestml");
    }
    let build = |n: usize| {
        let mut net = Network::new(0.1, 11).unwrap();
        let a = net.create(hh::HhPscAlphaNeuron::default(), n);
        let b = net.create(IafPscExpNeuron::default(), n);
        net.set(a, "V_m", Value::Uniform { low: -70.0, high: -60.0 }).unwrap();
        let drive = net.device(Generator::PoissonGenerator { rate: 50_000.0, start: 0.0, stop: f64::INFINITY }).unwrap();
        net.drive(drive, a, 25.0, 1.0, "exc_spikes").unwrap();
        net.set(b, "I_e", 380.0.into()).unwrap();
        let stdp = net.connect(a, b, ConnSpec::from(Rule::FixedIndegree { indegree: 5 }), SynapseSpec::<StdpSynapse>::new(Value::Uniform { low: 100.0, high: 300.0 }, Value::Uniform { low: 1.0, high: 2.0 })).unwrap();
        let r = net.spike_recorder(&[a, b]);
        (net, stdp, r)
    };
    let (mut first, stdp, r) = build(20);
    first.simulate(40.3).unwrap();
    let saved = first.save().unwrap();
    let before = first.recorder(r).unwrap().events.len();
    first.simulate(60.0).unwrap();
    let tail: Vec<_> = first.recorder(r).unwrap().events[before..].to_vec();
    assert!(tail.len() > 20, "{} spikes", tail.len());

    let path = std::env::temp_dir().join(format!("nestml-checkpoint-{}.bin", std::process::id()));
    let (mut via_file, _, _) = build(20);
    via_file.load(&saved).unwrap();
    via_file.save_to(&path).unwrap();
    let (mut second, _, r2) = build(20);
    second.load_from(&path).unwrap();
    let _ = std::fs::remove_file(&path);
    assert!((second.time() - 40.3).abs() < 1e-9);
    second.simulate(60.0).unwrap();
    assert!(second.recorder(r2).unwrap().events == tail, "the loaded run continues with the same spikes");
    let weights = |net: &Network| net.connections(Some(stdp)).iter().map(|c| c.weight).collect::<Vec<_>>();
    assert!(weights(&second) == weights(&first));

    let (mut other, _, _) = build(21);
    let err = other.load(&saved).unwrap_err().to_string();
    assert!(err.contains("checkpoint does not fit"), "{err}");
    assert!(first.load(&saved[..saved.len() - 1]).is_err(), "truncated");
}

/// A small Brunel network (iaf_psc_delta, static synapses of one weight per projection,
/// Poisson drive), built and run with `threads` threads; `dense` writes one connection's
/// weight (unchanged) before the run, so that its projection's connections are stored one by
/// one again (one connection in each chunk of 64 targets).
fn brunel(threads: usize, dense: bool) -> (Network, usize, usize, nestml::network::SpikeRecorderId) {
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
    pool.install(|| {
        let mut net = Network::new(0.1, 5).unwrap();
        let exc = net.create(IafPscDeltaNeuron::default(), 400);
        let inh = net.create(IafPscDeltaNeuron::default(), 100);
        let drive = net.device(Generator::PoissonGenerator { rate: 20_000.0, start: 0.0, stop: f64::INFINITY }).unwrap();
        let mut projections = Vec::new();
        for p in [exc, inh] {
            net.drive(drive, p, 0.1, 1.5, "spikes").unwrap();
            projections.push(net.connect(exc, p, Rule::FixedIndegree { indegree: 40 }.into(), SynapseSpec::<StaticSynapse>::new(0.4, 1.5)).unwrap());
            projections.push(net.connect(inh, p, Rule::FixedIndegree { indegree: 10 }.into(), SynapseSpec::<StaticSynapse>::new(-2.0, 1.5)).unwrap());
        }
        let r = net.spike_recorder(&[exc, inh]);
        net.simulate(0.0).unwrap();
        if dense {
            for c in (3..400 * 40).step_by(64 * 40) {
                net.connection_set(projections[0], c, "w", 0.4).unwrap();
            }
        }
        (net, projections[0], projections[1], r)
    })
}

/// Static connections of one weight are stored once per chunk (NEST's
/// `static_synapse_hom_w`, found rather than declared): about 2 bytes per connection instead
/// of 10; the same spikes as the same connections stored one by one, for any number of
/// threads; their weights read and written one by one; a checkpoint continues exactly.
#[test]
fn static_connections_of_one_weight_are_stored_once() {
    let (mut shared, e, i, r) = brunel(1, false);
    let (mut dense, _, _, rd) = brunel(1, true);
    let (n, bytes) = shared.connection_memory();
    assert_eq!(n, 500 * 50);
    assert!((bytes as f64) < 3.0 * n as f64, "{bytes} bytes for {n} connections");
    let (_, dense_bytes) = dense.connection_memory();
    assert!(dense_bytes >= bytes + 400 * 40 * 8, "{dense_bytes} bytes stored one by one");
    assert_eq!(dense.connections(None), shared.connections(None));

    shared.simulate(60.0).unwrap();
    dense.simulate(60.0).unwrap();
    let spikes = shared.recorder(r).unwrap().events.clone();
    assert!(spikes.len() > 500, "{} spikes", spikes.len());
    assert!(spikes == dense.recorder(rd).unwrap().events, "shared and per-connection weights give the same spikes");
    for threads in [2, 3] {
        let (mut net, _, _, rt) = brunel(threads, false);
        rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap().install(|| net.simulate(60.0).unwrap());
        assert!(net.recorder(rt).unwrap().events == spikes, "{threads} threads");
    }

    // weights one by one
    let weights = shared.connections(Some(i));
    assert_eq!(weights.len(), 400 * 10);
    assert!(weights.iter().all(|c| c.weight == -2.0 && (c.delay_ms - 1.5).abs() < 1e-9));
    assert_eq!(shared.connection_get(e, 7, "w"), Some(0.4));
    assert_eq!(shared.connection_get(e, 400 * 40, "w"), None);
    shared.connection_set(i, 7, "w", -3.0).unwrap();
    let after = shared.connections(Some(i));
    assert_eq!(after[7].weight, -3.0);
    assert!(after.iter().enumerate().all(|(c, x)| c == 7 || x.weight == -2.0));
    assert!(shared.connection_set(i, 400 * 10, "w", 1.0).is_err());

    // a checkpoint of shared and per-connection weights continues exactly
    let saved = shared.save().unwrap();
    let before = shared.recorder(r).unwrap().events.len();
    shared.simulate(40.0).unwrap();
    let tail = shared.recorder(r).unwrap().events[before..].to_vec();
    let (mut loaded, _, _, rl) = brunel(1, false);
    loaded.load(&saved).unwrap();
    loaded.simulate(40.0).unwrap();
    assert!(loaded.recorder(rl).unwrap().events == tail, "the loaded run continues with the same spikes");
    assert_eq!(loaded.connections(Some(i))[7].weight, -3.0);
    assert_eq!(loaded.connection_memory(), shared.connection_memory());
}
