"""Full float32 precision while a graded function is checked.

NVIDIA GPUs from Ampere on run float32 matrix products and convolutions in TF32 when
TensorFlow allows it (its default): the operands are rounded to a 10-bit mantissa, so
a product is off by about 1e-3 relatively. The checks compare at ``rtol = 1e-4``, so a
correct ``gram_matrix`` or Keras block computed in TF32 could fail. While a check or a
reference value runs, :func:`exact_float32` turns TF32 off (TensorFlow reads the switch
when a kernel runs); the optimisation loops outside the checks keep it on for speed.
On CPUs the switch changes nothing.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator


@contextlib.contextmanager
def exact_float32() -> Iterator[None]:
    """Run the body with TensorFlow's TF32 execution off, then restore the setting.

    Yields:
        Nothing; TF32 is off inside the ``with`` block.
    """
    import tensorflow as tf

    config = tf.config.experimental
    was_enabled = config.tensor_float_32_execution_enabled()
    config.enable_tensor_float_32_execution(False)
    try:
        yield
    finally:
        config.enable_tensor_float_32_execution(was_enabled)
