"""The sandbox around a graded kernel: what the OS offers, checked, then applied.

:func:`detect` decides once per grading run which protections this machine supports
and *verifies* them by starting a tiny probe through the same launcher the kernels use
(:mod:`autograde.sandbox.launcher`): it must come up as the unprivileged user, see no network
interface but loopback, and fail to read every hidden path. The resulting
:class:`Policy` names the protections that are really active.

:class:`KernelSandbox` applies a policy to one notebook: a private run folder for the
kernel's sockets, a working folder, a cgroup (memory and task limits), resource limits
and the launch plan; :class:`SandboxKernelManager` starts the kernel through the
launcher, talking to it over Unix sockets (``ipc`` transport) because a kernel in its
own network namespace cannot reach the grader's loopback.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from jupyter_client.manager import AsyncKernelManager
from traitlets import Unicode

from autograde.sandbox.cgroups import KernelCgroup
from autograde.sandbox.limits import Limits, format_size
from autograde.sandbox.plan import LaunchPlan

#: The autograde package, whose generated sources and samples a kernel must not read.
PACKAGE_DIR = Path(__file__).resolve().parent.parent
PRIVATE_DIRS = ("/tmp", "/var/tmp", "/dev/shm")
_UID_BASE = 1_000_000
#: The packages a grading edition replaces (see autograde.build.edition.PACKAGES).
EDITION_PACKAGES = ("nst_utils", "cyclegan", "autograde")
_KERNEL_ENV_PREFIXES = ("CUDA_", "NVIDIA_", "TF_", "XLA_", "OMP_", "KMP_", "MKL_",
                        "KERAS_BACKEND", "LD_LIBRARY_PATH", "PYTHONPATH", "LANG", "LC_")
_PROBE = """
import json, os, socket, sys
def readable(path):
    try:
        os.listdir(path) if os.path.isdir(path) else open(path, "rb").read(1)
        return True
    except OSError:
        return False
def stubbed():
    import importlib.util
    try:
        with open(importlib.util.find_spec("nst_utils.costs").origin) as handle:
            return "is a stub in the student edition" in handle.read()
    except Exception:
        return False
names = [name for _, name in socket.if_nameindex()]
print(json.dumps({"uid": os.getuid(), "interfaces": names, "stubbed": stubbed(),
                  "exposed": [p for p in json.loads(sys.argv[1]) if readable(p)]}))
"""


@dataclass(frozen=True)
class Policy:
    """Which protections a kernel gets on this machine.

    Attributes:
        namespaces: own mount, network, PID, IPC and UTS namespaces.
        drop_user: run the kernel as an unprivileged user of its own.
        cgroup: ``"cgroup v1"``/``"cgroup v2"`` for memory and task limits, or ``None``
            (a polling watchdog then enforces them).
        hide: absolute paths the kernel must not read.
        notes: why a stronger protection is unavailable, for the report.
        edition: folder of the grading edition (:mod:`autograde.build.edition`) that
            kernels import instead of the real packages, or ``None``.
    """

    namespaces: bool = False
    drop_user: bool = False
    cgroup: str | None = None
    hide: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    expose: dict[str, list[str]] = field(default_factory=dict)
    edition: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Policy:
        return cls(**{**data, "hide": tuple(data["hide"]), "notes": tuple(data["notes"])})

    def describe(self, limits: Limits) -> list[str]:
        """The active protections, one short phrase each."""
        limiter = self.cgroup or "watchdog"
        lines = ["private working folder, minimal environment"]
        if self.namespaces:
            lines += [("network on (allowed by the limits)" if limits.network
                       else "no network (own network namespace)"),
                      f"sources, solutions, gradebook and submissions hidden "
                      f"({len(self.hide)} paths masked; private /tmp)",
                      "own PID namespace (nothing outlives the kernel)"]
        else:
            lines += ["network NOT isolated", "files NOT hidden from the kernel"]
        if self.edition:
            lines.append("graded functions are stubs in the kernel (grading edition "
                         + ("mounted over the packages)" if self.namespaces
                            else "first on the import path; files NOT hidden)"))
        lines.append("unprivileged user per kernel" if self.drop_user
                     else "kernel runs as the grader's user")
        lines += [f"memory {format_size(limits.memory_bytes)} ({limiter})",
                  f"{limits.max_tasks} processes+threads ({limiter})",
                  f"wall clock {limits.cell_seconds:g} s per cell, "
                  f"{limits.notebook_seconds:g} s per notebook",
                  f"output {format_size(limits.output_bytes)}",
                  f"files {format_size(limits.file_bytes)} each, CPU time capped (rlimits)"]
        return lines + list(self.notes)


def _keep_paths() -> list[Path]:
    """Folders the kernel needs: the import path and the course's own packages."""
    keep = [Path(p).resolve() for p in sys.path if p and Path(p).is_dir()]
    keep += [Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve()]
    for package in ("autograde", "nst_utils", "cyclegan"):
        with contextlib.suppress(ImportError, ValueError):
            spec = importlib.util.find_spec(package)
            if spec is not None and spec.submodule_search_locations:
                keep += [Path(p).resolve() for p in spec.submodule_search_locations]
    return keep


