"""The catalogue of classic mistakes: one list serving the demo and the hint recogniser.

For every graded function the catalogue holds at least three :class:`Mistake` entries,
each the body of a wrong variant a student might write (see
:mod:`autograde.mistakes_nst`, :mod:`autograde.mistakes_blocks` and
:mod:`autograde.mistakes_gan`). Two things read it:

* the demo's "mistakes" submission (:data:`TYPICAL_MISTAKES`, the entry marked
  ``demo`` for a function) pastes the body into the lesson;
* the checks (:func:`autograde.checks.recognise`) compile every body with
  :func:`variant`, run it on the failing case's inputs and name the mistake whose
  result the student's matches.

Functions without a demo entry are answered correctly in the demo, which shows that
one wrong function costs only its own item.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

from autograde.mistakes_blocks import BLOCK_MISTAKES
from autograde.mistakes_gan import GAN_MISTAKES
from autograde.mistakes_nst import NST_MISTAKES
from autograde.variants import Mistake, compile_body

__all__ = ["CATALOGUE", "TYPICAL_MISTAKES", "Mistake", "variant"]

CATALOGUE: dict[str, tuple[Mistake, ...]] = {**NST_MISTAKES, **BLOCK_MISTAKES, **GAN_MISTAKES}

#: ``function -> (label, body)`` of the demo submission's wrong answers.
TYPICAL_MISTAKES: dict[str, tuple[str, str]] = {
    name: (mistake.label, mistake.body)
    for name, mistakes in CATALOGUE.items()
    for mistake in mistakes
    if mistake.demo
}


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
    from autograde.specs import get_spec

    spec = get_spec(name)
    helpers = {helper: get_spec(helper).reference_function() for helper in spec.uses}
    signature = inspect.signature(inspect.unwrap(spec.reference_function()))
    return compile_body(name, signature, mistake.body, helpers)
