"""Recording graded notebooks in nbgrader's gradebook: the single writer.

Workers (:mod:`autograde.grader.worker`) run the notebooks and return plain results; only
the process that owns the course calls :func:`record_result`, one result after
another, so nbgrader's SQLite gradebook is never written concurrently. A result
becomes an nbgrader submission (the file as handed in under ``submitted/``, the
autograded notebook under ``autograded/``, a score per test cell in the gradebook)
and, optionally, nbgrader's HTML feedback.

:func:`grade_notebook` does all of it in this process for one notebook (used by
``autograde check``).
"""

from __future__ import annotations

import functools
import re
import shutil
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.apps import NbGraderAPI

from autograde.graded import notebooks, recorded
from autograde.grader import reference_values as expected_values
from autograde.grader.jobs import GradingJob, JobOutcome
from autograde.grader.results import ItemResult, LessonResult
from autograde.grader.worker import grade_one_safely
from autograde.sandbox.kernel_box import Policy, detect, secret_paths
from autograde.sandbox.limits import Limits

STATE_DIR = ".autograde"
_NAME_SEPARATORS = re.compile(r"[._-]+")


def student_names(student: str) -> tuple[str, str]:
    """A readable ``(first_name, last_name)`` from a submission folder's name.

    ``ada_lovelace``, ``ada.lovelace`` and ``ada.lovelace@uni.edu`` give
    ``("Ada", "Lovelace")``; a single word is the last name (``alice``: ``("", "Alice")``),
    so the Formgrader, which shows "last, first", lists the student by name.
    """
    words = [w for w in _NAME_SEPARATORS.split(student.split("@")[0]) if w]
    words = [w[:1].upper() + w[1:] for w in words] or [student]
    return " ".join(words[:-1]), words[-1]


def _ensure_student(gb: Gradebook, student: str) -> None:
    """Add the student to the gradebook, named after the id; names an instructor
    entered (Formgrader, ``nbgrader db student import``) are kept."""
    first, last = student_names(student)
    try:
        known = gb.find_student(student)
    except MissingEntry:
        gb.add_student(student, first_name=first, last_name=last)
        return
    if not known.first_name and not known.last_name:
        gb.update_or_create_student(student, first_name=first, last_name=last)


def _course_dir(api: NbGraderAPI, step: str, student: str, lesson: str) -> Path:
    return Path(api.coursedir.format_path(step, student, lesson))


def _lesson_max_score(api: NbGraderAPI, lesson: str) -> float:
    with Gradebook(api.coursedir.db_url) as gb:
        return float(gb.find_notebook(lesson, lesson).max_score)


def _forget(api: NbGraderAPI, student: str, lesson: str) -> None:
    """Remove an earlier grade so a failed resubmission does not keep the old score."""
    try:
        with Gradebook(api.coursedir.db_url) as gb:
            gb.remove_submission(lesson, student)
    except MissingEntry:
        pass
    for step in (api.coursedir.autograded_directory, api.coursedir.feedback_directory):
        shutil.rmtree(_course_dir(api, step, student, lesson), ignore_errors=True)


def _save_scores(api: NbGraderAPI, student: str, lesson: str, result: JobOutcome) -> None:
    """Write the worker's scores; solution cells left as the stub get "No response."."""
    from nbgrader.utils import compute_checksum

    autograded = nbformat.reads(result.autograded, as_version=4)
    with Gradebook(api.coursedir.db_url) as gb:
        _ensure_student(gb, student)
        gb.add_submission(lesson, student)
        for item in result.items:
            grade = gb.find_grade(item.name, lesson, lesson, student)
            grade.auto_score = item.score
            grade.needs_manual_grade = False
        for cell in autograded.cells:
            meta = cell.metadata.get("nbgrader", {})
            if meta.get("solution") and meta.get("grade_id"):
                comment = gb.find_comment(meta["grade_id"], lesson, lesson, student)
                untouched = meta.get("checksum") == compute_checksum(cell)
                comment.auto_comment = "No response." if untouched else None
        gb.db.commit()


