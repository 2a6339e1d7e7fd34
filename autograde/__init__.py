"""Building and grading the style-transfer course.

``autograde release`` regenerates the solution bodies, the student lessons and the
grading sources from ``solutions/`` and the reference packages; ``autograde check``
lets students grade themselves; ``autograde grade`` grades a class with nbgrader.
See ``docs/course.md``.
"""

from autograde.graded.fast_imports import defer_iri_grammar
from nst_utils.startup import install_import_hook

# Before anything imports TensorFlow (the checks, graded kernels, the grader): its
# start-up log lines are then kept off stderr and out of notebook outputs.
install_import_hook()
# Before anything imports nbformat: 2.7 s of building a grammar no notebook needs.
defer_iri_grammar()

__all__ = ["build", "checks", "graded", "grader", "kernel", "sandbox"]
