"""The committed notebooks: in step with the build, well-formed, and honest about values."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
import numpy as np
import pytest

from autograde import notebooks
from autograde.build import drift
from autograde.reference import fill_region, literal, reference_body, replace_expected
from autograde.samples_build import solution_bodies
from autograde.specs import get_spec
from tests import course_numpy

ROOT = Path(__file__).resolve().parent.parent
LESSONS = sorted((ROOT / "lessons").glob("[0-9][0-9]_*.ipynb"))
SOLUTIONS = sorted((ROOT / "solutions").glob("[0-9][0-9]_*.ipynb"))
SIGNATURES = {
    "compute_content_cost": ["a_C", "a_G"],
    "gram_matrix": ["A"],
    "compute_layer_style_cost": ["a_S", "a_G"],
    "compute_style_cost": ["a_S_list", "a_G_list", "style_layers"],
    "total_variation_cost": ["image"],
    "total_cost": ["J_content", "J_style", "alpha", "beta"],
    "discriminator_loss": ["real_output", "fake_output"],
    "generator_adversarial_loss": ["fake_output"],
    "cycle_consistency_loss": ["real_image", "reconstructed_image"],
    "identity_loss": ["real_image", "same_image"],
    "identity_terms": ["g_AB", "g_BA", "real_a", "real_b"],
}


def test_committed_notebooks_match_a_fresh_build():
    stale = drift(ROOT)
    assert not stale, f"run `autograde release` and commit: {[str(p) for p in stale]}"


def test_course_has_at_least_eight_ordered_lessons_with_solutions():
    assert len(LESSONS) >= 8
    assert [p.name for p in LESSONS] == [p.name for p in SOLUTIONS]
    assert [p.name[:2] for p in LESSONS] == [f"{i:02d}" for i in range(1, len(LESSONS) + 1)]


def _defs(nb) -> dict[str, list[str]]:
    found = {}
    for cell in nb.cells:
        if cell.cell_type == "code" and notebooks.grade_id(cell):
            for node in ast.parse(cell.source).body:
                if isinstance(node, ast.FunctionDef):
                    found[node.name] = [a.arg for a in node.args.args]
    return found


def test_required_stubs_exist_with_their_argument_names():
    defined = {}
    for path in LESSONS:
        defined.update(_defs(notebooks.read(path)))
    for name, args in SIGNATURES.items():
        assert defined.get(name) == args, name


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_lessons_are_clean_student_notebooks(path):
    nb = notebooks.read(path)
    nbformat.validate(nb)
    text = path.read_text(encoding="utf-8")
    assert "BEGIN SOLUTION" not in text and "HIDDEN TESTS" not in text
    assert "# reference:" not in text
    ids = [cell.id for cell in nb.cells]
    assert len(set(ids)) == len(ids)
    solution_ids = [c.id for c in notebooks.read(ROOT / "solutions" / path.name).cells]
    assert ids == solution_ids
    stubs = tests = 0
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):
            stubs += 1
            assert "raise NotImplementedError()" in cell.source
            assert '"""' in cell.source and "Args:" in cell.source, "stub needs a docstring"
        if notebooks.is_test_cell(cell):
            tests += 1
            assert meta["points"] > 0 and "check_public(" in cell.source
    assert stubs >= 1 and tests == stubs


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_lessons_have_formula_summary_and_korean_glossary(path):
    markdown = "\n".join(c.source for c in notebooks.read(path).cells if c.cell_type == "markdown")
    assert "$$" in markdown
    assert "What to remember" in markdown
    assert re.search(r"[\uac00-\ud7a3]", markdown), "glossary in Korean"
    assert "용어" in markdown


def test_lesson_07_warns_about_ones_as_fake_target():
    markdown = " ".join(c.source for c in notebooks.read(ROOT / "lessons" /
                                                           "07_cyclegan_losses.ipynb").cells)
    assert "fake target must be **zero**" in markdown


def _public_checks():
    for path in LESSONS:
        for cell in notebooks.read(path).cells:
            if notebooks.is_test_cell(cell):
                for node in ast.walk(ast.parse(cell.source)):
                    if getattr(getattr(node, "func", None), "id", "") == "check_public":
                        name = node.args[1].value
                        expected = ast.literal_eval(
                            next(k.value for k in node.keywords if k.arg == "expected"))
                        yield pytest.param(name, expected, id=f"{path.stem}-{name}")


@pytest.mark.parametrize(("name", "expected"), _public_checks())
def test_public_expected_values_equal_numpy_and_reference(name, expected):
    spec = get_spec(name)
    want = np.asarray(course_numpy.FUNCTIONS[name](**spec.inputs(spec.public)))
    reference = np.asarray(spec.evaluate(spec.reference_function(), spec.inputs(spec.public)))
    if isinstance(expected, dict):
        assert tuple(expected["shape"]) == want.shape
        np.testing.assert_allclose(expected["sum"], want.sum(), rtol=1e-4,
                                   atol=1e-4 * np.abs(want).sum())
        np.testing.assert_allclose(expected["first"], want.ravel()[:len(expected["first"])],
                                   rtol=1e-4, atol=1e-5)
    else:
        expected = np.asarray(expected, dtype=np.float64)
        assert expected.shape == want.shape
        np.testing.assert_allclose(expected, want, rtol=1e-4, atol=1e-6 * np.abs(want).max())
        np.testing.assert_allclose(expected, reference, rtol=1e-4,
                                   atol=1e-6 * np.abs(want).max())


def test_every_graded_stub_names_its_reference_and_gets_its_body():
    for path in SOLUTIONS:
        nb = notebooks.read(path)
        bodies = solution_bodies(nb)
        for cell in nb.cells:
            if cell.metadata.get("nbgrader", {}).get("solution"):
                dotted = notebooks.reference_of(cell)
                assert dotted and dotted.endswith("." + notebooks.grade_id(cell))
                body = reference_body(dotted, notebooks.top_level_names(nb))
                assert bodies[notebooks.grade_id(cell)] == body


def test_reference_body_drops_docstring_and_imports_private_helpers():
    body = reference_body("nst_utils.costs.compute_content_cost", {"tf"})
    assert body[0] == "from nst_utils.costs import _check_activation_pair"
    assert not any('"""' in line for line in body)
    assert body[-1].startswith("return ")


def test_fill_region_keeps_marker_and_indents():
    source = ("def f(x):\n    ### BEGIN SOLUTION\n    # reference: a.b\n    old\n"
              "    ### END SOLUTION")
    filled = fill_region(source, ["y = x", "", "return y"])
    assert filled.split("\n") == ["def f(x):", "    ### BEGIN SOLUTION", "    # reference: a.b",
                                  "    y = x", "", "    return y", "    ### END SOLUTION"]


def test_replace_expected_rewrites_only_the_expected_argument():
    source = ('x = 1\ncheck_public(f, "f", expected=None)  # keep\n'
              'check_public(g, "g", expected=[\n 1])')
    out = replace_expected(source, {"f": np.float32(0.5), "g": np.arange(2)}.get)
    assert out == ('x = 1\ncheck_public(f, "f", expected=0.5)  # keep\n'
                   'check_public(g, "g", expected=[0.0, 1.0])')


def test_literals_round_trip_float32_exactly():
    values = np.random.default_rng(0).standard_normal((3, 2)).astype(np.float32)
    back = np.asarray(ast.literal_eval(literal(values)), dtype=np.float32)
    np.testing.assert_array_equal(back, values)
