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
# # Lesson 7 — Fast style transfer: one pass instead of an optimisation
#
# Lesson 5 spends hundreds of gradient steps on every picture: minutes on a CPU. What
# people use to stylise photos and video is a **feed-forward network** that has learned
# to do the optimisation's job in one pass:
#
# - **Johnson, Alahi and Fei-Fei (2016)**, "Perceptual Losses for Real-Time Style
#   Transfer": an image transformation network trained *once per style* with exactly the
#   costs you wrote in lessons 2–4, averaged over batches of photos;
# - **Huang and Belongie (2017)**, AdaIN: one network for *any* style. The style enters
#   as the mean and standard deviation of each VGG feature channel, swapped in by
#   **adaptive instance normalisation**, which you will write.
#
# You implement `adain` and the AdaIN style loss (graded), train a small fast network
# for a minute with your costs, and time it against Gatys' optimisation.

# %% cell_id="setup" locked=true
from nst_utils.startup import import_tensorflow

tf = import_tensorflow()  # TensorFlow, without its start-up log lines

import tempfile
import time

import keras
import numpy as np

from autograde.checks import check_public, public_inputs, yours
from nst_utils.cost_functions import NSTCosts
from nst_utils.fast.data import make_offline_content
from nst_utils.fast.runs import FastConfig
from nst_utils.fast.train import train_fast
from nst_utils.fast.apply import load_run_model
from nst_utils.plotting import plot_losses, show_images
from nst_utils.runtime import is_grading
from nst_utils.samples import content_image, style_image
from nst_utils.stylize import stylize
from nst_utils.vgg import load_vgg19

# Grading runs a few steps on tiny images; your own run uses these settings: the whole
# lesson took about 7 minutes on a 2-core CPU shared with other jobs.
SIZE = 32 if is_grading() else 128
TRAIN_STEPS = 2 if is_grading() else 150


# %% [markdown] cell_id="adain-md"
# ## 1. Adaptive instance normalisation
#
# Instance normalisation (lesson 8's CycleGAN blocks use it too) removes each image's
# per-channel mean $\mu$ and standard deviation $\sigma$ over height and width. Huang and
# Belongie noticed that these statistics *are* much of what we call style: normalise the
# content's features, then give them the **style's** statistics:
#
# $$\mathrm{AdaIN}(x, y) = \sigma(y)\,\frac{x - \mu(x)}{\sigma(x)} + \mu(y)$$
#
# $x$ holds the content's features $(B, H, W, C)$, $y$ the style's $(B, H', W', C)$ (the
# sizes may differ); $\mu$ and $\sigma$ are taken per image and per channel over the two
# spatial axes, with $\sigma = \sqrt{\mathrm{variance} + \epsilon}$ so that a constant
# channel does not divide by zero. `tf.nn.moments(x, axes=[1, 2], keepdims=True)` gives
# mean and variance of shape $(B, 1, 1, C)$.

# %% cell_id="adain" graded="adain"
def adain(content_features, style_features, epsilon=1e-5):
    """Adaptive instance normalisation.

    Args:
        content_features: shape (B, H, W, C).
        style_features: shape (B, H', W', C).
        epsilon: added to the variance before the square root.

    Returns:
        Tensor of shape (B, H, W, C): the content's features with each channel's
        mean and standard deviation replaced by the style's.
    """


# %% [markdown] cell_id="pixels-md"
# AdaIN works on any features, even on raw pixels: there it gives the photo the
# painting's mean and spread of each colour channel. (On VGG features the same operation
# moves textures, which is what the AdaIN network's decoder turns back into a picture.)
# The trade-off $\alpha\,\mathrm{AdaIN}(x, y) + (1 - \alpha)\,x$ blends from the photo
# ($\alpha = 0$) to the full statistics ($\alpha = 1$).

# %% cell_id="pixels"
content = content_image("grace_hopper", max_dim=SIZE)
style = style_image("starry", size=content.shape[1:3])
images, titles = [content, style], ["photo", "style"]
for alpha in (0.5, 1.0):
    mixed = alpha * adain(content, style) + (1 - alpha) * content
    images.append(np.clip(mixed, 0, 1))
    titles.append(f"AdaIN on pixels, alpha {alpha}")
show_images(images, titles, size=2.8);


# %% [markdown] cell_id="style-loss-md"
# ## 2. The AdaIN style loss
#
# The AdaIN network is trained so that the decoded picture, seen through VGG19, has the
# style's statistics at several layers (`block1_conv1` … `block4_conv1`). Its style loss
# compares means and standard deviations instead of Gram matrices: for layers
# $l = 1 \dots L$ with features $g_l$ of the generated images and $s_l$ of the styles,
#
# $$L_{style} = \sum_{l=1}^{L} \mathrm{mean}\big((\mu(g_l) - \mu(s_l))^2\big)
#   + \mathrm{mean}\big((\sigma(g_l) - \sigma(s_l))^2\big)$$
#
# with $\mu$, $\sigma$ as in `adain` (per image and channel, shape $(B, 1, 1, C)$) and
# the means taken over all their entries (images and channels).

# %% cell_id="adain-style-loss" graded="adain_style_loss"
def adain_style_loss(generated_features, style_features, epsilon=1e-5):
    """The AdaIN style loss over several layers.

    Args:
        generated_features: list of L tensors, layer l of shape (B, H_l, W_l, C_l):
            features of the generated images.
        style_features: list of L tensors of the same shapes except H and W:
            features of the style images.
        epsilon: added to the variance before the square root.

    Returns:
        Scalar tensor: the sum over layers of the mean squared difference of the
        channel means plus that of the channel standard deviations.
    """


