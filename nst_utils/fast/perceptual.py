"""The perceptual loss of fast style transfer, on batches, from the course's graded costs.

Johnson et al. (2016) train their network with Gatys' losses: the content cost at one
VGG layer against the input photograph, the style cost (Gram matrices) at several layers
against one style image, and total variation. The course's graded functions
(:mod:`nst_utils.costs`, passed as an :class:`~nst_utils.cost_functions.NSTCosts`) take
one image, ``(1, n_H, n_W, n_C)``; :func:`perceptual_loss` applies them image by image
and averages over the batch, so a student's own functions drive the training as they
drive :func:`~nst_utils.stylize.stylize`.

"Image by image" is one call of the graded functions, vectorised over the batch by
``tf.vectorized_map``: the functions are traced once on one image, ``(1, n_H, n_W,
n_C)``, and TensorFlow rewrites their ops for the whole batch (a matmul per image
becomes one batched matmul). The style image's activations do not depend on the image
of the batch, so its Gram matrices are computed once per step, not once per image. An
op the rewrite does not know (a student's exotic function) falls back to a loop, with
the same numbers.

For image ``b`` of the batch::

    J_b = total_cost(content_cost(a_C[b], a_G[b]), style_cost(a_S, a_G[b], layers),
                     alpha, beta) + tv_weight * total_variation_cost(255 * G[b])
    J   = (1 / B) * sum_b J_b
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import tensorflow as tf

from nst_utils.cost_functions import REFERENCE_COSTS, NSTCosts, check_costs

#: Content layer of Johnson et al. (relu2_2; Keras' block2_conv2 includes the ReLU).
FAST_CONTENT_LAYER = "block2_conv2"
#: Style layers relu1_1 .. relu4_1 (as AdaIN uses), equal weights: VGG19 runs only up
#: to block4_conv1, the encoder AdaIN shares.
FAST_STYLE_LAYERS: list[tuple[str, float]] = [
    ("block1_conv1", 0.25),
    ("block2_conv1", 0.25),
    ("block3_conv1", 0.25),
    ("block4_conv1", 0.25),
]


def _batch_size(tensors: Mapping[str, tf.Tensor]) -> int:
    """The one static batch size of ``tensors`` (``{what: (B, ...)}``), or ``ValueError``."""
    # The content activations, the generated ones and the images are mapped over
    # together, so they must agree; a static size keeps the graded shape checks on.
    sizes = {what: tf.TensorShape(a.shape)[0] for what, a in tensors.items()}
    if None in sizes.values() or len(set(sizes.values())) != 1:
        raise ValueError(f"the batch must have one static size, got {sizes}; pass the content "
                         "and generated activations of the same batch, made with "
                         "drop_remainder=True.")
    return next(iter(sizes.values()))


def perceptual_loss(
    content_features: Mapping[str, tf.Tensor],
    style_features: Mapping[str, tf.Tensor],
    generated_features: Mapping[str, tf.Tensor],
    generated: tf.Tensor,
    *,
    content_layer: str = FAST_CONTENT_LAYER,
    style_layers: Sequence[tuple[str, float]] = FAST_STYLE_LAYERS,
    alpha: float = 10.0,
    beta: float = 40.0,
    tv_weight: float = 0.0,
    costs: NSTCosts = REFERENCE_COSTS,
) -> tf.Tensor:
    """Mean over the batch of the course's NST loss of each generated image.

    Args:
        content_features: ``{layer: (B, n_H, n_W, n_C)}`` VGG activations of the input
            photographs; must hold ``content_layer``.
        style_features: ``{layer: (1, n_H, n_W, n_C)}`` activations of the style image,
            at the size of the training images; must hold every style layer.
        generated_features: ``{layer: (B, n_H, n_W, n_C)}`` activations of the network's
            outputs; must hold ``content_layer`` and every style layer.
        generated: the network's outputs ``(B, H, W, 3)`` in ``[0, 1]`` (for the total
            variation, measured on the 0-255 scale as :func:`~nst_utils.stylize.stylize`
            does).
        content_layer: the layer of the content cost.
        style_layers: ``(layer_name, weight)`` pairs of the style cost.
        alpha: content weight.
        beta: style weight.
        tv_weight: total-variation weight; ``0`` leaves the term out.
        costs: the graded cost functions (default: the reference ones).

    Returns:
        Scalar float32 tensor ``(1/B) sum_b J_b``.

    Raises:
        ValueError: when ``costs`` is not an ``NSTCosts``, a layer is missing, or the
            batch size is not static.
    """
    costs = check_costs(costs)
    style_layers = [(name, float(weight)) for name, weight in style_layers]
    names = [content_layer] + [name for name, _ in style_layers]
    for what, features, needed in (("content_features", content_features, [content_layer]),
                                   ("style_features", style_features, names[1:]),
                                   ("generated_features", generated_features, names)):
        missing = [n for n in needed if n not in features]
        if missing:
            raise ValueError(f"{what} lacks the layer(s) {missing}; build the feature "
                             f"extractor with {names}.")
    generated = tf.convert_to_tensor(generated, tf.float32)
    mapped = {f"content_features[{content_layer!r}]": content_features[content_layer],
              **{f"generated_features[{n!r}]": generated_features[n] for n in names},
              "generated": generated}
    _batch_size(mapped)
    a_S = [style_features[name] for name, _ in style_layers]

    def image_cost(one):
        """J_b of one image: ``one`` holds its activations without the batch axis."""
        a_C, a_G, a_G_style, image = one
        J_content = costs.content_cost(a_C[None], a_G[None])
        J_style = costs.style_cost(a_S, [a[None] for a in a_G_style], style_layers)
        J = costs.total_cost(J_content, J_style, alpha, beta)
        if tv_weight:
            J += tv_weight * costs.total_variation_cost(image[None] * 255.0)
        return tf.cast(tf.reshape(J, ()), tf.float32)

    per_image = tf.vectorized_map(image_cost, (
        content_features[content_layer], generated_features[content_layer],
        [generated_features[name] for name in names[1:]], generated))
    return tf.reduce_mean(per_image)
