#!/usr/bin/env python3
"""Reference spike trains and weights of small deterministic networks in NEST 3.10, for the
conformance tests of networks built from the neurons and synapses that `include_nestml!`
generates from the NESTML model library.

Usage:
    nest_network_reference.py [--out DIR] [--models DIR] [--only CASE ...] [--no-self-check]

Each case in ``cases()`` is a small network of NEST built-in neurons (``iaf_psc_delta`` or
``iaf_psc_exp``, matched to the NESTML library models ``<name>_neuron`` in
``../shared/nestml-models/neurons``) connected by ``static_synapse`` or ``stdp_synapse`` (matched
to ``../shared/nestml-models/synapses/<synapse>.nestml``), driven by spike_generators only: one
thread, no random input, so the result is fully deterministic. The cases:

``chain_delta_static``  5 iaf_psc_delta in a chain 0 -> 1 -> 2 -> 3 -> 4, delays 1, 2, 3, 5 ms,
                        every weight suprathreshold; a spike_generator (100 mV) drives neuron 0;
                        two generator spikes arrive while neuron 0 is refractory (discarded by
                        NEST and by the NESTML model);
``ring_exp_static``     6 iaf_psc_exp in a ring i -> i+1 mod 6, delay 2 ms, one kick: activity
                        circulates until the end (checked);
``ring_exp_stdp``       the same ring with stdp_synapse (weights depress from 5000 pA, activity
                        keeps circulating, checked);
``chain_delta_stdp_d1``, ``chain_delta_stdp_d5``
                        4 iaf_psc_delta in a chain with stdp_synapse (all delays 1 or 5 ms), two
                        spike_generators drive neurons 0 and 1 with interleaved spikes, so that
                        the pre/post order on 0 -> 1 varies (and 1 -> 2 -> 3 follow);

each at the resolutions 0.1 and 1.0 ms (case names end in ``_dt0.1`` / ``_dt1.0``; at 1.0 ms the
generator times that are not on the 1 ms grid are dropped or rounded, see the case).

Output: ``DIR/small_networks.json`` (one entry per case, schema in the README) and
``DIR/README.md`` (from the template ``tools/nest_network_reference_readme.md``).

Conventions (measured, and tested by the self-check below): step k integrates (k*h, (k+1)*h];
a neuron that crosses threshold in step k emits a spike stamped k+1, i.e. at time (k+1)*h, which
is what the spike_recorder reports. A spike stamped s (time t = s*h) sent over a connection with
delay d = D*h is applied in step s + D - 1, i.e. it is part of the state at time t + d (after that
step's ODE update, before its threshold test). A spike_generator spike at time t over delay d
is likewise applied in the step ending at t + d. NEST's stdp_synapse computes the weight of a pre
spike from its stamp and the post neuron's spike history (post spikes count at t_post + d, the
tie rule of ``tools/nest_synapse_reference.py``); the weight reaches the target d later.

NEST delivers the spikes of a min_delay slice at the beginning of the next slice, so after
``Simulate(t_sim)`` the pre spikes of the last slice would not yet have updated the plastic
weights. The script therefore freezes all neurons (``frozen = True``) after ``Simulate(t_sim)``
and simulates 2 min_delay more: the pending spikes are delivered (weights updated, weight_recorder
entries written) and no neuron can fire again. ``final_weights`` thus contain the updates of all
pre spikes stamped <= t_sim, and ``spikes`` are all spikes stamped <= t_sim.

The self-check (on by default) re-implements the network in plain Python from these conventions:
NEST's iaf_psc_delta and iaf_psc_exp updates (exact propagators, refractory counter, inputs
discarded by a refractory iaf_psc_delta), delays as step offsets, and NEST's stdp_synapse rule
(``python_nest`` of ``tools/nest_synapse_reference.py``, evaluated at every pre spike on the post
spikes so far), and requires identical spike trains and weights equal to NEST's within 1e-12
relative (final weights and every weight_recorder entry). It also reports, per case, the closest
approach of any membrane potential to its threshold (so that the Rust side knows how robust the
spike trains are to rounding), the inputs discarded during refractoriness, the STDP ties
(t_post + d == t_pre) and the deviation of the NESTML stdp_synapse as written (the Python reading
``python_nestml`` of ``tools/nest_synapse_reference.py``) on NEST's spike trains.
"""

import argparse
import json
import math
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from nest_reference import MODELS as NEURON_MODELS  # noqa: E402  (the project's own helpers)
from nest_reference import clean, import_nest, nest_time, read_nestml_parameters, steps_of  # noqa: E402
from nest_synapse_reference import STDP_PARAMS, _stdp_fac, python_nest, python_nestml  # noqa
from nest_synapse_reference import read_nestml_decls, rel_err, to_json  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
DEFAULT_MODELS_DIR = REPO.parent / "shared" / "nestml-models"
OUT_NAME = "small_networks.json"

