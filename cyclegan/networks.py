"""The three CycleGAN networks as functional Keras models: U-Net and ResNet generators, PatchGAN.

Layer names follow the curriculum's blocks (``down1_conv``, ``up2_norm``, ``res3_add``,
``disc2_conv``, ...). All convolutions are initialised from N(0, 0.02) and keep their
bias, so the parameter count of a convolution is ``k * k * c_in * c_out + c_out``.
"""

from __future__ import annotations

from collections.abc import Sequence

import keras

from cyclegan.layers import InstanceNormalization, ReflectionPadding2D, conv_initializer
from cyclegan.parts import REFERENCE_BLOCKS, CycleGANBlocks, check_blocks


def _check_shape(img_shape: Sequence[int], multiple: int, what: str) -> tuple[int, int, int]:
    if len(img_shape) != 3:
        raise ValueError(
            f"img_shape must be (height, width, channels), got {tuple(img_shape)}; "
            "for RGB images use e.g. (128, 128, 3)."
        )
    height, width, channels = (int(d) for d in img_shape)
    if height % multiple or width % multiple or min(height, width) < multiple:
        raise ValueError(
            f"{what} needs height and width divisible by {multiple}, got {height}x{width}; "
            f"resize the images to a multiple of {multiple} such as 128."
        )
    if channels < 1:
        raise ValueError(f"img_shape needs at least one channel, got {channels}.")
    return height, width, channels


def _check_filters(value: int, name: str) -> int:
    if int(value) < 1:
        raise ValueError(f"{name} must be a positive integer, got {value}.")
    return int(value)


def build_unet_generator(
    img_shape: Sequence[int] = (128, 128, 3),
    gen_n_filters: int = 32,
    dropout_rate: float = 0.0,
    name: str = "unet_generator",
    *,
    blocks: CycleGANBlocks = REFERENCE_BLOCKS,
    first_block_norm: bool = True,
) -> keras.Model:
    """Build the U-Net generator of the curriculum.

    Encoder: four ``downsample`` blocks with f, 2f, 4f, 8f filters (each halves the
    size). Decoder: three ``upsample`` blocks with 4f, 2f, f filters, each joined to the
    encoder output of the same size; then UpSampling2D ×2 and Conv2D(3, k4, tanh).

    Args:
        img_shape: ``(H, W, C)`` of the images; H and W must be multiples of 16.
        gen_n_filters: ``f``, the number of filters of the first block.
        dropout_rate: dropout inside the decoder blocks (0 disables it).
        name: model name, e.g. ``"g_AB"``.
        blocks: the ``downsample`` and ``upsample`` blocks to build with (default: the
            reference ones of :mod:`cyclegan.layers`).
        first_block_norm: normalise the first encoder block, as the curriculum does;
            ``False`` builds it with ``downsample(..., normalize=False)``, as pix2pix's
            outermost layer, so the skip to the decoder keeps each picture's colours.

    Returns:
        Functional model mapping ``(batch, H, W, C)`` in [-1, 1] to ``(batch, H, W, C)``
        in [-1, 1].

    Raises:
        ValueError: for a bad image shape, filter count or ``blocks``.
    """
    height, width, channels = _check_shape(img_shape, 16, "the U-Net generator")
    f = _check_filters(gen_n_filters, "gen_n_filters")
    downsample, upsample = check_blocks(blocks).downsample, blocks.upsample
    image = keras.Input(shape=(height, width, channels), name="image")
    d1 = downsample(image, f, name="down1", normalize=first_block_norm)
    d2 = downsample(d1, 2 * f, name="down2")
    d3 = downsample(d2, 4 * f, name="down3")
    d4 = downsample(d3, 8 * f, name="down4")
    u1 = upsample(d4, d3, 4 * f, name="up1", dropout_rate=dropout_rate)
    u2 = upsample(u1, d2, 2 * f, name="up2", dropout_rate=dropout_rate)
    u3 = upsample(u2, d1, f, name="up3", dropout_rate=dropout_rate)
    x = keras.layers.UpSampling2D(size=2, name="output_up")(u3)
    output = keras.layers.Conv2D(
        channels,
        4,
        strides=1,
        padding="same",
        activation="tanh",
        kernel_initializer=conv_initializer(),
        name="output_conv",
    )(x)
    return keras.Model(image, output, name=name)


