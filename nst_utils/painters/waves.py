"""Rows of breaking waves in the manner of a ukiyo-e woodblock print (Hokusai, c. 1831).

Each row is a trochoidal (Gerstner) wave: pointed crests, broad troughs. Rows are
printed from the horizon forwards, each with carved hatching parallel to its surface,
a scalloped foam edge, claw-like curls of foam on the crests and flying spray.
"""

from __future__ import annotations

import numpy as np

from .. import textures as tx
from . import Canvas, painter

PAPER, INK, FOAM, MOUNTAIN, CLOUD, DUSK = tx.hex_palette(
    ["#efe2c4", "#13203a", "#f7f2e4", "#3f5675", "#b9a98a", "#8a8f9a"]
)
WATER = tx.hex_palette(["#7fa7c9", "#3f6fa3", "#24528a", "#163a6e", "#0e2550"])


def _surface(rng, width, base, amp, wavelength, lean):
    """Water surface of one row of waves.

    Returns:
        ``(top, crest, tips)``: the surface row ``top`` per column ``(W,)`` (smaller is
        higher), ``crest`` in ``[0, 1]`` per column (1 on a crest) and ``tips`` ``(n, 2)``
        crest-tip positions ``(x, y)``.
    """
    k = 2 * np.pi / wavelength
    s = np.arange(-2 * wavelength, width + 2 * wavelength, 0.5)
    phase = rng.uniform(0, 2 * np.pi)
    radius = rng.uniform(0.6, 0.8) / k  # radius * k -> 1 sharpens the crests into cusps
    theta = k * s + phase
    swell = amp * (0.7 + 0.6 * np.abs(np.sin(theta / 4.6 + rng.uniform(0, 6))))
    x = s - radius * np.sin(theta) + 0.8 * lean * radius * (1 + np.cos(theta))
    y = base - swell * (1 + np.cos(theta))
    x = np.maximum.accumulate(x)  # np.interp needs increasing abscissae
    cols = np.arange(width, dtype=np.float64)
    top = np.interp(cols, x, y)
    crest = np.interp(cols, x, (1 + np.cos(theta)) / 2)
    turns = np.arange(np.ceil(theta[0] / (2 * np.pi)), np.floor(theta[-1] / (2 * np.pi)) + 1)
    tips_x = (turns * 2 * np.pi - phase) / k + 1.6 * lean * radius
    tips = np.stack([tips_x, np.interp(tips_x, x, y)], axis=1)
    tips = tips[(tips[:, 0] > -20) & (tips[:, 0] < width + 20)]
    return top.astype(np.float32), crest.astype(np.float32), tips


def _disk(img, cx, cy, r, fill, ring, ring_width):
    """Stamp an anti-aliased disk with an outline, touching only its bounding box."""
    h, w = img.shape[:2]
    x0, x1 = int(max(0, cx - r - 2)), int(min(w, cx + r + 3))
    y0, y1 = int(max(0, cy - r - 2)), int(min(h, cy + r + 3))
    if x0 >= x1 or y0 >= y1:
        return
    yy, xx = np.mgrid[y0:y1, x0:x1]
    d = np.hypot(xx - cx, yy - cy)
    patch = tx.mix(img[y0:y1, x0:x1], fill, np.clip(r - d + 0.5, 0, 1))
    img[y0:y1, x0:x1] = tx.mix(patch, ring, np.clip(ring_width - np.abs(d - r) + 0.5, 0, 1))


def _backdrop(rng, xs, ys, scale):
    """Paper, a graded dusk band, soft clouds and a snow-capped mountain."""
    height, width = ys.shape
    dusk = np.clip(1 - ys / (0.35 * height), 0, 1) ** 1.5
    img = tx.mix(np.broadcast_to(PAPER, (height, width, 3)), DUSK, 0.45 * dusk)
    img = img * (0.96 + 0.08 * tx.fractal_noise(rng, (height, width), 6, 5))[..., None]
    for _ in range(4):
        cy, cx = height * rng.uniform(0.05, 0.3), width * rng.uniform(0, 1)
        rx, ry = width * rng.uniform(0.15, 0.35), height * rng.uniform(0.015, 0.03)
        cloud = np.clip(1 - ((xs - cx) / rx) ** 2 - ((ys - cy) / ry) ** 2, 0, 1) ** 0.3
        img = tx.mix(img, CLOUD, 0.25 * cloud)
    mx, peak, foot = width * rng.uniform(0.55, 0.75), 0.2 * height, 0.45 * height
    slope = np.abs(xs - mx) / (0.22 * width)
    mountain = ys > peak + (foot - peak) * slope
    snow = ys < peak + 0.35 * (foot - peak) + 4 * scale * np.sin(xs / (6 * scale))
    img[mountain] = MOUNTAIN
    img[mountain & snow] = FOAM
    return img


@painter(grain=0.03)
def paint(rng: np.random.Generator, canvas: Canvas) -> np.ndarray:
    """Print the waves."""
    height, width, scale = canvas.height, canvas.width, canvas.scale
    ys, xs = canvas.grid
    img = _backdrop(rng, xs, ys, scale)
    rows = 8
    for i in range(rows):
        f = i / (rows - 1)  # 0 at the horizon, 1 in front
        amp = height * (0.025 + 0.07 * f)
        wavelength = width * (0.2 + 0.35 * f) * rng.uniform(0.85, 1.15)
        top, crest, tips = _surface(rng, width, height * (0.44 + 0.62 * f), amp, wavelength,
                                    lean=0.25 + 0.25 * f)
        d = ys - top[None, :]  # depth below the surface, in pixels
        depth = np.clip(d / (1.4 * amp + 1), 0, 1)
        body = tx.ramp(depth, WATER)
        # Carved hatching parallel to the surface, fading with depth.
        period = (4 + 3 * f) * scale
        hatch = np.sin(2 * np.pi * d / period + 0.6 * np.sin(xs / (23 * scale)))
        hatch = np.clip(3 * (hatch - 0.55), 0, 1) * np.clip(1 - 1.3 * depth, 0, 1)
        body = tx.mix(body, FOAM, 0.45 * hatch)
        scallop = 0.55 + 0.45 * np.abs(np.sin(xs / ((5 + 2 * f) * scale)))
        foam_width = (2 + 16 * crest[None, :] ** 3 * (0.5 + f)) * scale * scallop
        body = tx.mix(body, FOAM, np.clip(foam_width - d + 0.5, 0, 1))
        img = tx.mix(img, body, np.clip(d + 0.5, 0, 1))
        img = tx.mix(img, INK, np.clip(1.2 * scale - np.abs(d) + 0.5, 0, 1))
        for tip_x, tip_y in tips:
            # Claws: a hook of shrinking foam balls curling forwards over the tip.
            r = (4 + 9 * f) * scale * rng.uniform(0.8, 1.2)
            for j in range(5):
                a = -np.pi / 2 + 0.55 * j
                cx = tip_x + 0.81 * r * j * np.cos(a)
                cy = tip_y + r * (0.3 + 0.54 * j * np.sin(a))
                _disk(img, cx, cy, r * (1 - 0.15 * j), FOAM, INK, 0.8 * scale)
            n = int(15 * (1 + f) * width / 512)
            spray_x = tip_x + rng.normal(0, 14 * scale * (1 + f), n)
            spray_y = tip_y - np.abs(rng.normal(0, 16 * scale * (1 + f), n))
            for cx, cy, rr in zip(spray_x, spray_y, rng.uniform(0.8, 2.4, n) * scale, strict=True):
                _disk(img, cx, cy, rr, FOAM, FOAM, 0.1)
    return img
