#!/usr/bin/env python3
"""NEST 3.10's ``brunel_delta_nest`` example network as a benchmark, for comparison with our Rust
Brunel benchmark.

Usage:
    nest_brunel_bench.py [--threads N [N ...]] [--t-sim MS] [--n-rec N] [--v-reset MV]
                         [--seed S] [--json FILE] [--ours FILE]

The network is the one of NEST's example ``pynest/brunel_delta_nest.py`` (Brunel 2000, model A,
delta synapses), with its parameters:

- N_E = 10,000 excitatory and N_I = 2,500 inhibitory ``iaf_psc_delta`` neurons with ``tau_m`` =
  20 ms, ``V_th`` = 20 mV, ``t_ref`` = 2 ms, ``E_L`` = ``V_reset`` = ``V_m`` (initial) = 0 mV,
  ``C_m`` = 1 pF (irrelevant for delta synapses without currents); resolution 0.1 ms;
- epsilon = 0.1: every neuron receives C_E = 1,000 excitatory and C_I = 250 inhibitory inputs
  (``fixed_indegree``, autapses and multapses allowed, NEST's defaults), J = 0.1 mV, g = 5
  (inhibitory weight -0.5 mV), delay 1.5 ms for all connections (static_synapse copies
  "excitatory" / "inhibitory");
- one ``poisson_generator`` with rate eta * nu_th * C_E = 2 * 20/(0.1 * 1000 * 20) * 1000 Hz * 1000
  = 20,000 Hz connected to every neuron (each neuron draws its own Poisson train), weight J;
- spike_recorders on the first ``--n-rec`` (50) excitatory neurons (and 50 inhibitory ones);
- ``Simulate(1000 ms)`` after building.

``--v-reset`` changes V_reset (the example uses 0 mV; Brunel 2000 used 10 mV). Each thread count
given to ``--threads`` (default ``1 2``) is run in a fresh Python process (so that the memory
figures are per run) with ``local_num_threads`` = N. Measured per run:

``build_s``            wall time of Create + Connect (all nodes, devices and connections);
``simulate_s``         wall time of ``Simulate(t_sim)`` (includes NEST's preparation of the
                       connection infrastructure at the first Simulate);
``peak_rss_bytes``     ``resource.getrusage(RUSAGE_SELF).ru_maxrss`` at the end (Linux: KiB ->
                       bytes), the whole process including Python and NEST's libraries;
``bytes_per_synapse``  (RSS after the recurrent Connect calls - RSS before them) / ``synapses``
                       (current RSS from /proc/self/statm);
``synapses``           recurrent connections (E->all plus I->all: 12,500 x 1,250 = 15,625,000);
``rate_exc_hz``        spikes of the recorded excitatory neurons / n_rec / t_sim;
``cv_isi_exc``         mean over the recorded excitatory neurons with >= 3 spikes of std/mean
                       (population std) of their inter-spike intervals, whole run.

Also reported: ``rate_inh_hz``, ``connections_total`` (nest.num_connections, with the noise and
recorder connections), ``rss_*`` snapshots, ``build_cpu_s`` / ``simulate_cpu_s`` (user + system
CPU time of the process, all threads, over the same intervals) and ``load_avg`` (1-minute load
average at the start): the timings are wall times and suffer from other processes; CPU time
close to threads x wall time shows that the threads really ran in parallel. A table is
printed; ``--json FILE`` writes ``{"nest_version", "network", "runs": [...]}``, one object per
thread count with the keys above plus ``threads``.

``--ours FILE`` reads the JSON of our Rust benchmark program, an object with the keys
``build_s, simulate_s, peak_rss_bytes, bytes_per_synapse, synapses, rate_exc_hz, cv_isi_exc``
(and optionally ``threads``), or ``{"runs": [such objects]}``, and prints NEST / ours for every
key, per thread count where ``threads`` is given (otherwise against every NEST run).

Needs nest-simulator 3.10.0 (``bash tools/setup_venv.sh`` makes ``.venv`` with it); memory:
about 750 MiB per run; about 50 s per run on one core. The spike statistics are deterministic
for a given thread count and seed (NEST draws the connectivity and the Poisson trains per
virtual process, so 1 and 2 threads give different but equivalent networks). On a machine that
is busy with other work the wall times vary by 10-20 % between runs, and 2 threads can even be
slower than 1 (OpenMP threads waiting at NEST's barriers for a descheduled partner): compare
``*_cpu_s`` and the load average, or repeat on an idle machine.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from nest_reference import import_nest  # noqa: E402  (the project's own helper)

KEYS = ("build_s", "simulate_s", "peak_rss_bytes", "bytes_per_synapse", "synapses",
        "rate_exc_hz", "cv_isi_exc")

# The example's parameters (pynest/brunel_delta_nest.py of NEST 3.10).
DT = 0.1
DELAY = 1.5
G = 5.0
ETA = 2.0
EPSILON = 0.1
ORDER = 2500
N_E = 4 * ORDER
N_I = ORDER
C_E = int(EPSILON * N_E)
C_I = int(EPSILON * N_I)
TAU_M = 20.0
THETA = 20.0
J = 0.1
NU_TH = THETA / (J * C_E * TAU_M)
NU_EX = ETA * NU_TH
P_RATE = 1000.0 * NU_EX * C_E


def network_description(args):
    return {
        "example": "NEST 3.10 pynest/brunel_delta_nest.py",
        "N_E": N_E, "N_I": N_I, "C_E": C_E, "C_I": C_I, "J_mV": J, "g": G, "eta": ETA,
        "delay_ms": DELAY, "resolution_ms": DT, "t_sim_ms": args.t_sim,
        "neuron": "iaf_psc_delta", "neuron_params": neuron_params(args),
        "poisson_rate_hz": P_RATE, "n_rec": args.n_rec,
        "connectivity": "fixed_indegree, autapses and multapses allowed",
        "rng_seed": args.seed,
    }


def neuron_params(args):
    return {"C_m": 1.0, "tau_m": TAU_M, "t_ref": 2.0, "E_L": 0.0, "V_reset": args.v_reset,
            "V_m": 0.0, "V_th": THETA}


def rss_bytes():
    """Current resident set size of this process."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def cpu_seconds():
    """User + system CPU time of this process (all threads)."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def cv_isi(times_by_sender):
    cvs = []
    for ts in times_by_sender.values():
        if len(ts) < 3:
            continue
        ts = sorted(ts)
        isi = [b - a for a, b in zip(ts, ts[1:])]
        m = sum(isi) / len(isi)
        var = sum((x - m) ** 2 for x in isi) / len(isi)
        cvs.append(var ** 0.5 / m)
    return (sum(cvs) / len(cvs) if cvs else None), len(cvs)


def worker(args, threads):
    """One run in this process; returns the measurements."""
    nest = import_nest("nest_brunel_bench")
    load = os.getloadavg()[0]
    nest.ResetKernel()
    kernel = {"resolution": DT, "local_num_threads": threads}
    if args.seed is not None:
        kernel["rng_seed"] = args.seed
    nest.set(**kernel)
    rss_start = rss_bytes()

    c0 = cpu_seconds()
    t0 = time.perf_counter()
    params = neuron_params(args)
    nodes_ex = nest.Create("iaf_psc_delta", N_E, params=params)
    nodes_in = nest.Create("iaf_psc_delta", N_I, params=params)
    noise = nest.Create("poisson_generator", params={"rate": P_RATE})
    espikes = nest.Create("spike_recorder")
    ispikes = nest.Create("spike_recorder")
    nest.CopyModel("static_synapse", "excitatory", {"weight": J, "delay": DELAY})
    nest.CopyModel("static_synapse", "inhibitory", {"weight": -G * J, "delay": DELAY})
    nest.Connect(noise, nodes_ex, syn_spec="excitatory")
    nest.Connect(noise, nodes_in, syn_spec="excitatory")
    nest.Connect(nodes_ex[:args.n_rec], espikes, syn_spec="excitatory")
    nest.Connect(nodes_in[:args.n_rec], ispikes, syn_spec="excitatory")
    n_before = nest.num_connections
    rss_before = rss_bytes()
    nest.Connect(nodes_ex, nodes_ex + nodes_in, {"rule": "fixed_indegree", "indegree": C_E},
                 "excitatory")
    nest.Connect(nodes_in, nodes_ex + nodes_in, {"rule": "fixed_indegree", "indegree": C_I},
                 "inhibitory")
    t1 = time.perf_counter()
    c1 = cpu_seconds()
    rss_after = rss_bytes()
    synapses = nest.num_connections - n_before

    nest.Simulate(args.t_sim)
    t2 = time.perf_counter()
    c2 = cpu_seconds()
    rss_sim = rss_bytes()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

    ev = espikes.get("events")
    by = {}
    for s, t in zip(ev["senders"], ev["times"]):
        by.setdefault(int(s), []).append(float(t))
    cv, n_cv = cv_isi(by)
    n_ex = len(ev["times"])
    n_in = ispikes.n_events
    return {
        "threads": threads,
        "build_s": t1 - t0,
        "simulate_s": t2 - t1,
        "peak_rss_bytes": peak,
        "bytes_per_synapse": (rss_after - rss_before) / synapses,
        "synapses": synapses,
        "rate_exc_hz": n_ex / args.n_rec / (args.t_sim / 1000.0),
        "cv_isi_exc": cv,
        "cv_isi_neurons": n_cv,
        "rate_inh_hz": n_in / args.n_rec / (args.t_sim / 1000.0),
        "build_cpu_s": c1 - c0,
        "simulate_cpu_s": c2 - c1,
        "connections_total": nest.num_connections,
        "rss_start_bytes": rss_start,
        "rss_before_recurrent_connect_bytes": rss_before,
        "rss_after_connect_bytes": rss_after,
        "rss_after_simulate_bytes": rss_sim,
        "rng_seed": nest.rng_seed,
        "load_avg": load,
        "nest_version": nest.__version__,
    }


def run_subprocess(args, threads):
    cmd = [sys.executable, os.path.abspath(__file__), "--worker", str(threads),
           "--t-sim", repr(args.t_sim), "--n-rec", str(args.n_rec),
           "--v-reset", repr(args.v_reset)]
    if args.seed is not None:
        cmd += ["--seed", str(args.seed)]
    out = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True).stdout
    lines = [line for line in out.splitlines() if line.startswith("{")]
    return json.loads(lines[-1])


def fmt(key, v):
    if v is None:
        return "–"
    if key == "peak_rss_bytes":
        return f"{v / 2**20:.0f} MiB"
    if key in ("synapses", "threads", "cv_isi_neurons", "connections_total"):
        return f"{int(v):,}"
    if key in ("build_s", "simulate_s", "build_cpu_s", "simulate_cpu_s"):
        return f"{v:.2f} s"
    if key == "bytes_per_synapse":
        return f"{v:.1f} B"
    if key in ("rate_exc_hz", "rate_inh_hz"):
        return f"{v:.2f} Hz"
    return f"{v:.3f}"


def print_table(runs):
    keys = ("threads",) + KEYS + ("cv_isi_neurons", "rate_inh_hz", "connections_total",
                                  "build_cpu_s", "simulate_cpu_s", "load_avg")
    width = max(len(k) for k in keys)
    print(f"{'':{width}s}" + "".join(f"{'NEST':>16s}" for _ in runs))
    for k in keys:
        print(f"{k:{width}s}" + "".join(f"{fmt(k, r.get(k)):>16s}" for r in runs))


def load_ours(path):
    data = json.loads(open(path).read())
    runs = data["runs"] if isinstance(data, dict) and "runs" in data else data
    if isinstance(runs, dict):
        runs = [runs]
    for r in runs:
        missing = [k for k in KEYS if k not in r]
        if missing:
            raise SystemExit(f"{path}: missing keys {missing}")
    return runs


def compare(nest_runs, ours):
    print("\nNEST / ours (> 1: NEST takes longer / uses more; rates and CV should be ~1):")
    for o in ours:
        matches = [r for r in nest_runs if "threads" not in o or r["threads"] == o["threads"]]
        if not matches:
            print(f"  ours with threads = {o['threads']}: no NEST run with that thread count")
            continue
        for r in matches:
            label = f"NEST {r['threads']} thread(s) / ours" + (
                f" {o['threads']} thread(s)" if "threads" in o else "")
            print(f"  {label}:")
            for k in KEYS:
                ratio = r[k] / o[k] if r[k] is not None and o[k] else float("nan")
                print(f"    {k:18s} {fmt(k, r[k]):>14s} {fmt(k, o[k]):>14s}   {ratio:8.3f}")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    p.add_argument("--t-sim", type=float, default=1000.0, help="ms simulated after building")
    p.add_argument("--n-rec", type=int, default=50, help="recorded neurons per population")
    p.add_argument("--v-reset", type=float, default=0.0,
                   help="V_reset in mV (example: 0; Brunel 2000: 10)")
    p.add_argument("--seed", type=int, help="rng_seed (default: NEST's)")
    p.add_argument("--json", metavar="FILE", help="write the measurements as JSON")
    p.add_argument("--ours", metavar="FILE", help="JSON of our Rust benchmark: print NEST/ours")
    p.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    args = p.parse_args()

    if args.worker is not None:
        print(json.dumps(worker(args, args.worker)))
        return 0

    runs = []
    for n in args.threads:
        print(f"running NEST with {n} thread(s) ...", flush=True)
        runs.append(run_subprocess(args, n))
    version = runs[0]["nest_version"]
    print(f"\nNEST {version} brunel_delta_nest: N_E = {N_E}, N_I = {N_I}, C_E = {C_E}, "
          f"C_I = {C_I}, J = {J} mV, g = {G}, eta = {ETA}, delay {DELAY} ms, "
          f"V_reset = {args.v_reset:g} mV, dt = {DT} ms, t_sim = {args.t_sim:g} ms, "
          f"Poisson {P_RATE:g} Hz, rng_seed {runs[0]['rng_seed']}")
    print_table(runs)
    load = max(r["load_avg"] for r in runs)
    if load > 0.5:
        print(f"note: 1-minute load average up to {load:.2f} at the start of a run "
              f"({os.cpu_count()} CPUs): the wall times include waiting for other processes")
    if args.json:
        network = network_description(args)
        network["rng_seed"] = runs[0]["rng_seed"]
        doc = {"nest_version": version, "network": network, "runs": runs}
        with open(args.json, "w") as f:
            f.write(json.dumps(doc, indent=1) + "\n")
        print(f"wrote {args.json}")
    if args.ours:
        compare(runs, load_ours(args.ours))
    return 0


if __name__ == "__main__":
    sys.exit(main())
