"""Tests for nst_utils.samples: bundled content photo, painted styles, artwork downloads."""

from __future__ import annotations

import dataclasses
import hashlib
import importlib
import io
import json
import threading
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from nst_utils import artwork, samples

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


# --------------------------------------------------------------------------- artwork downloads


class _Gallery:
    """A loopback HTTP server imitating Commons: Special:FilePath redirects to the file."""

    def __init__(self, files: dict[str, bytes]):
        self.files = files
        self.requests: list[tuple[str, str]] = []  # (path with query, User-Agent)
        gallery = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's naming)
                gallery.requests.append((self.path, self.headers.get("User-Agent", "")))
                parsed = urllib.parse.urlsplit(self.path)
                name = urllib.parse.unquote(parsed.path.rsplit("/", 1)[-1])
                if parsed.path.startswith("/wiki/Special:FilePath/") and name in gallery.files:
                    self.send_response(302)
                    self.send_header("Location", "/files/" + urllib.parse.quote(name))
                    self.end_headers()
                elif parsed.path.startswith("/files/") and name in gallery.files:
                    body = gallery.files[name]
                    self.send_response(200)
                    self.send_header("Content-Type", "image/jpeg")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                else:
                    self.send_error(404, "File not found")

            def log_message(self, *args):  # keep pytest output clean
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.server.server_port}/wiki/Special:FilePath/"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


