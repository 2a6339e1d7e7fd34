"""The first process of a graded kernel: it builds the sandbox, then starts the kernel.

Run as ``python -m autograde.sandbox.launcher PLAN.json -- KERNEL COMMAND...`` (the grader's
kernel manager does this; see :mod:`autograde.sandbox.kernel_box`, which writes the plan). In
order, and each step only when the plan asks for it:

1. join the kernel's cgroup (memory and task limits cover everything started below);
2. leave the host's mount, network, PID, IPC and UTS namespaces: no network interface
   but a loopback that is down, fresh ``/tmp``, ``/var/tmp`` and ``/dev/shm``, and
   empty read-only folders over the paths the student must not read (sources,
   solutions, gradebook, other submissions);
3. fork a small init process (PID 1 of the new namespace, or a child subreaper when
   there are no namespaces) that forks the kernel, waits for it and, when it ends,
   takes every process the notebook started down with it;
4. in the kernel process: resource limits, a private working folder, an unprivileged
   user id, no way to gain privileges, then ``exec`` the kernel.

The launcher and the init ignore SIGINT and SIGTERM: the kernel manager signals the
whole process group, so the kernel receives them directly. SIGKILL to the launcher
ends everything (the init has the parent-death signal set; the PID namespace dies with
its init).
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import resource
import signal
import sys
import threading
import time

from autograde.sandbox.plan import LaunchPlan, PlanError

CLONE_NEWNS = 0x00020000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_BIND, MS_REC, MS_PRIVATE = 4096, 16384, 1 << 18
PR_SET_PDEATHSIG, PR_SET_CHILD_SUBREAPER, PR_SET_NO_NEW_PRIVS = 1, 36, 38
_HANDLED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)

_libc = ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"{what}: {os.strerror(error)}")


def _mount(source: str | None, target: str, fstype: str | None, flags: int,
           data: str | None = None) -> None:
    def encode(text: str | None) -> bytes | None:
        return text.encode() if text is not None else None

    _check(_libc.mount(encode(source), encode(target), encode(fstype), ctypes.c_ulong(flags),
                       encode(data)), f"mount {target}")


def _prctl(option: int, value: int) -> None:
    _check(_libc.prctl(option, ctypes.c_ulong(value), 0, 0, 0), f"prctl {option}")


def _under(path: str, folders: list[str]) -> bool:
    return any(path == f or path.startswith(f.rstrip("/") + "/") for f in folders)


def _expose(closed: str, needed: list[str]) -> None:
    """Replace a folder others cannot enter (e.g. ``/root`` holding the Python install)
    by an empty one that leads only to the ``needed`` folders inside it."""
    handles = [os.open(path, os.O_RDONLY | os.O_DIRECTORY) for path in needed]
    try:
        _mount("tmpfs", closed, "tmpfs", MS_NOSUID | MS_NODEV, "size=64k,mode=755")
        for path, handle in zip(needed, handles, strict=True):
            os.makedirs(path, mode=0o755, exist_ok=True)
            _mount(f"/proc/self/fd/{handle}", path, None, MS_BIND | MS_REC)
    finally:
        for handle in handles:
            os.close(handle)


def _isolate_filesystem(plan: LaunchPlan) -> None:
    """New mount namespace view: private temporary folders and masked paths."""
    # Without this, the mounts below would propagate back to the host.
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    private = [p for p in plan.private if os.path.isdir(p)]
    run_dir = plan.run_dir
    run_fd = os.open(run_dir, os.O_RDONLY | os.O_DIRECTORY)
    # A checkout or virtual environment inside /tmp would vanish under the private
    # tmpfs: keep handles on the folders the kernel needs and bind them back after.
    needed = sorted(p for p in plan.keep if _under(p, private) and os.path.isdir(p))
    needed = [p for p in needed if not _under(p, [q for q in needed if q != p])]
    kept = {path: os.open(path, os.O_RDONLY | os.O_DIRECTORY) for path in needed}
    # Opened now: the sources may live in /tmp, which is about to be replaced.
    overlays = {target: os.open(source, os.O_RDONLY | os.O_DIRECTORY)
                for target, source in plan.overlay.items()}
    try:
        for folder in private:
            _mount("tmpfs", folder, "tmpfs", MS_NOSUID | MS_NODEV,
                   f"size={plan.disk_bytes},mode=1777")
        for path, handle in kept.items():
            os.makedirs(path, exist_ok=True)
            _mount(f"/proc/self/fd/{handle}", path, None, MS_BIND | MS_REC)
        for closed, needed_paths in plan.expose.items():
            _expose(closed, needed_paths)
        for path in plan.hide:
            hidden_by_tmpfs = _under(path, private) and not _under(path, needed)
            if hidden_by_tmpfs or not os.path.lexists(path):
                continue
            if os.path.isdir(path):
                _mount("tmpfs", path, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                       "size=4k,mode=000")
            else:
                _mount("/dev/null", path, None, MS_BIND)
        for target, handle in overlays.items():
            # Last, so it also covers what was hidden inside the target.
            _mount(f"/proc/self/fd/{handle}", target, None, MS_BIND | MS_REC)
        if _under(run_dir, private):
            # The kernel's sockets must live on the host's filesystem so the grader,
            # outside this namespace, can connect: bring the real folder back.
            os.makedirs(run_dir, exist_ok=True)
            _mount(f"/proc/self/fd/{run_fd}", run_dir, None, MS_BIND)
    finally:
        os.close(run_fd)
        for handle in [*kept.values(), *overlays.values()]:
            os.close(handle)


def _prepare(plan: LaunchPlan, connection_file: str | None) -> None:
    for procs in plan.cgroups:
        with open(procs, "w", encoding="ascii") as handle:
            handle.write(str(os.getpid()))
    if plan.namespaces:
        flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS
        _check(_libc.unshare(flags if plan.network else flags | CLONE_NEWNET), "unshare")
        _isolate_filesystem(plan)
    os.makedirs(plan.work_dir, mode=0o700, exist_ok=True)
    uid = plan.uid
    if uid is not None:
        os.chown(plan.work_dir, uid, uid)
        # ipykernel creates its sockets here; the grader takes the folder back once the
        # kernel is up, before any student code runs.
        os.chown(plan.run_dir, uid, uid)
        if connection_file:
            os.chown(connection_file, uid, uid)


def _become_kernel(plan: LaunchPlan, command: list[str]) -> None:
    """Runs in the kernel process: limits, user, then exec. Never returns."""
    try:
        for sig in _HANDLED:  # an ignored SIGINT would survive exec and break interrupts
            signal.signal(sig, signal.SIG_DFL)
        for name, value in plan.rlimits.items():
            hard = value + 5 if name == "RLIMIT_CPU" else value  # SIGXCPU first, then KILL
            resource.setrlimit(getattr(resource, name), (value, hard))
        os.chdir(plan.work_dir)
        uid = plan.uid
        if uid is not None:
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)
        _prctl(PR_SET_NO_NEW_PRIVS, 1)
        _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)  # setuid cleared the earlier setting
        # ipykernel exits when its parent's pid changes or is 1, which is always so
        # under our init; the parent-death signal above does that job instead.
        env = {k: v for k, v in os.environ.items() if k != "JPY_PARENT_PID"}
        os.execve(command[0], command, env)
    except BaseException as error:  # report anything, then die
        with contextlib.suppress(OSError):
            os.write(2, f"autograde launcher: cannot start the kernel: {error}\n".encode())
    os._exit(127)


class _Watchdog(threading.Thread):
    """Memory and task limits by polling, for machines without a usable cgroup."""

    def __init__(self, memory: int | None, tasks: int | None) -> None:
        super().__init__(daemon=True)
        self.memory, self.tasks, self.reason = memory, tasks, None

    def run(self) -> None:
        import psutil

        me = psutil.Process()
        while self.reason is None:
            rss = threads = 0
            for proc in me.children(recursive=True):
                with contextlib.suppress(psutil.Error):
                    rss += proc.memory_info().rss
                    threads += proc.num_threads()
            if self.memory and rss > self.memory:
                self.reason = "memory"
            elif self.tasks and threads > self.tasks:
                self.reason = "tasks"
            else:
                time.sleep(0.2)
                continue
            _kill_descendants()


def _kill_descendants() -> None:
    import psutil

    for _ in range(20):
        children = psutil.Process().children(recursive=True)
        if not children:
            return
        for proc in children:
            with contextlib.suppress(psutil.Error):
                proc.kill()
        time.sleep(0.05)


def _init(plan: LaunchPlan, command: list[str]) -> None:
    """PID 1 of the sandbox (or a subreaper): runs the kernel, reaps, cleans up."""
    code = 0
    try:
        _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if plan.namespaces:
            # A /proc of this PID namespace: the notebook sees only its own processes.
            _mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
        else:
            _prctl(PR_SET_CHILD_SUBREAPER, 1)
        kernel = os.fork()
        if kernel == 0:
            _become_kernel(plan, command)
        if not plan.namespaces:
            # Lets the grader stop the kernel alone, so this process can clean up after
            # it (without a PID namespace nothing else would).
            with open(plan.status_file + ".pid", "w", encoding="ascii") as handle:
                handle.write(f"{os.getpid()} {kernel}")
        watchdog = None
        if plan.watchdog_memory or plan.watchdog_tasks:
            watchdog = _Watchdog(plan.watchdog_memory, plan.watchdog_tasks)
            watchdog.start()
        while True:
            pid, status = os.waitpid(-1, 0)
            if pid == kernel:
                break
        status_record = {"exit": os.waitstatus_to_exitcode(status),
                         "watchdog": watchdog.reason if watchdog else None}
        with open(plan.status_file, "w", encoding="utf-8") as handle:
            json.dump(status_record, handle)
        if not plan.namespaces:
            _kill_descendants()  # with a PID namespace, leaving does it for us
    except BaseException as error:  # report anything, then die
        with contextlib.suppress(OSError):
            os.write(2, f"autograde launcher: {error}\n".encode())
        code = 1
    os._exit(code)


def main(argv: list[str]) -> int:
    """Entry point; see the module docstring for the command line."""
    if len(argv) < 3 or argv[1] != "--":
        print("usage: python -m autograde.sandbox.launcher PLAN.json -- KERNEL COMMAND...",
              file=sys.stderr)
        return 2
    try:
        plan = LaunchPlan.read(argv[0])
    except (OSError, PlanError) as error:
        print(f"autograde launcher: cannot read the plan: {error}", file=sys.stderr)
        return 2
    command = argv[2:]
    connection = command[command.index("-f") + 1] if "-f" in command[:-1] else None
    for sig in _HANDLED:
        signal.signal(sig, signal.SIG_IGN)
    try:
        _prepare(plan, connection)
    except OSError as error:
        print(f"autograde launcher: cannot build the sandbox: {error}", file=sys.stderr)
        return 3
    child = os.fork()
    if child == 0:
        _init(plan, command)
    _, status = os.waitpid(child, 0)
    return os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
