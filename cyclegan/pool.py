"""History buffer of generated images (Shrivastava et al. 2017), shown to the discriminators.

Rule, applied to the images of a batch one after another: while the pool holds fewer
than ``max_size`` images, store the new image and return it; once full, with
probability 1/2 return a randomly chosen stored image and put the new one in its
place, otherwise return the new image. ``max_size = 0`` disables the pool.

Two implementations share this rule and the way they consume random numbers (per
query of ``n`` images: ``n`` uniform coins in [0, 1), then ``n`` slot indices):

* :class:`ImagePool` keeps NumPy arrays and a ``numpy.random.default_rng`` generator.
  It is the reference for the lessons and for hand-written training loops.
* :class:`GraphImagePool` is a Keras layer whose buffer lives in variables, so it runs
  inside the compiled, possibly distributed, ``CycleGAN.train_step`` without a trip to
  the host. Its random numbers come from ``tf.random.stateless_*`` keyed by
  ``(seed, number of queries so far)``; both are variables, so a checkpoint of the
  layer resumes the exact same sequence of decisions.
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
import tensorflow as tf


def _check_max_size(max_size: int) -> int:
    if int(max_size) != max_size or max_size < 0:
        raise ValueError(f"max_size must be an integer >= 0, got {max_size}; use 0 to disable.")
    return int(max_size)


def apply_pool_rule(
    buffer: np.ndarray, count: int, images: np.ndarray, coins: np.ndarray, slots: np.ndarray
) -> tuple[np.ndarray, int]:
    """Apply the pool rule in place, given the random draws (NumPy reference).

    Args:
        buffer: stored images, shape ``(max_size, H, W, C)``; updated in place.
        count: how many of the buffer rows are filled.
        images: new images, shape ``(n, H, W, C)``.
        coins: ``n`` uniform draws in [0, 1); below 0.5 means "swap".
        slots: ``n`` integers in ``[0, max_size)``, the slot to swap with.

    Returns:
        ``(output, count)``: images to show the discriminator, shape ``(n, H, W, C)``,
        and the new fill count.
    """
    max_size = buffer.shape[0]
    output = np.array(images, copy=True)
    for i in range(len(images)):
        if max_size == 0:
            continue
        if count < max_size:
            buffer[count] = images[i]
            count += 1
        elif coins[i] < 0.5:
            output[i] = buffer[slots[i]]
            buffer[slots[i]] = images[i]
    return output, count


class ImagePool:
    """NumPy image pool with a seeded ``numpy.random.default_rng``.

    Args:
        max_size: number of images kept; 0 returns every query unchanged.
        seed: seed of the random generator (``None``: fresh entropy).

    Raises:
        ValueError: when ``max_size`` is negative or not an integer.
    """

    def __init__(self, max_size: int = 50, seed: int | None = None) -> None:
        self.max_size = _check_max_size(max_size)
        self.rng = np.random.default_rng(seed)
        self.buffer: np.ndarray | None = None
        self.count = 0

    def __len__(self) -> int:
        return self.count

    def query(self, images):
        """Swap a batch of new fakes against the history.

        Args:
            images: batch of shape ``(n, H, W, C)``, a NumPy array or a tensor.

        Returns:
            Batch of the same shape and type (tensors come back as eager tensors of
            the input dtype) holding, per image, either the new image or an older one.

        Raises:
            ValueError: when the batch is not rank 4 or its image shape differs from
                the images already stored.
        """
        is_tensor = tf.is_tensor(images)
        array = images.numpy() if is_tensor else np.asarray(images)
        if array.ndim != 4:
            raise ValueError(
                f"images must have shape (n, H, W, C), got {array.shape}; add a batch axis."
            )
        n = len(array)
        coins = self.rng.random(n)
        slots = self.rng.integers(0, max(self.max_size, 1), size=n)
        if self.buffer is None:
            self.buffer = np.zeros((self.max_size, *array.shape[1:]), dtype=array.dtype)
        elif self.buffer.shape[1:] != array.shape[1:]:
            raise ValueError(
                f"images have shape {array.shape[1:]} but the pool holds {self.buffer.shape[1:]}; "
                "use one pool per image size."
            )
        output, self.count = apply_pool_rule(self.buffer, self.count, array, coins, slots)
        return tf.convert_to_tensor(output, dtype=images.dtype) if is_tensor else output

    def get_state(self) -> dict[str, Any]:
        """Return a deep copy of everything needed to resume: buffer, count, RNG state."""
        return {
            "max_size": self.max_size,
            "count": self.count,
            "buffer": None if self.buffer is None else self.buffer[: self.count].copy(),
            "rng": self.rng.bit_generator.state,
        }

    def set_state(self, state: dict[str, Any]) -> None:
        """Restore a state from :meth:`get_state`.

        Raises:
            ValueError: when the state was saved by a pool of another ``max_size``.
        """
        if state["max_size"] != self.max_size:
            raise ValueError(
                f"state has max_size {state['max_size']} but this pool has {self.max_size}; "
                "create the pool with the same max_size."
            )
        self.count = int(state["count"])
        stored = state["buffer"]
        if stored is None:
            self.buffer = None
        else:
            self.buffer = np.zeros((self.max_size, *stored.shape[1:]), dtype=stored.dtype)
            self.buffer[: self.count] = stored
        self.rng.bit_generator.state = state["rng"]


@keras.saving.register_keras_serializable(package="cyclegan")
class GraphImagePool(keras.layers.Layer):
    """Image pool stored in variables, for use inside a compiled ``train_step``.

    Under ``tf.distribute`` every replica must pass the *global* batch (all-gathered
    in the same order) so that all replicas compute the same update; the variables use
    ``only_first_replica`` aggregation, so the shared copy is then written once.

    Args:
        max_size: number of images kept; 0 passes everything through.
        image_shape: ``(H, W, C)`` of the images.
        seed: integer seed of the stateless random draws (``None``: a random one, which
            is then stored in a variable and saved with checkpoints).
        **kwargs: passed to ``keras.layers.Layer``.

    Raises:
        ValueError: for a negative ``max_size`` or a bad ``image_shape``.
    """

    def __init__(
        self, max_size: int = 50, image_shape=(128, 128, 3), seed: int | None = None, **kwargs
    ) -> None:
        super().__init__(**kwargs)
        self.max_size = _check_max_size(max_size)
        if len(image_shape) != 3:
            raise ValueError(f"image_shape must be (H, W, C), got {tuple(image_shape)}.")
        self.image_shape = tuple(int(d) for d in image_shape)
        if seed is None:
            seed = int(np.random.SeedSequence().generate_state(1)[0] >> 1)
        self.seed = int(seed)
        rows = max(self.max_size, 1)
        # float32 whatever the policy: stored fakes are cast before they enter the pool.
        self.buffer = self.add_weight(
            shape=(rows, *self.image_shape),
            dtype="float32",
            initializer="zeros",
            trainable=False,
            aggregation="only_first_replica",
            name="buffer",
        )
        self.count = self.add_weight(
            shape=(), dtype="int64", initializer="zeros", trainable=False,
            aggregation="only_first_replica", name="count",
        )  # fmt: skip
        self.queries = self.add_weight(
            shape=(), dtype="int64", initializer="zeros", trainable=False,
            aggregation="only_first_replica", name="queries",
        )  # fmt: skip
        self.seed_variable = self.add_weight(
            shape=(), dtype="int64", initializer=keras.initializers.Constant(self.seed),
            trainable=False, aggregation="only_first_replica", name="seed",
        )  # fmt: skip
        self.built = True

    def draws(self, n) -> tuple[tf.Tensor, tf.Tensor]:
        """Random numbers the next query of ``n`` images will use: ``(coins, slots)``."""
        key = tf.stack([self.seed_variable.value, self.queries.value])
        coin_key, slot_key = tf.unstack(tf.random.experimental.stateless_split(key, num=2))
        coins = tf.random.stateless_uniform([n], seed=coin_key, dtype=tf.float32)
        slots = tf.random.stateless_uniform(
            [n], seed=slot_key, minval=0, maxval=max(self.max_size, 1), dtype=tf.int64
        )
        return coins, slots

    def call(self, images):
        """Query the pool.

        Args:
            images: float tensor of shape ``(n, H, W, C)``; cast to float32.

        Returns:
            float32 tensor of shape ``(n, H, W, C)``.
        """
        images = tf.cast(images, tf.float32)
        if self.max_size == 0:
            return images
        n = tf.shape(images, out_type=tf.int64)[0]
        coins, slots = self.draws(n)
        buffer, count = self.buffer.value, self.count.value
        # The rule is sequential over the batch, but only through the slots: image i sees
        # the last earlier image of the batch written to the slot it reads, or else the
        # stored one. Written with n×n masks and gathers instead of a loop, it takes any
        # batch size (also unknown ones under tf.distribute) and stays cheap under XLA,
        # where a tf.while_loop carrying the buffer was copied on every iteration.
        order = tf.range(n, dtype=tf.int64)
        fill = count + order < self.max_size
        swap = tf.logical_and(tf.logical_not(fill), coins < 0.5)
        writes = tf.logical_or(fill, swap)
        target = tf.where(fill, count + order, slots)  # the slot image i is written to
        earlier = order[None, :] < order[:, None]  # [i, j]: j comes before i
        reads = tf.equal(target[None, :], slots[:, None]) & writes[None, :] & earlier
        last_before = tf.reduce_max(tf.where(reads, order[None, :], -1), axis=1)
        stored = tf.where(
            (last_before >= 0)[:, None, None, None],
            tf.gather(images, tf.maximum(last_before, 0)),
            tf.gather(buffer, slots),
        )
        output = tf.where(swap[:, None, None, None], stored, images)
        # Final contents: each slot takes the last image of the batch written to it.
        hits = tf.equal(target[:, None], tf.range(self.max_size, dtype=tf.int64)[None, :])
        hits = hits & writes[:, None]  # [j, slot]
        last_writer = tf.reduce_max(tf.where(hits, order[:, None], -1), axis=0)
        buffer = tf.where(
            (last_writer >= 0)[:, None, None, None],
            tf.gather(images, tf.maximum(last_writer, 0)),
            buffer,
        )
        self.buffer.assign(buffer)
        self.count.assign(tf.minimum(count + n, self.max_size))
        self.queries.assign_add(1)
        return output

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "max_size": self.max_size,
            "image_shape": self.image_shape,
            "seed": self.seed,
        }
