"""Scoring a test cell in the grader's process from the results its kernel sent.

A test cell ``test_<name>`` passes when, for every case of ``name`` (the public one
and the hidden ones), exactly one result arrived in that cell's outputs, it is a
numeric value (not an error), it matches the reference value computed here with
:func:`autograde.kernel.checks.compare`, and the cell raised no error. Anything else — a
missing result because the checks were patched away, a value sent twice, a result
that is no array — fails the item. Nothing from the kernel is unpickled or called:
results are plain JSON numbers decoded by :func:`autograde.kernel.results.decode`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
from nbformat import NotebookNode

from autograde.graded import recorded
from autograde.graded.comparison import compare, failure_message
from autograde.graded.specs import get_spec
from autograde.grader.reference_values import labels
from autograde.kernel import results as record

#: The one cut of every one-line message (an item's message, a described error): at
#: most this many characters, at a word boundary, never inside an array literal — see
#: :func:`cut_message` and docs/course.md, "Hints".
MESSAGE_WIDTH = 160
ELLIPSIS = "…"
#: What an array literal becomes in a message that is too long.
SUMMARY = "[…]"
#: A bracketed part cut to fewer characters than this is left out as a whole.
MIN_KEPT = 24
#: How an item that used the course's own reference begins; it scores 0.
REACHED = "0 for reaching for the course's reference"
#: What an item says while its function is still the lesson's stub.
STUB_MESSAGE = "not implemented yet — replace `raise NotImplementedError()` with your code"

#: An opening bracket that starts a number array: ``[[ 0.3``, ``[0.99``, ``[-1``.
_ARRAY_START = re.compile(r"\[\s*[-+.\d\[]")
#: A line that continues an array printed over several lines (NumPy prints each row
#: of a matrix on its own line).
_ARRAY_CONTINUATION = re.compile(r"[-+.\d\[\]]")


@dataclass(frozen=True)
class Verdict:
    """The grader's decision on one test cell."""

    passed: bool
    message: str = ""


def _brackets(text: str) -> tuple[list[tuple[int, int]], list[tuple[int, bool]]]:
    """The closed outermost array literals of ``text`` as ``(start, end)`` spans, and
    the brackets still open at its end as ``(start, is_array)``, outermost first."""
    spans: list[tuple[int, int]] = []
    stack: list[tuple[int, bool]] = []
    for index, char in enumerate(text):
        if char == "[":
            stack.append((index, bool(_ARRAY_START.match(text, index))))
        elif char == "]" and stack:
            start, is_array = stack.pop()
            if is_array and not any(outer for _, outer in stack):
                spans.append((start, index + 1))
    return spans, stack


def _open_array(text: str) -> int | None:
    """Where the outermost array literal still open at the end of ``text`` starts."""
    return next((start for start, is_array in _brackets(text)[1] if is_array), None)


def _word_cut(line: str, width: int) -> int:
    """Where ``line`` is cut to leave room for the "…": the last word boundary."""
    if len(line) <= width:
        return len(line)
    limit = width - len(ELLIPSIS)
    space = line.rfind(" ", 0, limit + 1)
    return space if space > 0 else limit


def cut_message(line: str, width: int = MESSAGE_WIDTH) -> str:
    """``line`` cut to at most ``width`` characters, ending with "…" when cut.

    The cut falls at the last word boundary that leaves room for the "…" (mid-word
    only when a single word is longer than that; after punctuation a space comes
    before the "…" where it fits). An array literal the cut would fall in, or that
    comes after it, is first summarised as ``[…]``, one after another, while the line
    is too long; arrays before the cut are kept. An array still open at the cut (or
    at the end of the line) cuts before it instead: no half array (``0.008142],``)
    is left. Nor is the start of a bracketed part of which less than
    :data:`MIN_KEPT` characters would remain (``[on…``).
    """
    while len(line) > width:
        end = _word_cut(line, width)
        spans = [span for span in _brackets(line)[0]
                 if span[1] > end and span[1] - span[0] > len(SUMMARY)]
        if not spans:
            break
        start, stop = spans[0]
        line = f"{line[:start]}{SUMMARY}{line[stop:]}"
    end = _word_cut(line, width)
    opened = _brackets(line[:end])[1]
    start = next((start for start, is_array in opened if is_array), None)
    if start is not None:
        end = start
    elif opened and end < len(line) and end - opened[0][0] < MIN_KEPT:
        end = opened[0][0]  # "… the sum. …", not "… the sum. [on…"
    if end >= len(line):
        return line
    kept = line[:end].rstrip()
    # "… a transpose. …" rather than "… a transpose.…", where it fits.
    space = " " if kept.endswith((".", ",", ";", ":")) and len(kept) + 2 <= width else ""
    return f"{kept}{space}{ELLIPSIS}"


