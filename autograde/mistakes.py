"""Typical wrong answers, as function bodies a student might write.

The demo's "mistakes" submission is built from these, so the bodies must be code a
real student could hand in. Each entry is ``(label, body)``; the body is unindented
source for the inside of the lesson's function. Functions without an entry are
answered correctly in that submission, which shows that one wrong function costs
only its own item.
"""

from __future__ import annotations

TYPICAL_MISTAKES: dict[str, tuple[str, str]] = {
    "compute_content_cost": (
        "forgot the 1 / (4 n_H n_W n_C) normalisation",
        "return tf.reduce_sum(tf.square(a_C - a_G))",
    ),
    "compute_layer_style_cost": (
        "reshaped channels-last activations to (n_C, -1) without transposing",
        "_, n_H, n_W, n_C = a_G.shape\n"
        "S = tf.reshape(a_S, (n_C, n_H * n_W))\n"
        "G = tf.reshape(a_G, (n_C, n_H * n_W))\n"
        "diff = gram_matrix(S) - gram_matrix(G)\n"
        "return tf.reduce_sum(tf.square(diff)) / (4.0 * n_C**2 * (n_H * n_W) ** 2)",
    ),
    "total_variation_cost": (
        "left out the 1.25 power",
        "a = tf.square(image[:, :-1, :-1, :] - image[:, 1:, :-1, :])\n"
        "b = tf.square(image[:, :-1, :-1, :] - image[:, :-1, 1:, :])\n"
        "return tf.reduce_sum(a + b)",
    ),
    "total_cost": (
        "hard-coded alpha = 10 and beta = 40 instead of using the arguments",
        "return 10 * J_content + 40 * J_style",
    ),
    "discriminator_loss": (
        "used ones as the target for fake patches",
        "real = tf.reduce_mean(tf.square(real_output - 1.0))\n"
        "fake = tf.reduce_mean(tf.square(fake_output - 1.0))\n"
        "return 0.5 * (real + fake)",
    ),
    "cycle_consistency_loss": (
        "used the squared error instead of the absolute error",
        "return tf.reduce_mean(tf.square(real_image - reconstructed_image))",
    ),
}
