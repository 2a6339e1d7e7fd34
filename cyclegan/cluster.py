"""Training on several machines: the cluster of ``cyclegan train`` and its strategy.

A cluster is TensorFlow's standard ``TF_CONFIG`` (JSON in the environment), or the flags
``--workers HOST:PORT,HOST:PORT --worker-index I``, which write ``TF_CONFIG`` before
anything else happens, because ``tf.distribute.MultiWorkerMirroredStrategy`` reads it
when it is built. The chief is the ``chief`` task if there is one, else worker 0.

The strategy keeps one copy of every variable per replica (workers x local GPUs, or one
CPU per worker) and sums the gradients over all of them with collective all-reduces,
so ``--batch-size`` is the *global* batch: each of ``R`` replicas trains on ``B / R``
of its images. When a worker dies, the collectives of the others fail (TensorFlow
cannot continue a collective without a member): :func:`worker_lost` turns that
failure into one line that names the lost worker and the epoch to resume after.

This module imports TensorFlow only inside the functions that need it, so parsing
``cyclegan train --help`` stays instant.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import re
from collections.abc import MutableMapping
from typing import Any

TF_CONFIG = "TF_CONFIG"
TASK_TYPES = ("chief", "worker")  # the jobs that train; TensorFlow numbers chief first
# Exit status of a run that lost a worker: BSD's EX_TEMPFAIL ("try again later"), so a
# supervisor can tell "rerun me" from bad input (1).
EXIT_WORKER_LOST = 75


class WorkerLostError(RuntimeError):
    """A worker of the cluster stopped answering; rerunning every worker resumes."""


@dataclasses.dataclass(frozen=True)
class Cluster:
    """The training tasks of a ``TF_CONFIG`` cluster and the one this process runs.

    Attributes:
        chief: address ``host:port`` of the ``chief`` task, or ``None`` (then worker 0
            is the chief).
        workers: addresses of the ``worker`` tasks, in ``TF_CONFIG``'s order.
        task_type: ``"chief"`` or ``"worker"``: this process's job.
        index: this process's index in its job.
    """

    chief: str | None
    workers: tuple[str, ...]
    task_type: str
    index: int

    @property
    def addresses(self) -> tuple[str, ...]:
        """Every training task's address, chief first (TensorFlow's order of replicas)."""
        return ((self.chief,) if self.chief else ()) + self.workers

    @property
    def num_workers(self) -> int:
        """Processes that train (the chief included)."""
        return len(self.addresses)

    @property
    def is_chief(self) -> bool:
        """Whether this process writes the run folder."""
        return self.task_type == "chief" or (self.chief is None and self.index == 0)

    def name(self, task_type: str | None = None, index: int | None = None) -> str:
        """How messages call a task, e.g. ``"worker 1"`` (default: this process)."""
        task_type = self.task_type if task_type is None else task_type
        index = self.index if index is None else index
        return "the chief" if task_type == "chief" else f"worker {index}"

    def describe(self) -> str:
        """This process in one phrase, e.g. ``"worker 1 of 2 (10.0.0.2:2222)"``."""
        own = self.chief if self.task_type == "chief" else self.workers[self.index]
        return f"{self.name()} of {self.num_workers} ({own})"


def _check_address(address: Any, where: str) -> str:
    """Return ``address`` if it is ``host:port`` with a port in 1-65535."""
    match = re.fullmatch(r"(.+):(\d+)", address) if isinstance(address, str) else None
    if match is None or not 1 <= int(match.group(2)) <= 65535:
        raise ValueError(f"{where}: {address!r} is not host:port (e.g. 10.0.0.2:2222).")
    return address


def cluster_from_tf_config(text: str | None) -> Cluster | None:
    """The cluster ``TF_CONFIG`` describes, or ``None`` for a single process.

    Args:
        text: the value of ``TF_CONFIG`` (``None`` or empty: no cluster), e.g.
            ``{"cluster": {"worker": ["h1:2222", "h2:2222"]},
            "task": {"type": "worker", "index": 0}}``.

    Returns:
        The :class:`Cluster`, or ``None`` when it has fewer than two training tasks
        (a cluster of one trains like a plain run).

    Raises:
        ValueError: in one line, for JSON that is not a cluster of chief and worker
            tasks (parameter servers and evaluators are not supported) or a task that
            is not in it.
    """
    if not text or not text.strip():
        return None
    try:
        spec = json.loads(text)
    except json.JSONDecodeError as err:
        raise ValueError(f"{TF_CONFIG} is not valid JSON ({err.msg}); fix or unset it.") from None
    jobs = spec.get("cluster") if isinstance(spec, dict) else None
    task = spec.get("task", {}) if isinstance(spec, dict) else None
    if not isinstance(jobs, dict) or not isinstance(task, dict):
        raise ValueError(f'{TF_CONFIG} needs "cluster" and "task" objects, e.g. '
                         '{"cluster": {"worker": ["h1:2222", "h2:2222"]}, '
                         '"task": {"type": "worker", "index": 0}}.')  # fmt: skip
    other = sorted(set(jobs) - set(TASK_TYPES))
    if other:
        raise ValueError(f"{TF_CONFIG} has {other} jobs; MultiWorkerMirroredStrategy, "
                         "which cyclegan trains with, takes only chief and worker.")  # fmt: skip
    tasks = {}
    for job in TASK_TYPES:
        addresses = jobs.get(job, [])
        if not isinstance(addresses, list):
            raise ValueError(f"{TF_CONFIG}: cluster.{job} must be a list of host:port.")
        tasks[job] = tuple(_check_address(a, f"{TF_CONFIG} cluster.{job}") for a in addresses)
    if len(tasks["chief"]) > 1:
        raise ValueError(f"{TF_CONFIG} lists {len(tasks['chief'])} chiefs; there can be one.")
    everyone = tasks["chief"] + tasks["worker"]
    if len(set(everyone)) != len(everyone):
        raise ValueError(f"{TF_CONFIG} lists an address twice; give each task its own port.")
    if len(everyone) < 2:
        return None
    task_type, index = task.get("type"), task.get("index", 0)
    if task_type not in TASK_TYPES or not tasks[task_type]:
        raise ValueError(f'{TF_CONFIG}: task.type must be one of the cluster\'s jobs '
                         f'{[j for j in TASK_TYPES if tasks[j]]}, got {task_type!r}.')  # fmt: skip
    if isinstance(index, bool) or not isinstance(index, int):
        raise ValueError(f"{TF_CONFIG}: task.index must be an integer, got {index!r}.")
    if not 0 <= index < len(tasks[task_type]):
        raise ValueError(f"{TF_CONFIG}: task.index {index} is not in cluster.{task_type} "
                         f"(0 to {len(tasks[task_type]) - 1}).")  # fmt: skip
    return Cluster(tasks["chief"][0] if tasks["chief"] else None, tasks["worker"], task_type,
                   index)  # fmt: skip


def set_tf_config(
    workers: str | None, worker_index: int | None, environ: MutableMapping[str, str] = os.environ
) -> None:
    """Write ``TF_CONFIG`` for ``--workers`` and ``--worker-index`` (no flags: leave it).

    The flags win over a ``TF_CONFIG`` already set.

    Args:
        workers: comma-separated ``host:port`` of every worker, the same on every worker.
        worker_index: this machine's position in ``workers`` (0 is the chief).
        environ: where to write it (the process environment).

    Raises:
        ValueError: in one line, for one flag without the other, an address that is
            not ``host:port``, a repeated address or an index outside the list.
    """
    if workers is None:
        if worker_index is not None:
            raise ValueError("--worker-index needs --workers, the host:port of every worker "
                             "(comma-separated, the same list on every machine).")  # fmt: skip
        return
    addresses = [_check_address(a.strip(), "--workers") for a in workers.split(",") if a.strip()]
    if not addresses:
        raise ValueError("--workers is empty; give host:port of every worker, comma-separated.")
    if len(set(addresses)) != len(addresses):
        raise ValueError("--workers lists an address twice; give each worker its own port.")
    if worker_index is None:
        raise ValueError("--workers needs --worker-index, this machine's position in the list "
                         "(0 is the chief, which writes the run folder).")  # fmt: skip
    if not 0 <= worker_index < len(addresses):
        raise ValueError(f"--worker-index must be in [0, {len(addresses)}) for "
                         f"{len(addresses)} workers, got {worker_index}.")  # fmt: skip
    config = {"cluster": {"worker": addresses}, "task": {"type": "worker", "index": worker_index}}
    environ[TF_CONFIG] = json.dumps(config)


def current_cluster(environ: MutableMapping[str, str] = os.environ) -> Cluster | None:
    """The cluster of this process's ``TF_CONFIG`` (see :func:`cluster_from_tf_config`)."""
    return cluster_from_tf_config(environ.get(TF_CONFIG))


