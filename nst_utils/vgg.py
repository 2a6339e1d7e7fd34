"""VGG19, the frozen feature network of Neural Style Transfer, and its feature extractor."""

from __future__ import annotations

import os
import socket
import threading
import urllib.parse
import urllib.request
from collections.abc import Sequence
from pathlib import Path

import keras

from . import weight_files

#: File name Keras uses for the ImageNet VGG19 weights without the classifier.
VGG19_WEIGHTS_FILE = "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5"
#: Where Keras publishes that file.
VGG19_WEIGHTS_URL = (
    "https://storage.googleapis.com/tensorflow/keras-applications/vgg19/" + VGG19_WEIGHTS_FILE
)
#: Hash checked after download and on every cached load. Keras publishes only the MD5
#: of this file; ``keras.utils.get_file`` picks the algorithm from the hash's length, so
#: a 64-character SHA-256 works here too (the tests use one).
VGG19_WEIGHTS_HASH = "253f8cb515780f3b799900260a226db6"
#: Environment variable naming a local copy of the weight file.
WEIGHTS_ENV_VAR = "NST_VGG19_WEIGHTS"
#: Environment variable turning downloads off: ``0``, ``false``, ``no`` or ``off``.
DOWNLOAD_ENV_VAR = "NST_VGG19_DOWNLOAD"
#: Seconds ``"auto"`` waits, DNS included, for the origin host to accept a connection.
PROBE_TIMEOUT_S = 3.0
#: Seconds a download may go without receiving data before it is abandoned.
DOWNLOAD_STALL_TIMEOUT_S = 30.0

class WeightsUnavailableError(RuntimeError):
    """The ImageNet weights are neither cached nor downloadable.

    Attributes:
        reason: the short cause (``"downloads turned off ..."``, the network error ...).
    """

    def __init__(self, message: str, reason: str = "") -> None:
        super().__init__(message)
        self.reason = reason or message


def keras_cache_path() -> Path:
    """Where ``keras.utils.get_file`` caches the VGG19 weight file."""
    return weight_files.keras_cache_path(VGG19_WEIGHTS_FILE)


def downloads_allowed() -> bool:
    """False when ``NST_VGG19_DOWNLOAD`` is ``0``, ``false``, ``no`` or ``off``."""
    return weight_files.downloads_allowed(DOWNLOAD_ENV_VAR)


def _missing_weights_message(reason: str) -> str:
    return (
        f"VGG19 ImageNet weights unavailable: {VGG19_WEIGHTS_FILE} is not cached and could not "
        f"be downloaded from {VGG19_WEIGHTS_URL} ({reason}). Download it on a machine with "
        f"internet access and put it at {keras_cache_path()}, or set {WEIGHTS_ENV_VAR}="
        "/path/to/the/file; for a quick test without pretrained weights use random weights "
        "(weights=None, or --weights random on the command line)."
    )


def _unavailable(reason: str) -> WeightsUnavailableError:
    return WeightsUnavailableError(_missing_weights_message(reason), reason)


def download_vgg19_weights() -> Path:
    """Fetch (or find in Keras's cache) the ImageNet weight file and check its hash.

    The download goes through ``keras.utils.get_file`` (its progress bar, the hash
    check) into a temporary folder beside the cache; only a complete file with the right
    hash is moved into place, so an interrupted or corrupted download never lands in
    the cache. A download receiving nothing for :data:`DOWNLOAD_STALL_TIMEOUT_S` seconds
    is abandoned (:func:`nst_utils.weight_files.fetch_checked`).

    Returns:
        Path of the verified file.

    Raises:
        WeightsUnavailableError: offline, downloads turned off by ``NST_VGG19_DOWNLOAD``,
            or the download failed or had the wrong hash; no file is left behind.
    """
    try:
        return weight_files.fetch_checked(
            VGG19_WEIGHTS_FILE, VGG19_WEIGHTS_URL, VGG19_WEIGHTS_HASH,
            stall_timeout_s=DOWNLOAD_STALL_TIMEOUT_S, download_env=DOWNLOAD_ENV_VAR)
    except weight_files.DownloadFailed as err:
        raise _unavailable(str(err)) from None


def _probe_target(url: str) -> tuple[str, int]:
    """The host and port a download of ``url`` connects to first (its proxy, if any)."""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    proxy = urllib.request.getproxies().get(parts.scheme)
    if proxy and host and not urllib.request.proxy_bypass(host):
        proxy_parts = urllib.parse.urlsplit(proxy if "://" in proxy else "http://" + proxy)
        host, port = proxy_parts.hostname or host, proxy_parts.port or 80
    return host, port


def origin_unreachable(url: str | None = None, timeout: float | None = None) -> str | None:
    """Whether the weights' origin host accepts a TCP connection within ``timeout``.

    Name resolution and connection run in a daemon thread, so a hanging DNS lookup
    costs at most ``timeout`` seconds too.

    Args:
        url: the address to probe; default :data:`VGG19_WEIGHTS_URL`.
        timeout: seconds in all; default :data:`PROBE_TIMEOUT_S`.

    Returns:
        ``None`` when the host answered, else a short reason such as
        ``"storage.googleapis.com:443 did not answer within 3 s"``.
    """
    url = VGG19_WEIGHTS_URL if url is None else url
    timeout = PROBE_TIMEOUT_S if timeout is None else timeout
    outcome: list[str | None] = []
    where: list[str] = []

    def attempt() -> None:
        try:
            host, port = _probe_target(url)
            where.append(f"{host}:{port}")
            with socket.create_connection((host, port), timeout=timeout):
                outcome.append(None)
        except (OSError, ValueError) as err:
            outcome.append(f"{where[0] if where else url} unreachable: "
                           f"{getattr(err, 'strerror', None) or weight_files.first_line(err)}")

    thread = threading.Thread(target=attempt, name="vgg19-origin-probe", daemon=True)
    thread.start()
    thread.join(timeout)
    if not outcome:
        return f"{where[0] if where else url} did not answer within {timeout:g} s"
    return outcome[0]


