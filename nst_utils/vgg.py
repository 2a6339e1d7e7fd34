"""VGG19, the frozen feature network of Neural Style Transfer, and its feature extractor."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import keras

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


class WeightsUnavailableError(RuntimeError):
    """The ImageNet weights are neither cached nor downloadable."""


def keras_cache_path() -> Path:
    """Where ``keras.utils.get_file`` caches the VGG19 weight file."""
    home = os.environ.get("KERAS_HOME", os.path.join(os.path.expanduser("~"), ".keras"))
    return Path(home) / "models" / VGG19_WEIGHTS_FILE


def _missing_weights_message(reason: str) -> str:
    return (
        f"VGG19 ImageNet weights unavailable: {VGG19_WEIGHTS_FILE} is not cached and could not "
        f"be downloaded from {VGG19_WEIGHTS_URL} ({reason}). Download it on a machine with "
        f"internet access and put it at {keras_cache_path()}, or set {WEIGHTS_ENV_VAR}="
        "/path/to/the/file; for a quick test without pretrained weights use random weights "
        "(weights=None, or --weights random on the command line)."
    )


def download_vgg19_weights() -> Path:
    """Fetch (or find in Keras's cache) the ImageNet weight file and check its hash.

    Returns:
        Path of the verified file.

    Raises:
        WeightsUnavailableError: offline and the file is not cached, or its hash is wrong.
    """
    cache_dir = keras_cache_path().parent.parent
    cache_dir.mkdir(parents=True, exist_ok=True)  # else get_file falls back to /tmp/.keras
    try:
        path = keras.utils.get_file(
            VGG19_WEIGHTS_FILE,
            VGG19_WEIGHTS_URL,
            cache_dir=str(cache_dir),
            cache_subdir="models",
            file_hash=VGG19_WEIGHTS_HASH,
        )
    except Exception as err:  # get_file raises a bare Exception on network failures
        reason = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise WeightsUnavailableError(_missing_weights_message(reason)) from None
    return Path(path)


def _local_weights() -> Path | None:
    """A local ImageNet weight file named by the environment or cached by Keras, if any."""
    env = os.environ.get(WEIGHTS_ENV_VAR)
    if env:
        return Path(env)
    cached = keras_cache_path()
    return cached if cached.exists() else None


def load_vgg19(weights: str | os.PathLike | None = "imagenet") -> keras.Model:
    """Build the frozen VGG19 convolutional base (no classifier).

    Args:
        weights: ``"imagenet"`` — the file named by ``NST_VGG19_WEIGHTS`` if set, else
            Keras's cached or downloaded copy (hash-checked); a path to a local copy;
            ``None`` — random initialisation (for tests: the features mean little);
            ``"auto"`` — the ImageNet weights when a local copy exists, otherwise random
            initialisation, with a printed notice (used while grading offline).

    Returns:
        A frozen ``keras.Model`` taking VGG-preprocessed images ``(m, H, W, 3)`` with any
        H, W >= 32. Its attribute ``weights_source`` says which weights were loaded.

    Raises:
        WeightsUnavailableError: ImageNet weights requested but unavailable.
        ValueError: the given weight file does not exist or does not fit VGG19.
    """
    if weights == "auto":
        local = _local_weights()
        if local is None:
            print(
                "Note: ImageNet VGG19 weights not found locally; using RANDOM weights "
                f"(put {VGG19_WEIGHTS_FILE} at {keras_cache_path()} for real ones)."
            )
        weights = local
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
