#!/usr/bin/env python3
"""Reference weights from NEST 3.10's built-in synapse models, for the conformance tests of the
synapses that `include_nestml!` generates from the NESTML model library.

Usage:
    nest_synapse_reference.py [--out DIR] [--models DIR] [--only NAME ...] [--no-self-check]

For each NEST built-in synapse in ``MODELS`` (static_synapse, stdp_synapse, ..., tsodyks_synapse),
matched to a NESTML library model in ``../shared/nestml-models/synapses`` (or ``--models``), NEST
3.10 (``pip install nest-simulator==3.10.0``) is run on fixed spike trains at the resolutions 0.1
and 1.0 ms and the dendritic delays 1.0 and 5.0 ms. One JSON per NEST model is written to
``DIR/<nest model>.json`` plus ``DIR/README.md`` (format, time conventions, parameter mapping,
semantic differences to the NESTML library models, a table of the cases). The output is
deterministic (one thread, fixed seeds); only the timings in the README change.

Set-up of every case (as in the NESTML synapse tests):

    spike_generator --(delay h)--> parrot_neuron "pre"
    pre --[synapse under test, delay d, receptor_type 1]--> parrot_neuron "post"
    spike_generator --(delay h)--> post (receptor 0: imposes the post spike train)

A parrot ignores spikes on receptor 1, so the plastic connection never makes the post parrot
fire. The generators emit at ``t - h`` so that the parrots spike at the designed times ``t``
(rounded half up to the grid of the resolution ``h``; the fixtures hold the times the
spike_recorders report, and the script checks that they equal the designed ones). A
weight_recorder on the synapse records the weight sent with every presynaptic spike. For
stdp_dopamine_synapse a third spike_generator drives a parrot "mod" that is connected to a
volume_transmitter with delay ``mod_delay``.

Conventions (measured, and tested by the self-check):

- ``pre_spike_times`` are the pre parrot's spike stamps; the synapse's ``send()`` runs with
  ``t_spike`` = that stamp (not stamp + delay). ``weight_times`` equal ``pre_spike_times``
  (checked for every case) and ``weights[i]`` is the weight sent with pre spike i, i.e. the weight
  after the update that this spike triggers (tsodyks: ``w * delta_y``).
- ``post_spike_times`` are the post parrot's stamps. NEST's plastic synapses see a post spike at
  ``t_post + d``: at a pre spike ``t_pre`` they read the post history in the window
  ``(t_last_pre - d, t_pre - d]`` (facilitation) and the post trace Kminus from the latest post
  spike strictly before ``t_pre - d`` (depression); all comparisons with NEST's stdp_eps = 1e-6 ms.
- stdp_dopamine_synapse sees a dopamine spike of the mod parrot at ``stamp + mod_delay``
  (``mod_spike_times_seen``), and is updated (trigger_update_weight) at the end of every
  ``deliver_interval * min_delay`` steps, here every step.

The self-check (on by default) re-implements NEST's update rules of every model in plain Python
with exactly these conventions (pair-based stdp_synapse with Kplus/Kminus as the required core)
and compares with NEST's weights and final connection state of every case (relative error
< 1e-12, stdp_dopamine_synapse < 1e-10); the script fails if they disagree. It also runs a plain
Python reading of each NESTML library model as written (events in time order, post spikes at
``t_post + d`` handled before a pre spike at the same time) and reports the deviation from NEST
per case in the README, so that the Rust tests can state their tolerance per model.
"""

import argparse
import json
import math
import os
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from nest_reference import clean, import_nest, literal_value  # noqa: E402  (the project's own helpers)

REPO = Path(__file__).resolve().parent.parent
DEFAULT_MODELS_DIR = REPO.parent / "shared" / "nestml-models" / "synapses"
NESTML_FILE_PREFIX = "../shared/nestml-models/synapses"  # relative to the repository root

NEST_VERSION_WANTED = "3.10.0"
SEED = 20240607
RESOLUTIONS = (0.1, 1.0)
DELAYS = (1.0, 5.0)
MOD_DELAY = 1.0  # ms, mod parrot -> volume_transmitter
STDP_EPS = 1.0e-6  # NEST's connection_manager stdp_eps default (connection_manager.cpp:78)
T_MIN = 2.0  # ms, no designed spike earlier (the generators emit at t - h > 0)
T_TAIL = 10.0  # ms simulated after the last spike + the largest delay

MS_PER_TIC = 0.001  # NEST's default tics_per_ms = 1000
TOL_SELF_CHECK = 1e-12
TOL_SELF_CHECK_DOPA = 1e-10

PLASTIC_SCENARIOS = ("regular", "poisson", "pairs", "coincident")
PRE_ONLY_SCENARIOS = ("regular", "poisson", "burst")
PAIR_OFFSETS = (1.0, -1.0, 5.0, -5.0, 20.0, -20.0)  # post - pre, ms

# ---------------------------------------------------------------------------------------------
# Models: NEST parameter (where it is set) -> NESTML name. "syn": syn_spec of Connect; "common":
# CopyModel defaults (stdp_dopamine_synapse's common properties); "post": the post parrot.
# nestml None: no NESTML counterpart. Extra NESTML values without a NEST parameter in "extra".
# ---------------------------------------------------------------------------------------------

STDP_PARAMS = [
    ("weight", "syn", 50.0, "w"),
    ("tau_plus", "syn", 15.0, "tau_tr_pre"),
    ("lambda", "syn", 0.05, "lambda"),
    ("alpha", "syn", 1.3, "alpha"),
    ("mu_plus", "syn", 0.4, "mu_plus"),
    ("mu_minus", "syn", 0.7, "mu_minus"),
    ("Wmax", "syn", 100.0, "Wmax"),
    ("tau_minus", "post", 25.0, "tau_tr_post"),
]
STDP_EXTRA = {"Wmin": (0.0, "NEST's stdp synapses clip at 0 (hard-coded; no parameter)")}

