"""Figures written during training: a labelled sample grid and the loss curves."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

# Figure objects, not pyplot: no global backend switch (notebooks keep theirs), no window.
from matplotlib.figure import Figure

from cyclegan.data import to_uint8


def translate_pair(model, real_a: np.ndarray, real_b: np.ndarray) -> dict[str, np.ndarray]:
    """Run the generators of ``model`` on one image of each domain.

    Args:
        model: a ``CycleGAN`` (anything with ``g_AB`` and ``g_BA``).
        real_a: image of domain A, shape ``(H, W, 3)`` in [-1, 1].
        real_b: image of domain B, shape ``(H, W, 3)`` in [-1, 1].

    Returns:
        Dict of ``(H, W, 3)`` float32 arrays: ``real_A, fake_B, reconstr_A, real_B,
        fake_A, reconstr_B, id_A`` (``g_BA(a)``) and ``id_B`` (``g_AB(b)``).
    """
    both = np.stack([real_a, real_b]).astype(np.float32)
    # One call per generator on [a; b]: the translation of one is the identity of the other.
    ab = np.asarray(model.g_AB(both, training=False), dtype=np.float32)
    ba = np.asarray(model.g_BA(both, training=False), dtype=np.float32)
    fake_b, id_b = ab[0], ab[1]
    id_a, fake_a = ba[0], ba[1]
    reconstr_a = np.asarray(model.g_BA(fake_b[None], training=False), dtype=np.float32)[0]
    reconstr_b = np.asarray(model.g_AB(fake_a[None], training=False), dtype=np.float32)[0]
    return {
        "real_A": both[0],
        "fake_B": fake_b,
        "reconstr_A": reconstr_a,
        "real_B": both[1],
        "fake_A": fake_a,
        "reconstr_B": reconstr_b,
        "id_A": id_a,
        "id_B": id_b,
    }


SAMPLE_LAYOUT = (
    ("A → B → A", (("real_A", "A"), ("fake_B", "g_AB(A)"), ("reconstr_A", "g_BA(g_AB(A))"))),
    ("B → A → B", (("real_B", "B"), ("fake_A", "g_BA(B)"), ("reconstr_B", "g_AB(g_BA(B))"))),
    ("identity", (("id_A", "g_BA(A) ≈ A"), ("id_B", "g_AB(B) ≈ B"), (None, ""))),
)


def save_sample_grid(images: Mapping[str, np.ndarray], path: str | os.PathLike, title: str) -> None:
    """Save a 3×3 grid: rows A→B→A, B→A→B and identity, each picture labelled.

    Args:
        images: output of :func:`translate_pair`.
        path: PNG file to write (replaced atomically).
        title: figure title, e.g. ``"epoch 7"``.
    """
    fig = Figure(figsize=(7.5, 8.0))
    axes = fig.subplots(3, 3)
    for row, (row_label, cells) in enumerate(SAMPLE_LAYOUT):
        for col, (key, label) in enumerate(cells):
            ax = axes[row, col]
            ax.set_xticks([])
            ax.set_yticks([])
            if key is None:
                ax.axis("off")
                continue
            ax.imshow(to_uint8(images[key]))
            ax.set_title(label, fontsize=9)
        axes[row, 0].set_ylabel(row_label, fontsize=10)
    fig.suptitle(title)
    fig.tight_layout()
    _save(fig, path)


def save_loss_curve(history: Sequence[Mapping[str, float]], path: str | os.PathLike) -> None:
    """Plot per-epoch mean losses: discriminators on the left, generator terms on the right.

    Args:
        history: one dict of mean losses per finished epoch (keys ``d_A, d_B, g_total,
            valid, reconstr, id``).
        path: PNG file to write (replaced atomically).
    """
    epochs = np.arange(1, len(history) + 1)
    fig = Figure(figsize=(10, 4))
    left, right = fig.subplots(1, 2)
    for ax, keys, title in (
        (left, ("d_A", "d_B"), "discriminators"),
        (right, ("g_total", "valid", "reconstr", "id"), "generators"),
    ):
        for key in keys:
            values = [h.get(key, np.nan) for h in history]
            ax.plot(epochs, values, marker="o", markersize=3, label=key)
        ax.set_title(title)
        ax.set_xlabel("epoch")
        ax.set_ylabel("mean loss")
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    _save(fig, path)


def _save(fig, path: str | os.PathLike) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.tmp-{os.getpid()}.png")
    fig.savefig(tmp, dpi=100)
    os.replace(tmp, path)