def reachable_plan() -> dict[str, list[str]]:
    """Folders the kernel needs behind a folder others cannot enter, grouped by it.

    A Python installed under ``/root`` (pyenv, conda) is unreachable for the kernel's
    unprivileged user; the launcher then swaps that folder for one that leads only to
    the interpreter and the packages (see ``launcher._expose``).
    """
    needed = {Path(os.path.realpath(sys.executable)).parent.parent, *_keep_paths()}
    plan: dict[str, set[str]] = {}
    for path in needed:
        for ancestor in reversed(path.parents[:-1]):  # from the top down, "/" excluded
            with contextlib.suppress(OSError):
                if not ancestor.stat().st_mode & stat.S_IXOTH:
                    plan.setdefault(str(ancestor), set()).add(str(path))
                    break
    return {closed: sorted(p for p in paths if not any(q != p and p.startswith(q + "/")
                                                        for q in paths))
            for closed, paths in plan.items()}


def _maskable(path: Path, keep: list[Path]) -> list[Path]:
    """``path``, or its contents minus what the kernel needs when it holds such a folder."""
    if not any(k == path or path in k.parents for k in keep):
        return [path]
    if not path.is_dir():
        return []
    found: list[Path] = []
    for child in sorted(path.iterdir()):
        found += _maskable(child.resolve(), keep) if not child.is_symlink() else [child]
    return found


def secret_paths(extra: list[Path] = ()) -> tuple[str, ...]:
    """Everything a student must not read: grading sources, samples, the repository's
    solutions, tests and history, plus ``extra`` (course, output and submissions).

    A path that contains something the kernel must import (e.g. an output folder
    that holds the virtual environment) is replaced by its other contents.
    """
    candidates = [PACKAGE_DIR / "sources", PACKAGE_DIR / "samples"]
    repo = PACKAGE_DIR.parent
    if (repo / "solutions").is_dir():
        candidates += [repo / "solutions", repo / "tests", repo / ".git"]
    candidates += [Path(p) for p in extra]
    keep = _keep_paths()
    masked: list[str] = []
    for candidate in candidates:
        if candidate.exists():
            for path in _maskable(candidate.resolve(), keep):
                if str(path) not in masked:
                    masked.append(str(path))
    return tuple(masked)


class SandboxKernelManager(AsyncKernelManager):
    """Starts ``ipykernel`` through the launcher; stdout and stderr go to /dev/null."""

    plan_file = Unicode("", help="launch plan written by KernelSandbox").tag(config=False)

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        # The kernel spec on the machine is ignored on purpose: the grader's own Python
        # with ipykernel is the only kernel a lesson is graded with.
        kernel = [sys.executable, "-m", "ipykernel_launcher", "-f",
                  os.path.realpath(self.connection_file), *(extra_arguments or [])]
        return [sys.executable, "-m", "autograde.sandbox.launcher", self.plan_file, "--", *kernel]

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
        kw["stdout"] = kw["stderr"] = subprocess.DEVNULL
        kw["stdin"] = subprocess.DEVNULL
        await super()._async_launch_kernel(kernel_cmd, **kw)


