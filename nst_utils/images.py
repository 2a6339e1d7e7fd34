"""Reading, writing and preparing images for Neural Style Transfer.

Images travel through the package as float32 arrays of shape ``(1, H, W, 3)`` with
values in ``[0, 1]``. VGG19 wants something else (0–255, BGR, ImageNet mean removed),
so the conversion happens in one place: :func:`preprocess_for_vgg`.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

#: ImageNet channel means (RGB, 0–255) that Keras's VGG19 preprocessing subtracts.
VGG_MEAN_RGB = np.array([123.68, 116.779, 103.939], dtype=np.float32)


class ImageError(ValueError):
    """An image file that cannot be used; the message is one line and names the file."""


# Modes with more than 8 bits per pixel: Pillow's own conversion clips them at 255.
_SIXTEEN_BIT_MODES = frozenset({"I;16", "I;16B", "I;16L", "I;16N"})
_WIDE_MODES = _SIXTEEN_BIT_MODES | {"I", "F"}
# Modes with an alpha channel; other modes may carry a transparent colour in info.
_ALPHA_MODES = frozenset({"RGBA", "RGBa", "LA", "PA"})


def _wide_to_grey(img: Image.Image) -> Image.Image:
    """16-bit, 32-bit integer or float greyscale to 8-bit ``L`` (``LA`` with a tRNS colour).

    ``I;16`` modes always span 0-65535. ``I`` and ``F`` carry no range, so it is read
    from the values: at most 1 (``F`` only) means 0-1, at most 255 means 0-255, and
    anything larger 0-65535. Values outside the range are clipped, NaN becomes 0.
    """
    raw = np.asarray(img, dtype=np.float64)
    top = float(np.nanmax(raw, initial=0.0))
    if img.mode in _SIXTEEN_BIT_MODES or top > 255.0:
        peak = 65535.0
    elif img.mode == "F" and top <= 1.0:
        peak = 1.0
    else:
        peak = 255.0
    grey = np.clip(np.nan_to_num(raw) / peak * 255.0 + 0.5, 0, 255).astype(np.uint8)
    key = img.info.get("transparency")
    if isinstance(key, (int, float)):
        # A 16-bit PNG can mark one grey level as transparent (its tRNS chunk).
        return Image.fromarray(np.dstack([grey, np.where(raw == key, 0, 255).astype(np.uint8)]))
    return Image.fromarray(grey)


def to_rgb(img: Image.Image) -> Image.Image:
    """Convert a decoded image of any Pillow mode to 8-bit RGB.

    The one decoder behind :func:`load_image` and :func:`cyclegan.images.read_image`:

    * greyscale (``L``, ``1``) repeats its grey in R, G and B; palette (``P``) images
      take their palette colours; ``CMYK`` and ``YCbCr`` use Pillow's conversion;
    * 16-bit greyscale (``I;16``, ``I;16B``, ``I;16L``, ``I;16N``) is scaled from
      0-65535 to 0-255 and rounded, where Pillow alone would clip everything above
      255 to white; ``I`` (32-bit) and ``F`` (float) are scaled from the range their
      values suggest (0-1 for float images, else 0-255 or 0-65535);
    * transparency is composited onto white, whether it is an alpha channel (``RGBA``,
      ``LA``, ``PA``, premultiplied ``RGBa``), per-entry palette alpha, or one
      transparent colour or palette index (a PNG tRNS chunk, a GIF transparent index):
      transparent pixels hold arbitrary colours, often black, that are not meant to
      be seen.

    Args:
        img: a loaded Pillow image (after ``ImageOps.exif_transpose`` if wanted).

    Returns:
        An image of mode ``RGB`` and the same size.
    """
    if img.mode in _WIDE_MODES:
        img = _wide_to_grey(img)
    if img.mode in _ALPHA_MODES or img.info.get("transparency") is not None:
        rgba = img.convert("RGBA")
        backdrop = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(backdrop, rgba).convert("RGB")
    return img.convert("RGB")


def load_image(path: str | os.PathLike, max_dim: int | None = 512) -> np.ndarray:
    """Load an image file as a float32 batch of one.

    Handles every pixel mode as :func:`to_rgb` describes (greyscale, palette, CMYK,
    16-bit; transparency composited on white), applies the EXIF orientation, and
    shrinks the image so its longer side is at most ``max_dim`` (aspect ratio kept;
    small images are not enlarged).

    Args:
        path: an image file Pillow can read (JPEG, PNG, BMP, WebP, ...).
        max_dim: longest side after loading, or ``None`` to keep the full size.

    Returns:
        Array of shape ``(1, H, W, 3)``, float32, values in ``[0, 1]``.

    Raises:
        ImageError: the file is missing, empty, truncated or not an image.
        ValueError: ``max_dim`` is not a positive integer or ``None``.
    """
    if max_dim is not None and not (
        isinstance(max_dim, (int, np.integer)) and not isinstance(max_dim, bool) and max_dim >= 1
    ):
        raise ValueError(f"max_dim must be a positive integer or None, got {max_dim!r}.")
    path = Path(path)
    if not path.exists():
        raise ImageError(f"{path}: no such file; check the path and try again.")
    if path.is_dir():
        raise ImageError(f"{path}: is a folder, not an image file; pass an image file.")
    if path.stat().st_size == 0:
        raise ImageError(f"{path}: the file is empty (0 bytes); re-download or re-export it.")
    try:
        with Image.open(path) as img:
            img.load()
            img = ImageOps.exif_transpose(img)
            img = to_rgb(img)
    except UnidentifiedImageError:
        raise ImageError(
            f"{path}: not an image Pillow can read; use a JPEG, PNG, BMP or WebP file."
        ) from None
    except (OSError, SyntaxError, ValueError) as err:
        reason = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise ImageError(
            f"{path}: the image is damaged or truncated ({reason}); re-download or re-export it."
        ) from None
    if max_dim is not None and max(img.size) > max_dim:
        scale = max_dim / max(img.size)
        new_size = (max(1, round(img.width * scale)), max(1, round(img.height * scale)))
        img = img.resize(new_size, Image.Resampling.LANCZOS)
    return (np.asarray(img, dtype=np.float32) / 255.0)[None]


def _as_batch(image) -> np.ndarray:
    image = np.asarray(image, dtype=np.float32)
    if image.ndim == 3:
        image = image[None]
    if image.ndim != 4 or image.shape[0] != 1 or image.shape[-1] != 3:
        raise ValueError(
            f"expected an image of shape (1, H, W, 3) or (H, W, 3), got {image.shape}."
        )
    return image


def save_image(path: str | os.PathLike, image) -> Path:
    """Save an image in ``[0, 1]`` (shape ``(1, H, W, 3)`` or ``(H, W, 3)``) to a file.

    Values are clipped to ``[0, 1]``; the format follows the file extension and missing
    parent folders are created.

    Returns:
        The path written.
    """
    path = Path(path)
    pixels = np.clip(_as_batch(image)[0], 0.0, 1.0)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.round(pixels * 255.0).astype(np.uint8)).save(path)
    return path


def resize_image(image, size: tuple[int, int]) -> np.ndarray:
    """Resize an image ``(1, H, W, 3)`` in ``[0, 1]`` to ``size = (height, width)``.

    Used to bring the style image to the content image's size, since the layer style
    cost compares activations of equal shape.
    """
    image = _as_batch(image)
    height, width = int(size[0]), int(size[1])
    if height < 1 or width < 1:
        raise ValueError(f"size must be a positive (height, width), got {tuple(size)}.")
    if image.shape[1:3] == (height, width):
        return image
    pil = Image.fromarray(np.round(np.clip(image[0], 0, 1) * 255).astype(np.uint8))
    pil = pil.resize((width, height), Image.Resampling.LANCZOS)
    return (np.asarray(pil, dtype=np.float32) / 255.0)[None]


def preprocess_for_vgg(image):
    """Turn images in ``[0, 1]`` into VGG19 input: 0–255, BGR, ImageNet mean removed.

    Args:
        image: array or tensor of shape ``(m, H, W, 3)``, RGB in ``[0, 1]``.

    Returns:
        float32 tensor of the same shape, as ``keras.applications.vgg19.preprocess_input``
        produces from 0–255 RGB pixels.
    """
    import keras  # imported lazily so `load_image` stays usable without TensorFlow

    return keras.applications.vgg19.preprocess_input(image * 255.0)


def deprocess_from_vgg(x) -> np.ndarray:
    """Invert :func:`preprocess_for_vgg`: VGG19 input back to RGB in ``[0, 1]``.

    Args:
        x: array of shape ``(m, H, W, 3)``, BGR, mean removed.

    Returns:
        float32 array of the same shape, RGB, clipped to ``[0, 1]``.
    """
    rgb = np.asarray(x, dtype=np.float32)[..., ::-1] + VGG_MEAN_RGB
    return np.clip(rgb / 255.0, 0.0, 1.0)


def generate_noise_image(content, noise_ratio: float = 0.6, seed: int | None = None) -> np.ndarray:
    """Starting image for the optimisation: the content image blended with noise.

    As in the Coursera assignment, uniform noise in ``[-20, 20]`` (on the 0–255 scale)
    is mixed with the mean-centred content image, ``noise_ratio`` of noise to
    ``1 - noise_ratio`` of content; the ImageNet mean is then added back and the result
    clipped to ``[0, 1]``.

    Args:
        content: content image, shape ``(1, H, W, 3)`` in ``[0, 1]``.
        noise_ratio: share of noise, in ``[0, 1]``.
        seed: seed for ``numpy.random.default_rng``.

    Returns:
        float32 array of the content's shape, in ``[0, 1]``.
    """
    if not 0.0 <= noise_ratio <= 1.0:
        raise ValueError(f"noise_ratio must lie in [0, 1], got {noise_ratio}.")
    content = _as_batch(content)
    mean = VGG_MEAN_RGB / 255.0
    noise = np.random.default_rng(seed).uniform(-20.0, 20.0, content.shape) / 255.0
    mixed = noise_ratio * noise + (1.0 - noise_ratio) * (content - mean) + mean
    return np.clip(mixed, 0.0, 1.0).astype(np.float32)
