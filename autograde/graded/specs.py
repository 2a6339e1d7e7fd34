"""The graded functions of the course, collected: ``GRADED`` and the lookups on it.

Every graded function is declared once, in :mod:`autograde.graded.functions`: its
reference, input maker, public and hidden cases, points and classic mistakes. The
public check in a lesson, the hidden tests, the test cells the build writes, the
expected values and the pytest tests all read this table, so nothing about a function
can drift between them.

Inputs always come from ``numpy.random.default_rng(seed)`` and are float32, so the
same case gives the same numbers on every machine, CPU or GPU.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

from autograde.graded.declaration import Case, GradedFunction, Mistake, resolve
from autograde.graded.functions import blocks, colour, fast, gan, nst
from autograde.graded.variants import compile_body

__all__ = ["GRADED", "Case", "GradedFunction", "Mistake", "get_spec", "resolve", "variant"]

#: Every graded function by name, in course order.
GRADED: dict[str, GradedFunction] = {
    spec.name: spec for module in (nst, colour, fast, blocks, gan) for spec in module.FUNCTIONS
}


def get_spec(name: str) -> GradedFunction:
    """The graded function called ``name``.

    Raises:
        ValueError: for a name that is not graded in the course.
    """
    try:
        return GRADED[name]
    except KeyError:
        known = ", ".join(sorted(GRADED))
        raise ValueError(f"{name!r} is not a graded function; use one of: {known}.") from None


@functools.cache
def variant(name: str, mistake: Mistake) -> Callable[..., Any]:
    """The wrong variant of graded function ``name`` that makes ``mistake``.

    It has the reference's signature and defaults, and calls the reference versions of
    the graded helpers the function may use (``spec.uses``), as the checks do for the
    student's function.

    Args:
        name: a graded function, e.g. ``"compute_content_cost"``.
        mistake: one of ``CATALOGUE[name]``.

    Returns:
        The compiled function (cached).

    Raises:
        ValueError: for an unknown name or a body that uses names lessons lack.
    """
    spec = get_spec(name)
    helpers = {helper: get_spec(helper).reference_function() for helper in spec.uses}
    signature = inspect.signature(inspect.unwrap(spec.reference_function()))
    return compile_body(name, signature, mistake.body, helpers)
