"""InceptionV3, the frozen feature network of KID and FID, from Keras's own weight file.

The loader mirrors :func:`nst_utils.vgg.load_vgg19`: ``"imagenet"`` (a local copy, else
Keras's download with its progress bar and hash check), ``"random"``, ``"auto"`` (local
copy → quick probe of the origin → download → random with a notice) or a path to a
local copy. Offline, ``"imagenet"`` is a one-line error naming the file and where to
put it.

Features are the 2048 channels of InceptionV3's last block, averaged over space (the
"pool3" features of FID, Heusel et al. 2017), from images resized to 299 × 299.
"""

from __future__ import annotations

import os
from pathlib import Path

import keras

from nst_utils import weight_files
from nst_utils.vgg import DOWNLOAD_STALL_TIMEOUT_S, WeightsUnavailableError, origin_unreachable

#: File name Keras uses for the ImageNet InceptionV3 weights without the classifier.
INCEPTION_WEIGHTS_FILE = "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5"
#: Where Keras publishes that file (``keras.applications.InceptionV3`` downloads it there).
INCEPTION_WEIGHTS_URL = (
    "https://storage.googleapis.com/tensorflow/keras-applications/inception_v3/"
    + INCEPTION_WEIGHTS_FILE
)
#: The MD5 Keras checks; ``keras.utils.get_file`` also takes a 64-character SHA-256.
INCEPTION_WEIGHTS_HASH = "bcbd6486424b2319ff4ef7d526e38f63"
#: Environment variable naming a local copy of the weight file.
WEIGHTS_ENV_VAR = "CYCLEGAN_INCEPTION_WEIGHTS"
#: Environment variable turning downloads off: ``0``, ``false``, ``no`` or ``off``.
DOWNLOAD_ENV_VAR = "CYCLEGAN_INCEPTION_DOWNLOAD"
#: Side of the square images InceptionV3 sees for KID/FID (the published metrics use 299).
INPUT_SIZE = 299
#: Smallest side InceptionV3 accepts (Keras's ``min_size``); for quick tests only.
MIN_INPUT_SIZE = 75
#: Length of one feature vector.
FEATURE_DIM = 2048
#: Weight choices besides a path.
WEIGHT_CHOICES = ("imagenet", "random", "auto")

class InceptionWeightsUnavailableError(WeightsUnavailableError, ValueError):
    """The ImageNet InceptionV3 weights are neither local nor downloadable.

    A ``ValueError`` too, so command lines report it as their other one-line errors.
    """


def keras_cache_path() -> Path:
    """Where ``keras.utils.get_file`` caches the InceptionV3 weight file."""
    return weight_files.keras_cache_path(INCEPTION_WEIGHTS_FILE)


def downloads_allowed() -> bool:
    """False when ``CYCLEGAN_INCEPTION_DOWNLOAD`` is ``0``, ``false``, ``no`` or ``off``."""
    return weight_files.downloads_allowed(DOWNLOAD_ENV_VAR)


def _unavailable(reason: str) -> InceptionWeightsUnavailableError:
    message = (
        f"InceptionV3 ImageNet weights unavailable: {INCEPTION_WEIGHTS_FILE} is not cached and "
        f"could not be downloaded from {INCEPTION_WEIGHTS_URL} ({reason}). Download it on a "
        f"machine with internet access and put it at {keras_cache_path()}, or set "
        f"{WEIGHTS_ENV_VAR}=/path/to/the/file; for a quick test without pretrained weights "
        "use --weights random (the scores then mean little)."
    )
    return InceptionWeightsUnavailableError(message, reason)


def download_inception_weights() -> Path:
    """Fetch (or find in Keras's cache) the ImageNet weight file and check its hash.

    ``keras.utils.get_file`` downloads (progress bar, hash check) into a temporary
    folder beside the cache; only a complete file with the right hash is moved into
    place, so an interrupted download never passes for a copy.

    Returns:
        Path of the verified file.

    Raises:
        InceptionWeightsUnavailableError: offline, downloads turned off, or the download
            failed or had the wrong hash; no file is left behind.
    """
    try:
        return weight_files.fetch_checked(
            INCEPTION_WEIGHTS_FILE, INCEPTION_WEIGHTS_URL, INCEPTION_WEIGHTS_HASH,
            stall_timeout_s=DOWNLOAD_STALL_TIMEOUT_S, download_env=DOWNLOAD_ENV_VAR)
    except weight_files.DownloadFailed as err:
        raise _unavailable(str(err)) from None


