#!/usr/bin/env python3
"""Speed and build time of the NEST extension modules of ``nestml nest-module``, beside NEST's
built-in models and PyNESTML 9.0.0's modules.

Usage:
    nest_module_bench.py [--repeats R] [--build-repeats B] [--skip-pynestml-builds]
                         [--nestml BIN] [--build-dir DIR] [--out FILE.md] [--json FILE]

W1, speed inside NEST 3.10: 10,000 ``iaf_psc_exp`` neurons with ``I_e = 500`` pA, no
connections, one thread (``local_num_threads = 1``), resolution 0.1 ms, ``Simulate(1000)``
(10,000 steps), as in ``tools/nest_population_bench.py``, for (a) NEST's built-in
``iaf_psc_exp``, (b) ``iaf_psc_exp_neuron_nestml`` of our module built from
``../shared/nestml-models/neurons/iaf_psc_exp_neuron.nestml`` and (c) the model of the same name
of PyNESTML's module for that file (built with the helpers of
``tools/pynestml_synapse_reference.py`` in ``--build-dir``, default ``/tmp/pynestml_build``,
subfolder ``bench_iaf_psc_exp_neuron``; kept and rebuilt only when its inputs change). Each
implementation runs in its own Python process (the two modules define the same model name); each
repetition starts from a fresh kernel (``ResetKernel``, ``Install``, ``Create``) and times only
the ``Simulate`` call; the best of ``--repeats`` (default 3) gives ns per neuron-step. One more
run with a spike_recorder counts the spikes, to check that all do the same work (the built-in's
and ours must be identical).

Build time of a module from a warm cargo cache, for the model sets iaf_psc_exp_neuron,
hh_psc_alpha_neuron and iaf_psc_exp_neuron + stdp_synapse: ``nestml nest-module`` (``--nestml``,
default ``target/debug/nestml``) builds into a temporary cache folder (``--cache-dir``, removed at
the end). The first build (our W1 module) compiles the dependencies and is the untimed warm-up
(its time is shown for information); every timed build then gets a new module name
(``benchw<N>``), so that cargo compiles the module's models and g++ its registration file, as
for a user's new module. Measured per build: wall time, CPU time (user + sys of the child
processes, ``getrusage(RUSAGE_CHILDREN)`` deltas) and the CLI's stage times (generate, cargo,
g++). PyNESTML's ``generate_nest_target`` is timed for the same sets (fresh target and install
folders each time, in a worker process with PyNESTML imported before the clock starts; the neuron
and the synapse co-generated with ``neuron_synapse_pairs``), wall and CPU (user + sys of the
process and its children) and its split into code generation and cmake/make; the timings quoted
in the issue (9.5, 15.5, 18.3 s) are shown beside them. ``--skip-pynestml-builds`` skips these.
Builds alternate between the sets; medians of ``--build-repeats`` (default 3) per column.

A Markdown report is printed (``--out`` also writes it); ``--json`` writes the raw numbers. The
timings are only meaningful on an otherwise idle machine: the report gives ``nproc`` and the load
averages at the start and the end. About 6 minutes on 2 cores (the cold first build ~45 s).

Needs the project's ``.venv`` (nest-simulator 3.10.0, nestml 9.0.0; ``bash
tools/setup_venv.sh``), the system headers of ``tools/setup_nest.sh`` and a built ``nestml`` CLI.
"""

import argparse
import hashlib
import importlib.metadata as md
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from nest_population_bench import DEFAULT_DC, RESOLUTION_MS  # noqa: E402  (project helpers)
from nest_reference import import_nest  # noqa: E402
import pynestml_synapse_reference as pynestml_ref  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
MODELS_DIR = REPO.parent / "shared" / "nestml-models"
IAF = MODELS_DIR / "neurons" / "iaf_psc_exp_neuron.nestml"
HH = MODELS_DIR / "neurons" / "hh_psc_alpha_neuron.nestml"
STDP = MODELS_DIR / "synapses" / "stdp_synapse.nestml"
SUFFIX = pynestml_ref.SUFFIX

NEURONS = 10_000
T_MS = 1000.0
DC = DEFAULT_DC["iaf_psc_exp"]
W1_MODEL = "iaf_psc_exp_neuron" + SUFFIX

# model set -> (files, PyNESTML's time for it quoted in the issue, s)
BUILD_SETS = {
    "iaf_psc_exp_neuron": ([IAF], 9.5),
    "hh_psc_alpha_neuron": ([HH], 15.5),
    "iaf_psc_exp_neuron + stdp_synapse": ([IAF, STDP], 18.3),
}
# the pair of the third set (PyNESTML 9's format of neuron_synapse_pairs, with weight_variable)
STDP_PAIR = dict(pynestml_ref.MODELS["stdp_synapse"], neuron="iaf_psc_exp_neuron")


