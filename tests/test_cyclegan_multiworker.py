"""Two ``cyclegan train`` workers on 127.0.0.1 train like one process; a killed one resumes.

Every run is a real ``cyclegan`` process (MultiWorkerMirroredStrategy must be built
before TensorFlow's first operation, so it cannot run inside pytest's process). One
module fixture starts, side by side, a single-process run and a pair of workers whose
worker 1 is SIGKILLed in epoch 2, then starts the pair again; the resumed pair must end
where the uninterrupted single process ends. (An uninterrupted pair too would cost two
more TensorFlow processes on a 2-core machine; resuming is already checked bit for bit
on one process by test_cyclegan_cli.) The cluster's parsing and its one-line errors are
checked in-process.
"""

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf

from cyclegan import cluster
from cyclegan.cli import main
from tests.test_cyclegan_cli import STEPS_PER_EPOCH, train_args  # the one-process options

EPOCHS = 2
LR = 2e-4
KILLER = Path(__file__).with_name("cyclegan_kill.py")
SURVIVOR_TIMEOUT_S = 120  # a hang guard on a loaded 2-core machine, not a speed claim


def free_ports(n: int) -> list[int]:
    """Ports the kernel hands out now; held together so that they differ."""
    sockets = [socket.socket() for _ in range(n)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def start(args: list[str], kill_after_steps: int | None = None, tmp: Path | None = None):
    """``cyclegan ARGS`` in a new process (one intra-op thread: the CPUs are shared)."""
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "TF_NUM_INTRAOP_THREADS": "1"}
    env.pop(cluster.TF_CONFIG, None)
    if tmp is not None:
        tmp.mkdir(parents=True, exist_ok=True)
        env["TMPDIR"] = str(tmp)
    command = [sys.executable, "-m", "cyclegan"]
    if kill_after_steps is not None:
        command = [sys.executable, str(KILLER), str(kill_after_steps)]
    return subprocess.Popen([*command, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env)  # fmt: skip


def start_workers(root: Path, out: Path, tmp: Path, kill_worker_1_after: int | None = None):
    """Two workers of one run; worker 1's temporary files go to ``tmp``."""
    workers = ",".join(f"127.0.0.1:{port}" for port in free_ports(2))
    args = [*train_args(root, out), "--workers", workers]
    chief = start([*args, "--worker-index", "0"])
    other = start([*args, "--worker-index", "1"], kill_worker_1_after, tmp=tmp)
    return chief, other


def finish(proc: subprocess.Popen, timeout: float = 900) -> tuple[str, str]:
    """The process's stdout and stderr once it has exited."""
    return proc.communicate(timeout=timeout)


@pytest.fixture(scope="module")
def runs(toy_root, tmp_path_factory):
    """One process, and two workers killed in epoch 2 then started again."""
    base = tmp_path_factory.mktemp("runs")
    started = time.monotonic()
    single = start(train_args(toy_root, base / "single"))
    crash_at = STEPS_PER_EPOCH + 2  # in epoch 2, after epoch 1's checkpoint
    chief, killed = start_workers(toy_root, base / "pair", base / "pair_tmp", crash_at)
    processes = [single, chief, killed]
    chiefs = [chief.pid]
    try:
        # The killed worker dies first; the chief must notice and stop, not hang.
        _, killed_err = finish(killed)
        died = time.monotonic()
        try:
            _, chief_err = finish(chief, timeout=SURVIVOR_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            pytest.fail(f"the chief still runs {SURVIVOR_TIMEOUT_S} s after worker 1 died")
        survivor = {
            "returncode": chief.returncode,
            "err": chief_err,
            "after_s": time.monotonic() - died,
            "killed_rc": killed.returncode,
            "killed_err": killed_err,
            "latest": (base / "pair" / "checkpoints" / "LATEST").read_text().strip(),
        }
        again = start_workers(toy_root, base / "pair", base / "pair_tmp")
        processes += again
        chiefs.append(again[0].pid)
        resumed_out = []
        for proc in again:
            out, err = finish(proc)
            assert proc.returncode == 0, err[-3000:]
            resumed_out.append(out)
        _, err = finish(single)
        assert single.returncode == 0, err[-3000:]
    finally:
        for proc in processes:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    print(f"multi-worker runs took {time.monotonic() - started:.0f} s")
    return {"base": base, "survivor": survivor, "resumed_out": resumed_out, "chiefs": chiefs}


def checkpoint(run: Path) -> tuple[dict[str, np.ndarray], dict]:
    folder = run / "checkpoints" / (run / "checkpoints" / "LATEST").read_text().strip()
    reader = tf.train.load_checkpoint(str(folder / "ckpt"))
    keys = [k for k in reader.get_variable_to_shape_map() if "OBJECT_GRAPH" not in k]
    state = json.loads((folder / "state.json").read_text())
    return {k: reader.get_tensor(k) for k in keys}, state


def test_two_workers_train_like_one_process(runs):
    for out in runs["resumed_out"]:
        assert "after epoch 1 of 2" in out, out
    want, want_state = checkpoint(runs["base"] / "single")
    got, got_state = checkpoint(runs["base"] / "pair")
    assert set(got) == set(want)
    steps = EPOCHS * STEPS_PER_EPOCH
    assert got_state["global_step"] == want_state["global_step"] == steps
    # The losses are means over the same global batches, summed in another order.
    for mine, theirs in zip(got_state["history"], want_state["history"], strict=True):
        for key, value in theirs.items():
            assert mine[key] == pytest.approx(value, rel=1e-5), key
    weights = [k for k in want if "_trainable_variables" in k]
    assert len(weights) == 52  # 4 networks' kernels and biases
    for key in weights:
        if want[key].ndim == 4:
            # Kernels: float32 rounding of gradients summed over two workers instead of
            # one batch, carried through 8 Adam steps (measured: 4e-6).
            np.testing.assert_allclose(got[key], want[key], atol=1e-4, err_msg=key)
        else:
            # Biases: one in front of instance normalisation has a true gradient of 0
            # (the norm subtracts it right back out), and Adam's m / sqrt(v) turns
            # rounding noise into steps of up to ~lr; bounded by 2 lr per step.
            np.testing.assert_allclose(got[key], want[key], atol=2 * LR * steps, err_msg=key)
    for key in (k for k in want if k.startswith("pool_")):
        # Same decisions (counters exactly), stored fakes to float rounding.
        atol = 1e-4 if "buffer" in key else 0
        np.testing.assert_allclose(got[key], want[key], atol=atol, err_msg=key)


def test_only_the_chief_writes(runs):
    pair = runs["base"] / "pair"
    assert (pair / "config.json").is_file() and (pair / "loss_curve.png").is_file()
    assert sorted(p.name for p in (pair / "samples").iterdir()) == [
        "epoch-0001.png", "epoch-0002.png",
    ]  # fmt: skip
    # One TensorBoard file per chief process (events.out.tfevents.TIME.HOST.PID.N.v2).
    writers = [int(p.name.split(".")[-3]) for p in (pair / "logs").glob("events.out.*")]
    assert sorted(writers) == sorted(runs["chiefs"])
    assert not list((pair / "checkpoints").glob(".tmp-*"))
    # Worker 1 saved its copy of each checkpoint in its temporary folder, then deleted it.
    assert (runs["base"] / "pair_tmp").is_dir()
    assert not list((runs["base"] / "pair_tmp").glob("cyclegan-worker-*"))


def test_killed_worker_stops_its_partner_with_one_line(runs):
    survivor = runs["survivor"]
    assert survivor["killed_rc"] == -9, survivor["killed_err"][-3000:]
    assert survivor["latest"] == "epoch-0001"
    assert survivor["returncode"] == cluster.EXIT_WORKER_LOST, survivor["err"][-3000:]
    lines = [line for line in survivor["err"].splitlines() if line.strip()]
    last = lines[-1].split("\r")[-1]
    assert last.startswith("cyclegan: error: worker 1 lost"), last
    assert "restart all workers with the same command to resume after epoch 1." in last
    assert "Traceback" not in survivor["err"]
    print(f"the chief stopped {survivor['after_s']:.1f} s after worker 1 died")


def test_tf_config_and_flags(monkeypatch):
    env = {}
    cluster.set_tf_config("10.0.0.1:2222, 10.0.0.2:2222", 1, env)
    spec = json.loads(env[cluster.TF_CONFIG])
    assert spec == {"cluster": {"worker": ["10.0.0.1:2222", "10.0.0.2:2222"]},
                    "task": {"type": "worker", "index": 1}}  # fmt: skip
    found = cluster.current_cluster(env)
    assert (found.num_workers, found.is_chief, found.describe()) == (
        2, False, "worker 1 of 2 (10.0.0.2:2222)")  # fmt: skip
    with_chief = cluster.cluster_from_tf_config(json.dumps({
        "cluster": {"chief": ["c:1"], "worker": ["w:1", "w:2"]},
        "task": {"type": "worker", "index": 0},
    }))  # fmt: skip
    assert with_chief.num_workers == 3 and not with_chief.is_chief
    assert with_chief.addresses == ("c:1", "w:1", "w:2")
    alone = {"cluster": {"worker": ["w:1"]}, "task": {"type": "worker", "index": 0}}
    assert cluster.cluster_from_tf_config(json.dumps(alone)) is None  # a plain run
    assert cluster.cluster_from_tf_config("") is None
    untouched = {}
    cluster.set_tf_config(None, None, untouched)
    assert untouched == {}


@pytest.mark.parametrize(
    ("config", "needle"),
    [
        ("{not json", "not valid JSON"),
        ('{"cluster": {"ps": ["p:1"], "worker": ["a:1", "b:1"]}, "task": {}}', "['ps'] jobs"),
        ('{"cluster": {"worker": ["a:1", "b"]}, "task": {"type": "worker"}}', "host:port"),
        ('{"cluster": {"worker": ["a:1", "b:1"]}, "task": {"type": "worker", "index": 2}}',
         "task.index 2"),
        ('{"cluster": {"worker": ["a:1", "a:1"]}, "task": {"type": "worker"}}', "twice"),
    ],
)  # fmt: skip
def test_bad_tf_config_is_a_one_line_error(config, needle, toy_root, tmp_path, capsys,
                                           monkeypatch):  # fmt: skip
    monkeypatch.setenv(cluster.TF_CONFIG, config)
    assert main(train_args(toy_root, tmp_path / "run")) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("cyclegan: error: TF_CONFIG") and "\n" not in err, err
    assert needle in err, err


@pytest.mark.parametrize(
    ("flags", "needle"),
    [
        (["--worker-index", "0"], "--worker-index needs --workers"),
        (["--workers", "a:1,b:2"], "--workers needs --worker-index"),
        (["--workers", "a:1,b:2", "--worker-index", "2"], "[0, 2)"),
        (["--workers", "a:1,b", "--worker-index", "0"], "'b' is not host:port"),
        (["--workers", "a:1,b:2", "--worker-index", "0", "--batch-size", "3"],
         "multiple of the 2 workers"),
    ],
)  # fmt: skip
def test_bad_cluster_flags_are_one_line_errors(flags, needle, toy_root, tmp_path, capsys,
                                               monkeypatch):  # fmt: skip
    monkeypatch.setenv(cluster.TF_CONFIG, "")  # restored afterwards: flags write it
    # The last --batch-size given wins.
    assert main([*train_args(toy_root, tmp_path / "run"), *flags]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("cyclegan: error:") and "\n" not in err, err
    assert needle in err, err


def test_lost_worker_message_names_the_peer():
    pair = cluster.Cluster(None, ("127.0.0.1:1", "127.0.0.1:2"), "worker", 0)
    from_tf = RuntimeError("Collective ops is aborted by: ... from remote target "
                           "/job:worker/replica:0/task:1 while calling RecvBuf")  # fmt: skip
    assert str(cluster.worker_lost(from_tf, pair, 3)) == (
        "worker 1 lost (RuntimeError); restart all workers with the same command to resume "
        "after epoch 3."
    )
    second = cluster.Cluster(None, pair.workers, "worker", 1)
    by_address = OSError("failed to connect to all addresses; last error: 127.0.0.1:1")
    assert str(cluster.worker_lost(by_address, second, 0)).startswith("worker 0 lost")
    assert "to start again" in str(cluster.worker_lost(by_address, second, 0))
    assert str(cluster.worker_lost(OSError("?"), second, 1)).startswith("a worker lost")
