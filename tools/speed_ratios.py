#!/usr/bin/env python3
"""The speed workloads of issue 11 in one run, ours and NEST 3.10's, one after the other, and
their ratios (NEST's time / ours).

Usage:
    speed_ratios.py [--only w1,w2,w3] [--repeats R] [--no-build]

- W1: 10,000 iaf_psc_exp under DC (500 pA), 1 s at 0.1 ms, one thread: ours
  ``examples/w1_profile 10000`` (the generated struct-of-arrays population), NEST
  ``nest_population_bench.py --model iaf_psc_exp``.
- W2: NEST's brunel_delta_nest (12,500 iaf_psc_delta, 15.6 M static synapses), 1 s, one thread:
  ours ``examples/brunel`` (``RAYON_NUM_THREADS=1``), NEST ``nest_brunel_bench.py --threads 1``.
- W3: 1,000 hh_psc_alpha with NEST's error control, 1 s, one thread, under DC (800 pA) and under
  Poisson input (20,000/s of 100 pA): ours ``examples/w3_profile`` (the lockstep population with
  ``exp = "inline"``), NEST ``nest_population_bench.py --model hh_psc_alpha [--poisson 20000 100]``.

W1 and W3 run ours and NEST's one after the other ``--repeats`` times (default 3) and keep each
side's fastest run, so that a slow phase of a shared machine hits both alike; W2 runs once.
Our programs are built with ``cargo build --release`` first (``--no-build`` skips it). NEST runs in
the interpreter given by ``$NEST_PYTHON`` (default: ``.venv-nest/bin/python``, made by
``tools/setup_nest.sh``). Wall times, so run it on a quiet machine: the 1-minute load average at
the start is printed. Takes about six minutes.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOOLS = ROOT / "tools"
EXAMPLES = ROOT / "target" / "release" / "examples"


def run(cmd, env=None):
    """stdout of ``cmd`` (a list), which must succeed."""
    out = subprocess.run(cmd, cwd=ROOT, env={**os.environ, **(env or {})}, check=True,
                         capture_output=True, text=True)
    return out.stdout


def number(pattern, text, what):
    m = re.search(pattern, text)
    if not m:
        sys.exit(f"speed_ratios: no {what} in:\n{text}")
    return float(m.group(1).replace(",", ""))


def nest_ns(python, args):
    """NEST's ns per neuron-step from nest_population_bench.py with ``args``."""
    out = run([python, str(TOOLS / "nest_population_bench.py"), *args])
    return number(r"([0-9.]+) ns per neuron-step", out, "NEST time")


def fastest(repeats, ours_cmd, nest_args, python):
    """The fastest of ``repeats`` runs of ours and of NEST, alternating: ns per neuron-step."""
    ours, nest = float("inf"), float("inf")
    for _ in range(repeats):
        ours = min(ours, number(r"([0-9.]+) ns per neuron-step", run(ours_cmd), "our time"))
        nest = min(nest, nest_ns(python, [*nest_args, "--repeats", "1"]))
    return ours, nest


def w1(python, repeats):
    ours, nest = fastest(repeats, [str(EXAMPLES / "w1_profile"), "10000"],
                         ["--model", "iaf_psc_exp", "--neurons", "10000", "--t-ms", "1000"], python)
    return [("W1 iaf_psc_exp, ns per neuron-step", ours, nest)]


def w2(python, _repeats):
    with tempfile.TemporaryDirectory() as tmp:
        ours_json = Path(tmp) / "ours.json"
        run([str(EXAMPLES / "brunel"), str(ours_json)], env={"RAYON_NUM_THREADS": "1"})
        ours = json.loads(ours_json.read_text())
        nest_json = Path(tmp) / "nest.json"
        run([python, str(TOOLS / "nest_brunel_bench.py"), "--threads", "1", "--json", str(nest_json)])
        nest = json.loads(nest_json.read_text())
    nest = nest["runs"][0]
    return [("W2 Brunel, simulate s", ours["simulate_s"], nest["simulate_s"]),
            ("W2 Brunel, bytes per synapse", ours["bytes_per_synapse"], nest["bytes_per_synapse"])]


def w3(python, repeats):
    rows = []
    for drive, extra in (("dc", []), ("poisson", ["--poisson", "20000", "100"])):
        ours, nest = fastest(repeats, [str(EXAMPLES / "w3_profile"), "1000", drive, "inline"],
                             ["--model", "hh_psc_alpha", "--neurons", "1000", "--t-ms", "1000", *extra],
                             python)
        rows.append((f"W3 hh_psc_alpha {drive}, ns per neuron-step", ours, nest))
    return rows


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--only", default="w1,w2,w3")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--no-build", action="store_true")
    args = p.parse_args()
    python = os.environ.get("NEST_PYTHON", str(ROOT / ".venv-nest" / "bin" / "python"))
    if not args.no_build:
        subprocess.run(["cargo", "build", "--release", "-q", "-p", "nestml", "--example", "w1_profile",
                        "--example", "brunel", "--example", "w3_profile"], cwd=ROOT, check=True)
    print(f"1-minute load average at the start: {os.getloadavg()[0]:.2f} ({os.cpu_count()} CPUs)")
    rows = []
    for name, workload in (("w1", w1), ("w2", w2), ("w3", w3)):
        if name in args.only.split(","):
            rows.extend(workload(python, args.repeats))
    width = max(len(r[0]) for r in rows)
    print(f"{'workload':{width}s} {'ours':>10s} {'NEST':>10s} {'NEST / ours':>12s}")
    for name, ours, nest in rows:
        print(f"{name:{width}s} {ours:10.3f} {nest:10.3f} {nest / ours:12.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
