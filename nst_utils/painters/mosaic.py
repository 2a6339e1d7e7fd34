"""A stained-glass rose window: Voronoi tesserae of coloured glass set in lead.

Tiles are the Voronoi cells of seeds laid on concentric rings (inside the window) and
on a jittered diamond lattice (the plain quarries around it). The distance between a
pixel's nearest and second-nearest seed gives the lead lines and the bevel of each
piece for free.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

from .. import textures as tx
from . import Canvas, painter

JEWELS = tx.hex_palette(["#9b1b30", "#c0392b", "#e67e22", "#f1c40f", "#1f7a4d", "#27ae60",
                         "#1b4f9c", "#2e86de", "#6c3483", "#17a2b8"])
QUARRY = tx.hex_palette(["#d9cf9c", "#b9c9a8", "#a9bcc9", "#cdb57e", "#8fa3a8"])
LEAD, STONE = tx.hex_palette(["#1b1b1f", "#8c8173"])
RINGS = 7


def _ring_seeds(rng, cx, cy, radius):
    """Seeds on concentric rings, about one tile width apart; returns seeds and ring index."""
    seeds, ring = [np.array([[cx, cy]])], [0]
    pitch = radius / RINGS
    for k in range(1, RINGS):
        r = radius * (k + 0.5) / RINGS
        n = int(round(2 * np.pi * r / pitch))
        n += n % 2
        t = (np.arange(n) + 0.5 * (k % 2)) * 2 * np.pi / n
        ring_xy = np.stack([cx + r * np.cos(t), cy + r * np.sin(t)], axis=1)
        seeds.append(ring_xy + rng.normal(0, 0.08 * pitch, (n, 2)))
        ring += [k] * n
    return np.concatenate(seeds), np.asarray(ring)


def _lattice_seeds(rng, cx, cy, height, width, step):
    """Seeds on a diamond (45-degree) lattice centred on the window, slightly jittered."""
    n = int(max(height, width) / step) + 3
    gi, gj = np.meshgrid(np.arange(-n, n + 1), np.arange(-n, n + 1))
    seeds = np.stack([gi + gj, gi - gj], axis=-1).reshape(-1, 2) * step / 2 + [cx, cy]
    seeds = seeds + rng.normal(0, 0.06 * step, seeds.shape)
    keep = (seeds > -step).all(axis=1) & (seeds < [width + step, height + step]).all(axis=1)
    return seeds[keep]


@painter(grain=0.03)
def paint(rng: np.random.Generator, canvas: Canvas) -> np.ndarray:
    """Glaze and lead the window."""
    height, width, shape, scale = canvas.height, canvas.width, canvas.shape, canvas.scale
    cx, cy = width * rng.uniform(0.45, 0.55), height * rng.uniform(0.45, 0.55)
    radius = 0.46 * min(shape)
    window_seeds, ring = _ring_seeds(rng, cx, cy, radius)
    quarry_seeds = _lattice_seeds(rng, cx, cy, height, width, 34 * scale)

    ys, xs = canvas.grid
    pixels = np.stack([xs.ravel(), ys.ravel()], axis=1)
    r_pix = np.hypot(xs - cx, ys - cy)
    # Two separate Voronoi diagrams, so no window tile leaks out past the stone frame.
    inside = (r_pix < 1.02 * radius).ravel()
    dist = np.empty((pixels.shape[0], 2))
    idx = np.empty((pixels.shape[0], 2), dtype=np.intp)
    dist[inside], idx[inside] = cKDTree(window_seeds).query(pixels[inside], k=2)
    dist[~inside], idx[~inside] = cKDTree(quarry_seeds).query(pixels[~inside], k=2)
    idx[~inside] += len(window_seeds)
    cell = idx[:, 0].reshape(shape)
    gap = (dist[:, 1] - dist[:, 0]).reshape(shape).astype(np.float32)
    seeds = np.concatenate([window_seeds, quarry_seeds]).astype(np.float32)
    n_win, n_all = len(window_seeds), len(seeds)

    # Each ring takes one jewel colour on six "petals" and another between them.
    hues = rng.permutation(len(JEWELS))[:RINGS]
    polar = np.arctan2(window_seeds[:, 1] - cy, window_seeds[:, 0] - cx)
    petal = np.cos(6 * polar) > 0
    pick = np.where(petal, hues[ring], hues[(ring + 3) % RINGS])
    tile = np.empty((n_all, 3), np.float32)
    tile[:n_win] = JEWELS[pick] * rng.uniform(0.75, 1.15, (n_win, 1))
    pale = QUARRY[rng.integers(0, len(QUARRY), n_all - n_win)]
    tile[n_win:] = pale * rng.uniform(0.8, 1.05, (n_all - n_win, 1))
    color = tile[cell]

    # Glass of uneven thickness: a tilt of light across each piece plus streaky seeds.
    light = rng.uniform(0, 2 * np.pi, n_all).astype(np.float32)[cell]
    tilt = (xs - seeds[cell, 0]) * np.cos(light) + (ys - seeds[cell, 1]) * np.sin(light)
    color = color * (1 + 0.012 * tilt / scale)[..., None]
    color = color * (0.8 + 0.4 * tx.fractal_noise(rng, shape, cells=24, octaves=4))[..., None]
    color = color * (0.55 + 0.45 * np.clip(gap / (6 * scale), 0, 1))[..., None]  # bevel
    lead_width = np.where(cell < n_win, 2.6, 2.0) * scale
    shine = np.clip(1 - np.abs(gap - 0.4 * lead_width) / (0.6 * scale), 0, 1)  # rounded lead
    came = LEAD + 0.25 * shine[..., None]
    color = tx.mix(color, came, np.clip(lead_width - gap + 0.5, 0, 1))

    frame_d = np.abs(r_pix - 1.02 * radius)
    stone = STONE * (0.8 + 0.4 * tx.fractal_noise(rng, shape, 32, 3))[..., None]
    stone = stone * (1 - 0.5 * np.clip(1.5 * scale - np.abs(frame_d - 7 * scale) + 0.5, 0, 1))[
        ..., None
    ]
    color = tx.mix(color, stone, np.clip(7 * scale - frame_d + 0.5, 0, 1))
    return np.clip(color, 0, 1)
