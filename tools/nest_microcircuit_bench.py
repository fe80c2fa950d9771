#!/usr/bin/env python3
"""The Potjans & Diesmann (2014) cortical microcircuit in NEST 3.10, built as
``crates/nestml/examples/microcircuit.rs`` builds it (the parameters of NEST's example
``pynest/examples/Potjans_2014``), for comparison.

Usage:
    nest_microcircuit_bench.py [--threads N] [--t-sim MS] [--scale S] [--json FILE] [--ours FILE]

77,169 ``iaf_psc_exp`` neurons (C_m 250 pF, tau_m 10 ms, tau_syn 0.5 ms, t_ref 2 ms, E_L =
V_reset = -65 mV, V_th = -50 mV, V_m normal(-58, 10) mV) in 8 populations; ``fixed_total_number``
connections per pair of populations, N = log(1 - p) / log(1 - 1 / (N_pre N_post)) for the
example's connection probabilities p, multapses and autapses allowed; weights normal (0.15 mV
PSPs = 87.8 pA, relative sd 0.1, x2 from L4E to L2/3E, x -4 from inhibitory populations,
redrawn to keep the sign), delays normal (1.5 +- 0.75 ms excitatory, 0.75 +- 0.375 ms
inhibitory, redrawn below 0.05 ms); a Poisson generator of 8 Hz x K_ext per population,
weight 87.8 pA, delay 0.1 ms; resolution 0.1 ms; 100 ms of warm-up (not timed), then
``Simulate(t_sim)``.

Measured: ``build_s`` (Create + Connect; NEST sorts its connections in the first Simulate, so
``prepare_s``, the wall time of the warm-up, includes that; ours builds its connection storage
in ``build_s``), ``simulate_s`` (wall time of Simulate(t_sim)), ``real_time_factor``
(simulate_s / t_sim in s), ``peak_rss_bytes`` (ru_maxrss), ``bytes_per_synapse`` (RSS growth
over the recurrent Connect calls / synapses), the mean rate per population (spike counts after
the warm-up). ``--ours FILE`` reads the JSON of the Rust example and prints NEST / ours.

Full scale needs about 10-15 GB of memory in NEST 3.10 and takes minutes to build on 2 threads;
``--scale 0.1`` is a quick check (neuron numbers scaled, probabilities kept).
Needs nest-simulator 3.10.0 (``bash tools/setup_venv.sh``).
"""

import argparse
import json
import math
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from nest_reference import import_nest  # noqa: E402  (the project's own helper)

NAMES = ["L23E", "L23I", "L4E", "L4I", "L5E", "L5I", "L6E", "L6I"]
NEURONS = [20683, 5834, 21915, 5479, 4850, 1065, 14395, 2948]
CONN_PROBS = [
    [0.1009, 0.1689, 0.0437, 0.0818, 0.0323, 0.0, 0.0076, 0.0],
    [0.1346, 0.1371, 0.0316, 0.0515, 0.0755, 0.0, 0.0042, 0.0],
    [0.0077, 0.0059, 0.0497, 0.135, 0.0067, 0.0003, 0.0453, 0.0],
    [0.0691, 0.0029, 0.0794, 0.1597, 0.0033, 0.0, 0.1057, 0.0],
    [0.1004, 0.0622, 0.0505, 0.0057, 0.0831, 0.3726, 0.0204, 0.0],
    [0.0548, 0.0269, 0.0257, 0.0022, 0.06, 0.3158, 0.0086, 0.0],
    [0.0156, 0.0066, 0.0211, 0.0166, 0.0572, 0.0197, 0.0396, 0.2252],
    [0.0364, 0.001, 0.0034, 0.0005, 0.0277, 0.008, 0.0658, 0.1443],
]
K_EXT = [1600, 1500, 2100, 1900, 2000, 1900, 2900, 2100]
BG_RATE = 8.0
H = 0.1
T_PRESIM = 100.0
C_M, TAU_M, TAU_SYN = 250.0, 10.0, 0.5


def psc_of_psp(psp):
    sub = 1.0 / (TAU_SYN - TAU_M)
    pre = TAU_M * TAU_SYN / C_M * sub
    frac = (TAU_M / TAU_SYN) ** (TAU_M * sub) - (TAU_M / TAU_SYN) ** (TAU_SYN * sub)
    return psp / (pre * frac)


def rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def run(args):
    nest = import_nest("nest_microcircuit_bench")
    nest.ResetKernel()
    nest.set(resolution=H, local_num_threads=args.threads, rng_seed=55)
    w_exc = psc_of_psp(0.15)
    sizes = [max(1, round(n * args.scale)) for n in NEURONS]
    t0 = time.perf_counter()
    params = {"C_m": C_M, "tau_m": TAU_M, "tau_syn_ex": TAU_SYN, "tau_syn_in": TAU_SYN,
              "t_ref": 2.0, "E_L": -65.0, "V_th": -50.0, "V_reset": -65.0}
    pops = []
    for n in sizes:
        p = nest.Create("iaf_psc_exp", n, params=params)
        p.V_m = nest.random.normal(mean=-58.0, std=10.0)
        pops.append(p)
    recorder = nest.Create("spike_recorder")
    for t, target in enumerate(pops):
        noise = nest.Create("poisson_generator", params={"rate": BG_RATE * K_EXT[t]})
        nest.Connect(noise, target, syn_spec={"weight": w_exc, "delay": H})
        nest.Connect(target, recorder)
    # one synapse model per sign: NEST stores at most 2^27 - 2 connections per virtual process
    # and synapse model
    nest.CopyModel("static_synapse", "static_exc")
    nest.CopyModel("static_synapse", "static_inh")
    rss_before = rss_bytes()
    synapses = 0
    for t, target in enumerate(pops):
        for s, source in enumerate(pops):
            p = CONN_PROBS[t][s]
            if p == 0.0:
                continue
            pairs = sizes[t] * sizes[s]
            n = round(math.log(1.0 - p) / math.log((pairs - 1.0) / pairs))
            synapses += n
            excitatory = s % 2 == 0
            mean = -4.0 * w_exc if not excitatory else (2.0 * w_exc if (t, s) == (0, 2) else w_exc)
            normal = nest.random.normal(mean=mean, std=0.1 * abs(mean))
            weight = nest.math.redraw(normal, min=0.0, max=math.inf) if excitatory else \
                nest.math.redraw(normal, min=-math.inf, max=0.0)
            d = 1.5 if excitatory else 0.75
            delay = nest.math.redraw(nest.random.normal(mean=d, std=0.5 * d), min=0.5 * H, max=math.inf)
            nest.Connect(source, target, {"rule": "fixed_total_number", "N": n},
                         {"synapse_model": "static_exc" if excitatory else "static_inh", "weight": weight, "delay": delay})
    build_s = time.perf_counter() - t0
    rss_after = rss_bytes()
    t1 = time.perf_counter()
    nest.Simulate(T_PRESIM)
    prepare_s = time.perf_counter() - t1
    n_before = recorder.n_events
    t2 = time.perf_counter()
    nest.Simulate(args.t_sim)
    simulate_s = time.perf_counter() - t2
    ev = recorder.get("events")
    senders = ev["senders"][n_before:]
    firsts = [p[0].global_id for p in pops]
    counts = [0] * 8
    for s in senders:
        k = max(i for i, f in enumerate(firsts) if f <= s)
        counts[k] += 1
    rates = [c / n / (args.t_sim / 1000.0) for c, n in zip(counts, sizes)]
    return {
        "threads": args.threads, "neurons": sum(sizes), "synapses": synapses,
        "build_s": build_s, "prepare_s": prepare_s, "simulate_s": simulate_s, "t_sim_ms": args.t_sim,
        "real_time_factor": simulate_s / (args.t_sim / 1000.0),
        "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        "bytes_per_synapse": (rss_after - rss_before) / synapses, "rates_hz": rates,
        "nest_version": nest.__version__,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--t-sim", type=float, default=1000.0)
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--json")
    ap.add_argument("--ours")
    args = ap.parse_args()
    r = run(args)
    print(f"NEST {r['nest_version']}: {r['neurons']} neurons, {r['synapses']} synapses, {r['threads']} threads")
    print(f"build {r['build_s']:.1f} s (+ {r['prepare_s']:.1f} s in the first Simulate), "
          f"simulate {r['t_sim_ms']:.0f} ms in {r['simulate_s']:.1f} s: real-time factor {r['real_time_factor']:.1f}; "
          f"peak RSS {r['peak_rss_bytes'] / 2**30:.2f} GiB, {r['bytes_per_synapse']:.1f} bytes per synapse")
    for name, rate in zip(NAMES, r["rates_hz"]):
        print(f"  {name}: {rate:.2f} spikes/s")
    if args.json:
        Path(args.json).write_text(json.dumps(r, indent=1) + "\n")
    if args.ours:
        ours = json.loads(Path(args.ours).read_text())
        print("NEST / ours:")
        for key in ("build_s", "simulate_s", "real_time_factor", "peak_rss_bytes", "bytes_per_synapse"):
            if ours.get(key):
                print(f"  {key}: {r[key] / ours[key]:.2f}")


if __name__ == "__main__":
    main()
