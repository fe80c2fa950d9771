#!/usr/bin/env python3
"""Reference weights from synapses that PyNESTML 9.0.0 generates for NEST 3.10, for synapse
models that have no NEST built-in (and stdp_synapse, for PyNESTML's own result on a model NEST
also has).

Usage:
    pynestml_synapse_reference.py [--out DIR] [--shared DIR] [--build-dir DIR] [--only NAME ...]
                                  [--rebuild] [--build-only] [--no-self-check]

For each entry of ``MODELS`` (stdp_vogels_synapse, a variant of it with the onReceive priorities
exchanged, stdp_windowed_synapse, stdp_triplet_nn_synapse, stdp_synapse,
third_factor_stdp_synapse) PyNESTML co-generates the synapse with its postsynaptic neuron
(``neuron_synapse_pairs`` with ``post_ports``) into a NEST extension module, built against the pip
NEST 3.10.0 in ``--build-dir`` (default ``/tmp/pynestml_build``: a corrected ``nest-config`` in
``BUILD/nest_prefix``, generated code in ``BUILD/<model>/target``, the module in
``BUILD/<model>/install``). A module is rebuilt only when its inputs changed (the model files,
the code generator options, the PyNESTML version) or with ``--rebuild``. Building needs
``apt-get install cmake libltdl-dev libgsl-dev libboost-dev`` (NEST's public headers include
them) and a C++20 compiler. The NESTML files are read from ``../shared`` (``--shared``) at run
time; the variant's edited copy is written to the build folder.

Then NEST 3.10 runs the spike trains of ``tools/nest_synapse_reference.py`` (whose helpers this
script imports) at the resolutions 0.1 and 1.0 ms and the delays 1.0 and 5.0 ms. Set-up of
every case:

    spike_generator --(delay h)--> parrot_neuron "pre"
    spike_generator --(static, weight 1e4, delay h)--> co-generated neuron "post"
    pre --[synapse under test, delay d]--> post

The post generator's large weight makes the neuron fire in the step the spike arrives, so the
neuron spikes exactly at the designed times (checked against its spike_recorder); the neuron's
threshold is raised so that the plastic connection can never make it fire. A weight_recorder
records the weight sent with every presynaptic spike; the connection's final status is read
after the run. third_factor_stdp_synapse also gets an imposed third factor (the neuron's I_dAP,
set between Simulate calls). One JSON per model goes to ``DIR/<model>.json`` plus
``DIR/README.md`` (format, the semantics of the generated code, parameters, cases; from the
template ``tools/pynestml_synapse_reference_readme.md``).

The self-check (on by default) re-implements, in plain Python, the order of operations of the
C++ that PyNESTML generates for each model (including the neuron's spike history and its
pruning) and requires it to reproduce NEST's weights and final state to 1e-12 (relative), so
that the documented conventions are tested whenever the fixtures are regenerated. Plain-Python
readings of the models "as written" are compared too and reported per case.
"""

import argparse
import hashlib
import json
import math
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from nest_reference import clean, import_nest  # noqa: E402  (the project's own helpers)
from nest_synapse_reference import (  # noqa: E402
    DELAYS, ID_KEYS, PLASTIC_SCENARIOS, RESOLUTIONS, SEED, STDP_EPS, T_MIN, T_TAIL,
    designed_trains, fmt, fmt_err, grid_train, max_rel, nest_time, read_nestml_decls, rel_err,
    to_json, to_steps)

REPO = Path(__file__).resolve().parent.parent
DEFAULT_SHARED = REPO.parent / "shared"
SHARED_PREFIX = "../shared"  # the shared folder relative to the repository root
DEFAULT_BUILD_DIR = Path("/tmp/pynestml_build")
DEFAULT_OUT = REPO / "tests" / "fixtures" / "pynestml_synapses"

NEST_VERSION_WANTED = "3.10.0"
PYNESTML_VERSION_WANTED = "9.0.0"
SUFFIX = "_nestml"  # appended by PyNESTML to every generated model name (as in the tutorials)
TOL_SELF_CHECK = 1e-12

POST_DRIVE_WEIGHT = 1.0e4  # mV: the imposed post spikes (iaf_psc_delta: V_m jumps by the weight)
DELTA_NEURON = "iaf_psc_delta_neuron"
DELTA_NEURON_FILE = "nestml-models/neurons/iaf_psc_delta_neuron.nestml"
# V_th raised from -55 mV: a plastic weight (up to Wmax = 100 mV for stdp_synapse) can never
# make the neuron fire; refr_T (2 ms) is shorter than every post interval of the scenarios.
DELTA_NEURON_PARAMS = {"V_th": 1000.0}

# ---------------------------------------------------------------------------------------------
# Models. "parameters": values set on the connection (syn_spec), by NESTML name; the initial
# weight is given as "w" (the weight_variable; NEST's "weight" is the same number). "kind" selects
# the self-check.
# ---------------------------------------------------------------------------------------------

