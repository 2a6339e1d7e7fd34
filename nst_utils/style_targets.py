"""Style targets as Gram matrices: blends of several styles and masked (guided) regions.

The default style cost of :func:`~nst_utils.stylize.stylize` compares activations of
one style image and the generated image of the same size, through the graded
``costs.style_cost``. Three artists' controls need targets that are Gram matrices
instead:

* **several style images with blend weights**: the target of layer ``l`` is
  ``G_l = sum_k w_k G_l^(k)`` with the weights normalised to sum to 1;
* **a style scale**: the style image has another size than the content, so its
  activations cannot be compared with the generated image's one to one, but its Gram
  matrix divided by the layer's area can;
* **spatial control** (guided Gram matrices, Gatys et al. 2017, section 4): a mask
  ``m`` in ``[0, 1]``, resized to each layer's resolution, splits the generated image
  into the mask's white region (first style) and black region (second style); each
  region's Gram matrix is taken on the masked activations ``a * m`` and divided by the
  mask's area ``sum(m)``.

Gram matrices are taken with the graded ``costs.unroll_channels`` and
``costs.gram_matrix``, so a student's functions carry these targets too. Layer
``l`` then costs ``sum((G_T - G_G)^2) / (4 n_C^2)`` on area-normalised Grams, which is
the curriculum's ``sum((G_S - G_G)^2) / (4 n_C^2 (n_H n_W)^2)`` written for Grams
divided by ``n_H n_W``: for one style image at the content's size it equals
``costs.style_cost`` (a test checks it). A custom ``costs.layer_style_cost`` or
``costs.style_cost`` is not called on this path, because they take activations of equal
shape, not Gram targets.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import tensorflow as tf

from .cost_functions import REFERENCE_COSTS, NSTCosts

#: A mask pixel at or above this value belongs to the foreground (first style).
MASK_THRESHOLD = 0.5
#: Relative difference of aspect ratios (width / height) a mask may have from the content.
ASPECT_TOLERANCE = 0.02


def normalise_weights(weights: Sequence[float] | None, n_styles: int) -> list[float]:
    """Blend weights, one per style image, scaled to sum to 1.

    Args:
        weights: positive numbers, one per style image; ``None`` weighs all equally.
        n_styles: how many style images there are.

    Returns:
        ``n_styles`` floats summing to 1.

    Raises:
        ValueError: for a count that does not match, or a weight that is not a positive
            finite number.
    """
    if weights is None:
        return [1.0 / n_styles] * n_styles
    weights = [float(w) for w in weights]
    if len(weights) != n_styles:
        raise ValueError(
            f"got {len(weights)} style weight(s) for {n_styles} style image(s); "
            "give one positive weight per style image, e.g. 0.7,0.3 for two."
        )
    if not all(math.isfinite(w) and w > 0 for w in weights):
        raise ValueError(
            f"style weights must all be positive numbers, got {weights}; e.g. 0.7,0.3."
        )
    total = sum(weights)
    return [w / total for w in weights]


def check_controls(n_styles: int, weights: Sequence[float] | None, masked: bool) -> list[float]:
    """Check that the style images, their weights and a mask go together.

    Args:
        n_styles: how many style images there are.
        weights: blend weights or ``None``.
        masked: whether a mask is given.

    Returns:
        The normalised weights (:func:`normalise_weights`).

    Raises:
        ValueError: a mask without exactly two styles, a mask with weights, or weights
            that :func:`normalise_weights` refuses.
    """
    if masked:
        if n_styles != 2:
            raise ValueError(
                f"a mask needs exactly two style images (first for its white region, "
                f"second for its black region), got {n_styles}.")
        if weights is not None:
            raise ValueError("style weights cannot be combined with a mask: each mask "
                             "region takes one style; leave the weights out.")
    return normalise_weights(weights, n_styles)


def area_gram(a, costs: NSTCosts = REFERENCE_COSTS) -> tf.Tensor:
    """Gram matrix of one layer's activations divided by the layer's area.

    ``G = gram_matrix(unroll_channels(a)) / (n_H n_W)``, with the graded functions of
    ``costs``: dividing by the area makes Grams of images of different sizes comparable.

    Args:
        a: activations ``(1, n_H, n_W, n_C)``.
        costs: the graded functions to take the Gram with.

    Returns:
        float32 ``(n_C, n_C)``.
    """
    a = tf.convert_to_tensor(a, tf.float32)
    return costs.gram_matrix(costs.unroll_channels(a)) / float(a.shape[1] * a.shape[2])


def masked_gram(a, mask, costs: NSTCosts = REFERENCE_COSTS) -> tf.Tensor:
    """Guided Gram matrix: the Gram of the masked activations over the mask's area.

    ``G = gram_matrix(unroll_channels(a * m)) / sum(m)`` with ``m`` the mask resized to
    the layer's resolution (area averaging, so border cells hold fractions).

    Args:
        a: activations ``(1, n_H, n_W, n_C)``.
        mask: ``(1, H, W, 1)`` in ``[0, 1]``, at any resolution (normally the image's).
        costs: the graded functions to take the Gram with.

    Returns:
        float32 ``(n_C, n_C)``.
    """
    a = tf.convert_to_tensor(a, tf.float32)
    m = tf.image.resize(tf.convert_to_tensor(mask, tf.float32), a.shape[1:3], method="area")
    # A region can vanish at the coarsest layers of a small image; then its Gram is 0.
    area = tf.maximum(tf.reduce_sum(m), 1e-6)
    return costs.gram_matrix(costs.unroll_channels(a * m)) / area


def blend_grams(grams: Sequence[Sequence[tf.Tensor]], weights: Sequence[float]) -> list:
    """Mix per-style Gram targets: ``G_l = sum_k w_k G_l^(k)``, layer by layer.

    Args:
        grams: ``grams[k][l]``, the ``(n_C, n_C)`` Gram of style ``k`` at layer ``l``.
        weights: one weight per style (already normalised).

    Returns:
        One ``(n_C, n_C)`` float32 tensor per layer.
    """
    return [tf.add_n([w * g[layer] for w, g in zip(weights, grams, strict=True)])
            for layer in range(len(grams[0]))]


def gram_layer_cost(G_target, G_generated) -> tf.Tensor:
    """``sum((G_T - G_G)^2) / (4 n_C^2)`` for area-normalised Gram matrices ``(n_C, n_C)``."""
    n_C = G_target.shape[0]
    return tf.reduce_sum(tf.square(G_target - G_generated)) / (4.0 * n_C**2)


def prepare_mask(mask, size: tuple[int, int]) -> np.ndarray:
    """Check a mask against the content and bring it to the content's size.

    Args:
        mask: ``(H_m, W_m)``, ``(H_m, W_m, 1|3)`` or ``(1, H_m, W_m, 1|3)`` in ``[0, 1]``
            (white: first style, black: second); colour masks are averaged to grey.
        size: the content's ``(H, W)``.

    Returns:
        float32 ``(1, H, W, 1)`` in ``[0, 1]``.

    Raises:
        ValueError: for a mask of another shape or aspect ratio than the content, or
            one without a foreground (white) or a background (black) region.
    """
    m = np.asarray(mask, dtype=np.float32)
    if m.ndim == 4 and m.shape[0] == 1:
        m = m[0]
    if m.ndim == 3 and m.shape[-1] in (1, 3):
        m = m.mean(axis=-1)
    if m.ndim != 2 or min(m.shape) < 1:
        raise ValueError(
            f"mask must be a grey image (H, W) or (1, H, W, 1|3), got {np.shape(mask)}.")
    height, width = int(size[0]), int(size[1])
    aspect, wanted = m.shape[1] / m.shape[0], width / height
    # Beyond the tolerance, allow the rounding of one pixel on the content's shorter side.
    if abs(aspect - wanted) > (ASPECT_TOLERANCE + 1.0 / min(height, width)) * wanted:
        raise ValueError(
            f"the mask is {m.shape[1]}x{m.shape[0]} (aspect {aspect:.2f}) but the content is "
            f"{width}x{height} (aspect {wanted:.2f}); draw the mask at the content's proportions."
        )
    if m.shape != (height, width):
        m = tf.image.resize(m[None, :, :, None], (height, width), method="bilinear")
        m = m.numpy()[0, ..., 0]
    m = np.clip(m, 0.0, 1.0)
    if not (m >= MASK_THRESHOLD).any():
        raise ValueError("the mask has no foreground (no pixel brighter than mid-grey); "
                         "paint the first style's region white.")
    if not (m < MASK_THRESHOLD).any():
        raise ValueError("the mask has no background (no pixel darker than mid-grey), so the "
                         "second style would never be used; paint its region black.")
    return m[None, :, :, None].astype(np.float32)


class GramStyleCost:
    """The style cost against Gram targets: blended styles, or one style per mask region.

    ``J_style = sum_r sum_l lambda_l * gram_layer_cost(T_{r,l}, G_{r,l}(a_G))`` over the
    regions ``r``: without a mask one region, the whole image, whose target is the
    blend of every style's area Gram; with a mask two regions, the mask (target: style
    1) and ``1 - mask`` (target: style 2), whose generated Grams are :func:`masked_gram`.
    The style images' Grams are computed once, here.

    Args:
        extractor: feature extractor with every style layer among its outputs.
        styles: style images ``(1, H_k, W_k, 3)`` in ``[0, 1]``, any sizes >= 32x32.
        style_layers: ``(layer_name, lambda_l)`` pairs.
        weights: blend weights, one per style (normalised to sum 1); ``None``: equal.
        mask: ``(1, H, W, 1)`` at the content's size from :func:`prepare_mask`, or
            ``None``. With a mask there must be exactly two styles and no weights.
        costs: the graded functions that take the Gram matrices.

    Raises:
        ValueError: for weights that do not fit, or a mask without exactly two styles.
    """

    def __init__(self, extractor, styles: Sequence[np.ndarray],
                 style_layers: Sequence[tuple[str, float]],
                 weights: Sequence[float] | None = None, mask: np.ndarray | None = None,
                 costs: NSTCosts = REFERENCE_COSTS):
        self.costs = costs
        self.style_layers = [(name, float(w)) for name, w in style_layers]
        self.weights = check_controls(len(styles), weights, mask is not None)
        grams = []
        for style in styles:
            features = extractor(style)
            grams.append([tf.constant(area_gram(features[name], costs))
                          for name, _ in self.style_layers])
        if mask is None:
            self.regions = [(None, blend_grams(grams, self.weights))]
        else:
            fg = tf.constant(mask, tf.float32)
            self.regions = [(fg, grams[0]), (1.0 - fg, grams[1])]

    def __call__(self, features: dict) -> tf.Tensor:
        """``J_style`` of the generated image's features ``{layer_name: (1, n_H, n_W, n_C)}``."""
        J_style = tf.constant(0.0)
        for region, targets in self.regions:
            for (name, weight), target in zip(self.style_layers, targets, strict=True):
                a_G = features[name]
                G = (area_gram(a_G, self.costs) if region is None
                     else masked_gram(a_G, region, self.costs))
                J_style += weight * gram_layer_cost(target, G)
        return J_style
