"""Reading image files for CycleGAN: listing, decoding, checking and converting.

Everything here uses Pillow and NumPy only, so the same decoder serves a notebook
cell (``read_image``), the up-front file check of the training pipeline
(``find_unreadable``) and the pipeline itself.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError
from tqdm.auto import tqdm

from nst_utils.images import to_rgb

#: File extensions (lower case) that count as images.
IMAGE_EXTENSIONS = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".webp"})

# Below this many files a check finishes in well under a second; a bar would only flicker.
_PROGRESS_MIN_FILES = 1000


def list_images(folder: str | os.PathLike) -> list[Path]:
    """Image files directly inside ``folder``, sorted by name.

    Args:
        folder: directory to list (not searched recursively).

    Returns:
        Sorted list of paths whose extension is JPEG, PNG, BMP or WebP, in any case
        (``.JPG`` counts). Empty when the folder holds no such file.

    Raises:
        ValueError: when ``folder`` does not exist or is not a directory.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise ValueError(
            f"image folder {folder} does not exist or is not a directory; "
            "create it and put JPEG/PNG/BMP/WebP files in it."
        )
    return sorted(
        p for p in folder.iterdir() if p.suffix.lower() in IMAGE_EXTENSIONS and p.is_file()
    )


def _decode(path: Path, image_size: int | None, check_only: bool = False) -> np.ndarray | None:
    if not path.is_file():
        raise ValueError(f"cannot read image {path}: no such file; check the path.")
    if path.stat().st_size == 0:
        raise ValueError(f"cannot read image {path}: the file is empty; replace or delete it.")
    try:
        with Image.open(path) as im:
            if check_only:
                # JPEG draft mode decodes at 1/8 scale: still reads every byte, so it
                # catches truncation, at a fraction of the cost of a full decode.
                im.draft("RGB", (1, 1))
                im.load()
                return None
            im.load()
            im = to_rgb(ImageOps.exif_transpose(im))
            if image_size is not None and im.size != (image_size, image_size):
                im = im.resize((image_size, image_size), Image.Resampling.BICUBIC)
            pixels = np.asarray(im, dtype=np.float32)
    except UnidentifiedImageError:
        raise ValueError(
            f"cannot read image {path}: not an image Pillow recognises; replace or delete it."
        ) from None
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as err:
        reason = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise ValueError(
            f"cannot read image {path}: {reason}; replace or delete the file."
        ) from None
    return pixels / 127.5 - 1.0


def read_image(path: str | os.PathLike, image_size: int | None = None) -> np.ndarray:
    """Decode one image file to a float32 RGB array in [-1, 1].

    Grayscale, palette, CMYK and 16-bit images become 8-bit RGB and transparent pixels
    are composited onto white, by the decoder the NST images use
    (:func:`nst_utils.images.to_rgb`); the EXIF orientation tag is applied, so photos
    appear the way a viewer shows them.

    Args:
        path: JPEG, PNG, BMP or WebP file (any format Pillow reads works).
        image_size: when given, the image is resized (bicubic, aspect ratio not kept)
            to ``image_size x image_size``.

    Returns:
        Array of shape ``(H, W, 3)`` (or ``(image_size, image_size, 3)``), float32,
        values in [-1, 1].

    Raises:
        ValueError: when the file is missing, empty, truncated or not an image (the
            message names the file), or when ``image_size`` is not a positive int.
    """
    if image_size is not None and (not isinstance(image_size, (int, np.integer)) or image_size < 1):
        raise ValueError(f"image_size must be a positive int or None, got {image_size!r}.")
    return _decode(Path(path), None if image_size is None else int(image_size))


def to_uint8(image) -> np.ndarray:
    """Convert an image in [-1, 1] to uint8 pixels in [0, 255].

    Args:
        image: array or tensor of any shape, e.g. ``(H, W, 3)`` or ``(batch, H, W, 3)``;
            values outside [-1, 1] are clipped.

    Returns:
        uint8 array of the same shape.
    """
    x = np.asarray(image, dtype=np.float32)
    return np.clip(np.rint((x + 1.0) * 127.5), 0, 255).astype(np.uint8)


def _is_readable(path: Path) -> bool:
    try:
        _decode(path, None, check_only=True)
    except ValueError:
        return False
    return True


def find_unreadable(paths: Sequence[Path], desc: str = "checking images") -> list[Path]:
    """Return the files among ``paths`` that cannot be decoded.

    Every file is opened and decoded (JPEGs at reduced scale), in a few threads
    because Pillow releases the GIL while decoding.

    Args:
        paths: image files to check.
        desc: label of the progress bar, shown for large folders only.

    Returns:
        The unreadable paths, in the order given.
    """
    with ThreadPoolExecutor(max_workers=min(4, (os.cpu_count() or 1) + 1)) as pool:
        readable = list(
            tqdm(
                pool.map(_is_readable, paths),
                total=len(paths),
                desc=desc,
                unit="file",
                leave=False,
                disable=len(paths) < _PROGRESS_MIN_FILES,
            )
        )
    return [p for p, ok in zip(paths, readable, strict=True) if not ok]
