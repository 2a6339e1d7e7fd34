"""The check logic shared by public checks and hidden tests (no notebooks, no kernels)."""

from __future__ import annotations

import inspect
import textwrap

import numpy as np
import pytest
import tensorflow as tf

from autograde.graded import comparison, exact
from autograde.graded.mistakes import TYPICAL_MISTAKES
from autograde.graded.specs import GRADED, Case, get_spec, resolve
from autograde.graded.variants import PROVIDED_NAMES
from autograde.kernel import checks

REQUIRED = ("compute_content_cost", "gram_matrix", "compute_layer_style_cost",
            "compute_style_cost", "total_variation_cost", "total_cost", "discriminator_loss",
            "generator_adversarial_loss", "cycle_consistency_loss", "identity_loss")


def _cases():
    for name, spec in sorted(GRADED.items()):
        for case in (spec.public, *spec.hidden):
            yield pytest.param(name, case, id=f"{name}-seed{case.seed}")


@pytest.mark.parametrize(("name", "case"), _cases())
def test_reference_matches_numpy_on_every_case(name, case):
    spec = get_spec(name)
    got = comparison.as_array(spec.evaluate(spec.reference_function(), spec.inputs(case)))
    want = exact.FUNCTIONS[name](**spec.inputs(case))
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5 * max(1.0, np.abs(want).max()))


def _shapes(inputs: dict) -> list:
    return [[np.shape(x) for x in v] if isinstance(v, list) else np.shape(v)
            for v in inputs.values()]


def test_every_required_function_is_graded_with_hidden_cases_of_other_shapes():
    for name in REQUIRED:
        spec = get_spec(name)
        public_shapes = _shapes(spec.inputs(spec.public))
        assert len(spec.hidden) >= 2
        for case in spec.hidden:
            assert case.seed != spec.public.seed
            shapes = _shapes(spec.inputs(case))
            # A different shape or at least different weights: never the same case twice.
            assert shapes != public_shapes or case.sizes


def test_inputs_are_reproducible_float32_from_default_rng():
    spec = get_spec("compute_content_cost")
    first, second = spec.inputs(spec.public), spec.inputs(spec.public)
    for key in first:
        assert first[key].dtype == np.float32
        np.testing.assert_array_equal(first[key], second[key])
    rng = np.random.default_rng(spec.public.seed)
    np.testing.assert_array_equal(first["a_C"], rng.standard_normal((1, 4, 4, 3)).astype("f4"))


def _student(name: str, body: str):
    """Compile a function with the lesson's signature and ``body``, like a notebook cell."""
    spec = get_spec(name)
    parameters = inspect.signature(spec.reference_function()).parameters.values()
    args = ", ".join(p.name if p.default is p.empty else f"{p.name}={p.default!r}"
                     for p in parameters)
    # What a lesson's setup cell provides (tf, np and the course's constants).
    namespace = {"tf": tf, "np": np} | {name: resolve(path) for name, path
                                        in PROVIDED_NAMES.items() if "." in path}
    for helper in spec.uses:
        namespace[helper] = get_spec(helper).reference_function()
    exec(f"def {name}({args}):\n{textwrap.indent(body, '    ')}\n", namespace)  # noqa: S102
    return namespace[name]


@pytest.mark.parametrize("name", sorted(TYPICAL_MISTAKES))
def test_typical_mistakes_fail_the_hidden_tests(name, capsys):
    label, body = TYPICAL_MISTAKES[name]
    with pytest.raises(checks.CheckFailed, match=name):
        checks.check_hidden(_student(name, body), name)


def test_public_check_prints_expected_and_accepts_the_reference(capsys):
    spec = get_spec("compute_content_cost")
    expected = exact.compute_content_cost(**spec.inputs(spec.public))
    checks.check_public(spec.reference_function(), "compute_content_cost", expected=expected)
    out = capsys.readouterr().out
    assert "expected:" in out and "yours:" in out and "matches" in out
    assert np.format_float_positional(np.float32(expected), unique=True)[:6] in out


def test_hard_coded_public_answer_fails_hidden_tests():
    spec = get_spec("compute_content_cost")
    answer = float(exact.compute_content_cost(**spec.inputs(spec.public)))

    def compute_content_cost(a_C, a_G):
        return answer

    checks.check_public(compute_content_cost, "compute_content_cost", expected=answer)
    with pytest.raises(checks.CheckFailed, match="expected"):
        checks.check_hidden(compute_content_cost, "compute_content_cost")


