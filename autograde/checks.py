"""The lessons' import line: ``from autograde.checks import check_public, public_inputs``.

The checks themselves live in :mod:`autograde.kernel.checks`, the code that runs in
the student's kernel, and :func:`yours` (the student's kept functions, for the lessons
that build on them) in :mod:`autograde.kernel.answers`; this module only keeps the line
the notebooks carry.
"""

from autograde.kernel.answers import MissingAnswer, yours
from autograde.kernel.checks import CheckFailed, check_hidden, check_public, public_inputs

__all__ = ["CheckFailed", "MissingAnswer", "check_hidden", "check_public", "public_inputs",
           "yours"]
