"""The graded functions of the CycleGAN losses (lessons 9 and 10):
cases, points and classic mistakes.

One entry per graded function, read by the checks, the build and the grader (see
:mod:`autograde.graded.specs`). Each mistake's body is code a student could hand in;
its hint says what went wrong without giving the answer away.
"""

from __future__ import annotations

from autograde.graded import inputs as makers
from autograde.graded.declaration import Case, GradedFunction, Mistake

_GAN = "cyclegan.losses."

FUNCTIONS: tuple[GradedFunction, ...] = (
    GradedFunction(
        "discriminator_loss",
        _GAN + "discriminator_loss",
        makers.patch_scores(("real_output", "fake_output")),
        public=Case(1),
        hidden=(Case(81, {"shape": (1, 16, 16, 1)}), Case(82, {"shape": (2, 3, 5, 1)})),
        points=2,
        mistakes=(
            Mistake(
                "used ones as the target for fake patches",
                "The target for fake patches is wrong: your loss pushes them towards 1, the "
                "target of real patches.",
                "real = tf.reduce_mean(tf.square(real_output - 1.0))\n"
                "fake = tf.reduce_mean(tf.square(fake_output - 1.0))\n"
                "return 0.5 * (real + fake)",
                demo=True,
            ),
            Mistake(
                "targets swapped",
                "The targets are swapped: your loss pushes real patches towards the fake target "
                "and fake patches towards the real one.",
                "real = tf.reduce_mean(tf.square(real_output))\n"
                "fake = tf.reduce_mean(tf.square(fake_output - 1.0))\n"
                "return 0.5 * (real + fake)",
            ),
            Mistake(
                "missing factor 1/2",
                "Your value is twice the expected one: the two halves of the loss are added but "
                "not halved.",
                "real = tf.reduce_mean(tf.square(real_output - 1.0))\n"
                "fake = tf.reduce_mean(tf.square(fake_output))\n"
                "return real + fake",
            ),
            Mistake(
                "sum instead of mean",
                "The squared errors are summed over the patches; the loss uses their mean, so "
                "it does not grow with the grid's size.",
                "real = tf.reduce_sum(tf.square(real_output - 1.0))\n"
                "fake = tf.reduce_sum(tf.square(fake_output))\n"
                "return 0.5 * (real + fake)",
            ),
            Mistake(
                "absolute instead of squared errors",
                "The errors are taken as absolute values; a least-squares loss squares them.",
                "real = tf.reduce_mean(tf.abs(real_output - 1.0))\n"
                "fake = tf.reduce_mean(tf.abs(fake_output))\n"
                "return 0.5 * (real + fake)",
            ),
        ),
    ),
    GradedFunction(
        "generator_adversarial_loss",
        _GAN + "generator_adversarial_loss",
        makers.patch_scores(("fake_output",)),
        public=Case(1),
        hidden=(Case(91, {"shape": (1, 16, 16, 1)}), Case(92, {"shape": (2, 3, 5, 1)})),
        points=1,
        mistakes=(
            Mistake(
                "target 0 for the fakes",
                "The target for your fakes is the fake label: the generator wants its fakes "
                "scored as real.",
                "return tf.reduce_mean(tf.square(fake_output))",
            ),
            Mistake(
                "sum instead of mean",
                "The squared errors are summed; the loss is their mean over every patch.",
                "return tf.reduce_sum(tf.square(fake_output - 1.0))",
            ),
            Mistake(
                "halved like the discriminator loss",
                "Your value is half the expected one: the factor 1/2 belongs to the "
                "discriminator loss only.",
                "return 0.5 * tf.reduce_mean(tf.square(fake_output - 1.0))",
            ),
            Mistake(
                "absolute instead of squared errors",
                "The errors are taken as absolute values; a least-squares loss squares them.",
                "return tf.reduce_mean(tf.abs(fake_output - 1.0))",
            ),
        ),
    ),
    GradedFunction(
        "cycle_consistency_loss",
        _GAN + "cycle_consistency_loss",
        makers.image_pair(("real_image", "reconstructed_image")),
        public=Case(1),
        hidden=(Case(101, {"shape": (1, 8, 6, 3)}), Case(102, {"shape": (2, 5, 5, 3)})),
        points=2,
        mistakes=(
            Mistake(
                "used the squared error instead of the absolute error",
                "That is the mean squared error (MSE); the cycle loss uses the mean absolute "
                "error (MAE), which keeps images sharper.",
                "return tf.reduce_mean(tf.square(real_image - reconstructed_image))",
                demo=True,
            ),
            Mistake(
                "sum instead of mean",
                "The absolute errors are summed; the loss is their mean over every element.",
                "return tf.reduce_sum(tf.abs(real_image - reconstructed_image))",
            ),
            Mistake(
                "signed differences",
                "The differences are averaged with their signs, so they cancel out; the loss "
                "measures their size.",
                "return tf.reduce_mean(real_image - reconstructed_image)",
            ),
            Mistake(
                "weight lambda_reconstr built in",
                "Your value is 10 times too large: the cycle weight belongs in the total "
                "objective, not inside this loss.",
                "return 10.0 * tf.reduce_mean(tf.abs(real_image - reconstructed_image))",
            ),
        ),
    ),
    GradedFunction(
        "identity_loss",
        _GAN + "identity_loss",
        makers.image_pair(("real_image", "same_image")),
        public=Case(1),
        hidden=(Case(111, {"shape": (1, 8, 6, 3)}), Case(112, {"shape": (2, 5, 5, 3)})),
        points=1,
        mistakes=(
            Mistake(
                "squared error instead of absolute error",
                "That is the mean squared error (MSE); the identity loss uses the mean absolute "
                "error (MAE).",
                "return tf.reduce_mean(tf.square(real_image - same_image))",
            ),
            Mistake(
                "sum instead of mean",
                "The absolute errors are summed; the loss is their mean over every element.",
                "return tf.reduce_sum(tf.abs(real_image - same_image))",
            ),
            Mistake(
                "signed differences",
                "The differences are averaged with their signs, so they cancel out; the loss "
                "measures their size.",
                "return tf.reduce_mean(real_image - same_image)",
            ),
            Mistake(
                "tutorial weight 0.5 * lambda built in",
                "Your value is 5 times too large: a weight is built in (as in some tutorials); "
                "weights belong in the total objective.",
                "return 0.5 * 10.0 * tf.reduce_mean(tf.abs(real_image - same_image))",
            ),
        ),
    ),
    GradedFunction(
        "identity_terms",
        _GAN + "identity_terms",
        makers.generator_pair_inputs,
        public=Case(1),
        hidden=(Case(171, {"shape": (1, 8, 6, 3)}), Case(172, {"shape": (2, 5, 5, 3)})),
        output="a pair (id_A, id_B) of scalars",
        uses=("identity_loss",),
        call=makers.run_with_generators,
        points=1,
        mistakes=(
            Mistake(
                "identity through the wrong generator",
                "Each image went through the wrong generator: use the one whose output "
                "domain is the image's own domain.",
                "return identity_loss(real_a, g_AB(real_a)), identity_loss(real_b, g_BA(real_b))",
            ),
            Mistake(
                "terms returned in the wrong order",
                "Both terms are right but in the wrong order: the term of the A images comes "
                "first.",
                "return identity_loss(real_b, g_AB(real_b)), identity_loss(real_a, g_BA(real_a))",
            ),
            Mistake(
                "compared with the other domain's images",
                "Each generator output is compared with an image of the other domain; compare "
                "it with the image you fed in.",
                "return identity_loss(real_b, g_BA(real_a)), identity_loss(real_a, g_AB(real_b))",
            ),
            Mistake(
                "squared error instead of absolute error",
                "That is the mean squared error (MSE); the identity terms use the mean absolute "
                "error (MAE).",
                "id_A = tf.reduce_mean(tf.square(g_BA(real_a) - real_a))\n"
                "id_B = tf.reduce_mean(tf.square(g_AB(real_b) - real_b))\n"
                "return id_A, id_B",
            ),
        ),
    ),
    GradedFunction(
        "generator_total_loss",
        _GAN + "generator_total_loss",
        makers.loss_terms,
        public=Case(1),
        hidden=(
            Case(161, {"lambda_validation": 2.0, "lambda_reconstr": 5.0, "lambda_id": 0.0}),
            Case(162, {"lambda_validation": 0.5, "lambda_reconstr": 1.0, "lambda_id": 7.0}),
        ),
        points=2,
        mistakes=(
            Mistake(
                "cycle and identity weights swapped",
                "The cycle and identity terms carry each other's weights: check which lambda "
                "goes with which pair of losses.",
                "return (lambda_validation * (valid_A + valid_B)\n"
                "        + lambda_id * (reconstr_A + reconstr_B)\n"
                "        + lambda_reconstr * (id_A + id_B))",
            ),
            Mistake(
                "identity terms left out",
                "The identity terms are missing from the total.",
                "return (lambda_validation * (valid_A + valid_B)\n"
                "        + lambda_reconstr * (reconstr_A + reconstr_B))",
            ),
            Mistake(
                "weights ignored",
                "The terms are added without their weights.",
                "return valid_A + valid_B + reconstr_A + reconstr_B + id_A + id_B",
            ),
            Mistake(
                "one direction only",
                "Only one direction counts: each pair of terms has an A and a B loss, and both "
                "belong in the total.",
                "return lambda_validation * valid_A + lambda_reconstr * reconstr_A "
                "+ lambda_id * id_A",
            ),
            Mistake(
                "hard-coded weights",
                "The weights are fixed numbers: use the lambda arguments the function is given.",
                "return (1.0 * (valid_A + valid_B) + 10.0 * (reconstr_A + reconstr_B)\n"
                "        + 2.0 * (id_A + id_B))",
                public=False,
            ),
        ),
    ),
)
