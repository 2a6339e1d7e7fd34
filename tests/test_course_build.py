"""The committed notebooks: in step with the build, well-formed, and honest about values."""

from __future__ import annotations

import ast
import re
from dataclasses import replace
from pathlib import Path

import nbformat
import numpy as np
import pytest
import tensorflow as tf

from autograde.build import release as build_module
from autograde.build.bodies import fill_region, literal, reference_body, replace_expected
from autograde.build.release import build, drift, public_expected, stale_files
from autograde.build.samples import solution_bodies
from autograde.cli import main as autograde_main
from autograde.graded import exact, notebooks, specs
from autograde.graded.comparison import expected_for_notebook
from autograde.graded.specs import get_spec

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


def _nudged(value, ulps: int) -> np.ndarray:
    """``value`` in float32 moved by ``ulps`` units in the last place, alternately up and down."""
    moved = np.array(value, dtype=np.float32)
    towards = np.where(np.arange(moved.size).reshape(moved.shape) % 2 == 0, np.inf, -np.inf)
    for _ in range(ulps):
        moved = np.nextafter(moved, towards.astype(np.float32))
    return moved.astype(np.float64)


def _changed_bytes(fresh: Path) -> list[str]:
    return sorted(str(p.relative_to(fresh)) for p in fresh.rglob("*.ipynb")
                  if p.read_bytes() != (ROOT / p.relative_to(fresh)).read_bytes())


def test_float_noise_in_every_expected_value_leaves_release_check_clean(monkeypatch, tmp_path,
                                                                         capsys):
    honest = build_module.public_expected
    monkeypatch.setattr(build_module, "public_expected", lambda name: _nudged(honest(name), 3))
    build(ROOT, tmp_path)
    # The noise does reach the text of every lesson with a public check ...
    assert {p.split("/")[-1] for p in _changed_bytes(tmp_path)} >= {
        f"{p.stem}.ipynb" for p in LESSONS}
    # ... and the drift check sees through it.
    assert stale_files(tmp_path, ROOT) == []
    assert autograde_main(["release", "--root", str(ROOT), "--check", "-q"]) == 0
    assert "up to date" in capsys.readouterr().out


def _content_cost_without_the_four(a_C, a_G):
    """A changed formula for the reference: the 4 of the normalisation dropped."""
    _, n_H, n_W, n_C = a_C.shape
    return tf.reduce_sum(tf.square(a_C - a_G)) / (n_H * n_W * n_C)


def test_a_changed_reference_formula_is_drift_and_named(monkeypatch):
    import nst_utils.costs

    monkeypatch.setattr(nst_utils.costs, "compute_content_cost", _content_cost_without_the_four)
    stale = [str(p) for p in drift(ROOT, lessons=["02_content_cost"])]
    assert "solutions/02_content_cost.ipynb" in stale
    assert "autograde/samples/correct/02_content_cost.ipynb" in stale


def test_an_expected_value_moved_below_the_grading_tolerance_is_drift(monkeypatch):
    """A formula change of 1e-5 relative: inside rtol 1e-4, far above float noise."""
    honest = exact.FUNCTIONS["compute_content_cost"]
    monkeypatch.setitem(exact.FUNCTIONS, "compute_content_cost",
                        lambda **inputs: honest(**inputs) * (1 + 1e-5))
    stale = [str(p) for p in drift(ROOT, lessons=["02_content_cost"])]
    assert stale == ["autograde/samples/correct/02_content_cost.ipynb",
                     "autograde/samples/mistakes/02_content_cost.ipynb",
                     "autograde/samples/untouched/02_content_cost.ipynb",
                     "autograde/sources/02_content_cost.ipynb",
                     "lessons/02_content_cost.ipynb", "solutions/02_content_cost.ipynb"]


def test_a_changed_seed_is_drift_and_named(monkeypatch):
    spec = specs.GRADED["gram_matrix"]
    monkeypatch.setitem(specs.GRADED, "gram_matrix", replace(spec, public=specs.Case(2)))
    stale = [str(p) for p in drift(ROOT, lessons=["03_style_cost"])]
    assert "lessons/03_style_cost.ipynb" in stale
    assert all("03_style_cost" in p for p in stale)


def test_public_expected_values_are_float64_values_rounded_once():
    for name in ("gram_matrix", "downsample", "compute_content_cost"):
        spec = get_spec(name)
        want = exact.exact_value(name, spec.inputs(spec.public))
        assert public_expected(name).dtype == np.float64
        np.testing.assert_array_equal(public_expected(name), want)
    summary = expected_for_notebook(public_expected("downsample"))
    assert isinstance(summary, dict) and summary["sum"].dtype == np.float32


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
                                                           "09_cyclegan_losses.ipynb").cells)
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
    want = exact.exact_value(name, spec.inputs(spec.public))
    reference = np.asarray(spec.evaluate(spec.reference_function(), spec.inputs(spec.public)))
    written = expected_for_notebook(want)
    if isinstance(expected, dict):
        assert tuple(expected["shape"]) == want.shape
        for key in ("sum", "abs_sum", "first"):
            np.testing.assert_array_equal(np.float32(expected[key]), written[key], err_msg=key)
        np.testing.assert_allclose(expected["sum"], reference.sum(), rtol=1e-4,
                                   atol=1e-4 * np.abs(reference).sum())
    else:
        # Exactly the float64 reading rounded to float32: the same on every machine.
        np.testing.assert_array_equal(np.asarray(expected, dtype=np.float32), written)
        # And the TensorFlow reference agrees with it, so neither is trusted alone.
        np.testing.assert_allclose(reference, want, rtol=1e-4, atol=1e-6 * np.abs(want).max())


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