MODELS = {
    "stdp_vogels_synapse": dict(
        file="tutorial-models/stdp_vogels_synapse.nestml", kind="vogels",
        neuron=DELTA_NEURON, neuron_file=DELTA_NEURON_FILE, neuron_parameters=DELTA_NEURON_PARAMS,
        post_ports=["post_spikes"], weight_variable="w", delay_variable="d",
        parameters={"w": 1.0, "lambda": 0.01, "offset": 0.1, "tau": 10.0},
        why="offset = 0.1 as in the NESTML stdp_windows tutorial (the default 1 only depresses)",
    ),
    # stdp_vogels_synapse with the two priorities exchanged (an edited copy in the build folder):
    # PyNESTML then handles a pre spike before a post spike seen at the same time
    # (pre_before_post_update = 1), a code path the library and tutorial models never take.
    "stdp_vogels_synapse__swapped_priorities": dict(
        nestml="stdp_vogels_synapse", suffix="_swapped_nestml",
        edit=[("onReceive(post_spikes, priority=1)", "onReceive(post_spikes, priority=2)"),
              ("onReceive(pre_spikes, priority=2)", "onReceive(pre_spikes, priority=1)")],
        file="tutorial-models/stdp_vogels_synapse.nestml", kind="vogels", order="pre_first",
        neuron=DELTA_NEURON, neuron_file=DELTA_NEURON_FILE, neuron_parameters=DELTA_NEURON_PARAMS,
        post_ports=["post_spikes"], weight_variable="w", delay_variable="d",
        parameters={"w": 1.0, "lambda": 0.01, "offset": 0.1, "tau": 10.0},
        why="as stdp_vogels_synapse",
    ),
    "stdp_windowed_synapse": dict(
        file="tutorial-models/stdp_windowed_synapse.nestml", kind="windowed",
        neuron=DELTA_NEURON, neuron_file=DELTA_NEURON_FILE, neuron_parameters=DELTA_NEURON_PARAMS,
        post_ports=["post_spikes"], weight_variable="w",
        parameters={"w": 1.0, "lambda": 0.01, "tau_tr_pre": 20.0, "tau_tr_post": 20.0,
                    "alpha": 1.0, "tau_recency_window_pre": 10.0,
                    "tau_recency_window_post": 10.0},
        why="the model's defaults",
    ),
    "stdp_triplet_nn_synapse": dict(
        file="tutorial-models/stdp_triplet_nn_synapse.nestml", kind="triplet_nn",
        neuron=DELTA_NEURON, neuron_file=DELTA_NEURON_FILE, neuron_parameters=DELTA_NEURON_PARAMS,
        post_ports=["post_spikes"], weight_variable="w",
        parameters={"w": 1.0, "tau_plus": 16.8, "tau_x": 101.0, "tau_minus": 33.7,
                    "tau_y": 125.0, "A2_plus": 5e-3, "A3_plus": 6.2e-3, "A2_minus": 7e-3,
                    "A3_minus": 2.3e-3, "Wmax": 3.0, "Wmin": 0.0},
        why=("the parameter set of tests/fixtures/nest_synapses/stdp_triplet_synapse.json "
             "(NEST's all-to-all stdp_triplet_synapse), so the two can be compared; the NESTML "
             "defaults A2_plus = 7.5e-10, A3_minus = 2.3e-4, Wmax = 100 differ"),
    ),
    "stdp_synapse": dict(
        file="nestml-models/synapses/stdp_synapse.nestml", kind="stdp",
        neuron=DELTA_NEURON, neuron_file=DELTA_NEURON_FILE, neuron_parameters=DELTA_NEURON_PARAMS,
        post_ports=["post_spikes"], weight_variable="w",
        parameters={"w": 50.0, "tau_tr_pre": 15.0, "lambda": 0.05, "alpha": 1.3, "mu_plus": 0.4,
                    "mu_minus": 0.7, "Wmax": 100.0, "Wmin": 0.0, "tau_tr_post": 25.0},
        why=("the parameter set of tests/fixtures/nest_synapses/stdp_synapse.json (NEST's "
             "built-in stdp_synapse); the cases are compared with it (nest_builtin_deviation)"),
        nest_builtin="stdp_synapse",
    ),
    "third_factor_stdp_synapse": dict(
        file="tutorial-models/third_factor_stdp_synapse.nestml", kind="third_factor",
        neuron="iaf_psc_exp_active_dendrite_neuron",
        neuron_file=("tutorial-models/iaf_psc_exp_active_dendrite_neuron"
                     "__stdp_third_factor_active_dendrite.nestml"),
        neuron_parameters={"I_th": 1.0e9, "reset_I_dAP_after_AP": True},
        post_ports=["post_spikes", ["I_post_dend", "I_dAP"]], weight_variable="w",
        plastic_receptor="SYNAPTIC_SPIKES", drive_receptor="SPIKE_GENERATOR_SPIKES",
        post_drive_weight=1.0e4,
        parameters={"w": 1.0, "lambda": 0.01, "tau_tr_pre": 10.0, "tau_tr_post": 10.0,
                    "alpha": 1.0, "mu_plus": 1.0, "mu_minus": 1.0, "Wmax": 100.0, "Wmin": 0.0,
                    "I_post_dend_peak": 100.0},
        why="the model's defaults",
        third_factor=True, third_factor_variable="I_dAP",
        codegen_extra={"continuous_state_buffering_method": "continuous_time_buffer"},
    ),
}

# ---------------------------------------------------------------------------------------------
# Building the modules (PyNESTML in a subprocess: it keeps global state)
# ---------------------------------------------------------------------------------------------

NEST_CONFIG = """#!/bin/sh
# nest-config for the pip wheel nest-simulator {version} (the wheel's own names its build
# machine's paths). Written by tools/pynestml_synapse_reference.py.
for a in "$@"; do
  case "$a" in
    --prefix|--exec-prefix) echo "{prefix}" ;;
    --version) echo "{version}" ;;
    --includes) echo "-I{include}" ;;
    --cflags) echo "-fopenmp -O3 -std=c++20 -D_GLIBCXX_USE_CXX11_ABI=0" ;;
    --libs) echo "" ;;
    --compiler) echo "g++" ;;
    --compiler-name) echo "GNU" ;;
    --compiler-version) echo "unknown" ;;
    --python-executable) echo "{python}" ;;
    --python-version) echo "{pyversion}" ;;
    --static-libraries) echo "OFF" ;;
    --docdir) echo "share/doc/nest" ;;
    --datadir) echo "share/nest" ;;
    --libdir) echo "lib" ;;
    *) echo "nest-config: unknown option $a" >&2; exit 1 ;;
  esac
done
"""


def nest_prefix(build_dir):
    """A prefix with a working bin/nest-config for the pip NEST (PyNESTML's nest_path)."""
    import importlib.util

    spec = importlib.util.find_spec("nest")
    if spec is None:
        raise SystemExit("no `nest` module: run this with the project's .venv python")
    include = Path(spec.origin).parent / "include" / "nest"
    if not (include / "nest.h").exists():
        raise SystemExit(f"NEST headers not found in {include}")
    prefix = Path(build_dir) / "nest_prefix"
    (prefix / "bin").mkdir(parents=True, exist_ok=True)
    cfg = prefix / "bin" / "nest-config"
    text = NEST_CONFIG.format(prefix=prefix, version=NEST_VERSION_WANTED, include=include,
                              python=sys.executable,
                              pyversion=".".join(map(str, sys.version_info[:3])))
    if not cfg.exists() or cfg.read_text() != text:
        cfg.write_text(text)
        cfg.chmod(0o755)
    return prefix


def module_name(model):
    return model.replace("_", "") + "module"


def nestml_name(model, cfg):
    """The model's name inside the NESTML file (MODELS keys of variants differ from it)."""
    return cfg.get("nestml", model)


def suffix(cfg):
    return cfg.get("suffix", SUFFIX)


def codegen_options(model, cfg, prefix):
    model = nestml_name(model, cfg)
    pair = {"neuron": cfg["neuron"], "synapses": {model: {"post_ports": cfg["post_ports"]}}}
    opts = {"nest_path": str(prefix), "neuron_synapse_pairs": [pair],
            "weight_variable": {model: cfg["weight_variable"]},
            "redirect_build_output": True}
    if cfg.get("delay_variable"):
        opts["delay_variable"] = {model: cfg["delay_variable"]}
    if cfg.get("codegen_extra"):
        opts.update(cfg["codegen_extra"])
    return opts


