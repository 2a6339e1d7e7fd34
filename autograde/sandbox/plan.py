"""The launch plan: what the grader asks the sandbox launcher to build for one kernel.

The grader's process writes it (:class:`autograde.sandbox.kernel_box.KernelSandbox`) and the
launcher, a separate process started before the kernel, reads it
(:mod:`autograde.sandbox.launcher`). It travels as a JSON file readable by root only. This
module imports nothing but the standard library, so the launcher stays light.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path


class PlanError(ValueError):
    """A launch plan file that is not one this version writes."""


@dataclass(frozen=True)
class LaunchPlan:
    """Every step the launcher takes, and only those.

    Attributes:
        namespaces: leave the host's mount, network, PID, IPC and UTS namespaces.
        network: keep the network (only without namespaces or when allowed).
        hide: paths covered by empty read-only folders (sources, solutions, ...).
        private: folders replaced by fresh tmpfs mounts (``/tmp``, ``/dev/shm``, ...).
        keep: paths under ``private`` that must stay visible (a venv inside /tmp).
        expose: for each closed folder, the paths inside it bound back.
        overlay: folders bound over others, target -> source: the grading edition's
            packages over the real ones, so a kernel finds only stubs of the answers.
        disk_bytes: size of each private tmpfs.
        run_dir: host folder of the connection file, sockets and status.
        work_dir: the kernel's working folder and home.
        uid: unprivileged user id for the kernel, or None to keep the grader's.
        cgroups: ``cgroup.procs`` files the launcher joins.
        rlimits: ``RLIMIT_*`` name to value, set in the kernel process.
        watchdog_memory: bytes above which a watchdog kills the kernel (no cgroup).
        watchdog_tasks: process count above which the watchdog kills it.
        status_file: where the init writes the kernel's exit status and CPU time.
    """

    namespaces: bool
    network: bool
    run_dir: str
    work_dir: str
    status_file: str
    disk_bytes: int
    hide: list[str] = field(default_factory=list)
    private: list[str] = field(default_factory=list)
    keep: list[str] = field(default_factory=list)
    expose: dict[str, list[str]] = field(default_factory=dict)
    overlay: dict[str, str] = field(default_factory=dict)
    uid: int | None = None
    cgroups: list[str] = field(default_factory=list)
    rlimits: dict[str, int] = field(default_factory=dict)
    watchdog_memory: int | None = None
    watchdog_tasks: int | None = None

    def to_json(self) -> str:
        """The plan as a JSON object."""
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> LaunchPlan:
        """Read a plan written by :meth:`to_json`.

        Raises:
            PlanError: when the text is not such a plan (unknown or missing fields).
        """
        try:
            data = json.loads(text)
        except ValueError as error:
            raise PlanError(f"the launch plan is not JSON: {error}") from None
        if not isinstance(data, dict):
            raise PlanError("the launch plan is not a JSON object.")
        unknown = sorted(set(data) - {f.name for f in fields(cls)})
        if unknown:
            raise PlanError(f"the launch plan has unknown fields: {unknown}")
        try:
            return cls(**data)
        except TypeError as error:
            raise PlanError(f"the launch plan is incomplete: {error}") from None

    def write(self, path: Path) -> None:
        """Write the plan to ``path``, readable by its owner only (it names hidden paths)."""
        path = Path(path)
        path.write_text(self.to_json(), encoding="utf-8")
        path.chmod(0o600)

    @classmethod
    def read(cls, path: Path) -> LaunchPlan:
        """Read a plan file written by :meth:`write`."""
        return cls.from_json(Path(path).read_text(encoding="utf-8"))