def cpu_seconds(who):
    r = resource.getrusage(who)
    return r.ru_utime + r.ru_stime


# ---------------------------------------------------------------------------------------------
# Workers (run in their own processes)
# ---------------------------------------------------------------------------------------------


def simulate_worker(spec):
    """W1 for one implementation; prints {"times": [s, ...], "spikes": n} as JSON."""
    nest = import_nest("nest_module_bench")

    def population():
        nest.ResetKernel()
        nest.set(resolution=RESOLUTION_MS, local_num_threads=1, rng_seed=1)
        if spec["module"]:
            nest.Install(spec["module"])  # ResetKernel unloads it
        return nest.Create(spec["model"], NEURONS, params={"I_e": DC})

    times = []
    for _ in range(spec["repeats"]):
        population()
        t0 = time.perf_counter()
        nest.Simulate(T_MS)
        times.append(time.perf_counter() - t0)
    pop = population()
    recorder = nest.Create("spike_recorder")
    nest.Connect(pop, recorder)
    nest.Simulate(T_MS)
    print(json.dumps({"times": times, "spikes": recorder.n_events}))


def pynestml_worker(spec_file):
    """``build_worker`` of pynestml_synapse_reference, plus the CPU time of the call."""
    from pynestml.codegeneration import nest_builder  # noqa: F401  imported before the clock
    from pynestml.frontend import pynestml_frontend  # noqa: F401

    cpu0 = cpu_seconds(resource.RUSAGE_SELF) + cpu_seconds(resource.RUSAGE_CHILDREN)
    pynestml_ref.build_worker(spec_file)
    cpu = cpu_seconds(resource.RUSAGE_SELF) + cpu_seconds(resource.RUSAGE_CHILDREN) - cpu0
    timing_file = Path(json.loads(Path(spec_file).read_text())["timing_file"])
    timing_file.write_text(json.dumps({**json.loads(timing_file.read_text()), "cpu_s": cpu}))


def run_worker(*args, **kwargs):
    return subprocess.run([sys.executable, __file__, "--worker", *args], **kwargs)


# ---------------------------------------------------------------------------------------------
# Builds
# ---------------------------------------------------------------------------------------------


def build_ours(args, name, files, cache_dir, out_dir):
    """One ``nestml nest-module`` build: (path of the .so, wall, CPU, {stage: s})."""
    cmd = [args.nestml, "nest-module", "-n", name, "-o", str(out_dir), "--suffix", SUFFIX,
           "--python", sys.executable, "--cache-dir", str(cache_dir), *map(str, files)]
    cpu0, t0 = cpu_seconds(resource.RUSAGE_CHILDREN), time.perf_counter()
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    wall, cpu = time.perf_counter() - t0, cpu_seconds(resource.RUSAGE_CHILDREN) - cpu0
    stages = re.search(r"^\s*\((generate .*)\)\s*$", r.stdout, re.M)
    if r.returncode != 0 or not stages:
        raise SystemExit(f"nest_module_bench: `{' '.join(cmd)}` failed:\n{r.stdout}")
    stages = {k: float(v) for k, v in re.findall(r"(\S+) ([\d.]+) s", stages.group(1))}
    return Path(out_dir) / f"{name}module.so", wall, cpu, stages


def pynestml_opts(files, prefix):
    if STDP in files:
        return pynestml_ref.codegen_options("stdp_synapse", STDP_PAIR, prefix)
    return {"nest_path": str(prefix), "redirect_build_output": True}


def build_pynestml(root, files, opts, module):
    """``generate_nest_target`` in a worker, in fresh folders ROOT/target and ROOT/install:
    the timings {generate_s, build_s, total_s, cpu_s}."""
    if root.exists():
        shutil.rmtree(root)
    (root / "target").mkdir(parents=True)
    (root / "install").mkdir()
    spec = {"inputs": {"paths": list(map(str, files)), "codegen_opts": opts,
                       "module_name": module, "suffix": SUFFIX},
            "target": str(root / "target"), "install": str(root / "install"),
            "timing_file": str(root / "timing.json")}
    (root / "spec.json").write_text(json.dumps(spec))
    log = root / "pynestml.log"
    with open(log, "w") as fh:
        r = run_worker("pynestml", str(root / "spec.json"), stdout=fh,
                       stderr=subprocess.STDOUT, cwd=str(root))
    if r.returncode != 0 or not (root / "install" / f"{module}.so").exists():
        raise SystemExit(f"nest_module_bench: PyNESTML failed (exit {r.returncode}); log {log}:"
                         f"\n{log.read_text()[-3000:]}")
    return json.loads((root / "timing.json").read_text())