MODELS = {
    "static_synapse": dict(
        nestml="static_synapse", kind="static", scenarios=PRE_ONLY_SCENARIOS,
        sets={"default": [("weight", "syn", 2.5, "w")]},
        state_keys=["weight"],
    ),
    "stdp_synapse": dict(
        nestml="stdp_synapse", kind="stdp", scenarios=PLASTIC_SCENARIOS,
        sets={"default": STDP_PARAMS}, extra=STDP_EXTRA,
        state_keys=["weight", "Kplus"],
    ),
    "stdp_nn_symm_synapse": dict(
        nestml="stdp_nn_symm_synapse", kind="nn_symm", scenarios=PLASTIC_SCENARIOS,
        nestml_initial_state_for_nest={"pre_trace": 1.0},
        sets={"default": STDP_PARAMS}, extra=STDP_EXTRA,
        state_keys=["weight"],
    ),
    "stdp_nn_pre_centered_synapse": dict(
        nestml="stdp_nn_pre_centered_synapse", kind="nn_pre_centered",
        scenarios=PLASTIC_SCENARIOS, sets={"default": STDP_PARAMS}, extra=STDP_EXTRA,
        state_keys=["weight", "Kplus"],
    ),
    "stdp_nn_restr_synapse": dict(
        nestml="stdp_nn_restr_symm_synapse", kind="nn_restr", scenarios=PLASTIC_SCENARIOS,
        nestml_initial_state_for_nest={"pre_trace": 1.0, "pre_handled": False},
        sets={"default": STDP_PARAMS}, extra=STDP_EXTRA,
        state_keys=["weight"],
    ),
    "stdp_triplet_synapse": dict(
        nestml="stdp_triplet_synapse", kind="triplet", scenarios=PLASTIC_SCENARIOS,
        sets={"default": [
            ("weight", "syn", 1.0, "w"),
            ("tau_plus", "syn", 16.8, "tau_plus"),
            ("tau_plus_triplet", "syn", 101.0, "tau_x"),
            ("Aplus", "syn", 5e-3, "A2_plus"),
            ("Aplus_triplet", "syn", 6.2e-3, "A3_plus"),
            ("Aminus", "syn", 7e-3, "A2_minus"),
            ("Aminus_triplet", "syn", 2.3e-3, "A3_minus"),
            ("Wmax", "syn", 3.0, "Wmax"),
            ("tau_minus", "post", 33.7, "tau_minus"),
            ("tau_minus_triplet", "post", 125.0, "tau_y"),
        ]},
        extra={"Wmin": (0.0, "NEST's triplet synapse clips |w| at 0 (hard-coded)")},
        state_keys=["weight", "Kplus", "Kplus_triplet"],
    ),
    "stdp_dopamine_synapse": dict(
        nestml="neuromodulated_stdp_synapse", kind="dopamine", scenarios=PLASTIC_SCENARIOS,
        sets={"default": [
            ("weight", "syn", 50.0, "w"),
            ("A_plus", "common", 0.4, "A_plus"),
            ("A_minus", "common", 0.5, "A_minus"),
            ("tau_plus", "common", 15.0, "tau_tr_pre"),
            ("tau_c", "common", 200.0, "tau_c"),
            ("tau_n", "common", 50.0, "tau_n"),
            ("b", "common", 0.005, "b"),
            ("Wmin", "common", 5.0, "Wmin"),
            ("Wmax", "common", 150.0, "Wmax"),
            ("tau_minus", "post", 25.0, "tau_tr_post"),
        ]},
        state_keys=["weight", "Kplus", "c", "n"],
    ),
    "tsodyks_synapse": dict(
        nestml="tsodyks_synapse", kind="tsodyks", scenarios=PRE_ONLY_SCENARIOS,
        sets={
            "depressing": [
                ("weight", "syn", 100.0, "w"),
                ("U", "syn", 0.5, "U"),
                ("tau_psc", "syn", 3.0, "tau_psc"),
                ("tau_rec", "syn", 800.0, "tau_rec"),
                ("tau_fac", "syn", 0.0, "tau_fac"),
                ("u", "syn", 0.0, "u"),
                ("x", "syn", 1.0, "x"),
                ("y", "syn", 0.0, "y"),
            ],
            "facilitating": [
                ("weight", "syn", 100.0, "w"),
                ("U", "syn", 0.1, "U"),
                ("tau_psc", "syn", 3.0, "tau_psc"),
                ("tau_rec", "syn", 100.0, "tau_rec"),
                ("tau_fac", "syn", 1000.0, "tau_fac"),
                ("u", "syn", 0.1, "u"),  # = U, the NESTML model's initial u
                ("x", "syn", 1.0, "x"),
                ("y", "syn", 0.0, "y"),
            ],
            "facilitating_u0": [
                ("weight", "syn", 100.0, "w"),
                ("U", "syn", 0.1, "U"),
                ("tau_psc", "syn", 3.0, "tau_psc"),
                ("tau_rec", "syn", 100.0, "tau_rec"),
                ("tau_fac", "syn", 1000.0, "tau_fac"),
                ("u", "syn", 0.0, "u"),  # NEST's default initial u
                ("x", "syn", 1.0, "x"),
                ("y", "syn", 0.0, "y"),
            ],
        },
        state_keys=["weight", "x", "y", "u"],
    ),
}

# Connection status entries that are identifiers, not state.
ID_KEYS = {"port", "receptor", "sizeof", "source", "synapse_id", "synapse_model", "target",
           "target_thread", "delay"}

# ---------------------------------------------------------------------------------------------
# Time grid
# ---------------------------------------------------------------------------------------------


def tics_per_step(h):
    return int(round(h / MS_PER_TIC))


def nest_time(steps, h):
    """A time in ms exactly as NEST prints it: (steps * tics per step) * 0.001."""
    return float(steps * tics_per_step(h)) * MS_PER_TIC


def to_steps(t, h):
    """Designed time (ms) -> grid step, rounded half up."""
    return int(math.floor(t / h + 0.5))


def grid_train(times, h):
    """Designed times -> sorted, duplicate-free grid times (ms, as NEST prints them)."""
    steps = sorted({to_steps(t, h) for t in times})
    return [nest_time(s, h) for s in steps]


# ---------------------------------------------------------------------------------------------
# Spike trains (designed, in ms, before rounding to the grid)
# ---------------------------------------------------------------------------------------------


def poisson_train(rng, rate_hz, t_stop):
    out, t = [], 0.0
    while True:
        t += rng.exponential(1000.0 / rate_hz)
        if t >= t_stop:
            return out
        if t >= T_MIN:
            out.append(float(t))


