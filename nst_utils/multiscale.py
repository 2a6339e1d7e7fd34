"""Coarse-to-fine Neural Style Transfer: optimise small, upsample, continue larger.

A step of pixel optimisation at 2048 px costs 16 times one at 512 px, and most of what
style transfer changes (the layout of colours and large strokes) is settled long before
the finest scale matters. :func:`stylize_multiscale` therefore runs
:func:`~nst_utils.stylize.stylize` at a schedule of sizes growing by at most ``sqrt(2)``
(:func:`size_schedule`), starting each stage from the previous result upsampled
(bicubic); the content, the style image(s) and the mask are brought to each stage's
size, so the style's brush marks keep their size relative to the picture.

What each stage costs besides its steps, and what is shared:

* the VGG19 feature extractor is built once and serves every stage (it is fully
  convolutional);
* the content and style targets are taken again at every stage: both images change
  size with the stage (the style is resized to the stage's content size, or to
  ``style_scale`` times it, exactly as a single-scale run at that size would), so the
  activations and Gram matrices of one stage do not fit the next. That is two VGG19
  forward passes per stage, about two thirds of one step at that size;
* the optimisation step is traced once per stage: the graded cost functions read
  ``n_H, n_W, n_C`` from static shapes (``a.shape``), so a graph with unknown height
  and width cannot be built, and every size needs its own (about 1-2 CPU seconds).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import tensorflow as tf
from tqdm.auto import tqdm

from .costs import CONTENT_LAYER, STYLE_LAYERS
from .stylize import StylizeResult, _check_image, stylize
from .vgg import build_feature_extractor, load_vgg19

#: Largest ratio between two consecutive sizes of the schedule.
SIZE_STEP = math.sqrt(2.0)
#: Adam steps of a first stage of REFERENCE_SIZE px in the default schedule; a first stage
#: of another size gets the same compute (steps x pixels).
FIRST_STAGE_STEPS = 16
REFERENCE_SIZE = 256
#: Most steps the default gives a first stage (one far below 256 px would get hundreds).
MAX_FIRST_STAGE_STEPS = 32
#: Fewest steps any stage gets in the default schedule.
MIN_STAGE_STEPS = 2


def size_schedule(size: int, start_size: int) -> list[int]:
    """Longest sides for coarse-to-fine: ``start_size`` up to ``size`` by at most ``sqrt(2)``.

    With ``n = ceil(log(size / start_size) / log(sqrt(2)))`` stages after the first, the
    sizes are ``round(start_size * (size / start_size) ** (i / n))`` for ``i = 0..n``:
    evenly spaced on a log scale, ending exactly at ``size``. E.g. ``(2048, 512)`` gives
    ``[512, 724, 1024, 1448, 2048]``.

    Args:
        size: the final longest side in pixels.
        start_size: the first longest side, at most ``size``.

    Returns:
        Increasing sizes, first ``start_size``, last ``size``.

    Raises:
        ValueError: when ``start_size`` is not positive or is larger than ``size``.
    """
    size, start_size = int(size), int(start_size)
    if start_size < 1:
        raise ValueError(f"start_size must be a positive number of pixels, got {start_size}.")
    if start_size > size:
        raise ValueError(f"start_size {start_size} is larger than the final size {size}; "
                         "start below the final size (e.g. a quarter of it).")
    if start_size == size:
        return [size]
    # The tolerance keeps an exact power of sqrt(2) (512 -> 1024) from gaining a stage.
    n = math.ceil(math.log(size / start_size) / math.log(SIZE_STEP) - 1e-9)
    return [round(start_size * (size / start_size) ** (i / n)) for i in range(n)] + [size]


def default_stage_steps(sizes: Sequence[int], first: int | None = None,
                        least: int = MIN_STAGE_STEPS) -> list[int]:
    """Steps per stage, the same compute in each: ``max(least, round(first * (s_0 / s_k)^2))``.

    A step costs in proportion to the pixels, ``s_k^2``, so these counts give every stage
    about the same compute, ``first * s_0^2``: with ``sqrt(2)`` stages the steps halve
    from one stage to the next. The colours and large strokes are settled at the small
    sizes, where a step is 16 times cheaper than at 4x the size, and each larger stage
    only has to add the fine detail the bicubic upsampling blurred. ``first`` defaults
    to the compute of :data:`FIRST_STAGE_STEPS` (16) steps at :data:`REFERENCE_SIZE`
    (256) px, whatever ``s_0``: 16 steps from 256, 4 from 512, and at most
    :data:`MAX_FIRST_STAGE_STEPS` (32) from 181 or less. So the small stages cost about
    the same seconds whatever the final size, and an ever smaller share of it: e.g.
    ``[32, 16, 8, 4, 2]`` for ``[128, 181, 256, 362, 512]``, ``[16, 8, 4, 2, 2]`` for
    256 to 1024, ``[4, 2, 2, 2, 2]`` for 512 to 2048. Measured against single-scale
    runs (docs/benchmarks.md, random weights): the loss of 50 steps at 512 px, 20 at
    1024 and 12 at 2048 is reached in well under half their time. ``least`` keeps the
    last stages from getting no step.

    Args:
        sizes: the schedule's longest sides (:func:`size_schedule`), increasing.
        first: steps of the first stage (default: see above).
        least: fewest steps of a stage.

    Returns:
        One positive step count per size, never increasing.
    """
    if first is None:  # the list's max() below keeps it at least ``least``
        first = min(MAX_FIRST_STAGE_STEPS,
                    round(FIRST_STAGE_STEPS * (REFERENCE_SIZE / sizes[0]) ** 2))
    return [max(int(least), round(first * (sizes[0] / s) ** 2)) for s in sizes]


def stage_shape(shape: tuple[int, int], longest: int) -> tuple[int, int]:
    """``(height, width)`` of an image of ``shape`` scaled so its longest side is ``longest``."""
    scale = longest / max(shape)
    return max(1, round(shape[0] * scale)), max(1, round(shape[1] * scale))


def resize_float(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Resize ``(1, H, W, C)`` float pixels to ``size = (height, width)``, kept in float.

    Bicubic with antialiasing (so a downscale averages rather than aliases), clipped to
    ``[0, 1]``; unlike :func:`~nst_utils.images.resize_image` nothing is rounded to
    8 bits between stages.
    """
    if tuple(image.shape[1:3]) == tuple(size):
        return np.asarray(image, np.float32)
    out = tf.image.resize(tf.convert_to_tensor(image, tf.float32), size, method="bicubic",
                          antialias=True)
    return np.clip(out.numpy(), 0.0, 1.0).astype(np.float32)


