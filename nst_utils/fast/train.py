"""Training the fast style network (Johnson et al. 2016) and the AdaIN decoder.

Both loops share one shape: a seeded ``tf.data`` stream (:mod:`nst_utils.fast.data`),
one compiled train step, a tqdm bar, a sample picture every ``sample_every`` steps, a
loss curve, and an atomic checkpoint (network, optimiser moments and step counter)
every ``checkpoint_every`` steps and when interrupted (Ctrl-C). Because the data a step
sees is a function of ``(seed, step)`` and the VGG19 weights are either ImageNet's or
drawn from ``seed``, a run killed at any moment and started again with the same
command continues from its last checkpoint exactly as if it had not stopped.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf
from tqdm.auto import tqdm

from nst_utils import samples
from nst_utils.cost_functions import REFERENCE_COSTS, NSTCosts, check_costs
from nst_utils.fast import adain as adain_lib
from nst_utils.fast import runs
from nst_utils.fast.data import checked_images, image_dataset
from nst_utils.fast.perceptual import FAST_CONTENT_LAYER, FAST_STYLE_LAYERS, perceptual_loss
from nst_utils.fast.transform_net import build_transform_net
from nst_utils.images import load_image, resize_image, save_image
from nst_utils.vgg import build_feature_extractor, load_vgg19

#: Called after every step as ``callback(step, loss)`` (step counted from 1).
StepCallback = Callable[[int, float], None]


def load_style(style: str, size: int) -> np.ndarray:
    """The style image ``(1, size, size, 3)``: a file, or a painted sample's name.

    Raises:
        ValueError: for an unreadable file or an unknown name.
    """
    if style in samples.STYLE_NAMES and not Path(style).exists():
        return samples.style_image(style, size=(size, size))
    if not Path(style).is_file():
        raise ValueError(f"style image {style} does not exist; pass an image file or one of "
                         f"the painted styles {', '.join(samples.STYLE_NAMES)}.")
    return _square(Path(style), size)


def make_fast_step(net: keras.Model, extractor: keras.Model, style_features: dict,
                   optimizer: keras.optimizers.Optimizer, *, alpha: float, beta: float,
                   tv_weight: float = 0.0, costs: NSTCosts = REFERENCE_COSTS):
    """One compiled training step of the transformation network.

    Args:
        net: from :func:`~nst_utils.fast.transform_net.build_transform_net`.
        extractor: VGG19 features with the content and style layers of the loss.
        style_features: the style image's activations ``{layer: (1, h, w, c)}``.
        optimizer: a built optimiser over ``net.trainable_variables``.
        alpha: content weight.
        beta: style weight.
        tv_weight: total-variation weight.
        costs: the graded cost functions.

    Returns:
        ``step(images (B, S, S, 3)) -> loss``, a ``tf.function``.
    """

    # No autograph: the step has no tensor-dependent control flow (the loss is vectorised
    # over the batch by tf.vectorized_map), and converting it costs seconds of tracing.
    @tf.function(autograph=False)
    def step_fn(images):
        with tf.GradientTape() as tape:
            out = net(images, training=True)
            loss = perceptual_loss(extractor(images), style_features, extractor(out), out,
                                   alpha=alpha, beta=beta, tv_weight=tv_weight, costs=costs)
        grads = tape.gradient(loss, net.trainable_variables)
        optimizer.apply_gradients(zip(grads, net.trainable_variables, strict=True))
        return loss

    return step_fn


class _Loop:
    """The parts both trainings share: restore, step loop, samples, curve, checkpoints."""

    def __init__(self, config: runs.FastConfig, run_dir: Path, network: keras.Model,
                 optimizer: keras.optimizers.Optimizer) -> None:
        self.config, self.run_dir = config, run_dir
        self.network, self.optimizer = network, optimizer
        optimizer.build(network.trainable_variables)
        self.checkpoint = tf.train.Checkpoint(network=network, optimizer=optimizer)
        self.start, self.history = 0, []
        latest = runs.latest_checkpoint(run_dir)
        if latest is not None:
            state = runs.load_checkpoint(self.checkpoint, latest)
            self.start, self.history = state["step"], state["history"]
            print(f"resuming {run_dir} after step {self.start} of {config.steps}.")

    def save(self, step: int) -> None:
        runs.save_checkpoint(self.checkpoint, self.run_dir, step,
                             {"step": step, "history": self.history})
        self._plot()

    def _plot(self) -> None:
        import matplotlib.pyplot as plt

        from nst_utils.plotting import plot_losses

        fig = plot_losses(self.history, title=f"{self.config.kind} training loss")
        tmp = self.run_dir / f".tmp-{os.getpid()}-loss_curve.png"
        fig.savefig(tmp, dpi=80)
        plt.close(fig)
        os.replace(tmp, self.run_dir / "loss_curve.png")

    def run(self, batches, step_fn, sample_fn, callbacks: Sequence[StepCallback]) -> list[float]:
        config, step = self.config, self.start
        bar = tqdm(total=config.steps, initial=step, desc=f"train-{config.kind}", unit="step")
        try:
            for batch in batches:
                if step >= config.steps:
                    break
                loss = float(step_fn(*batch))
                self.history.append(loss)
                step += 1
                bar.set_postfix(loss=f"{loss:.4g}", refresh=False)
                bar.update(1)
                if step % config.sample_every == 0 or step == config.steps:
                    sample_fn(step)
                if step % config.checkpoint_every == 0 or step == config.steps:
                    self.save(step)
                for callback in callbacks:
                    callback(step, loss)
        except KeyboardInterrupt:
            # Nothing finished is lost: the steps done so far become a checkpoint.
            latest = runs.latest_checkpoint(self.run_dir)
            if step > (runs.read_state(latest)["step"] if latest is not None else 0):
                self.save(step)
            raise
        finally:
            bar.close()
        return self.history


def _prepare(config: runs.FastConfig, run_dir) -> Path:
    config.validate()
    run_dir = Path(run_dir)
    runs.check_resumable(config, run_dir)
    return run_dir


def _finished(run_dir: Path, config: runs.FastConfig) -> list[float] | None:
    latest = runs.latest_checkpoint(run_dir)
    if latest is not None and (run_dir / runs.MODEL_FILE).is_file():
        state = runs.read_state(latest)
        if state["step"] >= config.steps:
            print(f"run {run_dir} already finished: {state['step']} of {config.steps} steps.")
            return state["history"]
    return None


def _recorded_vgg(config: runs.FastConfig, run_dir: Path) -> keras.Model:
    """VGG19 for the run's settings; the run folder records which weights it got."""
    # Seeded, so random weights are drawn again the same on a resume.
    vgg = load_vgg19(config.weights, seed=config.seed)
    runs.write_config(run_dir, {**config.to_dict(), "vgg_weights": vgg.weights_source})
    print(f"VGG19 weights: {vgg.weights_source}")
    return vgg


