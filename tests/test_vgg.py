"""VGG19 loading (local file, Keras download through a loopback server, offline error,
what "auto" does online, offline, half-way and while grading) and the feature extractor.

No test reaches the internet: an autouse fixture points the origin at a closed loopback
port unless a test serves the file itself.
"""

import functools
import hashlib
import http.server
import socket
import threading
import time
import types

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


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(autouse=True)
def no_internet(monkeypatch):
    """Origin on a closed loopback port, no proxy, downloads allowed, not grading."""
    monkeypatch.setattr(vgg_module, "VGG19_WEIGHTS_URL",
                        f"http://127.0.0.1:{_closed_port()}/{vgg_module.VGG19_WEIGHTS_FILE}")
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy",
                 "ALL_PROXY", vgg_module.DOWNLOAD_ENV_VAR, "NBGRADER_EXECUTION"):
        monkeypatch.delenv(name, raising=False)


class _CountingServer(http.server.ThreadingHTTPServer):
    connections = 0

    def verify_request(self, request, client_address):
        self.connections += 1
        return True


@pytest.fixture()
def loopback_server(weight_file):
    """Serves the weight file; ``.url`` (folder address) and ``.connections`` (count)."""
    handler = functools.partial(
        http.server.SimpleHTTPRequestHandler, directory=str(weight_file.parent)
    )
    handler.log_message = lambda *args: None
    server = _CountingServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield types.SimpleNamespace(url=f"http://127.0.0.1:{server.server_address[1]}/",
                                server=server)
    server.shutdown()
    server.server_close()


@pytest.fixture()
def broken_server():
    """Accepts, answers 200 with a 100 kB Content-Length, sends 1 kB, then (per request
    path) hangs (``/hang/...``) or closes (``/truncate/...``)."""
    listener = socket.create_server(("127.0.0.1", 0))
    release = threading.Event()

    def serve() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with conn:
                request = conn.recv(4096)
                if not request:
                    continue  # the probe: connect and close
                conn.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: 100000\r\n\r\n"
                             + b"\0" * 1000)
                if b" /hang/" in request:
                    release.wait(30)

    threading.Thread(target=serve, daemon=True).start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}/"
    release.set()
    listener.close()


@pytest.fixture()
def empty_keras_home(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))
    monkeypatch.delenv(vgg_module.WEIGHTS_ENV_VAR, raising=False)
    return tmp_path / "keras_home"


def _serve_from(monkeypatch, url, weight_file=None):
    """Point the origin at ``url`` and, given the served file, expect its SHA-256."""
    monkeypatch.setattr(vgg_module, "VGG19_WEIGHTS_URL", url + vgg_module.VGG19_WEIGHTS_FILE)
    if weight_file is not None:
        monkeypatch.setattr(vgg_module, "VGG19_WEIGHTS_HASH",
                            hashlib.sha256(weight_file.read_bytes()).hexdigest())


def _cache_files(keras_home):
    """Everything under Keras's models cache, staging folders included."""
    models = keras_home / "models"
    return sorted(p.name for p in models.rglob("*")) if models.exists() else []


def _block1_kernel(model):
    return model.get_layer("block1_conv1").kernel.numpy()


def test_random_vgg_is_frozen_and_says_so(random_vgg):
    assert not random_vgg.trainable and not random_vgg.trainable_weights
    assert "random" in random_vgg.weights_source


def test_random_by_name_and_seeded():
    """`"random"` is random initialisation; one seed draws the same kernels, another not."""
    first, again, other = (load_vgg19("random", seed=s) for s in (7, 7, 8))
    assert first.weights_source == "random initialisation (no pretrained weights)"
    kernel = [m.get_layer("block1_conv1").kernel.numpy() for m in (first, again, other)]
    np.testing.assert_array_equal(kernel[0], kernel[1])
    assert not np.allclose(kernel[0], kernel[2])


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
    _serve_from(monkeypatch, loopback_server.url, weight_file)
    model = load_vgg19("imagenet")
    cached = empty_keras_home / "models" / vgg_module.VGG19_WEIGHTS_FILE
    assert cached.exists() and np.all(_block1_kernel(model) == 0.125)
    # "auto" now finds the cached copy without any network.
    assert load_vgg19("auto").weights_source.startswith("ImageNet")


def test_download_with_wrong_hash_is_refused(loopback_server, empty_keras_home, monkeypatch):
    _serve_from(monkeypatch, loopback_server.url)
    monkeypatch.setattr(vgg_module, "VGG19_WEIGHTS_HASH", "0" * 64)
    with pytest.raises(WeightsUnavailableError, match="hash"):
        load_vgg19("imagenet")
    assert _cache_files(empty_keras_home) == []  # nothing to mistake for a copy


def test_offline_error_names_file_source_and_destination(empty_keras_home):
    with pytest.raises(WeightsUnavailableError) as info:
        load_vgg19("imagenet")
    message = str(info.value)
    assert vgg_module.VGG19_WEIGHTS_FILE in message
    assert str(empty_keras_home / "models") in message
    assert vgg_module.WEIGHTS_ENV_VAR in message and "\n" not in message


