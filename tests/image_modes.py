"""Image files of every pixel mode, with the 8-bit RGB each must decode to.

Shared by the tests of both readers that go through :func:`nst_utils.images.to_rgb`:
``nst_utils.images.load_image`` (tests/test_images.py) and
``cyclegan.images.read_image`` (tests/test_cyclegan_data.py). Each case writes one
small file, checks that Pillow reads it back in the mode under test (so the case
really exercises that mode), and returns the expected pixels, worked out in NumPy
from the data written rather than by Pillow's conversions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

SHAPE = (6, 10)  # height, width: small, and not square
WHITE = 255.0


@dataclass(frozen=True)
class ModeCase:
    """One file to write: ``make(folder) -> (path, expected uint8 (H, W, 3))``."""

    name: str
    mode: str  # the mode Pillow opens the file in
    make: Callable[[Path], tuple[Path, np.ndarray]]
    atol: int = 0  # in 8-bit levels; 1 where alpha compositing rounds


def _rng(name: str) -> np.random.Generator:
    return np.random.default_rng(sum(map(ord, name)))


def _grey3(grey: np.ndarray) -> np.ndarray:
    return np.repeat(np.asarray(grey, np.float64)[..., None], 3, axis=-1)


def _over_white(rgb: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    a = np.asarray(alpha, np.float64)[..., None] / 255.0
    return np.asarray(rgb, np.float64) * a + WHITE * (1 - a)


def _save(folder: Path, name: str, image: Image.Image, **options) -> Path:
    path = folder / name
    image.save(path, **options)
    return path


def _grey(folder):
    grey = _rng("L").integers(0, 256, SHAPE, dtype=np.uint8)
    return _save(folder, "grey.png", Image.fromarray(grey)), _grey3(grey)


def _bilevel(folder):
    bits = _rng("1").random(SHAPE) < 0.5
    return _save(folder, "bits.png", Image.fromarray(bits)), _grey3(bits * 255)


def _palette_image(name: str, colours: int = 256):
    rng = _rng(name)
    palette = rng.integers(0, 256, (colours, 3), dtype=np.uint8)
    index = rng.integers(0, colours, SHAPE, dtype=np.uint8)
    image = Image.fromarray(index, mode="P")
    image.putpalette(palette.ravel().tolist())
    return image, palette, index


def _palette(folder):
    image, palette, index = _palette_image("P")
    return _save(folder, "palette.png", image), palette[index].astype(np.float64)


def _palette_index(folder, suffix="png"):
    image, palette, index = _palette_image("P-index", colours=16)
    key = int(index[0, 0])
    expected = np.where((index == key)[..., None], WHITE, palette[index])
    return _save(folder, f"keyed.{suffix}", image, transparency=key), expected


def _palette_alpha(folder):
    image, palette, index = _palette_image("P-alpha", colours=16)
    alpha = _rng("entry alpha").integers(0, 256, 16, dtype=np.uint8)
    alpha[0] = 0
    index[0, :] = 0  # a fully transparent row
    image = Image.fromarray(index, mode="P")
    image.putpalette(palette.ravel().tolist())
    path = _save(folder, "palette_alpha.png", image, transparency=alpha.tobytes())
    return path, _over_white(palette[index], alpha[index])


def _rgb(folder):
    rgb = _rng("RGB").integers(0, 256, (*SHAPE, 3), dtype=np.uint8)
    return _save(folder, "rgb.png", Image.fromarray(rgb)), rgb.astype(np.float64)


def _rgb_keyed(folder):
    rgb = _rng("RGB-key").integers(0, 256, (*SHAPE, 3), dtype=np.uint8)
    rgb[1, :4] = rgb[4, 7] = (10, 20, 30)
    path = _save(folder, "rgb_keyed.png", Image.fromarray(rgb), transparency=(10, 20, 30))
    keyed = (rgb == (10, 20, 30)).all(axis=-1, keepdims=True)
    return path, np.where(keyed, WHITE, rgb)


def _grey_keyed(folder):
    grey = _rng("L-key").integers(0, 256, SHAPE, dtype=np.uint8)
    grey[2, :5] = 77
    path = _save(folder, "grey_keyed.png", Image.fromarray(grey), transparency=77)
    return path, _grey3(np.where(grey == 77, WHITE, grey))


def _rgba(folder):
    rng = _rng("RGBA")
    rgb = rng.integers(0, 256, (*SHAPE, 3), dtype=np.uint8)
    alpha = rng.integers(0, 256, SHAPE, dtype=np.uint8)
    alpha[:2] = 0  # fully transparent rows come out white, not black
    path = _save(folder, "rgba.png", Image.fromarray(np.dstack([rgb, alpha])))
    return path, _over_white(rgb, alpha)


def _grey_alpha(folder):
    rng = _rng("LA")
    grey = rng.integers(0, 256, SHAPE, dtype=np.uint8)
    alpha = rng.integers(0, 256, SHAPE, dtype=np.uint8)
    alpha[:, 0] = 0
    path = _save(folder, "grey_alpha.png", Image.fromarray(np.dstack([grey, alpha])))
    return path, _over_white(_grey3(grey), alpha)


def _cmyk(folder):
    # Pure inks and pure black, where every CMYK -> RGB formula agrees.
    inks = np.array([[0, 0, 0, 0], [255, 0, 0, 0], [0, 200, 0, 0], [0, 0, 90, 0],
                     [0, 0, 0, 255], [0, 0, 0, 128]], np.uint8)
    cmyk = inks[_rng("CMYK").integers(0, len(inks), SHAPE)]
    path = _save(folder, "cmyk.tif", Image.fromarray(cmyk, mode="CMYK"))
    return path, 255.0 - cmyk[..., :3].astype(np.float64) - cmyk[..., 3:]


def _sixteen_bit(folder, name="deep.png", top=65536, key=None):
    deep = _rng(name).integers(0, top, SHAPE, dtype=np.uint16)
    deep[0, 0], deep[0, 1] = 0, top - 1
    options = {} if key is None else {"transparency": int(deep[0, 0])}
    if name.endswith(".tif") and name.startswith("big"):
        image = Image.frombytes("I;16B", SHAPE[::-1], deep.astype(">u2").tobytes())
    else:
        image = Image.fromarray(deep)
    path = _save(folder, name, image, **options)
    grey = np.floor(deep / 65535.0 * 255.0 + 0.5)  # the full 16-bit range, rounded
    if key is not None:
        grey = np.where(deep == deep[0, 0], WHITE, grey)
    return path, _grey3(grey)


def _int32(folder, name="int32.tif", low=-500, top=65536):
    data = _rng(name).integers(low, top, SHAPE).astype(np.int32)
    data[0, 0] = top - 1
    path = _save(folder, name, Image.fromarray(data))
    peak = 65535.0 if top > 256 else 255.0
    return path, _grey3(np.floor(np.clip(data, 0, None) / peak * 255.0 + 0.5))


def _float(folder, name="float.tif", peak=1.0):
    data = (_rng(name).random(SHAPE) * peak).astype(np.float32)
    data[0, 0] = peak
    path = _save(folder, name, Image.fromarray(data))
    return path, _grey3(np.round(data.astype(np.float64) / peak * 255.0))


MODE_CASES = [
    ModeCase("L", "L", _grey),
    ModeCase("1", "1", _bilevel),
    ModeCase("P", "P", _palette),
    ModeCase("P-transparent-index", "P", _palette_index),
    ModeCase("P-gif-transparent-index", "P", lambda d: _palette_index(d, "gif")),
    ModeCase("P-palette-alpha", "P", _palette_alpha, atol=1),
    ModeCase("RGB", "RGB", _rgb),
    ModeCase("RGB-transparent-colour", "RGB", _rgb_keyed),
    ModeCase("L-transparent-grey", "L", _grey_keyed),
    ModeCase("RGBA", "RGBA", _rgba, atol=1),
    ModeCase("LA", "LA", _grey_alpha, atol=1),
    ModeCase("CMYK", "CMYK", _cmyk),
    ModeCase("I;16", "I;16", _sixteen_bit),
    # A dark 16-bit file is still 16-bit: values up to 255 are near black, not 0-255.
    ModeCase("I;16-dark", "I;16", lambda d: _sixteen_bit(d, "dark.png", top=256)),
    ModeCase("I;16-transparent-grey", "I;16", lambda d: _sixteen_bit(d, "k.png", key=True)),
    ModeCase("I;16B", "I;16B", lambda d: _sixteen_bit(d, "big_endian.tif")),
    ModeCase("I", "I", _int32),
    ModeCase("I-8-bit-range", "I", lambda d: _int32(d, "int8.tif", low=0, top=256)),
    ModeCase("F", "F", _float, atol=1),
    ModeCase("F-8-bit-range", "F", lambda d: _float(d, "float255.tif", peak=255.0), atol=1),
]
MODE_IDS = [case.name for case in MODE_CASES]


def write_case(case: ModeCase, folder: Path) -> tuple[Path, np.ndarray]:
    """Write ``case``'s file into ``folder``; return its path and the expected uint8 RGB."""
    path, expected = case.make(folder)
    with Image.open(path) as check:
        assert check.mode == case.mode, f"{path.name} opens as {check.mode}, not {case.mode}"
    return path, np.clip(np.round(expected), 0, 255).astype(np.uint8)


def assert_decoded(actual_uint8: np.ndarray, expected: np.ndarray, case: ModeCase) -> None:
    """Compare decoded pixels with the expected ones, within the case's tolerance."""
    assert actual_uint8.shape == (*SHAPE, 3), actual_uint8.shape
    error = np.abs(actual_uint8.astype(int) - expected.astype(int))
    assert error.max() <= case.atol, (
        f"{case.name}: {int((error > case.atol).sum())} pixels off by up to {error.max()}"
    )
