"""The course batch several test modules check against, graded once per session.

:func:`grade_course_batch` grades, with ``jobs=2`` like an instructor with two cores:
every solution notebook (``solutions``), every untouched lesson (``untouched``), lesson
03 with a wrong ``gram_matrix`` and a correct lesson 02 (``broken``), lesson 04 with an
edited and a deleted test cell (``tamper``), a file that is not a notebook
(``garbage``) and the demo's typical mistakes in lessons 04 and 07 (``mistakes``). The
session fixture ``graded_course`` (tests/conftest.py) calls it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from autograde.build.samples import fill_stubs, solution_bodies
from autograde.graded import notebooks
from autograde.grader.batch import grade_submissions

ROOT = Path(__file__).resolve().parent.parent
LESSON_NAMES = sorted(p.stem for p in (ROOT / "lessons").glob("[0-9][0-9]_*.ipynb"))
WRONG_GRAM = ["return tf.matmul(tf.transpose(A), A)"]
MISTAKES = ("04_total_cost", "09_cyclegan_losses")


def _broken_lesson_03() -> notebooks.NotebookNode:
    name = "03_style_cost"
    bodies = solution_bodies(notebooks.read(ROOT / "solutions" / f"{name}.ipynb"))
    bodies["gram_matrix"] = WRONG_GRAM
    return fill_stubs(notebooks.read(ROOT / "lessons" / f"{name}.ipynb"), bodies)


def _tampered_lesson_04() -> notebooks.NotebookNode:
    name = "04_total_cost"
    bodies = solution_bodies(notebooks.read(ROOT / "solutions" / f"{name}.ipynb"))
    bodies["total_variation_cost"] = ["return tf.reduce_sum(tf.abs(image))"]
    nb = fill_stubs(notebooks.read(ROOT / "lessons" / f"{name}.ipynb"), bodies)
    for cell in nb.cells:
        if notebooks.grade_id(cell) == "test_total_variation_cost":
            cell.source = "print('all good')"
    nb.cells = [c for c in nb.cells if notebooks.grade_id(c) != "test_total_cost"]
    return nb


def grade_course_batch(tmp_path_factory) -> dict:
    """Write and grade the batch; return results by ``(student, lesson)`` and folders."""
    submissions = tmp_path_factory.mktemp("submissions")
    out = tmp_path_factory.mktemp("graded")
    for name in LESSON_NAMES:
        for student, folder in (("solutions", "solutions"), ("untouched", "lessons")):
            target = submissions / student / f"{name}.ipynb"
            target.parent.mkdir(exist_ok=True)
            shutil.copyfile(ROOT / folder / f"{name}.ipynb", target)
    notebooks.write(_broken_lesson_03(), submissions / "broken" / "03_style_cost.ipynb")
    shutil.copyfile(ROOT / "solutions" / "02_content_cost.ipynb",
                    submissions / "broken" / "02_content_cost.ipynb")
    notebooks.write(_tampered_lesson_04(), submissions / "tamper" / "04_total_cost.ipynb")
    (submissions / "garbage").mkdir()
    (submissions / "garbage" / "02_content_cost.ipynb").write_text("{not json", encoding="utf-8")
    (submissions / "garbage" / "notes.ipynb").write_text("{}", encoding="utf-8")
    for name in MISTAKES:
        target = submissions / "mistakes" / f"{name}.ipynb"
        target.parent.mkdir(exist_ok=True)
        shutil.copyfile(ROOT / "autograde" / "samples" / "mistakes" / f"{name}.ipynb", target)
    # Two workers, as an instructor with two cores would run it (and half the wall time).
    results, skipped = grade_submissions(submissions, out, progress=False, jobs=2)
    by_key = {(r.student, r.lesson): r for r in results}
    return {"results": by_key, "skipped": skipped, "out": out, "submissions": submissions}
