#!/usr/bin/env python3
"""Compare PyNESTML's verdicts with ours.

Usage:
    verdict_diff.py PYNESTML.json OURS.json [--check-expect] [--require-all]

PYNESTML.json is the output of tools/pynestml_check.py:
    {"<relative path>": {"accepted": bool, "errors": [...], "warnings": [...]}}
OURS.json is the output of ``nestml check --format json PATH...``:
    {"files": [{"path": "...", "diagnostics": [{"severity": "error"|"warning",
      "code": "E0101", "message": "...", "line": 12, "column": 9,
      "end_line": 12, "end_column": 14}]}], "errors": N, "warnings": N}

Files are matched by their path relative to a common root: each side's paths
are made relative to that side's common folder, and two paths match when they
are equal or when one is a trailing part (whole path components) of the other,
so ``valid/a.nestml`` matches ``tests/conformance/valid/a.nestml``.

Prints a table of the files whose verdicts differ (file, PyNESTML's verdict,
ours, first messages of each side), then a summary. Files present on one side
only are listed too; they make the exit status 1 only with --require-all.

--check-expect additionally reads the ``# expect: CODE at LINE:COL`` header
lines of every invalid file (the files are read at the paths OURS.json gives)
and reports files where our error diagnostics do not match the expectations:
an expected code missing at that position, or an error we report that no
header expects.

Exit status: 0 when all matched verdicts agree (and, with --check-expect, all
expectations are met), 1 otherwise, 2 on bad input.
"""

import argparse
import json
import os
import re
import sys

EXPECT_RE = re.compile(r"^\s*#\s*expect:\s*([EW]\d{4})\s+at\s+(\d+):(\d+)\s*$")


