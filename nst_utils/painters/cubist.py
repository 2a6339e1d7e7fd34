"""A still life broken into planes, in the manner of analytic cubism (Braque, Picasso).

Straight cuts and a few circles (a sound hole, the mouth of a glass) split the canvas
into facets. Every facet takes an earthy colour, darkens towards the edges of its
cuts, and carries hatched or stippled brushwork; dark contours follow parts of the
cuts.
"""

from __future__ import annotations

import numpy as np

from .. import textures as tx
from . import Canvas, painter

PALETTE = tx.hex_palette(["#2f2b26", "#5a4b3a", "#8c7352", "#b89a6a", "#dccaa0", "#efe4c8",
                          "#4d6670", "#7f9a98", "#2c4257", "#a4532d", "#c98f3e"])
#: How often each palette entry is chosen: mostly ochres and greys, rare warm accents.
WEIGHTS = np.array([3, 4, 4, 4, 3, 2, 2, 2, 1.5, 0.7, 0.7])
CUTS = 13


@painter(grain=0.035)
def paint(rng: np.random.Generator, canvas: Canvas) -> np.ndarray:
    """Paint the still life."""
    height, width, shape, scale = canvas.height, canvas.width, canvas.shape, canvas.scale
    ys, xs = canvas.grid
    px = rng.uniform(0.15, 0.85, CUTS) * width
    py = rng.uniform(0.15, 0.85, CUTS) * height
    # Mostly verticals, horizontals and diagonals, as in the scaffolding of a Braque.
    theta = rng.choice([0.0, np.pi / 2, np.pi / 4, -np.pi / 4, np.pi / 3], CUTS)
    theta = (theta + rng.normal(0, 0.12, CUTS)).astype(np.float32)
    px, py = px.astype(np.float32), py.astype(np.float32)
    normal_x, normal_y = -np.sin(theta), np.cos(theta)
    signed = (xs - px[:, None, None]) * normal_x[:, None, None]
    signed += (ys - py[:, None, None]) * normal_y[:, None, None]  # (CUTS, H, W)
    circles = [
        (rng.uniform(0.25, 0.75) * width, rng.uniform(0.25, 0.75) * height,
         rng.uniform(0.06, 0.16) * max(shape), rng.uniform(0.5, 1.5))
        for _ in range(3)
    ]
    ring_d = np.stack([np.hypot((xs - cx) / squash, ys - cy) - r for cx, cy, r, squash in circles])

    # A facet is the set of pixels on the same side of every cut and every circle.
    sides = np.concatenate([signed > 0, ring_d < 0])
    code = np.tensordot(2 ** np.arange(len(sides), dtype=np.int64), sides, axes=1)
    _, facet = np.unique(code, return_inverse=True)
    facet = facet.reshape(shape)
    n_facets = int(facet.max()) + 1
    color = PALETTE[rng.choice(len(PALETTE), n_facets, p=WEIGHTS / WEIGHTS.sum())][facet]

    # Passage: each cut casts a soft shadow on one side, so planes seem to tilt.
    shadow_side = rng.choice(np.float32([-1.0, 1.0]), CUTS)[:, None, None]
    s = shadow_side * signed
    shade = np.clip(np.where(s > 0, np.exp(-s / (28 * scale)), 0).sum(axis=0), 0, 1.2)
    light = rng.uniform(-0.12, 0.12, n_facets).astype(np.float32)[facet]
    color = color * (1 - 0.45 * shade + light)[..., None]

    # Brushwork: hatching in a per-facet direction, in patches; a few stippled facets.
    phi = rng.uniform(0, np.pi, n_facets).astype(np.float32)[facet]
    wobble = tx.fractal_noise(rng, shape, cells=16, octaves=3)
    hatch = np.sin((xs * np.cos(phi) + ys * np.sin(phi)) / (2.2 * scale) + 6 * wobble)
    patches = np.clip(5 * (tx.fractal_noise(rng, shape, cells=24, octaves=3) - 0.5), 0, 1)
    color = color * (1 + 0.1 * hatch * patches)[..., None]
    stippled = (rng.random(n_facets) < 0.15)[facet]
    dots = stippled & (np.sin(xs / (2.2 * scale)) * np.sin(ys / (2.2 * scale)) > 0.6)
    color[dots] = 0.55 * color[dots] + 0.45 * PALETTE[5]
    color = color * (0.9 + 0.2 * tx.fractal_noise(rng, shape, cells=8, octaves=5))[..., None]

    # Contours along a stretch of each cut and round every circle.
    ink = np.zeros(shape, np.float32)
    for k in range(CUTS):
        along = (xs - px[k]) * np.cos(theta[k]) + (ys - py[k]) * np.sin(theta[k])
        lo, hi = (float(t) * max(shape) for t in np.sort(rng.uniform(-0.6, 0.6, 2)))
        stretch = np.clip(np.minimum(along - lo, hi - along) / (20 * scale), 0, 1)
        ink = np.maximum(ink, stretch * np.clip(1.6 * scale - np.abs(signed[k]) + 0.5, 0, 1))
    ink = np.maximum(ink, np.clip(1.8 * scale - np.abs(ring_d) + 0.5, 0, 1).max(axis=0))
    color = color * (1 - 0.85 * ink[..., None])
    return np.clip(color, 0, 1)