def model_sources(model, cfg, shared, build_dir):
    """Paths of the neuron's and the synapse's NESTML files. A variant (cfg "edit": a list of
    (old, new) text replacements) gets an edited copy of the synapse file in BUILD/<model>.src/
    (outside the repository)."""
    paths = [Path(shared) / cfg["neuron_file"], Path(shared) / cfg["file"]]
    if cfg.get("edit"):
        text = paths[1].read_text()
        for old, new in cfg["edit"]:
            if text.count(old) != 1:
                raise SystemExit(f"{model}: cannot edit {paths[1]}: {old!r} not found once")
            text = text.replace(old, new)
        src = Path(build_dir) / f"{model}.src"
        src.mkdir(parents=True, exist_ok=True)
        paths[1] = src / paths[1].name
        if not paths[1].exists() or paths[1].read_text() != text:
            paths[1].write_text(text)
    return paths


def build_inputs(model, cfg, shared, build_dir, prefix):
    """Everything the module depends on, as one JSON-able dict (hashed for the build cache)."""
    import importlib.metadata as md

    paths = model_sources(model, cfg, shared, build_dir)
    return {
        "model": model,
        "files": {str(f): hashlib.sha256(f.read_bytes()).hexdigest() for f in paths},
        "paths": [str(f) for f in paths],
        "codegen_opts": codegen_options(model, cfg, prefix),
        "module_name": module_name(model),
        "suffix": suffix(cfg),
        "nestml": md.version("nestml"),
        "odetoolbox": md.version("odetoolbox"),
    }


def build_worker(spec_file):
    """Runs in a subprocess: generate and build one module; writes the timings next to it."""
    spec = json.loads(Path(spec_file).read_text())
    from pynestml.codegeneration import nest_builder
    from pynestml.frontend.pynestml_frontend import generate_nest_target

    t_build = {}
    orig = nest_builder.NESTBuilder.build

    def timed_build(self, *a, **k):
        t0 = time.time()
        try:
            return orig(self, *a, **k)
        finally:
            t_build["s"] = time.time() - t0

    nest_builder.NESTBuilder.build = timed_build
    sys.setrecursionlimit(10000)
    opts = dict(spec["inputs"]["codegen_opts"])
    opts["build_output_dir"] = spec["target"]
    t0 = time.time()
    generate_nest_target(input_path=spec["inputs"]["paths"], target_path=spec["target"],
                         install_path=spec["install"], module_name=spec["inputs"]["module_name"],
                         suffix=spec["inputs"]["suffix"], logging_level="ERROR",
                         codegen_opts=opts)
    total = time.time() - t0
    Path(spec["timing_file"]).write_text(json.dumps(
        {"generate_s": total - t_build.get("s", 0.0), "build_s": t_build.get("s", 0.0),
         "total_s": total}))


def cached_module(so, stamp, key, rebuild):
    """The (path without suffix, info) of a module built before from the same inputs (its
    stamp records their hash `key`), or None if it must be built."""
    if not rebuild and so.exists() and stamp.exists():
        info = json.loads(stamp.read_text())
        if info.get("key") == key:
            info["cached"] = True
            return so.with_suffix(""), info
    return None


def ensure_module(model, cfg, shared, build_dir, rebuild):
    """Build the module if needed. Returns (path of the .so without suffix, info dict)."""
    prefix = nest_prefix(build_dir)
    inputs = build_inputs(model, cfg, shared, build_dir, prefix)
    key = hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()
    root = Path(build_dir) / model
    install = root / "install"
    so = install / (inputs["module_name"] + ".so")
    stamp = root / "stamp.json"
    cached = cached_module(so, stamp, key, rebuild)
    if cached:
        return cached
    if root.exists():
        shutil.rmtree(root)
    (root / "target").mkdir(parents=True)
    install.mkdir(parents=True)
    spec_file = root / "spec.json"
    timing_file = root / "timing.json"
    spec_file.write_text(json.dumps({"inputs": inputs, "target": str(root / "target"),
                                     "install": str(install),
                                     "timing_file": str(timing_file)}))
    print(f"{model}: generating and building {inputs['module_name']} ...", flush=True)
    t0 = time.time()
    log = root / "pynestml.log"
    with open(log, "w") as fh:
        r = subprocess.run([sys.executable, __file__, "--_build-worker", str(spec_file)],
                           stdout=fh, stderr=subprocess.STDOUT, cwd=str(root))
    wall = time.time() - t0
    if r.returncode != 0 or not so.exists():
        tail = log.read_text()[-3000:]
        raise SystemExit(f"{model}: PyNESTML failed (exit {r.returncode}); log {log}:\n{tail}")
    info = json.loads(timing_file.read_text())
    info.update({"key": key, "wall_s": wall, "module": inputs["module_name"],
                 "built_at": time.strftime("%Y-%m-%d %H:%M:%S")})
    stamp.write_text(json.dumps(info, indent=1))
    info["cached"] = False
    return so.with_suffix(""), info


def generated_names(model, cfg):
    model, sfx = nestml_name(model, cfg), suffix(cfg)
    neuron = f"{cfg['neuron']}{sfx}__with_{model}{sfx}"
    synapse = f"{model}{sfx}__with_{cfg['neuron']}{sfx}"
    return neuron, synapse


def moved_name(model, cfg, name):
    """The neuron's name of a synapse variable or parameter that PyNESTML moved into it."""
    return f"{name}__for_{nestml_name(model, cfg)}{suffix(cfg)}"


# ---------------------------------------------------------------------------------------------
# NEST runs
# ---------------------------------------------------------------------------------------------


def split_parameters(nest, model, cfg, syn_model, neuron_model):
    """NESTML parameters -> (syn_spec entries, neuron entries). A parameter that PyNESTML moved
    into the neuron (the neuron has ``<name>__for_<model>_nestml``) is set there; it is also set
    on the synapse when the synapse still lists it (there it has no effect)."""
    syn_defaults = nest.GetDefaults(syn_model)
    neuron_defaults = nest.GetDefaults(neuron_model)
    syn, neuron = {}, dict(cfg["neuron_parameters"])
    for name, value in cfg["parameters"].items():
        moved = moved_name(model, cfg, name)
        if name == cfg["weight_variable"]:
            syn["weight"] = value
            continue
        if moved in neuron_defaults:
            neuron[moved] = value
        if name in syn_defaults:
            syn[name] = value
        elif moved not in neuron_defaults:
            raise AssertionError(f"{model}: parameter {name} neither in the synapse nor moved "
                                 "into the neuron")
    return syn, neuron


def run_case(nest, model, cfg, module, scenario, h, d):
    t0 = time.time()
    neuron_model, syn_model = generated_names(model, cfg)
    pre_d, post_d, _ = designed_trains(scenario, d)
    pre_t = grid_train(pre_d, h)
    post_t = grid_train(post_d, h)
    assert pre_t[0] >= T_MIN - h / 2 and post_t[0] >= T_MIN - h / 2
    last = max(pre_t + post_t)
    t_sim = nest_time(to_steps(last + d + T_TAIL, h), h)

    nest.ResetKernel()
    nest.set(resolution=h, local_num_threads=1, rng_seed=SEED)
    nest.Install(str(module))  # ResetKernel unloads the module
    syn_params, neuron_params = split_parameters(nest, model, cfg, syn_model, neuron_model)

    def generator(times):
        return nest.Create("spike_generator",
                           params={"spike_times": [nest_time(to_steps(t, h) - 1, h)
                                                   for t in times]})

    pre = nest.Create("parrot_neuron")
    post = nest.Create(neuron_model, params=neuron_params)
    nest.Connect(generator(pre_t), pre, syn_spec={"delay": h})
    receptors = nest.GetDefaults(neuron_model).get("receptor_types", {})
    drive = {"weight": cfg.get("post_drive_weight", POST_DRIVE_WEIGHT), "delay": h}
    if cfg.get("drive_receptor"):
        drive["receptor_type"] = receptors[cfg["drive_receptor"]]
    nest.Connect(generator(post_t), post, syn_spec=drive)
    wr = nest.Create("weight_recorder")
    rec_model = f"{syn_model}__rec"
    nest.CopyModel(syn_model, rec_model, {"weight_recorder": wr})
    spec = {"synapse_model": rec_model, "delay": d}
    if cfg.get("plastic_receptor"):
        spec["receptor_type"] = receptors[cfg["plastic_receptor"]]
    spec.update(syn_params)
    nest.Connect(pre, post, syn_spec=spec)
    sr_pre = nest.Create("spike_recorder")
    sr_post = nest.Create("spike_recorder")
    nest.Connect(pre, sr_pre)
    nest.Connect(post, sr_post)
    conn = nest.GetConnections(pre, post)
    initial = conn.get()
    for k, v in syn_params.items():
        if float(initial[k]) != v:
            raise AssertionError(f"{model}: connection {k} = {initial[k]}, set {v}")
    if float(initial[cfg["weight_variable"]]) != cfg["parameters"][cfg["weight_variable"]]:
        raise AssertionError(f"{model}: initial weight not taken")
    schedule = None
    if cfg.get("third_factor"):
        schedule = third_factor_schedule(pre_t, post_t, h, d, t_sim)
        t_now = 0.0
        for t_switch, level in zip(schedule["times"], schedule["values"]):
            nest.Simulate(t_switch - t_now)
            t_now = t_switch
            post.set({cfg["third_factor_variable"]: level, "t_dAP": 0.0})
        nest.Simulate(t_sim - t_now)
    else:
        nest.Simulate(t_sim)

    if schedule is not None and schedule["times"]:
        if float(post.get(cfg["third_factor_variable"])) != schedule["values"][-1]:
            raise AssertionError(f"{model}: the imposed third factor did not stay")
    rec_pre = [float(t) for t in sr_pre.get("events")["times"]]
    rec_post = [float(t) for t in sr_post.get("events")["times"]]
    if rec_pre != pre_t:
        raise AssertionError(f"{model} {scenario} h={h} d={d}: pre parrot spikes differ from the "
                             "designed grid times")
    if rec_post != post_t:
        raise AssertionError(f"{model} {scenario} h={h} d={d}: the neuron's spikes {rec_post} "
                             f"differ from the designed grid times {post_t}")
    ev = wr.get("events")
    w_times = [float(t) for t in ev["times"]]
    weights = [float(w) for w in ev["weights"]]
    if w_times != pre_t:
        raise AssertionError(f"{model} {scenario} h={h} d={d}: weight_recorder times {w_times} "
                             f"!= pre spike times {pre_t}")
    status = conn.get()
    delay = float(status["delay"])
    if delay != d:
        raise AssertionError(f"{model}: connection delay {delay} != {d}")
    if cfg.get("delay_variable") and float(status[cfg["delay_variable"]]) != d:
        raise AssertionError(f"{model}: {cfg['delay_variable']} != delay")
    if float(status["weight"]) != float(status[cfg["weight_variable"]]):
        raise AssertionError(f"{model}: weight != {cfg['weight_variable']}")
    params = set(read_nestml_decls_cached(cfg, "parameters"))
    final = {}
    for k, v in sorted(status.items()):
        if (isinstance(v, (int, float)) and not isinstance(v, bool) and k not in ID_KEYS
                and k not in params and k != "weight" and k != cfg.get("delay_variable")):
            final[k] = float(v)
    final = {cfg["weight_variable"]: final.pop(cfg["weight_variable"]), **final}
    for k, v in syn_params.items():  # the parameters did not change
        if k != "weight" and float(status[k]) != v:
            raise AssertionError(f"{model}: parameter {k} changed to {status[k]}")
    case = {
        "scenario": scenario,
        "resolution": h,
        "delay": delay,
        "simulation_time": t_sim,
        "pre_spike_times": rec_pre,
        "post_spike_times": rec_post,
    }
    if scenario == "pairs":
        case["post_minus_pre"] = [round(b - a, 9) for a, b in zip(pre_t, post_t)]
    if schedule is not None:
        case["third_factor"] = schedule
    case["weight_times"] = w_times
    case["weights"] = weights
    case["final_status"] = final
    case["_seconds"] = time.time() - t0
    case["_nest"] = {"synapse": syn_params, "neuron": neuron_params}
    return case


THIRD_FACTOR_LEVELS = (100.0, 40.0, 0.0, 150.0)  # pA, cycled
THIRD_FACTOR_START = 47.0  # ms, first switch
THIRD_FACTOR_PERIOD = 61.0  # ms between designed switches


def third_factor_schedule(pre_t, post_t, h, d, t_sim):
    """The imposed third factor (I_dAP): 0 until the first switch, then THIRD_FACTOR_LEVELS in
    turn, switching at 47 + 61 k ms; a switch that falls on a time at which the synapse reads
    the third factor (a pre spike t_pre, or a post spike's arrival t_post + d) is moved one step
    later until it does not, so that no read happens at a switch."""
    reads = {to_steps(t, h) for t in pre_t} | {to_steps(t + d, h) for t in post_t}
    times, values = [], []
    k = 0
    while True:
        s = to_steps(THIRD_FACTOR_START + THIRD_FACTOR_PERIOD * k, h)
        while s in reads:
            s += 1
        t = nest_time(s, h)
        if t >= t_sim:
            break
        times.append(t)
        values.append(THIRD_FACTOR_LEVELS[k % len(THIRD_FACTOR_LEVELS)])
        k += 1
    return {"initial": 0.0, "times": times, "values": values}


_DECLS = {}
_SHARED = [DEFAULT_SHARED]  # set by main() from --shared


def read_nestml_decls_cached(cfg, block=None):
    """The NESTML model's parameters/state declarations (name -> {block, type, expr, value})."""
    key = cfg["file"]
    if key not in _DECLS:
        _DECLS[key] = read_nestml_decls(Path(_SHARED[0]) / cfg["file"])
    decls = _DECLS[key]
    return {k: v for k, v in decls.items() if block is None or v["block"] == block}


