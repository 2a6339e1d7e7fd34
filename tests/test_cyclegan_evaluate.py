"""KID and FID against plain NumPy/SciPy readings, InceptionV3 loading (random weights,
Keras's download through a loopback server, the offline error), ``cyclegan evaluate``
end to end on a tiny trained run, ``--eval-every`` and one-line errors.

No test reaches the internet: an autouse fixture points the origin at a closed loopback
port unless a test serves the file itself. InceptionV3 runs at 75 × 75 (its minimum).
"""

import functools
import hashlib
import http.server
import itertools
import json
import shutil
import socket
import threading

import h5py
import keras
import numpy as np
import pytest
import scipy.linalg
import tensorflow as tf
from PIL import Image

from cyclegan import evaluate
from cyclegan import inception as inception_module
from cyclegan import runs as runs_module
from cyclegan.cli import main
from cyclegan.metrics import fid, kid, polynomial_mmd2
from cyclegan.options import TrainConfig
from cyclegan.train import train

SIZE = 75  # Keras's smallest InceptionV3 input


# ---------------------------------------------------------------- metrics vs NumPy


def mmd2_by_loops(x, y):
    """The unbiased MMD² of Bińkowski et al. (2018, eq. 3), term by term."""
    n, m, d = len(x), len(y), x.shape[1]

    def k(a, b):
        return (float(np.dot(a, b)) / d + 1.0) ** 3

    xx = sum(k(x[i], x[j]) for i, j in itertools.permutations(range(n), 2)) / (n * (n - 1))
    yy = sum(k(y[i], y[j]) for i, j in itertools.permutations(range(m), 2)) / (m * (m - 1))
    xy = sum(k(a, b) for a in x for b in y) / (n * m)
    return xx + yy - 2 * xy


def fid_by_sqrtm(x, y):
    s_x, s_y = np.cov(x, rowvar=False), np.cov(y, rowvar=False)
    root = np.real(scipy.linalg.sqrtm(s_x @ s_y))
    return np.sum((x.mean(0) - y.mean(0)) ** 2) + np.trace(s_x + s_y - 2 * root)


def test_polynomial_mmd2_matches_the_formula_term_by_term():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(7, 5)), rng.normal(0.3, 1.2, size=(9, 5))
    np.testing.assert_allclose(polynomial_mmd2(x, y), mmd2_by_loops(x, y), rtol=1e-10)


def test_kid_averages_subsets_drawn_from_the_seed():
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(12, 4)), rng.normal(0.5, 1.0, size=(15, 4))
    draws = np.random.default_rng(3)
    estimates = [mmd2_by_loops(x[draws.choice(12, 6, replace=False)],
                               y[draws.choice(15, 6, replace=False)]) for _ in range(5)]
    mean, std = kid(x, y, subset_size=6, n_subsets=5, seed=3)
    np.testing.assert_allclose([mean, std], [np.mean(estimates), np.std(estimates)], rtol=1e-10)
    # Subsets larger than the sets are capped; equal sizes give one exact estimate.
    np.testing.assert_allclose(kid(x[:10], y[:10], subset_size=1000), [mmd2_by_loops(x[:10],
                               y[:10]), 0.0], rtol=1e-10)  # fmt: skip


def test_kid_is_near_zero_for_the_same_features_and_positive_for_shifted_ones():
    # Features of InceptionV3's scale: non-negative, about 0.1 to 1.
    rng = np.random.default_rng(2)
    x = rng.gamma(0.5, 0.4, size=(240, 2048)).astype(np.float32)
    # Against itself the estimate is (2/n)(mean off-diagonal k - mean diagonal k) exactly:
    # the estimator assumes independent sets, so it is slightly negative and shrinks as 1/n.
    same = {}
    for n in (60, 240):
        k = (x[:n].astype(np.float64) @ x[:n].T.astype(np.float64) / 2048 + 1) ** 3
        off = (k.sum() - np.trace(k)) / (n * (n - 1))
        same[n], std = kid(x[:n], x[:n])
        np.testing.assert_allclose(same[n], 2 / n * (off - np.mean(np.diag(k))), rtol=1e-8)
        assert std == 0.0
    assert -0.02 < same[60] < same[240] < 0 and same[60] / same[240] == pytest.approx(4, rel=0.1)
    other = rng.gamma(0.5, 0.4, size=(60, 2048)).astype(np.float32)
    assert abs(kid(x[:60], other)[0]) < 2e-3  # another draw of the same distribution
    shifted, _ = kid(x[:60], other + 0.3)
    assert shifted > 0.2 > 20 * abs(same[60])


