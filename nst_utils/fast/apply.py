"""Stylising image files with a trained run, as ``nst apply`` does.

A fast-style run holds one style in its weights; an AdaIN run takes the style image at
inference (``style=``) and a content/style trade-off ``alpha`` in ``[0, 1]``. Images of
any size are reflection-padded to a multiple of the network's stride and cropped back,
so the output has the input's size.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf
from tqdm.auto import tqdm

import cyclegan.layers  # noqa: F401  (registers the layers saved models name)
from nst_utils.fast import adain as _adain  # registers the AdaIN layer
from nst_utils.fast import runs
from nst_utils.fast.data import IMAGE_EXTENSIONS
from nst_utils.images import load_image, save_image
from nst_utils.vgg import VGGPreprocess

#: Height and width the networks need multiples of: 4 (two stride-2 convolutions), 8
#: (AdaIN's encoder pools three times).
MULTIPLE = {"fast": 4, "adain": 8}
_REGISTERED = (_adain.AdaIN,)
#: Longest side a style image is brought to (its statistics barely change above it).
STYLE_MAX_DIM = 512


def load_run_model(run_dir: str | os.PathLike) -> tuple[runs.FastConfig, keras.Model]:
    """The settings and the trained model of a run folder.

    Raises:
        ValueError: for a missing or foreign folder, or a run with no model yet.
    """
    config = runs.read_run_config(run_dir)
    path = Path(run_dir) / runs.MODEL_FILE
    if not path.is_file():
        raise ValueError(f"{run_dir} has no trained model yet ({runs.MODEL_FILE}); finish "
                         "training with the same train command.")
    try:
        model = keras.saving.load_model(os.fspath(path), compile=False,
                                        custom_objects={"VGGPreprocess": VGGPreprocess})
    except Exception as err:  # Keras raises many kinds for a damaged or foreign file
        reason = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise ValueError(f"cannot load {path} ({reason[:120]}); train the run again.") from None
    return config, model


def _pad_to(image: np.ndarray, multiple: int) -> np.ndarray:
    _, h, w, _ = image.shape
    ph, pw = -h % multiple, -w % multiple
    mode = "reflect" if min(h, w) > max(ph, pw) else "edge"
    return np.pad(image, ((0, 0), (0, ph), (0, pw), (0, 0)), mode=mode)


def _inputs(paths: Sequence[str | os.PathLike]) -> list[Path]:
    files: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            found = sorted(f for f in p.iterdir() if f.suffix.lower() in IMAGE_EXTENSIONS)
            if not found:
                raise ValueError(f"folder {p} holds no JPEG/PNG/BMP/WebP images.")
            files += found
        else:
            files.append(p)
    return files


def apply_files(run_dir: str | os.PathLike, images: Sequence[str | os.PathLike],
                out_dir: str | os.PathLike, *, style: str | os.PathLike | None = None,
                alpha: float = 1.0, max_dim: int | None = None,
                xla: bool = False) -> list[Path]:
    """Stylise image files (or folders of them) and write ``OUT/<name>.png``.

    Args:
        run_dir: a folder written by ``nst train-fast`` or ``nst train-adain``.
        images: image files or folders.
        out_dir: output folder (created).
        style: the style image, for an AdaIN run only.
        alpha: AdaIN's content/style trade-off in ``[0, 1]`` (1 = full style).
        max_dim: shrink inputs so their longer side is at most this (``None``: keep).
        xla: compile the forward pass with XLA (``jit_compile``).

    Returns:
        The files written.

    Raises:
        ValueError: in one line, for a bad run folder, an unreadable image, a style
            given to a fast run or missing for an AdaIN run, or ``alpha`` outside [0, 1].
    """
    config, model = load_run_model(run_dir)
    if config.kind == "fast" and style is not None:
        raise ValueError(f"{run_dir} is a fast-style run trained for one style; --style "
                         "applies to AdaIN runs only (train one with nst train-adain).")
    if config.kind == "adain" and style is None:
        raise ValueError(f"{run_dir} is an AdaIN run; pass the style image with --style.")
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"--alpha must lie in [0, 1], got {alpha}.")
    if config.kind == "fast" and alpha != 1.0:
        raise ValueError("--alpha applies to AdaIN runs only.")
    files = _inputs(images)
    contents = [load_image(f, max_dim=max_dim) for f in files]  # every file checked first
    style_image = None if style is None else load_image(style, max_dim=STYLE_MAX_DIM)
    out_dir = Path(out_dir)
    written = []
    # XLA fuses the padding, normalisation and activations around each convolution; on
    # this project's CPU it was not reliably faster (docs/benchmarks.md), so it is opt-in.
    # It compiles once per image size.
    forward = tf.function(lambda *x: model(list(x) if len(x) > 1 else x[0], training=False),
                          jit_compile=xla)
    for path, image in tqdm(list(zip(files, contents, strict=True)), desc="apply",
                            unit="image", disable=len(files) < 3):
        _, h, w, _ = image.shape
        padded = tf.constant(_pad_to(image, MULTIPLE[config.kind]))
        if config.kind == "fast":
            out = forward(padded)
        else:
            out = forward(padded, tf.constant(style_image), tf.constant([[alpha]], tf.float32))
        written.append(save_image(out_dir / f"{path.stem}.png", out.numpy()[:, :h, :w]))
    return written
