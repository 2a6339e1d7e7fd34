"""``autograde grade``: grade a folder of submissions into a persistent course.

Notebooks are graded by worker processes in parallel (``--jobs``), each in its own
sandboxed kernel; results come back as plain data and this process alone records
them, so nbgrader's SQLite gradebook has a single writer.

Where results go:

* ``--course DIR`` (the instructor's course folder, see :mod:`autograde.grader.course`): the
  gradebook is ``DIR/gradebook.db``, the one the Formgrader opens; feedback pages are
  nbgrader's own, ``DIR/feedback/<student>/<lesson>/<lesson>.html``; ``grades.csv`` and
  ``protections.txt`` go to ``--out`` when given, else to ``DIR``.
* ``--out OUT`` alone (as before): the course is ``OUT/course``, and each feedback page
  is also copied to ``OUT/feedback/<student>/<lesson>.html``.

A second run regrades in place: new or changed submissions replace their old grades;
with ``resume`` (the command line's way) unchanged ones already graded are kept
(:mod:`autograde.grader.resume`), so an interrupted run, run again, grades only what
is missing; ``grades.csv`` is merged rather than overwritten, and a lock file in the
course keeps two runs from writing the gradebook at once.

With ``scheduler`` the notebooks go to a Dask cluster instead of local workers
(:mod:`autograde.grader.dask_runner`); everything else is the same.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm

from autograde.grader.course import GRADING_SOURCES, lesson_names, prepare_course
from autograde.grader.dask_runner import DaskRunner
from autograde.grader.jobs import GradingJob, JobOutcome
from autograde.grader.local_runner import LocalRunner, Runner
from autograde.grader.report import update_csv
from autograde.grader.results import LessonResult
from autograde.grader.resume import GradedLog, fingerprint
from autograde.sandbox.limits import Limits

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


@dataclass(frozen=True)
class Layout:
    """Where one grading run reads and writes."""

    course: Path  #: the nbgrader course folder (gradebook, submitted/, feedback/)
    out: Path  #: grades.csv and protections.txt

    @classmethod
    def of(cls, out: Path | None, course: Path | None) -> Layout:
        """``--out`` and ``--course`` as given on the command line.

        Raises:
            ValueError: when neither is given.
        """
        if course is None and out is None:
            raise ValueError("pass --course DIR (the course folder from `autograde course "
                             "DIR`) or --out DIR.")
        if course is None:
            return cls(Path(out) / "course", Path(out))
        return cls(Path(course), Path(course) if out is None else Path(out))

    @property
    def copies_feedback(self) -> bool:
        """Whether feedback pages are also copied to ``out/feedback/<student>/``."""
        return self.out.resolve() != self.course.resolve()

    def feedback_page(self, student: str, lesson: str) -> Path:
        """The page a student reads."""
        if self.copies_feedback:
            return self.out / "feedback" / student / f"{lesson}.html"
        return self.course / "feedback" / student / lesson / f"{lesson}.html"

    @property
    def feedback_pattern(self) -> str:
        """Where the feedback pages are, for messages."""
        if self.copies_feedback:
            return str(self.out / "feedback" / "<student>" / "<lesson>.html")
        return str(self.course / "feedback" / "<student>" / "<lesson>" / "<lesson>.html")


def grade_submissions(
    submissions: Path,
    out: Path | None = None,
    *,
    course: Path | None = None,
    sources: Path = GRADING_SOURCES,
    progress: bool = True,
    jobs: int = 1,
    limits: Limits | None = None,
    announce: Callable[[str], None] | None = None,
    scheduler: Any = None,
    resume: bool = False,
) -> tuple[list[LessonResult], list[str]]:
    """Grade every submission and write ``grades.csv`` and the feedback pages.

    Notebooks run in ``jobs`` worker processes, each kernel in its own sandbox; this
    process is the only one that writes the gradebook and ``grades.csv``.

    Args:
        submissions: folder of ``<student>/<lesson>.ipynb``.
        out: output folder for ``grades.csv`` and ``protections.txt``; without
            ``course`` it also holds the nbgrader course (``out/course``) and copies
            of the feedback pages (``out/feedback/<student>/<lesson>.html``).
        course: the nbgrader course folder to grade into (its ``gradebook.db`` and
            ``feedback/``); ``out`` defaults to it. See :class:`Layout`.
        sources: grading source notebooks (default: the packaged ones).
        progress: show a progress bar.
        jobs: notebooks graded at the same time.
        limits: resource limits per notebook (default :class:`Limits`).
        announce: called with each line describing the active protections.
        scheduler: grade on a Dask cluster instead of ``jobs`` local workers: the
            scheduler's address (``tcp://HOST:8786``), a cluster object, a ``Client``
            or a :class:`autograde.grader.dask_runner.DaskRunner` (kept open).
        resume: keep the grades of submissions already graded into this course with
            the same files, settings and output folder (every run records them).

    Returns:
        The results of this run (in submission order) and the warnings about skipped
        files.

    Raises:
        ValueError: when the folder is missing or holds no lesson notebooks,
            ``jobs`` is below 1, or neither ``out`` nor ``course`` is given.
        RuntimeError: when the Dask scheduler cannot be reached or a worker host
            cannot grade (see :mod:`autograde.grader.dask_runner`).
    """
    from autograde.grader.gradebook import STATE_DIR, expected_file, policy_for
    from autograde.sandbox.kernel_box import secret_paths

    if jobs < 1:
        raise ValueError(f"--jobs must be at least 1, got {jobs}.")
    limits = limits or Limits()
    layout = Layout.of(out, course)
    out = layout.out
    found, skipped = find_submissions(submissions, lesson_names(sources))
    if not found:
        raise ValueError(f"no <student>/<lesson>.ipynb files in {submissions}; lessons are "
                         f"named like {lesson_names(sources)[0]}.ipynb.")
    results: dict[tuple[str, str], LessonResult] = {}
    with contextlib.ExitStack() as locks:
        for folder in dict.fromkeys([layout.course.resolve(), out.resolve()]):
            locks.enter_context(exclusive(folder / ".autograde.lock"))
        # Started now, local workers load their libraries while the course is prepared.
        runner = _runner_for(scheduler, min(jobs, len(found)))
        try:
            lessons = sorted({s.lesson for s in found})
            api = prepare_course(layout.course, sources, lessons, progress=progress,
                                 keep_solutions=True)
            hidden = [out.resolve(), layout.course.resolve(), Path(submissions).resolve()]
            policy = policy_for(limits, secret_paths(hidden))
            lines = policy.describe(limits)
            (out / "protections.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
            for line in lines if announce else ():
                announce(line)
            expected = expected_file(api, lessons)
            course = Path(api.coursedir.root)
            tasks = [GradingJob.for_submission(s.student, s.lesson, s.path, course, expected,
                                               limits, policy)
                     for s in found]
            paths = {(s.student, s.lesson): s.path for s in found}
            log = GradedLog(course / STATE_DIR)
            prints = {(t.student, t.lesson): fingerprint(t, out) for t in tasks}
            results = {key: result for key, (mark, result) in log.load().items()
                       if resume and key in prints and mark and mark == prints[key]
                       and layout.feedback_page(*key).exists()}
            tasks = [t for t in tasks if (t.student, t.lesson) not in results]
            bar = tqdm(total=len(tasks), desc="grading", unit="notebook", disable=not progress)
            with bar:
                for task, raw in runner.run(tasks):
                    key = (task.student, task.lesson)
                    bar.set_postfix_str(f"{key[0]}/{key[1]}", refresh=False)
                    results[key] = _store(api, layout, paths[key], raw)
                    log.append(prints[key], results[key])
                    bar.update()
            ordered = [results[(s.student, s.lesson)] for s in found]
            update_csv(out / "grades.csv", ordered)
        finally:
            if runner is not scheduler:  # a runner made here
                runner.close()
    return ordered, skipped


def _runner_for(scheduler: Any, jobs: int) -> Runner:
    """``jobs`` local workers without a scheduler; else the Dask cluster it names."""
    if scheduler is None:
        return LocalRunner(jobs)
    return scheduler if isinstance(scheduler, DaskRunner) else DaskRunner(scheduler)


def _store(api, layout: Layout, path: Path, raw: JobOutcome) -> LessonResult:
    """Record one worker result in the course; put its feedback page where it is read."""
    from autograde.grader.feedback import install_mathjax, relocate_page
    from autograde.grader.gradebook import feedback_file, record_result

    result = record_result(api, path, raw)
    result.timings = dict(raw.timings)
    target = layout.feedback_page(result.student, result.lesson)
    target.parent.mkdir(parents=True, exist_ok=True)
    source = feedback_file(api, result.student, result.lesson)
    if not (source.exists() and not result.error):
        target.write_text(_error_page(result), encoding="utf-8")
    elif layout.copies_feedback:  # one folder up from nbgrader's page: fix MathJax's URL
        install_mathjax(layout.out / "feedback")
        page = relocate_page(source.read_text(encoding="utf-8"), depth=1)
        target.write_text(page, encoding="utf-8")
    return result


def _error_page(result: LessonResult) -> str:
    from html import escape

    from autograde.grader.feedback import scrub

    return (f"<!DOCTYPE html>\n<html><head><meta charset='utf-8'><title>{escape(result.lesson)}"
            f"</title></head><body><h1>{escape(result.lesson)}</h1><p>Score: 0 / "
            f"{result.max_score:g}</p><p>{escape(scrub(result.error))}</p></body></html>\n")
