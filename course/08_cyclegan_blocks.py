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
# # Lesson 8 — CycleGAN building blocks
#
# Neural Style Transfer repaints *one* photo after *one* painting, and pays minutes of
# optimisation per image. **CycleGAN** (Zhu et al. 2017) instead learns a *translator*
# between two whole collections — apples and oranges, photos and Monet paintings — from
# examples that are **not paired**: nobody has a photo of the exact scene Monet painted.
#
# It trains four networks at once:
#
# | network | maps | trained to |
# |---|---|---|
# | generator $g_{AB}$ | image of A → image of B | fool $d_B$ |
# | generator $g_{BA}$ | image of B → image of A | fool $d_A$ |
# | discriminator $d_A$ | image → grid of scores | tell real A from $g_{BA}(b)$ |
# | discriminator $d_B$ | image → grid of scores | tell real B from $g_{AB}(a)$ |
#
# This lesson builds their parts: instance normalisation, the U-Net blocks, the residual
# block and the PatchGAN discriminator. CycleGAN images live in $[-1, 1]$ (generators end
# with `tanh`).

# %% cell_id="setup" locked=true
from nst_utils.startup import import_tensorflow

tf = import_tensorflow()  # TensorFlow, without its start-up log lines

import keras
import numpy as np

from autograde.checks import check_public, public_inputs
from cyclegan.layers import InstanceNormalization, ReflectionPadding2D, conv_initializer
from cyclegan.networks import build_discriminator, build_resnet_generator, build_unet_generator
from cyclegan.parts import CycleGANBlocks
from cyclegan.toy import paint_image
from nst_utils.plotting import show_images
from nst_utils.runtime import is_grading

keras.utils.set_random_seed(0)

# %% [markdown] cell_id="in-md"
# ## 1. Instance normalisation
#
# Batch normalisation averages over the whole batch; with batch size 1, as CycleGAN
# trains, that is unstable and behaves differently at test time. **Instance
# normalisation** normalises every image and every channel on its own, over height and
# width only:
#
# $$y_{n,h,w,c} = \frac{x_{n,h,w,c} - \mu_{n,c}}{\sqrt{\sigma^2_{n,c} + \epsilon}}, \qquad
# \mu_{n,c} = \operatorname{mean}_{h,w} x_{n,h,w,c}, \quad
# \sigma^2_{n,c} = \operatorname{var}_{h,w} x_{n,h,w,c}$$
#
# with $\epsilon = 10^{-5}$ and, in this course, no learned scale or offset. It also
# removes each image's own contrast, which suits translating style. Check the definition
# against NumPy on a random batch:

# %% cell_id="in-demo"
x = np.random.default_rng(0).normal(3.0, 2.0, size=(2, 5, 5, 4)).astype("float32")
y = np.asarray(InstanceNormalization()(x))
mu = x.mean(axis=(1, 2), keepdims=True)
var = x.var(axis=(1, 2), keepdims=True)
print("largest difference from NumPy:", np.abs(y - (x - mu) / np.sqrt(var + 1e-5)).max())
print("per-image, per-channel means after:", np.round(y.mean(axis=(1, 2)), 6)[0])


# %% [markdown] cell_id="down-md"
# ## 2. Exercise: the downsampling block
#
# The U-Net generator's encoder repeats one block: a $4 \times 4$ convolution with
# **stride 2** and `"same"` padding (halving height and width), instance normalisation,
# then ReLU. Name the layers `f"{name}_conv"`, `f"{name}_norm"` and `f"{name}_relu"`, give
# the convolution `kernel_initializer=conv_initializer()` (weights drawn from
# $\mathcal{N}(0, 0.02)$, as in the paper), and skip the normalisation when
# `normalize=False`.
#
# The check replaces all weights by the same seeded numbers in your block and in the
# reference, so it compares the computation, not the random initial weights.

