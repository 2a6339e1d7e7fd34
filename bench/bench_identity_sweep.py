"""Lesson 10's identity experiment, reproduced: the figures its section 6 quotes.

Run with ``python -m bench.bench_identity_sweep`` (``--help`` for the axes). It trains the
lesson's nine toy CycleGANs with the reference blocks (``identity_sweep`` with the
lesson's student-mode settings: 128 px, the U-Net's first block un-normalised) and, as
the baseline of the same run, the same sweep with the curriculum's U-Net (every block
normalised; ``--no-baseline`` skips it, halving the time). For each U-Net and direction
it prints, per seed, background change at lambda_id 0 over 2 and fruit change at 50
over 2, with the means over seeds as the lesson states them (ratio of the means). About
11 minutes per U-Net on a 2-core CPU.
"""

from __future__ import annotations

import argparse
import time

from cyclegan.analysis import DIRECTIONS, SweepResult, identity_sweep

#: Lesson 10's section 6 in student mode (tests/test_cyclegan_analysis.py ties them).
LESSON_SWEEP = {"epochs": 6, "n_images": 60, "image_size": 128, "filters": 8,
                "room": "fixed", "n_test": 64, "first_block_norm": False}  # fmt: skip


def ratio_rows(result: SweepResult, label: str) -> list[str]:
    """Markdown rows: per direction, the two ratios per seed and of the seed means."""
    rows = []
    for direction in DIRECTIONS:
        for measure, top in (("background_change", 0.0), ("fruit_change", 50.0)):
            values = result.values[direction][measure]
            upper, lower = (values[result.lambdas.index(lam)] for lam in (top, 2.0))
            per_seed = " ".join(f"{v:.2f}" for v in upper / lower)
            rows.append(f"| {label} | {direction} | {measure} {top:g} / 2 | {per_seed} | "
                        f"{upper.mean():.3f} / {lower.mean():.3f} = "
                        f"{upper.mean() / lower.mean():.2f} |")  # fmt: skip
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--no-baseline", action="store_true",
                        help="skip the curriculum U-Net's sweep")
    parser.add_argument("--quick", action="store_true",
                        help="1 epoch of 4 images at 32 px: proves the script runs, no figures")
    args = parser.parse_args(argv)
    settings = dict(LESSON_SWEEP)
    if args.quick:
        settings.update(epochs=1, n_images=4, image_size=32, n_test=4)
    rows = ["| U-Net | direction | ratio | per seed | means |", "|---|---|---|---|---|"]
    variants = [("down1 un-normalised (lesson)", False)]
    if not args.no_baseline:
        variants.append(("curriculum (every block normalised)", True))
    for label, first_block_norm in variants:
        start = time.perf_counter()
        result = identity_sweep(lambdas=(0, 2, 50), seeds=tuple(args.seeds),
                                **{**settings, "first_block_norm": first_block_norm})
        seconds = time.perf_counter() - start
        rows += ratio_rows(result, f"{label}, {seconds:.0f} s")
        print(result.table("AtoB"), result.table("BtoA"), sep="\n", flush=True)
    print("\n".join(rows))
    shared = {k: v for k, v in settings.items() if k != "first_block_norm"}
    print(f"settings: {shared}, seeds {args.seeds} (float32 digits, and so the figures, "
          "differ a little between machines and thread counts).")


if __name__ == "__main__":
    main()
