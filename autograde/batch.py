"""``autograde grade``: grade a folder of submissions into a persistent course.

The output folder keeps the nbgrader course (``DIR/course``, with its gradebook) so
a second run regrades in place: new or changed submissions replace their old
grades, ``grades.csv`` is merged rather than overwritten, and a lock file keeps two
runs on the same folder from writing the gradebook at once.
"""

from __future__ import annotations

import contextlib
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tqdm.auto import tqdm

from autograde.course import GRADING_SOURCES, lesson_names, prepare_course
from autograde.report import update_csv
from autograde.results import LessonResult

STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]*$")


@dataclass(frozen=True)
class Submission:
    """One notebook to grade."""

    student: str
    lesson: str
    path: Path


def find_submissions(folder: Path, lessons: list[str]) -> tuple[list[Submission], list[str]]:
    """Collect ``<student>/<lesson>.ipynb`` files.

    Args:
        folder: the submissions folder.
        lessons: the lesson names of the course.

    Returns:
        The submissions, sorted, and one warning per file or folder that was skipped.

    Raises:
        ValueError: when ``folder`` is not a directory.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise ValueError(f"submissions folder {folder} does not exist; pass a folder holding "
                         "<student>/<lesson>.ipynb files.")
    found, skipped = [], []
    for student_dir in sorted(p for p in folder.iterdir() if p.is_dir()):
        if student_dir.name.startswith("."):
            continue
        if not STUDENT_ID.match(student_dir.name):
            skipped.append(f"skipped folder {student_dir.name!r}: student ids use letters, "
                           "digits and _ . @ - only")
            continue
        for path in sorted(student_dir.glob("*.ipynb")):
            if path.stem in lessons:
                found.append(Submission(student_dir.name, path.stem, path))
            else:
                skipped.append(f"skipped {student_dir.name}/{path.name}: not a lesson name")
    return found, skipped


@contextlib.contextmanager
def exclusive(lock_path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``lock_path`` (POSIX ``flock``; a no-op elsewhere).

    Raises:
        RuntimeError: when another process holds the lock.
    """
    try:
        import fcntl
    except ImportError:  # Windows: nbgrader's own checks are all we have there
        yield
        return
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RuntimeError(f"another autograde run is using {lock_path.parent}; wait for "
                               "it to finish.") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def grade_submissions(
    submissions: Path,
    out: Path,
    *,
    sources: Path = GRADING_SOURCES,
    progress: bool = True,
) -> tuple[list[LessonResult], list[str]]:
    """Grade every submission and write ``grades.csv`` and the feedback pages.

    Args:
        submissions: folder of ``<student>/<lesson>.ipynb``.
        out: output folder: ``grades.csv``, ``feedback/<student>/<lesson>.html`` and the
            nbgrader course in ``course/``.
        sources: grading source notebooks (default: the packaged ones).
        progress: show a progress bar.

    Returns:
        The results of this run and the warnings about skipped files.

    Raises:
        ValueError: when the folder is missing or holds no lesson notebooks.
    """
    from autograde.grade import feedback_file, grade_notebook

    out = Path(out)
    found, skipped = find_submissions(submissions, lesson_names(sources))
    if not found:
        raise ValueError(f"no <student>/<lesson>.ipynb files in {submissions}; lessons are "
                         f"named like {lesson_names(sources)[0]}.ipynb.")
    results = []
    with exclusive(out / ".autograde.lock"):
        api = prepare_course(out / "course", sources, sorted({s.lesson for s in found}),
                             progress=progress)
        bar = tqdm(found, desc="grading", unit="notebook", disable=not progress)
        for submission in bar:
            bar.set_postfix_str(f"{submission.student}/{submission.lesson}", refresh=True)
            result = grade_notebook(api, submission.student, submission.lesson, submission.path)
            target = out / "feedback" / submission.student / f"{submission.lesson}.html"
            target.parent.mkdir(parents=True, exist_ok=True)
            source = feedback_file(api, submission.student, submission.lesson)
            if source.exists() and not result.error:
                shutil.copyfile(source, target)
            else:
                target.write_text(_error_page(result), encoding="utf-8")
            results.append(result)
        update_csv(out / "grades.csv", results)
    return results, skipped


def _error_page(result: LessonResult) -> str:
    from html import escape

    return (f"<!DOCTYPE html>\n<html><head><meta charset='utf-8'><title>{escape(result.lesson)}"
            f"</title></head><body><h1>{escape(result.lesson)}</h1><p>Score: 0 / "
            f"{result.max_score:g}</p><p>{escape(result.error)}</p></body></html>\n")
