"""Source rewrites that take the answers out of the packages, for the editions.

* :func:`stub_functions` replaces the body of each graded function in a reference module
  by one ``raise`` that names the lesson where the student writes it; the signature and
  docstring stay, so ``help()`` and the library's call sites keep working.
* :func:`strip_declarations` rewrites a declaration module of
  :mod:`autograde.graded.functions`: every mistake's body (wrong-answer code, close to
  the right one) becomes ``""`` and, for the student edition, the hidden cases go; the
  module constants the bodies were assembled from are dropped once nothing reads them.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping

from autograde.graded.recorded import STUB_WORDS


def stub_message(name: str, lesson: str) -> str:
    """What a stub raises: who writes the function, and where."""
    return (f"{name} {STUB_WORDS}: you write it in lesson {lesson} ({lesson}.ipynb); "
            f"pass your own function where the course asks for it.")


def stub_functions(source: str, stubs: Mapping[str, str]) -> str:
    """``source`` with the top-level functions named in ``stubs`` reduced to a raise.

    Args:
        source: a module's source.
        stubs: function name -> the message its stub raises.

    Returns:
        The new source; everything outside those bodies is unchanged, line for line.

    Raises:
        ValueError: when a function of ``stubs`` is not defined at the top level.
    """
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    found = {node.name: node for node in tree.body
             if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name in stubs}
    missing = sorted(set(stubs) - set(found))
    if missing:
        raise ValueError(f"no top-level function {', '.join(missing)} to stub out.")
    # From the bottom up, so earlier line numbers stay valid.
    for node in sorted(found.values(), key=lambda n: n.lineno, reverse=True):
        body = node.body
        has_doc = (isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
                   and isinstance(body[0].value.value, str))
        first = body[1] if has_doc and len(body) > 1 else (None if has_doc else body[0])
        indent = " " * body[0].col_offset
        stub = f"{indent}raise NotImplementedError({stubs[node.name]!r})\n"
        start = (first.lineno - 1) if first is not None else node.end_lineno
        lines[start:node.end_lineno] = [stub]
    return "".join(lines)


class _StripMistakes(ast.NodeTransformer):
    def __init__(self, drop_hidden: bool) -> None:
        self.drop_hidden = drop_hidden

    def visit_Call(self, node: ast.Call) -> ast.Call:
        self.generic_visit(node)
        called = node.func.id if isinstance(node.func, ast.Name) else ""
        if called == "Mistake":
            if len(node.args) >= 3:
                node.args[2] = ast.Constant("")
            for keyword in node.keywords:
                if keyword.arg == "body":
                    keyword.value = ast.Constant("")
        elif called == "GradedFunction" and self.drop_hidden:
            for keyword in node.keywords:
                if keyword.arg == "hidden":
                    keyword.value = ast.Tuple([], ast.Load())
        return node


def _read_names(tree: ast.Module, skip: ast.stmt) -> set[str]:
    return {node.id for stmt in tree.body if stmt is not skip for node in ast.walk(stmt)
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)}


def strip_declarations(source: str, drop_hidden: bool) -> str:
    """A declaration module without mistake bodies (and hidden cases when asked).

    Args:
        source: a module of :mod:`autograde.graded.functions`.
        drop_hidden: also empty every ``hidden=`` tuple (the student edition).

    Returns:
        The rewritten module (formatted by :func:`ast.unparse`).
    """
    tree = _StripMistakes(drop_hidden).visit(ast.parse(source))
    changed = True
    while changed:  # dropping one constant can leave another unread
        changed = False
        for stmt in list(tree.body):
            targets = ([t.id for t in stmt.targets if isinstance(t, ast.Name)]
                       if isinstance(stmt, ast.Assign) else [])
            if targets and all(t.startswith("_") for t in targets) \
                    and not set(targets) & _read_names(tree, stmt):
                tree.body.remove(stmt)
                changed = True
    return ast.unparse(ast.fix_missing_locations(tree)) + "\n"
