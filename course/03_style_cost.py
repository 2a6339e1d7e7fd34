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
# # Lesson 3 — The Gram matrix and the style cost
#
# What makes a painting's *style*? Not where things are, but which visual features tend to
# appear **together**: thick strokes with blue, thin lines with dark edges. Gatys et al.
# capture this with the **Gram matrix** of a layer's activations: entry $(i, j)$ is the
# dot product of channel $i$ with channel $j$ over all positions. A large value means the
# two features fire at the same places; the positions themselves are summed away.
#
# In this lesson you write `gram_matrix`, the style cost at one layer, and the style cost
# over several layers.

# %% cell_id="setup" locked=true
from nst_utils.startup import import_tensorflow

tf = import_tensorflow()  # TensorFlow, without its start-up log lines

import numpy as np

from autograde.checks import check_public, public_inputs, yours
from nst_utils.costs import STYLE_LAYERS
from nst_utils.plotting import show_images
from nst_utils.runtime import is_grading
from nst_utils.samples import content_image, style_image
from nst_utils.vgg import build_feature_extractor, load_vgg19

SIZE = 64 if is_grading() else 384

# %% [markdown] cell_id="your-unroll-md"
# This lesson builds on your `unroll_channels` from lesson 1: its check kept it in
# `my_answers.py` beside the notebooks, and the next cell loads it from there.

# %% cell_id="your-unroll"
unroll_channels = yours("unroll_channels")


# %% [markdown] cell_id="gram-md"
# ## 1. The Gram matrix
#
# With the activations unrolled to $A$ of shape $(n_C, n_H n_W)$ — one row per channel, as
# in lesson 1 — the Gram matrix is
#
# $$G = A A^{T}, \qquad G_{ij} = \sum_{k} A_{ik} A_{jk},$$
#
# a symmetric $(n_C, n_C)$ matrix. The diagonal $G_{ii}$ says how active feature $i$ is
# overall; off-diagonal entries say how much two features co-occur.
#
# Implement `gram_matrix` (one line: `tf.matmul` has a `transpose_b` argument).

# %% cell_id="gram-matrix" graded="gram_matrix"
def gram_matrix(A):
    """Gram matrix of unrolled activations.

    Args:
        A: matrix of shape (n_C, n_H * n_W), one row per channel.

    Returns:
        Tensor of shape (n_C, n_C): A @ A.T.
    """


# %% [markdown] cell_id="layer-md"
# ## 2. The style cost at one layer
#
# For the style image $S$ and the generated image $G$, unroll the activations of one layer
# to $(n_C, n_H n_W)$ with your `unroll_channels` of lesson 1 (loaded above), take the two
# Gram matrices $G^{(S)}$ and $G^{(G)}$, and compare them:
#
# $$J^{[l]}_{style}(S, G) = \frac{1}{4 \, n_C^2 \, (n_H n_W)^2} \sum_{i=1}^{n_C} \sum_{j=1}^{n_C} \left(G^{(S)}_{ij} - G^{(G)}_{ij}\right)^2$$
#
# Each Gram entry is a sum over $n_H n_W$ products, so the normalisation has
# $(n_H n_W)^2$ — and $n_C^2$ because there are $n_C^2$ entries.
#
# **Classic bug:** unrolling with a plain `tf.reshape(a, (n_C, -1))`. It gives a matrix of
# the right shape with the wrong numbers (lesson 1, section 5).

# %% cell_id="compute-layer-style-cost" graded="compute_layer_style_cost"
def compute_layer_style_cost(a_S, a_G):
    """Style cost at one layer.

    Args:
        a_S: activations of the style image, shape (1, n_H, n_W, n_C).
        a_G: activations of the generated image, same shape as a_S.

    Returns:
        Scalar tensor: sum((G_S - G_G)^2) / (4 * n_C^2 * (n_H * n_W)^2), with G_S and
        G_G the Gram matrices of the unrolled activations.
    """


# %% [markdown] cell_id="style-md"
# ## 3. The style cost over several layers
#
# Shallow layers carry fine texture and colour, deep layers carry larger motifs. The style
# cost mixes several layers with weights $\lambda_l$:
#
# $$J_{style}(S, G) = \sum_{l} \lambda_l \, J^{[l]}_{style}(S, G)$$
#
# The course uses the first convolution of each of the five blocks, weighted equally:

