"""Memory and task limits for one kernel through Linux control groups (v1 or v2).

A kernel's cgroup is created as a child of the grader's own cgroup, so it nests under
whatever limits the machine already applies, and it is removed when the notebook is
done. The cgroup also names every process the kernel started, which is how the grader
makes sure none is left behind. Where no writable hierarchy exists (not root, or no
delegation), :meth:`KernelCgroup.create` returns ``None`` and the sandbox falls back
to a watchdog.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import signal
import time
from pathlib import Path

_counter = itertools.count()


def _mounts() -> list[tuple[str, str, set[str]]]:
    """``(mount point, filesystem type, super options)`` of every cgroup mount."""
    found = []
    with contextlib.suppress(OSError), open("/proc/self/mountinfo", encoding="utf-8") as info:
        for line in info:
            before, _, after = line.partition(" - ")
            fields, tail = before.split(), after.split()
            if len(fields) > 4 and len(tail) > 2 and tail[0] in ("cgroup", "cgroup2"):
                found.append((fields[4], tail[0], set(tail[2].split(","))))
    return found


def _own_paths() -> dict[str, str]:
    """This process's cgroup path per v1 controller, and under ``""`` its v2 path."""
    paths = {}
    with contextlib.suppress(OSError), open("/proc/self/cgroup", encoding="utf-8") as lines:
        for line in lines:
            _, controllers, path = line.rstrip("\n").split(":", 2)
            for name in controllers.split(",") if controllers else [""]:
                paths[name] = path
    return paths


def _write(path: Path, value: str) -> None:
    with open(path, "w", encoding="ascii") as handle:
        handle.write(value)


def _counter_in(path: Path, key: str) -> int:
    """The value of ``key`` in a flat-keyed cgroup file such as ``memory.events``."""
    with contextlib.suppress(OSError, ValueError):
        for line in path.read_text(encoding="ascii").splitlines():
            name, _, value = line.partition(" ")
            if name == key:
                return int(value)
    return 0


class KernelCgroup:
    """A memory and task budget shared by a kernel and all its descendants.

    Attributes:
        kind: ``"cgroup v1"`` or ``"cgroup v2"``.
        procs_files: the ``cgroup.procs`` files a process writes its pid into to join.
    """

    def __init__(self, kind: str, memory_dir: Path, tasks_dir: Path) -> None:
        self.kind = kind
        self.memory_dir, self.tasks_dir = memory_dir, tasks_dir
        dirs = dict.fromkeys([memory_dir, tasks_dir])  # one directory on v2
        self.procs_files = [str(d / "cgroup.procs") for d in dirs]

    @classmethod
    def create(cls, memory_bytes: int, max_tasks: int) -> KernelCgroup | None:
        """Create a fresh cgroup with both limits, or return ``None`` when not possible."""
        name = f"autograde-{os.getpid()}-{next(_counter)}"
        own = _own_paths()
        mounts = _mounts()
        v1 = {opt: Path(point) for point, kind, opts in mounts if kind == "cgroup"
              for opt in opts if opt in ("memory", "pids")}
        if "memory" in v1 and "pids" in v1 and "memory" in own and "pids" in own:
            memory_dir = v1["memory"] / own["memory"].lstrip("/") / name
            tasks_dir = v1["pids"] / own["pids"].lstrip("/") / name
            try:
                memory_dir.mkdir()
                tasks_dir.mkdir()
                _write(memory_dir / "memory.limit_in_bytes", str(memory_bytes))
                swap = memory_dir / "memory.memsw.limit_in_bytes"
                with contextlib.suppress(OSError):  # only with swap accounting enabled
                    if swap.exists():
                        _write(swap, str(memory_bytes))
                _write(tasks_dir / "pids.max", str(max_tasks))
                return cls("cgroup v1", memory_dir, tasks_dir)
            except OSError:
                for path in (memory_dir, tasks_dir):
                    with contextlib.suppress(OSError):
                        path.rmdir()
        v2 = next((Path(point) for point, kind, _ in mounts if kind == "cgroup2"), None)
        if v2 is not None and "" in own:
            parent = v2 / own[""].lstrip("/")
            try:
                enabled = (parent / "cgroup.subtree_control").read_text().split()
            except OSError:
                return None
            if not {"memory", "pids"} <= set(enabled):
                return None  # not delegated to us; enabling it could disturb the host
            group = parent / name
            try:
                group.mkdir()
                _write(group / "memory.max", str(memory_bytes))
                with contextlib.suppress(OSError):
                    _write(group / "memory.swap.max", "0")
                _write(group / "pids.max", str(max_tasks))
                return cls("cgroup v2", group, group)
            except OSError:
                with contextlib.suppress(OSError):
                    group.rmdir()
        return None

    def memory_killed(self) -> bool:
        """True when the kernel ran out of memory and the OOM killer stopped a process."""
        if self.kind == "cgroup v2":
            return _counter_in(self.memory_dir / "memory.events", "oom_kill") > 0
        return _counter_in(self.memory_dir / "memory.oom_control", "oom_kill") > 0

    def tasks_refused(self) -> int:
        """How many times a new process or thread was refused by the task limit."""
        return _counter_in(self.tasks_dir / "pids.events", "max")

    def pids(self) -> set[int]:
        """Processes still in the cgroup."""
        found: set[int] = set()
        for procs in self.procs_files:
            with contextlib.suppress(OSError, ValueError):
                found.update(int(p) for p in Path(procs).read_text().split())
        return found

    def kill_all(self, timeout: float = 10.0) -> bool:
        """SIGKILL every process in the cgroup until none is left.

        Returns:
            True when the cgroup is empty.
        """
        deadline = time.monotonic() + timeout
        while True:
            pids = self.pids()
            if not pids:
                return True
            if time.monotonic() > deadline:
                return False
            for pid in pids:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.02)

    def remove(self) -> None:
        """Kill what is left and delete the cgroup directories."""
        self.kill_all()
        for path in dict.fromkeys([self.memory_dir, self.tasks_dir]):
            for _ in range(50):  # the kernel frees a cgroup shortly after its last task
                try:
                    path.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.02)
