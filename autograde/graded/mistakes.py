"""The catalogue of classic mistakes, gathered from the declarations, for its two users.

Each graded function declares at least three :class:`~autograde.graded.declaration.Mistake`
entries next to its cases (:mod:`autograde.graded.functions`). Two things read them:

* the demo's "mistakes" submission (:data:`TYPICAL_MISTAKES`, the entry marked ``demo``
  for a function) pastes the body into the lesson;
* the comparisons (:func:`autograde.graded.comparison.recognise`) compile every body
  with :func:`autograde.graded.specs.variant`, run it on the failing case's inputs and
  name the mistake whose result the student's matches.

Functions without a demo entry are answered correctly in the demo, which shows that
one wrong function costs only its own item.
"""

from __future__ import annotations

from autograde.graded.declaration import Mistake
from autograde.graded.specs import GRADED

__all__ = ["CATALOGUE", "TYPICAL_MISTAKES", "Mistake"]

#: ``function -> its mistakes``, for every graded function.
CATALOGUE: dict[str, tuple[Mistake, ...]] = {name: spec.mistakes for name, spec in GRADED.items()}

#: ``function -> (label, body)`` of the demo submission's wrong answers.
TYPICAL_MISTAKES: dict[str, tuple[str, str]] = {
    name: (mistake.label, mistake.body)
    for name, mistakes in CATALOGUE.items()
    for mistake in mistakes
    if mistake.demo
}
