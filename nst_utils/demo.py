"""`python -m nst_utils.demo`: stylise the bundled portrait and save pictures of it.

Writes ``OUT/nst_side_by_side.png`` (content | style | result) and ``OUT/nst_losses.png``.
Runs offline: the ImageNet VGG19 weights are used when a local copy exists, otherwise
random weights, and the pictures say which. The random weights are drawn from
``--seed`` (default 0), so two runs on one machine print the same losses.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def run_demo(out: Path, size: int = 192, steps: int = 6, style: str = "waves",
             weights: str | None = "auto", seed: int = 0) -> dict:
    """Run the demo and return paths of the pictures and the measured figures.

    Args:
        out: folder for the pictures (made if missing).
        size: longest side of the content picture in pixels.
        steps: L-BFGS outer steps (20 evaluations each).
        style: a bundled style's name (``nst_utils.samples``).
        weights: VGG19 weights, as :func:`nst_utils.vgg.load_vgg19` takes them.
        seed: seeds the random VGG19 weights (when no ImageNet copy is found).

    Returns:
        ``{"side_by_side": Path, "losses": Path, "result": StylizeResult}``.
    """
    import matplotlib

    matplotlib.use("Agg")
    from . import samples
    from .images import save_image
    from .plotting import plot_losses, show_images
    from .runtime import device_summary
    from .stylize import stylize
    from .vgg import load_vgg19

    out.mkdir(parents=True, exist_ok=True)
    content = samples.content_image("grace_hopper", max_dim=size)
    style_img = samples.style_image(style, size=content.shape[1:3])
    vgg = load_vgg19(weights, seed=seed)
    print(f"NST demo on {device_summary()}; VGG19 weights: {vgg.weights_source}")
    result = stylize(content, style_img, steps=steps, optimizer="lbfgs", vgg=vgg)

    fig = show_images([content, style_img, result.image],
                      ["content", f"style: {style}", f"result, {steps} L-BFGS steps"])
    fig.suptitle(f"VGG19 weights: {vgg.weights_source}", fontsize=9, y=0.02, va="bottom")
    side_by_side = out / "nst_side_by_side.png"
    fig.savefig(side_by_side, dpi=100)
    curve = out / "nst_losses.png"
    plot_losses(result.losses, title=f"L-BFGS, {steps} x 20 evaluations").savefig(curve, dpi=100)
    save_image(out / "nst_result.png", result.image)
    print(f"wrote {side_by_side} and {curve}: loss {result.losses[0]:.4g} -> "
          f"{result.losses[-1]:.4g} in {result.seconds:.0f} s")
    return {"side_by_side": side_by_side, "losses": curve, "result": result}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m nst_utils.demo", description=__doc__)
    parser.add_argument("--out", default="demo_output", help="output folder")
    parser.add_argument("--size", type=int, default=192)
    parser.add_argument("--steps", type=int, default=6, help="L-BFGS outer steps")
    parser.add_argument("--style", default="waves")
    parser.add_argument("--weights", default="auto",
                        help="VGG19 weights: auto (default: ImageNet if a copy is found or "
                             "downloads, else random), imagenet, random, or a path to the .h5")
    parser.add_argument("--seed", type=int, default=0,
                        help="seed of the random VGG19 weights used without an ImageNet copy")
    args = parser.parse_args(argv)
    run_demo(Path(args.out), size=args.size, steps=args.steps, style=args.style,
             weights=args.weights, seed=args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
