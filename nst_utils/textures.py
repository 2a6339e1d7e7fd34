"""NumPy building blocks for the project's procedurally painted pictures.

One toolkit serves both painters: the sample style images (:mod:`nst_utils.painters`)
and the toy apples and oranges of CycleGAN (:mod:`cyclegan.toy`). Everything here
works on float32 arrays: scalar fields of shape ``(H, W)`` and colour images of shape
``(H, W, 3)`` with values in ``[0, 1]``. Randomness always comes from a
``numpy.random.Generator`` passed in by the caller, so a painting is a pure function
of its seed.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PIL import Image
from scipy import ndimage


def hex_palette(colors: Sequence[str]) -> np.ndarray:
    """Parse ``"#rrggbb"`` strings.

    Args:
        colors: K colour strings.

    Returns:
        float32 array ``(K, 3)`` in ``[0, 1]``.
    """
    rgb = [[int(c.lstrip("#")[i : i + 2], 16) for i in (0, 2, 4)] for c in colors]
    return np.asarray(rgb, dtype=np.float32) / 255.0


def upsample(grid: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Bicubic enlargement of a small float grid ``(h, w)`` to ``shape = (H, W)``."""
    # Pillow's "F" mode resize runs in C and is several times faster than ndimage.zoom.
    pil = Image.fromarray(np.ascontiguousarray(grid, dtype=np.float32), mode="F")
    return np.asarray(pil.resize((shape[1], shape[0]), Image.Resampling.BICUBIC))


def smooth_noise(rng: np.random.Generator, shape: tuple[int, ...], cells: int) -> np.ndarray:
    """Band-limited noise: one coarse random grid stretched over the whole field.

    Unlike :func:`fractal_noise` there is a single octave and no margin, so the grid's
    corners sit on the field's corners; the toy fruit scenes use it for wood grain,
    plaster and peel mottling.

    Args:
        rng: random generator.
        shape: output shape, ``(H, W)`` or ``(W,)``.
        cells: grid cells along each axis; more cells give finer detail.

    Returns:
        float32 array of ``shape``, roughly zero mean and unit spread.
    """
    height, width = (1, shape[0]) if len(shape) == 1 else shape
    grid = rng.standard_normal((1 if height == 1 else cells + 1, cells + 1)).astype(np.float32)
    return upsample(grid, (height, width)).reshape(shape) * 1.25


def fractal_noise(
    rng: np.random.Generator,
    shape: tuple[int, int],
    cells: int = 4,
    octaves: int = 5,
    persistence: float = 0.5,
) -> np.ndarray:
    """Fractal (fBm-like) value noise: smooth random octaves from coarse to fine.

    Args:
        rng: random generator.
        shape: output ``(H, W)``.
        cells: random values along the longer side in the coarsest octave.
        octaves: number of octaves; each doubles the frequency.
        persistence: amplitude ratio between successive octaves.

    Returns:
        float32 array ``(H, W)`` rescaled to ``[0, 1]``.
    """
    height, width = shape
    total = np.zeros(shape, dtype=np.float32)
    amplitude = 1.0
    for octave in range(octaves):
        spacing = max(shape) / (cells * 2**octave)  # pixels between random values
        # Two cells of margin on each side keep bicubic edge effects out of the picture.
        gh, gw = int(np.ceil(height / spacing)) + 4, int(np.ceil(width / spacing)) + 4
        grid = rng.standard_normal((gh, gw)).astype(np.float32)
        big = upsample(grid, (max(height, round(gh * spacing)), max(width, round(gw * spacing))))
        oy, ox = (big.shape[0] - height) // 2, (big.shape[1] - width) // 2
        total += amplitude * big[oy : oy + height, ox : ox + width]
        amplitude *= persistence
    return normalize(total)


def normalize(field: np.ndarray) -> np.ndarray:
    """Affinely rescale a field to ``[0, 1]`` (constant fields become 0.5)."""
    lo, hi = float(field.min()), float(field.max())
    if hi - lo < 1e-12:
        return np.full(field.shape, 0.5, dtype=np.float32)
    return ((field - lo) / (hi - lo)).astype(np.float32)


