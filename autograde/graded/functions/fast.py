"""The graded functions of fast style transfer with AdaIN (lesson 7): cases, points and
classic mistakes.

Adaptive instance normalisation (Huang & Belongie 2017) and its style loss, both built
on per-image, per-channel means and standard deviations over height and width. One
entry per graded function, read by the checks, the build and the grader (see
:mod:`autograde.graded.specs`).
"""

from __future__ import annotations

from autograde.graded import inputs as makers
from autograde.graded.declaration import Case, GradedFunction, Mistake

_ADAIN = "nst_utils.fast.adain."

_MOMENTS = (
    "mu_x, var_x = tf.nn.moments(content_features, axes={axes}, keepdims=True)\n"
    "mu_y, var_y = tf.nn.moments(style_features, axes={axes}, keepdims=True)\n"
)
_STDS = ("sigma_x = tf.sqrt(var_x + epsilon)\n"
         "sigma_y = tf.sqrt(var_y + epsilon)\n")
_PER_IMAGE = _MOMENTS.format(axes="[1, 2]")

_LAYER_LOOP = (
    "total = 0.0\n"
    "for g, s in zip(generated_features, style_features):\n"
    "    mu_g, var_g = tf.nn.moments(g, axes={axes}, keepdims=True)\n"
    "    mu_s, var_s = tf.nn.moments(s, axes={axes}, keepdims=True)\n"
    "    sigma_g, sigma_s = tf.sqrt(var_g + epsilon), tf.sqrt(var_s + epsilon)\n"
)

FUNCTIONS: tuple[GradedFunction, ...] = (
    GradedFunction(
        "adain",
        _ADAIN + "adain",
        makers.adain_inputs,
        public=Case(1),
        hidden=(Case(71, {"content": (1, 5, 3, 4), "style": (1, 2, 7, 4)}),
                Case(72, {"content": (3, 2, 2, 6), "style": (3, 4, 4, 6)})),
        output="a tensor of the content features' shape (B, H, W, C)",
        hint="statistics per image and per channel, over height and width.",
        points=2,
        mistakes=(
            Mistake(
                "statistics over the whole batch",
                "Your means and standard deviations mix the images of the batch: take them "
                "for each image separately, over height and width only.",
                _MOMENTS.format(axes="[0, 1, 2]") + _STDS
                + "return sigma_y * (content_features - mu_x) / sigma_x + mu_y",
            ),
            Mistake(
                "one statistic for all channels",
                "Your statistics lump the channels together; AdaIN takes one mean and one "
                "standard deviation per channel, over the pixels.",
                _MOMENTS.format(axes="[1, 2, 3]") + _STDS
                + "return sigma_y * (content_features - mu_x) / sigma_x + mu_y",
            ),
            Mistake(
                "the content's spread kept",
                "Your result keeps the content's standard deviation: after normalising, "
                "scale by the style's.",
                _PER_IMAGE + "return content_features - mu_x + mu_y",
                demo=True,
            ),
            Mistake(
                "variances instead of standard deviations",
                "You scaled with variances: AdaIN divides and multiplies by standard "
                "deviations (square roots of the variances).",
                _PER_IMAGE
                + "return (var_y + epsilon) * (content_features - mu_x) / (var_x + epsilon) "
                "+ mu_y",
            ),
            Mistake(
                "the style's mean left out",
                "Your features end up centred on zero: add the style's mean back.",
                _PER_IMAGE + _STDS + "return sigma_y * (content_features - mu_x) / sigma_x",
            ),
        ),
    ),
    GradedFunction(
        "adain_style_loss",
        _ADAIN + "adain_style_loss",
        makers.adain_loss_inputs,
        public=Case(1),
        hidden=(Case(73, {"shapes": ((1, 3, 3, 2), (1, 2, 2, 4), (1, 1, 1, 6))}),
                Case(74, {"shapes": ((3, 4, 2, 5),)})),
        hint="per layer, the mean squared difference of the channel means plus that of "
        "the channel standard deviations; then the sum over layers.",
        points=2,
        mistakes=(
            Mistake(
                "the means only",
                "Your loss compares only the channel means: the standard deviations carry "
                "the style too.",
                _LAYER_LOOP.format(axes="[1, 2]")
                + "    total += tf.reduce_mean(tf.square(mu_g - mu_s))\nreturn total",
            ),
            Mistake(
                "variances instead of standard deviations",
                "You compared variances; the loss compares standard deviations (their "
                "square roots).",
                _LAYER_LOOP.format(axes="[1, 2]")
                + "    total += (tf.reduce_mean(tf.square(mu_g - mu_s))\n"
                "              + tf.reduce_mean(tf.square(var_g - var_s)))\nreturn total",
            ),
            Mistake(
                "sums instead of means",
                "You added the squared differences up; each layer's terms are means over "
                "images and channels.",
                _LAYER_LOOP.format(axes="[1, 2]")
                + "    total += (tf.reduce_sum(tf.square(mu_g - mu_s))\n"
                "              + tf.reduce_sum(tf.square(sigma_g - sigma_s)))\nreturn total",
                demo=True,
            ),
            Mistake(
                "averaged over the layers",
                "You averaged over the layers; the loss is their sum.",
                _LAYER_LOOP.format(axes="[1, 2]")
                + "    total += (tf.reduce_mean(tf.square(mu_g - mu_s))\n"
                "              + tf.reduce_mean(tf.square(sigma_g - sigma_s)))\n"
                "return total / len(generated_features)",
            ),
            Mistake(
                "statistics over the whole batch",
                "Your statistics mix the images of the batch: take them for each image "
                "separately, over height and width only.",
                _LAYER_LOOP.format(axes="[0, 1, 2]")
                + "    total += (tf.reduce_mean(tf.square(mu_g - mu_s))\n"
                "              + tf.reduce_mean(tf.square(sigma_g - sigma_s)))\nreturn total",
            ),
        ),
    ),
)
