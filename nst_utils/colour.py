"""Keeping the content's colours: YIQ luminance transfer and linear colour matching.

Gatys et al. 2017, "Controlling Perceptual Factors in Neural Style Transfer", section 5,
give two ways to stylise a photograph without taking on the painting's palette:

* **luminance-only transfer**: stylise the luminance ``Y`` alone and put the content's
  chrominance ``I, Q`` back afterwards (:func:`rgb_to_yiq`, :func:`luminance_transfer`);
  the style's luminance is first matched to the content's mean and spread
  (:func:`match_luminance`), as the paper does;
* **colour histogram matching**: recolour the style image so its pixels have the
  content's mean and covariance before the transfer (:func:`match_colour_histogram`,
  the paper's linear colour transfer ``x' = A x + b``).

Every function here is small and pure: NumPy in, float32 NumPy out, images of shape
``(1, H, W, 3)`` or ``(H, W, 3)`` with RGB in ``[0, 1]`` (tensors are accepted and
converted). They run once per picture, outside the optimisation's hot loop.
"""

from __future__ import annotations

import numpy as np

#: RGB -> YIQ (NTSC 1953): each row gives one of Y, I, Q as a weighted sum of R, G, B.
#: Y's row sums to 1, so a grey pixel R = G = B = v has Y = v and I = Q = 0.
RGB_TO_YIQ = np.array(
    [[0.299, 0.587, 0.114],
     [0.595716, -0.274453, -0.321263],
     [0.211456, -0.522591, 0.311135]],
    dtype=np.float64,
)  # fmt: skip
#: YIQ -> RGB, the exact inverse of :data:`RGB_TO_YIQ` (inverted once in float64).
YIQ_TO_RGB = np.linalg.inv(RGB_TO_YIQ)

#: Ridge added to the style's colour covariance, so a flat (one-colour) style image
#: still has an invertible covariance; about the variance of 8-bit rounding (1/255)^2/12.
COVARIANCE_EPS = 1e-6


def _pixels(image, name: str) -> np.ndarray:
    image = np.asarray(image, dtype=np.float32)
    if image.ndim not in (3, 4) or image.shape[-1] != 3 or (image.ndim == 4
                                                           and image.shape[0] != 1):
        raise ValueError(f"{name} must have shape (1, H, W, 3) or (H, W, 3), got {image.shape}.")
    return image


def _apply(matrix: np.ndarray, image: np.ndarray) -> np.ndarray:
    # out[..., i] = sum_j matrix[i, j] * image[..., j], per pixel.
    return (image @ matrix.T.astype(np.float32)).astype(np.float32)


def rgb_to_yiq(image) -> np.ndarray:
    """RGB to YIQ, pixel by pixel: ``[Y, I, Q] = RGB_TO_YIQ @ [R, G, B]``.

    Args:
        image: RGB image ``(1, H, W, 3)`` or ``(H, W, 3)``, float in ``[0, 1]``.

    Returns:
        float32 array of the same shape: ``Y`` in ``[0, 1]``, ``I`` in about
        ``[-0.6, 0.6]``, ``Q`` in about ``[-0.52, 0.52]``.

    Raises:
        ValueError: when ``image`` does not have one of those shapes.
    """
    image = _pixels(image, "image")
    # Pixels are row vectors (R, G, B), so M @ pixel for all of them is image @ M^T.
    return (image @ RGB_TO_YIQ.T).astype(np.float32)


def yiq_to_rgb(image) -> np.ndarray:
    """YIQ back to RGB: the inverse of :func:`rgb_to_yiq` (no clipping).

    Args:
        image: YIQ image ``(1, H, W, 3)`` or ``(H, W, 3)``.

    Returns:
        float32 RGB array of the same shape; a ``Y`` taken from another picture may
        put some pixels slightly outside ``[0, 1]``.

    Raises:
        ValueError: when ``image`` does not have one of those shapes.
    """
    return _apply(YIQ_TO_RGB, _pixels(image, "image"))


def luminance(image) -> np.ndarray:
    """The luminance ``Y`` of an RGB image, as one channel.

    Args:
        image: RGB image ``(1, H, W, 3)`` or ``(H, W, 3)`` in ``[0, 1]``.

    Returns:
        float32 array ``(1, H, W, 1)`` or ``(H, W, 1)`` in ``[0, 1]``.
    """
    return rgb_to_yiq(image)[..., :1]


def grey_rgb(luma) -> np.ndarray:
    """A one-channel luminance image replicated to three channels (what VGG19 reads).

    Args:
        luma: ``(..., H, W, 1)``.

    Returns:
        float32 ``(..., H, W, 3)`` with ``R = G = B = Y``.
    """
    luma = np.asarray(luma, dtype=np.float32)
    if luma.shape[-1] != 1:
        raise ValueError(f"luma must have one channel (last axis 1), got shape {luma.shape}.")
    return np.repeat(luma, 3, axis=-1)


