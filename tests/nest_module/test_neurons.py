"""Our generated neurons as NEST nodes, against NEST 3.10's built-in models."""

import numpy as np
import pytest

# NEST built-in parameter <- NESTML parameter (tools/nest_reference.py has the same maps)
PSC_EXP = [("C_m", "C_m"), ("tau_m", "tau_m"), ("tau_syn_ex", "tau_syn_exc"),
           ("tau_syn_in", "tau_syn_inh"), ("t_ref", "refr_T"), ("E_L", "E_L"),
           ("V_reset", "V_reset"), ("V_th", "V_th"), ("I_e", "I_e")]
COND_EXP = [("C_m", "C_m"), ("g_L", "g_L"), ("E_L", "E_L"), ("t_ref", "refr_T"),
            ("V_th", "V_th"), ("V_reset", "V_reset"), ("E_ex", "E_exc"), ("E_in", "E_inh"),
            ("tau_syn_ex", "tau_syn_exc"), ("tau_syn_in", "tau_syn_inh"), ("I_e", "I_e")]
HH_PSC_ALPHA = [("C_m", "C_m"), ("g_Na", "g_Na"), ("g_K", "g_K"), ("g_L", "g_L"),
                ("E_Na", "E_Na"), ("E_K", "E_K"), ("E_L", "E_L"), ("t_ref", "refr_T"),
                ("tau_syn_ex", "tau_syn_exc"), ("tau_syn_in", "tau_syn_inh"), ("I_e", "I_e")]
HH_STATE = [("V_m", "V_m"), ("Act_m", "Act_m"), ("Inact_h", "Inact_h"), ("Act_n", "Act_n")]


def same_parameters(ours, builtin, pmap, state_map=()):
    """Sets the built-in neurons' parameters (and initial state) to our neurons' values."""
    status = ours[0].get([n for _, n in list(pmap) + list(state_map)])
    builtin.set({b: status[n] for b, n in list(pmap) + list(state_map)})


def spike_trains(nest, rec, nodes):
    ev = rec.events
    first = nodes[0].global_id
    trains = [[] for _ in range(len(nodes))]
    for s, t in zip(ev["senders"], ev["times"]):
        trains[s - first].append(t)
    return [np.array(sorted(t)) for t in trains]


def test_iaf_psc_exp_neuron_gives_the_spike_trains_of_nests_iaf_psc_exp(nest, main_module):
    """(a) 1,000 Poisson-driven neurons for 1 s: the same spikes, to the step, as the built-in."""
    nest.Install(main_module)
    nest.resolution = 0.1
    nest.rng_seed = 20261202
    n = 1000
    ours = nest.Create("iaf_psc_exp_neuron_nestml", n)
    builtin = nest.Create("iaf_psc_exp", n)
    same_parameters(ours, builtin, PSC_EXP)
    # one independent Poisson train per neuron and sign, shared by the two models via parrots
    exc = nest.Create("parrot_neuron", n)
    inh = nest.Create("parrot_neuron", n)
    nest.Connect(nest.Create("poisson_generator", params={"rate": 8000.0}), exc)
    nest.Connect(nest.Create("poisson_generator", params={"rate": 2000.0}), inh)
    for target in (ours, builtin):
        nest.Connect(exc, target, "one_to_one", syn_spec={"weight": 60.0, "delay": 1.0})
        nest.Connect(inh, target, "one_to_one", syn_spec={"weight": -120.0, "delay": 1.0})
    rec_ours = nest.Create("spike_recorder")
    rec_builtin = nest.Create("spike_recorder")
    nest.Connect(ours, rec_ours)
    nest.Connect(builtin, rec_builtin)
    nest.Simulate(1000.0)
    a = spike_trains(nest, rec_ours, ours)
    b = spike_trains(nest, rec_builtin, builtin)
    total = sum(len(t) for t in b)
    assert total > 10 * n, f"the drive should make the neurons fire ({total} spikes)"
    differing = [i for i in range(n) if not np.array_equal(a[i], b[i])]
    assert not differing, f"{len(differing)} of {n} spike trains differ, e.g. neuron {differing[0]}: " \
                          f"{a[differing[0]][:5]} vs {b[differing[0]][:5]}"


class Reinstalling:
    """NEST, with `module` installed again after every ResetKernel (for the scenario runner of
    tools/nest_reference.py, which resets the kernel for every run)."""

    def __init__(self, nest, module):
        self._nest, self._module = nest, module

    def ResetKernel(self):
        self._nest.ResetKernel()
        self._nest.Install(self._module)

    def __getattr__(self, name):
        return getattr(self._nest, name)


