"""MirroredStrategy over two logical CPU devices gives the single-device result.

It also runs ``cyclegan.train.train`` under that strategy (as on a machine with two
GPUs) for one short epoch: its end-of-epoch bookkeeping reads mirrored variables.

Logical devices must be configured before TensorFlow initialises, so the check runs
in a fresh Python process.
"""

import json
import os
import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import json
    import numpy as np
    import tensorflow as tf
    import keras

    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(
        cpu, [tf.config.LogicalDeviceConfiguration()] * 2
    )
    from cyclegan.model import CycleGAN

    rng = np.random.default_rng(0)
    a, b = (rng.uniform(-1, 1, size=(8, 32, 32, 3)).astype("float32") for _ in "ab")

    def run(strategy):
        keras.utils.set_random_seed(0)
        model = CycleGAN((32, 32, 3), gen_n_filters=4, disc_n_filters=4,
                         buffer_max_length=3, pool_seed=1, strategy=strategy)
        # The one-device reference runs eagerly (no tracing cost); the mirrored run is
        # compiled, as in training.
        model.compile(run_eagerly=strategy is None)
        ds = tf.data.Dataset.from_tensor_slices((a, b)).batch(4, drop_remainder=True)
        logs = model.fit(ds, epochs=1, verbose=0, shuffle=False).history
        return model, logs

    strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    single, single_logs = run(None)
    mirrored, mirrored_logs = run(strategy)
    diffs = {}
    for name in ("g_AB", "g_BA", "d_A", "d_B", "pool_A", "pool_B"):
        pairs = zip(getattr(single, name).get_weights(), getattr(mirrored, name).get_weights())
        diffs[name] = max(float(np.abs(x - y).max()) for x, y in pairs)
    # train() as on two GPUs: the checkpoint's step counter is a MirroredVariable.
    import pathlib
    import tempfile
    import cyclegan.train
    from cyclegan.options import TrainConfig
    from cyclegan.toy import make_toy_dataset

    cyclegan.train._strategy = lambda: strategy
    with tempfile.TemporaryDirectory() as tmp:
        root = make_toy_dataset(pathlib.Path(tmp) / "toy", n_per_domain=4, image_size=32,
                                seed=0, n_test=1)
        options = dict(data=str(root), epochs=1, image_size=32, gen_filters=4, disc_filters=4,
                       buffer_max_length=3, steps_per_epoch=2)
        try:
            cyclegan.train.train(TrainConfig(batch_size=3, **options), pathlib.Path(tmp) / "odd")
            odd_batch = "accepted"
        except ValueError as err:
            odd_batch = str(err)
        cyclegan.train.train(TrainConfig(batch_size=2, **options), pathlib.Path(tmp) / "run")
        latest = cyclegan.runs.latest_checkpoint(pathlib.Path(tmp) / "run")
        train_state = cyclegan.runs.read_state(latest)
    print(json.dumps({
        "odd_batch": odd_batch,
        "train_step": train_state["global_step"],
        "train_d_a": train_state["history"][0]["d_A"],
        "replicas": strategy.num_replicas_in_sync,
        "variable_type": type(mirrored.pool_A.buffer.value).__name__,
        "diffs": diffs,
        "single_logs": single_logs,
        "mirrored_logs": mirrored_logs,
        "pool_count": int(mirrored.pool_A.count.numpy()),
    }))
    """
)


def test_mirrored_strategy_on_two_logical_cpus_matches_one_device():
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=env, timeout=600
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["replicas"] == 2
    assert result["variable_type"] == "MirroredVariable"
    # Two steps of global batch 4 (two images per replica); the pool (size 3) is full.
    assert result["pool_count"] == 3
    # Same pool decisions on both replicas: the pool contents agree to float rounding.
    assert result["diffs"]["pool_A"] < 1e-4 and result["diffs"]["pool_B"] < 1e-4
    for name in ("g_AB", "g_BA", "d_A", "d_B"):
        assert result["diffs"][name] < 1e-3, (name, result["diffs"])
    # train() ran its two steps and wrote the checkpoint; batch 3 does not split in two.
    assert result["train_step"] == 2 and result["train_d_a"] > 0
    assert "multiple of the 2 replicas" in result["odd_batch"], result["odd_batch"]
    for key, values in result["single_logs"].items():
        assert abs(values[0] - result["mirrored_logs"][key][0]) < 1e-4 * max(1, abs(values[0]))
