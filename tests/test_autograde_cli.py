"""The ``autograde`` command: exit codes and one-line errors."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    return subprocess.run([sys.executable, "-m", "autograde", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)


@pytest.mark.slow
def test_check_exits_zero_only_at_full_marks(tmp_path):
    done = _run("check", "-q", str(ROOT / "solutions" / "02_content_cost.ipynb"))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "compute_content_cost  2 / 2" in done.stdout and "TOTAL 2 / 2" in done.stdout

    # No arguments: the lessons of ./lessons (here a folder holding just one of them).
    (tmp_path / "lessons").mkdir()
    (tmp_path / "lessons" / "02_content_cost.ipynb").write_bytes(
        (ROOT / "lessons" / "02_content_cost.ipynb").read_bytes())
    todo = _run("check", "-q", cwd=tmp_path)
    assert todo.returncode == 1, todo.stdout + todo.stderr
    assert "not implemented yet" in todo.stdout and "TOTAL 0 / 2" in todo.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("check", "missing.ipynb"), "does not exist"),
        (("check", "pyproject.toml"), "not named after a lesson"),
        (("grade", "no-such-folder", "--out", "x"), "does not exist"),
        (("grade", "tests", "--out", "x", "--jobs", "0"), "--jobs must be at least 1"),
    ],
)
def test_bad_input_exits_two_with_one_line(args, message):
    done = _run(*args)
    assert done.returncode == 2
    lines = [line for line in done.stderr.splitlines() if line.startswith("autograde")]
    assert len(lines) == 1 and message in lines[0]
    assert "Traceback" not in done.stderr


def test_check_in_an_empty_folder_says_what_to_do(tmp_path):
    done = _run("check", cwd=tmp_path)
    assert done.returncode == 2 and "no lesson notebooks found" in done.stderr


def test_grade_folder_without_lessons_is_bad_input(tmp_path):
    (tmp_path / "alice").mkdir()
    (tmp_path / "alice" / "homework.ipynb").write_text("{}")
    done = _run("grade", str(tmp_path), "--out", str(tmp_path / "out"))
    assert done.returncode == 2 and "no <student>/<lesson>.ipynb" in done.stderr


@pytest.mark.parametrize(("stale", "code"), [([], 0), ([Path("lessons/01_x.ipynb")], 1)])
def test_release_check_exit_code_follows_drift(monkeypatch, capsys, stale, code):
    from autograde import cli
    from autograde.build import release as build

    monkeypatch.setattr(build, "drift", lambda root, progress=False: stale)
    assert cli.main(["release", "--check", "--root", str(ROOT)]) == code
    out = capsys.readouterr().out
    assert ("out of date: lessons/01_x.ipynb" in out) == bool(stale)