def load_json(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        sys.exit("verdict_diff: cannot read %s: %s" % (path, e))


def relative_to_common_root(paths):
    """Map each path to its path relative to the common folder of all paths."""
    if not paths:
        return {}
    dirs = [os.path.dirname(os.path.abspath(p)) for p in paths]
    root = os.path.commonpath(dirs)
    return {p: os.path.relpath(os.path.abspath(p), root).replace(os.sep, "/") for p in paths}


def parts(p):
    return [c for c in p.replace("\\", "/").split("/") if c not in ("", ".")]


def is_suffix(short, long):
    s, l = parts(short), parts(long)
    return len(s) <= len(l) and l[len(l) - len(s):] == s


def match_paths(py_keys, our_paths):
    """Return (pairs, only_py, only_ours). pairs: list of (py_key, our_path)."""
    our_rel = relative_to_common_root(our_paths)
    pairs, used = [], set()
    only_py = []
    for k in sorted(py_keys):
        # 1. exact match of the relative paths, 2. trailing-components match either way
        cands = [p for p in our_paths if parts(our_rel[p]) == parts(k) and p not in used]
        if not cands:
            cands = [p for p in our_paths if p not in used and
                     (is_suffix(k, p) or is_suffix(our_rel[p], k))]
        if len(cands) > 1:
            # prefer the candidate sharing the most trailing components with the key
            def score(p):
                a, b = parts(k)[::-1], parts(p)[::-1]
                n = 0
                while n < min(len(a), len(b)) and a[n] == b[n]:
                    n += 1
                return n
            best = max(score(p) for p in cands)
            cands = [p for p in cands if score(p) == best]
        if len(cands) == 1:
            pairs.append((k, cands[0]))
            used.add(cands[0])
        else:
            only_py.append(k)
    only_ours = sorted(p for p in our_paths if p not in used)
    return pairs, only_py, only_ours


def first_msgs_py(entry, n=2):
    out = []
    for e in entry.get("errors", [])[:n]:
        pos = "%s:%s" % (e.get("line"), e.get("col")) if e.get("line") is not None else "-"
        out.append("%s %s" % (pos, e.get("message", "")))
    if entry.get("exception"):
        out.append("exception: " + entry["exception"])
    return out


def first_msgs_ours(diags, n=2):
    return ["%s:%s %s %s" % (d.get("line"), d.get("column"), d.get("code"), d.get("message", ""))
            for d in diags if d.get("severity") == "error"][:n]


def clip(s, width):
    s = " ".join(str(s).split())
    return s if len(s) <= width else s[:width - 1] + "…"


def read_expectations(path):
    exp = []
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                if not line.lstrip().startswith("#"):
                    if line.strip():
                        break       # headers are the leading comment lines
                    continue
                m = EXPECT_RE.match(line)
                if m:
                    exp.append((m.group(1), int(m.group(2)), int(m.group(3))))
    except OSError:
        return None
    return exp


def main(argv=None):
    ap = argparse.ArgumentParser(description="Compare PyNESTML verdicts with nestml's.")
    ap.add_argument("pynestml_json")
    ap.add_argument("ours_json")
    ap.add_argument("--check-expect", action="store_true",
                    help="also check the '# expect: CODE at L:C' headers against our errors")
    ap.add_argument("--require-all", action="store_true",
                    help="fail when a file is present on one side only")
    ap.add_argument("--width", type=int, default=70, help="width of the message columns")
    args = ap.parse_args(argv)

    py = load_json(args.pynestml_json)
    ours = load_json(args.ours_json)
    if not isinstance(py, dict) or not isinstance(ours, dict) or "files" not in ours:
        print("verdict_diff: unexpected JSON shape", file=sys.stderr)
        return 2
    our_files = {f["path"]: f.get("diagnostics", []) for f in ours["files"]}

    pairs, only_py, only_ours = match_paths(list(py.keys()), list(our_files.keys()))

    disagreements = []
    for k, p in pairs:
        py_acc = bool(py[k]["accepted"])
        our_acc = not any(d.get("severity") == "error" for d in our_files[p])
        if py_acc != our_acc:
            disagreements.append((k, py_acc, our_acc, first_msgs_py(py[k]), first_msgs_ours(our_files[p])))

    def verdict(a):
        return "accept" if a else "reject"

    w = args.width
    if disagreements:
        name_w = max(len("file"), max(len(d[0]) for d in disagreements))
        print("%-*s  %-8s  %-8s  %-*s  %s" % (name_w, "file", "pynestml", "ours", w, "pynestml says", "we say"))
        print("-" * (name_w + 24 + 2 * w))
        for k, pa, oa, pm, om in disagreements:
            rows = max(1, len(pm), len(om))
            for i in range(rows):
                print("%-*s  %-8s  %-8s  %-*s  %s" % (
                    name_w, k if i == 0 else "", verdict(pa) if i == 0 else "", verdict(oa) if i == 0 else "",
                    w, clip(pm[i], w) if i < len(pm) else "", clip(om[i], w) if i < len(om) else ""))
        print()

    for k in only_py:
        print("only in %s: %s" % (args.pynestml_json, k))
    for p in only_ours:
        print("only in %s: %s" % (args.ours_json, p))

    expect_failures = []
    if args.check_expect:
        for k, p in pairs:
            exp = read_expectations(p)
            if exp is None:
                expect_failures.append((p, "cannot read file"))
                continue
            errs = [d for d in our_files[p] if d.get("severity") == "error"]
            got = {(d.get("code"), d.get("line"), d.get("column")) for d in errs}
            for code, line, col in exp:
                if (code, line, col) not in got:
                    same_code = ["%s:%s" % (d.get("line"), d.get("column")) for d in errs if d.get("code") == code]
                    expect_failures.append((p, "expected %s at %d:%d, got %s" % (
                        code, line, col, ("%s at %s" % (code, ", ".join(same_code))) if same_code else
                        (", ".join(sorted("%s at %s:%s" % g for g in got)) or "no error"))))
            expected = set(exp)
            for d in errs:
                key = (d.get("code"), d.get("line"), d.get("column"))
                if key not in expected and exp:
                    expect_failures.append((p, "unexpected %s at %s:%s %s" % (
                        key[0], key[1], key[2], clip(d.get("message", ""), w))))
        for p, msg in expect_failures:
            print("expect: %s: %s" % (p, msg))

    n = len(pairs)
    print("%d files compared: %d agree, %d disagree; %d only in PyNESTML's, %d only in ours%s" % (
        n, n - len(disagreements), len(disagreements), len(only_py), len(only_ours),
        ("; %d expectation failures" % len(expect_failures)) if args.check_expect else ""))

    failed = bool(disagreements) or bool(expect_failures) or (args.require_all and (only_py or only_ours))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
