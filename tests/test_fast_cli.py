"""``nst train-fast|train-adain|apply`` end to end, and resuming a killed or interrupted run.

Tiny settings: 32-pixel crops, widths of a few channels, random VGG19 weights, the
course's own offline images. The command line runs in-process through
``nst_utils.fast_cli.main`` (what ``nst`` dispatches to), so TensorFlow starts once.
A killed run (no chance to save) leaves its last periodic checkpoint and, started
again, ends with the losses and weights of the command-line run that was never
stopped; Ctrl-C saves the step it finished (checked on the loop both trainings share,
with a stand-in step: one traced training fewer).
"""

import json
import re

import keras
import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from nst_utils.fast import runs
from nst_utils.fast import train as train_lib
from nst_utils.fast.apply import load_run_model
from nst_utils.fast.train import train_fast
from nst_utils.fast_cli import main

TINY = ["--steps", "4", "--size", "32", "--batch-size", "2", "--weights", "random",
        "--checkpoint-every", "2", "--sample-every", "2", "--seed", "5"]


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    folder = tmp_path_factory.mktemp("content")
    assert main(["make-data", str(folder), "--n", "4", "--size", "40"]) == 0
    return folder


@pytest.fixture(scope="module")
def fast_run(data, tmp_path_factory):
    run = tmp_path_factory.mktemp("fast") / "run"
    code = main(["train-fast", "--style", "waves", "--data", str(data), "--out", str(run),
                 "--width", "tiny", *TINY])
    assert code == 0
    return run


@pytest.fixture(scope="module")
def adain_run(data, tmp_path_factory):
    run = tmp_path_factory.mktemp("adain") / "run"
    code = main(["train-adain", "--content", str(data), "--styles", str(data), "--out",
                 str(run), "--width", "0.05", *TINY[:1], "2", *TINY[2:]])
    assert code == 0
    return run


def test_make_data_writes_the_offline_set(data):
    names = sorted(p.name for p in data.iterdir())
    assert names == ["photo_00.png", "photo_01.png", "toy_00.png", "toy_01.png"]
    assert Image.open(data / "toy_01.png").size == (40, 40)


def test_train_fast_writes_a_complete_run(fast_run):
    state = runs.read_state(runs.latest_checkpoint(fast_run))
    assert state["step"] == 4 and len(state["history"]) == 4
    assert np.all(np.isfinite(state["history"]))
    assert (fast_run / "model.keras").is_file()
    assert (fast_run / "saved_model" / "saved_model.pb").is_file()
    assert (fast_run / "loss_curve.png").is_file()
    assert sorted(p.name for p in (fast_run / "samples").iterdir()) == \
        ["step-00000002.png", "step-00000004.png"]
    config = json.loads((fast_run / "config.json").read_text())
    assert config["kind"] == "fast" and config["vgg_weights"].startswith("random")


def test_apply_fast_keeps_the_size(fast_run, data, tmp_path):
    Image.new("RGB", (37, 22), (200, 30, 40)).save(tmp_path / "odd.png")
    code = main(["apply", str(fast_run), str(tmp_path / "odd.png"), str(data / "toy_00.png"),
                 "-o", str(tmp_path / "out")])
    assert code == 0
    assert Image.open(tmp_path / "out" / "odd.png").size == (37, 22)
    assert Image.open(tmp_path / "out" / "toy_00.png").size == (40, 40)
    # Compiled with XLA the pixels agree up to rounding.
    assert main(["apply", str(fast_run), str(tmp_path / "odd.png"), "-o",
                 str(tmp_path / "xla"), "--xla"]) == 0
    a, b = (np.asarray(Image.open(tmp_path / d / "odd.png"), np.int16) for d in ("out", "xla"))
    assert np.abs(a - b).max() <= 2


def test_apply_adain_alpha(adain_run, data, tmp_path):
    outs = []
    for alpha in ("0", "1"):
        code = main(["apply", str(adain_run), str(data / "photo_00.png"), "-o",
                     str(tmp_path / alpha), "--style", str(data / "toy_00.png"),
                     "--alpha", alpha])
        assert code == 0
        outs.append(np.asarray(Image.open(tmp_path / alpha / "photo_00.png"), np.float32))
    assert outs[0].shape == (40, 40, 3) and np.abs(outs[0] - outs[1]).max() > 0


class _Killed(Exception):
    """Stands for a kill -9: raised past the loop, so nothing is saved on the way out."""


def _stop_at(step, error):
    def callback(s, loss):
        if s == step:
            raise error
    return callback


