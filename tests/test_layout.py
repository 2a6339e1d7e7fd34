"""autograde's layout holds: subpackages by runtime, no import cycles, light kernel side."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "autograde"
SUBPACKAGES = ("graded", "kernel", "build", "grader", "sandbox")


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in PACKAGE.rglob("*.py")
            if "sources" not in p.parts and "samples" not in p.parts}


def _imports(path: Path, known: set[str]) -> set[str]:
    """autograde modules ``path`` imports anywhere, function-local imports included."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        for name in names:
            while name and name not in known:
                name = name.rpartition(".")[0]
            if name.startswith("autograde.") and name != "autograde":
                found.add(name)
    return found


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    return {name: _imports(path, known) - {name} for name, path in modules.items()}


def test_autograde_is_split_by_runtime_with_a_docstring_each():
    for sub in SUBPACKAGES:
        init = PACKAGE / sub / "__init__.py"
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
        assert doc and "\n" not in doc.strip(), f"{sub}/__init__.py needs a one-line docstring"
    flat = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert flat == ["__init__.py", "__main__.py", "checks.py", "cli.py"], flat


def test_there_are_no_import_cycles():
    graph = _graph()
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                cycle = stack[stack.index(nxt):] + [nxt]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module)


def test_the_sandbox_imports_nothing_else_of_the_grader():
    for module, imported in _graph().items():
        if module.startswith("autograde.sandbox"):
            outside = {m for m in imported if not m.startswith("autograde.sandbox")}
            assert not outside, f"{module} imports {sorted(outside)}"


def test_the_kernel_side_imports_only_graded_and_kernel_modules():
    code = ("import json, sys; import autograde.checks; "
            "print(json.dumps(sorted(m for m in sys.modules if m.startswith('autograde'))))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    allowed = ("autograde", "autograde.checks", "autograde.graded", "autograde.kernel")
    stray = [m for m in loaded if not (m in allowed or m.startswith(("autograde.graded.",
                                                                      "autograde.kernel.")))]
    assert not stray, f"the lessons' import line loads grader code: {stray}"