def record_result(api: NbGraderAPI, path: Path, result: JobOutcome,
                  feedback: bool = True) -> LessonResult:
    """Store one worker result in the course and return it as a :class:`LessonResult`.

    Args:
        api: the course (the caller must be its only writer).
        path: the file the student handed in; copied to ``submitted/``.
        result: what :func:`autograde.grader.worker.grade_one` returned.
        feedback: also render nbgrader's HTML feedback.
    """
    student, lesson = result.student, result.lesson
    submitted = _course_dir(api, api.coursedir.submitted_directory, student, lesson)
    shutil.rmtree(submitted, ignore_errors=True)
    submitted.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(path, submitted / f"{lesson}.ipynb")
    if result.error:
        _forget(api, student, lesson)
        with Gradebook(api.coursedir.db_url) as gb:
            _ensure_student(gb, student)
        return LessonResult(student, lesson, 0.0, _lesson_max_score(api, lesson),
                            error=result.error, notes=list(result.notes))
    _forget(api, student, lesson)
    autograded = _course_dir(api, api.coursedir.autograded_directory, student, lesson)
    autograded.mkdir(parents=True, exist_ok=True)
    (autograded / f"{lesson}.ipynb").write_text(result.autograded, encoding="utf-8")
    _save_scores(api, student, lesson, result)
    if feedback:
        api.generate_feedback(lesson, student, force=True)
    items = [ItemResult(i.name, i.score, i.max_score, i.message) for i in result.items]
    return LessonResult(student, lesson, sum(i.score for i in items),
                        _lesson_max_score(api, lesson), items, notes=list(result.notes))


def feedback_file(api: NbGraderAPI, student: str, lesson: str) -> Path:
    """Where nbgrader wrote the HTML feedback of one graded notebook."""
    return _course_dir(api, api.coursedir.feedback_directory, student, lesson) / f"{lesson}.html"


def expected_file(api: NbGraderAPI, lessons: list[str]) -> Path:
    """Reference values for the lessons' graded functions, cached in the course."""
    root = Path(api.coursedir.root)
    names = []
    for lesson in sorted(set(lessons)):
        source = notebooks.read(root / "source" / lesson / f"{lesson}.ipynb")
        names += expected_values.graded_in(source.cells)
    return expected_values.cached(names, root / STATE_DIR)


@functools.lru_cache(maxsize=8)
def policy_for(limits: Limits, hide: tuple[str, ...]) -> Policy:
    """:func:`autograde.sandbox.kernel_box.detect`, once per process for the same arguments.

    Kernels get the grading edition of the packages (every graded function a stub), so
    no submission can call, load or read the reference; in the student edition, which
    holds no reference, they get the packages as installed.
    """
    edition = None
    if recorded.edition() is None:
        from autograde.build.edition import grading_edition

        edition = str(grading_edition())
    return detect(limits, hide, edition)


def grade_notebook(api: NbGraderAPI, student: str, lesson: str, path: Path,
                   feedback: bool = True, limits: Limits | None = None) -> LessonResult:
    """Grade one notebook in this process (sandboxed kernel) and record it.

    Args:
        api: API of a course prepared with the lesson.
        student: the student id.
        lesson: the lesson (nbgrader assignment) name.
        path: the submitted notebook.
        feedback: also render the HTML feedback.
        limits: resource limits (default :class:`Limits`).

    Returns:
        A :class:`LessonResult`; ``error`` is set, and the score zero, when the file
        could not be graded at all.
    """
    limits = limits or Limits()
    root = Path(api.coursedir.root)
    policy = policy_for(limits, secret_paths([root, Path(path).resolve().parent]))
    task = GradingJob.for_submission(student, lesson, Path(path), root,
                                     expected_file(api, [lesson]),
                     limits, policy)
    return record_result(api, Path(path), grade_one_safely(task), feedback=feedback)
