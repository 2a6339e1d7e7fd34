"""A swirling night sky in the manner of Van Gogh's *The Starry Night* (1889).

The sky is a flow field: a rolling drift plus vortices around the swirls, stars and
moon. Colour is smeared along that field (line integral convolution) and dashes of
impasto are laid on top, so the texture follows the swirls at every scale.
"""

from __future__ import annotations

import numpy as np

from .. import textures as tx
from . import Canvas, painter

SKY = tx.hex_palette(["#0a1436", "#14306e", "#2356a3", "#4a86c8", "#8fbde0", "#e4ead0"])
HILLS = tx.hex_palette(["#3b5b8c", "#24406b", "#1a2c4a", "#121c2e"])
CYPRESS = tx.hex_palette(["#0b0f0a", "#18210f", "#2c3518", "#4b4f22", "#7a6f2e"])
STAR, STAR_CORE, HALO = tx.hex_palette(["#f5cf36", "#fff6cc", "#cfe3f2"])
MOON, ROOF, WINDOW = tx.hex_palette(["#f5a623", "#1d2a36", "#f2c94c"])


def _spin(u, v, cx, cy, radius, strength):
    """Tangential (counter-clockwise) velocity of a vortex with Gaussian fall-off."""
    dx, dy = u - cx, v - cy
    r = np.sqrt(dx * dx + dy * dy) + 1e-6
    fall = np.exp(-((r / radius) ** 2))
    return strength * fall * (-dy / r), strength * fall * (dx / r), r, fall, np.arctan2(dy, dx)


def _village(rng, u, v, color, w, h):
    """Small dark houses with one lit window each, along the foot of the hills."""
    for _ in range(14):
        hx = w * rng.uniform(0.3, 0.95)
        hw, hh = w * rng.uniform(0.025, 0.045), h * rng.uniform(0.02, 0.035)
        base = h * rng.uniform(0.83, 0.91)
        inside = np.abs(u - hx) < hw / 2
        wall = inside & (v < base) & (v > base - hh)
        roof = inside & (v <= base - hh) & (v > base - hh - 0.6 * hw + 1.2 * np.abs(u - hx))
        color[wall | roof] = ROOF
        color[wall & (np.abs(u - hx) < 0.15 * hw) & (np.abs(v - base + 0.5 * hh) < 0.18 * hh)] = (
            WINDOW
        )


@painter()
def paint(rng: np.random.Generator, canvas: Canvas) -> np.ndarray:
    """Paint the night sky."""
    height, width, shape = canvas.height, canvas.width, canvas.shape
    ys, xs = canvas.grid
    side = float(canvas.side)
    u, v = xs / side, ys / side  # unit = longer side, so shapes keep their proportions
    w, h = width / side, height / side

    drift = 0.45 * np.sin(2 * np.pi * (1.3 * u + 0.8 * v))
    drift += 0.6 * (tx.fractal_noise(rng, shape, cells=3, octaves=3) - 0.5)
    fx, fy = np.cos(drift), np.sin(drift)
    swirls = [(w * rng.uniform(0.35, 0.55), h * rng.uniform(0.28, 0.38), 0.16)]
    swirls += [
        (w * rng.uniform(0.1, 0.9), h * rng.uniform(0.1, 0.5), rng.uniform(0.07, 0.11))
        for _ in range(2)
    ]
    bands = np.zeros(shape, np.float32)
    for cx, cy, radius in swirls:
        sx, sy, r, fall, theta = _spin(u, v, cx, cy, radius, 3.0)
        fx, fy = fx + sx, fy + sy
        # Spiral arms: light and dark bands whose phase turns with the polar angle.
        bands += fall * np.cos(2 * np.pi * r / (0.45 * radius) - theta)

    lights = [
        (w * rng.uniform(0.03, 0.97), h * rng.uniform(0.03, 0.55), rng.uniform(0.018, 0.035))
        for _ in range(11)
    ]
    moon = (w * rng.uniform(0.78, 0.9), h * rng.uniform(0.08, 0.16), 0.05)
    glow = np.zeros(shape, np.float32)
    rings = np.zeros(shape, np.float32)
    for cx, cy, radius in [*lights, moon]:
        sx, sy, r, halo, _ = _spin(u, v, cx, cy, 2.6 * radius, 6.0)
        fx, fy = fx + sx, fy + sy
        glow = np.maximum(glow, np.exp(-((r / radius) ** 4)))
        rings = np.maximum(rings, halo * (0.5 + 0.5 * np.cos(2 * np.pi * r / (0.9 * radius))))
    angle = np.arctan2(fy, fx)

    t = 0.4 * tx.fractal_noise(rng, shape, cells=4, octaves=4)
    t += 0.5 * (0.5 + 0.5 * np.tanh(1.5 * bands)) + 0.15 * (1 - v / h) - 0.1
    color = tx.ramp(np.clip(t, 0, 1), SKY)
    color = tx.mix(color, HALO, 0.55 * rings)
    color = tx.mix(color, STAR, glow)
    color = tx.mix(color, STAR_CORE, np.clip(2.2 * glow - 1.4, 0, 1))
    mx, my, mr = moon
    crescent = (np.hypot(u - mx, v - my) < 0.8 * mr) & (
        np.hypot(u - mx - 0.35 * mr, v - my + 0.2 * mr) > 0.7 * mr
    )
    color[crescent] = MOON

    horizon = h * (0.74 + 0.04 * np.sin(2 * np.pi * (1.7 * u + rng.uniform())))
    horizon += h * 0.02 * np.sin(2 * np.pi * 4.3 * u)
    hills = v > horizon
    depth = (v - horizon) / (0.3 * h) + 0.3 * (tx.fractal_noise(rng, shape, 8, 3) - 0.5)
    color[hills] = tx.ramp(np.clip(depth, 0, 1), HILLS)[hills]
    angle = np.where(hills, 0.15 * np.sin(2 * np.pi * 3 * u), angle)
    _village(rng, u, v, color, w, h)

    # Cypress: a dark flame on the left whose edge is licked by tongues.
    cx, top = w * rng.uniform(0.1, 0.2), 0.04 * h
    rise = np.clip((v - top) / (h - top), 0, 1)
    edge = tx.fractal_noise(rng, shape, cells=6, octaves=3)
    tongues = 0.5 + 0.5 * np.sin(2 * np.pi * (11 * v + 2.0 * edge))
    half = min(w, h) * (0.02 + 0.1 * rise**0.8) * (0.75 + 0.5 * tongues)
    tree = (np.abs(u - cx - 0.025 * np.sin(2 * np.pi * (2.2 * v + 0.3))) < half) & (v > top)
    foliage = tx.ramp(tx.fractal_noise(rng, shape, 16, 3) ** 1.4, CYPRESS)
    color[tree] = foliage[tree]
    angle = np.where(tree, -np.pi / 2 + 0.7 * np.sin(2 * np.pi * (9 * (u - cx) + 4 * v)), angle)

    # Brush work: smear colour along the flow, then lay fine streaks and thick dashes.
    scale = canvas.scale
    color = tx.flow_smear(color, angle, 6, 1.5 * scale)
    fine = tx.flow_smear(rng.random(shape, dtype=np.float32), angle, 10, scale)
    dots = (rng.random(shape) < 0.05) * rng.random(shape, dtype=np.float32)
    dashes = tx.flow_smear(tx.blur(dots, 1.2 * scale), angle, 8, 1.6 * scale)
    streak = 1.4 * (tx.normalize(fine) - 0.5) + 1.6 * (tx.normalize(dashes) - 0.3)
    return color * (1 + 0.28 * streak[..., None])
