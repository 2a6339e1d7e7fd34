"""The student's answers module: functions that passed their checks, for later lessons.

When a public check passes (:func:`autograde.kernel.checks.check_public`), the student's
function is kept: its source (and that of the notebook's own helpers it calls) goes into
``my_answers.py`` beside the notebooks, next to the imports it needs. Later lessons take
their building blocks from there with :func:`yours`, so lesson 05 paints with the
student's costs and lesson 10 trains with the student's losses. A function not kept yet
stops the cell with one line naming it and the lesson to finish first.

While a notebook is graded nothing is kept or read: each lesson is graded on its own.
The folder is the notebook's working folder, or ``$AUTOGRADE_ANSWERS`` when set. In the
repository (the instructor's and self-learner's copy) a missing function falls back to
the reference, with a line saying so; in the student edition it stops the cell.
"""

from __future__ import annotations

import ast
import contextlib
import importlib.util
import inspect
import json
import os
import textwrap
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

from autograde.graded import recorded
from autograde.graded.specs import GRADED
from autograde.graded.variants import PROVIDED_NAMES

ANSWERS_MODULE = "my_answers.py"
#: The kept sources, as JSON, from which ``my_answers.py`` is written.
ANSWERS_STORE = ".my_answers.json"
FOLDER_VARIABLE = "AUTOGRADE_ANSWERS"


class MissingAnswer(RuntimeError):
    """A later lesson needs a graded function that has not passed its check yet."""

    def _render_traceback_(self) -> list[str]:
        # One red line in the notebook instead of a traceback into the course's modules.
        return [f"\x1b[0;31m{type(self).__name__}\x1b[0m: {self}"]


def _grading() -> bool:
    # nbgrader's autograde and ours say "autograde"; Validate ("validate") runs the
    # student's own notebooks, where the kept answers are theirs to use.
    return os.environ.get("NBGRADER_EXECUTION") == "autograde"


def _in_notebook() -> bool:
    """True inside a Jupyter kernel: answers are kept from notebooks, not from scripts
    or tests that call the checks."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


def folder() -> Path:
    """Where the answers module lives."""
    return Path(os.environ.get(FOLDER_VARIABLE) or Path.cwd())


def _store() -> dict[str, Any]:
    path = folder() / ANSWERS_STORE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _source_names(source: str) -> set[str]:
    """Names a definition reads: its body, nested functions, defaults and annotations
    (``co_names`` would leave the defaults out: they are evaluated at the definition)."""
    return {node.id for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)}


def _literal(value: Any) -> bool:
    """Whether ``value`` survives being written as its ``repr`` (numbers, strings, ...)."""
    if isinstance(value, (types.FunctionType, types.ModuleType, type)):
        return False
    try:
        return ast.literal_eval(repr(value)) == value
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return False


def _entry(function: Callable) -> dict[str, Any]:
    """The source of ``function``, the notebook helpers it calls and the imports it needs."""
    imports: dict[str, str] = {}
    sources: dict[str, str] = {}
    pending = [function]
    while pending:
        current = pending.pop()
        if current.__name__ in sources:
            continue
        source = textwrap.dedent(inspect.getsource(current))
        sources[current.__name__] = source
        namespace = current.__globals__
        for name in sorted(_source_names(source)):
            if name not in namespace:  # a builtin, an argument, a local
                continue
            value = namespace[name]
            if isinstance(value, types.ModuleType):
                alias = "" if value.__name__ == name else f" as {name}"
                imports[name] = f"import {value.__name__}{alias}"
            elif name in PROVIDED_NAMES:
                module, _, attribute = PROVIDED_NAMES[name].rpartition(".")
                imports[name] = f"from {module} import {attribute}"
            elif _literal(value):  # a constant of the student's, e.g. EPSILON = 1e-8
                imports[name] = f"{name} = {value!r}"
            elif (isinstance(value, types.FunctionType) and name not in GRADED
                  and value.__module__ == current.__module__):
                # A helper of the student's own; graded helpers are kept when they pass.
                pending.append(value)
    return {"imports": imports, "sources": sources}


def _write_module(store: dict[str, Any]) -> None:
    lines = {line for entry in store.values() for line in entry["imports"].values()}
    # Imports first, then the student's constants.
    imports = sorted(lines, key=lambda line: (not line.startswith(("import ", "from ")), line))
    parts = ['"""Your graded functions that passed their checks, kept by autograde for the\n'
             'later lessons. Rewritten whenever a check passes: edit the notebooks, not this."""',
             "", *imports]
    written: set[str] = set()
    for name, entry in store.items():
        parts += ["", f"# --- {name} (lesson {entry['lesson']}) ---"]
        for helper, source in entry["sources"].items():
            if helper not in written:
                parts += ["", source.rstrip()]
                written.add(helper)
    target = folder() / ANSWERS_MODULE
    temporary = target.with_name(f".{target.name}.tmp")
    temporary.write_text("\n".join(parts) + "\n", encoding="utf-8")
    os.replace(temporary, target)


