"""Small Matplotlib helpers: images side by side and loss curves."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def show_images(images: Sequence, titles: Sequence[str] | None = None, size: float = 4.0):
    """Show images in one row.

    Args:
        images: arrays of shape ``(1, H, W, 3)`` or ``(H, W, 3)`` in ``[0, 1]``.
        titles: one caption per image.
        size: height of each panel in inches.

    Returns:
        The Matplotlib figure.
    """
    import matplotlib.pyplot as plt

    if titles is not None and len(titles) != len(images):
        raise ValueError(f"got {len(images)} images but {len(titles)} titles; pass one each.")
    fig, axes = plt.subplots(1, len(images), figsize=(size * len(images), size), squeeze=False)
    for i, (ax, image) in enumerate(zip(axes[0], images, strict=True)):
        image = np.asarray(image)
        ax.imshow(np.clip(image[0] if image.ndim == 4 else image, 0, 1))
        ax.set_axis_off()
        if titles is not None:
            ax.set_title(titles[i])
    fig.tight_layout()
    return fig


def plot_losses(losses: Sequence[float], title: str | None = None, log_scale: bool = True,
                xlabel: str = "step", ylabel: str = "total loss"):
    """Plot a loss curve (one value per optimisation step, or per epoch).

    Args:
        losses: the values, the first at x = 1.
        title: figure title.
        log_scale: logarithmic y axis (when every value is positive).
        xlabel: what one value stands for, e.g. ``"epoch"``.
        ylabel: what the values are.

    Returns:
        The Matplotlib figure.
    """
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.plot(np.arange(1, len(losses) + 1), losses)
    if log_scale and len(losses) and min(losses) > 0:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(True, alpha=0.3)
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig
