"""The graded functions of the CycleGAN building blocks (lesson 8):
cases, points and classic mistakes.

One entry per graded function, read by the checks, the build and the grader (see
:mod:`autograde.graded.specs`). Each mistake's body is code a student could hand in;
its hint says what went wrong without giving the answer away.
"""

from __future__ import annotations

from autograde.graded import inputs as makers
from autograde.graded.declaration import Case, GradedFunction, Mistake

_BLOCK_HINT = (
    "check the order of the layers, the strides and padding, and that instance "
    "normalisation has no learned scale or offset."
)
_LAYERS = "cyclegan.layers."

_CONV = (
    'x = keras.layers.Conv2D(filters, kernel_size, strides={stride}, padding="{padding}", '
    'name=f"{{name}}_conv")(x)\n'
)

_NORM = 'x = InstanceNormalization(name=f"{name}_norm")(x)\n'

_RELU = 'x = keras.layers.ReLU(name=f"{name}_relu")(x)\n'

_UP = 'x = keras.layers.UpSampling2D(size=2, name=f"{name}_up")(x)\n'

_CONCAT = 'return keras.layers.Concatenate(name=f"{name}_concat")([x, skip])'

_PAD_CONV = (
    "shortcut = x\n"
    "for i in (1, 2):\n"
    '    x = ReflectionPadding2D(kernel_size // 2, name=f"{name}_pad{i}")(x)\n'
    '    x = keras.layers.Conv2D(filters, kernel_size, padding="valid",\n'
    '                            name=f"{name}_conv{i}")(x)\n'
)

_NORM_I = '    x = InstanceNormalization(name=f"{name}_norm{i}")(x)\n'

_FIRST_RELU = '    if i == 1:\n        x = keras.layers.ReLU(name=f"{name}_relu1")(x)\n'

_ADD = 'keras.layers.Add(name=f"{name}_add")([shortcut, x])'

