"""Running a notebook in a sandboxed kernel, cell by cell, under the limits.

nbclient sends the cells; this module adds what grading hostile notebooks needs:

* per-cell and per-notebook wall clocks: a cell past its time is interrupted; a kernel
  that does not answer a few seconds after the interrupt is killed;
* an output budget: once a notebook has printed ``output_bytes``, further printed and
  displayed output is left out of the graded notebook (a note marks the cut) and the
  notebook runs on, so a loud but honest notebook keeps its marks; errors and the
  results the checks send still arrive (a bounded number of them), and the wall clocks
  still stop a cell that prints forever;
* a kernel that dies (``os._exit``, a crash, the memory limit) ends the run instead of
  aborting it: the cells that finished keep their outputs and the reason is recorded;
* a callback after each cell, so test cells can be scored at once, before anything
  that runs later can touch their outputs.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError
from nbformat import NotebookNode

from autograde.kernel import results
from autograde.sandbox.kernel_box import KernelSandbox
from autograde.sandbox.limits import Limits, format_size

#: Seconds a kernel gets to answer after an interrupt before it is killed.
GRACE_SECONDS = 5.0
_POLL = 0.05


def _output_size(msg: dict) -> int:
    content = msg.get("content", {})
    size = len(content.get("text", "")) + len(content.get("evalue", ""))
    size += sum(len(line) for line in content.get("traceback", []) or [])
    for value in (content.get("data") or {}).values():
        size += len(value) if isinstance(value, str) else len(repr(value))
    return size


#: Messages past the output budget that still get through: errors and check results.
MAX_ESSENTIAL_AFTER_CUT = 256
#: Largest such message kept (a result of a million float32 values is about 5.3 MB).
MAX_ESSENTIAL_BYTES = 8 * 1024 * 1024


def _essential(msg: dict) -> bool:
    """Errors and the checks' results: what grading needs even from a loud notebook."""
    msg_type = msg.get("header", {}).get("msg_type") or msg.get("msg_type")
    data = msg.get("content", {}).get("data") or {}
    return msg_type == "error" or (msg_type == "display_data" and results.MIME in data)


