"""Robust grading benchmark: the sandbox's overhead per notebook, and ``--jobs`` speed-up.

Run with ``python -m bench.bench_grading [--copies N]``. The batch is the solution
notebooks of lessons 02 and 04 handed in by ``N`` students each (full notebooks,
demonstration cells included). In one run it times:

* **baseline**: each notebook executed by plain ``nbclient`` in a fresh kernel, in
  grading mode, no sandbox and no scoring — the student's own compute;
* **overhead per notebook** in ``autograde grade``: the worker's time beyond running
  the cells (sandbox and kernel start, repairing, scoring in the grader) and the
  parent's time to record the result (gradebook, feedback page);
* **throughput** of ``grade_submissions`` with ``jobs=1`` and ``jobs=2`` on the same
  batch (reference values already cached, course already prepared, so both runs pay
  the same fixed costs).

Prints Markdown tables; ratios are project / baseline, and jobs=1 / jobs=2 time.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import nbformat
import psutil
from tqdm import tqdm

from autograde.grader import gradebook as grade_module
from autograde.grader.batch import grade_submissions
from bench import bench_course

ROOT = Path(__file__).resolve().parent.parent
LESSONS = ("02_content_cost", "04_total_cost")


def run_plain(path: Path, workdir: Path) -> float:
    """Execute a notebook with nbclient in grading mode; return the wall time in seconds."""
    return bench_course.run_plain(nbformat.read(path, as_version=4), workdir)


def make_batch(folder: Path, copies: int) -> list[Path]:
    """``copies`` students, each handing in the solutions of :data:`LESSONS`."""
    paths = []
    for index in range(copies):
        for lesson in LESSONS:
            target = folder / f"student{index:02d}" / f"{lesson}.ipynb"
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(ROOT / "solutions" / f"{lesson}.ipynb", target)
            paths.append(target)
    return paths


def timed_batch(submissions: Path, out: Path, jobs: int) -> tuple[float, list, list[float]]:
    """Grade the batch; return wall seconds, results and the parent's time per result."""
    recording: list[float] = []
    original = grade_module.record_result

    def record(*args, **kwargs):
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            recording.append(time.perf_counter() - start)

    grade_module.record_result = record
    try:
        start = time.perf_counter()
        results, _ = grade_submissions(submissions, out, progress=False, jobs=jobs)
        return time.perf_counter() - start, results, recording
    finally:
        grade_module.record_result = original


def machine_busy_seconds() -> float:
    """CPU time used by every process on the machine so far (all cores)."""
    times = psutil.cpu_times()
    return sum(times) - times.idle - getattr(times, "iowait", 0.0)


def cpu_seconds() -> float:
    """CPU time of this process and of every finished descendant (kernels included:
    each level of the process tree waits for its children)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--copies", type=int, default=4,
                        help="students in the batch, each with both lessons (default 4)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as tmp:
        tmp = Path(tmp)
        make_batch(tmp / "warm", 1)
        timed_batch(tmp / "warm", tmp / "out1", jobs=1)  # course and reference cache
        shutil.copytree(tmp / "out1", tmp / "out2")
        paths = make_batch(tmp / "batch", args.copies)

        plain = {lesson: [] for lesson in LESSONS}
        for lesson in tqdm(LESSONS * 2, desc="baseline", unit="notebook"):
            plain[lesson].append(run_plain(ROOT / "solutions" / f"{lesson}.ipynb", tmp))
        runs, cpu, others = {}, {}, {}
        for jobs in (1, 2):
            before, machine = cpu_seconds(), machine_busy_seconds()
            runs[jobs] = timed_batch(tmp / "batch", tmp / f"out{jobs}", jobs)
            cpu[jobs] = cpu_seconds() - before
            # Other users of this shared machine take cores the batch cannot have.
            others[jobs] = max(0.0, machine_busy_seconds() - machine - cpu[jobs])
            if not all(r.full_marks for r in runs[jobs][1]):
                raise SystemExit(f"jobs={jobs}: a solution lost points")

    wall1, results, recording = runs[1]
    print("| per notebook (jobs=1) | project (s) | baseline (s) | ratio |")
    print("|---|---:|---:|---:|")
    for lesson in LESSONS:
        mine = [r for r in results if r.lesson == lesson]
        total = statistics.median(r.timings["total"] for r in mine)
        cells = statistics.median(r.timings["cells"] for r in mine)
        kernel = statistics.median(r.timings["kernel"] for r in mine)
        base = statistics.median(plain[lesson])
        print(f"| `{lesson}`: worker total (sandbox, kernel, cells, scoring) | {total:.1f} "
              f"| {base:.1f} (nbclient) | {total / base:.2f} |")
        print(f"| `{lesson}`: cells only (the student's compute) | {cells:.1f} | | |")
        print(f"| `{lesson}`: overhead beyond the cells | {total - cells:.1f} "
              f"(kernel start {kernel:.1f}) | | |")
    print(f"| recording one result (gradebook, feedback; parent) | "
          f"{statistics.median(recording):.2f} | | |")
    count = len(paths)
    wall2 = runs[2][0]
    cores = os.cpu_count() or 1
    busy = cpu[1] / wall1  # cores a single job keeps busy (TensorFlow runs several threads)
    print(f"\n| batch of {count} notebooks | wall (s) | CPU (s) | other load (cores) "
          "| notebooks/min | speed-up |")
    print("|---|---:|---:|---:|---:|---:|")
    for jobs, wall in ((1, wall1), (2, wall2)):
        print(f"| `--jobs {jobs}` | {wall:.1f} | {cpu[jobs]:.0f} | {others[jobs] / wall:.2f} "
              f"| {60 * count / wall:.1f} | {wall1 / wall:.2f} |")
    free = cores - others[2] / wall2
    ceiling = min(2.0, free / busy)
    print(f"\n{cores} CPUs, of which other processes used {others[2] / wall2:.2f} during the "
          f"jobs=2 run; one job alone keeps {busy:.2f} cores busy, so two jobs could be at "
          f"most {ceiling:.2f}x faster; measured {wall1 / wall2:.2f}x "
          f"({100 * wall1 / wall2 / ceiling:.0f}% of that ceiling).")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