def _square(path: Path, size: int) -> np.ndarray:
    """A sample picture ``(1, size, size, 3)`` from an image file."""
    return resize_image(load_image(path, max_dim=None), (size, size))


def _finish(model: keras.Model, config: runs.FastConfig, run_dir: Path,
            history: list[float], export: bool) -> list[float]:
    runs.save_model(model, run_dir, export=export)
    print(f"finished {config.steps} steps; model in {run_dir / runs.MODEL_FILE}.")
    return history


def train_fast(config: runs.FastConfig, run_dir: str | os.PathLike, *,
               costs: NSTCosts = REFERENCE_COSTS,
               callbacks: Sequence[StepCallback] = (), export: bool = True) -> list[float]:
    """Train (or resume) Johnson et al.'s network for one style; return the loss per step.

    The loss is :func:`~nst_utils.fast.perceptual.perceptual_loss` with the content
    layer ``block2_conv2`` and the style layers ``block1_conv1 .. block4_conv1``.

    Args:
        config: settings with ``kind="fast"``, ``data`` and ``style``.
        run_dir: the run folder (resumed when it holds a checkpoint of the same settings).
        costs: the graded cost functions (default: the reference ones); not recorded.
        callbacks: called after every step as ``callback(step, loss)``.
        export: also export ``RUN/saved_model/`` (TensorFlow SavedModel) at the end.

    Returns:
        Loss of every step so far.

    Raises:
        ValueError: for bad settings, an empty or unreadable data folder, a bad style
            image, or a run folder of other settings.
    """
    check_costs(costs)
    run_dir = _prepare(config, run_dir)
    files = checked_images(config.data)
    style = load_style(config.style, config.size)
    done = _finished(run_dir, config)
    if done is not None:
        return done
    vgg = _recorded_vgg(config, run_dir)
    extractor = build_feature_extractor(
        vgg, [FAST_CONTENT_LAYER] + [n for n, _ in FAST_STYLE_LAYERS])
    style_features = {k: tf.constant(v) for k, v in extractor(style).items()}
    net = build_transform_net(config.width)
    optimizer = keras.optimizers.Adam(config.lr)
    loop = _Loop(config, run_dir, net, optimizer)
    step_fn = make_fast_step(net, extractor, style_features, optimizer,
                             alpha=config.content_weight, beta=config.style_weight,
                             tv_weight=config.tv_weight, costs=costs)

    sample = _square(files[0], config.size)

    def sample_fn(step: int) -> None:
        out = net(sample, training=False).numpy()
        save_image(run_dir / "samples" / f"step-{step:08d}.png",
                   np.concatenate([sample, out], axis=2))

    batches = image_dataset(files, config.size, config.batch_size, config.seed, loop.start)
    history = loop.run(batches.map(lambda b: (b,)), step_fn, sample_fn, callbacks)
    return _finish(net, config, run_dir, history, export)


