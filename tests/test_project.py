"""Project-level promises: pyproject and environment.yml agree, CI calls `make test`."""

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
