"""Coarse-to-fine NST against single-scale at the same final size: time to a loss, memory.

For each final size (longest side) it runs, each in its own child process (so the peak
resident memory, ``ru_maxrss``, is that configuration's alone, and no two large runs
share the machine):

1. **single-scale** (the baseline a user would run): ``stylize`` for ``N`` Adam steps at
   the final size, from the content image, recording after every step the loss, the
   wall time and the process's CPU time (all threads) since the call began; ``L_N`` is
   its final loss;
2. **coarse-to-fine**: ``stylize_multiscale`` from ``start`` px up to the final size by
   ``sqrt(2)`` steps with the plan's or the library's default steps per stage
   (:func:`~nst_utils.multiscale.default_stage_steps`) or ``--stage-steps``, the last
   stage allowed up to ``N`` steps, stopped the first time its loss *at the final size*
   is at or below ``L_N``; the same two clocks.

Ratio = coarse-to-fine time / single-scale time, by wall time and by CPU time, both from
the same run (target: at most 0.5). Times are from the call: feature extractor, targets,
tracing and every stage included. Inputs: the bundled Grace Hopper portrait (resized to
the final size) and the painted ``waves`` style. VGG19 weights: **random**
(``load_vgg19(None)``; the ImageNet file cannot be downloaded here), which changes the
loss landscape, not the cost of a step.

Run: ``python -m bench.bench_multiscale`` (512, 1024 and 2048 with the baselines and
schedules of :data:`PLANS`); ``--sizes 1024 --stage-steps 8 4 2 1`` for one size and
another schedule, ``--single-steps 40`` for another baseline.
2048 needs about 10 GiB of memory. Figures go to docs/benchmarks.md by hand.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

#: Per final size: (baseline Adam steps, coarse-to-fine start size, steps of every stage
#: but the last or ``None`` for the library's default). The baselines are what a user
#: would run at that size on a 2-core CPU (a 2048 px step costs 50-200 CPU seconds
#: there, so 2048 gets few); coarse-to-fine starts at a quarter of the final size.
PLANS = {512: (50, 128, None), 1024: (20, 256, None), 2048: (12, 512, None)}


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

    from nst_utils.multiscale import default_stage_steps, size_schedule, stylize_multiscale
    from nst_utils.stylize import stylize
    from nst_utils.vgg import load_vgg19

    keras.utils.set_random_seed(0)
    vgg = load_vgg19(None)
    size = config["size"]
    content, style = _inputs(size)
    out = {"size": size, "shape": list(content.shape[1:3]), "kind": config["kind"],
           "weights": vgg.weights_source}
    trace = []  # (wall s, CPU s, longest side, loss) after every step
    start, start_cpu = time.perf_counter(), time.process_time()

    def watch(step, image, loss):
        longest = max(image.shape[1:3])
        trace.append((time.perf_counter() - start, time.process_time() - start_cpu,
                      longest, float(loss)))
        if config["kind"] == "c2f" and longest == size and loss <= config["target"]:
            raise _Reached

    reached = False
    if config["kind"] == "single":
        stylize(content, style, steps=config["steps"], optimizer="adam", vgg=vgg,
                progress=False, callback=watch)
    else:
        try:
            # The plan's steps or the library's default for every stage but the last,
            # which may run as long as the baseline did (it stops on reaching L_N).
            sizes = size_schedule(size, config["start"])
            steps = config.get("stage_steps") or default_stage_steps(sizes)[:-1]
            steps = list(steps) + [config["final_steps"]]
            out["steps"] = steps
            stylize_multiscale(content, style, start_size=config["start"], steps=steps,
                               optimizer="adam", vgg=vgg, progress=False, callback=watch)
        except _Reached:
            reached = True
    out.update(trace=trace, reached=reached, seconds=time.perf_counter() - start,
               cpu=time.process_time() - start_cpu,
               peak_rss_mib=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return out


def _spawn(config: dict) -> dict:
    proc = subprocess.run([sys.executable, "-m", "bench.bench_multiscale", "--child",
                           json.dumps(config)], capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"child {config} failed:\n{proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def row(single: dict, c2f: dict, start: int) -> str:
    """One Markdown table row from the two children's figures."""
    size = single["size"]
    h, w = single["shape"]
    wall, cpu, _, target = single["trace"][-1]
    finals = [t for t in c2f["trace"] if t[2] == size]
    stages = {}
    for t in c2f["trace"]:
        stages[t[2]] = stages.get(t[2], 0) + 1
    schedule = "+".join(str(n) for n in stages.values())
    if c2f["reached"]:
        c_wall, c_cpu = finals[-1][0], finals[-1][1]
        when = f"{c_wall:.0f} s, {c_cpu:.0f} s"
        ratios = f"**{c_wall / wall:.2f}** | **{c_cpu / cpu:.2f}**"
    else:
        when = f"not reached (last {finals[-1][3]:.4g})" if finals else "not reached"
        ratios = "- | -"
    first = f"{finals[0][3]:.4g}" if finals else "-"
    return (f"| {size} | {w}x{h} | {len(single['trace'])}, {wall:.0f} s, {cpu:.0f} s | "
            f"{target:.4g} | {start}->{size}: {schedule} | {when} | {ratios} | {first} | "
            f"{single['peak_rss_mib']:.0f} MiB | {c2f['peak_rss_mib']:.0f} MiB |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=sorted(PLANS),
                        choices=sorted(PLANS))
    parser.add_argument("--single-steps", type=int, default=None,
                        help="baseline Adam steps (default: the plan's per size)")
    parser.add_argument("--stage-steps", type=int, nargs="+", default=None, metavar="N",
                        help="coarse-to-fine steps of every stage but the last (default: "
                             "the plan's, else the library's default schedule)")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(json.loads(args.child))))
        return 0
    print("| final size | pixels | single-scale: steps, wall, CPU | its loss `L_N` | "
          "coarse-to-fine: steps per stage | reached `L_N` at: wall, CPU | ratio wall | "
          "ratio CPU | first loss at final size | peak RSS single | peak RSS c2f |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for size in args.sizes:
        base_steps, start, stage_steps = PLANS[size]
        base_steps = args.single_steps or base_steps
        stage_steps = args.stage_steps or stage_steps
        single = _spawn({"kind": "single", "size": size, "steps": base_steps})
        c2f = _spawn({"kind": "c2f", "size": size, "start": start,
                      "target": single["trace"][-1][3], "stage_steps": stage_steps,
                      "final_steps": base_steps})
        print(row(single, c2f, start), flush=True)
        print(f"<!-- {json.dumps({'single': single, 'c2f': c2f})} -->", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
