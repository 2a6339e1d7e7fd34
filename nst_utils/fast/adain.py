"""Arbitrary style transfer with adaptive instance normalisation (Huang & Belongie 2017).

One network stylises with any style: a frozen VGG19 encoder up to ``block4_conv1``
(relu4_1) maps the content and the style image to features; :func:`adain` gives the
content features the per-channel mean and standard deviation of the style features;
a decoder trained for the purpose turns the result back into an image::

    t = alpha * AdaIN(f(c), f(s)) + (1 - alpha) * f(c)        image = g(t)

The decoder mirrors the encoder (convolutions in reverse order, nearest-neighbour
upsampling where the encoder pools, reflection padding, no normalisation). It is
trained with the content loss ``||f(g(t)) - t||^2`` and the style loss on the means and
standard deviations of relu1_1 .. relu4_1, both as mean squared errors, as the
authors' code computes them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import keras
import tensorflow as tf

from cyclegan.layers import ReflectionPadding2D
from nst_utils.vgg import build_feature_extractor

#: The encoder's last layer (relu4_1).
ENCODER_LAYER = "block4_conv1"
#: Layers of the style loss (relu1_1, relu2_1, relu3_1, relu4_1).
ADAIN_STYLE_LAYERS: tuple[str, ...] = ("block1_conv1", "block2_conv1", "block3_conv1",
                                       "block4_conv1")
#: Style weight lambda of ``L = L_content + lambda * L_style`` (the authors' default).
ADAIN_STYLE_WEIGHT = 10.0
#: Decoder layers after block4_conv1, in order: (name, channels, upsample before it).
#: Mirrors VGG19's block3_conv4 .. block1_conv1; the last layer returns to RGB.
_DECODER_PLAN: tuple[tuple[str, int, bool], ...] = (
    ("dec4_1", 256, False),
    ("dec3_4", 256, True), ("dec3_3", 256, False), ("dec3_2", 256, False),
    ("dec3_1", 128, False),
    ("dec2_2", 128, True), ("dec2_1", 64, False),
    ("dec1_2", 64, True), ("dec1_1", 3, False),
)


def channel_moments(features: tf.Tensor, epsilon: float = 1e-5) -> tuple[tf.Tensor, tf.Tensor]:
    """Mean and standard deviation per image and channel over the spatial axes.

    Args:
        features: ``(B, H, W, C)``.
        epsilon: added to the variance before the square root.

    Returns:
        ``(mean, std)``, each ``(B, 1, 1, C)`` float32, ``std = sqrt(var + epsilon)``.
    """
    features = tf.convert_to_tensor(features, tf.float32)
    mean, variance = tf.nn.moments(features, axes=[1, 2], keepdims=True)
    return mean, tf.sqrt(variance + epsilon)


def adain(content_features, style_features, epsilon: float = 1e-5) -> tf.Tensor:
    """Adaptive instance normalisation: the content's features with the style's statistics.

    ``AdaIN(x, y) = sigma(y) * (x - mu(x)) / sigma(x) + mu(y)``, with ``mu`` and
    ``sigma`` the mean and ``sqrt(variance + epsilon)`` of each channel of each image
    over its height and width (:func:`channel_moments`).

    Args:
        content_features: ``(B, H, W, C)``.
        style_features: ``(B, H', W', C)`` (or batch 1, broadcast over the content's
            batch); the spatial size may differ from the content's.
        epsilon: keeps the division finite on constant channels.

    Returns:
        ``(B, H, W, C)`` float32.

    Raises:
        ValueError: when the inputs are not rank 4 or their channel counts differ.
    """
    x = tf.convert_to_tensor(content_features, tf.float32)
    y = tf.convert_to_tensor(style_features, tf.float32)
    if x.shape.rank != 4 or y.shape.rank != 4 or x.shape[-1] != y.shape[-1]:
        raise ValueError(f"adain needs (B, H, W, C) features with the same C, got "
                         f"{tuple(x.shape)} and {tuple(y.shape)}; pass one VGG layer's "
                         "activations of the content and of the style image.")
    mu_x, sigma_x = channel_moments(x, epsilon)
    mu_y, sigma_y = channel_moments(y, epsilon)
    return sigma_y * (x - mu_x) / sigma_x + mu_y


def blend(content_features, style_features, alpha, epsilon: float = 1e-5) -> tf.Tensor:
    """``alpha * adain(x, y) + (1 - alpha) * x``: the content/style trade-off.

    Args:
        content_features: ``(B, H, W, C)``.
        style_features: ``(B or 1, H', W', C)``.
        alpha: scalar (or ``(B, 1, 1, 1)``) in ``[0, 1]``; 0 keeps the content's
            features, 1 is :func:`adain`.
        epsilon: as in :func:`adain`.

    Returns:
        ``(B, H, W, C)`` float32.
    """
    x = tf.convert_to_tensor(content_features, tf.float32)
    alpha = tf.cast(alpha, tf.float32)
    return alpha * adain(x, style_features, epsilon) + (1.0 - alpha) * x


@keras.saving.register_keras_serializable(package="nst_utils")
class AdaIN(keras.layers.Layer):
    """Keras layer ``[content (B,H,W,C), style (B,H',W',C), alpha (B,1)] -> blend(...)``."""

    def __init__(self, epsilon: float = 1e-5, **kwargs) -> None:
        super().__init__(**kwargs)
        self.epsilon = float(epsilon)

    def call(self, inputs):
        content, style, alpha = inputs
        return blend(content, style, tf.reshape(alpha, (-1, 1, 1, 1)), self.epsilon)

    def compute_output_shape(self, input_shapes):
        return input_shapes[0]

    def get_config(self) -> dict:
        return {**super().get_config(), "epsilon": self.epsilon}


def build_encoder(vgg: keras.Model, layers: Sequence[str] = ADAIN_STYLE_LAYERS) -> keras.Model:
    """VGG19 up to ``block4_conv1``: ``[0, 1]`` images to ``{layer: (B, n_H, n_W, n_C)}``."""
    return build_feature_extractor(vgg, list(layers))


def build_decoder(width: float = 1.0, name: str = "adain_decoder") -> keras.Model:
    """The decoder ``g``: relu4_1 features ``(B, h, w, 512)`` back to images ``(B, 8h, 8w, 3)``.

    Args:
        width: multiplies every hidden layer's channels (1.0 = the paper's 256/128/64;
            smaller for tests).
        name: the model's name.

    Returns:
        A ``keras.Model``; the output is linear (the paper's), clip it to ``[0, 1]`` to
        show it.

    Raises:
        ValueError: for a non-positive width.
    """
    if not width > 0:
        raise ValueError(f"width must be positive, got {width}; 1.0 is the paper's decoder.")
    features = keras.Input((None, None, 512), name="features")
    x = features
    for layer, channels, upsample in _DECODER_PLAN:
        last = layer == _DECODER_PLAN[-1][0]
        if upsample:
            x = keras.layers.UpSampling2D(2, interpolation="nearest", name=f"{layer}_resize")(x)
        x = ReflectionPadding2D(1, name=f"{layer}_pad")(x)
        x = keras.layers.Conv2D(channels if last else max(1, round(channels * width)), 3,
                                padding="valid", activation=None if last else "relu",
                                dtype="float32" if last else None, name=f"{layer}_conv")(x)
    return keras.Model(features, x, name=name)


def adain_style_loss(generated_features: Sequence, style_features: Sequence,
                     epsilon: float = 1e-5) -> tf.Tensor:
    """AdaIN's style loss: the channel statistics of the output against the style's.

    ``L_style = sum_l [ mean((mu(g_l) - mu(s_l))^2) + mean((sigma(g_l) - sigma(s_l))^2) ]``
    with ``mu``, ``sigma`` per image and channel over height and width
    (:func:`channel_moments`), the means over images and channels.

    Args:
        generated_features: one array ``(B, H_l, W_l, C_l)`` per layer, the encoder's
            activations on the decoded images.
        style_features: the style images' activations, in the same order; each layer's
            height and width may differ from the generated one's, ``B`` and ``C_l`` not.

    Returns:
        Scalar float32 tensor.

    Raises:
        ValueError: when the two lists have different lengths.
    """
    if len(generated_features) != len(style_features):
        raise ValueError(f"got {len(generated_features)} generated and {len(style_features)} "
                         "style activations; pass one of each per style layer.")
    total = tf.constant(0.0, tf.float32)
    for g, s in zip(generated_features, style_features, strict=True):
        mu_g, sigma_g = channel_moments(g, epsilon)
        mu_s, sigma_s = channel_moments(s, epsilon)
        total += (tf.reduce_mean(tf.square(mu_g - mu_s))
                  + tf.reduce_mean(tf.square(sigma_g - sigma_s)))
    return total


def adain_losses(
    generated_features: Mapping[str, tf.Tensor],
    target: tf.Tensor,
    style_features: Mapping[str, tf.Tensor],
    style_layers: Sequence[str] = ADAIN_STYLE_LAYERS,
    epsilon: float = 1e-5,
) -> tuple[tf.Tensor, tf.Tensor]:
    """The AdaIN content and style losses, averaged over the batch.

    ``L_content = mean((f(g(t)) - t)^2)`` at ``block4_conv1``; ``L_style`` is
    :func:`adain_style_loss` over ``style_layers``.

    Args:
        generated_features: encoder outputs on the decoded images, ``{layer: (B, ...)}``.
        target: the AdaIN output ``t`` the decoder was given, ``(B, h, w, 512)``.
        style_features: encoder outputs on the style images, ``{layer: (B, ...)}``.
        style_layers: layers of the style loss.
        epsilon: as in :func:`adain`.

    Returns:
        ``(L_content, L_style)``, scalar float32 tensors.
    """
    content = tf.reduce_mean(tf.square(generated_features[ENCODER_LAYER] - target))
    style = adain_style_loss([generated_features[n] for n in style_layers],
                             [style_features[n] for n in style_layers], epsilon)
    return content, style


def build_adain_model(encoder: keras.Model, decoder: keras.Model,
                      name: str = "adain_stylizer") -> keras.Model:
    """Inference model ``[content (B,H,W,3), style (B,H',W',3), alpha (B,1)] -> (B,H,W,3)``.

    H, W must be multiples of 8 (three poolings); the output is clipped to ``[0, 1]``.
    """
    content = keras.Input((None, None, 3), name="content")
    style = keras.Input((None, None, 3), name="style")
    alpha = keras.Input((1,), name="alpha")
    t = AdaIN(name="adain")([encoder(content)[ENCODER_LAYER], encoder(style)[ENCODER_LAYER],
                             alpha])
    image = keras.layers.ReLU(max_value=1.0, name="clip")  # clip to [0, 1], serialisable
    return keras.Model([content, style, alpha], image(decoder(t)), name=name)