@pytest.mark.parametrize("n", [6, 40])  # fewer and more images than dimensions
def test_fid_matches_scipy_sqrtm(n):
    rng = np.random.default_rng(n)
    x = rng.normal(size=(n, 16))
    y = rng.normal(0.2, 1.5, size=(n + 3, 16)) @ rng.normal(size=(16, 16))
    np.testing.assert_allclose(fid(x, y), fid_by_sqrtm(x, y), rtol=1e-6)
    assert abs(fid(x, x)) < 1e-9
    # Same covariance, mean moved by delta: the distance is |delta|^2.
    np.testing.assert_allclose(fid(x, x + 0.5), 0.25 * 16, rtol=1e-9)


def test_metric_input_errors():
    x = np.zeros((4, 3))
    with pytest.raises(ValueError, match="same d"):
        kid(x, np.zeros((4, 5)))
    with pytest.raises(ValueError, match="at least 2"):
        fid(x, x[:1])
    with pytest.raises(ValueError, match="NaN"):
        fid(x, np.full((4, 3), np.nan))


# ---------------------------------------------------------------- InceptionV3 loading


@pytest.fixture(scope="module")
def extractor():
    return inception_module.load_inception("random", input_size=SIZE)


def test_random_inception_features(extractor):
    images = np.random.default_rng(0).uniform(-1, 1, (3, 40, 56, 3)).astype(np.float32)
    features = np.asarray(extractor(images))
    assert features.shape == (3, 2048) and features.dtype == np.float32
    assert "random" in extractor.weights_source and not extractor.trainable_weights
    # He-initialised, the pooled features keep a usable scale (not ~1e-4).
    assert 0.01 < features.mean() < 10 and features.std(axis=0).mean() > 1e-3
    with pytest.raises(ValueError, match=">= 75"):
        inception_module.load_inception("random", input_size=64)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(autouse=True)
def no_internet(monkeypatch, tmp_path):
    """Origin on a closed loopback port, no proxy, an empty Keras cache."""
    name = inception_module.INCEPTION_WEIGHTS_FILE
    monkeypatch.setattr(inception_module, "INCEPTION_WEIGHTS_URL",
                        f"http://127.0.0.1:{_closed_port()}/{name}")  # fmt: skip
    for var in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy",
                "ALL_PROXY", inception_module.DOWNLOAD_ENV_VAR,
                inception_module.WEIGHTS_ENV_VAR, "NBGRADER_EXECUTION"):  # fmt: skip
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))


def _first_conv(model):
    # Keras numbers layer names across a session (conv2d, conv2d_94, ...): find it by type.
    return next(layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D))


@pytest.fixture(scope="module")
def weight_file(tmp_path_factory):
    """A no-top weight file in the legacy HDF5 layout of Keras's, first kernel marked."""
    from keras.src.legacy.saving import legacy_h5_format

    path = tmp_path_factory.mktemp("served") / inception_module.INCEPTION_WEIGHTS_FILE
    marked = keras.applications.InceptionV3(include_top=False, weights=None,
                                            input_shape=(SIZE, SIZE, 3))  # fmt: skip
    kernel = _first_conv(marked).kernel
    kernel.assign(np.full(kernel.shape, 0.125, dtype=np.float32))
    with h5py.File(path, "w") as f:
        legacy_h5_format.save_weights_to_hdf5_group(f, marked)
    return path


