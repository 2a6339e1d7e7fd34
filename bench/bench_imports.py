"""Start-up cost of reading a notebook: ``import nbformat`` with and without the deferral.

Every ``autograde`` process and a student's first check in each lesson import nbformat
(autograde/graded/fast_imports.py says why that costs seconds). Each round starts two
fresh interpreters, interleaved so that both see the same machine load:

* **plain**: ``import nbformat`` (jsonschema builds rfc3987_syntax's grammar);
* **deferred**: ``import autograde`` first (it installs the stand-in), then nbformat.

Both then read and validate one lesson, so the work after the import is the same. The
figure is the wall time of the whole child process, median over the rounds, and the
ratio deferred / plain. Run: ``python -m bench.bench_imports [--rounds 7]``.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
READ = ("import nbformat; nbformat.validate(nbformat.read("
        "'lessons/02_content_cost.ipynb', as_version=4))")
VARIANTS = {"plain": READ, "deferred": "import autograde; " + READ}


def _seconds(code: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args(argv)
    times: dict[str, list[float]] = {name: [] for name in VARIANTS}
    for _ in range(args.rounds):
        for name, code in VARIANTS.items():
            times[name].append(_seconds(code))
    plain, deferred = (statistics.median(times[name]) for name in ("plain", "deferred"))
    print("| process | median wall (s) | rounds |")
    print("|---|---|---|")
    for name in VARIANTS:
        print(f"| {name} | {statistics.median(times[name]):.2f} | {args.rounds} |")
    print(f"\nratio deferred / plain: **{deferred / plain:.2f}** "
          f"(saves {plain - deferred:.2f} s per process)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