def pynestml_w1_module(build_dir, prefix):
    """PyNESTML's module of iaf_psc_exp_neuron for W1 (path without .so), built when its
    inputs changed."""
    module = pynestml_ref.module_name("bench_iaf_psc_exp_neuron")
    opts = pynestml_opts([IAF], prefix)
    inputs = {"file": hashlib.sha256(IAF.read_bytes()).hexdigest(), "opts": opts,
              "module": module, "suffix": SUFFIX, "nestml": md.version("nestml"),
              "odetoolbox": md.version("odetoolbox")}
    key = hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()
    root = Path(build_dir) / "bench_iaf_psc_exp_neuron"
    so, stamp = root / "install" / f"{module}.so", root / "stamp.json"
    cached = pynestml_ref.cached_module(so, stamp, key, rebuild=False)
    if cached:
        return cached[0]
    print(f"building PyNESTML's {module} in {root} ...", file=sys.stderr, flush=True)
    stamp.write_text(json.dumps({"key": key, **build_pynestml(root, [IAF], opts, module)}))
    return so.with_suffix("")


# ---------------------------------------------------------------------------------------------
# Measurements
# ---------------------------------------------------------------------------------------------


def measure_w1(impls, repeats):
    results = {}
    for label, (model, module) in impls.items():
        print(f"W1: {label} ...", file=sys.stderr, flush=True)
        spec = {"model": model, "module": module and str(module), "repeats": repeats}
        r = run_worker("simulate", json.dumps(spec), stdout=subprocess.PIPE, text=True,
                       check=True)
        res = json.loads(r.stdout.strip().splitlines()[-1])
        res["best_s"] = min(res["times"])
        res["ns_per_neuron_step"] = res["best_s"] / (NEURONS * round(T_MS / RESOLUTION_MS)) * 1e9
        results[label] = res
    return results


def measure_builds(args, cache_dir, work, prefix):
    ours = {s: [] for s in BUILD_SETS}
    theirs = {s: [] for s in BUILD_SETS}
    n = 0
    for rep in range(args.build_repeats):
        for label, (files, _) in BUILD_SETS.items():
            print(f"build {rep + 1}/{args.build_repeats}: {label} ...", file=sys.stderr,
                  flush=True)
            _, wall, cpu, stages = build_ours(args, f"benchw{n}", files, cache_dir, work / "out")
            ours[label].append({"wall_s": wall, "cpu_s": cpu, **{f"{k}_s": v
                                                                 for k, v in stages.items()}})
            if not args.skip_pynestml_builds:
                t = build_pynestml(work / f"pynestml{n}", files, pynestml_opts(files, prefix),
                                   pynestml_ref.module_name(f"benchw{n}"))
                theirs[label].append(t)
                shutil.rmtree(work / f"pynestml{n}")
            n += 1
    return ours, theirs


# ---------------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------------


def medians(runs):
    return {k: statistics.median(r[k] for r in runs) for k in runs[0]} if runs else {}