# ---------------------------------------------------------------------------------------------
# Plain-Python re-implementation of the generated C++ (self-check), and of the models as written
# ---------------------------------------------------------------------------------------------

# Per kind: the neuron-side ("moved") variables: name -> (time constant parameter, on-emit
# statement: "inc" (x += 1) or "set" (x = 1)), and the synapse-side ODE/convolution variables.
MOVED = {
    "vogels": {},
    "windowed": {"post_nn_trace": ("tau_recency_window_post", "set"),
                 "post_trace": ("tau_tr_post", "inc")},
    "triplet_nn": {"tr_o1": ("tau_minus", "set"), "tr_o2": ("tau_y", "set")},
    "stdp": {"post_trace": ("tau_tr_post", "inc")},
    "third_factor": {"post_trace": ("tau_tr_post", "inc")},
}
SYN_TRACES = {
    "vogels": {},
    "windowed": {"pre_trace": "tau_tr_pre", "pre_nn_trace": "tau_recency_window_pre"},
    "triplet_nn": {"tr_r1": "tau_plus", "tr_r2": "tau_x"},
    "stdp": {"pre_trace": "tau_tr_pre"},
    "third_factor": {"pre_trace": "tau_tr_pre"},
}
# Synapse state name in the connection's status, where PyNESTML renames it.
STATUS_NAME = {("windowed", "pre_trace"): "pre_trace_kernel__X__pre_spikes",
               ("third_factor", "pre_trace"): "pre_trace_kernel__X__pre_spikes"}


def third_factor_at(case, t, before):
    """The imposed third factor at t: the level of the latest switch T <= t (T < t if before)."""
    sched = case["third_factor"]
    v = sched["initial"]
    for ts, level in zip(sched["times"], sched["values"]):
        if ts < t or (ts == t and not before):
            v = level
    return v


def _gate(w_, w, i_post, peak):
    if i_post <= peak:
        w_ = (i_post / peak) * w_ + (1 - i_post / peak) * w
    return w_


class NeuronSide:
    """The co-generated neuron's history of post spikes with its copy of the moved variables
    (``history_`` in the generated neuron), including its pruning.

    ``spike(t)`` (set_spiketime): first prune: while there are at least 2 entries, drop the
    oldest if it has been read by get_history (access counter >= 1: one plastic connection) and
    the second-oldest is more than max_delay + min_delay + stdp_eps older than t (max_delay: the
    plastic connection's delay d; min_delay: NEST's, here h). Then decay the variables from the
    previous post spike (if more than 1e-12 ms ago), apply the on-emit statement, append.

    ``window(t1, t2)`` (get_history__): the entries with t1 + eps <= t_post < t2 + eps, marked read.

    ``get(name, t)`` (the generated getter, before_increment = true): the latest entry still in
    the history with t - t_post >= stdp_eps, propagated to t; 0 (the initial value) if there is
    none -- also when the entry it needs has been pruned."""

    def __init__(self, kind, q, max_delay, min_delay, prune=True):
        self.prune = prune
        self.spec = {n: (q[tau], op) for n, (tau, op) in MOVED[kind].items()}
        self.hist = []  # [t, access counter, values]
        self.vals = {n: 0.0 for n in self.spec}
        self.last = -1.0
        self.limit = max_delay + min_delay + STDP_EPS

    def spike(self, t):
        while self.prune and len(self.hist) > 1:
            if self.hist[0][1] >= 1 and t - self.hist[1][0] > self.limit:
                self.hist.pop(0)
            else:
                break
        dt = t - self.last
        for n, (tau, op) in self.spec.items():
            if dt > 1e-12:
                self.vals[n] = math.exp(-dt / tau) * self.vals[n]
            self.vals[n] = self.vals[n] + 1.0 if op == "inc" else 1.0
        self.last = t
        self.hist.append([t, 0, dict(self.vals)])

    def window(self, t1, t2):
        out = []
        for e in self.hist:
            if t1 + STDP_EPS <= e[0] < t2 + STDP_EPS:
                e[1] += 1
                out.append(e[0])
        return out

    def get(self, name, t):
        tau = self.spec[name][0]
        for tp, _, vals in reversed(self.hist):
            if t - tp >= STDP_EPS:
                return math.exp(-(t - tp) / tau) * vals[name]
        return 0.0


