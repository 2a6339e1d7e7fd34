"""Fast style transfer benchmarks: one forward pass against the course's Gatys run, and the
project's training step against a plain Keras ``fit()`` of the same network and loss (and
against the step's former per-image loop), timed on the wall clock and in CPU seconds.

Run: ``python -m bench.bench_fast`` (``--help`` for sizes and repeats). Figures go into
docs/benchmarks.md by hand from the printed tables. VGG19 weights: ImageNet when a local
copy exists, otherwise random (printed); the cost of a pass does not depend on them,
and the transformation network is untrained here (its weights do not change its cost).
"""

from __future__ import annotations

import argparse
import os
import time

import keras
import numpy as np
import tensorflow as tf

from nst_utils import samples
from nst_utils.cost_functions import REFERENCE_COSTS
from nst_utils.fast.perceptual import FAST_CONTENT_LAYER, FAST_STYLE_LAYERS
from nst_utils.fast.train import make_fast_step
from nst_utils.fast.transform_net import WIDTHS, build_transform_net
from nst_utils.stylize import stylize
from nst_utils.vgg import build_feature_extractor, load_vgg19


def square(image: np.ndarray, size: int) -> np.ndarray:
    return tf.image.resize(image, (size, size)).numpy()


def forward_ms(net: keras.Model, size: int, repeats: int, jit: bool) -> tuple[float, float]:
    """Median warm wall time and CPU time of one forward pass on (1, size, size, 3), in ms.

    The CPU time (all threads of this process) does not grow when other jobs share the
    machine; on an idle machine the wall time lies between it and it divided by the cores.
    """
    fn = tf.function(lambda x: net(x, training=False), jit_compile=jit)
    x = tf.constant(np.random.default_rng(0).random((1, size, size, 3), dtype=np.float32))
    for _ in range(2):
        fn(x).numpy()  # trace, compile, warm up
    wall, cpu = [], []
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn(x).numpy()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return 1000.0 * float(np.median(wall)), 1000.0 * float(np.median(cpu))


def gatys_seconds(vgg, size: int, steps: int) -> float:
    """Wall time of the demo's run (L-BFGS, ``steps`` outer steps of 20 evaluations).

    Prints the time and loss at the end of every outer step as it goes (a run takes
    tens of minutes on a 2-core CPU).
    """
    content = square(samples.content_image("grace_hopper", max_dim=size), size)
    style = samples.style_image("waves", size=(size, size))
    start, start_cpu = time.perf_counter(), time.process_time()

    def report(step: int, image: np.ndarray, loss: float) -> None:
        print(f"  Gatys outer step {step}: {time.perf_counter() - start:.1f} s wall, "
              f"{time.process_time() - start_cpu:.1f} s CPU, loss {loss:.4g}, load average "
              f"{os.getloadavg()[0]:.1f}", flush=True)

    stylize(content, style, steps=steps, optimizer="lbfgs", vgg=vgg, callback=report)
    return time.perf_counter() - start


def plain_fit_model(net, extractor, style_features, lr, alpha=10.0, beta=40.0):
    """The baseline: the same network and loss written the plain way, for ``model.fit``."""
    targets = {n: tf.einsum("bijc,bijd->bcd", style_features[n], style_features[n])
               for n, _ in FAST_STYLE_LAYERS}

    def loss(y_true, y_pred):
        f_c, f_g = extractor(y_true), extractor(y_pred)
        a_c, a_g = f_c[FAST_CONTENT_LAYER], f_g[FAST_CONTENT_LAYER]
        _, h, w, c = a_c.shape
        J_c = tf.reduce_sum((a_c - a_g) ** 2, axis=[1, 2, 3]) / (4.0 * h * w * c)
        J_s = 0.0
        for name, weight in FAST_STYLE_LAYERS:
            a = f_g[name]
            _, h, w, c = a.shape
            gram = tf.einsum("bijc,bijd->bcd", a, a)
            J_s += weight * tf.reduce_sum((gram - targets[name]) ** 2, axis=[1, 2]) / (
                4.0 * c**2 * (h * w) ** 2)
        return tf.reduce_mean(alpha * J_c + beta * J_s)

    net.compile(optimizer=keras.optimizers.Adam(lr), loss=loss)
    return net


