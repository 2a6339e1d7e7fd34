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
# # Lesson 5 — Optimising the pixels: making art
#
# Everything is ready: a frozen VGG19, a content cost, a style cost and a smoothness
# penalty. Now we run gradient descent — not on the network's weights but on the **pixels
# of the generated image**. TensorFlow differentiates the total cost with respect to the
# image, and an optimiser nudges every pixel downhill, step after step, until the image
# keeps the photo's scene and takes on the painting's textures.
#
# You will write the starting image used by the Coursera assignment, then run the
# optimisation and three experiments: the content layer, the weights $\alpha$ and $\beta$,
# and Adam against L-BFGS.

# %% cell_id="setup" locked=true
from nst_utils.startup import import_tensorflow

tf = import_tensorflow()  # TensorFlow, without its start-up log lines

import numpy as np

from autograde.checks import check_public, public_inputs
from nst_utils.costs import STYLE_LAYERS
from nst_utils.images import VGG_MEAN_RGB
from nst_utils.plotting import plot_losses, show_images
from nst_utils.runtime import is_grading
from nst_utils.samples import content_image, style_image
from nst_utils.stylize import stylize
from nst_utils.vgg import load_vgg19

# Grading runs a few steps on tiny images; your own run uses the real settings.
SIZE = 48 if is_grading() else 256
STEPS = 2 if is_grading() else 100


# %% [markdown] cell_id="noise-md"
# ## 1. The starting image
#
# Where should the optimisation start? The TensorFlow tutorial and the GDL notes start from
# the content photo itself. The Coursera assignment starts from the photo **blended with
# noise**, which lets the style take over faster. With $C$ the content image, $\mu$ the
# ImageNet mean colour (`VGG_MEAN_RGB / 255`), $r$ the noise ratio and $u$ uniform noise
# in $[-20, 20]$ on the 0–255 scale (so $u / 255$ on our scale), the start is
#
# $$G_0 = \mathrm{clip}_{[0,1]}\Big(r \cdot \frac{u}{255} + (1 - r)\,(C - \mu) + \mu\Big)$$
#
# The content is blended *around the mean colour*, so the result keeps a natural brightness
# instead of fading to black.
#
# Draw the noise with `np.random.default_rng(seed).uniform(-20.0, 20.0, content.shape)`
# — exactly this call, so that the same seed gives the same image — and return float32.

# %% cell_id="generate-noise-image" graded="generate_noise_image"
def generate_noise_image(content, noise_ratio=0.6, seed=None):
    """Starting image: the content image blended with uniform noise.

    Args:
        content: content image, shape (1, H, W, 3), float32 in [0, 1].
        noise_ratio: share r of noise, in [0, 1].
        seed: seed for numpy.random.default_rng.

    Returns:
        float32 array of shape (1, H, W, 3) in [0, 1].
    """


# %% cell_id="noise-show"
content = content_image("grace_hopper", max_dim=SIZE)
style = style_image("waves", size=content.shape[1:3])
start = generate_noise_image(content, noise_ratio=0.6, seed=0)
show_images([content, style, start], ["content C", "style S", "start G0 (noise 0.6)"], size=3);

# %% [markdown] cell_id="run-md"
# ## 2. Running the optimisation
#
# `stylize` puts the pieces of lessons 2–4 together: it precomputes the content activations
# and the style Gram matrices, then repeats *compute the total cost → take its gradient
# with respect to the image → update the image → clip to $[0, 1]$*. The image is a
# `tf.Variable`; VGG19's weights never change.
#
# The default optimiser is Adam on $[0, 1]$ pixels (learning rate 0.02 there, about 5 on
# the 0–255 scale, close to the Coursera assignment's 2.0). On a CPU, 100 steps at 256
# pixels take one to two minutes and the whole lesson about ten; a GPU needs seconds. If the output above said *random
# weights*, expect texture rather than art: the rulers only make sense when VGG19 has
# learned to see.

# %% cell_id="run"
vgg = load_vgg19("auto")
result = stylize(content, style, steps=STEPS, vgg=vgg, init="noise", seed=0)
print("weights:", result.weights_source, f"| {result.seconds:.1f} s")
show_images([content, style, result.image], ["content", "style", "generated"], size=3.5)
plot_losses(result.losses, "Adam, block5_conv2, alpha 10, beta 40");

