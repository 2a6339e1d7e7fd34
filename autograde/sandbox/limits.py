"""Resource limits for one graded notebook, with defaults that fit the course.

Grading mode keeps every lesson to well under a minute of CPU time and about 1 GiB of
memory (TensorFlow included), so the defaults leave a wide margin for honest work while
stopping a notebook that loops, allocates or prints without end.
"""

from __future__ import annotations

import os
import re
from dataclasses import asdict, dataclass, field

KIB, MIB, GIB = 1024, 1024**2, 1024**3
_UNITS = {"": 1, "B": 1, "K": KIB, "KB": KIB, "KIB": KIB, "M": MIB, "MB": MIB, "MIB": MIB,
          "G": GIB, "GB": GIB, "GIB": GIB}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*$")


def _default_tasks() -> int:
    # Threads count as tasks for the kernel's process limit, and TensorFlow starts a
    # few per core; a fixed number would either break big machines or allow forks.
    return 128 + 4 * (os.cpu_count() or 1)


@dataclass(frozen=True)
class Limits:
    """What one graded notebook may use.

    Attributes:
        memory_bytes: memory of the kernel and everything it starts.
        cell_seconds: wall-clock time of one cell.
        notebook_seconds: wall-clock time of the whole notebook, kernel start included.
        output_bytes: total size of everything the notebook prints or displays.
        max_tasks: processes plus threads the kernel may have at once.
        file_bytes: largest file the notebook may write.
        disk_bytes: size of the private temporary folder (working folder and ``/tmp``).
        startup_seconds: time the kernel may take to start.
        network: allow network access (off by default).
    """

    memory_bytes: int = 4 * GIB
    cell_seconds: float = 180.0
    notebook_seconds: float = 900.0
    output_bytes: int = 16 * MIB
    max_tasks: int = field(default_factory=_default_tasks)
    file_bytes: int = 256 * MIB
    disk_bytes: int = 512 * MIB
    startup_seconds: float = 120.0
    network: bool = False

    def __post_init__(self) -> None:
        positive = {
            "memory_bytes": (self.memory_bytes, 64 * MIB, "--memory 4G"),
            "cell_seconds": (self.cell_seconds, 1, "--cell-timeout 180"),
            "notebook_seconds": (self.notebook_seconds, 1, "--notebook-timeout 900"),
            "output_bytes": (self.output_bytes, KIB, "--max-output 16M"),
            "max_tasks": (self.max_tasks, 16, "--max-tasks 256"),
            "file_bytes": (self.file_bytes, KIB, "a size such as 256M"),
            "disk_bytes": (self.disk_bytes, MIB, "a size such as 512M"),
            "startup_seconds": (self.startup_seconds, 1, "a number of seconds such as 120"),
        }
        for name, (value, least, example) in positive.items():
            if not isinstance(value, (int, float)) or isinstance(value, bool) or value < least:
                raise ValueError(f"limit {name} must be at least {least}, got {value!r}; "
                                 f"use e.g. {example}.")

    def as_dict(self) -> dict:
        """Plain data for passing the limits to a worker process."""
        return asdict(self)

    def describe(self) -> str:
        """One line with every limit, for the grading report."""
        return (f"memory {format_size(self.memory_bytes)}, {self.cell_seconds:g} s per cell, "
                f"{self.notebook_seconds:g} s per notebook, output "
                f"{format_size(self.output_bytes)}, {self.max_tasks} tasks, files "
                f"{format_size(self.file_bytes)}, network {'on' if self.network else 'off'}")


def parse_size(text: str | int) -> int:
    """Read a size such as ``"4G"``, ``"512M"``, ``"16MiB"`` or a number of bytes.

    Raises:
        ValueError: when the text is not a size.
    """
    if isinstance(text, int) and not isinstance(text, bool):
        return text
    match = _SIZE.match(str(text))
    unit = match.group(2).upper() if match else None
    if match is None or unit not in _UNITS:
        raise ValueError(f"{text!r} is not a size; write a number with an optional unit, "
                         "e.g. 4G, 512M or 65536.")
    return int(float(match.group(1)) * _UNITS[unit])


def format_size(size: int) -> str:
    """``4294967296`` → ``"4 GiB"`` (binary units, at most one decimal)."""
    for unit, factor in (("GiB", GIB), ("MiB", MIB), ("KiB", KIB)):
        if size >= factor:
            return f"{size / factor:.1f}".rstrip("0").rstrip(".") + f" {unit}"
    return f"{size} B"
