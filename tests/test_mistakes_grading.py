"""End to end: injected mistakes are named in the feedback of exactly their items.

One grading run (one kernel) of lesson 9 with three catalogued mistakes pasted into
three of its five functions. The feedback HTML is the autograded notebook, so it shows
the public checks' output; the item table is what ``autograde check`` prints.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from autograde.build.samples import fill_stubs, solution_bodies
from autograde.graded import notebooks
from autograde.graded.mistakes import CATALOGUE
from autograde.grader.batch import grade_submissions
from autograde.grader.report import lesson_table

ROOT = Path(__file__).resolve().parent.parent
LESSON = "09_cyclegan_losses"
INJECTED = {
    "discriminator_loss": "used ones as the target for fake patches",
    "cycle_consistency_loss": "sum instead of mean",
    "identity_loss": "squared error instead of absolute error",
}
CORRECT = "generator_adversarial_loss"
#: Calls the (wrong) identity_loss, but is graded with the reference in its place.
ALSO_CORRECT = "identity_terms"

pytestmark = pytest.mark.slow


def _mistake(name: str, label: str):
    return next(m for m in CATALOGUE[name] if m.label == label)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    bodies = solution_bodies(notebooks.read(ROOT / "solutions" / f"{LESSON}.ipynb"))
    for name, label in INJECTED.items():
        bodies[name] = _mistake(name, label).body.split("\n")
    submission = fill_stubs(notebooks.read(ROOT / "lessons" / f"{LESSON}.ipynb"), bodies)
    folder = tmp_path_factory.mktemp("submissions")
    notebooks.write(submission, folder / "alice" / f"{LESSON}.ipynb")
    out = tmp_path_factory.mktemp("graded")
    (result,), _ = grade_submissions(folder, out, progress=False)
    page = (out / "feedback" / "alice" / f"{LESSON}.html").read_text(encoding="utf-8")
    return result, html.unescape(re.sub(r"<[^>]+>", "", page.replace("<a name=", "\0<a name=")))


def _sections(text: str) -> dict[str, str]:
    """Feedback text per graded item: from its anchor to the next item's anchor."""
    parts = {}
    for chunk in text.split("\0")[1:]:
        match = re.match(r"Grade cell: test_(\w+)", chunk.strip())
        if match:
            parts[match.group(1)] = chunk
    return parts


def test_feedback_names_each_mistake_in_its_own_item_only(graded):
    _, text = graded
    sections = _sections(text)
    assert set(sections) == {*INJECTED, CORRECT, ALSO_CORRECT}
    hints = {name: _mistake(name, label).hint for name, label in INJECTED.items()}
    for item, section in sections.items():
        for name, hint in hints.items():
            assert (hint in section) == (name == item), (item, name)
    assert "Hint:" not in sections[CORRECT]
    assert "Hint:" not in sections[ALSO_CORRECT]
    assert "target for fake patches" in sections["discriminator_loss"]


def test_check_table_shows_each_hint_on_its_row(graded):
    result, _ = graded
    by_item = {item.name.removeprefix("test_"): item for item in result.items}
    assert by_item[CORRECT].score == by_item[CORRECT].max_score
    assert by_item[CORRECT].message == ""
    table = lesson_table(result, width=80).splitlines()
    for name, label in INJECTED.items():
        assert by_item[name].score == 0
        # The item's row: its first line and the message wrapped on the lines under it.
        start = next(k for k, line in enumerate(table) if line.startswith(name + " "))
        end = next((k for k in range(start + 1, len(table)) if not table[k].startswith(" ")),
                   len(table))
        row = " ".join(" ".join(table[start:end]).split())
        assert " ".join(_mistake(name, label).hint.split()) in row, row
