"""Grading results: plain data shared by the grader, the reports and the command line."""

from __future__ import annotations

from dataclasses import dataclass, field

from autograde.graded.notebooks import TEST_PREFIX


@dataclass
class ItemResult:
    """One autograded test cell of a lesson."""

    name: str
    score: float
    max_score: float
    message: str = ""


@dataclass
class LessonResult:
    """The grade of one lesson notebook of one student."""

    student: str
    lesson: str
    score: float
    max_score: float
    items: list[ItemResult] = field(default_factory=list)
    error: str = ""
    #: Why the grade may surprise: repairs to the notebook, limits that were hit.
    notes: list[str] = field(default_factory=list)
    #: Seconds spent on it by the worker: ``total``, ``kernel`` start, ``cells``.
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def full_marks(self) -> bool:
        return not self.error and self.max_score > 0 and self.score >= self.max_score


def item_label(grade_id: str) -> str:
    """Display name of a test cell: its grade id without the ``test_`` prefix."""
    return grade_id.removeprefix(TEST_PREFIX)
