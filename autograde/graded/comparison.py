"""Comparing a returned value with the expected one, and naming the mistake behind it.

Shared by the student's kernel (the printout of a check), the grader's process (the
grade, :mod:`autograde.grader.verdict`) and the build. Tolerance: a value matches when
``|got - expected| <= RTOL * |expected| + ATOL`` elementwise with ``RTOL = 1e-4`` and
``ATOL = 1e-4 * max|expected|`` (at least ``1e-6``). The absolute part lets entries near
zero differ by float32 summation order (CPUs of other vendors, GPUs, other reduction
trees) while any formula error is far larger. TF32 would not fit in it (about 1e-3), so
every evaluation here and in the checks runs with TF32 off
(:mod:`autograde.graded.precision`).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import numpy as np

from autograde.graded import recorded
from autograde.graded.mistakes import Mistake
from autograde.graded.precision import exact_float32
from autograde.graded.specs import Case, GradedFunction, get_spec, variant

RTOL = 1e-4
ATOL_FLOOR = 1e-6
#: Larger expected arrays are written into the lessons as a summary (see `summarise`).
MAX_LITERAL_SIZE = 32
SUMMARY_HEAD = 6


class CheckFailed(AssertionError):
    """A graded function returned a wrong value; the message says what differs.

    In a notebook, IPython shows only the message (with its hint), in red, instead of
    a traceback through the course's own modules: the student's code did not crash,
    it answered wrongly, and the message says how.
    """

    def _render_traceback_(self) -> list[str]:
        # IPython calls this instead of formatting a traceback; the error output keeps
        # ename/evalue, which is what nbgrader and the grader read.
        return [f"\x1b[0;31m{type(self).__name__}\x1b[0m: {self}"]


@dataclass(frozen=True)
class Comparison:
    """Outcome of comparing one returned value with the expected one."""

    ok: bool
    message: str


def as_array(value: Any) -> np.ndarray:
    """Convert a returned value (tensor, array or number) to a float32 NumPy array.

    Raises:
        CheckFailed: when the value is not numeric (e.g. ``None`` from a missing return).
    """
    if value is None:
        raise CheckFailed("the function returned None; did you forget the return statement?")
    try:
        array = np.asarray(value, dtype=np.float32)
    except (TypeError, ValueError):
        raise CheckFailed(
            f"the function returned a {type(value).__name__}, not a number or an array."
        ) from None
    return array


#: What a stub's check says; the grader's tables say the same (autograde.grader.verdict).
NOT_IMPLEMENTED = "not implemented yet — replace `raise NotImplementedError()` with your code"
def _format(array: np.ndarray, indent: int | None = None) -> str:
    """A value for people: one line, or rows aligned ``indent`` columns in when given."""
    if array.ndim == 0:
        return np.format_float_positional(np.float32(array), unique=True, trim="-")
    with np.printoptions(precision=6, suppress=True, threshold=30, edgeitems=3):
        if indent is None:
            return np.array2string(array, separator=", ", max_line_width=10**6)
        return np.array2string(array, separator=", ", prefix=" " * indent)


def summarise(array: Any) -> dict[str, Any]:
    """A compact stand-in for a large expected array: shape, sums and first entries.

    A public check compares a student's array with it entry by entry on the first
    values and through the two sums on the rest; the hidden tests compare every entry.
    The sums are taken in float64 over the array as given (float32 for a student's
    result, float64 for the exact expected value).
    """
    flat = np.asarray(array, dtype=np.float64).ravel()
    return {"shape": tuple(np.shape(array)), "sum": float(flat.sum()),
            "abs_sum": float(np.abs(flat).sum()),
            "first": flat[:SUMMARY_HEAD].astype(np.float32)}


def expected_for_notebook(value: Any) -> Any:
    """What the build writes as ``expected=``: the value rounded to float32, or its summary.

    Args:
        value: the exact (float64) expected value, from :mod:`autograde.graded.exact`.

    Returns:
        A float32 array when it has at most ``MAX_LITERAL_SIZE`` entries, otherwise the
        :func:`summarise` dict with every number rounded to float32. Rounding a float64
        value once is what makes the literal the same on every build machine.
    """
    exact = np.asarray(value, dtype=np.float64)
    if exact.size <= MAX_LITERAL_SIZE:
        return exact.astype(np.float32)
    summary = summarise(exact)
    return {**summary, "sum": np.float32(summary["sum"]),
            "abs_sum": np.float32(summary["abs_sum"])}


def _compare_summary(spec: GradedFunction, got: np.ndarray, summary: dict) -> Comparison:
    shape = tuple(summary["shape"])
    if got.shape != shape:
        return Comparison(False, _shape_message(spec, got.shape, shape))
    if not np.all(np.isfinite(got)):
        return Comparison(False, "the result contains NaN or infinity.")
    mine = summarise(got)
    slack = RTOL * summary["abs_sum"] + ATOL_FLOOR
    first = np.asarray(summary["first"], dtype=np.float32)
    ok = (np.allclose(mine["first"], first, rtol=RTOL, atol=tolerance(first))
          and abs(mine["sum"] - summary["sum"]) <= slack
          and abs(mine["abs_sum"] - summary["abs_sum"]) <= slack)
    if ok:
        return Comparison(True, "")
    hint = f" Hint: {spec.hint}" if spec.hint else ""
    return Comparison(False, f"expected {_format_summary(summary)}, got "
                             f"{_format_summary(mine)}.{hint}")


def _format_summary(summary: dict) -> str:
    first = ", ".join(_format(np.float32(v)) for v in summary["first"])
    return (f"shape {tuple(summary['shape'])}, sum {summary['sum']:.6g}, "
            f"sum of |x| {summary['abs_sum']:.6g}, first values [{first}, ...]")


def tolerance(expected: np.ndarray) -> float:
    """The absolute slack used for ``expected`` (see the module docstring)."""
    scale = float(np.max(np.abs(expected))) if expected.size else 0.0
    return max(RTOL * scale, ATOL_FLOOR)


def compare(spec: GradedFunction, got: Any, expected: Any) -> Comparison:
    """Compare a returned value with the expected one.

    Args:
        spec: the graded function, for its output description.
        got: the student's value (any numeric type or tensor).
        expected: the expected value, an array or a number.

    Returns:
        A :class:`Comparison`; its message is empty when the values match.
    """
    got = as_array(got)
    if isinstance(expected, dict):
        return _compare_summary(spec, got, expected)
    expected = np.asarray(expected, dtype=np.float32)
    if got.shape != expected.shape:
        return Comparison(False, _shape_message(spec, got.shape, expected.shape))
    if not np.all(np.isfinite(got)):
        return Comparison(False, "the result contains NaN or infinity.")
    if np.allclose(got, expected, rtol=RTOL, atol=tolerance(expected)):
        return Comparison(True, "")
    hint = f" Hint: {spec.hint}" if spec.hint else ""
    return Comparison(False, f"expected {_format(expected)}, got {_format(got)}.{hint}")


_AXIS_NAMES = {2: ("rows", "columns"), 4: ("batch", "height", "width", "channels")}


def _shape_message(spec: GradedFunction, got: tuple, expected: tuple) -> str:
    """Explain a shape mismatch by the shapes themselves (transposed, extra axis, ...)."""
    if expected == () and got != ():
        advice = "reduce over every axis (no axis argument) so a single number comes back"
    elif got == ():
        advice = "do not reduce the result to one number"
    elif len(got) == 2 and got == expected[::-1]:
        advice = "rows and columns are swapped: did you transpose, or leave out a transpose?"
    elif got == (1, *expected):
        advice = "there is an extra leading axis of size 1: drop the batch axis"
    elif (1, *got) == expected:
        advice = "the leading batch axis of size 1 is missing"
    elif len(got) == len(expected):
        names = _AXIS_NAMES.get(len(got), tuple(f"axis {i}" for i in range(len(got))))
        advice = "; ".join(f"{axis}: {g} instead of {e}"
                           for axis, g, e in zip(names, got, expected, strict=True) if g != e)
    elif int(np.prod(got)) == int(np.prod(expected)):
        advice = ("the entries are all there but arranged differently: check the order of "
                  "the transpose and the reshape")
    else:
        advice = f"{len(got)} axes instead of {len(expected)}: check what you reduce or reshape"
    stop = "" if advice.endswith("?") else "."
    return (f"your result has shape {got} but {expected} was expected ({spec.output}); "
            f"{advice}{stop}")


def recognise(spec: GradedFunction, inputs: dict[str, Any], got: Any) -> Mistake | None:
    """The catalogued mistake whose wrong variant reproduces ``got`` on ``inputs``.

    A pure function of its arguments (every variant gets a fresh copy of the inputs),
    so it can run in the student's kernel or in the grading process. A variant is only
    considered where its result differs from the reference's on these inputs, so a
    correct answer is never taken for a mistake.

    Args:
        spec: the graded function.
        inputs: the case's inputs, as made by the spec's input maker.
        got: the student's result (any numeric type or tensor).

    Returns:
        The first matching :class:`Mistake`, or ``None`` (also for non-numeric results).
    """
    try:
        got = as_array(got)
    except CheckFailed:
        return None
    if not spec.mistakes or not np.all(np.isfinite(got)):
        return None
    if recorded.edition() is not None:
        # No wrong-answer code in an edition: the build recorded each mistake's result.
        wrong_values = recorded.mistake_values(spec.name, inputs, len(spec.mistakes))
        return next((mistake for mistake, wrong in zip(spec.mistakes, wrong_values, strict=True)
                     if wrong is not None and compare(spec, got, wrong).ok), None)
    with exact_float32():
        truth = as_array(spec.evaluate(spec.reference_function(), copy.deepcopy(inputs)))
        for mistake in spec.mistakes:
            try:
                wrong = as_array(spec.evaluate(variant(spec.name, mistake), copy.deepcopy(inputs)))
            except Exception:  # a variant may not apply to every case (e.g. other shapes)
                continue
            if not np.all(np.isfinite(wrong)) or compare(spec, wrong, truth).ok:
                continue
            if compare(spec, got, wrong).ok:
                return mistake
    return None


def explain(spec: GradedFunction, inputs: dict[str, Any], got: Any) -> str:
    """The hint of the classic mistake that reproduces ``got``, or an empty string."""
    mistake = recognise(spec, inputs, got)
    return mistake.hint if mistake is not None else ""


def failure_message(spec: GradedFunction, case: Case, inputs: dict[str, Any], got: Any,
                    outcome: Comparison) -> str:
    """The message of a failed check.

    A recognised mistake's hint comes first, so that one-line views (the tables of
    ``autograde check`` and ``autograde grade``) show it; the values follow. Otherwise
    the plain comparison message is used.
    """
    hint = explain(spec, inputs, got)
    if not hint:
        return f"{spec.name} on inputs [{case.describe()}]: {outcome.message}"
    # The recognised mistake replaces the function's generic hint.
    details = outcome.message.removesuffix(f" Hint: {spec.hint}")
    return f"{spec.name}: Hint: {hint} [on inputs {case.describe()}: {details}]"


def reference_value(name: str, case: Case | None = None) -> np.ndarray:
    """The reference result for ``case`` (default: the public case) as float32."""
    spec = get_spec(name)
    case = spec.public if case is None else case
    with exact_float32():
        return as_array(spec.evaluate(spec.reference_function(), spec.inputs(case)))
