"""Project-level promises: pyproject and environment.yml agree, CI calls `make test`."""

import fnmatch
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[ ;]", requirement.strip(), maxsplit=1)[0].lower()


def _environment_pip_list() -> dict[str, str]:
    lines = (ROOT / "environment.yml").read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == "- pip:")
    entries = [line.strip()[2:] for line in lines[start + 1:] if line.strip().startswith("- ")]
    return {_name(e): e.replace(" ", "") for e in entries}


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = project["dependencies"] + project["optional-dependencies"]["dev"]
    expected = {_name(r): r.replace(" ", "") for r in wanted}
    assert _environment_pip_list() == expected


def test_ci_runs_the_readme_test_command():
    assert "make test" in (ROOT / ".ci" / "run").read_text()
    readme = (ROOT / "README.md").read_text()
    assert "make demo" in readme and "make test" in readme


def test_console_scripts_point_at_real_functions():
    import importlib

    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    for name, target in scripts.items():
        module, func = target.split(":")
        if (ROOT / module.split(".")[0]).exists():
            assert callable(getattr(importlib.import_module(module), func)), name


#: Folders whose files docs/overview.md names by pattern, not one by one.
_OVERVIEW_PATTERNS = ("course/*.py", "solutions/*.ipynb", "lessons/*.ipynb",
                      "autograde/sources/*.ipynb", "autograde/samples/*/*.ipynb",
                      "docs/images/*.png")
_NOT_PROJECT = {".git", ".venv", "__pycache__", ".pytest_cache", ".ruff_cache",
                ".ipynb_checkpoints"}
#: Outputs of the commands, only at the top level (autograde/build/ is code).
_OUTPUTS = {"demo_output", "runs", "build", "dist"}


def _project_files() -> list[str]:
    found = []
    for path in ROOT.rglob("*"):
        relative = path.relative_to(ROOT)
        if path.is_file() and not _NOT_PROJECT & set(relative.parts[:-1]) \
                and relative.parts[0] not in _OUTPUTS \
                and not relative.name.endswith((".pyc", ".egg-info")) \
                and not any(part.endswith(".egg-info") for part in relative.parts):
            found.append(relative.as_posix())
    return sorted(found)


def test_overview_names_every_file_of_the_project():
    overview = (ROOT / "docs" / "overview.md").read_text(encoding="utf-8")
    named = set(re.findall(r"^- `([^`]+)` — ", overview, flags=re.M))
    missing = [f for f in _project_files()
               if f not in named and not any(fnmatch.fnmatch(f, p) for p in _OVERVIEW_PATTERNS)]
    assert not missing, f"add these to docs/overview.md: {missing}"
    gone = [f for f in named if "*" not in f and not (ROOT / f).exists()]
    assert not gone, f"docs/overview.md names files that do not exist: {gone}"


def test_every_module_using_a_course_fixture_is_in_the_course_work_unit():
    """A module outside the unit would build the course's session fixtures a second time."""
    from tests.conftest import COURSE_MODULES, LONGEST_FIRST, _unit

    course = {"handout", "graded_course", "student_course"}
    users = set()
    for path in (ROOT / "tests").glob("test_*.py"):
        for params in re.findall(r"^def \w+\(([^)]*)\)", path.read_text(encoding="utf-8"),
                                 flags=re.MULTILINE):
            if course & {p.strip().split(":")[0] for p in params.split(",")}:
                users.add(path.stem)
    assert users == set(COURSE_MODULES)
    assert {_unit(f"tests/{name}.py::test_x") for name in users} == {"course"}
    assert _unit("tests/test_grading_hostile.py::test_x[forever]") == "test_grading_hostile"
    # A renamed module would silently lose its place in the order.
    modules = {path.stem for path in (ROOT / "tests").glob("test_*.py")}
    assert set(LONGEST_FIRST) - modules == {"course"}