FUNCTIONS: tuple[GradedFunction, ...] = (
    GradedFunction(
        "downsample",
        _LAYERS + "downsample",
        makers.block_inputs({"x": (1, 8, 8, 3)}, {"filters": 4, "name": "down"}),
        public=Case(1),
        hidden=(
            Case(131, {"x": (2, 12, 8, 5), "filters": 6, "kernel_size": 3}),
            Case(132, {"x": (1, 6, 6, 2), "filters": 3, "normalize": False}),
        ),
        output="a tensor of shape (batch, H/2, W/2, filters)",
        hint=_BLOCK_HINT,
        call=makers.run_block,
        points=2,
        mistakes=(
            Mistake(
                "no instance normalisation",
                "The block never normalises: with normalize=True the convolution's output must "
                "go through instance normalisation.",
                _CONV.format(stride=2, padding="same") + _RELU.replace("x = ", "return ", 1),
            ),
            Mistake(
                "ReLU before the normalisation",
                "The layers are in the wrong order: your ReLU comes before the normalisation.",
                _CONV.format(stride=2, padding="same")
                + _RELU
                + _NORM.replace("x = ", "return ", 1),
            ),
            Mistake(
                "stride 1",
                "The block does not halve height and width: check the convolution's stride.",
                _CONV.format(stride=1, padding="same")
                + _NORM
                + _RELU.replace("x = ", "return ", 1),
            ),
            Mistake(
                "valid padding",
                "Height and width come out too small: the convolution must pad so that only the "
                "stride shrinks the image.",
                _CONV.format(stride=2, padding="valid")
                + _NORM
                + _RELU.replace("x = ", "return ", 1),
            ),
            Mistake(
                "normalize argument ignored",
                "With normalize=False the block must leave out the normalisation; yours "
                "normalises anyway.",
                _CONV.format(stride=2, padding="same")
                + _NORM
                + _RELU.replace("x = ", "return ", 1),
                public=False,
            ),
            Mistake(
                "GroupNormalization with its defaults",
                "Your normalisation learns a scale and an offset; instance normalisation here "
                "has neither (and its own epsilon).",
                _CONV.format(stride=2, padding="same")
                + 'x = keras.layers.GroupNormalization(groups=-1, name=f"{name}_norm")(x)\n'
                + _RELU.replace("x = ", "return ", 1),
            ),
            Mistake(
                "LeakyReLU",
                "The activation is a LeakyReLU, as in the discriminator; the generator's "
                "blocks use a plain ReLU.",
                _CONV.format(stride=2, padding="same")
                + _NORM
                + 'return keras.layers.LeakyReLU(0.2, name=f"{name}_relu")(x)',
            ),
        ),
    ),
    GradedFunction(
        "upsample",
        _LAYERS + "upsample",
        makers.block_inputs(
            {"x": (1, 4, 4, 6), "skip": (1, 8, 8, 5)}, {"filters": 4, "name": "up"}
        ),
        public=Case(1),
        hidden=(
            Case(141, {"x": (2, 3, 5, 4), "skip": (2, 6, 10, 3), "filters": 2, "kernel_size": 3}),
            Case(142, {"x": (1, 2, 2, 8), "skip": (1, 4, 4, 8), "filters": 8, "dropout_rate": 0.5}),
        ),
        output="a tensor of shape (batch, 2H, 2W, filters + C_skip)",
        hint=_BLOCK_HINT,
        call=makers.run_block,
        points=2,
        mistakes=(
            Mistake(
                "transposed convolution",
                "A strided transposed convolution replaces the upsampling; this block "
                "upsamples first and then convolves without a stride.",
                'x = keras.layers.Conv2DTranspose(filters, kernel_size, strides=2, padding="same", '
                'name=f"{name}_conv")(x)\n' + _NORM + _RELU + _CONCAT,
            ),
            Mistake(
                "skip connection first",
                "The concatenation is in the wrong order: the block's own channels come first, "
                "the skip connection's after them.",
                _UP
                + _CONV.format(stride=1, padding="same")
                + _NORM
                + _RELU
                + 'return keras.layers.Concatenate(name=f"{name}_concat")([skip, x])',
            ),
            Mistake(
                "no skip connection",
                "The skip connection is missing: the output must also carry the encoder's "
                "channels.",
                _UP
                + _CONV.format(stride=1, padding="same")
                + _NORM
                + _RELU.replace("x = ", "return ", 1),
            ),
            Mistake(
                "no instance normalisation",
                "The block never normalises: the convolution's output must go through instance "
                "normalisation.",
                _UP + _CONV.format(stride=1, padding="same") + _RELU + _CONCAT,
            ),
            Mistake(
                "ReLU before the normalisation",
                "The layers are in the wrong order: your ReLU comes before the normalisation.",
                _UP + _CONV.format(stride=1, padding="same") + _RELU + _NORM + _CONCAT,
            ),
            Mistake(
                "GroupNormalization with its defaults",
                "Your normalisation learns a scale and an offset; instance normalisation here "
                "has neither (and its own epsilon).",
                _UP
                + _CONV.format(stride=1, padding="same")
                + 'x = keras.layers.GroupNormalization(groups=-1, name=f"{name}_norm")(x)\n'
                + _RELU
                + _CONCAT,
            ),
        ),
    ),
    GradedFunction(
        "residual_block",
        _LAYERS + "residual_block",
        makers.block_inputs({"x": (1, 6, 6, 4)}, {"filters": 4, "name": "res"}),
        public=Case(1),
        hidden=(
            Case(151, {"x": (2, 5, 7, 3), "filters": 3}),
            Case(152, {"x": (1, 9, 9, 2), "filters": 2, "kernel_size": 5}),
        ),
        output="a tensor of the input's shape",
        hint=_BLOCK_HINT + " Pad by reflection and add the input after the second norm.",
        call=makers.run_block,
        points=3,
        mistakes=(
            Mistake(
                "zero padding",
                "The borders come out wrong: the padding before each convolution should mirror "
                "the image, not add zeros.",
                "shortcut = x\n"
                "for i in (1, 2):\n"
                '    x = keras.layers.Conv2D(filters, kernel_size, padding="same", '
                'name=f"{name}_conv{i}")(x)\n' + _NORM_I + _FIRST_RELU + f"return {_ADD}",
            ),
            Mistake(
                "ReLU after the addition",
                "There is an activation after the addition; the block returns the sum as it is.",
                _PAD_CONV
                + _NORM_I
                + _FIRST_RELU
                + f"x = {_ADD}\n"
                + 'return keras.layers.ReLU(name=f"{name}_out")(x)',
            ),
            Mistake(
                "no skip connection",
                "The input is never added back: the skip connection is missing.",
                _PAD_CONV + _NORM_I + _FIRST_RELU + "return x",
            ),
            Mistake(
                "ReLU after both convolutions",
                "Both halves end in a ReLU; only the first half of the block has an activation.",
                _PAD_CONV
                + _NORM_I
                + '    x = keras.layers.ReLU(name=f"{name}_relu{i}")(x)\n'
                + f"return {_ADD}",
            ),
            Mistake(
                "input added before the second normalisation",
                "The input is added too early: in your block the sum still goes through the "
                "second normalisation.",
                _PAD_CONV
                + '    if i == 1:\n        x = InstanceNormalization(name=f"{name}_norm1")(x)\n'
                + '        x = keras.layers.ReLU(name=f"{name}_relu1")(x)\n'
                + f"x = {_ADD}\n"
                + 'return InstanceNormalization(name=f"{name}_norm2")(x)',
            ),
        ),
    ),
)
