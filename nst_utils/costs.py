"""Cost functions of Neural Style Transfer (Gatys et al. 2015).

Every function accepts NumPy arrays or tensors, works in float32 and returns a scalar
tensor. Activations are channels-last with shape ``(m, n_H, n_W, n_C)`` and ``m = 1``.
The formulas follow the course curriculum exactly, because the lessons grade against
these numbers.
"""

from __future__ import annotations

from collections.abc import Sequence

import tensorflow as tf

#: Layers whose Gram matrices define the style, with their weights ``lambda_l``.
STYLE_LAYERS: list[tuple[str, float]] = [
    ("block1_conv1", 0.2),
    ("block2_conv1", 0.2),
    ("block3_conv1", 0.2),
    ("block4_conv1", 0.2),
    ("block5_conv1", 0.2),
]

#: Layer whose activations define the content.
CONTENT_LAYER = "block5_conv2"


def _as_float32(x, name: str) -> tf.Tensor:
    try:
        return tf.convert_to_tensor(x, dtype=tf.float32)
    except (TypeError, ValueError):
        # Tensors of another dtype refuse a direct conversion; cast them instead.
        return tf.cast(tf.convert_to_tensor(x), tf.float32, name=name)


def _check_activation_pair(a_1, a_2, names: tuple[str, str]) -> tuple[tf.Tensor, tf.Tensor]:
    a_1, a_2 = _as_float32(a_1, names[0]), _as_float32(a_2, names[1])
    for name, a in zip(names, (a_1, a_2), strict=True):
        if a.shape.rank != 4:
            raise ValueError(
                f"{name} must have shape (m, n_H, n_W, n_C) (rank 4), got shape {tuple(a.shape)}; "
                "pass the activations of one layer for one image, e.g. a[None] for a 3-D array."
            )
    if a_1.shape != a_2.shape:
        raise ValueError(
            f"{names[0]} has shape {tuple(a_1.shape)} but {names[1]} has shape "
            f"{tuple(a_2.shape)}; both must be activations of the same layer for images "
            "of the same size."
        )
    return a_1, a_2


def compute_content_cost(a_C, a_G) -> tf.Tensor:
    """Content cost between the content image and the generated image at one layer.

    ``J = sum((a_C - a_G)^2) / (4 * n_H * n_W * n_C)``.

    Args:
        a_C: activations of the content image, shape ``(1, n_H, n_W, n_C)``.
        a_G: activations of the generated image, same shape as ``a_C``.

    Returns:
        Scalar float32 tensor.

    Raises:
        ValueError: when either input is not rank 4 or the shapes differ.
    """
    a_C, a_G = _check_activation_pair(a_C, a_G, ("a_C", "a_G"))
    _, n_H, n_W, n_C = a_C.shape
    return tf.reduce_sum(tf.square(a_C - a_G)) / (4.0 * n_H * n_W * n_C)


def gram_matrix(A) -> tf.Tensor:
    """Gram matrix of unrolled activations.

    Args:
        A: matrix of shape ``(n_C, n_H * n_W)``: one row per channel.

    Returns:
        ``A @ A.T``, shape ``(n_C, n_C)``.

    Raises:
        ValueError: when ``A`` is not a matrix.
    """
    A = _as_float32(A, "A")
    if A.shape.rank != 2:
        raise ValueError(
            f"A must be a matrix of shape (n_C, n_H*n_W), got shape {tuple(A.shape)}; "
            "unroll the activations first (transpose to channels-first, then reshape)."
        )
    return tf.matmul(A, A, transpose_b=True)


def unroll_channels(a) -> tf.Tensor:
    """Unroll activations ``(1, n_H, n_W, n_C)`` to a channels-first ``(n_C, n_H*n_W)``.

    The transpose matters: reshaping channels-last memory straight to ``(n_C, -1)``
    mixes pixels and channels and gives a wrong Gram matrix.
    """
    a = _as_float32(a, "a")
    n_C = a.shape[-1]
    return tf.transpose(tf.reshape(a, (-1, n_C)))