def designed_trains(scenario, d):
    """(pre, post, description) in ms before rounding. post is [] for pre-only scenarios."""
    import numpy as np

    if scenario == "regular":
        pre = [10.0 + 50.0 * k for k in range(20)]
        post = [t for t in (3.0 + k * 1000.0 / 17.0 for k in range(17)) if t < 1000.0]
        return pre, post, ("pre 20 Hz from 10 ms (10, 60, ..., 960), post 17 Hz from 3 ms "
                           "(3 + k*1000/17, k = 0..16); post spikes precede the first pre spike")
    if scenario == "poisson":
        rng = np.random.default_rng(SEED)
        pre = poisson_train(rng, 15.0, 2000.0)
        post = poisson_train(rng, 15.0, 2000.0)
        return pre, post, (f"Poisson 15 Hz over [2, 2000) ms each, numpy default_rng({SEED}) "
                           "exponential ISIs (pre drawn first, then post), rounded half up to "
                           "the grid, duplicates removed")
    if scenario == "pairs":
        pre = [100.0 + 200.0 * i for i in range(len(PAIR_OFFSETS))]
        post = [t + o for t, o in zip(pre, PAIR_OFFSETS)]
        return pre, post, ("pairs 200 ms apart, pre at 100 + 200 i, post - pre = "
                           + ", ".join(f"{o:+g}" for o in PAIR_OFFSETS) + " ms")
    if scenario == "coincident":
        pre, post = [], []
        for rep in range(3):
            b = 100.0 + 400.0 * rep
            pre.append(b)
            post.append(b)  # same step
            pre.append(b + 100.0)
            post.append(b + 100.0 - d)  # t_post + d = t_pre
            pre.append(b + 200.0)
            post.append(b + 200.0 + d)  # t_pre + d = t_post
            pre.append(b + 300.0)
            post.extend([b + 300.0 - d - 3.0, b + 300.0 - d])  # two posts, the later at t_pre - d
        return pre, post, ("groups 100 ms apart, repeated 3 times (every 400 ms from 100 ms): "
                           "post in the same step as pre; post at t_pre - d (the synapse sees "
                           "it at t_pre); post at t_pre + d; posts at t_pre - d - 3 and t_pre - d")
    if scenario == "burst":
        pre = ([50.0 + 20.0 * k for k in range(10)] + [400.0 + 5.0 * k for k in range(5)]
               + [700.0, 1000.0, 1500.0])
        return pre, [], ("10 spikes at 50 Hz from 50 ms, 5 spikes at 200 Hz from 400 ms, "
                         "recovery probes at 700, 1000, 1500 ms")
    raise ValueError(scenario)


def scenario_description(scenario, cfg):
    text = designed_trains(scenario, 0.0)[2]
    if cfg["kind"] in ("static", "tsodyks"):
        text = {"regular": "pre 20 Hz from 10 ms (10, 60, ..., 960); no post spikes",
                "poisson": (f"pre Poisson 15 Hz over [2, 2000) ms, numpy default_rng({SEED}) "
                            "exponential ISIs, rounded half up to the grid, duplicates removed "
                            "(the pre train of the plastic models' poisson scenario); no post "
                            "spikes")}.get(scenario, text)
    return text


def designed_mod_train(t_end):
    """Dopamine: bursts of 3 spikes 5 ms apart every 100 ms (10 Hz bursts) from 30 ms."""
    out = []
    b = 30.0
    while b < t_end:
        out.extend([b, b + 5.0, b + 10.0])
        b += 100.0
    return [t for t in out if t < t_end]


MOD_DESCRIPTION = ("bursts of 3 mod parrot spikes 5 ms apart every 100 ms (30, 35, 40, 130, ...) "
                   "up to the last pre/post spike; the synapse sees them mod_delay later")

# ---------------------------------------------------------------------------------------------
# NESTML model files (a simple reader of the parameters and state blocks)
# ---------------------------------------------------------------------------------------------


def read_nestml_decls(path):
    """name -> {"block", "type", "expr", "value"} for the parameters and state blocks."""
    decls = {}
    block = None
    for line in Path(path).read_text().splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        indent = len(line) - len(line.lstrip())
        m = re.match(r"^(parameters|state|internals|equations|input|output|update|onReceive)\b",
                     stripped)
        if m and indent <= 4:
            block = m.group(1)
            continue
        if block not in ("parameters", "state") or indent <= 4:
            continue
        code = line.split("#", 1)[0].strip()
        m = re.match(r"^(\w+)\s+(\w+(?:\s*/\s*\w+)?)\s*=\s*(.+?)\s*(\[\[.*\]\])?$", code)
        if m:
            name, typ, expr, _ = m.groups()
            decls[name] = {"block": block, "type": typ, "expr": expr,
                           "value": literal_value(expr)}
    return decls


# ---------------------------------------------------------------------------------------------
# NEST runs
# ---------------------------------------------------------------------------------------------


def parameter_tables(cfg, pset):
    """(nest syn_spec extras, common defaults, post params, nest_parameters, nestml_parameters)."""
    syn, common, post = {}, {}, {}
    nest_params, nestml_params = {}, {}
    for nest_name, where, value, nestml_name in cfg["sets"][pset]:
        {"syn": syn, "common": common, "post": post}[where][nest_name] = value
        key = nest_name if where != "post" else f"post.{nest_name}"
        nest_params[key] = value
        if nestml_name is not None:
            nestml_params[nestml_name] = value
    for nestml_name, (value, _) in cfg.get("extra", {}).items():
        nestml_params[nestml_name] = value
    return syn, common, post, nest_params, nestml_params