class _Client(NotebookClient):
    """nbclient with an output budget and a flag for cells that timed out."""

    def __init__(self, *args: Any, output_limit: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.output_limit = output_limit
        self.output_used = 0
        self.output_exceeded = False
        self.cut_cell: int | None = None
        self.essential_after_cut = 0
        self.timed_out = False

    def output(self, outs, msg, display_id, cell_index):
        size = _output_size(msg)
        if not self.output_exceeded and self.output_used + size <= self.output_limit:
            self.output_used += size
            return super().output(outs, msg, display_id, cell_index)
        if not self.output_exceeded:
            self.output_exceeded, self.cut_cell = True, cell_index
            outs.append(NotebookNode(output_type="stream", name="stderr", text=(
                f"[output cut here: the notebook printed more than "
                f"{format_size(self.output_limit)}; the grader kept running it]\n")))
        if (_essential(msg) and size <= MAX_ESSENTIAL_BYTES
                and self.essential_after_cut < MAX_ESSENTIAL_AFTER_CUT):
            self.essential_after_cut += 1
            return super().output(outs, msg, display_id, cell_index)
        return None

    async def _async_handle_timeout(self, timeout: int, cell: NotebookNode | None = None):
        self.timed_out = True
        return await super()._async_handle_timeout(timeout, cell)


@dataclass
class Run:
    """What happened while a notebook ran.

    Attributes:
        notebook: the notebook with outputs (changed in place).
        stopped: why the run ended early, or empty when every cell ran.
        stopped_at: index of the first cell that did not finish, or ``None``.
        notes: other limits that were hit (an interrupted cell, refused processes).
        kernel_seconds: time to start the kernel.
        cell_seconds: time spent running cells (the student's own compute).
    """

    notebook: NotebookNode
    stopped: str = ""
    stopped_at: int | None = None
    notes: list[str] = field(default_factory=list)
    kernel_seconds: float = 0.0
    cell_seconds: float = 0.0


def _error_output(name: str, value: str) -> NotebookNode:
    return NotebookNode(output_type="error", ename=name, evalue=value,
                        traceback=[f"{name}: {value}"])


def _why_dead(box: KernelSandbox, limits: Limits) -> str:
    status = box.exit_status()
    if (box.cgroup is not None and box.cgroup.memory_killed()) or \
            status.get("watchdog") == "memory":
        return f"the kernel ran out of memory (limit {format_size(limits.memory_bytes)})"
    if status.get("watchdog") == "tasks":
        return f"the kernel started more than {limits.max_tasks} processes and threads"
    code = status.get("exit")
    if code is None:
        return "the kernel died"
    if code < 0:
        with contextlib.suppress(ValueError):
            sig = signal.Signals(-code)
            if sig == signal.SIGXCPU:
                return "the kernel used up its CPU time"
            return f"the kernel crashed ({sig.name}: {signal.strsignal(sig)})"
        return f"the kernel was killed by signal {-code}"
    return f"the kernel exited (exit code {code}, e.g. sys.exit or os._exit)"


async def _answers(client: _Client, seconds: float) -> bool:
    """True when the kernel runs an empty request within ``seconds``."""
    msg_id = client.kc.execute("", silent=True, store_history=False)
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        try:
            reply = await client.kc.get_shell_msg(timeout=left)
        except Exception:  # queue.Empty, or the channel closed under a dead kernel
            return False
        if reply.get("parent_header", {}).get("msg_id") == msg_id:
            return True
    return False


async def _kill(client: _Client, box: KernelSandbox) -> None:
    provisioner = getattr(client.km, "provisioner", None)
    box.kill_everything(getattr(provisioner, "pid", None))
    with contextlib.suppress(Exception):
        await asyncio.wait_for(client.km.kill_kernel(), 5)


async def _run_cell(client: _Client, box: KernelSandbox, cell: NotebookNode, index: int,
                    count: int, budget: float) -> str:
    """Run one cell; return ``""``, ``"hung"`` or ``"dead"``."""
    task = asyncio.ensure_future(client.async_execute_cell(cell, index, execution_count=count))
    deadline = time.monotonic() + budget + GRACE_SECONDS
    outcome = ""
    while not task.done():
        await asyncio.wait({task}, timeout=_POLL)
        if outcome:
            continue
        if time.monotonic() > deadline:
            outcome = "hung"
        if outcome:
            await _kill(client, box)
            deadline = time.monotonic() + GRACE_SECONDS
            # nbclient notices a dead kernel within a second; do not wait on it longer.
            done, _ = await asyncio.wait({task}, timeout=GRACE_SECONDS)
            if not done:
                task.cancel()
    try:
        task.result()
    except (DeadKernelError, asyncio.CancelledError):
        return outcome or "dead"
    except Exception:  # a kernel stopped by us may leave nbclient mid-message
        if outcome:
            return outcome
        raise
    return outcome


async def run_notebook(nb: NotebookNode, box: KernelSandbox, limits: Limits,
                       env: dict[str, str],
                       after_cell: Callable[[int, NotebookNode], None] | None = None) -> Run:
    """Execute ``nb`` in a kernel launched through ``box``.

    Args:
        nb: the notebook, changed in place (outputs, execution counts).
        box: the kernel's sandbox.
        limits: wall clocks and output budget.
        env: extra environment variables for the kernel.
        after_cell: called with ``(index, cell)`` after each code cell that ran.

    Returns:
        A :class:`Run` describing how far it got and why it stopped.
    """
    run = Run(nb)
    client = _Client(
        nb, km=box.kernel_manager(), output_limit=limits.output_bytes,
        timeout=int(limits.cell_seconds), startup_timeout=int(limits.startup_seconds),
        interrupt_on_timeout=True, allow_errors=True, record_timing=False,
        error_on_timeout={"ename": "CellTimeoutError", "evalue": "", "traceback": []},
        iopub_timeout=4, raise_on_iopub_timeout=False, kernel_name="python3",
        extra_arguments=["--HistoryManager.hist_file=:memory:",
                         "--IPKernelApp.log_level=ERROR"])
    started = time.monotonic()
    deadline = started + limits.notebook_seconds
    try:
        try:
            await client.async_start_new_kernel(env=box.environment(env), cwd=str(box.run_dir))
            await client.async_start_new_kernel_client()
        except Exception as error:  # any failure to start is the reason
            run.stopped = f"the kernel did not start ({type(error).__name__})"
            run.stopped_at = 0
            return run
        box.seal()
        run.kernel_seconds = time.monotonic() - started
        await _run_cells(client, box, limits, run, deadline, after_cell)
    finally:
        await _kill(client, box)
        if client.kc is not None:
            with contextlib.suppress(Exception):
                client.kc.stop_channels()
        with contextlib.suppress(Exception):
            await client.km.cleanup_resources()
    if client.output_exceeded:
        run.notes.append(f"the notebook printed more than {format_size(limits.output_bytes)}; "
                         f"output from cell {client.cut_cell + 1} on was left out of the "
                         "graded notebook, and grading went on")
    if box.cgroup is not None and box.cgroup.tasks_refused():
        run.notes.append(f"the notebook hit the limit of {limits.max_tasks} processes and "
                         f"threads ({box.cgroup.tasks_refused()} refused)")
    return run


#: What a cell says when it asked for the student's functions of other lessons while
#: graded (:func:`autograde.kernel.answers.yours`): it and the demonstration cells after
#: it are skipped, since each lesson is graded on its own.
SKIPPED_NOTE = ("Skipped while grading: from here on the lesson runs on your functions from "
                "other lessons, and each lesson is graded on its own.\n")


def _asks_for_other_lessons(cell: NotebookNode) -> bool:
    return any(output.get("output_type") == "error" and output.get("ename") == "MissingAnswer"
               for output in cell.get("outputs", []))


def _graded(cell: NotebookNode) -> bool:
    meta = cell.metadata.get("nbgrader", {})
    return bool(meta.get("grade") or meta.get("solution") or meta.get("locked"))


async def _run_cells(client: _Client, box: KernelSandbox, limits: Limits, run: Run,
                     deadline: float, after_cell: Callable | None) -> None:
    count = 0
    skipping = False
    for index, cell in enumerate(run.notebook.cells):
        if cell.cell_type != "code" or not cell.source.strip():
            continue
        if skipping and not _graded(cell):
            continue
        left = deadline - time.monotonic()
        if left < 1:
            run.stopped = (f"the notebook ran past its time limit "
                           f"({limits.notebook_seconds:g} s)")
            run.stopped_at = index
            return
        budget = min(limits.cell_seconds, left)
        client.timeout, client.timed_out = max(1, int(budget)), False
        count += 1
        began = time.monotonic()
        outcome = await _run_cell(client, box, cell, index, count, budget)
        run.cell_seconds += time.monotonic() - began
        if outcome:
            run.stopped_at = index
            if outcome == "hung":
                run.stopped = f"cell {index + 1} did not stop at its time limit; killed"
            else:
                run.stopped = f"{_why_dead(box, limits)} in cell {index + 1}"
            cell.outputs.append(_error_output("KernelStopped", run.stopped))
            return
        if client.timed_out:
            limit = "the notebook's" if budget < limits.cell_seconds else "its"
            message = f"cell {index + 1} ran past {limit} time limit ({budget:.0f} s)"
            cell.outputs.append(_error_output("CellTimeoutError", message))
            if not await _answers(client, GRACE_SECONDS):
                run.stopped, run.stopped_at = message + "; the kernel did not respond", index
                await _kill(client, box)
                return
            run.notes.append(message + " and was interrupted")
        if not _graded(cell) and _asks_for_other_lessons(cell):
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=SKIPPED_NOTE)]
            skipping = True
        if after_cell is not None:
            after_cell(index, cell)
            client.clear_display_id_mapping(index)
