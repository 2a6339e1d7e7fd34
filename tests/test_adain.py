"""AdaIN (Huang & Belongie 2017): the operation, the trade-off, the losses and the decoder.

Expected values are NumPy readings of the paper's formulas on seeded inputs.
"""

import numpy as np
import pytest

from nst_utils.fast import adain as lib

EPS = 1e-5


def _moments(x):
    """Per image and channel over H, W: mean and sqrt(var + eps), float64."""
    x = np.asarray(x, np.float64)
    return x.mean(axis=(1, 2), keepdims=True), np.sqrt(x.var(axis=(1, 2), keepdims=True) + EPS)


def _adain_np(x, y):
    mu_x, s_x = _moments(x)
    mu_y, s_y = _moments(y)
    return s_y * (x - mu_x) / s_x + mu_y


@pytest.fixture
def features():
    rng = np.random.default_rng(0)
    content = rng.normal(1.0, 2.0, (2, 5, 6, 4)).astype(np.float32)
    style = rng.normal(-3.0, 0.5, (2, 7, 3, 4)).astype(np.float32) * rng.uniform(0.5, 3, 4)
    return content, style.astype(np.float32)


def test_adain_matches_numpy(features):
    content, style = features
    out = lib.adain(content, style).numpy()
    assert out.shape == content.shape and out.dtype == np.float32
    np.testing.assert_allclose(out, _adain_np(content, style), rtol=1e-4, atol=1e-4)
    # The output carries the style's statistics (up to epsilon) and the content's layout.
    mu, sigma = _moments(out)
    mu_s, sigma_s = _moments(style)
    np.testing.assert_allclose(mu, mu_s, atol=1e-4)
    np.testing.assert_allclose(sigma, sigma_s, rtol=1e-3)


def test_adain_broadcasts_one_style_over_the_batch(features):
    content, style = features
    out = lib.adain(content, style[:1]).numpy()
    np.testing.assert_allclose(out, _adain_np(content, np.repeat(style[:1], 2, 0)),
                               rtol=1e-4, atol=1e-4)


def test_blend_alpha_ends(features):
    content, style = features
    np.testing.assert_allclose(lib.blend(content, style, 0.0).numpy(), content, atol=1e-6)
    np.testing.assert_allclose(lib.blend(content, style, 1.0).numpy(),
                               lib.adain(content, style).numpy(), atol=1e-6)
    half = lib.blend(content, style, 0.25).numpy()
    np.testing.assert_allclose(half, 0.25 * _adain_np(content, style) + 0.75 * content,
                               rtol=1e-4, atol=1e-4)


def test_adain_layer_per_image_alpha(features):
    content, style = features
    alpha = np.array([[0.0], [1.0]], np.float32)
    out = lib.AdaIN()([content, style, alpha]).numpy()
    np.testing.assert_allclose(out[0], content[0], atol=1e-6)
    np.testing.assert_allclose(out[1], _adain_np(content, style)[1], rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("shapes", [((2, 4, 4, 3), (2, 4, 4, 5)), ((4, 4, 3), (1, 4, 4, 3))])
def test_adain_refuses_bad_shapes(shapes):
    with pytest.raises(ValueError, match="same C"):
        lib.adain(np.zeros(shapes[0], np.float32), np.zeros(shapes[1], np.float32))


def test_adain_losses_match_numpy():
    rng = np.random.default_rng(1)
    layers = ("a", "b")
    gen = {"a": rng.normal(size=(2, 6, 6, 3)), "b": rng.normal(size=(2, 3, 3, 5))}
    sty = {"a": rng.normal(2, 3, size=(2, 6, 6, 3)), "b": rng.normal(size=(2, 3, 3, 5))}
    gen = {k: v.astype(np.float32) for k, v in gen.items()}
    sty = {k: v.astype(np.float32) for k, v in sty.items()}
    target = rng.normal(size=(2, 3, 3, 5)).astype(np.float32)
    gen[lib.ENCODER_LAYER] = gen["b"]
    content, style = lib.adain_losses(gen, target, sty, style_layers=layers)
    expected_content = np.mean((gen["b"].astype(np.float64) - target) ** 2)
    expected_style = 0.0
    for k in layers:
        (mg, sg), (ms, ss) = _moments(gen[k]), _moments(sty[k])
        expected_style += np.mean((mg - ms) ** 2) + np.mean((sg - ss) ** 2)
    np.testing.assert_allclose(float(content), expected_content, rtol=1e-5)
    np.testing.assert_allclose(float(style), expected_style, rtol=1e-4)


def test_adain_style_loss_on_lists():
    rng = np.random.default_rng(4)
    gen = [rng.normal(size=(2, 4, 4, 3)).astype(np.float32),
           rng.normal(size=(2, 2, 2, 5)).astype(np.float32)]
    sty = [rng.normal(1, 2, size=(2, 5, 4, 3)).astype(np.float32),
           rng.normal(size=(2, 3, 2, 5)).astype(np.float32)]
    expected = sum(np.mean((_moments(g)[0] - _moments(s)[0]) ** 2)
                   + np.mean((_moments(g)[1] - _moments(s)[1]) ** 2)
                   for g, s in zip(gen, sty, strict=True))
    np.testing.assert_allclose(float(lib.adain_style_loss(gen, sty)), expected, rtol=1e-4)
    with pytest.raises(ValueError, match="one of each"):
        lib.adain_style_loss(gen, sty[:1])


def test_decoder_mirrors_the_encoder():
    decoder = lib.build_decoder(width=0.05)
    out = decoder(np.zeros((2, 3, 5, 512), np.float32))
    assert tuple(out.shape) == (2, 24, 40, 3)
    kinds = {type(layer).__name__ for layer in decoder.layers}
    assert "Conv2DTranspose" not in kinds and "UpSampling2D" in kinds
    assert sum(isinstance(layer, lib.keras.layers.UpSampling2D) for layer in decoder.layers) == 3
    with pytest.raises(ValueError, match="width"):
        lib.build_decoder(width=0)
