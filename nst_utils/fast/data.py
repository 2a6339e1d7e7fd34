"""Training images for fast style transfer and AdaIN: any folder, and the real datasets.

Johnson et al. train on MS-COCO 2014 ``train2014`` (83k photographs, 13.5 GB zip) and
Huang & Belongie on COCO plus WikiArt as style images (about 80k paintings; the
ArtGAN authors host a 25.4 GB zip, as used by many AdaIN reimplementations; the Kaggle
"painter-by-numbers" set needs a Kaggle login, so it has no public URL to fetch).
:func:`download_archive` fetches such a zip resumably (HTTP ``Range``), checks its size
(and a SHA-256 when one is given) and unpacks it; any folder of images serves as
training data through :func:`image_dataset`.

Offline, :func:`make_offline_content` writes crops and flips of the course photograph
plus painted toy scenes (``cyclegan.toy``), so the whole pipeline runs without the
network; the pictures mean little, and the README says so.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import numpy as np
import tensorflow as tf
from PIL import Image
from tqdm.auto import tqdm

from cyclegan.download import DownloadError
from cyclegan.images import IMAGE_EXTENSIONS, find_unreadable, read_image

#: Johnson et al.'s content set: MS-COCO 2014 training images.
COCO_TRAIN2014_URL = "http://images.cocodataset.org/zips/train2014.zip"
#: WikiArt as collected by the ArtGAN authors (Tan et al. 2017), used as AdaIN style set.
WIKIART_URL = "http://web.fsktm.um.edu.my/~cschan/source/ICIP2017/wikiart.zip"
DATASETS = {"coco2014": COCO_TRAIN2014_URL, "wikiart": WIKIART_URL}
_CHUNK = 1 << 20
_TIMEOUT_S = 30.0


def list_images_recursive(folder: str | os.PathLike) -> list[Path]:
    """Image files (JPEG/PNG/BMP/WebP) anywhere under ``folder``, sorted.

    Raises:
        ValueError: when the folder is missing or holds no image.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise ValueError(f"image folder {folder} does not exist or is not a directory; "
                         "pass a folder of JPEG/PNG/BMP/WebP files.")
    files = sorted(p for p in folder.rglob("*")
                   if p.suffix.lower() in IMAGE_EXTENSIONS and p.is_file())
    if not files:
        raise ValueError(f"image folder {folder} holds no JPEG/PNG/BMP/WebP files; "
                         "put training images in it (or run with the course's own images).")
    return files


def checked_images(folder: str | os.PathLike) -> list[Path]:
    """:func:`list_images_recursive`, refusing folders with unreadable files.

    Raises:
        ValueError: naming the first unreadable file and how many there are.
    """
    files = list_images_recursive(folder)
    bad = find_unreadable(files, desc=f"checking {folder}")
    if bad:
        raise ValueError(f"cannot read image {bad[0]} ({len(bad)} unreadable file"
                         f"{'s' if len(bad) != 1 else ''} in {folder}); replace or delete them.")
    return files


def _reader(size: int):
    def read(path: bytes) -> np.ndarray:
        # read_image gives [-1, 1]; the course's images are [0, 1].
        return (read_image(os.fsdecode(path)) + 1.0) / 2.0

    def load(path: tf.Tensor, index: tf.Tensor, seed: int) -> tf.Tensor:
        image = tf.numpy_function(read, [path], tf.float32, stateful=False)
        image.set_shape((None, None, 3))
        # Shorter side to `size` (keeping the aspect ratio), then a square crop: the
        # crop, the flip and nothing else depend on (seed, index), so a resumed run
        # sees the same batches.
        shape = tf.cast(tf.shape(image)[:2], tf.float32)
        scale = float(size) / tf.reduce_min(shape)
        new = tf.maximum(tf.cast(tf.math.ceil(shape * scale), tf.int32), size)
        image = tf.image.resize(image, new, method="bilinear", antialias=True)
        pair = tf.stack([tf.cast(seed, tf.int64), index])
        image = tf.image.stateless_random_crop(image, (size, size, 3), seed=pair)
        image = tf.image.stateless_random_flip_left_right(image, seed=pair + 1)
        return tf.clip_by_value(image, 0.0, 1.0)

    return load


