"""``autograde handout OUT``: what an instructor gives a class, and nothing more.

The handout folder holds

* ``lessons/``: the student notebooks (``lessons/`` of the repository: stubs, public
  checks, no hidden tests), all of them or the ones asked for;
* ``wheels/``: one wheel of the student edition (:mod:`autograde.build.edition`), with
  the same import names as the repository's packages and every graded function a stub;
* ``README.md``: how a student installs it, opens the lessons and checks their work.

No solution notebook, no grading source with hidden tests, no reference body and no
mistake's code goes in; ``tests/test_handout.py`` proves it on the built folder.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from autograde.build.edition import build_edition

LESSONS = Path("lessons")
DISTRIBUTION = "style-transfer-course"

STUDENT_README = """\
# Style transfer, hands on: the student edition

You implement Neural Style Transfer and CycleGAN one graded function at a time. Every
lesson is a notebook in `lessons/`; each function you write has a check right after it.

## Install (once)

```bash
python -m venv .venv && . .venv/bin/activate      # Windows: .venv\\Scripts\\activate
pip install wheels/*.whl                           # TensorFlow, Keras, JupyterLab, ...
```

## Work

```bash
jupyter lab lessons/
```

Open the lessons in order. Replace each `raise NotImplementedError()` with your code and
run the check below it: it prints the expected value, yours, and a hint when your answer
matches a classic mistake. A check that passes keeps your function in
`lessons/my_answers.py`, and the later lessons build on it: lessons 05 and 06 paint
with your costs, lesson 07 trains a fast style network with them, lessons 08-10 build
and train CycleGAN from your blocks and losses. If a cell
says a function is missing, finish the lesson it names and run its check.

## Check your work before handing it in

```bash
autograde check                 # every lesson notebook in ./lessons (or the current folder)
autograde check lessons/03_style_cost.ipynb
```

This grades the public cases exactly as your instructor's grader does. Hidden cases
(other shapes and seeds) run only when your instructor grades, so a function that is
right in general, not only on the printed example, is what earns the points.

The library functions you implement are stubs in this edition: calling the course's
own `compute_content_cost` (or reading its source) gets you the stub, and the grader
gives 0 for an item that tries.
"""


@dataclass(frozen=True)
class Handout:
    """What :func:`build_handout` wrote."""

    folder: Path
    lessons: list[Path]
    wheel: Path


def _lessons(root: Path, wanted: list[str] | None) -> list[Path]:
    available = sorted((root / LESSONS).glob("[0-9][0-9]_*.ipynb"))
    if wanted is None:
        return available
    by_name = {path.stem: path for path in available}
    unknown = [name for name in wanted if name not in by_name]
    if unknown:
        raise ValueError(f"unknown lesson(s) {', '.join(unknown)}; the course has: "
                         f"{', '.join(by_name)}.")
    return [by_name[name] for name in wanted]


def _pyproject(root: Path) -> str:
    """The repository's project file, with the edition's recorded values as package data."""
    text = (root / "pyproject.toml").read_text(encoding="utf-8")
    return text.replace('"*" = ["*.json", "*.ipynb", "*.txt", "*.j2"]',
                        '"*" = ["*.json", "*.ipynb", "*.txt", "*.j2", "*.npz"]')


def build_wheel(source: Path, out: Path) -> Path:
    """Build the wheel of the package folder ``source`` into ``out`` with pip.

    Raises:
        RuntimeError: when pip fails (its last line says why).
    """
    out.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
               "--quiet", "--wheel-dir", str(out), str(source)]
    done = subprocess.run(command, capture_output=True, text=True)
    wheels = sorted(out.glob("*.whl"))
    if done.returncode != 0 or not wheels:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise RuntimeError(f"building the student wheel failed: {last}")
    return wheels[-1]


def build_handout(out: Path, root: Path, lessons: list[str] | None = None) -> Handout:
    """Write the student handout into ``out`` (which must not exist or be empty).

    Args:
        out: the handout folder.
        root: the repository root (holding ``lessons/`` and the packages).
        lessons: lesson names to hand out (default: all); the wheel is the same.

    Returns:
        A :class:`Handout` naming what was written.

    Raises:
        ValueError: for an unknown lesson or an ``out`` that holds files.
    """
    out, root = Path(out), Path(root)
    if out.exists() and any(out.iterdir()):
        raise ValueError(f"{out} is not empty; choose a new folder for the handout.")
    chosen = _lessons(root, lessons)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="autograde-handout-") as tmp:
        source = Path(tmp) / "edition"
        build_edition(source, "student", root)
        (source / "pyproject.toml").write_text(_pyproject(root), encoding="utf-8")
        (source / "README.md").write_text(STUDENT_README, encoding="utf-8")
        wheel = build_wheel(source, out / "wheels")
    (out / LESSONS).mkdir()
    copied = [Path(shutil.copy2(path, out / LESSONS / path.name)) for path in chosen]
    (out / "README.md").write_text(STUDENT_README, encoding="utf-8")
    return Handout(out, copied, wheel)
