"""Plain-text tables that fit a terminal, and the ``grades.csv`` file.

The tables of ``autograde check``, ``grade`` and ``demo`` fit ``width`` columns
(default: the terminal's, see :func:`terminal_width`). Long cells (an item's message,
the summary's lost points and notes) wrap at word boundaries inside their column; when
those columns would get narrower than :data:`MIN_WRAPPED_WIDTH`, each row becomes a
block instead: its short cells on one line, the long ones indented under it.
"""

from __future__ import annotations

import csv
import os
import shutil
import tempfile
import textwrap
from collections.abc import Iterable, Sequence
from pathlib import Path

from autograde.grader.results import LessonResult, item_label

CSV_COLUMNS = ("student", "lesson", "score", "max_score", "failed_items", "error", "notes")
#: The terminal's width is used between these bounds.
MIN_TABLE_WIDTH = 60
MAX_TABLE_WIDTH = 100
#: A wrapped column narrower than this (and than its longest cell) reads badly.
MIN_WRAPPED_WIDTH = 30
GAP = "  "
INDENT = "    "


def terminal_width() -> int:
    """The terminal's columns (80 when not a terminal), kept within 60 and 100."""
    columns = shutil.get_terminal_size().columns
    return max(MIN_TABLE_WIDTH, min(MAX_TABLE_WIDTH, columns))


def _points(value: float) -> str:
    return f"{value:g}"


def _wrap(text: str, width: int, indent: str = "", hanging: str | None = None) -> list[str]:
    """``text`` wrapped at word boundaries; only a word longer than a line is split."""
    return textwrap.wrap(text, max(width, len(indent) + 1), initial_indent=indent,
                         subsequent_indent=indent if hanging is None else hanging,
                         break_on_hyphens=False) or [""]


def _fit(natural: list[int], floors: dict[int, int], room: int) -> list[int] | None:
    """Column widths: wrapped columns (``floors``) share ``room``, widest first."""
    widths = list(natural)
    if sum(floors.values()) > room:
        return None
    while sum(widths[i] for i in floors) > room:
        column = max(floors, key=lambda i: widths[i] - floors[i])
        widths[column] -= 1
    return widths


def table(rows: Sequence[Sequence[str]], header: Sequence[str], *, wrap: Iterable[int] = (),
          width: int | None = None) -> str:
    """Columns separated by two spaces, with a rule under the header, in ``width``.

    Args:
        rows: the cells, as text.
        header: the column names.
        wrap: the columns whose cells may wrap over several lines; the others keep
            their natural width.
        width: the width to fit (default :func:`terminal_width`).
    """
    width = terminal_width() if width is None else width
    rows = [[str(cell) for cell in row] for row in rows]
    header = [str(name) for name in header]
    wrap = sorted(set(wrap))
    natural = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    fixed = [i for i in range(len(header)) if i not in wrap]
    room = width - sum(natural[i] for i in fixed) - len(GAP) * (len(header) - 1)
    floors = {}
    for i in wrap:
        longest_word = max((len(w) for r in [header, *rows] for w in r[i].split()), default=0)
        floors[i] = min(natural[i], max(MIN_WRAPPED_WIDTH, longest_word))
    widths = _fit(natural, floors, room)
    if widths is None:
        return _blocks(rows, header, fixed, wrap, width)

    def lines(cells: list[str]) -> list[str]:
        columns = [_wrap(c, w) if i in floors else [c] for i, (c, w)
                   in enumerate(zip(cells, widths, strict=True))]
        height = max(map(len, columns))
        return [GAP.join((col[k] if k < len(col) else "").ljust(w)
                         for col, w in zip(columns, widths, strict=True)).rstrip()
                for k in range(height)]

    rule = GAP.join("-" * w for w in widths)
    return "\n".join([*lines(header), rule, *(line for row in rows for line in lines(row))])


