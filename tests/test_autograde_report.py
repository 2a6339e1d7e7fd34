"""The terminal tables of ``autograde check``/``grade``/``demo`` and the message cut.

The messages are real ones: the checks of the lessons are run in-process (no kernel)
on catalogued mistakes and on a wrong array, and turned into item messages the way
the grader does (:func:`autograde.grader.verdict.describe_error` of the cell's error, then
:func:`autograde.grader.verdict.first_line`).
"""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import numpy as np
import pytest

from autograde.graded import comparison
from autograde.graded.mistakes import CATALOGUE
from autograde.graded.specs import get_spec, variant
from autograde.grader.report import lesson_table, summary_table, terminal_width
from autograde.grader.results import ItemResult, LessonResult
from autograde.grader.verdict import MESSAGE_WIDTH, STUB_MESSAGE, describe_error, first_line
from autograde.kernel import checks

ROOT = Path(__file__).resolve().parent.parent
STUB = "not implemented yet — replace `raise NotImplementedError()` with your code"


def _check_failure(name: str, function) -> str:
    """The text of the first failing check of ``function`` (public, then hidden)."""
    expected = comparison.expected_for_notebook(comparison.reference_value(name))
    with contextlib.redirect_stdout(io.StringIO()):
        try:
            checks.check_public(function, name, expected=expected)
            checks.check_hidden(function, name)
        except checks.CheckFailed as error:
            return str(error)
    raise AssertionError(f"{name}: the check passed")


def _mistake(name: str, label: str):
    return variant(name, next(m for m in CATALOGUE[name] if m.label == label))


def _wrong_gram(A):
    return np.asarray(get_spec("gram_matrix").reference_function()(A)) + 1.0


@pytest.fixture(scope="module")
def raw():
    """Failure texts as the checks raise them, by item."""
    return {
        "compute_content_cost": _check_failure("compute_content_cost", _mistake(
            "compute_content_cost", "forgot the 1 / (4 n_H n_W n_C) normalisation")),
        "unroll_channels": _check_failure("unroll_channels", _mistake(
            "unroll_channels", "plain reshape of channels-last data")),
        "gram_matrix": _check_failure("gram_matrix", _wrong_gram),
        "compute_layer_style_cost": _check_failure("compute_layer_style_cost", _mistake(
            "compute_layer_style_cost", CATALOGUE["compute_layer_style_cost"][0].label)),
        "total_variation_cost": _check_failure("total_variation_cost", _mistake(
            "total_variation_cost", "left out the 1.25 power")),
    }


@pytest.fixture(scope="module")
def result(raw):
    items = [ItemResult(f"test_{name}", 0.0, 2.0, first_line(describe_error("CheckFailed", text)))
             for name, text in raw.items()]
    items.insert(1, ItemResult("test_compute_style_cost", 2.0, 2.0))
    items.append(ItemResult("test_total_cost", 0.0, 2.0,
                            describe_error("NotImplementedError", "")))
    notes = ["cell test_gram_matrix was edited; restored from the lesson and graded as the "
             "lesson's version", "the notebook hit the limit of 64 processes and was interrupted"]
    return LessonResult("alice", "03_style_cost", 2.0, 12.0, items, notes=notes)


def _others() -> list[LessonResult]:
    untouched = [ItemResult(f"test_{name}", 0.0, 2.0, STUB) for name in (
        "discriminator_loss", "generator_adversarial_loss", "cycle_consistency_loss",
        "identity_loss", "identity_terms", "generator_total_loss")]
    return [LessonResult("untouched", "09_cyclegan_losses", 0.0, 12.0, untouched),
            LessonResult("correct", "02_content_cost", 2.0, 2.0,
                         [ItemResult("test_compute_content_cost", 2.0, 2.0)]),
            LessonResult("bob", "04_total_cost", 0.0, 6.0, error="the file is not a notebook "
                         "(JSON error: Expecting value: line 1 column 1 (char 0)); it was "
                         "graded as an empty submission of the lesson")]


