# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown] cell_id="title"
# # Lesson 9 — CycleGAN losses
#
# A CycleGAN learns from three kinds of signal:
#
# 1. **adversarial** — each generator tries to make its discriminator score its fakes as
#    real, while the discriminator learns to tell them apart;
# 2. **cycle consistency** — translating there and back should give the original image;
# 3. **identity** — a generator given an image that is *already* in its target domain
#    should leave it alone.
#
# All losses here are **means over every element** of their inputs, and all return a
# scalar. You will implement four of them and wire the identity terms to the right generators;
# lesson 10 combines them and trains.

# %% cell_id="setup" locked=true
from nst_utils.startup import import_tensorflow

tf = import_tensorflow()  # TensorFlow, without its start-up log lines

import keras
import numpy as np

from autograde.checks import check_public, public_inputs, yours
from cyclegan.networks import build_discriminator, build_unet_generator
from cyclegan.parts import CycleGANBlocks
from cyclegan.toy import paint_image
from nst_utils.runtime import is_grading

keras.utils.set_random_seed(0)


# %% [markdown] cell_id="disc-md"
# ## 1. The discriminator loss (least squares)
#
# CycleGAN uses the *least-squares* GAN objective: instead of a log-likelihood, the
# discriminator's patch scores are regressed onto targets, **1 for real** patches and
# **0 for fake** ones:
#
# $$\mathcal{L}_D = \frac{1}{2}\Big[\operatorname{mean}\big((D(x_{real}) - 1)^2\big) + \operatorname{mean}\big(D(x_{fake})^2\big)\Big]$$
#
# `real_output` and `fake_output` are the patch-score grids, e.g. shape
# `(batch, 16, 16, 1)`. The factor $\frac{1}{2}$ slows the discriminator relative to the
# generator, as in the paper.
#
# > **Warning — a bug in the source notes.** One of the Korean notes this course draws on
# > writes the target for *fake* patches as ones as well. Then both halves of the loss ask
# > for the same thing, a discriminator that answers "real" everywhere is perfect
# > (loss 0), it never learns to spot fakes, and the generators receive no useful
# > signal. The fake target must be **zero**. Section 5 below shows the difference in
# > numbers.

# %% cell_id="discriminator-loss" graded="discriminator_loss"
def discriminator_loss(real_output, fake_output):
    """Least-squares discriminator loss.

    Args:
        real_output: patch scores of real images, shape (batch, n_H, n_W, 1).
        fake_output: patch scores of generated images, same shape.

    Returns:
        Scalar tensor: 0.5 * (mean((real_output - 1)^2) + mean(fake_output^2)).
    """


# %% [markdown] cell_id="gen-md"
# ## 2. The generator's adversarial loss
#
# The generator wants its fakes scored as **real**, so it regresses the discriminator's
# scores on its fakes onto 1:
#
# $$\mathcal{L}_{valid} = \operatorname{mean}\big((D(G(x)) - 1)^2\big)$$

# %% cell_id="generator-adversarial-loss" graded="generator_adversarial_loss"
def generator_adversarial_loss(fake_output):
    """Least-squares generator (validity) loss.

    Args:
        fake_output: discriminator patch scores of generated images, any shape.

    Returns:
        Scalar tensor: mean((fake_output - 1)^2).
    """


# %% [markdown] cell_id="cycle-md"
# ## 3. Cycle consistency
#
# Adversarial losses alone only ask $g_{AB}(a)$ to look like *some* orange — any orange.
# Cycle consistency ties the output to the input: going A → B → A must return the
# original, $g_{BA}(g_{AB}(a)) \approx a$ (and B → A → B likewise). CycleGAN measures it
# with the mean **absolute** error, which keeps images sharper than the squared error:
#
# $$\mathcal{L}_{cycle}(a) = \operatorname{mean}\big|\, g_{BA}(g_{AB}(a)) - a \,\big|$$

# %% cell_id="cycle-consistency-loss" graded="cycle_consistency_loss"
def cycle_consistency_loss(real_image, reconstructed_image):
    """Cycle reconstruction loss (mean absolute error).

    Args:
        real_image: images of shape (batch, H, W, C), e.g. a.
        reconstructed_image: the round trip, e.g. g_BA(g_AB(a)), same shape.

    Returns:
        Scalar tensor: mean(|real_image - reconstructed_image|).
    """


# %% [markdown] cell_id="id-md"
# ## 4. Identity
#
# Show $g_{BA}$ (oranges → apples) an apple: it should change nothing. The identity loss
# rewards that:
#
# $$\mathcal{L}_{id}(a) = \operatorname{mean}\big|\, g_{BA}(a) - a \,\big|$$
#
# It keeps colours and backgrounds that have nothing to do with the translation in
# place; lesson 10 shows what happens without it.

# %% cell_id="identity-loss" graded="identity_loss"
def identity_loss(real_image, same_image):
    """Identity loss (mean absolute error).

    Args:
        real_image: images of shape (batch, H, W, C), e.g. a.
        same_image: the generator applied to images already in its target domain,
            e.g. g_BA(a), same shape.

    Returns:
        Scalar tensor: mean(|real_image - same_image|).
    """


