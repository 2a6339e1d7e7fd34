"""nbgrader's own Validate agrees with ``autograde check``, item by item.

Students press "Validate" in JupyterLab (or run ``nbgrader validate``); nbgrader then
runs the notebook and fails every graded test cell that raised *or wrote to stderr*.
TensorFlow's start-up lines on stderr used to fail correct work there, while
``autograde check`` (which ignores stderr) gave full marks.

One module fixture validates every solution notebook and every untouched lesson in a
subprocess that calls nbgrader's ``Validator`` exactly as the JupyterLab extension does
(``nbgrader/server_extensions/validate_assignment``), while this process takes the
autograder's verdicts on the same untouched lessons from the shared course batch
(``graded_course``, tests/course_batch.py: the grading worker that ``autograde check``
runs too); the assertions then compare per notebook.
(On the solutions, Validate must pass every cell; that ``autograde check`` gives them
full marks is proved by tests/test_course_grading.py through the same grading worker.)
nbgrader's validator sets ``NBGRADER_EXECUTION=validate``, so the lessons run in
grading mode (small images, few steps), as in ``autograde check``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograde.graded import notebooks

ROOT = Path(__file__).resolve().parent.parent
LESSON_NAMES = sorted(p.stem for p in (ROOT / "solutions").glob("[0-9][0-9]_*.ipynb"))
FOLDERS = ("solutions", "lessons")
# TensorFlow's start-up lines (see tests/test_startup.py).
NOISE = re.compile(r"absl::InitializeLog|oneDNN custom operations|cudart_stub|cuInit|"
                   r"cpu_feature_guard|To enable the following instructions")

pytestmark = pytest.mark.slow

# Runs in its own interpreter: nbgrader's Validator with the configuration JupyterLab's
# Validate button loads (the Jupyter config path and the working folder). nbgrader's
# clocks (30 s per cell, 4 s for a cell's output to arrive after its reply, else a fatal
# error) are loosened: on a busy shared CI machine they fail runs at random, and timing
# is not what this test is about.
VALIDATE = r"""
import json, os, sys, time
from jupyter_core.paths import jupyter_config_path
from nbgrader.apps import NbGrader
from nbgrader.validator import Validator

app = NbGrader()
app.config_file_paths.append([os.getcwd(), *jupyter_config_path()])
app.load_config_file()
app.config.Execute.timeout = 300
app.config.Execute.iopub_timeout = 60
results = {}
for path in sys.argv[1:]:
    started = time.monotonic()
    results[path] = Validator(config=app.config).validate(path)
    print(f"validated {path} in {time.monotonic() - started:.1f} s", file=sys.stderr)
print(json.dumps(results))
"""


def _failed_items(path: Path, result: dict) -> set[str]:
    """Grade ids of the cells nbgrader's validation reported as failed."""
    by_source = {cell.source.strip(): notebooks.grade_id(cell) or cell.get("id")
                 for cell in notebooks.read(path).cells}
    return {by_source.get(failed["source"], failed["source"][:60])
            for failed in result.get("failed", [])}


@pytest.fixture(scope="module")
def runs(tmp_path_factory, request):
    base = tmp_path_factory.mktemp("validate")
    paths = []
    for folder in FOLDERS:
        (base / folder).mkdir()
        for name in LESSON_NAMES:
            shutil.copyfile(ROOT / folder / f"{name}.ipynb", base / folder / f"{name}.ipynb")
            paths.append(base / folder / f"{name}.ipynb")
    # A student's shell: no TF_CPP_MIN_LOG_LEVEL, no grading variables from this process.
    env = {k: v for k, v in os.environ.items()
           if k not in ("TF_CPP_MIN_LOG_LEVEL", "NBGRADER_EXECUTION")}
    validate = subprocess.Popen([sys.executable, "-c", VALIDATE, *map(str, paths)], cwd=base,
                                env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)
    # The autograder's verdicts on the same untouched lessons come from the shared course
    # batch (tests/course_batch.py: the grading worker `autograde check` uses too), graded
    # meanwhile on the other core when no module has asked for it yet.
    lessons = [p for p in paths if p.parent.name == "lessons"]
    try:
        graded = request.getfixturevalue("graded_course")["results"]
        checked = {path: graded[("untouched", path.stem)] for path in lessons}
        out, err = validate.communicate(timeout=900)
    finally:
        if validate.poll() is None:
            validate.kill()
            validate.communicate()
    assert validate.returncode == 0, err[-3000:]
    validated = json.loads(out.strip().splitlines()[-1])
    # What the validating process printed (JupyterLab's terminal), notebook by notebook:
    # kernels echo their stderr there, and each notebook ends with its "validated" line.
    terminal, lines = {}, []
    for line in err.splitlines():
        if line.startswith("validated "):
            terminal[line.split()[1]] = lines
            lines = []
        else:
            lines.append(line)
    return {path: (validated[str(path)], checked.get(path), terminal[str(path)])
            for path in paths}


def _run(runs, folder: str, name: str):
    return next(v for p, v in runs.items() if p.parent.name == folder and p.stem == name)


def _check_failures(result) -> set[str]:
    return {item.name for item in result.items if item.score < item.max_score}


@pytest.mark.parametrize("name", LESSON_NAMES)
def test_solutions_pass_validate(runs, name):
    validated, _, _ = _run(runs, "solutions", name)
    assert validated == {}, json.dumps(validated, indent=1)[:3000]


@pytest.mark.parametrize("name", LESSON_NAMES)
def test_untouched_lessons_fail_validate(runs, name):
    path = next(p for p in runs if p.parent.name == "lessons" and p.stem == name)
    validated, checked, _ = runs[path]
    failed = _failed_items(path, validated)
    assert failed, "nbgrader validated an untouched lesson"
    assert "changed" not in validated and "type_changed" not in validated
    assert failed == _check_failures(checked), (failed, checked.items)
    # Every failure is a graded test cell, and it failed for the stub, not for stderr.
    assert all(item.startswith("test_") for item in failed), failed
    for cell in validated["failed"]:
        assert "NotImplementedError" in cell["raw_error"], cell["raw_error"][:500]
        assert not NOISE.search(cell["raw_error"]), cell["raw_error"][:500]


@pytest.mark.parametrize("name", LESSON_NAMES)
def test_validate_and_check_agree_item_by_item(runs, name):
    path = next(p for p in runs if p.parent.name == "lessons" and p.stem == name)
    validated, checked, _ = runs[path]
    tests = {notebooks.grade_id(c) for c in notebooks.read(path).cells
             if notebooks.is_test_cell(c)}
    assert {item.name for item in checked.items} == tests
    assert _failed_items(path, validated) == _check_failures(checked)


@pytest.mark.parametrize("folder", FOLDERS)
@pytest.mark.parametrize("name", LESSON_NAMES)
def test_no_start_up_lines_on_the_terminal(runs, folder, name):
    *_, terminal = _run(runs, folder, name)
    assert [line for line in terminal if NOISE.search(line)] == []
