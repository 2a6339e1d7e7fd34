"""`nst CONTENT STYLE [STYLE ...] -o OUT.png`: stylise an image from the command line.

Besides the plain run, the artists' controls of :func:`~nst_utils.stylize.stylize` and
:func:`~nst_utils.multiscale.stylize_multiscale`: ``--preserve-colors``,
``--style-weights`` (several styles), ``--style-scale``, ``--mask`` and ``--start-size``
(coarse-to-fine up to ``--size``).
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import numpy as np

from .images import ImageError, load_image, save_image

WEIGHT_CHOICES = "imagenet (default), random, auto, or a path to the .h5 file"


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="nst",
        description="Neural Style Transfer: repaint CONTENT in the style of STYLE "
                    "(several STYLEs are blended, or split by --mask).",
        epilog="Fast style transfer: `nst train-fast`, `nst train-adain` and `nst apply` "
               "(each with --help) train a network once and then stylise in one pass; "
               "`nst download-data` and `nst make-data` fetch or make training images.",
    )
    p.add_argument("content", help="content image file, or a bundled name such as grace_hopper")
    p.add_argument("style", nargs="+",
                   help="style image file(s), or bundled styles such as waves")
    p.add_argument("-o", "--output", required=True, help="where to write the result (PNG/JPEG)")
    p.add_argument("--size", type=int, default=384, help="longest side in pixels (default 384)")
    p.add_argument("--steps", default=None, metavar="N[,N,...]",
                   help="optimisation steps (default: 300 for adam, 15 for lbfgs); with "
                        "--start-size one number for every stage or one per stage, by "
                        "default most of them at the small sizes (16, 8, 4, ... from 256 px)")
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
    art = p.add_argument_group("artists' controls")
    art.add_argument("--preserve-colors", choices=["luminance", "histogram"], default=None,
                     help="keep the content's colours: stylise the luminance only (YIQ), or "
                          "match the style's colour mean and covariance to the content's")
    art.add_argument("--style-weights", default=None, metavar="W1,W2,...",
                     help="blend weights of several styles, one positive number each "
                          "(normalised to sum 1; default equal)")
    art.add_argument("--style-scale", type=float, default=None, metavar="S",
                     help="style image size relative to the content's (0.5: finer brush "
                          "marks, 2: coarser)")
    art.add_argument("--mask", default=None, metavar="MASK.png",
                     help="with two styles: the first styles the mask's white region, the "
                          "second its black region")
    art.add_argument("--start-size", type=int, default=None, metavar="N",
                     help="coarse-to-fine: optimise at N px first, then at sizes growing by "
                          "sqrt(2) up to --size (see --steps)")
    return p


def parse_steps(text: str | None) -> list[int] | None:
    """``--steps``: ``"300"`` -> ``[300]``, ``"8,4,2,1,2"`` -> one count per stage.

    Raises:
        ValueError: for anything but comma-separated positive whole numbers.
    """
    if text is None:
        return None
    try:
        steps = [int(part) for part in text.split(",")]
    except ValueError:
        raise ValueError(f"--steps takes whole numbers separated by commas, got {text!r}; "
                         "e.g. 300, or 8,4,2,1,2 with --start-size.") from None
    if min(steps) < 1:
        raise ValueError(f"--steps must all be positive, got {text!r}.")
    return steps


def parse_weights(text: str | None) -> list[float] | None:
    """``"0.7,0.3"`` -> ``[0.7, 0.3]``; raise ``ValueError`` naming the flag otherwise."""
    if text is None:
        return None
    try:
        weights = [float(part) for part in text.split(",")]
    except ValueError:
        raise ValueError(f"--style-weights must be comma-separated numbers such as 0.7,0.3, "
                         f"got {text!r}.") from None
    if not all(math.isfinite(w) and w > 0 for w in weights):
        raise ValueError(f"--style-weights must all be positive, got {text!r}; e.g. 0.7,0.3.")
    return weights


def _check_controls(args, steps: list[int] | None) -> str | None:
    """The first problem with the artists' flags (``steps``: the parsed ``--steps``), as a
    one-line message, or ``None``."""
    n_styles = len(args.style)
    if args.start_size is not None:
        if args.start_size < 32:
            return f"--start-size {args.start_size} is too small; VGG19 needs at least 32 pixels."
        if args.start_size > args.size:
            return (f"--start-size {args.start_size} is larger than --size {args.size}; "
                    "start below the final size.")
        from .multiscale import size_schedule  # (TensorFlow follows anyway)

        sizes = size_schedule(args.size, args.start_size)
        if steps is not None and len(steps) not in (1, len(sizes)):
            return (f"--steps has {len(steps)} numbers for the {len(sizes)} stages "
                    f"{', '.join(map(str, sizes))} px; give one number, or one per stage.")
    elif steps is not None and len(steps) > 1:
        return ("--steps with one number per stage needs --start-size (coarse-to-fine); "
                "give a single number.")
    if args.style_scale is not None and not (math.isfinite(args.style_scale)
                                             and args.style_scale > 0):
        return (f"--style-scale must be a positive number, got {args.style_scale:g}; "
                "0.5 gives finer brush marks, 2 coarser.")
    try:
        weights = parse_weights(args.style_weights)
    except ValueError as err:
        return str(err)
    if weights is not None and len(weights) != n_styles:
        return (f"--style-weights has {len(weights)} value(s) for {n_styles} style image(s); "
                "give one weight per style image.")
    if args.mask is not None:
        if n_styles != 2:
            return (f"--mask needs exactly two style images (white region, black region), "
                    f"got {n_styles}.")
        if weights is not None:
            return "--mask and --style-weights do not go together: each region takes one style."
    return None


def load_mask(path: str) -> np.ndarray:
    """A mask file as grey ``(H, W)`` in ``[0, 1]`` at its own size (colour: channel mean)."""
    return load_image(path, max_dim=None)[0].mean(axis=-1)


def resolve_image(spec: str, size: int) -> np.ndarray:
    """Load ``spec`` as a file, or as a bundled sample when no such file exists."""
    if not Path(spec).exists():
        from . import samples

        if spec in samples.CONTENT_NAMES:
            return samples.content_image(spec, max_dim=size)
        if spec in samples.STYLE_NAMES:
            return samples.style_image(spec, max_dim=size)
    return load_image(spec, max_dim=size)


def _fail(message: str, code: int = 2) -> int:
    print(f"nst: error: {message}", file=sys.stderr)
    return code


#: Subcommands of fast style transfer, run by :mod:`nst_utils.fast_cli`.
FAST_COMMANDS = ("train-fast", "train-adain", "apply", "download-data", "make-data")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and argv[0] in FAST_COMMANDS:
        from . import fast_cli

        return fast_cli.main(argv)
    args = build_parser().parse_args(argv)
    if args.size < 32:
        return _fail(f"--size {args.size} is too small; VGG19 needs at least 32 pixels.")
    try:
        steps = parse_steps(args.steps)
    except ValueError as err:
        return _fail(str(err))
    problem = _check_controls(args, steps)
    if problem:
        return _fail(problem)
    if args.start_size is None:  # single-scale: one number
        steps = steps[0] if steps else (300 if args.optimizer == "adam" else 15)
    elif steps is not None and len(steps) == 1:
        steps = steps[0]
    # else coarse-to-fine with one count per stage, or None: the library's schedule,
    # most steps at the cheap small sizes (300 at every stage would take a day at 2048).
    output = Path(args.output)
    # With --style-scale above 1 the style is drawn larger than the content: load it so.
    style_size = math.ceil(args.size * max(1.0, args.style_scale or 1.0))
    try:
        content = resolve_image(args.content, args.size)
        styles = [resolve_image(spec, style_size) for spec in args.style]
        mask = None if args.mask is None else load_mask(args.mask)
    except (ImageError, ValueError) as err:
        return _fail(str(err))

    from .multiscale import stylize_multiscale
    from .stylize import stylize
    from .vgg import WeightsUnavailableError, load_vgg19

    try:
        vgg = load_vgg19(args.weights)
    except (WeightsUnavailableError, ValueError) as err:
        return _fail(str(err), code=3)
    print(f"VGG19 weights: {vgg.weights_source}")

    latest = {"image": content}

    def keep(step: int, image: np.ndarray, loss: float) -> None:
        latest["image"] = image
        if args.save_every and step % args.save_every == 0:
            save_image(output.with_name(f"{output.stem}_step{step:04d}{output.suffix}"), image)

    options = dict(
        optimizer=args.optimizer, vgg=vgg, content_layer=args.content_layer,
        alpha=args.alpha, beta=args.beta, tv_weight=args.tv_weight, learning_rate=args.lr,
        init=args.init, progress=not args.quiet, callback=keep, seed=args.seed,
        style_weights=parse_weights(args.style_weights), style_scale=args.style_scale,
        mask=mask, preserve_colors=args.preserve_colors,
    )
    style = styles[0] if len(styles) == 1 else styles
    try:
        if args.start_size is None:
            result = stylize(content, style, steps=steps, **options)
        else:
            result = stylize_multiscale(content, style, start_size=args.start_size,
                                        steps=steps, **options)
    except KeyboardInterrupt:
        save_image(output, latest["image"])
        print(f"nst: interrupted; saved the latest image to {output}", file=sys.stderr)
        return 130
    except ValueError as err:
        return _fail(str(err))
    save_image(output, result.image)
    if args.start_size is None:
        done = f"{steps} {args.optimizer} steps"
    else:
        counts = "+".join(str(result.step_sizes.count(s)) for s in result.sizes)
        done = (f"{counts} {args.optimizer} steps per size at "
                f"{', '.join(map(str, result.sizes))} px")
    print(f"wrote {output} ({result.image.shape[2]}x{result.image.shape[1]}, {done}, "
          f"final loss {result.losses[-1]:.4g}, {result.seconds:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
