#!/usr/bin/env python3
"""NEST 3.10's cost per synapse connection, beside ours (``crates/nestml/benches/synapse.rs``).

Usage:
    nest_synapse_bench.py [--sources N] [--targets M] [--ours SIZES_JSON] [--criterion DIR]

Memory: ``N × M`` connections (default 1000 × 1000) between parrot neurons, all-to-all, with
``static_synapse``, ``stdp_synapse`` and ``stdp_triplet_synapse`` (one thread); the memory per
connection is the growth of the process's resident set (``VmRSS``) during ``Connect`` divided by
the number of connections, after one warm-up ``Simulate`` so that NEST's connection
infrastructure is built on both sides of the measurement.

Throughput: one presynaptic parrot firing every 10 ms for 10 s onto ``M`` postsynaptic parrots
(receptor 1, so they do not fire through it) that each fire every 50 ms: ``999 × M`` presynaptic
events pass a connection. NEST's cost per event is the ``Simulate`` time of this network minus
that of the same network without the ``M`` connections (best of 3 each), divided by the count.

``--ours`` reads the bytes per connection the Rust benchmark writes
(``target/criterion/synapse/sizes.json``) and ``--criterion`` the folder of its criterion results
(``target/criterion/synapse``), and prints the ratios NEST / ours.

Needs nest-simulator 3.10.0 (``bash tools/setup_venv.sh`` makes ``.venv`` with it).
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from nest_reference import import_nest  # noqa: E402  (the project's own helper)

MODELS = ["static_synapse", "stdp_synapse", "stdp_triplet_synapse"]




def rss_bytes():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def bytes_per_connection(nest, model, n_sources, n_targets):
    nest.ResetKernel()
    nest.local_num_threads = 1
    pre = nest.Create("parrot_neuron", n_sources)
    post = nest.Create("parrot_neuron", n_targets)
    nest.set(min_delay=1.0, max_delay=1.0)  # the default delay; fixed by the warm-up run
    nest.Simulate(1.0)
    before = rss_bytes()
    nest.Connect(pre, post, "all_to_all", {"synapse_model": model, "receptor_type": 1})
    nest.Simulate(1.0)
    after = rss_bytes()
    n = nest.num_connections
    assert n == n_sources * n_targets, n
    return (after - before) / n


def seconds_per_event(nest, model, n_targets):
    """NEST's time per presynaptic event: the run with the connections minus the same run
    without them (best of 3 each)."""
    with_connections = min(simulate_events(nest, model, n_targets, True) for _ in range(3))
    without = min(simulate_events(nest, model, n_targets, False) for _ in range(3))
    return (with_connections - without) / ((int(10000.0 / 10.0) - 1) * n_targets)


def simulate_events(nest, model, n_targets, connect):
    nest.ResetKernel()
    nest.local_num_threads = 1
    t_stop = 10000.0
    pre_times = [10.0 * (i + 1) for i in range(int(t_stop / 10.0) - 1)]
    post_times = [50.0 * (i + 1) + 4.3 for i in range(int(t_stop / 50.0) - 1)]
    sg_pre = nest.Create("spike_generator", params={"spike_times": pre_times})
    sg_post = nest.Create("spike_generator", params={"spike_times": post_times})
    pre = nest.Create("parrot_neuron")
    post = nest.Create("parrot_neuron", n_targets)
    nest.Connect(sg_pre, pre)
    nest.Connect(sg_post, post)
    if connect:
        nest.Connect(pre, post, "all_to_all", {"synapse_model": model, "receptor_type": 1})
    start = time.perf_counter()
    nest.Simulate(t_stop + 20.0)
    return time.perf_counter() - start


def ours_per_event(criterion_dir, model):
    path = Path(criterion_dir) / model / "new" / "estimates.json"
    if not path.exists():
        return None
    ns_per_run = json.loads(path.read_text())["median"]["point_estimate"]
    return ns_per_run * 1e-9 / 10_000  # the Rust benchmark sends 10,000 spikes per run


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sources", type=int, default=1000)
    ap.add_argument("--targets", type=int, default=1000)
    ap.add_argument("--ours", help="sizes.json written by the Rust benchmark")
    ap.add_argument("--criterion", help="the Rust benchmark's criterion folder (target/criterion/synapse)")
    args = ap.parse_args()
    nest = import_nest("nest_synapse_bench")
    ours = json.loads(Path(args.ours).read_text()) if args.ours else {}
    print(f"NEST {nest.__version__}, one thread; {args.sources} x {args.targets} connections per model")
    print(f"{'model':<22} {'NEST B/conn':>12} {'ours B/conn':>12} {'NEST/ours':>9} {'NEST s/event':>13} {'ours s/event':>13} {'NEST/ours':>9}")
    for model in MODELS:
        nest_bytes = bytes_per_connection(nest, model, args.sources, args.targets)
        nest_event = seconds_per_event(nest, model, args.targets)
        our_bytes = ours.get(model, {}).get("connection_bytes")
        our_event = ours_per_event(args.criterion, model) if args.criterion else None
        ratio = lambda a, b: f"{a / b:9.2f}" if a and b else f"{'-':>9}"
        fmt = lambda x, f: format(x, f) if x is not None else "-"
        print(f"{model:<22} {nest_bytes:12.1f} {fmt(our_bytes, '12d'):>12} {ratio(nest_bytes, our_bytes)} "
              f"{nest_event:13.3e} {fmt(our_event, '13.3e'):>13} {ratio(nest_event, our_event)}")


if __name__ == "__main__":
    main()
