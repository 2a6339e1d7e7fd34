"""docs/course.md's "Add a graded function", followed word for word in a copy of the course.

The guide's four code blocks are applied as they stand in the docs (each says which file
it goes into), nothing else is edited by hand, and then the release runs and a correct
and a wrong submission are graded in that copy, with the copy's packages first on the
path. A guide that forgets a step, or a step the code no longer needs, fails here.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GUIDE_TITLE = "## Add a graded function"
_IGNORED = shutil.ignore_patterns(".venv", ".git", "__pycache__", "*.pyc", ".pytest_cache",
                                  ".ruff_cache", "demo_output", "runs", "*.egg-info")


def guide_blocks() -> list[tuple[str, str, str]]:
    """``(action, path, code)`` for every Python block of the guide, in order."""
    text = (ROOT / "docs" / "course.md").read_text(encoding="utf-8")
    start = text.index(GUIDE_TITLE)
    end = text.find("\n## ", start + len(GUIDE_TITLE))
    section = text[start:end if end > 0 else None]
    blocks = []
    for block in re.findall(r"```python\n(.*?)```", section, flags=re.S):
        code = textwrap.dedent(block)
        first, _, rest = code.partition("\n")
        match = re.fullmatch(r"# (append to|add to FUNCTIONS in) (\S+)", first.strip())
        assert match, f"each guide block must open with '# append to PATH': {first!r}"
        blocks.append((match.group(1), match.group(2), rest))
    return blocks


def _apply(copy: Path, action: str, path: str, code: str) -> None:
    target = copy / path
    text = target.read_text(encoding="utf-8")
    if action == "append to":
        text = text.rstrip("\n") + "\n\n\n" + code.strip("\n") + "\n"
    else:  # the FUNCTIONS tuple is the module's last statement and ends the file
        closing = text.rstrip().rfind("\n)")
        assert closing > 0, f"{path} does not end with the FUNCTIONS tuple"
        entry = textwrap.indent(code.strip("\n"), "    ")
        text = text[:closing] + "\n" + entry + text[closing:]
    target.write_text(text, encoding="utf-8")


def _run(copy: Path, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(copy), "TF_CPP_MIN_LOG_LEVEL": "2", "COLUMNS": "100"}
    return subprocess.run([sys.executable, "-m", "autograde", *args], cwd=copy, env=env,
                          capture_output=True, text=True, timeout=timeout)


def test_the_guide_has_the_four_files_it_promises():
    paths = [path for _, path, _ in guide_blocks()]
    assert len(paths) == 4 and len(set(paths)) == 4
    assert any(p.startswith("course/") for p in paths)
    assert "autograde/graded/exact.py" in paths


@pytest.mark.slow
def test_following_the_guide_adds_a_function_that_is_built_and_graded(tmp_path):
    copy = tmp_path / "course-copy"
    shutil.copytree(ROOT, copy, ignore=_IGNORED)
    for action, path, code in guide_blocks():
        _apply(copy, action, path, code)

    release = _run(copy, "release", "-q")
    assert release.returncode == 0, release.stderr[-2000:]
    lesson = (copy / "lessons" / "02_content_cost.ipynb").read_text(encoding="utf-8")
    assert "def feature_mean(a):" in lesson and "raise NotImplementedError()" in lesson
    solution = (copy / "solutions" / "02_content_cost.ipynb").read_text(encoding="utf-8")
    assert "tf.reduce_mean(a, axis=(0, 1, 2))" in solution and "test_feature_mean" in solution

    correct = _run(copy, "check", "-q", "autograde/samples/correct/02_content_cost.ipynb")
    assert correct.returncode == 0, correct.stdout[-2000:] + correct.stderr[-2000:]
    assert re.search(r"feature_mean\s+1 / 1", correct.stdout), correct.stdout

    wrong = _run(copy, "check", "-q", "autograde/samples/mistakes/02_content_cost.ipynb")
    assert wrong.returncode == 1, wrong.stdout[-2000:] + wrong.stderr[-2000:]
    assert re.search(r"feature_mean\s+0 / 1", wrong.stdout), wrong.stdout
    assert "added the activations up" in " ".join(wrong.stdout.split()), wrong.stdout
