"""Coarse-to-fine NST against single-scale at the same final size: time to a loss, memory.

For each final size (longest side) it runs, each in its own child process (so the peak
resident memory, ``ru_maxrss``, is that configuration's alone):

1. **single-scale** (the baseline): ``stylize`` for ``N`` Adam steps at the final size,
   from the content image; it records the final loss ``L_N`` and the time it took;
2. **coarse-to-fine**: ``stylize_multiscale`` from ``start`` px up to the final size by
   ``sqrt(2)`` steps (many cheap steps at the small sizes), stopped as soon as its loss
   *at the final size* is at or below ``L_N``; it records that time.

The ratio (coarse-to-fine time / single-scale time) is the figure of merit; the issue's
target is at most 0.5. Times are from the call (feature extractor, targets, tracing and
every stage included): wall time, and the process's CPU time (all threads), which a
machine shared with other jobs disturbs less. Inputs: the bundled
Grace Hopper portrait (resized to the final size) and the painted ``waves`` style.
VGG19 weights: **random** (``load_vgg19(None)``; the ImageNet file cannot be downloaded
here), which changes the loss landscape, not the cost of a step.

Run: ``python -m bench.bench_multiscale`` (defaults: 512 and 1024 fully, 2048 with a
one-step baseline alone, see PLANS); ``--help`` for the knobs. Figures go to
docs/benchmarks.md by hand.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

#: Per final size: (baseline steps, coarse-to-fine start size, steps per stage but the
#: last, the most steps allowed at the last stage before giving up). Sized for a shared
#: 2-core CPU; 2048 runs the baseline alone (one step: its memory and its cost), since
#: a meaningful race there takes longer than the benchmark's budget on such a machine.
PLANS = {
    512: (10, 128, [20, 12, 8, 6], 10),
    1024: (4, 256, [12, 8, 6, 3], 4),
    2048: (1, None, None, None),
}


class _Reached(Exception):
    """Raised from the callback to stop coarse-to-fine once it reached the target loss."""


def _inputs(size: int):
    import numpy as np

    from nst_utils import samples
    from nst_utils.multiscale import resize_float, stage_shape

    content = samples.content_image("grace_hopper", max_dim=None)
    content = resize_float(content, stage_shape(content.shape[1:3], size))
    style = samples.style_image("waves", size=content.shape[1:3])
    return content.astype(np.float32), style


def child(config: dict) -> dict:
    """One configuration in this process; returns its figures (printed as JSON)."""
    import keras

    from nst_utils.multiscale import stylize_multiscale
    from nst_utils.stylize import stylize
    from nst_utils.vgg import load_vgg19

    keras.utils.set_random_seed(0)
    vgg = load_vgg19(None)
    size = config["size"]
    content, style = _inputs(size)
    out = {"size": size, "shape": list(content.shape[1:3]), "kind": config["kind"],
           "weights": vgg.weights_source}
    start, start_cpu = time.perf_counter(), time.process_time()
    if config["kind"] == "single":
        result = stylize(content, style, steps=config["steps"], optimizer="adam", vgg=vgg,
                         progress=False)
        out.update(seconds=time.perf_counter() - start, cpu=time.process_time() - start_cpu,
                   final_loss=result.losses[-1], first_loss=result.losses[0],
                   steps=config["steps"])
    else:
        trace = []

        def watch(step, image, loss):
            now, cpu = time.perf_counter() - start, time.process_time() - start_cpu
            final = max(image.shape[1:3]) == size
            trace.append((now, bool(final), loss, cpu))
            if final and loss <= config["target"]:
                raise _Reached

        steps = config["stage_steps"] + [config["final_steps"]]
        try:
            stylize_multiscale(content, style, start_size=config["start"], steps=steps,
                               optimizer="adam", vgg=vgg, progress=False, callback=watch)
            reached = reached_cpu = None
        except _Reached:
            reached, reached_cpu = trace[-1][0], trace[-1][3]
        finals = [t for t in trace if t[1]]
        out.update(seconds=time.perf_counter() - start, reached_at=reached,
                   reached_cpu=reached_cpu, last_final_loss=finals[-1][2],
                   final_steps_used=len(finals), first_final_loss=finals[0][2],
                   entered_final_at=finals[0][0], start=config["start"],
                   stage_steps=config["stage_steps"])
    out["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def _spawn(config: dict) -> dict:
    proc = subprocess.run([sys.executable, "-m", "bench.bench_multiscale", "--child",
                           json.dumps(config)], capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"child {config} failed:\n{proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=sorted(PLANS))
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(json.loads(args.child))))
        return 0
    print("| final size | pixels | single-scale: steps, wall, CPU | its loss | coarse-to-fine "
          "| reached at: wall, CPU | ratio wall | ratio CPU | peak RSS single | peak RSS c2f |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for size in args.sizes:
        base_steps, start, stage_steps, final_steps = PLANS[size]
        single = _spawn({"kind": "single", "size": size, "steps": base_steps})
        if start is None:
            h, w = single["shape"]
            print(f"| {size} | {w}x{h} | {base_steps}, {single['seconds']:.0f} s, "
                  f"{single['cpu']:.0f} s | {single['final_loss']:.4g} | not run | - | - | - | "
                  f"{single['peak_rss_mib']:.0f} MiB | - |", flush=True)
            print(f"<!-- {json.dumps({'single': single})} -->", flush=True)
            continue
        c2f = _spawn({"kind": "c2f", "size": size, "start": start, "stage_steps": stage_steps,
                      "final_steps": final_steps, "target": single["final_loss"]})
        h, w = single["shape"]
        reached, reached_cpu = c2f["reached_at"], c2f["reached_cpu"]
        if reached is None:
            when, ratio, ratio_cpu = (f"not reached (last {c2f['last_final_loss']:.4g})",
                                      "-", "-")
        else:
            when = f"{reached:.0f} s, {reached_cpu:.0f} s"
            ratio = f"**{reached / single['seconds']:.2f}**"
            ratio_cpu = f"{reached_cpu / single['cpu']:.2f}"
        print(f"| {size} | {w}x{h} | {base_steps}, {single['seconds']:.0f} s, "
              f"{single['cpu']:.0f} s | {single['final_loss']:.4g} | {start}->{size}, "
              f"{'+'.join(map(str, stage_steps))}+{c2f['final_steps_used']} steps | {when} | "
              f"{ratio} | {ratio_cpu} | {single['peak_rss_mib']:.0f} MiB | "
              f"{c2f['peak_rss_mib']:.0f} MiB |", flush=True)
        print(f"<!-- {json.dumps({'single': single, 'c2f': c2f})} -->", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