def make_strategy(cluster: Cluster):
    """``MultiWorkerMirroredStrategy`` over ``cluster``; it waits until every task is up.

    TensorFlow allows collective operations to be configured only before its first
    operation runs, so call this before building any tensor or dataset.

    Raises:
        ValueError: when TensorFlow has run an operation already.
    """
    import tensorflow as tf

    # AUTO: ring all-reduce between CPUs, NCCL where every replica is a GPU.
    options = tf.distribute.experimental.CommunicationOptions(
        implementation=tf.distribute.experimental.CommunicationImplementation.AUTO
    )
    try:
        strategy = tf.distribute.MultiWorkerMirroredStrategy(communication_options=options)
    except RuntimeError as err:
        if "program startup" not in str(err):
            raise
        raise ValueError("a multi-worker run must build its strategy before any TensorFlow "
                         "operation; start it in a fresh process.") from None  # fmt: skip
    resolver = strategy.cluster_resolver
    if (resolver.task_type, resolver.task_id) != (cluster.task_type, cluster.index):
        raise ValueError(f"TensorFlow sees task {resolver.task_type}:{resolver.task_id} but "
                         f"{TF_CONFIG} says {cluster.task_type}:{cluster.index}.")  # fmt: skip
    return strategy


def gather_ints(strategy, value: int) -> list[int]:
    """``value`` of every replica of the cluster (a collective: every worker must call it)."""
    import tensorflow as tf

    local = strategy.experimental_distribute_values_from_function(
        lambda _: tf.constant([value], tf.int64)
    )
    return [int(v) for v in strategy.gather(local, axis=0).numpy()]


