"""An impressionist poppy field painted with thousands of bristly, translucent strokes.

A hidden reference scene (sky, tree line, field with clusters of poppies) supplies
the colours; a flow field supplies the directions. Strokes are laid in three passes,
broad to fine, as a painter blocks in and then refines. Each stroke is a polyline
traced along the flow and drawn as a few parallel bristle lines of slightly different
shade, with ragged ends.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from .. import textures as tx
from . import Canvas, painter

SKY = tx.hex_palette(["#f6d8c4", "#e9c6d8", "#b7c9ec", "#7fa6dc", "#5a86c8"])
TREES = tx.hex_palette(["#27402e", "#3d5e3a", "#5f7d45", "#8e9a5a", "#6a6fa0"])
FIELD = tx.hex_palette(["#6f9a45", "#9fbf5a", "#d1c96a", "#4f8a45", "#2f6b3a"])
ACCENTS = tx.hex_palette(["#8a6fc4", "#f2a65a", "#fbe7a1", "#4f7fc0"])
POPPY, GROUND = tx.hex_palette(["#d8432e", "#ece0c8"])
#: Passes as (brush width, stroke length, polyline points, strokes per 512x512).
PASSES = ((13, 28, 8, 900), (7, 16, 6, 2600), (3.5, 9, 4, 4500))
BRISTLES = 4


def _scene(rng, canvas):
    """Reference colours ``(H, W, 3)`` and stroke directions ``(H, W)`` in radians."""
    height, width, shape = canvas.height, canvas.width, canvas.shape
    ys, xs = canvas.grid
    v, u = ys / height, xs / width
    horizon = 0.42 + 0.03 * np.sin(2 * np.pi * (1.3 * u + rng.uniform()))
    clouds = tx.fractal_noise(rng, shape, cells=3, octaves=5)
    sky = tx.ramp(np.clip(0.6 * (1 - v / 0.45) + 0.5 * clouds - 0.1, 0, 1), SKY)
    tree_top = horizon - 0.08 - 0.1 * tx.fractal_noise(rng, (1, width), cells=6, octaves=3)[0]
    trees = tx.ramp(tx.fractal_noise(rng, shape, cells=10, octaves=4), TREES)
    lay = tx.fractal_noise(rng, shape, cells=5, octaves=4)
    field = tx.ramp(np.clip(0.8 * lay + 0.25 * (v - horizon), 0, 1), FIELD)
    # Poppies cluster where a mid-frequency noise peaks, thinning towards the horizon.
    bloom = np.clip(6 * (tx.fractal_noise(rng, shape, cells=14, octaves=3) - 0.62), 0, 1)
    field = tx.mix(field, POPPY, bloom * np.clip(5 * (v - horizon - 0.08), 0, 1))
    scene = np.where((v < tree_top)[..., None], sky, trees)
    scene = np.where((v > horizon)[..., None], field, scene)
    curl = tx.fractal_noise(rng, shape, cells=12, octaves=2)
    angle = np.where(v < tree_top, (clouds - 0.5), 4 * np.pi * curl)  # level sky, tufty leaves
    angle = np.where(v > horizon, -0.4 + 2.8 * (lay - 0.5), angle)  # grass sways in the wind
    angle = angle + 1.2 * (tx.fractal_noise(rng, shape, cells=4, octaves=3) - 0.5)
    return scene, angle.astype(np.float32)


def _trace(angle, starts, n_points, step):
    """Follow the flow from ``starts`` ``(n, 2)``; returns polylines ``(n, n_points, 2)``."""
    height, width = angle.shape
    points = np.empty((len(starts), n_points, 2), np.float32)
    p = starts.astype(np.float32)
    for k in range(n_points):
        points[:, k] = p
        a = angle[np.clip(p[:, 1], 0, height - 1).astype(np.intp),
                  np.clip(p[:, 0], 0, width - 1).astype(np.intp)]
        p = p + step * np.stack([np.cos(a), np.sin(a)], axis=1)
    return points


@painter()
def paint(rng: np.random.Generator, canvas: Canvas) -> np.ndarray:
    """Paint the field."""
    height, width, scale = canvas.height, canvas.width, canvas.scale
    scene, angle = _scene(rng, canvas)
    # A thin, blurred underpainting, so gaps between strokes show toned canvas.
    ground = 0.7 * tx.blur(scene, 8 * scale) + 0.3 * GROUND
    sheet = Image.fromarray(np.round(ground * 255).astype(np.uint8)).convert("RGBA")
    draw = ImageDraw.Draw(sheet, "RGBA")  # "RGBA" mode alpha-blends each stroke
    for brush, length, n_points, per_512 in PASSES:
        brush *= scale
        count = max(1, int(per_512 * height * width / 512**2))
        starts = rng.uniform([0, 0], [width, height], size=(count, 2))
        lines = _trace(angle, starts, n_points, length * scale / n_points)
        iy, ix = starts[:, 1].astype(np.intp), starts[:, 0].astype(np.intp)
        base = scene[iy, ix] * rng.uniform(0.88, 1.1, (count, 1))
        base += rng.normal(0, 0.035, (count, 3))
        # Broken colour: a few strokes are pulled towards a complementary accent.
        accent = rng.random(count) < 0.06
        base[accent] = 0.5 * base[accent] + 0.5 * ACCENTS[rng.integers(0, 4, accent.sum())]
        normal = np.stack([-np.sin(angle[iy, ix]), np.cos(angle[iy, ix])], axis=-1)
        offsets = rng.uniform(-0.45, 0.45, (count, BRISTLES, 1)) * brush * normal[:, None]
        shades = rng.uniform(0.9, 1.1, (count, BRISTLES, 1)) * base[:, None]
        colors = np.clip(np.round(shades * 255), 0, 255).astype(int).tolist()
        alpha = rng.integers(150, 230, count).tolist()
        cuts = rng.integers(0, 2, (count, BRISTLES, 2))
        width_px = max(1, round(1.4 * brush / BRISTLES))
        for i in range(count):
            for j in range(BRISTLES):
                bristle = lines[i, cuts[i, j, 0] : n_points - cuts[i, j, 1]] + offsets[i, j]
                draw.line(bristle.ravel().tolist(), fill=(*colors[i][j], alpha[i]),
                          width=width_px, joint="curve")
    return np.asarray(sheet.convert("RGB"), np.float32) / 255.0
