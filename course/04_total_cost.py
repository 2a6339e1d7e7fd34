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
# # Lesson 4 — Total variation and the total cost
#
# Optimising pixels to match VGG19 features tends to leave high-frequency speckle: the
# network does not mind it, our eyes do. A small **total variation** (TV) penalty, which
# grows with the differences between neighbouring pixels, keeps the generated image
# smooth. Then the pieces come together into one number to minimise: the **total cost**.

# %% cell_id="setup" locked=true
from nst_utils.startup import import_tensorflow

tf = import_tensorflow()  # TensorFlow, without its start-up log lines

import numpy as np

from autograde.checks import check_public, public_inputs, yours
from nst_utils.cost_functions import NSTCosts
from nst_utils.costs import CONTENT_LAYER, STYLE_LAYERS
from nst_utils.plotting import show_images
from nst_utils.runtime import is_grading
from nst_utils.samples import content_image, style_image
from nst_utils.stylize import StyleTransferLoss
from nst_utils.vgg import build_feature_extractor, load_vgg19

SIZE = 64 if is_grading() else 384


# %% [markdown] cell_id="tv-md"
# ## 1. Total variation
#
# For an image $x$ of shape $(1, H, W, 3)$, take for every pixel (except the last row and
# column) the squared difference to the pixel below and to the pixel on the right, add
# them, and raise to the power $1.25$:
#
# $$a = \left(x_{:, :-1, :-1} - x_{:, 1:, :-1}\right)^2, \qquad
#   b = \left(x_{:, :-1, :-1} - x_{:, :-1, 1:}\right)^2, \qquad
#   J_{TV}(x) = \sum \left(a + b\right)^{1.25}$$
#
# Slices are NumPy notation over the height and width axes (all channels kept). Both $a$
# and $b$ have shape $(1, H-1, W-1, 3)$. The power $1.25$ (instead of a plain sum of
# squares) is the variant the GDL notes use.
#
# Implement it with slicing, `tf.square`, `tf.pow` and `tf.reduce_sum`.

# %% cell_id="total-variation-cost" graded="total_variation_cost"
def total_variation_cost(image):
    """Total variation cost of an image.

    Args:
        image: shape (1, H, W, 3).

    Returns:
        Scalar tensor: sum((a + b)^1.25) with a, b the squared vertical and
        horizontal neighbour differences, each of shape (1, H-1, W-1, 3).
    """


# %% [markdown] cell_id="tv-images-md"
# Noise raises the total variation sharply; blurring lowers it.

# %% cell_id="tv-images"
content = content_image("grace_hopper", max_dim=SIZE)
style = style_image("waves", size=content.shape[1:3])
rng = np.random.default_rng(0)
noisy = np.clip(content + rng.normal(0, 0.05, content.shape), 0, 1).astype(np.float32)
blurred = ((content + np.roll(content, 1, 1) + np.roll(content, 1, 2) + np.roll(content, (1, 1), (1, 2))) / 4)
for name, image in [("photo", content), ("with noise", noisy), ("blurred", blurred)]:
    print(f"{name:10s} J_TV = {float(total_variation_cost(image)):10.2f}")
show_images([content, noisy, blurred], ["photo", "with noise", "blurred"], size=2.5);


# %% [markdown] cell_id="total-md"
# ## 2. The total cost
#
# The content and style costs pull in different directions; their weights decide the
# balance:
#
# $$J(G) = \alpha \, J_{content}(C, G) + \beta \, J_{style}(S, G)$$
#
# The course defaults are $\alpha = 10$ and $\beta = 40$. Implement `total_cost`, using the
# arguments (the hidden tests call it with other weights).

# %% cell_id="total-cost" graded="total_cost"
def total_cost(J_content, J_style, alpha=10, beta=40):
    """Weighted total of the content and style costs.

    Args:
        J_content: scalar content cost.
        J_style: scalar style cost.
        alpha: weight of the content cost.
        beta: weight of the style cost.

    Returns:
        Scalar: alpha * J_content + beta * J_style.
    """


# %% [markdown] cell_id="loss-md"
# ## 3. The whole objective
#
# The optimiser of lesson 5 minimises $\alpha J_{content} + \beta J_{style} + w_{TV} J_{TV}$.
# `StyleTransferLoss` from the course's package computes it for a candidate image with
# **your** functions: the content and style costs of lessons 2 and 3 (kept in
# `my_answers.py` when their checks passed) and this lesson's two. It runs VGG19 once on
# the style and content images up front and keeps their activations, so each evaluation
# runs VGG19 only on the generated image. The GDL notes weight the three terms 1, 100
# and 20.
#
# Which starting point has the lower total cost: the content photo, the style image, or
# uniform grey?

# %% cell_id="your-costs"
content_cost, style_cost = yours("compute_content_cost", "compute_style_cost")
costs = NSTCosts(content_cost=content_cost, style_cost=style_cost,
                 total_variation_cost=total_variation_cost, total_cost=total_cost)

# %% cell_id="loss"
vgg = load_vgg19("auto")
extractor = build_feature_extractor(vgg, [CONTENT_LAYER] + [name for name, _ in STYLE_LAYERS])
loss = StyleTransferLoss(extractor, content, style, CONTENT_LAYER, STYLE_LAYERS,
                         alpha=10, beta=40, tv_weight=0.0, costs=costs)
grey = np.full_like(content, 0.5)
for name, image in [("content photo", content), ("style image", style), ("grey", grey)]:
    print(f"{name:14s} J = {float(loss(tf.constant(image))):.5g}")

# %% [markdown] cell_id="remember"
# ## What to remember
#
# - $J_{TV} = \sum (a + b)^{1.25}$ over vertical and horizontal neighbour differences; it
#   penalises speckle and noise.
# - $J = \alpha J_{content} + \beta J_{style}$ (defaults 10 and 40); the ratio
#   $\beta / \alpha$ sets how strongly the style wins.
# - The style and content activations are computed once; every step only runs VGG19 on
#   the generated image.

# %% [markdown] cell_id="glossary"
# ## 용어 (Glossary)
#
# | English | 한국어 | 메모 |
# |---|---|---|
# | total variation | 총 변동 | 이웃 픽셀 간 차이의 합, 잡음을 억제 |
# | regulariser / penalty | 규제 항 / 벌점 | 원하는 성질(매끄러움)을 유도하는 추가 비용 |
# | total cost | 전체 비용 | $\alpha J_{content} + \beta J_{style}$ |
# | weight ($\alpha$, $\beta$) | 가중치 | 콘텐츠와 스타일 사이의 균형 |
# | neighbouring pixels | 이웃 픽셀 | 아래쪽·오른쪽 픽셀 |
