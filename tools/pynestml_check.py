#!/usr/bin/env python3
"""Record PyNESTML 9.0.0's verdicts on NESTML files.

Usage:
    pynestml_check.py PATH... [--out FILE.json] [--jobs N] [--python PY] [--check-layout]

Every ``.nestml`` file given (folders are searched recursively) is checked by
PyNESTML in a fresh Python subprocess (PyNESTML keeps global state), with
``generate_target(target_platform="NONE")``: parsing, symbol table, all context
conditions and the model transformations (including the ODE-toolbox analysis)
run, but no code is generated or built. Output and report files go to a
temporary directory.

The log entries are read from PyNESTML's ``Logger`` (not from its printed
output). For every ERROR and WARNING entry we keep its message, PyNESTML's
message code name and its source span.

Positions: PyNESTML's source locations come from ANTLR tokens, so lines are
1-based and columns are 0-based. This tool converts columns to 1-based
(``col = pynestml_col + 1``). ``end_line``/``end_col`` is PyNESTML's end of
the span, which is the START of the last token of the node (1-based too), not
the column after it. Entries without a position get ``null`` for all four.

Verdict: ``accepted`` is true when the file produced no ERROR entry and no
exception. A model with errors also gets PyNESTML's WARNING "Model contains
errors" (code MODEL_CONTAINS_ERRORS), which is kept in ``warnings``.

Output (keys sorted; paths relative to the common root of the arguments):
    {"<path>": {"accepted": bool, "errors": [...], "warnings": [...],
                "exception": "..." (only when PyNESTML raised)}}

With --check-layout, the exit status is 1 when a file below a folder named
``valid`` is rejected or a file below a folder named ``invalid`` is accepted
(the conformance corpus layout); the offending files are listed on stderr.

Without --out the JSON is printed to stdout. Must be run by (or pointed with
--python at) a Python that has nestml==9.0.0 and odetoolbox==3.0.0 installed.
"""

import argparse
import concurrent.futures
import json
import os
import re
import subprocess
import sys
import tempfile

WORKER_TIMEOUT_S = 300


def _worker(nestml_file: str, work_dir: str, result_file: str) -> None:
    """Runs inside the subprocess: check one file and write the result JSON."""
    import io
    import contextlib
    import traceback

    os.chdir(work_dir)
    sys.setrecursionlimit(10000)   # as PyNESTML's own command-line entry point does
    result = {"errors": [], "warnings": [], "exception": None}
    captured = io.StringIO()
    try:
        from pynestml.frontend.pynestml_frontend import generate_target
        from pynestml.utils.logger import Logger, LoggingLevel

        try:
            with contextlib.redirect_stdout(captured):
                generate_target(input_path=nestml_file,
                                target_platform="NONE",
                                target_path=os.path.join(work_dir, "target"),
                                logging_level="ERROR",  # "NO" breaks ODE-toolbox (python logging has no level NO)
                                module_name="nestmlmodule")
        except BaseException as e:  # noqa: B036 -- PyNESTML can raise anything, even SystemExit
            result["exception"] = "%s: %s" % (type(e).__name__, e)
            result["traceback"] = traceback.format_exc()

        for _, entry in sorted(Logger.get_log().items()):
            _artifact, _node, level, code, pos, message = entry
            if level not in (LoggingLevel.ERROR, LoggingLevel.WARNING):
                continue
            item = {
                "line": None, "col": None, "end_line": None, "end_col": None,
                # object addresses (PyNESTML prints some type objects raw) would make runs differ
                "message": re.sub(r" object at 0x[0-9a-fA-F]+>", " object>", str(message)),
                "pynestml_code": code.name if code is not None else None,
            }
            if pos is not None:
                item["line"] = pos.get_start_line()
                item["col"] = pos.get_start_column() + 1
                item["end_line"] = pos.get_end_line()
                item["end_col"] = pos.get_end_column() + 1
            result["errors" if level == LoggingLevel.ERROR else "warnings"].append(item)
    except BaseException as e:  # noqa: B036
        result["exception"] = "%s: %s" % (type(e).__name__, e)
        result["traceback"] = traceback.format_exc()

    with open(result_file, "w", encoding="utf-8") as f:
        json.dump(result, f)


