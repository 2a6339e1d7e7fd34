"""The course as a student runs it: every lesson in the student edition, end to end.

The handout's wheel is unpacked and put first on the kernels' ``PYTHONPATH``, so the
lessons import the edition (every graded function a stub) instead of the repository.
The session fixture ``student_course`` (tests/student_run.py) presses nbgrader's
Validate on the ten lessons in order, once with the solution bodies typed into the
stubs and once untouched, each set in a folder of its own, as a student's ``lessons/``
would be; this module looks at the executed notebooks (tests/test_validate.py at
Validate's verdicts).

Since the library's graded functions are stubs here, every picture lessons 05-08 and 10
show was made by the student's own functions, kept by their checks in
``my_answers.py``.
"""

from __future__ import annotations

import json

import pytest

from autograde.graded import notebooks
from autograde.graded.specs import GRADED
from tests.student_run import KINDS, LESSONS

pytestmark = pytest.mark.slow

#: The cell of each later lesson that loads the student's functions, and what an
#: untouched course makes it say: the first function missing, and its lesson.
LOADERS = {
    "03_style_cost": ("your-unroll", "unroll_channels", "01_images_and_features"),
    "04_total_cost": ("your-costs", "compute_content_cost", "02_content_cost"),
    "05_making_art": ("your-costs", "compute_content_cost", "02_content_cost"),
    "06_keeping_colours": ("your-costs", "unroll_channels", "01_images_and_features"),
    "07_fast_style_transfer": ("your-costs", "compute_content_cost", "02_content_cost"),
    "09_cyclegan_losses": ("your-blocks", "downsample", "08_cyclegan_blocks"),
    "10_cyclegan_training": ("your-parts", "downsample", "08_cyclegan_blocks"),
}
#: Cells that draw a picture from the student's functions.
PICTURES = {"05_making_art": ["run", "weights", "optim"],
            "06_keeping_colours": ["run", "histogram", "scale", "blend", "multiscale"],
            "07_fast_style_transfer": ["train", "race"], "08_cyclegan_blocks": ["unet"],
            "10_cyclegan_training": ["test-images", "identity-experiment"]}


@pytest.fixture(scope="module")
def course(student_course):
    """The executed notebooks: ``{"solved": {lesson: nb}, "untouched": {lesson: nb}}``."""
    return {kind: student_course[kind]["executed"] for kind in KINDS} | {
        "folder": student_course["solved"]["folder"].parent, "site": student_course["site"],
        "origins": [student_course[kind]["origin"] for kind in KINDS]}


def _cell(nb, cell_id: str):
    return next(cell for cell in nb.cells if cell.get("id") == cell_id)


def _errors(nb) -> list[tuple[str, str, str]]:
    return [(cell.get("id"), out.ename, out.evalue) for cell in nb.cells
            for out in cell.get("outputs", []) if out.output_type == "error"]


def test_the_kernels_import_the_edition(course):
    """The lessons ran against the edition (first on the path), not the repository."""
    for origin in course["origins"]:
        assert origin == course["site"] / "nst_utils" / "costs.py"
    assert "is a stub in the student edition" in origin.read_text(encoding="utf-8")


@pytest.mark.parametrize("lesson", LESSONS)
def test_solved_lessons_run_without_an_error(course, lesson):
    """With the solutions typed in, every cell of every lesson runs."""
    assert _errors(course["solved"][lesson]) == []


def test_every_passing_check_kept_its_function(course):
    """After the course, my_answers.py holds all graded functions, from the notebooks."""
    text = (course["folder"] / "solved" / "my_answers.py").read_text(encoding="utf-8")
    missing = [name for name in GRADED if f"def {name}(" not in text]
    assert missing == []
    kept = json.loads((course["folder"] / "solved" / ".my_answers.json").read_text())
    assert set(kept) == set(GRADED)


@pytest.mark.parametrize("lesson", sorted(PICTURES))
def test_later_lessons_draw_their_pictures_from_the_students_functions(course, lesson):
    """Lessons 05-08 and 10 show pictures; in the edition only the student's code can
    have made them (the library's own graded functions are stubs)."""
    nb = course["solved"][lesson]
    pictures = [cell.get("id") for cell in nb.cells for out in cell.get("outputs", [])
                if "image/png" in out.get("data", {})]
    assert pictures, f"{lesson} showed no picture"
    assert set(PICTURES[lesson]) <= set(pictures)
    texts = json.dumps(nb)
    assert "is a stub in the student edition" not in texts


@pytest.mark.parametrize("lesson", LESSONS)
def test_untouched_checks_fail_with_their_one_line_message(course, lesson):
    """Each stub's check says "not implemented yet", in one line, no traceback."""
    nb = course["untouched"][lesson]
    tests = [cell for cell in nb.cells if notebooks.is_test_cell(cell)]
    assert tests
    for cell in tests:
        errors = [out for out in cell.outputs if out.output_type == "error"]
        assert [e.ename for e in errors] == ["CheckFailed"], cell.get("id")
        assert "not implemented yet" in errors[0].evalue
        assert len(errors[0].traceback) == 1  # the message, not a trace through the course


@pytest.mark.parametrize("lesson", sorted(LOADERS))
def test_untouched_later_lessons_say_which_function_to_finish(course, lesson):
    """The cell that loads earlier answers names the missing function and its lesson."""
    cell_id, function, earlier = LOADERS[lesson]
    errors = [out for out in _cell(course["untouched"][lesson], cell_id).outputs
              if out.output_type == "error"]
    assert [e.ename for e in errors] == ["MissingAnswer"]
    assert errors[0].evalue.startswith(f"{function} has not passed its check yet")
    assert f"lesson {earlier} ({earlier}.ipynb)" in errors[0].evalue
    assert len(errors[0].traceback) == 1
