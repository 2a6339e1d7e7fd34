"""Fast style transfer: the transformation network and the batched perceptual loss.

The loss is checked against NumPy readings of the curriculum's formulas, image by image,
and against the course's own cost functions (``NSTCosts``) swapped for a student's.
"""

import keras
import numpy as np
import pytest
import tensorflow as tf

from nst_utils.cost_functions import NSTCosts
from nst_utils.costs import (
    compute_content_cost,
    compute_style_cost,
    total_cost,
    total_variation_cost,
)
from nst_utils.fast.perceptual import FAST_CONTENT_LAYER, FAST_STYLE_LAYERS, perceptual_loss
from nst_utils.fast.train import make_fast_step
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
        calls.append(tuple(a_C.shape))
        return 2.0 * compute_content_cost(a_C, a_G)

    costs = NSTCosts(content_cost=doubled)
    got = perceptual_loss(*inputs, content_layer="c", style_layers=LAYERS, alpha=1.0,
                          beta=0.0, costs=costs)
    # Traced on one image at a time (then vectorised over the batch).
    assert calls and set(calls) == {(1, 4, 4, 6)}
    np.testing.assert_allclose(float(got), 2 * _expected(*inputs, 1.0, 0.0, 0.0), rtol=1e-4)


def _doubled_gram(A):
    """A student's Gram matrix, written another way and doubled (so its use shows)."""
    return 2.0 * tf.einsum("ip,jp->ij", A, A)


def _small_extractor() -> keras.Model:
    """Stands for VGG19: a few ReLU convolutions with the loss's layer names (cheap to trace)."""
    x = inputs = keras.Input((None, None, 3))
    features = {}
    for name, channels, stride in (("block1_conv1", 4, 1), ("block2_conv1", 6, 2),
                                   ("block2_conv2", 6, 1), ("block3_conv1", 8, 2),
                                   ("block4_conv1", 8, 2)):
        x = features[name] = keras.layers.Conv2D(channels, 3, stride, "same", name=name,
                                                 activation="relu")(x)
    extractor = keras.Model(inputs, features)
    extractor.trainable = False
    return extractor


def test_fast_step_loss_is_the_mean_of_the_course_costs_per_image():
    # The step's loss against the reference costs applied to each image on its own (the
    # plain per-image loop the vectorised loss replaced), with a student's gram_matrix
    # plugged in (twice the Gram: 4x each layer's style cost); the loss a step returns is
    # that of the weights before its update.
    rng = np.random.default_rng(4)
    size, batch, alpha, beta, tv = 32, 3, 3.0, 7.0, 1e-3
    keras.utils.set_random_seed(0)
    extractor = _small_extractor()
    style = extractor(rng.random((1, size, size, 3), dtype=np.float32))
    images = rng.random((batch, size, size, 3), dtype=np.float32)
    net = build_transform_net(2, residual_blocks=1)
    out = net(images, training=True)
    content, generated = extractor(images), extractor(out)
    a_S = [style[n] for n, _ in FAST_STYLE_LAYERS]
    per_image = []
    for b in range(batch):
        J_c = compute_content_cost(content[FAST_CONTENT_LAYER][b:b + 1],
                                   generated[FAST_CONTENT_LAYER][b:b + 1])
        J_s = compute_style_cost(a_S, [generated[n][b:b + 1] for n, _ in FAST_STYLE_LAYERS],
                                 FAST_STYLE_LAYERS)
        J_tv = total_variation_cost(255.0 * out[b:b + 1])
        per_image.append(float(total_cost(J_c, 4.0 * J_s, alpha, beta)) + tv * float(J_tv))
    before = [w.numpy() for w in net.trainable_weights]

    optimizer = keras.optimizers.Adam(1e-3)
    optimizer.build(net.trainable_variables)
    step = make_fast_step(net, extractor, style, optimizer, alpha=alpha, beta=beta,
                          tv_weight=tv, costs=NSTCosts(gram_matrix=_doubled_gram))
    loss = float(step(tf.constant(images)))
    np.testing.assert_allclose(loss, np.mean(per_image), rtol=1e-4)
    assert any(np.abs(w.numpy() - w0).max() > 0 for w, w0 in zip(net.trainable_weights,
                                                                  before, strict=True))


def test_perceptual_loss_errors(inputs):
    content, style, generated, images = inputs
    with pytest.raises(ValueError, match="lacks the layer"):
        perceptual_loss(content, {"s1": style["s1"]}, generated, images, content_layer="c",
                        style_layers=LAYERS)
    with pytest.raises(ValueError, match="NSTCosts"):
        perceptual_loss(*inputs, content_layer="c", style_layers=LAYERS, costs=object())
