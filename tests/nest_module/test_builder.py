"""`nestml nest-module` refuses what cannot work, with messages that say why."""

import subprocess
import sys

from conftest import REPO, SYNAPSES, nestml_bin


def nest_module(tmp_path, *args, python=sys.executable):
    res = subprocess.run([nestml_bin(), "nest-module", "-n", "refused", "-o", str(tmp_path),
                          "--python", python, *map(str, args)], capture_output=True, text=True)
    assert res.returncode == 1, res.stdout + res.stderr
    assert not (tmp_path / "refusedmodule.so").exists()
    return res.stderr


def test_a_name_taken_by_a_nest_builtin_is_refused(tmp_path):
    err = nest_module(tmp_path, SYNAPSES / "stdp_synapse.nestml")
    assert "`stdp_synapse`" in err and "built-in" in err and "--suffix _nestml" in err, err


def test_model_errors_come_with_file_line_and_column(tmp_path):
    err = nest_module(tmp_path, REPO / "examples" / "broken.nestml", "--suffix", "_x")
    assert "broken.nestml:" in err and "error" in err, err


def test_a_python_without_nest_is_named(tmp_path):
    # this Python without its site-packages (-S): no NEST
    python = tmp_path / "python-without-nest"
    python.write_text(f"#!/bin/sh\nexec {sys.executable} -S \"$@\"\n")
    python.chmod(0o755)
    err = nest_module(tmp_path, SYNAPSES / "stdp_synapse.nestml", "--suffix", "_x", python=str(python))
    assert "no `nest` package" in err and "pip install nest-simulator==3.10.0" in err, err