def test_killed_run_resumes_to_the_same_weights(data, fast_run, tmp_path):
    # A kill -9 saves nothing: the last periodic checkpoint (step 2; checkpoints every 2)
    # is what a resume starts from, mid-epoch, and the resumed run ends with the losses
    # and weights of the command-line run that was never stopped (test_fast_data checks
    # that the stream resumed at any step equals the uninterrupted one).
    config = runs.read_run_config(fast_run)
    straight = runs.read_state(runs.latest_checkpoint(fast_run))["history"]
    with pytest.raises(_Killed):
        train_fast(config, tmp_path, callbacks=[_stop_at(3, _Killed())], export=False)
    state = runs.read_state(runs.latest_checkpoint(tmp_path))
    assert state["step"] == 2
    np.testing.assert_array_equal(state["history"], straight[:2])
    history = train_fast(config, tmp_path, export=False)
    np.testing.assert_array_equal(history, straight)
    resumed, never_stopped = load_run_model(tmp_path)[1], load_run_model(fast_run)[1]
    for got, want in zip(resumed.weights, never_stopped.weights, strict=True):
        np.testing.assert_array_equal(got.numpy(), want.numpy())


def test_ctrl_c_saves_the_step_it_finished(tmp_path):
    # The loop both trainings share, with a stand-in step (no network to trace): Ctrl-C
    # after step 3 saves step 3 on the way out, between the periodic checkpoints (every
    # 2), and a new loop on the folder restores that step, its losses and its weights.
    config = runs.FastConfig(kind="fast", data=str(tmp_path), style="waves", steps=4,
                             checkpoint_every=2, sample_every=100)
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1, name="dense")])

    def step_fn():
        model.weights[0].assign_add(tf.ones_like(model.weights[0]))
        return float(model.weights[0][0, 0])

    loop = train_lib._Loop(config, tmp_path, model, keras.optimizers.Adam())
    with pytest.raises(KeyboardInterrupt):
        loop.run([()] * 4, step_fn, lambda step: None, [_stop_at(3, KeyboardInterrupt())])
    state = runs.read_state(runs.latest_checkpoint(tmp_path))
    assert state["step"] == 3 and len(state["history"]) == 3
    saved = model.weights[0].numpy()
    model.weights[0].assign(tf.zeros_like(model.weights[0]))
    again = train_lib._Loop(config, tmp_path, model, keras.optimizers.Adam())
    assert again.start == 3 and again.history == state["history"]
    np.testing.assert_array_equal(model.weights[0].numpy(), saved)


def test_finished_run_is_not_trained_again(data, fast_run, capsys):
    code = main(["train-fast", "--style", "waves", "--data", str(data), "--out", str(fast_run),
                 "--width", "tiny", *TINY])
    assert code == 0 and "already finished" in capsys.readouterr().out


def _error(capsys, argv):
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 1, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("nst: error: "), err
    assert "Traceback" not in err
    return lines[0]


def test_one_line_errors(capsys, tmp_path, data, fast_run, adain_run):
    empty = tmp_path / "empty"
    empty.mkdir()
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "broken.jpg").write_bytes(b"not a jpeg at all")
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "config.json").write_text('{"epochs": 3, "data": "x"}')
    photo = str(data / "photo_00.png")
    train = ["train-fast", "--style", "waves", "--out", str(tmp_path / "r"), *TINY]
    cases = {
        "does not exist": ["apply", str(tmp_path / "nowhere"), photo, "-o", str(tmp_path)],
        "not a run of nst": ["apply", str(foreign), photo, "-o", str(tmp_path)],
        "no config.json": ["apply", str(empty), photo, "-o", str(tmp_path)],
        "not an image": ["apply", str(fast_run), str(tmp_path / "bad" / "broken.jpg"), "-o",
                         str(tmp_path)],
        "no such file": ["apply", str(fast_run), str(tmp_path / "missing.png"), "-o",
                         str(tmp_path)],
        "AdaIN runs only": ["apply", str(fast_run), photo, "-o", str(tmp_path), "--style",
                            photo],
        "pass the style image": ["apply", str(adain_run), photo, "-o", str(tmp_path)],
        "lie in \\[0, 1\\]": ["apply", str(adain_run), photo, "-o", str(tmp_path),
                             "--style", photo, "--alpha", "1.5"],
        "holds no JPEG": ["train-fast", "--style", "waves", "--data", str(empty), "--out",
                          str(tmp_path / "r"), *TINY],
        "cannot read image": [*train, "--data", str(tmp_path / "bad")],
        "multiple of 8": [*train, "--data", str(data), "--size", "30"],
        "style image": ["train-fast", "--style", str(tmp_path / "no.png"), "--data", str(data),
                        "--out", str(tmp_path / "r"), *TINY],
        "started with": ["train-fast", "--style", "mosaic", "--data", str(data), "--out",
                         str(fast_run), "--width", "tiny", *TINY],
        "unknown width": [*train, "--data", str(data), "--width", "huge"],
    }
    for expected, argv in cases.items():
        assert re.search(expected, _error(capsys, argv)), expected
