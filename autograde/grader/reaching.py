"""Spotting a graded cell that reaches for the course's reference instead of computing.

Graded kernels import the grading edition (:mod:`autograde.build.edition`), in which
every graded function is a stub, so at run time the reference is out of reach: a
submission that imports, loads or reads it only finds the stub. This static check reads
a graded cell's source and names how it reached ("imports nst_utils.costs.gram_matrix",
"calls exec"), so the grader's note can say why the item scored 0 — also on a machine
where the OS sandbox is unavailable and the real files stay readable. It is a heuristic
over the syntax tree, not a proof: it flags what loads modules, reads files, runs
strings as code or opens up a function's insides, and nothing an honest cost or Keras
block needs (the course's non-graded helpers, such as ``_as_float32``, may be imported).
"""

from __future__ import annotations

import ast
import importlib.util
import re
from dataclasses import dataclass
from pathlib import Path

from autograde.graded.specs import GRADED

#: Top-level modules whose import alone is a reach.
_MODULES = frozenset({
    "nst_utils", "cyclegan", "autograde", "importlib", "inspect", "runpy", "pkgutil",
    "marshal", "zipimport", "imp", "builtins", "subprocess", "linecache", "pickle", "gc",
    "ctypes", "posix"})
#: The course's own packages: importing a graded function or a module from them is a reach.
_COURSE = frozenset({"nst_utils", "cyclegan", "autograde"})
#: Names that are a reach only when these modules are imported from.
_PARTS = {"sys": frozenset({"modules", "path", "meta_path", "path_hooks", "_getframe"}),
          "os": frozenset({"open", "read", "popen", "system", "fdopen", "posix_spawn"}),
          "types": frozenset({"FunctionType", "CodeType", "LambdaType"})}
_CALLS = {"__import__": "calls __import__", "exec": "calls exec", "eval": "calls eval",
          "compile": "calls compile", "open": "reads a file with open",
          "globals": "calls globals", "vars": "calls vars", "get_ipython": "calls get_ipython"}
_FILE_READS = frozenset({"read_text", "read_bytes", "open", "fromfile", "read_file", "GFile"})
_INSIDES = frozenset({
    "__code__", "__globals__", "__wrapped__", "__builtins__", "__loader__", "__spec__",
    "__file__", "__closure__", "__subclasses__", "f_globals", "f_back", "FunctionType",
    "CodeType", "LambdaType", "import_module", "spec_from_file_location", "getsource"})
_ATTRIBUTE_CALLS = frozenset({"getattr", "setattr", "delattr"})
_LINE_MAGICS = frozenset({"run", "load", "load_ext", "cat", "pycat", "less", "more", "sx",
                          "sc", "system", "writefile", "file", "bash", "sh", "script"})
#: Cell magics whose body is Python, and line magics followed by Python code.
_PYTHON_MAGICS = frozenset({"time", "timeit", "capture", "prun"})
_MAGIC = re.compile(r"^(\s*)(?:[\w.]+\s*=\s*)?(%%|%|!)\s*(\w*)(.*)$")


@dataclass(frozen=True)
class Reach:
    """One construct of a cell that reaches past the exercise.

    Attributes:
        line: 1-based line in the cell source.
        what: short phrase naming the construct, e.g. ``"imports nst_utils.costs"``.
    """

    line: int
    what: str


def _strip_magics(source: str) -> tuple[str | None, list[Reach]]:
    """The cell as plain Python (``None`` when it is not Python) and its magic reaches."""
    lines, reaches = source.split("\n"), []
    for number, line in enumerate(lines, start=1):
        match = _MAGIC.match(line)
        if not match:
            continue
        indent, kind, name, rest = match.groups()
        if kind == "!":
            reaches.append(Reach(number, "runs a shell command"))
        elif name in _LINE_MAGICS or (kind == "%%" and name.startswith("python")):
            reaches.append(Reach(number, f"runs the {kind}{name} magic"))
        if kind == "%%" and number == 1 and name not in _PYTHON_MAGICS:
            return None, reaches  # %%bash, %%html, ...: the body is not run as Python here
        python = kind == "%" and name in _PYTHON_MAGICS and rest.strip()
        lines[number - 1] = indent + (rest.strip() if python else "pass")
    return "\n".join(lines), reaches


def _is_module(package: str, name: str) -> bool:
    """Whether ``package.name`` is a module, found on disk without importing anything
    (``find_spec`` of a submodule would import its parents: TensorFlow, seconds)."""
    top, *rest = package.split(".")
    try:
        spec = importlib.util.find_spec(top)
    except (ImportError, ValueError):
        return False
    for folder in (spec.submodule_search_locations or []) if spec else []:
        base = Path(folder, *rest, name)
        if base.with_suffix(".py").is_file() or (base / "__init__.py").is_file():
            return True
    return False


def _module_of(node: ast.expr, aliases: dict[str, str]) -> str | None:
    return aliases.get(node.id) if isinstance(node, ast.Name) else None


