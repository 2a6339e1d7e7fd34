"""nst_utils.colour: YIQ, luminance transfer and linear colour matching, against NumPy."""

import numpy as np
import pytest
import scipy.linalg

from nst_utils import colour

# The NTSC (FCC 1953) RGB -> YIQ coefficients, written out here independently.
NTSC = np.array([[0.299, 0.587, 0.114],
                 [0.595716, -0.274453, -0.321263],
                 [0.211456, -0.522591, 0.311135]])


def _image(seed, shape=(1, 9, 13, 3), low=0.0, high=1.0):
    return np.random.default_rng(seed).uniform(low, high, shape).astype(np.float32)


@pytest.mark.parametrize("shape", [(1, 9, 13, 3), (7, 5, 3)])
def test_yiq_is_the_ntsc_matrix_and_round_trips(shape):
    rgb = _image(0, shape)
    yiq = colour.rgb_to_yiq(rgb)
    assert yiq.shape == shape and yiq.dtype == np.float32
    expected = np.einsum("ij,...j->...i", NTSC, rgb.astype(np.float64))
    np.testing.assert_allclose(yiq, expected, atol=1e-6)
    np.testing.assert_allclose(colour.yiq_to_rgb(yiq), rgb, atol=1e-5)
    np.testing.assert_allclose(colour.luminance(rgb)[..., 0], expected[..., 0], atol=1e-6)


def test_grey_pixels_have_no_chrominance():
    grey = colour.grey_rgb(_image(1, (1, 4, 6, 1)))
    yiq = colour.rgb_to_yiq(grey)
    np.testing.assert_allclose(yiq[..., 1:], 0.0, atol=1e-6)
    np.testing.assert_allclose(yiq[..., 0], grey[..., 0], atol=1e-6)


@pytest.mark.parametrize("channels", [1, 3])
def test_luminance_transfer_keeps_the_content_chrominance(channels):
    content = _image(2, low=0.3, high=0.7)
    luma = _image(3, (1, 9, 13, 1), low=0.3, high=0.7)
    stylised = luma if channels == 1 else colour.grey_rgb(luma)
    out = colour.luminance_transfer(stylised, content, clip=False)
    out_yiq, content_yiq = colour.rgb_to_yiq(out), colour.rgb_to_yiq(content)
    np.testing.assert_allclose(out_yiq[..., 1:], content_yiq[..., 1:], atol=1e-5)
    np.testing.assert_allclose(out_yiq[..., :1], luma, atol=1e-5)
    clipped = colour.luminance_transfer(_image(4, (1, 9, 13, 1)), _image(5))
    assert clipped.min() >= 0.0 and clipped.max() <= 1.0


def test_luminance_transfer_refuses_other_sizes():
    with pytest.raises(ValueError, match="same height and width"):
        colour.luminance_transfer(_image(6, (1, 8, 13, 1)), _image(7))


def test_match_luminance_takes_the_content_mean_and_spread():
    style = _image(8, (1, 20, 10, 1), 0.0, 0.4)
    content = _image(9, (1, 9, 13, 1), 0.4, 0.8)
    out = colour.match_luminance(style, content)
    assert out.shape == style.shape
    assert np.isclose(out.mean(), content.mean(), atol=1e-5)
    assert np.isclose(out.std(), content.std(), atol=1e-5)


def test_histogram_matching_gives_the_content_mean_and_covariance():
    rng = np.random.default_rng(10)
    # A reddish, correlated style and a bluish content, so both moments must move.
    base = rng.random((1, 30, 20, 1))
    style = np.concatenate([0.5 + 0.3 * base, 0.2 + 0.1 * base + 0.2 * rng.random(base.shape),
                            0.1 + 0.15 * rng.random(base.shape)], axis=-1).astype(np.float32)
    content = (0.2 + 0.5 * rng.random((1, 16, 24, 3)) * [0.5, 0.8, 1.0]).astype(np.float32)
    out = colour.match_colour_histogram(style, content, clip=False)
    assert out.shape == style.shape and out.dtype == np.float32
    x_out, x_c = out.reshape(-1, 3).astype(np.float64), content.reshape(-1, 3).astype(np.float64)
    np.testing.assert_allclose(x_out.mean(0), x_c.mean(0), atol=1e-5)
    cov_c = np.cov(x_c, rowvar=False, bias=True)
    np.testing.assert_allclose(np.cov(x_out, rowvar=False, bias=True), cov_c, atol=2e-5)
    # The image-analogies variant: A = Sigma_C^(1/2) Sigma_S^(-1/2), read with SciPy.
    x_s = style.reshape(-1, 3).astype(np.float64)
    cov_s = np.cov(x_s, rowvar=False, bias=True) + colour.COVARIANCE_EPS * np.eye(3)
    A = np.real(scipy.linalg.sqrtm(cov_c)) @ np.linalg.inv(np.real(scipy.linalg.sqrtm(cov_s)))
    expected = (x_s - x_s.mean(0)) @ A.T + x_c.mean(0)
    np.testing.assert_allclose(x_out, expected, atol=1e-5)
    clipped = colour.match_colour_histogram(style, content)
    assert clipped.min() >= 0.0 and clipped.max() <= 1.0


def test_bad_shapes_are_refused():
    with pytest.raises(ValueError, match=r"\(1, H, W, 3\)"):
        colour.rgb_to_yiq(np.zeros((2, 4, 4, 3), np.float32))
    with pytest.raises(ValueError, match="one channel"):
        colour.grey_rgb(np.zeros((4, 4, 3), np.float32))
