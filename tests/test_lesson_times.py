"""The times lessons 05-07 and 10 state are the ones measured with their current settings.

docs/benchmarks.md, "Lesson times in student mode", records for each lesson the
student-mode settings it was measured with and the phrase the lesson uses for the time.
Changing a setting without measuring again (and updating the table and the lesson)
fails here.
"""

import re
from pathlib import Path

import pytest

from autograde.build.sources import read_source

ROOT = Path(__file__).resolve().parents[1]
SECTION = "## Lesson times in student mode"
# | `05_making_art` | `SIZE = 128`, `STEPS = 100` | ... | "about 8 minutes" |
ROW = re.compile(r"^\| `(\d\d_\w+)` \| ((?:`\w+ = \d+`(?:, )?)+) \|.*\| \"([^\"]+)\" \|$")
SETTING = re.compile(r"`(\w+) = (\d+)`")
# SIZE = 48 if is_grading() else 128
STUDENT_SETTING = re.compile(r"^(\w+) = \S+ if is_grading\(\) else (\d+)$", re.MULTILINE)


def _rows() -> dict[str, tuple[dict[str, int], str]]:
    text = (ROOT / "docs" / "benchmarks.md").read_text(encoding="utf-8")
    assert SECTION in text, f"docs/benchmarks.md has no section {SECTION!r}"
    section = text.split(SECTION, 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        match = ROW.match(line.strip())
        if match:
            lesson, settings, stated = match.groups()
            rows[lesson] = ({k: int(v) for k, v in SETTING.findall(settings)}, stated)
    return rows


TIMED = ["05_making_art", "06_keeping_colours", "07_fast_style_transfer",
         "10_cyclegan_training"]


def test_the_benchmark_table_covers_the_long_lessons():
    assert set(TIMED) <= set(_rows())


@pytest.mark.parametrize("lesson", TIMED)
def test_stated_time_was_measured_with_the_lessons_settings(lesson):
    settings, stated = _rows()[lesson]
    nb = read_source(ROOT / "course" / f"{lesson}.py", ROOT)
    setup = next(c.source for c in nb.cells if c.get("id") == "setup")
    in_code = {name: int(value) for name, value in STUDENT_SETTING.findall(setup)}
    assert in_code == settings, (
        f"{lesson}'s student-mode settings {in_code} differ from the ones its time was "
        f"measured with ({settings}, docs/benchmarks.md): measure the lesson again, then "
        "update the table and the times the lesson states.")
    text = " ".join(" ".join(c.source.split()) for c in nb.cells)
    assert stated in text, f"{lesson} no longer says {stated!r}, the time in docs/benchmarks.md"
