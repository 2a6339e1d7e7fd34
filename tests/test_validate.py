"""nbgrader's own Validate agrees with ``autograde check``, item by item.

Students press "Validate" in JupyterLab (or run ``nbgrader validate``); nbgrader then
runs the notebook and fails every graded test cell that raised *or wrote to stderr*.
TensorFlow's start-up lines on stderr used to fail correct work there, while
``autograde check`` (which ignores stderr) gave full marks.

The session fixture ``student_course`` (tests/student_run.py) validates the student
edition's lessons, solved and untouched, in subprocesses that call nbgrader's
``Validator`` exactly as the JupyterLab extension does, with the edition first on the
kernels' path as on a student's machine; the autograder's verdicts on the same
untouched lessons come from the shared course batch (``graded_course``,
tests/course_batch.py: the grading worker that ``autograde check`` runs too). The
assertions compare per notebook. (That ``autograde check`` gives solved lessons full
marks is proved by tests/test_course_grading.py through the same grading worker, and
in the edition by tests/test_student_check.py.)
"""

from __future__ import annotations

import json
import re

import pytest

from autograde.graded import notebooks
from tests.student_run import KINDS, LESSONS

# TensorFlow's start-up lines (see tests/test_startup.py).
NOISE = re.compile(r"absl::InitializeLog|oneDNN custom operations|cudart_stub|cuInit|"
                   r"cpu_feature_guard|To enable the following instructions")

pytestmark = pytest.mark.slow


def _failed_items(nb, result: dict) -> set[str]:
    """Grade ids of the cells nbgrader's validation reported as failed."""
    by_source = {cell.source.strip(): notebooks.grade_id(cell) or cell.get("id")
                 for cell in nb.cells}
    return {by_source.get(failed["source"], failed["source"][:60])
            for failed in result.get("failed", [])}


@pytest.fixture(scope="module")
def runs(student_course, graded_course):
    """Per kind and lesson: (Validate's result, the executed notebook, the terminal)."""
    return {(kind, lesson): (student_course[kind]["validated"][lesson],
                             student_course[kind]["executed"][lesson],
                             student_course[kind]["terminal"][lesson])
            for kind in KINDS for lesson in LESSONS}


def _check_failures(result) -> set[str]:
    return {item.name for item in result.items if item.score < item.max_score}


@pytest.mark.parametrize("name", LESSONS)
def test_solved_lessons_pass_validate(runs, name):
    """Correct work in the student edition passes every cell Validate looks at."""
    validated, _, _ = runs["solved", name]
    assert validated == {}, json.dumps(validated, indent=1)[:3000]


@pytest.mark.parametrize("name", LESSONS)
def test_untouched_lessons_fail_validate(runs, graded_course, name):
    """Untouched, Validate fails exactly the checks the grader fails, for the stub."""
    validated, nb, _ = runs["untouched", name]
    failed = _failed_items(nb, validated)
    assert failed, "nbgrader validated an untouched lesson"
    assert "changed" not in validated and "type_changed" not in validated
    checked = graded_course["results"][("untouched", name)]
    assert failed == _check_failures(checked), (failed, checked.items)
    # Every failure is a graded test cell, and it failed for the stub, not for stderr.
    assert all(item.startswith("test_") for item in failed), failed
    for cell in validated["failed"]:
        assert "NotImplementedError" in cell["raw_error"], cell["raw_error"][:500]
        assert not NOISE.search(cell["raw_error"]), cell["raw_error"][:500]


@pytest.mark.parametrize("name", LESSONS)
def test_validate_and_check_agree_item_by_item(runs, graded_course, name):
    """Both see the same test cells, and fail the same ones."""
    validated, nb, _ = runs["untouched", name]
    checked = graded_course["results"][("untouched", name)]
    tests = {notebooks.grade_id(c) for c in nb.cells if notebooks.is_test_cell(c)}
    assert {item.name for item in checked.items} == tests
    assert _failed_items(nb, validated) == _check_failures(checked)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", LESSONS)
def test_no_start_up_lines_on_the_terminal(runs, kind, name):
    """TensorFlow's start-up lines reach neither the cells nor JupyterLab's terminal."""
    *_, terminal = runs[kind, name]
    assert [line for line in terminal if NOISE.search(line)] == []
