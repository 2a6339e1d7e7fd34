"""The CycleGAN training step: equal to a plain step-by-step version, and it learns."""

import warnings

import keras
import numpy as np
import pytest
import tensorflow as tf

from cyclegan.data import list_images, load_unpaired, read_image
from cyclegan.model import LOSS_NAMES, CycleGAN
from cyclegan.schedules import LinearDecay
from cyclegan.toy import make_toy_dataset

SIZE = 32


def tiny_model(run_eagerly=True, **kwargs) -> CycleGAN:
    # Eager steps: tracing the step costs more than a few dozen tiny eager steps; the
    # compiled path is exercised by the CLI and MirroredStrategy tests.
    keras.utils.set_random_seed(kwargs.pop("seed", 0))
    options = dict(input_dim=(SIZE, SIZE, 3), gen_n_filters=4, disc_n_filters=4, pool_seed=1)
    model = CycleGAN(**{**options, **kwargs})
    model.compile(run_eagerly=run_eagerly)
    return model


def random_pair(seed, batch=2):
    rng = np.random.default_rng(seed)
    return tuple(rng.uniform(-1, 1, size=(batch, SIZE, SIZE, 3)).astype(np.float32) for _ in "ab")


def plain_step(model: CycleGAN, a, b, lambdas):
    """A tutorial-style step: separate calls, separate tapes, fresh Adam(2e-4, 0.5) each."""
    lv, lr, li = lambdas
    mse = lambda x, t: tf.reduce_mean(tf.square(x - t))  # noqa: E731
    mae = lambda x, y: tf.reduce_mean(tf.abs(x - y))  # noqa: E731
    adam = {n: keras.optimizers.Adam(2e-4, beta_1=0.5) for n in ("dA", "dB", "gAB", "gBA")}
    fake_b, fake_a = model.g_AB(a, training=True), model.g_BA(b, training=True)
    # The pool is still filling on the first step, so it hands back the fakes themselves.
    for d, real, fake, key in ((model.d_A, a, fake_a, "dA"), (model.d_B, b, fake_b, "dB")):
        with tf.GradientTape() as tape:
            loss = 0.5 * (mse(d(real), 1.0) + mse(d(fake), 0.0))
        grads = tape.gradient(loss, d.trainable_variables)
        adam[key].apply_gradients(zip(grads, d.trainable_variables, strict=True))
    g_vars = model.g_AB.trainable_variables + model.g_BA.trainable_variables
    with tf.GradientTape() as tape:
        fake_b, fake_a = model.g_AB(a, training=True), model.g_BA(b, training=True)
        total = lv * (mse(model.d_A(fake_a), 1.0) + mse(model.d_B(fake_b), 1.0))
        total += lr * (mae(model.g_BA(fake_b), a) + mae(model.g_AB(fake_a), b))
        total += li * (mae(model.g_BA(a), a) + mae(model.g_AB(b), b))
    grads = tape.gradient(total, g_vars)
    n = len(model.g_AB.trainable_variables)
    adam["gAB"].apply_gradients(zip(grads[:n], g_vars[:n], strict=True))
    adam["gBA"].apply_gradients(zip(grads[n:], g_vars[n:], strict=True))
    return float(total)


def weights_to_compare(net: keras.Model) -> list[tuple[str, np.ndarray]]:
    """Every weight except biases of convolutions followed by instance norm.

    Instance norm subtracts the per-channel mean, so those biases have an exactly zero
    gradient; Adam turns the rounding noise left in them into full-size steps of random
    sign, which no two implementations can be expected to agree on.
    """
    names = {layer.name for layer in net.layers}
    out = []
    for layer in net.layers:
        for i, w in enumerate(layer.get_weights()):
            normalised = layer.name.replace("_conv", "_norm") in names
            if not (i == 1 and normalised):
                out.append((f"{net.name}/{layer.name}/{i}", w))
    return out


