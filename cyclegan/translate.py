"""Translating image files with a trained run, as done by ``cyclegan translate``."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf
from PIL import Image
from tqdm.auto import tqdm

from cyclegan import runs
from cyclegan.data import find_unreadable, list_images, read_image, to_uint8
from cyclegan.model import build_generator

DIRECTIONS = {"AtoB": "g_AB", "BtoA": "g_BA"}


def load_generator(run_dir: str | os.PathLike, direction: str) -> tuple[keras.Model, int]:
    """Build one generator of a run and restore its newest checkpointed weights.

    Args:
        run_dir: folder written by ``cyclegan train``.
        direction: ``"AtoB"`` (``g_AB``) or ``"BtoA"`` (``g_BA``).

    Returns:
        ``(generator, image_size)``; the generator maps ``(batch, S, S, 3)`` in [-1, 1]
        to the same shape, with ``S = image_size`` of the run.

    Raises:
        ValueError: for an unknown direction, a folder that is not a run, or a run
            without a checkpoint yet.
    """
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {sorted(DIRECTIONS)}, got {direction!r}.")
    run_dir = Path(run_dir)
    options = runs.read_options(run_dir)
    if options is None:
        raise ValueError(f"{run_dir} is not a training run (no config.json); pass the --out of "
                         "a `cyclegan train` run.")  # fmt: skip
    folder = runs.latest_checkpoint(run_dir)
    if folder is None:
        raise ValueError(f"{run_dir} has no finished epoch yet; train at least one epoch first.")
    name = DIRECTIONS[direction]
    generator = build_generator(options, name)
    runs.load_checkpoint(tf.train.Checkpoint(**{name: generator}), folder, partial=True)
    return generator, options.image_size


def _collect(inputs: Sequence[str | os.PathLike]) -> list[Path]:
    files: list[Path] = []
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            found = list_images(path)
            if not found:
                raise ValueError(f"folder {path} holds no images; pass image files or folders.")
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            raise ValueError(f"input {path} does not exist; pass image files or folders.")
    return files


def translate_files(
    run_dir: str | os.PathLike,
    direction: str,
    inputs: Sequence[str | os.PathLike],
    out_dir: str | os.PathLike,
    batch_size: int = 8,
) -> list[Path]:
    """Translate image files (or every image of folders) and write PNGs.

    Images are resized to the run's square training size, translated, and written
    as ``OUT/<stem>_<direction>.png`` (a numeric suffix avoids overwriting when two
    inputs share a name).

    Args:
        run_dir: folder written by ``cyclegan train``.
        direction: ``"AtoB"`` or ``"BtoA"``.
        inputs: image files and/or folders of images.
        out_dir: output folder (created when missing).
        batch_size: images per generator call.

    Returns:
        The written files, in input order.

    Raises:
        ValueError: for missing inputs, unreadable images, or a bad run folder.
    """
    generator, size = load_generator(run_dir, direction)
    files = _collect(inputs)
    if not files:
        raise ValueError("no input images given; pass image files or folders.")
    bad = find_unreadable(files, desc="checking inputs")
    if bad:
        others = f" and {len(bad) - 1} more" if len(bad) > 1 else ""
        raise ValueError(f"cannot read image {bad[0]}{others}; replace or leave out the file.")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    taken: set[str] = set()
    with tqdm(total=len(files), desc=f"translating {direction}", unit="img") as bar:
        for start in range(0, len(files), batch_size):
            chunk = files[start : start + batch_size]
            batch = np.stack([read_image(f, size) for f in chunk])
            outputs = to_uint8(np.asarray(generator(batch, training=False), dtype=np.float32))
            for source, pixels in zip(chunk, outputs, strict=True):
                name = f"{source.stem}_{direction}"
                stem, k = name, 1
                while stem in taken:
                    k += 1
                    stem = f"{name}_{k}"
                taken.add(stem)
                target = out_dir / f"{stem}.png"
                Image.fromarray(pixels).save(target)
                written.append(target)
            bar.update(len(chunk))
    return written
