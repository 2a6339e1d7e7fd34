"""Building blocks of the CycleGAN networks: instance normalisation and the U-Net/ResNet blocks.

Every block is a small function that takes a Keras tensor and returns one, naming each
layer ``f"{name}_conv"``, ``f"{name}_norm"`` and so on, so that summaries and lessons can
point at a layer by a readable name such as ``down1_conv``.
"""

from __future__ import annotations

import keras
from keras import ops

#: Weight initialiser of every convolution (Zhu et al. 2017; the curriculum's N(0, 0.02)).
CONV_INIT_STDDEV = 0.02


def conv_initializer(seed: int | None = None) -> keras.initializers.Initializer:
    """Return the N(0, 0.02) kernel initialiser shared by all CycleGAN convolutions.

    Args:
        seed: optional seed; ``None`` draws from Keras' global seed (set it with
            ``keras.utils.set_random_seed`` for reproducible weights).

    Returns:
        A ``keras.initializers.RandomNormal`` initialiser.
    """
    return keras.initializers.RandomNormal(mean=0.0, stddev=CONV_INIT_STDDEV, seed=seed)


@keras.saving.register_keras_serializable(package="cyclegan")
class InstanceNormalization(keras.layers.GroupNormalization):
    """Instance normalisation: per sample and per channel over the spatial axes.

    Group normalisation with one channel per group is exactly instance normalisation,
    so this layer only fixes the curriculum's defaults (no learned scale or offset,
    epsilon 1e-5) and gives the layer its own name in summaries and saved models. The
    statistics are computed in float32 even under a mixed-precision policy.

    Input shape ``(batch, H, W, C)``; output has the same shape, with
    ``y[n, :, :, c] = (x[n, :, :, c] - mean) / sqrt(var + epsilon)``.

    Args:
        epsilon: added to the variance before the square root.
        center: learn a per-channel offset (the curriculum uses ``False``).
        scale: learn a per-channel scale (the curriculum uses ``False``).
        **kwargs: passed to ``keras.layers.Layer`` (``name``, ``dtype``, ...).
    """

    def __init__(
        self, epsilon: float = 1e-5, center: bool = False, scale: bool = False, **kwargs
    ) -> None:
        kwargs.pop("groups", None)
        kwargs.pop("axis", None)
        super().__init__(groups=-1, axis=-1, epsilon=epsilon, center=center, scale=scale, **kwargs)

    def get_config(self) -> dict:
        config = super().get_config()
        # ``build`` rewrites ``groups`` to the channel count; instance norm is always -1.
        config.pop("groups", None)
        config.pop("axis", None)
        return config


@keras.saving.register_keras_serializable(package="cyclegan")
class ReflectionPadding2D(keras.layers.Layer):
    """Pad height and width by mirroring the border (without repeating the edge pixel).

    Reflection padding keeps the statistics at image borders close to the interior,
    which avoids the dark frames zero padding gives large-kernel generators.

    Input shape ``(batch, H, W, C)``; output ``(batch, H + 2p, W + 2p, C)``.

    Args:
        padding: number of pixels ``p`` added on each side; must be smaller than H and W.
        **kwargs: passed to ``keras.layers.Layer``.

    Raises:
        ValueError: when ``padding`` is negative.
    """

    def __init__(self, padding: int = 1, **kwargs) -> None:
        super().__init__(**kwargs)
        if int(padding) < 0:
            raise ValueError(f"padding must be >= 0, got {padding}; pass a pixel count.")
        self.padding = int(padding)

    def call(self, inputs):
        p = self.padding
        return ops.pad(inputs, [[0, 0], [p, p], [p, p], [0, 0]], mode="reflect")

    def compute_output_shape(self, input_shape):
        batch, height, width, channels = input_shape
        grow = 2 * self.padding
        return (
            batch,
            None if height is None else height + grow,
            None if width is None else width + grow,
            channels,
        )

    def get_config(self) -> dict:
        return {**super().get_config(), "padding": self.padding}