@pytest.mark.parametrize("lambda_id", [2.0, 0.0])
def test_fused_step_equals_plain_step(lambda_id):
    model = tiny_model(lambda_id=lambda_id, lambda_reconstr=7.0)
    nets = (model.g_AB, model.g_BA, model.d_A, model.d_B)
    start = [net.get_weights() for net in nets]
    a, b = random_pair(0)
    logs = model.fit(tf.data.Dataset.from_tensors((a, b)), verbose=0, shuffle=False).history
    fused = [weights_to_compare(net) for net in nets]

    for net, weights in zip(nets, start, strict=True):
        net.set_weights(weights)
    total = plain_step(model, a, b, (1.0, 7.0, lambda_id))
    for net, got in zip(nets, fused, strict=True):
        # Discriminators updated once (not again during the generator update), generators once.
        for (name, value), (_, want) in zip(got, weights_to_compare(net), strict=True):
            np.testing.assert_allclose(value, want, atol=1e-6, err_msg=name)
    assert set(logs) == set(LOSS_NAMES)
    np.testing.assert_allclose(logs["g_total"][0], total, rtol=1e-5)
    composed = 1.0 * logs["valid"][0] + 7.0 * logs["reconstr"][0] + lambda_id * logs["id"][0]
    np.testing.assert_allclose(logs["g_total"][0], composed, rtol=1e-5)


def cycle_error(model, a, b) -> float:
    """mean|g_BA(g_AB(a)) - a| + mean|g_AB(g_BA(b)) - b|, computed in NumPy."""
    rec_a = np.asarray(model.g_BA(model.g_AB(a)))
    rec_b = np.asarray(model.g_AB(model.g_BA(b)))
    return float(np.abs(rec_a - a).mean() + np.abs(rec_b - b).mean())


def test_toy_training_reduces_cycle_loss(tmp_path):
    root = make_toy_dataset(tmp_path / "toy", n_per_domain=8, image_size=SIZE, seed=0, n_test=4)
    held_out = [
        np.stack([read_image(p, SIZE) for p in list_images(root / f"test{d}")]) for d in "AB"
    ]
    model = tiny_model(gen_n_filters=8, disc_n_filters=8, learning_rate=1e-3)
    before = cycle_error(model, *held_out)
    for epoch in range(2):
        ds = load_unpaired(root, image_size=SIZE, batch_size=2, augment=False, seed=epoch)
        logs = model.fit(ds, verbose=0, shuffle=False).history
        assert all(np.isfinite(logs[k][0]) for k in LOSS_NAMES)
    after = cycle_error(model, *held_out)
    assert after < 0.75 * before, (before, after)


def test_linear_decay_schedule():
    schedule = LinearDecay.from_epochs(2e-4, decay_from_epoch=3, epochs=7, steps_per_epoch=10)
    steps = np.arange(0, 75)
    want = 2e-4 * np.clip((70 - steps) / (70 - 30), 0.0, 1.0)
    got = np.array([float(schedule(s)) for s in steps])
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-12)
    assert LinearDecay.from_config(schedule.get_config()).total_steps == 70
    with pytest.raises(ValueError, match="decay_from_epoch"):
        LinearDecay.from_epochs(2e-4, 7, 7, 10)


def test_schedule_is_driven_by_the_optimizer_step():
    schedule = LinearDecay(1e-3, decay_start_step=1, total_steps=3)
    model = tiny_model(learning_rate=schedule, buffer_max_length=0)
    ds = tf.data.Dataset.from_tensors(random_pair(3, batch=1)).repeat(2)
    model.fit(ds, verbose=0, shuffle=False)
    optimizer = model.network_optimizers["d_A"]
    assert int(optimizer.iterations) == 2
    assert float(optimizer.learning_rate) == pytest.approx(1e-3 * (3 - 2) / 2)


def test_mixed_precision_step_returns_float32_losses():
    keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        model = tiny_model()
        assert model.g_AB.get_layer("down1_conv").compute_dtype == "float16"
        logs = model.fit(tf.data.Dataset.from_tensors(random_pair(4)), verbose=0, shuffle=False)
        logs = logs.history
    finally:
        keras.mixed_precision.set_global_policy("float32")
    assert all(np.isfinite(logs[k][0]) for k in LOSS_NAMES)
    assert isinstance(model.network_optimizers["g_BA"], keras.optimizers.LossScaleOptimizer)


def test_bad_settings():
    with pytest.raises(ValueError, match="generator_type"):
        CycleGAN((SIZE, SIZE, 3), generator_type="vgg")
    with pytest.raises(ValueError, match="lambda_id"):
        CycleGAN((SIZE, SIZE, 3), lambda_id=-1)


def test_fit_does_not_make_keras_warn_about_shuffle():
    # Keras's fit defaults to shuffle=True and warns that a tf.data dataset ignores it.
    model = tiny_model()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(tf.data.Dataset.from_tensors(random_pair(5)), verbose=0)
    assert not [w for w in caught if "shuffle" in str(w.message)]
