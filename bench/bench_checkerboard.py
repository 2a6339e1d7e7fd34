"""Checkerboard artefacts of the ResNet generator's upsampling: transposed conv vs resize.

Run with ``python -m bench.bench_checkerboard`` (``--help`` for sizes). For several
seeds it builds the ResNet generator twice with the same weights' seed, once with
``upsampling="transpose"`` (the paper's 3×3 stride-2 transposed convolutions) and once
with ``upsampling="resize"`` (nearest ×2, then a 3×3 convolution; Odena et al. 2016),
feeds both a smooth painted image and measures the high-frequency share of the
output: the fraction of its variance (per channel, mean removed) at spatial
frequencies above 1/4 cycle per pixel along x or y, where a period-2 checkerboard
puts its energy and a smooth picture has almost none. The generators are measured
untrained and after a short fit to reproduce their input (``--steps`` Adam steps of
L1, which any CycleGAN generator learns first through the identity and cycle losses).
It prints a Markdown table (the ratio is transpose / resize) and writes the picture
``docs/images/checkerboard.png`` (``--picture``).
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf
from matplotlib.figure import Figure
from tqdm import tqdm

from cyclegan.networks import build_resnet_generator

VARIANTS = ("transpose", "resize")


def smooth_image(size: int, seed: int) -> np.ndarray:
    """A smooth ``(size, size, 3)`` picture in [-1, 1]: a colour gradient and a soft disc."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:size, 0:size] / (size - 1)
    colours = rng.uniform(-0.8, 0.8, size=(3, 3))
    image = colours[0] * x[..., None] + colours[1] * y[..., None]
    cy, cx = rng.uniform(0.3, 0.7, size=2)
    disc = np.exp(-((x - cx) ** 2 + (y - cy) ** 2) / 0.03)
    image = image + colours[2] * disc[..., None]
    return np.clip(image, -1, 1).astype(np.float32)


def high_frequency_share(image: np.ndarray) -> float:
    """Fraction of an ``(H, W, C)`` image's variance above 1/4 cycle per pixel in x or y."""
    centred = image - image.mean(axis=(0, 1))
    power = np.abs(np.fft.fft2(centred, axes=(0, 1))) ** 2
    fy = np.abs(np.fft.fftfreq(image.shape[0]))[:, None]
    fx = np.abs(np.fft.fftfreq(image.shape[1]))[None, :]
    high = (np.maximum(fx, fy) > 0.25)[..., None]
    total = power.sum()
    return float((power * high).sum() / total) if total > 0 else 0.0


def build(variant: str, size: int, filters: int, blocks: int, seed: int) -> keras.Model:
    keras.utils.set_random_seed(seed)  # the same initial weights for both variants
    return build_resnet_generator((size, size, 3), filters, blocks, upsampling=variant)


def fit_identity(model: keras.Model, images: np.ndarray, steps: int) -> None:
    """``steps`` Adam steps (lr 2e-4, beta_1 0.5) of ``mean |G(x) - x|`` on ``images``."""
    optimizer = keras.optimizers.Adam(2e-4, beta_1=0.5)
    x = tf.constant(images)

    @tf.function
    def step():
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.abs(model(x, training=True) - x))
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables, strict=True))

    for _ in range(steps):
        step()


def measure(size: int, filters: int, blocks: int, seeds: int, steps: int):
    """HF shares ``{(variant, stage): [per seed]}`` and one example image per case."""
    shares: dict[tuple[str, str], list[float]] = {}
    examples: dict[tuple[str, str], np.ndarray] = {}
    probe = smooth_image(size, seed=1000)[None]
    train_images = np.stack([smooth_image(size, seed=s) for s in range(4)])
    for seed in tqdm(range(seeds), desc="seeds"):
        for variant in VARIANTS:
            model = build(variant, size, filters, blocks, seed)
            for stage in ("untrained", "fitted"):
                if stage == "fitted":
                    fit_identity(model, train_images, steps)
                out = np.asarray(model(probe, training=False))[0]
                shares.setdefault((variant, stage), []).append(high_frequency_share(out))
                if seed == 0:
                    examples[(variant, stage)] = out
    return shares, examples, probe[0]


def save_picture(examples, probe, shares, path: Path) -> None:
    """Input, then each variant untrained and fitted, with a 4× crop of the top-left."""
    fig = Figure(figsize=(9.0, 4.2))
    axes = fig.subplots(2, 5)
    crop = probe.shape[0] // 4

    def show(ax, image, title):
        ax.imshow(np.clip((image + 1) / 2, 0, 1), interpolation="nearest")
        ax.set_title(title, fontsize=8)
        ax.set_axis_off()

    for row, variant in enumerate(VARIANTS):
        show(axes[row, 0], probe, f"input\nHF {high_frequency_share(probe):.3f}")
        for col, stage in enumerate(("untrained", "fitted")):
            out = examples[(variant, stage)]
            share = statistics.mean(shares[(variant, stage)])
            show(axes[row, 1 + 2 * col], out, f"{variant}, {stage}\nHF {share:.3f}")
            show(axes[row, 2 + 2 * col], out[:crop, :crop], f"{variant}, {stage}\ntop-left crop")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=80)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=64, help="image side (multiple of 4)")
    parser.add_argument("--filters", type=int, default=16, help="generator filters f")
    parser.add_argument("--blocks", type=int, default=3, help="residual blocks")
    parser.add_argument("--seeds", type=int, default=3, help="weight seeds per variant")
    parser.add_argument("--steps", type=int, default=100, help="identity-fit Adam steps")
    parser.add_argument("--picture", default="docs/images/checkerboard.png",
                        help="where the picture goes ('' for none)")  # fmt: skip
    args = parser.parse_args()
    shares, examples, probe = measure(args.size, args.filters, args.blocks, args.seeds,
                                      args.steps)  # fmt: skip
    print(f"\nHigh-frequency share of the output (above 1/4 cycle/pixel), {args.size}², "
          f"f={args.filters}, {args.blocks} blocks, {args.seeds} seeds; input: "
          f"{high_frequency_share(probe):.4f}\n")  # fmt: skip
    print("| generator | transpose (mean ± sd) | resize (mean ± sd) | transpose / resize |")
    print("|---|---|---|---|")
    for stage in ("untrained", f"fitted ({args.steps} steps)"):
        key = stage.split()[0]
        t, r = shares[("transpose", key)], shares[("resize", key)]
        print(f"| {stage} | {statistics.mean(t):.4f} ± {statistics.stdev(t):.4f} | "
              f"{statistics.mean(r):.4f} ± {statistics.stdev(r):.4f} | "
              f"{statistics.mean(t) / statistics.mean(r):.1f} |")  # fmt: skip
    if args.picture:
        save_picture(examples, probe, shares, Path(args.picture))
        print(f"\npicture written to {args.picture}")


if __name__ == "__main__":
    main()
