#!/usr/bin/env python3
"""PyNESTML 9.0.0's verdicts on the old model libraries after `nestml migrate`.

    python3 tools/pynestml_check_migrated.py [--nestml BIN] [--python PY] [--corpus DIR]
                                            [--out FILE.json] [--jobs N]

1. the corpus of NESTML 3.1 … 8.3.0 models (tools/old_nestml_corpus.py, cached outside the
   repository) is copied to a temporary folder and migrated there by `nestml migrate`;
2. our checker's verdict on every migrated file is read from `nestml check --format json`;
3. migrated texts that are the same but for comments are checked once: PyNESTML 9.0.0 runs on
   one file per distinct text (tools/pynestml_check.py's worker, a fresh subprocess each); each
   result is kept in ${NESTML_CACHE_DIR:-~/.cache/nestml}/pynestml-migrated/<sha256>.json as
   soon as it is known, so an interrupted run loses nothing and a rerun only checks what is new;
4. the fixture (default tests/fixtures/migrate/pynestml_verdicts.json) records, per corpus
   file `<version>/<path>`: PyNESTML's verdict (`accepted`), the PyNESTML message codes of its
   errors, our verdict (`nestml_accepted`), and which file stood for it when the migrated
   text was the same but for comments (`same_text_as`); files not checked yet (--budget) are
   `"pending": true`. Names, verdicts and codes only: no model text (the models are GPL).

--python is a Python with nestml==9.0.0 and odetoolbox==3.0.0 (tools/setup_venv.sh makes
one, default .venv/bin/python); --nestml the `nestml` binary (default: the debug build in
$CARGO_TARGET_DIR or target/). Costs about 10 s of CPU per distinct file.
"""

import argparse
import concurrent.futures
import hashlib
import re
import time
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tools"))
import pynestml_check  # noqa: E402  (tools/pynestml_check.py: the worker and its verdict)


def cache_dir():
    base = os.environ.get("NESTML_CACHE_DIR") or os.path.join(Path.home(), ".cache", "nestml")
    return Path(base) / "pynestml-migrated"


def without_comments(text):
    """The text without `#` comments and blank lines: PyNESTML's verdict does not depend on them."""
    lines = (re.sub(r"(^|\s)#.*$", "", line).rstrip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def default_nestml():
    target = Path(os.environ.get("CARGO_TARGET_DIR") or REPO / "target")
    return str(target / "debug" / "nestml")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--nestml", default=default_nestml(), help="the nestml binary")
    ap.add_argument("--python", default=str(REPO / ".venv" / "bin" / "python"), help="a Python with nestml==9.0.0")
    ap.add_argument("--corpus", help="the corpus folder (default: fetch/cache with tools/old_nestml_corpus.py)")
    ap.add_argument("--out", default=str(REPO / "tests" / "fixtures" / "migrate" / "pynestml_verdicts.json"))
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--budget", type=float, default=0, help="stop starting PyNESTML checks after this many seconds (0: no limit)")
    args = ap.parse_args()

    if args.corpus:
        corpus = Path(args.corpus)
    else:
        out = subprocess.run([sys.executable, str(REPO / "tools" / "old_nestml_corpus.py"), "--quiet"],
                             check=True, stdout=subprocess.PIPE, text=True).stdout
        corpus = Path(out.strip().splitlines()[-1])

    with tempfile.TemporaryDirectory(prefix="nestml-migrated-") as tmp:
        migrated = Path(tmp) / "migrated"
        shutil.copytree(corpus, migrated, ignore=shutil.ignore_patterns(".complete"))
        proc = subprocess.run([args.nestml, "migrate", "--color", "never", str(migrated)], stderr=subprocess.PIPE, text=True)
        if proc.returncode not in (0, 1):
            sys.exit("pynestml_check_migrated: nestml migrate failed (%d):\n%s" % (proc.returncode, proc.stderr[-2000:]))
        print(proc.stderr.strip().splitlines()[-1])

        files = sorted(p.relative_to(migrated).as_posix() for p in migrated.rglob("*.nestml"))

        ours = json.loads(subprocess.run([args.nestml, "check", "--format", "json", str(migrated)],
                                         stdout=subprocess.PIPE, text=True).stdout)
        our_verdict = {}
        for f in ours["files"]:
            rel = Path(f["path"]).resolve().relative_to(migrated.resolve()).as_posix()
            our_verdict[rel] = not any(d["severity"] == "error" for d in f["diagnostics"])

        representative = {}
        digest_of = {}
        by_hash = {}
        for rel in files:
            digest = hashlib.sha256(without_comments((migrated / rel).read_text()).encode()).hexdigest()
            digest_of[rel] = digest
            representative[rel] = by_hash.setdefault(digest, rel)
        distinct = sorted(set(representative.values()))
        cache = cache_dir()
        cache.mkdir(parents=True, exist_ok=True)
        todo = [rel for rel in distinct if not (cache / (digest_of[rel] + ".json")).is_file()]
        print("pynestml_check_migrated: %d files, %d distinct migrated texts, %d to check with PyNESTML"
              % (len(files), len(distinct), len(todo)))

        started = time.monotonic()

        def check(rel):
            if args.budget and time.monotonic() - started > args.budget:
                return
            result = pynestml_check.check_one(args.python, str(migrated / rel))
            (cache / (digest_of[rel] + ".json")).write_text(json.dumps(result))
            print("pynestml_check_migrated: %s: %s" % (rel, "accepted" if result["accepted"] else "rejected"), flush=True)

        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as ex:
            list(ex.map(check, todo))
        raw = {}
        for rel in distinct:
            f = cache / (digest_of[rel] + ".json")
            if f.is_file():
                raw[rel] = json.loads(f.read_text())

    fixture = {}
    for rel in files:
        rep = representative[rel]
        r = raw.get(rep)
        if r is None:
            fixture[rel] = {"pending": True, "nestml_accepted": our_verdict.get(rel)}
            continue
        entry = {
            "accepted": r["accepted"],
            "errors": sorted({e.get("pynestml_code") or "?" for e in r.get("errors", [])}),
            "nestml_accepted": our_verdict.get(rel),
        }
        if r.get("exception"):
            entry["exception"] = r["exception"].split(":")[0]
        if rep != rel:
            entry["same_text_as"] = rep
        fixture[rel] = entry
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(fixture, indent=1, sort_keys=True) + "\n")
    done = [e for e in fixture.values() if not e.get("pending")]
    accepted = sum(1 for e in done if e["accepted"])
    agree = sum(1 for e in done if e["accepted"] == e["nestml_accepted"])
    print("pynestml_check_migrated: PyNESTML 9.0.0 accepts %d of %d checked migrated files (%d pending); nestml agrees on %d; written to %s"
          % (accepted, len(done), len(fixture) - len(done), agree, args.out))


if __name__ == "__main__":
    main()
