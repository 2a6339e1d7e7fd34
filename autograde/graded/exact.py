"""Float64 NumPy readings of every graded function, written from the curriculum's formulas.

Two jobs, both about trusting numbers:

* **The expected values written into the notebooks** (``expected=`` of every public
  check) come from here, not from TensorFlow. A float32 TensorFlow result depends on
  the processor (oneDNN picks other kernels and summation orders on other CPUs), so
  its last digits would differ from one build machine to the next. A float64 result
  rounded once to float32 is the same everywhere: the float64 noise (about 1e-16) is
  far below float32's resolution (about 6e-8), so the rounding lands on the same
  float32 number on every machine except in the vanishingly rare case of a value
  within 1e-16 of a rounding boundary (and the drift check tolerates that too).
* **An independent check of the reference packages**: the tests compare the reference
  (TensorFlow, float32) with these readings, so neither is trusted on its own.

Every function takes the inputs a spec's input maker produces (``spec.inputs(case)``,
including the ``_``-prefixed keys meant for the caller) and computes in float64.
"""

from __future__ import annotations

import numpy as np

VGG_MEAN_RGB = np.array([123.68, 116.779, 103.939])


def unroll_channels(a):
    a = np.asarray(a, np.float64)
    n_C = a.shape[-1]
    out = np.empty((n_C, a.shape[1] * a.shape[2]))
    for c in range(n_C):
        out[c] = [a[0, h, w, c] for h in range(a.shape[1]) for w in range(a.shape[2])]
    return out


def compute_content_cost(a_C, a_G):
    a_C, a_G = np.asarray(a_C, np.float64), np.asarray(a_G, np.float64)
    _, n_H, n_W, n_C = a_C.shape
    return ((a_C - a_G) ** 2).sum() / (4 * n_H * n_W * n_C)


def gram_matrix(A):
    A = np.asarray(A, np.float64)
    return np.einsum("ik,jk->ij", A, A)


def compute_layer_style_cost(a_S, a_G):
    _, n_H, n_W, n_C = np.shape(a_S)
    G_S, G_G = gram_matrix(unroll_channels(a_S)), gram_matrix(unroll_channels(a_G))
    return ((G_S - G_G) ** 2).sum() / (4 * n_C**2 * (n_H * n_W) ** 2)


def compute_style_cost(a_S_list, a_G_list, style_layers):
    return sum(w * compute_layer_style_cost(s, g)
               for s, g, (_, w) in zip(a_S_list, a_G_list, style_layers, strict=True))


def total_variation_cost(image):
    x = np.asarray(image, np.float64)
    a = (x[:, :-1, :-1] - x[:, 1:, :-1]) ** 2
    b = (x[:, :-1, :-1] - x[:, :-1, 1:]) ** 2
    return ((a + b) ** 1.25).sum()


def total_cost(J_content, J_style, alpha=10, beta=40):
    return alpha * float(J_content) + beta * float(J_style)


def generate_noise_image(content, noise_ratio=0.6, seed=None):
    content = np.asarray(content, np.float64)
    noise = np.random.default_rng(seed).uniform(-20.0, 20.0, content.shape) / 255.0
    mean = VGG_MEAN_RGB / 255.0
    return np.clip(noise_ratio * noise + (1 - noise_ratio) * (content - mean) + mean, 0, 1)


#: RGB -> YIQ, the NTSC 1953 weights (Y: luminance; I, Q: chrominance).
_YIQ = np.array([[0.299, 0.587, 0.114],
                 [0.595716, -0.274453, -0.321263],
                 [0.211456, -0.522591, 0.311135]])


def rgb_to_yiq(image):
    return np.asarray(image, np.float64) @ _YIQ.T


def luminance_transfer(stylised_luma, content_rgb, clip=True):
    yiq = rgb_to_yiq(content_rgb)
    yiq[..., 0] = np.asarray(stylised_luma, np.float64)[..., 0]
    rgb = yiq @ np.linalg.inv(_YIQ).T
    return np.clip(rgb, 0.0, 1.0) if clip else rgb


def _channel_moments(x, epsilon):
    x = np.asarray(x, np.float64)
    mean = x.mean(axis=(1, 2), keepdims=True)
    return mean, np.sqrt(((x - mean) ** 2).mean(axis=(1, 2), keepdims=True) + epsilon)


def adain(content_features, style_features, epsilon=1e-5):
    mu_x, sigma_x = _channel_moments(content_features, epsilon)
    mu_y, sigma_y = _channel_moments(style_features, epsilon)
    return sigma_y * (np.asarray(content_features, np.float64) - mu_x) / sigma_x + mu_y


def adain_style_loss(generated_features, style_features, epsilon=1e-5):
    total = 0.0
    for g, s in zip(generated_features, style_features, strict=True):
        mu_g, sigma_g = _channel_moments(g, epsilon)
        mu_s, sigma_s = _channel_moments(s, epsilon)
        total += ((mu_g - mu_s) ** 2).mean() + ((sigma_g - sigma_s) ** 2).mean()
    return total


def discriminator_loss(real_output, fake_output):
    real, fake = np.asarray(real_output, np.float64), np.asarray(fake_output, np.float64)
    return 0.5 * (((real - 1) ** 2).mean() + (fake**2).mean())


