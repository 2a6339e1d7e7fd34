"""Tests for nst_utils.samples: the bundled content photo and the painted style images."""

from __future__ import annotations

import importlib

import numpy as np
import pytest
from PIL import Image

from nst_utils import samples

SIZE = (96, 128)  # small and non-square, so height/width mix-ups show


# --------------------------------------------------------------------------- painted styles


@pytest.mark.parametrize("name", samples.STYLE_NAMES)
def test_paint_style_is_a_pure_function_of_its_seed(name):
    painter = importlib.import_module(f"nst_utils.painters.{name}")
    # The painter itself, twice with fresh generators: bypasses paint_style's cache.
    first = painter.paint(np.random.default_rng(7), *SIZE)
    second = painter.paint(np.random.default_rng(7), *SIZE)
    assert first.tobytes() == second.tobytes()
    via_api = samples.paint_style(name, *SIZE, seed=7)
    assert via_api.shape == (*SIZE, 3) and via_api.dtype == np.uint8
    assert via_api.tobytes() == first.tobytes()
    other_seed = samples.paint_style(name, *SIZE, seed=8)
    assert np.abs(other_seed.astype(int) - first.astype(int)).mean() > 5


def test_paint_style_returns_a_private_copy():
    image = samples.paint_style("mosaic", *SIZE)
    image[:] = 0  # must not poison the cache
    assert samples.paint_style("mosaic", *SIZE).max() > 0


def test_styles_differ_from_each_other():
    images = {n: samples.paint_style(n, *SIZE) / 255.0 for n in samples.STYLE_NAMES}
    names = list(images)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            mean_abs = np.abs(images[a] - images[b]).mean()
            assert mean_abs > 0.08, f"{a} and {b} look alike (mean |diff| {mean_abs:.3f})"


def _band_rms(pixels: np.ndarray, levels: int = 5) -> tuple[np.ndarray, float]:
    """Laplacian-pyramid contrast of the luminance.

    Returns the RMS of each detail band (pixel scales 1, 2, 4, ... 2**(levels-1)) and
    the RMS of what is left at the coarsest level (the composition).
    """
    g = pixels.astype(np.float64) @ np.array([0.299, 0.587, 0.114]) / 255.0
    rms = []
    for _ in range(levels):
        h, w = g.shape[0] // 2 * 2, g.shape[1] // 2 * 2
        g = g[:h, :w]
        coarse = g.reshape(h // 2, 2, w // 2, 2).mean(axis=(1, 3))
        detail = g - np.repeat(np.repeat(coarse, 2, axis=0), 2, axis=1)
        rms.append(np.sqrt(np.mean(detail**2)))
        g = coarse
    return np.array(rms), float(np.std(g))


def _rich_at_every_scale(pixels: np.ndarray) -> bool:
    # VGG's style layers see from ~3 px (block1) to ~100+ px (block5) of a 256-px image:
    # a style image needs contrast in every band, and a composition on top.
    bands, residual = _band_rms(pixels)
    return bool((bands > 0.015).all() and residual > 0.05)


def test_richness_check_rejects_textureless_and_structureless_images():
    rng = np.random.default_rng(0)
    noise = (rng.random((256, 256, 3)) * 255).astype(np.uint8)  # only fine detail
    ys, xs = np.mgrid[0:256, 0:256]
    gradient = np.stack([xs, ys, np.full_like(xs, 128)], axis=-1).astype(np.uint8)
    assert not _rich_at_every_scale(noise)
    assert not _rich_at_every_scale(gradient)


@pytest.mark.parametrize("name", samples.STYLE_NAMES)
def test_styles_have_texture_at_every_scale_and_colour(name):
    pixels = samples.paint_style(name, 256, 256, seed=1)
    bands, residual = _band_rms(pixels)
    assert _rich_at_every_scale(pixels), f"band RMS {np.round(bands, 3)}, residual {residual:.3f}"
    chroma = (pixels.max(axis=-1).astype(np.float64) - pixels.min(axis=-1)).mean() / 255
    assert chroma > 0.05, "the painting is nearly grey"
    # Not saturated into flat black or white areas.
    assert 0.1 < pixels.mean() / 255 < 0.9


def test_style_image_matches_paint_style_in_float():
    image = samples.style_image("waves", size=SIZE, seed=2)
    assert image.shape == (1, *SIZE, 3) and image.dtype == np.float32
    expected = samples.paint_style("waves", *SIZE, seed=2).astype(np.float64) / 255
    np.testing.assert_allclose(image[0], expected, atol=1e-6)
    square = samples.style_image("cubist", max_dim=64)
    assert square.shape == (1, 64, 64, 3) and 0 <= square.min() and square.max() <= 1


@pytest.mark.parametrize(
    ("call", "fragment"),
    [
        (lambda: samples.paint_style("picasso", 64, 64), "waves"),  # lists the valid names
        (lambda: samples.paint_style("waves", 8, 64), "height"),
        (lambda: samples.paint_style("waves", 64, 5000), "width"),
        (lambda: samples.paint_style("waves", 64.0, 64), "integer"),
        (lambda: samples.paint_style("waves", 64, 64, seed=-1), "seed"),
        (lambda: samples.style_image("waves", size=64), "pair"),
        (lambda: samples.content_image("mona_lisa"), "grace_hopper"),
    ],
)
def test_bad_arguments_raise_one_line_value_errors(call, fragment):
    with pytest.raises(ValueError, match=fragment) as info:
        call()
    assert "\n" not in str(info.value)


# --------------------------------------------------------------------------- content photo


def test_grace_hopper_loads_like_pillow_does():
    path = samples.content_image_path("grace_hopper")
    assert path.name == "grace_hopper.jpg" and path.is_file()
    with Image.open(path) as img:
        reference = np.asarray(img.convert("RGB"), dtype=np.float64) / 255
    image = samples.content_image(max_dim=None)
    assert image.shape == (1, *reference.shape) and image.dtype == np.float32
    np.testing.assert_allclose(image[0], reference, atol=1e-6)
    small = samples.content_image(max_dim=128)
    h, w = reference.shape[:2]
    assert max(small.shape[1:3]) == 128
    expected = (128, round(w * 128 / h)) if h >= w else (round(h * 128 / w), 128)
    assert small.shape[1:3] == expected
    assert abs(small.mean() - reference.mean()) < 0.01  # same picture, only smaller


def test_show_samples_draws_every_image():
    figure = samples.show_samples(size=32)
    titles = [ax.get_title() for ax in figure.axes]
    assert len(titles) == len(samples.STYLE_NAMES) + 1
    for name in samples.STYLE_NAMES:
        assert any(t.startswith(name) for t in titles)
    import matplotlib.pyplot as plt

    plt.close(figure)