def match_luminance(style_luma, content_luma) -> np.ndarray:
    """Shift and scale the style's luminance to the content's mean and standard deviation.

    ``L_S' = (sigma_C / sigma_S) * (L_S - mu_S) + mu_C`` (Gatys et al. 2017, eq. 5), so
    that a dark painting does not darken a bright photograph. The result is clipped to
    ``[0, 1]``.

    Args:
        style_luma: style luminance ``(..., H_s, W_s, 1)`` in ``[0, 1]``.
        content_luma: content luminance ``(..., H, W, 1)`` in ``[0, 1]``.

    Returns:
        float32 array of ``style_luma``'s shape.
    """
    style_luma = np.asarray(style_luma, dtype=np.float32)
    content_luma = np.asarray(content_luma, dtype=np.float32)
    sigma_s = max(float(style_luma.std()), 1e-6)  # a flat style keeps its (zero) contrast
    scaled = (content_luma.std() / sigma_s) * (style_luma - style_luma.mean())
    return np.clip(scaled + content_luma.mean(), 0.0, 1.0).astype(np.float32)


def luminance_transfer(stylised_luma, content_rgb, clip: bool = True) -> np.ndarray:
    """Recombine a stylised luminance with the content's chrominance.

    ``Y`` comes from ``stylised_luma`` and ``I, Q`` from ``content_rgb``; the result is
    converted back to RGB. Without clipping, ``rgb_to_yiq`` of the result has exactly the
    content's ``I`` and ``Q`` (up to float32 rounding).

    Args:
        stylised_luma: the optimised luminance, ``(1, H, W, 1)`` or ``(H, W, 1)``, or an
            RGB image of that size (then its luminance is used: for a grey image
            ``R = G = B = Y`` that is ``Y`` itself).
        content_rgb: content image, RGB ``(1, H, W, 3)`` or ``(H, W, 3)`` in ``[0, 1]``.
        clip: clip the result to ``[0, 1]`` (a few saturated pixels change colour).

    Returns:
        float32 RGB image of ``content_rgb``'s shape.

    Raises:
        ValueError: when the two images' heights and widths differ.
    """
    content_rgb = _pixels(content_rgb, "content_rgb")
    luma = np.asarray(stylised_luma, dtype=np.float32)
    if luma.shape[-1] == 3:
        luma = luminance(luma)
    if luma.shape[-3:-1] != content_rgb.shape[-3:-1] or luma.shape[-1] != 1:
        raise ValueError(
            f"stylised_luma has shape {luma.shape} but the content is {content_rgb.shape}; "
            "both must have the same height and width."
        )
    yiq = np.array(rgb_to_yiq(content_rgb), dtype=np.float32)  # a writable copy
    yiq[..., :1] = luma.reshape(yiq[..., :1].shape)
    rgb = yiq_to_rgb(yiq)
    return np.clip(rgb, 0.0, 1.0) if clip else rgb


def match_colour_histogram(style, content, clip: bool = True) -> np.ndarray:
    """Recolour ``style`` so its pixels have the content's colour mean and covariance.

    The linear colour transfer of Gatys et al. 2017 (section 5.1): every style pixel
    ``x`` becomes ``A x + b`` with ``A Sigma_S A^T = Sigma_C`` and
    ``b = mu_C - A mu_S``. Of the paper's two choices of ``A`` this is the
    image-analogies one, ``A = Sigma_C^(1/2) Sigma_S^(-1/2)`` (symmetric matrix square
    roots from an eigen-decomposition), not the Cholesky one: it rotates the colours
    least. The 3x3 algebra runs in float64 (once per picture); pixels stay float32.

    Args:
        style: style image ``(1, H_s, W_s, 3)`` or ``(H_s, W_s, 3)`` in ``[0, 1]``.
        content: content image ``(1, H, W, 3)`` or ``(H, W, 3)`` in ``[0, 1]``.
        clip: clip the result to ``[0, 1]`` (then the moments hold only approximately
            where pixels saturate).

    Returns:
        float32 array of ``style``'s shape.
    """
    style, content = _pixels(style, "style"), _pixels(content, "content")
    x_s = style.reshape(-1, 3).astype(np.float64)
    x_c = content.reshape(-1, 3).astype(np.float64)
    mu_s, mu_c = x_s.mean(axis=0), x_c.mean(axis=0)
    sigma_s = np.cov(x_s, rowvar=False, bias=True) + COVARIANCE_EPS * np.eye(3)
    sigma_c = np.cov(x_c, rowvar=False, bias=True)
    A = _sqrtm(sigma_c) @ np.linalg.inv(_sqrtm(sigma_s))
    b = mu_c - A @ mu_s
    out = (x_s @ A.T + b).astype(np.float32).reshape(style.shape)
    return np.clip(out, 0.0, 1.0) if clip else out


def _sqrtm(sigma: np.ndarray) -> np.ndarray:
    """Symmetric square root of a covariance: ``V diag(sqrt(lambda)) V^T``."""
    values, vectors = np.linalg.eigh(sigma)
    return (vectors * np.sqrt(np.clip(values, 0.0, None))) @ vectors.T
