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
# # Lesson 2 — The content cost
#
# Two images show the same scene when a **deep** layer of VGG19 responds to them in the
# same way at the same places. Deep layers have forgotten the exact pixel values but still
# know *what is where*: an eye here, the edge of a collar there. So we measure content as
# the distance between the activations of the content image $C$ and of the generated
# image $G$ at one deep layer. The course uses `block5_conv2` (as the GDL notes and the
# TensorFlow tutorial do); lesson 05 compares it with `block4_conv2`.

# %% cell_id="setup" locked=true
from nst_utils.startup import import_tensorflow

tf = import_tensorflow()  # TensorFlow, without its start-up log lines

import numpy as np

from autograde.checks import check_public, public_inputs
from nst_utils.costs import CONTENT_LAYER
from nst_utils.plotting import show_images
from nst_utils.runtime import is_grading
from nst_utils.samples import content_image, style_image
from nst_utils.vgg import build_feature_extractor, load_vgg19

SIZE = 64 if is_grading() else 384
print("content layer:", CONTENT_LAYER)


# %% [markdown] cell_id="formula"
# ## 1. The formula
#
# With $a^{(C)}$ and $a^{(G)}$ the activations of $C$ and $G$ at the content layer, both of
# shape $(1, n_H, n_W, n_C)$:
#
# $$J_{content}(C, G) = \frac{1}{4 \, n_H \, n_W \, n_C} \sum_{\text{all entries}} \left(a^{(C)} - a^{(G)}\right)^2$$
#
# The factor in front makes the cost an *average* (up to the constant 4) rather than a
# sum, so it does not grow just because a layer is bigger.
#
# ## 2. Exercise
#
# Implement `compute_content_cost`. Read $n_H, n_W, n_C$ from `a_G.shape`; use
# `tf.reduce_sum` and `tf.square`. Return a scalar (a tensor of shape `()`).

# %% cell_id="compute-content-cost" graded="compute_content_cost"
def compute_content_cost(a_C, a_G):
    """Content cost between the content image and the generated image at one layer.

    Args:
        a_C: activations of the content image, shape (1, n_H, n_W, n_C).
        a_G: activations of the generated image, same shape as a_C.

    Returns:
        Scalar tensor: sum((a_C - a_G)^2) / (4 * n_H * n_W * n_C).
    """


# %% [markdown] cell_id="debug"
# If the check fails, look at its inputs: `public_inputs("compute_content_cost")` returns
# the exact arrays it used, so you can compute the answer step by step.

# %% cell_id="debug-code"
inputs = public_inputs("compute_content_cost")
print({name: value.shape for name, value in inputs.items()})

# %% [markdown] cell_id="images-md"
# ## 3. The content cost on real images
#
# Load VGG19 (ImageNet weights if present, random ones otherwise — see lesson 1) and
# compare the content image with a few others at the content layer. Before running, guess
# the order: the photo itself, the photo with noise, the photo shifted by a few pixels,
# and the style image.

# %% cell_id="images"
content = content_image("grace_hopper", max_dim=SIZE)
style = style_image("waves", size=content.shape[1:3])
rng = np.random.default_rng(0)
noisy = np.clip(content + rng.normal(0, 0.1, content.shape), 0, 1).astype(np.float32)
shifted = np.roll(content, SIZE // 16, axis=2)

vgg = load_vgg19("auto")
extractor = build_feature_extractor(vgg, [CONTENT_LAYER])
a_C = extractor(content)[CONTENT_LAYER]
for name, image in [("itself", content), ("with noise", noisy), ("shifted", shifted), ("style image", style)]:
    cost = float(compute_content_cost(a_C, extractor(image)[CONTENT_LAYER]))
    print(f"{name:12s} J_content = {cost:10.4f}")
show_images([content, noisy, shifted, style], ["itself", "with noise", "shifted", "style image"], size=2.5);

# %% [markdown] cell_id="images-after"
# With ImageNet weights the noisy photo stays close (the deep layer barely notices pixel
# noise) while the style image is far away: it shows a different scene. The shifted
# photo lands in between — content is about *what is where*, so moving things costs
# something. With random weights the order is similar but the gaps are less telling.
#
# ## What to remember
#
# - Content = activations of one deep layer; the course default is `block5_conv2`.
# - $J_{content}$ is the mean squared difference of the activations, up to the factor
#   $\frac{1}{4}$: divide the sum by $4 n_H n_W n_C$.
# - It is small for the same scene with different pixels and large for a different scene.

# %% [markdown] cell_id="glossary"
# ## 용어 (Glossary)
#
# | English | 한국어 | 메모 |
# |---|---|---|
# | content cost | 콘텐츠 비용(손실) | 콘텐츠 층 활성화 차이의 제곱합을 정규화한 값 |
# | content layer | 콘텐츠 층 | 기본값 `block5_conv2` |
# | normalisation factor | 정규화 계수 | $1 / (4 n_H n_W n_C)$ |
# | scalar | 스칼라 | 모양이 `()`인 값 하나 |
# | deep layer | 깊은 층 | 입력에서 먼 층, 위치보다 의미를 담음 |
