"""Procedural painters for the course's built-in style images, and what they share.

Each painter module (``waves``, ``mosaic``, ``brush_strokes``, ``starry``, ``cubist``)
writes its picture as ``paint(rng, canvas)``, returning a float image ``(H, W, 3)`` in
about ``[0, 1]``, and decorates it with :func:`painter`. The decorator turns it into the
module's public ``paint(rng, height, width) -> np.ndarray`` (uint8, ``(H, W, 3)``): it
builds the :class:`Canvas`, calls the painter, then lays canvas grain and a vignette
over the result with :func:`nst_utils.textures.finish`, which draws from ``rng`` last.

Sizes are relative to the longer side, so a 256-pixel painting looks like a 512-pixel
one scaled down: the style statistics stay comparable across resolutions. Use
:func:`nst_utils.samples.paint_style` rather than calling the painters directly; it
checks arguments and seeds the generator.

Example:
    >>> @painter(grain=0.03)
    ... def paint(rng, canvas):
    ...     \"\"\"Paint a grey field.\"\"\"
    ...     return np.full((*canvas.shape, 3), 0.5, np.float32)
    >>> paint(np.random.default_rng(0), 16, 24).shape
    (16, 24, 3)
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .. import textures as tx

_PAINT_DOC = """{summary}

Args:
    rng: random generator (the only source of randomness).
    height: image height in pixels.
    width: image width in pixels.

Returns:
    uint8 array ``(height, width, 3)``.
"""


@dataclass(frozen=True)
class Canvas:
    """Size of a painting and the quantities derived from it.

    Sizes inside a painting are relative to the longer side, so a 256-pixel painting
    looks like a 512-pixel one scaled down: a length of ``n`` pixels at 512 is drawn
    as ``n * canvas.scale``.
    """

    height: int
    width: int

    @property
    def shape(self) -> tuple[int, int]:
        """``(height, width)``."""
        return (self.height, self.width)

    @property
    def side(self) -> int:
        """The longer side in pixels."""
        return max(self.height, self.width)

    @property
    def scale(self) -> float:
        """Pixels per pixel of a 512-pixel painting: ``side / 512``."""
        return self.side / 512

    @functools.cached_property
    def grid(self) -> tuple[np.ndarray, np.ndarray]:
        """Pixel coordinates ``(ys, xs)``, float32 arrays of :attr:`shape`."""
        ys, xs = np.mgrid[0 : self.height, 0 : self.width].astype(np.float32)
        return ys, xs


Painting = Callable[[np.random.Generator, Canvas], np.ndarray]


def painter(grain: float = 0.04) -> Callable[[Painting], Callable[..., np.ndarray]]:
    """Decorator making ``paint(rng, canvas)`` the public ``paint(rng, height, width)``.

    Args:
        grain: strength of the canvas grain passed to :func:`nst_utils.textures.finish`.

    Returns:
        A decorator; the function it returns keeps the painter's name and the first
        line of its docstring, and keeps the painter itself as ``.draw``.
    """

    def decorate(draw: Painting) -> Callable[..., np.ndarray]:
        def paint(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
            return tx.finish(draw(rng, Canvas(height, width)), rng, grain=grain)

        summary = (draw.__doc__ or "Paint the picture.").strip().splitlines()[0]
        paint.__doc__ = _PAINT_DOC.format(summary=summary)
        paint.__module__, paint.__name__ = draw.__module__, draw.__name__
        paint.__qualname__ = draw.__qualname__
        paint.draw = draw  # type: ignore[attr-defined]
        return paint

    return decorate