# %% cell_id="downsample" graded="downsample"
def downsample(x, filters, name, kernel_size=4, normalize=True):
    """U-Net encoder block: Conv2D (stride 2, same) -> InstanceNormalization -> ReLU.

    Args:
        x: Keras tensor of shape (batch, H, W, C).
        filters: number of output channels.
        name: prefix of the layer names.
        kernel_size: convolution kernel size.
        normalize: apply instance normalisation.

    Returns:
        Keras tensor of shape (batch, H/2, W/2, filters).
    """


# %% [markdown] cell_id="up-md"
# ## 3. Exercise: the upsampling block
#
# The decoder mirrors the encoder. Each block doubles the size with `UpSampling2D(2)`
# (named `f"{name}_up"`), applies a $4 \times 4$ convolution with stride 1 and `"same"`
# padding, instance normalisation and ReLU, then — only when `dropout_rate > 0` — a
# `Dropout` layer, and finally **concatenates** the result with `skip`, the encoder output
# of the same size: `Concatenate(name=f"{name}_concat")([x, skip])`. These *skip
# connections* hand fine detail straight from the encoder to the decoder, so the
# generator does not have to squeeze it through the bottleneck.

# %% cell_id="upsample" graded="upsample"
def upsample(x, skip, filters, name, kernel_size=4, dropout_rate=0.0):
    """U-Net decoder block: UpSampling2D -> Conv2D -> IN -> ReLU -> [Dropout] -> concat.

    Args:
        x: Keras tensor of shape (batch, H, W, C).
        skip: encoder output of shape (batch, 2H, 2W, C_skip).
        filters: number of channels of the convolution.
        name: prefix of the layer names.
        kernel_size: convolution kernel size.
        dropout_rate: dropout after the ReLU; 0 adds no dropout layer.

    Returns:
        Keras tensor of shape (batch, 2H, 2W, filters + C_skip).
    """


# %% [markdown] cell_id="unet-md"
# ## 4. The U-Net generator
#
# With `gen_n_filters = f`: four downsampling blocks with $f, 2f, 4f, 8f$ filters, three
# upsampling blocks with $4f, 2f, f$ filters joined to the matching encoder outputs, and a
# last upsampling plus a $4 \times 4$ convolution to 3 channels with `tanh`. The builder
# takes its blocks as an argument: here it gets **your** `downsample` and `upsample`. For
# the apples-and-oranges setting (128 × 128, $f = 32$), the layers, and then what your
# untrained U-Net makes of an apple painted by the toy dataset (images in $[-1, 1]$):
# with random weights it shows what your blocks and their skip connections do to a
# picture before any training — lesson 10 trains them.

# %% cell_id="unet"
unet = build_unet_generator((128, 128, 3), gen_n_filters=32,
                            blocks=CycleGANBlocks(downsample=downsample, upsample=upsample))
for layer in unet.layers:
    if layer.name.endswith(("_relu", "_concat")) or layer.name == unet.layers[-1].name:
        print(f"{layer.name:16s} {str(layer.output.shape):22s}")
print(f"parameters: {unet.count_params():,}")
apple = paint_image("apple", 0, 128).astype("float32")[None] / 127.5 - 1.0
translated = np.asarray(unet(apple, training=False))
show_images([(apple[0] + 1) / 2, (translated[0] + 1) / 2],
            ["apple", "your untrained U-Net"], size=2.5);


# %% [markdown] cell_id="res-md"
# ## 5. Exercise: the residual block
#
# The ResNet generator (used for Monet ↔ photo at 256 × 256) keeps the image small in the
# middle and stacks **residual blocks** there. A block computes a correction and adds it
# to its input:
#
# $$\text{out} = x + \operatorname{IN}\big(\operatorname{conv}(\operatorname{ReLU}(\operatorname{IN}(\operatorname{conv}(x))))\big)$$
#
# with **no activation after the addition**. Each convolution has `filters` channels,
# stride 1 and `"valid"` padding, preceded by `ReflectionPadding2D(kernel_size // 2)` so
# the size stays the same; reflection (mirroring the border) avoids the dark frame zero
# padding leaves. Layer names: `f"{name}_pad1"`, `f"{name}_conv1"`, `f"{name}_norm1"`,
# `f"{name}_relu1"`, `f"{name}_pad2"`, `f"{name}_conv2"`, `f"{name}_norm2"`,
# `f"{name}_add"` (`keras.layers.Add`).

