"""Painting primitives for the toy apples-and-oranges scenes.

Every function paints on a float32 canvas in [0, 1] whose coordinates are fractions of
the canvas side: ``x`` grows to the right, ``y`` downwards. Fruits are shaded as
slightly deformed spheres lit by one directional light ``light = (lx, ly, lz)``, a unit
vector pointing from the scene towards the lamp (``ly < 0``: the lamp is above).
Colours are plain RGB triples in [0, 1]. Noise here (and blending and blur in
``toy.py`` and ``toy_fruit.py``) comes from the project's one texture toolkit,
:mod:`nst_utils.textures`, which also paints the sample style images.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from nst_utils.textures import smooth_noise

Array = np.ndarray
#: An RGB colour or a light direction: three floats.
Triple = Sequence[float] | np.ndarray


def soft_ellipse(
    X: Array, Y: Array, cx: float, cy: float, ax: float, ay: float, softness: float = 0.3
) -> Array:
    """Ellipse mask fading from 1 inside to 0 outside over ``softness`` of its radius."""
    rho = np.sqrt(((X - cx) / ax) ** 2 + ((Y - cy) / ay) ** 2)
    t = np.clip((rho - (1.0 - softness)) / (2.0 * softness), 0.0, 1.0)
    return 1.0 - t * t * (3.0 - 2.0 * t)


def paint_wall(
    X: Array, Y: Array, rng: np.random.Generator, color: Triple, light: Triple, horizon: float
) -> Array:
    """Plaster wall lit by a soft pool of light on the lamp's side, ``(H, W, 3)``."""
    pool_x = 0.5 + 0.55 * light[0] + rng.uniform(-0.15, 0.15)
    pool_y = rng.uniform(-0.1, 0.3)
    spread = rng.uniform(0.3, 0.6)
    pool = np.exp(-((X - pool_x) ** 2 + 0.6 * (Y - pool_y) ** 2) / (2 * spread**2))
    level = 0.62 + 0.42 * pool
    # The corner where wall meets the shelf receives less light.
    level *= 1.0 - 0.18 * np.exp(-np.clip(horizon - Y, 0, None) / 0.05)
    level += 0.025 * smooth_noise(rng, X.shape, 5)
    level += 0.012 * rng.standard_normal(X.shape, dtype=np.float32)
    return level[..., None] * np.asarray(color, np.float32)