@pytest.fixture()
def served(weight_file, monkeypatch):
    """A loopback server of the weight file; the origin and hash point at it."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler,
                                directory=str(weight_file.parent))  # fmt: skip
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/{weight_file.name}"
    monkeypatch.setattr(inception_module, "INCEPTION_WEIGHTS_URL", url)
    monkeypatch.setattr(inception_module, "INCEPTION_WEIGHTS_HASH",
                        hashlib.sha256(weight_file.read_bytes()).hexdigest())  # fmt: skip
    yield url
    server.shutdown()
    server.server_close()


def _first_kernel(model):
    return _first_conv(model.get_layer("inception_v3")).kernel.numpy()


def test_imagenet_download_through_keras_get_file(served):
    model = inception_module.load_inception("imagenet", input_size=SIZE)
    assert inception_module.keras_cache_path().is_file()
    assert np.all(_first_kernel(model) == 0.125) and model.weights_source.startswith("ImageNet")
    # "auto" now finds the cached copy, without the network.
    assert inception_module._auto_weights() == inception_module.keras_cache_path()


def test_wrong_hash_is_refused_and_leaves_nothing(served, monkeypatch):
    monkeypatch.setattr(inception_module, "INCEPTION_WEIGHTS_HASH", "0" * 64)
    with pytest.raises(inception_module.InceptionWeightsUnavailableError, match="hash"):
        inception_module.load_inception("imagenet", SIZE)
    models = inception_module.keras_cache_path().parent
    assert not models.exists() or not any(models.iterdir())


def test_offline_imagenet_is_one_line_naming_file_and_place(capsys):
    with pytest.raises(ValueError) as info:  # a ValueError, so command lines catch it
        inception_module.load_inception("imagenet", SIZE)
    message = str(info.value)
    assert "\n" not in message and inception_module.INCEPTION_WEIGHTS_FILE in message
    assert str(inception_module.keras_cache_path()) in message and "--weights random" in message
    # "auto" falls back to random weights, saying so.
    assert inception_module._auto_weights() is None
    assert "RANDOM" in capsys.readouterr().out


# ---------------------------------------------------------------- folders and runs


def paint(folder, n, seed, style):
    """``n`` 32 × 32 PNGs: smooth colour fields (``"smooth"``), the same with every other
    row inverted (``"stripes"``), or uniform noise (``"noise"``)."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    for i in range(n):
        coarse = rng.uniform(0, 255, (4, 4, 3)).astype(np.uint8)
        pixels = np.asarray(Image.fromarray(coarse).resize((32, 32), Image.Resampling.BICUBIC))
        if style == "noise":
            pixels = rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)
        if style == "stripes":
            pixels = pixels.copy()
            pixels[::2] = 255 - pixels[::2]
        Image.fromarray(pixels).save(folder / f"img_{i:03d}.png")
    return folder


def test_identical_folders_score_near_zero_and_different_ones_above(extractor, tmp_path):
    a = paint(tmp_path / "a", 8, 0, "smooth")
    copy = shutil.copytree(a, tmp_path / "copy")
    other = paint(tmp_path / "other", 8, 1, "noise")
    same = evaluate.compare_folders(a, copy, extractor, image_size=32)
    different = evaluate.compare_folders(a, other, extractor, image_size=32)
    assert different["kid"] > 0 and different["fid"] > 0
    assert abs(same["kid"]) < 0.1 * different["kid"]
    assert abs(same["fid"]) < 1e-6 * different["fid"]  # the same features: 0 up to round-off


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """2 one-step epochs on painted A/B folders, --eval-every 2 (random Inception, 75²)."""
    root = tmp_path_factory.mktemp("data")
    for split, n in (("train", 4), ("test", 4)):
        paint(root / f"{split}A", n, 10 if split == "train" else 11, "smooth")
        paint(root / f"{split}B", n, 20 if split == "train" else 21, "stripes")
    config = TrainConfig(data=str(root), epochs=2, image_size=32, gen_filters=4, disc_filters=4,
                         batch_size=2, buffer_max_length=2, steps_per_epoch=1, eval_every=2,
                         eval_images=4, eval_weights="random")  # fmt: skip
    run = tmp_path_factory.mktemp("runs") / "run"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(evaluate, "TRAINING_INPUT_SIZE", SIZE)
        history = train(config, run)
    return root, run, config, history


