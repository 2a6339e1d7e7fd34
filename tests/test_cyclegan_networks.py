"""Output shapes and parameter counts of the CycleGAN networks, worked out by hand.

A convolution with a k×k kernel, c_in input and c_out output channels (with bias) has
``k*k*c_in*c_out + c_out`` parameters; instance norm (no scale, no offset), ReLU,
up-sampling, padding and concatenation have none.
"""

import keras
import numpy as np
import pytest

from cyclegan.networks import build_discriminator, build_resnet_generator, build_unet_generator


def conv(k: int, c_in: int, c_out: int) -> int:
    return k * k * c_in * c_out + c_out


def test_unet_generator_shapes_and_params():
    f = 32
    model = build_unet_generator((128, 128, 3), gen_n_filters=f, name="g_AB")
    assert model.name == "g_AB"
    assert tuple(model.output_shape) == (None, 128, 128, 3)
    expected_shapes = {
        "down1_relu": (64, 64, f),
        "down2_relu": (32, 32, 2 * f),
        "down3_relu": (16, 16, 4 * f),
        "down4_relu": (8, 8, 8 * f),
        "up1_concat": (16, 16, 4 * f + 4 * f),  # conv output + down3
        "up2_concat": (32, 32, 2 * f + 2 * f),  # + down2
        "up3_concat": (64, 64, f + f),  # + down1
        "output_up": (128, 128, 2 * f),
    }
    for name, shape in expected_shapes.items():
        assert tuple(model.get_layer(name).output.shape[1:]) == shape, name
    expected = (
        conv(4, 3, f)
        + conv(4, f, 2 * f)
        + conv(4, 2 * f, 4 * f)
        + conv(4, 4 * f, 8 * f)
        + conv(4, 8 * f, 4 * f)  # up1 sees down4
        + conv(4, 8 * f, 2 * f)  # up2 sees up1_concat (4f + 4f)
        + conv(4, 4 * f, f)  # up3 sees up2_concat (2f + 2f)
        + conv(4, 2 * f, 3)  # output sees up3_concat (f + f)
    )
    assert model.count_params() == expected == 1_545_411
    assert model.get_layer("output_conv").activation.__name__ == "tanh"


def test_unet_without_first_block_norm_keeps_each_pictures_colours():
    """Only down1 loses its norm; a uniform shift of the input then reaches its output."""
    plain = build_unet_generator((64, 64, 3), gen_n_filters=4)
    open_ = build_unet_generator((64, 64, 3), gen_n_filters=4, first_block_norm=False)
    names = {layer.name for layer in open_.layers}
    assert "down1_norm" not in names and {"down2_norm", "down4_norm", "up3_norm"} <= names
    assert open_.count_params() == plain.count_params()  # the norm has no weights
    x = np.random.default_rng(1).uniform(-0.5, 0.5, size=(1, 64, 64, 3)).astype(np.float32)
    redder = x + np.float32([0.4, 0.0, 0.0])

    def relative_change(model):  # of down1's features, away from the zero padding
        features = keras.Model(model.input, model.get_layer("down1_relu").output)
        before, after = (np.asarray(features(v))[:, 2:-2, 2:-2] for v in (x, redder))
        return np.abs(after - before).mean() / np.abs(before).mean()

    # Instance norm takes the shift out with each channel's mean; without it the features
    # move by the convolution of the shift.
    assert relative_change(open_) > 4 * relative_change(plain)


def test_a_downsample_without_normalize_is_a_one_line_error():
    """The builders may call ``downsample(..., normalize=False)``; a block must take it."""
    from cyclegan import layers
    from cyclegan.parts import CycleGANBlocks

    def downsample(x, filters, name, kernel_size=4):
        return layers.downsample(x, filters, name, kernel_size)

    with pytest.raises(ValueError, match="normalize"):
        CycleGANBlocks(downsample=downsample)


def test_unet_output_in_tanh_range_for_any_input():
    model = build_unet_generator((32, 32, 3), gen_n_filters=4)
    x = np.random.default_rng(0).normal(0, 50, size=(2, 32, 32, 3)).astype(np.float32)
    y = np.asarray(model(x))
    assert y.shape == x.shape and np.all(np.abs(y) <= 1.0)


def test_resnet_generator_shapes_and_params():
    f, n = 32, 9
    model = build_resnet_generator((256, 256, 3), gen_n_filters=f, n_residual_blocks=n)
    assert tuple(model.output_shape) == (None, 256, 256, 3)
    assert tuple(model.get_layer("stem_relu").output.shape[1:]) == (256, 256, f)  # c7s1-f
    assert tuple(model.get_layer("down1_relu").output.shape[1:]) == (128, 128, 2 * f)  # d2f
    assert tuple(model.get_layer("down2_relu").output.shape[1:]) == (64, 64, 4 * f)  # d4f
    assert tuple(model.get_layer(f"res{n}_add").output.shape[1:]) == (64, 64, 4 * f)
    assert tuple(model.get_layer("up1_relu").output.shape[1:]) == (128, 128, 2 * f)  # u2f
    assert tuple(model.get_layer("up2_relu").output.shape[1:]) == (256, 256, f)  # uf
    expected = (
        conv(7, 3, f)
        + conv(3, f, 2 * f)
        + conv(3, 2 * f, 4 * f)
        + n * 2 * conv(3, 4 * f, 4 * f)
        + conv(3, 4 * f, 2 * f)  # transposed conv: same count, k*k*c_in*c_out + c_out
        + conv(3, 2 * f, f)
        + conv(7, f, 3)
    )
    assert model.count_params() == expected == 2_850_563


def test_patchgan_discriminator_shapes_and_params():
    f = 32
    model = build_discriminator((128, 128, 3), disc_n_filters=f, name="d_A")
    # Three stride-2 layers: 128 / 2**3 = 16 patches per side.
    assert tuple(model.output_shape) == (None, 16, 16, 1)
    expected = (
        conv(4, 3, f) + conv(4, f, 2 * f) + conv(4, 2 * f, 4 * f) + conv(4, 4 * f, 8 * f)
    ) + conv(4, 8 * f, 1)
    assert model.count_params() == expected == 694_241
    names = [layer.name for layer in model.layers]
    assert "disc1_norm" not in names and {"disc2_norm", "disc3_norm", "disc4_norm"} <= set(names)
    assert model.get_layer("disc1_lrelu").negative_slope == pytest.approx(0.2)
    assert model.get_layer("patch_scores").activation.__name__ == "linear"
    assert tuple(build_discriminator((256, 256, 3), 64).output_shape) == (None, 32, 32, 1)


def test_kernels_initialised_from_normal_0_02():
    model = build_discriminator((128, 128, 3), disc_n_filters=32)
    kernel, bias = model.get_layer("disc4_conv").get_weights()  # 4*4*128*256 = 524288 draws
    assert abs(float(kernel.mean())) < 1e-3
    assert float(kernel.std()) == pytest.approx(0.02, rel=0.02)
    np.testing.assert_array_equal(bias, 0.0)


@pytest.mark.parametrize(
    "build, shape",
    [
        (build_unet_generator, (120, 120, 3)),
        (build_resnet_generator, (30, 30, 3)),
        (build_discriminator, (36, 36, 3)),
        (build_unet_generator, (128, 128)),
    ],
)
def test_bad_image_shapes_raise_one_line_errors(build, shape):
    with pytest.raises(ValueError) as err:
        build(shape)
    assert "\n" not in str(err.value)


def test_bad_filter_count_raises():
    with pytest.raises(ValueError, match="gen_n_filters"):
        build_unet_generator((32, 32, 3), gen_n_filters=0)