def _jpeg_bytes(seed: int = 0) -> bytes:
    pixels = np.random.default_rng(seed).integers(0, 256, (48, 64, 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


def _commons_name(key: str) -> str:
    return artwork.ARTWORKS[key].commons_file.replace(" ", "_")


@pytest.fixture
def gallery():
    served = _Gallery({_commons_name(k): _jpeg_bytes(i) for i, k in enumerate(artwork.ARTWORKS)})
    yield served
    served.stop()


def test_download_records_sha256_then_serves_the_cache_offline(gallery, tmp_path):
    key = "starry_night"
    opener_before = urllib.request._opener
    path = artwork.download_artwork(key, cache_dir=tmp_path, base_url=gallery.base_url)
    body = gallery.files[_commons_name(key)]
    assert path == tmp_path / f"{key}.jpg" and path.read_bytes() == body
    manifest = json.loads((tmp_path / f"{key}.jpg.json").read_text())
    assert manifest["sha256"] == hashlib.sha256(body).hexdigest()
    # The redirect was followed, the width asked for, and a descriptive User-Agent sent.
    paths = [p for p, _ in gallery.requests]
    assert paths[0].startswith("/wiki/Special:FilePath/") and "width=" in paths[0]
    assert paths[1].startswith("/files/")
    assert all(agent == artwork.USER_AGENT for _, agent in gallery.requests)
    assert urllib.request._opener is opener_before  # the caller's opener is back in place

    gallery.stop()
    again = artwork.download_artwork(key, cache_dir=tmp_path, base_url=gallery.base_url)
    assert again == path and len(gallery.requests) == 2


def test_tampered_cache_is_refused_with_a_fix(gallery, tmp_path):
    path = artwork.download_artwork("great_wave", cache_dir=tmp_path, base_url=gallery.base_url)
    path.write_bytes(path.read_bytes()[:-10] + b"0123456789")
    with pytest.raises(artwork.ArtworkError, match="delete") as info:
        artwork.download_artwork("great_wave", cache_dir=tmp_path, base_url=gallery.base_url)
    message = str(info.value)
    assert str(path) in message and "\n" not in message


def test_unknown_artwork_lists_the_catalogue(tmp_path):
    with pytest.raises(ValueError, match="starry_night") as info:
        artwork.download_artwork("mona_lisa", cache_dir=tmp_path)
    assert "\n" not in str(info.value)


def test_http_404_and_offline_give_one_line_errors(gallery, tmp_path):
    missing = gallery.base_url.replace("Special:FilePath", "Nowhere")
    with pytest.raises(artwork.ArtworkError, match="404") as info:
        artwork.download_artwork("the_scream", cache_dir=tmp_path, base_url=missing)
    message = str(info.value)
    assert missing in message and "by hand" in message and "\n" not in message
    assert not (tmp_path / "the_scream.jpg").exists()

    gallery.stop()
    with pytest.raises(artwork.ArtworkError, match="by hand") as info:
        artwork.download_artwork("the_scream", cache_dir=tmp_path, base_url=gallery.base_url)
    assert gallery.base_url in str(info.value) and "\n" not in str(info.value)


def test_non_image_download_is_discarded(gallery, tmp_path):
    gallery.files[_commons_name("pearl_earring")] = b"<html>rate limited</html>"
    with pytest.raises(artwork.ArtworkError, match="not an image"):
        artwork.download_artwork("pearl_earring", cache_dir=tmp_path, base_url=gallery.base_url)
    assert not (tmp_path / "pearl_earring.jpg").exists()


def test_copy_placed_by_hand_is_trusted_on_first_use(tmp_path):
    body = _jpeg_bytes(5)
    (tmp_path / "composition_vii.jpg").write_bytes(body)
    path = artwork.download_artwork("composition_vii", cache_dir=tmp_path, base_url="http://0.0.0.0:9/")
    manifest = json.loads((tmp_path / "composition_vii.jpg.json").read_text())
    assert path.read_bytes() == body and manifest["sha256"] == hashlib.sha256(body).hexdigest()

    (tmp_path / "impression_sunrise.jpg").write_text("not a picture")
    with pytest.raises(artwork.ArtworkError, match="not an image"):
        artwork.download_artwork("impression_sunrise", cache_dir=tmp_path)
    assert (tmp_path / "impression_sunrise.jpg").exists()  # the user's file is left alone


def test_catalogue_sha256_is_checked_by_get_file(gallery, tmp_path, monkeypatch):
    key = "starry_night"
    body = gallery.files[_commons_name(key)]
    good = dataclasses.replace(artwork.ARTWORKS[key], sha256=hashlib.sha256(body).hexdigest())
    monkeypatch.setitem(artwork.ARTWORKS, key, good)
    path = artwork.download_artwork(key, cache_dir=tmp_path / "a", base_url=gallery.base_url)
    assert path.read_bytes() == body

    bad = dataclasses.replace(good, sha256=hashlib.sha256(b"something else").hexdigest())
    monkeypatch.setitem(artwork.ARTWORKS, key, bad)
    with pytest.raises(artwork.ArtworkError, match="verification"):
        artwork.download_artwork(key, cache_dir=tmp_path / "b", base_url=gallery.base_url)


def test_artwork_image_loads_the_download(gallery, tmp_path):
    image = samples.artwork_image(
        "great_wave", max_dim=32, cache_dir=tmp_path, base_url=gallery.base_url
    )
    assert image.shape == (1, 24, 32, 3) and image.dtype == np.float32


def test_catalogue_urls_are_real_commons_addresses():
    for key, art in artwork.ARTWORKS.items():
        url = art.url()
        assert url.startswith("https://commons.wikimedia.org/wiki/Special:FilePath/"), key
        assert url.endswith(f"?width={artwork.DOWNLOAD_WIDTH}") and " " not in url
        assert art.title and art.artist and art.year and "public domain" in art.licence
    # Commons' storage layout, checked against an address published on Commons.
    assert artwork.ARTWORKS["starry_night"].original_url() == (
        "https://upload.wikimedia.org/wikipedia/commons/e/ea/"
        "Van_Gogh_-_Starry_Night_-_Google_Art_Project.jpg"
    )


def test_default_cache_dir_follows_keras_home(monkeypatch, tmp_path):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    assert artwork.default_cache_dir() == Path(tmp_path) / "nst_artwork"