def per_image_loop_step(net, extractor, style_features, optimizer, alpha=10.0, beta=40.0):
    """The project's step before it was vectorised: the graded costs in a Python loop.

    Kept here to measure what ``tf.vectorized_map`` changed (B unrolled copies of the
    costs, and the style image's Gram matrices taken once per image).
    """
    costs = REFERENCE_COSTS
    a_S = [style_features[n] for n, _ in FAST_STYLE_LAYERS]

    @tf.function(autograph=False)
    def step_fn(images):
        with tf.GradientTape() as tape:
            out = net(images, training=True)
            f_c, f_g = extractor(images), extractor(out)
            total = 0.0
            for b in range(images.shape[0]):
                J_c = costs.content_cost(f_c[FAST_CONTENT_LAYER][b:b + 1],
                                         f_g[FAST_CONTENT_LAYER][b:b + 1])
                J_s = costs.style_cost(a_S, [f_g[n][b:b + 1] for n, _ in FAST_STYLE_LAYERS],
                                       FAST_STYLE_LAYERS)
                total += costs.total_cost(J_c, J_s, alpha, beta)
            loss = total / images.shape[0]
        grads = tape.gradient(loss, net.trainable_variables)
        optimizer.apply_gradients(zip(grads, net.trainable_variables, strict=True))
        return loss

    return step_fn


class _StepTimes(keras.callbacks.Callback):
    """Wall and CPU clocks at the start of ``fit`` and at the end of every batch."""

    def on_train_begin(self, logs=None):
        self.ends = [(time.perf_counter(), time.process_time())]

    def on_train_batch_end(self, batch, logs=None):
        self.ends.append((time.perf_counter(), time.process_time()))


