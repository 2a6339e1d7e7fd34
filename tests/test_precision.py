"""Checks that hold on GPUs running TF32, proved on a CPU that emulates TF32.

``tests/tf32.py`` rounds the operands of TensorFlow's products and convolutions to a
10-bit mantissa whenever TensorFlow's TF32 switch is on, as Ampere-and-later GPUs do.
Under that emulation a correct answer must still pass every check (the checks turn TF32
off), every catalogued mistake must still fail, and the grader's reference values must
not move. The first test shows the emulation bites: without the switch, correct answers
of the matrix-product functions would fail at the course's tolerance.
"""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

from autograde.build.release import public_expected
from autograde.graded import comparison, exact
from autograde.graded.mistakes import CATALOGUE
from autograde.graded.precision import exact_float32
from autograde.graded.specs import GRADED, get_spec, variant
from autograde.grader import reference_values as expected
from autograde.kernel import checks
from tests.tf32 import emulated_tf32, round_to_tf32

#: Functions built on matrix products or convolutions, where TF32 changes results.
PRODUCT_FUNCTIONS = ("gram_matrix", "compute_layer_style_cost", "compute_style_cost",
                     "downsample", "upsample", "residual_block")


def _expected(name: str):
    return comparison.expected_for_notebook(public_expected(name))


def test_tf32_rounding_keeps_ten_mantissa_bits_to_nearest_even():
    values = np.array([1 + 2**-12, 1 + 2**-11, 1 + 3 * 2**-11, -(1 + 2**-10 + 2**-12), 3.0],
                      dtype=np.float32)
    rounded = round_to_tf32(values).numpy()
    np.testing.assert_array_equal(rounded, [1.0, 1.0, 1 + 2**-9, -(1 + 2**-10), 3.0])


@pytest.mark.parametrize("name", PRODUCT_FUNCTIONS)
def test_without_the_switch_tf32_fails_a_correct_answer(name):
    """Under emulated TF32, the reference itself misses the expected value somewhere."""
    spec = get_spec(name)
    outcomes = []
    with emulated_tf32():
        assert tf.config.experimental.tensor_float_32_execution_enabled()
        for case in (spec.public, *spec.hidden):
            got = spec.evaluate(spec.reference_function(), spec.inputs(case))
            truth = exact.exact_value(name, spec.inputs(case)).astype(np.float32)
            outcomes.append(checks.compare(spec, got, truth).ok)
    assert not all(outcomes), f"TF32 emulation did not change {name}'s result enough"


@pytest.mark.parametrize("name", sorted(GRADED))
def test_correct_answers_pass_every_check_under_tf32(name):
    """The student's correct function, checked where TF32 is on, passes."""
    spec = get_spec(name)
    with emulated_tf32():
        checks.check_public(spec.reference_function(), name, expected=_expected(name))
        checks.check_hidden(spec.reference_function(), name)
        assert tf.config.experimental.tensor_float_32_execution_enabled(), "switch restored"


def _mistakes():
    for name, mistakes in sorted(CATALOGUE.items()):
        for mistake in mistakes:
            yield pytest.param(name, mistake, id=f"{name}-{mistake.label.replace(' ', '_')}")


@pytest.mark.parametrize(("name", "mistake"), _mistakes())
def test_every_catalogued_mistake_still_fails_under_tf32(name, mistake):
    wrong = variant(name, mistake)
    # Every catalogued body returns a value of the right kind, so the check names it.
    with emulated_tf32(), pytest.raises(checks.CheckFailed):
        checks.check_public(wrong, name, expected=_expected(name))
        checks.check_hidden(wrong, name)


def test_grader_reference_values_ignore_tf32():
    names = list(PRODUCT_FUNCTIONS)
    plain = expected.compute(names)
    with emulated_tf32():
        emulated = expected.compute(names)
    for name in names:
        for label, value in plain[name].items():
            np.testing.assert_array_equal(emulated[name][label], value, err_msg=f"{name} {label}")


def test_exact_float32_restores_the_previous_setting():
    config = tf.config.experimental
    assert config.tensor_float_32_execution_enabled()
    with exact_float32():
        assert not config.tensor_float_32_execution_enabled()
        with exact_float32():
            pass
        assert not config.tensor_float_32_execution_enabled()
    assert config.tensor_float_32_execution_enabled()
    with pytest.raises(RuntimeError), exact_float32():
        raise RuntimeError("a failing check")
    assert config.tensor_float_32_execution_enabled()


def test_the_emulation_covers_the_ops_the_lessons_use():
    """matmul, @, einsum, tensordot and a Keras convolution all round under TF32."""
    rng = np.random.default_rng(5)
    a = rng.standard_normal((4, 6)).astype(np.float32)
    exact_product = a.astype(np.float64) @ a.T.astype(np.float64)
    conv = tf.keras.layers.Conv2D(3, 3)
    image = rng.standard_normal((1, 5, 5, 2)).astype(np.float32)
    conv.build(image.shape)
    plain_conv = conv(image).numpy()
    ways = {"matmul": lambda: tf.matmul(a, a, transpose_b=True),
            "operator": lambda: tf.constant(a) @ tf.transpose(a),
            "einsum": lambda: tf.einsum("ik,jk->ij", a, a),
            "tensordot": lambda: tf.tensordot(a, a.T, axes=1)}
    with emulated_tf32():
        for label, way in ways.items():
            error = np.max(np.abs(way().numpy() - exact_product))
            assert error > 1e-5, f"{label} was not rounded"
        assert np.max(np.abs(conv(image).numpy() - plain_conv)) > 1e-5
        with exact_float32():
            assert np.max(np.abs(ways["matmul"]().numpy() - exact_product)) < 1e-5
