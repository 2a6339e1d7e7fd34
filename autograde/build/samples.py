"""Sample submissions for ``autograde demo``, generated from the lessons.

Three students hand in a few lessons each:

* ``correct`` fills every stub with the solution body;
* ``untouched`` hands the released lesson back as it came;
* ``mistakes`` fills every stub, using a typical wrong body from
  :mod:`autograde.graded.mistakes` where one exists.
"""

from __future__ import annotations

import copy
import textwrap
from pathlib import Path

from nbformat import NotebookNode

from autograde.graded import notebooks
from autograde.graded.mistakes import TYPICAL_MISTAKES

SAMPLE_LESSONS = ("02_content_cost", "03_style_cost", "04_total_cost", "09_cyclegan_losses")
STUDENTS = ("correct", "mistakes", "untouched")


def solution_bodies(nb: NotebookNode) -> dict[str, list[str]]:
    """Map each solution cell's grade id to its unindented solution lines."""
    bodies = {}
    for cell in nb.cells:
        name = notebooks.grade_id(cell)
        lines = cell.source.split("\n")
        region = notebooks.solution_region(lines) if cell.cell_type == "code" else None
        if name is None or region is None:
            continue
        inner = [line for line in lines[region[0] + 1: region[1]]
                 if not line.strip().startswith(notebooks.REFERENCE_MARK)]
        bodies[name] = textwrap.dedent("\n".join(inner)).split("\n")
    return bodies


def fill_stubs(lesson: NotebookNode, bodies: dict[str, list[str]]) -> NotebookNode:
    """A copy of ``lesson`` with each stub replaced by the body of the same grade id."""
    nb = copy.deepcopy(lesson)
    for cell in nb.cells:
        body = bodies.get(notebooks.grade_id(cell) or "")
        if body is None or cell.cell_type != "code":
            continue
        lines = cell.source.split("\n")
        for i in range(len(lines) - 1):
            if (lines[i].strip(), lines[i + 1].strip()) == notebooks.STUB_LINES:
                indent = lines[i][: len(lines[i]) - len(lines[i].lstrip())]
                new = [(indent + line) if line.strip() else "" for line in body]
                cell.source = "\n".join(lines[:i] + new + lines[i + 2:])
                break
    return nb


def build_samples(
    solutions: dict[str, NotebookNode], lessons: dict[str, NotebookNode]
) -> dict[Path, NotebookNode]:
    """The demo submissions, keyed by ``<student>/<lesson>.ipynb``."""
    samples: dict[Path, NotebookNode] = {}
    for name in SAMPLE_LESSONS:
        if name not in lessons:
            continue
        correct = solution_bodies(solutions[name])
        wrong = dict(correct)
        for function, (_, body) in TYPICAL_MISTAKES.items():
            if function in wrong:
                wrong[function] = body.split("\n")
        samples[Path("correct") / f"{name}.ipynb"] = fill_stubs(lessons[name], correct)
        samples[Path("mistakes") / f"{name}.ipynb"] = fill_stubs(lessons[name], wrong)
        samples[Path("untouched") / f"{name}.ipynb"] = copy.deepcopy(lessons[name])
    return samples
