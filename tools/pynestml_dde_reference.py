#!/usr/bin/env python3
"""Reference trace of a delay differential equation model from PyNESTML 9.0.0's NEST code.

Usage:
    pynestml_dde_reference.py [--out DIR] [--build-dir DIR] [--rebuild]

PyNESTML generates and builds a NEST 3.10 module for our own test model
``tests/fixtures/pynestml_dde/delayed_decay_neuron.nestml`` (in
``BUILD/delayed_decay_neuron``, default ``/tmp/pynestml_build``, against the pip NEST through the
``nest-config`` prefix of ``tools/pynestml_synapse_reference.py``), NEST runs one neuron for
``T_SIM`` ms at the resolution ``H`` with a multimeter on every state, and the trace goes to
``DIR/delayed_decay_neuron.json`` (default ``tests/fixtures/pynestml_dde``): the resolution, the
parameters, the times and the recorded values (the state at the end of each step).

The script checks the trace against the semantics it documents for the generated code before
writing it: a ring buffer of ``round(lag / h) + 1`` values, zero-filled, written with the state
at the start of each step and then read at the oldest slot, so the delayed value of step k is
u((k - N) h) (N = round(lag / h)) and 0 for k < N; the exact solver multiplies it by the
coupled system's propagator entry P[v][u] = 1 - exp(-h / tau).
"""

import argparse
import json
import math
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from nest_reference import clean, import_nest  # noqa: E402
from pynestml_synapse_reference import nest_prefix  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
MODEL = "delayed_decay_neuron"
MODEL_FILE = REPO / "tests" / "fixtures" / "pynestml_dde" / f"{MODEL}.nestml"
MODULE = "delayeddecaymodule"
SUFFIX = "_nestml"
H = 0.1  # ms
T_SIM = 20.0  # ms
STATES = ["u", "v"]
TOL_SELF_CHECK = 1e-12


def build(build_dir, rebuild):
    root = Path(build_dir) / MODEL
    so = root / "install" / (MODULE + ".so")
    src = root / "model.nestml"
    text = MODEL_FILE.read_text()
    if not rebuild and so.exists() and src.exists() and src.read_text() == text:
        return so.with_suffix("")
    if root.exists():
        shutil.rmtree(root)
    (root / "target").mkdir(parents=True)
    (root / "install").mkdir()
    shutil.copy(MODEL_FILE, root / f"{MODEL}.nestml")
    code = (
        "import sys\n"
        "sys.setrecursionlimit(10000)\n"
        "from pynestml.frontend.pynestml_frontend import generate_nest_target\n"
        f"generate_nest_target(input_path={str(root / (MODEL + '.nestml'))!r}, "
        f"target_path={str(root / 'target')!r}, install_path={str(root / 'install')!r}, "
        f"module_name={MODULE!r}, suffix={SUFFIX!r}, logging_level='ERROR', "
        f"codegen_opts={{'nest_path': {str(nest_prefix(build_dir))!r}}})\n")
    with open(root / "pynestml.log", "w") as fh:
        r = subprocess.run([sys.executable, "-c", code], stdout=fh, stderr=subprocess.STDOUT,
                           cwd=str(root))
    if r.returncode != 0 or not so.exists():
        raise SystemExit(f"PyNESTML failed (exit {r.returncode}); see {root / 'pynestml.log'}")
    src.write_text(text)
    return so.with_suffix("")


def expected(params, steps):
    """The generated code's recursion, in plain Python (see the module docstring)."""
    tau, lag, u = params["tau"], params["lag"], params["u"]
    n = round(lag / H)
    p_uu, p_vu = math.exp(-H / tau), 1 - math.exp(-H / tau)
    us, v, out = [], params["v"], []
    for k in range(steps):
        us.append(u)
        delayed = us[k - n] if k >= n else 0.0
        u, v = p_uu * u, p_vu * delayed + v
        out.append({"u": u, "v": v})
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=str(REPO / "tests" / "fixtures" / "pynestml_dde"))
    ap.add_argument("--build-dir", default="/tmp/pynestml_build")
    ap.add_argument("--rebuild", action="store_true")
    args = ap.parse_args(argv)

    module = build(args.build_dir, args.rebuild)
    nest = import_nest("pynestml_dde_reference")
    nest.ResetKernel()
    nest.resolution = H
    nest.Install(str(module))
    neuron = nest.Create(MODEL + SUFFIX)
    status = neuron.get()
    params = {k: float(status[k]) for k in ["tau", "lag"] + STATES}
    mm = nest.Create("multimeter", params={"record_from": STATES, "interval": H})
    nest.Connect(mm, neuron)
    nest.Simulate(T_SIM)
    ev = mm.get("events")
    times = [float(t) for t in ev["times"]]
    values = {s: [float(x) for x in ev[s]] for s in STATES}
    steps = round(T_SIM / H)
    model = expected(params, steps)
    # the multimeter's sample at time t is the state after the step ending at t
    worst = 0.0
    for i, t in enumerate(times):
        k = round(t / H) - 1
        for s in STATES:
            want = model[k][s]
            worst = max(worst, abs(values[s][i] - want) / max(abs(want), 1.0))
    if worst > TOL_SELF_CHECK:
        raise SystemExit(f"self-check failed: the generated code differs by {worst:.3e}")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    doc = {"model": MODEL, "nestml": "9.0.0", "nest": nest.__version__, "resolution": H,
           "t_sim": T_SIM, "parameters": params, "times": times, "values": values,
           "self_check_max_rel_err": worst}
    (out / f"{MODEL}.json").write_text(json.dumps(clean(doc), indent=1) + "\n")
    print(f"wrote {out / (MODEL + '.json')}: {len(times)} samples, self-check {worst:.2e}")


if __name__ == "__main__":
    main()
