"""The release build: one source of truth for solutions, lessons and grading sources.

``solutions/NN_topic.ipynb`` are nbgrader source notebooks edited by hand, except two
things the build writes:

* the body of every graded function, copied from the reference package named on the
  ``# reference: package.module.function`` line that opens its solution region;
* the ``expected=`` value of every public check, computed by the reference on the
  public case's inputs.

From those it derives ``lessons/`` (nbgrader ``generate_assignment``, outputs
stripped), the grading sources ``autograde/sources/`` (solution regions emptied,
hidden tests kept) and the demo submissions ``autograde/samples/``. Building into
another folder and comparing (:func:`drift`) is how tests catch a stale commit.
"""

from __future__ import annotations

import copy
import filecmp
import tempfile
from dataclasses import dataclass
from pathlib import Path

from nbformat import NotebookNode

from autograde import notebooks
from autograde.checks import expected_for_notebook, reference_value
from autograde.course import prepare_course
from autograde.reference import fill_region, reference_body, replace_expected
from autograde.samples_build import build_samples

SOLUTIONS = Path("solutions")
LESSONS = Path("lessons")
GRADING_SOURCES = Path("autograde") / "sources"
SAMPLES = Path("autograde") / "samples"


@dataclass(frozen=True)
class BuildReport:
    """Which files a build wrote, relative to its output root."""

    written: list[Path]
    unchanged: list[Path]


def find_root(start: Path | None = None) -> Path:
    """The repository root: the nearest folder up from ``start`` holding ``solutions/``.

    Raises:
        ValueError: when no such folder exists.
    """
    start = Path.cwd() if start is None else Path(start)
    for folder in [start, *start.resolve().parents]:
        if (folder / SOLUTIONS).is_dir():
            return folder
    package_root = Path(__file__).resolve().parent.parent
    if (package_root / SOLUTIONS).is_dir():
        return package_root
    raise ValueError(f"no solutions/ folder found from {start}; run inside the course "
                     "repository or pass --root.")


def fill_solution(nb: NotebookNode, name: str) -> NotebookNode:
    """Write the reference bodies and the public expected values into a solution notebook."""
    provided = notebooks.top_level_names(nb)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        dotted = notebooks.reference_of(cell)
        if dotted is not None:
            cell.source = fill_region(cell.source, reference_body(dotted, provided))
        if "check_public" in cell.source:
            cell.source = replace_expected(
                cell.source, lambda graded: expected_for_notebook(reference_value(graded)))
    return notebooks.normalise(nb, name)


def grading_source(nb: NotebookNode, name: str) -> NotebookNode:
    """A solution notebook with its solution regions emptied (markers kept)."""
    nb = notebooks.normalise(copy.deepcopy(nb), name)
    for cell in nb.cells:
        if cell.cell_type == "code" and notebooks.solution_region(cell.source.split("\n")):
            cell.source = fill_region(cell.source, [], keep_first=False)
    return nb


def _generate_lessons(
    solutions: dict[str, NotebookNode], progress: bool = False
) -> dict[str, NotebookNode]:
    with tempfile.TemporaryDirectory(prefix="autograde-release-") as tmp:
        sources = Path(tmp) / "sources"
        for name, nb in solutions.items():
            notebooks.write(nb, sources / f"{name}.ipynb")
        course = Path(tmp) / "course"
        prepare_course(course, sources=sources, progress=progress)
        return {
            name: notebooks.normalise(
                notebooks.read(course / "release" / name / f"{name}.ipynb"), name)
            for name in solutions
        }


def build(root: Path, out: Path | None = None, progress: bool = False) -> BuildReport:
    """Run the release build of the repository in ``root``.

    Args:
        root: the repository root (holds ``solutions/``).
        out: where to write the results; default ``root`` itself.
        progress: show a progress bar while nbgrader generates the lessons.

    Returns:
        A :class:`BuildReport`.
    """
    root = Path(root)
    out = root if out is None else Path(out)
    names = sorted(p.stem for p in (root / SOLUTIONS).glob("[0-9][0-9]_*.ipynb"))
    if not names:
        raise ValueError(f"{root / SOLUTIONS} holds no NN_topic.ipynb notebooks.")
    solutions = {n: fill_solution(notebooks.read(root / SOLUTIONS / f"{n}.ipynb"), n)
                 for n in names}
    lessons = _generate_lessons(solutions, progress)
    outputs: dict[Path, NotebookNode] = {}
    for name in names:
        outputs[SOLUTIONS / f"{name}.ipynb"] = solutions[name]
        outputs[LESSONS / f"{name}.ipynb"] = lessons[name]
        outputs[GRADING_SOURCES / f"{name}.ipynb"] = grading_source(solutions[name], name)
    for relative, nb in build_samples(solutions, lessons).items():
        outputs[SAMPLES / relative] = nb

    written, unchanged = [], []
    for relative, nb in sorted(outputs.items()):
        (written if notebooks.write(nb, out / relative) else unchanged).append(relative)
    # Lessons removed from solutions/ must not linger in the generated folders.
    for folder, pattern in ((LESSONS, "*.ipynb"), (GRADING_SOURCES, "*.ipynb"),
                            (SAMPLES, "*/*.ipynb")):
        for path in (out / folder).glob(pattern):
            if path.relative_to(out) not in outputs:
                path.unlink()
                written.append(path.relative_to(out))
    for marker in (GRADING_SOURCES, SAMPLES):
        init = out / marker / "__init__.py"
        if not init.exists():
            init.write_text('"""Generated by `autograde release`; do not edit."""\n')
    return BuildReport(written=written, unchanged=unchanged)


def drift(root: Path, progress: bool = False) -> list[Path]:
    """Generated files of the repository that differ from a fresh build.

    Returns:
        Paths relative to ``root`` that are stale, missing or extra; empty when in step.
    """
    root = Path(root)
    with tempfile.TemporaryDirectory(prefix="autograde-drift-") as tmp:
        build(root, Path(tmp), progress)
        stale = []
        for folder, pattern in ((SOLUTIONS, "*.ipynb"), (LESSONS, "*.ipynb"),
                                (GRADING_SOURCES, "*.ipynb"), (SAMPLES, "*/*.ipynb")):
            fresh = {p.relative_to(tmp) for p in (Path(tmp) / folder).glob(pattern)}
            committed = {p.relative_to(root) for p in (root / folder).glob(pattern)}
            for relative in sorted(fresh | committed):
                a, b = Path(tmp) / relative, root / relative
                if not (a.exists() and b.exists() and filecmp.cmp(a, b, shallow=False)):
                    stale.append(relative)
        return stale
