"""The CycleGAN training model: four networks, two image pools and a fused ``train_step``.

One call of ``train_step`` on a batch ``(real_a, real_b)`` does, in this order:

1. one forward pass of the generators (translations, round trips and identity
   images; images that go through the same generator share one batched call, which
   is exact because instance normalisation works per sample);
2. the fakes go through the image pools, and each discriminator takes one Adam step on
   real (target 1) and pooled fake (target 0) patches;
3. both generators take one Adam step on the combined objective, scored by the
   *updated* discriminators, whose weights this step leaves alone.

The generator forward pass of step 1 is recorded on the generators' tape and reused in
step 3, so there is no second forward pass. Under ``tf.distribute`` the losses are
scaled by the number of replicas (the optimisers sum gradients over replicas) and the
pools see the all-gathered global batch, so one pool decision serves every replica.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import keras
import tensorflow as tf

from cyclegan.networks import build_discriminator, build_resnet_generator, build_unet_generator
from cyclegan.options import GENERATOR_TYPES, TrainConfig, model_options
from cyclegan.parts import (
    REFERENCE_BLOCKS,
    REFERENCE_LOSSES,
    CycleGANBlocks,
    CycleGANLosses,
    check_blocks,
    check_losses,
)
from cyclegan.pool import GraphImagePool

LOSS_NAMES = ("d_A", "d_B", "g_total", "valid", "reconstr", "id")
__all__ = [
    "GENERATOR_TYPES",
    "LOSS_NAMES",
    "CycleGAN",
    "CycleGANBlocks",
    "CycleGANLosses",
    "build_generator",
]


def _f32(x: tf.Tensor) -> tf.Tensor:
    return tf.cast(x, tf.float32)


def _workers(strategy: tf.distribute.Strategy) -> int:
    """Training tasks (chief and workers) of a multi-worker strategy's cluster; else 1."""
    resolver = getattr(strategy, "cluster_resolver", None)
    if not isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy) or resolver is None:
        return 1
    jobs = resolver.cluster_spec().as_dict()
    return max(1, sum(len(jobs.get(job, ())) for job in ("chief", "worker")))


class _Computed:
    """A generator that hands back an output already computed for one input tensor.

    The train step runs each generator once on a batch that includes the identity
    images, then gives ``identity_terms`` these stand-ins: asked for exactly that input
    (the same tensor object) they return the computed output, so the reference costs no
    extra forward pass; any other input runs the network, so a function that calls the
    wrong generator still gets that generator's real output.
    """

    def __init__(self, net: keras.Model, image: tf.Tensor, output: tf.Tensor) -> None:
        self.net, self.image, self.output = net, image, output

    def __call__(self, x, *args, **kwargs):
        if x is self.image:
            return self.output
        kwargs.setdefault("training", True)
        return _f32(self.net(x, *args, **kwargs))


def build_generator(
    options: TrainConfig, name: str, blocks: CycleGANBlocks = REFERENCE_BLOCKS
) -> keras.Model:
    """The generator ``options`` describe: ``(batch, S, S, 3) -> (batch, S, S, 3)``, tanh.

    Args:
        options: the model options (``image_size``, ``generator``, ``gen_filters``, ...).
        name: the model name, e.g. ``"g_AB"``.
        blocks: the graded blocks to build with (default: the reference ones).

    Raises:
        ValueError: when ``blocks`` is not a :class:`~cyclegan.parts.CycleGANBlocks`.
    """
    shape = (options.image_size, options.image_size, 3)
    if options.generator == "unet":
        return build_unet_generator(
            shape, options.gen_filters, dropout_rate=options.dropout_rate, name=name,
            blocks=blocks, first_block_norm=options.first_block_norm,
        )  # fmt: skip
    return build_resnet_generator(
        shape, options.gen_filters, options.n_residual_blocks, name=name, blocks=blocks,
        upsampling=options.upsampling,
    )  # fmt: skip


