"""The options of CycleGAN training: one dataclass for the model, the CLI and the run folder.

``TrainConfig`` lists every hyper-parameter once, with its default and meaning. From it
come the model (``CycleGAN(options)``), the ``cyclegan train`` flags
(:func:`add_arguments`, :meth:`TrainConfig.from_arguments`) and the run's
``config.json`` (:meth:`TrainConfig.to_dict`, :meth:`TrainConfig.from_dict`).

Notation of the comments: generators ``G_AB``, ``G_BA``, discriminators ``D_A``,
``D_B``, real batches ``a``, ``b``; ``mse(x, t)`` and ``|x - y|`` are means over every
element. This module imports no TensorFlow, so ``cyclegan train --help`` is instant.
"""

from __future__ import annotations

import argparse
import dataclasses
import types
import typing
from collections.abc import Callable, Sequence
from typing import Any

GENERATOR_TYPES = ("unet", "resnet")
UPSAMPLING_TYPES = ("transpose", "resize")
FORMAT = "cyclegan-train-options"
VERSION = 1  # of the saved dict; raise it when a field changes meaning or goes away


def _option(default: Any, meaning: str, flag: str | None = None, **argparse_kwargs: Any):
    """A field with its default, its one-line meaning (the ``--help``) and CLI details."""
    metadata = {"help": meaning, "flag": flag, "argparse": argparse_kwargs}
    return dataclasses.field(default=default, metadata=metadata)


