"""Fixtures of the NEST module tests: modules built once per session with `nestml nest-module`
(the CLI of this repository) for the NEST of the running Python, and a fresh NEST kernel per
test.

Environment:
    NESTML_BIN        the `nestml` binary (default: target/debug/nestml, else target/release/nestml)
    NESTML_CACHE_DIR  the module build cache (default: ~/.cache/nestml)
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))  # nest_reference.py

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared" / "nestml-models"
NEURONS = SHARED / "neurons"
SYNAPSES = SHARED / "synapses"
HERE = Path(__file__).resolve().parent


def nestml_bin():
    if "NESTML_BIN" in os.environ:
        return os.environ["NESTML_BIN"]
    for profile in ("debug", "release"):
        p = REPO / "target" / profile / "nestml"
        if p.is_file():
            return str(p)
    raise RuntimeError("no nestml binary: run `cargo build -p nestml-cli` first (or set NESTML_BIN)")


def build_module(name, out_dir, inputs, suffix, options=()):
    cmd = [nestml_bin(), "nest-module", "-n", name, "-o", str(out_dir), "--suffix", suffix,
           "--python", sys.executable]
    for o in options:
        cmd += ["--option", o]
    cmd += [str(p) for p in inputs]
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{res.stdout}\n{res.stderr}")
    print(res.stdout)
    return str(Path(out_dir) / f"{name}module.so")


@pytest.fixture(scope="session")
def module_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("modules")


@pytest.fixture(scope="session")
def main_module(module_dir):
    """Library models with PyNESTML's default options, suffix `_nestml`."""
    return build_module("nestmltest", module_dir, [
        NEURONS / "iaf_psc_exp_neuron.nestml",
        NEURONS / "hh_psc_alpha_neuron.nestml",
        SYNAPSES / "stdp_synapse.nestml",
        SYNAPSES / "static_synapse.nestml",
        SYNAPSES / "neuromodulated_stdp_synapse.nestml",
        HERE / "models" / "guarded_neuron.nestml",
        HERE / "models" / "pacemaker_neuron.nestml",
    ], "_nestml")


@pytest.fixture(scope="session")
def gsl_module(module_dir):
    """The numerically integrated library models with NEST's own GSL error control (absolute
    1e-3 on y), as the conformance tests of our runtime (crates/nestml/tests/nest_conformance.rs)."""
    return build_module("nestmlgsl", module_dir, [
        NEURONS / "hh_psc_alpha_neuron.nestml",
        NEURONS / "iaf_cond_exp_neuron.nestml",
    ], "_gsl", options=["gsl_abs_error_tol=1e-3", "gsl_rel_error_tol=0"])


@pytest.fixture
def nest():
    """NEST with a fresh kernel (modules must be installed again after a reset)."""
    import nest as nest_
    nest_.ResetKernel()
    nest_.verbosity = nest_.VerbosityLevel.ERROR
    return nest_
