"""Learning-rate schedule of CycleGAN training: constant, then linear decay to zero.

The schedule is a pure function of the optimiser's step counter, which checkpoints
save; a resumed run therefore continues on the same curve with no extra state.
"""

from __future__ import annotations

import keras
import tensorflow as tf


@keras.saving.register_keras_serializable(package="cyclegan")
class LinearDecay(keras.optimizers.schedules.LearningRateSchedule):
    """Keep ``initial_learning_rate`` until ``decay_start_step``, then fall linearly to zero.

    ``lr(step) = initial_learning_rate * clip((total_steps - step) /
    (total_steps - decay_start_step), 0, 1)``; it reaches 0 at ``total_steps``.

    Args:
        initial_learning_rate: learning rate of the constant phase.
        decay_start_step: optimiser step at which the decay begins
            (``decay_from_epoch * steps_per_epoch`` for an epoch-based plan).
        total_steps: optimiser step at which the rate reaches zero.

    Raises:
        ValueError: when the rate is not positive or the steps are out of order.
    """

    def __init__(
        self, initial_learning_rate: float, decay_start_step: int, total_steps: int
    ) -> None:
        if initial_learning_rate <= 0:
            raise ValueError(f"initial_learning_rate must be > 0, got {initial_learning_rate}.")
        if not 0 <= decay_start_step < total_steps:
            raise ValueError(
                f"need 0 <= decay_start_step < total_steps, got {decay_start_step} and "
                f"{total_steps}; start the decay before the last step."
            )
        self.initial_learning_rate = float(initial_learning_rate)
        self.decay_start_step = int(decay_start_step)
        self.total_steps = int(total_steps)

    @classmethod
    def from_epochs(
        cls, initial_learning_rate: float, decay_from_epoch: int, epochs: int, steps_per_epoch: int
    ) -> LinearDecay:
        """Schedule that decays from the start of ``decay_from_epoch`` (0-based) to the end.

        Raises:
            ValueError: when ``decay_from_epoch`` is not below ``epochs``.
        """
        if not 0 <= decay_from_epoch < epochs:
            raise ValueError(
                f"decay_from_epoch must be in [0, epochs), got {decay_from_epoch} with "
                f"epochs={epochs}; pick an earlier epoch or train longer."
            )
        return cls(
            initial_learning_rate, decay_from_epoch * steps_per_epoch, epochs * steps_per_epoch
        )

    def __call__(self, step):
        step = tf.cast(step, tf.float32)
        span = float(self.total_steps - self.decay_start_step)
        factor = tf.clip_by_value((self.total_steps - step) / span, 0.0, 1.0)
        return self.initial_learning_rate * factor

    def get_config(self) -> dict:
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_start_step": self.decay_start_step,
            "total_steps": self.total_steps,
        }