def run_case(nest, name, cfg, pset, scenario, h, d):
    t0 = time.time()
    pre_d, post_d, _ = designed_trains(scenario, d)
    if cfg["kind"] in ("static", "tsodyks"):
        post_d = []  # pre spikes only
    pre_t = grid_train(pre_d, h)
    post_t = grid_train(post_d, h)
    assert pre_t[0] >= T_MIN - h / 2 and (not post_t or post_t[0] >= T_MIN - h / 2)
    last = max(pre_t + post_t)
    mod_t = grid_train(designed_mod_train(last), h) if cfg["kind"] == "dopamine" else []
    t_sim = nest_time(to_steps(last + max(d, MOD_DELAY) + T_TAIL, h), h)

    syn, common, post_params, nest_params, _ = parameter_tables(cfg, pset)
    nest.ResetKernel()
    nest.set(resolution=h, local_num_threads=1, rng_seed=SEED)

    def generator(times):
        return nest.Create("spike_generator",
                           params={"spike_times": [nest_time(to_steps(t, h) - 1, h)
                                                   for t in times]})

    pre = nest.Create("parrot_neuron")
    post = nest.Create("parrot_neuron", params=post_params)
    nest.Connect(generator(pre_t), pre, syn_spec={"delay": h})
    if post_t:
        nest.Connect(generator(post_t), post, syn_spec={"delay": h})
    wr = nest.Create("weight_recorder")
    model_defaults = {"weight_recorder": wr}
    mod_sr = None
    vt = None
    if cfg["kind"] == "dopamine":
        mod = nest.Create("parrot_neuron")
        vt = nest.Create("volume_transmitter")
        nest.Connect(generator(mod_t), mod, syn_spec={"delay": h})
        nest.Connect(mod, vt, syn_spec={"delay": MOD_DELAY})
        model_defaults["volume_transmitter"] = vt
        mod_sr = nest.Create("spike_recorder")
        nest.Connect(mod, mod_sr)
    model_defaults.update(common)
    rec_model = f"{name}__rec"
    nest.CopyModel(name, rec_model, model_defaults)
    spec = {"synapse_model": rec_model, "receptor_type": 1, "delay": d}
    spec.update(syn)
    nest.Connect(pre, post, syn_spec=spec)
    sr_pre = nest.Create("spike_recorder")
    sr_post = nest.Create("spike_recorder")
    nest.Connect(pre, sr_pre)
    nest.Connect(post, sr_post)
    nest.Simulate(t_sim)

    rec_pre = [float(t) for t in sr_pre.get("events")["times"]]
    rec_post = [float(t) for t in sr_post.get("events")["times"]]
    if rec_pre != pre_t or rec_post != post_t:
        raise AssertionError(f"{name} {scenario} h={h} d={d}: recorded spike times differ from "
                             f"the designed grid times")
    ev = wr.get("events")
    w_times = [float(t) for t in ev["times"]]
    weights = [float(w) for w in ev["weights"]]
    if w_times != pre_t:
        raise AssertionError(f"{name} {scenario} h={h} d={d}: weight_recorder times {w_times} "
                             f"!= pre spike times {pre_t}")
    conn = nest.GetConnections(pre, post)
    status = conn.get()
    if isinstance(status, list):
        status = status[0]
    final = {}
    for k in cfg["state_keys"]:
        final[k] = float(status[k])
    leftover = [k for k, v in status.items() if isinstance(v, (int, float))
                and not isinstance(v, bool) and k not in ID_KEYS and k not in final
                and k not in nest_params]
    if leftover:
        raise AssertionError(f"{name}: unexpected numeric connection entries {leftover}")

    case = {
        "scenario": scenario,
        "parameter_set": pset,
        "resolution": h,
        "delay": d,
        "simulation_time": t_sim,
        "pre_spike_times": rec_pre,
        "post_spike_times": rec_post,
    }
    if scenario == "pairs":
        case["post_minus_pre"] = [round(b - a, 9) for a, b in zip(pre_t, post_t)]
    if cfg["kind"] == "dopamine":
        rec_mod = [float(t) for t in mod_sr.get("events")["times"]]
        if rec_mod != mod_t:
            raise AssertionError(f"{name}: mod spike times differ from the designed ones")
        case["mod_spike_times"] = rec_mod
        case["mod_delay"] = MOD_DELAY
        case["mod_spike_times_seen"] = [nest_time(to_steps(t, h) + to_steps(MOD_DELAY, h), h)
                                        for t in rec_mod]
        case["deliver_interval"] = int(vt.get("deliver_interval"))
        case["min_delay"] = float(nest.min_delay)
    case["weight_times"] = w_times
    case["weights"] = weights
    case["final_status"] = final
    case["_seconds"] = time.time() - t0
    return case


# ---------------------------------------------------------------------------------------------
# Plain-Python re-implementation of NEST's rules (self-check)
# ---------------------------------------------------------------------------------------------


class PostHistory:
    """NEST's ArchivingNode for the post parrot: Kminus / Kminus_triplet at each post spike,
    get_history (window (t1, t2] with eps) and get_K_value(s) (latest spike strictly before t)."""

    def __init__(self, post_times, tau_minus, tau_minus_triplet=110.0):
        self.inv = 1.0 / tau_minus
        self.inv_trip = 1.0 / tau_minus_triplet
        self.entries = []  # (t, Kminus, Kminus_triplet)
        km = kt = 0.0
        last = -1.0
        for t in post_times:
            km = km * math.exp((last - t) * self.inv) + 1.0
            kt = kt * math.exp((last - t) * self.inv_trip) + 1.0
            last = t
            self.entries.append((t, km, kt))

    def window(self, t1, t2):
        return [e for e in self.entries if t1 + STDP_EPS <= e[0] < t2 + STDP_EPS]

    def latest_before(self, t):
        best = None
        for e in self.entries:
            if t - e[0] > STDP_EPS:
                best = e
        return best

    def K_value(self, t):
        e = self.latest_before(t)
        return 0.0 if e is None else e[1] * math.exp((e[0] - t) * self.inv)

    def nn_K_value(self, t):
        e = self.latest_before(t)
        return 0.0 if e is None else math.exp((e[0] - t) * self.inv)


def _stdp_fac(w, k, p):
    nw = w / p["Wmax"] + p["lambda"] * math.pow(1.0 - w / p["Wmax"], p["mu_plus"]) * k
    return nw * p["Wmax"] if nw < 1.0 else p["Wmax"]


def _stdp_dep(w, k, p):
    nw = w / p["Wmax"] - p["alpha"] * p["lambda"] * math.pow(w / p["Wmax"], p["mu_minus"]) * k
    return nw * p["Wmax"] if nw > 0.0 else 0.0


