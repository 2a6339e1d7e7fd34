"""A fast-style or AdaIN training run on disk: settings, atomic checkpoints, saved models.

Layout of a run folder::

    RUN/config.json              FastConfig (kind "fast" or "adain") and the VGG weights used
    RUN/checkpoints/LATEST       name of the newest complete checkpoint
    RUN/checkpoints/step-00000200/  ckpt.index, ckpt.data-*, state.json
    RUN/samples/step-00000200.png   content | (style |) output at that step
    RUN/loss_curve.png           loss per step
    RUN/model.keras              the trained network (Keras format)
    RUN/saved_model/             the same, exported as a TensorFlow SavedModel for serving

Checkpoints are written as ``cyclegan.runs`` writes them (hidden folder, rename, then
``LATEST`` replaced atomically), so a process killed at any moment leaves the previous
complete checkpoint or the new one; reading and restoring are ``cyclegan.runs``'s own.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
from pathlib import Path
from typing import Any

import tensorflow as tf

from cyclegan.runs import (
    CHECKPOINT_DIR,
    CKPT_PREFIX,
    LATEST_FILE,
    STATE_FILE,
    atomic_write_text,
    latest_checkpoint,
    load_checkpoint,
    read_config,
    read_state,
    write_config,
)

__all__ = ["FastConfig", "latest_checkpoint", "load_checkpoint", "read_run_config",
           "read_state", "save_checkpoint", "save_model", "write_config", "MODEL_FILE",
           "SAVED_MODEL_DIR"]

MODEL_FILE = "model.keras"
SAVED_MODEL_DIR = "saved_model"
KINDS = ("fast", "adain")
KEEP_CHECKPOINTS = 2
#: Options that may differ when a run is resumed (train longer, log differently).
RESUMABLE = {"steps", "checkpoint_every", "sample_every"}


@dataclasses.dataclass
class FastConfig:
    """Settings of one training run (``nst train-fast`` or ``nst train-adain``).

    Attributes:
        kind: ``"fast"`` (Johnson et al., one style) or ``"adain"`` (any style).
        data: folder of content images.
        style: the style image (``"fast"``): a file or a painted sample's name.
        styles: folder of style images (``"adain"``).
        steps: training steps in all.
        size: side of the square training crops (a multiple of 8).
        batch_size: images per step.
        width: ``"fast"``: transform-net width preset or channels; ``"adain"``: decoder
            width factor (``"1"`` is the paper's).
        weights: VGG19 weights: ``imagenet``, ``random``, ``auto`` or a file.
        lr: Adam learning rate.
        content_weight: ``alpha`` (fast) or the content-loss weight (AdaIN).
        style_weight: ``beta`` (fast) or ``lambda`` (AdaIN).
        tv_weight: total-variation weight (fast only; 0 = off).
        checkpoint_every: steps between checkpoints.
        sample_every: steps between sample pictures.
        seed: seed of the weights, the data order and the augmentation.
    """

    kind: str
    data: str
    style: str | None = None
    styles: str | None = None
    steps: int = 2000
    size: int = 256
    batch_size: int = 4
    width: str = "fast"
    weights: str = "auto"
    lr: float = 1e-3
    content_weight: float = 10.0
    style_weight: float = 40.0
    tv_weight: float = 0.0
    checkpoint_every: int = 100
    sample_every: int = 100
    seed: int = 0

    def validate(self) -> None:
        """Raise a one-line ``ValueError`` for settings that cannot train."""
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {self.kind!r}.")
        for name in ("steps", "batch_size", "checkpoint_every", "sample_every"):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"--{name.replace('_', '-')} must be at least 1, "
                                 f"got {getattr(self, name)}.")
        if self.size < 32 or self.size % 8:
            raise ValueError(f"--size must be a multiple of 8 and at least 32, got {self.size}.")
        if not self.lr > 0:
            raise ValueError(f"--lr must be positive, got {self.lr}.")

    def to_dict(self) -> dict[str, Any]:
        return {"program": "nst_utils.fast", **dataclasses.asdict(self)}

    @classmethod
    def from_dict(cls, saved: dict[str, Any], source: str) -> FastConfig:
        """Read a saved config; a file of another program is a one-line ``ValueError``."""
        fields = {f.name for f in dataclasses.fields(cls)}
        if saved.get("program") != "nst_utils.fast" or saved.get("kind") not in KINDS:
            raise ValueError(f"{source} is not a run of nst train-fast or train-adain; "
                             "pass a folder those commands wrote.")
        return cls(**{k: v for k, v in saved.items() if k in fields})


def read_run_config(run_dir: str | os.PathLike) -> FastConfig:
    """The settings of an existing run folder.

    Raises:
        ValueError: when the folder is missing, has no ``config.json`` or holds another
            program's run.
    """
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise ValueError(f"run folder {run_dir} does not exist; pass the --out folder of "
                         "nst train-fast or nst train-adain.")
    saved = read_config(run_dir)
    if saved is None:
        raise ValueError(f"{run_dir} holds no config.json, so it is not a training run; pass "
                         "the --out folder of nst train-fast or nst train-adain.")
    return FastConfig.from_dict(saved, os.fspath(run_dir / "config.json"))


def check_resumable(config: FastConfig, run_dir: Path) -> None:
    """Refuse a run folder that was started with other settings (or by another program)."""
    if not (run_dir / "config.json").is_file():
        return
    saved = read_run_config(run_dir)
    for key, value in dataclasses.asdict(saved).items():
        if key not in RESUMABLE and getattr(config, key) != value:
            raise ValueError(f"the run folder {run_dir} was started with {key}={value!r}, not "
                             f"{getattr(config, key)!r}; repeat the original options to "
                             "resume, or choose a new --out.")


def save_checkpoint(checkpoint: tf.train.Checkpoint, run_dir: Path, step: int,
                    state: dict[str, Any]) -> Path:
    """Write a complete checkpoint after ``step`` steps and point ``LATEST`` at it."""
    root = Path(run_dir) / CHECKPOINT_DIR
    root.mkdir(parents=True, exist_ok=True)
    name = f"step-{step:08d}"
    final, tmp = root / name, root / f".tmp-{name}-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    checkpoint.write(os.fspath(tmp / CKPT_PREFIX))
    atomic_write_text(tmp / STATE_FILE, json.dumps(state))
    if final.exists():  # left by a run killed between the rename and LATEST: stale
        shutil.rmtree(final)
    os.replace(tmp, final)
    atomic_write_text(root / LATEST_FILE, name)
    for old in sorted(p for p in root.glob("step-*") if p.is_dir())[:-KEEP_CHECKPOINTS]:
        shutil.rmtree(old, ignore_errors=True)
    for stale in root.glob(".tmp-*"):
        shutil.rmtree(stale, ignore_errors=True)
    return final


def save_model(model, run_dir: Path, export: bool = True) -> Path:
    """Save ``model`` as ``RUN/model.keras`` and export ``RUN/saved_model/``, atomically each."""
    run_dir = Path(run_dir)
    tmp = run_dir / f".tmp-{os.getpid()}-{MODEL_FILE}"
    model.save(os.fspath(tmp))
    os.replace(tmp, run_dir / MODEL_FILE)
    if not export:
        return run_dir / MODEL_FILE
    staging = run_dir / f".tmp-{os.getpid()}-{SAVED_MODEL_DIR}"
    shutil.rmtree(staging, ignore_errors=True)
    model.export(os.fspath(staging), format="tf_saved_model", verbose=False)
    final = run_dir / SAVED_MODEL_DIR
    old = run_dir / f".old-{os.getpid()}-{SAVED_MODEL_DIR}"
    if final.exists():
        os.replace(final, old)
    os.replace(staging, final)
    shutil.rmtree(old, ignore_errors=True)
    return run_dir / MODEL_FILE