NEST_VERSION_WANTED = "3.10.0"
SEED = 20240611  # rng_seed (nothing random is used)
RESOLUTIONS = (0.1, 1.0)
TOL_SELF_CHECK = 1e-12
STDP_EPS = 1.0e-6  # NEST's stdp_eps (see nest_synapse_reference.py)

# NEST stdp_synapse parameter -> NESTML stdp_synapse parameter ("post": set on the post neuron in
# NEST). Taken from nest_synapse_reference.STDP_PARAMS without the initial weight.
STDP_NAME_MAP = [(nest_name, where, nestml_name)
                 for nest_name, where, _, nestml_name in STDP_PARAMS if nest_name != "weight"]
NEST_WMIN = 0.0  # NEST's stdp_synapse clips at 0 (hard-coded); NESTML Wmin


# ---------------------------------------------------------------------------------------------
# Cases
# ---------------------------------------------------------------------------------------------


def on_grid(times, h):
    """The times that lie on the grid of h (others dropped), as NEST prints them."""
    out = []
    for t in times:
        s = steps_of(t, h)
        if abs(s * h - t) < 1e-9:
            out.append(nest_time(s, h))
    return out


def dt_tag(h):
    return f"dt{h:g}" if h != int(h) else f"dt{h:.1f}"


def chain_delta_static(h):
    # Generator spikes at 11.0 and 101.5 arrive 1.0 / 1.5 ms after neuron 0 fired (refractory:
    # discarded). 52.5 and 101.5 are dropped at h = 1.0.
    times = [10.0, 11.0, 30.0, 33.0, 50.0, 52.5, 80.0, 100.0, 101.5, 130.0, 150.0, 170.0]
    weights = [20.0, 25.0, 30.0, 40.0]
    delays = [1.0, 2.0, 3.0, 5.0]
    return dict(
        name=f"chain_delta_static_{dt_tag(h)}",
        description="chain 0->1->2->3->4 of iaf_psc_delta (NEST defaults), static_synapse, "
        "delays 1, 2, 3, 5 ms, weights 20, 25, 30, 40 mV (each spike makes the next neuron "
        "fire); spike_generator -> neuron 0 (100 mV, delay 1 ms); the generator spike"
        + (" at 11.0 ms arrives" if h >= 1.0 else "s at 11.0 and 101.5 ms arrive")
        + " while neuron 0 is refractory and " + ("is" if h >= 1.0 else "are") + " discarded",
        neuron="iaf_psc_delta", nest_neuron_params={}, n=5, resolution=h, t_sim=200.0,
        generators=[dict(spike_times=on_grid(times, h), target=0, weight=100.0, delay=1.0)],
        synapse="static_synapse", nest_synapse_params={},
        connections=[dict(source=i, target=i + 1, weight=w, delay=d)
                     for i, (w, d) in enumerate(zip(weights, delays))],
        expect=dict(min_spikes=40, refractory_drops=True),
    )


RING_N = 6
RING_W = 5000.0  # pA; one input makes the next neuron fire about 1 ms after it arrives
RING_KICK = dict(spike_times=[5.0], target=0, weight=6000.0, delay=1.0)
RING_STDP = {"tau_plus": 16.8, "lambda": 0.05, "alpha": 1.5, "mu_plus": 1.0, "mu_minus": 1.0,
             "Wmax": 8000.0}
RING_TAU_MINUS = 30.0
RING_NEURON = {"tau_m": 8.0}  # one mapped non-default (NESTML tau_m, default 10 ms)
# 298 ms: at both resolutions a neuron fires in the last min_delay slice (297.8 / 298.0 ms), so
# its weight update is only delivered by the flush after Simulate (see flush_changed).
RING_T_SIM_STDP = 298.0


