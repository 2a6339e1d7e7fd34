"""Grading one submission, start to finish, in a worker process.

:func:`grade_one` takes a :class:`~autograde.grader.jobs.GradingJob` and returns a
:class:`~autograde.grader.jobs.JobOutcome` (both travel as JSON lines): it
repairs the submission against its lesson (:mod:`autograde.grader.repair`), runs it in a
sandboxed kernel (:mod:`autograde.grader.execute`), scores each test cell from the results
the kernel sent (:mod:`autograde.grader.verdict`) and returns the scores, the reasons and
the autograded notebook. It never touches the gradebook: the parent process, the only
writer, records the result (:func:`autograde.grader.gradebook.record_result`).
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
import traceback
from pathlib import Path
from typing import Any

import nbformat
from nbformat import NotebookNode

from autograde.graded import notebooks
from autograde.graded.specs import GRADED
from autograde.grader import reference_values as expected_values
from autograde.grader.execute import run_notebook
from autograde.grader.jobs import GradingJob, ItemOutcome, JobOutcome
from autograde.grader.reaching import reaches_by_function
from autograde.grader.repair import InvalidSubmission, repair
from autograde.grader.verdict import (
    REACHED,
    Verdict,
    cell_error,
    first_line,
    judge,
    take_results,
)
from autograde.kernel import results as record
from autograde.sandbox.kernel_box import KernelSandbox, Policy
from autograde.sandbox.limits import Limits

#: Longest printed text kept per output in the autograded notebook and the feedback.
MAX_STREAM_CHARS = 100_000


def _score_cell(cell: NotebookNode, expected: dict, not_run: str = "") -> Verdict:
    name = notebooks.tested_name(cell)
    payloads, error = take_results(cell), cell_error(cell)
    if name not in GRADED:  # a test cell of another kind: nbgrader's rule, no error = pass
        return Verdict(not error and not not_run, error or not_run)
    verdict = judge(name, payloads, expected.get(name, {}), error=error, not_run=not_run)
    if not verdict.passed and not error:
        # nbgrader scores a test cell by its error outputs; make the cell say why.
        cell.outputs.append(nbformat.NotebookNode(
            output_type="error", ename="GradingFailed", evalue=verdict.message,
            traceback=[f"GradingFailed: {verdict.message}"]))
    return verdict


def _tidy(nb: NotebookNode, config: Any) -> None:
    """Drop stray results and (like nbgrader) stderr, and trim long outputs."""
    from nbgrader.preprocessors import IgnorePattern, LimitOutput

    for cell in nb.cells:
        if cell.cell_type == "code":
            take_results(cell)
            for output in cell.outputs:
                text = output.get("text")
                if isinstance(text, str) and len(text) > MAX_STREAM_CHARS:
                    output.text = text[:MAX_STREAM_CHARS] + "\n... Output truncated ...\n"
    for step in (IgnorePattern, LimitOutput):
        step(config=config).preprocess(nb, {})


def grade_one(task: GradingJob) -> JobOutcome:
    """Grade one notebook.

    Returns:
        The :class:`~autograde.grader.jobs.JobOutcome`; its ``error`` is set (and
        nothing is scored) only when the file cannot be graded at all.
    """
    from autograde.grader.course import load_config

    started = time.monotonic()
    limits, policy = Limits(**task.limits), Policy.from_dict(task.policy)
    try:
        raw = Path(task.path).read_bytes()
        repaired = repair(raw, notebooks.read(Path(task.release)),
                          notebooks.read(Path(task.source)), task.lesson)
    except InvalidSubmission as error:
        return JobOutcome.failed(task, str(error))
    except OSError as error:
        return JobOutcome.failed(task, f"cannot read the file ({error.strerror})")
    nb = repaired.notebook
    expected = expected_values.load(Path(task.expected))
    verdicts: dict[int, Verdict] = {}

    def after_cell(index: int, cell: NotebookNode) -> None:
        if notebooks.tested_name(cell) is not None:
            verdicts[index] = _score_cell(cell, expected)

    env = {"NBGRADER_EXECUTION": "autograde", record.ENV_VAR: "1",
           "TF_CPP_MIN_LOG_LEVEL": "2"}
    with KernelSandbox(policy, limits) as box:
        run = asyncio.run(run_notebook(nb, box, limits, env, after_cell))
    items = []
    reaches = reaches_by_function([  # the student's cells: not tests, not locked set-up
        cell.source for cell in nb.cells if cell.cell_type == "code"
        and not notebooks.is_test_cell(cell)
        and not cell.metadata.get("nbgrader", {}).get("locked")])
    for index, cell in enumerate(nb.cells):
        grade_id = notebooks.grade_id(cell) or ""
        if not (notebooks.tested_name(cell) is not None and notebooks.is_test_cell(cell)):
            continue
        if index not in verdicts:
            stopped = run.stopped if run.stopped_at is not None and index >= run.stopped_at \
                else ""
            verdicts[index] = _score_cell(cell, expected, not_run=stopped and
                                          f"not graded: {stopped}")
        points = float(cell.metadata["nbgrader"].get("points", 0))
        verdict = verdicts[index]
        reach = reaches.get(notebooks.tested_name(cell))
        if reach:
            verdict = Verdict(False, f"{REACHED} ({reach[0].what}, line {reach[0].line} of "
                                     f"its cell); write the function yourself")
        items.append(ItemOutcome(grade_id, points if verdict.passed else 0.0, points,
                                 first_line(verdict.message)))
    _tidy(nb, load_config(Path(task.release).parent.parent.parent))
    reach_notes = [f"{item.name}: {item.message}" for item in items
                   if item.message.startswith(REACHED)]
    notes = (repaired.notes + run.notes + ([run.stopped] if run.stopped else [])
             + reach_notes)
    return JobOutcome(task.student, task.lesson, items=items, notes=notes,
                      autograded=nbformat.writes(nb),
                      timings={"total": time.monotonic() - started,
                               "kernel": run.kernel_seconds, "cells": run.cell_seconds})


def grade_one_safely(task: GradingJob) -> JobOutcome:
    """:func:`grade_one` that turns an unexpected grader error into a reported reason."""
    try:
        return grade_one(task)
    except Exception as error:  # one broken job must not end the batch
        where = traceback.extract_tb(error.__traceback__)[-1]
        return JobOutcome.failed(task, f"internal grading error: {type(error).__name__}: "
                                       f"{first_line(str(error))} "
                                       f"({Path(where.filename).name}:{where.lineno})")


def main() -> int:
    """Worker process: one JSON task per line on stdin, one JSON result per line out."""
    # SIGTERM from the parent unwinds like Ctrl-C, so the running kernel is stopped.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    protocol = os.fdopen(os.dup(1), "w", encoding="utf-8")
    # Anything else that writes to stdout (TensorFlow, C libraries) goes to stderr, so
    # it cannot corrupt the results.
    os.dup2(2, 1)
    for line in sys.stdin:
        if line.strip():
            protocol.write(grade_one_safely(GradingJob.from_json(line)).to_json() + "\n")
            protocol.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