def compute_layer_style_cost(a_S, a_G) -> tf.Tensor:
    """Style cost at one layer.

    ``J = sum((G_S - G_G)^2) / (4 * n_C^2 * (n_H * n_W)^2)`` with ``G`` the Gram matrix
    of the activations unrolled to ``(n_C, n_H * n_W)``.

    Args:
        a_S: activations of the style image, shape ``(1, n_H, n_W, n_C)``.
        a_G: activations of the generated image, same shape as ``a_S``.

    Returns:
        Scalar float32 tensor.

    Raises:
        ValueError: when either input is not rank 4 or the shapes differ.
    """
    a_S, a_G = _check_activation_pair(a_S, a_G, ("a_S", "a_G"))
    _, n_H, n_W, n_C = a_S.shape
    G_S = gram_matrix(unroll_channels(a_S))
    G_G = gram_matrix(unroll_channels(a_G))
    return tf.reduce_sum(tf.square(G_S - G_G)) / (4.0 * n_C**2 * float(n_H * n_W) ** 2)


def compute_style_cost(
    a_S_list: Sequence, a_G_list: Sequence, style_layers: Sequence = STYLE_LAYERS
) -> tf.Tensor:
    """Weighted sum of layer style costs over several layers.

    Args:
        a_S_list: style-image activations, one array ``(1, n_H, n_W, n_C)`` per layer.
        a_G_list: generated-image activations, in the same order.
        style_layers: list of ``(layer_name, lambda_l)`` pairs, in the same order.

    Returns:
        Scalar float32 tensor ``sum_l lambda_l * J_style_layer_l``.

    Raises:
        ValueError: when the three lists do not have the same length.
    """
    if not (len(a_S_list) == len(a_G_list) == len(style_layers)):
        raise ValueError(
            f"got {len(a_S_list)} style activations, {len(a_G_list)} generated activations "
            f"and {len(style_layers)} style layers; pass one of each per style layer."
        )
    J_style = tf.constant(0.0)
    for a_S, a_G, (_, weight) in zip(a_S_list, a_G_list, style_layers, strict=True):
        J_style += float(weight) * compute_layer_style_cost(a_S, a_G)
    return J_style


def total_variation_cost(image) -> tf.Tensor:
    """Total variation cost, which rewards smooth images.

    With ``a = (x[:, :-1, :-1] - x[:, 1:, :-1])^2`` and ``b = (x[:, :-1, :-1] - x[:, :-1, 1:])^2``
    the cost is ``sum((a + b)^1.25)``.

    Args:
        image: shape ``(1, H, W, 3)``.

    Returns:
        Scalar float32 tensor.

    Raises:
        ValueError: when ``image`` is not rank 4 or is smaller than 2x2.
    """
    x = _as_float32(image, "image")
    if x.shape.rank != 4 or x.shape[1] < 2 or x.shape[2] < 2:
        raise ValueError(
            f"image must have shape (1, H, W, 3) with H, W >= 2, got {tuple(x.shape)}."
        )
    a = tf.square(x[:, :-1, :-1, :] - x[:, 1:, :-1, :])
    b = tf.square(x[:, :-1, :-1, :] - x[:, :-1, 1:, :])
    return tf.reduce_sum(tf.pow(a + b, 1.25))


def total_cost(J_content, J_style, alpha: float = 10, beta: float = 40) -> tf.Tensor:
    """Weighted total of the content and style costs: ``alpha * J_content + beta * J_style``.

    Args:
        J_content: scalar content cost.
        J_style: scalar style cost.
        alpha: weight of the content cost.
        beta: weight of the style cost.

    Returns:
        Scalar float32 tensor.
    """
    J_content, J_style = _as_float32(J_content, "J_content"), _as_float32(J_style, "J_style")
    return alpha * J_content + beta * J_style