def ring_exp(h, stdp):
    syn = "stdp_synapse" if stdp else "static_synapse"
    return dict(
        name=f"ring_exp_{'stdp' if stdp else 'static'}_{dt_tag(h)}",
        description=f"ring i -> i+1 mod {RING_N} of iaf_psc_exp (NEST defaults but "
        + ", ".join(f"{k} = {v:g}" for k, v in RING_NEURON.items())
        + (f", tau_minus = {RING_TAU_MINUS:g} ms for STDP" if stdp else "")
        + f"), {syn}, delay 2 ms, initial weight {RING_W:g} pA; one kick (spike_generator, "
        "5.0 ms, 6000 pA, delay 1 ms) to neuron 0; activity circulates until the end"
        + (" while the weights depress; t_sim 298 ms puts a spike into the last min_delay "
           "slice" if stdp else ""),
        neuron="iaf_psc_exp",
        nest_neuron_params=dict(RING_NEURON, **({"tau_minus": RING_TAU_MINUS} if stdp else {})),
        n=RING_N, resolution=h, t_sim=RING_T_SIM_STDP if stdp else 300.0,
        generators=[dict(RING_KICK)],
        synapse=syn, nest_synapse_params=dict(RING_STDP) if stdp else {},
        connections=[dict(source=i, target=(i + 1) % RING_N, weight=RING_W, delay=2.0)
                     for i in range(RING_N)],
        expect=dict(min_spikes=60, circulates=True, weights_change=stdp, flush=stdp),
    )


CHAIN_STDP = {"tau_plus": 20.0, "lambda": 0.05, "alpha": 1.2, "mu_plus": 1.0, "mu_minus": 1.0,
              "Wmax": 40.0}
CHAIN_TAU_MINUS = 25.0
CHAIN_PERIOD = 25.0
# Generator 1 (-> neuron 1) fires at these offsets from generator 0 (-> neuron 0), one per
# period. Outside (-1.5, 7.5) ms so that neuron 1's own spike (from neuron 0, at +1+d) never
# meets a refractory neuron 1 for d = 1 and d = 5, and never -d (no STDP tie on 0 -> 1).
CHAIN_OFFSETS_01 = [-11.0, 8.0, -3.0, 11.0, -5.5, 9.5, -8.0, 12.5, -2.0, 8.0, -11.0]
CHAIN_OFFSETS_1 = [-11.0, 8.0, -3.0, 11.0, -6.0, 10.0, -8.0, 12.0, -2.0, 8.0, -11.0]


def chain_delta_stdp(h, d):
    offsets = CHAIN_OFFSETS_01 if h < 1.0 else CHAIN_OFFSETS_1
    g0 = [20.0 + CHAIN_PERIOD * k for k in range(len(offsets))]
    g1 = sorted(t + o for t, o in zip(g0, offsets))
    return dict(
        name=f"chain_delta_stdp_d{d:g}_{dt_tag(h)}",
        description=f"chain 0->1->2->3 of iaf_psc_delta (NEST defaults, tau_minus = "
        f"{CHAIN_TAU_MINUS:g} ms for STDP), stdp_synapse, all delays {d:g} ms, initial weight "
        f"20 mV (Wmax 40); spike_generator 0 -> neuron 0 every {CHAIN_PERIOD:g} ms from 20 ms, "
        "spike_generator 1 -> neuron 1 at offsets " + ", ".join(f"{o:+g}" for o in offsets)
        + " ms from them (100 mV, delay 1 ms each), so neuron 1 fires before and after the "
        "spikes of neuron 0 arrive",
        neuron="iaf_psc_delta", nest_neuron_params={"tau_minus": CHAIN_TAU_MINUS}, n=4,
        resolution=h, t_sim=300.0,
        generators=[dict(spike_times=on_grid(g0, h), target=0, weight=100.0, delay=1.0),
                    dict(spike_times=on_grid(g1, h), target=1, weight=100.0, delay=1.0)],
        synapse="stdp_synapse", nest_synapse_params=dict(CHAIN_STDP),
        connections=[dict(source=i, target=i + 1, weight=20.0, delay=d) for i in range(3)],
        expect=dict(min_spikes=40, weights_change=True),
    )


def cases():
    out = []
    for h in RESOLUTIONS:
        out.append(chain_delta_static(h))
    for stdp in (False, True):
        for h in RESOLUTIONS:
            out.append(ring_exp(h, stdp))
    for d in (1.0, 5.0):
        for h in RESOLUTIONS:
            out.append(chain_delta_stdp(h, d))
    return out


# ---------------------------------------------------------------------------------------------
# Parameter names: NEST -> NESTML
# ---------------------------------------------------------------------------------------------


def neuron_mapping(nest, model, nestml_dir):
    """[(nest, nestml, unit, nest_default, nestml_default)] for the mapped neuron parameters."""
    nestml_path = Path(nestml_dir) / "neurons" / f"{model}_neuron.nestml"
    decls = read_nestml_parameters(nestml_path)
    defaults = nest.GetDefaults(model)
    rows = []
    for nest_name, nestml_name, unit in NEURON_MODELS[model]["pmap"]:
        if nestml_name not in decls:
            raise AssertionError(f"{model}: {nestml_name} not in {nestml_path}")
        rows.append((nest_name, nestml_name, unit, float(defaults[nest_name]),
                     decls[nestml_name]["value"]))
    return rows


