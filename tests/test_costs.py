"""NST costs against independent NumPy computations, plus their properties and errors."""

import numpy as np
import pytest
import tensorflow as tf

from nst_utils import costs

RNG_SEED = 7
# n_H, n_W and n_C all differ, so a reshape without a transpose gives another answer.
SHAPE = (1, 3, 5, 4)
Z = np.zeros(SHAPE)


def _acts(seed=RNG_SEED, shape=SHAPE):
    rng = np.random.default_rng(seed)
    return rng.normal(size=shape).astype(np.float32), rng.normal(size=shape).astype(np.float32)


def numpy_gram(a):
    """Gram matrix computed pixel by pixel: G[c, d] = sum over pixels of a_c * a_d."""
    _, n_H, n_W, n_C = a.shape
    G = np.zeros((n_C, n_C), dtype=np.float64)
    for i in range(n_H):
        for j in range(n_W):
            v = a[0, i, j, :].astype(np.float64)
            G += np.outer(v, v)
    return G


def test_content_cost_matches_numpy():
    a_C, a_G = _acts()
    expected = np.sum((a_C.astype(np.float64) - a_G) ** 2) / (4 * 3 * 5 * 4)
    assert np.isclose(float(costs.compute_content_cost(a_C, a_G)), expected, rtol=1e-5)


def test_gram_matrix_matches_numpy_and_is_symmetric_psd():
    a, _ = _acts()
    unrolled = np.transpose(a[0], (2, 0, 1)).reshape(4, 15)
    G = costs.gram_matrix(unrolled).numpy()
    np.testing.assert_allclose(G, numpy_gram(a), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(G, G.T, rtol=1e-6)
    assert np.linalg.eigvalsh(G.astype(np.float64)).min() > -1e-4


def test_unroll_channels_is_channels_first():
    a, _ = _acts()
    np.testing.assert_array_equal(costs.unroll_channels(a).numpy()[2], a[0, :, :, 2].ravel())


def test_layer_style_cost_matches_numpy():
    a_S, a_G = _acts()
    diff = numpy_gram(a_S) - numpy_gram(a_G)
    expected = np.sum(diff**2) / (4 * 4**2 * (3 * 5) ** 2)
    got = float(costs.compute_layer_style_cost(a_S, a_G))
    assert np.isclose(got, expected, rtol=1e-4)
    # The classic bug (reshape channels-last memory straight to (n_C, -1)) differs.
    wrong = [a.reshape(4, 15) for a in (a_S, a_G)]
    wrong_cost = np.sum((wrong[0] @ wrong[0].T - wrong[1] @ wrong[1].T) ** 2) / (4 * 16 * 225)
    assert not np.isclose(got, wrong_cost, rtol=1e-2)


def test_style_cost_weights_layers():
    rng = np.random.default_rng(3)
    shapes = [(1, 6, 4, 3), (1, 3, 2, 5)]
    a_S = [rng.normal(size=s).astype(np.float32) for s in shapes]
    a_G = [rng.normal(size=s).astype(np.float32) for s in shapes]
    layers = [("first", 0.25), ("second", 0.75)]
    expected = 0.0
    for (_, w), s, g in zip(layers, a_S, a_G, strict=True):
        _, h, wd, c = s.shape
        expected += w * np.sum((numpy_gram(s) - numpy_gram(g)) ** 2) / (4 * c**2 * (h * wd) ** 2)
    got = float(costs.compute_style_cost(a_S, a_G, layers))
    assert np.isclose(got, expected, rtol=1e-4)


def test_total_variation_matches_numpy():
    x = np.random.default_rng(11).random((1, 5, 7, 3)).astype(np.float64)
    a = (x[:, :-1, :-1] - x[:, 1:, :-1]) ** 2
    b = (x[:, :-1, :-1] - x[:, :-1, 1:]) ** 2
    expected = np.sum((a + b) ** 1.25)
    assert np.isclose(float(costs.total_variation_cost(x)), expected, rtol=1e-5)
    assert float(costs.total_variation_cost(np.ones((1, 4, 4, 3)))) == 0.0


def test_total_cost():
    assert np.isclose(float(costs.total_cost(0.3, 0.5, 3, 8)), 4.9, rtol=1e-6)
    assert np.isclose(float(costs.total_cost(1.0, 2.0)), 10 * 1.0 + 40 * 2.0)


@pytest.mark.parametrize(
    "fn", [costs.compute_content_cost, costs.compute_layer_style_cost]
)
def test_identical_inputs_cost_zero_and_accept_tensors(fn):
    a, _ = _acts()
    value = fn(tf.constant(a), a)
    assert value.shape == () and value.dtype == tf.float32
    assert float(value) == 0.0


def test_default_layers_follow_the_curriculum():
    assert costs.CONTENT_LAYER == "block5_conv2"
    assert [name for name, _ in costs.STYLE_LAYERS] == [f"block{i}_conv1" for i in range(1, 6)]
    assert all(w == 0.2 for _, w in costs.STYLE_LAYERS)


@pytest.mark.parametrize(
    "call, words",
    [
        (lambda: costs.compute_content_cost(np.zeros((3, 5, 4)), Z), "rank 4"),
        (lambda: costs.compute_content_cost(Z, np.zeros((1, 5, 3, 4))), "(1, 5, 3, 4)"),
        (lambda: costs.compute_layer_style_cost(Z, np.zeros((1, 3, 5, 2))), "(1, 3, 5, 4)"),
        (lambda: costs.gram_matrix(Z), "(1, 3, 5, 4)"),
        (lambda: costs.compute_style_cost([Z], [], costs.STYLE_LAYERS), "5 style layers"),
        (lambda: costs.total_variation_cost(np.zeros((1, 1, 4, 3))), "H, W >= 2"),
    ],
)
def test_bad_shapes_raise_value_error_naming_them(call, words):
    with pytest.raises(ValueError, match=None) as info:
        call()
    assert words in str(info.value)
    assert "\n" not in str(info.value)
