"""TF32 emulated on a CPU, so the precision of the checks can be tested without a GPU.

On NVIDIA Ampere and later GPUs TensorFlow, unless told otherwise, runs float32 matrix
products and convolutions on tensor cores in TF32: each operand is rounded to a 10-bit
mantissa (round to nearest even) and the products are accumulated in float32.
:func:`emulated_tf32` patches TensorFlow's product and convolution ops to round their
float32 operands the same way, and, like the GPU kernels, only while
``tf.config.experimental.tensor_float_32_execution_enabled()`` is true.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator

import tensorflow as tf
from tensorflow.python.ops import gen_linalg_ops, gen_math_ops, gen_nn_ops

#: (module, op name, positions of the operands that tensor cores round).
_OPS = (
    (gen_math_ops, "mat_mul", (0, 1)),
    (gen_math_ops, "batch_mat_mul_v2", (0, 1)),
    (gen_math_ops, "batch_mat_mul_v3", (0, 1)),
    (gen_nn_ops, "conv2d", (0, 1)),
    (gen_nn_ops, "conv2d_backprop_input", (1, 2)),
    (gen_linalg_ops, "einsum", ()),  # operands come as one list, handled below
)
_LOW_BITS = 13  # float32 has 23 mantissa bits, TF32 keeps 10


def round_to_tf32(x):
    """``x`` with its float32 mantissa rounded to 10 bits (nearest, ties to even)."""
    x = tf.convert_to_tensor(x)
    if x.dtype != tf.float32:
        return x
    bits = tf.bitcast(x, tf.int32)
    odd = tf.bitwise.bitwise_and(tf.bitwise.right_shift(bits, _LOW_BITS), 1)
    bits = bits + ((1 << (_LOW_BITS - 1)) - 1) + odd
    bits = tf.bitwise.bitwise_and(bits, ~((1 << _LOW_BITS) - 1))
    return tf.bitcast(bits, tf.float32)


def _tf32_version(op, operands: tuple[int, ...]):
    @functools.wraps(op)
    def run(*args, **kwargs):
        if tf.config.experimental.tensor_float_32_execution_enabled():
            args = list(args)
            if not operands:  # einsum(inputs, equation)
                args[0] = [round_to_tf32(t) for t in args[0]]
            for position in operands:
                if position < len(args):
                    args[position] = round_to_tf32(args[position])
        return op(*args, **kwargs)

    return run


@contextlib.contextmanager
def emulated_tf32() -> Iterator[None]:
    """Inside the block, TensorFlow's products and convolutions behave as in TF32 mode."""
    saved = [(module, name, getattr(module, name)) for module, name, _ in _OPS]
    try:
        for (module, name, operands), (_, _, op) in zip(_OPS, saved, strict=True):
            setattr(module, name, _tf32_version(op, operands))
        yield
    finally:
        for module, name, op in saved:
            setattr(module, name, op)