def nestml_neuron_params(case, mapping):
    """NESTML name -> value for the parameters to set on the NESTML model: those set in NEST and
    those whose NEST value (default) differs from the NESTML default."""
    out = {}
    for nest_name, nestml_name, _, nest_default, nestml_default in mapping:
        v = case["nest_neuron_params"].get(nest_name, nest_default)
        if nest_name in case["nest_neuron_params"] or v != nestml_default:
            out[nestml_name] = v
    return out


def nestml_synapse_params(case):
    if case["synapse"] == "static_synapse":
        return {}
    out = {}
    for nest_name, where, nestml_name in STDP_NAME_MAP:
        src = case["nest_neuron_params"] if where == "post" else case["nest_synapse_params"]
        out[nestml_name] = src[nest_name]
    out["Wmin"] = NEST_WMIN
    return out


# ---------------------------------------------------------------------------------------------
# NEST run
# ---------------------------------------------------------------------------------------------


def connection_weights(nest, case, neurons):
    """Current weights of the network connections, in the order of case["connections"]."""
    out = []
    for c in case["connections"]:
        w = nest.GetConnections(neurons[c["source"]], neurons[c["target"]]).get("weight")
        if isinstance(w, (list, tuple)):
            if len(w) != 1:
                raise AssertionError(f"{case['name']}: {len(w)} connections {c}")
            w = w[0]
        out.append(float(w))
    return out


def run_nest(nest, case):
    h = case["resolution"]
    nest.ResetKernel()
    nest.set(resolution=h, local_num_threads=1, rng_seed=SEED)
    neurons = nest.Create(case["neuron"], case["n"], params=case["nest_neuron_params"])
    status = neurons[0].get()
    for g in case["generators"]:
        sg = nest.Create("spike_generator", params={"spike_times": g["spike_times"]})
        nest.Connect(sg, neurons[g["target"]],
                     syn_spec={"synapse_model": "static_synapse", "weight": g["weight"],
                               "delay": g["delay"]})
    model = case["synapse"]
    wr = None
    if model != "static_synapse":
        wr = nest.Create("weight_recorder")
        model = f"{case['synapse']}__rec"
        nest.CopyModel(case["synapse"], model, {"weight_recorder": wr})
    for c in case["connections"]:
        spec = {"synapse_model": model, "weight": c["weight"], "delay": c["delay"]}
        spec.update(case["nest_synapse_params"])
        nest.Connect(neurons[c["source"]], neurons[c["target"]], syn_spec=spec)
    sr = nest.Create("spike_recorder")
    nest.Connect(neurons, sr)
    nest.Simulate(case["t_sim"])
    before = connection_weights(nest, case, neurons)
    # Deliver the spikes of the last min_delay slice (weights, weight_recorder); no new spikes.
    neurons.set(frozen=True)
    nest.Simulate(2.0 * nest.min_delay)
    final = connection_weights(nest, case, neurons)

    first = neurons[0].global_id
    ev = sr.get("events")
    spikes = sorted((float(t), int(s) - first) for t, s in zip(ev["times"], ev["senders"]))
    if any(t > case["t_sim"] for t, _ in spikes):
        raise AssertionError(f"{case['name']}: spikes after t_sim although frozen")
    wev = []
    if wr is not None:
        e = wr.get("events")
        wev = sorted((float(t), int(s) - first, int(r) - first, float(w))
                     for t, s, r, w in zip(e["times"], e["senders"], e["targets"],
                                           e["weights"]))
    return dict(spikes=[[t, i] for t, i in spikes], final_weights=final,
                flush_changed=sum(a != b for a, b in zip(before, final)),
                weight_events=[list(x) for x in wev], status=status,
                min_delay=float(nest.min_delay))


# ---------------------------------------------------------------------------------------------
# Plain-Python network (self-check)
# ---------------------------------------------------------------------------------------------


class DeltaNeuron:
    """NEST's iaf_psc_delta update (V relative to E_L, exact leak, refractory counter)."""

    def __init__(self, p, h):
        self.P33 = math.exp(-h / p["tau_m"])
        self.P30 = p["tau_m"] / p["C_m"] * (1.0 - self.P33)
        self.I_e = p["I_e"]
        self.theta = p["V_th"] - p["E_L"]
        self.reset = p["V_reset"] - p["E_L"]
        self.refr = steps_of(p["t_ref"], h)
        self.V = p["V_m"] - p["E_L"]
        self.r = 0
        self.dropped = 0

    def step(self, w_in):
        """One step with the summed input of this step; returns (spiked, margin or None)."""
        if self.r == 0:
            self.V = self.P30 * self.I_e + self.P33 * self.V + w_in
        else:
            if w_in != 0.0:
                self.dropped += 1
            self.r -= 1
        margin = abs(self.V - self.theta)
        if self.V >= self.theta:
            self.r = self.refr
            self.V = self.reset
            return True, margin
        return False, margin