def generator_adversarial_loss(fake_output):
    return ((np.asarray(fake_output, np.float64) - 1) ** 2).mean()


def cycle_consistency_loss(real_image, reconstructed_image):
    return np.abs(np.asarray(real_image, np.float64) - reconstructed_image).mean()


def identity_loss(real_image, same_image):
    return np.abs(np.asarray(real_image, np.float64) - same_image).mean()


def identity_terms(real_a, real_b, _scale_AB, _shift_AB, _scale_BA, _shift_BA):
    """The toy generators of autograde.graded.inputs.run_with_generators are affine per channel."""
    a, b = np.asarray(real_a, np.float64), np.asarray(real_b, np.float64)
    id_A = np.abs(a * _scale_BA + _shift_BA - a).mean()
    id_B = np.abs(b * _scale_AB + _shift_AB - b).mean()
    return np.array([id_A, id_B])


def generator_total_loss(valid_A, valid_B, reconstr_A, reconstr_B, id_A, id_B,
                         lambda_validation=1.0, lambda_reconstr=10.0, lambda_id=2.0):
    return (lambda_validation * (valid_A + valid_B) + lambda_reconstr * (reconstr_A + reconstr_B)
            + lambda_id * (id_A + id_B))


# Keras blocks, with weights drawn the way autograde.graded.inputs.run_block draws them.

def _conv2d(x, kernel, bias, stride, padding):
    k = kernel.shape[0]
    n, h, w, _ = x.shape
    if padding == "same":
        out_h, out_w = -(-h // stride), -(-w // stride)
        pad_h = max((out_h - 1) * stride + k - h, 0)
        pad_w = max((out_w - 1) * stride + k - w, 0)
        x = np.pad(x, ((0, 0), (pad_h // 2, pad_h - pad_h // 2),
                       (pad_w // 2, pad_w - pad_w // 2), (0, 0)))
    else:
        out_h, out_w = (h - k) // stride + 1, (w - k) // stride + 1
    out = np.empty((n, out_h, out_w, kernel.shape[-1]))
    for i in range(out_h):
        for j in range(out_w):
            patch = x[:, i * stride:i * stride + k, j * stride:j * stride + k, :]
            out[:, i, j, :] = np.tensordot(patch, kernel, axes=([1, 2, 3], [0, 1, 2]))
    return out + bias


def _instance_norm(x, eps=1e-5):
    mu = x.mean(axis=(1, 2), keepdims=True)
    return (x - mu) / np.sqrt(x.var(axis=(1, 2), keepdims=True) + eps)


def _weights(seed, shapes):
    rng = np.random.default_rng(seed)
    return [(0.2 * rng.standard_normal(s)).astype(np.float32).astype(np.float64) for s in shapes]


def downsample(x, filters, name, kernel_size=4, normalize=True, _weights_seed=0):
    x = np.asarray(x, np.float64)
    kernel, bias = _weights(_weights_seed, [(kernel_size, kernel_size, x.shape[-1], filters),
                                            (filters,)])
    y = _conv2d(x, kernel, bias, 2, "same")
    return np.maximum(_instance_norm(y) if normalize else y, 0)


def upsample(x, skip, filters, name, kernel_size=4, dropout_rate=0.0, _weights_seed=0):
    x = np.asarray(x, np.float64).repeat(2, axis=1).repeat(2, axis=2)
    kernel, bias = _weights(_weights_seed, [(kernel_size, kernel_size, x.shape[-1], filters),
                                            (filters,)])
    y = np.maximum(_instance_norm(_conv2d(x, kernel, bias, 1, "same")), 0)
    return np.concatenate([y, skip], axis=-1)


def residual_block(x, filters, name, kernel_size=3, _weights_seed=0):
    x = np.asarray(x, np.float64)
    c, p = x.shape[-1], kernel_size // 2
    k1, b1, k2, b2 = _weights(_weights_seed, [(kernel_size, kernel_size, c, filters), (filters,),
                                              (kernel_size, kernel_size, filters, filters),
                                              (filters,)])
    pad = ((0, 0), (p, p), (p, p), (0, 0))
    y = np.maximum(_instance_norm(_conv2d(np.pad(x, pad, mode="reflect"), k1, b1, 1, "valid")), 0)
    y = _instance_norm(_conv2d(np.pad(y, pad, mode="reflect"), k2, b2, 1, "valid"))
    return x + y


FUNCTIONS = {name: value for name, value in globals().items()
             if callable(value) and not name.startswith("_")}


def exact_value(name: str, inputs: dict) -> np.ndarray:
    """The float64 result of the graded function ``name`` on ``inputs``.

    Args:
        name: a graded function, e.g. ``"gram_matrix"``.
        inputs: keyword arguments as made by its spec (``spec.inputs(case)``).

    Returns:
        A float64 array (0-d for scalars).

    Raises:
        ValueError: when ``name`` has no reading here.
    """
    try:
        function = FUNCTIONS[name]
    except KeyError:
        raise ValueError(f"autograde.graded.exact has no float64 reading of {name!r}; add one "
                         "written from the curriculum's formula.") from None
    return np.asarray(function(**inputs), dtype=np.float64)