def keep(function: Callable, name: str) -> Path | None:
    """Keep ``function`` as the student's ``name`` (after its check passed).

    Returns:
        The answers module written, or ``None`` when nothing was kept (while grading,
        outside a notebook, or for a function whose source cannot be read).
    """
    if _grading() or not _in_notebook() or not isinstance(function, types.FunctionType):
        return None
    from autograde.graded.notebooks import lessons_of

    try:
        entry = _entry(function)
    except (OSError, TypeError, SyntaxError):  # no source kept (exec, a C function)
        return None
    store = _store()
    store[name] = {"lesson": lessons_of().get(name, "?"), **entry}
    with contextlib.suppress(OSError):
        (folder() / ANSWERS_STORE).write_text(json.dumps(store, indent=1), encoding="utf-8")
        _write_module(store)
        return folder() / ANSWERS_MODULE
    return None


def _missing(name: str, why: str) -> MissingAnswer:
    from autograde.graded.notebooks import lessons_of

    lesson = lessons_of().get(name, "an earlier lesson")
    return MissingAnswer(f"{name} {why}: finish it in lesson {lesson} ({lesson}.ipynb) and "
                         f"run its check, then run this cell again.")


def _needs(name: str, store: dict[str, Any]) -> list[str]:
    """What ``name`` still lacks among itself and the graded helpers it calls."""
    helpers = GRADED[name].uses if name in GRADED else ()
    return [needed for needed in (name, *helpers) if needed not in store]


def _load(names: list[str]) -> dict[str, Callable]:
    path = folder() / ANSWERS_MODULE
    spec = importlib.util.spec_from_file_location("my_answers", path)
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as error:
        raise MissingAnswer(f"{path} does not load ({type(error).__name__}: {error}); run "
                            f"the checks of {', '.join(names)} again to rewrite it.") from None
    return {name: getattr(module, name) for name in names}


def yours(*names: str) -> Any:
    """The student's own graded functions, as kept by their passing checks.

    Args:
        *names: graded function names, e.g. ``"compute_content_cost"``.

    Returns:
        The function for one name, a tuple of them for several.

    Raises:
        MissingAnswer: in the student edition, for a function that (or a graded helper
            of which) has not passed its check yet; everywhere while grading.
    """
    if not names:
        raise ValueError("name the graded functions you need, e.g. yours('gram_matrix').")
    if _grading():
        raise _missing(names[0], "is not used while grading (each lesson is graded alone)")
    store = _store()
    lacking = {name: _needs(name, store) for name in names}
    unusable = [name for name in names if lacking[name]]
    found: dict[str, Callable] = {}
    if unusable:
        first = lacking[unusable[0]][0]
        if recorded.edition() is not None or any(name not in GRADED for name in unusable):
            raise _missing(first, "has not passed its check yet")
        # The instructor's and self-learner's copy has the reference: use it, and say so.
        gaps = sorted({gap for name in unusable for gap in lacking[name]})
        print(f"Using the course's reference {', '.join(unusable)}: finish "
              f"{_lesson_list(gaps)} and run the checks to use yours.")
        found = {name: GRADED[name].reference_function() for name in unusable}
    kept = [name for name in names if name not in found]
    if kept:
        found.update(_load(kept))
    values = tuple(found[name] for name in names)
    return values[0] if len(values) == 1 else values


def _lesson_list(names: list[str]) -> str:
    from autograde.graded.notebooks import lessons_of

    lessons = sorted({lessons_of().get(name, "an earlier lesson") for name in names})
    return ("lesson " if len(lessons) == 1 else "lessons ") + ", ".join(lessons)
