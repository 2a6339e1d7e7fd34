"""Input makers for the graded functions: seeded float32 arrays, and Keras block runs.

Every maker takes a ``numpy.random.Generator`` and size options and returns the
keyword arguments of one call. Keys starting with ``_`` are for the caller (see
:func:`run_block`), not for the graded function.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np


def normal(rng: np.random.Generator, shape) -> np.ndarray:
    return rng.standard_normal(tuple(shape)).astype(np.float32)


def activation_pair(names: tuple[str, str]):
    def make(rng: np.random.Generator, shape=(1, 4, 4, 3)) -> dict[str, Any]:
        return {name: normal(rng, shape) for name in names}

    return make


def unroll_inputs(rng: np.random.Generator, shape=(1, 2, 3, 4)) -> dict[str, Any]:
    return {"a": normal(rng, shape)}


def gram_inputs(rng: np.random.Generator, shape=(3, 5)) -> dict[str, Any]:
    return {"A": normal(rng, shape)}


def style_inputs(rng: np.random.Generator, shapes=((1, 4, 4, 3), (1, 2, 2, 5))) -> dict:
    a_S_list = [normal(rng, s) for s in shapes]
    a_G_list = [normal(rng, s) for s in shapes]
    weights = rng.random(len(shapes)).astype(np.float32)
    weights = weights / weights.sum()
    style_layers = [(f"layer_{i}", float(w)) for i, w in enumerate(weights)]
    return {"a_S_list": a_S_list, "a_G_list": a_G_list, "style_layers": style_layers}


def image_inputs(rng: np.random.Generator, shape=(1, 5, 6, 3)) -> dict[str, Any]:
    return {"image": rng.random(tuple(shape)).astype(np.float32)}


def luma_and_content(rng: np.random.Generator, shape=(1, 4, 5, 3),
                     clip: bool = True) -> dict[str, Any]:
    """A stylised luminance ``(..., H, W, 1)`` and a content image ``shape``, in [0, 1]."""
    return {"stylised_luma": rng.random((*tuple(shape)[:-1], 1)).astype(np.float32),
            "content_rgb": rng.random(tuple(shape)).astype(np.float32), "clip": clip}


def adain_inputs(rng: np.random.Generator, content=(2, 4, 5, 3),
                 style=(2, 3, 6, 3)) -> dict[str, Any]:
    """Content and style features with unequal per-channel means and spreads."""
    def features(shape):
        shape = tuple(shape)
        scale = rng.uniform(0.5, 2.0, (shape[0], 1, 1, shape[-1]))
        shift = rng.uniform(-1.0, 1.0, (shape[0], 1, 1, shape[-1]))
        return (scale * rng.standard_normal(shape) + shift).astype(np.float32)

    return {"content_features": features(content), "style_features": features(style)}


def adain_loss_inputs(rng: np.random.Generator,
                      shapes=((2, 4, 4, 3), (2, 2, 2, 5))) -> dict[str, Any]:
    """Features of generated and style images, one array per layer (style 1 px taller)."""
    generated, style = [], []
    for shape in shapes:
        pair = adain_inputs(rng, content=shape, style=(shape[0], shape[1] + 1, *shape[2:]))
        generated.append(pair["content_features"])
        style.append(pair["style_features"])
    return {"generated_features": generated, "style_features": style}


def total_cost_inputs(rng: np.random.Generator, **weights: float) -> dict[str, Any]:
    costs = (rng.random(2) * 10).astype(np.float32)
    return {"J_content": costs[0], "J_style": costs[1], **weights}


def noise_inputs(rng: np.random.Generator, shape=(1, 4, 5, 3), noise_ratio: float = 0.6,
                  noise_seed: int = 7) -> dict[str, Any]:
    content = rng.random(tuple(shape)).astype(np.float32)
    return {"content": content, "noise_ratio": noise_ratio, "seed": noise_seed}


def patch_scores(names: tuple[str, ...]):
    def make(rng: np.random.Generator, shape=(1, 4, 4, 1)) -> dict[str, Any]:
        return {name: (0.5 + 0.5 * normal(rng, shape)).astype(np.float32) for name in names}

    return make


def image_pair(names: tuple[str, str]):
    def make(rng: np.random.Generator, shape=(1, 4, 4, 3)) -> dict[str, Any]:
        return {name: rng.uniform(-1, 1, tuple(shape)).astype(np.float32) for name in names}

    return make


def block_inputs(arrays: dict[str, tuple], defaults: dict[str, Any]):
    def make(rng: np.random.Generator, **options: Any) -> dict[str, Any]:
        shapes = {k: tuple(options.pop(k, v)) for k, v in arrays.items()}
        inputs: dict[str, Any] = {k: normal(rng, v) for k, v in shapes.items()}
        inputs.update(defaults)
        inputs.update(options)
        inputs["_weights_seed"] = int(rng.integers(2**31))
        return inputs

    return make


def run_block(function: Callable, inputs: dict[str, Any]) -> np.ndarray:
    """Build a Keras block on symbolic inputs, give it seeded weights, and run it.

    Every weight, in creation order, is overwritten from
    ``default_rng(inputs["_weights_seed"])``, so two blocks with the same layers in the
    same order compute the same numbers whatever initialisers they were built with.

    Args:
        function: a block such as ``downsample(x, filters, name, ...)``.
        inputs: NumPy arrays for the tensor arguments (``x``, ``skip``), plain values
            for the others, and ``_weights_seed``.

    Returns:
        The block's output on the arrays, as float32.
    """
    __tracebackhide__ = True
    import keras

    arrays = {k: v for k, v in inputs.items() if isinstance(v, np.ndarray)}
    options = {k: v for k, v in inputs.items() if k not in arrays and not k.startswith("_")}
    symbolic = {k: keras.Input(shape=v.shape[1:], batch_size=v.shape[0], name=f"in_{k}")
                for k, v in arrays.items()}
    output = function(**symbolic, **options)
    model = keras.Model(list(symbolic.values()), output)
    rng = np.random.default_rng(inputs["_weights_seed"])
    for weight in model.weights:
        weight.assign((0.2 * rng.standard_normal(tuple(weight.shape))).astype(np.float32))
    return np.asarray(model([arrays[k] for k in symbolic], training=False), dtype=np.float32)


def loss_terms(rng: np.random.Generator, **weights: float) -> dict[str, Any]:
    names = ("valid_A", "valid_B", "reconstr_A", "reconstr_B", "id_A", "id_B")
    values = rng.random(len(names)).astype(np.float32)
    return {**dict(zip(names, values, strict=True)), **weights}


def generator_pair_inputs(rng: np.random.Generator, shape=(1, 4, 4, 3)) -> dict[str, Any]:
    """Images of both domains plus the parameters of two toy generators.

    The toy generators (see :func:`run_with_generators`) are per-channel affine maps
    with different parameters, so feeding an image to the wrong one changes the answer.
    """
    shape = tuple(shape)
    inputs: dict[str, Any] = {
        "real_a": rng.uniform(-1, 1, shape).astype(np.float32),
        "real_b": rng.uniform(-1, 1, shape).astype(np.float32),
    }
    for name, low, high in (("AB", 0.3, 0.8), ("BA", 1.2, 1.9)):
        inputs[f"_scale_{name}"] = rng.uniform(low, high, shape[-1]).astype(np.float32)
        inputs[f"_shift_{name}"] = rng.uniform(-0.5, 0.5, shape[-1]).astype(np.float32)
    return inputs


def run_with_generators(function: Callable, inputs: dict[str, Any]) -> np.ndarray:
    """Call ``function(g_AB, g_BA, real_a, real_b)`` with toy affine generators.

    Returns:
        The returned pair ``(id_A, id_B)`` as a float32 array of shape ``(2,)``.
    """
    __tracebackhide__ = True
    import tensorflow as tf

    def toy_generator(direction: str) -> Callable:
        scale = tf.constant(inputs[f"_scale_{direction}"])
        shift = tf.constant(inputs[f"_shift_{direction}"])
        return lambda images: tf.convert_to_tensor(images, tf.float32) * scale + shift

    result = function(toy_generator("AB"), toy_generator("BA"),
                      inputs["real_a"], inputs["real_b"])
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise TypeError("return the pair (id_A, id_B): two scalars, A's term first.")
    return np.array([np.asarray(term, dtype=np.float32) for term in result], dtype=np.float32)
