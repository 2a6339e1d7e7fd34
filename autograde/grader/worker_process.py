"""A grading worker process: jobs in on its stdin, outcomes out on its stdout, one line each.

Both ways of grading a batch start these: ``--jobs N`` keeps N of them on this machine
(:mod:`autograde.grader.batch`), and on a Dask cluster each worker keeps one per running
task (:mod:`autograde.grader.dask_runner`). The child is ``python -m
autograde.grader.worker`` (:func:`autograde.grader.worker.main`), a fresh interpreter
that inherits nothing of its parent but the job.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
from collections.abc import Callable

from autograde.grader.jobs import GradingJob, JobOutcome


class WorkerProcess:
    """A ``python -m autograde.grader.worker`` child that grades the tasks sent to it, in turn."""

    def __init__(self, preexec_fn: Callable[[], None] | None = None) -> None:
        """Start the child.

        Args:
            preexec_fn: run in the child before it starts (e.g. to die with its parent).
        """
        self.process = subprocess.Popen(
            [sys.executable, "-m", "autograde.grader.worker"], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, encoding="utf-8",
            preexec_fn=preexec_fn)

    def grade(self, task: GradingJob) -> JobOutcome | None:
        """The worker's outcome for ``task``, or ``None`` when the worker died."""
        try:
            self.process.stdin.write(task.to_json() + "\n")
            self.process.stdin.flush()
            line = self.process.stdout.readline()
        except OSError:
            return None
        return JobOutcome.from_json(line) if line else None

    def close(self) -> None:
        """End the worker: at once when idle; a busy one is told to stop its kernel first."""
        with contextlib.suppress(OSError):
            self.process.stdin.close()
        for stop in (None, self.process.terminate, self.process.kill):
            if stop is not None:
                with contextlib.suppress(OSError):
                    stop()
            try:
                self.process.wait(timeout=2 if stop is None else 20)
                return
            except subprocess.TimeoutExpired:
                continue
