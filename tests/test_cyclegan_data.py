"""cyclegan.data: reading images, the unpaired tf.data pipeline, and dataset download.

Expected values come from NumPy on the pixels the tests wrote, never from the code under
test. Downloads go to a loopback HTTP server the test starts.
"""

from __future__ import annotations

import functools
import http.server
import io
import threading
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from cyclegan import data
from cyclegan.data import (
    DownloadError,
    download_dataset,
    list_images,
    load_unpaired,
    read_image,
    to_uint8,
)
from cyclegan.images import find_unreadable
from tests.image_modes import MODE_CASES, MODE_IDS, assert_decoded, write_case


def _scaled(pixels: np.ndarray) -> np.ndarray:
    return pixels.astype(np.float64) / 127.5 - 1.0


def _write(path: Path, pixels: np.ndarray, **save_args) -> np.ndarray:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(pixels).save(path, **save_args)
    return pixels


def _random_rgb(rng, height, width):
    return rng.integers(0, 256, (height, width, 3), dtype=np.uint8)


# --- read_image, to_uint8, list_images ---------------------------------------------


def test_read_image_returns_float32_rgb_in_minus_one_to_one(tmp_path):
    rgb = _write(tmp_path / "rgb.png", _random_rgb(np.random.default_rng(0), 9, 13))
    out = read_image(tmp_path / "rgb.png")
    assert out.dtype == np.float32 and out.shape == (9, 13, 3)
    np.testing.assert_allclose(out, _scaled(rgb), atol=1e-6)


@pytest.mark.parametrize("case", MODE_CASES, ids=MODE_IDS)
def test_read_image_decodes_every_pixel_mode(tmp_path, case):
    # Greyscale, palette (with and without transparency), RGBA, LA, CMYK, 16-bit,
    # 32-bit and float files: see tests/image_modes.py for what each must become.
    path, expected = write_case(case, tmp_path)
    assert find_unreadable([path]) == []  # the pipeline's up-front check accepts it
    assert_decoded(to_uint8(read_image(path)), expected, case)


@pytest.mark.parametrize(
    "orientation, turn",
    [(2, lambda a: a[:, ::-1]), (3, lambda a: np.rot90(a, 2)), (6, lambda a: np.rot90(a, -1)),
     (8, lambda a: np.rot90(a, 1))],
)
def test_read_image_applies_exif_orientation(tmp_path, orientation, turn):
    pixels = _random_rgb(np.random.default_rng(orientation), 5, 8)
    exif = Image.Exif()
    exif[0x0112] = orientation
    _write(tmp_path / "photo.png", pixels, exif=exif)
    np.testing.assert_allclose(read_image(tmp_path / "photo.png"), _scaled(turn(pixels)),
                               atol=1e-6)


def test_read_image_resizes_any_aspect_to_square(tmp_path):
    # A linear ramp stays a linear ramp under bicubic resampling (away from the borders).
    ramp = np.repeat(np.linspace(0, 240, 60)[None, :, None], 20, axis=0).repeat(3, axis=2)
    _write(tmp_path / "ramp.png", ramp.round().astype(np.uint8))
    out = read_image(tmp_path / "ramp.png", image_size=30)
    assert out.shape == (30, 30, 3)
    centres = (np.arange(30) + 0.5) * 2 - 0.5  # output pixel centres in input pixels
    expected = _scaled(np.interp(centres, np.arange(60), np.linspace(0, 240, 60)))
    np.testing.assert_allclose(out[10, 3:-3, 0], expected[3:-3], atol=2 / 127.5)


