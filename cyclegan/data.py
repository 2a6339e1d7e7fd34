"""Unpaired image data for CycleGAN: a ``tf.data`` pipeline over two folders.

A CycleGAN dataset (``apple2orange``, ``monet2photo``, the project's toy data, ...) is a
folder holding ``trainA/``, ``trainB/``, ``testA/`` and ``testB/``, each a flat folder of
images. The two domains are *unpaired*: the i-th apple has nothing to do with the i-th
orange, so each domain is shuffled on its own and the shorter one is repeated.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np
import tensorflow as tf

from cyclegan.download import DATASET_NAMES, DATASETS_URL, DownloadError, download_dataset
from cyclegan.images import IMAGE_EXTENSIONS, find_unreadable, list_images, read_image, to_uint8

__all__ = [
    "DATASETS_URL",
    "DATASET_NAMES",
    "DownloadError",
    "IMAGE_EXTENSIONS",
    "download_dataset",
    "find_unreadable",
    "list_images",
    "load_unpaired",
    "read_image",
    "to_uint8",
]

# CycleGAN's jitter: load at 286 px, crop back to 256 px; keep that ratio at every size.
JITTER_RATIO = 286 / 256


def _domain_files(root: Path, folder: str) -> list[Path]:
    path = root / folder
    if not path.is_dir():
        raise ValueError(
            f"folder {path} is missing; a CycleGAN dataset needs {folder}/ holding the "
            f"domain-{folder[-1]} images (JPEG/PNG/BMP/WebP) under {root}."
        )
    files = list_images(path)
    if not files:
        raise ValueError(
            f"folder {path} holds no images; put the domain-{folder[-1]} JPEG/PNG/BMP/WebP "
            "files in it."
        )
    bad = find_unreadable(files, desc=f"checking {folder}")
    if bad:
        warnings.warn(
            f"skipped {len(bad)} unreadable file{'s' if len(bad) != 1 else ''} in {folder} "
            f"(first: {bad[0].name})",
            stacklevel=3,
        )
        bad_set = set(bad)
        files = [f for f in files if f not in bad_set]
    if not files:
        raise ValueError(f"no readable image in {path}; replace the broken files.")
    return files


def _reader(size: int):
    def read(path: bytes) -> np.ndarray:
        return read_image(os.fsdecode(path), size)

    def read_op(path: tf.Tensor) -> tf.Tensor:
        image = tf.numpy_function(read, [path], tf.float32, stateful=False)
        image.set_shape((size, size, 3))
        return image

    return read_op


def _domain_dataset(files: list[Path], size: int, shuffle: bool, seed: int) -> tf.data.Dataset:
    ds = tf.data.Dataset.from_tensor_slices([os.fspath(f) for f in files])
    if shuffle:
        # A new order on every pass over the domain, reproducible from the seed.
        ds = ds.shuffle(len(files), seed=seed, reshuffle_each_iteration=True)
    # Repeat forever and let take() cut the epoch: the shorter domain wraps around,
    # and a file that breaks mid-training (dropped by ignore_errors) cannot end it early.
    ds = ds.repeat().map(_reader(size), num_parallel_calls=tf.data.AUTOTUNE)
    return ds.ignore_errors()


def _jitter(image: tf.Tensor, seed: tf.Tensor, image_size: int) -> tf.Tensor:
    crop_seed, flip_seed = tf.unstack(tf.random.experimental.stateless_split(seed, 2))
    image = tf.image.stateless_random_crop(image, (image_size, image_size, 3), seed=crop_seed)
    return tf.image.stateless_random_flip_left_right(image, seed=flip_seed)


def load_unpaired(
    root: str | os.PathLike,
    split: str = "train",
    image_size: int = 128,
    batch_size: int = 1,
    augment: bool = True,
    shuffle: bool = True,
    seed: int | None = None,
) -> tf.data.Dataset:
    """Batches of unpaired images from ``root/{split}A`` and ``root/{split}B``.

    Every file is checked once before training: unreadable ones (empty, truncated, not
    an image) are skipped with one warning per folder that counts them. Augmentation
    follows CycleGAN: resize to about 1.12x ``image_size`` (286 for 256), random crop
    back to ``image_size``, random horizontal flip. Without augmentation images are
    resized straight to ``image_size``; any input size and aspect ratio is accepted.

    Args:
        root: dataset folder holding ``trainA/ trainB/ testA/ testB/``.
        split: ``"train"`` or ``"test"``.
        image_size: side of the square images produced, in pixels.
        batch_size: images per batch in each domain.
        augment: apply the random jitter and flip.
        shuffle: shuffle each domain independently (reshuffled every pass).
        seed: makes order and augmentation reproducible; ``None`` draws a fresh one.

    Returns:
        A ``tf.data.Dataset`` of ``(real_a, real_b)``, each float32 of shape
        ``(batch_size, image_size, image_size, 3)`` in [-1, 1]. One iteration is an
        epoch of ``max(len A, len B) // batch_size`` batches; iterating again starts a
        new epoch with a new order.

    Raises:
        ValueError: for a bad split, size or batch size, a missing domain folder, or a
            folder with no (readable) images.
    """
    if split not in ("train", "test"):
        raise ValueError(f'split must be "train" or "test", got {split!r}.')
    if not isinstance(image_size, (int, np.integer)) or image_size < 8:
        raise ValueError(f"image_size must be an int >= 8, got {image_size!r}.")
    if not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int, got {batch_size!r}.")
    image_size, batch_size, root = int(image_size), int(batch_size), Path(root)
    if not root.is_dir():
        raise ValueError(
            f"dataset folder {root} does not exist; it should hold trainA/ trainB/ testA/ "
            "testB/ (run `cyclegan toy-data` or `cyclegan download` to make one)."
        )
    files_a = _domain_files(root, f"{split}A")
    files_b = _domain_files(root, f"{split}B")
    steps = max(len(files_a), len(files_b)) // batch_size
    if steps == 0:
        raise ValueError(
            f"batch_size {batch_size} is larger than both domains of {root} "
            f"({len(files_a)} and {len(files_b)} images); use a smaller batch_size."
        )

    seeds = np.random.default_rng(seed).integers(0, 2**31 - 1, size=3)
    load_size = round(image_size * JITTER_RATIO) if augment else image_size
    domain_a = _domain_dataset(files_a, load_size, shuffle, int(seeds[0]))
    domain_b = _domain_dataset(files_b, load_size, shuffle, int(seeds[1]))
    ds = tf.data.Dataset.zip((domain_a, domain_b))
    if augment:
        # Stateless ops fed by a seeded stream: the same seed gives the same crops and
        # flips whatever the thread scheduling of the parallel map.
        aug_seeds = tf.data.Dataset.random(seed=int(seeds[2]), rerandomize_each_iteration=True)
        ds = tf.data.Dataset.zip((ds, aug_seeds.batch(4)))

        def augment_pair(pair, s):
            s = tf.reshape(s, (2, 2))
            return _jitter(pair[0], s[0], image_size), _jitter(pair[1], s[1], image_size)

        ds = ds.map(augment_pair, num_parallel_calls=tf.data.AUTOTUNE)
    ds = ds.batch(batch_size, drop_remainder=True).take(steps)
    ds = ds.prefetch(tf.data.AUTOTUNE)
    return ds.apply(tf.data.experimental.assert_cardinality(steps))
