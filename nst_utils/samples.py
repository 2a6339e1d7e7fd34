"""Images that ship with the course: a content photograph and painted style images.

Nothing here needs the network. The content photograph is the portrait of Grace
Hopper that Matplotlib bundles (public domain, US Navy). The style images are painted
by the project's own code (:mod:`nst_utils.painters`), deterministically from a seed,
in a few seconds at most. Real paintings from Wikimedia Commons are available through
:func:`download_artwork` when there is a connection.

Example:
    >>> content = content_image(max_dim=256)            # (1, H, W, 3) float32 in [0, 1]
    >>> style = style_image("starry", size=content.shape[1:3])
"""

from __future__ import annotations

import functools
import importlib
import os
from pathlib import Path

import numpy as np

from .artwork import ARTWORKS, Artwork, ArtworkError, download_artwork
from .images import load_image

__all__ = [
    "ARTWORKS",
    "CONTENT_NAMES",
    "STYLE_DESCRIPTIONS",
    "STYLE_NAMES",
    "Artwork",
    "ArtworkError",
    "artwork_image",
    "content_image",
    "content_image_path",
    "download_artwork",
    "paint_style",
    "show_samples",
    "style_image",
]

#: Content photographs available offline: name -> file in Matplotlib's sample data.
_CONTENT_FILES = {"grace_hopper": "grace_hopper.jpg"}
CONTENT_NAMES: tuple[str, ...] = tuple(_CONTENT_FILES)

#: Painted styles: name -> one-line description (used as gallery captions).
STYLE_DESCRIPTIONS: dict[str, str] = {
    "waves": "ukiyo-e breaking waves, after Hokusai",
    "mosaic": "stained-glass rose window",
    "brush_strokes": "impressionist poppy field",
    "starry": "swirling night sky, after Van Gogh",
    "cubist": "analytic-cubist still life",
}
STYLE_NAMES: tuple[str, ...] = tuple(STYLE_DESCRIPTIONS)

#: Limits on painted sizes: below 16 px the motifs vanish; above 2048 px memory grows.
MIN_SIDE, MAX_SIDE = 16, 2048


def content_image_path(name: str = "grace_hopper") -> Path:
    """Path of a bundled content photograph.

    Args:
        name: one of :data:`CONTENT_NAMES`.

    Returns:
        Path of the JPEG file inside Matplotlib's ``mpl-data/sample_data``.

    Raises:
        ValueError: unknown ``name``.
        FileNotFoundError: Matplotlib was installed without its sample data.
    """
    if name not in _CONTENT_FILES:
        raise ValueError(
            f"unknown content image {name!r}; choose one of: {', '.join(CONTENT_NAMES)}."
        )
    import matplotlib

    path = Path(matplotlib.get_data_path()) / "sample_data" / _CONTENT_FILES[name]
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} is missing (Matplotlib installed without sample data); reinstall "
            "matplotlib with pip."
        )
    return path


def content_image(name: str = "grace_hopper", max_dim: int | None = 512) -> np.ndarray:
    """Load a bundled content photograph.

    Args:
        name: one of :data:`CONTENT_NAMES`.
        max_dim: longest side after loading (``None`` keeps the original 512x600).

    Returns:
        float32 array ``(1, H, W, 3)`` in ``[0, 1]``.
    """
    return load_image(content_image_path(name), max_dim=max_dim)


def _check_side(value, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{what} must be an integer number of pixels, got {value!r}.")
    if not MIN_SIDE <= value <= MAX_SIDE:
        raise ValueError(
            f"{what} must lie between {MIN_SIDE} and {MAX_SIDE} pixels, got {value}; "
            "paint at a size in range and resize the result if needed."
        )
    return int(value)


@functools.lru_cache(maxsize=16)
def _painted(name: str, height: int, width: int, seed: int) -> np.ndarray:
    painter = importlib.import_module(f"{__package__}.painters.{name}")
    image = painter.paint(np.random.default_rng(seed), height, width)
    image.flags.writeable = False  # cached: callers get copies
    return image


def paint_style(name: str, height: int, width: int, seed: int = 0) -> np.ndarray:
    """Paint one of the built-in style images.

    The result depends only on ``(name, height, width, seed)``; repeated calls are
    served from a small in-memory cache.

    Args:
        name: one of :data:`STYLE_NAMES`.
        height: image height in pixels, 16 to 2048.
        width: image width in pixels, 16 to 2048.
        seed: non-negative seed for ``numpy.random.default_rng``.

    Returns:
        uint8 array ``(height, width, 3)``.

    Raises:
        ValueError: unknown ``name``, size out of range or a bad seed.
    """
    if name not in STYLE_DESCRIPTIONS:
        raise ValueError(f"unknown style {name!r}; choose one of: {', '.join(STYLE_NAMES)}.")
    height, width = _check_side(height, "height"), _check_side(width, "width")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}.")
    return _painted(name, height, width, int(seed)).copy()


def style_image(
    name: str,
    size: tuple[int, int] | None = None,
    max_dim: int = 512,
    seed: int = 0,
) -> np.ndarray:
    """A built-in style image, ready for style transfer.

    Args:
        name: one of :data:`STYLE_NAMES`.
        size: ``(height, width)`` to paint at, typically ``content.shape[1:3]``;
            when ``None``, a square of side ``max_dim``.
        max_dim: side of the square when ``size`` is ``None``.
        seed: non-negative seed.

    Returns:
        float32 array ``(1, H, W, 3)`` in ``[0, 1]``.

    Raises:
        ValueError: unknown ``name`` or a bad size.
    """
    if size is None:
        height = width = max_dim
    else:
        try:
            height, width = size
        except (TypeError, ValueError):
            raise ValueError(
                f"size must be a pair (height, width), got {size!r}; e.g. content.shape[1:3]."
            ) from None
    pixels = paint_style(name, height, width, seed)
    return (pixels.astype(np.float32) / 255.0)[None]


def artwork_image(
    name: str,
    max_dim: int | None = 512,
    cache_dir: str | os.PathLike | None = None,
    **download_options,
) -> np.ndarray:
    """Download (once) and load a painting from :data:`ARTWORKS`.

    Args:
        name: a key of :data:`ARTWORKS`, e.g. ``"great_wave"``.
        max_dim: longest side after loading, or ``None`` for the downloaded size.
        cache_dir: where to cache the file (see :func:`download_artwork`).
        **download_options: ``base_url`` or ``url``, passed to :func:`download_artwork`.

    Returns:
        float32 array ``(1, H, W, 3)`` in ``[0, 1]``.
    """
    return load_image(download_artwork(name, cache_dir, **download_options), max_dim=max_dim)


def show_samples(size: int = 192, seed: int = 0, with_content: bool = True):
    """Gallery of the bundled images: the content photograph and every painted style.

    Args:
        size: side of each painted thumbnail in pixels.
        seed: seed for the paintings.
        with_content: include the content photograph as the first panel.

    Returns:
        The Matplotlib figure.
    """
    import matplotlib.pyplot as plt

    panels = [
        (paint_style(n, size, size, seed), f"{n}\n{STYLE_DESCRIPTIONS[n]}")
        for n in STYLE_NAMES
    ]
    if with_content:
        panels.insert(0, (content_image(max_dim=size)[0], "content: grace_hopper"))
    fig, axes = plt.subplots(1, len(panels), figsize=(2.6 * len(panels), 3.0), squeeze=False)
    for ax, (image, title) in zip(axes[0], panels, strict=True):
        ax.imshow(image)
        ax.set_title(title, fontsize=9)
        ax.axis("off")
    fig.tight_layout()
    return fig
