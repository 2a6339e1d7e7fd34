"""A quieter kernel for grading: the kernel process's own stderr goes to /dev/null.

TensorFlow writes C++ log lines straight to the process's stderr when it starts, and
ipykernel echoes some of them to the terminal that launched the kernel. Cell output is
unaffected: ipykernel still captures what a cell prints, warnings included, into the
notebook, so feedback shows it.
"""

from __future__ import annotations

import subprocess
from typing import Any

from jupyter_client.manager import AsyncKernelManager
from nbgrader.preprocessors import Execute


class QuietKernelManager(AsyncKernelManager):
    """Starts kernels with stderr discarded."""

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
        kw.setdefault("stderr", subprocess.DEVNULL)
        await super()._async_launch_kernel(kernel_cmd, **kw)


class QuietExecute(Execute):
    """nbgrader's Execute preprocessor using :class:`QuietKernelManager`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("kernel_manager_class", QuietKernelManager)
        super().__init__(*args, **kwargs)


def autograde_preprocessors() -> list[type]:
    """nbgrader's autograde pipeline with Execute replaced by :class:`QuietExecute`."""
    from nbgrader.converters import Autograde

    default = Autograde.class_traits()["autograde_preprocessors"].default()
    return [QuietExecute if step is Execute else step for step in default]