def test_eval_every_writes_kid_to_history_and_tensorboard(trained):
    root, run, config, history = trained
    assert "kid_AtoB" not in history[0]  # epoch 1 of --eval-every 2: not measured
    assert set(history[1]) >= {"kid_AtoB", "kid_BtoA", "g_total"}
    scalars = {}
    for events in (run / "logs").glob("events.out.tfevents.*"):
        for event in tf.compat.v1.train.summary_iterator(str(events)):
            for value in event.summary.value:
                scalars[(value.tag, event.step)] = float(tf.make_ndarray(value.tensor))
    for key in ("AtoB", "BtoA"):
        np.testing.assert_allclose(scalars[(f"kid/{key}", 2)], history[1][f"kid_{key}"],
                                   rtol=1e-6)  # fmt: skip
        assert (f"kid/{key}", 1) not in scalars and np.isfinite(history[1][f"kid_{key}"])
    assert not any(tag.startswith("loss/kid") for tag, _ in scalars)


def test_eval_settings_may_change_between_invocations(trained):
    import dataclasses

    root, run, config, history = trained
    # They change nothing trained, so the run folder accepts them (here: already finished).
    again = dataclasses.replace(config, eval_every=1, eval_images=3, eval_weights="auto")
    assert train(again, run) == history
    with pytest.raises(ValueError, match="started with lr"):
        train(dataclasses.replace(config, lr=1e-3), run)


def test_cli_evaluate_end_to_end(trained, capsys):
    root, run, _, _ = trained
    args = ["evaluate", str(run), "--data", str(root), "--weights", "random",
            "--input-size", str(SIZE), "--kid-subset-size", "3", "--kid-subsets", "4"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "AtoB: KID" in out and "BtoA: KID" in out
    result = json.loads((run / evaluate.EVALUATION_FILE).read_text())
    state = runs_module.read_state(runs_module.latest_checkpoint(run))
    assert result["epoch"] == state["epoch"] and result["global_step"] == state["global_step"]
    assert "random" in result["weights"] and result["input_size"] == SIZE
    for key in ("AtoB", "BtoA"):
        r = result[key]
        assert r["n_translated"] == r["n_real"] == 4 and r["fid"] > 0 and r["kid_std"] > 0
        assert np.isfinite(r["kid"])


def _error(args, capsys):
    code = main(args)
    err = capsys.readouterr().err.strip()
    assert code == 1 and err.startswith("cyclegan: error: ") and "\n" not in err, err
    return err


def test_cli_bad_inputs_are_one_line_errors(trained, tmp_path, capsys):
    root, run, config, _ = trained
    fast = ["--weights", "random", "--input-size", str(SIZE)]
    assert "does not exist" in _error(["evaluate", str(run), "--data", str(tmp_path / "no"),
                                       *fast], capsys)  # fmt: skip
    empty = tmp_path / "empty"
    (empty / "testA").mkdir(parents=True)
    shutil.copytree(root / "testB", empty / "testB")
    assert "holds no images" in _error(["evaluate", str(run), "--data", str(empty), *fast],
                                       capsys)  # fmt: skip
    assert "not a training run" in _error(["evaluate", str(root), "--data", str(root), *fast],
                                          capsys)  # fmt: skip
    untrained = tmp_path / "untrained"
    runs_module.write_options(untrained, config)  # options, no checkpoint yet
    assert "no finished epoch" in _error(["evaluate", str(untrained), "--data", str(root),
                                          *fast], capsys)  # fmt: skip
    offline = _error(["evaluate", str(run), "--data", str(root), "--input-size", str(SIZE)],
                     capsys)  # fmt: skip
    assert inception_module.INCEPTION_WEIGHTS_FILE in offline and "put it at" in offline
