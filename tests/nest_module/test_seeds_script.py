"""(d) The seeds' PyNEST script (examples/nest/hh_stdp_network.py), unchanged, on our module."""

import os
import re
import subprocess
import sys
from pathlib import Path

from conftest import NEURONS, REPO, SYNAPSES, build_module


def test_the_seeds_script_runs_unchanged(module_dir):
    build_module("nestml", module_dir, [NEURONS / "hh_psc_alpha_neuron.nestml",
                                        SYNAPSES / "stdp_synapse.nestml"], "_nestml")
    env = dict(os.environ, LD_LIBRARY_PATH=f"{module_dir}:{os.environ.get('LD_LIBRARY_PATH', '')}",
               PYNEST_QUIET="1")
    res = subprocess.run([sys.executable, str(REPO / "examples" / "nest" / "hh_stdp_network.py")],
                         capture_output=True, text=True, env=env, timeout=600)
    assert res.returncode == 0, res.stdout + res.stderr
    print(res.stdout)
    rates = {m[0]: float(m[1]) for m in re.findall(r"(pop\d): ([\d.]+) spikes/s", res.stdout)}
    assert set(rates) == {"pop1", "pop2"}
    # Poisson-driven HH neurons fire (the Rust example and NEST's built-ins: tens of spikes/s)
    assert 5.0 < rates["pop1"] < 200.0 and 5.0 < rates["pop2"] < 400.0, rates
    m = re.search(r"(\d+) connections, mean ([\d.]+) -> ([\d.]+) pA", res.stdout)
    assert m and int(m[1]) == 100 * 100
    assert abs(float(m[2]) - 30.0) < 1.0, "initial weights are uniform in [20, 40) pA"
    assert float(m[3]) != float(m[2]), "the weights are plastic"
