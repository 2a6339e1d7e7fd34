"""The lessons' import line: ``from autograde.checks import check_public, public_inputs``.

The checks themselves live in :mod:`autograde.kernel.checks`, the code that runs in
the student's kernel; this module only keeps the line the notebooks already carry.
"""

from autograde.kernel.checks import CheckFailed, check_hidden, check_public, public_inputs

__all__ = ["CheckFailed", "check_hidden", "check_public", "public_inputs"]