def ramp(t: np.ndarray, palette: np.ndarray, stops: Sequence[float] | None = None) -> np.ndarray:
    """Map a scalar field through a piecewise-linear colour ramp.

    Args:
        t: scalar field of any shape, values in ``[0, 1]``.
        palette: ``(K, 3)`` colours.
        stops: K increasing positions in ``[0, 1]``; evenly spaced when omitted.

    Returns:
        float32 array ``t.shape + (3,)``.
    """
    k = len(palette)
    xs = np.linspace(0.0, 1.0, k) if stops is None else np.asarray(stops, dtype=np.float64)
    channels = [np.interp(t, xs, palette[:, c]) for c in range(3)]
    return np.stack(channels, axis=-1).astype(np.float32)


def mix(image: np.ndarray, paint: np.ndarray, weight: np.ndarray | float) -> np.ndarray:
    """Lay ``paint`` over ``image`` with per-pixel opacity ``weight``.

    Args:
        image: ``(H, W, 3)`` colours.
        paint: one colour ``(3,)`` or an image ``(H, W, 3)``.
        weight: opacity, scalar or ``(H, W)`` in ``[0, 1]``.

    Returns:
        float32 array ``(H, W, 3)``.
    """
    weight = np.asarray(weight, dtype=np.float32)
    if weight.ndim == 2:
        weight = weight[..., None]
    return (image * (1.0 - weight) + weight * paint).astype(np.float32)


def blur(image: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian blur over the two spatial axes of ``(H, W)`` or ``(H, W, C)``."""
    sigmas = (sigma, sigma) + (0,) * (image.ndim - 2)
    return ndimage.gaussian_filter(image, sigmas, mode="reflect").astype(np.float32)


def flow_smear(image: np.ndarray, angle: np.ndarray, length: int, step: float = 1.0) -> np.ndarray:
    """Line integral convolution: average ``image`` along streamlines of a flow field.

    Smearing noise or colour this way produces the streaky look of brush work that
    follows the direction field ``angle``.

    Args:
        image: ``(H, W)`` or ``(H, W, C)`` float array.
        angle: ``(H, W)`` flow direction in radians (0 = towards +x).
        length: number of steps taken in each direction along the streamline.
        step: step size in pixels.

    Returns:
        float32 array with the shape of ``image``.
    """
    height, width = angle.shape
    dx = (np.cos(angle) * step).astype(np.float32)
    dy = (np.sin(angle) * step).astype(np.float32)
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    total = image.astype(np.float32).copy()
    weight = 1.0
    for sign in (1.0, -1.0):
        px, py = xs.copy(), ys.copy()
        for i in range(length):
            # Nearest-pixel sampling keeps each step to cheap integer indexing.
            ix = np.clip(px + 0.5, 0, width - 1).astype(np.intp)
            iy = np.clip(py + 0.5, 0, height - 1).astype(np.intp)
            px += sign * dx[iy, ix]
            py += sign * dy[iy, ix]
            ix = np.clip(px + 0.5, 0, width - 1).astype(np.intp)
            iy = np.clip(py + 0.5, 0, height - 1).astype(np.intp)
            # Tent weights: the stroke fades towards its ends, hiding the box-filter seam.
            w = 1.0 - (i + 1) / (length + 1)
            total += w * image[iy, ix]
            weight += w
    return (total / weight).astype(np.float32)


def canvas_grain(
    rng: np.random.Generator, shape: tuple[int, int], period: float = 3.0
) -> np.ndarray:
    """Woven-canvas relief around 0: a fine thread pattern plus slubs in the yarn.

    Returns:
        float32 array ``(H, W)`` with values roughly in ``[-1, 1]``.
    """
    height, width = shape
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    warp = 0.6 * fractal_noise(rng, shape, cells=24, octaves=2)
    weave = np.sin(2 * np.pi * xs / period + 3 * warp) * np.sin(2 * np.pi * ys / period)
    fibres = rng.standard_normal(shape).astype(np.float32)
    return (0.6 * weave + 0.4 * np.clip(fibres, -2.5, 2.5) / 2.5).astype(np.float32)


def finish(image: np.ndarray, rng: np.random.Generator, grain: float = 0.04) -> np.ndarray:
    """Add canvas grain and a slight vignette, then convert to ``uint8 (H, W, 3)``."""
    height, width = image.shape[:2]
    relief = canvas_grain(rng, (height, width))
    ys, xs = np.mgrid[-1 : 1 : height * 1j, -1 : 1 : width * 1j].astype(np.float32)
    vignette = 1.0 - 0.12 * (xs**2 + ys**2) ** 1.5
    out = image * vignette[..., None] + grain * relief[..., None]
    return np.round(np.clip(out, 0.0, 1.0) * 255.0).astype(np.uint8)
