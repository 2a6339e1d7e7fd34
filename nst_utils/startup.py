"""Importing TensorFlow without its start-up log lines.

TensorFlow 2.21 writes a handful of lines to the process's stderr while it loads
(absl's "All log messages before absl::InitializeLog() ...", oneDNN, "Could not find
cuda drivers", the CPU feature guard, cuDNN/cuFFT/cuBLAS factory registration on GPU
machines) and one more when the platform first initialises ("failed call to cuInit"
on a machine without a GPU). They come from C++ straight to file descriptor 2 and
ignore ``TF_CPP_MIN_LOG_LEVEL``, because they are logged before TensorFlow applies it.
In Jupyter they show in red under the first cell that touches TensorFlow, and nbgrader's
Validate fails any graded cell with stderr output, so correct work would fail Validate.

:func:`import_tensorflow` imports TensorFlow with file descriptor 2 pointed at a
temporary file, initialises the platform there too, then writes back to stderr every
captured line that is not known start-up noise, so real errors stay visible.
:func:`install_import_hook` makes the first plain ``import tensorflow`` in the process
(``import keras`` included) take the same path; the packages call it when imported.

This module imports nothing heavy, so ``import cyclegan.cli`` stays free of TensorFlow.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.abc
import importlib.machinery
import os
import re
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from types import ModuleType
from typing import TypeVar

T = TypeVar("T")

LOG_LEVEL_VARIABLE = "TF_CPP_MIN_LOG_LEVEL"
#: Level 2 hides TensorFlow's INFO and WARNING lines once it has read the variable;
#: errors still show.
DEFAULT_LOG_LEVEL = "2"

# The prefix absl puts on a log line: severity, date (0000 before absl is initialised),
# time (then in raw seconds), thread id, file:line.
_ABSL = r"[IWEF]\d{4} [\d:.]+ +\d+ [\w.+-]+:\d+\] "

#: Lines (without their newline) that TensorFlow writes to stderr on every start-up and
#: that say nothing the user must act on. Anything else captured is written back.
NOISE_PATTERNS: tuple[re.Pattern[str], ...] = tuple(re.compile(p) for p in (
    r"WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR",
    _ABSL + r"oneDNN custom operations are on\. .*",
    _ABSL + r"Could not find cuda drivers on your machine, GPU will not be used\.",
    _ABSL + r"This TensorFlow binary is optimized to use available CPU instructions .*",
    r"To enable the following instructions: .*, in other operations, rebuild TensorFlow "
    r"with the appropriate compiler flags\.",
    # No GPU (or no driver): TensorFlow runs on the CPU, which lessons report themselves.
    _ABSL + r"failed call to cuInit: .*",
    # GPU machines: several bundled libraries register the same CUDA plugins.
    _ABSL + r"Unable to register cu(DNN|FFT|BLAS) factory: Attempting to register factory "
    r"for plugin cu(DNN|FFT|BLAS) when one has already been registered",
    _ABSL + r"computation placer already registered\. .*",
    _ABSL + r"successful NUMA node read from SysFS had negative value .*",
    _ABSL + r"Created device /job:.*",
    _ABSL + r"TF-TRT Warning: Could not find TensorRT",
    # Logged at the first int32 op, so outside import_tensorflow's window; listed for
    # callers that wrap such a step in call_quietly (lesson 10's first training step).
    _ABSL + r"oneDNN supports DT_\w+ only on platforms with AVX-512\. Falling back to the "
    r"default Eigen-based implementation if present\.",
))

# One capture at a time: two threads swapping fd 2 in overlapping windows could leave it
# pointing at a deleted temporary file. Re-entrant, so captures nest within a thread.
_capture_lock = threading.RLock()
_meta_path_lock = threading.Lock()  # only held for a list edit, never around an import
_platform_ready = False  # True once TensorFlow is imported and its platform initialised


class Capture:
    """What was written to file descriptor 2 inside :func:`captured_stderr_fd`."""

    text: str = ""


def is_noise(line: str, patterns: Sequence[re.Pattern[str]] = NOISE_PATTERNS) -> bool:
    """True when ``line`` (with or without its newline) matches one of ``patterns``."""
    line = line.rstrip("\r\n")
    return any(pattern.fullmatch(line) for pattern in patterns)


def filter_noise(text: str, patterns: Sequence[re.Pattern[str]] = NOISE_PATTERNS) -> str:
    """``text`` without the lines that match ``patterns``, otherwise unchanged."""
    return "".join(line for line in text.splitlines(keepends=True)
                   if not is_noise(line, patterns))


def _flush_stderr() -> None:
    # Python's own sys.stderr may hold buffered text; it must reach the descriptor that
    # was current when it was written, not the other side of a dup2.
    with contextlib.suppress(AttributeError, ValueError, OSError):
        sys.stderr.flush()


@contextlib.contextmanager
def captured_stderr_fd() -> Iterator[Capture]:
    """Point file descriptor 2 at a temporary file for the duration of the block.

    Works at the descriptor level, so it catches what C++ libraries write, in a terminal
    and in an ipykernel (where fd 2 is a pipe the kernel reads; it is restored after).
    The captured text is in the yielded object's ``text`` once the block has ended, also
    when it raised. Without a usable fd 2 or temporary folder nothing is captured.

    Yields:
        A :class:`Capture`, filled in on exit.
    """
    capture = Capture()
    with _capture_lock:
        _flush_stderr()
        try:
            saved = os.dup(2)
        except OSError:  # no stderr at all: nothing to hide
            yield capture
            return
        try:
            sink = tempfile.TemporaryFile()
        except OSError:  # no writable temporary folder: better noisy than broken
            os.close(saved)
            yield capture
            return
        with sink:
            os.dup2(sink.fileno(), 2)
            try:
                yield capture
            finally:
                _flush_stderr()
                os.dup2(saved, 2)
                os.close(saved)
                sink.seek(0)
                capture.text = sink.read().decode("utf-8", errors="replace")


def _emit(text: str) -> None:
    # sys.stderr, not fd 2: in a kernel that is the cell's stderr stream, in a terminal
    # it is fd 2 anyway.
    if text and sys.stderr is not None:
        sys.stderr.write(text)
        _flush_stderr()


def call_quietly(function: Callable[[], T], noise: Sequence[re.Pattern[str]] | None = None) -> T:
    """Call ``function`` with fd 2 captured, then write back what is not start-up noise.

    Args:
        function: called without arguments.
        noise: the patterns to drop (default :data:`NOISE_PATTERNS`). With
            ``TF_CPP_MIN_LOG_LEVEL=0`` (the user asked for every log line) nothing is
            dropped.

    Returns:
        What ``function`` returned. Its exception, if any, propagates after the
        captured lines were written back.
    """
    patterns = NOISE_PATTERNS if noise is None else tuple(noise)
    capture = Capture()
    try:
        with captured_stderr_fd() as capture:
            return function()
    finally:
        show_all = os.environ.get(LOG_LEVEL_VARIABLE) == "0"
        _emit(capture.text if show_all else filter_noise(capture.text, patterns))


def _initialise_platform(tf: ModuleType) -> None:
    global _platform_ready
    # Enumerating the physical devices loads the CUDA platform (the cuInit line) inside
    # the quiet window. It does not create the eager context, so
    # tf.config.set_logical_device_configuration and set_memory_growth still work.
    try:
        tf.config.list_physical_devices()
    except Exception:  # the first real op raises it again, with TensorFlow's own message
        pass
    _platform_ready = True


def _load_quietly() -> ModuleType:
    def load() -> ModuleType:
        tf = importlib.import_module("tensorflow")
        _initialise_platform(tf)
        return tf

    return call_quietly(load)


def import_tensorflow() -> ModuleType:
    """Import TensorFlow without its start-up log lines on stderr.

    Sets ``TF_CPP_MIN_LOG_LEVEL=2`` unless already set, imports TensorFlow and lists
    the physical devices with file descriptor 2 captured, then writes back every
    captured line that is not known start-up noise (:data:`NOISE_PATTERNS`). Cheap
    once done; safe to call from several places and threads. When TensorFlow was
    already imported by other means, only the platform initialisation is made quiet.

    Returns:
        The ``tensorflow`` module.
    """
    tf = sys.modules.get("tensorflow")
    if tf is not None and _platform_ready:
        return tf
    os.environ.setdefault(LOG_LEVEL_VARIABLE, DEFAULT_LOG_LEVEL)
    # Import through the hook rather than around it: the import system's lock on
    # "tensorflow" is then always taken before the capture lock, in every thread, so a
    # direct call and a concurrent plain ``import tensorflow`` cannot deadlock, and a
    # half-imported module is never used.
    install_import_hook()
    try:
        tf = importlib.import_module("tensorflow")
    finally:
        uninstall_import_hook()
    if not _platform_ready:
        call_quietly(lambda: _initialise_platform(tf))
    return tf


class _QuietLoader(importlib.abc.Loader):
    """Loads ``tensorflow`` with its start-up lines captured and filtered."""

    def __init__(self) -> None:
        self._real_spec: importlib.machinery.ModuleSpec | None = None

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        # Leave sys.meta_path first: the nested, real import below must not come back.
        uninstall_import_hook()
        module = _load_quietly()  # the real import; it fills sys.modules["tensorflow"]
        self._real_spec = module.__spec__
        return module

    def exec_module(self, module: ModuleType) -> None:
        # Already executed by the real import. The import system has just set
        # module.__spec__ to the hook's spec; give the module back its own.
        if self._real_spec is not None:
            module.__spec__ = self._real_spec


class _TensorFlowFinder(importlib.abc.MetaPathFinder):
    """A ``sys.meta_path`` entry that makes the first ``import tensorflow`` quiet.

    Finding has no side effects (libraries probe with ``importlib.util.find_spec``);
    the hook leaves ``sys.meta_path`` when its loader runs.
    """

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None = None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != "tensorflow":
            return None
        real = None
        for finder in list(sys.meta_path):
            if isinstance(finder, _TensorFlowFinder):
                continue
            find = getattr(finder, "find_spec", None)
            real = find(fullname, path, target) if find is not None else None
            if real is not None:
                break
        if real is None:  # not installed: the usual ModuleNotFoundError follows
            return None
        # Mirror the real spec, so a probe still sees where TensorFlow lives.
        spec = importlib.machinery.ModuleSpec(
            fullname, _QuietLoader(), origin=real.origin,
            is_package=real.submodule_search_locations is not None)
        spec.submodule_search_locations = real.submodule_search_locations
        spec.has_location = real.has_location
        return spec


def install_import_hook() -> None:
    """Make the first ``import tensorflow`` in this process quiet, as :func:`import_tensorflow`.

    Inserts a finder at the front of ``sys.meta_path``; it imports nothing itself and
    removes itself when TensorFlow is imported. Does nothing when TensorFlow is already
    imported or the hook is already installed. Also sets ``TF_CPP_MIN_LOG_LEVEL=2``
    unless already set, so subprocesses inherit it.
    """
    os.environ.setdefault(LOG_LEVEL_VARIABLE, DEFAULT_LOG_LEVEL)
    with _meta_path_lock:
        if "tensorflow" in sys.modules or hook_installed():
            return
        sys.meta_path.insert(0, _TensorFlowFinder())


def hook_installed() -> bool:
    """True while the import hook waits in ``sys.meta_path``."""
    return any(isinstance(finder, _TensorFlowFinder) for finder in sys.meta_path)


def uninstall_import_hook() -> None:
    """Remove the import hook from ``sys.meta_path`` (no error when it is not there)."""
    with _meta_path_lock:
        sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, _TensorFlowFinder)]
