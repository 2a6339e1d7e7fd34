"""The image transformation network of Johnson, Alahi and Fei-Fei (2016).

A feed-forward network trained once per style: two stride-2 convolutions down, five
residual blocks, and two upsampling steps back to the input size. Following Odena et al.
(2016, "Deconvolution and checkerboard artifacts") each upsampling is a nearest-neighbour
resize followed by a stride-1 convolution, not a transposed convolution, whose uneven
kernel overlap paints a checkerboard. Every convolution is preceded by reflection
padding and followed by instance normalisation (Ulyanov et al. 2016) with a learned
scale and offset, as in the fast style-transfer literature; the last one ends in a
sigmoid so the output lies in ``[0, 1]``, the pixel range of the whole course.

Layer names: ``conv1..conv3`` (down), ``res1..res5`` (residual), ``up1, up2``,
``output``; each with ``_pad``, ``_conv``, ``_norm``, ``_relu`` suffixes.
"""

from __future__ import annotations

import keras

from cyclegan.layers import InstanceNormalization, ReflectionPadding2D

#: Width presets: the channels of the first convolution (the next ones double, twice).
#: ``"johnson"`` is the paper's network; ``"fast"`` meets the project's CPU targets.
WIDTHS: dict[str, int] = {"johnson": 32, "fast": 8, "tiny": 4}
#: Input height and width must be multiples of this (two stride-2 convolutions).
SIZE_MULTIPLE = 4


def _conv_block(x, filters: int, kernel_size: int, strides: int, name: str, relu: bool = True):
    """Reflection pad → Conv2D (valid) → instance norm → ReLU, keeping H/strides x W/strides."""
    x = ReflectionPadding2D(kernel_size // 2, name=f"{name}_pad")(x)
    x = keras.layers.Conv2D(filters, kernel_size, strides=strides, padding="valid",
                            name=f"{name}_conv")(x)
    x = InstanceNormalization(center=True, scale=True, name=f"{name}_norm")(x)
    return keras.layers.ReLU(name=f"{name}_relu")(x) if relu else x


def _residual_block(x, filters: int, name: str):
    """Johnson et al.'s residual block: [3x3 conv block → 3x3 conv block without ReLU] + x.

    Built here rather than from :func:`cyclegan.layers.residual_block`: that one is a
    graded function of lesson 08, which students write after this network's lesson 07
    (in the student edition it is a stub), and Johnson's normalisation is affine.
    """
    y = _conv_block(x, filters, 3, 1, f"{name}_1")
    y = _conv_block(y, filters, 3, 1, f"{name}_2", relu=False)
    return keras.layers.Add(name=f"{name}_add")([x, y])


def _upsample_block(x, filters: int, name: str):
    """Nearest-neighbour resize x2, then a 3x3 convolution block (no transposed conv)."""
    x = keras.layers.UpSampling2D(2, interpolation="nearest", name=f"{name}_resize")(x)
    return _conv_block(x, filters, 3, 1, name)


def resolve_width(filters: int | str) -> int:
    """The channel count of ``conv1`` for a preset name or a positive int.

    Raises:
        ValueError: for an unknown preset or a non-positive count.
    """
    if isinstance(filters, str):
        if filters in WIDTHS:
            return WIDTHS[filters]
        if not filters.isdigit():
            raise ValueError(f"unknown width {filters!r}; choose one of {sorted(WIDTHS)} "
                             "or a positive number of channels.")
        filters = int(filters)
    if int(filters) < 1:
        raise ValueError(f"filters must be a positive int, got {filters!r}.")
    return int(filters)


def build_transform_net(filters: int | str = "johnson", residual_blocks: int = 5,
                        name: str = "transform_net") -> keras.Model:
    """Build Johnson et al.'s image transformation network as a functional Keras model.

    Args:
        filters: channels of the first convolution, or a preset of :data:`WIDTHS`
            (``"johnson"`` = 32, the paper's; ``"fast"`` = 8). The down-sampling
            convolutions have ``2 * filters`` and ``4 * filters`` channels, as do the
            residual blocks (``4 * filters``).
        residual_blocks: how many residual blocks (the paper uses 5).
        name: the model's name.

    Returns:
        A ``keras.Model`` mapping images ``(B, H, W, 3)`` in ``[0, 1]``, with H and W
        multiples of :data:`SIZE_MULTIPLE`, to stylised images of the same shape in
        ``[0, 1]`` (float32).

    Raises:
        ValueError: for a bad width or a negative number of residual blocks.
    """
    f = resolve_width(filters)
    if residual_blocks < 0:
        raise ValueError(f"residual_blocks must be >= 0, got {residual_blocks}.")
    images = keras.Input((None, None, 3), name="image")
    x = _conv_block(images, f, 9, 1, "conv1")
    x = _conv_block(x, 2 * f, 3, 2, "conv2")
    x = _conv_block(x, 4 * f, 3, 2, "conv3")
    for i in range(1, residual_blocks + 1):
        x = _residual_block(x, 4 * f, name=f"res{i}")
    x = _upsample_block(x, 2 * f, "up1")
    x = _upsample_block(x, f, "up2")
    x = ReflectionPadding2D(4, name="output_pad")(x)
    x = keras.layers.Conv2D(3, 9, padding="valid", name="output_conv")(x)
    # The sigmoid keeps pixels in (0, 1) with a non-zero gradient everywhere, unlike a clip.
    outputs = keras.layers.Activation("sigmoid", dtype="float32", name="output")(x)
    return keras.Model(images, outputs, name=name)
