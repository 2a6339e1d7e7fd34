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
# # Lesson 1 — Images and VGG19 features
#
# Neural Style Transfer (NST, Gatys et al. 2015) repaints a photograph in the manner of an
# artwork. Surprisingly, no network is trained for it. We borrow a convolutional network
# that was trained to recognise objects, **VGG19**, and use what happens inside it as a
# pair of rulers: one measures whether two images show the same *scene* (the content), the
# other whether they share the same *textures, colours and brush marks* (the style). Then
# we change the pixels of a third image until both rulers read small.
#
# This lesson gets the images and the rulers ready: how images are stored, how VGG19 wants
# its input, and what its activations look like. You will write one small function that
# the style lessons rely on.
#
# | lesson | topic |
# |---|---|
# | **01** | images and VGG19 features ← you are here |
# | 02 | content cost |
# | 03 | Gram matrix and style cost |
# | 04 | total variation and total cost |
# | 05 | optimising the pixels: making art |
# | 06 | CycleGAN building blocks |
# | 07 | CycleGAN losses |
# | 08 | training a CycleGAN |
#
# **How the lessons work.** Run the cells in order. Where you see
# `raise NotImplementedError()`, replace it with your code. The cell right after each
# function is a *check*: it prints the expected value (computed by the course's reference
# implementation on fixed random inputs) and yours. Values match when they agree to a
# relative tolerance of `1e-4`. When you are done, `autograde check lessons/01_images_and_features.ipynb`
# grades the notebook exactly as your instructor will, including further hidden cases.

# %% cell_id="setup" locked=true
from nst_utils.startup import import_tensorflow

tf = import_tensorflow()  # TensorFlow, without its start-up log lines

import numpy as np

from autograde.checks import check_public, public_inputs
from nst_utils.images import preprocess_for_vgg
from nst_utils.plotting import show_images
from nst_utils.runtime import is_grading
from nst_utils.samples import content_image, style_image
from nst_utils.vgg import build_feature_extractor, load_vgg19

# While the autograder runs the notebook the images are small, so grading stays quick.
SIZE = 64 if is_grading() else 384

# %% [markdown] cell_id="images-md"
# ## 1. Images are arrays
#
# Every image in this course is a `float32` array of shape `(1, H, W, 3)`: a batch of one
# image (`m = 1`), `H` rows, `W` columns and three colour channels, red, green and blue,
# with values in $[0, 1]$. The course ships a content photograph and a few style images
# painted by the project itself, so everything works offline.

# %% cell_id="images"
content = content_image("grace_hopper", max_dim=SIZE)
style = style_image("waves", size=content.shape[1:3])
print("content:", content.shape, content.dtype, f"values in [{content.min():.2f}, {content.max():.2f}]")
print("style:  ", style.shape, style.dtype)
show_images([content, style], ["content image C", "style image S"]);

# %% [markdown] cell_id="vgg-input-md"
# ## 2. VGG19 has its own pixel format
#
# VGG19 was trained on ImageNet photos given as 0–255 values in **BGR** order with the mean
# ImageNet colour subtracted. `preprocess_for_vgg` converts our $[0, 1]$ RGB images to that
# format. You will rarely call it yourself: the feature extractor below does it inside, so
# the rest of the course can stay in $[0, 1]$.

# %% cell_id="vgg-input"
x = np.asarray(preprocess_for_vgg(content))
print("after preprocessing:", x.shape, f"values in [{x.min():.1f}, {x.max():.1f}]")
print("mean per channel (B, G, R):", np.round(x.mean(axis=(0, 1, 2)), 1))

# %% [markdown] cell_id="vgg-md"
# ## 3. Loading VGG19
#
# `load_vgg19("auto")` builds VGG19 without its classifier (convolutional layers only) and
# freezes it: we never change its weights. With `"auto"` it loads the ImageNet weights
# (`vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5`, about 80 MB) if a copy is on this
# machine; otherwise, when the network answers, Keras downloads them once (with a progress
# bar) into its cache; offline it falls back within seconds to **random weights** and says
# so. Random weights are enough for every graded function — the formulas do not care —
# but the pictures of lesson 05 only look like art with the real weights. While the
# notebook is graded, or with `NST_VGG19_DOWNLOAD=0`, nothing is downloaded.

# %% cell_id="vgg"
vgg = load_vgg19("auto")
print("weights:", vgg.weights_source)
for layer in vgg.layers:
    if "conv" in layer.name:
        print(f"{layer.name:14s} {layer.output.shape[-1]:4d} channels")

