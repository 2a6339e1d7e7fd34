"""Grading on this machine (``--jobs N``): a pool of worker processes fed from one queue.

:class:`LocalRunner` and :class:`autograde.grader.dask_runner.DaskRunner` have the same
two methods, ``run(tasks)`` (yield ``(task, outcome)`` as notebooks finish) and
``close()``, so :func:`autograde.grader.batch.grade_submissions` grades through
either without knowing which.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import Protocol

from autograde.grader.jobs import GradingJob, JobOutcome
from autograde.grader.worker_process import WorkerProcess

#: How many worker processes one notebook may cost before it is given up.
ATTEMPTS = 2


class Runner(Protocol):
    """Where notebooks are graded: local worker processes or a Dask cluster."""

    def run(self, tasks: Iterable[GradingJob]) -> Iterator[tuple[GradingJob, JobOutcome]]:
        """Grade every task; yield ``(task, outcome)`` in the order they finish."""

    def close(self) -> None:
        """Stop whatever the runner started."""


class LocalRunner:
    """``jobs`` worker processes on this machine.

    Workers are fresh interpreters (nothing inherited from this process but the task)
    that run kernels one after another. They start when the runner is made, so they
    load their libraries while the caller prepares the course. A worker that dies is
    replaced and its task tried once more; then the task is recorded as failed. If the
    caller stops early (an error, Ctrl-C), busy workers are terminated, which makes them
    stop their kernels before they exit.

    Args:
        jobs: notebooks graded at the same time (worker processes), at least 1.

    Raises:
        ValueError: for ``jobs`` below 1.
    """

    def __init__(self, jobs: int) -> None:
        if jobs < 1:
            raise ValueError(f"--jobs must be at least 1, got {jobs}.")
        self._workers = [WorkerProcess() for _ in range(jobs)]
        self._lock = threading.Lock()

    def run(self, tasks: Iterable[GradingJob]) -> Iterator[tuple[GradingJob, JobOutcome]]:
        """Grade every task on the workers; yield ``(task, outcome)`` as they end."""
        tasks = list(tasks)
        if not tasks:
            return
        idle: queue.Queue[WorkerProcess] = queue.Queue()
        for worker in self._workers:
            idle.put(worker)
        stopping = threading.Event()

        def work(task: GradingJob) -> JobOutcome | None:
            worker = idle.get()
            try:
                for _ in range(ATTEMPTS):
                    if stopping.is_set():
                        return None
                    outcome = worker.grade(task)
                    if outcome is not None:
                        return outcome
                    if stopping.is_set():  # closed by the caller, not dead by itself
                        return None
                    worker = self._replace(worker)
                return JobOutcome.failed(task, "the grading worker process died")
            finally:
                idle.put(worker)

        pool = ThreadPoolExecutor(max_workers=len(self._workers))
        try:
            futures = {pool.submit(work, task): task for task in tasks}
            for future in as_completed(futures):
                yield futures[future], future.result()
        finally:
            stopping.set()
            pool.shutdown(wait=False, cancel_futures=True)
            self.close()  # terminates busy workers, whose threads then return
            pool.shutdown(wait=True)
            self.close()  # a worker started in place of a dead one as the run ended

    def _replace(self, dead: WorkerProcess) -> WorkerProcess:
        """A fresh worker in place of one that died."""
        dead.close()
        fresh = WorkerProcess()
        with self._lock:
            self._workers = [fresh if w is dead else w for w in self._workers]
        return fresh

    def close(self) -> None:
        """Stop every worker process (idempotent)."""
        with self._lock:
            workers = list(self._workers)
        for worker in workers:
            worker.close()
