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

import keras
import numpy as np

from autograde.checks import check_public, public_inputs, yours
from nst_utils.cost_functions import NSTCosts
from nst_utils.costs import STYLE_LAYERS
from nst_utils.images import VGG_MEAN_RGB
from nst_utils.plotting import plot_losses, show_images
from nst_utils.runtime import is_grading
from nst_utils.samples import content_image, style_image
from nst_utils.stylize import cost_terms, stylize
from nst_utils.vgg import load_vgg19

# Grading runs a few steps on tiny images; your own run uses these settings: the whole
# lesson takes about 7 minutes on a 2-core CPU (section 2 says more).
SIZE = 48 if is_grading() else 128
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
# `stylize` puts the pieces of lessons 2–4 together — **yours**: the cell below loads the
# cost functions whose checks passed in those lessons (they were kept in
# `my_answers.py` beside the notebooks) and hands them to `stylize` as `costs`. It
# precomputes the content and style activations, then repeats *compute your total cost →
# take its gradient with respect to the image → update the image → clip to $[0, 1]$*. The
# image is a `tf.Variable`; VGG19's weights never change. The start is your noise image.
#
# The default optimiser is Adam on $[0, 1]$ pixels (learning rate 0.02 there, about 5 on
# the 0–255 scale, close to the Coursera assignment's 2.0). On a 2-core CPU, 100 steps at
# 128 pixels take about 40 seconds and the whole lesson about 7 minutes (measured on the
# course's machine while other jobs shared it); a GPU is many times faster. For a sharper
# picture set `SIZE = 256` in the first cell: the same 100 steps then took about a minute
# and a half (four times the pixels). If the output below says *random weights*, expect
# texture rather than art: the rulers only make sense when VGG19 has learned to see.
#
# **Reading the curve.** The loss should fall steeply at first and then more and more
# slowly, on the log scale nearly a smooth bend. A curve that zig-zags (up for a few
# steps, down, up again) means the steps overshoot: the update is too large for the
# valley the image sits in, or Adam's momentum keeps pushing after the gradient has
# turned. It is not a bug in your costs; lower `learning_rate` in `stylize` (halve it) or
# use less momentum. The course's Adam uses the usual momentum $\beta_1 = 0.9$; with the
# TensorFlow tutorial's $\beta_1 = 0.99$ this very run rose in 40 of its 100 steps and
# ended at 919 instead of about 40 (random weights).

# %% cell_id="your-costs"
content_cost, style_cost, tv_cost, weighted_total = yours(
    "compute_content_cost", "compute_style_cost", "total_variation_cost", "total_cost")
costs = NSTCosts(content_cost=content_cost, style_cost=style_cost,
                 total_variation_cost=tv_cost, total_cost=weighted_total)

# %% cell_id="run"
keras.utils.set_random_seed(0)  # the same weights on every run if VGG19 starts random
vgg = load_vgg19("auto")
result = stylize(content, style, steps=STEPS, vgg=vgg, init=start, costs=costs)
print("weights:", result.weights_source, f"| {result.seconds:.1f} s")
show_images([content, style, result.image], ["content", "style", "generated"], size=3.5)
plot_losses(result.losses, "Adam, block5_conv2, alpha 10, beta 40");

# %% [markdown] cell_id="layer-md"
# ## 3. Experiment: which layer carries the content?
#
# The course follows the GDL notes and the TensorFlow tutorial with `block5_conv2`; the
# Coursera assignment uses `conv4_2`, which is `block4_conv2` here. What does a layer keep
# of the photo? Gatys et al. answer by **reconstructing the content alone**: no style term
# ($\beta = 0$), a start of pure noise (your `generate_noise_image` with $r = 1$) and the
# content cost of one layer, minimised with L-BFGS as in their paper. What comes back is
# what that layer remembers. We try a shallow layer, `block2_conv2`, and the two
# candidates, each with 100 cost evaluations. (With $\beta = 0$, $\alpha$ only scales the
# cost; it is large because L-BFGS-B stops once every gradient entry is below $10^{-5}$,
# and the content gradients of random weights are far smaller than that.)
#
# **With random weights** (measured on the course's machine): `block2_conv2` brings the
# photo back almost exactly (mean pixel difference 0.007 on the $[0, 1]$ scale), while
# `block4_conv2` (0.30) and `block5_conv2` (0.31) bring back nothing: their
# reconstructions are as far from the photo as the noise they start from (0.29). Random
# deep features do not hold the photo, so with these weights a deep content layer gives
# the content term almost nothing to pull towards.
#
# **With ImageNet weights** (Gatys et al. 2015, Fig. 1; not measured here): the lower
# layers reproduce the photo almost pixel for pixel too, while the higher layers keep the
# objects and their arrangement but lose the exact pixels. That is why the content is
# taken from a deep layer: it fixes *what* is where and leaves the textures and colours to
# the style. A shallower layer such as `block4_conv2` keeps more detail, so the photo
# stays more recognisable and the style has less room.

