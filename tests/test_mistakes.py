"""Hints that name the mistake: the catalogue, the recogniser and the check messages.

Everything here runs in-process (no kernels): each catalogued mistake is compiled from
its body like a notebook cell and handed to the same check functions the lessons call.
Expected values and the required examples' wrong answers come from NumPy.
"""

from __future__ import annotations

import inspect
import itertools
import re
from pathlib import Path

import numpy as np
import pytest

from autograde.graded import comparison, exact, notebooks
from autograde.graded.declaration import Mistake
from autograde.graded.mistakes import CATALOGUE, TYPICAL_MISTAKES
from autograde.graded.specs import GRADED, get_spec, variant
from autograde.graded.variants import compile_body, free_names
from autograde.kernel import checks

ROOT = Path(__file__).resolve().parent.parent
#: Generous for the 160-character cut of one-line views (the exception name comes on top).
MAX_FIRST_LINE = 150
CODE_TOKENS = ("tf.", "np.", "keras.", "reduce_", "return ", " = ", "**", "@", "sqrt(", "[:")


def _all_mistakes():
    for name, mistakes in sorted(CATALOGUE.items()):
        for mistake in mistakes:
            yield pytest.param(name, mistake, id=f"{name}-{mistake.label.replace(' ', '_')}")


def _student(name: str, mistake: Mistake):
    """A fresh function from the mistake's body: what a notebook cell would define."""
    spec = get_spec(name)
    signature = inspect.signature(spec.reference_function())
    helpers = {h: get_spec(h).reference_function() for h in spec.uses}
    return compile_body(name, signature, mistake.body, helpers)


def _fail_message(function, name: str) -> str:
    """The first failing check's message: public check, then the hidden ones."""
    expected = comparison.expected_for_notebook(comparison.reference_value(name))
    try:
        checks.check_public(function, name, expected=expected)
        checks.check_hidden(function, name)
    except checks.CheckFailed as error:
        return str(error)
    return ""


def test_every_graded_function_has_at_least_three_distinct_mistakes():
    assert set(CATALOGUE) == set(GRADED)
    for name, spec in GRADED.items():
        assert spec.mistakes == CATALOGUE[name]
        assert len(spec.mistakes) >= 3, name
        assert len({m.label for m in spec.mistakes}) == len(spec.mistakes), name
        assert len({m.hint for m in spec.mistakes}) == len(spec.mistakes), name
        assert len({m.body for m in spec.mistakes}) == len(spec.mistakes), name


def test_demo_submission_uses_catalogue_entries():
    demo = {name: [m for m in ms if m.demo] for name, ms in CATALOGUE.items()}
    assert all(len(entries) <= 1 for entries in demo.values())
    assert TYPICAL_MISTAKES == {name: (ms[0].label, ms[0].body)
                                for name, ms in demo.items() if ms}


@pytest.mark.parametrize(("name", "mistake"), _all_mistakes())
def test_hints_are_short_and_show_no_code(name, mistake):
    first_line = f"{name}: Hint: {mistake.hint}"
    assert len(first_line) <= MAX_FIRST_LINE and "\n" not in mistake.hint
    assert not any(token in mistake.hint for token in CODE_TOKENS), mistake.hint
    for line in mistake.body.splitlines():
        assert line.strip() not in mistake.hint


def _lesson_names() -> dict[str, set[str]]:
    """Graded function -> names its lesson binds at top level."""
    names = {}
    for path in sorted((ROOT / "solutions").glob("*.ipynb")):
        nb = notebooks.read(path)
        bound = notebooks.top_level_names(nb)
        for cell in nb.cells:
            if notebooks.grade_id(cell) in GRADED:
                names[notebooks.grade_id(cell)] = bound
    return names


def test_bodies_use_only_names_their_lesson_binds():
    lesson_names = _lesson_names()
    assert set(lesson_names) == set(GRADED)
    for name, mistakes in CATALOGUE.items():
        arguments = set(inspect.signature(get_spec(name).reference_function()).parameters)
        for mistake in mistakes:
            missing = free_names(mistake.body) - arguments - lesson_names[name]
            assert not missing, (name, mistake.label, missing)