def report(meta, w1, warmup, ours, theirs, args):
    steps = round(T_MS / RESOLUTION_MS)
    lines = [
        "# NEST extension modules: speed and build time",
        "",
        f"{meta['date']}, `nproc` = {meta['nproc']}, load averages {meta['load_start']} at the "
        f"start and {meta['load_end']} at the end; NEST {meta['nest']}, PyNESTML "
        f"{meta['nestml']}, `{meta['cli']}` at commit {meta['commit']}. Timings are only "
        "meaningful on an otherwise idle machine.",
        "",
        f"## W1: {NEURONS:,} iaf_psc_exp neurons, {steps:,} steps of {RESOLUTION_MS} ms, "
        f"I_e = {DC:g} pA, 1 thread",
        "",
        f"Simulate only, best of {args.repeats}, each on a fresh kernel.",
        "",
        "| implementation | Simulate (ms) | ns per neuron-step | spikes |",
        "|---|---|---|---|",
    ]
    for label, r in w1.items():
        lines.append(f"| {label} | {r['best_s'] * 1e3:.1f} | {r['ns_per_neuron_step']:.2f} | "
                     f"{r['spikes']} |")
    ns = {k: r["ns_per_neuron_step"] for k, r in w1.items()}
    spikes = {k: r["spikes"] for k, r in w1.items()}
    same = spikes["NEST built-in"] == spikes["ours"]
    lines += ["", f"ours / built-in = {ns['ours'] / ns['NEST built-in']:.2f}, ours / PyNESTML = "
              f"{ns['ours'] / ns['PyNESTML']:.2f}. Spike counts: built-in and ours "
              f"{'identical' if same else '**differ**'}, PyNESTML "
              f"{spikes['PyNESTML'] - spikes['ours']:+d} against ours.", ""]

    lines += [
        "## Module build time, warm cargo cache",
        "",
        f"Median of {args.build_repeats} builds per set, each with a new module name; CPU = "
        "user + sys of the child processes. First build in the empty cache (dependencies, "
        f"untimed warm-up): {warmup['wall_s']:.1f} s wall, {warmup['cpu_s']:.1f} s CPU. "
        "PyNESTML: the `generate_nest_target` call (PyNESTML imported before it), CPU of its "
        "process and children.",
        "",
        "| model set | ours wall (s) | ours CPU (s) | generate | cargo | g++ | PyNESTML wall (s) "
        "| PyNESTML CPU (s) | generate | cmake/make | PyNESTML in the issue (s) |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for label, (_, quoted) in BUILD_SETS.items():
        o, t = medians(ours[label]), medians(theirs[label])
        pyn = (f"{t['total_s']:.1f} | {t['cpu_s']:.1f} | {t['generate_s']:.1f} | "
               f"{t['build_s']:.1f}" if t else "– | – | – | –")
        lines.append(f"| {label} | {o['wall_s']:.1f} | {o['cpu_s']:.1f} | "
                     f"{o['generate_s']:.2f} | {o['cargo_s']:.1f} | {o['g++_s']:.1f} | {pyn} | "
                     f"{quoted} |")
    lines += ["", f"Run time {meta['seconds']:.0f} s."]
    return "\n".join(lines) + "\n"


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--repeats", type=int, default=3, help="Simulate runs per implementation")
    p.add_argument("--build-repeats", type=int, default=3, help="timed builds per model set")
    p.add_argument("--skip-pynestml-builds", action="store_true")
    p.add_argument("--nestml", default=str(REPO / "target" / "debug" / "nestml"))
    p.add_argument("--build-dir", default=str(pynestml_ref.DEFAULT_BUILD_DIR))
    p.add_argument("--out", metavar="FILE.md")
    p.add_argument("--json", metavar="FILE")
    p.add_argument("--worker", nargs=2, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker:
        kind, arg = args.worker
        return simulate_worker(json.loads(arg)) if kind == "simulate" else pynestml_worker(arg)

    t_start = time.time()
    nest = import_nest("nest_module_bench")
    meta = {
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"), "nproc": os.cpu_count(),
        "load_start": ", ".join(f"{x:.2f}" for x in os.getloadavg()),
        "nest": nest.__version__, "nestml": md.version("nestml"),
        "cli": subprocess.run([args.nestml, "--version"], stdout=subprocess.PIPE, text=True,
                              check=True).stdout.strip(),
        "commit": subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
                                 stdout=subprocess.PIPE, text=True).stdout.strip(),
    }
    prefix = pynestml_ref.nest_prefix(args.build_dir)
    with tempfile.TemporaryDirectory(prefix="nest_module_bench.") as tmp:
        work = Path(tmp)
        cache_dir = work / "cache"
        print("warm-up: our W1 module in an empty cache ...", file=sys.stderr, flush=True)
        ours_so, wall, cpu, stages = build_ours(args, "benchwarmup", [IAF], cache_dir, work / "out")
        warmup = {"wall_s": wall, "cpu_s": cpu, **{f"{k}_s": v for k, v in stages.items()}}
        impls = {"NEST built-in": ("iaf_psc_exp", None), "ours": (W1_MODEL, ours_so),
                 "PyNESTML": (W1_MODEL, pynestml_w1_module(args.build_dir, prefix))}
        w1 = measure_w1(impls, args.repeats)
        ours, theirs = measure_builds(args, cache_dir, work, prefix)
    meta["load_end"] = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    meta["seconds"] = time.time() - t_start
    text = report(meta, w1, warmup, ours, theirs, args)
    print(text, end="")
    if args.out:
        Path(args.out).write_text(text)
    if args.json:
        Path(args.json).write_text(json.dumps(
            {"meta": meta, "w1": w1, "warmup_build": warmup,
             "builds": {"ours": ours, "pynestml": theirs}}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
