"""Resumable CycleGAN training on a folder dataset, as run by ``cyclegan train``.

Every epoch builds its own data pipeline from a seed derived from ``(seed, epoch)``,
trains with ``CycleGAN.fit``, then writes the sample grid, the loss
curve, TensorBoard scalars and finally an atomic checkpoint (see ``cyclegan.runs``).
Because everything an epoch depends on is either in the checkpoint (weights, optimiser
moments and step counters, which also drive the learning-rate schedule, pool contents
and pool random-number counters) or a function of ``(seed, epoch)``, a run killed at any
moment and started again ends with the same weights as a run never interrupted.
"""

from __future__ import annotations

import dataclasses
import os
import signal
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf
from tensorflow.core.framework import summary_pb2
from tqdm.auto import tqdm

from cyclegan import runs
from cyclegan.data import list_images, load_unpaired, read_image
from cyclegan.model import LOSS_NAMES, CycleGAN
from cyclegan.plots import save_loss_curve, save_sample_grid, translate_pair
from cyclegan.schedules import LinearDecay


@dataclass
class TrainConfig:
    """Settings of a training run (saved as ``config.json`` in the run folder).

    Defaults are the curriculum's apple2orange settings; ``decay_from`` (0-based epoch)
    turns on the linear decay of the learning rate to zero at the last epoch.
    """

    data: str
    epochs: int = 200
    image_size: int = 128
    generator: str = "unet"
    gen_filters: int = 32
    disc_filters: int = 32
    n_residual_blocks: int = 9
    lambda_validation: float = 1.0
    lambda_reconstr: float = 10.0
    lambda_id: float = 2.0
    lr: float = 2e-4
    decay_from: int | None = None
    batch_size: int = 1
    buffer_max_length: int = 50
    seed: int = 0
    steps_per_epoch: int | None = None
    deterministic: bool = True
    jit_compile: bool = False
    mixed_precision: bool = False

    def validate(self) -> None:
        """Raise ``ValueError`` with a one-line fix for the first bad setting."""
        positive = ("epochs", "image_size", "gen_filters", "disc_filters", "batch_size")
        for name in positive:
            if getattr(self, name) < 1:
                raise ValueError(
                    f"--{name.replace('_', '-')} must be >= 1, got {getattr(self, name)}."
                )
        if self.generator not in ("unet", "resnet"):
            raise ValueError(f'--generator must be "unet" or "resnet", got {self.generator!r}.')
        non_negative = ("lambda_validation", "lambda_reconstr", "lambda_id", "buffer_max_length",
                        "n_residual_blocks")  # fmt: skip
        for name in non_negative:
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0, got {getattr(self, name)}.")
        if self.steps_per_epoch is not None and self.steps_per_epoch < 1:
            raise ValueError(f"--steps-per-epoch must be >= 1, got {self.steps_per_epoch}.")
        if self.lr <= 0:
            raise ValueError(f"--lr must be > 0, got {self.lr}.")
        if self.decay_from is not None and not 0 <= self.decay_from < self.epochs:
            raise ValueError(
                f"--decay-from must be an epoch in [0, {self.epochs}), got {self.decay_from}."
            )
        multiple = 16 if self.generator == "unet" else 4
        if self.image_size % multiple:
            nearest = max(round(self.image_size / multiple), 1) * multiple
            raise ValueError(
                f"--image-size must be a multiple of {multiple} for the {self.generator} "
                f"generator, got {self.image_size}; try {nearest}."
            )

    # Settings that can change between invocations without changing the result.
    RESUMABLE_CHANGES = ("epochs",)


def _check_resume(saved: dict, config: TrainConfig) -> None:
    current = dataclasses.asdict(config)
    for key, value in saved.items():
        if key in TrainConfig.RESUMABLE_CHANGES and config.decay_from is None:
            continue
        if current.get(key) != value:
            raise ValueError(
                f"the run folder was started with {key}={value!r}, not {current.get(key)!r}; "
                "repeat the original options to resume, or choose a new --out."
            )


# What tf.summary.scalar attaches, spelled out so TensorBoard itself need not be installed.
_SCALAR_METADATA = summary_pb2.SummaryMetadata(
    plugin_data=summary_pb2.SummaryMetadata.PluginData(plugin_name="scalars"),
    data_class=summary_pb2.DATA_CLASS_SCALAR,
)


def write_scalars(writer, scalars: dict[str, float], step: int) -> None:
    """Write float scalars that TensorBoard's scalar dashboard shows, then flush."""
    with writer.as_default():
        for tag, value in scalars.items():
            tf.summary.write(tag, tf.constant(value, tf.float32), step=step,
                             metadata=_SCALAR_METADATA)  # fmt: skip
    writer.flush()


def epoch_seed(seed: int, epoch: int) -> int:
    """Seed of the data order, augmentation and Keras RNG of one epoch (0-based)."""
    return int(np.random.SeedSequence([seed, epoch]).generate_state(1)[0] >> 1)


class _ProgressBar(keras.callbacks.Callback):
    """tqdm bar over the steps of one epoch showing the epoch's running mean losses."""

    def __init__(self, epoch: int, epochs: int, steps: int, crash_after: int | None) -> None:
        super().__init__()
        self.bar = tqdm(total=steps, desc=f"epoch {epoch + 1}/{epochs}", unit="step")
        self.latest = dict.fromkeys(LOSS_NAMES, float("nan"))
        self.count = 0
        self.crash_after = crash_after

    def on_train_batch_end(self, batch, logs=None):
        self.latest = {k: float(logs[k]) for k in LOSS_NAMES}
        self.count += 1
        self.bar.set_postfix({k: f"{v:.3f}" for k, v in self.latest.items()}, refresh=False)
        self.bar.update(1)
        if self.crash_after is not None and self.count >= self.crash_after:
            # Test hook: die like a killed process, with no chance to clean up.
            self.bar.close()
            os.kill(os.getpid(), getattr(signal, "SIGKILL", signal.SIGTERM))

    def means(self) -> dict[str, float]:
        """Mean losses of the epoch (the running means after its last step)."""
        self.bar.close()
        return dict(self.latest)