def _case_results(name: str):
    """Per case: the NumPy (or reference) truth and every variant's result."""
    spec = get_spec(name)
    numpy_version = exact.FUNCTIONS[name]
    for case in (spec.public, *spec.hidden):
        # The NumPy blocks take the weight seed themselves instead of building a model.
        truth = np.asarray(numpy_version(**spec.inputs(case)), np.float32)
        wrong = {m: comparison.as_array(spec.evaluate(variant(name, m), spec.inputs(case)))
                 for m in spec.mistakes}
        yield case, truth, wrong


def _same(spec, a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and checks.compare(spec, a, b).ok


@pytest.mark.parametrize("name", sorted(GRADED))
def test_variants_differ_from_the_truth_and_from_each_other(name):
    spec = get_spec(name)
    told_apart = {m: False for m in spec.mistakes}
    for case, truth, wrong in _case_results(name):
        differing = [m for m, value in wrong.items() if not _same(spec, value, truth)]
        for m in differing:
            told_apart[m] = True
        if case is spec.public:
            assert {m for m in spec.mistakes if m.public} <= set(differing), name
        for a, b in itertools.combinations(differing, 2):
            assert not _same(spec, wrong[a], wrong[b]), (name, case.seed, a.label, b.label)
    assert all(told_apart.values()), name


@pytest.mark.parametrize(("name", "mistake"), _all_mistakes())
def test_each_mistake_is_named_in_its_check(name, mistake):
    message = _fail_message(_student(name, mistake), name)
    assert message.startswith(f"{name}: Hint: {mistake.hint}"), message
    others = [m.hint for m in CATALOGUE[name] if m is not mistake]
    assert not any(hint in message for hint in others)
    seed = int(re.search(r"on inputs \[?default_rng\((\d+)\)", message).group(1))
    assert (seed == get_spec(name).public.seed) == mistake.public, message


@pytest.mark.parametrize("name", sorted(GRADED))
def test_correct_answers_never_get_a_hint(name):
    spec = get_spec(name)
    for case, truth, _ in _case_results(name):
        assert comparison.recognise(get_spec(name), spec.inputs(case), truth) is None
    # With helpers the check swaps names in the function's module, so use the reference.
    numpy_ok = not (spec.call or spec.uses)
    correct = exact.FUNCTIONS[name] if numpy_ok else spec.reference_function()
    assert _fail_message(correct, name) == ""


@pytest.mark.parametrize("name", sorted(GRADED))
def test_random_wrong_answers_get_the_plain_message(name):
    spec = get_spec(name)
    rng = np.random.default_rng(sum(map(ord, name)))
    truth = comparison.reference_value(name)
    wrong = truth + (np.abs(truth).max() + 1.0) * rng.uniform(0.05, 0.5, truth.shape)
    wrong = wrong.astype(np.float32)
    inputs = spec.inputs(spec.public)
    assert comparison.recognise(get_spec(name), inputs, wrong) is None
    outcome = checks.compare(spec, wrong, truth)
    message = checks.failure_message(spec, spec.public, inputs, wrong, outcome)
    assert not outcome.ok and message == f"{name} on inputs [{spec.public.describe()}]: " \
        + outcome.message


def _content(a_C, a_G):
    return np.sum((np.float64(a_C) - a_G) ** 2)


def _plain_reshape_style(a_S, a_G):
    _, n_H, n_W, n_C = a_S.shape
    S, G = np.reshape(a_S, (n_C, -1)), np.reshape(a_G, (n_C, -1))
    return np.sum((S @ S.T - G @ G.T) ** 2) / (4 * n_C**2 * (n_H * n_W) ** 2)


def _fake_target_one(real_output, fake_output):
    return 0.5 * (np.mean((real_output - 1.0) ** 2) + np.mean((fake_output - 1.0) ** 2))


def _content_mean(a_C, a_G):
    _, n_H, n_W, n_C = a_C.shape
    return np.mean((np.float64(a_C) - a_G) ** 2) / (4 * n_H * n_W * n_C)


def _gram_of_transpose(A):
    return A.T @ A


def _style_unweighted(a_S_list, a_G_list, style_layers):
    return sum(exact.compute_layer_style_cost(s, g)
               for s, g in zip(a_S_list, a_G_list, strict=True))


def _tv_no_power(image):
    x = np.float64(image)
    return np.sum((x[:, :-1, :-1] - x[:, 1:, :-1]) ** 2 + (x[:, :-1, :-1] - x[:, :-1, 1:]) ** 2)


def _mse(real_image, other):
    return np.mean((np.float64(real_image) - other) ** 2)


def _swapped_weights(valid_A, valid_B, reconstr_A, reconstr_B, id_A, id_B,
                     lambda_validation=1.0, lambda_reconstr=10.0, lambda_id=2.0):
    return (lambda_validation * (valid_A + valid_B) + lambda_id * (reconstr_A + reconstr_B)
            + lambda_reconstr * (id_A + id_B))


REQUIRED = [
    ("compute_content_cost", _content, r"normali[sz]ation"),
    ("compute_layer_style_cost", _plain_reshape_style, r"transpose"),
    ("discriminator_loss", _fake_target_one, r"target for fake patches"),
    ("compute_content_cost", _content_mean, r"\bmean\b"),
    ("gram_matrix", _gram_of_transpose, r"Gram matrix of A transposed"),
    ("compute_style_cost", _style_unweighted, r"weights? .*ignored|ignored"),
    ("total_variation_cost", _tv_no_power, r"1\.25 power"),
    ("cycle_consistency_loss", lambda real_image, reconstructed_image:
        _mse(real_image, reconstructed_image), r"MSE.*MAE"),
    ("identity_loss", lambda real_image, same_image: _mse(real_image, same_image), r"MSE.*MAE"),
    ("generator_total_loss", _swapped_weights, r"cycle and identity .*weights"),
]


@pytest.mark.parametrize(("name", "student", "words"), REQUIRED,
                         ids=[f"{n}-{s.__name__}" for n, s, _ in REQUIRED])
def test_required_mistakes_written_in_numpy_get_their_words(name, student, words):
    message = _fail_message(student, name)
    first_line = message.splitlines()[0]
    hint = first_line.split("[")[0]
    assert re.search(words, hint), first_line


def test_shape_errors_are_explained_by_the_shapes():
    spec = get_spec("unroll_channels")
    truth = comparison.reference_value("unroll_channels")
    message = checks.compare(spec, truth.T, truth).message
    assert f"shape {truth.T.shape}" in message and f"{truth.shape} was expected" in message
    assert "transpose" in message
    assert "extra leading axis" in checks.compare(spec, truth[None], truth).message

    block = get_spec("downsample")
    expected = np.zeros((1, 4, 4, 4), np.float32)
    message = checks.compare(block, np.zeros((1, 8, 8, 4), np.float32), expected).message
    assert "height: 8 instead of 4" in message and "width: 8 instead of 4" in message
    gram = get_spec("gram_matrix")
    message = checks.compare(gram, np.zeros((5, 5), np.float32), np.zeros((3, 3))).message
    assert "rows: 5 instead of 3" in message


def test_recognition_is_a_pure_function_of_name_inputs_and_output():
    spec = get_spec("compute_content_cost")
    inputs = spec.inputs(spec.public)
    kept = {k: v.copy() for k, v in inputs.items()}
    got = _content(**inputs)
    spec = get_spec("compute_content_cost")
    first = comparison.recognise(spec, inputs, got)
    assert first is not None and first is comparison.recognise(spec, inputs, got)
    for key, value in kept.items():
        np.testing.assert_array_equal(inputs[key], value)
    assert comparison.recognise(spec, inputs, "not a number") is None
    assert comparison.recognise(spec, inputs, np.float32(np.nan)) is None


def test_bodies_with_unknown_names_are_refused_with_one_line():
    signature = inspect.signature(exact.total_cost)
    with pytest.raises(ValueError, match="lessons do not provide") as error:
        compile_body("total_cost", signature, "return torch.add(J_content, J_style)")
    assert "\n" not in str(error.value)
    with pytest.raises(ValueError, match="does not parse"):
        free_names("return (")