def paint_wood(
    X: Array,
    Y: Array,
    rng: np.random.Generator,
    color: Triple,
    light: Triple,
    horizon: float,
    front: float,
    planks: bool,
) -> Array:
    """Horizontal wooden surface from ``horizon`` (back) to ``front``, in perspective.

    Grain lines run parallel to the front edge and crowd together towards the back.
    ``planks`` adds the seams of a plank table top.
    """
    depth = np.clip((Y - horizon) / max(front - horizon, 1e-3), 0.0, 1.0)
    dist = 1.0 / (0.22 + depth)
    wobble = 0.12 * smooth_noise(rng, (X.shape[1],), 5)[None, :]
    phase = dist * rng.uniform(4.0, 7.0) + wobble + 0.06 * smooth_noise(rng, X.shape, 4)
    rings = (0.5 + 0.5 * np.sin(2 * np.pi * phase)) ** 4
    fine = (0.5 + 0.5 * np.sin(2 * np.pi * (2.7 * phase + 0.2 * wobble))) ** 2
    streaks = smooth_noise(rng, (X.shape[0],), max(X.shape[0] // 2, 2))[:, None]
    albedo = 1.0 - 0.16 * rings - 0.06 * fine - 0.05 * streaks
    if planks:
        seam = np.abs((dist * rng.uniform(0.9, 1.3) + 0.1 * wobble) % 1.0 - 0.5)
        albedo *= 1.0 - 0.45 * np.clip((seam - 0.46) / 0.04, 0, 1)
    lamp_x = 0.5 + 0.6 * light[0]
    level = 0.45 + 0.5 * max(-light[1], 0.2) * np.exp(-((X - lamp_x) ** 2) / 0.35)
    # Wax catches a faint sheen near the front.
    level += 0.08 * depth**2
    return (albedo * level)[..., None] * np.asarray(color, np.float32)


def paint_shelf_front(
    X: Array,
    Y: Array,
    rng: np.random.Generator,
    color: Triple,
    light: Triple,
    top: float,
    bottom: float,
) -> Array:
    """Vertical front face of a shelf board, with a bright bevel along its top edge."""
    rows = (Y - top) / max(bottom - top, 1e-3)
    grain = smooth_noise(rng, (X.shape[0],), X.shape[0] // 4)[:, None]
    grain = grain + 0.4 * smooth_noise(rng, X.shape, 3)
    albedo = 1.0 - 0.08 * grain
    level = 0.35 + 0.45 * max(light[2], 0.1)
    bevel = 0.35 * np.exp(-np.clip(rows, 0, None) / 0.08)
    return ((albedo * (level + bevel))[..., None]) * np.asarray(color, np.float32)


def cast_shadow(
    X: Array, Y: Array, x: float, base_y: float, radius: float, light: Triple, softness: float
) -> Array:
    """Shadow of a fruit on the surface it stands on: contact shadow plus cast shadow.

    Returns:
        Darkening factor in [0, 1], shape ``(H, W)``; multiply the surface by
        ``1 - strength * shadow``.
    """
    contact = soft_ellipse(X, Y, x, base_y, 0.85 * radius, 0.2 * radius, 0.5)
    # The shadow falls away from the lamp; a lamp in front pushes it backwards.
    cx = x - 1.1 * radius * light[0] / max(-light[1], 0.3)
    cy = base_y - 0.35 * radius * light[2]
    ax = radius * (1.0 + 0.6 * abs(light[0]))
    cast = soft_ellipse(X, Y, cx, cy, ax, 0.33 * radius, softness)
    return np.maximum(contact, 0.6 * cast)


def shade_sphere(
    q_x: Array, q_y: Array, light: Triple, bump_x: Array | float = 0.0, bump_y: Array | float = 0.0
) -> tuple[Array, Array, Array]:
    """Normals of a unit sphere seen from the front and their lighting terms.

    Args:
        q_x, q_y: position on the silhouette, in units of its radius (inside: norm < 1).
        light: unit vector towards the lamp.
        bump_x, bump_y: normal perturbation (peel texture), same shape as ``q_x``.

    Returns:
        ``(diffuse, specular_base, n_y)``: the cosine term ``max(n . l, 0)``, the
        Blinn-Phong ``max(n . h, 0)`` to raise to a shininess, and the vertical normal.
    """
    n_z = np.sqrt(np.clip(1.0 - q_x**2 - q_y**2, 0.0, 1.0))
    n = np.stack([q_x + bump_x, q_y + bump_y, n_z], axis=-1)
    n /= np.linalg.norm(n, axis=-1, keepdims=True) + 1e-6
    half = np.asarray(light, np.float32) + np.array([0.0, 0.0, 1.0], np.float32)
    half /= np.linalg.norm(half)
    return np.clip(n @ light, 0, None), np.clip(n @ half, 0, None), n[..., 1]


def curve_mask(X: Array, Y: Array, points: Array, widths: Array, pixel: float) -> Array:
    """Anti-aliased mask of a thick polyline through ``points`` (``(K, 2)`` x, y)."""
    d = np.hypot(X[..., None] - points[:, 0], Y[..., None] - points[:, 1]) - widths
    return np.clip(0.5 - d.min(axis=-1) / pixel, 0.0, 1.0)


def leaf_mask(
    X: Array, Y: Array, base: Array, angle: float, length: float, width: float, pixel: float
) -> tuple[Array, Array, Array]:
    """Mask of a pointed leaf from ``base`` along ``angle``, plus its local coordinates.

    Returns:
        ``(mask, along, across)``: coverage in [0, 1]; position along the leaf in
        [0, 1]; signed distance across it, in leaf lengths.
    """
    c, s = np.cos(angle), np.sin(angle)
    dx, dy = X - base[0], Y - base[1]
    along = (dx * c + dy * s) / length
    across = (-dx * s + dy * c) / length
    a = np.clip(along, 0.0, 1.0)
    half = 0.5 * width * np.sin(np.pi * a) ** 0.8 * (1.0 - 0.25 * a)
    inside = (half - np.abs(across)) * length
    inside = np.where((along > 0) & (along < 1), inside, -pixel)
    return np.clip(0.5 + inside / pixel, 0.0, 1.0), along, across
