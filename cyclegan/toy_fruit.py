"""The two toy domains: apples (red, green or two-tone, stem and leaf) and oranges
(dimpled peel, navel). Each painter returns the colour and coverage of one fruit on a
patch of the canvas; ``toy.py`` composites them into a scene.

Shapes are written in units of the fruit radius: ``u`` to the right, ``v`` downwards,
centre at the origin.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cyclegan.toy_paint import Array, Triple, curve_mask, leaf_mask, shade_sphere
from nst_utils.textures import blur, mix, smooth_noise

APPLE_VARIETIES = {
    # name: (skin colour, ground colour showing through streaks, base red coverage)
    "red": ((0.66, 0.05, 0.07), (0.80, 0.72, 0.26), 0.9),
    "gala": ((0.78, 0.12, 0.10), (0.80, 0.80, 0.34), 0.55),
    "green": ((0.50, 0.74, 0.20), (0.66, 0.80, 0.28), 0.0),
}
APPLE_WEIGHTS = (0.45, 0.25, 0.30)


@dataclass(frozen=True)
class Placement:
    """Where a fruit sits, in canvas fractions: centre ``x, y`` and ``radius``."""

    x: float
    y: float
    radius: float


def _lit(albedo, diffuse, spec_base, n_y, q_y, ambient, bounce, shine, gloss):
    shade = ambient + (1.0 - ambient) * diffuse
    # The underside sees little sky but some light bounced off the wood.
    occlusion = 1.0 - 0.4 * np.clip((q_y - 0.5) / 0.5, 0.0, 1.0) ** 2
    rgb = albedo * (shade * occlusion)[..., None]
    rgb += 0.25 * np.clip(n_y, 0, 1)[..., None] * albedo * np.asarray(bounce, np.float32)
    return rgb + (gloss * spec_base**shine)[..., None]


def paint_apple(
    X: Array,
    Y: Array,
    rng: np.random.Generator,
    where: Placement,
    light: Triple,
    ambient: float,
    bounce: Triple,
    pixel: float,
) -> tuple[Array, Array, Array]:
    """One apple on the patch ``X, Y``.

    Args:
        X, Y: canvas coordinates of the patch's pixels (canvas fractions).
        rng: random generator for the fruit's looks.
        where: centre and radius of the fruit.
        light: unit vector towards the lamp.
        ambient: share of light that reaches the side turned away from the lamp.
        bounce: colour of the surface below, reflected onto the underside.
        pixel: size of one canvas pixel, for anti-aliased edges.

    Returns:
        ``(rgb, alpha, body)`` of shapes ``(h, w, 3)``, ``(h, w)`` and ``(h, w)``:
        colour, coverage of apple, stem and leaf, and coverage of the apple alone.
    """
    r = where.radius
    u, v = (X - where.x) / r, (Y - where.y) / r
    squeeze = 1.0 - 0.12 * np.clip(v, 0.0, 1.0)
    uu, vv = u / (1.06 * squeeze), v / 0.94
    rho = np.hypot(uu, vv)
    edge = 1.0 - 0.15 * np.exp(-((u / 0.26) ** 2)) * (v < 0) - 0.05 * np.exp(-((u / 0.2) ** 2)) * (
        v > 0
    )
    alpha = np.clip(0.5 + (edge - rho) * r / pixel, 0.0, 1.0)
    q_x, q_y = np.clip(uu / edge, -1, 1), np.clip(vv / edge, -1, 1)

    variety = rng.choice(list(APPLE_VARIETIES), p=APPLE_WEIGHTS)
    skin, ground, cover = APPLE_VARIETIES[variety]
    skin = np.clip(np.asarray(skin) + rng.normal(0, 0.04, 3), 0, 1).astype(np.float32)
    ground = np.clip(np.asarray(ground) + rng.normal(0, 0.03, 3), 0, 1).astype(np.float32)
    # Streaks run from stem to base, along meridians of the sphere.
    lon = np.arcsin(np.clip(q_x / np.sqrt(np.clip(1 - q_y**2, 1e-3, 1)), -1, 1))
    wiggle = 2.5 * smooth_noise(rng, X.shape, 4)
    streaks = np.sin(lon * rng.uniform(18, 30) + wiggle) * smooth_noise(rng, X.shape, 3)
    blush_side = rng.choice([-1.0, 1.0])
    red = cover + 0.1 * streaks * (cover > 0) + 0.12 * smooth_noise(rng, X.shape, 3)
    red += (0.45 if variety == "gala" else 0.2 * (variety == "green")) * blush_side * q_x
    red -= 0.3 * np.clip(q_y - 0.35, 0, 1)
    # A steep blend keeps the skin red or yellow-green, not the orange of a half mix.
    red = np.clip((red - 0.5) * 2.5 + 0.5, 0.0, 1.0)[..., None]
    albedo = ground * (1 - red) + skin * red
    cavity = np.exp(-(u**2 + (v + 0.78) ** 2) / 0.06)
    albedo = albedo * (1.0 - 0.45 * cavity)[..., None]

    diffuse, spec_base, n_y = shade_sphere(q_x, q_y, light)
    rgb = _lit(albedo, diffuse, spec_base, n_y, q_y, ambient, bounce, 40.0, 0.55)

    # Stem: a tapered bent stick rising out of the cavity.
    t = np.linspace(0.0, 1.0, 12, dtype=np.float32)[:, None]
    bend = rng.uniform(-0.25, 0.25)
    start = np.array([where.x, where.y - 0.7 * r], np.float32)
    tip = np.array([where.x + bend * r, where.y - rng.uniform(1.1, 1.25) * r], np.float32)
    ctrl = np.array([where.x - 0.3 * bend * r, where.y - 0.95 * r], np.float32)
    stem = (1 - t) ** 2 * start + 2 * (1 - t) * t * ctrl + t**2 * tip
    widths = r * (0.065 - 0.025 * t[:, 0])
    stem_a = curve_mask(X, Y, stem, widths, pixel)
    stem_rgb = np.array([0.33, 0.21, 0.10], np.float32) * (0.55 + 0.45 * max(-light[1], 0.0))
    rgb = mix(rgb, stem_rgb, stem_a)
    alpha = np.maximum(alpha, stem_a)

    if rng.random() < 0.7:
        side = rng.choice([-1.0, 1.0])
        angle = -np.pi / 2 + side * rng.uniform(0.7, 1.35)
        base = stem[rng.integers(5, 11)]
        leaf_a, along, across = leaf_mask(
            X, Y, base, angle, rng.uniform(0.65, 0.85) * r, rng.uniform(0.35, 0.45), pixel
        )
        green = np.array([0.20, 0.47, 0.10], np.float32) + rng.uniform(0, 1) * np.array(
            [0.12, 0.12, 0.04], np.float32
        )
        level = (0.55 + 0.45 * max(-light[1], 0.0)) * np.where(across * side > 0, 0.78, 1.0)
        level = level * (1.0 + 0.35 * np.exp(-((across / 0.025) ** 2))) * (0.85 + 0.3 * along)
        leaf_rgb = green * level[..., None]
        # Not mix(): leaf_rgb is float64 (np.where on floats), and mix() rounding it to
        # float32 this early would shift the pictures' pixels.
        rgb = rgb * (1 - leaf_a[..., None]) + leaf_rgb * leaf_a[..., None]
        alpha = np.maximum(alpha, leaf_a)
    body = np.clip(0.5 + (edge - rho) * r / pixel, 0.0, 1.0)
    return np.clip(rgb, 0, 1), alpha, body


def paint_orange(
    X: Array,
    Y: Array,
    rng: np.random.Generator,
    where: Placement,
    light: Triple,
    ambient: float,
    bounce: Triple,
    pixel: float,
) -> tuple[Array, Array, Array]:
    """One orange on the patch ``X, Y``.

    Args:
        X, Y: canvas coordinates of the patch's pixels (canvas fractions).
        rng: random generator for the fruit's looks.
        where: centre and radius of the fruit.
        light: unit vector towards the lamp.
        ambient: share of light that reaches the side turned away from the lamp.
        bounce: colour of the surface below, reflected onto the underside.
        pixel: size of one canvas pixel, for anti-aliased edges.

    Returns:
        ``(rgb, alpha, body)``; ``body`` equals ``alpha`` (an orange has no stem or leaf).
    """
    r = where.radius
    u, v = (X - where.x) / r, (Y - where.y) / r
    uu, vv = u / 1.02, v / 0.96
    rho = np.hypot(uu, vv)
    alpha = np.clip(0.5 + (1.0 - rho) * r / pixel, 0.0, 1.0)
    q_x, q_y = np.clip(uu, -1, 1), np.clip(vv, -1, 1)

    # Peel: oil glands are tiny pits; blurred white noise makes their height field.
    pore_px = max(0.03 * r / pixel, 0.6)
    pits = blur(rng.standard_normal(X.shape, dtype=np.float32), pore_px)
    pits /= pits.std() + 1e-6
    grad_y, grad_x = np.gradient(pits)
    bump = 0.08 * pore_px
    tone = rng.uniform(0.0, 1.0)
    color = np.array([0.97, 0.44 + 0.12 * tone, 0.03 + 0.04 * tone]) + rng.normal(0, 0.02, 3)
    mottle = 1.0 + 0.06 * smooth_noise(rng, X.shape, 3) - 0.05 * np.clip(pits, 0, None)
    albedo = np.clip(color, 0, 1).astype(np.float32) * mottle[..., None]

    # The navel sits somewhere on the visible face: a dark pucker with creases round it.
    nav = rng.uniform(-0.45, 0.45), rng.uniform(-0.35, 0.55)
    dx, dy = q_x - nav[0], q_y - nav[1]
    size = rng.uniform(0.09, 0.14)
    d = np.hypot(dx, dy) / size
    creases = 0.5 + 0.5 * np.sin(rng.integers(7, 11) * np.arctan2(dy, dx))
    navel = np.exp(-(d**2) * 1.5) * 0.55 + 0.25 * creases * np.exp(-((d - 1.3) ** 2) * 2.0)
    albedo *= (1.0 - navel)[..., None]
    albedo += (0.08 * np.exp(-(d**2) * 1.5))[..., None] * np.array([0.5, 0.4, 0.1], np.float32)
    if rng.random() < 0.4:
        # Some oranges still show the green scar where the stem was.
        scar = np.exp(-(((q_x - rng.uniform(-0.2, 0.2)) ** 2 + (q_y + 0.8) ** 2) / 0.006))
        scar_rgb = np.array([0.35, 0.42, 0.1], np.float32)
        albedo = mix(albedo, scar_rgb, scar)

    diffuse, spec_base, n_y = shade_sphere(q_x, q_y, light, bump * grad_x, bump * grad_y)
    rgb = _lit(albedo, diffuse, spec_base, n_y, q_y, ambient, bounce, 14.0, 0.22)
    return np.clip(rgb, 0, 1), alpha, alpha
