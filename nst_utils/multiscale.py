"""Coarse-to-fine Neural Style Transfer: optimise small, upsample, continue larger.

A step of pixel optimisation at 2048 px costs 16 times one at 512 px, and most of what
style transfer changes (the layout of colours and large strokes) is settled long before
the finest scale matters. :func:`stylize_multiscale` therefore runs
:func:`~nst_utils.stylize.stylize` at a schedule of sizes growing by at most ``sqrt(2)``
(:func:`size_schedule`), starting each stage from the previous result upsampled
(bicubic); the content, the style image(s) and the mask are brought to each stage's
size, so the style's brush marks keep their size relative to the picture.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import tensorflow as tf
from tqdm.auto import tqdm

from .stylize import StylizeResult, _check_image, stylize

#: Largest ratio between two consecutive sizes of the schedule.
SIZE_STEP = math.sqrt(2.0)


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
    steps: int | Sequence[int] = 100,
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
            of :func:`size_schedule` (e.g. many cheap ones at the start).
        init: the first stage's start (``"content"``, ``"noise"`` or an image, resized);
            each later stage starts from the previous result, upsampled.
        mask: as for ``stylize``; resized to each stage.
        progress: one progress bar over every step of every stage.
        callback: ``callback(step, image, loss)`` after each step, ``step`` counted over
            the whole schedule and ``image`` at the current stage's size.
        **stylize_kwargs: passed to every stage's ``stylize`` call (``vgg``, ``optimizer``,
            ``style_weights``, ``style_scale``, ``preserve_colors``, ``costs``, ...).

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
    per_stage = [int(steps)] * len(sizes) if isinstance(steps, (int, np.integer)) else list(steps)
    if len(per_stage) != len(sizes) or min(per_stage) < 1:
        raise ValueError(f"steps must be one positive number or one per stage of {sizes}, "
                         f"got {steps}.")
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
                            mask=mask, progress=False, callback=after_step, **stylize_kwargs)
            result.stages.append(stage)
            image = stage.image
    finally:
        bar.close()
    result.image = image
    result.weights_source = result.stages[-1].weights_source
    result.seconds = time.perf_counter() - started
    return result
