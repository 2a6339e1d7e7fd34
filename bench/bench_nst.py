"""NST benchmarks: the project's Adam step against a plain tutorial-style step, and the
time L-BFGS needs to reach the loss of 1000 Adam steps.

Run with `make bench` (or `python -m bench.bench_nst --help`). Figures are appended to
docs/benchmarks.md by hand from the printed table. VGG19 weights: ImageNet when a local
copy exists, otherwise random (printed), which changes the loss landscape but not the
cost of a step.
"""

from __future__ import annotations

import argparse
import time

import keras
import numpy as np
import tensorflow as tf

from nst_utils import samples
from nst_utils.costs import CONTENT_LAYER, STYLE_LAYERS
from nst_utils.stylize import ADAM_DEFAULTS, StyleTransferLoss, make_adam_step, stylize
from nst_utils.vgg import build_feature_extractor, load_vgg19


def plain_tutorial_step(vgg, content, style, alpha=10.0, beta=40.0):
    """The baseline: how tutorials write NST, einsum Gram and one tf.function step."""
    names = [n for n, _ in STYLE_LAYERS] + [CONTENT_LAYER]
    model = keras.Model(vgg.input, [vgg.get_layer(n).output for n in names])

    def outputs(image):
        return model(keras.applications.vgg19.preprocess_input(image * 255.0))

    def gram(a):
        return tf.einsum("bijc,bijd->bcd", a, a)

    style_targets = [gram(a) for a in outputs(tf.constant(style))[:-1]]
    content_target = outputs(tf.constant(content))[-1]
    image = tf.Variable(content)
    opt = keras.optimizers.Adam(**ADAM_DEFAULTS)
    opt.build([image])

    @tf.function
    def step():
        with tf.GradientTape() as tape:
            outs = outputs(image)
            J_s = 0.0
            for (_, w), target, a in zip(STYLE_LAYERS, style_targets, outs[:-1], strict=True):
                _, h, wd, c = a.shape
                J_s += w * tf.reduce_sum((gram(a) - target) ** 2) / (4.0 * c**2 * (h * wd) ** 2)
            _, h, wd, c = outs[-1].shape
            J_c = tf.reduce_sum((outs[-1] - content_target) ** 2) / (4.0 * h * wd * c)
            loss = alpha * J_c + beta * J_s
        opt.apply_gradients([(tape.gradient(loss, image), image)])
        image.assign(tf.clip_by_value(image, 0.0, 1.0))
        return loss

    return step


def project_step(vgg, content, style, jit_compile=False):
    layers = [CONTENT_LAYER] + [n for n, _ in STYLE_LAYERS]
    loss = StyleTransferLoss(build_feature_extractor(vgg, layers), content, style,
                             CONTENT_LAYER, STYLE_LAYERS, 10.0, 40.0, 0.0)
    image = tf.Variable(content)
    opt = keras.optimizers.Adam(**ADAM_DEFAULTS)
    opt.build([image])
    return make_adam_step(loss, image, opt, jit_compile=jit_compile)


def time_steps(steps: dict, repeats: int, block: int) -> dict:
    """Median seconds per step, measured in interleaved blocks so drift hits all alike."""
    for fn in steps.values():
        for _ in range(2):
            float(fn())  # trace, compile and warm up
    samples_ = {name: [] for name in steps}
    for _ in range(repeats):
        for name, fn in steps.items():
            start = time.perf_counter()
            for _ in range(block):
                loss = fn()
            float(loss)
            samples_[name].append((time.perf_counter() - start) / block)
    return {name: float(np.median(v)) for name, v in samples_.items()}


def vgg_step_gflop(vgg, size: int) -> float:
    """FLOPs of one step: forward to block5_conv2 plus the input gradient (about the same)."""
    flops, h, w = 0.0, size, size
    for layer in vgg.layers:
        if isinstance(layer, keras.layers.MaxPooling2D):
            h, w = h // 2, w // 2
        elif isinstance(layer, keras.layers.Conv2D):
            k, cin, cout = layer.kernel.shape[0], layer.kernel.shape[2], layer.kernel.shape[3]
            flops += 2.0 * h * w * k * k * cin * cout
        if layer.name == CONTENT_LAYER:
            break
    return 2.0 * flops / 1e9