def python_generated(kind, case, q, order="generated", prune=True):
    """The C++ that PyNESTML 9 generates, in plain Python. q: all parameters by NESTML name.
    Returns (weights, final synapse state by NESTML name).

    At a pre spike t (t_last: the previous pre spike, 0 before the first): the post spikes
    t_post with t_last - d < t_post <= t - d (stdp_eps) are handled in order at t_post + d (the
    synapse's ODEs advanced there first, the post handler's ``t`` = t_post), then the ODEs are
    advanced to t and the pre handler runs (neuron-side variables read at t - d), then the
    convolutions jump. A post spike at exactly t - d is thus handled before the pre spike, but
    the pre handler's neuron-side reads exclude it.

    order="pre_first" (pre_before_post_update = 1 in the generated code, when the pre handler's
    priority number is smaller than the post handler's) handles a post spike with
    t_post + d == t (exact double comparison) after the pre spike and its convolution jumps, with
    ``t`` = the pre spike's time t in the post handler (not t_post), and without advancing
    t_lastspike_ to it.

    prune=False keeps every post spike in the neuron's history (what the model means: a read of
    a neuron-side variable then never falls back to the initial value 0)."""
    pre, post, d = case["pre_spike_times"], case["post_spike_times"], case["delay"]
    nside = NeuronSide(kind, q, max_delay=d, min_delay=case["resolution"], prune=prune)
    st = {"w": q["w"]}
    for n in SYN_TRACES[kind]:
        st[n] = 0.0
    if kind == "vogels":
        st["t_last_pre_spike"] = -1.0
        st["t_last_post_spike"] = -1.0
    taus = {n: q[tau] for n, tau in SYN_TRACES[kind].items()}

    def advance(dt):
        if dt < 1e-12:
            return
        for n, tau in taus.items():
            st[n] = math.exp(-dt / tau) * st[n]

    def on_post(tp):
        if kind == "vogels":
            st["t_last_post_spike"] = tp
            if st["t_last_pre_spike"] > 0:
                st["w"] += q["lambda"] * (math.exp(-((st["t_last_post_spike"] + d)
                                                     - st["t_last_pre_spike"]) / q["tau"])
                                          - q["offset"])
        elif kind == "windowed":
            if st["pre_nn_trace"] < 0.7:
                st["w"] += q["lambda"] * st["pre_trace"]
        elif kind == "triplet_nn":
            w_ = st["w"] + st["tr_r1"] * (q["A2_plus"] + q["A3_plus"] * nside.get("tr_o2", tp))
            st["w"] = min(q["Wmax"], w_)
        elif kind in ("stdp", "third_factor"):
            w_ = q["Wmax"] * (st["w"] / q["Wmax"] + (q["lambda"] * math.pow(
                1.0 - st["w"] / q["Wmax"], q["mu_plus"]) * st["pre_trace"]))
            if kind == "third_factor":  # continuous history entry of the step ending at t_post + d
                w_ = _gate(w_, st["w"], third_factor_at(case, tp + d, before=True),
                           q["I_post_dend_peak"])
            st["w"] = min(q["Wmax"], w_)

    def on_pre(t):
        tr = t - d
        if kind == "vogels":
            st["t_last_pre_spike"] = t
            if st["t_last_post_spike"] > 0:
                st["w"] += q["lambda"] * (math.exp(-(st["t_last_pre_spike"]
                                                     - (st["t_last_post_spike"] + d)) / q["tau"])
                                          - q["offset"])
        elif kind == "windowed":
            st["pre_nn_trace"] = 1.0
            if nside.get("post_nn_trace", tr) < 0.7:
                st["w"] -= q["alpha"] * q["lambda"] * nside.get("post_trace", tr)
        elif kind == "triplet_nn":
            st["tr_r1"] = 1.0
            st["tr_r2"] = 1.0
            w_ = st["w"] - nside.get("tr_o1", tr) * (q["A2_minus"] + q["A3_minus"] * st["tr_r2"])
            st["w"] = max(q["Wmin"], w_)
        elif kind == "stdp":
            st["pre_trace"] += 1.0
            w_ = q["Wmax"] * (st["w"] / q["Wmax"] - (q["alpha"] * q["lambda"] * math.pow(
                st["w"] / q["Wmax"], q["mu_minus"]) * nside.get("post_trace", tr)))
            st["w"] = max(q["Wmin"], w_)
        elif kind == "third_factor":
            w_ = q["Wmax"] * (st["w"] / q["Wmax"] - (q["alpha"] * q["lambda"] * math.pow(
                st["w"] / q["Wmax"], q["mu_minus"]) * nside.get("post_trace", tr)))
            # the neuron's current value when the spike is delivered (after the step ending at t)
            w_ = _gate(w_, st["w"], third_factor_at(case, t, before=False),
                       q["I_post_dend_peak"])
            st["w"] = max(q["Wmin"], w_)
        if kind in ("windowed", "third_factor"):  # convolution: jumps after the handler
            st["pre_trace"] += 1.0

    weights = []
    t_last = 0.0  # t_lastspike_: -1 before the first pre spike, set to 0 at it
    posts = list(post)
    for t in pre:
        # The neuron's spikes up to t are in its history when the pre spike is delivered
        # (min_delay = h: at the start of the next step).
        while posts and posts[0] <= t:
            nside.spike(posts.pop(0))
        t_syn = t_last
        late = []
        for tp in nside.window(t_last - d, t - d):
            if True:
                if order == "pre_first" and tp == t - d:  # exact double comparison, as in C++
                    late.append(tp)
                    break  # the last post spike of the window

                advance((tp + d) - t_syn)
                on_post(tp)
                t_syn = tp + d
        advance(t - t_syn)
        on_pre(t)
        weights.append(st["w"])  # emit_spike(w) in the pre handler sends this weight
        for tp in late:
            on_post(t)  # the generated code's ``t`` in this branch is the pre spike's time
        t_last = t
    final = {}
    for n, v in st.items():
        final[STATUS_NAME.get((kind, n), n)] = v
    return weights, final


def python_as_written(kind, case, q, pre_first_at_ties=False):
    """The NESTML model read literally: events in time order at the synapse (pre spikes at t,
    post spikes at t_post + d), all variables in one place and updated immediately (a post
    spike's own statements are visible to a pre spike at the same time and vice versa), the
    handler's statements in order, convolutions jumping after the handler. At equal times the
    post spike comes first unless pre_first_at_ties (NESTML's documented priority rule for
    stdp_vogels_synapse: priority 2 > 1)."""
    pre, post, d = case["pre_spike_times"], case["post_spike_times"], case["delay"]
    ev = [(tp + d, 1 if pre_first_at_ties else 0, "post", tp) for tp in post]
    ev += [(t, 0 if pre_first_at_ties else 1, "pre", t) for t in pre]
    ev.sort(key=lambda e: (e[0], e[1]))
    taus = {n: q[tau] for n, tau in SYN_TRACES[kind].items()}
    taus.update({n: q[tau] for n, (tau, _) in MOVED[kind].items()})
    v = {n: 0.0 for n in taus}
    w = q["w"]
    tlpre = tlpost = -1.0
    tl = 0.0
    out = []
    for t, _, k, t_event in ev:
        for n, tau in taus.items():
            v[n] *= math.exp(-(t - tl) / tau)
        tl = t
        if kind == "vogels":
            if k == "post":
                tlpost = t_event
                if tlpre > 0:
                    w += q["lambda"] * (math.exp(-((tlpost + d) - tlpre) / q["tau"]) - q["offset"])
            else:
                tlpre = t
                if tlpost > 0:
                    w += q["lambda"] * (math.exp(-(tlpre - (tlpost + d)) / q["tau"]) - q["offset"])
        elif kind == "windowed":
            if k == "post":
                v["post_nn_trace"] = 1.0
                if v["pre_nn_trace"] < 0.7:
                    w += q["lambda"] * v["pre_trace"]
                v["post_trace"] += 1.0
            else:
                v["pre_nn_trace"] = 1.0
                if v["post_nn_trace"] < 0.7:
                    w -= q["alpha"] * q["lambda"] * v["post_trace"]
                v["pre_trace"] += 1.0
        elif kind == "triplet_nn":
            if k == "post":
                v["tr_o1"] = v["tr_o2"] = 1.0
                w = min(q["Wmax"], w + v["tr_r1"] * (q["A2_plus"] + q["A3_plus"] * v["tr_o2"]))
            else:
                v["tr_r1"] = v["tr_r2"] = 1.0
                w = max(q["Wmin"], w - v["tr_o1"] * (q["A2_minus"] + q["A3_minus"] * v["tr_r2"]))
        elif kind == "third_factor":
            wm = q["Wmax"]
            i_post = third_factor_at(case, t, before=False)
            if k == "post":
                w_ = wm * (w / wm + q["lambda"] * (1.0 - w / wm) ** q["mu_plus"] * v["pre_trace"])
                w = min(wm, _gate(w_, w, i_post, q["I_post_dend_peak"]))
                v["post_trace"] += 1.0
            else:
                w_ = wm * (w / wm - q["alpha"] * q["lambda"] * (w / wm) ** q["mu_minus"]
                           * v["post_trace"])
                w = max(q["Wmin"], _gate(w_, w, i_post, q["I_post_dend_peak"]))
                v["pre_trace"] += 1.0
        elif kind == "stdp":
            wm = q["Wmax"]
            if k == "post":
                v["post_trace"] += 1.0
                w = min(wm, wm * (w / wm + q["lambda"] * (1.0 - w / wm) ** q["mu_plus"]
                                  * v["pre_trace"]))
            else:
                v["pre_trace"] += 1.0
                w = max(q["Wmin"], wm * (w / wm - q["alpha"] * q["lambda"] * (w / wm)
                                         ** q["mu_minus"] * v["post_trace"]))
        if k == "pre":
            out.append(w)
    return out