# %% cell_id="layer"
noise = generate_noise_image(content, noise_ratio=1.0, seed=0)
lbfgs_steps = max(1, STEPS // 20)  # each L-BFGS step makes 20 cost evaluations
reconstructions = {}
for layer in ("block2_conv2", "block4_conv2", "block5_conv2"):
    run = stylize(content, style, steps=lbfgs_steps, vgg=vgg, optimizer="lbfgs", init=noise,
                  content_layer=layer, style_layers=[], alpha=1e6, beta=0, costs=costs,
                  progress=not is_grading())
    reconstructions[layer] = run.image
print(f"mean |pixel - photo|: noise start {np.abs(noise - content).mean():.3f}")
for layer, image in reconstructions.items():
    print(f"  reconstructed from {layer}: {np.abs(image - content).mean():.3f}")
show_images([content, noise, *reconstructions.values()],
            ["photo", "start: noise"] + [f"from {k}" for k in reconstructions], size=2.8);

# %% [markdown] cell_id="weights-md"
# ## 4. Experiment: the balance $\beta / \alpha$
#
# Only the ratio of the weights matters for the shape of the result (the overall scale acts
# like a learning rate). But which ratio is small depends on the sizes of the two costs,
# and they depend on the network's weights: the two weighted terms are equal when
# $\beta / \alpha = J_{content} / J_{style}$. So measure both costs at the start, then fix
# $\beta = 40$ and choose $\alpha$ so that the content term starts at 100 times, once and a
# hundredth of the style term.
#
# **With random weights** (measured): at the start $J_{content} \approx 1.9 \cdot 10^{-3}$
# and $J_{style} \approx 431$, so the terms balance at
# $\beta / \alpha \approx 4.5 \cdot 10^{-6}$. The Coursera assignment's $\alpha = 10$,
# $\beta = 40$ (chosen for ImageNet features) leave the content term at about
# $5 \cdot 10^{-6}$ of the total here: with them, $\alpha = 0$ gives the same picture (mean
# pixel difference 0.0001). In the three runs below the content term ends at 18 %, 31 %
# and 26 % of the total: far closer together than the 100 : 1, 1 : 1 and 1 : 100 they
# start at, because Adam first pushes down whichever term dominates. More content weight
# does not bring the photo back, though, because `block5_conv2`'s random features do not
# hold the photo (section 3). The photo you still see in every picture comes from the
# starting image.
#
# **With ImageNet weights** (Gatys et al. 2015, Fig. 3; not measured here): a small
# $\beta / \alpha$ keeps the photo and a large one lets the painting take over.

# %% cell_id="weights"
start = generate_noise_image(content, noise_ratio=0.6, seed=0)  # your function, again
start_costs = cost_terms(content, style, start, vgg=vgg, costs=costs)
balance = start_costs["content"] / start_costs["style"]  # beta/alpha where the terms are equal
print(f"at the start: J_content {start_costs['content']:.3g}, "
      f"J_style {start_costs['style']:.3g}, balance beta/alpha = {balance:.2g}")
beta = 40
images, titles = [], []
for factor in (100, 1, 0.01):  # the content term at the start, in units of the style term
    alpha = factor * beta / balance
    run = stylize(content, style, steps=STEPS, vgg=vgg, alpha=alpha, beta=beta,
                  init=start, costs=costs, progress=not is_grading())
    end = cost_terms(content, style, run.image, vgg=vgg, costs=costs)
    share = alpha * end["content"] / (alpha * end["content"] + beta * end["style"])
    print(f"alpha {alpha:.3g}, beta {beta}: the content term ends at {share:.1%} of the total")
    images.append(run.image)
    titles.append(f"alpha {alpha:.2g}, beta {beta}")
show_images(images, titles, size=3);

# %% [markdown] cell_id="optim-md"
# ## 5. Experiment: Adam or L-BFGS?
#
# The GDL notes optimise with SciPy's **L-BFGS-B**, 20 cost evaluations per outer step,
# starting from the content photo. L-BFGS builds a picture of the curvature from recent
# gradients; Adam is simpler and works the same on a GPU. Give both the same budget of
# evaluations and compare the final cost and the time taken. In our run (100 evaluations
# each, random weights) L-BFGS ended at a total cost of 1.0 against Adam's 51; it took
# longer (149 s against 84 s, measured while other jobs shared the machine), because
# each of its evaluations also hands the gradient to SciPy on the CPU.

# %% cell_id="optim"
lbfgs_steps = max(1, STEPS // 20)  # each L-BFGS step makes 20 evaluations
adam = stylize(content, style, steps=lbfgs_steps * 20, vgg=vgg, init="content", costs=costs,
               progress=not is_grading())
lbfgs = stylize(content, style, steps=lbfgs_steps, vgg=vgg, optimizer="lbfgs", init="content",
                costs=costs, progress=not is_grading())
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
# - Reconstructing the content from one layer alone ($\beta = 0$, from noise) shows what
#   it remembers: with ImageNet weights the deep layers keep objects and layout and drop
#   the exact pixels, which leaves room for the style; random deep features keep nothing.
# - What matters is $\alpha J_{content}$ against $\beta J_{style}$: compare the two terms
#   (`cost_terms`) before choosing $\beta / \alpha$, because their sizes depend on the
#   weights, the layers and the image size.
# - L-BFGS-B gets much further per evaluation (here a cost of 1.0 against Adam's 51
#   after 100 each); Adam is simple and GPU-friendly. A zig-zag loss curve means the
#   steps overshoot: lower the learning rate.

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
