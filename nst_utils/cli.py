"""`nst CONTENT STYLE -o OUT.png`: stylise an image from the command line."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from .images import ImageError, load_image, save_image

WEIGHT_CHOICES = "imagenet (default), random, auto, or a path to the .h5 file"


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="nst",
        description="Neural Style Transfer: repaint CONTENT in the style of STYLE.",
    )
    p.add_argument("content", help="content image file, or a bundled name such as grace_hopper")
    p.add_argument("style", help="style image file, or a bundled style such as waves")
    p.add_argument("-o", "--output", required=True, help="where to write the result (PNG/JPEG)")
    p.add_argument("--size", type=int, default=384, help="longest side in pixels (default 384)")
    p.add_argument("--steps", type=int, default=None,
                   help="optimisation steps (default: 300 for adam, 15 for lbfgs)")
    p.add_argument("--optimizer", choices=["adam", "lbfgs"], default="lbfgs")
    p.add_argument("--weights", default="imagenet", help=f"VGG19 weights: {WEIGHT_CHOICES}")
    p.add_argument("--alpha", type=float, default=10.0, help="content weight (default 10)")
    p.add_argument("--beta", type=float, default=40.0, help="style weight (default 40)")
    p.add_argument("--tv-weight", type=float, default=0.0, help="total-variation weight")
    p.add_argument("--lr", type=float, default=None, help="Adam learning rate on [0, 1] pixels")
    p.add_argument("--init", choices=["content", "noise"], default="content")
    p.add_argument("--content-layer", default="block5_conv2")
    p.add_argument("--save-every", type=int, default=None, metavar="N",
                   help="also write the image every N steps next to OUTPUT")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    return p


def resolve_image(spec: str, size: int) -> np.ndarray:
    """Load ``spec`` as a file, or as a bundled sample when no such file exists."""
    if not Path(spec).exists():
        from . import samples

        if spec in samples.CONTENT_NAMES:
            return samples.content_image(spec, max_dim=size)
        if spec in samples.STYLE_NAMES:
            return samples.style_image(spec, max_dim=size)
    return load_image(spec, max_dim=size)


def resolve_weights(spec: str):
    if spec == "random":
        return None
    return spec  # "imagenet", "auto" or a path: load_vgg19 understands all three


def _fail(message: str, code: int = 2) -> int:
    print(f"nst: error: {message}", file=sys.stderr)
    return code


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.size < 32:
        return _fail(f"--size {args.size} is too small; VGG19 needs at least 32 pixels.")
    steps = args.steps or (300 if args.optimizer == "adam" else 15)
    output = Path(args.output)
    try:
        content = resolve_image(args.content, args.size)
        style = resolve_image(args.style, args.size)
    except (ImageError, ValueError) as err:
        return _fail(str(err))

    from .stylize import stylize
    from .vgg import WeightsUnavailableError, load_vgg19

    try:
        vgg = load_vgg19(resolve_weights(args.weights))
    except (WeightsUnavailableError, ValueError) as err:
        return _fail(str(err), code=3)
    print(f"VGG19 weights: {vgg.weights_source}")

    latest = {"image": content}

    def keep(step: int, image: np.ndarray, loss: float) -> None:
        latest["image"] = image
        if args.save_every and step % args.save_every == 0:
            save_image(output.with_name(f"{output.stem}_step{step:04d}{output.suffix}"), image)

    try:
        result = stylize(
            content, style, steps=steps, optimizer=args.optimizer, vgg=vgg,
            content_layer=args.content_layer, alpha=args.alpha, beta=args.beta,
            tv_weight=args.tv_weight, learning_rate=args.lr, init=args.init,
            progress=not args.quiet, callback=keep, seed=args.seed,
        )
    except KeyboardInterrupt:
        save_image(output, latest["image"])
        print(f"nst: interrupted; saved the latest image to {output}", file=sys.stderr)
        return 130
    except ValueError as err:
        return _fail(str(err))
    save_image(output, result.image)
    print(f"wrote {output} ({result.image.shape[2]}x{result.image.shape[1]}, "
          f"{steps} {args.optimizer} steps, final loss {result.losses[-1]:.4g}, "
          f"{result.seconds:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
