"""A delay differential equation model as a NEST node: our module against the trace of the
module PyNESTML 9.0.0 generates for the same file (tests/fixtures/pynestml_dde)."""

import json

import pytest

from conftest import REPO, build_module

FIXTURES = REPO / "tests" / "fixtures" / "pynestml_dde"


@pytest.fixture(scope="session")
def delay_module(module_dir):
    return build_module("nestmldelay", module_dir, [FIXTURES / "delayed_decay_neuron.nestml"], "_ours")


def test_delayed_decay_neuron_reproduces_pynestmls_module(nest, delay_module):
    ref = json.loads((FIXTURES / "delayed_decay_neuron.json").read_text())
    nest.Install(delay_module)
    nest.resolution = ref["resolution"]
    neuron = nest.Create("delayed_decay_neuron_ours")
    mm = nest.Create("multimeter", params={"record_from": ["u", "v"], "interval": ref["resolution"]})
    nest.Connect(mm, neuron)
    nest.Simulate(ref["t_sim"])
    ev = mm.events
    assert list(ev["times"]) == pytest.approx(ref["times"], abs=1e-9)
    for name in ("u", "v"):
        for got, want in zip(ev[name], ref["values"][name]):
            assert abs(got - want) <= 1e-12 * max(abs(want), 1.0), (name, got, want)
    assert min(ref["values"]["v"]) < -50.0  # the delayed input arrived


def test_a_delay_below_one_step_is_refused(nest, delay_module):
    nest.Install(delay_module)
    nest.resolution = 0.1
    neuron = nest.Create("delayed_decay_neuron_ours", params={"lag": 0.04})
    with pytest.raises(nest.NESTError, match="at least one simulation step"):
        nest.Simulate(1.0)
