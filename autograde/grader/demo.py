"""``autograde demo``: grade the bundled sample submissions in a temporary course."""

from __future__ import annotations

import tempfile
from pathlib import Path

from autograde.grader.batch import grade_submissions
from autograde.grader.report import lesson_table, summary_table
from autograde.grader.results import LessonResult

SAMPLES_DIR = Path(__file__).resolve().parent.parent / "samples"


def run_demo(out: Path | None = None, progress: bool = True) -> list[LessonResult]:
    """Grade ``autograde/samples`` and print the gradebook.

    Args:
        out: keep the results here, as one course folder (like ``autograde course``
            makes: gradebook, ``grades.csv``, ``feedback/``; ``jupyter lab`` there opens
            the Formgrader); default a temporary folder removed afterwards.
        progress: show a progress bar.

    Returns:
        The results, one per sample notebook.
    """
    with tempfile.TemporaryDirectory(prefix="autograde-demo-") as tmp:
        target = Path(tmp) if out is None else Path(out)
        results, _ = grade_submissions(SAMPLES_DIR, course=target, progress=progress)
        print(summary_table(results))
        print()
        for result in results:
            if result.student == "mistakes":
                print(lesson_table(result))
                print()
        if out is None:
            print("grades.csv and the feedback pages were written to a temporary course "
                  "folder; pass --out DIR to keep them.")
        else:
            print(f"course folder {target}: grades.csv, gradebook.db and the feedback pages "
                  f"feedback/<student>/<lesson>/<lesson>.html; run `jupyter lab` there for "
                  f"the Formgrader.")
    return results
