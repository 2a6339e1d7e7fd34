"""Course grading benchmark: what grading one lesson costs, and what nbgrader adds.

Run with ``python -m bench.bench_course``. For every lesson it times, on the solution
notebook in grading mode:

* **project**: ``autograde``'s grading of one submission (nbgrader sanitising, a fresh
  kernel executing every cell, scores saved to the gradebook, results read back);
* **baseline**: the same notebook executed by plain ``nbclient`` in a fresh kernel with
  ``NBGRADER_EXECUTION`` set — the unavoidable part.

A last row times a kernel that only imports TensorFlow, the floor under every lesson.
Prints a Markdown table; ratios are project / baseline (lower is better).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from tqdm import tqdm

from autograde.grader.course import lesson_names, prepare_course
from autograde.grader.gradebook import grade_notebook

ROOT = Path(__file__).resolve().parent.parent


def run_plain(nb: nbformat.NotebookNode, workdir: Path) -> float:
    """Execute ``nb`` with nbclient in grading mode; return the wall time in seconds."""
    os.environ["NBGRADER_EXECUTION"] = "autograde"
    try:
        start = time.perf_counter()
        NotebookClient(nb, timeout=600, kernel_name="python3", allow_errors=True,
                       resources={"metadata": {"path": str(workdir)}}).execute()
        return time.perf_counter() - start
    finally:
        del os.environ["NBGRADER_EXECUTION"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lessons", nargs="*", help="lesson names (default: all)")
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    lessons = args.lessons or lesson_names()
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-course-") as tmp:
        api = prepare_course(Path(tmp) / "course", lessons=lessons)
        for lesson in tqdm(lessons, desc="lessons", unit="lesson"):
            path = ROOT / "solutions" / f"{lesson}.ipynb"
            start = time.perf_counter()
            result = grade_notebook(api, "bench", lesson, path, feedback=False)
            graded = time.perf_counter() - start
            if not result.full_marks:
                raise SystemExit(f"{lesson}: the solution did not get full marks: {result}")
            plain = run_plain(nbformat.read(path, as_version=4), Path(tmp))
            rows.append((f"grade `{lesson}`", graded, "nbclient run of the same notebook", plain))
        floor = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
            "import tensorflow as tf\ntf.constant(0.0).numpy()")])
        rows.append(("kernel + `import tensorflow`", run_plain(floor, Path(tmp)), "—", None))

    print("| operation | project (s) | baseline | baseline (s) | ratio |")
    print("|---|---:|---|---:|---:|")
    for name, seconds, baseline, base_seconds in rows:
        if base_seconds is None:
            print(f"| {name} | {seconds:.1f} | {baseline} | | |")
        else:
            print(f"| {name} | {seconds:.1f} | {baseline} | {base_seconds:.1f} | "
                  f"{seconds / base_seconds:.2f} |")
    total = sum(r[1] for r in rows[:-1])
    print(f"\nwhole course graded in {total:.0f} s ({len(rows) - 1} lessons).")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
