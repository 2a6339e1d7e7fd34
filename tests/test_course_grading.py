"""Grading the course end to end with nbgrader (kernels run; one graded course per module).

One session fixture (``graded_course``, tests/course_batch.py; other modules compare with
it too) grades, in a single persistent course:

* ``solutions``: every solution notebook (must get full marks, run without errors);
* ``untouched``: every released lesson as is (must get zero, and fail only in stubs);
* ``broken``: lesson 03 with a wrong ``gram_matrix`` and a correct lesson 02;
* ``tamper``: lesson 04 with a wrong ``total_variation_cost`` whose test cell was edited
  to pass, and the test cell of ``total_cost`` deleted;
* ``garbage``: a file that is not a notebook;
* ``mistakes``: the demo's typical-mistakes submissions of lessons 04 and 07.

Then a second run regrades one submission in the same output folder.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from autograde.graded import notebooks
from autograde.grader.batch import grade_submissions

ROOT = Path(__file__).resolve().parent.parent
LESSON_NAMES = sorted(p.stem for p in (ROOT / "lessons").glob("[0-9][0-9]_*.ipynb"))

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def graded(graded_course):
    """The graded course batch, shared with other modules (tests/course_batch.py)."""
    return graded_course


def _autograded(out: Path, student: str, lesson: str):
    return notebooks.read(out / "course" / "autograded" / student / lesson / f"{lesson}.ipynb")


def _errors(nb) -> list[tuple[str, str]]:
    return [(cell.id, output.ename) for cell in nb.cells if cell.cell_type == "code"
            for output in cell.outputs if output.output_type == "error"]


def test_solutions_get_full_marks_and_run_without_errors(graded):
    for name in LESSON_NAMES:
        result = graded["results"][("solutions", name)]
        assert result.full_marks, (name, result)
        assert result.max_score > 0
        assert _errors(_autograded(graded["out"], "solutions", name)) == [], name


def test_untouched_lessons_get_zero_and_fail_only_in_stubs(graded):
    for name in LESSON_NAMES:
        result = graded["results"][("untouched", name)]
        assert not result.error and result.score == 0 and result.max_score > 0, name
        assert all("not implemented" in item.message for item in result.items), name
        errors = _errors(_autograded(graded["out"], "untouched", name))
        # A check on a stub says "not implemented yet" (CheckFailed); a later cell that
        # calls the stub raises its NotImplementedError. Nothing else goes wrong.
        assert errors and {ename for _, ename in errors} <= {"NotImplementedError",
                                                              "CheckFailed"}, (name, errors)
        assert "CheckFailed" in {ename for _, ename in errors}, (name, errors)


def test_one_broken_function_costs_only_its_own_item(graded):
    broken = graded["results"][("broken", "03_style_cost")]
    lost = {item.name: item for item in broken.items if item.score < item.max_score}
    assert set(lost) == {"test_gram_matrix"}
    assert "gram_matrix" in lost["test_gram_matrix"].message
    assert broken.score == broken.max_score - lost["test_gram_matrix"].max_score
    assert graded["results"][("broken", "02_content_cost")].full_marks


def test_edited_and_deleted_test_cells_are_restored_before_grading(graded):
    tamper = graded["results"][("tamper", "04_total_cost")]
    scores = {item.name: (item.score, item.max_score) for item in tamper.items}
    assert set(scores) == {"test_total_variation_cost", "test_total_cost"}
    assert scores["test_total_variation_cost"][0] == 0
    assert scores["test_total_cost"][0] == scores["test_total_cost"][1] > 0


def test_garbage_is_graded_zero_without_crashing_and_odd_files_are_skipped(graded):
    garbage = graded["results"][("garbage", "02_content_cost")]
    assert garbage.score == 0 and "not a readable notebook" in garbage.error
    assert any("notes.ipynb" in warning for warning in graded["skipped"])


def test_csv_and_feedback_cover_every_submission(graded):
    with (graded["out"] / "grades.csv").open(newline="") as handle:
        rows = {(r["student"], r["lesson"]): r for r in csv.DictReader(handle)}
    assert set(rows) == set(graded["results"])
    for key, result in graded["results"].items():
        assert float(rows[key]["score"]) == result.score
        assert float(rows[key]["max_score"]) == result.max_score
        page = graded["out"] / "feedback" / key[0] / f"{key[1]}.html"
        assert page.is_file() and key[1] in page.read_text(encoding="utf-8")


def test_regrading_a_fixed_submission_updates_only_its_row(graded):
    resubmit = graded["submissions"].parent / "resubmit"
    target = resubmit / "broken" / "03_style_cost.ipynb"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(ROOT / "solutions" / "03_style_cost.ipynb", target)
    results, _ = grade_submissions(resubmit, graded["out"], progress=False)
    assert [r.full_marks for r in results] == [True]
    with (graded["out"] / "grades.csv").open(newline="") as handle:
        rows = {(r["student"], r["lesson"]): r for r in csv.DictReader(handle)}
    assert set(rows) == set(graded["results"])
    assert rows[("broken", "03_style_cost")]["failed_items"] == ""
    assert rows[("untouched", "03_style_cost")]["score"] == "0"
