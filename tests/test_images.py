"""Tests for nst_utils.images: loading odd files, saving, VGG pre/post-processing, noise."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from nst_utils import images
from nst_utils.images import ImageError
from tests.image_modes import MODE_CASES, MODE_IDS, assert_decoded, write_case
from tests.image_modes import SHAPE as MODE_SHAPE

VGG_MEAN_BGR = np.array([103.939, 116.779, 123.68])  # Keras's "caffe" preprocessing means


def _rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def _check_batch(image: np.ndarray, height: int, width: int) -> None:
    assert image.shape == (1, height, width, 3)
    assert image.dtype == np.float32
    assert image.min() >= 0.0 and image.max() <= 1.0


# --------------------------------------------------------------------------- pixel modes


@pytest.mark.parametrize("case", MODE_CASES, ids=MODE_IDS)
def test_every_pixel_mode_loads_as_8_bit_rgb(tmp_path, case):
    # Greyscale, palette (with and without transparency), RGBA, LA, CMYK, 16-bit,
    # 32-bit and float files: see tests/image_modes.py for what each must become.
    path, expected = write_case(case, tmp_path)
    image = images.load_image(path, max_dim=None)
    _check_batch(image, *MODE_SHAPE)
    assert_decoded(np.round(image[0] * 255).astype(np.uint8), expected, case)


def _premultiplied(rgb, alpha):
    return Image.fromarray(np.dstack([rgb, alpha])).convert("RGBa")


def _pa(index, alpha, palette):
    image = Image.frombytes("PA", index.shape[::-1], np.dstack([index, alpha]).tobytes())
    image.putpalette(palette.ravel().tolist())
    return image


def test_to_rgb_handles_modes_that_only_exist_in_memory():
    # Modes Pillow can decode or build but not write to PNG/TIFF, tried directly.
    rng = _rng(11)
    rgb = rng.integers(0, 256, (5, 7, 3), dtype=np.uint8)
    alpha = rng.integers(0, 256, (5, 7), dtype=np.uint8)
    alpha[0] = 0  # fully transparent: white
    a = alpha[..., None] / 255.0
    palette = rng.integers(0, 256, (4, 3), dtype=np.uint8)
    index = rng.integers(0, 4, (5, 7), dtype=np.uint8)
    deep = rng.integers(0, 65536, (5, 7)).astype(np.uint16)
    floats = rng.random((5, 7)).astype(np.float32)
    floats[0, :3] = np.nan, -0.5, 0.0
    floats[1, 0] = 1.0
    deep_grey = np.repeat(np.round(deep / 257.0)[..., None], 3, axis=-1)
    float_grey = np.repeat(np.nan_to_num(np.clip(floats, 0, 1))[..., None] * 255, 3, axis=-1)
    cases = {
        "RGBa": (_premultiplied(rgb, alpha), rgb * a + 255.0 * (1 - a), 2),
        "PA": (_pa(index, alpha, palette), palette[index] * a + 255.0 * (1 - a), 1),
        "I;16L": (Image.frombytes("I;16L", (7, 5), deep.astype("<u2").tobytes()), deep_grey, 0),
        "I;16N": (Image.frombytes("I;16N", (7, 5), deep.tobytes()), deep_grey, 0),
        "F": (Image.fromarray(floats), float_grey, 1),  # NaN and negatives become black
    }
    for mode, (image, expected, atol) in cases.items():
        assert image.mode == mode
        out = images.to_rgb(image)
        assert out.mode == "RGB" and out.size == image.size
        error = np.abs(np.asarray(out, dtype=int) - np.round(expected))
        assert error.max() <= atol, f"{mode}: off by up to {error.max()}"


def test_exif_orientation_is_applied(tmp_path):
    # Stored 20 high x 40 wide, with a red block in the stored top-left corner.
    stored = np.zeros((20, 40, 3), dtype=np.uint8)
    stored[:, :] = (0, 0, 255)
    stored[:10, :10] = (255, 0, 0)
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90 degrees clockwise to display
    Image.fromarray(stored).save(tmp_path / "rotated.jpg", quality=95, exif=exif)
    image = images.load_image(tmp_path / "rotated.jpg")
    _check_batch(image, 40, 20)  # width and height swapped
    expected = np.rot90(stored, k=-1) / 255.0  # clockwise: the red block goes top-right
    assert np.abs(image[0] - expected).mean() < 0.03
    assert image[0, 2:8, 12:18, 0].mean() > 0.8 and image[0, 2:8, 2:8, 2].mean() > 0.8


def test_big_image_is_shrunk_to_max_dim_keeping_aspect(tmp_path):
    ys, xs = np.mgrid[0:800, 0:1200]
    smooth = np.stack([xs / 1200 * 255, ys / 800 * 255, (xs + ys) / 2000 * 255], -1)
    Image.fromarray(smooth.astype(np.uint8)).save(tmp_path / "big.png")
    image = images.load_image(tmp_path / "big.png", max_dim=300)
    _check_batch(image, 200, 300)
    # On a smooth image any decent filter agrees with 4x4 block averaging.
    blocks = smooth.reshape(200, 4, 300, 4, 3).mean(axis=(1, 3)) / 255.0
    assert np.abs(image[0] - blocks)[5:-5, 5:-5].max() < 3 / 255
    full = images.load_image(tmp_path / "big.png", max_dim=None)
    _check_batch(full, 800, 1200)
    assert images.load_image(tmp_path / "big.png", max_dim=5000).shape == full.shape


# --------------------------------------------------------------------------- saving


def test_png_round_trip_is_exact(tmp_path):
    pixels = _rng(5).integers(0, 256, (1, 17, 23, 3)).astype(np.float32) / 255.0
    path = images.save_image(tmp_path / "nested" / "out.png", pixels)
    assert path.is_file()
    np.testing.assert_allclose(images.load_image(path), pixels, atol=1e-6)


def test_save_clips_and_accepts_three_dimensional_arrays(tmp_path):
    raw = _rng(6).normal(0.5, 0.6, (9, 11, 3)).astype(np.float32)
    images.save_image(tmp_path / "clipped.png", raw)
    back = images.load_image(tmp_path / "clipped.png")
    np.testing.assert_allclose(back[0], np.round(np.clip(raw, 0, 1) * 255) / 255, atol=1e-6)
    with pytest.raises(ValueError):
        images.save_image(tmp_path / "bad.png", np.zeros((2, 4, 4, 3)))


def test_jpeg_round_trip_is_close(tmp_path):
    ys, xs = np.mgrid[0:64, 0:64] / 63.0
    smooth = np.stack([xs, ys, 1 - xs], -1)[None].astype(np.float32)
    images.save_image(tmp_path / "out.jpg", smooth)
    assert np.abs(images.load_image(tmp_path / "out.jpg") - smooth).mean() < 0.02


def test_resize_image_to_content_size():
    pixels = _rng(7).random((1, 30, 40, 3)).astype(np.float32)
    resized = images.resize_image(pixels, (15, 20))
    _check_batch(resized, 15, 20)
    assert abs(resized.mean() - pixels.mean()) < 0.02
    assert images.resize_image(pixels, (30, 40)) is pixels or np.array_equal(
        images.resize_image(pixels, (30, 40)), pixels
    )


# --------------------------------------------------------------------------- bad files


def _truncated(tmp_path, fmt: str):
    pixels = _rng(8).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    full = tmp_path / f"full.{fmt}"
    Image.fromarray(pixels).save(full)
    cut = tmp_path / f"cut.{fmt}"
    cut.write_bytes(full.read_bytes()[: full.stat().st_size // 2])
    return cut


def _empty(d):
    (d / "empty.jpg").touch()
    return d / "empty.jpg"


def _text_as_jpeg(d):
    (d / "notes.jpg").write_text("just some text\n")
    return d / "notes.jpg"


def _directory(d):
    (d / "folder.png").mkdir()
    return d / "folder.png"


@pytest.mark.parametrize(
    "make",
    [
        lambda d: d / "missing.jpg",
        _empty,
        lambda d: _truncated(d, "jpg"),
        lambda d: _truncated(d, "png"),
        _text_as_jpeg,
        _directory,
    ],
    ids=["missing", "empty", "truncated-jpeg", "truncated-png", "text-as-jpeg", "directory"],
)
def test_unusable_files_raise_one_line_image_errors(tmp_path, make):
    path = make(tmp_path)
    with pytest.raises(ImageError) as info:
        images.load_image(path)
    message = str(info.value)
    assert path.name in message and "\n" not in message
    assert isinstance(info.value, ValueError)


# --------------------------------------------------------------------------- VGG and noise


def test_preprocess_matches_caffe_convention_and_inverts():
    pixels = _rng(9).random((1, 8, 10, 3)).astype(np.float32)
    x = np.asarray(images.preprocess_for_vgg(pixels))
    expected = pixels[..., ::-1].astype(np.float64) * 255.0 - VGG_MEAN_BGR
    np.testing.assert_allclose(x, expected, atol=1e-3)
    back = images.deprocess_from_vgg(x)
    assert back.dtype == np.float32
    np.testing.assert_allclose(back, pixels, atol=1e-5)
    assert images.deprocess_from_vgg(x + 1000.0).max() == 1.0  # clipped to [0, 1]


def test_noise_image_is_seeded_bounded_and_mixed_as_specified():
    content = _rng(10).random((1, 12, 16, 3)).astype(np.float32)
    first = images.generate_noise_image(content, noise_ratio=0.6, seed=3)
    _check_batch(first, 12, 16)
    np.testing.assert_array_equal(first, images.generate_noise_image(content, 0.6, seed=3))
    assert not np.array_equal(first, images.generate_noise_image(content, 0.6, seed=4))
    # Coursera recipe: uniform(-20, 20) noise on the 0-255 scale, mixed 0.6 : 0.4 with
    # the mean-centred content; the mean is added back.
    mean = np.array([123.68, 116.779, 103.939]) / 255.0
    noise = np.random.default_rng(3).uniform(-20, 20, content.shape) / 255.0
    expected = np.clip(0.6 * noise + 0.4 * (content - mean) + mean, 0, 1)
    np.testing.assert_allclose(first, expected, atol=1e-5)
    no_noise = images.generate_noise_image(content, 0.0, seed=1)
    np.testing.assert_allclose(no_noise, content, atol=1e-6)
    with pytest.raises(ValueError, match="noise_ratio"):
        images.generate_noise_image(content, noise_ratio=1.5)


@pytest.mark.parametrize("max_dim", [0, -5, 2.5, True, "512"])
def test_bad_max_dim_is_refused(tmp_path, max_dim):
    Image.new("RGB", (8, 8)).save(tmp_path / "small.png")
    with pytest.raises(ValueError, match="max_dim"):
        images.load_image(tmp_path / "small.png", max_dim=max_dim)


def test_resize_to_an_empty_size_is_refused():
    with pytest.raises(ValueError, match="size"):
        images.resize_image(np.zeros((1, 4, 4, 3), np.float32), (0, 4))
