"""Grading notebooks with nbgrader: one submission at a time, one gradebook writer.

:func:`grade_notebook` runs nbgrader's autograde on a single ``(student, lesson)``
notebook inside a course made by :func:`autograde.course.prepare_course`, then reads
the scores back from the gradebook and the first error of each failed test cell
from the autograded notebook. Only this process writes the SQLite gradebook, and it
writes it one submission after another; a parallel runner can execute kernels
elsewhere and hand results to this single writer.
"""

from __future__ import annotations

import json
import shutil
import warnings
from pathlib import Path

import nbformat
from nbformat.warnings import MissingIDFieldWarning
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.apps import NbGraderAPI

from autograde import notebooks
from autograde.results import ItemResult, LessonResult

MESSAGE_WIDTH = 160


class InvalidSubmission(ValueError):
    """The submitted file is not a notebook nbgrader can read."""


def _first_line(text: str) -> str:
    line = next((part.strip() for part in text.splitlines() if part.strip()), "")
    return line if len(line) <= MESSAGE_WIDTH else line[: MESSAGE_WIDTH - 1] + "…"


def _error_message(cell) -> str:
    for output in cell.get("outputs", []):
        if output.get("output_type") != "error":
            continue
        name, value = output.get("ename", "Error"), _first_line(output.get("evalue", ""))
        if name == "NotImplementedError" and not value:
            return "not implemented yet (the stub still raises NotImplementedError)"
        if name == "CellTimeoutError":
            return "the cell ran past the time limit"
        return f"{name}: {value}" if value else name
    return ""


def load_submission(path: Path) -> nbformat.NotebookNode:
    """Read a submitted notebook, upgrading it to nbformat 4.5 with cell ids.

    Raises:
        InvalidSubmission: when the file is not valid notebook JSON.
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
        nb = nbformat.reads(text, as_version=4)
        nb.nbformat_minor = max(nb.get("nbformat_minor", 0), 5)
        _, nb = nbformat.validator.normalize(nb)
        nb = nbformat.from_dict(nb)
        for index, cell in enumerate(nb.cells):
            if not cell.get("id"):
                cell["id"] = notebooks.stable_id(Path(path).stem, str(index))
        nbformat.validate(nb)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError,
            nbformat.reader.NotJSONError, nbformat.ValidationError) as error:
        raise InvalidSubmission(f"not a readable notebook ({type(error).__name__}: "
                                f"{_first_line(str(error))})") from None
    except Exception as error:  # nbformat raises assorted errors on odd JSON shapes
        raise InvalidSubmission(f"not a readable notebook ({type(error).__name__})") from None
    return nb


def _lesson_max_score(api: NbGraderAPI, lesson: str) -> float:
    with Gradebook(api.coursedir.db_url) as gb:
        return float(gb.find_notebook(lesson, lesson).max_score)


def _scores_from_gradebook(api: NbGraderAPI, student: str, lesson: str) -> LessonResult:
    with Gradebook(api.coursedir.db_url) as gb:
        submission = gb.find_submission_notebook(lesson, lesson, student)
        items = [ItemResult(g.name, float(g.score), float(g.max_score))
                 for g in submission.grades]
        result = LessonResult(student, lesson, float(submission.score),
                              float(submission.max_score), items)
    order = {}
    autograded = Path(api.coursedir.format_path(
        api.coursedir.autograded_directory, student, lesson)) / f"{lesson}.ipynb"
    if autograded.exists():
        nb = notebooks.read(autograded)
        for index, cell in enumerate(nb.cells):
            name = notebooks.grade_id(cell)
            if name is not None:
                order[name] = index
                for item in result.items:
                    if item.name == name and item.score < item.max_score:
                        item.message = _error_message(cell) or "no points (see the feedback)"
    result.items.sort(key=lambda item: order.get(item.name, len(order)))
    return result


def _forget(api: NbGraderAPI, student: str, lesson: str) -> None:
    """Remove an earlier grade so a failed resubmission does not keep the old score."""
    try:
        with Gradebook(api.coursedir.db_url) as gb:
            gb.remove_submission(lesson, student)
    except MissingEntry:
        pass
    for step in (api.coursedir.autograded_directory, api.coursedir.feedback_directory):
        shutil.rmtree(api.coursedir.format_path(step, student, lesson), ignore_errors=True)


def grade_notebook(
    api: NbGraderAPI, student: str, lesson: str, path: Path, feedback: bool = True
) -> LessonResult:
    """Autograde one notebook and return its scores.

    Args:
        api: API of a course prepared with the lesson.
        student: the student id (letters, digits, ``_``, ``-``, ``.``).
        lesson: the lesson (nbgrader assignment) name.
        path: the submitted notebook.
        feedback: also render the HTML feedback.

    Returns:
        A :class:`LessonResult`; ``error`` is set when the notebook could not be graded,
        in which case the score is zero.
    """
    submitted = Path(api.coursedir.format_path(
        api.coursedir.submitted_directory, student, lesson))
    shutil.rmtree(submitted, ignore_errors=True)
    try:
        nb = load_submission(path)
    except InvalidSubmission as error:
        _forget(api, student, lesson)
        return LessonResult(student, lesson, 0.0, _lesson_max_score(api, lesson), error=str(error))
    notebooks.write(nb, submitted / f"{lesson}.ipynb")

    with warnings.catch_warnings():
        # nbgrader re-adds a deleted test cell without a cell id; nbformat warns about it.
        warnings.simplefilter("ignore", MissingIDFieldWarning)
        outcome = api.autograde(lesson, student, force=True, create=True)
    if not outcome["success"]:
        log = outcome.get("log", "") + outcome.get("error", "")
        reason = next((line for line in reversed(log.splitlines()) if line.strip()), "")
        _forget(api, student, lesson)
        return LessonResult(student, lesson, 0.0, _lesson_max_score(api, lesson),
                            error=f"nbgrader could not grade it: {_first_line(reason)}")
    if feedback:
        api.generate_feedback(lesson, student, force=True)
    return _scores_from_gradebook(api, student, lesson)


def feedback_file(api: NbGraderAPI, student: str, lesson: str) -> Path:
    """Where nbgrader wrote the HTML feedback of one graded notebook."""
    return Path(api.coursedir.format_path(
        api.coursedir.feedback_directory, student, lesson)) / f"{lesson}.html"
