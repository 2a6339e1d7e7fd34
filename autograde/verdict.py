"""Scoring a test cell in the grader's process from the results its kernel sent.

A test cell ``test_<name>`` passes when, for every case of ``name`` (the public one
and the hidden ones), exactly one result arrived in that cell's outputs, it is a
numeric value (not an error), it matches the reference value computed here with
:func:`autograde.checks.compare`, and the cell raised no error. Anything else — a
missing result because the checks were patched away, a value sent twice, a result
that is no array — fails the item. Nothing from the kernel is unpickled or called:
results are plain JSON numbers decoded by :func:`autograde.record.decode`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from nbformat import NotebookNode

from autograde import record
from autograde.expected import labels
from autograde.specs import get_spec

MESSAGE_WIDTH = 300


@dataclass(frozen=True)
class Verdict:
    """The grader's decision on one test cell."""

    passed: bool
    message: str = ""


def first_line(text: str, width: int = MESSAGE_WIDTH) -> str:
    """The first non-blank line of ``text``, cut to ``width`` characters."""
    line = next((part.strip() for part in str(text).splitlines() if part.strip()), "")
    return line if len(line) <= width else line[: width - 1] + "…"


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
    """``"NameError: ..."``, with friendlier words for a stub and a timeout."""
    value = first_line(value)
    if name == "NotImplementedError" and not value:
        return "not implemented yet (the stub still raises NotImplementedError)"
    if name == "CellTimeoutError":
        return value or "the cell ran past the time limit"
    return f"{name}: {value}" if value else name


def _error_text(text: str) -> str:
    name, _, value = str(text).partition(": ")
    return describe_error(name, value)


def judge(name: str, payloads: list, expected: dict[str, np.ndarray], error: str = "",
          not_run: str = "") -> Verdict:
    """Decide one test cell.

    Args:
        name: the graded function (the test cell is ``test_<name>``).
        payloads: what :func:`take_results` took from the cell.
        expected: reference values by case label (see :mod:`autograde.expected`).
        error: the cell's own error, from :func:`cell_error`.
        not_run: why the cell never ran (kernel stopped before it), if it did not.

    Returns:
        The :class:`Verdict`; its message is one line saying what is wrong.
    """
    from autograde.checks import compare, failure_message

    spec = get_spec(name)
    wanted = labels(name)
    received: dict[str, dict] = {}
    for payload in payloads:
        if (not isinstance(payload, dict) or payload.get("function") != name
                or payload.get("case") not in wanted):
            return Verdict(False, "the cell sent a result that does not belong to it; "
                                  "graded as wrong")
        if payload["case"] in received:
            return Verdict(False, f"the {payload['case']} case sent two results; graded as wrong")
        received[payload["case"]] = payload
    cases = dict(zip(wanted, (spec.public, *spec.hidden), strict=True))
    for label in wanted:
        payload = received.get(label)
        if payload is None:
            reason = not_run or error or "no result reached the grader (the check was bypassed)"
            return Verdict(False, first_line(reason))
        if "error" in payload:
            return Verdict(False, _error_text(payload["error"]))
        try:
            got = record.decode(payload.get("value"))
        except (ValueError, TypeError):
            return Verdict(False, "the result could not be read; graded as wrong")
        outcome = compare(spec, got, expected[label])
        if not outcome.ok:
            # The kernel's own message is the same check's (with a hint) unless the
            # checks were tampered with; then the grader writes it.
            return Verdict(False, error or first_line(failure_message(
                spec, cases[label], spec.inputs(cases[label]), got, outcome)))
    if error:
        return Verdict(False, error)
    return Verdict(True)