# ---------------------------------------------------------------------------------------------
# Fixtures
# ---------------------------------------------------------------------------------------------


def all_parameters(cfg):
    """Every parameter by NESTML name: the model's defaults (NEST units), then the ones set."""
    q = {k: v["value"] for k, v in read_nestml_decls_cached(cfg).items()
         if v["value"] is not None}
    q.update(cfg["parameters"])
    return q


def nest_builtin_cases(name):
    path = REPO / "tests" / "fixtures" / "nest_synapses" / f"{name}.json"
    if not path.exists():
        return None
    fx = json.loads(path.read_text())
    return {(c["scenario"], c["resolution"], c["delay"]): c for c in fx["cases"]}


def generated_flag(module):
    """pre_before_post_update in the generated synapse header (0: a post spike seen at the same
    time as a pre spike is handled first; 1: after it)."""
    import re

    target = Path(module).parent.parent / "target"
    flags = set()
    for hdr in target.glob("*__with_*.h"):
        flags |= set(re.findall(r"const bool pre_before_post_update = (\d);", hdr.read_text()))
    if len(flags) != 1:
        raise AssertionError(f"pre_before_post_update not found once in {target}: {flags}")
    return int(flags.pop())


def build_model(nest, model, cfg, module, check):
    t0 = time.time()
    import importlib.metadata as md

    q = all_parameters(cfg)
    builtin = nest_builtin_cases(cfg["nest_builtin"]) if cfg.get("nest_builtin") else None
    cases, stats = [], []
    nest_params = None
    for h in RESOLUTIONS:
        for d in DELAYS:
            for scenario in PLASTIC_SCENARIOS:
                case = run_case(nest, model, cfg, module, scenario, h, d)
                seconds = case.pop("_seconds")
                nest_params = case.pop("_nest")
                err = None
                if check:
                    ws, final = python_generated(cfg["kind"], case, q,
                                                 order=cfg.get("order", "generated"))
                    if set(final) != set(case["final_status"]):
                        raise AssertionError(f"{model}: final state keys {sorted(final)} vs "
                                             f"{sorted(case['final_status'])}")
                    err = max(max_rel(ws, case["weights"]),
                              max(rel_err(final[k], case["final_status"][k]) for k in final))
                    if not err <= TOL_SELF_CHECK:
                        raise AssertionError(
                            f"self-check {model} {scenario} h={h} d={d}: max rel err {err:g}\n"
                            f" python {ws} {final}\n NEST {case['weights']} "
                            f"{case['final_status']}")
                dev = {"as_written": max_rel(python_as_written(cfg["kind"], case, q),
                                             case["weights"])}
                if cfg["kind"] == "triplet_nn":
                    dev["generated_without_history_pruning"] = max_rel(
                        python_generated(cfg["kind"], case, q, prune=False)[0], case["weights"])
                if cfg["kind"] == "vogels":
                    dev["as_written_pre_first_at_ties"] = max_rel(
                        python_as_written(cfg["kind"], case, q, pre_first_at_ties=True),
                        case["weights"])
                case["python_deviation"] = dev
                bdev = None
                if builtin is not None:
                    b = builtin.get((scenario, h, d))
                    if (b is None or b["pre_spike_times"] != case["pre_spike_times"]
                            or b["post_spike_times"] != case["post_spike_times"]):
                        raise AssertionError(f"{model}: NEST built-in case {scenario} h={h} "
                                             f"d={d} missing or with other spike trains")
                    bdev = max(max_rel(case["weights"], b["weights"]),
                               rel_err(case["final_status"]["pre_trace"],
                                       b["final_status"]["Kplus"]))
                    case["nest_builtin_deviation"] = bdev
                stats.append(dict(scenario=scenario, h=h, d=d,
                                  n_pre=len(case["pre_spike_times"]),
                                  n_post=len(case["post_spike_times"]),
                                  w_first=case["weights"][0], w_last=case["weights"][-1],
                                  w_min=min(case["weights"]), w_max=max(case["weights"]),
                                  final_w=case["final_status"][cfg["weight_variable"]],
                                  self_err=err, dev=dev, builtin_dev=bdev, seconds=seconds))
                cases.append(case)
    neuron_model, syn_model = generated_names(model, cfg)
    opts = {k: v for k, v in codegen_options(model, cfg, "").items()
            if k not in ("nest_path", "redirect_build_output")}
    moved = [n for n in cfg["parameters"]
             if moved_name(model, cfg, n) in nest_params["neuron"]]
    fixture = {
        "nestml_model": nestml_name(model, cfg),
        "nestml_file": f"{SHARED_PREFIX}/{cfg['file']}",
        **({"nestml_file_edits": cfg["edit"]} if cfg.get("edit") else {}),
        "neuron_model": cfg["neuron"],
        "neuron_file": f"{SHARED_PREFIX}/{cfg['neuron_file']}",
        "generated_models": {"synapse": syn_model, "neuron": neuron_model},
        "versions": {"nestml": md.version("nestml"), "odetoolbox": md.version("odetoolbox"),
                     "nest": nest.__version__},
        "codegen_opts": opts,
        "generated_pre_before_post_update": generated_flag(module),
        "parameters": cfg["parameters"],
        "parameters_why": cfg["why"],
        "parameters_moved_to_neuron": moved,
        "nest_synapse_parameters": nest_params["synapse"],
        "nest_neuron_parameters": nest_params["neuron"],
        "post_drive": {"weight": cfg.get("post_drive_weight", POST_DRIVE_WEIGHT),
                       "delay": "resolution",
                       **({"receptor": cfg["drive_receptor"]} if cfg.get("drive_receptor")
                          else {})},
        **({"plastic_receptor": cfg["plastic_receptor"]} if cfg.get("plastic_receptor")
           else {}),
        **({"third_factor": {
            "neuron_variable": cfg["third_factor_variable"],
            "synapse_port": cfg["post_ports"][1][0],
            "levels": list(THIRD_FACTOR_LEVELS),
            "designed_switches": f"{THIRD_FACTOR_START:g} + {THIRD_FACTOR_PERIOD:g} k ms",
            "how": ("set on the neuron (I_dAP = level, t_dAP = 0) between Simulate calls at the "
                    "switch times; reset_I_dAP_after_AP = true keeps it constant")}}
           if cfg.get("third_factor") else {}),
        "scenarios": {s: designed_trains(s, 0.0)[2] for s in PLASTIC_SCENARIOS},
        "cases": cases,
    }
    return clean(fixture), stats, time.time() - t0