def _transposed_conv_norm_relu(x, filters: int, name: str):
    # The ResNet generator's "uk" block: 3x3 transposed Conv, stride 2 -> IN -> ReLU. Not a
    # graded block (the U-Net's upsample doubles the size with UpSampling2D and a skip).
    x = keras.layers.Conv2DTranspose(
        filters,
        3,
        strides=2,
        padding="same",
        kernel_initializer=conv_initializer(),
        name=f"{name}_conv",
    )(x)
    x = InstanceNormalization(name=f"{name}_norm")(x)
    return keras.layers.ReLU(name=f"{name}_relu")(x)


def _resize_conv_norm_relu(x, filters: int, name: str):
    # The "uk" block without a transposed convolution (Odena et al. 2016, "Deconvolution
    # and Checkerboard Artifacts"): a 3x3 stride-2 transposed conv covers output pixels
    # unevenly (taps overlap on every other row and column), which paints a period-2
    # checkerboard; nearest-neighbour x2 then a 3x3 conv treats every pixel alike.
    # Same parameters as the transposed conv: 3 * 3 * c_in * filters + filters.
    x = keras.layers.UpSampling2D(size=2, interpolation="nearest", name=f"{name}_resize")(x)
    x = keras.layers.Conv2D(
        filters, 3, padding="same", kernel_initializer=conv_initializer(), name=f"{name}_conv"
    )(x)
    x = InstanceNormalization(name=f"{name}_norm")(x)
    return keras.layers.ReLU(name=f"{name}_relu")(x)


UPSAMPLING_BLOCKS = {"transpose": _transposed_conv_norm_relu, "resize": _resize_conv_norm_relu}


def build_resnet_generator(
    img_shape: Sequence[int] = (256, 256, 3),
    gen_n_filters: int = 32,
    n_residual_blocks: int = 9,
    name: str = "resnet_generator",
    *,
    blocks: CycleGANBlocks = REFERENCE_BLOCKS,
    upsampling: str = "transpose",
) -> keras.Model:
    """Build the ResNet generator (Johnson et al. 2016, as used by Zhu et al. 2017).

    In the paper's notation, with ``f = gen_n_filters``:
    ``c7s1-f, d2f, d4f, R4f × n, u2f, uf, c7s1-3`` where

    * ``c7s1-k``: reflection pad 3 → 7×7 Conv (stride 1, k filters) → IN → ReLU
      (the last one has 3 filters, no norm, and tanh);
    * ``dk``: 3×3 Conv, stride 2, k filters → IN → ReLU (halves the size): the
      ``downsample`` block with ``kernel_size=3``;
    * ``Rk``: a ``residual_block`` with k filters (3×3, reflection padded);
    * ``uk``: 3×3 transposed Conv, stride 2, k filters → IN → ReLU (doubles the size);
      with ``upsampling="resize"``: nearest-neighbour ×2 → 3×3 Conv (stride 1, k
      filters, same padding) → IN → ReLU, which avoids checkerboard artefacts (Odena
      et al. 2016). Layers ``up1_conv``, ``up1_norm``, ``up1_relu`` (and ``up1_resize``).

    Args:
        img_shape: ``(H, W, C)``; H and W must be multiples of 4.
        gen_n_filters: ``f``, the filters of the first convolution.
        n_residual_blocks: number of residual blocks (9 for 256², 6 for 128² in the paper).
        name: model name.
        blocks: the ``downsample`` and ``residual_block`` blocks to build with (default:
            the reference ones of :mod:`cyclegan.layers`).
        upsampling: ``"transpose"`` (the paper's transposed convolutions) or
            ``"resize"`` (resize, then convolve); both have the same parameter count.

    Returns:
        Functional model mapping ``(batch, H, W, C)`` to ``(batch, H, W, C)`` in [-1, 1].

    Raises:
        ValueError: for a bad image shape, filter count, block count, ``upsampling``
            or ``blocks``.
    """
    height, width, channels = _check_shape(img_shape, 4, "the ResNet generator")
    f = _check_filters(gen_n_filters, "gen_n_filters")
    if int(n_residual_blocks) < 0:
        raise ValueError(f"n_residual_blocks must be >= 0, got {n_residual_blocks}.")
    if upsampling not in UPSAMPLING_BLOCKS:
        raise ValueError(f"upsampling must be one of {tuple(UPSAMPLING_BLOCKS)}, got "
                         f"{upsampling!r}.")  # fmt: skip
    up = UPSAMPLING_BLOCKS[upsampling]
    downsample, residual_block = check_blocks(blocks).downsample, blocks.residual_block
    image = keras.Input(shape=(height, width, channels), name="image")
    x = ReflectionPadding2D(3, name="stem_pad")(image)
    x = keras.layers.Conv2D(
        f, 7, padding="valid", kernel_initializer=conv_initializer(), name="stem_conv"
    )(x)
    x = InstanceNormalization(name="stem_norm")(x)
    x = keras.layers.ReLU(name="stem_relu")(x)
    x = downsample(x, 2 * f, name="down1", kernel_size=3)
    x = downsample(x, 4 * f, name="down2", kernel_size=3)
    for i in range(1, int(n_residual_blocks) + 1):
        x = residual_block(x, 4 * f, name=f"res{i}")
    x = up(x, 2 * f, name="up1")
    x = up(x, f, name="up2")
    x = ReflectionPadding2D(3, name="output_pad")(x)
    output = keras.layers.Conv2D(
        channels,
        7,
        padding="valid",
        activation="tanh",
        kernel_initializer=conv_initializer(),
        name="output_conv",
    )(x)
    return keras.Model(image, output, name=name)


