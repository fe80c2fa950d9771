#!/usr/bin/env python3
"""The workload of ``crates/nestml/benches/population.rs`` in NEST 3.10, for comparison.

Usage:
    nest_population_bench.py [--model iaf_psc_exp|hh_psc_alpha] [--neurons N] [--dc PA]
                             [--poisson RATE WEIGHT] [--t-ms T] [--repeats R]
                             [--ours ESTIMATES_JSON] [--ours-ns NS]

``--neurons`` neurons (default 10,000) of NEST's built-in ``--model`` with ``I_e = --dc`` pA
(default: 500 for iaf_psc_exp, 800 for hh_psc_alpha, as in the Rust benchmark), no connections,
one thread (``local_num_threads = 1``), resolution 0.1 ms, simulated for ``--t-ms`` ms (default
100, i.e. 1,000 steps). Each repetition starts from a fresh kernel (``ResetKernel``, ``Create``)
and times only the ``Simulate`` call; the best of ``--repeats`` (default 3) is reported as ms per
run and neuron-steps per second. An untimed run with a spike_recorder then gives the firing rate,
to check that both sides do the same work.

``--poisson RATE WEIGHT`` drives the neurons with ``I_e = 0`` by a poisson_generator, each
neuron its own train (W3's Poisson drive: ``--poisson 20000 100``, as ``examples/w3_profile``).
``--ours-ns`` takes our nanoseconds per neuron-step (``examples/w3_profile`` prints them) and
prints NEST's divided by ours.

``--ours`` reads the Rust benchmark's criterion result, e.g.
``target/criterion/population/iaf_psc_exp_neuron_population/new/estimates.json`` (nanoseconds per run of
the same workload), and prints NEST time / our time for criterion's median and, if
``sample.json`` is beside it, for the fastest sample (comparable with NEST's best of R).

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

DEFAULT_DC = {"iaf_psc_exp": 500.0, "hh_psc_alpha": 800.0}
RESOLUTION_MS = 0.1




def fresh_population(nest, model, neurons, dc, poisson=None):
    """``neurons`` of ``model`` with ``I_e = dc``, or, with ``poisson = (rate, weight)``, with
    ``I_e = 0`` and a poisson_generator sending each neuron its own train."""
    nest.ResetKernel()
    nest.set(resolution=RESOLUTION_MS, local_num_threads=1, rng_seed=1)
    if poisson is None:
        return nest.Create(model, neurons, params={"I_e": dc})
    pop = nest.Create(model, neurons, params={"I_e": 0.0})
    generator = nest.Create("poisson_generator", params={"rate": poisson[0]})
    nest.Connect(generator, pop, syn_spec={"weight": poisson[1], "delay": RESOLUTION_MS})
    return pop


def time_simulate(nest, args):
    """Seconds of the fastest of ``args.repeats`` Simulate calls, each on a fresh kernel."""
    best = float("inf")
    for _ in range(args.repeats):
        fresh_population(nest, args.model, args.neurons, args.dc, args.poisson)
        t0 = time.perf_counter()
        nest.Simulate(args.t_ms)
        best = min(best, time.perf_counter() - t0)
    return best


def spike_count(nest, args):
    pop = fresh_population(nest, args.model, args.neurons, args.dc, args.poisson)
    recorder = nest.Create("spike_recorder")
    nest.Connect(pop, recorder)
    nest.Simulate(args.t_ms)
    return recorder.n_events


def criterion_times(path):
    """(median, fastest sample or None) in seconds per iteration from criterion's output."""
    path = Path(path)
    estimates = json.loads(path.read_text())
    median = estimates["median"]["point_estimate"] * 1e-9
    sample = path.with_name("sample.json")
    fastest = None
    if sample.exists():
        s = json.loads(sample.read_text())
        fastest = min(t / n for t, n in zip(s["times"], s["iters"])) * 1e-9
    return median, fastest


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", choices=sorted(DEFAULT_DC), default="iaf_psc_exp")
    p.add_argument("--neurons", type=int, default=10_000)
    p.add_argument("--dc", type=float, help="I_e in pA (default per model)")
    p.add_argument("--t-ms", type=float, default=100.0)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--poisson", type=float, nargs=2, metavar=("RATE", "WEIGHT"),
                   help="drive by independent Poisson trains (1/s, pA) instead of I_e")
    p.add_argument("--ours", metavar="ESTIMATES_JSON")
    p.add_argument("--ours-ns", type=float, metavar="NS",
                   help="our ns per neuron-step (e.g. from examples/w3_profile)")
    args = p.parse_args()
    if args.dc is None:
        args.dc = DEFAULT_DC[args.model]

    nest = import_nest("nest_population_bench")
    steps = round(args.t_ms / RESOLUTION_MS)
    neuron_steps = args.neurons * steps
    best = time_simulate(nest, args)
    spikes = spike_count(nest, args)
    rate = spikes / args.neurons / (args.t_ms / 1000.0)

    drive = (f"I_e = {args.dc:g} pA" if args.poisson is None
             else f"Poisson {args.poisson[0]:g}/s of {args.poisson[1]:g} pA")
    print(f"NEST {nest.__version__} {args.model}: {args.neurons} neurons, {steps} steps of "
          f"{RESOLUTION_MS} ms, {drive}, 1 thread")
    print(f"  {spikes} spikes per run ({rate:.1f} spikes/s per neuron)")
    print(f"  Simulate: {best * 1e3:.1f} ms per run (best of {args.repeats}), "
          f"{neuron_steps / best / 1e6:.2f} M neuron-steps/s, "
          f"{best * 1e9 / neuron_steps:.1f} ns per neuron-step")
    if args.ours_ns:
        print(f"ours: {args.ours_ns:.1f} ns per neuron-step; NEST / ours = "
              f"{best * 1e9 / neuron_steps / args.ours_ns:.2f}")

    if args.ours:
        median, fastest = criterion_times(args.ours)
        print(f"ours (criterion {args.ours}):")
        print(f"  median {median * 1e3:.1f} ms per run, {neuron_steps / median / 1e6:.2f} M "
              f"neuron-steps/s; NEST / ours = {best / median:.2f}")
        if fastest is not None:
            print(f"  fastest sample {fastest * 1e3:.1f} ms per run; NEST best / ours fastest = "
                  f"{best / fastest:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