def collect_files(paths):
    files = []
    for p in paths:
        if os.path.isdir(p):
            for root, dirs, names in os.walk(p):
                dirs.sort()
                for n in sorted(names):
                    if n.endswith(".nestml"):
                        files.append(os.path.abspath(os.path.join(root, n)))
        elif os.path.isfile(p):
            files.append(os.path.abspath(p))
        else:
            sys.exit("pynestml_check: no such file or directory: %s" % p)
    return sorted(set(files))


def common_root(paths):
    """The common folder of the arguments (a file argument counts as its folder)."""
    dirs = [os.path.abspath(p) if os.path.isdir(p) else os.path.dirname(os.path.abspath(p))
            for p in paths]
    return os.path.commonpath(dirs)


def check_one(python: str, nestml_file: str) -> dict:
    with tempfile.TemporaryDirectory(prefix="pynestml_check_") as tmp:
        result_file = os.path.join(tmp, "result.json")
        cmd = [python, os.path.abspath(__file__), "--worker", nestml_file, tmp, result_file]
        try:
            proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  timeout=WORKER_TIMEOUT_S, text=True)
        except subprocess.TimeoutExpired:
            return {"accepted": False, "errors": [], "warnings": [],
                    "exception": "timeout after %d s" % WORKER_TIMEOUT_S}
        if not os.path.exists(result_file):
            tail = (proc.stderr or "").strip().splitlines()[-5:]
            return {"accepted": False, "errors": [], "warnings": [],
                    "exception": "worker exited with %d: %s" % (proc.returncode, " | ".join(tail))}
        with open(result_file, encoding="utf-8") as f:
            res = json.load(f)
    out = {"accepted": not res["errors"] and not res["exception"],
           "errors": res["errors"], "warnings": res["warnings"]}
    if res["exception"]:
        out["exception"] = res["exception"]
    return out


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "--worker":
        _worker(*argv[1:4])
        return 0

    ap = argparse.ArgumentParser(description="Record PyNESTML 9.0.0 verdicts on NESTML files.")
    ap.add_argument("paths", nargs="+", metavar="PATH")
    ap.add_argument("--out", metavar="FILE.json", help="write the JSON here (default: stdout)")
    ap.add_argument("--jobs", type=int, default=2, help="parallel subprocesses (default 2)")
    ap.add_argument("--python", default=sys.executable,
                    help="Python with nestml==9.0.0 installed (default: this one)")
    ap.add_argument("--check-layout", action="store_true",
                    help="exit 1 if a file in a valid/ folder is rejected or one in an invalid/ folder accepted")
    args = ap.parse_args(argv)

    files = collect_files(args.paths)
    root = common_root(args.paths)
    results = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as ex:
        futs = {ex.submit(check_one, args.python, f): f for f in files}
        for fut in concurrent.futures.as_completed(futs):
            f = futs[fut]
            rel = os.path.relpath(f, root).replace(os.sep, "/")
            results[rel] = fut.result()

    text = json.dumps(results, indent=2, sort_keys=True) + "\n"
    if args.out:
        with open(args.out, "w", encoding="utf-8") as fh:
            fh.write(text)
    else:
        sys.stdout.write(text)

    n_acc = sum(1 for r in results.values() if r["accepted"])
    print("pynestml_check: %d files, %d accepted, %d rejected" % (len(results), n_acc, len(results) - n_acc),
          file=sys.stderr)

    if args.check_layout:
        wrong = []
        for rel, r in sorted(results.items()):
            folders = os.path.dirname(os.path.join(root, rel)).replace(os.sep, "/").split("/")
            if "invalid" in folders and r["accepted"]:
                wrong.append("%s: accepted, but it is in an invalid/ folder" % rel)
            elif "valid" in folders and "invalid" not in folders and not r["accepted"]:
                first = r["errors"][0]["message"] if r["errors"] else r.get("exception", "")
                wrong.append("%s: rejected, but it is in a valid/ folder (%s)" % (rel, first))
        for w in wrong:
            print("pynestml_check: " + w, file=sys.stderr)
        if wrong:
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