class ExpNeuron:
    """NEST's iaf_psc_exp update (exact propagators; as python_iaf_psc_exp of
    nest_reference.py, stepwise)."""

    def __init__(self, p, h):
        tau_m, C = p["tau_m"], p["C_m"]
        self.P22 = math.exp(-h / tau_m)
        self.P11e = math.exp(-h / p["tau_syn_ex"])
        self.P11i = math.exp(-h / p["tau_syn_in"])

        def p21(ts):
            return tau_m * ts / (C * (tau_m - ts)) * (math.exp(-h / tau_m) - math.exp(-h / ts))

        self.P21e, self.P21i = p21(p["tau_syn_ex"]), p21(p["tau_syn_in"])
        self.P20 = tau_m / C * (1.0 - self.P22)
        self.I_e = p["I_e"]
        self.theta = p["V_th"] - p["E_L"]
        self.reset = p["V_reset"] - p["E_L"]
        self.refr = steps_of(p["t_ref"], h)
        self.V = p["V_m"] - p["E_L"]
        self.ie = self.ii = 0.0
        self.r = 0
        self.dropped = 0

    def step(self, w_in):
        if self.r == 0:
            self.V = (self.V * self.P22 + self.ie * self.P21e + self.ii * self.P21i
                      + self.I_e * self.P20)
        else:
            self.r -= 1
        self.ie *= self.P11e
        self.ii *= self.P11i
        if w_in >= 0.0:
            self.ie += w_in
        else:
            self.ii += w_in
        margin = abs(self.V - self.theta) if self.r == 0 else None
        if self.V >= self.theta:
            self.r = self.refr
            self.V = self.reset
            return True, margin
        return False, margin


def python_network(case, status):
    """Spikes [[t, i]], final weights, weight events, min threshold margin, dropped inputs."""
    h = case["resolution"]
    nsteps = steps_of(case["t_sim"], h)
    cls = {"iaf_psc_delta": DeltaNeuron, "iaf_psc_exp": ExpNeuron}[case["neuron"]]
    neurons = [cls(status, h) for _ in range(case["n"])]
    # Only positive inputs occur; inputs of the same step are summed (exc buffer / V_m jump).
    inbox = {}  # (step, target) -> [weights]

    def send(step, target, w):
        inbox.setdefault((step, target), []).append(w)

    for g in case["generators"]:
        for t in g["spike_times"]:
            send(steps_of(t + g["delay"], h) - 1, g["target"], g["weight"])
    stdp = case["synapse"] == "stdp_synapse"
    p = dict(case["nest_synapse_params"])
    if stdp:
        p["post.tau_minus"] = status["tau_minus"]
    out_conns = {}
    for ci, c in enumerate(case["connections"]):
        out_conns.setdefault(c["source"], []).append(ci)
    spike_steps = [[] for _ in neurons]  # stamps per neuron
    weights = [c["weight"] for c in case["connections"]]
    wev = []
    spikes = []
    margin = math.inf
    for k in range(nsteps):
        fired = []
        for i, nrn in enumerate(neurons):
            ws = inbox.pop((k, i), [])
            spiked, m = nrn.step(sum(ws))
            if m is not None:
                margin = min(margin, m)
            if spiked:
                fired.append(i)
        for i in fired:
            s = k + 1
            spike_steps[i].append(s)
            spikes.append([nest_time(s, h), i])
            for ci in out_conns.get(i, []):
                c = case["connections"][ci]
                if stdp:
                    q = dict(p, weight=c["weight"])
                    sub = {"pre_spike_times": [nest_time(x, h) for x in spike_steps[i]],
                           "post_spike_times": [nest_time(x, h)
                                                for x in spike_steps[c["target"]]],
                           "delay": c["delay"]}
                    ws, _ = python_nest("stdp", sub, q)
                    weights[ci] = ws[-1]
                    wev.append([nest_time(s, h), i, c["target"], weights[ci]])
                send(s + steps_of(c["delay"], h) - 1, c["target"], weights[ci])
    spikes.sort()
    wev.sort()
    return spikes, weights, wev, margin, sum(n.dropped for n in neurons)


