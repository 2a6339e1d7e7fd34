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
