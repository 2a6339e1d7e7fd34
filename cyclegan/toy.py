"""A small unpaired dataset the project paints itself: apples (A) and oranges (B).

Real CycleGAN data cannot be downloaded everywhere, and a CPU needs hours on 256-px
photos. These pictures are small and simple enough that a CPU visibly learns
apples -> oranges in minutes, yet varied: 1-3 fruits of different sizes and positions,
on a wooden shelf or table, in front of a painted wall, under a lamp whose direction,
colour temperature and softness change from picture to picture.

Both domains draw their background (wall, wood, light, layout) from the *same*
distribution, and ``paint_image(kind, seed)`` uses the seed for the scene and the
fruit separately: the apple and the orange painted with one seed stand on the very
same shelf. A generator therefore has no reason to touch the background.
:func:`paired_toy_scene` paints one scene with either fruit: the true translation, which
:mod:`cyclegan.analysis` measures generators against. The truth keeps everything of the
scene (wall, wood, lamp, shadows, noise) and swaps only the fruits.

``room="varied"`` (the default) gives every picture its own wall and wood colour and lamp
colour and brightness. ``room="fixed"`` shoots every picture in one room: one light-grey
wall, one oak shelf, one lamp colour, each wall and wood colour jittered slightly; the
layout, the lamp's direction and the fruits still change. The identity-loss experiment
uses it: a U-Net that instance-normalises its input cannot see a picture's overall
colour, so on varied rooms it misses each wall's colour by the same amount at every
``lambda_id``, and that miss hides what the identity loss changes.
"""

from __future__ import annotations

import dataclasses
import functools
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image
from tqdm.auto import tqdm

from cyclegan.toy_fruit import Placement, paint_apple, paint_orange
from cyclegan.toy_paint import cast_shadow, paint_shelf_front, paint_wall, paint_wood
from nst_utils.textures import mix

#: Domain A and domain B.
KINDS = ("apple", "orange")

WALL_COLORS = (
    (0.93, 0.89, 0.80),  # cream
    (0.72, 0.79, 0.70),  # sage
    (0.68, 0.77, 0.86),  # dusty blue
    (0.84, 0.84, 0.82),  # light grey
    (0.90, 0.80, 0.62),  # sand
    (0.38, 0.54, 0.57),  # teal
    (0.36, 0.36, 0.40),  # charcoal
    (0.86, 0.74, 0.74),  # dusty pink
)
WOOD_COLORS = (
    (0.72, 0.50, 0.30),  # oak
    (0.45, 0.28, 0.17),  # walnut
    (0.86, 0.68, 0.46),  # pine
    (0.83, 0.77, 0.67),  # white-washed
    (0.60, 0.33, 0.21),  # cherry
    (0.58, 0.54, 0.49),  # driftwood grey
)
# Light colour from warm tungsten to cool daylight.
_WARM, _COOL = np.array([1.0, 0.86, 0.70]), np.array([0.88, 0.95, 1.06])

_SPLITS = {"train": 0, "test": 1}
#: The kinds of room a picture is painted in (see the module docstring).
ROOMS = ("varied", "fixed")
_FIXED_WALL, _FIXED_WOOD = (WALL_COLORS[3],), (WOOD_COLORS[0],)  # light grey, oak


def _jitter_color(rng: np.random.Generator, palette) -> np.ndarray:
    color = np.asarray(palette[rng.integers(len(palette))], np.float32)
    return np.clip(color + rng.normal(0, 0.03, 3), 0, 1).astype(np.float32)


def _check_room(room: str) -> None:
    if room not in ROOMS:
        raise ValueError(f"room must be 'varied' or 'fixed', got {room!r}.")


