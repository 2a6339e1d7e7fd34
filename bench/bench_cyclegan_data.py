"""CycleGAN data benchmarks: the tf.data pipeline, the up-front file check and the toy
painter, each timed against a plain baseline in the same run.

Run with ``python -m bench.bench_cyclegan_data`` (``--help`` for sizes). Prints a
Markdown table; ratios are project time / baseline time (lower is better). The photo
set is made of painted toy scenes enlarged to 256 px and saved as JPEG, the size and
format of the Berkeley datasets.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf
from PIL import Image

from cyclegan.data import find_unreadable, list_images, load_unpaired, read_image
from cyclegan.toy import make_toy_dataset, paint_image


def make_photo_set(root: Path, count: int) -> None:
    """``count`` 256-px JPEGs per domain in ``root/trainA`` and ``root/trainB``."""
    for domain, kind in (("A", "apple"), ("B", "orange")):
        folder = root / f"train{domain}"
        folder.mkdir(parents=True)
        for i in range(count):
            image = Image.fromarray(paint_image(kind, [7, i], 128)).resize((256, 256))
            image.save(folder / f"{i:04d}.jpg", quality=90)


def plain_epoch(root: Path, image_size: int, seed: int) -> int:
    """Baseline: a Python loop reading, jittering and flipping one pair at a time."""
    rng = np.random.default_rng(seed)
    files_a, files_b = list_images(root / "trainA"), list_images(root / "trainB")
    load = round(image_size * 286 / 256)
    steps = max(len(files_a), len(files_b))
    order_a, order_b = rng.permutation(len(files_a)), rng.permutation(len(files_b))
    for step in range(steps):
        for files, order in ((files_a, order_a), (files_b, order_b)):
            image = read_image(files[order[step % len(files)]], load)
            y, x = rng.integers(0, load - image_size + 1, size=2)
            image = image[y:y + image_size, x:x + image_size]
            if rng.random() < 0.5:
                image = image[:, ::-1]
            np.ascontiguousarray(image[None])
    return steps


def iterate(ds, step=None) -> int:
    steps = 0
    for real_a, real_b in ds:
        if step is None:
            real_a.numpy(), real_b.numpy()
        else:
            step(real_a, real_b)
        steps += 1
    return steps


def plain_batches(root: Path, image_size: int, seed: int):
    """The baseline loop as a generator of NumPy batches, for the training comparison."""
    rng = np.random.default_rng(seed)
    files_a, files_b = list_images(root / "trainA"), list_images(root / "trainB")
    load = round(image_size * 286 / 256)
    for step in range(max(len(files_a), len(files_b))):
        pair = []
        for files in (files_a, files_b):
            image = read_image(files[rng.integers(len(files))], load)
            y, x = rng.integers(0, load - image_size + 1, size=2)
            image = image[y:y + image_size, x:x + image_size]
            pair.append(np.ascontiguousarray((image[:, ::-1] if step % 2 else image)[None]))
        yield tuple(pair)


def make_train_step(image_size: int):
    """A stand-in for a CycleGAN step: a few convolutions, forward and backward."""
    inputs = keras.Input((image_size, image_size, 3))
    x = inputs
    for filters in (32, 64, 64, 32):
        x = keras.layers.Conv2D(filters, 3, padding="same", activation="relu")(x)
    model = keras.Model(inputs, keras.layers.Conv2D(3, 3, padding="same")(x))
    optimizer = keras.optimizers.Adam(2e-4)

    @tf.function
    def step(real_a, real_b):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.abs(model(real_a) - real_b))
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables, strict=True))
        return loss

    return step


def plain_check(paths: list[Path]) -> None:
    """Baseline: decode every file fully, one after the other."""
    for path in paths:
        with Image.open(path) as im:
            im.convert("RGB")


def compare(project, baseline, repeats: int) -> tuple[float, float]:
    """Best-of-``repeats`` seconds of each, run alternately so load from other
    processes on the shared machine hits both alike."""
    times = {project: [], baseline: []}
    for _ in range(repeats):
        for fn in (project, baseline):
            start = time.perf_counter()
            fn()
            times[fn].append(time.perf_counter() - start)
    return min(times[project]), min(times[baseline])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=200, help="JPEGs per domain")
    parser.add_argument("--image-size", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        make_photo_set(tmp / "photos", args.photos)
        paths = list_images(tmp / "photos" / "trainA") + list_images(tmp / "photos" / "trainB")

        photos = tmp / "photos"
        ds = load_unpaired(photos, image_size=args.image_size, seed=0)
        iterate(ds)  # trace the pipeline and let AUTOTUNE settle
        t_pipe, t_plain = compare(
            lambda: iterate(ds), lambda: plain_epoch(photos, args.image_size, 0), args.repeats
        )
        rows.append((f"data only: epoch of {args.photos} pairs, 256-px JPEG -> "
                     f"{args.image_size}-px jittered (load_unpaired vs Python loop)",
                     t_pipe, t_plain))

        step = make_train_step(args.image_size)
        iterate(ds, step)
        rows.append(("with a conv training step per batch (prefetch overlaps the two)",
                     *compare(lambda: iterate(ds, step),
                              lambda: iterate(plain_batches(photos, args.image_size, 0), step),
                              args.repeats)))
        rows.append((f"load_unpaired set-up incl. check of {len(paths)} files "
                     "(vs one plain epoch)",
                     *compare(lambda: load_unpaired(photos, image_size=args.image_size),
                              lambda: plain_epoch(photos, args.image_size, 0), args.repeats)))
        rows.append((f"up-front check of {len(paths)} JPEGs (find_unreadable vs full decode)",
                     *compare(lambda: find_unreadable(paths), lambda: plain_check(paths),
                              args.repeats)))

        def blank_pngs():
            flat = np.full((64, 64, 3), 128, np.uint8)
            for _ in range(500):
                Image.fromarray(flat).save(tmp / "flat.png")

        rows.append(("make_toy_dataset default, 500 PNGs (vs writing 500 flat PNGs)",
                     *compare(lambda: make_toy_dataset(tmp / "toy", seed=0, progress=False),
                              blank_pngs, 2)))

    print("| measurement | project (s) | baseline (s) | ratio |")
    print("|---|---:|---:|---:|")
    for name, ours, base in rows:
        print(f"| {name} | {ours:.2f} | {base:.2f} | {ours / base:.2f} |")


if __name__ == "__main__":
    main()
