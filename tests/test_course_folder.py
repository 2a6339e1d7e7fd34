"""One course folder: `autograde course DIR`, `autograde grade --course DIR`, the Formgrader.

Two notebooks are graded (about 10 s each): a correct one into ``--course DIR`` alone,
then one with a typical mistake into the same course with ``--out OUT``. The
Formgrader's view of ``DIR`` is rebuilt the way ``jupyter lab`` run in ``DIR`` builds
it: from ``DIR/nbgrader_config.py`` and nothing else.
"""

from __future__ import annotations

import csv
import re
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

from autograde import cli
from autograde.build.bodies import fill_region
from autograde.graded import notebooks
from autograde.grader import feedback
from autograde.grader.course import GRADING_SOURCES
from autograde.grader.feedback import MATHJAX_DIR

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "autograde" / "samples"
LESSON = "02_content_cost"
ANSWER = "return tf.reduce_sum(tf.square(a_C - a_G))  # the instructor's answer"


def _formgrader_api(course: Path):
    """An NbGraderAPI configured only by the course's own nbgrader_config.py."""
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config()
    config.CourseDirectory.root = str(course)  # the Formgrader's root is its cwd
    return NbGraderAPI(coursedir=CourseDirectory(config=config), config=config), config


@pytest.fixture(scope="module")
def course_folder(tmp_path_factory):
    base = tmp_path_factory.mktemp("instructor")
    # A repository holding only lesson 2, so `autograde course` generates one assignment;
    # its solution is the packaged grading source with an answer in the solution region.
    solution = notebooks.read(GRADING_SOURCES / f"{LESSON}.ipynb")
    for cell in solution.cells:
        if cell.cell_type == "code" and notebooks.solution_region(cell.source.split("\n")):
            cell.source = fill_region(cell.source, [ANSWER], keep_first=False)
    notebooks.write(solution, base / "repo" / "solutions" / f"{LESSON}.ipynb")
    first, second = base / "week1", base / "week2"
    for folder, student, sample in ((first, "ada_lovelace", "correct"),
                                    (second, "grace.hopper", "mistakes")):
        (folder / student).mkdir(parents=True)
        shutil.copyfile(SAMPLES / sample / f"{LESSON}.ipynb", folder / student / f"{LESSON}.ipynb")
    course, out = base / "course", base / "export"
    assert cli.main(["course", str(course), "--root", str(base / "repo"), "-q"]) == 0
    solution_source = (course / "source" / LESSON / f"{LESSON}.ipynb").read_bytes()
    assert ANSWER.encode() in solution_source
    assert cli.main(["grade", str(first), "--course", str(course), "-q"]) == 0
    assert cli.main(["grade", str(second), "--course", str(course), "--out", str(out), "-q"]) == 0
    return {"course": course, "out": out, "solution_source": solution_source}


@pytest.mark.slow
def test_grades_land_in_the_gradebook_the_formgrader_opens(course_folder):
    course = course_folder["course"]
    api, _ = _formgrader_api(course)
    assert Path(api.coursedir.root) == course
    assert api.coursedir.db_url == f"sqlite:///{course / 'gradebook.db'}"
    assert not (course / "course").exists()  # no second course inside the first
    scores = {s["student"]: (s["score"], s["max_score"])
              for s in api.get_submissions(LESSON)}
    assert scores == {"ada_lovelace": (2.0, 2.0), "grace.hopper": (0.0, 2.0)}
    names = {s["id"]: (s["first_name"], s["last_name"]) for s in api.get_students()}
    assert names == {"ada_lovelace": ("Ada", "Lovelace"), "grace.hopper": ("Grace", "Hopper")}
    # Grading with the packaged sources kept the solutions `autograde course` put there.
    assert (course / "source" / LESSON / f"{LESSON}.ipynb").read_bytes() == \
        course_folder["solution_source"]


@pytest.mark.slow
def test_exchange_is_inside_the_course_and_exists(course_folder):
    course = course_folder["course"]
    api, config = _formgrader_api(course)
    exchange = Path(config.Exchange.root)
    assert exchange == course / "exchange" and exchange.is_dir()
    assert api.exchange_root == str(exchange)
    assert api.exchange_missing is False  # no warning on the Formgrader's first page


@pytest.mark.slow
def test_csv_goes_to_out_or_to_the_course(course_folder):
    course, out = course_folder["course"], course_folder["out"]
    for folder, student in ((course, "ada_lovelace"), (out, "grace.hopper")):
        with (folder / "grades.csv").open(newline="") as handle:
            assert [row["student"] for row in csv.DictReader(handle)] == [student]
    assert (out / "protections.txt").exists() and (course / "protections.txt").exists()


def _pages(course_folder) -> list[Path]:
    return [course_folder["course"] / "feedback" / "grace.hopper" / LESSON / f"{LESSON}.html",
            course_folder["out"] / "feedback" / "grace.hopper" / f"{LESSON}.html"]


@pytest.mark.slow
def test_feedback_pages_show_no_path_of_the_grader_machine(course_folder):
    forbidden = {str(ROOT), sys.prefix, sys.base_prefix, str(Path(sys.executable).parent),
                 tempfile.gettempdir().rstrip("/") + "/", "/tmp/", str(Path.home()) + "/",
                 str(course_folder["course"]), str(course_folder["out"])}
    for page in _pages(course_folder):
        text = page.read_text(encoding="utf-8")
        assert "Hint: The normalisation is missing" in text, page
        # A failed check is its message, not a traceback through the course's modules;
        # paths that do appear are short ones.
        assert "autograde/kernel/checks.py" not in text and "~/.keras/models" in text, page
        for path in forbidden:
            assert path not in text, (page, path)


@pytest.mark.slow
def test_feedback_pages_never_show_the_hidden_tests(course_folder):
    for page in _pages(course_folder):
        text = page.read_text(encoding="utf-8")
        assert "check_hidden" not in text and "BEGIN HIDDEN TESTS" not in text, page
        assert feedback.HIDDEN_NOTE.split(":")[0] in text, page


@pytest.mark.slow
def test_feedback_pages_wrap_output_and_load_mathjax_locally(course_folder):
    for page in _pages(course_folder):
        text = page.read_text(encoding="utf-8")
        assert re.search(r"white-space:\s*pre-wrap", text) and "overflow-wrap" in text
        sources = re.findall(r'<script[^>]+src="([^"]+)"', text)
        mathjax = [s for s in sources if "MathJax" in s]
        assert mathjax and not any("://" in s for s in mathjax), sources
        assert "cdnjs" not in text
        target = (page.parent / mathjax[0].split("?")[0]).resolve()
        assert target.is_file() and target.parent.name == MATHJAX_DIR, target
        assert (target.parent / "config" / "TeX-AMS-MML_HTMLorMML-full.js").is_file()
