"""Measuring a CycleGAN translation with KID and FID, as done by ``cyclegan evaluate``.

For each direction the run's generator translates the test images of one domain, and
the InceptionV3 features of the translations are compared with those of the other
domain's real test images: ``AtoB`` compares ``G_AB(testA)`` with ``testB``, ``BtoA``
compares ``G_BA(testB)`` with ``testA``. Real images are read at the run's image size
too, so both sets went through the same resizing before InceptionV3 sees them (at
299 × 299 by default). Lower is better for both scores; KID is the one to trust on
test sets of a few hundred images (FID is biased upwards for small sets).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import keras
import numpy as np
from tqdm.auto import tqdm

from cyclegan import runs
from cyclegan.images import find_unreadable, list_images, read_image
from cyclegan.inception import INPUT_SIZE, load_inception
from cyclegan.metrics import KID_SUBSET_SIZE, KID_SUBSETS, fid, kid

#: File the scores of ``cyclegan evaluate`` go to, inside the run folder.
EVALUATION_FILE = "evaluation.json"
#: Directions: the generator, the domain it reads and the domain it is compared with.
DIRECTIONS = {"AtoB": ("g_AB", "A", "B"), "BtoA": ("g_BA", "B", "A")}
#: Side InceptionV3 sees during training evaluations (tests lower it to 75).
TRAINING_INPUT_SIZE = INPUT_SIZE



def checked_images(folder: str | os.PathLike, limit: int | None = None) -> list[Path]:
    """The image files of ``folder`` (sorted by name, at most ``limit``), all decodable.

    Raises:
        ValueError: in one line, for a missing or empty folder, an unreadable image,
            or fewer than 2 images (KID and FID need 2).
    """
    folder = Path(folder)
    files = list_images(folder)[:limit]  # one-line error when the folder is missing
    if not files:
        raise ValueError(f"folder {folder} holds no images; put JPEG/PNG/BMP/WebP files "
                         "there.")  # fmt: skip
    if len(files) < 2:
        raise ValueError(f"folder {folder} holds 1 image; KID and FID need at least 2.")
    bad = find_unreadable(files, desc=f"checking {folder.name}")
    if bad:
        raise ValueError(f"cannot read image {bad[0]}; replace or leave out the file.")
    return files


def image_features(
    extractor: keras.Model,
    files: Sequence[Path],
    image_size: int,
    translate: Callable[[np.ndarray], Any] | None = None,
    batch_size: int = 16,
    desc: str = "features",
) -> np.ndarray:
    """InceptionV3 features of image files, optionally translated first.

    Args:
        extractor: the network of :func:`cyclegan.inception.load_inception`.
        files: image files; each is read at ``image_size`` × ``image_size``.
        image_size: side S the files are read at (the run's training size).
        translate: called on each ``(batch, S, S, 3)`` batch in [-1, 1] before the
            features, e.g. a generator; ``None`` uses the images themselves.
        batch_size: images per call.
        desc: label of the progress bar.

    Returns:
        ``(len(files), 2048)`` float32 features.
    """
    chunks = []
    with tqdm(total=len(files), desc=desc, unit="img", leave=False) as bar:
        for start in range(0, len(files), batch_size):
            batch = np.stack([read_image(f, image_size) for f in files[start : start + batch_size]])
            if translate is not None:
                batch = np.asarray(translate(batch), dtype=np.float32)  # float16 when mixed
            chunks.append(np.asarray(extractor(batch, training=False), dtype=np.float32))
            bar.update(len(batch))
    return np.concatenate(chunks)


def scores(
    fake: np.ndarray, real: np.ndarray, subset_size: int = KID_SUBSET_SIZE,
    n_subsets: int = KID_SUBSETS, seed: int = 0, with_fid: bool = True,
) -> dict[str, float]:  # fmt: skip
    """KID (mean and std over subsets) and FID of two ``(n, 2048)`` feature sets."""
    mean, std = kid(fake, real, subset_size=subset_size, n_subsets=n_subsets, seed=seed)
    result = {"kid": mean, "kid_std": std}
    if with_fid:
        result["fid"] = fid(fake, real)
    return result


def compare_folders(
    folder_x: str | os.PathLike, folder_y: str | os.PathLike, extractor: keras.Model,
    image_size: int = 128, **kid_options: Any,
) -> dict[str, float]:  # fmt: skip
    """KID and FID between the images of two folders (no generator involved).

    Args:
        folder_x: one folder of images.
        folder_y: the other.
        extractor: the network of :func:`cyclegan.inception.load_inception`.
        image_size: side the images are read at before the extractor resizes them.
        **kid_options: ``subset_size``, ``n_subsets``, ``seed`` of :func:`scores`.

    Returns:
        ``{"kid", "kid_std", "fid"}``.
    """
    sets = []
    for folder in (folder_x, folder_y):
        folder = Path(folder)
        files = checked_images(folder)
        sets.append(image_features(extractor, files, image_size, desc=f"features {folder.name}"))
    return scores(*sets, **kid_options)


def evaluate_run(
    run_dir: str | os.PathLike,
    data: str | os.PathLike,
    weights: str | os.PathLike = "imagenet",
    input_size: int = INPUT_SIZE,
    subset_size: int = KID_SUBSET_SIZE,
    n_subsets: int = KID_SUBSETS,
    max_images: int | None = None,
    batch_size: int = 16,
) -> dict[str, Any]:
    """Score both translations of a run on a dataset's test split; write ``evaluation.json``.

    Args:
        run_dir: folder written by ``cyclegan train``.
        data: dataset folder with ``testA/`` and ``testB/``.
        weights: InceptionV3 weights (see :func:`cyclegan.inception.load_inception`).
        input_size: side InceptionV3 sees (299 for comparable scores; >= 75).
        subset_size: KID subset size (capped at the smaller set).
        n_subsets: KID subsets.
        max_images: use at most this many images per test folder (first by name).
        batch_size: images per network call.

    Returns:
        The dict written to ``RUN/evaluation.json``: per direction ``kid``, ``kid_std``,
        ``fid``, ``n_translated``, ``n_real``; and the checkpoint's ``epoch`` and
        ``global_step``, ``weights`` (which InceptionV3 weights), ``input_size``,
        ``kid_subset_size``, ``kid_subsets``, ``data``.

    Raises:
        ValueError: in one line, for a folder that is not a run, a run without a
            finished epoch, a missing or empty test folder, an unreadable image, or
            InceptionV3 weights that are unavailable (a subclass of ``ValueError``).
    """
    from cyclegan.translate import load_generator  # imports the model code

    run_dir, data = Path(run_dir), Path(data)
    if subset_size < 2 or n_subsets < 1:
        raise ValueError(f"KID needs a subset size >= 2 and >= 1 subset, got {subset_size} "
                         f"and {n_subsets}.")  # fmt: skip
    if not data.is_dir():
        raise ValueError(f"data folder {data} does not exist; pass the dataset folder with "
                         "testA/ and testB/.")  # fmt: skip
    files = {d: checked_images(data / f"test{d}", max_images) for d in "AB"}
    generators = {key: load_generator(run_dir, key) for key in DIRECTIONS}
    state = runs.read_state(runs.latest_checkpoint(run_dir))
    extractor = load_inception(weights, input_size)
    size = generators["AtoB"][1]
    real = {d: image_features(extractor, files[d], size, batch_size=batch_size,
                              desc=f"features test{d}") for d in "AB"}  # fmt: skip
    result: dict[str, Any] = {
        "epoch": state["epoch"],
        "global_step": state.get("global_step"),
        "weights": extractor.weights_source,
        "input_size": extractor.input_size,
        "kid_subset_size": min(subset_size, *(len(f) for f in files.values())),
        "kid_subsets": n_subsets,
        "data": os.fspath(data),
    }
    for key, (_, source, target) in DIRECTIONS.items():
        generator = generators[key][0]
        fake = image_features(
            extractor, files[source], size, lambda b, g=generator: g(b, training=False),
            batch_size=batch_size, desc=f"translating {key}",
        )  # fmt: skip
        result[key] = {**scores(fake, real[target], subset_size, n_subsets),
                       "n_translated": len(fake), "n_real": len(real[target])}  # fmt: skip
    runs.atomic_write_text(run_dir / EVALUATION_FILE, json.dumps(result, indent=2) + "\n")
    return result


class TrainingEvaluator:
    """KID of both directions at the end of a training epoch (``--eval-every``).

    Built once per ``train()`` call: it loads InceptionV3 and reads up to ``n_images``
    images per domain (the test split when present, else the training one); the real
    images' features are computed once and kept.

    Args:
        data: the dataset folder.
        image_size: the run's image size.
        n_images: images per domain.
        weights: InceptionV3 weights (as :func:`cyclegan.inception.load_inception`).
        input_size: side InceptionV3 sees; default :data:`TRAINING_INPUT_SIZE`.
    """

    def __init__(self, data: str | os.PathLike, image_size: int, n_images: int,
                 weights: str = "imagenet", input_size: int | None = None) -> None:  # fmt: skip
        split = "test" if all((Path(data) / f"test{d}").is_dir() for d in "AB") else "train"
        self.files = {d: checked_images(Path(data) / f"{split}{d}", n_images) for d in "AB"}
        self.image_size = image_size
        self.extractor = load_inception(weights, input_size or TRAINING_INPUT_SIZE)
        print(f"evaluating KID on {split}A/{split}B with InceptionV3, "
              f"{self.extractor.weights_source}.")  # fmt: skip
        self._real: dict[str, np.ndarray] = {}

    def __call__(self, model) -> dict[str, float]:
        """``{"kid_AtoB": ..., "kid_BtoA": ...}`` for a ``CycleGAN`` model's generators."""
        if not self._real:
            self._real = {d: image_features(self.extractor, f, self.image_size,
                                            desc=f"features {d}") for d, f in self.files.items()}
        out = {}
        for key, (name, source, target) in DIRECTIONS.items():
            generator = getattr(model, name)
            fake = image_features(self.extractor, self.files[source], self.image_size,
                                  lambda b, g=generator: g(b, training=False),
                                  desc=f"KID {key}")  # fmt: skip
            out[f"kid_{key}"] = scores(fake, self._real[target], with_fid=False)["kid"]
        return out

