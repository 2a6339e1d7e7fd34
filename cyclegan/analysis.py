"""What the identity loss does, measured on the toy data: a sweep over ``lambda_id`` and seeds.

On the toy scenes (:mod:`cyclegan.toy`) the true translation is known: scene ``s``
painted with the other fruit (:func:`~cyclegan.toy.paired_toy_scene`).
For a generator ``G`` of one direction, input pictures ``x``, outputs ``y = G(x)`` and
true translations ``t``, all ``(N, S, S, 3)`` in [-1, 1], and ``w = 1 - max(m_apple,
m_orange)`` the background both pictures share (``m``: fruit coverage):

- **fruit change**: the share of the true change of the fruit's colour that ``G`` made,
  ``d_G . d_t / |d_t|^2`` with ``d_G``, ``d_t`` the mean colour of ``y - x``, ``t - x``
  over the fruit region ``1 - w`` (mean over pictures): 0 for a copy, 1 for the truth's
  colour. Blur barely moves a mean, so a blurry copy does not score as translated.
- **background change**: how far the background's colour moved, patch by patch: each
  picture cut into a 16 x 16 grid of patches (8 x 8 pixels at 128 px), ``s_npc`` the
  shift of patch ``p``'s mean background colour ``sum_p(w (y - x)) / sum_p(w)`` in
  channel ``c``, and ``mean_c |s_npc|`` averaged over patches weighted by their
  background pixels, in [-1, 1] units. A shelf repainted redder and a wall repainted
  bluer both count (a whole-picture mean would let them cancel); blur, which a small
  U-Net adds everywhere, barely moves a patch's mean.
- **background cast**: the colour laid over every background alike,
  ``mean_c |mean_n t_nc|`` with ``t_nc`` the shift of picture ``n``'s whole mean
  background colour (a miss that makes one wall lighter and another darker averages
  out; "the shelves all turned redder" does not).
- **ground-truth error**: ``mean |y - t|`` over the fruit region, where the true
  translation differs from its input. The identity map's error there is the baseline.

:func:`identity_sweep` trains one small CycleGAN per ``(lambda_id, seed)`` and measures
both directions; :class:`SweepResult` prints the table and draws the bars.
"""

from __future__ import annotations

import dataclasses
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import keras
import numpy as np
from tqdm.auto import tqdm

from cyclegan.data import load_unpaired
from cyclegan.model import CycleGAN
from cyclegan.options import TrainConfig
from cyclegan.parts import REFERENCE_BLOCKS, REFERENCE_LOSSES, CycleGANBlocks, CycleGANLosses
from cyclegan.schedules import LinearDecay
from cyclegan.toy import make_toy_dataset, paired_toy_scene

#: The two directions: generator name, the input's kind, the truth's kind.
DIRECTIONS = {"AtoB": ("g_AB", "apple", "orange"), "BtoA": ("g_BA", "orange", "apple")}
MEASURES = ("fruit_change", "background_change", "background_cast", "gt_error")
#: First seed of the held-out test scenes (training pictures use list seeds, never these).
TEST_SEED = 10_000


@dataclasses.dataclass(frozen=True)
class HeldOutScenes:
    """Paired test scenes of one direction, as float32 arrays in [-1, 1].

    Attributes:
        inputs, truths: ``(N, S, S, 3)`` pictures and their true translations.
        fruit: ``(N, S, S, 1)`` the inputs' fruit coverage.
        background: ``(N, S, S, 1)`` where neither picture shows fruit.
    """

    inputs: np.ndarray
    truths: np.ndarray
    fruit: np.ndarray
    background: np.ndarray


def held_out_scenes(
    direction: str, n: int = 16, image_size: int = 32, room: str = "varied"
) -> HeldOutScenes:
    """``n`` held-out paired scenes for ``direction``: inputs, truths and masks.

    Args:
        direction: ``"AtoB"`` (apples in) or ``"BtoA"``.
        n: number of scenes.
        image_size: their side in pixels.
        room: the toy's ``"varied"`` or ``"fixed"`` room (:mod:`cyclegan.toy`).

    Raises:
        ValueError: for an unknown direction or room or a non-positive ``n``.
    """
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be 'AtoB' or 'BtoA', got {direction!r}.")
    if not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be a positive int, got {n!r}.")
    _, source, target = DIRECTIONS[direction]
    scenes = [paired_toy_scene(TEST_SEED + i, image_size, room=room) for i in range(n)]
    def pixels(images):
        return np.stack(images).astype(np.float32) / 127.5 - 1.0

    return HeldOutScenes(
        pixels([s.image(source) for s in scenes]), pixels([s.image(target) for s in scenes]),
        np.stack([s.mask(source) for s in scenes])[..., None],
        np.stack([s.background for s in scenes])[..., None],
    )  # fmt: skip