@pytest.mark.parametrize("ours_model,builtin_model,pmap,state_map,tol", [
    # the tolerances of crates/nestml/tests/nest_conformance.rs (V_m relative, every sample)
    ("hh_psc_alpha_neuron_gsl", "hh_psc_alpha", HH_PSC_ALPHA, HH_STATE, 1e-4),
    ("iaf_cond_exp_neuron_gsl", "iaf_cond_exp", COND_EXP, [], 2e-6),
])
@pytest.mark.parametrize("h", [0.1, 0.01])
def test_numeric_neurons_follow_their_builtins(nest, gsl_module, ours_model, builtin_model, pmap,
                                               state_map, tol, h):
    """(b) The conformance scenarios of our runtime (tools/nest_reference.py: spike trains with
    coincidences, a current step), V_m within the same tolerances, spikes identical."""
    import nest_reference as ref
    cfg = ref.MODELS[builtin_model]
    nest_ = Reinstalling(nest, gsl_module)
    nest_.ResetKernel()
    ours_defaults = nest.Create(ours_model).get()
    builtin_params = {b: ours_defaults[n] for b, n in pmap}
    # the initial state as NEST's model sets it (hh_psc_alpha: gates at rest for -65 mV), as
    # the conformance tests start our neuron
    builtin_state = nest.Create(builtin_model, params=builtin_params).get()
    ours_params = {n: builtin_state[b] for b, n in state_map}
    scenarios = {
        "subthreshold": dict(T=ref.T_SPIKE_SCENARIOS, spikes=(1.0, cfg["w_exc"], cfg["w_inh"])),
        "spiking": dict(T=ref.T_SPIKE_SCENARIOS, spikes=(cfg["spike_scale"], cfg["w_exc"], cfg["w_inh"])),
        "step_current": dict(T=ref.T_STEP, dc=cfg["step_amp"]),
    }
    worst = worst_any = 0.0
    for name, sc in scenarios.items():
        a = ref.run_nest(nest_, ours_model, ours_params, h, **sc)
        b = ref.run_nest(nest_, builtin_model, builtin_params, h, **sc)
        assert a["spike_times"] == b["spike_times"], f"{name}: spikes {a['spike_times']} vs {b['spike_times']}"
        # compared at the samples of the conformance fixtures (every 1 ms); all samples reported
        va, vb = np.array(a["V_m"]), np.array(b["V_m"])
        rel = np.abs(va - vb) / np.abs(vb)
        stride = round(1.0 / h)
        err = float(np.max(rel[stride - 1::stride]))
        assert err <= tol, f"{name} at h = {h}: V_m relative error {err:.3e} > {tol:.0e}"
        worst = max(worst, err)
        worst_any = max(worst_any, float(np.max(rel)))
    print(f"{ours_model} h = {h}: largest V_m relative error {worst:.2e} on the 1 ms grid "
          f"(tolerance {tol:.0e}), {worst_any:.2e} over every step")


def test_status_dictionaries_use_nestml_names_and_nest_units(nest, main_module):
    nest.Install(main_module)
    n = nest.Create("iaf_psc_exp_neuron_nestml")
    s = n.get()
    assert s["tau_m"] == 10.0 and s["C_m"] == 250.0 and s["V_m"] == -70.0
    assert set(s["recordables"]) >= {"V_m", "I_syn_exc", "I_syn_inh", "refr_t"}
    assert s["receptor_types"] == {"exc_spikes": 0, "inh_spikes": 0}
    n.set(tau_m=20.0, V_m=-60.0)
    assert n.get("tau_m") == 20.0 and n.get("V_m") == -60.0
    assert nest.GetDefaults("iaf_psc_exp_neuron_nestml")["tau_m"] == 10.0
    nest.SetDefaults("iaf_psc_exp_neuron_nestml", {"I_e": 100.0})
    assert nest.Create("iaf_psc_exp_neuron_nestml").get("I_e") == 100.0
    with pytest.raises(nest.NESTErrors.BadProperty, match="expected a number"):
        n.set(refr_T="x")
    with pytest.raises(nest.NESTErrors.UnaccessedDictionaryEntry, match="tau_mem"):
        n.set(tau_mem=1.0)


