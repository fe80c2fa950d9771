#!/usr/bin/env python3
"""Fetch the model libraries of older NESTML releases (3.1 … 8.3.0) from PyPI.

    python3 tools/old_nestml_corpus.py [--cache DIR] [--quiet]

For each pinned version, `pip download --no-deps nestml==VERSION` fetches the release's wheel
and the model files under `NESTML-*.data/data/models/` are extracted to

    ${NESTML_CACHE_DIR:-~/.cache/nestml}/old-models/<version>/<path below models/>

(e.g. `old-models/5.0.0/neurons/iaf_psc_exp.nestml`). The wheel itself is deleted afterwards.
A version whose directory holds the marker file `.complete` is skipped, so a second run costs
nothing and needs no network. The models are GPL (NEST/NESTML): they are test data in the
cache, never copied into this repository.

The corpus is read by `crates/nestml-cli/tests/migrate_corpus.rs` (which skips loudly when it
is absent) and by `tools/pynestml_check_migrated.py`. Prints the corpus directory last.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

# Every NESTML release on PyPI before 9.0.0 (3.0 and older were never uploaded).
VERSIONS = [
    "3.1", "4.0.0", "5.0.0", "5.1.0", "5.2.0", "5.3.0", "6.0.0", "7.0.0", "7.0.1", "7.0.2",
    "8.0.0", "8.0.1", "8.0.2", "8.1.0", "8.2.0", "8.3.0",
]

MARKER = ".complete"


def cache_root(arg):
    if arg:
        return Path(arg)
    base = os.environ.get("NESTML_CACHE_DIR") or os.path.join(Path.home(), ".cache", "nestml")
    return Path(base) / "old-models"


def fetch(version, dest, quiet):
    """Downloads the wheel of `version` and extracts its models into `dest`; returns the count."""
    with tempfile.TemporaryDirectory(prefix="nestml-wheel-") as tmp:
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:",
               "--disable-pip-version-check", "-q", "-d", tmp, f"nestml=={version}"]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL if quiet else None)
        wheels = [p for p in Path(tmp).iterdir() if p.suffix == ".whl"]
        if len(wheels) != 1:
            raise RuntimeError(f"nestml=={version}: expected one wheel, got {wheels}")
        partial = dest.with_name(dest.name + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        count = 0
        with zipfile.ZipFile(wheels[0]) as z:
            for name in z.namelist():
                parts = name.split("/")
                # NESTML-<v>.data/data/models/<…>.nestml
                if len(parts) >= 4 and parts[0].endswith(".data") and parts[1:3] == ["data", "models"] and name.endswith(".nestml"):
                    rel = Path(*parts[3:])
                    if ".." in rel.parts:
                        continue
                    target = partial / rel
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(z.read(name))
                    count += 1
        if count == 0:
            raise RuntimeError(f"nestml=={version}: no models found in {wheels[0].name}")
        (partial / MARKER).write_text(f"nestml=={version}: {count} model files\n")
        shutil.rmtree(dest, ignore_errors=True)
        partial.rename(dest)
        return count


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cache", help="corpus directory (default: $NESTML_CACHE_DIR/old-models or ~/.cache/nestml/old-models)")
    ap.add_argument("--quiet", action="store_true", help="only the summary")
    args = ap.parse_args()
    root = cache_root(args.cache)
    root.mkdir(parents=True, exist_ok=True)
    failed = []
    for version in VERSIONS:
        dest = root / version
        if (dest / MARKER).is_file():
            n = sum(1 for _ in dest.rglob("*.nestml"))
            if not args.quiet:
                print(f"old_nestml_corpus: {version}: cached ({n} files)")
            continue
        try:
            n = fetch(version, dest, args.quiet)
            print(f"old_nestml_corpus: {version}: fetched {n} model files")
        except (subprocess.CalledProcessError, RuntimeError, OSError, zipfile.BadZipFile) as e:
            print(f"old_nestml_corpus: {version}: FAILED: {e}", file=sys.stderr)
            failed.append(version)
    total = sum(1 for _ in root.rglob("*.nestml"))
    print(f"old_nestml_corpus: {total} model files of {len(VERSIONS) - len(failed)} releases in {root}")
    print(root)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
