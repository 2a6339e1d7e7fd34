"""Rebuilding a submitted notebook against its lesson before it is run.

Students hand in whatever their editor saved: cells without ids or with duplicate
ids, deleted, duplicated or retyped cells, edited test cells, changed nbgrader
metadata, old nbformat versions. :func:`repair` reads the file as loosely as it safely
can and rebuilds the notebook from the lesson:

* locked cells (set-up and test cells) always come from the grading source, hidden
  tests included, whatever the submission holds in their place;
* each solution cell is found by its nbgrader ``grade_id``, else by its cell id, else
  by the function it defines; a missing one is replaced by the lesson's stub, a
  duplicated one counts in its last copy (the one that runs last), a retyped one is
  run as code;
* every other cell is kept, in the student's order after the graded cell it followed;
  graded cells run in the lesson's order.

Every repair is reported as one short note, which ends up in the grade's reasons.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, field

import nbformat
from nbformat import NotebookNode

from autograde.graded import notebooks

MAX_BYTES = 64 * 1024**2
MAX_NOTES = 12
_VALID_ID = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
_GRADING_KEYS = ("grade_id", "grade", "solution", "locked", "task", "points")


class InvalidSubmission(ValueError):
    """The submitted file is not a notebook that can be graded."""


@dataclass
class _Cell:
    """A student cell, read loosely."""

    position: int
    cell_type: str
    source: str
    metadata: dict
    cell_id: str | None
    anchor: str | None = None  # grade_id of the lesson cell it stands for
    how: str = ""


@dataclass
class Repaired:
    """A notebook ready to run, and what had to be fixed to get it."""

    notebook: NotebookNode
    notes: list[str] = field(default_factory=list)


def _reject(reason: str) -> InvalidSubmission:
    return InvalidSubmission(f"not a readable notebook ({reason})")


def _load_json(raw: bytes) -> dict:
    if len(raw) > MAX_BYTES:
        raise _reject(f"{len(raw) // 1024**2} MiB, more than the {MAX_BYTES // 1024**2} MiB "
                      "a notebook may have; clear the outputs and hand it in again")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _reject("not UTF-8 text") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise _reject(f"not valid JSON: {error.msg} at line {error.lineno} "
                      f"column {error.colno}") from None
    except RecursionError:
        raise _reject("JSON nested too deeply") from None
    if not isinstance(data, dict):
        raise _reject("the JSON is not an object")
    if "worksheets" in data:  # nbformat 3: let nbformat upgrade it
        try:
            data = json.loads(nbformat.writes(nbformat.reads(text, as_version=4)))
        except Exception as error:  # nbformat raises assorted errors on broken v3 files
            raise _reject(f"old notebook format that cannot be upgraded: "
                          f"{type(error).__name__}") from None
    if not isinstance(data.get("cells"), list):
        raise _reject("no list of cells")
    return data


def _read_cells(data: dict, notes: list[str]) -> list[_Cell]:
    cells, odd = [], 0
    for position, raw in enumerate(data["cells"]):
        if not isinstance(raw, dict):
            odd += 1
            continue
        cell_type = raw.get("cell_type")
        source = raw.get("source", "")
        if isinstance(source, list):
            source = "".join(part for part in source if isinstance(part, str))
        if cell_type not in ("code", "markdown", "raw") or not isinstance(source, str):
            odd += 1
            cell_type = cell_type if cell_type in ("code", "markdown", "raw") else "raw"
            source = source if isinstance(source, str) else ""
        metadata = raw.get("metadata") if isinstance(raw.get("metadata"), dict) else {}
        cell_id = raw.get("id") if isinstance(raw.get("id"), str) else None
        cells.append(_Cell(position, cell_type, source, metadata, cell_id))
    if odd:
        notes.append(f"{odd} malformed cell(s) were read as well as possible")
    return cells


def _grade_id(metadata: dict) -> str | None:
    nbgrader = metadata.get("nbgrader")
    grade_id = nbgrader.get("grade_id") if isinstance(nbgrader, dict) else None
    return grade_id if isinstance(grade_id, str) else None


def _kind(cell: NotebookNode) -> str:
    meta = cell.metadata.get("nbgrader", {})
    if meta.get("solution"):
        return "solution"
    return "test" if meta.get("grade") else "locked"


def _defines(source: str, name: str) -> bool:
    return re.search(rf"(?m)^\s*def\s+{re.escape(name)}\s*\(", source) is not None


def _match(cells: list[_Cell], release: NotebookNode, notes: list[str]) -> None:
    """Point student cells at the lesson cells they stand for (``_Cell.anchor``)."""
    anchors = {notebooks.grade_id(c): c for c in release.cells if notebooks.grade_id(c)}
    by_id = {c.id: gid for gid, c in anchors.items()}
    for cell in cells:
        grade_id = _grade_id(cell.metadata)
        if grade_id in anchors:
            cell.anchor, cell.how = grade_id, "metadata"
        elif cell.cell_id in by_id:
            cell.anchor, cell.how = by_id[cell.cell_id], "id"
    solutions = [gid for gid, c in anchors.items() if _kind(c) == "solution"]
    for grade_id in solutions:
        if any(c.anchor == grade_id for c in cells):
            continue
        defining = [c for c in cells if c.anchor is None and _defines(c.source, grade_id)]
        if defining:
            defining[-1].anchor, defining[-1].how = grade_id, "definition"
    for grade_id, lesson_cell in anchors.items():
        claimed = [c for c in cells if c.anchor == grade_id]
        if len(claimed) < 2:
            continue
        keep = claimed[-1] if _kind(lesson_cell) == "solution" else claimed[0]
        for cell in claimed:
            if cell is not keep:
                cell.anchor, cell.how = None, "duplicate"
        which = "the last copy is graded" if keep is claimed[-1] else "extra copies removed"
        notes.append(f"cell {grade_id} appears {len(claimed)} times; {which}")


def _lesson_cell(release_cell: NotebookNode, source_cell: NotebookNode) -> NotebookNode:
    cell = copy.deepcopy(release_cell)
    cell.source = source_cell.source  # the grading source: hidden tests included
    if cell.cell_type == "code":
        cell.outputs, cell.execution_count = [], None
    return cell


def _free_cell(cell: _Cell) -> NotebookNode:
    metadata = {k: v for k, v in cell.metadata.items() if k != "nbgrader"}
    maker = {"code": nbformat.v4.new_code_cell, "markdown": nbformat.v4.new_markdown_cell,
             "raw": nbformat.v4.new_raw_cell}[cell.cell_type]
    try:
        built = maker(source=cell.source, metadata=copy.deepcopy(metadata))
    except Exception:  # metadata that nbformat refuses: drop it
        built = maker(source=cell.source)
    built["id"] = cell.cell_id or ""  # checked, and replaced if unusable, by _assign_ids
    return built


def _grading_fields(metadata: dict) -> tuple:
    """The nbgrader fields that decide how a cell is graded (checksums etc. left out)."""
    meta = metadata.get("nbgrader")
    meta = meta if isinstance(meta, dict) else {}
    return tuple(meta.get(key) or None for key in _GRADING_KEYS)


def _report_anchor(student: _Cell, lesson: NotebookNode, original: NotebookNode, kind: str,
                   notes: list[str]) -> None:
    grade_id = notebooks.grade_id(lesson)
    if student.how in ("id", "definition"):
        found = "its cell id" if student.how == "id" else "the function it defines"
        notes.append(f"nbgrader metadata of cell {grade_id} was changed or removed; it was "
                     f"recognised by {found} and restored")
    elif _grading_fields(student.metadata) != _grading_fields(lesson.metadata):
        notes.append(f"nbgrader metadata of cell {grade_id} was changed; restored")
    if student.cell_type != lesson.cell_type:
        what = "graded as code" if kind == "solution" else "restored"
        notes.append(f"cell {grade_id} was changed to {student.cell_type}; {what}")
    elif kind != "solution" and student.source.strip() not in (lesson.source.strip(),
                                                               original.source.strip()):
        notes.append(f"{'test' if kind == 'test' else 'locked'} cell {grade_id} was edited; "
                     "the original was restored")


def repair(raw: bytes, release: NotebookNode, source: NotebookNode,
           lesson: str) -> Repaired:
    """Rebuild a submission against its lesson.

    Args:
        raw: the submitted file's bytes.
        release: the lesson as students got it (nbgrader metadata, stubs, checksums).
        source: the grading source of the lesson (test cells with hidden tests).
        lesson: the lesson name, mixed into generated cell ids.

    Returns:
        The notebook to run (nbformat 4.5, valid, unique ids) and the repair notes.

    Raises:
        InvalidSubmission: when the file is not JSON describing a notebook.
    """
    notes: list[str] = []
    cells = _read_cells(_load_json(raw), notes)
    _match(cells, release, notes)
    sources = {notebooks.grade_id(c): c for c in source.cells if notebooks.grade_id(c)}
    by_anchor = {c.anchor: c for c in cells if c.anchor}
    if cells and not by_anchor:
        notes.append(f"no cell of this notebook belongs to lesson {lesson}; is it the right "
                     "file?")
    # Free cells travel with the graded cell they followed in the student's notebook.
    groups: dict[str | None, list[_Cell]] = {}
    anchor_order, current = [], None
    for cell in cells:
        if cell.anchor:
            current = cell.anchor
            anchor_order.append(cell.anchor)
        else:
            groups.setdefault(current, []).append(cell)
    lesson_order = [gid for gid in (notebooks.grade_id(c) for c in release.cells) if gid]
    if [g for g in lesson_order if g in anchor_order] != anchor_order:
        notes.append("graded cells were out of order; they run in the lesson's order")

    built: list[NotebookNode] = [_free_cell(c) for c in groups.get(None, [])]
    for lesson_cell in release.cells:
        grade_id = notebooks.grade_id(lesson_cell)
        if not grade_id:
            continue
        kind = _kind(lesson_cell)
        student = by_anchor.get(grade_id)
        if student is None:
            notes.append(f"{kind} cell {grade_id} was missing; "
                         + ("the empty stub was graded" if kind == "solution" else "restored"))
            origin = lesson_cell if kind == "solution" else sources.get(grade_id, lesson_cell)
            built.append(_lesson_cell(lesson_cell, origin))
        else:
            _report_anchor(student, lesson_cell, sources.get(grade_id, lesson_cell), kind, notes)
            if kind == "solution":
                cell = _lesson_cell(lesson_cell, lesson_cell)
                cell.source = student.source
            else:
                cell = _lesson_cell(lesson_cell, sources.get(grade_id, lesson_cell))
            built.append(cell)
        built += [_free_cell(c) for c in groups.get(grade_id, [])]
    _assign_ids(built, release, lesson, notes)
    nb = nbformat.v4.new_notebook(cells=built, metadata=copy.deepcopy(release.metadata))
    nb.nbformat_minor = 5
    nbformat.validate(nb)
    return Repaired(nb, _dedupe(notes))


def _assign_ids(built: list[NotebookNode], release: NotebookNode, lesson: str,
                notes: list[str]) -> None:
    """Lesson cells keep the lesson's ids; others keep theirs when valid and unique."""
    lesson_ids = {notebooks.grade_id(c): c.id for c in release.cells if notebooks.grade_id(c)}
    used = set(lesson_ids.values())
    renamed = 0
    for index, cell in enumerate(built):
        grade_id = notebooks.grade_id(cell)
        if grade_id in lesson_ids:
            cell.id = lesson_ids[grade_id]
            continue
        wanted = cell.get("id") or ""
        if not _VALID_ID.match(wanted) or wanted in used:
            renamed += 1
            wanted = notebooks.stable_id(lesson, "free", str(index), cell.source[:80])
        cell.id = wanted
        used.add(wanted)
    if renamed:
        notes.append(f"{renamed} cell(s) had a missing, invalid or duplicate id; new ids "
                     "were given")


def _dedupe(notes: list[str]) -> list[str]:
    unique = list(dict.fromkeys(notes))
    if len(unique) > MAX_NOTES:
        unique = unique[: MAX_NOTES - 1] + [f"and {len(unique) - MAX_NOTES + 1} more repairs"]
    return unique
