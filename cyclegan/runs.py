"""A training run on disk: its settings, and atomic, resumable checkpoints.

Layout of a run folder::

    RUN_DIR/config.json                 options the run was started with (TrainConfig)
    RUN_DIR/checkpoints/LATEST          name of the newest complete checkpoint
    RUN_DIR/checkpoints/epoch-0007/     ckpt.index, ckpt.data-*, state.json
    RUN_DIR/samples/epoch-0007.png      sample grid after each epoch
    RUN_DIR/loss_curve.png              per-epoch mean losses
    RUN_DIR/logs/                       TensorBoard scalars

A checkpoint is written into a hidden temporary folder and renamed into place, and
only then does ``LATEST`` (itself replaced atomically) point at it. A process killed at
any moment therefore leaves either the previous complete checkpoint or the new one.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import tensorflow as tf

from cyclegan.options import TrainConfig

CONFIG_FILE = "config.json"
CHECKPOINT_DIR = "checkpoints"
LATEST_FILE = "LATEST"
STATE_FILE = "state.json"
CKPT_PREFIX = "ckpt"
KEEP_CHECKPOINTS = 2


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that readers see the old or the new file, never a part."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def read_config(run_dir: Path) -> dict[str, Any] | None:
    """Return the saved settings of a run, or ``None`` for a new run folder.

    Raises:
        ValueError: when ``config.json`` exists but is not valid JSON.
    """
    path = Path(run_dir) / CONFIG_FILE
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise ValueError(f"{path} is not valid JSON ({err.msg}); fix or delete it.") from None


def write_config(run_dir: Path, config: dict[str, Any]) -> None:
    """Save the settings of a run (atomically)."""
    Path(run_dir).mkdir(parents=True, exist_ok=True)
    atomic_write_text(Path(run_dir) / CONFIG_FILE, json.dumps(config, indent=2, sort_keys=True))


def read_options(run_dir: Path) -> TrainConfig | None:
    """Return the options a run was started with, or ``None`` for a new run folder.

    Raises:
        ValueError: in one line, when ``config.json`` is not valid JSON or holds no
            options of this version of cyclegan (another program's file, a newer one).
    """
    saved = read_config(run_dir)
    if saved is None:
        return None
    return TrainConfig.from_dict(saved, source=os.fspath(Path(run_dir) / CONFIG_FILE))


def write_options(run_dir: Path, options: TrainConfig) -> None:
    """Save the options of a run as ``config.json`` (``TrainConfig.to_dict``, atomically)."""
    write_config(run_dir, options.to_dict())


def latest_checkpoint(run_dir: Path) -> Path | None:
    """Folder of the newest complete checkpoint, or ``None`` when there is none."""
    root = Path(run_dir) / CHECKPOINT_DIR
    latest = root / LATEST_FILE
    if not latest.is_file():
        return None
    folder = root / latest.read_text(encoding="utf-8").strip()
    return folder if (folder / STATE_FILE).is_file() else None


def save_checkpoint(
    checkpoint: tf.train.Checkpoint, run_dir: Path, epoch: int, state: dict[str, Any]
) -> Path:
    """Write a complete checkpoint for the end of ``epoch`` (1-based) and point LATEST at it.

    Args:
        checkpoint: ``tf.train.Checkpoint`` over the networks, optimisers and pools.
        run_dir: the run folder.
        epoch: number of finished epochs.
        state: JSON-serialisable training state (epoch, history, seeds, ...).

    Returns:
        The checkpoint folder.
    """
    root = Path(run_dir) / CHECKPOINT_DIR
    root.mkdir(parents=True, exist_ok=True)
    name = f"epoch-{epoch:04d}"
    final = root / name
    tmp = root / f".tmp-{name}-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    checkpoint.write(os.fspath(tmp / CKPT_PREFIX))
    atomic_write_text(tmp / STATE_FILE, json.dumps(state, indent=2))
    if final.exists():
        # Left by a run killed between the rename and the LATEST update; it is stale.
        shutil.rmtree(final)
    os.replace(tmp, final)
    atomic_write_text(root / LATEST_FILE, name)
    _prune(root, keep=name)
    return final


def _prune(root: Path, keep: str) -> None:
    complete = sorted(p for p in root.glob("epoch-*") if p.is_dir())
    for old in complete[:-KEEP_CHECKPOINTS]:
        if old.name != keep:
            shutil.rmtree(old, ignore_errors=True)
    for tmp in root.glob(".tmp-*"):
        # Temporary folders of this process are gone by now; others are crash leftovers.
        shutil.rmtree(tmp, ignore_errors=True)


def read_state(folder: Path) -> dict[str, Any]:
    """Return the training state saved with a checkpoint (epoch, history, ...)."""
    return json.loads((Path(folder) / STATE_FILE).read_text(encoding="utf-8"))


def load_checkpoint(
    checkpoint: tf.train.Checkpoint, folder: Path, partial: bool = False
) -> dict[str, Any]:
    """Restore ``checkpoint`` from a checkpoint folder and return its saved state.

    Args:
        checkpoint: ``tf.train.Checkpoint`` over objects built like the saved ones.
        folder: a folder returned by :func:`latest_checkpoint`.
        partial: restore only the objects ``checkpoint`` tracks (e.g. one generator).

    Returns:
        The ``state`` dict given to :func:`save_checkpoint`.

    Raises:
        ValueError: when the checkpoint does not fit the objects (other settings).
    """
    try:
        status = checkpoint.read(os.fspath(Path(folder) / CKPT_PREFIX))
        if partial:
            status.expect_partial().assert_existing_objects_matched()
        else:
            status.assert_consumed()
    except (AssertionError, ValueError) as err:
        first = str(err).splitlines()[0]
        raise ValueError(
            f"checkpoint {folder} does not match the networks ({first[:120]}); "
            "it was saved with other settings."
        ) from None
    return read_state(folder)
