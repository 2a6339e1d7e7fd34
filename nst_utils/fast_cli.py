"""``nst train-fast|train-adain|apply``: feed-forward style transfer from the command line.

Entry point :func:`main` (``python -m nst_utils.fast_cli ...``). Bad input ends the
program with one line on stderr and exit code 1; Ctrl-C saves a checkpoint and exits
with 130 (the same command resumes). TensorFlow is imported only once a command runs.

Extra commands: ``download-data coco2014|wikiart DIR`` (the real datasets, resumable)
and ``make-data DIR`` (a small content set made offline from the course's own images).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

EXAMPLES = """examples:
  python -m nst_utils.fast_cli make-data data/offline
  nst train-fast --style waves --data data/offline --out runs/waves --steps 200 --size 128
  nst train-adain --content data/offline --styles data/styles --out runs/adain --steps 200
  nst apply runs/waves photo.jpg -o stylised/
  nst apply runs/adain photo.jpg -o stylised/ --style painting.jpg --alpha 0.7
  python -m nst_utils.fast_cli download-data coco2014 data
"""
#: kind -> defaults that differ between the two trainings.
DEFAULTS = {
    "fast": {"lr": 1e-3, "content_weight": 10.0, "style_weight": 40.0, "width": "fast"},
    "adain": {"lr": 1e-4, "content_weight": 1.0, "style_weight": 10.0, "width": "1"},
}


def _training_flags(parser: argparse.ArgumentParser, kind: str) -> None:
    d = DEFAULTS[kind]
    parser.add_argument("--out", required=True, help="run folder (checkpoints, samples, model)")
    parser.add_argument("--steps", type=int, default=2000, help="training steps in all")
    parser.add_argument("--size", type=int, default=256, help="training crop side (x8)")
    parser.add_argument("--batch-size", type=int, default=4)
    parser.add_argument("--weights", default="auto",
                        help="VGG19 weights: imagenet, random, auto (default) or a file")
    parser.add_argument("--width", default=d["width"],
                        help="fast: johnson (32), fast (8), tiny (4) or channels; "
                             "adain: decoder width factor (1 = the paper's)")
    parser.add_argument("--lr", type=float, default=d["lr"])
    parser.add_argument("--content-weight", type=float, default=d["content_weight"])
    parser.add_argument("--style-weight", type=float, default=d["style_weight"])
    parser.add_argument("--checkpoint-every", type=int, default=100)
    parser.add_argument("--sample-every", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nst", formatter_class=argparse.RawDescriptionHelpFormatter, epilog=EXAMPLES,
        description="Feed-forward style transfer: Johnson et al. 2016 and AdaIN (2017).")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    fast = sub.add_parser("train-fast", help="train a network for one style")
    fast.add_argument("--style", required=True,
                      help="style image file, or a painted style (waves, mosaic, ...)")
    fast.add_argument("--data", required=True, help="folder of content images")
    _training_flags(fast, "fast")
    fast.add_argument("--tv-weight", type=float, default=0.0)
    ada = sub.add_parser("train-adain", help="train an AdaIN decoder for any style")
    ada.add_argument("--content", required=True, help="folder of content images")
    ada.add_argument("--styles", required=True, help="folder of style images")
    _training_flags(ada, "adain")
    app = sub.add_parser("apply", help="stylise images with a trained run")
    app.add_argument("run", help="run folder written by train-fast or train-adain")
    app.add_argument("images", nargs="+", metavar="IMAGE", help="image files or folders")
    app.add_argument("-o", "--out", required=True, help="output folder for the PNGs")
    app.add_argument("--style", help="style image (AdaIN runs)")
    app.add_argument("--alpha", type=float, default=1.0, help="AdaIN content/style trade-off")
    app.add_argument("--max-dim", type=int, help="shrink inputs to this longest side")
    app.add_argument("--xla", action="store_true", help="compile the forward pass with XLA")
    dl = sub.add_parser("download-data", help="download MS-COCO train2014 or WikiArt")
    dl.add_argument("name", choices=("coco2014", "wikiart"))
    dl.add_argument("dir", help="folder that receives the unpacked images")
    mk = sub.add_parser("make-data", help="write a small offline content set")
    mk.add_argument("dir")
    mk.add_argument("--n", type=int, default=24)
    mk.add_argument("--size", type=int, default=128)
    return parser


def _config(args, kind: str):
    from nst_utils.fast.runs import FastConfig

    return FastConfig(
        kind=kind, data=args.data if kind == "fast" else args.content,
        style=getattr(args, "style", None) if kind == "fast" else None,
        styles=getattr(args, "styles", None), steps=args.steps, size=args.size,
        batch_size=args.batch_size, width=str(args.width), weights=args.weights, lr=args.lr,
        content_weight=args.content_weight, style_weight=args.style_weight,
        tv_weight=getattr(args, "tv_weight", 0.0), checkpoint_every=args.checkpoint_every,
        sample_every=args.sample_every, seed=args.seed)


def _run(args) -> None:
    if args.command == "train-fast":
        from nst_utils.fast.train import train_fast

        train_fast(_config(args, "fast"), args.out)
    elif args.command == "train-adain":
        from nst_utils.fast.train import train_adain

        train_adain(_config(args, "adain"), args.out)
    elif args.command == "apply":
        from nst_utils.fast.apply import apply_files

        written = apply_files(args.run, args.images, args.out, style=args.style,
                              alpha=args.alpha, max_dim=args.max_dim, xla=args.xla)
        print(f"wrote {len(written)} image{'s' if len(written) != 1 else ''} to {args.out}")
    elif args.command == "download-data":
        from nst_utils.fast.data import DATASETS, download_archive

        print(f"images ready in {download_archive(DATASETS[args.name], args.dir)}")
    else:
        from nst_utils.fast.data import make_offline_content

        folder = make_offline_content(args.dir, n=args.n, size=args.size)
        print(f"wrote {args.n} content images (course photo crops and toy scenes) to {folder}")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code (0 on success)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    args = _parser().parse_args(argv)
    try:
        _run(args)
    except KeyboardInterrupt:
        print("nst: interrupted; the steps done were checkpointed, the same command resumes.",
              file=sys.stderr)
        return 130
    except (ValueError, OSError) as err:
        message = str(err).splitlines()[0] if str(err) else type(err).__name__
        print(f"nst: error: {message}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