def collective_errors() -> tuple[type[Exception], ...]:
    """The TensorFlow errors a collective raises when a member is gone or aborted."""
    import tensorflow as tf

    # Unavailable: a peer is unreachable (dead); FailedPrecondition: it restarted;
    # Cancelled/Aborted: the collectives were aborted after a failure seen elsewhere.
    return (tf.errors.UnavailableError, tf.errors.CancelledError,
            tf.errors.DeadlineExceededError, tf.errors.AbortedError,
            tf.errors.FailedPreconditionError)  # fmt: skip


def worker_lost(error: Exception, cluster: Cluster, resume_after: int) -> WorkerLostError:
    """The one-line error of a run whose collectives failed because a task went away.

    Args:
        error: the TensorFlow error (its text names the peer that failed, when known).
        cluster: the cluster of this process.
        resume_after: the epoch of the run folder's newest checkpoint (0: none yet).

    Returns:
        A :class:`WorkerLostError` whose message names the lost task, e.g. ``"worker 1
        lost (UnavailableError); restart all workers with the same command to resume
        after epoch 3."``
    """
    text = str(error)
    tasks = [("chief", 0, cluster.chief)] if cluster.chief else []
    tasks += [("worker", i, address) for i, address in enumerate(cluster.workers)]
    others = [t for t in tasks if t[:2] != (cluster.task_type, cluster.index)]
    found = re.findall(r"/job:(chief|worker)/replica:\d+/task:(\d+)", text)
    named = {(job, int(i)) for job, i in found}
    # The peer TensorFlow names, else the peer whose address is in the message.
    lost = [t for t in others if t[:2] in named] or [t for t in others if t[2] in text]
    who = cluster.name(*lost[0][:2]) if lost else "a worker"
    then = f"to resume after epoch {resume_after}" if resume_after else "to start again"
    return WorkerLostError(f"{who} lost ({type(error).__name__}); restart all workers with the "
                           f"same command {then}.")  # fmt: skip


def add_cluster_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--workers`` and ``--worker-index`` to the ``cyclegan train`` parser."""
    group = parser.add_argument_group(
        "several machines", "train on several workers (MultiWorkerMirroredStrategy); "
        f"without these flags the cluster comes from {TF_CONFIG} if it is set",
    )  # fmt: skip
    group.add_argument("--workers", metavar="HOST:PORT,...", default=None,
                       help="host:port of every worker, the same list everywhere")  # fmt: skip
    group.add_argument("--worker-index", type=int, metavar="I", default=None,
                       help="this machine's position in --workers (0: the chief, which "
                            "writes the run folder)")  # fmt: skip
