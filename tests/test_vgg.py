"""VGG19 loading (local file, Keras download through a loopback server, offline error) and
the feature extractor."""

import functools
import hashlib
import http.server
import threading

import h5py
import keras
import numpy as np
import pytest

from nst_utils import vgg as vgg_module
from nst_utils.vgg import WeightsUnavailableError, build_feature_extractor, load_vgg19


@pytest.fixture(scope="module")
def random_vgg():
    return load_vgg19(None)


@pytest.fixture(scope="module")
def weight_file(tmp_path_factory, random_vgg):
    """A weight file in the legacy HDF5 layout of Keras's published file, with known values."""
    from keras.src.legacy.saving import legacy_h5_format

    folder = tmp_path_factory.mktemp("served")
    path = folder / vgg_module.VGG19_WEIGHTS_FILE
    marked = keras.applications.VGG19(include_top=False, weights=None)
    kernel = marked.get_layer("block1_conv1").kernel
    kernel.assign(np.full(kernel.shape, 0.125, dtype=np.float32))
    with h5py.File(path, "w") as f:
        legacy_h5_format.save_weights_to_hdf5_group(f, marked)
    return path


@pytest.fixture()
def loopback_server(weight_file):
    handler = functools.partial(
        http.server.SimpleHTTPRequestHandler, directory=str(weight_file.parent)
    )
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture()
def empty_keras_home(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))
    monkeypatch.delenv(vgg_module.WEIGHTS_ENV_VAR, raising=False)
    return tmp_path / "keras_home"


def _block1_kernel(model):
    return model.get_layer("block1_conv1").kernel.numpy()


def test_random_vgg_is_frozen_and_says_so(random_vgg):
    assert not random_vgg.trainable and not random_vgg.trainable_weights
    assert "random" in random_vgg.weights_source


def test_extractor_shapes_and_stops_at_deepest_layer(random_vgg):
    names = ["block1_conv1", "block3_conv1", "block4_conv2"]
    extractor = build_feature_extractor(random_vgg, names)
    image = np.random.default_rng(0).random((1, 64, 96, 3)).astype(np.float32)
    features = extractor(image)
    assert list(features) == names
    assert tuple(features["block1_conv1"].shape) == (1, 64, 96, 64)
    assert tuple(features["block3_conv1"].shape) == (1, 16, 24, 256)
    assert tuple(features["block4_conv2"].shape) == (1, 8, 12, 512)
    body_layers = [layer.name for layer in extractor.get_layer("vgg_body").layers]
    assert body_layers[-1] == "block4_conv2"
    assert not any(name.startswith("block5") for name in body_layers)


def test_extractor_preprocesses_like_keras(random_vgg):
    extractor = build_feature_extractor(random_vgg, ["block1_conv1"])
    image = np.random.default_rng(1).random((1, 32, 32, 3)).astype(np.float32)
    direct = keras.Model(random_vgg.inputs, random_vgg.get_layer("block1_conv1").output)
    expected = direct([keras.applications.vgg19.preprocess_input(image * 255.0)])
    np.testing.assert_allclose(extractor(image)["block1_conv1"], expected, rtol=1e-4, atol=1e-3)


def test_unknown_layer_is_named(random_vgg):
    with pytest.raises(ValueError, match="block9_conv1"):
        build_feature_extractor(random_vgg, ["block9_conv1"])


def test_load_from_path_and_env_var(weight_file, monkeypatch):
    model = load_vgg19(weight_file)
    assert np.all(_block1_kernel(model) == 0.125)
    assert str(weight_file) in model.weights_source
    monkeypatch.setenv(vgg_module.WEIGHTS_ENV_VAR, str(weight_file))
    assert np.all(_block1_kernel(load_vgg19("imagenet")) == 0.125)


def test_missing_path_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="does not exist"):
        load_vgg19(tmp_path / "nope.h5")


def test_imagenet_download_through_keras_get_file(loopback_server, weight_file,
                                                  empty_keras_home, monkeypatch):
    sha256 = hashlib.sha256(weight_file.read_bytes()).hexdigest()
    monkeypatch.setattr(vgg_module, "VGG19_WEIGHTS_URL",
                        loopback_server + vgg_module.VGG19_WEIGHTS_FILE)
    monkeypatch.setattr(vgg_module, "VGG19_WEIGHTS_HASH", sha256)
    model = load_vgg19("imagenet")
    cached = empty_keras_home / "models" / vgg_module.VGG19_WEIGHTS_FILE
    assert cached.exists() and np.all(_block1_kernel(model) == 0.125)
    # "auto" now finds the cached copy without any network.
    assert load_vgg19("auto").weights_source.startswith("ImageNet")


def test_download_with_wrong_hash_is_refused(loopback_server, empty_keras_home, monkeypatch):
    monkeypatch.setattr(vgg_module, "VGG19_WEIGHTS_URL",
                        loopback_server + vgg_module.VGG19_WEIGHTS_FILE)
    monkeypatch.setattr(vgg_module, "VGG19_WEIGHTS_HASH", "0" * 64)
    with pytest.raises(WeightsUnavailableError):
        load_vgg19("imagenet")


def test_offline_error_names_file_source_and_destination(empty_keras_home, monkeypatch):
    monkeypatch.setattr(vgg_module, "VGG19_WEIGHTS_URL",
                        "http://127.0.0.1:9/" + vgg_module.VGG19_WEIGHTS_FILE)
    with pytest.raises(WeightsUnavailableError) as info:
        load_vgg19("imagenet")
    message = str(info.value)
    assert vgg_module.VGG19_WEIGHTS_FILE in message
    assert str(empty_keras_home / "models") in message
    assert vgg_module.WEIGHTS_ENV_VAR in message and "\n" not in message


def test_auto_without_local_file_uses_random_weights(empty_keras_home, capsys):
    model = load_vgg19("auto")
    assert "random" in model.weights_source
    assert "RANDOM" in capsys.readouterr().out