# %% [markdown] cell_id="identity-terms-md"
# ### 4b. Both identity terms, through the right generators
#
# The classic slip with the identity loss is not in the formula but in the wiring: which
# generator gets which images? $g_{BA}$ turns oranges into apples, so an apple is already
# in its *output* domain and must pass through unchanged; likewise $g_{AB}$ must leave an
# orange alone:
#
# $$id_A = \mathcal{L}_{id}\big(a,\ g_{BA}(a)\big), \qquad id_B = \mathcal{L}_{id}\big(b,\ g_{AB}(b)\big)$$
#
# Implement `identity_terms` with your `identity_loss`. The check below passes two toy
# "generators" (each changes the colours a little, differently) so that swapping them
# shows.

# %% cell_id="identity-terms" graded="identity_terms"
def identity_terms(g_AB, g_BA, real_a, real_b):
    """Both identity losses of a CycleGAN, each through the right generator.

    Args:
        g_AB: generator from domain A to domain B; maps (batch, H, W, C) to the same.
        g_BA: generator from domain B to domain A.
        real_a: images of domain A, shape (batch, H, W, C).
        real_b: images of domain B, shape (batch, H, W, C).

    Returns:
        The pair (id_A, id_B) of scalar tensors, A's term first.
    """


# %% [markdown] cell_id="bug-md"
# ## 5. Why the fake target must be zero
#
# Compare three discriminators on the same patches: one that answers "real" (1)
# everywhere, one that answers "fake" (0) everywhere, and a perfect one. With the correct
# targets only the perfect discriminator reaches zero. With the buggy targets (ones for
# fakes too) the lazy "always real" discriminator is already perfect, so training would
# never teach it to spot a fake.

# %% cell_id="bug"
def buggy_discriminator_loss(real_output, fake_output):
    return 0.5 * (tf.reduce_mean(tf.square(real_output - 1.0)) + tf.reduce_mean(tf.square(fake_output - 1.0)))

ones, zeros = tf.ones((1, 16, 16, 1)), tf.zeros((1, 16, 16, 1))
candidates = {"always 'real'": (ones, ones), "always 'fake'": (zeros, zeros), "perfect": (ones, zeros)}
print(f"{'discriminator':16s} {'correct loss':>13s} {'buggy loss':>11s}")
for name, (real_scores, fake_scores) in candidates.items():
    print(f"{name:16s} {float(discriminator_loss(real_scores, fake_scores)):13.3f} "
          f"{float(buggy_discriminator_loss(real_scores, fake_scores)):11.3f}")

# %% [markdown] cell_id="untrained-md"
# ## 6. The losses of an untrained CycleGAN
#
# Before training, a generator outputs a faint, nearly uniform image and a discriminator
# outputs scores near zero. Paint one apple and one orange from the toy dataset (images in
# $[-1, 1]$), run fresh networks, and read off the losses: the cycle and identity losses
# are large because the generators do not reproduce anything yet.

# %% cell_id="your-blocks"
# The generators are built from your blocks of lesson 8, kept when their checks passed.
downsample, upsample = yours("downsample", "upsample")
blocks = CycleGANBlocks(downsample=downsample, upsample=upsample)

# %% cell_id="untrained"
SIZE = 64
apple = paint_image("apple", 0, SIZE).astype("float32")[None] / 127.5 - 1.0
orange = paint_image("orange", 0, SIZE).astype("float32")[None] / 127.5 - 1.0
g_AB = build_unet_generator((SIZE, SIZE, 3), 8, blocks=blocks)
g_BA = build_unet_generator((SIZE, SIZE, 3), 8, blocks=blocks)
d_B = build_discriminator((SIZE, SIZE, 3), 8)
fake_orange = g_AB(apple)
print("discriminator loss d_B:", float(discriminator_loss(d_B(orange), d_B(fake_orange))))
print("generator validity    :", float(generator_adversarial_loss(d_B(fake_orange))))
print("cycle A -> B -> A     :", float(cycle_consistency_loss(apple, g_BA(fake_orange))))
print("identity g_BA(apple)  :", float(identity_loss(apple, g_BA(apple))))

# %% [markdown] cell_id="remember"
# ## What to remember
#
# - Least-squares GAN: $D$ regresses real patches to **1** and fake patches to **0**
#   (halved); $G$ regresses $D$'s scores on its fakes to 1.
# - A fake target of 1 (a bug in one source) makes "always real" a perfect discriminator:
#   nothing is learned.
# - Cycle consistency $\operatorname{mean}|g_{BA}(g_{AB}(a)) - a|$ ties each output to
#   its input; identity $\operatorname{mean}|g_{BA}(a) - a|$ keeps unrelated colours in
#   place. Both use the absolute error.
# - Every loss is a mean over all elements and returns a scalar.

# %% [markdown] cell_id="glossary"
# ## 용어 (Glossary)
#
# | English | 한국어 | 메모 |
# |---|---|---|
# | adversarial loss | 적대적 손실 | 판별자를 속이도록 하는 손실 |
# | least-squares GAN | 최소 제곱 GAN | 점수를 목표값(1 또는 0)에 회귀 |
# | target (label) | 목표값(레이블) | 진짜 패치는 1, 가짜 패치는 0 |
# | cycle consistency | 순환 일관성 | A → B → A 왕복 후 원본과 같아야 함 |
# | identity loss | 동일성 손실 | 이미 목표 도메인인 이미지는 바꾸지 않음 |
# | mean absolute error | 평균 절대 오차 | L1 손실 |
# | mean squared error | 평균 제곱 오차 | L2 손실 |
