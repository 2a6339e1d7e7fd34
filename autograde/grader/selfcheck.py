"""``autograde check``: a student grades their own notebooks exactly as the grader will.

The check builds a throw-away nbgrader course from the grading sources shipped in
the package and autogrades the given notebooks in it, hidden tests included. The
hidden tests are therefore readable in the installed package; that is a deliberate
trade: the answers are the reference package the lessons already import, so the
tests reveal only seeds and shapes, and a student gets the real score before
handing in. The instructor's ``autograde grade`` remains the grade of record.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from tqdm.auto import tqdm

from autograde.grader.course import GRADING_SOURCES, lesson_names, prepare_course
from autograde.grader.results import LessonResult

STUDENT = "self"


def default_notebooks(cwd: Path | None = None, sources: Path = GRADING_SOURCES) -> list[Path]:
    """Lesson notebooks in ``./lessons`` if that folder exists, else in the current folder."""
    cwd = Path.cwd() if cwd is None else Path(cwd)
    folder = cwd / "lessons" if (cwd / "lessons").is_dir() else cwd
    names = set(lesson_names(sources))
    return sorted(p for p in folder.glob("*.ipynb") if p.stem in names)


def check_notebooks(
    paths: list[Path], sources: Path = GRADING_SOURCES, progress: bool = True
) -> list[LessonResult]:
    """Grade notebooks named after lessons (``02_content_cost.ipynb``, …).

    Args:
        paths: the notebooks; each file name must be a lesson name.
        sources: grading source notebooks.
        progress: show a progress bar.

    Returns:
        One :class:`LessonResult` per notebook, in the given order.

    Raises:
        ValueError: for a missing file, a name that is not a lesson, or no notebooks.
    """
    paths = [Path(p) for p in paths]
    if not paths:
        raise ValueError("no lesson notebooks found; pass notebook paths or run inside the "
                         "folder holding them.")
    known = lesson_names(sources)
    for path in paths:
        if not path.is_file():
            raise ValueError(f"{path} does not exist; pass the path of a lesson notebook.")
        if path.stem not in known:
            raise ValueError(f"{path.name} is not named after a lesson; rename it to one of "
                             f"{', '.join(known)} (.ipynb).")
    from autograde.grader.gradebook import grade_notebook

    lessons = sorted({p.stem for p in paths})
    results = []
    with tempfile.TemporaryDirectory(prefix="autograde-check-") as tmp:
        api = prepare_course(Path(tmp) / "course", sources, lessons, progress=progress)
        for path in tqdm(paths, desc="checking", unit="notebook", disable=not progress):
            results.append(grade_notebook(api, STUDENT, path.stem, path, feedback=False))
    return results