def train_adain(config: runs.FastConfig, run_dir: str | os.PathLike, *,
                callbacks: Sequence[StepCallback] = (), export: bool = True) -> list[float]:
    """Train (or resume) the AdaIN decoder on content and style folders.

    ``L = content_weight * L_content + style_weight * L_style``
    (:func:`~nst_utils.fast.adain.adain_losses`; the paper's weights are 1 and 10).

    Args:
        config: settings with ``kind="adain"``, ``data`` (content) and ``styles``.
        run_dir: the run folder (resumed when it holds a checkpoint of the same settings).
        callbacks: called after every step as ``callback(step, loss)``.
        export: as in :func:`train_fast`.

    Returns:
        Loss of every step so far.

    Raises:
        ValueError: as :func:`train_fast`.
    """
    run_dir = _prepare(config, run_dir)
    content_files = checked_images(config.data)
    style_files = checked_images(config.styles)
    done = _finished(run_dir, config)
    if done is not None:
        return done
    vgg = _recorded_vgg(config, run_dir)
    encoder = adain_lib.build_encoder(vgg)
    decoder = adain_lib.build_decoder(float(config.width))
    optimizer = keras.optimizers.Adam(config.lr)
    loop = _Loop(config, run_dir, decoder, optimizer)
    layer = adain_lib.ENCODER_LAYER

    @tf.function(autograph=False)
    def step_fn(content, style):
        style_features = encoder(style)
        target = adain_lib.adain(encoder(content)[layer], style_features[layer])
        with tf.GradientTape() as tape:
            generated = encoder(decoder(target, training=True))
            l_content, l_style = adain_lib.adain_losses(generated, target, style_features)
            loss = config.content_weight * l_content + config.style_weight * l_style
        grads = tape.gradient(loss, decoder.trainable_variables)
        optimizer.apply_gradients(zip(grads, decoder.trainable_variables, strict=True))
        return loss

    sample_c = _square(content_files[0], config.size)
    sample_s = _square(style_files[0], config.size)
    stylizer = adain_lib.build_adain_model(encoder, decoder)

    def sample_fn(step: int) -> None:
        out = stylizer([sample_c, sample_s, np.ones((1, 1), np.float32)]).numpy()
        save_image(run_dir / "samples" / f"step-{step:08d}.png",
                   np.concatenate([sample_c, sample_s, out], axis=2))

    content = image_dataset(content_files, config.size, config.batch_size, config.seed,
                            loop.start)
    styles = image_dataset(style_files, config.size, config.batch_size, config.seed + 1,
                           loop.start)
    history = loop.run(tf.data.Dataset.zip(content, styles), step_fn, sample_fn, callbacks)
    return _finish(stylizer, config, run_dir, history, export)
