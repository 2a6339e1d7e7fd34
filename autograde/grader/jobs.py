"""Grading jobs and their outcomes: what crosses between the batch and a worker process.

The parent of ``autograde grade`` (:mod:`autograde.grader.batch`) sends a
:class:`GradingJob` to a worker (:mod:`autograde.grader.worker`) as one line of JSON
and reads back one :class:`JobOutcome`. The parent alone records outcomes in the
gradebook (:func:`autograde.grader.gradebook.record_result`).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any


class _JsonLine:
    """One dataclass as one line of JSON, read strictly (the other side may be broken)."""

    _what = "a message"

    def to_json(self) -> str:
        """One line of JSON."""
        return json.dumps(asdict(self))

    @classmethod
    def _from_fields(cls, data: dict[str, Any]):
        return cls(**data)

    @classmethod
    def from_json(cls, line: str):
        """Read :meth:`to_json`'s line.

        Raises:
            ValueError: when the line is not such a message (not an object, unknown or
                missing fields).
        """
        data = json.loads(line)
        if not isinstance(data, dict):
            raise ValueError(f"{cls._what} is not a JSON object")
        unknown = sorted(set(data) - {f.name for f in fields(cls)})
        if unknown:
            raise ValueError(f"{cls._what} has unknown fields {unknown}")
        try:
            return cls._from_fields(dict(data))
        except TypeError as error:
            raise ValueError(f"{cls._what} is malformed: {error}") from None


@dataclass(frozen=True)
class GradingJob(_JsonLine):
    """One notebook to grade.

    Attributes:
        student: the submission folder's name.
        lesson: the lesson (notebook stem).
        path: the submitted file.
        release: the released lesson, to repair the submission against.
        source: the lesson's grading source (hidden tests).
        expected: the reference values file (:mod:`autograde.grader.reference_values`).
        limits: :meth:`autograde.sandbox.limits.Limits.as_dict`.
        policy: :meth:`autograde.sandbox.kernel_box.Policy.as_dict`.
    """

    _what = "a grading job"

    student: str
    lesson: str
    path: str
    release: str
    source: str
    expected: str
    limits: dict[str, Any]
    policy: dict[str, Any]

    @classmethod
    def for_submission(cls, student: str, lesson: str, path: Path, course: Path,
                       expected: Path, limits: Any, policy: Any) -> GradingJob:
        """The job of one submitted notebook in the nbgrader course ``course``."""
        return cls(student=student, lesson=lesson, path=str(path),
                   release=str(course / "release" / lesson / f"{lesson}.ipynb"),
                   source=str(course / "source" / lesson / f"{lesson}.ipynb"),
                   expected=str(expected),
                   # As JSON will carry them (tuples become lists), so a job equals its copy.
                   limits=json.loads(json.dumps(limits.as_dict())),
                   policy=json.loads(json.dumps(policy.as_dict())))



@dataclass(frozen=True)
class ItemOutcome:
    """One autograded test cell: its grade id, points and first failure message."""

    name: str
    score: float
    max_score: float
    message: str = ""


@dataclass(frozen=True)
class JobOutcome(_JsonLine):
    """What a worker found.

    Attributes:
        student: as in the job.
        lesson: as in the job.
        items: one per autograded test cell, in notebook order.
        notes: why the grade may surprise (repairs, limits hit).
        error: set (and nothing scored) only when the file could not be graded at all.
        autograded: the executed notebook as nbformat JSON, or None with ``error``.
        timings: seconds spent: ``total``, ``kernel`` start, ``cells``.
    """

    _what = "a grading outcome"

    student: str
    lesson: str
    items: list[ItemOutcome] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    error: str = ""
    autograded: str | None = None
    timings: dict[str, float] = field(default_factory=dict)

    @classmethod
    def failed(cls, job: GradingJob, error: str) -> JobOutcome:
        """The outcome of a job that could not be graded, with the reason."""
        return cls(job.student, job.lesson, error=error)

    @classmethod
    def _from_fields(cls, data: dict[str, Any]) -> JobOutcome:
        data["items"] = [ItemOutcome(**item) for item in data.get("items", [])]
        return cls(**data)
