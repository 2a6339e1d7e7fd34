"""Are two generated notebooks the same course? Structure exactly, expected values closely.

The drift check (:func:`autograde.build.release.drift`) builds the course afresh and compares
it with the committed notebooks. Comparing the files byte for byte would flag float
noise: the ``expected=`` literals are numbers, and a number that moves by a few
float32 ulps is not a change of the course. So two notebooks match when

* everything but the cells' sources is equal (nbformat version, metadata, cell ids,
  types, nbgrader metadata), except nbgrader's ``checksum`` of a cell, which is a hash
  of the source and so moves with the literals;
* every source is equal once the ``expected=`` literals are masked (any edit of code,
  prose, a stub, a seed or a shape shows), and
* the literals agree within :data:`DRIFT_RTOL` of their scale, a hundred times below
  the grading tolerance (:data:`autograde.kernel.checks.RTOL`): a changed formula or seed
  moves them by far more, float noise by far less.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from autograde.build.bodies import split_expected

#: Largest difference of two expected literals that is still float noise, relative to
#: the literal's scale (its largest magnitude; the sum of magnitudes for a summary).
DRIFT_RTOL = 1e-6


def _close(a: Any, b: Any, scale: float) -> bool:
    if isinstance(a, (str, bytes)) or isinstance(b, (str, bytes)):
        return False
    try:
        a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    return a.shape == b.shape and bool(np.all(np.abs(a - b) <= DRIFT_RTOL * scale))


def _scale(*arrays: Any) -> float:
    return max((float(np.max(np.abs(np.asarray(x, dtype=np.float64)), initial=0.0))
                for x in arrays), default=0.0)


def values_close(a: Any, b: Any) -> bool:
    """Whether two ``expected=`` literals differ by float noise only.

    Args:
        a: a literal as evaluated: a number, a (nested) list, or a summary dict
            ``{shape, sum, abs_sum, first}`` (see :func:`autograde.kernel.checks.summarise`).
        b: the other literal.

    Returns:
        True when they have the same kind and shape and agree within
        ``DRIFT_RTOL`` times their scale.
    """
    if isinstance(a, dict) or isinstance(b, dict):
        if not (isinstance(a, dict) and isinstance(b, dict)) or a.keys() != b.keys():
            return False
        if tuple(a.get("shape", ())) != tuple(b.get("shape", ())):
            return False
        # Each entry's noise adds up in the sums, so they are judged against the sum
        # of magnitudes, as the checks do.
        total = _scale(a.get("abs_sum", 0.0), b.get("abs_sum", 0.0))
        return all(_close(a[key], b[key], total if key != "first" else
                          _scale(a[key], b[key]))
                   for key in a if key != "shape")
    return _close(a, b, _scale(a, b))


def sources_match(a: str, b: str) -> bool:
    """Whether two cell sources are equal but for float noise in ``expected=`` literals."""
    if a == b:
        return True
    try:
        (skeleton_a, values_a), (skeleton_b, values_b) = split_expected(a), split_expected(b)
    except (SyntaxError, ValueError):
        return False
    return (skeleton_a == skeleton_b and len(values_a) == len(values_b)
            and all(values_close(x, y) for x, y in zip(values_a, values_b, strict=True)))


def _without_source(cell: dict) -> dict:
    cell = {key: value for key, value in cell.items() if key != "source"}
    nbgrader = cell.get("metadata", {}).get("nbgrader")
    if isinstance(nbgrader, dict) and "checksum" in nbgrader:
        metadata = dict(cell["metadata"])
        metadata["nbgrader"] = {k: v for k, v in nbgrader.items() if k != "checksum"}
        cell["metadata"] = metadata
    return cell


def _source(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def notebooks_match(path_a: Path, path_b: Path) -> bool:
    """Whether two notebook files hold the same course (see the module docstring).

    Args:
        path_a: one notebook file.
        path_b: the other.

    Returns:
        False also when either file is missing or is not JSON.
    """
    try:
        a = json.loads(Path(path_a).read_text(encoding="utf-8"))
        b = json.loads(Path(path_b).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if a == b:
        return True
    cells_a, cells_b = a.pop("cells", None), b.pop("cells", None)
    if a != b or not isinstance(cells_a, list) or not isinstance(cells_b, list):
        return False
    if len(cells_a) != len(cells_b):
        return False
    return all(_without_source(x) == _without_source(y) and sources_match(_source(x), _source(y))
               for x, y in zip(cells_a, cells_b, strict=True))