def measure(outputs: np.ndarray, scenes: HeldOutScenes) -> dict[str, float]:
    """The measures of the module docstring for ``outputs`` ``(N, S, S, 3)`` in [-1, 1].

    Returns:
        ``{name: value}`` for every name in :data:`MEASURES`.
    """
    outputs = np.asarray(outputs, np.float32)
    region = 1.0 - scenes.background

    def mean_shift(images, weight):  # (N, 3): mean colour of images - inputs under weight
        return ((images - scenes.inputs) * weight).sum(axis=(1, 2)) / weight.sum(axis=(1, 2))

    made, wanted = mean_shift(outputs, region), mean_shift(scenes.truths, region)
    share = (made * wanted).sum(axis=1) / (wanted * wanted).sum(axis=1)
    cast = np.abs(mean_shift(outputs, scenes.background).mean(axis=0)).mean()
    error = (np.abs(outputs - scenes.truths) * region).sum() / (3.0 * region.sum())
    return {"fruit_change": float(share.mean()),
            "background_change": _patch_shift(outputs - scenes.inputs, scenes.background),
            "background_cast": float(cast), "gt_error": float(error)}


def _patch_shift(change: np.ndarray, weight: np.ndarray, grid: int = 16) -> float:
    """Mean ``|shift|`` of the patches' mean colour, patches weighted by ``weight``'s sum.

    Args:
        change: ``(N, S, S, 3)`` outputs minus inputs.
        weight: ``(N, S, S, 1)`` the background.
        grid: patches per side (``S // grid`` pixels each; the last rows and columns
            that do not fill a patch are left out).
    """
    n, size = change.shape[:2]
    side = max(size // grid, 1)
    cells = size // side
    def patches(x):  # (N, cells, cells, C): sums over each side x side patch
        x = x[:, : cells * side, : cells * side]
        return x.reshape(n, cells, side, cells, side, x.shape[-1]).sum(axis=(2, 4))

    moved, pixels = patches(change * weight), patches(weight)
    shift = np.abs(moved / np.maximum(pixels, 1e-6)).mean(axis=-1, keepdims=True)
    return float((shift * pixels).sum() / max(pixels.sum(), 1e-6))


def ground_truth_error(
    generator: Callable | None,
    direction: str = "AtoB",
    n: int = 16,
    image_size: int = 32,
    room: str = "varied",
) -> float:
    """Mean absolute error of ``generator`` against the true translation, on the fruit region.

    Args:
        generator: maps ``(N, S, S, 3)`` in [-1, 1] to the same (a Keras model or any
            callable); ``None`` is the identity map, the baseline to beat.
        direction: ``"AtoB"`` (apples in, ``g_AB``) or ``"BtoA"``.
        n: number of held-out test scenes.
        image_size: their side in pixels.
        room: the toy's ``"varied"`` or ``"fixed"`` room.

    Returns:
        ``mean |G(x) - t|`` over the pixels where either picture shows fruit, in [-1, 1] units.
    """
    scenes = held_out_scenes(direction, n, image_size, room)
    outputs = scenes.inputs if generator is None else np.asarray(generator(scenes.inputs))
    return measure(outputs, scenes)["gt_error"]


@dataclasses.dataclass
class SweepResult:
    """Measures of every ``(lambda_id, seed)`` run of :func:`identity_sweep`.

    Attributes:
        lambdas, seeds: the sweep's axes.
        values: ``values[direction][measure]`` is a ``(len(lambdas), len(seeds))`` array.
        baseline: the identity map's ground-truth error per direction.
        samples: ``samples[lambda_id]``: ``g_AB`` of the first 4 test apples, seed
            ``seeds[0]``, ``(4, S, S, 3)`` in [-1, 1]; ``samples["input"]``: the apples.
        seconds: wall time of each run's training, ``(len(lambdas), len(seeds))``.
        settings: the keyword arguments of the sweep.
        models: ``models[(lambda_id, seed)]``, the trained CycleGANs (``keep_models``).
    """

    lambdas: tuple[float, ...]
    seeds: tuple[int, ...]
    values: dict[str, dict[str, np.ndarray]]
    baseline: dict[str, float]
    samples: dict
    seconds: np.ndarray
    settings: dict
    models: dict = dataclasses.field(default_factory=dict)

    def table(self, direction: str = "AtoB") -> str:
        """One row per ``lambda_id``: each measure's mean and, per seed, its values."""
        lines = [f"{direction} ({DIRECTIONS[direction][1]}s in), {len(self.seeds)} seeds; "
                 f"identity map's gt error {self.baseline[direction]:.3f}",
                 f"{'lambda_id':>9s}  " + "  ".join(
                     f"{name.replace('_', ' '):>26s}" for name in MEASURES)]  # fmt: skip
        for i, lam in enumerate(self.lambdas):
            cells = []
            for name in MEASURES:
                row = self.values[direction][name][i]
                each = " ".join(f"{v:.3f}" for v in row)
                cells.append(f"{row.mean():.3f} ({each})".rjust(26))
            lines.append(f"{lam:9g}  " + "  ".join(cells))
        return "\n".join(lines)

    def ratio(self, measure: str, numerator: float, denominator: float,
              direction: str = "AtoB") -> np.ndarray:
        """Per seed, ``measure`` at ``lambda_id = numerator`` over ``denominator``."""
        values = self.values[direction][measure]
        return values[self.lambdas.index(numerator)] / values[self.lambdas.index(denominator)]

    def plot(self, direction: str = "AtoB"):
        """Bars of each measure's seed mean per ``lambda_id``, every seed as a dot.

        Returns:
            The Matplotlib figure.
        """
        import matplotlib.pyplot as plt

        fig, axes = plt.subplots(1, len(MEASURES), figsize=(4 * len(MEASURES), 3.2))
        x = np.arange(len(self.lambdas))
        for ax, name in zip(axes, MEASURES, strict=True):
            values = self.values[direction][name]
            ax.bar(x, values.mean(axis=1), color="#9ab", label="mean of seeds")
            for j in range(len(self.seeds)):
                ax.plot(x + 0.12 * (j - (len(self.seeds) - 1) / 2), values[:, j], "o",
                        color="#333", markersize=4, label="one seed" if j == 0 else None)
            if name == "gt_error":
                ax.axhline(self.baseline[direction], color="#c33", ls="--", label="identity map")
            ax.set_xticks(x, [f"{lam:g}" for lam in self.lambdas])
            ax.set_xlabel("lambda_id")
            ax.set_title(name.replace("_", " "))
        axes[-1].legend(fontsize=8)
        fig.suptitle(f"{direction}: {len(self.seeds)} seeds")
        fig.tight_layout()
        return fig


class _StepBar(keras.callbacks.Callback):
    def __init__(self, bar: tqdm) -> None:
        super().__init__()
        self.bar = bar

    def on_train_batch_end(self, batch, logs=None) -> None:
        self.bar.update(1)


def _train_one(data: Path, lambda_id: float, seed: int, steps: int, settings: dict,
               blocks: CycleGANBlocks, losses: CycleGANLosses, bar: tqdm) -> CycleGAN:
    """One CycleGAN on ``data`` with the curriculum's weights but ``lambda_id``."""
    size, epochs = settings["image_size"], settings["epochs"]
    config = TrainConfig(data=str(data), image_size=size, gen_filters=settings["filters"],
                         disc_filters=settings["filters"], lambda_id=float(lambda_id),
                         seed=seed, epochs=epochs,
                         first_block_norm=settings["first_block_norm"])  # fmt: skip
    keras.utils.set_random_seed(seed)
    # Constant, then linear decay to zero: the last weights are a settled model, not a
    # snapshot of the adversarial game mid-swing, which keeps the seeds' spread small.
    lr = LinearDecay.from_epochs(config.lr, settings["decay_from"], epochs, steps)
    model = CycleGAN(config, learning_rate=lr, blocks=blocks, losses=losses)
    model.compile(run_eagerly=settings["run_eagerly"])
    ds = load_unpaired(data, "train", size, batch_size=1, seed=seed)
    model.fit(ds, epochs=epochs, verbose=0, callbacks=[_StepBar(bar)])
    return model


def identity_sweep(
    lambdas: Sequence[float] = (0.0, 2.0, 50.0),
    seeds: Sequence[int] = (0, 1, 2),
    *,
    epochs: int = 6,
    decay_from: int | None = None,
    image_size: int = 32,
    n_images: int = 60,
    filters: int = 8,
    n_test: int = 64,
    room: str = "fixed",
    first_block_norm: bool = True,
    data_root: str | Path | None = None,
    progress: bool = True,
    keep_models: bool = False,
    run_eagerly: bool = False,
    blocks: CycleGANBlocks = REFERENCE_BLOCKS,
    losses: CycleGANLosses = REFERENCE_LOSSES,
) -> SweepResult:
    """Train one toy CycleGAN per ``(lambda_id, seed)`` and measure both directions.

    Each seed paints its own training set (``n_images`` per domain) and seeds the
    weights, the data order and the pools; every run uses the curriculum's
    ``lambda_validation = 1`` and ``lambda_reconstr = 10``, U-Net, batch size 1.

    Args:
        lambdas: the identity weights to compare, e.g. none, the curriculum's, far too much.
        seeds: one run per seed and weight.
        epochs: passes over the ``n_images`` pairs.
        decay_from: 0-based epoch where the learning rate starts its linear fall to
            zero; default ``epochs // 2``.
        image_size: side of the pictures, a multiple of 16.
        n_images: training pictures per domain.
        filters: filters of the first generator and discriminator layers.
        n_test: held-out paired scenes measured per direction.
        room: the toy's room for training and test pictures; ``"fixed"`` (one wall, shelf
            and lamp colour) keeps each wall's colour, which this U-Net cannot see, from
            hiding what the identity loss does to the background.
        first_block_norm: ``False`` leaves the instance norm out of the U-Net's first
            encoder block (:class:`~cyclegan.options.TrainConfig`), so the generator
            sees each picture's own colours and can keep them.
        data_root: where to paint the data (default: a temporary folder, removed after).
        progress: one progress bar over every training step of the sweep.
        keep_models: keep the trained models in :attr:`SweepResult.models`.
        run_eagerly: train without compiling the step into a graph: slower per step,
            but it skips each run's tracing, which is most of a sweep of a few steps
            (grading a lesson).
        blocks, losses: the graded parts to train with (default: the reference ones).

    Returns:
        The :class:`SweepResult`.

    Raises:
        ValueError: for an empty axis or a bad size, count or epoch.
    """
    if not lambdas or not seeds:
        raise ValueError("lambdas and seeds must each hold at least one value.")
    if not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"epochs must be a positive int, got {epochs!r}.")
    decay_from = epochs // 2 if decay_from is None else decay_from
    if not 0 <= decay_from < epochs:
        raise ValueError(f"decay_from must be an epoch in [0, {epochs}), got {decay_from}.")
    if image_size % 16 or image_size < 32:
        raise ValueError(f"image_size must be a multiple of 16 from 32 on, got {image_size}.")
    settings = {"epochs": epochs, "decay_from": decay_from, "image_size": image_size,
                "n_images": n_images, "filters": filters, "n_test": n_test,
                "room": room, "first_block_norm": bool(first_block_norm),
                "run_eagerly": bool(run_eagerly)}  # fmt: skip
    lambdas, seeds = tuple(float(v) for v in lambdas), tuple(int(s) for s in seeds)
    scenes = {d: held_out_scenes(d, n_test, image_size, room) for d in DIRECTIONS}
    values = {d: {m: np.zeros((len(lambdas), len(seeds))) for m in MEASURES} for d in DIRECTIONS}
    samples = {"input": scenes["AtoB"].inputs[:4]}
    seconds = np.zeros((len(lambdas), len(seeds)))
    models = {}
    with tempfile.TemporaryDirectory(prefix="identity-sweep-") as tmp:
        root = Path(data_root or tmp)
        total = len(lambdas) * len(seeds) * epochs * n_images
        with tqdm(total=total, desc="identity sweep", unit="step", disable=not progress) as bar:
            for j, seed in enumerate(seeds):
                data = make_toy_dataset(root / f"seed{seed}", n_per_domain=n_images,
                                        image_size=image_size, seed=seed, n_test=1,
                                        progress=False, room=room)  # fmt: skip
                for i, lam in enumerate(lambdas):
                    bar.set_postfix_str(f"lambda_id={lam:g} seed={seed}")
                    start = time.perf_counter()
                    model = _train_one(data, lam, seed, n_images, settings, blocks, losses, bar)
                    seconds[i, j] = time.perf_counter() - start
                    if keep_models:
                        models[lam, seed] = model
                    for direction, (name, _, _) in DIRECTIONS.items():
                        net = getattr(model, name)
                        out = np.asarray(net(scenes[direction].inputs, training=False))
                        for key, value in measure(out, scenes[direction]).items():
                            values[direction][key][i, j] = value
                        if direction == "AtoB" and j == 0:
                            samples[lam] = out[:4]
    baseline = {d: measure(s.inputs, s)["gt_error"] for d, s in scenes.items()}
    return SweepResult(lambdas, seeds, values, baseline, samples, seconds, settings, models)