def _words(text: str) -> set[str]:
    return set(text.split())


def _no_half_array(text: str) -> bool:
    """Every array literal in ``text`` is whole: each ``[`` that opens numbers closes,
    and no ``]`` closes an array whose start was cut off."""
    stack = []
    for index, char in enumerate(text):
        if char == "[":
            stack.append(bool(re.match(r"\[\s*[-+.\d\[]", text[index:])))
        elif char == "]":
            if not stack:
                return False
            stack.pop()
    return not any(stack)


def test_item_messages_are_long_real_ones(result):
    # The table tests below are about long messages: make sure they are.
    long = [item for item in result.items if len(item.message) > 120]
    assert len(long) >= 3, [item.message for item in result.items]
    assert "Hint: The normalisation is missing" in result.items[0].message


@pytest.mark.parametrize("width", [60, 80, 100])
def test_lesson_table_fits_the_width(result, width):
    text = lesson_table(result, width=width)
    too_long = [line for line in text.splitlines() if len(line) > width]
    assert not too_long, "\n".join(too_long)


def test_lesson_table_at_80_keeps_messages_beside_their_items(result):
    lines = lesson_table(result, width=80).splitlines()
    assert lines[0] == "03_style_cost" and lines[1].split() == ["item", "points", "message"]
    assert set(lines[2]) == {"-", " "} and len(lines[2]) <= 80
    first = next(line for line in lines if line.startswith("compute_content_cost "))
    assert "0 / 2" in first and "Hint: The normalisation is missing" in first
    # What the row already says is not repeated in the message.
    assert "CheckFailed: compute_content_cost:" not in "\n".join(lines)
    assert "compute_style_cost        2 / 2" in lines
    notes = lines[lines.index("total 2 / 12") + 1:]
    assert notes[0].startswith("note: cell test_gram_matrix") and notes[1].startswith("      ")


def _rows(table: str) -> dict[str, list[str]]:
    """The words of each row of an item table: its line and the lines wrapped under it."""
    rows: dict[str, list[str]] = {}
    current: list[str] = []
    for line in table.splitlines()[3:]:
        if not line.startswith(" "):
            current = rows.setdefault(line.split()[0], [])
        current.extend(line.split())
    return rows


@pytest.mark.parametrize("width", range(60, 101, 2))
def test_lesson_table_splits_no_word(result, width):
    text = lesson_table(result, width=width)
    rows = _rows(text)
    for item in result.items:
        name = item.name.removeprefix("test_")
        shown = set(rows[name])
        missing = _words(item.message.removeprefix("CheckFailed: ")) - shown
        # Only the repeated item name of "CheckFailed: <item>:" may be left out.
        assert missing <= {f"{name}:"}, missing
    for note in result.notes:
        assert _words(note) <= _words(text)


@pytest.mark.parametrize("width", [60, 80, 100])
def test_summary_table_fits_the_width_and_splits_no_word(result, width):
    results = [result, *_others()]
    text = summary_table(results, width=width)
    too_long = [line for line in text.splitlines() if len(line) > width]
    assert not too_long, "\n".join(too_long)
    shown = _words(text)
    for r in results:
        assert {r.student, r.lesson} <= shown
        for item in r.items:
            if item.score < item.max_score:
                assert item.name.removeprefix("test_") in text
        assert _words(r.error) <= shown
        assert _words("; ".join(r.notes)) <= shown
    assert "lost" in text and "notes" in text


def test_summary_table_without_long_cells_stays_one_line_per_row():
    text = summary_table(_others()[1:2], width=80)
    assert text.splitlines() == [
        "student  lesson           score  lost points in  notes",
        "-------  ---------------  -----  --------------  -----",
        "correct  02_content_cost  2 / 2",
    ]