def image_dataset(files: list[Path], size: int, batch_size: int, seed: int,
                  start_step: int = 0) -> tf.data.Dataset:
    """An endless, seeded stream of ``(batch_size, size, size, 3)`` batches in ``[0, 1]``.

    Each pass over the files is a fresh permutation drawn from ``(seed, pass)``; each
    crop and flip from ``(seed, position in the stream)``. The stream from
    ``start_step`` is therefore exactly what an uninterrupted run would see there.

    Args:
        files: image paths (e.g. from :func:`checked_images`).
        size: square side of the crops.
        batch_size: images per batch.
        seed: seed of the order and the augmentation.
        start_step: batches to skip (a resumed run's step), without decoding them.

    Returns:
        A ``tf.data.Dataset`` of float32 batches with a static batch size.
    """
    n = len(files)
    names = tf.constant([os.fspath(f) for f in files])
    first = start_step * batch_size

    def order(epoch: tf.Tensor) -> tf.data.Dataset:
        keys = tf.random.stateless_uniform((n,), seed=tf.stack([tf.cast(seed, tf.int64), epoch]))
        return tf.data.Dataset.from_tensor_slices(tf.gather(names, tf.argsort(keys)))

    stream = tf.data.Dataset.range(first // n, 2**62).flat_map(order).skip(first % n)
    indexed = tf.data.Dataset.zip(stream, tf.data.Dataset.range(first, 2**62))
    load = _reader(size)
    return (indexed.map(lambda p, i: load(p, i, seed), num_parallel_calls=tf.data.AUTOTUNE,
                        deterministic=True)
            .batch(batch_size, drop_remainder=True).prefetch(tf.data.AUTOTUNE))


def make_offline_content(folder: str | os.PathLike, n: int = 24, size: int = 128,
                         seed: int = 0) -> Path:
    """Write a small content set made here: crops/flips of the course photo and toy scenes.

    Args:
        folder: receives ``photo_XX.png`` and ``toy_XX.png`` files.
        n: how many images in all (half of each kind).
        size: side of the square images.
        seed: seed of the crops and the toy scenes.

    Returns:
        ``folder``.
    """
    from cyclegan.toy import paint_image
    from nst_utils.samples import content_image

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    photo = content_image("grace_hopper", max_dim=2 * size)[0]
    for i in range(n - n // 2):
        h, w = photo.shape[:2]
        side = int(rng.integers(size * 3 // 4, min(h, w) + 1))
        top, left = int(rng.integers(0, h - side + 1)), int(rng.integers(0, w - side + 1))
        crop = Image.fromarray(np.uint8(np.rint(255 * photo[top:top + side, left:left + side])))
        crop = crop.resize((size, size), Image.Resampling.BICUBIC)
        if rng.random() < 0.5:
            crop = crop.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
        crop.save(folder / f"photo_{i:02d}.png")
    for i in range(n // 2):
        scene = paint_image(("apple", "orange")[i % 2], [seed, i], max(32, min(size, 512)))
        Image.fromarray(scene).save(folder / f"toy_{i:02d}.png")
    return folder


def _total_size(response, offset: int) -> int | None:
    if response.status == 206:
        span = response.headers.get("Content-Range", "")  # "bytes a-b/total"
        return int(span.rsplit("/", 1)[1]) if "/" in span and not span.endswith("*") else None
    length = response.headers.get("Content-Length")
    return int(length) if length is not None else None


def fetch_resumable(url: str, target: Path, sha256: str | None = None) -> Path:
    """Download ``url`` to ``target``, resuming a ``target.part`` left by a cut.

    Args:
        url: the file's address.
        target: where the complete file goes (moved there only once checked).
        sha256: expected SHA-256 hex digest, when one is published.

    Returns:
        ``target``.

    Raises:
        DownloadError: in one line, for a network error, a size that does not match the
            server's, or a wrong checksum (the partial file is deleted then).
    """
    target = Path(target)
    if target.is_file():
        return target
    part = target.with_name(target.name + ".part")
    target.parent.mkdir(parents=True, exist_ok=True)
    offset = part.stat().st_size if part.is_file() else 0
    request = urllib.request.Request(url, headers={"Range": f"bytes={offset}-"} if offset else {})
    try:
        with urllib.request.urlopen(request, timeout=_TIMEOUT_S) as response:
            if offset and response.status != 206:
                offset = 0  # the server ignored the range: start again
            total = _total_size(response, offset)
            with open(part, "ab" if offset else "wb") as out, tqdm(
                    total=total, initial=offset, unit="B", unit_scale=True,
                    desc=target.name, leave=False) as bar:
                for block in iter(lambda: response.read(_CHUNK), b""):
                    out.write(block)
                    bar.update(len(block))
    except urllib.error.HTTPError as err:
        if err.code == 416 and offset:  # nothing left to fetch: the part is complete
            total = offset
        else:
            raise DownloadError(f"could not fetch {url} (HTTP {err.code} {err.reason}); "
                                "try again later or download it by hand.") from None
    except (urllib.error.URLError, OSError) as err:
        reason = getattr(err, "reason", None) or err
        raise DownloadError(f"could not fetch {url} ({reason}); run the same command again "
                            f"to resume from {part.stat().st_size if part.exists() else 0} "
                            "bytes.") from None
    got = part.stat().st_size
    if total is not None and got != total:
        raise DownloadError(f"download of {url} stopped at {got} of {total} bytes; run the "
                            "same command again to resume.")
    if sha256 is not None:
        digest = hashlib.sha256()
        with open(part, "rb") as f:
            for block in iter(lambda: f.read(_CHUNK), b""):
                digest.update(block)
        if digest.hexdigest() != sha256.lower():
            part.unlink()
            raise DownloadError(f"{url} has SHA-256 {digest.hexdigest()[:12]}..., expected "
                                f"{sha256[:12]}...; the file was deleted, try again.")
    os.replace(part, target)
    return target


def download_archive(url: str, root: str | os.PathLike, sha256: str | None = None) -> Path:
    """Fetch a zip of images (resumable, checked) and unpack it under ``root``.

    Args:
        url: e.g. :data:`COCO_TRAIN2014_URL` or :data:`WIKIART_URL`.
        root: folder that receives the zip's contents.
        sha256: expected checksum of the zip, if known.

    Returns:
        ``root/<zip name without .zip>``, the unpacked folder (a finished one is
        returned at once; the zip is deleted after unpacking).

    Raises:
        DownloadError: for a failed download, a bad checksum or a broken zip.
    """
    root = Path(root)
    name = url.rstrip("/").rsplit("/", 1)[-1]
    done = root / (name.removesuffix(".zip") + ".done")
    folder = root / name.removesuffix(".zip")
    if done.is_file():
        return folder
    archive = fetch_resumable(url, root / name, sha256)
    try:
        with zipfile.ZipFile(archive) as zf:
            members = zf.infolist()
            for member in tqdm(members, desc=f"unpacking {name}", unit="file", leave=False):
                zf.extract(member, root)
    except (zipfile.BadZipFile, OSError) as err:
        archive.unlink(missing_ok=True)
        raise DownloadError(f"{url} is not a readable zip ({err}); it was deleted, run the "
                            "command again to download it afresh.") from None
    if not folder.is_dir():  # a zip without a top folder: its files are in root
        folder = root
    done.write_text(url + "\n", encoding="utf-8")
    archive.unlink()
    return folder


def remove_partial(root: str | os.PathLike, url: str) -> None:
    """Delete the partial download of ``url`` under ``root`` (to restart from zero)."""
    name = url.rstrip("/").rsplit("/", 1)[-1]
    for path in (Path(root) / name, Path(root) / f"{name}.part"):
        if path.is_file():
            path.unlink()
    shutil.rmtree(Path(root) / f".{name}-tmp", ignore_errors=True)
