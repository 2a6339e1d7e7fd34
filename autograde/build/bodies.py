"""Turning reference functions into solution bodies, and expected values into literals.

The body of a graded function in ``solutions/`` is never written by hand: the build
takes it from the reference package with :func:`inspect.getsource`, drops the
signature and docstring (the lesson keeps its own), and adds imports for the helpers
the body uses that the notebook does not define.
"""

from __future__ import annotations

import ast
import copy
import inspect
import textwrap
import types

import numpy as np
from nbformat import NotebookNode

from autograde.graded import notebooks
from autograde.graded.specs import resolve


def _import_line(name: str, value: object, home_module: str) -> str:
    if isinstance(value, types.ModuleType):
        module = value.__name__
        if module == name:
            return f"import {module}"
        if module.endswith("." + name):
            return f"from {module.rsplit('.', 1)[0]} import {name}"
        return f"import {module} as {name}"
    origin = getattr(value, "__module__", None)
    defined_there = origin and getattr(value, "__name__", None) == name
    return f"from {origin if defined_there else home_module} import {name}"


def reference_body(dotted: str, provided: set[str] = frozenset()) -> list[str]:
    """The body of a reference function as lines without indentation.

    Args:
        dotted: path of the function, e.g. ``"nst_utils.costs.gram_matrix"``.
        provided: names the notebook already binds at top level; they are not imported.

    Returns:
        Import lines for the module-level names the body needs, then the body's lines
        (docstring removed), dedented.

    Raises:
        ValueError: when ``dotted`` is not a plain Python function.
    """
    function = inspect.unwrap(resolve(dotted))
    if not inspect.isfunction(function):
        raise ValueError(f"{dotted} is not a function; a reference must be a plain def.")
    source = textwrap.dedent(inspect.getsource(function))
    definition = ast.parse(source).body[0]
    lines = source.split("\n")
    first = definition.body[0]
    has_docstring = isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) \
        and isinstance(first.value.value, str)
    if has_docstring and len(definition.body) == 1:
        raise ValueError(f"{dotted} has only a docstring; there is no body to copy.")
    start = first.end_lineno if has_docstring else first.lineno - 1
    body = textwrap.dedent("\n".join(lines[start:definition.end_lineno])).strip("\n").split("\n")

    needed = inspect.getclosurevars(function).globals
    imports = sorted(
        (_import_line(name, value, function.__module__)
         for name, value in needed.items() if name not in provided),
        key=lambda line: (line.startswith("from"), line),
    )
    return imports + [""] + body if imports else body


def fill_region(source: str, body: list[str], keep_first: bool = True) -> str:
    """Replace the inside of a cell's solution region with ``body``.

    Args:
        source: the cell source holding one ``### BEGIN/END SOLUTION`` region.
        body: unindented lines; they get the indentation of the BEGIN line.
        keep_first: keep the region's first line (the ``# reference:`` marker).

    Returns:
        The new cell source.
    """
    lines = source.split("\n")
    begin, end = notebooks.solution_region(lines)
    indent = lines[begin][: len(lines[begin]) - len(lines[begin].lstrip())]
    kept = lines[begin + 1: begin + 2] if keep_first else []
    inner = kept + [(indent + line) if line.strip() else "" for line in body]
    return "\n".join(lines[: begin + 1] + inner + lines[end:])


def literal(value) -> str:
    """Python source for a float32 value or array (exact to float32), or a summary dict."""
    if isinstance(value, dict):
        items = ",\n    ".join(f"{key!r}: {_summary_value(v)}" for key, v in value.items())
        return "{\n    " + items + ",\n}"
    array = np.asarray(value, dtype=np.float32)
    if array.ndim == 0:
        return np.format_float_positional(array[()], unique=True, trim="0")
    if array.ndim == 1:
        return "[" + ", ".join(literal(v) for v in array) + "]"
    rows = ",\n    ".join(literal(row) for row in array)
    return "[\n    " + rows + ",\n]"


def _summary_value(value) -> str:
    if isinstance(value, tuple):
        return repr(tuple(int(v) for v in value))
    if isinstance(value, float):
        return repr(value)
    return literal(value)


def _expected_spans(source: str) -> list[tuple[str, int, int]]:
    """``(graded name, start, stop)`` byte offsets of every ``expected=`` argument.

    Raises:
        ValueError: when a ``check_public`` call does not name its graded function.
    """
    tree = ast.parse(source)
    data = source.encode("utf-8")
    offsets = [0]
    for line in data.split(b"\n"):
        offsets.append(offsets[-1] + len(line) + 1)
    spans = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "check_public"):
            continue
        if len(node.args) < 2 or not isinstance(node.args[1], ast.Constant):
            raise ValueError("check_public needs the graded name as its second argument, "
                             "e.g. check_public(gram_matrix, \"gram_matrix\", expected=...).")
        for keyword in node.keywords:
            if keyword.arg == "expected":
                value = keyword.value
                spans.append((node.args[1].value,
                              offsets[value.lineno - 1] + value.col_offset,
                              offsets[value.end_lineno - 1] + value.end_col_offset))
    return sorted(spans, key=lambda span: span[1])


def replace_expected(source: str, compute) -> str:
    """Rewrite the ``expected=`` argument of every ``check_public(...)`` call in a cell.

    Args:
        source: the cell source.
        compute: maps a graded name (the call's second argument) to its expected value.

    Returns:
        The source with each ``expected=...`` set to ``literal(compute(name))``.
    """
    data = source.encode("utf-8")
    # Apply from the end so earlier offsets stay valid.
    for name, start, stop in reversed(_expected_spans(source)):
        data = data[:start] + literal(compute(name)).encode("utf-8") + data[stop:]
    return data.decode("utf-8")


def split_expected(source: str) -> tuple[str, list[object]]:
    """A cell's source with every ``expected=`` value masked, and those values.

    Args:
        source: a cell source holding ``check_public(..., expected=<literal>)`` calls.

    Returns:
        ``(skeleton, values)``: the source with each literal replaced by ``...``, and
        the literals evaluated (numbers, lists, summary dicts) in order.

    Raises:
        ValueError: when a literal is not a plain Python literal.
    """
    data = source.encode("utf-8")
    values, pieces, last = [], [], 0
    for _, start, stop in _expected_spans(source):
        values.append(ast.literal_eval(data[start:stop].decode("utf-8")))
        pieces.append(data[last:start])
        last = stop
    pieces.append(data[last:])
    return b"...".join(pieces).decode("utf-8"), values


def grading_source(nb: NotebookNode, name: str) -> NotebookNode:
    """A solution notebook with its solution regions emptied (markers kept)."""
    nb = notebooks.normalise(copy.deepcopy(nb), name)
    for cell in nb.cells:
        if cell.cell_type == "code" and notebooks.solution_region(cell.source.split("\n")):
            cell.source = fill_region(cell.source, [], keep_first=False)
    return nb
