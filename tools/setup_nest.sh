#!/usr/bin/env bash
# What building and testing NEST extension modules needs (tests/nest_module, `nestml nest-module`):
# the system headers NEST's public headers include (apt: g++ libboost-dev libgsl-dev libltdl-dev)
# and a venv with NEST 3.10 from pip, numpy and pytest (made with $PYTHON, default python3, whose
# venv module must work: on Debian's own Python that is the package python3-venv).
#
#   bash tools/setup_nest.sh [VENV_DIR]      (default: .venv-nest at the repository root)
#
# Idempotent: installed packages and a complete venv are left alone (apt runs only as root and
# only for missing packages; pip uses its cache). Prints the venv's python on the last line.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${1:-$repo_root/.venv-nest}"
python="${PYTHON:-python3}"
want_nest="3.10.0"

missing=()
for pkg in g++ libboost-dev libgsl-dev libltdl-dev; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "setup_nest: missing ${missing[*]}: run as root, or apt-get install ${missing[*]}" >&2
        exit 1
    fi
    echo "setup_nest: apt-get install ${missing[*]}" >&2
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
fi

ready() {
    [ -x "$venv/bin/python" ] && "$venv/bin/python" - "$want_nest" <<'PY' >/dev/null 2>&1
import sys
from importlib.metadata import version
import numpy, pytest  # noqa: F401
sys.exit(0 if version("nest-simulator") == sys.argv[1] else 1)
PY
}

if ! ready; then
    if [ ! -x "$venv/bin/python" ] && ! "$python" -m venv "$venv" >&2; then
        echo "setup_nest: '$python -m venv' failed; on Debian's Python: apt-get install python3-venv" >&2
        exit 1
    fi
    "$venv/bin/python" -m pip install --quiet --upgrade pip >&2
    "$venv/bin/python" -m pip install --quiet "nest-simulator==$want_nest" numpy pytest >&2
    ready || { echo "setup_nest: $venv does not have nest-simulator==$want_nest, numpy and pytest" >&2; exit 1; }
fi
echo "$venv/bin/python"