def test_a_guard_violation_is_nests_bad_property_naming_the_guard(nest, main_module):
    """(g) SetStatus with a negative tau_m: NEST's BadProperty with the guard; nothing changes."""
    nest.Install(main_module)
    n = nest.Create("guarded_neuron_nestml")
    with pytest.raises(nest.NESTErrors.BadProperty, match=r"tau_m.*guard `tau_m > 0`"):
        n.set(tau_m=-1.0, E_L=-60.0)
    assert n.get("tau_m") == 10.0 and n.get("E_L") == -70.0, "a rejected SetStatus changes nothing"
    with pytest.raises(nest.NESTErrors.BadProperty, match="guard"):
        nest.SetDefaults("guarded_neuron_nestml", {"C_m": 0.0})


def test_a_simulation_fault_names_model_variable_and_time(nest, main_module):
    nest.Install(main_module)
    n = nest.Create("hh_psc_alpha_neuron_nestml")
    n.set(C_m=1e-300)  # no guard; the dynamics blow up at once
    with pytest.raises(nest.NESTErrors.KernelException,
                       match=r"hh_psc_alpha_neuron_nestml: solver failed on \w+: .* at t = 0\.1 ms"):
        nest.Simulate(10.0)


def test_current_events_reach_the_continuous_port(nest, main_module):
    nest.Install(main_module)
    n = nest.Create("iaf_psc_exp_neuron_nestml")
    nest.Connect(nest.Create("dc_generator", params={"amplitude": 1000.0}), n)
    rec = nest.Create("spike_recorder")
    nest.Connect(n, rec)
    nest.Simulate(100.0)
    assert rec.n_events > 5
    with pytest.raises(nest.NESTErrors.UnknownReceptorType):
        nest.Connect(nest.Create("dc_generator"), n, syn_spec={"receptor_type": 1})


def test_reset_kernel_and_install_again(nest, main_module):
    """(f) ResetKernel unloads the module; installing it again works, twice."""
    for _ in range(3):
        nest.ResetKernel()
        nest.Install(main_module)
        n = nest.Create("iaf_psc_exp_neuron_nestml", 3, params={"I_e": 400.0})
        rec = nest.Create("spike_recorder")
        nest.Connect(n, rec)
        nest.Simulate(50.0)
        assert rec.n_events > 0


def test_spike_multiplicity_and_both_signs_in_one_step(nest, main_module):
    """Spikes with multiplicity, and excitatory and inhibitory spikes in the same step, reach
    the right ports as in NEST's iaf_psc_exp: V_m at every step within 1e-12 relative (the
    exact propagators of the two agree to rounding, as in the runtime's conformance tests)."""
    nest.Install(main_module)
    ours = nest.Create("iaf_psc_exp_neuron_nestml")
    builtin = nest.Create("iaf_psc_exp")
    same_parameters(ours, builtin, PSC_EXP)
    times = [5.0, 5.0, 7.3, 12.0, 20.0]
    exc = nest.Create("spike_generator", params={"spike_times": times, "spike_multiplicities": [2, 1, 3, 1, 2]})
    inh = nest.Create("spike_generator", params={"spike_times": [5.0, 12.0, 13.1], "spike_multiplicities": [1, 2, 1]})
    mms = []
    for n in (ours, builtin):
        nest.Connect(exc, n, syn_spec={"weight": 150.0})
        nest.Connect(inh, n, syn_spec={"weight": -200.0})
        mm = nest.Create("multimeter", params={"record_from": ["V_m"], "interval": 0.1})
        nest.Connect(mm, n)
        mms.append(mm)
    nest.Simulate(40.0)
    a, b = (m.events["V_m"] for m in mms)
    assert np.ptp(b) > 1.0
    rel = np.max(np.abs(a - b) / np.abs(b))
    assert rel <= 1e-12, f"largest relative V_m difference {rel:.2e}"


def test_a_neuron_without_inputs(nest, main_module):
    """No receptors, no continuous ports: nothing to connect to, and it runs on its own."""
    nest.Install(main_module)
    n = nest.Create("pacemaker_neuron_nestml")
    assert n.get("receptor_types") == {}
    rec = nest.Create("spike_recorder")
    nest.Connect(n, rec)
    mm = nest.Create("multimeter", params={"record_from": ["V_m"], "interval": 1.0})
    nest.Connect(mm, n)
    nest.Simulate(100.0)
    times = rec.events["times"]
    # 100 steps of 0.1 ms reach V_th up to rounding: every 10 or 10.1 ms
    assert 9 <= len(times) <= 10 and np.all(np.abs(np.diff(times) - 10.0) <= 0.1 + 1e-9), times
    assert np.max(mm.events["V_m"]) < 10.0
    with pytest.raises(nest.NESTErrors.UnknownReceptorType):
        nest.Connect(nest.Create("spike_generator"), n)