def downsample(x, filters: int, name: str, kernel_size: int = 4, normalize: bool = True):
    """U-Net encoder block: Conv2D (stride 2, same) → InstanceNorm → ReLU.

    Args:
        x: Keras tensor of shape ``(batch, H, W, C)``.
        filters: number of output channels.
        name: prefix of the layer names (``name_conv``, ``name_norm``, ``name_relu``).
        kernel_size: convolution kernel size.
        normalize: apply instance normalisation.

    Returns:
        Keras tensor of shape ``(batch, H/2, W/2, filters)``.
    """
    x = keras.layers.Conv2D(
        filters,
        kernel_size,
        strides=2,
        padding="same",
        kernel_initializer=conv_initializer(),
        name=f"{name}_conv",
    )(x)
    if normalize:
        x = InstanceNormalization(name=f"{name}_norm")(x)
    return keras.layers.ReLU(name=f"{name}_relu")(x)


def upsample(x, skip, filters: int, name: str, kernel_size: int = 4, dropout_rate: float = 0.0):
    """U-Net decoder block: UpSampling2D ×2 → Conv2D (stride 1) → IN → ReLU → Dropout → concat.

    Args:
        x: Keras tensor of shape ``(batch, H, W, C)``.
        skip: encoder output of shape ``(batch, 2H, 2W, C_skip)`` joined to the result.
        filters: number of channels of the convolution.
        name: prefix of the layer names (``name_up``, ``name_conv``, ..., ``name_concat``).
        kernel_size: convolution kernel size.
        dropout_rate: dropout after the activation; ``0`` adds no dropout layer.

    Returns:
        Keras tensor of shape ``(batch, 2H, 2W, filters + C_skip)``.
    """
    x = keras.layers.UpSampling2D(size=2, name=f"{name}_up")(x)
    x = keras.layers.Conv2D(
        filters,
        kernel_size,
        strides=1,
        padding="same",
        kernel_initializer=conv_initializer(),
        name=f"{name}_conv",
    )(x)
    x = InstanceNormalization(name=f"{name}_norm")(x)
    x = keras.layers.ReLU(name=f"{name}_relu")(x)
    if dropout_rate:
        x = keras.layers.Dropout(dropout_rate, name=f"{name}_dropout")(x)
    return keras.layers.Concatenate(name=f"{name}_concat")([x, skip])


def residual_block(x, filters: int, name: str, kernel_size: int = 3):
    """ResNet block: [pad → Conv → IN → ReLU → pad → Conv → IN] + input, no activation after.

    Reflection padding before each stride-1 "valid" convolution keeps the size.

    Args:
        x: Keras tensor of shape ``(batch, H, W, filters)``.
        filters: number of channels; must equal the input's so the sum is defined.
        name: prefix of the layer names (``name_conv1``, ``name_norm2``, ``name_add``, ...).
        kernel_size: odd convolution kernel size.

    Returns:
        Keras tensor of shape ``(batch, H, W, filters)``.

    Raises:
        ValueError: when the input does not have ``filters`` channels.
    """
    if x.shape[-1] != filters:
        raise ValueError(
            f"residual_block {name!r} got {x.shape[-1]} input channels but filters={filters}; "
            "the skip connection needs them equal."
        )
    shortcut = x
    for i in (1, 2):
        x = ReflectionPadding2D(kernel_size // 2, name=f"{name}_pad{i}")(x)
        x = keras.layers.Conv2D(
            filters,
            kernel_size,
            padding="valid",
            kernel_initializer=conv_initializer(),
            name=f"{name}_conv{i}",
        )(x)
        x = InstanceNormalization(name=f"{name}_norm{i}")(x)
        if i == 1:
            x = keras.layers.ReLU(name=f"{name}_relu1")(x)
    return keras.layers.Add(name=f"{name}_add")([shortcut, x])