def _sample_pair(data: Path, image_size: int) -> tuple[np.ndarray, np.ndarray]:
    images = []
    for domain in "AB":
        folder = data / f"test{domain}"
        files = list_images(folder) if folder.is_dir() else []
        files = files or list_images(data / f"train{domain}")
        images.append(read_image(files[0], image_size))
    return images[0], images[1]


def _strategy() -> tf.distribute.Strategy:
    gpus = tf.config.list_logical_devices("GPU")
    return tf.distribute.MirroredStrategy() if len(gpus) > 1 else tf.distribute.get_strategy()


def train(config: TrainConfig, run_dir: str | os.PathLike, crash_after_steps: int | None = None):
    """Train (or resume, or report a finished run) and return the per-epoch loss history.

    Args:
        config: the run settings.
        run_dir: output folder; if it holds a checkpoint of the same settings, training
            resumes after the last complete epoch.
        crash_after_steps: test hook: kill the process (SIGKILL) after this many
            training steps of this call, as an outside ``kill -9`` would.

    Returns:
        List of dicts of mean losses, one per finished epoch.

    Raises:
        ValueError: for bad settings, a missing or empty dataset, or a run folder that
            holds a different run.
    """
    config.validate()
    run_dir = Path(run_dir)
    saved = runs.read_config(run_dir)
    if saved is not None:
        _check_resume(saved, config)
    latest = runs.latest_checkpoint(run_dir)
    if latest is not None:
        state = runs.read_state(latest)
        if state["epoch"] >= config.epochs:
            print(f"run {run_dir} already finished: {state['epoch']} of {config.epochs} epochs.")
            return state["history"]
    # Checks the data folders before anything global changes.
    first = load_unpaired(config.data, "train", config.image_size, config.batch_size, seed=0)
    steps = int(first.cardinality())
    if config.steps_per_epoch is not None:
        steps = min(steps, config.steps_per_epoch)
    sample_a, sample_b = _sample_pair(Path(config.data), config.image_size)
    runs.write_config(run_dir, dataclasses.asdict(config))

    if config.deterministic:
        tf.config.experimental.enable_op_determinism()
    if config.mixed_precision:
        keras.mixed_precision.set_global_policy("mixed_float16")
    keras.utils.set_random_seed(config.seed)
    lr = config.lr
    if config.decay_from is not None:
        lr = LinearDecay.from_epochs(config.lr, config.decay_from, config.epochs, steps)
    model = CycleGAN(
        input_dim=(config.image_size, config.image_size, 3),
        learning_rate=lr,
        lambda_validation=config.lambda_validation,
        lambda_reconstr=config.lambda_reconstr,
        lambda_id=config.lambda_id,
        generator_type=config.generator,
        gen_n_filters=config.gen_filters,
        disc_n_filters=config.disc_filters,
        buffer_max_length=config.buffer_max_length,
        n_residual_blocks=config.n_residual_blocks,
        pool_seed=config.seed,
        strategy=_strategy(),
    )
    model.compile(jit_compile=config.jit_compile)
    checkpoint = tf.train.Checkpoint(**model.checkpoint_objects())
    history: list[dict[str, float]] = []
    start = 0
    if latest is not None:
        state = runs.load_checkpoint(checkpoint, latest)
        start, history = state["epoch"], state["history"]
        print(f"resuming {run_dir} after epoch {start} of {config.epochs}.")

    writer = tf.summary.create_file_writer(os.fspath(run_dir / "logs"))
    for epoch in range(start, config.epochs):
        # Not keras.utils.set_random_seed: re-seeding TF would retrace the train step, and
        # nothing random in an epoch reads the global seeds (data and pools are seeded).
        seed = epoch_seed(config.seed, epoch)
        ds = load_unpaired(config.data, "train", config.image_size, config.batch_size, seed=seed)
        crash_in_epoch = None
        if crash_after_steps is not None and crash_after_steps <= steps:
            crash_in_epoch = crash_after_steps
        elif crash_after_steps is not None:
            crash_after_steps -= steps
        bar = _ProgressBar(epoch, config.epochs, steps, crash_in_epoch)
        model.fit(ds.take(steps), epochs=epoch + 1, initial_epoch=epoch, verbose=0,
                  shuffle=False, callbacks=[bar])  # fmt: skip
        means = bar.means()
        history.append(means)
        save_sample_grid(
            translate_pair(model, sample_a, sample_b),
            run_dir / "samples" / f"epoch-{epoch + 1:04d}.png",
            title=f"epoch {epoch + 1}",
        )
        save_loss_curve(history, run_dir / "loss_curve.png")
        optimizer = model.network_optimizers["g_AB"]
        scalars = {f"loss/{k}": v for k, v in means.items()}
        scalars["learning_rate"] = float(optimizer.learning_rate)
        write_scalars(writer, scalars, step=epoch + 1)
        runs.save_checkpoint(
            checkpoint,
            run_dir,
            epoch + 1,
            {
                "epoch": epoch + 1,
                "history": history,
                "global_step": int(optimizer.iterations),
                "next_epoch_seed": epoch_seed(config.seed, epoch + 1),
            },
        )
    print(f"finished {config.epochs} epochs; checkpoints and samples in {run_dir}.")
    return history