class CycleGAN(keras.Model):
    """Unpaired image-to-image translation between domains A and B (Zhu et al. 2017).

    Build it inside ``strategy.scope()`` (or pass ``strategy``) to train on several
    devices; feed ``fit`` a dataset of ``(real_a, real_b)`` batches of shape
    ``(batch, S, S, 3)`` in [-1, 1] with ``drop_remainder=True``.

    ``CycleGAN(options)`` takes a ``cyclegan.options.TrainConfig`` (its model fields:
    ``image_size``, ``generator``, ``gen_filters``, ``disc_filters``,
    ``n_residual_blocks``, ``upsampling``, ``dropout_rate``, the three ``lambda_*``, ``lr``,
    ``buffer_max_length`` and ``seed``, which seeds the pools). The keywords of
    :func:`model_options` still work, e.g. ``CycleGAN((64, 64, 3), gen_n_filters=16)``.

    ``blocks`` and ``losses`` say which graded functions build the generators and score
    the train step, e.g. a student's ``CycleGANLosses(discriminator_loss=...)``; both
    default to the reference ones. They are not part of :meth:`get_config` (functions do
    not serialise), so :meth:`from_config` builds with the reference ones.

    Args:
        options: the options, or ``input_dim`` (see :func:`model_options`).
        learning_rate: Adam learning rate instead of ``options.lr``: a float or a
            ``keras.optimizers.schedules.LearningRateSchedule``, e.g. ``LinearDecay``.
        strategy: ``tf.distribute.Strategy`` to build the variables under.
        name: the Keras model name.
        blocks: the graded blocks of both generators (:class:`CycleGANBlocks`).
        losses: the graded losses of the train step (:class:`CycleGANLosses`).
        **keywords: options to override (see :func:`model_options`).

    Raises:
        ValueError: for an unknown generator type, a negative loss weight, or
            ``blocks``/``losses`` of the wrong type.
    """

    def __init__(
        self,
        options: TrainConfig | Sequence[int] | None = None,
        learning_rate: float | keras.optimizers.schedules.LearningRateSchedule | None = None,
        *,
        strategy: tf.distribute.Strategy | None = None,
        name: str = "cyclegan",
        blocks: CycleGANBlocks = REFERENCE_BLOCKS,
        losses: CycleGANLosses = REFERENCE_LOSSES,
        **keywords: Any,
    ) -> None:
        check_blocks(blocks)
        check_losses(losses)
        if isinstance(learning_rate, int | float):
            keywords["learning_rate"] = learning_rate
        options = model_options(options, **keywords)
        strategy = strategy or tf.distribute.get_strategy()
        # Keras reduces the logs of several workers with strategy.reduce(MEAN, axis=0),
        # which needs an axis: there train_step hands its scalars back as shape (1,).
        self._logs_with_axis = _workers(strategy) > 1
        with strategy.scope():
            super().__init__(name=name)
            self.options = options
            size = options.image_size
            self.input_dim = (size, size, 3)
            self.learning_rate = options.lr if learning_rate is None else learning_rate
            self.lambda_validation = float(options.lambda_validation)
            self.lambda_reconstr = float(options.lambda_reconstr)
            self.lambda_id = float(options.lambda_id)
            self.generator_type = options.generator
            self.graded_blocks, self.graded_losses = blocks, losses
            self.g_AB = build_generator(options, "g_AB", blocks)
            self.g_BA = build_generator(options, "g_BA", blocks)
            self.d_A = build_discriminator(self.input_dim, options.disc_filters, name="d_A")
            self.d_B = build_discriminator(self.input_dim, options.disc_filters, name="d_B")
            seed, pool_size = options.seed, options.buffer_max_length
            seed_b = None if seed is None else seed + 1
            # The pools keep float32 images whatever the dtype policy.
            self.pool_A = GraphImagePool(
                pool_size, self.input_dim, seed, name="pool_A", dtype="float32"
            )
            self.pool_B = GraphImagePool(
                pool_size, self.input_dim, seed_b, name="pool_B", dtype="float32"
            )
            # Running means over the epoch; fit() resets them at every epoch start.
            self.loss_trackers = {name: keras.metrics.Mean(name=name) for name in LOSS_NAMES}
        # Every sub-network is built already; Keras need not trace ``call`` to build us.
        self.built = True

    def call(self, inputs, training: bool = False):
        """Translate a pair of batches: ``(a, b) -> (g_AB(a), g_BA(b))``."""
        real_a, real_b = inputs
        return self.g_AB(real_a, training=training), self.g_BA(real_b, training=training)

    def _new_optimizer(self, name: str) -> keras.optimizers.Optimizer:
        optimizer = keras.optimizers.Adam(self.learning_rate, beta_1=0.5, name=name)
        if keras.mixed_precision.dtype_policy().name == "mixed_float16":
            optimizer = keras.optimizers.LossScaleOptimizer(optimizer, name=name)
        return optimizer

    def compile(self, jit_compile: bool = False, **kwargs) -> None:
        """Create and build one Adam(lr, beta_1=0.5) per network.

        Args:
            jit_compile: compile the training step with XLA.
            **kwargs: passed to ``keras.Model.compile`` (``steps_per_execution``, ...).
        """
        super().compile(optimizer=None, jit_compile=jit_compile, **kwargs)
        with self.distribute_strategy.scope():
            self.network_optimizers = {}
            for net in (self.d_A, self.d_B, self.g_AB, self.g_BA):
                optimizer = self._new_optimizer(f"{net.name}_optimizer")
                # Built now so that a checkpoint can be restored before the first step.
                optimizer.build(net.trainable_variables)
                self.network_optimizers[net.name] = optimizer

    def fit(self, x=None, *args, shuffle: bool = False, **kwargs):
        """``keras.Model.fit``, with ``shuffle=False`` by default.

        The model trains on a ``tf.data`` dataset of ``(real_a, real_b)`` batches, which
        :func:`cyclegan.data.load_unpaired` shuffles itself. Keras ignores ``shuffle``
        for a dataset and warns when it is True, its own default.
        """
        return super().fit(x, *args, shuffle=shuffle, **kwargs)

    def _maybe_symbolic_build(self, iterator=None, data_batch=None):
        """Skip Keras's symbolic build: the networks, optimisers and trackers exist already.

        Under a strategy, Keras 3's TensorFlow trainer reads a first batch from a fresh
        pass over the dataset and averages it over replicas, only to learn shapes it
        needs to build unbuilt layers. Here it has nothing to build, the average fails
        under ``MultiWorkerMirroredStrategy`` (it cannot reduce a ``PerReplica`` batch),
        and the extra pass would advance a reshuffling dataset's order, so that a
        distributed epoch would not see the batches a single device sees.
        """
        built = self.built and all(layer.built for layer in self._flatten_layers())
        if built and getattr(self, "network_optimizers", None):
            return None
        return super()._maybe_symbolic_build(iterator=iterator, data_batch=data_batch)

    def checkpoint_objects(self) -> dict[str, object]:
        """Everything a ``tf.train.Checkpoint`` needs to resume training exactly."""
        objects = {
            "g_AB": self.g_AB,
            "g_BA": self.g_BA,
            "d_A": self.d_A,
            "d_B": self.d_B,
            "pool_A": self.pool_A,
            "pool_B": self.pool_B,
        }
        for name, optimizer in getattr(self, "network_optimizers", {}).items():
            objects[f"{name}_optimizer"] = optimizer
        return objects

    def _scaled(self, loss: tf.Tensor, optimizer) -> tf.Tensor:
        loss = loss / tf.distribute.get_replica_context().num_replicas_in_sync
        if isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
            loss = optimizer.scale_loss(loss)
        return loss

    def _apply(self, optimizer, grads, net: keras.Model) -> None:
        optimizer.apply_gradients(zip(grads, net.trainable_variables, strict=True))

    def _query_pool(self, pool: GraphImagePool, fakes: tf.Tensor) -> tf.Tensor:
        context = tf.distribute.get_replica_context()
        if context.num_replicas_in_sync == 1:
            return pool(fakes)
        # Every replica runs the same update on the global batch; each keeps its slice.
        everyone = context.all_gather(fakes, axis=0)
        pooled = pool(everyone)
        size = tf.shape(fakes)[0]
        start = tf.cast(context.replica_id_in_sync_group, tf.int32) * size
        return pooled[start : start + size]

    def _train_discriminator(self, d: keras.Model, real: tf.Tensor, pooled_fake: tf.Tensor):
        optimizer = self.network_optimizers[d.name]
        n = tf.shape(real)[0]
        with tf.GradientTape() as tape:
            # One call on [real; fake]: instance norm is per sample, so this is exact.
            scores = _f32(d(tf.concat([real, pooled_fake], axis=0), training=True))
            loss = self.graded_losses.discriminator_loss(scores[:n], scores[n:])
            scaled = self._scaled(loss, optimizer)
        self._apply(optimizer, tape.gradient(scaled, d.trainable_variables), d)
        return loss

    def train_step(self, data):
        """One CycleGAN step on ``data = (real_a, real_b)``; returns the six losses.

        Returns:
            Dict of the epoch's running means so far (after the first step of an epoch:
            that step's values), scalar float32: ``d_A``, ``d_B`` (discriminator losses),
            ``g_total``, ``valid`` (``valid_A + valid_B``), ``reconstr``
            (``reconstr_A + reconstr_B``) and ``id`` (``id_A + id_B``), so that
            ``g_total = lambda_validation*valid + lambda_reconstr*reconstr + lambda_id*id``.
        """
        real_a, real_b = (_f32(x) for x in data[:2])
        n = tf.shape(real_a)[0]
        use_id = self.lambda_id > 0
        with tf.GradientTape() as g_tape:
            if use_id:
                # g_AB sees [a; b]: the translation of a and the identity image of b.
                out_ab = _f32(self.g_AB(tf.concat([real_a, real_b], axis=0), training=True))
                out_ba = _f32(self.g_BA(tf.concat([real_b, real_a], axis=0), training=True))
                fake_b, same_b = out_ab[:n], out_ab[n:]
                fake_a, same_a = out_ba[:n], out_ba[n:]
            else:
                fake_b = _f32(self.g_AB(real_a, training=True))
                fake_a = _f32(self.g_BA(real_b, training=True))
            reconstr_a = _f32(self.g_BA(fake_b, training=True))
            reconstr_b = _f32(self.g_AB(fake_a, training=True))

            with g_tape.stop_recording():
                d_a_loss = self._train_discriminator(
                    self.d_A, real_a, self._query_pool(self.pool_A, tf.stop_gradient(fake_a))
                )
                d_b_loss = self._train_discriminator(
                    self.d_B, real_b, self._query_pool(self.pool_B, tf.stop_gradient(fake_b))
                )

            fns = self.graded_losses
            valid_a = fns.generator_adversarial_loss(self.d_A(fake_a, training=True))
            valid_b = fns.generator_adversarial_loss(self.d_B(fake_b, training=True))
            rec_a = fns.cycle_consistency_loss(real_a, reconstr_a)
            rec_b = fns.cycle_consistency_loss(real_b, reconstr_b)
            if use_id:
                id_a, id_b = fns.identity_terms(
                    _Computed(self.g_AB, real_b, same_b), _Computed(self.g_BA, real_a, same_a),
                    real_a, real_b,
                )  # fmt: skip
            else:
                id_a = id_b = tf.constant(0.0)
            g_total = fns.generator_total_loss(
                valid_a, valid_b, rec_a, rec_b, id_a, id_b,
                self.lambda_validation, self.lambda_reconstr, self.lambda_id,
            )  # fmt: skip
            g_ab_optimizer = self.network_optimizers["g_AB"]
            scaled = self._scaled(g_total, g_ab_optimizer)

        g_vars = self.g_AB.trainable_variables + self.g_BA.trainable_variables
        grads = g_tape.gradient(scaled, g_vars)
        n_ab = len(self.g_AB.trainable_variables)
        g_ba_grads = grads[n_ab:]
        g_ba_optimizer = self.network_optimizers["g_BA"]
        if isinstance(g_ba_optimizer, keras.optimizers.LossScaleOptimizer):
            # Both generators share one backward pass scaled by g_AB's loss scale;
            # re-express g_BA's gradients in its own optimiser's scale.
            ratio = g_ba_optimizer.dynamic_scale / g_ab_optimizer.dynamic_scale
            g_ba_grads = [g * ratio for g in g_ba_grads]
        self._apply(g_ab_optimizer, grads[:n_ab], self.g_AB)
        self._apply(g_ba_optimizer, g_ba_grads, self.g_BA)
        step_losses = {
            "d_A": d_a_loss,
            "d_B": d_b_loss,
            "g_total": g_total,
            "valid": valid_a + valid_b,
            "reconstr": rec_a + rec_b,
            "id": id_a + id_b,
        }
        for name, value in step_losses.items():
            self.loss_trackers[name].update_state(value)
        results = {name: tracker.result() for name, tracker in self.loss_trackers.items()}
        if self._logs_with_axis:
            results = {name: tf.reshape(value, (1,)) for name, value in results.items()}
        return results

    @property
    def metrics(self) -> list[keras.metrics.Metric]:
        """The six loss trackers, which ``fit`` resets at the start of every epoch."""
        return list(self.loss_trackers.values())

    def get_config(self) -> dict:
        """The options (``TrainConfig.to_dict``) and the name; not a schedule or strategy."""
        return {"options": self.options.to_dict(), "name": self.name}

    @classmethod
    def from_config(cls, config: dict) -> CycleGAN:
        """Rebuild a model from :meth:`get_config`'s output."""
        return cls(TrainConfig.from_dict(config["options"]), name=config["name"])