@dataclasses.dataclass
class TrainConfig:
    """Settings of a training run: the model's hyper-parameters and the training loop's.

    Defaults are the curriculum's apple2orange settings. Saved as ``config.json`` in the
    run folder; a run resumes only with the same settings (``epochs`` may grow when no
    decay is set).
    """

    data: str | None = _option(None, "dataset folder with trainA/ and trainB/", required=True)
    epochs: int = _option(200, "passes over the data; one = max(|A|, |B|) // batch-size steps")
    image_size: int = _option(128, "side S of the square S x S x 3 training images")
    generator: str = _option(
        "unet", "unet (U-Net, skip connections) or resnet (residual blocks)",
        choices=GENERATOR_TYPES,
    )
    gen_filters: int = _option(32, "filters f of the first generator layer (then 2f, 4f, 8f)")
    disc_filters: int = _option(32, "filters f of the first discriminator layer (2f, 4f, 8f)")
    n_residual_blocks: int = _option(9, "ResNet generator only", flag="--residual-blocks")
    upsampling: str = _option(
        "transpose", "ResNet generator only: transpose (3x3 transposed conv, stride 2) or "
        "resize (nearest x2, then 3x3 conv: avoids checkerboard artefacts)",
        choices=UPSAMPLING_TYPES,
    )  # fmt: skip
    dropout_rate: float = _option(0.0, "dropout rate in the U-Net decoder (0: no dropout)")
    # The curriculum normalises every encoder block; pix2pix's reference leaves the first
    # one out, so the skip from down1 carries each picture's own colours to the decoder.
    first_block_norm: bool = _option(
        True, "U-Net only: no instance norm in the first encoder block (down1), so the "
        "generator sees each picture's own colours", flag="--no-first-block-norm",
    )  # fmt: skip
    lambda_validation: float = _option(
        1.0, "weight of the adversarial losses mse(D_B(G_AB(a)), 1) + mse(D_A(G_BA(b)), 1)"
    )
    lambda_reconstr: float = _option(
        10.0, "weight of the cycle losses |G_BA(G_AB(a)) - a| + |G_AB(G_BA(b)) - b|"
    )
    lambda_id: float = _option(
        2.0, "weight of the identity losses |G_BA(a) - a| + |G_AB(b) - b| (0: skipped)"
    )
    lr: float = _option(2e-4, "Adam learning rate (beta_1 = 0.5, one Adam per network)")
    decay_from: int | None = _option(
        None, "decay the learning rate linearly to 0 from this 0-based epoch on", metavar="EPOCH"
    )
    batch_size: int = _option(1, "image pairs (a, b) per step")
    buffer_max_length: int = _option(50, "image pool size (0: none)", flag="--pool-size")
    seed: int | None = _option(0, "seed of weights, data order, augmentation and the pools")
    steps_per_epoch: int | None = _option(
        None, "cap on the steps of an epoch (default: the larger domain)"
    )
    # True: TensorFlow op determinism, so a resumed run is bit-identical to an uninterrupted one.
    deterministic: bool = _option(
        True, "allow faster, non-reproducible kernels (GPU)", flag="--nondeterministic"
    )
    jit_compile: bool = _option(False, "compile the training step with XLA", flag="--xla")
    mixed_precision: bool = _option(False, "float16 compute (GPU)")
    eval_every: int = _option(
        0, "every N epochs, KID of both directions to TensorBoard and the history (0: off)",
        metavar="N",
    )
    eval_images: int = _option(100, "images per domain (test split if any) --eval-every uses")
    eval_weights: str = _option(
        "imagenet", "InceptionV3 weights of --eval-every: imagenet, random, auto or a file",
        metavar="WEIGHTS",
    )

    # Settings that can change between invocations without changing the result.
    RESUMABLE_CHANGES = ("epochs",)
    # Settings that never change the trained weights (only what is measured on the way).
    FREE_CHANGES = ("eval_every", "eval_images", "eval_weights")

    def validate_model(self, name: Callable[[str], str] | None = None) -> None:
        """Raise ``ValueError`` for a bad model setting (see :meth:`validate`)."""
        name = name or flag_name
        if self.generator not in GENERATOR_TYPES:
            raise ValueError(
                f"{name('generator')} must be one of {GENERATOR_TYPES}, got {self.generator!r}."
            )
        non_negative = ("lambda_validation", "lambda_reconstr", "lambda_id", "buffer_max_length",
                        "n_residual_blocks")  # fmt: skip
        for field in non_negative:
            if getattr(self, field) < 0:
                raise ValueError(f"{name(field)} must be >= 0, got {getattr(self, field)}.")
        if self.upsampling not in UPSAMPLING_TYPES:
            raise ValueError(f"{name('upsampling')} must be one of {UPSAMPLING_TYPES}, "
                             f"got {self.upsampling!r}.")  # fmt: skip
        if not 0 <= self.dropout_rate < 1:
            raise ValueError(f"{name('dropout_rate')} must be in [0, 1), got {self.dropout_rate}.")
        if not self.first_block_norm and self.generator != "unet":
            raise ValueError(f"{name('first_block_norm')} is a U-Net option; leave it out for "
                             f"the {self.generator} generator.")  # fmt: skip

    def validate(self, name: Callable[[str], str] | None = None) -> None:
        """Raise ``ValueError`` with a one-line fix for the first bad setting.

        Args:
            name: how a message names a field; default: its ``cyclegan train`` flag.
        """
        name = name or flag_name
        if not self.data:
            raise ValueError(f"{name('data')} is required: the folder with trainA/ and trainB/.")
        for field in ("epochs", "image_size", "gen_filters", "disc_filters", "batch_size"):
            if getattr(self, field) < 1:
                raise ValueError(f"{name(field)} must be >= 1, got {getattr(self, field)}.")
        self.validate_model(name)
        if self.steps_per_epoch is not None and self.steps_per_epoch < 1:
            raise ValueError(f"{name('steps_per_epoch')} must be >= 1, got {self.steps_per_epoch}.")
        if self.eval_every < 0:
            raise ValueError(f"{name('eval_every')} must be >= 0 (0: off), got {self.eval_every}.")
        if self.eval_images < 2:
            raise ValueError(f"{name('eval_images')} must be >= 2 (KID needs 2 images), "
                             f"got {self.eval_images}.")  # fmt: skip
        if not self.eval_weights:
            raise ValueError(f"{name('eval_weights')} must be imagenet, random, auto or a file.")
        if self.lr <= 0:
            raise ValueError(f"{name('lr')} must be > 0, got {self.lr}.")
        if self.decay_from is not None and not 0 <= self.decay_from < self.epochs:
            raise ValueError(f"{name('decay_from')} must be an epoch in [0, {self.epochs}), "
                             f"got {self.decay_from}.")  # fmt: skip
        if not isinstance(self.seed, int):
            raise ValueError(f"{name('seed')} must be an integer for training, got {self.seed!r}.")
        multiple = 16 if self.generator == "unet" else 4
        if self.image_size % multiple:
            nearest = max(round(self.image_size / multiple), 1) * multiple
            raise ValueError(
                f"{name('image_size')} must be a multiple of {multiple} for the {self.generator} "
                f"generator, got {self.image_size}; try {nearest}."
            )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict of every field, tagged with the format and its version."""
        return {"format": FORMAT, "version": VERSION, **dataclasses.asdict(self)}

    @classmethod
    def from_dict(cls, saved: Any, source: str = "the options") -> TrainConfig:
        """Options from :meth:`to_dict`'s output (or an untagged dict of fields).

        Missing fields take their defaults, so runs saved before a field was added load.

        Args:
            saved: the dict, e.g. read from ``config.json``.
            source: what to call it in messages (a file name).

        Raises:
            ValueError: in one line, for a foreign dict (other format, unknown keys, wrong
                value types) or one written by a newer version.
        """
        foreign = f"{source} does not hold cyclegan training options"
        if not isinstance(saved, dict) or saved.get("format", FORMAT) != FORMAT:
            raise ValueError(f"{foreign}; pass a run folder written by `cyclegan train`.")
        version = saved.get("version", 1)
        if not isinstance(version, int) or version > VERSION:
            raise ValueError(
                f"{source} was written by a newer cyclegan (options version {version!r}, "
                f"this one reads {VERSION}); upgrade cyclegan."
            )
        values = {k: v for k, v in saved.items() if k not in ("format", "version")}
        types_ = _field_types()
        for key, value in values.items():
            if key not in types_:
                raise ValueError(f"{foreign} (unknown option {key!r}).")
            wrong_bool = isinstance(value, bool) and bool not in types_[key]
            if not isinstance(value, types_[key]) or wrong_bool:
                wanted = " or ".join(t.__name__ for t in types_[key])
                raise ValueError(f"{foreign} ({key}={value!r} is not {wanted}).")
        return cls(**values)

    @classmethod
    def from_arguments(cls, args: argparse.Namespace) -> TrainConfig:
        """Options from the namespace of a parser that :func:`add_arguments` set up."""
        return cls(**{f.name: getattr(args, f.name) for f in dataclasses.fields(cls)})


# The model's own keyword names for some ``TrainConfig`` fields (the others share them).
KEYWORD_ALIASES = {
    "generator_type": "generator",
    "gen_n_filters": "gen_filters",
    "disc_n_filters": "disc_filters",
    "pool_seed": "seed",
}
_KEYWORD_OF = {field: keyword for keyword, field in KEYWORD_ALIASES.items()}


def model_options(
    options: TrainConfig | Sequence[int] | None = None, **keywords: Any
) -> TrainConfig:
    """The ``TrainConfig`` that ``CycleGAN(options, **keywords)`` builds its networks from.

    Args:
        options: a ``TrainConfig``; or, as before options existed, ``input_dim``, the
            ``(S, S, 3)`` shape of the images (default ``(128, 128, 3)``, and then the
            pools are unseeded unless ``pool_seed`` is given).
        **keywords: fields to override, by field name or by the model's historical
            keyword name (``generator_type``, ``gen_n_filters``, ``disc_n_filters``,
            ``pool_seed``), plus ``input_dim`` and a float ``learning_rate``.

    Raises:
        ValueError: for a non-square or non-RGB ``input_dim`` or a bad model setting.
        TypeError: for a keyword that is no option.
    """
    if not isinstance(options, TrainConfig):
        keywords.setdefault("input_dim", options)
        options = TrainConfig(seed=None)
    overrides = {KEYWORD_ALIASES.get(k, k): v for k, v in keywords.items()}
    input_dim = overrides.pop("input_dim", None)
    if input_dim is not None:
        height, width, channels = (int(d) for d in input_dim)
        if height != width or channels != 3:
            raise ValueError(f"input_dim must be (S, S, 3) (square RGB images), got {input_dim}.")
        overrides["image_size"] = height
    if isinstance(overrides.get("learning_rate"), int | float):
        overrides["lr"] = float(overrides.pop("learning_rate"))
    unknown = sorted(set(overrides) - {f.name for f in dataclasses.fields(TrainConfig)})
    if unknown:
        raise TypeError(f"CycleGAN got unknown option(s) {unknown}; see cyclegan.options.")
    options = dataclasses.replace(options, **overrides)
    options.validate_model(name=lambda field: _KEYWORD_OF.get(field, field))
    return options


def flag_name(field: str) -> str:
    """The ``cyclegan train`` flag of a field, e.g. ``--pool-size`` for ``buffer_max_length``."""
    flag = _fields()[field].metadata["flag"]
    return flag or "--" + field.replace("_", "-")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add one flag per ``TrainConfig`` field, with its default and meaning as the help."""
    types_ = _field_types()
    for field in dataclasses.fields(TrainConfig):
        kwargs: dict[str, Any] = {"dest": field.name, "default": field.default,
                                  **field.metadata["argparse"]}  # fmt: skip
        help_ = field.metadata["help"]
        if isinstance(field.default, bool):
            # A flag names the non-default behaviour: --xla sets True, --nondeterministic False.
            kwargs["action"] = "store_false" if field.default else "store_true"
        else:
            kwargs["type"] = next(t for t in types_[field.name] if t is not type(None))
            if field.default is not None:
                help_ += " (default: %(default)s)"
        flag = flag_name(field.name)
        if kwargs.get("action") is None and "choices" not in kwargs:
            kwargs.setdefault("metavar", flag.lstrip("-").replace("-", "_").upper())
        parser.add_argument(flag, help=help_, **kwargs)


def _fields() -> dict[str, dataclasses.Field]:
    return {f.name: f for f in dataclasses.fields(TrainConfig)}


def _field_types() -> dict[str, tuple[type, ...]]:
    """Types a value of each field may have (first the main one; a float may be an int)."""
    accepted = {}
    for field, hint in typing.get_type_hints(TrainConfig).items():
        if field in _fields():
            options = typing.get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
            if float in options:
                options = (*options, int)
            accepted[field] = tuple(options)
    return accepted
