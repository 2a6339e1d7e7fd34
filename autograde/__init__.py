"""Building and grading the style-transfer course.

``autograde release`` regenerates the solution bodies, the student lessons and the
grading sources from ``solutions/`` and the reference packages; ``autograde check``
lets students grade themselves; ``autograde grade`` grades a class with nbgrader.
See ``docs/course.md``.
"""

__all__ = ["checks", "specs"]
