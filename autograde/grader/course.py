"""nbgrader course directories: where lessons live and how one is set up.

Every lesson is its own nbgrader assignment holding one notebook of the same name
(``source/02_content_cost/02_content_cost.ipynb``), so a student can hand in any
subset of lessons and each is graded on its own.

The package ships the *grading sources* (``autograde/sources/*.ipynb``): the solution
notebooks with the solution regions emptied and the hidden tests kept. They are all a
grader needs, so ``autograde check`` and ``autograde grade`` work from an installed
package without the repository.

A course folder is the single place an instructor works in: ``autograde course DIR``
sets it up, ``autograde grade SUBMISSIONS --course DIR`` grades into its gradebook
(``DIR/gradebook.db``) and feedback folder (``DIR/feedback``), and ``jupyter lab`` run
in ``DIR`` opens the same gradebook in the Formgrader. nbgrader's exchange (release and
collect) is ``DIR/exchange``, created here.
"""

from __future__ import annotations

import filecmp
import logging
import os
import shutil
import sys
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # nbgrader is imported only when a course is actually used
    from nbgrader.apps import NbGraderAPI
    from traitlets.config import Config

PACKAGE_DIR = Path(__file__).resolve().parent.parent
CONFIG_FILE = Path(__file__).resolve().parent / "nbgrader_config.py"
GRADING_SOURCES = PACKAGE_DIR / "sources"
#: nbgrader's release/collect folder, inside the course folder.
EXCHANGE = "exchange"


class CourseError(RuntimeError):
    """nbgrader failed on a step that should not fail (a broken course, not a student)."""


def lesson_names(sources: Path = GRADING_SOURCES) -> list[str]:
    """Names of the lessons in ``sources`` (notebook stems), in course order."""
    return sorted(path.stem for path in Path(sources).glob("[0-9][0-9]_*.ipynb"))


def load_config(root: Path) -> Config:
    """The shipped nbgrader configuration, pointed at the course in ``root``."""
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader(CONFIG_FILE.name, path=str(CONFIG_FILE.parent)).load_config()
    config.CourseDirectory.root = str(Path(root).resolve())
    config.Exchange.root = str(Path(root).resolve() / EXCHANGE)
    return config


def _tools_on_path() -> None:
    # nbgrader's gradebook shells out to the `alembic` script installed next to this
    # Python; a virtual environment used without activation lacks it on PATH.
    scripts = str(Path(sys.executable).parent)
    if scripts not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = scripts + os.pathsep + os.environ.get("PATH", "")


def open_api(root: Path) -> NbGraderAPI:
    """An nbgrader API object for the course in ``root`` (INFO logs silenced)."""
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    from sqlalchemy.exc import SAWarning

    # nbgrader's gradebook triggers harmless SQLAlchemy session warnings that would
    # drown the grading output.
    warnings.filterwarnings("ignore", category=SAWarning)
    _tools_on_path()
    config = load_config(root)
    config.NbGraderAPI.log_level = logging.WARNING
    api = NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)
    api.log.setLevel(logging.WARNING)
    return api


def _copy_if_changed(source: Path, target: Path) -> bool:
    if target.exists() and filecmp.cmp(source, target, shallow=False):
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    return True


def _grades_alike(existing: Path, source: Path, lesson: str) -> bool:
    """Whether two source notebooks differ only inside solution regions (a solution
    notebook from ``solutions/`` and the packaged grading source of the same lesson)."""
    from autograde.build.bodies import grading_source
    from autograde.graded import notebooks

    try:
        ours = notebooks.dumps(grading_source(notebooks.read(existing), lesson))
        theirs = notebooks.dumps(grading_source(notebooks.read(source), lesson))
    except Exception:  # an unreadable notebook is not alike anything
        return False
    return ours == theirs


def prepare_course(
    root: Path,
    sources: Path = GRADING_SOURCES,
    lessons: list[str] | None = None,
    progress: bool = False,
    keep_solutions: bool = False,
) -> NbGraderAPI:
    """Create or update the course in ``root`` and return an API for it.

    Copies the configuration and the source notebooks, creates the exchange folder
    and the local MathJax of the feedback pages, then runs nbgrader's
    ``generate_assignment`` for every lesson whose source changed (or is new), which
    records its test cells in the gradebook. Calling it again on an existing course
    is cheap and leaves the gradebook's grades alone.

    Args:
        root: the course directory (created if missing).
        sources: folder of source notebooks ``NN_name.ipynb``.
        lessons: the lessons to set up; default all in ``sources``.
        progress: show a progress bar while assignments are generated.
        keep_solutions: keep a source notebook already in the course that differs
            from ``sources`` only inside solution regions (``autograde course`` put
            the filled solutions there; grading with the packaged sources must not
            replace them, since both grade alike).

    Returns:
        An :class:`~nbgrader.apps.NbGraderAPI` for the course.

    Raises:
        ValueError: when a requested lesson has no source notebook.
        CourseError: when nbgrader cannot generate an assignment.
    """
    root, sources = Path(root), Path(sources)
    available = lesson_names(sources)
    lessons = available if lessons is None else list(lessons)
    missing = sorted(set(lessons) - set(available))
    if missing:
        raise ValueError(f"unknown lesson(s) {', '.join(missing)}; "
                         f"the course has: {', '.join(available)}.")
    root.mkdir(parents=True, exist_ok=True)
    _copy_if_changed(CONFIG_FILE, root / "nbgrader_config.py")
    (root / EXCHANGE).mkdir(exist_ok=True)
    from autograde.grader.feedback import install_mathjax

    install_mathjax(root / "feedback")
    api = open_api(root)
    from tqdm.auto import tqdm

    for lesson in tqdm(lessons, desc="preparing course", unit="lesson", disable=not progress,
                       leave=False):
        source = sources / f"{lesson}.ipynb"
        target = root / "source" / lesson / f"{lesson}.ipynb"
        released = root / "release" / lesson / f"{lesson}.ipynb"
        kept = (keep_solutions and target.exists()
                and not filecmp.cmp(source, target, shallow=False)
                and _grades_alike(target, source, lesson))
        if (not kept and _copy_if_changed(source, target)) or not released.exists():
            result = api.generate_assignment(lesson, force=True, create=True)
            if not result["success"]:
                raise CourseError(f"nbgrader generate_assignment failed for {lesson}:\n"
                                  f"{result.get('log', '')}{result.get('error', '')}")
    return api