def _scene(rng: np.random.Generator, room: str = "varied") -> dict:
    """Everything but the fruits' looks: wall, wood, lamp, and where the fruits stand."""
    azimuth = rng.uniform(-0.85, 0.85)
    light = np.array([azimuth, -rng.uniform(0.35, 0.95), rng.uniform(0.35, 0.9)])
    horizon = rng.uniform(0.5, 0.64)
    table = rng.random() < 0.4
    front = 1.5 if table else rng.uniform(0.84, 0.9)
    count = int(rng.choice([1, 2, 3], p=[0.4, 0.35, 0.25]))
    low, high = {1: (0.17, 0.23), 2: (0.14, 0.18), 3: (0.11, 0.145)}[count]
    slots = (np.arange(count) + 0.5) / count
    fruits = []
    for slot in rng.permutation(slots):
        depth = rng.uniform(0.25, 0.85)
        base_y = horizon + depth * (min(front, 0.98) - horizon)
        radius = rng.uniform(low, high) * (0.85 + 0.2 * depth)
        x = np.clip(slot + rng.uniform(-0.35, 0.35) / count, radius, 1 - radius)
        fruits.append((float(base_y), float(x), float(radius)))
    warmth = rng.uniform(0.0, 1.0)
    scene = {
        # float32 throughout: a NumPy float64 scalar or array would promote every canvas.
        "light": (light / np.linalg.norm(light)).astype(np.float32),
        "tint": ((_WARM * (1 - warmth) + _COOL * warmth) * rng.uniform(0.88, 1.1)).astype(
            np.float32
        ),
        "ambient": rng.uniform(0.3, 0.45),
        "softness": rng.uniform(0.25, 0.6),
        "wall": _jitter_color(rng, WALL_COLORS),
        "wood": _jitter_color(rng, WOOD_COLORS),
        "horizon": horizon,
        "front": front,
        "board": rng.uniform(0.06, 0.09),
        "table": table,
        # Painted back to front, so nearer fruits cover farther ones.
        "fruits": sorted(fruits),
    }
    if room == "fixed":
        # Drawn after the varied room's values, so the layout and the lamp's direction of
        # a seed are the same in either room.
        scene["tint"] = (_WARM * 0.5 + _COOL * 0.5).astype(np.float32)
        scene["wood"] = _jitter_color(rng, _FIXED_WOOD)
        scene["wall"] = _jitter_color(rng, _FIXED_WALL)
    return scene


