"""The student edition holds no answers: ``autograde handout`` checked on what it builds.

The proof compares, as normalised syntax trees, the body of every graded function of
the reference and of every catalogued mistake with the body of every function in the
handout's wheel, and looks for every hidden test's source in every file handed out.
"""

from __future__ import annotations

import ast
import inspect
import json
import textwrap
import zipfile
from pathlib import Path

import numpy as np
import pytest

from autograde.build.edition import LEFT_OUT
from autograde.graded import notebooks
from autograde.graded.specs import GRADED

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "autograde" / "sources"


def _normalised(body: list[ast.stmt]) -> str:
    """A function body as a string that ignores names of nothing but layout: the dump of
    its statements without the docstring, positions or comments."""
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        body = body[1:]
    return ast.dump(ast.Module(body=body, type_ignores=[]))


def _function_bodies(source: str) -> set[str]:
    tree = ast.parse(source)
    return {_normalised(node.body) for node in ast.walk(tree)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.body}


def _answers() -> dict[str, str]:
    """Every answer that must stay out: reference bodies and mistake bodies, normalised."""
    found = {}
    for name, spec in GRADED.items():
        reference = inspect.unwrap(spec.reference_function())
        definition = ast.parse(textwrap.dedent(inspect.getsource(reference))).body[0]
        found[f"reference {name}"] = _normalised(definition.body)
        for mistake in spec.mistakes:
            found[f"mistake {name}: {mistake.label}"] = _normalised(ast.parse(mistake.body).body)
    return found


def _hidden_lines() -> list[str]:
    """The source lines of every hidden test in the grading sources."""
    lines = []
    for path in sorted(SOURCES.glob("*.ipynb")):
        for cell in notebooks.read(path).cells:
            inside = False
            for line in cell.source.split("\n"):
                if "BEGIN HIDDEN TESTS" in line:
                    inside = True
                elif "END HIDDEN TESTS" in line:
                    inside = False
                elif inside and line.strip():
                    lines.append(line.strip())
    return lines


@pytest.fixture(scope="module")
def shipped(handout):
    """Every file of the handout as ``(name, text)``: the wheel's and the folder's."""
    made, _ = handout
    files = []
    with zipfile.ZipFile(made.wheel) as wheel:
        for name in wheel.namelist():
            files.append((f"wheel:{name}", wheel.read(name).decode("utf-8", "replace")))
    for path in sorted(made.folder.rglob("*")):
        if path.is_file() and path.suffix != ".whl":
            files.append((str(path.relative_to(made.folder)), path.read_text("utf-8", "replace")))
    return files


def test_the_handout_holds_lessons_a_wheel_and_a_readme(handout):
    """Eight student lessons, one wheel and the student README, nothing else."""
    made, _ = handout
    assert sorted(p.name for p in made.folder.iterdir()) == ["README.md", "lessons", "wheels"]
    assert [p.stem for p in made.lessons] == sorted(p.stem for p in SOURCES.glob("*.ipynb"))
    readme = (made.folder / "README.md").read_text(encoding="utf-8")
    assert "pip install wheels/" in readme and "autograde check" in readme


def test_the_comparison_catches_a_renamed_copy():
    """A reference body under another name, re-laid out and commented, is still found;
    a different body is not."""
    wanted = _answers()["reference compute_content_cost"]
    reference = GRADED["compute_content_cost"].reference_function()
    tree = ast.parse(textwrap.dedent(inspect.getsource(reference))).body[0]
    lines = ast.unparse(ast.Module(body=tree.body[1:], type_ignores=[])).split("\n")
    body = "\n".join(f"    {line}   # copied" for line in lines)
    copy = f'def helper(a_C, a_G):\n    """Not the original docstring."""\n{body}\n'
    assert wanted in _function_bodies(copy)
    assert wanted not in _function_bodies("def helper(a_C, a_G):\n    return a_C - a_G\n")


def test_no_graded_body_and_no_mistake_appears_in_the_wheel(shipped):
    """No function of the wheel has a reference's or a catalogued mistake's body."""
    bodies: dict[str, str] = {}
    for name, text in shipped:
        if name.endswith(".py"):
            for body in _function_bodies(text):
                bodies.setdefault(body, name)
    leaked = {what: bodies[body] for what, body in _answers().items() if body in bodies}
    assert leaked == {}


def test_no_mistake_source_appears_anywhere(shipped):
    """No catalogued mistake's code is in any file, not even as a string."""
    everything = "\n".join(text for _, text in shipped)
    leaked = [f"{name}: {m.label}" for name, spec in GRADED.items() for m in spec.mistakes
              if m.body.strip() in everything]
    assert leaked == []


def test_no_hidden_test_appears_anywhere(shipped):
    """No line of any hidden test is in any file handed out."""
    lines = _hidden_lines()
    assert len(lines) >= 2 * len(GRADED)  # the import line and the call, per function
    everything = "\n".join(text for _, text in shipped)
    calls = [line for line in lines if line.startswith("check_hidden(")]
    assert [line for line in calls if line in everything] == []
    assert not any("BEGIN HIDDEN TESTS" in text for name, text in shipped
                   if name.endswith(".ipynb"))


def test_no_hidden_case_and_no_solution_notebook_is_shipped(shipped):
    """Declarations have no hidden cases; the answers' other homes stay behind."""
    names = [name for name, _ in shipped]
    for part in set(LEFT_OUT) - {"autograde/sources"}:  # public-only ones replace them
        assert not any(name.startswith(f"wheel:{part}") for name in names), part
    assert not any("solutions/" in name for name in names)
    for name, text in shipped:
        if name.startswith("wheel:autograde/graded/functions/") and name.endswith(".py"):
            for node in ast.walk(ast.parse(text)):
                if isinstance(node, ast.keyword) and node.arg == "hidden":
                    assert isinstance(node.value, ast.Tuple) and not node.value.elts, name
        if name.endswith(".ipynb"):
            assert "# reference:" not in text, name


def test_the_recorded_values_are_public_cases_only(handout):
    """The shipped table holds one expected value per function, the public one."""
    _, site = handout
    with np.load(site / "autograde" / "graded" / "recorded.npz") as table:
        kinds = [key.split("/")[0] for key in table.files]
    assert kinds.count("expected") == len(GRADED)
    assert json.loads((site / "autograde" / "edition.json").read_text()) == {"kind": "student"}