# %% [markdown] cell_id="layer-md"
# ## 3. Experiment: which layer carries the content?
#
# The course follows the GDL notes and the TensorFlow tutorial with `block5_conv2`; the
# Coursera assignment uses `conv4_2`, which is `block4_conv2` here. A shallower content
# layer remembers more detail, so the photo stays more recognisable and the style has less
# room. Run both from the same start and compare.

# %% cell_id="layer"
results = {}
for layer in ("block5_conv2", "block4_conv2"):
    results[layer] = stylize(content, style, steps=STEPS, vgg=vgg, content_layer=layer,
                             init="noise", seed=0, progress=not is_grading())
show_images([r.image for r in results.values()], [f"content layer {k}" for k in results], size=3.5);

# %% [markdown] cell_id="weights-md"
# ## 4. Experiment: the balance $\beta / \alpha$
#
# Only the ratio of the weights matters for the shape of the result (the overall scale acts
# like a learning rate). A small ratio keeps the photo; a large one lets the painting
# take over.

# %% cell_id="weights"
settings = [(10, 4), (10, 40), (10, 400)]
images = []
for alpha, beta in settings:
    run = stylize(content, style, steps=STEPS, vgg=vgg, alpha=alpha, beta=beta,
                  init="noise", seed=0, progress=not is_grading())
    images.append(run.image)
show_images(images, [f"alpha {a}, beta {b}" for a, b in settings], size=3);

# %% [markdown] cell_id="optim-md"
# ## 5. Experiment: Adam or L-BFGS?
#
# The GDL notes optimise with SciPy's **L-BFGS-B**, 20 cost evaluations per outer step,
# starting from the content photo. L-BFGS builds a picture of the curvature from recent
# gradients and often reaches a lower cost for the same number of evaluations; Adam is
# simpler and works the same on a GPU. Give both the same budget of evaluations and
# compare the final cost and the time taken.

# %% cell_id="optim"
lbfgs_steps = max(1, STEPS // 20)  # each L-BFGS step makes 20 evaluations
adam = stylize(content, style, steps=lbfgs_steps * 20, vgg=vgg, init="content",
               progress=not is_grading())
lbfgs = stylize(content, style, steps=lbfgs_steps, vgg=vgg, optimizer="lbfgs", init="content",
                progress=not is_grading())
for name, run in [("Adam", adam), ("L-BFGS", lbfgs)]:
    print(f"{name:7s} final cost {run.losses[-1]:.4g} after {run.seconds:.1f} s")
show_images([adam.image, lbfgs.image], ["Adam", "L-BFGS-B"], size=3.5);

# %% [markdown] cell_id="remember"
# ## What to remember
#
# - NST optimises the **pixels**; the network is frozen. Each step: cost → gradient with
#   respect to the image → update → clip to $[0, 1]$.
# - Start from the photo (GDL, TensorFlow tutorial) or from the photo blended with noise
#   around the mean colour (Coursera, noise ratio 0.6).
# - A deeper content layer (`block5_conv2`) leaves more room for the style than
#   `block4_conv2`.
# - $\beta / \alpha$ sets the balance between the scene and the painting.
# - L-BFGS-B usually gets further per evaluation; Adam is simple and GPU-friendly.

# %% [markdown] cell_id="glossary"
# ## 용어 (Glossary)
#
# | English | 한국어 | 메모 |
# |---|---|---|
# | optimise the pixels | 픽셀을 최적화 | 신경망이 아니라 이미지 자체를 변수로 둠 |
# | gradient | 기울기(그래디언트) | 비용을 이미지로 미분한 값 |
# | optimiser | 옵티마이저 | Adam, L-BFGS |
# | learning rate | 학습률 | 한 번에 움직이는 크기 |
# | noise ratio | 잡음 비율 | 시작 이미지에서 잡음이 차지하는 몫 |
# | clip | 잘라내기(클리핑) | 값을 $[0, 1]$ 범위로 제한 |
# | curvature | 곡률 | L-BFGS가 최근 기울기로 추정하는 정보 |