def stdp_ties(case, spikes):
    """Number of (pre, post) pairs on plastic connections with t_post + d == t_pre."""
    if case["synapse"] != "stdp_synapse":
        return 0
    by = {}
    for t, i in spikes:
        by.setdefault(i, []).append(t)
    n = 0
    for c in case["connections"]:
        for tp in by.get(c["source"], []):
            for tq in by.get(c["target"], []):
                if abs(tq + c["delay"] - tp) < STDP_EPS:
                    n += 1
    return n


def trailing_post(case, spikes, wev, status):
    """NEST updates a stdp_synapse only at pre spikes, so final_weights are the weights after the
    last pre spike (checked). Post spikes seen later (t_last_pre - d < t_post, t_post + d <=
    t_sim) would potentiate an eagerly updated synapse: returns their number per connection and
    the final weights with that potentiation (NEST's facilitation rule and Kplus; derived in
    Python, not NEST data), and the number of post spikes with t_post + d == t_sim exactly."""
    if case["synapse"] != "stdp_synapse":
        return None, None, 0
    by = {}
    for t, i in spikes:
        by.setdefault(i, []).append(t)
    p = dict(case["nest_synapse_params"], **{"post.tau_minus": status["tau_minus"]})
    counts, eager, at_end = [], [], 0
    for ci, c in enumerate(case["connections"]):
        pre, post, d = by.get(c["source"], []), by.get(c["target"], []), c["delay"]
        nest_w = [e[3] for e in wev if e[1] == c["source"] and e[2] == c["target"]]
        ws, final = python_nest("stdp", {"pre_spike_times": pre, "post_spike_times": post,
                                         "delay": d}, dict(p, weight=c["weight"]))
        w = nest_w[-1] if nest_w else c["weight"]
        kplus = final["Kplus"]
        t_last = pre[-1] if pre else 0.0
        n = 0
        for tp in post:
            if tp > t_last - d + STDP_EPS and tp + d <= case["t_sim"] + STDP_EPS:
                w = _stdp_fac(w, kplus * math.exp((t_last - (tp + d)) / p["tau_plus"]), p)
                n += 1
                if abs(tp + d - case["t_sim"]) < STDP_EPS:
                    at_end += 1
        counts.append(n)
        eager.append(w)
    return counts, eager, at_end


def nestml_deviation(case, spikes, wev):
    """Max relative deviation of the NESTML stdp_synapse as written (Python reading) from NEST's
    weight_recorder entries, per connection on NEST's spike trains."""
    if case["synapse"] != "stdp_synapse":
        return None
    by = {}
    for t, i in spikes:
        by.setdefault(i, []).append(t)
    q = dict(case["synapse_params"])
    worst = 0.0
    for c in case["connections"]:
        sub = {"pre_spike_times": by.get(c["source"], []),
               "post_spike_times": by.get(c["target"], []), "delay": c["delay"]}
        mine = python_nestml("stdp", sub, dict(q, w=c["weight"]))
        nest_w = [e[3] for e in wev if e[1] == c["source"] and e[2] == c["target"]]
        if len(mine) != len(nest_w):
            return math.inf
        worst = max([worst] + [rel_err(a, b) for a, b in zip(mine, nest_w)])
    return worst


# ---------------------------------------------------------------------------------------------
# Build
# ---------------------------------------------------------------------------------------------


def check_expectations(case, res):
    ex = case["expect"]
    name = case["name"]
    spikes = res["spikes"]
    if len(spikes) < ex.get("min_spikes", 0):
        raise AssertionError(f"{name}: only {len(spikes)} spikes")
    if ex.get("circulates"):
        period = max(c["delay"] for c in case["connections"]) * case["n"] * 2.0
        for i in range(case["n"]):
            last = max((t for t, j in spikes if j == i), default=-1.0)
            if last < case["t_sim"] - period:
                raise AssertionError(f"{name}: activity stopped (neuron {i} last {last})")
    if ex.get("flush") and not res["flush_changed"]:
        raise AssertionError(f"{name}: no weight changed during the flush after Simulate")
    if ex.get("weights_change"):
        init = [c["weight"] for c in case["connections"]]
        if all(abs(a - b) < 1e-3 * abs(b) for a, b in zip(res["final_weights"], init)):
            raise AssertionError(f"{name}: weights did not change")


