"""Training images for fast style transfer: folders, the seeded stream, and downloads.

Downloads run against an HTTP server this test starts on 127.0.0.1 that honours
``Range`` requests and can cut a response short, like a dropped connection.
"""

import hashlib
import http.server
import io
import threading
import zipfile

import numpy as np
import pytest
from PIL import Image

from cyclegan.download import DownloadError
from nst_utils.fast import data as lib


class _Server(http.server.ThreadingHTTPServer):
    files: dict  # path -> bytes
    cut_after: int | None = None  # bytes sent before the connection drops (once)
    ranges: list


class _Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        body = self.server.files.get(self.path)
        if body is None:
            self.send_error(404)
            return
        start = 0
        header = self.headers.get("Range")
        self.server.ranges.append(header)
        if header:
            start = int(header.split("=")[1].split("-")[0])
            if start >= len(body):
                self.send_error(416)
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
        else:
            self.send_response(200)
        self.send_header("Content-Length", str(len(body) - start))
        self.end_headers()
        payload = body[start:]
        if self.server.cut_after is not None:
            payload, self.server.cut_after = payload[:self.server.cut_after], None
        self.wfile.write(payload)


@pytest.fixture
def server():
    srv = _Server(("127.0.0.1", 0), _Handler)
    srv.files, srv.ranges = {}, []
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv, f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()
    srv.server_close()


def _zip_of_images(n=3) -> bytes:
    buffer = io.BytesIO()
    rng = np.random.default_rng(0)
    with zipfile.ZipFile(buffer, "w") as zf:
        for i in range(n):
            png = io.BytesIO()
            Image.fromarray(rng.integers(0, 256, (9, 7, 3), dtype=np.uint8)).save(png, "PNG")
            zf.writestr(f"train2014/COCO_{i:03d}.png", png.getvalue())
    return buffer.getvalue()


def test_real_urls():
    assert lib.COCO_TRAIN2014_URL == "http://images.cocodataset.org/zips/train2014.zip"
    assert lib.DATASETS["wikiart"].endswith("/ICIP2017/wikiart.zip")


def test_download_archive_unpacks_and_is_cached(server, tmp_path):
    srv, url = server
    srv.files["/train2014.zip"] = _zip_of_images()
    folder = lib.download_archive(url + "/train2014.zip", tmp_path)
    assert folder == tmp_path / "train2014"
    assert len(lib.list_images_recursive(folder)) == 3
    assert not (tmp_path / "train2014.zip").exists()  # the zip goes once unpacked
    assert lib.download_archive(url + "/train2014.zip", tmp_path) == folder
    assert len(srv.ranges) == 1  # the second call fetched nothing


def test_cut_download_resumes_with_a_range(server, tmp_path):
    srv, url = server
    body = bytes(np.random.default_rng(1).integers(0, 256, 50_000, dtype=np.uint8))
    srv.files["/big.bin"] = body
    srv.cut_after = 20_000
    with pytest.raises(DownloadError, match="stopped at 20000 of 50000 bytes"):
        lib.fetch_resumable(url + "/big.bin", tmp_path / "big.bin")
    assert (tmp_path / "big.bin.part").stat().st_size == 20_000
    digest = hashlib.sha256(body).hexdigest()
    path = lib.fetch_resumable(url + "/big.bin", tmp_path / "big.bin", sha256=digest)
    assert srv.ranges == [None, "bytes=20000-"]
    assert path.read_bytes() == body and not (tmp_path / "big.bin.part").exists()


def test_wrong_checksum_deletes_the_file(server, tmp_path):
    srv, url = server
    srv.files["/x.zip"] = b"abc"
    with pytest.raises(DownloadError, match="SHA-256"):
        lib.fetch_resumable(url + "/x.zip", tmp_path / "x.zip", sha256="0" * 64)
    assert not list(tmp_path.iterdir())


def test_download_errors_are_one_line(server, tmp_path):
    srv, url = server
    with pytest.raises(DownloadError, match="HTTP 404") as err:
        lib.download_archive(url + "/missing.zip", tmp_path)
    assert "\n" not in str(err.value)
    srv.files["/broken.zip"] = b"PK this is not a zip"
    with pytest.raises(DownloadError, match="not a readable zip"):
        lib.download_archive(url + "/broken.zip", tmp_path)
    with pytest.raises(DownloadError, match="could not fetch"):
        lib.fetch_resumable("http://127.0.0.1:1/none.zip", tmp_path / "none.zip")


def test_folders_are_checked(tmp_path):
    with pytest.raises(ValueError, match="does not exist"):
        lib.list_images_recursive(tmp_path / "nope")
    with pytest.raises(ValueError, match="holds no"):
        lib.list_images_recursive(tmp_path)
    (tmp_path / "style" / "Impressionism").mkdir(parents=True)  # WikiArt's layout
    Image.new("RGB", (8, 8)).save(tmp_path / "style" / "Impressionism" / "a.jpg")
    (tmp_path / "style" / "b.png").write_bytes(b"\x89PNG broken")
    assert len(lib.list_images_recursive(tmp_path / "style")) == 2
    with pytest.raises(ValueError, match="cannot read image .*b.png"):
        lib.checked_images(tmp_path / "style")


def test_stream_is_seeded_and_resumes_mid_way(tmp_path):
    rng = np.random.default_rng(2)
    for i in range(5):
        pixels = rng.integers(0, 256, (20 + i, 30, 3), dtype=np.uint8)
        Image.fromarray(pixels).save(tmp_path / f"{i}.png")
    files = lib.list_images_recursive(tmp_path)
    batches = [b.numpy() for b in lib.image_dataset(files, 16, 2, seed=3).take(6)]
    assert all(b.shape == (2, 16, 16, 3) and b.dtype == np.float32 for b in batches)
    assert all(0.0 <= b.min() and b.max() <= 1.0 for b in batches)
    again = [b.numpy() for b in lib.image_dataset(files, 16, 2, seed=3).take(6)]
    np.testing.assert_array_equal(np.stack(batches), np.stack(again))
    resumed = [b.numpy() for b in lib.image_dataset(files, 16, 2, seed=3, start_step=4).take(2)]
    np.testing.assert_array_equal(np.stack(resumed), np.stack(batches[4:]))
    other = lib.image_dataset(files, 16, 2, seed=4).take(6)
    assert not np.array_equal(np.stack([b.numpy() for b in other]), np.stack(batches))