# ---------------------------------------------------------------------------------------------
# README
# ---------------------------------------------------------------------------------------------


def write_readme(out, all_stats, builds, timing_text):
    template = (Path(__file__).resolve().parent / "pynestml_synapse_reference_readme.md"
                ).read_text()
    files = []
    for name in MODELS:
        f = out / f"{name}.json"
        if f.exists():
            files.append((name, json.loads(f.read_text()), f.stat().st_size))
    total = sum(sz for _, _, sz in files)
    model_rows = ["| NESTML model | file | generated synapse | cases | bytes |",
                  "|---|---|---|---|---|"]
    for name, fx, size in files:
        model_rows.append(f"| {name} | `{fx['nestml_file']}` | "
                          f"`{fx['generated_models']['synapse']}` | {len(fx['cases'])} | "
                          f"{size} |")
    param_rows = ["| NESTML model | parameters set (NESTML name = value) | moved into the neuron "
                  "| why these values |", "|---|---|---|---|"]
    for name, fx, _ in files:
        param_rows.append(
            f"| {name} | " + ", ".join(f"`{k}` = {fmt(v)}" for k, v in fx["parameters"].items())
            + f" | {', '.join('`' + m + '`' for m in fx['parameters_moved_to_neuron']) or '–'}"
            f" | {fx['parameters_why']} |")
    build_rows = ["| NESTML model | module | generate (s) | build (s) |", "|---|---|---|---|"]
    for name, (_, info) in builds.items():
        build_rows.append(f"| {name} | {info['module']} | {info['generate_s']:.1f} | "
                          f"{info['build_s']:.1f} |")
    case_rows = ["| # | NESTML model | scenario | dt | d | #pre | #post | first w | last w | "
                 "min w | max w | final w | self-check | as written | other |",
                 "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for name, stats in all_stats.items():
        for i, st in enumerate(stats):
            other = []
            if st["builtin_dev"] is not None:
                other.append(f"NEST built-in {fmt_err(st['builtin_dev'])}")
            if "generated_without_history_pruning" in st["dev"]:
                other.append("no pruning "
                             + fmt_err(st["dev"]["generated_without_history_pruning"]))
            if "as_written_pre_first_at_ties" in st["dev"]:
                other.append(f"pre first {fmt_err(st['dev']['as_written_pre_first_at_ties'])}")
            case_rows.append(
                f"| {i} | {name} | {st['scenario']} | {st['h']:g} | {st['d']:g} | "
                f"{st['n_pre']} | {st['n_post']} | {fmt(st['w_first'])} | {fmt(st['w_last'])} | "
                f"{fmt(st['w_min'])} | {fmt(st['w_max'])} | {fmt(st['final_w'])} | "
                f"{fmt_err(st['self_err'])} | {fmt_err(st['dev']['as_written'])} | "
                f"{'; '.join(other) or '–'} |")
    self_errs = {n: max(st["self_err"] for st in stats) for n, stats in all_stats.items()
                 if all(st["self_err"] is not None for st in stats)}
    self_text = ", ".join(f"{n} {fmt_err(e)}" for n, e in self_errs.items()) or "not run"
    text = (template.replace("{{MODEL_TABLE}}", "\n".join(model_rows))
            .replace("{{PARAM_TABLE}}", "\n".join(param_rows))
            .replace("{{BUILD_TABLE}}", "\n".join(build_rows))
            .replace("{{CASE_TABLE}}", "\n".join(case_rows))
            .replace("{{SELF_CHECK}}", self_text)
            .replace("{{TOTAL_BYTES}}", f"{total / 1e6:.2f} MB in {len(files)} files")
            .replace("{{TIMINGS}}", timing_text))
    (out / "README.md").write_text(text)


def main(argv=None):
    if argv is None and len(sys.argv) == 3 and sys.argv[1] == "--_build-worker":
        build_worker(sys.argv[2])
        return
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=str(DEFAULT_OUT))
    ap.add_argument("--shared", default=str(DEFAULT_SHARED),
                    help="the shared folder with nestml-models/ and tutorial-models/")
    ap.add_argument("--build-dir", default=str(DEFAULT_BUILD_DIR))
    ap.add_argument("--only", nargs="*", help="model names to regenerate")
    ap.add_argument("--rebuild", action="store_true", help="rebuild the modules even if cached")
    ap.add_argument("--build-only", action="store_true")
    ap.add_argument("--no-self-check", action="store_true")
    args = ap.parse_args(argv)
    _SHARED[0] = Path(args.shared)
    models = args.only or list(MODELS)
    for m in models:
        if m not in MODELS:
            ap.error(f"unknown model {m}; known: {', '.join(MODELS)}")
    import importlib.metadata as md

    if md.version("nestml") != PYNESTML_VERSION_WANTED:
        print(f"pynestml_synapse_reference: warning: PyNESTML {md.version('nestml')}, expected "
              f"{PYNESTML_VERSION_WANTED}", file=sys.stderr)
    t_all = time.time()
    builds = {}
    for m in models:
        path, info = ensure_module(m, MODELS[m], args.shared, args.build_dir, args.rebuild)
        builds[m] = (path, info)
        print(f"{m:28s} module {path}.so: generate {info['generate_s']:.1f} s, build "
              f"{info['build_s']:.1f} s{' (cached)' if info['cached'] else ''}", flush=True)
    t_build = time.time() - t_all
    if args.build_only:
        return

    nest = import_nest("pynestml_synapse_reference")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    all_stats, timings = {}, []
    for m in models:
        fixture, stats, secs = build_model(nest, m, MODELS[m], builds[m][0],
                                           not args.no_self_check)
        path = out / f"{m}.json"
        path.write_text(to_json(fixture) + "\n")
        json.loads(path.read_text())
        all_stats[m] = stats
        errs = [st["self_err"] for st in stats if st["self_err"] is not None]
        aw = max(st["dev"]["as_written"] for st in stats)
        print(f"{m:28s} {len(stats):3d} cases {secs:5.1f} s {path.stat().st_size:7d} B  "
              f"self-check {fmt_err(max(errs)) if errs else 'not run'}  as written "
              f"{fmt_err(aw)}", flush=True)
        timings.append(f"| {m} | {len(stats)} | {secs:.1f} |")
    total = time.time() - t_all
    if args.only and set(models) != set(MODELS):
        print("partial run (--only): README.md not rewritten; run without --only to rebuild it")
        return
    timing_text = ("| NESTML model | cases | seconds |\n|---|---|---|\n" + "\n".join(timings)
                   + f"\n\nTotal {total:.1f} s ({t_build:.1f} s of it for the module build "
                   "check or build, the rest NEST runs, self-check and comparisons).")
    write_readme(out, all_stats, builds, timing_text)
    print(f"total {total:.1f} s; README at {out / 'README.md'}")


if __name__ == "__main__":
    main()