@pytest.mark.parametrize("kind", ["missing", "empty", "truncated", "not_an_image"])
def test_read_image_errors_name_the_file(tmp_path, kind):
    path = tmp_path / f"{kind}.png"
    if kind == "empty":
        path.touch()
    elif kind == "truncated":
        buf = io.BytesIO()
        Image.fromarray(_random_rgb(np.random.default_rng(2), 32, 32)).save(buf, "PNG")
        path.write_bytes(buf.getvalue()[: len(buf.getvalue()) // 2])
    elif kind == "not_an_image":
        path.write_text("hello, I am text")
    with pytest.raises(ValueError, match=f"{kind}.png") as info:
        read_image(path)
    assert "\n" not in str(info.value)


def test_to_uint8_matches_numpy_and_round_trips(tmp_path):
    rng = np.random.default_rng(3)
    x = rng.uniform(-1.3, 1.3, (4, 5, 3)).astype(np.float32)
    expected = np.clip(np.floor((x.astype(np.float64) + 1) * 127.5 + 0.5), 0, 255)
    out = to_uint8(x)
    assert out.dtype == np.uint8
    assert np.abs(out.astype(int) - expected).max() <= 1  # ties may round to even
    pixels = _write(tmp_path / "p.png", _random_rgb(rng, 6, 6))
    np.testing.assert_array_equal(to_uint8(read_image(tmp_path / "p.png")), pixels)


def test_list_images_filters_by_extension_case_insensitively(tmp_path):
    names = ["b.JPG", "a.png", "c.jpeg", "d.Bmp", "e.webp", "notes.txt", "f.gif"]
    for name in names:
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / "sub.png").mkdir()
    found = [p.name for p in list_images(tmp_path)]
    assert found == sorted(["b.JPG", "a.png", "c.jpeg", "d.Bmp", "e.webp"])
    with pytest.raises(ValueError, match="nowhere"):
        list_images(tmp_path / "nowhere")


# --- load_unpaired --------------------------------------------------------------------


def _make_dataset(root: Path, n_a: int, n_b: int, seed: int = 0, split: str = "train"):
    """Random images of varied, non-square sizes; returns the written pixels by file."""
    rng = np.random.default_rng(seed)
    written = {}
    for domain, count in (("A", n_a), ("B", n_b)):
        for i in range(count):
            h, w = rng.integers(20, 48, size=2)
            ext = ".png" if i % 2 else ".jpg"
            path = root / f"{split}{domain}" / f"{i:02d}{ext}"
            written[path] = _write(path, _random_rgb(rng, h, w))
    return written


def _batches(ds):
    return [(a.numpy(), b.numpy()) for a, b in ds]


def test_pipeline_shapes_range_and_epoch_length(tmp_path):
    _make_dataset(tmp_path, n_a=5, n_b=3)
    ds = load_unpaired(tmp_path, image_size=16, batch_size=2, seed=0)
    batches = _batches(ds)
    assert len(ds) == len(batches) == 5 // 2
    for real_a, real_b in batches:
        for x in (real_a, real_b):
            assert x.shape == (2, 16, 16, 3) and x.dtype == np.float32
            assert x.min() >= -1.0 and x.max() <= 1.0
    assert len(_batches(load_unpaired(tmp_path, image_size=16, batch_size=1, seed=0))) == 5


def test_pipeline_without_augmentation_reads_files_in_order_and_wraps_shorter(tmp_path):
    _make_dataset(tmp_path, n_a=2, n_b=5)
    ds = load_unpaired(tmp_path, image_size=24, augment=False, shuffle=False)
    files_a = list_images(tmp_path / "trainA")
    files_b = list_images(tmp_path / "trainB")
    batches = _batches(ds)
    assert len(batches) == 5
    for i, (real_a, real_b) in enumerate(batches):
        np.testing.assert_array_equal(real_a[0], read_image(files_a[i % 2], 24))
        np.testing.assert_array_equal(real_b[0], read_image(files_b[i], 24))


def test_augmentation_is_a_crop_of_the_enlarged_image_maybe_flipped(tmp_path):
    _make_dataset(tmp_path, n_a=3, n_b=3, split="test")
    size = 32
    load = round(size * 286 / 256)
    batches = _batches(load_unpaired(tmp_path, "test", image_size=size, shuffle=False, seed=5))
    for i, (real_a, _) in enumerate(batches):
        big = read_image(list_images(tmp_path / "testA")[i], load)
        candidates = {
            (dy, dx, flip): (big[:, ::-1] if flip else big)[dy:dy + size, dx:dx + size]
            for dy in range(load - size + 1)
            for dx in range(load - size + 1)
            for flip in (False, True)
        }
        hits = [k for k, c in candidates.items() if np.allclose(c, real_a[0], atol=1e-6)]
        assert hits, f"image {i} is not a crop of its enlarged source"


def test_seed_makes_the_pipeline_deterministic(tmp_path):
    _make_dataset(tmp_path, n_a=6, n_b=4)

    def run(seed):
        return np.concatenate([np.concatenate(pair) for pair in _batches(
            load_unpaired(tmp_path, image_size=16, batch_size=2, seed=seed))])

    first, again, other = run(7), run(7), run(8)
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)
    ds = load_unpaired(tmp_path, image_size=16, batch_size=2, seed=7)
    epoch_1, epoch_2 = _batches(ds), _batches(ds)
    assert not all(np.array_equal(x[0], y[0]) for x, y in zip(epoch_1, epoch_2, strict=True))