def _attribute_call(node: ast.Call, aliases: dict[str, str]) -> str | None:
    """What a ``getattr``-like call reaches, if it reaches anything."""
    target = node.args[0] if node.args else None
    name = node.args[1] if len(node.args) > 1 else None
    module = _module_of(target, aliases) if target is not None else None
    if isinstance(target, ast.Name) and target.id in {"__builtins__", "builtins"}:
        return f"calls {node.func.id} on {target.id}"
    if module is not None and module.split(".")[0] in _MODULES:
        return f"calls {node.func.id} on {module}"
    if isinstance(name, ast.Constant) and name.value in _INSIDES | _FILE_READS:
        return f"calls {node.func.id} for {name.value}"
    if name is not None and not isinstance(name, ast.Constant | ast.Name):
        return f"calls {node.func.id} with a computed name"
    return None


def _visit(node: ast.AST, aliases: dict[str, str], called: set[int]) -> list[Reach]:
    """The reaches of one node of the tree (its children are visited separately)."""
    line = getattr(node, "lineno", 0)
    if isinstance(node, ast.Import):
        found = []
        for alias in node.names:
            top = alias.name.split(".")[0]
            aliases[alias.asname or top] = alias.name if alias.asname else top
            if top in _MODULES:
                found.append(Reach(line, f"imports {alias.name}"))
        return found
    if isinstance(node, ast.ImportFrom) and node.module:
        top = node.module.split(".")[0]
        if top in _COURSE:
            # The course's helpers (``_as_float32``, layers, constants) are the lessons'
            # to use; a graded function, a whole module or ``*`` is not.
            return [Reach(line, f"imports {node.module}.{a.name}") for a in node.names
                    if a.name == "*" or a.name in GRADED or _is_module(node.module, a.name)]
        if top in _MODULES:
            return [Reach(line, f"imports {node.module}")]
        parts = _PARTS.get(node.module, frozenset())
        return [Reach(line, f"imports {node.module}.{a.name}") for a in node.names
                if a.name in parts]
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        if node.func.id in _CALLS:
            return [Reach(line, _CALLS[node.func.id])]
        what = node.func.id in _ATTRIBUTE_CALLS and _attribute_call(node, aliases)
        return [Reach(line, what)] if what else []
    if isinstance(node, ast.Name) and (node.id in _INSIDES or
                                       (node.id in _CALLS and id(node) not in called)):
        return [Reach(line, f"uses {node.id}")]
    if isinstance(node, ast.Attribute):
        module = _module_of(node.value, aliases)
        if module in _PARTS and (node.attr in _PARTS[module] or
                                 (module == "os" and node.attr.startswith(("exec", "spawn")))):
            return [Reach(line, f"uses {module}.{node.attr}")]
        if node.attr in _FILE_READS:
            return [Reach(line, f"reads a file with {node.attr}")]
        if node.attr in _INSIDES:
            return [Reach(line, f"uses .{node.attr}")]
    return []


def find_reaches(source: str) -> list[Reach]:
    """The constructs of a graded cell that reach for code or files instead of computing.

    Args:
        source: the cell's source; IPython magics and ``!`` shell lines are allowed.

    Returns:
        The reaches in source order; empty for honest code and for a cell that does not
        parse (a syntax error is graded elsewhere).
    """
    python, reaches = _strip_magics(source)
    try:
        tree = ast.parse(python) if python is not None else None
    except SyntaxError:
        return []
    if tree is not None:
        aliases = {"sys": "sys", "os": "os", "types": "types"}
        called = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
        nodes = sorted((n for n in ast.walk(tree) if hasattr(n, "lineno")),
                       key=lambda n: (n.lineno, n.col_offset))
        for node in nodes:
            reaches.extend(_visit(node, aliases, called))
    return sorted(reaches, key=lambda reach: reach.line)


def _defined_functions(source: str) -> set[str]:
    python, _ = _strip_magics(source)
    try:
        tree = ast.parse(python or "")
    except SyntaxError:
        return set()
    return {node.name for node in tree.body
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))}


def reaches_by_function(sources: list[str]) -> dict[str, list[Reach]]:
    """Which graded functions of a notebook reach for the course's code, and how.

    A reach counts against every graded function its cell defines, and an import of a
    graded function (``from nst_utils.costs import gram_matrix``) against that function
    wherever it stands, since it rebinds the notebook's name.

    Args:
        sources: the student's code cells (test cells and locked cells left out).

    Returns:
        Graded function name -> its reaches, for those with any.
    """
    found: dict[str, list[Reach]] = {}
    for source in sources:
        reaches = find_reaches(source)
        if not reaches:
            continue
        for name in _defined_functions(source) & set(GRADED):
            found.setdefault(name, []).extend(reaches)
        for reach in reaches:
            imported = reach.what.rpartition(".")[2]
            if reach.what.startswith("imports ") and imported in GRADED:
                found.setdefault(imported, []).append(reach)
    return found
