"""CycleGAN losses (least-squares GAN, cycle consistency, identity), as graded in the lessons.

Each loss is a mean over every element of its inputs and returns a scalar float32
tensor. Inputs may be NumPy arrays or tensors of any float dtype (mixed-precision
outputs are cast to float32 first). Function and argument names are fixed: students
implement the same signatures in the graded notebooks.
"""

from __future__ import annotations

import tensorflow as tf


def _as_float32(x, name: str) -> tf.Tensor:
    x = tf.convert_to_tensor(x)
    if not (x.dtype.is_floating or x.dtype.is_integer):
        raise ValueError(f"{name} must hold numbers, got dtype {x.dtype.name}.")
    return tf.cast(x, tf.float32, name=name)


def _pair(x, y, names: tuple[str, str]) -> tuple[tf.Tensor, tf.Tensor]:
    x, y = _as_float32(x, names[0]), _as_float32(y, names[1])
    if not x.shape.is_compatible_with(y.shape):
        raise ValueError(
            f"{names[0]} has shape {tuple(x.shape)} but {names[1]} has shape {tuple(y.shape)}; "
            "pass tensors of the same shape (e.g. images of the same size and batch)."
        )
    return x, y


def _mse_to(x: tf.Tensor, target: float) -> tf.Tensor:
    return tf.reduce_mean(tf.square(x - target))


def discriminator_loss(real_output, fake_output) -> tf.Tensor:
    """Least-squares discriminator loss: ``0.5 * (mse(real, 1) + mse(fake, 0))``.

    Real patches are pushed to 1 and fake patches to 0 (writing the fake target as
    ones, as one of the source notes does, stops the discriminator from learning).

    Args:
        real_output: patch scores of real images, e.g. shape ``(batch, 16, 16, 1)``.
        fake_output: patch scores of generated images, same shape.

    Returns:
        Scalar float32 tensor.

    Raises:
        ValueError: when the two shapes differ.
    """
    real_output, fake_output = _pair(real_output, fake_output, ("real_output", "fake_output"))
    return 0.5 * (_mse_to(real_output, 1.0) + _mse_to(fake_output, 0.0))


def generator_adversarial_loss(fake_output) -> tf.Tensor:
    """Generator validity loss: ``mse(fake_output, 1)``; the generator wants "real" scores.

    Args:
        fake_output: discriminator patch scores of generated images, any shape.

    Returns:
        Scalar float32 tensor.
    """
    return _mse_to(_as_float32(fake_output, "fake_output"), 1.0)


def cycle_consistency_loss(real_image, reconstructed_image) -> tf.Tensor:
    """Cycle reconstruction loss: ``mean(|real_image - reconstructed_image|)``.

    Args:
        real_image: images of shape ``(batch, H, W, C)``, e.g. ``a``.
        reconstructed_image: the round trip, e.g. ``g_BA(g_AB(a))``, same shape.

    Returns:
        Scalar float32 tensor.

    Raises:
        ValueError: when the two shapes differ.
    """
    real_image, reconstructed_image = _pair(
        real_image, reconstructed_image, ("real_image", "reconstructed_image")
    )
    return tf.reduce_mean(tf.abs(real_image - reconstructed_image))


def identity_loss(real_image, same_image) -> tf.Tensor:
    """Identity loss: ``mean(|real_image - same_image|)``, e.g. ``same_image = g_BA(a)``.

    Args:
        real_image: images of shape ``(batch, H, W, C)``.
        same_image: the generator applied to images already in its target domain.

    Returns:
        Scalar float32 tensor.

    Raises:
        ValueError: when the two shapes differ.
    """
    real_image, same_image = _pair(real_image, same_image, ("real_image", "same_image"))
    return tf.reduce_mean(tf.abs(real_image - same_image))


def identity_terms(g_AB, g_BA, real_a, real_b) -> tuple[tf.Tensor, tf.Tensor]:
    """Both identity losses of a CycleGAN, each through the right generator.

    A generator shown an image already in its *target* domain should leave it alone:
    ``g_BA`` (B to A) gets the A images and ``g_AB`` (A to B) the B images.

    Args:
        g_AB: generator from domain A to domain B; maps ``(batch, H, W, C)`` to the same.
        g_BA: generator from domain B to domain A.
        real_a: images of domain A, shape ``(batch, H, W, C)``.
        real_b: images of domain B, shape ``(batch, H, W, C)``.

    Returns:
        ``(id_A, id_B)`` = ``(identity_loss(real_a, g_BA(real_a)),
        identity_loss(real_b, g_AB(real_b)))``, two scalar float32 tensors.
    """
    return identity_loss(real_a, g_BA(real_a)), identity_loss(real_b, g_AB(real_b))


def generator_total_loss(
    valid_A,
    valid_B,
    reconstr_A,
    reconstr_B,
    id_A,
    id_B,
    lambda_validation: float = 1.0,
    lambda_reconstr: float = 10.0,
    lambda_id: float = 2.0,
) -> tf.Tensor:
    """Combined generator objective.

    ``lambda_validation * (valid_A + valid_B) + lambda_reconstr * (reconstr_A + reconstr_B)
    + lambda_id * (id_A + id_B)``.

    Args:
        valid_A: validity loss of ``d_A`` on ``g_BA(b)`` (scalar).
        valid_B: validity loss of ``d_B`` on ``g_AB(a)`` (scalar).
        reconstr_A: cycle loss of ``a`` (scalar).
        reconstr_B: cycle loss of ``b`` (scalar).
        id_A: identity loss of ``g_BA`` on ``a`` (scalar).
        id_B: identity loss of ``g_AB`` on ``b`` (scalar).
        lambda_validation: weight of the adversarial terms.
        lambda_reconstr: weight of the cycle terms.
        lambda_id: weight of the identity terms.

    Returns:
        Scalar float32 tensor.

    Raises:
        ValueError: when a term is not a scalar.
    """
    terms = {
        "valid_A": valid_A,
        "valid_B": valid_B,
        "reconstr_A": reconstr_A,
        "reconstr_B": reconstr_B,
        "id_A": id_A,
        "id_B": id_B,
    }
    values = {}
    for name, value in terms.items():
        value = _as_float32(value, name)
        if value.shape.rank != 0:
            raise ValueError(
                f"{name} must be a scalar loss, got shape {tuple(value.shape)}; "
                "reduce it with the matching loss function first."
            )
        values[name] = value
    return (
        float(lambda_validation) * (values["valid_A"] + values["valid_B"])
        + float(lambda_reconstr) * (values["reconstr_A"] + values["reconstr_B"])
        + float(lambda_id) * (values["id_A"] + values["id_B"])
    )
