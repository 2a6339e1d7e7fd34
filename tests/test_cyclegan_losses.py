"""CycleGAN losses against plain NumPy formulas."""

import numpy as np
import pytest
import tensorflow as tf

from cyclegan.losses import (
    cycle_consistency_loss,
    discriminator_loss,
    generator_adversarial_loss,
    generator_total_loss,
    identity_loss,
)


@pytest.fixture
def rng():
    return np.random.default_rng(7)


def check_scalar(value, expected):
    assert isinstance(value, tf.Tensor) and value.dtype == tf.float32 and value.shape == ()
    np.testing.assert_allclose(float(value), expected, rtol=1e-5)


def test_discriminator_loss(rng):
    real = rng.normal(0.8, 0.3, size=(2, 16, 16, 1)).astype(np.float32)
    fake = rng.normal(0.2, 0.3, size=(2, 16, 16, 1)).astype(np.float32)
    expected = 0.5 * (np.mean((real - 1.0) ** 2) + np.mean(fake**2))
    check_scalar(discriminator_loss(real, fake), expected)
    check_scalar(discriminator_loss(tf.constant(real), tf.constant(fake)), expected)
    # The fake target is 0: swapping real and fake changes the loss.
    assert float(discriminator_loss(fake, real)) > float(discriminator_loss(real, fake))


def test_generator_adversarial_loss(rng):
    fake = rng.normal(size=(3, 8, 8, 1))
    check_scalar(generator_adversarial_loss(fake), np.mean((fake - 1.0) ** 2))


@pytest.mark.parametrize("loss", [cycle_consistency_loss, identity_loss])
def test_mean_absolute_error_losses(rng, loss):
    x = rng.uniform(-1, 1, size=(2, 16, 16, 3)).astype(np.float32)
    y = rng.uniform(-1, 1, size=(2, 16, 16, 3)).astype(np.float32)
    check_scalar(loss(x, y), np.mean(np.abs(x - y)))
    check_scalar(loss(tf.constant(x, tf.float16), y), np.mean(np.abs(x.astype(np.float16) - y)))


def test_generator_total_loss(rng):
    terms = rng.uniform(0, 2, size=6)
    lambdas = rng.uniform(0.5, 10, size=3)
    expected = (
        lambdas[0] * (terms[0] + terms[1])
        + lambdas[1] * (terms[2] + terms[3])
        + lambdas[2] * (terms[4] + terms[5])
    )
    value = generator_total_loss(
        *[tf.constant(t, tf.float32) for t in terms],
        lambda_validation=lambdas[0],
        lambda_reconstr=lambdas[1],
        lambda_id=lambdas[2],
    )
    check_scalar(value, expected)
    defaults = 1 * (terms[0] + terms[1]) + 10 * (terms[2] + terms[3]) + 2 * (terms[4] + terms[5])
    check_scalar(generator_total_loss(*terms), defaults)


@pytest.mark.parametrize(
    "loss, names",
    [
        (discriminator_loss, ("real_output", "fake_output")),
        (cycle_consistency_loss, ("real_image", "reconstructed_image")),
        (identity_loss, ("real_image", "same_image")),
    ],
)
def test_mismatched_shapes_name_both_arguments(loss, names):
    with pytest.raises(ValueError) as err:
        loss(np.zeros((1, 8, 8, 3)), np.zeros((1, 8, 8, 1)))
    message = str(err.value)
    assert names[0] in message and names[1] in message and "\n" not in message


def test_total_loss_rejects_unreduced_terms():
    with pytest.raises(ValueError, match="reconstr_A"):
        generator_total_loss(0.1, 0.2, np.zeros((2, 2)), 0.3, 0.4, 0.5)