def build_discriminator(
    img_shape: Sequence[int] = (128, 128, 3),
    disc_n_filters: int = 32,
    name: str = "discriminator",
) -> keras.Model:
    """Build the PatchGAN discriminator of the curriculum.

    Conv k4 s2 (f, no norm) → LeakyReLU 0.2; Conv k4 s2 (2f) → IN → LeakyReLU;
    Conv k4 s2 (4f) → IN → LeakyReLU; Conv k4 s1 (8f) → IN → LeakyReLU;
    Conv(1, k4, s1, same) with no activation (least-squares GAN scores).

    Args:
        img_shape: ``(H, W, C)``; H and W must be multiples of 8.
        disc_n_filters: ``f``, the filters of the first convolution.
        name: model name, e.g. ``"d_A"``.

    Returns:
        Functional model mapping ``(batch, H, W, C)`` to patch scores
        ``(batch, H/8, W/8, 1)`` (16×16×1 for 128×128 images).

    Raises:
        ValueError: for a bad image shape or filter count.
    """
    height, width, channels = _check_shape(img_shape, 8, "the PatchGAN discriminator")
    f = _check_filters(disc_n_filters, "disc_n_filters")
    image = keras.Input(shape=(height, width, channels), name="image")
    x = image
    blocks = [(f, 2, False), (2 * f, 2, True), (4 * f, 2, True), (8 * f, 1, True)]
    for i, (filters, strides, normalize) in enumerate(blocks, start=1):
        x = keras.layers.Conv2D(
            filters,
            4,
            strides=strides,
            padding="same",
            kernel_initializer=conv_initializer(),
            name=f"disc{i}_conv",
        )(x)
        if normalize:
            x = InstanceNormalization(name=f"disc{i}_norm")(x)
        x = keras.layers.LeakyReLU(negative_slope=0.2, name=f"disc{i}_lrelu")(x)
    output = keras.layers.Conv2D(
        1, 4, strides=1, padding="same", kernel_initializer=conv_initializer(), name="patch_scores"
    )(x)
    return keras.Model(image, output, name=name)