def python_nest(kind, case, p):
    """NEST's update rule in plain Python. p: nest_parameters. Returns (weights, final)."""
    pre, post, d = case["pre_spike_times"], case["post_spike_times"], case["delay"]
    if kind == "static":
        return [p["weight"]] * len(pre), {"weight": p["weight"]}
    if kind == "tsodyks":
        return python_nest_tsodyks(pre, p)
    if kind == "dopamine":
        return python_nest_dopamine(case, p)
    hist = PostHistory(post, p["post.tau_minus"], p.get("post.tau_minus_triplet", 110.0))
    w = p["weight"]
    kplus = kplus_t = 0.0
    t_last = 0.0  # NEST's t_lastspike_ starts at 0 (a phantom pre spike at t = 0 for nn_*)
    weights = []
    for t in pre:
        win = hist.window(t_last - d, t - d)
        if kind == "stdp":
            for tp, _, _ in win:
                w = _stdp_fac(w, kplus * math.exp((t_last - (tp + d)) / p["tau_plus"]), p)
            w = _stdp_dep(w, hist.K_value(t - d), p)
            kplus = kplus * math.exp((t_last - t) / p["tau_plus"]) + 1.0
        elif kind == "nn_symm":
            for tp, _, _ in win:
                w = _stdp_fac(w, math.exp((t_last - (tp + d)) / p["tau_plus"]), p)
            w = _stdp_dep(w, hist.nn_K_value(t - d), p)
        elif kind == "nn_pre_centered":
            if win:
                w = _stdp_fac(w, kplus * math.exp((t_last - (win[0][0] + d)) / p["tau_plus"]), p)
                kplus = 0.0
            w = _stdp_dep(w, hist.nn_K_value(t - d), p)
            kplus = kplus * math.exp((t_last - t) / p["tau_plus"]) + 1.0
        elif kind == "nn_restr":
            if win:
                w = _stdp_fac(w, math.exp((t_last - (win[0][0] + d)) / p["tau_plus"]), p)
                w = _stdp_dep(w, hist.nn_K_value(t - d), p)
        elif kind == "triplet":
            for tp, _, kt in win:
                kp = kplus * math.exp((t_last - (tp + d)) / p["tau_plus"])
                nw = abs(w) + kp * (p["Aplus"] + p["Aplus_triplet"] * (kt - 1.0))
                w = math.copysign(nw if nw < abs(p["Wmax"]) else p["Wmax"], p["Wmax"])
            kplus_t *= math.exp((t_last - t) / p["tau_plus_triplet"])
            nw = abs(w) - hist.K_value(t - d) * (p["Aminus"] + p["Aminus_triplet"] * kplus_t)
            w = math.copysign(nw if nw > 0.0 else 0.0, p["Wmax"])
            kplus_t += 1.0
            kplus = kplus * math.exp((t_last - t) / p["tau_plus"]) + 1.0
        else:
            raise ValueError(kind)
        weights.append(w)
        t_last = t
    final = {"weight": w}
    if kind in ("stdp", "nn_pre_centered", "triplet"):
        final["Kplus"] = kplus
    if kind == "triplet":
        final["Kplus_triplet"] = kplus_t
    return weights, final


def python_nest_tsodyks(pre, p):
    x, y, u = p["x"], p["y"], p["u"]
    t_last = 0.0
    out = []
    for t in pre:
        dt = t - t_last
        puu = 0.0 if p["tau_fac"] == 0.0 else math.exp(-dt / p["tau_fac"])
        pyy = math.exp(-dt / p["tau_psc"])
        pzz = math.expm1(-dt / p["tau_rec"])
        pxy = (pzz * p["tau_rec"] - (pyy - 1.0) * p["tau_psc"]) / (p["tau_psc"] - p["tau_rec"])
        z = 1.0 - x - y
        u *= puu
        x += pxy * y - pzz * z
        y *= pyy
        u += p["U"] * (1.0 - u)
        dy = u * x
        x -= dy
        y += dy
        out.append(dy * p["weight"])
        t_last = t
    return out, {"weight": p["weight"], "x": x, "y": y, "u": u}


def dopamine_timeline(case):
    """Events of the dopamine synapse in its own time: (time, order, kind, arg). At equal times:
    mod spikes, then post spikes (t_post + d), then the pre spike."""
    d = case["delay"]
    ev = [(t, 0, "mod", None) for t in case["mod_spike_times_seen"]]
    ev += [(tp + d, 1, "post", tp) for tp in case["post_spike_times"]]
    ev += [(t, 2, "pre", None) for t in case["pre_spike_times"]]
    ev.sort(key=lambda e: (e[0], e[1]))
    return ev


def _dopa_advance(st, t_new, p, clip):
    dt = t_new - st["t"]
    if dt == 0.0:
        return
    taus = (p["tau_c"] + p["tau_n"]) / (p["tau_c"] * p["tau_n"])
    st["w"] -= st["c"] * (st["n"] / taus * math.expm1(-taus * dt)
                          - p["b"] * p["tau_c"] * math.expm1(-dt / p["tau_c"]))
    if clip:
        if st["w"] < p["Wmin"] or st["w"] > p["Wmax"]:
            st["clipped"] = True
        st["w"] = min(max(st["w"], p["Wmin"]), p["Wmax"])
    st["c"] *= math.exp(-dt / p["tau_c"])
    st["n"] *= math.exp(-dt / p["tau_n"])
    st["t"] = t_new


def python_nest_dopamine(case, p):
    """NEST's stdp_dopamine_synapse as an exact event-driven computation (no volume-transmitter
    triggers: NEST's per-step triggers only split the same exact solution into pieces)."""
    hist = PostHistory(case["post_spike_times"], p["post.tau_minus"])
    d = case["delay"]
    st = {"w": p["weight"], "c": 0.0, "n": 0.0, "t": 0.0, "clipped": False}
    kplus, t_last = 0.0, 0.0
    weights = []
    t_end = case["simulation_time"]
    for t, _, kind, tp in dopamine_timeline(case):
        if t > t_end:
            break
        _dopa_advance(st, t, p, clip=True)
        if kind == "mod":
            st["n"] += 1.0 / p["tau_n"]
        elif kind == "post":
            st["c"] += p["A_plus"] * kplus * math.exp((t_last - t) / p["tau_plus"])
        else:
            st["c"] -= p["A_minus"] * hist.K_value(t - d)
            weights.append(st["w"])
            kplus = kplus * math.exp((t_last - t) / p["tau_plus"]) + 1.0
            t_last = t
    _dopa_advance(st, t_end, p, clip=True)
    if st["clipped"]:
        raise AssertionError("dopamine: the weight reached Wmin/Wmax; the NESTML model does not "
                             "clip, choose other parameters")
    kplus *= math.exp((t_last - t_end) / p["tau_plus"])
    return weights, {"weight": st["w"], "Kplus": kplus, "c": st["c"], "n": st["n"]}


