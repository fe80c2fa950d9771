#!/usr/bin/env bash
# Create a Python venv with the reference implementation PyNESTML 9.0.0 and the simulator
# NEST 3.10.0 (nest-simulator from pip; its wheel bundles GSL, so no apt packages are needed to
# run it; tools/nest_reference.py uses it).
#
#   bash tools/setup_venv.sh [VENV_DIR]      (default: .venv at the repository root)
#
# Idempotent: an existing venv that already has the right versions is left alone.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${1:-$repo_root/.venv}"
python="${PYTHON:-python3}"

want_nestml="9.0.0"
want_odetoolbox="3.0.0"
want_nest="3.10.0"

have_versions() {
    [ -x "$venv/bin/python" ] || return 1
    "$venv/bin/python" - "$want_nestml" "$want_odetoolbox" "$want_nest" <<'EOF' >/dev/null 2>&1
import sys
from importlib.metadata import version
ok = (version("nestml") == sys.argv[1] and version("odetoolbox") == sys.argv[2]
      and version("nest-simulator") == sys.argv[3])
import pynestml.frontend.pynestml_frontend  # noqa: F401  (the imports must work too)
import nest  # noqa: F401,E402  (prints NEST's banner; silenced above)
sys.exit(0 if ok and nest.__version__ == sys.argv[3] else 1)
EOF
}

if have_versions; then
    echo "setup_venv: $venv already has nestml==$want_nestml odetoolbox==$want_odetoolbox nest-simulator==$want_nest"
    exit 0
fi

if [ ! -x "$venv/bin/python" ]; then
    if ! "$python" -m venv "$venv" 2>/dev/null; then
        echo "setup_venv: '$python -m venv' failed; on Debian/Ubuntu: apt-get install python3-venv" >&2
        exit 1
    fi
fi

"$venv/bin/python" -m pip install --quiet --upgrade pip
"$venv/bin/python" -m pip install --quiet "nestml==$want_nestml" "odetoolbox==$want_odetoolbox" \
    "nest-simulator==$want_nest"

if ! have_versions; then
    echo "setup_venv: installation in $venv did not produce nestml==$want_nestml odetoolbox==$want_odetoolbox nest-simulator==$want_nest" >&2
    exit 1
fi
echo "setup_venv: ready: $venv/bin/python (nestml==$want_nestml, odetoolbox==$want_odetoolbox, nest-simulator==$want_nest)"
