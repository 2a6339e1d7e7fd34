"""Grading on a Dask cluster: the worker process of ``--jobs``, started on other machines.

``autograde grade SUBMISSIONS --scheduler tcp://HOST:8786`` hands each
:class:`~autograde.grader.jobs.GradingJob` to a Dask worker as one JSON line. The task,
:func:`grade_on_worker`, gives it to the very ``python -m autograde.grader.worker``
process that ``--jobs`` starts locally (kept between tasks, one per running task), so
the sandbox, the limits and the kernel isolation are the same; it returns the
:class:`~autograde.grader.jobs.JobOutcome` as JSON, and this process, the only writer,
records it. Paths travel, not file contents: the course folder and the submissions
must be on a filesystem every worker host mounts at the same path (docs/course.md).

Faults are Dask's to handle:

* the grading process dies (the task raises :class:`WorkerProcessDied`): Dask runs the
  task again (``retries``), then the notebook is recorded as failed, as with ``--jobs``;
* the Dask worker dies (killed, machine lost): the scheduler gives its notebooks to
  other workers; one on which ``distributed.scheduler.allowed-failures`` + 1 workers
  died ends as ``KilledWorker`` and is recorded with a note, not retried forever;
* a worker host that cannot read the course or cannot sandbox kernels as this host does
  (:class:`WorkerHostUnfit`) stops the run with a one-line error.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import socket
import sys
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from autograde.grader.jobs import GradingJob, JobOutcome
from autograde.grader.worker_process import WorkerProcess

#: Extra tries of a notebook whose grading process died (Dask's ``retries``); ``--jobs``
#: also grades such a notebook twice before giving up.
RETRIES = 1
#: Seconds to wait for the scheduler to answer.
CONNECT_SECONDS = 30
#: Protections a worker host must offer when the grading host offers them.
REQUIRED = {"namespaces": "own namespaces (hidden files, no network)",
            "drop_user": "a separate user per kernel",
            "edition": "the grading edition"}

_idle: list[Any] = []  # grading processes of this Dask worker waiting for a task
_idle_lock = threading.Lock()


class WorkerProcessDied(RuntimeError):
    """The grading process died during a task; Dask retries the task."""


class WorkerHostUnfit(RuntimeError):
    """A worker host cannot grade like the grading host: the run stops."""


def _die_with_parent() -> None:
    """In the child, before exec: get SIGTERM when the Dask worker dies (Linux).

    SIGTERM unwinds the grading process like Ctrl-C, so its kernel is stopped rather
    than left running beside the retry on another worker.
    """
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM, 0, 0, 0)  # PR_SET_PDEATHSIG


def _take_process():
    """An idle live grading process of this Dask worker, or a new one."""
    with _idle_lock:
        while _idle:
            process = _idle.pop()
            if process.process.poll() is None:
                return process
    return WorkerProcess(preexec_fn=_die_with_parent)


def _host_policy(job: GradingJob) -> dict[str, Any]:
    """The sandbox policy of this host for ``job``, at least as strong as the job's.

    The grading host detected its policy for itself; its paths (the grading edition in
    its temporary folder) and what it offers may differ here, so the policy is detected
    again on this host (once per process) and checked against the job's. The job's
    edition is kept when this host can read it.

    Raises:
        WorkerHostUnfit: when this host offers less protection or other packages.
    """
    from autograde.grader.gradebook import policy_for
    from autograde.sandbox.kernel_box import Policy
    from autograde.sandbox.limits import Limits

    wanted = Policy.from_dict(job.policy)
    here = policy_for(Limits(**job.limits), tuple(wanted.hide))
    missing = [text for name, text in REQUIRED.items()
               if getattr(wanted, name) and not getattr(here, name)]
    if missing:
        reasons = "; ".join(here.notes) or "not offered"
        raise WorkerHostUnfit(f"worker host {socket.gethostname()} cannot give kernels "
                              f"{', '.join(missing)} as the grading host does ({reasons}); "
                              "run the workers as root or where user namespaces are allowed.")
    if wanted.edition and (Path(wanted.edition) / "autograde").is_dir():
        # The grading host's own edition is readable here (the same host, or a shared
        # temporary folder): use it, as --jobs does.
        here = replace(here, edition=wanted.edition)
    elif wanted.edition and Path(wanted.edition).name != Path(here.edition).name:
        # Editions are named after a hash of the packages' sources.
        raise WorkerHostUnfit(f"worker host {socket.gethostname()} has other course packages "
                              "than the grading host; install the same checkout on every "
                              "worker.")
    return here.as_dict()


def grade_on_worker(job_json: str) -> str:
    """The Dask task: grade one job in this worker's grading process.

    Args:
        job_json: :meth:`GradingJob.to_json` of the job.

    Returns:
        The :meth:`JobOutcome.to_json` of its outcome.

    Raises:
        WorkerHostUnfit: this host cannot read the course or sandbox as required.
        WorkerProcessDied: the grading process died (Dask runs the task again).
    """
    job = GradingJob.from_json(job_json)
    for path in (job.release, job.source, job.expected, str(Path(job.path).parent)):
        if not os.access(path, os.R_OK):
            raise WorkerHostUnfit(f"worker host {socket.gethostname()} cannot read {path}; "
                                  "the course folder and the submissions must be on a "
                                  "filesystem every worker mounts at the same path.")
    job = replace(job, policy=_host_policy(job))
    process = _take_process()
    outcome = process.grade(job)
    if outcome is None:
        process.close()
        raise WorkerProcessDied(f"the grading worker process died on {socket.gethostname()}")
    with _idle_lock:
        _idle.append(process)
    return outcome.to_json()


def _connect(scheduler: Any):
    """A Dask client for an address, a cluster object or a client; and whether it is ours."""
    from distributed import Client

    if isinstance(scheduler, Client):
        return scheduler, False
    try:
        if isinstance(scheduler, str):
            return Client(scheduler, timeout=CONNECT_SECONDS, set_as_default=False), True
        return Client(scheduler, set_as_default=False), True
    except (OSError, TimeoutError) as error:
        raise RuntimeError(f"cannot reach the Dask scheduler {scheduler}: {error}; start one "
                           "with `dask scheduler` and pass its tcp://HOST:8786 address.") from None


class DaskRunner:
    """Grades jobs on a Dask cluster; yields their outcomes as they end.

    Args:
        scheduler: the scheduler's address (``tcp://HOST:8786``), a Dask cluster object
            (``SLURMCluster``, ``KubeCluster``, ``LocalCluster``) or a ``Client``.
        retries: extra tries of a notebook whose grading process died.
        task: the function each Dask task runs on a job's JSON line (default
            :func:`grade_on_worker`); it must be importable on the workers.
    """

    def __init__(self, scheduler: Any, retries: int = RETRIES,
                 task: Callable[[str], str] = grade_on_worker) -> None:
        self.client, self._owned = _connect(scheduler)
        self.retries = retries
        self.task = task

    def run(self, tasks: Iterable[GradingJob]) -> Iterator[tuple[GradingJob, JobOutcome]]:
        """Submit every task; yield ``(task, outcome)`` in the order they end.

        A notebook given up by Dask (``KilledWorker``) or whose grading process died on
        every try gets a failed outcome with the reason. Stopping early (an error,
        Ctrl-C) cancels what has not run.

        Raises:
            RuntimeError: when a worker host is unfit or a task fails for another
                reason (the worker cannot import the course, the scheduler went away).
        """
        from distributed import KilledWorker, as_completed

        run = uuid.uuid4().hex[:8]  # a rerun's keys never meet an old run's results
        futures = {}
        for task in tasks:
            future = self.client.submit(self.task, task.to_json(), pure=False,
                                        retries=self.retries,
                                        key=f"grade-{task.student}-{task.lesson}-{run}")
            futures[future.key] = (future, task)
        try:
            for future in as_completed([f for f, _ in futures.values()], loop=self.client.loop):
                task = futures[future.key][1]
                try:
                    outcome = JobOutcome.from_json(future.result())
                except KilledWorker as error:
                    outcome = JobOutcome.failed(
                        task, f"gave up after {error.allowed_failures + 1} workers died "
                        "grading this notebook")
                except WorkerProcessDied:
                    outcome = JobOutcome.failed(task, "the grading worker process died")
                except WorkerHostUnfit as error:
                    raise RuntimeError(str(error)) from None
                except Exception as error:
                    raise RuntimeError(f"a Dask worker could not grade {task.student}/"
                                       f"{task.lesson}: {type(error).__name__}: "
                                       f"{error}") from None
                yield task, outcome
        finally:
            with contextlib.suppress(Exception):
                self.client.cancel([f for f, _ in futures.values()])

    def close(self) -> None:
        """Disconnect, unless the client was the caller's."""
        if self._owned:
            with contextlib.suppress(Exception):
                self.client.close()
