"""The drift check's notion of "the same notebook": exact structure, close expected values."""

from __future__ import annotations

import copy
import json

import numpy as np

from autograde.build.notebook_match import DRIFT_RTOL, notebooks_match, sources_match, values_close

CELL = 'x = 1\ncheck_public(f, "f", expected={value})  # public check'


def test_numbers_within_the_drift_tolerance_are_close():
    assert values_close(0.05315829, 0.05315829 * (1 + DRIFT_RTOL / 2))
    assert not values_close(0.05315829, 0.05315829 * (1 + 20 * DRIFT_RTOL))
    assert values_close([[3.42, -0.0085324645]], [[3.42, -0.008532406]])  # near zero: scale
    assert not values_close([1.0, 2.0], [1.0, 2.0, 3.0])
    assert not values_close(1.0, [1.0])
    assert not values_close(1.0, "1.0")


def test_summary_sums_are_judged_against_the_sum_of_magnitudes():
    summary = {"shape": (1, 4, 4, 4), "sum": 0.0012, "abs_sum": 50.0, "first": [0.5, -0.25]}
    noisy = {**summary, "sum": 0.0012 + 10 * DRIFT_RTOL}  # 1% of the sum, 2e-7 of abs_sum
    assert values_close(summary, noisy)
    assert not values_close(summary, {**summary, "shape": (1, 4, 4, 5)})
    assert not values_close(summary, {**summary, "abs_sum": 50.1})
    assert not values_close(summary, {**summary, "first": [0.5, -0.26]})
    assert not values_close(summary, 0.0012)


def test_sources_must_be_equal_outside_the_expected_literals():
    assert sources_match(CELL.format(value=0.1), CELL.format(value=0.1 * (1 + 1e-7)))
    assert not sources_match(CELL.format(value=0.1), CELL.format(value=0.2))
    edited = CELL.format(value=0.1).replace("x = 1", "x = 2")
    assert not sources_match(CELL.format(value=0.1), edited)
    assert not sources_match("# prose 0.1", "# prose 0.1000001")  # numbers elsewhere: exact
    assert not sources_match("def f(:", "def f( :")


def _notebook(value: float, checksum: str = "abc") -> dict:
    cell = {"cell_type": "code", "id": "c1", "execution_count": None, "outputs": [],
            "metadata": {"nbgrader": {"grade": True, "grade_id": "test_f", "points": 1,
                                      "checksum": checksum}},
            "source": CELL.format(value=value)}
    return {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [cell]}


def test_notebooks_match_ignores_only_the_source_checksum(tmp_path):
    a, b = tmp_path / "a.ipynb", tmp_path / "b.ipynb"
    a.write_text(json.dumps(_notebook(0.1)))
    b.write_text(json.dumps(_notebook(float(np.nextafter(np.float32(0.1), 1)), checksum="zz")))
    assert notebooks_match(a, b)
    other = copy.deepcopy(_notebook(0.1))
    other["cells"][0]["metadata"]["nbgrader"]["points"] = 2
    b.write_text(json.dumps(other))
    assert not notebooks_match(a, b)
    other = _notebook(0.1)
    other["cells"].append(copy.deepcopy(other["cells"][0]))
    b.write_text(json.dumps(other))
    assert not notebooks_match(a, b)
    b.write_text("{not json")
    assert not notebooks_match(a, b)
    assert not notebooks_match(a, tmp_path / "missing.ipynb")
