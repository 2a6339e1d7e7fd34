"""Fast style transfer: the transformation network and the batched perceptual loss.

The loss is checked against NumPy readings of the curriculum's formulas, image by image,
and against the course's own cost functions (``NSTCosts``) swapped for a student's.
"""

import numpy as np
import pytest

from nst_utils.cost_functions import NSTCosts
from nst_utils.costs import compute_content_cost
from nst_utils.fast.perceptual import perceptual_loss
from nst_utils.fast.transform_net import WIDTHS, build_transform_net, resolve_width

LAYERS = [("s1", 0.3), ("s2", 0.7)]


def test_transform_net_shape_range_and_no_transposed_conv():
    net = build_transform_net("tiny")
    x = np.random.default_rng(0).random((2, 36, 20, 3), dtype=np.float32)
    y = net(x).numpy()
    assert y.shape == x.shape and y.dtype == np.float32
    assert 0.0 <= y.min() and y.max() <= 1.0
    kinds = [type(layer).__name__ for layer in net.layers]
    assert "Conv2DTranspose" not in kinds
    assert kinds.count("UpSampling2D") == 2
    assert sum(layer.name.endswith("_add") for layer in net.layers) == 5
    assert {"ReflectionPadding2D", "InstanceNormalization"} <= set(kinds)


def test_transform_net_widths():
    # conv1 9x9x3xf, conv2 3x3xfx2f, conv3 3x3x2fx4f: kernels + biases, plus IN scale/offset.
    f = 4
    net = build_transform_net(f, residual_blocks=0)
    convs = (9 * 9 * 3 * f + f) + (9 * f * 2 * f + 2 * f) + (9 * 2 * f * 4 * f + 4 * f)
    convs += (9 * 4 * f * 2 * f + 2 * f) + (9 * 2 * f * f + f) + (9 * 9 * f * 3 + 3)
    norms = 2 * (f + 2 * f + 4 * f + 2 * f + f)
    assert net.count_params() == convs + norms
    assert resolve_width("johnson") == 32 and resolve_width("6") == 6
    assert WIDTHS["fast"] < WIDTHS["johnson"]
    for bad in ("huge", 0):
        with pytest.raises(ValueError):
            resolve_width(bad)


def _np_content(a_C, a_G):
    _, h, w, c = a_C.shape
    return np.sum((a_C - a_G) ** 2) / (4.0 * h * w * c)


def _np_gram(a):
    m = a.reshape(-1, a.shape[-1]).T
    return m @ m.T


def _np_style(a_S, a_G):
    _, h, w, c = a_S.shape
    return np.sum((_np_gram(a_S) - _np_gram(a_G)) ** 2) / (4.0 * c**2 * (h * w) ** 2)


def _np_tv(x):
    a = (x[:, :-1, :-1] - x[:, 1:, :-1]) ** 2
    b = (x[:, :-1, :-1] - x[:, :-1, 1:]) ** 2
    return np.sum((a + b) ** 1.25)


@pytest.fixture
def inputs():
    rng = np.random.default_rng(3)
    B = 3

    def f(*shape):
        return rng.random(shape, dtype=np.float32)

    content = {"c": f(B, 4, 4, 6)}
    style = {"s1": f(1, 8, 8, 3), "s2": f(1, 4, 4, 6)}
    generated = {"c": f(B, 4, 4, 6), "s1": f(B, 8, 8, 3), "s2": f(B, 4, 4, 6)}
    return content, style, generated, f(B, 16, 16, 3)


def _expected(content, style, generated, images, alpha, beta, tv):
    per_image = []
    for b in range(images.shape[0]):
        d = {k: v[b:b + 1].astype(np.float64) for k, v in generated.items()}
        J_c = _np_content(content["c"][b:b + 1].astype(np.float64), d["c"])
        J_s = sum(w * _np_style(style[n].astype(np.float64), d[n]) for n, w in LAYERS)
        per_image.append(alpha * J_c + beta * J_s + tv * _np_tv(255.0 * images[b:b + 1]))
    return np.mean(per_image)


@pytest.mark.parametrize("tv", [0.0, 1e-4])
def test_perceptual_loss_is_the_mean_of_per_image_costs(inputs, tv):
    got = perceptual_loss(*inputs, content_layer="c", style_layers=LAYERS, alpha=3.0,
                          beta=7.0, tv_weight=tv)
    np.testing.assert_allclose(float(got), _expected(*inputs, 3.0, 7.0, tv), rtol=1e-4)


def test_perceptual_loss_runs_the_given_costs(inputs):
    calls = []

    def doubled(a_C, a_G):
        calls.append(a_C.shape)
        return 2.0 * compute_content_cost(a_C, a_G)

    costs = NSTCosts(content_cost=doubled)
    got = perceptual_loss(*inputs, content_layer="c", style_layers=LAYERS, alpha=1.0,
                          beta=0.0, costs=costs)
    assert calls == [(1, 4, 4, 6)] * 3  # one image at a time
    np.testing.assert_allclose(float(got), 2 * _expected(*inputs, 1.0, 0.0, 0.0), rtol=1e-4)


def test_perceptual_loss_errors(inputs):
    content, style, generated, images = inputs
    with pytest.raises(ValueError, match="lacks the layer"):
        perceptual_loss(content, {"s1": style["s1"]}, generated, images, content_layer="c",
                        style_layers=LAYERS)
    with pytest.raises(ValueError, match="NSTCosts"):
        perceptual_loss(*inputs, content_layer="c", style_layers=LAYERS, costs=object())
