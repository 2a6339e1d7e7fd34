"""The graded functions of the course: their reference, their test inputs and cases.

Every graded function is described once here. The public check in a lesson, the
hidden tests, the expected values the build writes into the notebooks and the pytest
tests that tie those values to the reference all read this table, so a function's
inputs cannot drift between them.

Inputs always come from ``numpy.random.default_rng(seed)`` and are float32, so the
same case gives the same numbers on every machine, CPU or GPU.
"""

from __future__ import annotations

import functools
import importlib
import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from autograde.graded import inputs as makers
from autograde.graded.mistakes import CATALOGUE, Mistake, compile_body


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
        mistakes: classic wrong answers with hints, from :mod:`autograde.graded.mistakes`; a
            failed check names the one the student's result matches.
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


_BLOCK_HINT = ("check the order of the layers, the strides and padding, and that instance "
               "normalisation has no learned scale or offset.")
_COSTS = "nst_utils.costs."
_GAN = "cyclegan.losses."
_LAYERS = "cyclegan.layers."

_SPECS: dict[str, GradedFunction] = {
    spec.name: spec
    for spec in (
        GradedFunction(
            "unroll_channels", _COSTS + "unroll_channels", makers.unroll_inputs,
            public=Case(1),
            hidden=(Case(11, {"shape": (1, 3, 5, 7)}), Case(12, {"shape": (1, 6, 2, 4)})),
            output="a matrix of shape (n_C, n_H * n_W)",
        ),
        GradedFunction(
            "compute_content_cost", _COSTS + "compute_content_cost",
            makers.activation_pair(("a_C", "a_G")),
            public=Case(1),
            hidden=(Case(21, {"shape": (1, 3, 5, 7)}), Case(22, {"shape": (1, 8, 6, 16)})),
        ),
        GradedFunction(
            "gram_matrix", _COSTS + "gram_matrix", makers.gram_inputs,
            public=Case(1),
            hidden=(Case(31, {"shape": (4, 9)}), Case(32, {"shape": (6, 35)})),
            output="a matrix of shape (n_C, n_C)",
        ),
        GradedFunction(
            "compute_layer_style_cost", _COSTS + "compute_layer_style_cost",
            makers.activation_pair(("a_S", "a_G")),
            public=Case(1),
            hidden=(Case(41, {"shape": (1, 3, 5, 7)}), Case(42, {"shape": (1, 6, 4, 8)})),
            uses=("gram_matrix", "unroll_channels"),
        ),
        GradedFunction(
            "compute_style_cost", _COSTS + "compute_style_cost", makers.style_inputs,
            public=Case(1),
            hidden=(
                Case(51, {"shapes": ((1, 5, 3, 2), (1, 3, 3, 4), (1, 2, 1, 6))}),
                Case(52, {"shapes": ((1, 6, 6, 3),)}),
            ),
            uses=("compute_layer_style_cost", "gram_matrix", "unroll_channels"),
        ),
        GradedFunction(
            "total_variation_cost", _COSTS + "total_variation_cost", makers.image_inputs,
            public=Case(1),
            hidden=(Case(61, {"shape": (1, 7, 4, 3)}), Case(62, {"shape": (1, 3, 9, 3)})),
        ),
        GradedFunction(
            "total_cost", _COSTS + "total_cost", makers.total_cost_inputs,
            public=Case(1),
            hidden=(Case(71, {"alpha": 3.0, "beta": 0.5}), Case(72, {"alpha": 1.0, "beta": 100.0})),
            uses=(),
        ),
        GradedFunction(
            "generate_noise_image", "nst_utils.images.generate_noise_image", makers.noise_inputs,
            public=Case(1),
            hidden=(
                Case(121, {"shape": (1, 6, 3, 3), "noise_ratio": 0.3, "noise_seed": 3}),
                Case(122, {"shape": (1, 2, 7, 3), "noise_ratio": 1.0, "noise_seed": 11}),
            ),
            output="an image of the content's shape",
        ),
        GradedFunction(
            "downsample", _LAYERS + "downsample",
            makers.block_inputs({"x": (1, 8, 8, 3)}, {"filters": 4, "name": "down"}),
            public=Case(1),
            hidden=(
                Case(131, {"x": (2, 12, 8, 5), "filters": 6, "kernel_size": 3}),
                Case(132, {"x": (1, 6, 6, 2), "filters": 3, "normalize": False}),
            ),
            output="a tensor of shape (batch, H/2, W/2, filters)",
            hint=_BLOCK_HINT, call=makers.run_block,
        ),
        GradedFunction(
            "upsample", _LAYERS + "upsample",
            makers.block_inputs({"x": (1, 4, 4, 6), "skip": (1, 8, 8, 5)},
                                {"filters": 4, "name": "up"}),
            public=Case(1),
            hidden=(
                Case(141, {"x": (2, 3, 5, 4), "skip": (2, 6, 10, 3), "filters": 2,
                           "kernel_size": 3}),
                Case(142, {"x": (1, 2, 2, 8), "skip": (1, 4, 4, 8), "filters": 8,
                           "dropout_rate": 0.5}),
            ),
            output="a tensor of shape (batch, 2H, 2W, filters + C_skip)",
            hint=_BLOCK_HINT, call=makers.run_block,
        ),
        GradedFunction(
            "residual_block", _LAYERS + "residual_block",
            makers.block_inputs({"x": (1, 6, 6, 4)}, {"filters": 4, "name": "res"}),
            public=Case(1),
            hidden=(
                Case(151, {"x": (2, 5, 7, 3), "filters": 3}),
                Case(152, {"x": (1, 9, 9, 2), "filters": 2, "kernel_size": 5}),
            ),
            output="a tensor of the input's shape",
            hint=_BLOCK_HINT + " Pad by reflection and add the input after the second norm.",
            call=makers.run_block,
        ),
        GradedFunction(
            "discriminator_loss", _GAN + "discriminator_loss",
            makers.patch_scores(("real_output", "fake_output")),
            public=Case(1),
            hidden=(Case(81, {"shape": (1, 16, 16, 1)}), Case(82, {"shape": (2, 3, 5, 1)})),
        ),
        GradedFunction(
            "generator_adversarial_loss", _GAN + "generator_adversarial_loss",
            makers.patch_scores(("fake_output",)),
            public=Case(1),
            hidden=(Case(91, {"shape": (1, 16, 16, 1)}), Case(92, {"shape": (2, 3, 5, 1)})),
        ),
        GradedFunction(
            "cycle_consistency_loss", _GAN + "cycle_consistency_loss",
            makers.image_pair(("real_image", "reconstructed_image")),
            public=Case(1),
            hidden=(Case(101, {"shape": (1, 8, 6, 3)}), Case(102, {"shape": (2, 5, 5, 3)})),
        ),
        GradedFunction(
            "identity_loss", _GAN + "identity_loss",
            makers.image_pair(("real_image", "same_image")),
            public=Case(1),
            hidden=(Case(111, {"shape": (1, 8, 6, 3)}), Case(112, {"shape": (2, 5, 5, 3)})),
        ),
        GradedFunction(
            "identity_terms", _GAN + "identity_terms", makers.generator_pair_inputs,
            public=Case(1),
            hidden=(Case(171, {"shape": (1, 8, 6, 3)}), Case(172, {"shape": (2, 5, 5, 3)})),
            output="a pair (id_A, id_B) of scalars",
            uses=("identity_loss",), call=makers.run_with_generators,
        ),
        GradedFunction(
            "generator_total_loss", _GAN + "generator_total_loss", makers.loss_terms,
            public=Case(1),
            hidden=(
                Case(161, {"lambda_validation": 2.0, "lambda_reconstr": 5.0, "lambda_id": 0.0}),
                Case(162, {"lambda_validation": 0.5, "lambda_reconstr": 1.0, "lambda_id": 7.0}),
            ),
        ),
    )
}


#: Every graded function, with its catalogue of classic mistakes attached.
GRADED: dict[str, GradedFunction] = {
    name: replace(spec, mistakes=CATALOGUE.get(name, ())) for name, spec in _SPECS.items()
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
