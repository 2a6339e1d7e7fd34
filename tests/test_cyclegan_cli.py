"""The ``cyclegan`` command line: a killed run resumes to the same weights, outputs, errors."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from cyclegan.cli import main

STEPS_PER_EPOCH = 4  # 8 images per domain, batch size 2
KILLER = Path(__file__).with_name("cyclegan_kill.py")


def train_args(root: Path, out: Path) -> list[str]:
    return [
        "train", "--data", str(root), "--out", str(out), "--epochs", "2",
        "--image-size", "32", "--gen-filters", "4", "--disc-filters", "4",
        "--pool-size", "3", "--batch-size", "2", "--seed", "5", "--decay-from", "1",
    ]  # fmt: skip


def start(args: list[str], kill_after_steps: int | None = None) -> subprocess.Popen:
    """``cyclegan ARGS`` in a new process; SIGKILLed after that many steps if given."""
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    command = [sys.executable, "-m", "cyclegan"]
    if kill_after_steps is not None:
        command = [sys.executable, str(KILLER), str(kill_after_steps)]
    return subprocess.Popen(
        [*command, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


@pytest.fixture(scope="module")
def runs(toy_root, tmp_path_factory):
    """One uninterrupted run, and one killed mid-epoch 2 and then resumed."""
    base = tmp_path_factory.mktemp("runs")
    full, resumed = base / "full", base / "resumed"
    # Two processes at once: the machine has two cores.
    uninterrupted = start(train_args(toy_root, full))
    crash_at = STEPS_PER_EPOCH + 2
    killed = start(train_args(toy_root, resumed), kill_after_steps=crash_at)
    killed_out, killed_err = killed.communicate(timeout=900)
    full_out, full_err = uninterrupted.communicate(timeout=900)
    assert uninterrupted.returncode == 0, full_err[-3000:]
    assert killed.returncode == -9, killed_err[-3000:]
    latest = (resumed / "checkpoints" / "LATEST").read_text().strip()
    assert latest == "epoch-0001"
    again = start(train_args(toy_root, resumed))
    resumed_out, resumed_err = again.communicate(timeout=900)
    assert again.returncode == 0, resumed_err[-3000:]
    assert "resuming" in resumed_out and "after epoch 1" in resumed_out
    return full, resumed


def checkpoint_tensors(run: Path) -> dict[str, np.ndarray]:
    folder = run / "checkpoints" / (run / "checkpoints" / "LATEST").read_text().strip()
    reader = tf.train.load_checkpoint(str(folder / "ckpt"))
    keys = [k for k in reader.get_variable_to_shape_map() if "OBJECT_GRAPH" not in k]
    return {k: reader.get_tensor(k) for k in keys}


def test_killed_run_resumes_to_identical_state(runs):
    full, resumed = runs
    want, got = checkpoint_tensors(full), checkpoint_tensors(resumed)
    # Networks, four optimisers (moments and step counters), pools (images, counters, seeds).
    assert set(want) == set(got)
    assert sum("optimizer" in k for k in want) >= 4 and sum("pool_" in k for k in want) == 8
    for key in want:
        np.testing.assert_array_equal(got[key], want[key], err_msg=key)
    state = json.loads((full / "checkpoints" / "epoch-0002" / "state.json").read_text())
    resumed_state = json.loads((resumed / "checkpoints" / "epoch-0002" / "state.json").read_text())
    assert state["epoch"] == 2 and state["global_step"] == 2 * STEPS_PER_EPOCH
    assert resumed_state["history"] == state["history"]
    assert not list((resumed / "checkpoints").glob(".tmp-*"))


def test_finished_run_says_so(runs, toy_root, capsys):
    full, _ = runs
    assert main(train_args(toy_root, full)) == 0
    assert "already finished" in capsys.readouterr().out


def test_run_outputs_samples_curve_and_tensorboard(runs):
    full, _ = runs
    for epoch in (1, 2):
        with Image.open(full / "samples" / f"epoch-{epoch:04d}.png") as im:
            assert im.size[0] > 200 and im.size[1] > 200
    assert (full / "loss_curve.png").stat().st_size > 1000
    history = json.loads((full / "checkpoints" / "epoch-0002" / "state.json").read_text())[
        "history"
    ]
    scalars: dict[str, dict[int, float]] = {}
    for events in (full / "logs").glob("events.out.tfevents.*"):
        for event in tf.compat.v1.train.summary_iterator(str(events)):
            for value in event.summary.value:
                number = float(tf.make_ndarray(value.tensor))
                scalars.setdefault(value.tag, {})[event.step] = number
    for key in ("d_A", "d_B", "g_total", "valid", "reconstr", "id"):
        logged = [scalars[f"loss/{key}"][step] for step in (1, 2)]
        np.testing.assert_allclose(logged, [h[key] for h in history], rtol=1e-6)
    # --decay-from 1 of 2 epochs: full rate after epoch 1 (step 4), zero after epoch 2.
    np.testing.assert_allclose([scalars["learning_rate"][s] for s in (1, 2)], [2e-4, 0.0])


def test_translate_files_and_folders(runs, toy_root, tmp_path, capsys):
    full, _ = runs
    single = toy_root / "trainA" / "apple_0000.png"
    out = tmp_path / "out"
    args = ["translate", "--run", str(full), "--direction", "AtoB", str(toy_root / "testA")]
    assert main([*args, str(single), "--out", str(out)]) == 0
    written = sorted(p.name for p in out.iterdir())
    assert written == ["apple_0000_AtoB.png", "apple_0000_AtoB_2.png", "apple_0001_AtoB.png"]
    assert "wrote 3 images" in capsys.readouterr().out
    with Image.open(out / "apple_0001_AtoB.png") as im:
        ab = np.asarray(im)
    assert ab.shape == (32, 32, 3) and ab.std() > 0
    back = tmp_path / "back"
    assert main(["translate", "--run", str(full), "--direction", "BtoA",
                 str(toy_root / "testA" / "apple_0001.png"), "--out", str(back)]) == 0  # fmt: skip
    with Image.open(back / "apple_0001_BtoA.png") as im:
        assert not np.array_equal(np.asarray(im), ab)  # the other generator


def one_line_error(capsys, code: int, *needles: str) -> str:
    assert code == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("cyclegan: error:") and "\n" not in err and "Traceback" not in err
    for needle in needles:
        assert needle in err, err
    return err


def test_missing_data_folder_is_a_one_line_error_in_a_real_process(tmp_path):
    proc = start(["train", "--data", str(tmp_path / "nowhere"), "--out", str(tmp_path / "r")])
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 1
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines[-1].startswith("cyclegan: error:") and "nowhere" in lines[-1]
    assert "Traceback" not in err
    assert not (tmp_path / "r" / "config.json").exists()


def test_bad_options_are_one_line_errors(toy_root, tmp_path, capsys):
    run = str(tmp_path / "run")
    base = ["train", "--data", str(toy_root), "--out", run]
    one_line_error(capsys, main([*base, "--image-size", "30"]), "multiple of 16")
    one_line_error(capsys, main([*base, "--decay-from", "5", "--epochs", "3"]), "--decay-from")
    one_line_error(capsys, main([*base, "--lr", "0"]), "--lr")
    empty = tmp_path / "empty"
    (empty / "trainA").mkdir(parents=True)
    (empty / "trainB").mkdir()
    one_line_error(capsys, main(["train", "--data", str(empty), "--out", run]), "no images")


def test_resume_with_other_settings_is_refused(runs, toy_root, capsys):
    full, _ = runs
    args = train_args(toy_root, full)
    args[args.index("--seed") + 1] = "6"
    one_line_error(capsys, main(args), "seed")


def test_translate_errors(runs, tmp_path, capsys):
    full, _ = runs
    base = ["translate", "--direction", "AtoB", "--out", str(tmp_path / "o")]
    one_line_error(capsys, main([*base, "--run", str(tmp_path), str(tmp_path)]), "config.json")
    missing = str(tmp_path / "missing.png")
    one_line_error(capsys, main([*base, "--run", str(full), missing]), "missing.png")
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"not an image")
    one_line_error(capsys, main([*base, "--run", str(full), str(bad)]), "bad.png")


def test_download_unknown_dataset(tmp_path, capsys):
    one_line_error(capsys, main(["download", "apples2pears", str(tmp_path)]), "apples2pears")