def bench_training(vgg, width: str, size: int, batch: int, block: int, repeats: int) -> dict:
    """Seconds per step, project loop vs ``fit``, in interleaved blocks after warm-up.

    Returns:
        Medians over the blocks: ``{"project", "fit", "loop"}`` wall seconds per step
        (``loop``: :func:`per_image_loop_step`), the same names with ``_cpu``: CPU
        seconds of this process per step (the steadier measure when other jobs share the
        machine), and ``load``: the load average.
    """
    extractor = build_feature_extractor(vgg, [FAST_CONTENT_LAYER] +
                                        [n for n, _ in FAST_STYLE_LAYERS])
    style = samples.style_image("waves", size=(size, size))
    style_features = {k: tf.constant(v) for k, v in extractor(style).items()}
    images = np.random.default_rng(1).random((8 * batch, size, size, 3), dtype=np.float32)
    data = tf.data.Dataset.from_tensor_slices(images).batch(batch, drop_remainder=True)
    data = data.repeat().prefetch(2)

    keras.utils.set_random_seed(0)
    net = build_transform_net(width)
    optimizer = keras.optimizers.Adam(1e-3)
    optimizer.build(net.trainable_variables)
    step = make_fast_step(net, extractor, style_features, optimizer, alpha=10.0, beta=40.0)
    project_batches = iter(data)

    keras.utils.set_random_seed(0)
    loop_net = build_transform_net(width)
    loop_optimizer = keras.optimizers.Adam(1e-3)
    loop_optimizer.build(loop_net.trainable_variables)
    loop = per_image_loop_step(loop_net, extractor, style_features, loop_optimizer)
    loop_batches = iter(data)

    keras.utils.set_random_seed(0)
    baseline = plain_fit_model(build_transform_net(width), extractor, style_features, 1e-3)
    pairs = data.map(lambda x: (x, x))
    timer = _StepTimes()

    def timed_loop(step_fn, batches, n):
        start, start_cpu = time.perf_counter(), time.process_time()
        for _ in range(n):
            float(step_fn(next(batches)))  # the training loop reads every loss
        return (time.perf_counter() - start) / n, (time.process_time() - start_cpu) / n

    def run_project(n):
        return timed_loop(step, project_batches, n)

    def run_loop(n):
        return timed_loop(loop, loop_batches, n)

    def run_fit(n):
        baseline.fit(pairs, steps_per_epoch=n, epochs=1, verbose=0, shuffle=False,
                     callbacks=[timer])
        # Throughput over the whole block, from fit's first step to its last (Keras
        # dispatches steps ahead of the device, so single batch-end intervals do not each
        # measure one step; fit's own set-up before the first step is not counted).
        (wall_0, cpu_0), (wall_1, cpu_1) = timer.ends[0], timer.ends[-1]
        return (wall_1 - wall_0) / n, (cpu_1 - cpu_0) / n

    runs = (("project", run_project), ("fit", run_fit), ("loop", run_loop))
    for _, run in runs:
        run(2)  # trace and warm up
    got = {k: [] for name, _ in runs for k in (name, f"{name}_cpu")}
    got["load"] = []
    for _ in range(repeats):
        for name, run in runs:
            wall, cpu = run(block)
            got[name].append(wall)
            got[f"{name}_cpu"].append(cpu)
        got["load"].append(os.getloadavg()[0])
    return {k: float(np.median(v)) for k, v in got.items()}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_fast", description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[512, 1024])
    parser.add_argument("--widths", nargs="+", default=["johnson", "fast"])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--gatys-size", type=int, default=512)
    parser.add_argument("--gatys-steps", type=int, default=6, help="L-BFGS outer steps")
    parser.add_argument("--train-size", type=int, default=128)
    parser.add_argument("--train-batch", type=int, default=2)
    parser.add_argument("--train-block", type=int, default=4)
    parser.add_argument("--train-repeats", type=int, default=7,
                        help="interleaved blocks per loop (the median is reported)")
    parser.add_argument("--skip-gatys", action="store_true")
    parser.add_argument("--skip-train", action="store_true")
    parser.add_argument("--skip-forward", action="store_true")
    args = parser.parse_args(argv)
    vgg = load_vgg19("auto")
    print(f"VGG19 weights: {vgg.weights_source}; load average {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} cores")

    print("\n| width | params | size | forward (wall / CPU) | forward + XLA (wall / CPU) |")
    print("|---|---|---|---|---|")
    best = {}
    for width in [] if args.skip_forward else args.widths:
        net = build_transform_net(width)
        for size in args.sizes:
            plain = forward_ms(net, size, args.repeats, jit=False)
            xla = forward_ms(net, size, args.repeats, jit=True)
            best[(width, size)] = min(plain[0], xla[0])
            print(f"| {width} ({WIDTHS.get(width, width)}) | {net.count_params():,} | {size}² | "
                  f"{plain[0]:.0f} / {plain[1]:.0f} ms | {xla[0]:.0f} / {xla[1]:.0f} ms |",
                  flush=True)

    if not (args.skip_gatys or args.skip_forward):
        seconds = gatys_seconds(vgg, args.gatys_size, args.gatys_steps)
        print(f"\nGatys (demo settings: L-BFGS, {args.gatys_steps} x 20 evaluations) at "
              f"{args.gatys_size}²: {seconds:.1f} s")
        print("| width | forward (best) | Gatys run | speed-up |")
        print("|---|---|---|---|")
        for width in args.widths:
            ms = best[(width, args.gatys_size)]
            print(f"| {width} | {ms:.0f} ms | {seconds:.1f} s | {1000 * seconds / ms:.0f}x |")

    if args.skip_train:
        return
    print(f"\nTraining step, {args.train_size}² crops, batch {args.train_batch} "
          f"(s/step, median over interleaved blocks of {args.train_block}):")
    print("| width | load average | plain fit() wall / CPU | project step wall / CPU | "
          "ratio wall / CPU | per-image loop (before) wall / CPU | its ratio wall / CPU |")
    print("|---|---|---|---|---|---|---|")
    for width in args.widths:
        t = bench_training(vgg, width, args.train_size, args.train_batch, args.train_block,
                           args.train_repeats)
        print(f"| {width} | {t['load']:.1f} | {t['fit']:.3f} / {t['fit_cpu']:.3f} s | "
              f"{t['project']:.3f} / {t['project_cpu']:.3f} s | "
              f"{t['fit'] / t['project']:.2f}x / {t['fit_cpu'] / t['project_cpu']:.2f}x | "
              f"{t['loop']:.3f} / {t['loop_cpu']:.3f} s | "
              f"{t['fit'] / t['loop']:.2f}x / {t['fit_cpu'] / t['loop_cpu']:.2f}x |", flush=True)


if __name__ == "__main__":
    main()