# %% [markdown] cell_id="train-md"
# ## 3. A fast network, trained with your costs
#
# Johnson et al.'s **image transformation network** maps a photo to its stylised version
# in one pass: reflection padding, three convolutions that shrink the picture, five
# residual blocks, and two upsampling steps (resize, then convolve: transposed
# convolutions leave checkerboard patterns) back to full size. It is trained on many
# photos with the perceptual loss: your `compute_content_cost` at `block2_conv2` against
# the input photo, your `compute_style_cost` against one painting, combined by your
# `total_cost`, averaged over each batch (`nst_utils.fast.perceptual.perceptual_loss`).
#
# The real training set is MS-COCO (83,000 photos; `nst train-fast --data DIR` takes any
# folder of images). Offline, the course makes a small set of its own: crops and flips
# of the course photo and painted toy scenes. 150 steps on 24 pictures with the small
# `"fast"` width (8 channels instead of Johnson's 32) took 5 minutes on our 2-core CPU
# while other jobs shared it (the loss fell from 92,000 to 443 with random VGG19
# weights). That teaches the network the painting's colours and a hint of its texture,
# not Johnson's results; with ImageNet weights, a GPU and a few thousand steps on COCO it
# learns the style.

# %% cell_id="your-costs"
content_cost, style_cost, tv_cost, weighted_total = yours(
    "compute_content_cost", "compute_style_cost", "total_variation_cost", "total_cost")
costs = NSTCosts(content_cost=content_cost, style_cost=style_cost,
                 total_variation_cost=tv_cost, total_cost=weighted_total)

# %% cell_id="train"
keras.utils.set_random_seed(0)
work = tempfile.mkdtemp(prefix="fast-style-")
data = make_offline_content(f"{work}/photos", n=8 if is_grading() else 24, size=SIZE)
config = FastConfig(kind="fast", data=str(data), style="starry", steps=TRAIN_STEPS,
                    size=SIZE, batch_size=2, width="fast", weights="auto",
                    checkpoint_every=max(1, TRAIN_STEPS // 2),
                    sample_every=TRAIN_STEPS)
started = time.perf_counter()
losses = train_fast(config, f"{work}/run", costs=costs, export=False)
print(f"trained {len(losses)} steps in {time.perf_counter() - started:.0f} s; "
      f"loss {losses[0]:.4g} -> {losses[-1]:.4g}")
plot_losses(losses, "perceptual loss per step (your costs)");

# %% [markdown] cell_id="race-md"
# ## 4. One pass against an optimisation
#
# The same photo and style, once through the trained network and once by Gatys'
# optimisation (lesson 5's L-BFGS, a short run). The network's time is per picture
# once trained: training is paid once per style. In our run the network took 436 ms for
# the 128-pixel photo and three L-BFGS steps 61.5 s, 141 times longer (a busy CPU; at
# 512 and 1024 pixels docs/benchmarks.md compares the two on a quiet one).

# %% cell_id="race"
_, network = load_run_model(f"{work}/run")
# (at least 48 pixels: grading's tiny 32 would crop below VGG19's 32 x 32 for Gatys)
photo = content_image("grace_hopper", max_dim=max(SIZE, 48))
photo = photo[:, : photo.shape[1] // 4 * 4, : photo.shape[2] // 4 * 4]  # multiples of 4
network(photo)  # the first call builds the graph; time the second
started = time.perf_counter()
fast = np.asarray(network(photo))
fast_seconds = time.perf_counter() - started
vgg = load_vgg19("auto")
gatys = stylize(photo, style_image("starry", size=photo.shape[1:3]),
                steps=1 if is_grading() else 3, optimizer="lbfgs", vgg=vgg, costs=costs,
                progress=not is_grading())
print(f"fast network: {fast_seconds * 1000:.0f} ms per picture; Gatys (L-BFGS): "
      f"{gatys.seconds:.1f} s, {gatys.seconds / fast_seconds:.0f} times longer")
show_images([photo, fast, gatys.image], ["photo", "fast network", "Gatys (L-BFGS)"],
            size=3);

# %% [markdown] cell_id="remember"
# ## What to remember
#
# - A feed-forward network trained with the perceptual loss (your content, style and
#   total costs, averaged over batches) stylises in one pass: milliseconds instead of
#   minutes, once it has been trained for its style.
# - AdaIN swaps each feature channel's mean and standard deviation for the style's:
#   one network for any style, and $\alpha$ trades content against style at inference.
# - The AdaIN style loss matches means and standard deviations layer by layer instead
#   of Gram matrices.
# - `nst train-fast`, `nst train-adain` and `nst apply` do all of this on real data
#   (README, "Fast style transfer").

# %% [markdown] cell_id="glossary"
# ## 용어 (Glossary)
#
# | English | 한국어 | 메모 |
# |---|---|---|
# | feed-forward network | 순전파 신경망 | 한 번의 계산으로 결과를 냄 |
# | perceptual loss | 지각 손실 | VGG 특징으로 잰 내용·스타일 비용 |
# | image transformation network | 이미지 변환 신경망 | Johnson et al. |
# | adaptive instance normalisation | 적응적 인스턴스 정규화 | AdaIN |
# | channel statistics | 채널 통계 | 채널별 평균과 표준편차 |
# | decoder | 디코더 | 특징을 이미지로 되돌림 |