@dataclass
class KernelSandbox:
    """Folders, cgroup and launch plan for one kernel. Use as a context manager.

    Attributes:
        policy: the protections to apply.
        limits: the resource limits.
        run_dir: host folder for the connection file, sockets, plan and exit status.
        work_dir: the kernel's working folder and home (inside the private ``/tmp``
            when namespaces are on).
        cgroup: the kernel's cgroup, if the policy has one.
    """

    policy: Policy
    limits: Limits
    run_dir: Path = field(init=False)
    work_dir: Path = field(init=False)
    cgroup: KernelCgroup | None = field(init=False, default=None)
    uid: int | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self.run_dir = Path(tempfile.mkdtemp(prefix="autograde-kernel-"))
        self.work_dir = Path(tempfile.mkdtemp(prefix="autograde-work-"))
        if self.policy.cgroup:
            self.cgroup = KernelCgroup.create(self.limits.memory_bytes, self.limits.max_tasks)
        if self.policy.drop_user:
            self.uid = _UID_BASE + os.getpid()
        watch = self.cgroup is None
        rlimits = {"RLIMIT_CORE": 0, "RLIMIT_FSIZE": self.limits.file_bytes,
                   # CPU time is a backstop behind the wall clock: TensorFlow may keep
                   # every core busy, so allow all of them for the whole notebook.
                   "RLIMIT_CPU": int(self.limits.notebook_seconds * (os.cpu_count() or 1)) + 60}
        if self.uid is not None and watch:
            rlimits["RLIMIT_NPROC"] = self.limits.max_tasks  # counts this uid only
        LaunchPlan(
            namespaces=self.policy.namespaces, network=self.limits.network,
            hide=list(self.policy.hide), private=list(PRIVATE_DIRS),
            keep=[str(p) for p in _keep_paths()],
            expose=self.policy.expose if self.policy.namespaces else {},
            overlay=self._overlay(),
            disk_bytes=self.limits.disk_bytes, run_dir=str(self.run_dir),
            work_dir=str(self.work_dir), uid=self.uid,
            cgroups=self.cgroup.procs_files if self.cgroup else [],
            rlimits=rlimits,
            watchdog_memory=self.limits.memory_bytes if watch else None,
            watchdog_tasks=self.limits.max_tasks if watch else None,
            status_file=str(self.status_file),
        ).write(self.plan_file)  # owner-only: it names the hidden paths

    def _overlay(self) -> dict[str, str]:
        """Real package folder -> the grading edition's copy, for the launcher to mount."""
        if not (self.policy.edition and self.policy.namespaces):
            return {}
        overlay = {}
        for package in EDITION_PACKAGES:
            spec = importlib.util.find_spec(package)
            for folder in (spec.submodule_search_locations or []) if spec else []:
                overlay[str(Path(folder).resolve())] = str(Path(self.policy.edition) / package)
        return overlay

    @property
    def plan_file(self) -> Path:
        return self.run_dir / "plan.json"

    @property
    def status_file(self) -> Path:
        return self.run_dir / "status.json"

    def kernel_manager(self) -> SandboxKernelManager:
        """A kernel manager that launches through the sandbox over ``ipc`` sockets."""
        return SandboxKernelManager(
            transport="ipc", ip=str(self.run_dir / "kernel"), plan_file=str(self.plan_file),
            connection_file=str(self.run_dir / "connection.json"))

    def environment(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        """The kernel's environment: nothing from the grader but what TF and Python need."""
        env = {key: value for key, value in os.environ.items()
               if key.startswith(_KERNEL_ENV_PREFIXES)}
        home = str(self.work_dir)
        env.update({"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": home,
                    "TMPDIR": home, "IPYTHONDIR": f"{home}/.ipython",
                    "MPLCONFIGDIR": f"{home}/.matplotlib", "PYTHONDONTWRITEBYTECODE": "1",
                    "PYTHONNOUSERSITE": "1"})
        if self.policy.edition and not self.policy.namespaces:
            # No mount namespace to cover the real packages: put the edition first.
            env["PYTHONPATH"] = os.pathsep.join(
                p for p in (self.policy.edition, env.get("PYTHONPATH")) if p)
        env.update(extra or {})
        return env

    def seal(self) -> None:
        """Take the run folder back from the kernel once its sockets exist."""
        if self.uid is not None:
            os.chown(self.run_dir, os.getuid(), os.getgid())
            os.chmod(self.run_dir, 0o755)

    def exit_status(self) -> dict[str, Any]:
        """What the launcher's init saw: ``{"exit": code or -signal, "watchdog": ...}``."""
        try:
            return json.loads(self.status_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}

    def kill_everything(self, launcher_pid: int | None = None) -> None:
        """Stop the kernel and every process it started.

        The kernel goes first, so the launcher's init sees it end, records how, and
        exits in order (its PID namespace, or as a subreaper itself, taking the rest
        down); the cgroup is the backstop for anything that escaped.

        Args:
            launcher_pid: the launcher process, if known.
        """
        if launcher_pid is not None:
            self._stop_below_init(launcher_pid)
        if self.cgroup is not None:
            self.cgroup.kill_all()
        elif not self.policy.namespaces:
            self._stop_through_init()

    @staticmethod
    def _stop_below_init(launcher_pid: int) -> None:
        import psutil

        try:
            launcher = psutil.Process(launcher_pid)
            below = [p for init in launcher.children() for p in init.children(recursive=True)]
        except psutil.Error:
            return
        for proc in below:
            with contextlib.suppress(psutil.Error):
                proc.kill()
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                if launcher.status() == psutil.STATUS_ZOMBIE:
                    return  # the kernel manager reaps it
            except psutil.Error:
                return
            time.sleep(0.02)

    def _stop_through_init(self) -> None:
        """Kill only the kernel and let the launcher's init (a subreaper) take down
        whatever it started; killing the init first would orphan those processes."""
        try:
            init, kernel = map(int, Path(f"{self.status_file}.pid").read_text().split())
        except (OSError, ValueError):
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(kernel, signal.SIGKILL)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                os.kill(init, 0)
            except (ProcessLookupError, PermissionError):
                return
            time.sleep(0.02)

    def close(self) -> None:
        """Kill what is left, remove the cgroup and the folders."""
        if self.cgroup is not None:
            self.cgroup.remove()
        for folder in (self.run_dir, self.work_dir):
            shutil.rmtree(folder, ignore_errors=True)

    def __enter__(self) -> KernelSandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _probe(policy: Policy, limits: Limits) -> str:
    """Run the probe under ``policy``; return an empty string or what went wrong."""
    with KernelSandbox(policy, limits) as box:
        command = [sys.executable, "-m", "autograde.sandbox.launcher", str(box.plan_file), "--",
                   sys.executable, "-c", _PROBE, json.dumps(list(policy.hide))]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=60,
                                  env=box.environment(), cwd=box.run_dir,
                                  start_new_session=True)
        except (OSError, subprocess.TimeoutExpired) as error:
            return f"probe failed: {error}"
        if done.returncode != 0:
            last = (done.stderr.strip().splitlines() or [f"exit code {done.returncode}"])[-1]
            return last.removeprefix("autograde launcher: ")
        try:
            facts = json.loads(done.stdout.strip().splitlines()[-1])
        except (ValueError, IndexError):
            return "probe printed nothing"
    if policy.drop_user and facts["uid"] != box.uid:
        return f"kernel ran as uid {facts['uid']}, not {box.uid}"
    if policy.namespaces and not limits.network and set(facts["interfaces"]) - {"lo"}:
        return f"network interfaces visible: {facts['interfaces']}"
    if policy.namespaces and facts["exposed"]:
        return f"hidden paths still readable: {facts['exposed'][:3]}"
    if policy.edition and not facts["stubbed"]:
        return "the kernel still imports the real packages, not the grading edition"
    return ""


