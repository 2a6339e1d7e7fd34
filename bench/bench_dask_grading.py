"""Dask grading benchmark: a batch through two local Dask workers against ``--jobs 2``.

Run with ``python -m bench.bench_dask_grading [--copies N] [--pairs P]``. The batch is
bench_grading's: the solutions of lessons 02 and 04 handed in by ``N`` students. Both
ways grade it with two notebooks at a time on this machine:

* **baseline**: ``grade_submissions(..., jobs=2)``, two local worker processes;
* **Dask**: ``grade_submissions(..., scheduler=cluster)`` on a ``LocalCluster`` of two
  worker processes with one thread each (the scheduler in this process).

Both first grade one student into a folder of their own (course prepared, reference
values cached, Dask workers' grading processes started and their sandbox probed);
each timed run grades the batch into a fresh copy of that folder. Runs alternate in
pairs (local first, then Dask first), so drifting load on a shared machine falls on
both. Prints a Markdown table: wall seconds per notebook and the ratio Dask / local
per pair, and how many cores the whole machine kept busy meanwhile (above 2: other
users of a shared machine took cores from the graders).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from autograde.grader.batch import grade_submissions
from bench.bench_grading import machine_busy_seconds, make_batch


def timed(submissions: Path, out: Path, **how) -> float:
    """Grade ``submissions`` into ``out``; return wall seconds (every notebook full marks)."""
    start = time.perf_counter()
    results, _ = grade_submissions(submissions, out, progress=False, **how)
    wall = time.perf_counter() - start
    if not all(r.full_marks for r in results):
        raise SystemExit(f"{how}: a solution lost points")
    return wall


def main() -> int:
    from distributed import Client, LocalCluster

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--copies", type=int, default=2,
                        help="students in the batch, each with both lessons (default 2)")
    parser.add_argument("--pairs", type=int, default=3,
                        help="alternating pairs of runs (default 3)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-dask-") as tmp, \
            LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                         dashboard_address=None) as cluster, Client(cluster) as client:
        tmp = Path(tmp)
        make_batch(tmp / "warm", 1)
        ways = {"local": {"jobs": 2}, "dask": {"scheduler": client}}
        for name, how in ways.items():
            timed(tmp / "warm", tmp / f"warm-{name}", **how)
        notebooks = len(make_batch(tmp / "batch", args.copies))
        rows = []
        for pair in range(args.pairs):
            order = list(ways) if pair % 2 == 0 else list(reversed(ways))
            wall, busy = {}, 0.0
            for name in order:
                out = tmp / f"run{pair}-{name}"
                shutil.copytree(tmp / f"warm-{name}", out)
                machine, start = machine_busy_seconds(), time.perf_counter()
                wall[name] = timed(tmp / "batch", out, **ways[name]) / notebooks
                busy += (machine_busy_seconds() - machine) / (time.perf_counter() - start)
            rows.append((pair, order[0], wall["local"], wall["dask"],
                         wall["dask"] / wall["local"], busy / 2))

    print(f"Batch: {notebooks} notebooks (lessons 02 and 04, {args.copies} students), "
          "two at a time.\n")
    print("| pair | first | local `--jobs 2` (s/notebook) | Dask, 2 workers (s/notebook) "
          "| ratio Dask / local | busy cores (machine) |")
    print("|---:|---|---:|---:|---:|---:|")
    for pair, first, local, dask, ratio, busy in rows:
        print(f"| {pair} | {first} | {local:.1f} | {dask:.1f} | {ratio:.2f} | {busy:.1f} |")
    ratios = [row[4] for row in rows]
    print(f"\nmedian ratio {statistics.median(ratios):.2f} "
          f"(min {min(ratios):.2f}, max {max(ratios):.2f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