def test_error_result_is_wrapped():
    text = lesson_table(_others()[2], width=60)
    assert text.startswith("04_total_cost: 0 / 6 — the file is not a notebook")
    assert all(len(line) <= 60 for line in text.splitlines())


def test_long_message_is_cut_at_a_word_boundary_before_an_array(raw):
    # NumPy prints the matrix over several lines; the first of them ends mid-array.
    text = "CheckFailed: " + raw["unroll_channels"]
    assert "0.008142],\n" in text and len(text) > 2 * MESSAGE_WIDTH
    message = first_line(text)
    assert len(message) <= MESSAGE_WIDTH and message.endswith("…")
    assert _no_half_array(message) and "0.008142" not in message
    kept = message.removesuffix("…").rstrip()
    whole = " ".join(text.split())
    assert whole.startswith(kept) and whole[len(kept)] == " "
    # The grader drops the exception name: the message already names the function.
    stub = raw["unroll_channels"]
    assert describe_error("CheckFailed", stub) == first_line(stub)


def test_array_left_open_by_the_first_line_is_not_shown_in_half(raw):
    # Only the first line of the matrix: the array opens and never closes.
    text = ("CheckFailed: " + raw["unroll_channels"]).splitlines()[0]
    assert text.endswith("0.008142],")
    for width in (MESSAGE_WIDTH, len(text) + 10):
        message = first_line(text, width)
        assert _no_half_array(message) and "0.008142" not in message, message
        assert len(message) <= width and message.endswith("…"), message
    assert first_line(text, len(text) + 10).endswith(": expected…")


def test_long_array_message_is_summarised(raw):
    text = "CheckFailed: " + raw["gram_matrix"]
    assert "Hint:" not in text and "expected [[" in text and len(text) > MESSAGE_WIDTH
    message = first_line(text)
    assert len(message) <= MESSAGE_WIDTH and _no_half_array(message)
    assert "expected […], got […]" in message, message


def _no_bracket_stub(message: str) -> bool:
    """No bracketed part cut to a word or two: "… before the sum. [on…"."""
    return not re.search(r"\[[^\]]{0,20}…$", message)


def test_cut_is_at_most_the_width_for_every_failure(raw):
    for text in raw.values():
        message = describe_error("CheckFailed", text)
        assert len(message) <= MESSAGE_WIDTH and _no_half_array(message), message
        assert _no_bracket_stub(message), message
        assert first_line(message) == message  # cutting twice changes nothing
    tv = describe_error("CheckFailed", raw["total_variation_cost"])
    assert "before the sum." in tv and tv.endswith("…"), tv


def test_every_hint_survives_the_cut():
    for name, mistakes in CATALOGUE.items():
        for mistake in mistakes:
            long = f"{name}: Hint: {mistake.hint} [on inputs default_rng(1): expected " \
                   f"[[ 0.345584, 0.905356, 0.364572, -0.736454, 0.039722, 0.008142]], got 1.]"
            message = describe_error("CheckFailed", long)
            assert mistake.hint in message, (name, mistake.label)
            assert len(message) <= MESSAGE_WIDTH and _no_half_array(message), message
            assert _no_bracket_stub(message), message


def test_message_width_is_the_documented_one():
    assert MESSAGE_WIDTH == 160
    docs = " ".join((ROOT / "docs" / "course.md").read_text(encoding="utf-8").split())
    assert f"cut at {MESSAGE_WIDTH} characters" in docs


def test_untouched_stub_message():
    assert STUB_MESSAGE == STUB
    assert describe_error("NotImplementedError", "") == STUB
    assert describe_error("NotImplementedError", " \n ") == STUB
    assert describe_error("NotImplementedError", "later") == "NotImplementedError: later"


@pytest.mark.parametrize(("columns", "width"), [("200", 100), ("80", 80), ("72", 72),
                                                ("40", 60)])
def test_terminal_width_is_bounded(monkeypatch, columns, width):
    monkeypatch.setenv("COLUMNS", columns)
    assert terminal_width() == width
