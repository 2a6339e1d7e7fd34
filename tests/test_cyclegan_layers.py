"""Instance normalisation, reflection padding and the U-Net/ResNet blocks, checked in NumPy."""

import keras
import numpy as np
import pytest

from cyclegan.layers import (
    InstanceNormalization,
    ReflectionPadding2D,
    downsample,
    residual_block,
    upsample,
)


def numpy_instance_norm(x: np.ndarray, eps: float = 1e-5) -> np.ndarray:
    x = x.astype(np.float64)
    mean = x.mean(axis=(1, 2), keepdims=True)
    var = x.var(axis=(1, 2), keepdims=True)
    return (x - mean) / np.sqrt(var + eps)


@pytest.mark.parametrize("shape", [(2, 5, 7, 3), (1, 8, 8, 16)])
def test_instance_norm_matches_numpy(shape):
    rng = np.random.default_rng(0)
    # Channels with very different scales and offsets: a per-batch or per-layer norm fails.
    x = rng.normal(size=shape) * rng.uniform(0.1, 20, size=shape[-1]) + rng.normal(
        0, 5, size=shape[-1]
    )
    x = x.astype(np.float32)
    y = np.asarray(InstanceNormalization()(x))
    assert y.dtype == np.float32
    np.testing.assert_allclose(y, numpy_instance_norm(x), rtol=1e-4, atol=1e-4)


def test_instance_norm_epsilon_and_no_weights():
    layer = InstanceNormalization()
    layer.build((None, 4, 4, 3))
    assert layer.epsilon == 1e-5 and not layer.center and not layer.scale
    assert layer.weights == []
    # A constant channel has variance 0: the output is 0, not NaN, thanks to epsilon.
    x = np.full((1, 4, 4, 3), 2.5, np.float32)
    np.testing.assert_array_equal(np.asarray(layer(x)), np.zeros_like(x))


def test_instance_norm_serialises_with_its_own_defaults():
    layer = InstanceNormalization(name="norm")
    layer.build((None, 4, 4, 6))
    config = layer.get_config()
    assert "groups" not in config and config["epsilon"] == 1e-5
    clone = keras.layers.deserialize(keras.layers.serialize(layer))
    assert isinstance(clone, InstanceNormalization) and clone.name == "norm"
    x = np.random.default_rng(1).normal(size=(2, 4, 4, 6)).astype(np.float32)
    np.testing.assert_allclose(np.asarray(clone(x)), np.asarray(layer(x)), atol=1e-6)


def test_reflection_padding_matches_numpy():
    x = np.random.default_rng(2).normal(size=(2, 5, 6, 3)).astype(np.float32)
    y = np.asarray(ReflectionPadding2D(3)(x))
    expected = np.pad(x, [(0, 0), (3, 3), (3, 3), (0, 0)], mode="reflect")
    np.testing.assert_array_equal(y, expected)
    assert ReflectionPadding2D(2).compute_output_shape((None, 5, None, 3)) == (None, 9, None, 3)
    with pytest.raises(ValueError, match="padding"):
        ReflectionPadding2D(-1)


def test_blocks_shapes_and_names():
    image = keras.Input((32, 32, 3))
    d1 = downsample(image, 8, name="down1")
    d2 = downsample(d1, 16, name="down2")
    u1 = upsample(d2, d1, 8, name="up1", dropout_rate=0.5)
    r = residual_block(d2, 16, name="res1")
    model = keras.Model(image, [u1, r])
    assert tuple(d1.shape) == (None, 16, 16, 8)
    assert tuple(u1.shape) == (None, 16, 16, 8 + 8)  # conv filters + skip channels
    assert tuple(r.shape) == (None, 8, 8, 16)
    names = {layer.name for layer in model.layers}
    assert {
        "down1_conv",
        "down1_norm",
        "down1_relu",
        "up1_up",
        "up1_dropout",
        "up1_concat",
    } <= names
    assert {"res1_conv1", "res1_norm2", "res1_add"} <= names
    assert "res1_relu2" not in names  # nothing after the add, nor on the second branch conv
    with pytest.raises(ValueError, match="filters"):
        residual_block(d2, 8, name="bad")


def test_residual_block_adds_its_input():
    # With all convolution weights zero the branch is IN(0) = 0, so the block is the identity.
    image = keras.Input((8, 8, 4))
    model = keras.Model(image, residual_block(image, 4, name="res"))
    model.set_weights([np.zeros_like(w) for w in model.get_weights()])
    x = np.random.default_rng(3).normal(size=(2, 8, 8, 4)).astype(np.float32)
    np.testing.assert_allclose(np.asarray(model(x)), x, atol=1e-6)