def paint_image(
    kind: str,
    seed: int | Sequence[int],
    image_size: int = 64,
    *,
    return_mask: bool = False,
    room: str = "varied",
) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """Paint one toy picture: apples or oranges on a shelf.

    The seed drives the scene (wall, wood, lamp, fruit positions) and the fruit looks
    through separate streams, so ``paint_image("apple", s)`` and
    ``paint_image("orange", s)`` show the same shelf, lamp and layout.

    Args:
        kind: ``"apple"`` (domain A) or ``"orange"`` (domain B).
        seed: int or sequence of ints for ``numpy.random.SeedSequence``.
        image_size: side of the square picture in pixels, 32 to 512.
        return_mask: also return where the fruits (with stems and leaves) are.
        room: ``"varied"`` or ``"fixed"`` (see the module docstring).

    Returns:
        uint8 array ``(image_size, image_size, 3)``; with ``return_mask`` also a float32
        array ``(image_size, image_size)`` of fruit coverage in [0, 1].

    Raises:
        ValueError: for an unknown kind or room or an image size out of range.
    """
    _check_room(room)
    if kind not in KINDS:
        raise ValueError(f"kind must be 'apple' or 'orange', got {kind!r}.")
    if not isinstance(image_size, (int, np.integer)) or not 32 <= image_size <= 512:
        raise ValueError(f"image_size must be an int from 32 to 512, got {image_size!r}.")
    image_size = int(image_size)
    scene_ss, fruit_ss = np.random.SeedSequence(seed).spawn(2)
    scene_rng, fruit_rng = np.random.default_rng(scene_ss), np.random.default_rng(fruit_ss)
    s = _scene(scene_rng, room)
    side = 2 * image_size  # painted at twice the size, then averaged down: anti-aliasing
    pixel = 1.0 / side
    Y, X = _grid(side)
    light, horizon, front = s["light"], s["horizon"], s["front"]

    # Each layer is painted only on the rows it covers: wall, top of the wood, the
    # shelf board's front face, and the wall in the shadow under the board.
    top = int(round(horizon * side))
    canvas = np.empty((side, side, 3), np.float32)
    canvas[:top] = paint_wall(X[:top], Y[:top], scene_rng, s["wall"], light, horizon)
    edge = min(int(round(front * side)), side)
    canvas[top:] = paint_wood(
        X[top:], Y[top:], scene_rng, s["wood"], light, horizon, front, s["table"]
    )
    if edge < side:
        low = min(int(round((front + s["board"]) * side)), side)
        canvas[edge:low] = paint_shelf_front(
            X[edge:low], Y[edge:low], scene_rng, s["wood"], light, front, front + s["board"]
        )
        under = paint_wall(X[low:], Y[low:], scene_rng, s["wall"], light, horizon)
        dim = 0.3 + 0.25 * np.clip((Y[low:] - front - s["board"]) / 0.2, 0, 1)
        canvas[low:] = under * dim[..., None]

    mask = np.zeros((side, side), np.float32)
    paint = paint_apple if kind == "apple" else paint_orange
    for base_y, x, radius in s["fruits"]:
        # The shadow falls on the top of the wood only, never on the wall or the board face.
        rows = slice(top, edge)
        cols = _span(x - 5.5 * radius, x + 5.5 * radius, side)  # covers the longest shadow
        shadow = cast_shadow(X[rows, cols], Y[rows, cols], x, base_y, radius, light,
                             s["softness"])
        canvas[rows, cols] *= (1.0 - 0.6 * shadow)[..., None]
        where = Placement(float(x), float(base_y - 0.93 * radius), float(radius))
        rows = _span(where.y - 1.45 * radius, where.y + 1.05 * radius, side)
        cols = _span(where.x - 1.6 * radius, where.x + 1.6 * radius, side)
        rgb, alpha, _ = paint(
            X[rows, cols], Y[rows, cols], fruit_rng, where, light, s["ambient"], s["wood"], pixel
        )
        canvas[rows, cols] = mix(canvas[rows, cols], rgb, alpha)
        mask[rows, cols] = np.maximum(mask[rows, cols], alpha)

    canvas *= s["tint"] * _vignette(side)[..., None]
    canvas += 0.012 * scene_rng.standard_normal(canvas.shape, dtype=np.float32)
    small = canvas.reshape(image_size, 2, image_size, 2, 3).mean(axis=(1, 3))
    image = np.clip(np.rint(small * 255.0), 0, 255).astype(np.uint8)
    if return_mask:
        return image, mask.reshape(image_size, 2, image_size, 2).mean(axis=(1, 3))
    return image


@dataclasses.dataclass(frozen=True)
class PairedScene:
    """One scene painted with apples and with oranges: each the other's true translation.

    Attributes:
        apple, orange: uint8 pictures ``(S, S, 3)``, equal outside the fruits.
        apple_mask, orange_mask: float32 fruit coverage ``(S, S)`` in [0, 1].
    """

    apple: np.ndarray
    orange: np.ndarray
    apple_mask: np.ndarray
    orange_mask: np.ndarray

    def image(self, kind: str) -> np.ndarray:
        """The picture of ``kind`` (``"apple"`` or ``"orange"``)."""
        return self.apple if kind == "apple" else self.orange

    def mask(self, kind: str) -> np.ndarray:
        """The fruit coverage of ``kind``'s picture."""
        return self.apple_mask if kind == "apple" else self.orange_mask

    @property
    def background(self) -> np.ndarray:
        """Float32 ``(S, S)``, ``1 - max`` of the masks: 1 where neither shows fruit."""
        return 1.0 - np.maximum(self.apple_mask, self.orange_mask)