# ---------------------------------------------------------------------------------------------
# Plain-Python reading of the NESTML library models as written (for the deviation table)
# ---------------------------------------------------------------------------------------------


def python_nestml(kind, case, q, nest_ties=False, nest_init=False):
    """The NESTML model's onReceive blocks in time order. q: nestml_parameters (NESTML defaults
    for the rest). Pre spikes at their stamp, post spikes at t_post + d, handled before a pre
    spike at the same time (PyNESTML's default); traces decay exactly. Returns the weights.

    nest_ties: NEST's tie rule: a post spike seen at exactly t_pre (t_post + d == t_pre) is
    handled before the pre spike, but the pre spike's depression reads the post trace(s) from
    just before that post spike. nest_init: NEST's phantom pre spike at t = 0 of the
    nearest-neighbour models without Kplus (nn_symm: pre_trace = 1 at t = 0; nn_restr: pre_trace
    = 1 and pre_handled = false at t = 0)."""
    pre, post, d = case["pre_spike_times"], case["post_spike_times"], case["delay"]
    if kind == "static":
        return [q["w"]] * len(pre)
    if kind == "tsodyks":
        x, y, u, tl = q.get("x", 1.0), q.get("y", 0.0), q.get("u", q["U"]), 0.0
        out = []
        for t in pre:
            dt = t - tl
            tl = t
            puu = 0.0 if q["tau_fac"] == 0.0 else math.exp(-dt / q["tau_fac"])
            pyy = math.exp(-dt / q["tau_psc"])
            pzz = math.exp(-dt / q["tau_rec"])
            pxy = ((pzz - 1.0) * q["tau_rec"] - (pyy - 1.0) * q["tau_psc"]) / (
                q["tau_psc"] - q["tau_rec"])
            z = 1.0 - x - y
            u *= puu
            x += pxy * y + (1.0 - pzz) * z
            y *= pyy
            u += q["U"] * (1.0 - u)
            dy = u * x
            x -= dy
            y += dy
            out.append(dy * q["w"])
        return out
    if kind == "dopamine":
        st = {"w": q["w"], "c": 0.0, "n": 0.0, "t": 0.0}
        pre_tr = post_tr = 0.0
        snap = (None, 0.0)  # (time, post_tr before the post spike at that time)
        out = []
        for t, _, k, _ in dopamine_timeline(case):
            dt = t - st["t"]
            pre_tr *= math.exp(-dt / q["tau_tr_pre"])
            post_tr *= math.exp(-dt / q["tau_tr_post"])
            _dopa_advance(st, t, q, clip=False)
            if k == "mod":
                st["n"] += 1.0 / q["tau_n"]
            elif k == "post":
                if snap[0] != t:
                    snap = (t, post_tr)
                post_tr += 1.0
                st["c"] += q["A_plus"] * pre_tr
            else:
                pre_tr += 1.0
                seen = snap[1] if nest_ties and snap[0] == t else post_tr
                st["c"] -= q["A_minus"] * seen
                out.append(st["w"])
        return out
    ev = [(tp + d, 0, "post") for tp in post] + [(t, 1, "pre") for t in pre]
    ev.sort(key=lambda e: (e[0], e[1]))
    w = q["w"]
    if kind == "triplet":
        tr = {"r1": 0.0, "r2": 0.0, "o1": 0.0, "o2": 0.0}
        taus = {"r1": q["tau_plus"], "r2": q["tau_x"], "o1": q["tau_minus"], "o2": q["tau_y"]}
    else:
        tr = {"pre": 0.0, "post": 0.0}
        taus = {"pre": q["tau_tr_pre"], "post": q["tau_tr_post"]}
    pre_handled = True
    if nest_init and kind in ("nn_symm", "nn_restr"):
        tr["pre"] = 1.0
        pre_handled = False
    tl = 0.0
    out = []
    snap = (None, None)  # (time, traces before the post spike at that time)
    wmax, wmin = q["Wmax"], q["Wmin"]
    for t, _, k in ev:
        for key in tr:
            tr[key] *= math.exp(-(t - tl) / taus[key])
        tl = t
        if k == "post" and snap[0] != t:
            snap = (t, dict(tr))
        seen = snap[1] if nest_ties and k == "pre" and snap[0] == t else tr
        if kind == "triplet":
            if k == "post":
                w = min(wmax, w + tr["r1"] * (q["A2_plus"] + q["A3_plus"] * tr["o2"]))
                tr["o1"] += 1.0
                tr["o2"] += 1.0
            else:
                w = max(wmin, w - seen["o1"] * (q["A2_minus"] + q["A3_minus"] * tr["r2"]))
                tr["r1"] += 1.0
                tr["r2"] += 1.0
                out.append(w)
            continue

        def fac(w):
            return min(wmax, wmax * (w / wmax + q["lambda"] * (1.0 - w / wmax) ** q["mu_plus"]
                                     * tr["pre"]))

        def dep(w):
            return max(wmin, wmax * (w / wmax - q["alpha"] * q["lambda"]
                                     * (w / wmax) ** q["mu_minus"] * seen["post"]))

        if k == "post":
            if kind == "stdp":
                tr["post"] += 1.0
                w = fac(w)
            elif kind == "nn_symm":
                tr["post"] = 1.0
                w = fac(w)
            elif kind == "nn_pre_centered":
                tr["post"] = 1.0
                w = fac(w)
                tr["pre"] = 0.0
            elif kind == "nn_restr":
                tr["post"] = 1.0
                if not pre_handled:
                    w = fac(w)
                    pre_handled = True
        else:
            if kind == "stdp":
                tr["pre"] += 1.0
                w = dep(w)
            elif kind == "nn_symm":
                tr["pre"] = 1.0
                w = dep(w)
            elif kind == "nn_pre_centered":
                tr["pre"] += 1.0
                w = dep(w)
            elif kind == "nn_restr":
                tr["pre"] = 1.0
                if pre_handled:
                    w = dep(w)
                pre_handled = False
            out.append(w)
    return out