def test_auto_prefers_a_local_file_without_network(loopback_server, weight_file,
                                                   empty_keras_home, monkeypatch):
    _serve_from(monkeypatch, loopback_server.url, weight_file)
    monkeypatch.setenv(vgg_module.WEIGHTS_ENV_VAR, str(weight_file))
    model = load_vgg19("auto")
    assert model.weights_source == f"ImageNet ({weight_file})"
    assert np.all(_block1_kernel(model) == 0.125)
    assert loopback_server.server.connections == 0


def test_auto_downloads_through_keras_when_online(loopback_server, weight_file,
                                                  empty_keras_home, monkeypatch, capsys):
    _serve_from(monkeypatch, loopback_server.url, weight_file)
    model = load_vgg19("auto")
    cached = empty_keras_home / "models" / vgg_module.VGG19_WEIGHTS_FILE
    assert model.weights_source == f"ImageNet ({cached})"
    assert np.all(_block1_kernel(model) == 0.125)
    out = capsys.readouterr().out
    assert f"Downloading data from {vgg_module.VGG19_WEIGHTS_URL}" in out  # Keras's get_file
    assert "RANDOM" not in out
    assert loopback_server.server.connections >= 2  # the probe, then the download
    assert _cache_files(empty_keras_home) == [vgg_module.VGG19_WEIGHTS_FILE]


def test_auto_offline_falls_back_quickly_and_says_why(empty_keras_home, capsys):
    start = time.monotonic()
    model = load_vgg19("auto")
    assert time.monotonic() - start < 10
    assert model.weights_source == "random initialisation (no pretrained weights)"
    out = capsys.readouterr().out
    assert "RANDOM" in out and "offline" in out and "refused" in out
    assert vgg_module.VGG19_WEIGHTS_FILE in out and str(empty_keras_home / "models") in out
    assert vgg_module.WEIGHTS_ENV_VAR in out
    assert _cache_files(empty_keras_home) == []


def test_auto_probe_is_bounded_when_name_resolution_hangs(empty_keras_home, monkeypatch,
                                                          capsys):
    release = threading.Event()

    def hanging_lookup(*args, **kwargs):
        release.wait(30)
        raise OSError("released at the end of the test")

    monkeypatch.setattr(vgg_module.socket, "create_connection", hanging_lookup)
    monkeypatch.setattr(vgg_module, "PROBE_TIMEOUT_S", 0.5)
    start = time.monotonic()
    try:
        model = load_vgg19("auto")
    finally:
        release.set()
    assert time.monotonic() - start < 10
    assert "random" in model.weights_source
    assert "did not answer within 0.5 s" in capsys.readouterr().out


@pytest.mark.parametrize("failure", ["hang", "truncate"])
def test_auto_download_failing_midway_falls_back_and_leaves_no_file(
        broken_server, empty_keras_home, monkeypatch, capsys, failure):
    _serve_from(monkeypatch, f"{broken_server}{failure}/")
    monkeypatch.setattr(vgg_module, "DOWNLOAD_STALL_TIMEOUT_S", 0.5)
    start = time.monotonic()
    model = load_vgg19("auto")
    assert time.monotonic() - start < 10
    assert "random" in model.weights_source
    out = capsys.readouterr().out
    assert "RANDOM" in out and "download failed" in out
    assert _cache_files(empty_keras_home) == []
    assert vgg_module._local_weights() is None


def test_auto_with_wrong_hash_falls_back_and_leaves_no_file(loopback_server,
                                                            empty_keras_home, monkeypatch,
                                                            capsys):
    _serve_from(monkeypatch, loopback_server.url)
    monkeypatch.setattr(vgg_module, "VGG19_WEIGHTS_HASH", "0" * 64)
    assert "random" in load_vgg19("auto").weights_source
    assert "download failed" in capsys.readouterr().out
    assert _cache_files(empty_keras_home) == []


@pytest.mark.parametrize("env", [("NBGRADER_EXECUTION", "autograde", "graded"),
                                 (vgg_module.DOWNLOAD_ENV_VAR, "0", "turned off")])
def test_auto_never_connects_while_grading_or_opted_out(loopback_server, weight_file,
                                                        empty_keras_home, monkeypatch,
                                                        capsys, env):
    name, value, said = env
    _serve_from(monkeypatch, loopback_server.url, weight_file)
    monkeypatch.setenv(name, value)
    model = load_vgg19("auto")
    assert "random" in model.weights_source
    out = capsys.readouterr().out
    assert "RANDOM" in out and said in out
    assert loopback_server.server.connections == 0
    assert _cache_files(empty_keras_home) == []


def test_opt_out_also_stops_explicit_downloads(loopback_server, weight_file,
                                               empty_keras_home, monkeypatch):
    _serve_from(monkeypatch, loopback_server.url, weight_file)
    monkeypatch.setenv(vgg_module.DOWNLOAD_ENV_VAR, "off")
    with pytest.raises(WeightsUnavailableError, match=vgg_module.DOWNLOAD_ENV_VAR):
        load_vgg19("imagenet")
    assert loopback_server.server.connections == 0