def paired_toy_scene(
    seed: int | Sequence[int], image_size: int = 64, *, room: str = "varied"
) -> PairedScene:
    """Paint scene ``seed`` twice, with apples and with oranges.

    The same wall, shelf, lamp, shadows and noise, only the fruits swapped (the scene and
    the fruit draw from separate streams of the seed): the orange picture is the true
    translation of the apple picture for ``g_AB``, and the other way round for ``g_BA``.

    Args:
        seed: int or sequence of ints for ``numpy.random.SeedSequence``.
        image_size: side of the square pictures in pixels, 32 to 512.
        room: ``"varied"`` or ``"fixed"`` (see the module docstring).

    Returns:
        The :class:`PairedScene`.

    Raises:
        ValueError: for an image size out of range or an unknown room.
    """
    apple, apple_mask = paint_image("apple", seed, image_size, return_mask=True, room=room)
    orange, orange_mask = paint_image("orange", seed, image_size, return_mask=True, room=room)
    return PairedScene(apple, orange, apple_mask, orange_mask)


@functools.lru_cache(maxsize=4)
def _grid(side: int) -> tuple[np.ndarray, np.ndarray]:
    """Pixel-centre coordinates ``Y, X`` of a ``side x side`` canvas, in canvas fractions."""
    Y, X = (np.mgrid[0:side, 0:side].astype(np.float32) + 0.5) / side
    Y.flags.writeable = X.flags.writeable = False
    return Y, X


@functools.lru_cache(maxsize=4)
def _vignette(side: int) -> np.ndarray:
    Y, X = _grid(side)
    return 1.0 - 0.22 * ((X - 0.5) ** 2 + (Y - 0.5) ** 2)


def _span(low: float, high: float, side: int) -> slice:
    return slice(max(int(np.floor(low * side)), 0), min(int(np.ceil(high * side)), side))


def make_toy_dataset(
    root: str | os.PathLike,
    n_per_domain: int = 200,
    image_size: int = 64,
    seed: int = 0,
    *,
    n_test: int | None = None,
    progress: bool = True,
    room: str = "varied",
) -> Path:
    """Write the toy apples/oranges dataset as PNG files in the CycleGAN layout.

    ``root/trainA`` and ``root/testA`` get apples, ``root/trainB`` and ``root/testB``
    oranges. Every picture has its own seed, so the two domains are unpaired.
    Earlier toy files (``apple_*.png``, ``orange_*.png``) in these folders are
    replaced; other files are left alone.

    Args:
        root: output folder (created when missing).
        n_per_domain: training pictures per domain.
        image_size: side of the pictures in pixels, 32 to 512 (64-128 recommended).
        seed: the same seed always writes the same files.
        n_test: test pictures per domain; defaults to ``n_per_domain // 4`` (at least 1).
        progress: show a progress bar.
        room: ``"varied"`` or ``"fixed"`` (see the module docstring).

    Returns:
        ``root`` as a ``Path``.

    Raises:
        ValueError: for a non-positive count, an image size out of range or an unknown room.
    """
    _check_room(room)
    if not isinstance(n_per_domain, (int, np.integer)) or n_per_domain < 1:
        raise ValueError(f"n_per_domain must be a positive int, got {n_per_domain!r}.")
    n_test = max(n_per_domain // 4, 1) if n_test is None else n_test
    if not isinstance(n_test, (int, np.integer)) or n_test < 1:
        raise ValueError(f"n_test must be a positive int, got {n_test!r}.")
    if not isinstance(image_size, (int, np.integer)) or not 32 <= image_size <= 512:
        raise ValueError(f"image_size must be an int from 32 to 512, got {image_size!r}.")
    root = Path(root)
    jobs = []
    for split, count in (("train", n_per_domain), ("test", n_test)):
        for domain, kind in zip("AB", KINDS, strict=True):
            folder = root / f"{split}{domain}"
            folder.mkdir(parents=True, exist_ok=True)
            for old in folder.glob(f"{kind}_*.png"):
                old.unlink()
            for i in range(count):
                job_seed = [seed, _SPLITS[split], KINDS.index(kind), i]
                jobs.append((kind, job_seed, folder / f"{kind}_{i:04d}.png"))
    bar = tqdm(jobs, desc="painting toy data", unit="img", disable=not progress)
    for kind, job_seed, path in bar:
        Image.fromarray(paint_image(kind, job_seed, image_size, room=room)).save(path)
    return root
