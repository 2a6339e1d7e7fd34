"""The release build: one source of truth for solutions, lessons and grading sources.

The lesson sources ``course/NN_topic.py`` (jupytext percent format, see
:mod:`autograde.build.sources`) are what people edit. The build turns each into the
solution notebook ``solutions/NN_topic.ipynb``, writing three things itself:

* the body of every graded function, copied from the reference package its declaration
  names (:mod:`autograde.graded.functions`), under a ``# reference:`` marker;
* the test cell after it, from the same declaration (public check, hidden tests,
  points);
* the ``expected=`` value of every public check: the exact value of the public case.

From those it derives ``lessons/`` (nbgrader ``generate_assignment``, outputs
stripped), the grading sources ``autograde/sources/`` (solution regions emptied,
hidden tests kept) and the demo submissions ``autograde/samples/``. Building into
another folder and comparing (:func:`drift`) is how tests catch a stale commit.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from nbformat import NotebookNode

from autograde.build.bodies import fill_region, grading_source, reference_body, replace_expected
from autograde.build.notebook_match import notebooks_match
from autograde.build.samples import build_samples
from autograde.build.sources import SOURCES, read_source
from autograde.graded import exact, notebooks
from autograde.graded.comparison import expected_for_notebook
from autograde.graded.specs import get_spec
from autograde.grader.course import prepare_course

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
    """The repository root: the nearest folder up from ``start`` holding ``course/``.

    Raises:
        ValueError: when no such folder exists.
    """
    start = Path.cwd() if start is None else Path(start)
    for folder in [start, *start.resolve().parents]:
        if (folder / SOURCES).is_dir():
            return folder
    package_root = Path(__file__).resolve().parents[2]
    if (package_root / SOURCES).is_dir():
        return package_root
    raise ValueError(f"no course/ folder of lesson sources found from {start}; run inside "
                     "the course repository or pass --root.")


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
                cell.source, lambda graded: expected_for_notebook(public_expected(graded)))
    return notebooks.normalise(nb, name)


def public_expected(name: str):
    """The exact (float64) value of the public case of ``name``, from :mod:`autograde.graded.exact`.

    Not the TensorFlow reference: its float32 digits depend on the build machine's
    processor, and the notebooks must come out the same wherever they are built.
    """
    spec = get_spec(name)
    return exact.exact_value(name, spec.inputs(spec.public))


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


def _lesson_names(root: Path, lessons: list[str] | None) -> list[str]:
    names = sorted(p.stem for p in (root / SOURCES).glob("[0-9][0-9]_*.py"))
    if not names:
        raise ValueError(f"{root / SOURCES} holds no NN_topic.py lesson sources.")
    if lessons is None:
        return names
    unknown = sorted(set(lessons) - set(names))
    if unknown:
        raise ValueError(f"unknown lesson(s) {', '.join(unknown)}; "
                         f"{root / SOURCES} has: {', '.join(names)}.")
    return sorted(lessons)


def build(root: Path, out: Path | None = None, progress: bool = False,
          lessons: list[str] | None = None) -> BuildReport:
    """Run the release build of the repository in ``root``.

    Args:
        root: the repository root (holds ``solutions/``).
        out: where to write the results; default ``root`` itself.
        progress: show a progress bar while nbgrader generates the lessons.
        lessons: build only these lessons (notebook stems); default all. Files of
            other lessons are then left alone.

    Returns:
        A :class:`BuildReport`.
    """
    root = Path(root)
    out = root if out is None else Path(out)
    names = _lesson_names(root, lessons)
    solutions = {n: fill_solution(read_source(root / SOURCES / f"{n}.py", root), n)
                 for n in names}
    generated = _generate_lessons(solutions, progress)
    outputs: dict[Path, NotebookNode] = {}
    for name in names:
        outputs[SOLUTIONS / f"{name}.ipynb"] = solutions[name]
        outputs[LESSONS / f"{name}.ipynb"] = generated[name]
        outputs[GRADING_SOURCES / f"{name}.ipynb"] = grading_source(solutions[name], name)
    for relative, nb in build_samples(solutions, generated).items():
        outputs[SAMPLES / relative] = nb

    written, unchanged = [], []
    for relative, nb in sorted(outputs.items()):
        (written if notebooks.write(nb, out / relative) else unchanged).append(relative)
    if lessons is None:
        # Lessons removed from solutions/ must not linger in the generated folders.
        for path in _generated_files(out):
            if path.relative_to(out) not in outputs:
                path.unlink()
                written.append(path.relative_to(out))
    for marker in (GRADING_SOURCES, SAMPLES):
        init = out / marker / "__init__.py"
        if not init.exists():
            init.parent.mkdir(parents=True, exist_ok=True)
            init.write_text('"""Generated by `autograde release`; do not edit."""\n')
    return BuildReport(written=written, unchanged=unchanged)


def _generated_files(root: Path, lessons: list[str] | None = None) -> list[Path]:
    """The notebooks the build writes under ``root`` (of ``lessons`` only, when given)."""
    found = []
    for folder, pattern in ((SOLUTIONS, "*.ipynb"), (LESSONS, "*.ipynb"),
                            (GRADING_SOURCES, "*.ipynb"), (SAMPLES, "*/*.ipynb")):
        found += [p for p in (Path(root) / folder).glob(pattern)
                  if lessons is None or p.stem in lessons]
    return sorted(found)


def stale_files(fresh: Path, committed: Path, lessons: list[str] | None = None) -> list[Path]:
    """Generated notebooks of ``committed`` that differ from those of a build in ``fresh``.

    Structure and text must be equal; expected values may differ by float noise (see
    :mod:`autograde.build.notebook_match`).

    Returns:
        Paths relative to the roots that are stale, missing or extra.
    """
    fresh, committed = Path(fresh), Path(committed)
    ours = {p.relative_to(fresh) for p in _generated_files(fresh, lessons)}
    theirs = {p.relative_to(committed) for p in _generated_files(committed, lessons)}
    return [relative for relative in sorted(ours | theirs)
            if not notebooks_match(fresh / relative, committed / relative)]


def drift(root: Path, progress: bool = False, lessons: list[str] | None = None) -> list[Path]:
    """Generated files of the repository that differ from a fresh build.

    Args:
        root: the repository root.
        progress: show a progress bar while building.
        lessons: check only these lessons; default all.

    Returns:
        Paths relative to ``root`` that are stale, missing or extra; empty when in step.
    """
    root = Path(root)
    names = _lesson_names(root, lessons)
    with tempfile.TemporaryDirectory(prefix="autograde-drift-") as tmp:
        build(root, Path(tmp), progress, lessons=None if lessons is None else names)
        return stale_files(Path(tmp), root, None if lessons is None else names)
