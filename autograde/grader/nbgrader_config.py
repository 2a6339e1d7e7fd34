"""nbgrader settings for the style-transfer course.

`autograde` loads this file for every course it builds (release, check, grade, demo),
and `autograde course DIR` copies it into an instructor's course directory, where the
`nbgrader` command line and the JupyterLab extensions (Formgrader) pick it up.
"""

import os

c = get_config()  # noqa: F821 -- nbgrader provides get_config when it reads this file

c.CourseDirectory.course_id = "style-transfer"
# The exchange (nbgrader's release/collect folder) lives inside the course folder, next
# to this file; `autograde course` creates it. Share it (and only it) if students on the
# same machine are to fetch and submit through the Formgrader.
c.Exchange.root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "exchange")
# Lessons call into the installed packages; nothing else belongs in an assignment.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "*.h5", "*.db"]

# One kernel per notebook, the same Python as the grader (the "python3" kernel spec).
c.Execute.kernel_name = "python3"
# Per cell. Grading mode keeps every cell to a few seconds; the margin is for a busy
# machine, and a runaway cell is still cut off.
c.Execute.timeout = 180
c.Execute.interrupt_on_timeout = True
c.Execute.startup_timeout = 120
# No shell history file per graded kernel; kernel start-up warnings stay out of the
# grader's terminal.
c.Execute.extra_arguments = ["--HistoryManager.hist_file=:memory:", "--IPKernelApp.log_level=ERROR"]

# Same pipeline as nbgrader's, with kernels whose start-up log stays off the terminal.
try:
    from autograde.grader.preprocessors import autograde_preprocessors

    c.Autograde.autograde_preprocessors = autograde_preprocessors()
except ImportError:  # the course package is not installed: plain nbgrader still works
    pass

# Stubs students see in place of the solution regions.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Restore test cells that a student deleted; edited locked cells are restored from the
# gradebook by OverwriteCells and metadata is validated by CheckCellMetadata, both part
# of nbgrader's default autograde pipeline.
c.OverwriteCells.add_missing_cells = True

# nbgrader gives zero to a test cell with any stderr output. TensorFlow and Keras
# write log lines and warnings there, so stderr is dropped before scoring: only a
# raised error costs points.
c.IgnorePattern.enabled = True
c.IgnorePattern.pattern = r"[\s\S]"

# Keep feedback readable when a student prints inside a loop.
c.LimitOutput.max_lines = 200
c.LimitOutput.max_traceback = 40

# Feedback pages a student can read (autograde/grader/feedback.py): the grader machine's paths
# rewritten, long output lines wrapped, and formulas rendered by the local copy of
# MathJax in feedback/_mathjax/ rather than a CDN. Scoped to GenerateFeedback so the
# Formgrader's own pages keep nbgrader's templates.
try:
    import nbgrader as _nbgrader
    from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
    from nbgrader.preprocessors import GetGrades

    from autograde.grader.feedback import TEMPLATE_NAME, TEMPLATES, ScrubPaths

    c.GenerateFeedback.preprocessors = [GetGrades, CSSHTMLHeaderPreprocessor, ScrubPaths]
    c.GenerateFeedback.HTMLExporter.template_name = TEMPLATE_NAME
    c.GenerateFeedback.HTMLExporter.extra_template_basedirs = [
        str(TEMPLATES),
        os.path.join(os.path.dirname(_nbgrader.__file__), "server_extensions", "formgrader",
                     "templates"),
    ]
except ImportError:  # plain nbgrader feedback
    pass
