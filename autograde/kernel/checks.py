"""The checks a lesson calls, run in the student's kernel.

A lesson's test cell calls :func:`check_public` (with the expected value written into
the notebook by ``autograde release``) and, hidden from students, :func:`check_hidden`
(other shapes and seeds, expected values from the reference). Each calls the student's
function on a case's inputs (:func:`run_case`), sends the value to the grader when one
collects them (:mod:`autograde.kernel.results`) and prints the comparison
(:mod:`autograde.graded.comparison`). What this process decides only shapes the
printout; the grade is decided again in the grader's process from the values sent.
"""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from autograde.graded import recorded
from autograde.graded.comparison import (
    NOT_IMPLEMENTED,
    RTOL,
    CheckFailed,
    _format,
    _format_summary,
    as_array,
    compare,
    failure_message,
    summarise,
)
from autograde.graded.precision import exact_float32
from autograde.graded.specs import Case, GradedFunction, get_spec
from autograde.kernel import answers
from autograde.kernel import results as record

__all__ = ["CheckFailed", "check_hidden", "check_public", "public_inputs", "run_case"]

#: Printed before the expected and the student's value; arrays align under it.
_LABEL_WIDTH = len("  expected: ")


def _stand_in(helper: str, own: Callable | None) -> Callable:
    """What ``helper`` is while another function is checked: the reference in the
    repository; in an edition, which has none, the recorded results
    (:func:`autograde.graded.recorded.answering_helper`)."""
    reference = get_spec(helper).reference_function()
    if recorded.edition() is None:
        return reference
    return recorded.answering_helper(helper, inspect.signature(reference), own)


@contextlib.contextmanager
def _graded_alone(function: Callable, spec: GradedFunction) -> Iterator[None]:
    """Point the helpers the function calls at correct ones while it is checked.

    A wrong ``gram_matrix`` already loses its own points; swapping it out for the
    duration keeps it from also sinking every function built on top of it. A helper
    the notebook does not define (its lesson not done) is provided all the same.
    """
    namespace = getattr(function, "__globals__", None)
    missing = object()
    saved: dict[str, Any] = {}
    if namespace is not None:
        for helper in spec.uses:
            saved[helper] = namespace.get(helper, missing)
            own = saved[helper] if saved[helper] is not missing else None
            namespace[helper] = _stand_in(helper, own)
    try:
        yield
    finally:
        for helper, value in saved.items():
            if value is missing:
                namespace.pop(helper, None)
            else:
                namespace[helper] = value


def run_case(function: Callable, spec: GradedFunction, case: Case) -> tuple[dict, Any]:
    """Call ``function`` on the inputs of ``case``; return the inputs and the result.

    TF32 is off meanwhile (:func:`autograde.graded.precision.exact_float32`), so a correct
    answer computed on an Ampere-or-later GPU matches as it does on a CPU.
    """
    __tracebackhide__ = True
    inputs = spec.inputs(case)
    # A second, identical copy goes to the student so an in-place edit cannot change
    # the inputs the mistake finder sees.
    with _graded_alone(function, spec), exact_float32():
        result = spec.evaluate(function, spec.inputs(case))
    return inputs, result


def _run_and_report(function: Callable, spec: GradedFunction, case: Case) -> tuple[dict, Any]:
    """:func:`run_case`, also sending the outcome to the grader when it collects them.

    The grader compares these values itself (see :mod:`autograde.kernel.results`); what this
    process then concludes only shapes the printout.
    """
    __tracebackhide__ = True
    label = spec.label_of(case)
    try:
        inputs, got = run_case(function, spec, case)
        value = as_array(got)
    except Exception as error:
        record.send(spec.name, label, error=f"{type(error).__name__}: {error}".rstrip(": "))
        if type(error) is NotImplementedError and not str(error):
            # An untouched stub: one line saying what to do, not a traceback.
            raise CheckFailed(f"{spec.name}: {NOT_IMPLEMENTED}.") from None
        raise
    record.send(spec.name, label, value=value)
    return inputs, got


def _check_case(function: Callable, spec: GradedFunction, case: Case, expected: Any) -> str:
    # IPython leaves frames marked like this out of tracebacks (all but the raising
    # one), so a failed check shows little more than the lesson's line and the message.
    __tracebackhide__ = True
    inputs, got = _run_and_report(function, spec, case)
    outcome = compare(spec, got, expected)
    if not outcome.ok:
        raise CheckFailed(failure_message(spec, case, inputs, got, outcome))
    return _show(got, expected)


def _show(value: Any, like: Any) -> str:
    if isinstance(like, dict):
        return _format_summary(summarise(as_array(value)))
    return _format(as_array(value), indent=_LABEL_WIDTH)


def check_public(function: Callable, name: str, *, expected: Any) -> None:
    """The public check printed under a lesson's stub.

    Args:
        function: the student's function.
        name: its graded name, e.g. ``"compute_content_cost"``.
        expected: the reference value for the public case, written by the build.

    Raises:
        CheckFailed: when the value differs, with a one-line explanation.
    """
    __tracebackhide__ = True
    spec = get_spec(name)
    if not isinstance(expected, dict):
        expected = np.asarray(expected, dtype=np.float32)
    print(f"{name}: inputs from {spec.public.describe()}")
    shown = (_format_summary(expected) if isinstance(expected, dict)
             else _format(expected, indent=_LABEL_WIDTH))
    print(f"  expected: {shown}")
    got = _check_case(function, spec, spec.public, expected)
    print(f"  yours:    {got}")
    print(f"  matches within rtol {RTOL:g}.")
    if answers.keep(function, name) is not None:
        print(f"  kept in {answers.ANSWERS_MODULE} for the lessons that build on it.")


def check_hidden(function: Callable, name: str) -> None:
    """The hidden tests: other shapes and seeds, compared with the reference.

    In the grading edition (what graded kernels import) the kernel holds no expected
    value: it only runs the cases and sends the results, and the grader compares them.

    Raises:
        CheckFailed: at the first case that differs (repository only).
    """
    __tracebackhide__ = True
    spec = get_spec(name)
    if recorded.edition() is not None:
        for case in spec.hidden:
            _run_and_report(function, spec, case)
        print(f"{name}: {len(spec.hidden)} further cases sent to the grader.")
        return
    reference = spec.reference_function()
    for case in spec.hidden:
        with exact_float32():
            expected = as_array(spec.evaluate(reference, spec.inputs(case)))
        _check_case(function, spec, case, expected)
    print(f"{name}: {len(spec.hidden)} further cases pass.")


def public_inputs(name: str) -> dict[str, Any]:
    """The inputs of the public case, for students who want to debug by hand."""
    spec = get_spec(name)
    return spec.inputs(spec.public)
