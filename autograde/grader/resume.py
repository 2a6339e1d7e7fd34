"""What a rerun keeps: the notebooks already graded into a course, by fingerprint.

Each result the batch records is appended, with a fingerprint of everything that
decided it, to ``<course>/.autograde/graded.jsonl`` (one JSON line per result, so
an interrupted run loses at most the line being written). Running the same command
again grades only the submissions whose fingerprint is not there: new or changed
files, and every file after the lessons, the reference values, the limits, the
sandbox or the course packages (the grading edition's name) changed. A notebook that
could not be graded at all (``error``: not a notebook, given up after workers died on
it) counts as graded too, so a notebook that brings workers down is not run again;
delete ``graded.jsonl`` to grade everything again.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from dataclasses import asdict
from pathlib import Path

from autograde.grader.jobs import GradingJob
from autograde.grader.results import ItemResult, LessonResult

LOG_NAME = "graded.jsonl"


def fingerprint(job: GradingJob, out: Path) -> str:
    """A SHA-256 of the job's files, its limits and policy, and the output folder.

    Args:
        job: the grading job of one submission.
        out: where its feedback page and ``grades.csv`` go.

    Returns:
        The hex digest, or ``""`` when a file cannot be read (never matches).
    """
    digest = hashlib.sha256()
    try:
        for path in (job.path, job.release, job.source, job.expected):
            info = os.stat(path)
            digest.update(_file_digest(str(path), info.st_mtime_ns, info.st_size))
    except OSError:
        return ""
    settings = {"limits": job.limits, "policy": job.policy, "out": str(Path(out).resolve())}
    digest.update(json.dumps(settings, sort_keys=True).encode())
    return digest.hexdigest()


@functools.lru_cache(maxsize=256)
def _file_digest(path: str, mtime_ns: int, size: int) -> bytes:
    # A batch's lesson files (release, source, expected values) are the same for every
    # student: read each once per version (the key changes when the file does).
    return hashlib.sha256(Path(path).read_bytes()).digest()


def _result(data: dict) -> LessonResult:
    items = [ItemResult(**item) for item in data.pop("items")]
    return LessonResult(items=items, **data)


class GradedLog:
    """The append-only record of graded notebooks in one course folder.

    Args:
        state: the course's state folder (``<course>/.autograde``).
    """

    def __init__(self, state: Path) -> None:
        self.path = Path(state) / LOG_NAME

    def load(self) -> dict[tuple[str, str], tuple[str, LessonResult]]:
        """The last recorded ``(fingerprint, result)`` per ``(student, lesson)``.

        Lines that cannot be read (a run killed while writing one) are skipped.
        """
        kept: dict[tuple[str, str], tuple[str, LessonResult]] = {}
        if not self.path.exists():
            return kept
        with self.path.open(encoding="utf-8") as handle:
            for line in handle:
                try:
                    entry = json.loads(line)
                    result = _result(entry["result"])
                except (ValueError, KeyError, TypeError):
                    continue
                kept[(result.student, result.lesson)] = (entry["fingerprint"], result)
        return kept

    def append(self, fingerprint: str, result: LessonResult) -> None:
        """Record one result, on disk before this returns."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        entry = {"fingerprint": fingerprint, "result": asdict(result)}
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