def test_wrong_shape_is_explained():
    spec = get_spec("compute_content_cost")

    def keeps_dims(a_C, a_G):
        return tf.reshape(exact.compute_content_cost(a_C, a_G), (1,))

    outcome = checks.compare(spec, keeps_dims(**spec.inputs(spec.public)), 1.0)
    assert not outcome.ok and "shape (1,)" in outcome.message and "reduce" in outcome.message


@pytest.mark.parametrize("bad", [None, "text"])
def test_non_numeric_results_fail_cleanly(bad):
    with pytest.raises(checks.CheckFailed):
        checks.compare(get_spec("total_cost"), bad, 1.0)


def test_tolerance_accepts_float32_noise_and_rejects_formula_errors():
    rng = np.random.default_rng(3)
    expected = rng.standard_normal((4, 4)).astype(np.float32)
    spec = get_spec("gram_matrix")
    noisy = expected * (1 + 1e-6 * rng.standard_normal(expected.shape))
    assert checks.compare(spec, noisy, expected).ok
    assert not checks.compare(spec, expected * 1.001, expected).ok
    assert not checks.compare(spec, expected.T + 1e-2, expected).ok


def test_summaries_stand_in_for_large_arrays():
    rng = np.random.default_rng(4)
    big = rng.standard_normal((1, 8, 8, 9)).astype(np.float32)
    assert comparison.expected_for_notebook(np.float32(1.5)).shape == ()
    summary = comparison.expected_for_notebook(big)
    assert isinstance(summary, dict) and summary["shape"] == big.shape
    spec = get_spec("upsample")
    assert checks.compare(spec, big, summary).ok
    moved = big.copy()
    moved[0, 5, 5, 5] += 0.05  # beyond the first entries: caught by the sums
    assert not checks.compare(spec, moved, summary).ok
    assert not checks.compare(spec, big[..., :8], summary).ok


def test_helpers_are_swapped_for_the_reference_during_a_check_and_restored():
    namespace: dict = {"tf": tf}

    def broken_layer_cost(a_S, a_G):
        return tf.constant(0.0)

    namespace["compute_layer_style_cost"] = broken_layer_cost
    exec(textwrap.dedent("""
        def compute_style_cost(a_S_list, a_G_list, style_layers):
            return sum(w * compute_layer_style_cost(s, g)
                       for s, g, (_, w) in zip(a_S_list, a_G_list, style_layers))
    """), namespace)  # noqa: S102
    checks.check_hidden(namespace["compute_style_cost"], "compute_style_cost")
    assert namespace["compute_layer_style_cost"] is broken_layer_cost


def test_block_check_compares_computation_not_initial_weights():
    import keras

    from cyclegan.layers import InstanceNormalization

    def zero_padded_block(x, filters, name, kernel_size=3):
        # Same layers as the reference except zero padding: borders must differ.
        y = x
        for i in (1, 2):
            y = keras.layers.Conv2D(filters, kernel_size, padding="same")(y)
            y = InstanceNormalization()(y)
            if i == 1:
                y = keras.layers.ReLU()(y)
        return keras.layers.Add()([x, y])

    with pytest.raises(checks.CheckFailed, match="Hint"):
        checks.check_hidden(zero_padded_block, "residual_block")
    checks.check_hidden(get_spec("residual_block").reference_function(), "residual_block")


def test_case_description_names_seed_and_sizes():
    assert Case(5, {"shape": (1, 2)}).describe() == "default_rng(5), shape=(1, 2)"


def test_a_failed_check_shows_its_message_not_a_traceback_in_notebooks():
    """IPython renders CheckFailed through _render_traceback_: one line, the message."""
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    result = shell.run_cell('from autograde.checks import check_public\n'
                            'def compute_content_cost(a_C, a_G):\n'
                            '    raise NotImplementedError()\n'
                            'check_public(compute_content_cost, "compute_content_cost", '
                            'expected=0.37912145)')
    error = result.error_in_exec
    assert isinstance(error, checks.CheckFailed)
    lines = error._render_traceback_()
    assert len(lines) == 1 and "not implemented yet" in lines[0]
    assert "autograde" not in lines[0].split(":", 1)[1]  # no frames of the course's modules
