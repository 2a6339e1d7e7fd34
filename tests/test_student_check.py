"""``autograde check`` in the student edition gives the instructor's verdicts and hints.

The same submissions (the demo's typical mistakes in lessons 04 and 07, the solution of
lesson 02) are graded twice: by the student edition's ``autograde check`` in a
subprocess (the handout's wheel first on the path: public cases only, hints from
recorded numbers) and by the instructor's ``autograde grade`` of the shared course batch
(tests/course_batch.py), hidden cases included. Where
the public case fails, both must say the same words; where only a hidden case fails,
the student's check passes and the instructor's message is about that hidden case.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograde.graded.specs import GRADED

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "autograde" / "samples"
#: ``(student, lesson)`` in the course batch, and the same notebook's file.
SUBMISSIONS = [(("mistakes", "04_total_cost"), SAMPLES / "mistakes" / "04_total_cost.ipynb"),
               (("mistakes", "09_cyclegan_losses"),
                SAMPLES / "mistakes" / "09_cyclegan_losses.ipynb"),
               (("solutions", "02_content_cost"), ROOT / "solutions" / "02_content_cost.ipynb")]

pytestmark = pytest.mark.slow

CHECK = r"""
import json, sys
from autograde.graded.recorded import edition
from autograde.grader.selfcheck import check_notebooks
results = check_notebooks(sys.argv[1:], progress=False)
print(json.dumps({"edition": edition(), "lessons": [
    {"lesson": r.lesson, "items": [[i.name, i.score, i.max_score, i.message] for i in r.items]}
    for r in results]}))
"""


@pytest.fixture(scope="module")
def both(handout, tmp_path_factory, request):
    _, site = handout
    folder = tmp_path_factory.mktemp("check")
    paths = []
    for (_, lesson), source in SUBMISSIONS:  # named after their lessons, as check wants
        (folder / lesson).mkdir()
        paths.append(shutil.copyfile(source, folder / lesson / f"{lesson}.ipynb"))
    env = {**os.environ, "PYTHONPATH": str(site)}
    # Not from the repository's folder: `python -c` puts the working folder first on the
    # path, ahead of PYTHONPATH, and the repository's packages would win.
    student = subprocess.Popen([sys.executable, "-c", CHECK, *map(str, paths)], env=env,
                               cwd=folder, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    # Asked for only now, so that a batch not graded yet is graded beside the check.
    graded = request.getfixturevalue("graded_course")["results"]
    instructor = [graded[key] for key, _ in SUBMISSIONS]
    out, err = student.communicate(timeout=900)
    assert student.returncode == 0, err[-3000:]
    printed = json.loads(out.strip().splitlines()[-1])
    return printed, instructor


def test_the_student_check_ran_in_the_edition(both):
    """The subprocess really was the student edition."""
    printed, _ = both
    assert printed["edition"] == "student"


def test_public_failures_read_the_same_and_hidden_ones_stay_hidden(both):
    """Item by item: a public failure gets the instructor's words, hint included; an item
    failing only a hidden case passes the student's check."""
    printed, instructor = both
    compared = 0
    for student_lesson, lesson in zip(printed["lessons"], instructor, strict=True):
        theirs = {item.name: item for item in lesson.items}
        for name, score, max_score, message in student_lesson["items"]:
            graded = theirs[name]
            assert max_score == graded.max_score
            spec = GRADED[name.removeprefix("test_")]
            if score < max_score:
                assert message == graded.message, name
                compared += 1
            else:
                assert graded.score == max_score or spec.public.describe() not in graded.message
    assert compared >= 3  # the samples' public mistakes: hints compared, not just scores


def test_the_correct_sample_gets_full_marks_in_both(both):
    """A correct notebook: full marks from the student's check and the instructor's."""
    printed, instructor = both
    assert all(score == max_score for _, score, max_score, _ in printed["lessons"][2]["items"])
    assert instructor[2].full_marks
