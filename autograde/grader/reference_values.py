"""Reference results for every case of the graded functions, computed by the grader.

The grader compares the values a kernel sends (see :mod:`autograde.kernel.results`) with
these. They come from the reference implementations on the specs' seeded inputs, are
computed once per grading run in the grader's process (TensorFlow is imported only
then) and cached in a file keyed by the code that produces them.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from autograde.graded import recorded
from autograde.graded.comparison import as_array
from autograde.graded.precision import exact_float32
from autograde.graded.specs import GRADED, get_spec
from autograde.kernel import results as record

#: The autograde package; its ``graded`` subpackage defines the cases and comparisons.
PACKAGE_DIR = Path(__file__).resolve().parent.parent


def labels(name: str) -> list[str]:
    """The case labels a test cell of ``name`` must send, in the order they run."""
    return [label for label, _ in get_spec(name).labelled_cases()]


def compute(names: list[str]) -> dict[str, dict[str, np.ndarray]]:
    """Reference results of ``names``: ``{name: {label: float32 array}}``."""
    values: dict[str, dict[str, np.ndarray]] = {}
    if recorded.edition() is not None:
        # The student edition's `autograde check`: no reference here, only the
        # recorded public results (its declarations have no hidden cases).
        for name in names:
            spec = get_spec(name)
            values[name] = {}
            for label, case in spec.labelled_cases():
                value = recorded.lookup("expected", name, recorded.fingerprint(spec.inputs(case)))
                if value is None:
                    raise RuntimeError(f"this edition holds no expected value of {name}; "
                                       "grade with the instructor's copy of the course.")
                values[name][label] = value
        return values
    for name in names:
        spec = get_spec(name)
        reference = spec.reference_function()
        with exact_float32():  # no TF32 on the grading machine's GPU either
            values[name] = {label: as_array(spec.evaluate(reference, spec.inputs(case)))
                            for label, case in spec.labelled_cases()}
    return values


def _module_file(dotted: str) -> Path | None:
    """The source file of a module, found without importing it (or its package)."""
    top, *rest = dotted.split(".")
    spec = importlib.util.find_spec(top)
    if spec is None:
        return None
    if not rest:
        return Path(spec.origin) if spec.origin else None
    for folder in spec.submodule_search_locations or []:
        path = Path(folder, *rest[:-1], rest[-1] + ".py")
        if path.exists():
            return path
    return None


def _code_key(names: list[str]) -> str:
    """A hash of every file the reference values depend on."""
    files = {*(PACKAGE_DIR / "graded").rglob("*.py"), PACKAGE_DIR / "kernel" / "checks.py"}
    for name in names:
        path = _module_file(get_spec(name).reference.rpartition(".")[0])
        if path is not None:
            files.add(path)
    digest = hashlib.sha256(",".join(sorted(names)).encode())
    for path in sorted(files):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:16]


def cached(names: list[str], cache_dir: Path) -> Path:
    """The JSON file of :func:`compute` for ``names``, computed only when missing.

    Args:
        names: graded function names.
        cache_dir: where to keep the file (created if needed).

    Returns:
        The file's path; read it with :func:`load`.
    """
    names = sorted(set(names))
    cache_dir = Path(cache_dir)
    path = cache_dir / f"expected-{_code_key(names)}.json"
    if path.exists():
        return path
    cache_dir.mkdir(parents=True, exist_ok=True)
    # A separate interpreter: TensorFlow's start-up log stays off the grader's
    # terminal and its memory is returned before the kernels start.
    command = [sys.executable, "-m", "autograde.grader.reference_values", str(path), *names]
    done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if done.returncode != 0 or not path.exists():
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise RuntimeError(f"computing the reference values failed: {last}")
    return path


def _write(path: Path, names: list[str]) -> None:
    values = compute(names)
    data = {name: {label: record.encode(array) for label, array in cases.items()}
            for name, cases in values.items()}
    fd, tmp = tempfile.mkstemp(prefix=".expected-", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(data, handle)
    os.replace(tmp, path)


def load(path: Path) -> dict[str, dict[str, np.ndarray]]:
    """Read a file written by :func:`cached`."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return {name: {label: record.decode(payload) for label, payload in cases.items()}
            for name, cases in data.items()}


def graded_in(nb_cells: list) -> list[str]:
    """Names of the graded functions whose test cells (``test_<name>``) are in a notebook."""
    # Imported here: nbformat pulls in jsonschema, whose start-up (about 2 s) the
    # subprocess that computes the values would otherwise pay (docs/benchmarks.md).
    from autograde.graded import notebooks

    return [name for name in map(notebooks.tested_name, nb_cells) if name in GRADED]


if __name__ == "__main__":
    _write(Path(sys.argv[1]), sys.argv[2:])
