"""Plain-text tables and the ``grades.csv`` file."""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from autograde.results import LessonResult, item_label

CSV_COLUMNS = ("student", "lesson", "score", "max_score", "failed_items", "error", "notes")


def _points(value: float) -> str:
    return f"{value:g}"


def table(rows: list[list[str]], header: list[str]) -> str:
    """Left-aligned columns separated by two spaces, with a rule under the header."""
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        return "  ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    return "\n".join([line(header), "  ".join("-" * w for w in widths), *map(line, rows)])


def lesson_table(result: LessonResult) -> str:
    """Items of one graded notebook: name, points, first failure message."""
    if result.error:
        notes = "".join(f"\nnote: {note}" for note in result.notes)
        return f"{result.lesson}: 0 / {_points(result.max_score)} — {result.error}{notes}"
    rows = [[item_label(i.name), f"{_points(i.score)} / {_points(i.max_score)}", i.message]
            for i in result.items]
    total = f"total {_points(result.score)} / {_points(result.max_score)}"
    notes = "".join(f"\nnote: {note}" for note in result.notes)
    return f"{result.lesson}\n{table(rows, ['item', 'points', 'message'])}\n{total}{notes}"


def summary_table(results: Iterable[LessonResult]) -> str:
    """One row per graded notebook."""
    rows = []
    for r in results:
        failed = [item_label(i.name) for i in r.items if i.score < i.max_score]
        note = r.error or (", ".join(failed) if failed else "")
        reasons = "; ".join(r.notes)
        rows.append([r.student, r.lesson, f"{_points(r.score)} / {_points(r.max_score)}", note,
                     reasons if len(reasons) <= 90 else reasons[:89] + "…"])
    return table(rows, ["student", "lesson", "score", "lost points in", "notes"])


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
