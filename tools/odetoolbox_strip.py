#!/usr/bin/env python3
"""Reduce the fixtures of odetoolbox_reference.py to numbers and names.

The model library is GPL data that the project reads from ../shared and never copies. The full
fixtures contain the models' equations as PyNESTML prints them (ODE-toolbox's input, its
symbolic propagators and update expressions); this script keeps only what the Rust oracle test
compares: state names, the partition, the evaluated propagators P and q (ODE-toolbox's and the
50-digit expm reference), the parameter values used, and the singularity probes.

Usage: odetoolbox_strip.py DIR   (rewrites every DIR/*.json in place)
"""

import json
import pathlib
import sys

BLOCK_KEYS = ["state_variables", "singular_in_odetoolbox", "f64_precision_loss", "comparison", "values_used"]
POINT_KEYS = ["override", "singular_in_odetoolbox", "f64_precision_loss", "comparison"]


def numbers(d, keys):
    return {k: d[k] for k in keys if k in d}


def strip_values(d):
    """Keeps P, q (and the float64 versions, the per-input q columns) of an evaluation."""
    return numbers(d or {}, ["P", "q", "P_f64", "q_f64", "q_input_columns", "method"])


def strip_block(b):
    out = numbers(b, BLOCK_KEYS)
    out["odetoolbox"] = strip_values(b.get("odetoolbox"))
    out["reference"] = strip_values(b.get("reference"))
    out["singularity_probes"] = [
        {
            "condition": p.get("condition"),
            "points": [
                dict(numbers(pt, POINT_KEYS), odetoolbox=strip_values(pt.get("odetoolbox")), reference=strip_values(pt.get("reference")))
                for pt in p.get("points", [])
            ],
        }
        for p in b.get("singularity_probes", [])
    ]
    return out


def strip(d):
    out = numbers(d, ["model", "source", "kind", "h_ms", "main_analysis_index", "numeric_stepper", "versions"])
    out["analyses"] = [
        {
            "numeric": {"state_variables": (a.get("numeric") or {}).get("state_variables", [])} if a.get("numeric") else None,
            "analytic_blocks": [strip_block(b) for b in a.get("analytic_blocks", [])],
        }
        for a in d.get("analyses") or []
    ]
    return out


def main():
    for path in sorted(pathlib.Path(sys.argv[1]).glob("*.json")):
        data = json.loads(path.read_text())
        path.write_text(json.dumps(strip(data), indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