def build_case(nest, case, mapping, check):
    t0 = time.time()
    case["neuron_params"] = nestml_neuron_params(case, mapping)
    case["synapse_params"] = nestml_synapse_params(case)
    res = run_nest(nest, case)
    check_expectations(case, res)
    spikes, wev = res["spikes"], res["weight_events"]
    if case["synapse"] == "stdp_synapse":
        for c, w in zip(case["connections"], res["final_weights"]):
            ws = [e[3] for e in wev if e[1] == c["source"] and e[2] == c["target"]]
            if (ws[-1] if ws else c["weight"]) != w:
                raise AssertionError(f"{case['name']}: final weight {w} is not the last "
                                     f"weight_recorder entry of {c}")
    n_trailing, eager, at_end = trailing_post(case, spikes, wev, res["status"])
    stats = dict(name=case["name"], n_spikes=len(spikes),
                 per_neuron=[sum(1 for _, i in spikes if i == j) for j in range(case["n"])],
                 last_spike=spikes[-1][0] if spikes else None,
                 w_min=min(res["final_weights"]), w_max=max(res["final_weights"]),
                 n_weight_events=len(wev), min_delay=res["min_delay"],
                 flush_changed=res["flush_changed"],
                 ties=stdp_ties(case, spikes), nestml_dev=nestml_deviation(case, spikes, wev))
    if check:
        py_spikes, py_w, py_wev, margin, dropped = python_network(case, res["status"])
        if py_spikes != spikes:
            diff = [x for x in py_spikes if x not in spikes][:5] + \
                   [x for x in spikes if x not in py_spikes][:5]
            raise AssertionError(f"self-check {case['name']}: spike trains differ "
                                 f"(python {len(py_spikes)}, NEST {len(spikes)}): {diff}")
        err = max(rel_err(a, b) for a, b in zip(py_w, res["final_weights"]))
        if len(py_wev) != len(wev) or any(a[:3] != b[:3] for a, b in zip(py_wev, wev)):
            raise AssertionError(f"self-check {case['name']}: weight events differ")
        err = max([err] + [rel_err(a[3], b[3]) for a, b in zip(py_wev, wev)])
        if not err <= TOL_SELF_CHECK:
            raise AssertionError(f"self-check {case['name']}: max rel weight error {err:g}")
        if dropped and not case["expect"].get("refractory_drops"):
            raise AssertionError(f"{case['name']}: {dropped} inputs reached refractory neurons")
        if case["expect"].get("refractory_drops") and not dropped:
            raise AssertionError(f"{case['name']}: no input reached a refractory neuron")
        stats.update(self_err=err, margin=margin, dropped=dropped)
    else:
        stats.update(self_err=None, margin=None, dropped=None)
    if eager is not None:
        stats.update(trailing=sum(n_trailing), trailing_at_end=at_end)
    else:
        stats.update(trailing=None, trailing_at_end=None)
    fixture = {
        "name": case["name"],
        "description": case["description"],
        "neuron": case["neuron"],
        "neuron_params": case["neuron_params"],
        "n": case["n"],
        "resolution": case["resolution"],
        "t_sim": case["t_sim"],
        "generators": case["generators"],
        "synapse": case["synapse"],
        "synapse_params": case["synapse_params"],
        "connections": case["connections"],
        "spikes": spikes,
        "final_weights": res["final_weights"],
        "nest_neuron_params": case["nest_neuron_params"],
        "nest_synapse_params": case["nest_synapse_params"],
        "weight_events": wev,
        **({"trailing_post_spikes": n_trailing, "final_weights_with_trailing_post": eager}
           if eager is not None else {}),
        "checks": {"self_check_max_rel_err": stats["self_err"],
                   "changed_by_flush": stats["flush_changed"],
                   "min_threshold_margin_mV": stats["margin"],
                   "refractory_discarded_inputs": stats["dropped"],
                   "stdp_ties": stats["ties"],
                   "nestml_stdp_as_written_max_rel_dev": stats["nestml_dev"]},
    }
    stats["seconds"] = time.time() - t0
    return clean(fixture), stats


# ---------------------------------------------------------------------------------------------
# README
# ---------------------------------------------------------------------------------------------


def fmt_err(e):
    if e is None:
        return "–"
    return "0" if e == 0.0 else f"{e:.1e}"