# %% cell_id="style-layers"
for name, weight in STYLE_LAYERS:
    print(f"{name:14s} lambda = {weight}")


# %% [markdown] cell_id="style-task"
# `style_layers` is a list of `(layer_name, lambda_l)` pairs; `a_S_list[l]` and
# `a_G_list[l]` are the activations of the $l$-th layer in that list. Use your
# `compute_layer_style_cost` (`zip` helps).

# %% cell_id="compute-style-cost" graded="compute_style_cost"
def compute_style_cost(a_S_list, a_G_list, style_layers=STYLE_LAYERS):
    """Weighted sum of the layer style costs.

    Args:
        a_S_list: style-image activations, one array (1, n_H, n_W, n_C) per layer.
        a_G_list: generated-image activations, in the same order.
        style_layers: list of (layer_name, lambda_l) pairs, in the same order.

    Returns:
        Scalar tensor: sum over layers of lambda_l * J_style_layer_l.
    """


# %% [markdown] cell_id="images-md"
# ## 4. Style ignores *where*
#
# A Gram matrix sums over positions, so rearranging an image barely changes it. Compare the
# style image with a mirrored copy of itself, with the content photo, and with itself:
# the mirrored copy has a completely different layout yet almost the same style. (The
# content cost of lesson 2 would call the mirrored copy a different picture.)

# %% cell_id="images"
content = content_image("grace_hopper", max_dim=SIZE)
style = style_image("waves", size=content.shape[1:3])
mirrored = style[:, :, ::-1, :].copy()

vgg = load_vgg19("auto")
extractor = build_feature_extractor(vgg, [name for name, _ in STYLE_LAYERS])

def style_activations(image):
    features = extractor(image)
    return [features[name] for name, _ in STYLE_LAYERS]

a_S = style_activations(style)
for name, image in [("itself", style), ("mirrored", mirrored), ("content photo", content)]:
    print(f"{name:14s} J_style = {float(compute_style_cost(a_S, style_activations(image))):.5g}")
show_images([style, mirrored, content], ["style", "mirrored", "content photo"], size=2.5);

# %% [markdown] cell_id="gram-picture-md"
# The Gram matrices themselves, at `block1_conv1` (64 × 64): the style image's pattern of
# co-occurring features differs visibly from the photo's.

# %% cell_id="gram-picture"
import matplotlib.pyplot as plt

fig, axes = plt.subplots(1, 2, figsize=(7, 3.2))
for ax, (title, image) in zip(axes, [("style", style), ("content photo", content)]):
    G = gram_matrix(unroll_channels(extractor(image)["block1_conv1"])).numpy()
    ax.imshow(np.log1p(G - G.min()), cmap="magma")
    ax.set_title(f"Gram matrix, {title}")
    ax.set_axis_off()
fig.tight_layout()

# %% [markdown] cell_id="remember"
# ## What to remember
#
# - Style = which features co-occur, summed over all positions: the Gram matrix
#   $G = A A^T$ of activations unrolled to $(n_C, n_H n_W)$.
# - Unroll by reshape to $(n_H n_W, n_C)$ **then** transpose; a plain reshape is wrong.
# - $J^{[l]}_{style}$ divides the squared Gram difference by $4 n_C^2 (n_H n_W)^2$;
#   $J_{style}$ sums several layers with weights $\lambda_l$ (five layers, 0.2 each).
# - Moving things around keeps the style cost small; changing textures and colours does not.

# %% [markdown] cell_id="glossary"
# ## 용어 (Glossary)
#
# | English | 한국어 | 메모 |
# |---|---|---|
# | Gram matrix | 그람 행렬 | $G = A A^T$, 채널 간 내적 |
# | co-occurrence / correlation | 동시 발생 / 상관관계 | 두 특성이 같은 위치에서 함께 켜지는 정도 |
# | style cost | 스타일 비용(손실) | 그람 행렬 차이의 제곱합을 정규화한 값 |
# | style layers | 스타일 층 | 다섯 블록의 첫 번째 합성곱 층 |
# | layer weight $\lambda_l$ | 층 가중치 | 기본값은 모두 0.2 |
# | transpose | 전치 | 행과 열을 바꾸기 |