def _one_line(text: str) -> str:
    lines = [part.strip() for part in str(text).splitlines()]
    lines = lines[next((i for i, part in enumerate(lines) if part), len(lines)):]
    if not lines:
        return ""
    line, rest = lines[0], lines[1:]
    while rest and rest[0] and _open_array(line) is not None \
            and _ARRAY_CONTINUATION.match(rest[0]):
        line = f"{line} {rest.pop(0)}"
    return " ".join(line.split())


def first_line(text: str, width: int = MESSAGE_WIDTH) -> str:
    """The first non-blank line of ``text`` as one line, cut by :func:`cut_message`.

    Runs of white space become one space. When the line leaves an array open and the
    next lines continue it (a matrix printed one row per line), they are joined to it
    first, so that the cut sees the whole array.
    """
    return cut_message(_one_line(text), width)


def take_results(cell: NotebookNode) -> list:
    """Remove the results a kernel sent from a cell's outputs and return their payloads."""
    payloads, kept = [], []
    for output in cell.get("outputs", []):
        data = output.get("data", {}) if output.get("output_type") == "display_data" else {}
        if record.MIME in data:
            payloads.append(data[record.MIME])
        else:
            kept.append(output)
    cell.outputs = kept
    return payloads


def cell_error(cell: NotebookNode) -> str:
    """The first error a cell raised, as one line; empty when it raised none."""
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            return describe_error(output.get("ename", "Error"), output.get("evalue", ""))
    return ""


def describe_error(name: str, value: str) -> str:
    """``"NameError: ..."`` as one line cut by :func:`cut_message`, with friendlier
    words for an untouched stub and a timeout."""
    value = _one_line(value)
    if name == "NotImplementedError" and not value:
        return STUB_MESSAGE
    if name == "NotImplementedError" and recorded.STUB_WORDS in value:
        called = value.split()[0]
        return cut_message(f"{REACHED} (it called the course's {called}, a stub while "
                           f"grading); write the function yourself")
    if name == "CellTimeoutError":
        return cut_message(value) or "the cell ran past the time limit"
    if name == "CheckFailed" and value:
        # The course's own failures already start with the function's name; the
        # exception's name would only take room from the hint and the values.
        return cut_message(value)
    return cut_message(f"{name}: {value}" if value else name)


def _error_text(text: str) -> str:
    name, _, value = str(text).partition(": ")
    return describe_error(name, value)


def judge(name: str, payloads: list, expected: dict[str, np.ndarray], error: str = "",
          not_run: str = "") -> Verdict:
    """Decide one test cell.

    Args:
        name: the graded function (the test cell is ``test_<name>``).
        payloads: what :func:`take_results` took from the cell.
        expected: reference values by case label (see :mod:`autograde.grader.reference_values`).
        error: the cell's own error, from :func:`cell_error`.
        not_run: why the cell never ran (kernel stopped before it), if it did not.

    Returns:
        The :class:`Verdict`; its message is one line saying what is wrong.
    """
    spec = get_spec(name)
    wanted = labels(name)
    received: dict[str, record.CaseResult] = {}
    for payload in payloads:
        try:
            result = record.CaseResult.from_payload(payload)
        except record.ForeignResult:
            result = None
        if result is None or result.function != name or result.case not in wanted:
            return Verdict(False, "the cell sent a result that does not belong to it; "
                                  "graded as wrong")
        if result.case in received:
            return Verdict(False, f"the {result.case} case sent two results; graded as wrong")
        received[result.case] = result
    cases = dict(spec.labelled_cases())
    for label in wanted:
        result = received.get(label)
        if result is None:
            reason = not_run or error or "no result reached the grader (the check was bypassed)"
            return Verdict(False, first_line(reason))
        if result.error is not None:
            return Verdict(False, _error_text(result.error))
        if result.unreadable:
            return Verdict(False, "the result could not be read; graded as wrong")
        outcome = compare(spec, result.value, expected[label])
        if not outcome.ok:
            # The kernel's own message is the same check's (with a hint) unless the
            # checks were tampered with; then the grader writes it.
            return Verdict(False, error or first_line(failure_message(
                spec, cases[label], spec.inputs(cases[label]), result.value, outcome)))
    if error:
        return Verdict(False, error)
    return Verdict(True)
