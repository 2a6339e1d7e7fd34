"""Facts about where the code runs: grading mode and the devices TensorFlow sees."""

from __future__ import annotations

import os


def is_grading() -> bool:
    """True while nbgrader executes a notebook (it sets ``NBGRADER_EXECUTION``).

    Lessons use it to shrink heavy cells (small images, few steps) so grading stays
    quick on a CPU; students working interactively get the full settings.
    """
    return bool(os.environ.get("NBGRADER_EXECUTION"))


def device_summary() -> str:
    """One line naming the device the computation will run on, e.g. ``"GPU (1 device)"``."""
    import tensorflow as tf

    gpus = tf.config.list_logical_devices("GPU")
    if gpus:
        return f"GPU ({len(gpus)} device{'s' if len(gpus) > 1 else ''})"
    return "CPU"
