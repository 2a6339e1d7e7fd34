"""The ResNet generator's upsampling option: transposed conv (default) or resize + conv.

Shapes, layer names and parameter counts are worked out by hand; the checkerboard
claim of docs/cyclegan.md is checked with a plain 2 × 2 checker filter; a run saved
before the option existed still loads and builds the transposed variant.
"""

import dataclasses
import json

import keras
import numpy as np
import pytest
import tensorflow as tf

from cyclegan import runs
from cyclegan.model import build_generator
from cyclegan.networks import build_resnet_generator
from cyclegan.options import TrainConfig, model_options
from cyclegan.translate import load_generator


def conv(k: int, c_in: int, c_out: int) -> int:
    return k * k * c_in * c_out + c_out


def layer_types(model):
    return {type(layer).__name__ for layer in model.layers}


@pytest.mark.parametrize("upsampling", ["transpose", "resize"])
def test_shapes_names_and_parameter_counts(upsampling):
    f, n = 4, 2
    model = build_resnet_generator((32, 32, 3), f, n, upsampling=upsampling)
    assert tuple(model.output_shape) == (None, 32, 32, 3)
    assert tuple(model.get_layer("up1_relu").output.shape[1:]) == (16, 16, 2 * f)
    assert tuple(model.get_layer("up2_relu").output.shape[1:]) == (32, 32, f)
    for block in ("up1", "up2"):
        for part in ("conv", "norm", "relu"):
            model.get_layer(f"{block}_{part}")
    expected = (conv(7, 3, f) + conv(3, f, 2 * f) + conv(3, 2 * f, 4 * f)
                + n * 2 * conv(3, 4 * f, 4 * f) + conv(3, 4 * f, 2 * f) + conv(3, 2 * f, f)
                + conv(7, f, 3))  # fmt: skip
    assert model.count_params() == expected  # the same for both variants


def test_resize_variant_has_no_transposed_convolution():
    resize = build_resnet_generator((16, 16, 3), 2, 1, upsampling="resize")
    transpose = build_resnet_generator((16, 16, 3), 2, 1)
    assert "Conv2DTranspose" not in layer_types(resize)
    assert "Conv2DTranspose" in layer_types(transpose)  # the default is the paper's
    resized = resize.get_layer("up1_resize")
    assert resized.size == (2, 2) and resized.interpolation == "nearest"
    assert resize.get_layer("up1_conv").kernel_size == (3, 3)
    with pytest.raises(ValueError, match="upsampling must be one of"):
        build_resnet_generator((16, 16, 3), 2, 1, upsampling="bilinear")


def checker_share(image: np.ndarray) -> float:
    """Energy of the 2 × 2 checker filter [[1, -1], [-1, 1]] over 4 × the variance."""
    checker = image[::2, ::2] - image[1::2, ::2] - image[::2, 1::2] + image[1::2, 1::2]
    return float(np.mean(checker**2) / (4 * np.var(image)))


def test_transposed_conv_paints_a_checkerboard_on_a_smooth_image():
    y, x = np.mgrid[0:32, 0:32] / 31.0
    smooth = np.stack([x - 0.5, y - 0.5, 0.3 * (x + y) - 0.3], axis=-1).astype(np.float32)
    for seed in (0, 1):
        shares = {}
        for upsampling in ("transpose", "resize"):
            keras.utils.set_random_seed(seed)
            model = build_resnet_generator((32, 32, 3), 8, 1, upsampling=upsampling)
            shares[upsampling] = checker_share(np.asarray(model(smooth[None]))[0])
        assert checker_share(smooth) < 1e-6
        assert shares["transpose"] > 3 * shares["resize"], shares


def test_option_reaches_the_model_and_validation():
    options = TrainConfig(data="d", generator="resnet", upsampling="resize", image_size=16,
                          gen_filters=2, n_residual_blocks=1)  # fmt: skip
    assert "Conv2DTranspose" not in layer_types(build_generator(options, "g_AB"))
    assert model_options(options).upsampling == "resize"
    assert model_options(None, upsampling="resize").upsampling == "resize"
    with pytest.raises(ValueError, match="--upsampling must be one of"):
        dataclasses.replace(options, upsampling="deconv").validate()


def test_run_saved_without_the_option_loads_as_transpose(tmp_path):
    options = TrainConfig(data="d", generator="resnet", image_size=16, gen_filters=2,
                          n_residual_blocks=1)  # fmt: skip
    old = {k: v for k, v in options.to_dict().items() if not k.startswith(("upsampling", "eval"))}
    runs.write_config(tmp_path, old)
    assert runs.read_options(tmp_path).upsampling == "transpose"
    nets = {name: build_generator(options, name) for name in ("g_AB", "g_BA")}
    runs.save_checkpoint(tf.train.Checkpoint(**nets), tmp_path, 1, {"epoch": 1, "history": []})
    generator, size = load_generator(tmp_path, "AtoB")
    assert size == 16 and "Conv2DTranspose" in layer_types(generator)
    np.testing.assert_array_equal(generator.get_layer("up1_conv").kernel.numpy(),
                                  nets["g_AB"].get_layer("up1_conv").kernel.numpy())
    assert json.loads((tmp_path / runs.CONFIG_FILE).read_text()).get("upsampling") is None
