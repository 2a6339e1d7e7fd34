"""Reading, normalising and writing notebooks, and finding their graded cells.

Committed notebooks carry no outputs and no execution counts, and every cell has a
stable id, so a rebuild that changes nothing leaves every file byte-identical.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import re
from pathlib import Path

import nbformat
from nbformat import NotebookNode

KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
BEGIN_SOLUTION = "### BEGIN SOLUTION"
END_SOLUTION = "### END SOLUTION"
REFERENCE_MARK = "# reference:"
STUB_LINES = ("# YOUR CODE HERE", "raise NotImplementedError()")
# Editor state that should never reach a commit.
_VOLATILE_CELL_METADATA = ("execution", "collapsed", "scrolled", "jp-MarkdownHeadingCollapsed")


def read(path: Path) -> NotebookNode:
    """Read a notebook as nbformat 4."""
    return nbformat.read(str(path), as_version=4)


def dumps(nb: NotebookNode) -> str:
    """The canonical text of a notebook (sorted keys, one-space indent, final newline)."""
    text = nbformat.writes(nb, version=4)
    return text if text.endswith("\n") else text + "\n"


def write(nb: NotebookNode, path: Path) -> bool:
    """Write ``nb`` to ``path`` unless the file already holds exactly that text.

    Returns:
        True when the file was (re)written.
    """
    path = Path(path)
    text = dumps(nb)
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return True


def stable_id(*parts: str) -> str:
    """A short id derived from ``parts``, the same on every build."""
    return hashlib.sha1("/".join(parts).encode("utf-8")).hexdigest()[:12]


def normalise(nb: NotebookNode, name: str) -> NotebookNode:
    """Strip outputs, counts and editor state; give every cell a stable unique id.

    Args:
        nb: the notebook, changed in place.
        name: the lesson name, mixed into generated ids.

    Returns:
        The same notebook.

    Raises:
        ValueError: when two cells share an id.
    """
    nb.nbformat, nb.nbformat_minor = 4, 5
    nb.metadata = nbformat.from_dict(
        {"kernelspec": dict(KERNELSPEC), "language_info": {"name": "python"}}
    )
    seen: set[str] = set()
    for index, cell in enumerate(nb.cells):
        if not cell.get("id"):
            cell["id"] = stable_id(name, str(index), cell.source[:80])
        if cell["id"] in seen:
            raise ValueError(f"{name}: cell id {cell['id']!r} is used twice; give each cell "
                             "its own id.")
        seen.add(cell["id"])
        for key in _VOLATILE_CELL_METADATA:
            cell.metadata.pop(key, None)
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        else:
            cell.pop("outputs", None)
            cell.pop("execution_count", None)
            if not cell.get("attachments"):
                cell.pop("attachments", None)
    return nb


def grade_id(cell: NotebookNode) -> str | None:
    """The nbgrader grade id of a cell, if it has one."""
    return cell.metadata.get("nbgrader", {}).get("grade_id")


#: A test cell's grade id is this prefix plus the graded function's name.
TEST_PREFIX = "test_"


def test_id(name: str) -> str:
    """The grade id of graded function ``name``'s test cell."""
    return TEST_PREFIX + name


def tested_name(cell: NotebookNode) -> str | None:
    """The graded function a cell's grade id says it tests (``test_<name>``), if any."""
    grade = grade_id(cell) or ""
    return grade[len(TEST_PREFIX):] if grade.startswith(TEST_PREFIX) else None


def is_test_cell(cell: NotebookNode) -> bool:
    """True for an autograded test cell (nbgrader ``grade`` without ``solution``)."""
    meta = cell.metadata.get("nbgrader", {})
    return bool(meta.get("grade")) and not meta.get("solution") and cell.cell_type == "code"


def solution_region(lines: list[str]) -> tuple[int, int] | None:
    """Indices of the BEGIN and END SOLUTION lines, or ``None`` when there is no region."""
    begin = next((i for i, line in enumerate(lines) if BEGIN_SOLUTION in line), None)
    if begin is None:
        return None
    end = next((i for i in range(begin + 1, len(lines)) if END_SOLUTION in lines[i]), None)
    if end is None:
        raise ValueError(f"a solution region opened at line {begin + 1} is never closed; "
                         f"add '{END_SOLUTION}'.")
    return begin, end


def reference_of(cell: NotebookNode) -> str | None:
    """The dotted reference named on the first line of a cell's solution region."""
    lines = cell.source.split("\n")
    region = solution_region(lines)
    if region is None or region[0] + 1 >= region[1]:
        return None
    first = lines[region[0] + 1].strip()
    if not first.startswith(REFERENCE_MARK):
        return None
    return first[len(REFERENCE_MARK):].strip().split()[0]


def top_level_names(nb: NotebookNode) -> set[str]:
    """Names bound at the top level of the notebook's code cells (imports, defs, assigns)."""
    names: set[str] = set()
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        # IPython magics and shell escapes are not Python; blank them before parsing.
        source = re.sub(r"(?m)^\s*[%!].*$", "", cell.source)
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        for node in tree.body:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names.update((a.asname or a.name).split(".")[0] for a in node.names)
            elif isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef)):
                names.add(node.name)
            elif isinstance(node, (ast.Assign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    names.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
    return names


#: The grading sources the package ships (``autograde/sources``), one notebook a lesson.
SOURCES_DIR = Path(__file__).resolve().parent.parent / "sources"


@functools.cache
def lessons_of(sources: Path = SOURCES_DIR) -> dict[str, str]:
    """Graded function -> the lesson whose notebook tests it, e.g. ``"03_style_cost"``."""
    found: dict[str, str] = {}
    for path in sorted(Path(sources).glob("[0-9][0-9]_*.ipynb")):
        for cell in read(path).cells:
            name = tested_name(cell)
            if name:
                found[name] = path.stem
    return found
