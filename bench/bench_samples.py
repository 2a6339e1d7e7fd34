"""Sample-image benchmarks: painting each built-in style, and the vectorised flow smear.

Run with ``python -m bench.bench_samples`` (``--help`` for sizes). Prints a Markdown
table; ratios are project time / baseline time (lower is better).

* Each painter (at 512 x 512) is compared with what a photographed style image would
  cost instead: Pillow decoding a 512 x 512 JPEG and converting it to float32.
* :func:`nst_utils.textures.flow_smear` (NumPy, all pixels at once) is compared with
  the same line integral convolution written as a plain per-pixel Python loop; the two
  results are checked to agree.
"""

from __future__ import annotations

import argparse
import io
import statistics
import time

import numpy as np
from PIL import Image
from tqdm import tqdm

from nst_utils import samples, textures
from nst_utils.samples import STYLE_NAMES


def best_of(fn, repeats: int) -> float:
    """Median wall time of ``repeats`` calls, in seconds."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def decode_jpeg(data: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as img:
        return np.asarray(img.convert("RGB"), dtype=np.float32) / 255.0


def plain_flow_smear(image: np.ndarray, angle: np.ndarray, length: int) -> np.ndarray:
    """Baseline: the same streamline average as ``flow_smear``, one pixel at a time."""
    height, width = angle.shape
    dx, dy = np.cos(angle).astype(np.float32), np.sin(angle).astype(np.float32)
    out = np.empty_like(image)
    for y in range(height):
        for x in range(width):
            total, weight = float(image[y, x]), 1.0
            for sign in (1.0, -1.0):
                px, py = np.float32(x), np.float32(y)
                for i in range(length):
                    ix = min(max(int(px + np.float32(0.5)), 0), width - 1)
                    iy = min(max(int(py + np.float32(0.5)), 0), height - 1)
                    px, py = px + sign * dx[iy, ix], py + sign * dy[iy, ix]
                    ix = min(max(int(px + np.float32(0.5)), 0), width - 1)
                    iy = min(max(int(py + np.float32(0.5)), 0), height - 1)
                    w = 1.0 - (i + 1) / (length + 1)
                    total += w * float(image[iy, ix])
                    weight += w
            out[y, x] = total / weight
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=512, help="side of the painted images")
    parser.add_argument("--smear-size", type=int, default=64, help="side for the smear test")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)

    rng = np.random.default_rng(0)
    buffer = io.BytesIO()  # a realistic JPEG of the same size: a painting, saved
    Image.fromarray(samples.paint_style("starry", args.size, args.size)).save(buffer, "JPEG")
    jpeg = buffer.getvalue()
    baseline = best_of(lambda: decode_jpeg(jpeg), args.repeats * 5)

    rows = []
    for name in tqdm(STYLE_NAMES, desc="painting", leave=False):
        # __wrapped__ skips paint_style's cache: time the painting itself.
        seconds = best_of(
            lambda n=name: samples._painted.__wrapped__(n, args.size, args.size, 0), args.repeats
        )
        rows.append((f"paint `{name}` {args.size}²", seconds, "decode a JPEG", baseline))

    n = args.smear_size
    image = rng.random((n, n), dtype=np.float32)
    angle = (4 * np.pi * textures.fractal_noise(rng, (n, n), cells=3)).astype(np.float32)
    fast = best_of(lambda: textures.flow_smear(image, angle, 10), args.repeats)
    start = time.perf_counter()
    reference = plain_flow_smear(image, angle, 10)
    slow = time.perf_counter() - start
    error = float(np.abs(textures.flow_smear(image, angle, 10) - reference).max())
    rows.append((f"`flow_smear` {n}², 10 steps", fast, "per-pixel Python loop", slow))

    print("| operation | project (s) | baseline | baseline (s) | ratio |")
    print("|---|---:|---|---:|---:|")
    for what, project, base_name, base in rows:
        print(f"| {what} | {project:.3f} | {base_name} | {base:.4f} | {project / base:.3g} |")
    print(f"\nflow_smear vs loop: max abs difference {error:.2e}")


if __name__ == "__main__":
    main()