def detect(limits: Limits, hide: tuple[str, ...] = (), edition: str | None = None) -> Policy:
    """The strongest policy that works here, verified by running a probe under it.

    Args:
        limits: the kernels' limits.
        hide: paths kernels must not read.
        edition: the grading edition kernels import instead of the real packages; the
            probe checks that it is what they find.
    """
    if not sys.platform.startswith("linux"):
        return Policy(edition=edition,
                      notes=("sandbox needs Linux: only time and output limits apply",))
    notes: list[str] = []
    cgroup = KernelCgroup.create(limits.memory_bytes, limits.max_tasks)
    kind = cgroup.kind if cgroup else None
    if cgroup is not None:
        cgroup.remove()
    else:
        notes.append("no writable cgroup: memory and tasks are watched by polling")
    candidates = [Policy(False, False, kind, hide, edition=edition)]
    if os.geteuid() == 0:
        expose = reachable_plan()
        candidates[:0] = [Policy(True, True, kind, hide, expose=expose, edition=edition),
                          Policy(False, True, kind, hide, edition=edition)]
    else:
        notes.append("not root: no namespaces or separate user (run the grader as root, "
                     "e.g. in a container, for full isolation)")
    for policy in candidates:
        problem = _probe(policy, limits)
        if not problem:
            return replace(policy, notes=tuple(notes))
        notes.append(f"{_name(policy)} unavailable: {problem}")
    return Policy(hide=hide, notes=tuple(notes), edition=edition)


def _name(policy: Policy) -> str:
    if policy.namespaces:
        return "namespaces"
    return "separate user" if policy.drop_user else "plain launch"
