"""Tests for nst_utils.artwork: cached, verified downloads from a loopback "Commons"."""

from __future__ import annotations

import dataclasses
import hashlib
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

    for junk in (b"not a picture", body[: len(body) // 2]):  # text, a cut-off download
        (tmp_path / "impression_sunrise.jpg").write_bytes(junk)
        with pytest.raises(artwork.ArtworkError, match="not an image"):
            artwork.download_artwork("impression_sunrise", cache_dir=tmp_path)
        assert (tmp_path / "impression_sunrise.jpg").exists()  # the user's file stays
        assert not (tmp_path / "impression_sunrise.jpg.json").exists()


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