def write_readme(out, fixtures, stats, mappings, nestml_dir, total_seconds):
    template = (Path(__file__).resolve().parent / "nest_network_reference_readme.md").read_text()
    case_rows = ["| # | case | neuron | synapse | n | dt | t_sim | #spikes (per neuron) | "
                 "last spike | final w min / max | #weight events | ties | min margin (mV) | "
                 "refractory discarded | changed by flush | trailing post | self-check | "
                 "NESTML stdp as written |",
                 "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for i, (fx, s) in enumerate(zip(fixtures, stats)):
        margin = "–" if s["margin"] is None else f"{s['margin']:.3g}"
        case_rows.append(
            f"| {i} | `{fx['name']}` | {fx['neuron']} | {fx['synapse']} | {fx['n']} | "
            f"{fx['resolution']:g} | {fx['t_sim']:g} | {s['n_spikes']} "
            f"({', '.join(map(str, s['per_neuron']))}) | {s['last_spike']:g} | "
            f"{s['w_min']:.6g} / {s['w_max']:.6g} | {s['n_weight_events']} | {s['ties']} | "
            f"{margin} | {'–' if s['dropped'] is None else s['dropped']} | "
            f"{s['flush_changed']} | {'–' if s['trailing'] is None else s['trailing']} | "
            f"{fmt_err(s['self_err'])} | {fmt_err(s['nestml_dev'])} |")
    map_rows = ["| NEST model | NEST → NESTML parameter (NEST default; NESTML default if "
                "different) |", "|---|---|"]
    for model, rows in mappings.items():
        parts = []
        for nest_name, nestml_name, unit, nd, md in rows:
            s = nest_name if nest_name == nestml_name else f"`{nest_name}` → `{nestml_name}`"
            if nest_name == nestml_name:
                s = f"`{s}`"
            s += f" ({nd:g} {unit}"
            if md != nd:
                s += f"; NESTML {md}"
            parts.append(s + ")")
        map_rows.append(f"| {model} | {', '.join(parts)} |")
    decls = read_nestml_decls(Path(nestml_dir) / "synapses" / "stdp_synapse.nestml")
    syn_parts = []
    for nest_name, where, nestml_name in STDP_NAME_MAP:
        owner = "post neuron " if where == "post" else ""
        syn_parts.append(f"| {owner}`{nest_name}` | `{nestml_name}` "
                         f"({decls.get(nestml_name, {}).get('expr', '?')}) |")
    syn_parts.append(f"| (hard-coded 0) | `Wmin` ({decls.get('Wmin', {}).get('expr', '?')}) |")
    syn_parts.append(f"| `weight` (per connection) | `w` ({decls.get('w', {}).get('expr', '?')}) |")
    size = (out / OUT_NAME).stat().st_size
    text = (template.replace("{{CASE_TABLE}}", "\n".join(case_rows))
            .replace("{{NEURON_MAPPING}}", "\n".join(map_rows))
            .replace("{{SYNAPSE_MAPPING}}", "| NEST | NESTML stdp_synapse (default) |\n|---|---|\n"
                     + "\n".join(syn_parts))
            .replace("{{SIZE}}", f"{size / 1e3:.0f} kB, {len(fixtures)} cases")
            .replace("{{TIMINGS}}", f"{total_seconds:.1f} s for all cases (NEST runs and "
                     "self-check)"))
    (out / "README.md").write_text(text)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=str(REPO / "tests" / "fixtures" / "nest_network"))
    ap.add_argument("--models", default=str(DEFAULT_MODELS_DIR),
                    help="NESTML model library (with neurons/ and synapses/)")
    ap.add_argument("--only", nargs="*", help="case names to run (nothing is written)")
    ap.add_argument("--no-self-check", action="store_true")
    args = ap.parse_args(argv)

    nest = import_nest("nest_network_reference")

    t_all = time.time()
    all_cases = cases()
    if args.only:
        known = {c["name"] for c in all_cases}
        for name in args.only:
            if name not in known:
                ap.error(f"unknown case {name}; known: {', '.join(sorted(known))}")
        all_cases = [c for c in all_cases if c["name"] in args.only]
    mappings = {m: neuron_mapping(nest, m, args.models) for m in ("iaf_psc_delta", "iaf_psc_exp")}
    fixtures, stats = [], []
    for case in all_cases:
        fx, s = build_case(nest, case, mappings[case["neuron"]], not args.no_self_check)
        fixtures.append(fx)
        stats.append(s)
        margin = "-" if s["margin"] is None else f"{s['margin']:.3g}"
        print(f"{case['name']:28s} spikes {s['n_spikes']:4d} {s['per_neuron']}  final w "
              f"{s['w_min']:.6g}..{s['w_max']:.6g}  ties {s['ties']}  margin {margin}  "
              f"discarded {s['dropped']}  flush {s['flush_changed']}  self-check "
              f"{fmt_err(s['self_err'])}  NESTML dev {fmt_err(s['nestml_dev'])}  "
              f"{s['seconds']:.2f} s", flush=True)
    total = time.time() - t_all
    if args.only:
        print("--only: nothing written")
        return
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    doc = {"nest_version": nest.__version__, "cases": fixtures}
    path = out / OUT_NAME
    path.write_text(to_json(doc) + "\n")
    json.loads(path.read_text())  # must stay valid JSON
    write_readme(out, fixtures, stats, mappings, args.models, total)
    print(f"total {total:.1f} s; wrote {path} and {out / 'README.md'}")


if __name__ == "__main__":
    main()
