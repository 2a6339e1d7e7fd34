"""Command line of the CycleGAN reference: ``cyclegan toy-data|download|train|translate|evaluate``.

Bad input ends the program with one line on stderr and a non-zero exit code; heavy
imports (TensorFlow) happen only once a subcommand runs, so ``--help`` is instant.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from cyclegan.cluster import EXIT_WORKER_LOST, WorkerLostError, add_cluster_arguments, set_tf_config
from cyclegan.options import TrainConfig, add_arguments

EXAMPLES = """examples:
  cyclegan toy-data data/toy --n 200 --size 64
  cyclegan train --data data/toy --out runs/toy --epochs 20 --image-size 64 --gen-filters 16
  cyclegan train --data data/toy --out runs/toy --epochs 20 --image-size 64 --gen-filters 16
      (the same command again resumes after the last finished epoch)
  cyclegan train --data /shared/toy --out /shared/runs/toy --batch-size 8 \
      --workers 10.0.0.1:2222,10.0.0.2:2222 --worker-index 0
      (and --worker-index 1 on the second machine: one run, global batch 8)
  cyclegan translate --run runs/toy --direction AtoB data/toy/testA --out translated
  cyclegan evaluate runs/toy --data data/toy --weights auto
      (KID and FID of both directions on testA/testB, into runs/toy/evaluation.json)
  cyclegan download apple2orange data
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cyclegan",
        description="Train and use CycleGAN (Zhu et al. 2017) on unpaired image folders.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    toy = sub.add_parser("toy-data", help="paint the toy apples/oranges dataset")
    toy.add_argument("dir", help="output folder (gets trainA/ trainB/ testA/ testB/)")
    toy.add_argument("--n", type=int, default=200, help="training images per domain")
    toy.add_argument("--size", type=int, default=64, help="image side in pixels (32-512)")
    toy.add_argument("--seed", type=int, default=0)

    dl = sub.add_parser("download", help="download a standard CycleGAN dataset")
    dl.add_argument("name", help="dataset name, e.g. apple2orange or monet2photo")
    dl.add_argument("dir", help="folder that receives DIR/NAME/")

    tr = sub.add_parser("train", help="train, or resume an interrupted run")
    tr.add_argument("--out", required=True, help="run folder (checkpoints, samples, logs)")
    add_arguments(tr)  # one flag per TrainConfig field
    add_cluster_arguments(tr)  # where the run trains, not what: not saved with the run

    tl = sub.add_parser("translate", help="translate images with a trained run")
    tl.add_argument("inputs", nargs="+", metavar="INPUT", help="image files or folders")
    tl.add_argument("--run", required=True, help="run folder written by `cyclegan train`")
    tl.add_argument("--direction", choices=("AtoB", "BtoA"), required=True)
    tl.add_argument("--out", required=True, help="output folder for the PNGs")

    ev = sub.add_parser("evaluate", help="KID and FID of a trained run on the test split")
    ev.add_argument("run", metavar="RUN", help="run folder written by `cyclegan train`")
    ev.add_argument("--data", required=True, help="dataset folder with testA/ and testB/")
    ev.add_argument("--weights", default="imagenet", metavar="WEIGHTS",
                    help="InceptionV3 weights: imagenet (Keras download, once), random, auto "
                         "(imagenet if available, else random) or a local file "
                         "(default: %(default)s)")
    ev.add_argument("--input-size", type=int, default=299, metavar="S",
                    help="side InceptionV3 sees; 299 for comparable scores, >= 75 "
                         "(default: %(default)s)")
    ev.add_argument("--kid-subset-size", type=int, default=1000, metavar="N",
                    help="images per KID subset, capped at the smaller set (default: %(default)s)")
    ev.add_argument("--kid-subsets", type=int, default=100, metavar="K",
                    help="KID subsets averaged (default: %(default)s)")
    ev.add_argument("--max-images", type=int, default=None, metavar="N",
                    help="use only the first N images of each test folder")
    return parser  # fmt: skip


def _toy_data(args) -> None:
    from cyclegan.toy import make_toy_dataset

    root = make_toy_dataset(args.dir, n_per_domain=args.n, image_size=args.size, seed=args.seed)
    print(f"toy dataset written to {root}")


def _download(args) -> None:
    from cyclegan.data import download_dataset

    print(f"dataset ready in {download_dataset(args.name, args.dir)}")


def _train(args) -> None:
    from cyclegan import train

    set_tf_config(args.workers, args.worker_index)  # before TensorFlow reads it
    train.train(TrainConfig.from_arguments(args), args.out)


def _translate(args) -> None:
    from cyclegan.translate import translate_files

    written = translate_files(args.run, args.direction, args.inputs, args.out)
    print(f"wrote {len(written)} image{'s' if len(written) != 1 else ''} to {args.out}")


def _evaluate(args) -> None:
    from cyclegan.evaluate import EVALUATION_FILE, evaluate_run

    if args.max_images is not None and args.max_images < 2:
        raise ValueError(f"--max-images must be >= 2 (KID and FID need 2), got {args.max_images}.")
    result = evaluate_run(args.run, args.data, weights=args.weights, input_size=args.input_size,
                          subset_size=args.kid_subset_size, n_subsets=args.kid_subsets,
                          max_images=args.max_images)  # fmt: skip
    print(f"epoch {result['epoch']}, InceptionV3 {result['weights']}, "
          f"{result['input_size']}x{result['input_size']}:")  # fmt: skip
    for key in ("AtoB", "BtoA"):
        r = result[key]
        print(f"  {key}: KID {r['kid']:.4f} ± {r['kid_std']:.4f}  FID {r['fid']:.2f}  "
              f"({r['n_translated']} translated vs {r['n_real']} real)")  # fmt: skip
    print(f"written to {os.path.join(args.run, EVALUATION_FILE)}")


COMMANDS = {"toy-data": _toy_data, "download": _download, "train": _train,
            "translate": _translate, "evaluate": _evaluate}  # fmt: skip


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (0 on success)."""
    # Level 3 also hides harmless C++ "errors" (no CUDA driver, grappler fallbacks);
    # real failures still arrive as Python exceptions. Set the variable to see them.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    args = _parser().parse_args(argv)
    try:
        COMMANDS[args.command](args)
    except KeyboardInterrupt:
        print(
            "cyclegan: interrupted; the same command resumes from the last finished epoch.",
            file=sys.stderr,
        )
        return 130
    except WorkerLostError as err:
        print(f"cyclegan: error: {err}", file=sys.stderr)
        return EXIT_WORKER_LOST
    except (ValueError, OSError) as err:
        message = str(err).splitlines()[0] if str(err) else type(err).__name__
        print(f"cyclegan: error: {message}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
