"""The catalogue of classic mistakes: one list serving the demo and the hint recogniser.

For every graded function the catalogue holds at least three :class:`Mistake` entries,
each the body of a wrong variant a student might write (see
:mod:`autograde.graded.mistakes.nst`, :mod:`autograde.graded.mistakes.blocks` and
:mod:`autograde.graded.mistakes.gan`). Two things read it:

* the demo's "mistakes" submission (:data:`TYPICAL_MISTAKES`, the entry marked
  ``demo`` for a function) pastes the body into the lesson;
* the comparisons (:func:`autograde.graded.comparison.recognise`) compile every body
  with :func:`autograde.graded.specs.variant`, run it on the failing case's inputs
  and name the mistake whose result the student's matches.

Functions without a demo entry are answered correctly in the demo, which shows that
one wrong function costs only its own item.
"""

from __future__ import annotations

from autograde.graded.mistakes.blocks import BLOCK_MISTAKES
from autograde.graded.mistakes.gan import GAN_MISTAKES
from autograde.graded.mistakes.nst import NST_MISTAKES
from autograde.graded.mistakes.variants import Mistake, compile_body

__all__ = ["CATALOGUE", "TYPICAL_MISTAKES", "Mistake", "compile_body"]

CATALOGUE: dict[str, tuple[Mistake, ...]] = {**NST_MISTAKES, **BLOCK_MISTAKES, **GAN_MISTAKES}

#: ``function -> (label, body)`` of the demo submission's wrong answers.
TYPICAL_MISTAKES: dict[str, tuple[str, str]] = {
    name: (mistake.label, mistake.body)
    for name, mistakes in CATALOGUE.items()
    for mistake in mistakes
    if mistake.demo
}