def _blocks(rows: list[list[str]], header: list[str], fixed: list[int], wrap: list[int],
            width: int) -> str:
    """One block per row: the fixed cells as a table, the wrapped ones indented under."""
    short = table([[row[i] for i in fixed] for row in rows], [header[i] for i in fixed],
                  width=width).splitlines()
    out = short[:2]
    for row, line in zip(rows, short[2:], strict=True):
        out.append(line)
        for i in wrap:
            if row[i]:
                label = f"{header[i]}: " if len(wrap) > 1 else ""
                out.extend(_wrap(label + row[i], width, INDENT, INDENT + " " * len(label)))
    return "\n".join(out)


def _notes(notes: Iterable[str], width: int) -> str:
    return "".join("\n" + "\n".join(_wrap(f"note: {note}", width, "", " " * 6))
                   for note in notes)


def _item_message(item: str, message: str) -> str:
    """The message without what its row already says: ``CheckFailed: <item>: ``."""
    return message.removeprefix("CheckFailed: ").removeprefix(f"{item}: ")


def lesson_table(result: LessonResult, width: int | None = None) -> str:
    """Items of one graded notebook: name, points, first failure message.

    Messages are cut as everywhere (:func:`autograde.grader.verdict.first_line`, 160
    characters), shown without the ``CheckFailed: <item>:`` that repeats their row's
    name, and wrapped to ``width`` (default :func:`terminal_width`).
    """
    from autograde.grader.verdict import first_line

    width = terminal_width() if width is None else width
    if result.error:
        head = f"{result.lesson}: 0 / {_points(result.max_score)} — {first_line(result.error)}"
        return "\n".join(_wrap(head, width, "", INDENT)) + _notes(result.notes, width)
    rows = [[item_label(i.name), f"{_points(i.score)} / {_points(i.max_score)}",
             _item_message(item_label(i.name), first_line(i.message))] for i in result.items]
    total = f"total {_points(result.score)} / {_points(result.max_score)}"
    items = table(rows, ["item", "points", "message"], wrap=[2], width=width)
    return f"{result.lesson}\n{items}\n{total}{_notes(result.notes, width)}"


def summary_table(results: Iterable[LessonResult], width: int | None = None) -> str:
    """One row per graded notebook, fitted to ``width`` (default :func:`terminal_width`)."""
    from autograde.grader.verdict import cut_message, first_line

    rows = []
    for r in results:
        failed = [item_label(i.name) for i in r.items if i.score < i.max_score]
        note = first_line(r.error) if r.error else ", ".join(failed)
        rows.append([r.student, r.lesson, f"{_points(r.score)} / {_points(r.max_score)}", note,
                     cut_message("; ".join(r.notes))])
    return table(rows, ["student", "lesson", "score", "lost points in", "notes"], wrap=[3, 4],
                 width=width)


def csv_row(result: LessonResult) -> dict[str, str]:
    failed = [item_label(i.name) for i in result.items if i.score < i.max_score]
    return {"student": result.student, "lesson": result.lesson,
            "score": _points(result.score), "max_score": _points(result.max_score),
            "failed_items": " ".join(failed), "error": result.error,
            "notes": "; ".join(result.notes)}


def update_csv(path: Path, results: Iterable[LessonResult]) -> list[dict[str, str]]:
    """Merge ``results`` into the CSV at ``path`` (replacing rows of the same pair).

    The file is written to a temporary name and renamed, so a reader never sees half
    a file and an interrupted run leaves the previous one intact.

    Returns:
        All rows now in the file, sorted by student and lesson.
    """
    path = Path(path)
    rows: dict[tuple[str, str], dict[str, str]] = {}
    if path.exists():
        with path.open(newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                rows[(row["student"], row["lesson"])] = {c: row.get(c, "") for c in CSV_COLUMNS}
    for result in results:
        rows[(result.student, result.lesson)] = csv_row(result)
    ordered = [rows[key] for key in sorted(rows)]
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".grades-", suffix=".csv", dir=path.parent)
    with os.fdopen(fd, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        writer.writerows(ordered)
    os.replace(tmp, path)
    return ordered