# %% [markdown] cell_id="features-md"
# ## 4. Activations
#
# A convolutional layer turns its input into a stack of *feature maps*, one per channel.
# For one image we write its activations at a layer as $a$ with shape
# $(m, n_H, n_W, n_C)$: batch, height, width, channels — **channels last**, as in Keras.
# Each pooling layer halves $n_H$ and $n_W$, while the number of channels grows from 64 to
# 512. Shallow layers react to edges and colours; deep layers react to larger shapes and
# parts of objects.
#
# `build_feature_extractor(vgg, layer_names)` returns a model that maps an image in
# $[0, 1]$ to a dictionary `{layer_name: activation}`.

# %% cell_id="features"
extractor = build_feature_extractor(vgg, ["block1_conv1", "block3_conv1", "block5_conv2"])
features = extractor(content)
for name, a in features.items():
    print(f"{name:14s} a.shape = {tuple(a.shape)}")

# %% [markdown] cell_id="maps-md"
# Below are four channels of `block1_conv1` for the content image. Each is an image of how
# strongly one filter responds at each position (brighter is stronger).

# %% cell_id="maps"
a = features["block1_conv1"].numpy()[0]
maps = [a[..., c] / (a[..., c].max() + 1e-8) for c in (0, 5, 10, 20)]
show_images([np.stack([m] * 3, axis=-1) for m in maps], [f"channel {c}" for c in (0, 5, 10, 20)], size=2.5);

# %% [markdown] cell_id="unroll-md"
# ## 5. Exercise: unroll the channels
#
# The style lessons compare *channels* with each other, so they need the activations as a
# matrix with **one row per channel**: shape $(n_C, n_H n_W)$, where row $c$ lists channel
# $c$ at every pixel, pixels in row-major order (row by row, left to right).
#
# There is a trap. In channels-last memory the channel index changes fastest, so a plain
# `tf.reshape(a, (n_C, n_H * n_W))` does **not** give one channel per row: it cuts the
# stream of numbers into pieces that mix pixels and channels. The correct way is to
# reshape to one row per *pixel*, $(n_H n_W, n_C)$, and then transpose, so that
#
# $$A_{c,\; h \cdot n_W + w} = a_{0,\, h,\, w,\, c}.$$
#
# See the trap on a
# tiny example with $n_H = n_W = 2$ and $n_C = 3$ (the value is `10 * pixel + channel`):

# %% cell_id="unroll-demo"
tiny = (10 * np.arange(4)[:, None] + np.arange(3)[None, :]).reshape(1, 2, 2, 3)
print("channel 0 should read 0, 10, 20, 30 — a plain reshape gives:")
print(np.reshape(tiny, (3, 4)))


# %% [markdown] cell_id="unroll-task"
# Implement `unroll_channels`. Useful: `tf.reshape`, `tf.transpose`, and `a.shape[-1]`
# for $n_C$.

# %% cell_id="unroll-channels" graded="unroll_channels"
def unroll_channels(a):
    """Unroll activations to one row per channel.

    Args:
        a: activations of one layer for one image, shape (1, n_H, n_W, n_C).

    Returns:
        Tensor of shape (n_C, n_H * n_W): row c holds channel c at every pixel,
        pixels in row-major order.
    """


# %% [markdown] cell_id="unroll-after"
# Your function on the tiny example should now give rows `0 10 20 30`, `1 11 21 31` and
# `2 12 22 32`:

# %% cell_id="unroll-after-code"
print(np.asarray(unroll_channels(tiny)))

# %% [markdown] cell_id="remember"
# ## What to remember
#
# - Images are `float32` arrays `(1, H, W, 3)`, RGB in $[0, 1]$; VGG19's own format
#   (0–255, BGR, mean removed) is applied inside the feature extractor.
# - VGG19 is **frozen**: NST changes pixels, never network weights.
# - Activations have shape $(m, n_H, n_W, n_C)$, channels last; deeper layers are smaller
#   in space and have more channels.
# - To get one row per channel, reshape to $(n_H n_W, n_C)$ and **then** transpose.

# %% [markdown] cell_id="glossary"
# ## 용어 (Glossary)
#
# | English | 한국어 | 메모 |
# |---|---|---|
# | content image | 콘텐츠 이미지 | 장면(무엇이 어디에 있는지)을 제공하는 사진 |
# | style image | 스타일 이미지 | 질감·색·붓 자국을 제공하는 그림 |
# | generated image | 생성 이미지 | 픽셀을 직접 바꿔 가며 만드는 결과 이미지 |
# | pretrained network | 사전 학습된 신경망 | 여기서는 ImageNet으로 학습한 VGG19 |
# | activation / feature map | 활성화 / 특성 맵 | 한 층의 출력, 채널마다 한 장의 맵 |
# | channels last | 채널 마지막 배치 | 모양 $(m, n_H, n_W, n_C)$ |
# | unroll | 펼치기 | $(n_C, n_H n_W)$ 행렬로 바꾸기 (reshape 후 transpose) |
# | frozen | 고정된(동결된) | 가중치를 학습하지 않음 |