def _local_weights() -> Path | None:
    """A local ImageNet weight file named by the environment or cached by Keras, if any."""
    return weight_files.local_copy(WEIGHTS_ENV_VAR, VGG19_WEIGHTS_FILE)


def _auto_weights() -> Path | None:
    """The weight file ``"auto"`` uses: local, else downloaded, else ``None`` with a notice."""
    local = _local_weights()
    if local is not None:
        return local
    reason = weight_files.why_not_download(DOWNLOAD_ENV_VAR, origin_unreachable)
    if not reason:
        try:
            return download_vgg19_weights()
        except WeightsUnavailableError as err:
            reason = f"download failed: {err.reason}"
    print(
        f"Note: ImageNet VGG19 weights not found locally and not downloaded ({reason}); "
        f"using RANDOM weights (put {VGG19_WEIGHTS_FILE} in {keras_cache_path().parent}, "
        f"or set {WEIGHTS_ENV_VAR}=/path/to/it, for real ones)."
    )
    return None


def load_vgg19(
    weights: str | os.PathLike | None = "imagenet", seed: int | None = None
) -> keras.Model:
    """Build the frozen VGG19 convolutional base (no classifier).

    Args:
        weights: ``"imagenet"`` — the file named by ``NST_VGG19_WEIGHTS`` if set, else
            Keras's cached or downloaded copy (hash-checked); a path to a local copy;
            ``None`` or ``"random"`` — random initialisation (for tests: the features
            mean little);
            ``"auto"`` — a local copy of the ImageNet weights if any; else, when the
            origin answers within :data:`PROBE_TIMEOUT_S` seconds, Keras's download
            (progress bar, hash check); else random initialisation with a printed
            notice saying why. While nbgrader grades (``NBGRADER_EXECUTION``) or with
            ``NST_VGG19_DOWNLOAD=0`` it never uses the network.
        seed: when given, ``keras.utils.set_random_seed(seed)`` first, so random weights
            (and whatever the caller draws next) are the same on every run.

    Returns:
        A frozen ``keras.Model`` taking VGG-preprocessed images ``(m, H, W, 3)`` with any
        H, W >= 32. Its attribute ``weights_source`` says which weights were loaded.

    Raises:
        WeightsUnavailableError: ImageNet weights requested but unavailable.
        ValueError: the given weight file does not exist or does not fit VGG19.
    """
    if seed is not None:
        keras.utils.set_random_seed(seed)
    if weights == "auto":
        weights = _auto_weights()
    elif weights == "random":
        weights = None
    elif weights == "imagenet":
        weights = _local_weights() or download_vgg19_weights()

    model = keras.applications.VGG19(include_top=False, weights=None, input_shape=(None, None, 3))
    if weights is None:
        source = "random initialisation (no pretrained weights)"
    else:
        path = Path(weights)
        if not path.is_file():
            raise ValueError(
                f"VGG19 weight file {path} does not exist; check the path or "
                f"the {WEIGHTS_ENV_VAR} variable."
            )
        try:
            model.load_weights(str(path))
        except Exception as err:
            raise ValueError(
                f"{path} does not hold VGG19 no-top weights ({type(err).__name__}: "
                f"{str(err).splitlines()[0] if str(err) else ''}); use {VGG19_WEIGHTS_FILE}."
            ) from None
        source = f"ImageNet ({path})"
    model.trainable = False
    model.weights_source = source
    return model


class VGGPreprocess(keras.layers.Layer):
    """Layer mapping RGB images in ``[0, 1]`` to VGG19 input (0–255, BGR, mean removed)."""

    def call(self, inputs):
        return keras.applications.vgg19.preprocess_input(inputs * 255.0)


def build_feature_extractor(vgg: keras.Model, layer_names: Sequence[str]) -> keras.Model:
    """A model returning the activations of the named VGG19 layers.

    Only the layers up to the deepest requested one are part of the model, so nothing
    past it is computed.

    Args:
        vgg: the network from :func:`load_vgg19`.
        layer_names: names such as ``"block5_conv2"``; duplicates are ignored.

    Returns:
        A ``keras.Model`` mapping images ``(m, H, W, 3)`` in ``[0, 1]`` to a dict
        ``{layer_name: activation of shape (m, n_H, n_W, n_C)}``.

    Raises:
        ValueError: a name is not a layer of VGG19.
    """
    names = list(dict.fromkeys(layer_names))
    known = [layer.name for layer in vgg.layers]
    unknown = [n for n in names if n not in known]
    if unknown:
        conv = [n for n in known if "conv" in n]
        raise ValueError(f"unknown VGG19 layer(s) {unknown}; choose from {conv}.")
    body = keras.Model(vgg.inputs, {n: vgg.get_layer(n).output for n in names}, name="vgg_body")
    body.trainable = False
    images = keras.Input((None, None, 3), name="image")
    features = body(VGGPreprocess(name="vgg_preprocess")(images))
    extractor = keras.Model(images, features, name="vgg19_features")
    extractor.trainable = False
    extractor.weights_source = getattr(vgg, "weights_source", "unknown")
    return extractor
