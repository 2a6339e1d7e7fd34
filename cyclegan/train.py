"""Resumable CycleGAN training on a folder dataset, as run by ``cyclegan train``.

Every epoch builds its own data pipeline from a seed derived from ``(seed, epoch)``,
trains with ``CycleGAN.fit``, then writes the sample grid, the loss
curve, TensorBoard scalars and finally an atomic checkpoint (see ``cyclegan.runs``).
Because everything an epoch depends on is either in the checkpoint (weights, optimiser
moments and step counters, which also drive the learning-rate schedule, pool contents
and pool random-number counters) or a function of ``(seed, epoch)``, a run killed at any
moment and started again ends with the same weights as a run never interrupted.

On several workers (``TF_CONFIG``, see ``cyclegan.cluster``) the same loop runs in every
worker under ``MultiWorkerMirroredStrategy``: every worker builds the epoch's pipeline
and keeps its share of each global batch, only the chief writes the run folder (the
others write their part of each checkpoint to a temporary folder, as TensorFlow
recommends, since saving may need collectives), and every worker resumes from the
chief's newest checkpoint, which must therefore be on a filesystem they all share.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf
from tensorflow.core.framework import summary_pb2
from tqdm.auto import tqdm

from cyclegan import cluster as cluster_lib
from cyclegan import runs
from cyclegan.data import list_images, load_unpaired, read_image
from cyclegan.model import LOSS_NAMES, CycleGAN
from cyclegan.options import TrainConfig
from cyclegan.parts import (
    REFERENCE_BLOCKS,
    REFERENCE_LOSSES,
    CycleGANBlocks,
    CycleGANLosses,
    check_blocks,
    check_losses,
)
from cyclegan.plots import save_loss_curve, save_sample_grid, translate_pair
from cyclegan.schedules import LinearDecay

__all__ = ["TrainConfig", "epoch_seed", "train", "write_scalars"]


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

    def __init__(self, epoch: int, epochs: int, steps: int) -> None:
        super().__init__()
        self.bar = tqdm(total=steps, desc=f"epoch {epoch + 1}/{epochs}", unit="step")
        self.latest = dict.fromkeys(LOSS_NAMES, float("nan"))

    def on_train_batch_end(self, batch, logs=None):
        self.latest = {k: float(logs[k]) for k in LOSS_NAMES}
        self.bar.set_postfix({k: f"{v:.3f}" for k, v in self.latest.items()}, refresh=False)
        self.bar.update(1)

    def means(self) -> dict[str, float]:
        """Mean losses of the epoch (the running means after its last step)."""
        self.bar.close()
        return dict(self.latest)


def _sample_pair(data: Path, image_size: int) -> tuple[np.ndarray, np.ndarray]:
    """One image per domain (the first test image, else training image), ``(S, S, 3)``."""
    images = []
    for domain in "AB":
        folder = data / f"test{domain}"
        files = list_images(folder) if folder.is_dir() else []
        files = files or list_images(data / f"train{domain}")
        images.append(read_image(files[0], image_size))
    return images[0], images[1]


def _strategy() -> tf.distribute.Strategy:
    """One process: MirroredStrategy over its GPUs when it sees more than one."""
    gpus = tf.config.list_logical_devices("GPU")
    return tf.distribute.MirroredStrategy() if len(gpus) > 1 else tf.distribute.get_strategy()


def _check_global_batch(config: TrainConfig, replicas: int, unit: str) -> None:
    # Each replica's loss is the mean over its own B / R images and the gradients are
    # summed over replicas after a division by R: the global mean only if R divides B.
    if config.batch_size % replicas:
        raise ValueError(
            f"--batch-size {config.batch_size} is the global batch and must be a multiple of "
            f"the {replicas} {unit}; try {max(config.batch_size // replicas, 1) * replicas}."
        )


def _finished_history(config: TrainConfig, run_dir: Path) -> list[dict[str, float]] | None:
    """Refuse a run folder of other settings; return the history if the run is finished."""
    saved = runs.read_options(run_dir)
    if saved is not None:
        current = dataclasses.asdict(config)
        for key, value in dataclasses.asdict(saved).items():
            if key in TrainConfig.RESUMABLE_CHANGES and config.decay_from is None:
                continue
            if key in TrainConfig.FREE_CHANGES:
                continue
            if current[key] != value:
                raise ValueError(
                    f"the run folder was started with {key}={value!r}, not {current[key]!r}; "
                    "repeat the original options to resume, or choose a new --out."
                )
    latest = runs.latest_checkpoint(run_dir)
    state = runs.read_state(latest) if latest is not None else None
    if state is not None and state["epoch"] >= config.epochs:
        print(f"run {run_dir} already finished: {state['epoch']} of {config.epochs} epochs.")
        return state["history"]
    return None


@dataclasses.dataclass
class _Run:
    """What the epoch loop works on, built by :func:`_set_up`."""

    config: TrainConfig
    run_dir: Path
    model: CycleGAN
    checkpoint: tf.train.Checkpoint
    writer: tf.summary.SummaryWriter
    steps: int  # training steps per epoch
    samples: tuple[np.ndarray, np.ndarray]  # one (S, S, 3) image per domain, in [-1, 1]
    start: int  # epochs finished before this call
    history: list[dict[str, float]]  # mean losses of each finished epoch (and KID if measured)
    evaluator: Callable[[CycleGAN], dict[str, float]] | None = None  # --eval-every
    cluster: cluster_lib.Cluster | None = None  # several workers; None: this process alone

    @property
    def chief(self) -> bool:
        """Whether this process writes the run folder (always, without a cluster)."""
        return self.cluster is None or self.cluster.is_chief


def _set_up(
    config: TrainConfig,
    run_dir: Path,
    blocks: CycleGANBlocks,
    losses: CycleGANLosses,
    cluster: cluster_lib.Cluster | None,
) -> _Run:
    """Check the data, save the options, set global TF state, build and restore the model."""
    strategy = None
    if cluster is not None:
        _check_global_batch(config, cluster.num_workers, "workers")
        # TensorFlow configures collectives only before its first operation, so the
        # strategy comes before the data pipeline; it waits for every worker.
        print(f"{cluster.describe()}: waiting for all workers to start.", flush=True)
        strategy = cluster_lib.make_strategy(cluster)
    # Checks the data folders before anything else global changes.
    first = load_unpaired(config.data, "train", config.image_size, config.batch_size, seed=0)
    steps = int(first.cardinality())
    if config.steps_per_epoch is not None:
        steps = min(steps, config.steps_per_epoch)
    samples = _sample_pair(Path(config.data), config.image_size)
    evaluator = None
    is_chief = cluster is None or cluster.is_chief
    if config.eval_every and is_chief:
        # Before any global state changes; fails early when the weights are unavailable.
        from cyclegan.evaluate import TrainingEvaluator

        evaluator = TrainingEvaluator(config.data, config.image_size, config.eval_images,
                                      config.eval_weights)  # fmt: skip
    if is_chief:
        runs.write_options(run_dir, config)

    if config.deterministic:
        tf.config.experimental.enable_op_determinism()
    if config.mixed_precision:
        keras.mixed_precision.set_global_policy("mixed_float16")
    keras.utils.set_random_seed(config.seed)
    lr = config.lr
    if config.decay_from is not None:
        lr = LinearDecay.from_epochs(config.lr, config.decay_from, config.epochs, steps)
    strategy = strategy or _strategy()
    _check_global_batch(config, strategy.num_replicas_in_sync, "replicas (workers x devices)")
    model = CycleGAN(config, learning_rate=lr, strategy=strategy, blocks=blocks, losses=losses)
    model.compile(jit_compile=config.jit_compile)
    checkpoint = tf.train.Checkpoint(**model.checkpoint_objects())
    start, history = 0, []
    latest = runs.latest_checkpoint(run_dir)
    if latest is not None:
        state = runs.load_checkpoint(checkpoint, latest)
        start, history = state["epoch"], state["history"]
        print(f"resuming {run_dir} after epoch {start} of {config.epochs}.")
    if cluster is not None:
        _check_same_start(strategy, run_dir, start)
    writer = tf.summary.create_file_writer(os.fspath(run_dir / "logs")) if is_chief else None
    return _Run(config, run_dir, model, checkpoint, writer, steps, samples, start, history,
                evaluator, cluster)  # fmt: skip


def _check_same_start(strategy: tf.distribute.Strategy, run_dir: Path, start: int) -> None:
    """Refuse to train when the workers found different checkpoints (no shared folder)."""
    starts = sorted(set(cluster_lib.gather_ints(strategy, start)))
    if len(starts) > 1:
        raise ValueError(
            f"the workers found checkpoints of different epochs {starts} in {run_dir}; "
            "the run folder must be one folder every worker shares (NFS, a cloud bucket mount)."
        )


def _train_epoch(run: _Run, epoch: int, callbacks: Sequence[keras.callbacks.Callback]):
    """Train one epoch (0-based) on its own seeded pipeline; return its mean losses."""
    config = run.config
    # Not keras.utils.set_random_seed: re-seeding TF would retrace the train step, and
    # nothing random in an epoch reads the global seeds (data and pools are seeded).
    seed = epoch_seed(config.seed, epoch)
    ds = load_unpaired(config.data, "train", config.image_size, config.batch_size, seed=seed)
    if run.cluster is not None:
        # Every worker runs the whole (cheap, seeded) pipeline and keeps its share of
        # each global batch: the batches a single process would see, split by replica.
        options = tf.data.Options()
        options.experimental_distribute.auto_shard_policy = (
            tf.data.experimental.AutoShardPolicy.DATA
        )
        ds = ds.with_options(options)
    bar = _ProgressBar(epoch, config.epochs, run.steps)
    try:
        run.model.fit(ds.take(run.steps), epochs=epoch + 1, initial_epoch=epoch, verbose=0,
                      shuffle=False, callbacks=[bar, *callbacks])  # fmt: skip
    finally:
        bar.bar.close()  # an error message then starts on a line of its own
    return bar.means()


def _end_epoch(run: _Run, epoch: int, means: dict[str, float]) -> None:
    """Record epoch ``epoch`` (0-based): samples, KID, loss curve, scalars, then the checkpoint."""
    if not run.chief:
        run.history.append(means)
        # Saving may run collectives (variables synchronised on read), so every worker
        # saves; a non-chief writes its copy to a temporary folder and deletes it.
        scratch = tempfile.mkdtemp(prefix="cyclegan-worker-")
        try:
            run.checkpoint.write(os.path.join(scratch, runs.CKPT_PREFIX))
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        return
    if run.evaluator is not None and (epoch + 1) % run.config.eval_every == 0:
        # Generators run with training=False and the data are read from disk, so this
        # changes nothing a resumed run depends on.
        means = {**means, **run.evaluator(run.model)}
    run.history.append(means)
    save_sample_grid(
        translate_pair(run.model, *run.samples),
        run.run_dir / "samples" / f"epoch-{epoch + 1:04d}.png",
        title=f"epoch {epoch + 1}",
    )
    save_loss_curve(run.history, run.run_dir / "loss_curve.png")
    optimizer = run.model.network_optimizers["g_AB"]
    scalars = {f"loss/{k}": v for k, v in means.items() if not k.startswith("kid_")}
    scalars.update({f"kid/{k[4:]}": v for k, v in means.items() if k.startswith("kid_")})
    # convert_to_numpy, not float(): a variable under a strategy is a MirroredVariable,
    # which Keras's __float__/__int__ cannot convert.
    scalars["learning_rate"] = float(keras.ops.convert_to_numpy(optimizer.learning_rate))
    write_scalars(run.writer, scalars, step=epoch + 1)
    state = {
        "epoch": epoch + 1,
        "history": run.history,
        "global_step": int(keras.ops.convert_to_numpy(optimizer.iterations)),
        "next_epoch_seed": epoch_seed(run.config.seed, epoch + 1),
    }
    runs.save_checkpoint(run.checkpoint, run.run_dir, epoch + 1, state)


def train(
    config: TrainConfig,
    run_dir: str | os.PathLike,
    callbacks: Sequence[keras.callbacks.Callback] = (),
    *,
    blocks: CycleGANBlocks = REFERENCE_BLOCKS,
    losses: CycleGANLosses = REFERENCE_LOSSES,
) -> list[dict[str, float]]:
    """Train (or resume, or report a finished run) and return the per-epoch loss history.

    With a cluster in ``TF_CONFIG`` (see :mod:`cyclegan.cluster`), every worker calls
    this with the same arguments; ``config.batch_size`` is the global batch.

    Args:
        config: the run settings.
        run_dir: output folder; if it holds a checkpoint of the same settings, training
            resumes after the last complete epoch.
        callbacks: extra Keras callbacks for every epoch's ``fit``, after the progress
            bar (one object sees every step of this call).
        blocks: the graded blocks the generators are built with (default: the reference
            ones). The run folder does not record them: resume with the same ones.
        losses: the graded losses of the train step (default: the reference ones); not
            recorded either.

    Returns:
        List of dicts of mean losses (keys ``LOSS_NAMES``), one per finished epoch.

    Raises:
        ValueError: for bad settings, a missing or empty dataset, a run folder that
            holds a different run, ``blocks``/``losses`` of the wrong type, a bad
            ``TF_CONFIG``, a global batch the replicas do not divide, or workers that
            see different checkpoints (a run folder they do not share).
        cyclegan.cluster.WorkerLostError: when another worker stopped answering; its
            message names it and the epoch that rerunning every worker resumes after.
    """
    config.validate()
    check_blocks(blocks)
    check_losses(losses)
    run_dir = Path(run_dir)
    cluster = cluster_lib.current_cluster()
    history = _finished_history(config, run_dir)
    if history is not None:
        return history
    if cluster is None:
        run = _set_up(config, run_dir, blocks, losses, None)
        for epoch in range(run.start, config.epochs):
            _end_epoch(run, epoch, _train_epoch(run, epoch, callbacks))
    else:
        try:
            run = _set_up(config, run_dir, blocks, losses, cluster)
            for epoch in range(run.start, config.epochs):
                _end_epoch(run, epoch, _train_epoch(run, epoch, callbacks))
        except cluster_lib.collective_errors() as err:
            # A collective cannot go on without a member, and TensorFlow cannot rebuild
            # the group in this process: every worker must start again.
            latest = runs.latest_checkpoint(run_dir)
            done = runs.read_state(latest)["epoch"] if latest is not None else 0
            raise cluster_lib.worker_lost(err, cluster, done) from None
    where = "checkpoints and samples in" if run.chief else "the chief writes the run folder"
    print(f"finished {config.epochs} epochs; {where} {run_dir}.")
    return run.history