# %% cell_id="residual-block" graded="residual_block"
def residual_block(x, filters, name, kernel_size=3):
    """ResNet block: [pad -> conv -> IN -> ReLU -> pad -> conv -> IN] + x.

    Args:
        x: Keras tensor of shape (batch, H, W, filters).
        filters: number of channels (equal to the input's).
        name: prefix of the layer names.
        kernel_size: odd convolution kernel size.

    Returns:
        Keras tensor of shape (batch, H, W, filters).
    """


# %% cell_id="resnet"
# Your blocks again: stride-2 downsampling in the encoder, nine of your residual blocks.
resnet = build_resnet_generator((256, 256, 3), gen_n_filters=32, blocks=CycleGANBlocks(
    downsample=downsample, upsample=upsample, residual_block=residual_block))
blocks = [layer.name for layer in resnet.layers if layer.name.endswith("_add")]
print(f"{len(blocks)} residual blocks, parameters: {resnet.count_params():,}")

# %% [markdown] cell_id="patch-md"
# ## 6. The PatchGAN discriminator
#
# A CycleGAN discriminator does not give one score per image. It is fully convolutional:
# three stride-2 convolutions ($f$ without normalisation, then $2f$, $4f$ with instance
# normalisation, all with LeakyReLU 0.2), a stride-1 convolution with $8f$ filters, and a
# last convolution to **one channel without activation**. Each output value judges one
# overlapping *patch* of the input, so the discriminator looks at local texture — exactly
# what translation changes. For a 128 × 128 input the output is a $16 \times 16$ grid:
# $128 / 2^3$, one halving per stride-2 layer. (The GDL notes compute $128 / 2^4 = 8$;
# trust the shapes.)

# %% cell_id="patch"
d = build_discriminator((128, 128, 3), disc_n_filters=32)
image = np.random.default_rng(0).uniform(-1, 1, (1, 128, 128, 3)).astype("float32")
scores = np.asarray(d(image))
print("scores:", scores.shape, "— one per patch, no activation:", f"[{scores.min():.3f}, {scores.max():.3f}]")

# %% [markdown] cell_id="remember"
# ## What to remember
#
# - CycleGAN = two generators and two discriminators, trained on **unpaired** collections;
#   images in $[-1, 1]$.
# - Instance normalisation normalises each image and channel over height and width.
# - U-Net: stride-2 convolution blocks down, upsample-and-convolve blocks up, with skip
#   connections concatenating same-size encoder outputs.
# - Residual block: pad → conv → IN → ReLU → pad → conv → IN, plus the input, no
#   activation after the sum.
# - PatchGAN: a grid of scores, one per patch (16 × 16 for 128 × 128 inputs).

# %% [markdown] cell_id="glossary"
# ## 용어 (Glossary)
#
# | English | 한국어 | 메모 |
# |---|---|---|
# | unpaired data | 짝이 없는 데이터 | 두 도메인의 이미지가 서로 대응되지 않음 |
# | domain | 도메인 | 예: 사과(A), 오렌지(B) |
# | generator / discriminator | 생성자 / 판별자 | $g_{AB}, g_{BA}$ / $d_A, d_B$ |
# | instance normalisation | 인스턴스 정규화 | 샘플·채널마다 높이·너비에 대해 정규화 |
# | downsampling / upsampling | 다운샘플링 / 업샘플링 | 크기를 절반으로 / 두 배로 |
# | skip connection | 스킵 연결 | 인코더 출력을 디코더에 이어 붙임 |
# | residual block | 잔차 블록 | 입력에 보정값을 더하는 블록 |
# | reflection padding | 반사 패딩 | 가장자리를 거울처럼 복사해 채움 |
# | PatchGAN | 패치GAN | 패치마다 진짜/가짜 점수를 내는 판별자 |
