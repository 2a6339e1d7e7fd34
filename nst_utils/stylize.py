"""Optimise the pixels of an image so it keeps one picture's content and another's style."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import tensorflow as tf
from tqdm.auto import tqdm

from .colour import grey_rgb, luminance, luminance_transfer, match_colour_histogram, match_luminance
from .cost_functions import REFERENCE_COSTS, NSTCosts, check_costs
from .costs import CONTENT_LAYER, STYLE_LAYERS
from .images import generate_noise_image, resize_image
from .style_targets import GramStyleCost, check_controls, prepare_mask
from .vgg import build_feature_extractor, load_vgg19

#: Defaults per optimiser. Adam works on pixels in [0, 1]: lr 0.02 there is lr ~5 on the
#: 0-255 scale; epsilon 0.1 damps the steps of pixels whose gradients are tiny. beta_1 is
#: Adam's usual 0.9, not the TensorFlow tutorial's 0.99: momentum averaged over ~100 steps
#: keeps pushing after the gradient has turned, so the loss oscillated (128 px, 100 steps,
#: random weights: 40 rises and a final loss of 919 with 0.99; 4 rises and 37 with 0.9).
ADAM_DEFAULTS = {"learning_rate": 0.02, "beta_1": 0.9, "epsilon": 0.1}
#: L-BFGS-B function evaluations per outer step, as in the GDL notes.
LBFGS_EVALS_PER_STEP = 20
#: What ``preserve_colors`` accepts besides ``None`` (take the style's colours).
PRESERVE_COLORS = ("luminance", "histogram")


@dataclass
class StylizeResult:
    """Outcome of :func:`stylize`.

    Attributes:
        image: the stylised image, ``(1, H, W, 3)`` float32 in ``[0, 1]``.
        losses: total loss after each step.
        snapshots: ``(step, image)`` pairs saved every ``snapshot_every`` steps.
        weights_source: which VGG19 weights produced the features.
        seconds: wall time of the optimisation (targets and compilation included).
    """

    image: np.ndarray
    losses: list[float] = field(default_factory=list)
    snapshots: list[tuple[int, np.ndarray]] = field(default_factory=list)
    weights_source: str = ""
    seconds: float = 0.0


class StyleTransferLoss:
    """The total NST loss of a generated image, with the targets' activations computed once.

    ``J = total_cost(J_content, J_style, alpha, beta) + tv_weight * J_tv`` where
    ``J_content = content_cost(a_C, a_G)``, ``J_style = style_cost(a_S_list, a_G_list,
    style_layers)`` and ``J_tv = total_variation_cost`` of the image on the 0–255 scale,
    all from ``costs``. The activations of the content and style images are computed
    once, so each evaluation runs VGG19 once, on the generated image; the style image's
    Gram matrices are recomputed by ``style_cost`` at every evaluation (a few matrix
    products, small beside VGG19), so that the whole layer cost is the graded function's.
    With ``style_targets`` (several styles, a style scale or a mask) ``J_style`` is
    ``style_targets(features)`` instead: Gram targets taken once with ``costs``'s
    ``unroll_channels`` and ``gram_matrix`` (see :mod:`nst_utils.style_targets`).

    Args:
        extractor: from :func:`~nst_utils.vgg.build_feature_extractor`, with
            ``content_layer`` and every style layer among its outputs.
        content: content image ``(1, H, W, 3)`` in ``[0, 1]``.
        style: style image ``(1, H, W, 3)`` in ``[0, 1]``, the content's size.
        content_layer: layer for the content cost.
        style_layers: ``(layer_name, weight)`` pairs for the style cost.
        alpha: content weight.
        beta: style weight.
        tv_weight: total-variation weight; ``0`` leaves the term out.
        costs: the graded functions to call (default: the reference ones).
        style_targets: a :class:`~nst_utils.style_targets.GramStyleCost` that replaces
            ``costs.style_cost``; ``style`` is then not used (may be ``None``).

    Raises:
        ValueError: when ``costs`` is not an :class:`~nst_utils.cost_functions.NSTCosts`.
    """

    def __init__(self, extractor, content, style, content_layer: str,
                 style_layers: Sequence[tuple[str, float]], alpha: float, beta: float,
                 tv_weight: float, costs: NSTCosts = REFERENCE_COSTS,
                 style_targets: GramStyleCost | None = None):
        self.costs = check_costs(costs)
        self.extractor = extractor
        self.content_layer = content_layer
        self.style_layers = [(name, float(weight)) for name, weight in style_layers]
        self.alpha, self.beta, self.tv_weight = float(alpha), float(beta), float(tv_weight)
        self.a_C = tf.constant(extractor(content)[content_layer])
        self.style_targets = style_targets
        if style_targets is None:
            style_features = extractor(style)
            self.a_S = [tf.constant(style_features[name]) for name, _ in self.style_layers]

    def terms(self, image: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        """The unweighted ``(J_content, J_style)`` of ``image`` ``(1, H, W, 3)``."""
        features = self.extractor(image)
        J_content = self.costs.content_cost(self.a_C, features[self.content_layer])
        if self.style_targets is not None:
            return J_content, self.style_targets(features)
        a_G = [features[name] for name, _ in self.style_layers]
        J_style = self.costs.style_cost(self.a_S, a_G, self.style_layers)
        return J_content, J_style

    def __call__(self, image: tf.Tensor) -> tf.Tensor:
        J_content, J_style = self.terms(image)
        J = self.costs.total_cost(J_content, J_style, self.alpha, self.beta)
        if self.tv_weight:
            J += self.tv_weight * self.costs.total_variation_cost(image * 255.0)
        return J


class _OnLuminance:
    """A loss of RGB images evaluated on a one-channel luminance image ``(1, H, W, 1)``.

    VGG19 reads three channels, so ``Y`` is replicated: ``loss(tile(Y, 3))``. The
    optimiser then moves the luminance alone (Gatys et al. 2017, section 5.1).
    """

    def __init__(self, loss: StyleTransferLoss):
        self.loss = loss

    def __call__(self, luma: tf.Tensor) -> tf.Tensor:
        return self.loss(tf.tile(luma, [1, 1, 1, 3]))


def _initial_image(content: np.ndarray, init, seed: int | None) -> np.ndarray:
    if isinstance(init, str):
        if init == "content":
            return content.copy()
        if init == "noise":
            return generate_noise_image(content, noise_ratio=0.6, seed=seed)
        raise ValueError(f"init must be 'content', 'noise' or an image, got {init!r}.")
    start = np.clip(_check_image(init, "init"), 0.0, 1.0)
    if start.shape != content.shape:
        raise ValueError(
            f"init has shape {start.shape}; it must match the content's {content.shape}.")
    return start


def _check_image(image, name: str) -> np.ndarray:
    image = np.asarray(image, dtype=np.float32)
    if image.ndim != 4 or image.shape[0] != 1 or image.shape[-1] != 3:
        raise ValueError(f"{name} must have shape (1, H, W, 3), got {image.shape}.")
    if min(image.shape[1:3]) < 32:
        raise ValueError(f"{name} is {image.shape[1]}x{image.shape[2]}; VGG19 needs >= 32x32.")
    return image


def _style_list(style) -> list[np.ndarray]:
    styles = list(style) if isinstance(style, (list, tuple)) else [style]
    if not styles:
        raise ValueError("no style image given; pass one image or a list of them.")
    name = "style" if len(styles) == 1 else "style {}"
    return [_check_image(s, name.format(i + 1)) for i, s in enumerate(styles)]


def scaled_style_size(size: tuple[int, int], style_scale: float | None) -> tuple[int, int]:
    """The ``(height, width)`` a style image is resized to for a content of ``size``.

    ``None`` (the default) is the content's own size; a scale ``s`` gives
    ``(round(s * H), round(s * W))``: below 1 the style's brush marks come out finer on
    the content, above 1 coarser.

    Raises:
        ValueError: for a scale that is not a positive number, or one that makes the
            style image smaller than VGG19's 32x32.
    """
    if style_scale is None:
        return int(size[0]), int(size[1])
    if isinstance(style_scale, bool) or not (isinstance(style_scale, (int, float))
                                             and math.isfinite(style_scale) and style_scale > 0):
        raise ValueError(f"style_scale must be a positive number, got {style_scale!r}; "
                         "0.5 gives finer brush marks, 2 coarser ones.")
    height, width = round(style_scale * size[0]), round(style_scale * size[1])
    if min(height, width) < 32:
        smallest = 32 / min(size)
        raise ValueError(
            f"style_scale {style_scale} makes the style image {width}x{height}, below "
            f"VGG19's 32x32; use a scale of at least {smallest:.2f} for this content size.")
    return height, width


def _colour_setup(preserve_colors: str | None, content: np.ndarray, styles: list,
                  first: np.ndarray) -> tuple:
    """What the optimisation sees under ``preserve_colors``, and how its image ends.

    Returns:
        ``(target, styles, first, finish)``: the content and style images VGG19 reads,
        the start image, and the function turning the optimised image into the result
        (the identity, or for ``"luminance"`` the recombination with the content's
        chrominance).
    """
    if preserve_colors == "histogram":
        return content, [match_colour_histogram(s, content) for s in styles], first, _same
    if preserve_colors == "luminance":
        content_luma = luminance(content)
        styles = [grey_rgb(match_luminance(luminance(s), content_luma)) for s in styles]
        return (grey_rgb(content_luma), styles, luminance(first),
                lambda luma: luminance_transfer(luma, content))
    return content, styles, first, _same


def _same(image: np.ndarray) -> np.ndarray:
    return image


def stylize(
    content,
    style,
    *,
    steps: int = 200,
    optimizer: str = "adam",
    vgg=None,
    content_layer: str = CONTENT_LAYER,
    style_layers: Sequence[tuple[str, float]] = STYLE_LAYERS,
    alpha: float = 10,
    beta: float = 40,
    tv_weight: float = 0.0,
    learning_rate: float | None = None,
    init: str | np.ndarray = "content",
    progress: bool = True,
    callback: Callable[[int, np.ndarray, float], None] | None = None,
    snapshot_every: int | None = None,
    seed: int | None = None,
    jit_compile: bool = False,
    costs: NSTCosts = REFERENCE_COSTS,
    style_weights: Sequence[float] | None = None,
    style_scale: float | None = None,
    mask=None,
    preserve_colors: str | None = None,
    extractor=None,
) -> StylizeResult:
    """Neural Style Transfer by optimising the pixels of the generated image.

    The artists' controls (``style_weights``, ``style_scale``, ``mask``,
    ``preserve_colors``) all default to off, which is plain Gatys et al. 2015. Several
    style images, a style scale or a mask switch the style cost to Gram targets
    (:class:`~nst_utils.style_targets.GramStyleCost`): ``costs.unroll_channels`` and
    ``costs.gram_matrix`` still take every Gram matrix, but a custom
    ``costs.layer_style_cost``/``style_cost`` is not called there.

    Args:
        content: content image ``(1, H, W, 3)`` in ``[0, 1]``.
        style: style image ``(1, H', W', 3)`` in ``[0, 1]``, resized to ``(H, W)`` (or to
            ``style_scale`` times that); or a list of style images to blend (or two, for
            ``mask``).
        steps: Adam steps, or L-BFGS outer steps of 20 evaluations each.
        optimizer: ``"adam"`` or ``"lbfgs"`` (SciPy's L-BFGS-B with pixel bounds).
        vgg: a network from :func:`~nst_utils.vgg.load_vgg19`; ``None`` loads ImageNet.
        content_layer: layer for the content cost.
        style_layers: ``(layer_name, weight)`` pairs for the style cost.
        alpha: content weight.
        beta: style weight.
        tv_weight: total-variation weight (image measured on the 0–255 scale).
        learning_rate: Adam step size on ``[0, 1]`` pixels (default 0.02).
        init: start from the ``"content"`` image, from content blended with ``"noise"``
            (noise ratio 0.6), or from the given image ``(1, H, W, 3)`` in ``[0, 1]``, e.g.
            pure noise to reconstruct the content from one layer alone (``beta=0``).
        progress: show a progress bar (notebook-aware).
        callback: called as ``callback(step, image, loss)`` after every step.
        snapshot_every: keep a copy of the image every this many steps.
        seed: seed of the noise initialisation.
        jit_compile: compile the Adam step with XLA (often faster on GPU).
        costs: the graded cost functions to optimise with, e.g. a student's
            ``NSTCosts(content_cost=compute_content_cost, style_cost=compute_style_cost,
            total_cost=total_cost)``; the default is the reference of
            :mod:`nst_utils.costs`.
        style_weights: blend weights, one positive number per style image; they are
            normalised to sum to 1, and the style target of each layer is
            ``sum_k w_k G^(k)`` of the styles' area-normalised Gram matrices. ``None``:
            equal weights.
        style_scale: resize the style image(s) to ``style_scale`` times the content's
            ``(H, W)`` (e.g. 0.5: finer brush marks, 2: coarser); ``None``: the content's
            size, as without the option.
        mask: a grey image in ``[0, 1]`` (``(H_m, W_m)`` or ``(1, H_m, W_m, 1|3)``, the
            content's aspect ratio) with exactly two style images: the first styles the
            white region, the second the black one (guided Gram matrices, Gatys et al.
            2017). It is resized to the content's size and then to each layer's.
        preserve_colors: keep the content's colours: ``"luminance"`` optimises a
            one-channel luminance image (replicated to three channels for VGG19)
            against the styles' luminance, matched to the content's mean and spread,
            then puts back the content's YIQ chrominance; ``"histogram"`` first gives
            each style image the content's colour mean and covariance
            (:func:`~nst_utils.colour.match_colour_histogram`). ``None``: off.
        extractor: a feature extractor built once by
            :func:`~nst_utils.vgg.build_feature_extractor` over ``vgg`` with
            ``content_layer`` and every style layer among its outputs, to reuse across
            calls (it is fully convolutional, so one serves every image size;
            :func:`~nst_utils.multiscale.stylize_multiscale` passes one to all its
            stages). ``None``: built here from ``vgg``.

    Returns:
        A :class:`StylizeResult`. With ``preserve_colors="luminance"`` its images (and
        those the callback gets) are the recombined RGB ones; the losses are those of
        the luminance image.

    Raises:
        ValueError: for a bad image, ``steps``, ``optimizer``, ``init``, ``costs``,
            style weights, style scale, mask, ``preserve_colors`` or an ``extractor``
            without the layers asked for, with a message naming the problem.
    """
    start = time.perf_counter()
    check_costs(costs)
    content = _check_image(content, "content")
    styles = _style_list(style)
    if steps < 1:
        raise ValueError(f"steps must be at least 1, got {steps}.")
    if optimizer not in ("adam", "lbfgs"):
        raise ValueError(f"optimizer must be 'adam' or 'lbfgs', got {optimizer!r}.")
    if preserve_colors is not None and preserve_colors not in PRESERVE_COLORS:
        raise ValueError(f"preserve_colors must be None, 'luminance' or 'histogram', "
                         f"got {preserve_colors!r}.")
    check_controls(len(styles), style_weights, mask is not None)
    style_size = scaled_style_size(content.shape[1:3], style_scale)
    styles = [resize_image(s, style_size) for s in styles]
    if mask is not None:
        mask = prepare_mask(mask, content.shape[1:3])
    target, styles, first, finish = _colour_setup(
        preserve_colors, content, styles, _initial_image(content, init, seed))
    layers = [content_layer] + [name for name, _ in style_layers]
    if extractor is None:
        vgg = load_vgg19("imagenet") if vgg is None else vgg
        extractor = build_feature_extractor(vgg, layers)
    else:
        check_extractor(extractor, layers)
        vgg = extractor if vgg is None else vgg
    targets = None
    if len(styles) > 1 or style_scale is not None or mask is not None:
        targets = GramStyleCost(extractor, styles, style_layers, style_weights, mask, costs)
    loss_fn = StyleTransferLoss(extractor, target, None if targets else styles[0],
                                content_layer, style_layers, alpha, beta, tv_weight, costs,
                                style_targets=targets)
    if preserve_colors == "luminance":
        loss_fn = _OnLuminance(loss_fn)
    result = StylizeResult(image=first,
                           weights_source=getattr(vgg, "weights_source", "unknown"))
    run = _run_adam if optimizer == "adam" else _run_lbfgs
    bar = tqdm(total=steps, desc=f"stylize ({optimizer})", disable=not progress, unit="step")

    def after_step(step: int, image: np.ndarray, loss: float) -> None:
        result.losses.append(loss)
        bar.set_postfix(loss=f"{loss:.4g}", refresh=False)
        bar.update(1)
        keep = bool(snapshot_every) and step % snapshot_every == 0
        if keep or callback is not None:
            image = finish(image)  # recombine only when someone looks at it
        if keep:
            result.snapshots.append((step, image.copy()))
        if callback is not None:
            callback(step, image, loss)

    try:
        result.image = finish(run(loss_fn, result.image, steps, after_step,
                                  learning_rate=learning_rate, jit_compile=jit_compile))
    finally:
        bar.close()
    result.seconds = time.perf_counter() - start
    return result


def check_extractor(extractor, layers: Sequence[str]) -> None:
    """Check that a feature extractor returns every layer in ``layers``.

    Raises:
        ValueError: naming the missing layers and how to build a fitting extractor.
    """
    outputs = getattr(extractor, "output", None)
    missing = [name for name in layers if not isinstance(outputs, dict) or name not in outputs]
    if missing:
        raise ValueError(f"the extractor does not return layer(s) {missing}; build it with "
                         "build_feature_extractor(vgg, [content_layer, *style layer names]).")


def cost_terms(
    content,
    style,
    image,
    *,
    vgg,
    content_layer: str = CONTENT_LAYER,
    style_layers: Sequence[tuple[str, float]] = STYLE_LAYERS,
    costs: NSTCosts = REFERENCE_COSTS,
) -> dict[str, float]:
    """The unweighted content and style costs of ``image``, as :func:`stylize` sees them.

    Their ratio says which term a choice of ``alpha`` and ``beta`` lets dominate: the two
    weighted terms are equal when ``beta / alpha = J_content / J_style``. That ratio
    depends on the network's weights (random features are far smaller in deep layers than
    ImageNet ones), the layers and the image size.

    Args:
        content: content image ``(1, H, W, 3)`` in ``[0, 1]``.
        style: style image in ``[0, 1]``; resized to ``(H, W)``.
        image: the image to score, ``(1, H, W, 3)`` in ``[0, 1]``.
        vgg: a network from :func:`~nst_utils.vgg.load_vgg19`.
        content_layer: layer for the content cost.
        style_layers: ``(layer_name, weight)`` pairs for the style cost.
        costs: the graded functions whose ``content_cost`` and ``style_cost`` score it
            (default: the reference ones).

    Returns:
        ``{"content": J_content, "style": J_style}`` as floats.

    Raises:
        ValueError: for a bad image or ``costs``.
    """
    content = _check_image(content, "content")
    style = resize_image(_check_image(style, "style"), content.shape[1:3])
    image = _check_image(image, "image")
    layers = [content_layer] + [name for name, _ in style_layers]
    loss_fn = StyleTransferLoss(build_feature_extractor(vgg, layers), content, style,
                                content_layer, style_layers, 1.0, 1.0, 0.0, costs)
    J_content, J_style = loss_fn.terms(tf.constant(image))
    return {"content": float(J_content), "style": float(J_style)}


def make_adam_step(loss_fn: StyleTransferLoss, image: tf.Variable, optimizer,
                   jit_compile: bool = False):
    """A compiled step: one Adam update of ``image`` followed by clipping to ``[0, 1]``."""

    @tf.function(jit_compile=jit_compile, reduce_retracing=True)
    def step():
        with tf.GradientTape() as tape:
            loss = loss_fn(image)
        optimizer.apply_gradients([(tape.gradient(loss, image), image)])
        image.assign(tf.clip_by_value(image, 0.0, 1.0))
        return loss

    return step


def _run_adam(loss_fn, image, steps, after_step, *, learning_rate, jit_compile):
    import keras

    settings = dict(ADAM_DEFAULTS)
    if learning_rate is not None:
        settings["learning_rate"] = learning_rate
    variable = tf.Variable(image, dtype=tf.float32)
    optimizer = keras.optimizers.Adam(**settings)
    optimizer.build([variable])  # create the moment slots outside the compiled step
    step = make_adam_step(loss_fn, variable, optimizer, jit_compile)
    for i in range(1, steps + 1):
        loss = float(step())
        after_step(i, variable.numpy(), loss)
    return variable.numpy()


def _run_lbfgs(loss_fn, image, steps, after_step, *, learning_rate, jit_compile):
    from scipy.optimize import minimize

    shape = image.shape

    @tf.function(reduce_retracing=True)
    def loss_and_grad(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            loss = loss_fn(x)
        return loss, tape.gradient(loss, x)

    def fun(flat):
        # SciPy works in float64 on the host; the network stays in float32.
        loss, grad = loss_and_grad(tf.constant(flat.reshape(shape), dtype=tf.float32))
        return float(loss), grad.numpy().ravel().astype(np.float64)

    x = image.ravel().astype(np.float64)
    bounds = [(0.0, 1.0)] * x.size
    for i in range(1, steps + 1):
        res = minimize(fun, x, jac=True, method="L-BFGS-B", bounds=bounds,
                       options={"maxfun": LBFGS_EVALS_PER_STEP, "maxiter": LBFGS_EVALS_PER_STEP})
        x = res.x
        after_step(i, x.reshape(shape).astype(np.float32), float(res.fun))
    return x.reshape(shape).astype(np.float32)
