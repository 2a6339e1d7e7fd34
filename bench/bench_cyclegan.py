"""CycleGAN training throughput: the project's train step against plain tutorial-style code.

Both sides train the same networks (U-Net or ResNet generators, PatchGAN
discriminators, curriculum sizes) on the same random 128×128 batch, batch size 1:

* ``project``: ``CycleGAN.train_step`` compiled with ``tf.function`` (what ``fit``
  runs), optionally with XLA;
* ``plain eager``: the networks rebuilt plainly below (a ``tf.nn.moments`` instance
  norm, as tutorials write it) trained by a naive loop: separate tapes and separate
  generator calls for every image, the discriminator step re-running the generators,
  nothing wrapped in ``tf.function``;
* ``plain tf.function``: the same step as one ``@tf.function`` (the form of the
  TensorFlow CycleGAN tutorial), optionally with XLA.

Throughput is images per second (one image of each domain per step counts as one);
ratios are project / baseline throughput, so above 1 means the project is faster.
Run ``python -m bench.bench_cyclegan`` (a few minutes); ``--write`` replaces this
benchmark's section of docs/benchmarks.md with the new figures.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from cyclegan.model import CycleGAN  # noqa: E402

SIZE = 128
DOC = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"
BEGIN, END = "<!-- bench_cyclegan:begin -->", "<!-- bench_cyclegan:end -->"


class PlainInstanceNorm(keras.layers.Layer):
    def call(self, x):
        mean, var = tf.nn.moments(x, axes=[1, 2], keepdims=True)
        return (x - mean) / tf.sqrt(var + 1e-5)


def plain_unet(f=32):
    init = keras.initializers.RandomNormal(0.0, 0.02)
    inp = keras.Input((SIZE, SIZE, 3))
    skips, x = [], inp
    for mult in (1, 2, 4, 8):
        x = keras.layers.Conv2D(f * mult, 4, 2, "same", kernel_initializer=init)(x)
        x = keras.layers.ReLU()(PlainInstanceNorm()(x))
        skips.append(x)
    for mult, skip in zip((4, 2, 1), skips[2::-1], strict=True):
        x = keras.layers.UpSampling2D()(x)
        x = keras.layers.Conv2D(f * mult, 4, 1, "same", kernel_initializer=init)(x)
        x = keras.layers.ReLU()(PlainInstanceNorm()(x))
        x = keras.layers.Concatenate()([x, skip])
    x = keras.layers.UpSampling2D()(x)
    out = keras.layers.Conv2D(3, 4, 1, "same", activation="tanh", kernel_initializer=init)(x)
    return keras.Model(inp, out)


def plain_resnet(f=32, blocks=9):
    init = keras.initializers.RandomNormal(0.0, 0.02)

    def reflect(x, p):
        return keras.layers.Lambda(
            lambda t: tf.pad(t, [[0, 0], [p, p], [p, p], [0, 0]], mode="REFLECT")
        )(x)

    def conv(x, filters, k, s, transpose=False):
        layer = keras.layers.Conv2DTranspose if transpose else keras.layers.Conv2D
        x = layer(filters, k, s, "same", kernel_initializer=init)(x)
        return keras.layers.ReLU()(PlainInstanceNorm()(x))

    inp = keras.Input((SIZE, SIZE, 3))
    x = keras.layers.Conv2D(f, 7, kernel_initializer=init)(reflect(inp, 3))
    x = keras.layers.ReLU()(PlainInstanceNorm()(x))
    x = conv(conv(x, 2 * f, 3, 2), 4 * f, 3, 2)
    for _ in range(blocks):
        y = keras.layers.Conv2D(4 * f, 3, kernel_initializer=init)(reflect(x, 1))
        y = keras.layers.ReLU()(PlainInstanceNorm()(y))
        y = PlainInstanceNorm()(
            keras.layers.Conv2D(4 * f, 3, kernel_initializer=init)(reflect(y, 1))
        )
        x = keras.layers.Add()([x, y])
    x = conv(conv(x, 2 * f, 3, 2, True), f, 3, 2, True)
    out = keras.layers.Conv2D(3, 7, activation="tanh", kernel_initializer=init)(reflect(x, 3))
    return keras.Model(inp, out)


def plain_patchgan(f=32):
    init = keras.initializers.RandomNormal(0.0, 0.02)
    inp = keras.Input((SIZE, SIZE, 3))
    x = keras.layers.LeakyReLU(0.2)(
        keras.layers.Conv2D(f, 4, 2, "same", kernel_initializer=init)(inp)
    )
    for mult, stride in ((2, 2), (4, 2), (8, 1)):
        x = keras.layers.Conv2D(f * mult, 4, stride, "same", kernel_initializer=init)(x)
        x = keras.layers.LeakyReLU(0.2)(PlainInstanceNorm()(x))
    return keras.Model(inp, keras.layers.Conv2D(1, 4, 1, "same", kernel_initializer=init)(x))


def plain_step(generator: str):
    """Tutorial-style CycleGAN step over plainly built networks; returns ``step(a, b)``."""
    make_g = plain_unet if generator == "unet" else plain_resnet
    g_ab, g_ba, d_a, d_b = make_g(), make_g(), plain_patchgan(), plain_patchgan()
    opts = [keras.optimizers.Adam(2e-4, beta_1=0.5) for _ in range(4)]

    def mse(x, t):
        return tf.reduce_mean(tf.square(x - t))

    def mae(x, y):
        return tf.reduce_mean(tf.abs(x - y))

    def step(a, b):
        fake_b, fake_a = g_ab(a, training=True), g_ba(b, training=True)
        for d, real, fake, opt in ((d_a, a, fake_a, opts[0]), (d_b, b, fake_b, opts[1])):
            with tf.GradientTape() as tape:
                loss = 0.5 * (mse(d(real, training=True), 1.0) + mse(d(fake, training=True), 0.0))
            opt.apply_gradients(
                zip(tape.gradient(loss, d.trainable_variables), d.trainable_variables, strict=True)
            )
        with tf.GradientTape(persistent=True) as tape:
            fake_b, fake_a = g_ab(a, training=True), g_ba(b, training=True)
            cyc = mae(g_ba(fake_b, training=True), a) + mae(g_ab(fake_a, training=True), b)
            ident = mae(g_ba(a, training=True), a) + mae(g_ab(b, training=True), b)
            valid = mse(d_a(fake_a, training=True), 1.0) + mse(d_b(fake_b, training=True), 1.0)
            total = valid + 10.0 * cyc + 2.0 * ident
        for g, opt in ((g_ab, opts[2]), (g_ba, opts[3])):
            opt.apply_gradients(
                zip(tape.gradient(total, g.trainable_variables), g.trainable_variables, strict=True)
            )
        del tape
        return total

    return step


def project_step(generator: str, jit_compile: bool):
    model = CycleGAN((SIZE, SIZE, 3), generator_type=generator, gen_n_filters=32, disc_n_filters=32)
    model.compile()
    train_step = tf.function(model.train_step, jit_compile=jit_compile)
    return lambda a, b: train_step((a, b))["g_total"]


def measure(configs: dict, a, b, warmup: int, steps: int) -> dict[str, float]:
    """Median images per second of each step function.

    After ``warmup`` untimed calls each (tracing, compilation), the timed steps go
    round-robin over the configurations, so a change in the machine's load (other jobs
    share the cores) hits all of them alike instead of whichever ran at the time.
    """
    for step in configs.values():
        for _ in range(warmup):
            float(step(a, b))
    times = {name: [] for name in configs}
    for _ in range(steps):
        for name, step in configs.items():
            start = time.perf_counter()
            float(step(a, b))  # float() waits for the step to finish
            times[name].append(time.perf_counter() - start)
    return {name: 1.0 / statistics.median(t) for name, t in times.items()}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=6, help="timed steps per configuration")
    parser.add_argument("--warmup", type=int, default=1, help="untimed steps (tracing)")
    parser.add_argument("--generators", nargs="+", default=["unet", "resnet"])
    parser.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    args = parser.parse_args(argv)
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    a, b = (tf.constant(rng.uniform(-1, 1, (1, SIZE, SIZE, 3)).astype(np.float32)) for _ in "ab")
    rows = []
    for gen in args.generators:
        eager = plain_step(gen)
        configs = {
            "plain eager": eager,
            "plain tf.function": tf.function(eager),
            "plain tf.function + XLA": tf.function(eager, jit_compile=True),
            "project": project_step(gen, False),
            "project + XLA": project_step(gen, True),
        }
        speed = measure(configs, a, b, args.warmup, args.steps)
        for name, value in speed.items():
            print(f"{gen:6s} {name:24s} {value:7.2f} img/s", flush=True)
        rows.append((gen, speed))
    table = format_table(rows)
    print(table)
    if args.write:
        write_section(table)


def format_table(rows) -> str:
    lines = [
        "| generator | plain eager | plain tf.function | plain tf.function + XLA | project |"
        " project + XLA | project / plain eager | project / plain tf.function |"
        " project+XLA / plain+XLA |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for gen, s in rows:
        speeds = [s[k] for k in ("plain eager", "plain tf.function", "plain tf.function + XLA")]
        speeds += [s["project"], s["project + XLA"]]
        ratios = [
            s["project"] / s["plain eager"],
            s["project"] / s["plain tf.function"],
            s["project + XLA"] / s["plain tf.function + XLA"],
        ]
        cells = [f"{v:.2f}" for v in speeds] + [f"{r:.2f}" for r in ratios]
        lines.append(f"| {gen} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def write_section(table: str) -> None:
    section = "\n".join(
        [
            BEGIN,
            "## CycleGAN training step (`python -m bench.bench_cyclegan`)",
            "",
            "Images per second (higher is better) of one full CycleGAN step (both",
            "discriminators, then both generators) at 128 × 128, batch 1, curriculum sizes",
            "(`gen_n_filters = disc_n_filters = 32`; ResNet with 9 blocks), median of the timed",
            "steps after warm-up, timed round-robin over the configurations so that load changes",
            "hit all alike. Ratios are project / baseline throughput (≥ 1: project at",
            "least as fast). Baselines are written plainly in the script: tutorial-style",
            "networks and a step with separate tapes and one generator call per image, run",
            "eagerly or as one `tf.function`. The project step runs each generator once per",
            "domain pair (identity and translation batched), reuses that forward pass for",
            "the generator update, and queries the image pools in the graph.",
            "",
            table,
            "",
            "Measured on the shared 2-core CPU while other jobs ran, so absolute figures are",
            "pessimistic and vary from run to run; compare the ratios. On this CPU, XLA is",
            "slower than TensorFlow's default (oneDNN) kernels for both sides; `--xla` is",
            "meant for GPUs.",
            END,
        ]
    )
    text = DOC.read_text(encoding="utf-8") if DOC.exists() else "# Benchmarks\n"
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        text = head + section + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    DOC.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
