"""How a graded function is declared: its cases, its points and its classic mistakes.

The declarations themselves live in :mod:`autograde.graded.functions` (one module per
part of the course); :mod:`autograde.graded.specs` collects them.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Mistake:
    """A classic wrong answer to one graded function.

    Attributes:
        label: short name for instructors and tests, e.g. ``"missing normalisation"``.
        hint: what went wrong, in one or two short sentences a student sees in the
            check's message. Never code and never the full formula.
        body: unindented source of the function body that makes the mistake, using only
            the arguments, :data:`autograde.graded.variants.PROVIDED_NAMES` and the graded
            helpers of the lesson.
        demo: the body used by the demo's "mistakes" submission (one per function).
        public: the public case tells this mistake from the right answer; ``False``
            for mistakes that agree with it there (hard-coded defaults), which only the
            hidden cases catch.
    """

    label: str
    hint: str
    body: str
    demo: bool = False
    public: bool = True


@dataclass(frozen=True)
class Case:
    """One set of test inputs: a seed and the sizes passed to the input maker."""

    seed: int
    sizes: Mapping[str, Any] = field(default_factory=dict)

    def describe(self) -> str:
        """One line naming the seed and sizes, shown next to the check result."""
        parts = [f"default_rng({self.seed})"] + [f"{k}={v}" for k, v in self.sizes.items()]
        return ", ".join(parts)


@dataclass(frozen=True)
class GradedFunction:
    """A graded function of the course.

    Attributes:
        name: the function's name in the lesson (also its nbgrader grade id stem).
        reference: dotted path of the reference implementation.
        make_inputs: ``(rng, **sizes) -> dict`` of keyword arguments for the function.
        public: the case whose expected value is printed in the lesson.
        hidden: further cases, with other shapes and seeds, run by the hidden tests.
        output: what the result should look like, for shape messages.
        uses: other graded functions this one may call; during its check they are
            replaced by the reference so each function is graded on its own.
        hint: one sentence added to every value mismatch.
        call: ``(function, inputs) -> result`` for functions that are not simply
            ``function(**inputs)``, such as Keras blocks; keys of ``inputs`` starting
            with ``_`` are for the caller, not the function.
        points: what the item is worth in the gradebook.
        mistakes: classic wrong answers with hints; a failed check names the one the
            student's result matches (at least three per function).
    """

    name: str
    reference: str
    make_inputs: Callable[..., dict[str, Any]]
    public: Case
    hidden: tuple[Case, ...]
    output: str = "a scalar"
    uses: tuple[str, ...] = ()
    hint: str = ""
    call: Callable[[Callable, dict[str, Any]], Any] | None = None
    points: int = 1
    mistakes: tuple[Mistake, ...] = ()

    def inputs(self, case: Case) -> dict[str, Any]:
        """Fresh inputs for ``case`` (a new generator each call, so calls agree)."""
        return self.make_inputs(np.random.default_rng(case.seed), **case.sizes)

    def evaluate(self, function: Callable, inputs: dict[str, Any]) -> Any:
        """Run ``function`` (the student's or the reference) on ``inputs``."""
        __tracebackhide__ = True  # IPython shows the student's frames, not this one
        if self.call is not None:
            return self.call(function, inputs)
        return function(**inputs)

    def labelled_cases(self) -> list[tuple[str, Case]]:
        """``(label, case)`` for the public case (``"public"``) and the hidden ones
        (``"hidden0"``, ...), in the order a test cell runs them. The one naming of cases:
        the kernel sends results under these labels and the grader expects them."""
        return [("public", self.public),
                *((f"hidden{i}", case) for i, case in enumerate(self.hidden))]

    def label_of(self, case: Case) -> str:
        """The label of one of this function's cases (see :meth:`labelled_cases`)."""
        return next(label for label, known in self.labelled_cases() if known == case)

    def reference_function(self) -> Callable[..., Any]:
        """Import and return the reference implementation."""
        return resolve(self.reference)


def resolve(dotted: str) -> Callable[..., Any]:
    """Import ``package.module.attribute`` and return the attribute.

    Raises:
        ValueError: when the module or the attribute does not exist.
    """
    module_name, _, attribute = dotted.rpartition(".")
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        raise ValueError(f"cannot import {module_name!r} for {dotted!r}: {error}") from None
    try:
        return getattr(module, attribute)
    except AttributeError:
        raise ValueError(f"{module_name} has no attribute {attribute!r}; fix the reference "
                         f"path {dotted!r}.") from None