def test_unreadable_files_are_skipped_with_one_counting_warning(tmp_path):
    written = _make_dataset(tmp_path, n_a=4, n_b=2)
    folder = tmp_path / "trainA"
    jpeg = next(p for p in written if p.suffix == ".jpg").read_bytes()
    (folder / "cut.jpg").write_bytes(jpeg[: len(jpeg) // 2])
    png = io.BytesIO()
    Image.fromarray(_random_rgb(np.random.default_rng(9), 40, 40)).save(png, "PNG")
    (folder / "cut.png").write_bytes(png.getvalue()[: len(png.getvalue()) // 2])
    (folder / "empty.jpeg").touch()
    (folder / "garbage.jpg").write_bytes(np.random.default_rng(4).bytes(300))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ds = load_unpaired(tmp_path, image_size=16, seed=0)
    messages = [str(w.message) for w in caught if "unreadable" in str(w.message)]
    assert len(messages) == 1
    assert messages[0].startswith("skipped 4 unreadable files in trainA")
    assert len(_batches(ds)) == 4


def test_missing_and_empty_folders_raise_clear_errors(tmp_path):
    with pytest.raises(ValueError, match="does not exist"):
        load_unpaired(tmp_path / "nothing")
    _make_dataset(tmp_path, n_a=2, n_b=0)
    with pytest.raises(ValueError, match="trainB"):
        load_unpaired(tmp_path)
    (tmp_path / "trainB").mkdir()
    (tmp_path / "trainB" / "readme.txt").write_text("no images here")
    with pytest.raises(ValueError, match="trainB holds no images"):
        load_unpaired(tmp_path)
    with pytest.raises(ValueError, match="split"):
        load_unpaired(tmp_path, split="val")


def test_batch_larger_than_both_domains_is_refused(tmp_path):
    _make_dataset(tmp_path, n_a=2, n_b=3)
    with pytest.raises(ValueError, match="smaller batch_size"):
        load_unpaired(tmp_path, batch_size=4)


# --- download ------------------------------------------------------------------------


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def file_server(tmp_path):
    """Serve ``tmp_path/www`` on a free loopback port; yields the base URL."""
    www = tmp_path / "www"
    www.mkdir()
    handler = functools.partial(_QuietHandler, directory=str(www))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield www, f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()
    thread.join()


def _zip_dataset(zip_path: Path, name: str, wrap: bool = True) -> dict[str, bytes]:
    rng = np.random.default_rng(11)
    contents = {}
    with zipfile.ZipFile(zip_path, "w") as zf:
        for split in ("trainA", "trainB", "testA", "testB"):
            for i in range(2):
                buf = io.BytesIO()
                Image.fromarray(_random_rgb(rng, 8, 8)).save(buf, "JPEG")
                inner = f"{split}/{i}.jpg"
                zf.writestr(f"{name}/{inner}" if wrap else inner, buf.getvalue())
                contents[inner] = buf.getvalue()
    return contents


@pytest.mark.parametrize("wrap", [True, False])
def test_download_extracts_into_root_name_and_caches(tmp_path, file_server, wrap):
    www, url = file_server
    contents = _zip_dataset(www / "horse2zebra.zip", "horse2zebra", wrap)
    target = download_dataset("horse2zebra", tmp_path / "data", base_url=url)
    assert target == (tmp_path / "data" / "horse2zebra").resolve()
    for inner, payload in contents.items():
        assert (target / inner).read_bytes() == payload
    assert sorted(p.name for p in (tmp_path / "data").iterdir()) == ["horse2zebra"]
    # Complete folder: no request at all, even to a server that is gone.
    (www / "horse2zebra.zip").unlink()
    assert download_dataset("horse2zebra", tmp_path / "data", base_url=url) == target


def test_download_failure_names_url_and_manual_fix(tmp_path, file_server):
    www, url = file_server
    with pytest.raises(DownloadError) as info:
        download_dataset("maps", tmp_path / "data", base_url=url + "missing/")
    message = str(info.value)
    assert f"{url}missing/maps.zip" in message and "yourself" in message
    assert "\n" not in message
    assert not list((tmp_path / "data").iterdir())

    (www / "facades.zip").write_bytes(b"this is not a zip archive")
    with pytest.raises(DownloadError, match="did not unpack"):
        download_dataset("facades", tmp_path / "data", base_url=url)


def test_download_rejects_unknown_names_and_uses_the_berkeley_url(tmp_path, monkeypatch):
    with pytest.raises(ValueError, match="apple2orange, summer2winter_yosemite"):
        download_dataset("apples2pears", tmp_path)
    assert data.DATASETS_URL == "https://efrosgans.eecs.berkeley.edu/cyclegan/datasets/"
    assert {"apple2orange", "monet2photo", "vangogh2photo"} <= set(data.DATASET_NAMES)
    asked = []

    def fake_get_file(**kwargs):
        asked.append(kwargs["origin"])
        raise Exception("offline test")

    monkeypatch.setattr("keras.utils.get_file", fake_get_file)
    with pytest.raises(DownloadError, match="offline test"):
        download_dataset("apple2orange", tmp_path)
    assert asked == ["https://efrosgans.eecs.berkeley.edu/cyclegan/datasets/apple2orange.zip"]
    with pytest.raises(ValueError, match="cityscapes-dataset.com"):
        download_dataset("cityscapes", tmp_path)