def matmul_gflops(n: int = 2048, repeats: int = 10) -> float:
    a = tf.constant(np.random.default_rng(0).random((n, n), dtype=np.float32))
    mm = tf.function(lambda x: tf.matmul(x, x))
    float(tf.reduce_sum(mm(a)))
    start = time.perf_counter()
    for _ in range(repeats):
        out = mm(a)
    float(tf.reduce_sum(out))
    return 2.0 * n**3 * repeats / (time.perf_counter() - start) / 1e9


def bench_step_time(vgg, sizes, repeats, block):
    peak = matmul_gflops()
    print(f"\nmeasured matmul rate: {peak:.1f} GFLOP/s (float32, 2048x2048)")
    print("| size | plain tutorial step | project step | ratio | project + XLA | ratio "
          "| GFLOP/s (project) | share of matmul rate |")
    print("|---|---|---|---|---|---|---|---|")
    for size in sizes:
        content = samples.content_image("grace_hopper", max_dim=size)[:, :size, :size]
        content = tf.image.resize(content, (size, size)).numpy()
        style = samples.style_image("waves", size=(size, size))
        times = time_steps({
            "plain": plain_tutorial_step(vgg, content, style),
            "project": project_step(vgg, content, style),
            "xla": project_step(vgg, content, style, jit_compile=True),
        }, repeats, block)
        gflop = vgg_step_gflop(vgg, size)
        rate = gflop / times["project"]
        print(f"| {size}² | {times['plain'] * 1e3:.0f} ms | {times['project'] * 1e3:.0f} ms | "
              f"{times['project'] / times['plain']:.2f} | {times['xla'] * 1e3:.0f} ms | "
              f"{times['xla'] / times['plain']:.2f} | {rate:.1f} | {rate / peak:.0%} |")


def bench_time_to_quality(vgg, size, adam_steps):
    content = samples.content_image("grace_hopper", max_dim=size)
    style = samples.style_image("waves", size=content.shape[1:3])
    adam = stylize(content, style, steps=adam_steps, optimizer="adam", vgg=vgg, progress=False)
    target = adam.losses[-1]
    reached = {}

    def watch(step, image, loss):
        if loss <= target and "seconds" not in reached:
            reached["seconds"] = time.perf_counter() - start
            reached["step"] = step
            raise StopIteration

    start = time.perf_counter()
    try:
        lbfgs = stylize(content, style, steps=200, optimizer="lbfgs", vgg=vgg, progress=False,
                        callback=watch)
        final = lbfgs.losses[-1]
    except StopIteration:
        final = target
    print(f"\ntime to quality at {content.shape[2]}x{content.shape[1]}: Adam {adam_steps} "
          f"steps reach loss {target:.4g} in {adam.seconds:.1f} s")
    if "seconds" in reached:
        print(f"L-BFGS reaches it after {reached['step']} outer steps "
              f"({reached['step'] * 20} evaluations at most) in {reached['seconds']:.1f} s: "
              f"{reached['seconds'] / adam.seconds:.2f} of Adam's time")
    else:
        print(f"L-BFGS did not reach it in 200 outer steps (best {final:.4g})")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[256, 512])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--block", type=int, default=3, help="steps per timed block")
    parser.add_argument("--quality-size", type=int, default=128)
    parser.add_argument("--adam-steps", type=int, default=1000)
    parser.add_argument("--skip-quality", action="store_true")
    args = parser.parse_args(argv)
    keras.utils.set_random_seed(0)
    vgg = load_vgg19("auto")
    print(f"VGG19 weights: {vgg.weights_source}; TensorFlow {tf.__version__}, "
          f"devices: {[d.name for d in tf.config.list_logical_devices()]}")
    bench_step_time(vgg, args.sizes, args.repeats, args.block)
    if not args.skip_quality:
        bench_time_to_quality(vgg, args.quality_size, args.adam_steps)


if __name__ == "__main__":
    main()