def _local_weights() -> Path | None:
    return weight_files.local_copy(WEIGHTS_ENV_VAR, INCEPTION_WEIGHTS_FILE)


def _auto_weights() -> Path | None:
    """The file ``"auto"`` uses: local, else downloaded, else ``None`` with a notice."""
    local = _local_weights()
    if local is not None:
        return local
    reason = weight_files.why_not_download(
        DOWNLOAD_ENV_VAR, lambda: origin_unreachable(INCEPTION_WEIGHTS_URL))
    if not reason:
        try:
            return download_inception_weights()
        except WeightsUnavailableError as err:
            reason = f"download failed: {err.reason}"
    print(
        f"Note: ImageNet InceptionV3 weights not found locally and not downloaded ({reason}); "
        f"using RANDOM weights, so KID/FID compare random features (put "
        f"{INCEPTION_WEIGHTS_FILE} in {keras_cache_path().parent}, or set "
        f"{WEIGHTS_ENV_VAR}=/path/to/it, for real ones)."
    )
    return None


def _randomise(model: keras.Model, seed: int) -> None:
    # Keras's default Glorot init shrinks activations ~sqrt(2) per ReLU layer: after
    # InceptionV3's depth the pooled features are ~3e-4 and KID's kernel is ~1 for
    # every pair. He init (variance 2 / fan_in) keeps them near the ImageNet scale
    # (~0.1), and a fixed seed makes two loads give the same features.
    init = keras.initializers.HeNormal(seed=seed)
    for variable in model.weights:
        if variable.path.endswith("kernel"):
            variable.assign(init(variable.shape))


def load_inception(
    weights: str | os.PathLike = "imagenet", input_size: int = INPUT_SIZE, seed: int = 0
) -> keras.Model:
    """Build the frozen InceptionV3 feature network of KID and FID.

    Args:
        weights: ``"imagenet"`` — the file named by ``CYCLEGAN_INCEPTION_WEIGHTS`` if
            set, else Keras's cached or downloaded copy (hash-checked); ``"random"`` —
            seeded He initialisation (for tests: the scores mean little); ``"auto"`` —
            a local copy, else a download when the origin answers within a few
            seconds, else random with a printed notice; or a path to a local copy.
        input_size: side S the images are resized to (bilinear) before InceptionV3;
            299 for scores comparable with published ones, at least 75.
        seed: seed of the random weights.

    Returns:
        A frozen ``keras.Model`` mapping images ``(m, H, W, 3)`` in [-1, 1] (any H, W)
        to features ``(m, 2048)``, float32. Its attribute ``weights_source`` says which
        weights were loaded.

    Raises:
        InceptionWeightsUnavailableError: ImageNet weights requested but unavailable.
        ValueError: a bad ``input_size``, a weight file that does not exist or does
            not fit InceptionV3.
    """
    if int(input_size) < MIN_INPUT_SIZE:
        raise ValueError(f"the Inception input size must be >= {MIN_INPUT_SIZE}, got "
                         f"{input_size}; use 299 for comparable scores.")  # fmt: skip
    if weights == "auto":
        path = _auto_weights()
    elif weights == "imagenet":
        path = _local_weights() or download_inception_weights()
    elif weights == "random":
        path = None
    else:
        path = Path(weights)
    size = int(input_size)
    inception = keras.applications.InceptionV3(
        include_top=False, weights=None, input_shape=(size, size, 3), pooling="avg"
    )
    if path is None:
        _randomise(inception, seed)
        source = f"random initialisation (He normal, seed {seed}; no pretrained weights)"
    else:
        if not path.is_file():
            raise ValueError(f"InceptionV3 weight file {path} does not exist; pass imagenet, "
                             f"random, auto or the path of {INCEPTION_WEIGHTS_FILE} (check "
                             f"{WEIGHTS_ENV_VAR} too).")  # fmt: skip
        try:
            inception.load_weights(str(path))
        except Exception as err:
            raise ValueError(f"{path} does not hold InceptionV3 no-top weights "
                             f"({type(err).__name__}: {weight_files.first_line(err)}); use "
                             f"{INCEPTION_WEIGHTS_FILE}.") from None  # fmt: skip
        source = f"ImageNet ({path})"
    inception.trainable = False
    images = keras.Input((None, None, 3), name="image")
    # The images are already in [-1, 1], which is InceptionV3's preprocess_input range.
    resized = keras.layers.Resizing(size, size, interpolation="bilinear", name="resize")(images)
    features = inception(resized, training=False)
    model = keras.Model(images, features, name="inception_features")
    model.trainable = False
    model.weights_source = source
    model.input_size = size
    return model