@dataclass
class MultiscaleResult(StylizeResult):
    """Outcome of :func:`stylize_multiscale`: a :class:`StylizeResult` over all stages.

    Attributes:
        sizes: the schedule of longest sides.
        stages: one :class:`StylizeResult` per size.
        step_sizes: the longest side at which each entry of ``losses`` was measured.
    """

    sizes: list[int] = field(default_factory=list)
    stages: list[StylizeResult] = field(default_factory=list)
    step_sizes: list[int] = field(default_factory=list)


def stylize_multiscale(
    content,
    style,
    *,
    start_size: int,
    size: int | None = None,
    steps: int | Sequence[int] | None = None,
    init: str | np.ndarray = "content",
    mask=None,
    progress: bool = True,
    callback: Callable[[int, np.ndarray, float], None] | None = None,
    **stylize_kwargs,
) -> MultiscaleResult:
    """Coarse-to-fine :func:`~nst_utils.stylize.stylize` from ``start_size`` up to ``size``.

    Args:
        content: content image ``(1, H, W, 3)`` in ``[0, 1]``, ideally at least the final
            size (it is resized to every stage; the last stage is exactly ``size``).
        style: style image ``(1, H', W', 3)`` or a list of them, at least as detailed as
            the final stage needs; each stage resizes it as ``stylize`` does.
        start_size: longest side of the first stage (its shorter side must be >= 32).
        size: final longest side; ``None`` is the content's own.
        steps: optimiser steps per stage: one number for every stage, or one per stage
            of :func:`size_schedule`; ``None`` is :func:`default_stage_steps` (most of
            them at the small, cheap sizes).
        init: the first stage's start (``"content"``, ``"noise"`` or an image, resized);
            each later stage starts from the previous result, upsampled.
        mask: as for ``stylize``; resized to each stage.
        progress: one progress bar over every step of every stage.
        callback: ``callback(step, image, loss)`` after each step, ``step`` counted over
            the whole schedule and ``image`` at the current stage's size.
        **stylize_kwargs: passed to every stage's ``stylize`` call (``vgg``, ``optimizer``,
            ``style_weights``, ``style_scale``, ``preserve_colors``, ``costs``, ...); the
            feature extractor is built once here and given to every stage.

    Returns:
        A :class:`MultiscaleResult`; ``image`` is the last stage's, of the final size.

    Raises:
        ValueError: for a ``start_size`` above the final size or too small for VGG19,
            steps that do not fit the schedule, and whatever ``stylize`` refuses.
    """
    started = time.perf_counter()
    content = _check_image(content, "content")
    final = max(content.shape[1:3]) if size is None else int(size)
    sizes = size_schedule(final, start_size)
    final_shape = stage_shape(content.shape[1:3], final)
    first_shape = stage_shape(final_shape, sizes[0])
    if min(first_shape) < 32:
        raise ValueError(
            f"start_size {start_size} makes the content {first_shape[1]}x{first_shape[0]}, below "
            f"VGG19's 32x32; start at {math.ceil(32 * max(final_shape) / min(final_shape))} "
            "or more.")
    if steps is None:
        per_stage = default_stage_steps(sizes)
    elif isinstance(steps, (int, np.integer)):
        per_stage = [int(steps)] * len(sizes)
    else:
        per_stage = list(steps)
    if len(per_stage) != len(sizes) or min(per_stage) < 1:
        raise ValueError(f"steps must be one positive number or one per stage of {sizes}, "
                         f"got {steps}.")
    extractor = stylize_kwargs.pop("extractor", None)
    if extractor is None:
        vgg = stylize_kwargs.get("vgg")
        vgg = load_vgg19("imagenet") if vgg is None else vgg
        stylize_kwargs["vgg"] = vgg
        layers = [stylize_kwargs.get("content_layer", CONTENT_LAYER)]
        layers += [name for name, _ in stylize_kwargs.get("style_layers", STYLE_LAYERS)]
        extractor = build_feature_extractor(vgg, layers)
    result = MultiscaleResult(image=content, sizes=sizes)
    bar = tqdm(total=sum(per_stage), disable=not progress, unit="step")
    image = init
    try:
        for longest, n_steps in zip(sizes, per_stage, strict=True):
            shape = final_shape if longest == final else stage_shape(final_shape, longest)
            bar.set_description(f"coarse-to-fine {shape[1]}x{shape[0]}")
            if not isinstance(image, str):
                image = resize_float(_check_image(image, "init"), shape)

            def after_step(step, picture, loss, longest=longest):
                result.losses.append(loss)
                result.step_sizes.append(longest)
                bar.set_postfix(loss=f"{loss:.4g}", refresh=False)
                bar.update(1)
                if callback is not None:
                    callback(len(result.losses), picture, loss)

            stage = stylize(resize_float(content, shape), style, steps=n_steps, init=image,
                            mask=mask, progress=False, callback=after_step,
                            extractor=extractor, **stylize_kwargs)
            result.stages.append(stage)
            image = stage.image
    finally:
        bar.close()
    result.image = image
    result.weights_source = result.stages[-1].weights_source
    result.seconds = time.perf_counter() - started
    return result
