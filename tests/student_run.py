"""The course as a student runs it, once per session: the student edition under Validate.

:func:`run_student_course` writes the handout's ten lessons twice, each set in a
folder of its own as a student's ``lessons/`` would be: ``solved`` (the solution
bodies typed into the stubs) and ``untouched``. One subprocess per set presses
nbgrader's *Validate* on its lessons in order: nbgrader's ``Validator`` with the
configuration JupyterLab's Validate button loads (``nbgrader/server_extensions/
validate_assignment``: the Jupyter config path and the working folder), the handout's
wheel first on ``PYTHONPATH`` so the kernels import the edition, whose graded functions
are stubs. Its ``_preprocess`` (the execution) is the validator's own; the subclass only
keeps a copy of each executed notebook so the tests can look at the outputs (pictures,
errors). The session fixture ``student_course`` (tests/conftest.py) calls it; both
tests/test_student_edition.py and tests/test_validate.py read it.

Validate sets ``NBGRADER_EXECUTION=validate``, so the lessons run with their small
(grading-mode) settings, as ``autograde check`` runs them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from autograde.build.samples import fill_stubs, solution_bodies
from autograde.graded import notebooks

ROOT = Path(__file__).resolve().parent.parent
LESSONS = sorted(p.stem for p in (ROOT / "lessons").glob("[0-9][0-9]_*.ipynb"))
KINDS = ("solved", "untouched")

# nbgrader's clocks (30 s per cell, 4 s for a cell's output to arrive after its reply,
# else a fatal error) are loosened: on a busy shared CI machine they fail runs at random,
# and timing is not what these tests are about.
VALIDATE = r"""
import importlib.util, json, os, sys, time
from pathlib import Path
import nbformat
from jupyter_core.paths import jupyter_config_path
from nbgrader.apps import NbGrader
from nbgrader.validator import Validator

print("costs from", importlib.util.find_spec("nst_utils.costs").origin, file=sys.stderr)
app = NbGrader()
app.config_file_paths.append([os.getcwd(), *jupyter_config_path()])
app.load_config_file()
app.config.Execute.timeout = 300
app.config.Execute.iopub_timeout = 60


class KeepingValidator(Validator):
    keep = None

    def _preprocess(self, nb):
        nb = super()._preprocess(nb)
        nbformat.write(nb, self.keep)
        return nb


results = {}
for path in map(Path, sys.argv[1:]):
    started = time.monotonic()
    validator = KeepingValidator(config=app.config)
    validator.keep = str(path.parent.parent / "executed" / path.parent.name / path.name)
    results[path.stem] = validator.validate(str(path))
    print(f"validated {path.stem} in {time.monotonic() - started:.1f} s", file=sys.stderr)
print(json.dumps(results))
"""


def _write_lessons(made, folder: Path, kind: str) -> list[Path]:
    folder.mkdir(parents=True)
    paths = []
    for lesson in LESSONS:
        nb = notebooks.read(made.folder / "lessons" / f"{lesson}.ipynb")
        if kind == "solved":
            bodies = solution_bodies(notebooks.read(ROOT / "solutions" / f"{lesson}.ipynb"))
            nb = fill_stubs(nb, bodies)
        notebooks.write(nb, folder / f"{lesson}.ipynb")
        paths.append(folder / f"{lesson}.ipynb")
    return paths


def _terminal(err: str) -> tuple[str, dict[str, list[str]]]:
    """What the validating process printed (JupyterLab's terminal), lesson by lesson:
    kernels echo their stderr there, and each lesson ends with its "validated" line."""
    origin, terminal, lines = "", {}, []
    for line in err.splitlines():
        if line.startswith("costs from "):
            origin = line.removeprefix("costs from ")
        elif line.startswith("validated "):
            terminal[line.split()[1]] = lines
            lines = []
        else:
            lines.append(line)
    return origin, terminal


def run_student_course(handout, tmp_path_factory, while_running=None) -> dict:
    """Validate both sets of the edition's lessons; return what each run left.

    Args:
        handout: the session's ``(handout, site)`` (tests/conftest.py).
        while_running: called with no argument while the validators run (the caller
            grades the course batch on the other core meanwhile).

    Returns:
        ``{kind: {"validated": {lesson: nbgrader's result}, "executed": {lesson: nb},
        "terminal": {lesson: [stderr lines]}, "origin": Path, "folder": Path}}`` for
        ``kind`` in :data:`KINDS`, plus ``"site"``: the edition's packages.
    """
    made, site = handout
    base = tmp_path_factory.mktemp("student-course")
    # A student's shell: no test settings (the tests' Agg backend would show no picture,
    # TF_CPP_MIN_LOG_LEVEL would hide the start-up lines Validate must not see).
    env = {key: value for key, value in os.environ.items()
           if key not in ("TF_CPP_MIN_LOG_LEVEL", "AUTOGRADE_ANSWERS", "MPLBACKEND",
                          "NBGRADER_EXECUTION")}
    env["PYTHONPATH"] = str(site)
    processes = {}
    for kind in KINDS:
        paths = _write_lessons(made, base / kind, kind)
        (base / "executed" / kind).mkdir(parents=True)
        processes[kind] = subprocess.Popen(
            [sys.executable, "-c", VALIDATE, *map(str, paths)], cwd=base / kind, env=env,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    runs = {"site": site}
    try:
        if while_running is not None:
            while_running()
        for kind, process in processes.items():
            out, err = process.communicate(timeout=1500)
            assert process.returncode == 0, f"{kind}: {err[-3000:]}"
            origin, terminal = _terminal(err)
            runs[kind] = {
                "validated": json.loads(out.strip().splitlines()[-1]),
                "executed": {lesson: notebooks.read(base / "executed" / kind / f"{lesson}.ipynb")
                             for lesson in LESSONS},
                "terminal": terminal, "origin": Path(origin), "folder": base / kind,
            }
    finally:
        for process in processes.values():
            if process.poll() is None:
                process.kill()
                process.communicate()
    return runs