def rel_err(a, b):
    return abs(a - b) / max(abs(b), 1e-300) if a != b else 0.0


def max_rel(xs, ys):
    if len(xs) != len(ys):
        return math.inf
    return max((rel_err(a, b) for a, b in zip(xs, ys)), default=0.0)


# ---------------------------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------------------------


def to_json(v, level=0):
    """Top level and each case one key per line; lists and small dicts compact (floats repr)."""
    pad = " " * (2 * level)
    if isinstance(v, dict) and level < 1 or (isinstance(v, dict) and level == 2):
        items = [f"{pad}  {json.dumps(k)}: {to_json(x, level + 1)}" for k, x in v.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(v, list) and v and all(isinstance(e, dict) for e in v):
        items = [pad + "  " + to_json(e, level + 1) for e in v]
        return "[\n" + ",\n".join(items) + "\n" + pad + "]"
    return json.dumps(v, separators=(",", ":") if isinstance(v, list) else (", ", ": "),
                      allow_nan=False)


def build_model(nest, name, cfg, nestml_decls, check):
    t0 = time.time()
    sets = {}
    for pset in cfg["sets"]:
        _, _, _, nest_params, nestml_params = parameter_tables(cfg, pset)
        for k in nestml_params:
            if k not in nestml_decls:
                raise AssertionError(f"{name}: NESTML name {k} not in {cfg['nestml']}.nestml")
        sets[pset] = {"nest_parameters": nest_params, "nestml_parameters": nestml_params}
    cases, stats = [], []
    for pset in cfg["sets"]:
        p = sets[pset]["nest_parameters"]
        q = dict((k, v["value"]) for k, v in nestml_decls.items() if v["value"] is not None)
        q.update(sets[pset]["nestml_parameters"])
        for h in RESOLUTIONS:
            for d in DELAYS:
                for scenario in cfg["scenarios"]:
                    case = run_case(nest, name, cfg, pset, scenario, h, d)
                    seconds = case.pop("_seconds")
                    err = None
                    if check:
                        ws, final = python_nest(cfg["kind"], case, p)
                        err = max(max_rel(ws, case["weights"]),
                                  max(rel_err(final[k], case["final_status"][k])
                                      for k in final))
                        if set(final) != set(case["final_status"]):
                            raise AssertionError(f"{name}: final state keys {set(final)} vs "
                                                 f"{set(case['final_status'])}")
                        tol = TOL_SELF_CHECK_DOPA if cfg["kind"] == "dopamine" else TOL_SELF_CHECK
                        if not err <= tol:
                            raise AssertionError(
                                f"self-check {name} {pset} {scenario} h={h} d={d}: max rel err "
                                f"{err:g}\n python {ws} {final}\n NEST {case['weights']} "
                                f"{case['final_status']}")
                    devs = [max_rel(python_nestml(cfg["kind"], case, q, ties, init),
                                    case["weights"])
                            for ties, init in ((False, False), (True, False), (True, True))]
                    case["nestml_python_deviation"] = {
                        "as_written": devs[0], "tie_rule": devs[1],
                        "tie_rule_initial_state": devs[2]}
                    stats.append(dict(pset=pset, scenario=scenario, h=h, d=d,
                                      n_pre=len(case["pre_spike_times"]),
                                      n_post=len(case["post_spike_times"]),
                                      n_mod=len(case.get("mod_spike_times", [])),
                                      w_first=case["weights"][0], w_last=case["weights"][-1],
                                      w_min=min(case["weights"]), w_max=max(case["weights"]),
                                      final_w=case["final_status"]["weight"],
                                      self_err=err, nestml_dev=devs[0],
                                      nestml_dev_ties=devs[1], nestml_dev_nest=devs[2],
                                      seconds=seconds))
                    cases.append(case)
    first = next(iter(sets.values()))
    fixture = {
        "nest_model": name,
        "nestml_model": cfg["nestml"],
        "nestml_file": f"{NESTML_FILE_PREFIX}/{cfg['nestml']}.nestml",
        "nest_version": nest.__version__,
        "nest_parameters": first["nest_parameters"],
        "nestml_parameters": first["nestml_parameters"],
        "parameter_sets": sets,
        "scenarios": {s: scenario_description(s, cfg) for s in cfg["scenarios"]},
    }
    if cfg.get("nestml_initial_state_for_nest"):
        fixture["nestml_initial_state_for_nest"] = cfg["nestml_initial_state_for_nest"]
    if cfg["kind"] == "dopamine":
        fixture["mod_spikes"] = MOD_DESCRIPTION
    fixture["cases"] = cases
    return clean(fixture), stats, time.time() - t0


# ---------------------------------------------------------------------------------------------
# README
# ---------------------------------------------------------------------------------------------


def fmt(v):
    return f"{v:.6g}" if isinstance(v, float) else str(v)


def fmt_err(e):
    if e is None:
        return "–"
    return "0" if e == 0.0 else f"{e:.1e}"


def write_readme(out, all_stats, timings, nestml_dir):
    template = (Path(__file__).resolve().parent / "nest_synapse_reference_readme.md").read_text()
    files = []
    for name in MODELS:
        f = out / f"{name}.json"
        if f.exists():
            files.append((name, json.loads(f.read_text()), f.stat().st_size))
    total = sum(s for _, _, s in files)

    model_rows = ["| NEST model | NESTML model | parameter sets | cases | bytes |",
                  "|---|---|---|---|---|"]
    for name, fx, size in files:
        model_rows.append(f"| {name} | {fx['nestml_model']} | "
                          f"{', '.join(fx['parameter_sets'])} | {len(fx['cases'])} | {size} |")

    param_rows = ["| NEST model | set | NEST name = value → NESTML name (NESTML default) |",
                  "|---|---|---|"]
    for name, fx, _ in files:
        decls = read_nestml_decls(Path(nestml_dir) / f"{fx['nestml_model']}.nestml")
        cfg = MODELS[name]
        for pset, tables in fx["parameter_sets"].items():
            parts = []
            for nest_name, where, value, nestml_name in cfg["sets"][pset]:
                nn = "post." + nest_name if where == "post" else nest_name
                s = f"`{nn}` = {fmt(value)}"
                if where == "common":
                    s += " (common)"
                if nestml_name is not None:
                    dflt = decls.get(nestml_name, {}).get("expr", "?")
                    s += f" → `{nestml_name}` ({dflt})"
                parts.append(s)
            for nestml_name, (value, why) in cfg.get("extra", {}).items():
                dflt = decls.get(nestml_name, {}).get("expr", "?")
                parts.append(f"`{nestml_name}` = {fmt(value)} ({dflt}; {why})")
            model_rows_label = name if pset == next(iter(fx["parameter_sets"])) else ""
            param_rows.append(f"| {model_rows_label} | {pset} | {'; '.join(parts)} |")

    case_rows = ["| # | NEST model | set | scenario | dt | d | #pre | #post | #mod | first w | "
                 "last w | min w | max w | final weight | self-check | (a) | (b) | (c) |",
                 "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    dev_keys = ("nestml_dev", "nestml_dev_ties", "nestml_dev_nest")
    summary = {}
    for name, stats in all_stats.items():
        for i, s in enumerate(stats):
            case_rows.append(
                f"| {i} | {name} | {s['pset']} | {s['scenario']} | {s['h']:g} | {s['d']:g} | "
                f"{s['n_pre']} | {s['n_post']} | {s['n_mod']} | {fmt(s['w_first'])} | "
                f"{fmt(s['w_last'])} | {fmt(s['w_min'])} | {fmt(s['w_max'])} | "
                f"{fmt(s['final_w'])} | {fmt_err(s['self_err'])} | "
                + " | ".join(fmt_err(s[k]) for k in dev_keys) + " |")
            key = (name, s["pset"], s["scenario"])
            old, where = summary.get(key, ((0.0, 0.0, 0.0), []))
            if s["nestml_dev"] > 1e-13:
                where = where + [f"{s['h']:g}/{s['d']:g}"]
            summary[key] = (tuple(max(o, s[k]) for o, k in zip(old, dev_keys)), where)
    dev_rows = ["| NEST model | set | scenario | (a) as written | (a) > 1e-13 at dt/d | "
                "(b) + NEST tie rule | (c) + tie rule + NEST initial state |",
                "|---|---|---|---|---|---|---|"]
    for (name, pset, scen), (v, where) in summary.items():
        dev_rows.append(f"| {name} | {pset} | {scen} | {fmt_err(v[0])} | "
                        f"{', '.join(where) or '–'} | {fmt_err(v[1])} | {fmt_err(v[2])} |")

    self_errs = {}
    for name, stats in all_stats.items():
        errs = [s["self_err"] for s in stats if s["self_err"] is not None]
        if errs:
            self_errs[name] = max(errs)
    self_text = ("not run" if not self_errs else ", ".join(
        f"{n} {fmt_err(e)}" for n, e in self_errs.items()))

    text = (template.replace("{{MODEL_TABLE}}", "\n".join(model_rows))
            .replace("{{PARAM_TABLE}}", "\n".join(param_rows))
            .replace("{{CASE_TABLE}}", "\n".join(case_rows))
            .replace("{{DEVIATION_TABLE}}", "\n".join(dev_rows))
            .replace("{{SELF_CHECK}}", self_text)
            .replace("{{TOTAL_BYTES}}", f"{total / 1e6:.2f} MB in {len(files)} files")
            .replace("{{TIMINGS}}", timings))
    (out / "README.md").write_text(text)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=str(REPO / "tests" / "fixtures" / "nest_synapses"))
    ap.add_argument("--models", default=str(DEFAULT_MODELS_DIR),
                    help="folder with the NESTML library's synapse .nestml files")
    ap.add_argument("--only", nargs="*", help="NEST model names to regenerate")
    ap.add_argument("--no-self-check", action="store_true")
    args = ap.parse_args(argv)

    nest = import_nest("nest_synapse_reference")

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    models = args.only or list(MODELS)
    for m in models:
        if m not in MODELS:
            ap.error(f"unknown model {m}; known: {', '.join(MODELS)}")
    t_all = time.time()
    all_stats, timings = {}, []
    for name in models:
        cfg = MODELS[name]
        decls = read_nestml_decls(Path(args.models) / f"{cfg['nestml']}.nestml")
        fixture, stats, secs = build_model(nest, name, cfg, decls, not args.no_self_check)
        path = out / f"{name}.json"
        path.write_text(to_json(fixture) + "\n")
        json.loads(path.read_text())  # must stay valid JSON
        all_stats[name] = stats
        errs = [s["self_err"] for s in stats if s["self_err"] is not None]
        devs = [fmt_err(max(s[k] for s in stats))
                for k in ("nestml_dev", "nestml_dev_ties", "nestml_dev_nest")]
        print(f"{name:28s} {len(stats):3d} cases {secs:5.1f} s {path.stat().st_size:7d} B  "
              f"self-check {fmt_err(max(errs)) if errs else 'not run'}  "
              f"NESTML dev (a/b/c) {'/'.join(devs)}", flush=True)
        timings.append(f"| {name} | {len(stats)} | {secs:.1f} |")
    total = time.time() - t_all
    if args.only and set(models) != set(MODELS):
        # The case and deviation tables need every model's statistics: recompute the others
        # from scratch is too slow to hide, so a partial run keeps the README as it is.
        print("partial run (--only): README.md not rewritten; run without --only to rebuild it")
        return
    timing_text = ("| NEST model | cases | seconds |\n|---|---|---|\n" + "\n".join(timings)
                   + f"\n\nTotal {total:.1f} s (NEST runs, self-check and NESTML-as-written "
                   "comparison).")
    write_readme(out, all_stats, timing_text, args.models)
    print(f"total {total:.1f} s; README at {out / 'README.md'}")


if __name__ == "__main__":
    main()
