"""Shared pytest set-up: quiet TensorFlow, keep it on few threads, and common fixtures."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("MPLBACKEND", "Agg")

import zipfile  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def handout(tmp_path_factory):
    """``autograde handout`` built once per session, its wheel unpacked beside it.

    Returns:
        ``(handout, site)``: the handout folder, and a folder holding the wheel's
        packages, to put first on a kernel's ``PYTHONPATH``.
    """
    from autograde.build.handout import build_handout

    base = tmp_path_factory.mktemp("handout")
    made = build_handout(base / "handout", ROOT)
    site = base / "site"
    with zipfile.ZipFile(made.wheel) as wheel:
        wheel.extractall(site)
    return made, site


@pytest.fixture(scope="session")
def graded_course(tmp_path_factory):
    """The course batch of tests/course_batch.py, graded once for every module using it."""
    from tests.course_batch import grade_course_batch

    return grade_course_batch(tmp_path_factory)


@pytest.fixture(scope="session")
def student_course(handout, tmp_path_factory, request):
    """The student edition's lessons, solved and untouched, under nbgrader's Validate
    (tests/student_run.py); the course batch is graded meanwhile on the other core."""
    from tests.student_run import run_student_course

    return run_student_course(handout, tmp_path_factory,
                              while_running=lambda: request.getfixturevalue("graded_course"))


@pytest.fixture(scope="module")
def toy_root(tmp_path_factory):
    """A small painted apples/oranges dataset (8 pictures a domain, 32 px) for CLI runs."""
    from cyclegan.toy import make_toy_dataset

    root = tmp_path_factory.mktemp("toy")
    return make_toy_dataset(root, n_per_domain=8, image_size=32, seed=0, n_test=2)


# Two pytest workers (`make test` runs `pytest -n 2 --dist loadscope`): every module is
# a work unit that one worker runs whole, so no module-scoped fixture is built twice, and
# the modules sharing the course's session fixtures (the handout, the graded batch, the
# student edition under Validate) are one unit, so those are built once too. Units start
# in LONGEST_FIRST's order, so neither worker is left with a long one at the end
# (figures: docs/benchmarks.md, "The test suite").
COURSE_MODULES = ("test_student_edition", "test_course_grading", "test_validate",
                  "test_student_check", "test_handout", "test_dask_grading")
LONGEST_FIRST = ("course", "test_grading_hostile", "test_cyclegan_multiworker",
                 "test_add_graded_function", "test_cyclegan_distributed",
                 "test_autograde_cli", "test_cyclegan_cli", "test_course_folder")


def _unit(nodeid: str) -> str:
    """The work unit of a test: ``"course"`` or its module's name."""
    module = Path(nodeid.split("::", 1)[0]).stem
    return "course" if module in COURSE_MODULES else module


def pytest_collection_modifyitems(config, items):
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    # A stable sort: within a unit, and among the short units, collection order stays.
    items.sort(key=lambda item: rank.get(_unit(item.nodeid), len(rank)))


@pytest.hookimpl(optionalhook=True)  # a plain `pytest` without xdist runs too
def pytest_xdist_make_scheduler(config, log):
    """xdist's module-by-module scheduling, with the course modules as one unit."""
    if config.getoption("dist") != "loadscope":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class CourseScopeScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return _unit(nodeid)

    return CourseScopeScheduling(config, log)
