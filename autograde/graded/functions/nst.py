"""The graded functions of Neural Style Transfer (lessons 1-5):
cases, points and classic mistakes.

One entry per graded function, read by the checks, the build and the grader (see
:mod:`autograde.graded.specs`). Each mistake's body is code a student could hand in;
its hint says what went wrong without giving the answer away.
"""

from __future__ import annotations

from autograde.graded import inputs as makers
from autograde.graded.declaration import Case, GradedFunction, Mistake

_COSTS = "nst_utils.costs."

FUNCTIONS: tuple[GradedFunction, ...] = (
    GradedFunction(
        "unroll_channels",
        _COSTS + "unroll_channels",
        makers.unroll_inputs,
        public=Case(1),
        hidden=(Case(11, {"shape": (1, 3, 5, 7)}), Case(12, {"shape": (1, 6, 2, 4)})),
        output="a matrix of shape (n_C, n_H * n_W)",
        points=2,
        mistakes=(
            Mistake(
                "plain reshape of channels-last data",
                "A plain reshape of channels-last data mixes pixels and channels: each row must "
                "hold one channel, which needs a transpose.",
                "_, n_H, n_W, n_C = a.shape\nreturn tf.reshape(a, (n_C, n_H * n_W))",
            ),
            Mistake(
                "pixels as rows",
                "Your rows are pixels and your columns are channels: the matrix is the transpose "
                "of the one asked for.",
                "return tf.reshape(a, (-1, a.shape[-1]))",
            ),
            Mistake(
                "pixels column by column",
                "Each row holds the right channel, but its pixels run down the columns; they "
                "should run along the rows (row-major order).",
                "n_C = a.shape[-1]\nreturn tf.reshape(tf.transpose(a, (0, 3, 2, 1)), (n_C, -1))",
            ),
            Mistake(
                "kept the batch axis",
                "The batch axis of size 1 is still there: the result should be a matrix with "
                "one row per channel.",
                "n_C = a.shape[-1]\nreturn tf.transpose(tf.reshape(a, (1, -1, n_C)), (0, 2, 1))",
            ),
        ),
    ),
    GradedFunction(
        "compute_content_cost",
        _COSTS + "compute_content_cost",
        makers.activation_pair(("a_C", "a_G")),
        public=Case(1),
        hidden=(Case(21, {"shape": (1, 3, 5, 7)}), Case(22, {"shape": (1, 8, 6, 16)})),
        points=2,
        mistakes=(
            Mistake(
                "forgot the 1 / (4 n_H n_W n_C) normalisation",
                "The normalisation is missing: the summed squared differences are never divided "
                "by the factor from the layer's size.",
                "return tf.reduce_sum(tf.square(a_C - a_G))",
                demo=True,
            ),
            Mistake(
                "mean instead of sum, then normalised again",
                "You averaged the squared differences and then normalised too, so the size is "
                "divided out twice: use a sum, not a mean.",
                "_, n_H, n_W, n_C = a_G.shape\n"
                "return tf.reduce_mean(tf.square(a_C - a_G)) / (4 * n_H * n_W * n_C)",
            ),
            Mistake(
                "normalisation without the factor 4",
                "Your value is 4 times too large: the normalisation factor is missing its "
                "constant.",
                "_, n_H, n_W, n_C = a_G.shape\n"
                "return tf.reduce_sum(tf.square(a_C - a_G)) / (n_H * n_W * n_C)",
            ),
            Mistake(
                "differences not squared",
                "The differences are added up without being squared, so positive and negative "
                "ones cancel out.",
                "_, n_H, n_W, n_C = a_G.shape\n"
                "return tf.reduce_sum(a_C - a_G) / (4 * n_H * n_W * n_C)",
            ),
        ),
    ),
    GradedFunction(
        "gram_matrix",
        _COSTS + "gram_matrix",
        makers.gram_inputs,
        public=Case(1),
        hidden=(Case(31, {"shape": (4, 9)}), Case(32, {"shape": (6, 35)})),
        output="a matrix of shape (n_C, n_C)",
        points=2,
        mistakes=(
            Mistake(
                "Gram matrix of A transposed",
                "You built the Gram matrix of A transposed (pixels against pixels); it should "
                "compare channels, one row and column per channel.",
                "return tf.matmul(A, A, transpose_a=True)",
            ),
            Mistake(
                "element-wise product",
                "That is an element-wise product; the Gram matrix holds the dot products of "
                "every pair of rows.",
                "return A * A",
            ),
            Mistake(
                "divided by the number of pixels",
                "Your Gram matrix is divided by the number of pixels; here it stays unscaled "
                "(the style cost does the normalising).",
                "return tf.matmul(A, A, transpose_b=True) / A.shape[1]",
            ),
            Mistake(
                "covariance instead of Gram",
                "You removed each channel's mean first, which gives a covariance; the Gram "
                "matrix uses the raw activations.",
                "centred = A - tf.reduce_mean(A, axis=1, keepdims=True)\n"
                "return tf.matmul(centred, centred, transpose_b=True)",
            ),
        ),
    ),
    GradedFunction(
        "compute_layer_style_cost",
        _COSTS + "compute_layer_style_cost",
        makers.activation_pair(("a_S", "a_G")),
        public=Case(1),
        hidden=(Case(41, {"shape": (1, 3, 5, 7)}), Case(42, {"shape": (1, 6, 4, 8)})),
        uses=("gram_matrix", "unroll_channels"),
        points=3,
        mistakes=(
            Mistake(
                "reshaped channels-last activations to (n_C, -1) without transposing",
                "Reshaping channels-last data straight to one row per channel mixes "
                "pixels and channels: a transpose is missing.",
                "_, n_H, n_W, n_C = a_G.shape\n"
                "S = tf.reshape(a_S, (n_C, n_H * n_W))\n"
                "G = tf.reshape(a_G, (n_C, n_H * n_W))\n"
                "diff = gram_matrix(S) - gram_matrix(G)\n"
                "return tf.reduce_sum(tf.square(diff)) / (4.0 * n_C**2 * (n_H * n_W) ** 2)",
                demo=True,
            ),
            Mistake(
                "missing normalisation",
                "The normalisation is missing: the summed squared Gram differences are never "
                "divided by the formula's factor.",
                "diff = gram_matrix(unroll_channels(a_S)) - gram_matrix(unroll_channels(a_G))\n"
                "return tf.reduce_sum(tf.square(diff))",
            ),
            Mistake(
                "normalisation factor without its squares",
                "The normalisation factor has the right pieces but not their powers: compare it "
                "with the lesson's formula.",
                "_, n_H, n_W, n_C = a_G.shape\n"
                "diff = gram_matrix(unroll_channels(a_S)) - gram_matrix(unroll_channels(a_G))\n"
                "return tf.reduce_sum(tf.square(diff)) / (4 * n_C * n_H * n_W)",
            ),
            Mistake(
                "mean instead of sum",
                "You averaged the squared Gram differences and normalised as well: use a sum, "
                "not a mean.",
                "_, n_H, n_W, n_C = a_G.shape\n"
                "diff = gram_matrix(unroll_channels(a_S)) - gram_matrix(unroll_channels(a_G))\n"
                "return tf.reduce_mean(tf.square(diff)) / (4 * n_C**2 * (n_H * n_W) ** 2)",
            ),
            Mistake(
                "Gram matrices of the transposed activations",
                "Your Gram matrices compare pixels with pixels (the Gram of A transposed); style "
                "compares channels with channels.",
                "_, n_H, n_W, n_C = a_G.shape\n"
                "S, G = unroll_channels(a_S), unroll_channels(a_G)\n"
                "diff = tf.matmul(S, S, transpose_a=True) - tf.matmul(G, G, transpose_a=True)\n"
                "return tf.reduce_sum(tf.square(diff)) / (4 * n_C**2 * (n_H * n_W) ** 2)",
            ),
        ),
    ),
    GradedFunction(
        "compute_style_cost",
        _COSTS + "compute_style_cost",
        makers.style_inputs,
        public=Case(1),
        hidden=(
            Case(51, {"shapes": ((1, 5, 3, 2), (1, 3, 3, 4), (1, 2, 1, 6))}),
            Case(52, {"shapes": ((1, 6, 6, 3),)}),
        ),
        uses=("compute_layer_style_cost", "gram_matrix", "unroll_channels"),
        points=2,
        mistakes=(
            Mistake(
                "style layer weights ignored",
                "The layer weights are ignored: each layer's cost must count with its own "
                "weight from style_layers.",
                "J_style = 0.0\n"
                "for a_S, a_G in zip(a_S_list, a_G_list):\n"
                "    J_style += compute_layer_style_cost(a_S, a_G)\n"
                "return J_style",
            ),
            Mistake(
                "mean over layers",
                "You averaged the layer costs; the style cost is a sum in which every layer "
                "counts with its weight from style_layers.",
                "costs = [compute_layer_style_cost(s, g) for s, g in zip(a_S_list, a_G_list)]\n"
                "return tf.reduce_mean(costs)",
            ),
            Mistake(
                "only the last layer (= instead of +=)",
                "Only the last layer counts: the loop overwrites the total instead of adding "
                "to it.",
                "for a_S, a_G, (_, weight) in zip(a_S_list, a_G_list, style_layers):\n"
                "    J_style = weight * compute_layer_style_cost(a_S, a_G)\n"
                "return J_style",
            ),
            Mistake(
                "returned inside the loop",
                "Only the first layer counts: the function returns inside the loop, before the "
                "other layers are added.",
                "J_style = 0.0\n"
                "for a_S, a_G, (_, weight) in zip(a_S_list, a_G_list, style_layers):\n"
                "    J_style += weight * compute_layer_style_cost(a_S, a_G)\n"
                "    return J_style",
            ),
        ),
    ),
    GradedFunction(
        "total_variation_cost",
        _COSTS + "total_variation_cost",
        makers.image_inputs,
        public=Case(1),
        hidden=(Case(61, {"shape": (1, 7, 4, 3)}), Case(62, {"shape": (1, 3, 9, 3)})),
        points=2,
        mistakes=(
            Mistake(
                "left out the 1.25 power",
                "The 1.25 power is missing: it belongs on each pixel's combined squared "
                "difference, before the sum.",
                "a = tf.square(image[:, :-1, :-1, :] - image[:, 1:, :-1, :])\n"
                "b = tf.square(image[:, :-1, :-1, :] - image[:, :-1, 1:, :])\n"
                "return tf.reduce_sum(a + b)",
                demo=True,
            ),
            Mistake(
                "power on each direction separately",
                "The 1.25 power is applied to each direction on its own; it should act on the "
                "two squared differences added together.",
                "a = tf.square(image[:, :-1, :-1, :] - image[:, 1:, :-1, :])\n"
                "b = tf.square(image[:, :-1, :-1, :] - image[:, :-1, 1:, :])\n"
                "return tf.reduce_sum(tf.pow(a, 1.25) + tf.pow(b, 1.25))",
            ),
            Mistake(
                "mean instead of sum",
                "You took the mean over pixels; the total variation is a sum, so it grows with "
                "the image's size.",
                "a = tf.square(image[:, :-1, :-1, :] - image[:, 1:, :-1, :])\n"
                "b = tf.square(image[:, :-1, :-1, :] - image[:, :-1, 1:, :])\n"
                "return tf.reduce_mean(tf.pow(a + b, 1.25))",
            ),
            Mistake(
                "absolute differences instead of squares",
                "The neighbour differences should be squared before they are added; you used "
                "their absolute values.",
                "a = tf.abs(image[:, :-1, :-1, :] - image[:, 1:, :-1, :])\n"
                "b = tf.abs(image[:, :-1, :-1, :] - image[:, :-1, 1:, :])\n"
                "return tf.reduce_sum(tf.pow(a + b, 1.25))",
            ),
        ),
    ),
    GradedFunction(
        "total_cost",
        _COSTS + "total_cost",
        makers.total_cost_inputs,
        public=Case(1),
        hidden=(Case(71, {"alpha": 3.0, "beta": 0.5}), Case(72, {"alpha": 1.0, "beta": 100.0})),
        uses=(),
        points=1,
        mistakes=(
            Mistake(
                "hard-coded alpha = 10 and beta = 40 instead of using the arguments",
                "The weights are fixed numbers: use the alpha and beta the function is given "
                "(defaults apply only when none are passed).",
                "return 10 * J_content + 40 * J_style",
                demo=True,
                public=False,
            ),
            Mistake(
                "alpha and beta swapped",
                "The weights are on the wrong costs: check which of alpha and beta belongs to "
                "the content cost.",
                "return beta * J_content + alpha * J_style",
            ),
            Mistake(
                "one weight for both costs",
                "Both costs share one weight; each cost has its own.",
                "return alpha * (J_content + J_style)",
            ),
            Mistake(
                "content cost not weighted",
                "The content cost is added without its weight alpha.",
                "return J_content + beta * J_style",
            ),
        ),
    ),
    GradedFunction(
        "generate_noise_image",
        "nst_utils.images.generate_noise_image",
        makers.noise_inputs,
        public=Case(1),
        hidden=(
            Case(121, {"shape": (1, 6, 3, 3), "noise_ratio": 0.3, "noise_seed": 3}),
            Case(122, {"shape": (1, 2, 7, 3), "noise_ratio": 1.0, "noise_seed": 11}),
        ),
        output="an image of the content's shape",
        points=2,
        mistakes=(
            Mistake(
                "noise ratio reversed",
                "The mix is reversed: noise_ratio is the share of noise in the image, not the "
                "share of the content.",
                "content = np.asarray(content, np.float32)\n"
                "mean = VGG_MEAN_RGB / 255.0\n"
                "noise = np.random.default_rng(seed).uniform(-20.0, 20.0, content.shape) / 255.0\n"
                "mixed = (1 - noise_ratio) * noise + noise_ratio * (content - mean) + mean\n"
                "return np.clip(mixed, 0.0, 1.0).astype(np.float32)",
            ),
            Mistake(
                "noise left on the 0-255 scale",
                "The noise is on the 0–255 scale while the image is in [0, 1]: bring it to the "
                "image's scale.",
                "content = np.asarray(content, np.float32)\n"
                "mean = VGG_MEAN_RGB / 255.0\n"
                "noise = np.random.default_rng(seed).uniform(-20.0, 20.0, content.shape)\n"
                "mixed = noise_ratio * noise + (1 - noise_ratio) * (content - mean) + mean\n"
                "return np.clip(mixed, 0.0, 1.0).astype(np.float32)",
            ),
            Mistake(
                "content not centred on the mean",
                "The content is blended without centring it on the ImageNet mean, so more noise "
                "darkens the whole picture.",
                "content = np.asarray(content, np.float32)\n"
                "noise = np.random.default_rng(seed).uniform(-20.0, 20.0, content.shape) / 255.0\n"
                "mixed = noise_ratio * noise + (1 - noise_ratio) * content\n"
                "return np.clip(mixed, 0.0, 1.0).astype(np.float32)",
            ),
            Mistake(
                "Gaussian noise",
                "The noise should be uniform over the given range, not Gaussian.",
                "content = np.asarray(content, np.float32)\n"
                "mean = VGG_MEAN_RGB / 255.0\n"
                "noise = np.random.default_rng(seed).normal(0.0, 20.0, content.shape) / 255.0\n"
                "mixed = noise_ratio * noise + (1 - noise_ratio) * (content - mean) + mean\n"
                "return np.clip(mixed, 0.0, 1.0).astype(np.float32)",
            ),
        ),
    ),
)
