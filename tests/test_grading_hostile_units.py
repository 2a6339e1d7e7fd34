"""The parts of robust grading on their own: result transport, verdicts, repairs, limits,
the degraded sandbox and the command line.

Expected values come from the float64 NumPy readings in ``autograde/graded/exact.py`` on
inputs from ``numpy.random.default_rng``, never from the code under test.
"""

from __future__ import annotations

import asyncio
import copy
import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import psutil
import pytest

from autograde.graded import exact, notebooks
from autograde.graded.specs import get_spec
from autograde.grader.reference_values import labels
from autograde.grader.repair import InvalidSubmission, repair
from autograde.grader.verdict import judge, take_results
from autograde.kernel import results as record
from autograde.sandbox.kernel_box import KernelSandbox, Policy, _maskable
from autograde.sandbox.limits import MIB, Limits, format_size, parse_size

ROOT = Path(__file__).resolve().parent.parent
L04 = "04_total_cost"


# --- results sent by the kernel -----------------------------------------------------------

@pytest.mark.parametrize("shape", [(), (3,), (2, 3, 4), (1, 0)])
def test_results_survive_the_trip_bit_for_bit(shape):
    value = np.random.default_rng(len(shape)).standard_normal(shape).astype(np.float32)
    back = record.decode(json.loads(json.dumps(record.encode(value))))
    assert back.shape == value.shape and back.dtype == np.float32
    assert np.array_equal(back, value)


@pytest.mark.parametrize("payload", [
    None, [], {"shape": [2]}, {"shape": [2], "data": "AAAAAA==", "extra": 1},
    {"shape": [-1], "data": ""}, {"shape": [True], "data": "AAAAAA=="},
    {"shape": [2], "data": "AAAAAA=="}, {"shape": [10**8], "data": ""},
    {"shape": [1], "data": "!!!!"}, {"shape": "1", "data": "AAAAAA=="},
])
def test_malformed_results_are_refused(payload):
    with pytest.raises(ValueError):
        record.decode(payload)


def _content_cases() -> tuple[list[str], dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Labels, NumPy-computed expected values, and the student's (correct) values."""
    spec = get_spec("compute_content_cost")
    names = labels("compute_content_cost")
    values = {}
    for label, case in zip(names, (spec.public, *spec.hidden), strict=True):
        values[label] = np.float32(exact.compute_content_cost(**spec.inputs(case)))
    return names, values, dict(values)


def _payloads(values: dict[str, np.ndarray], name: str = "compute_content_cost") -> list:
    return [{"function": name, "case": label, "value": record.encode(v)}
            for label, v in values.items()]


def test_right_values_pass_and_a_wrong_one_fails_with_the_numbers():
    names, expected, sent = _content_cases()
    assert judge("compute_content_cost", _payloads(sent), expected).passed
    sent[names[1]] = np.float32(expected[names[1]] * 1.01)
    verdict = judge("compute_content_cost", _payloads(sent), expected)
    assert not verdict.passed
    assert f"{float(expected[names[1]]):.5g}"[:6] in verdict.message


def test_values_within_the_tolerance_pass():
    _, expected, sent = _content_cases()
    sent = {label: np.float32(v * (1 + 2e-5)) for label, v in sent.items()}
    assert judge("compute_content_cost", _payloads(sent), expected).passed


@pytest.mark.parametrize(("change", "message"), [
    (lambda p: p[:-1], "kernel stopped"),
    (lambda p: p + p[:1], "two results"),
    (lambda p: [dict(p[0], function="gram_matrix")] + p[1:], "does not belong"),
    (lambda p: [{"function": p[0]["function"], "case": "public",
                 "error": "NotImplementedError"}] + p[1:], "not implemented yet"),
    (lambda p: [dict(p[0], value={"shape": [3], "data": "AAAA"})] + p[1:], "could not be read"),
])
def test_missing_doubled_foreign_failed_or_garbled_results_fail(change, message):
    _, expected, sent = _content_cases()
    verdict = judge("compute_content_cost", change(_payloads(sent)), expected,
                    not_run="not graded: the kernel stopped")
    assert not verdict.passed and message in verdict.message


def test_a_cell_error_fails_even_with_right_values():
    _, expected, sent = _content_cases()
    verdict = judge("compute_content_cost", _payloads(sent), expected, error="Oops: late")
    assert not verdict.passed and verdict.message == "Oops: late"


def test_results_are_taken_out_of_the_cell():
    cell = nbformat.v4.new_code_cell("x")
    sent = {"function": "f", "case": "public", "value": record.encode(np.float32(1))}
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="hi"),
                    nbformat.v4.new_output("display_data", data={record.MIME: sent})]
    assert take_results(cell) == [sent]
    assert [o.output_type for o in cell.outputs] == ["stream"]


# --- repairing submissions -----------------------------------------------------------------

@pytest.fixture(scope="module")
def lesson04():
    return (notebooks.read(ROOT / "lessons" / f"{L04}.ipynb"),
            notebooks.read(ROOT / "autograde" / "sources" / f"{L04}.ipynb"))


def _repair(nb, lesson04):
    return repair(json.dumps(nb).encode(), *lesson04, L04)


def _by_grade_id(nb):
    return {notebooks.grade_id(c): c for c in nb.cells if notebooks.grade_id(c)}


def test_deleted_and_edited_test_cells_come_back_with_hidden_tests(lesson04):
    nb = copy.deepcopy(lesson04[0])
    nb.cells = [c for c in nb.cells if notebooks.grade_id(c) != "test_total_cost"]
    next(c for c in nb.cells if notebooks.grade_id(c) == "test_total_variation_cost"
         ).source = "pass"
    repaired = _repair(nb, lesson04)
    cells = _by_grade_id(repaired.notebook)
    assert "check_hidden(total_cost" in cells["test_total_cost"].source
    assert "check_hidden(total_variation_cost" in cells["test_total_variation_cost"].source
    assert any("was missing" in n for n in repaired.notes)
    assert any("was edited" in n for n in repaired.notes)


def test_a_solution_cell_is_found_without_its_metadata_and_run_as_code(lesson04):
    nb = copy.deepcopy(lesson04[0])
    cell = _by_grade_id(nb)["total_cost"]
    cell.source = cell.source.replace("raise NotImplementedError()", "return 1.0")
    del cell.metadata["nbgrader"]
    cell.id, cell.cell_type = "renamed", "markdown"
    del cell["outputs"], cell["execution_count"]
    free = nbformat.v4.new_code_cell("helper = 1")
    nb.cells.insert(nb.cells.index(cell) + 1, free)
    repaired = _repair(nb, lesson04).notebook
    solution = _by_grade_id(repaired)["total_cost"]
    assert solution.cell_type == "code" and "return 1.0" in solution.source
    assert solution.id == _by_grade_id(lesson04[0])["total_cost"].id
    assert repaired.cells[repaired.cells.index(solution) + 1].source == "helper = 1"


def test_missing_and_duplicate_ids_become_unique_valid_ids(lesson04):
    nb = copy.deepcopy(lesson04[0])
    for index, cell in enumerate(nb.cells):
        if index % 2:
            cell.pop("id")
        else:
            cell.id = "same"
    repaired = _repair(nb, lesson04).notebook
    nbformat.validate(repaired)
    ids = [c.id for c in repaired.cells]
    assert len(set(ids)) == len(ids)


@pytest.mark.parametrize(("raw", "reason"), [
    (b"{", "not valid JSON"), (b"[1, 2]", "not an object"), (b'{"cells": 3}', "no list"),
    (b"\xff\xfe{}", "not UTF-8"), (b" " * (64 * MIB + 1), "MiB"),
])
def test_unreadable_files_are_refused_with_the_reason(lesson04, raw, reason):
    with pytest.raises(InvalidSubmission, match=reason):
        repair(raw, *lesson04, L04)


def test_a_byte_order_mark_is_accepted(lesson04):
    raw = "\ufeff".encode() + json.dumps(lesson04[0]).encode()
    assert repair(raw, *lesson04, L04).notes == []


# --- limits ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "size"), [("4G", 4 << 30), ("512M", 512 << 20),
                                            ("16MiB", 16 << 20), ("65536", 65536),
                                            ("1.5k", 1536)])
def test_sizes_are_read_with_binary_units(text, size):
    assert parse_size(text) == size


@pytest.mark.parametrize("text", ["lots", "4 parsecs", "-1G", ""])
def test_bad_sizes_say_how_to_write_one(text):
    with pytest.raises(ValueError, match="e.g. 4G"):
        parse_size(text)


def test_limits_refuse_nonsense_with_the_option_to_fix():
    with pytest.raises(ValueError, match="--memory"):
        Limits(memory_bytes=10)
    with pytest.raises(ValueError, match="--cell-timeout"):
        Limits(cell_seconds=0)
    assert format_size(4 << 30) == "4 GiB" and format_size(1536) == "1.5 KiB"


def test_a_folder_holding_what_the_kernel_needs_is_masked_around_it(tmp_path):
    for name in ("keep/inner", "keep/other", "secret"):
        (tmp_path / name).mkdir(parents=True)
    masked = _maskable(tmp_path, [tmp_path / "keep" / "inner"])
    assert masked == [tmp_path / "keep" / "other", tmp_path / "secret"]


# --- the sandbox without namespaces or cgroups ---------------------------------------------

def _run(cells: list[str], limits: Limits):
    from autograde.grader.execute import run_notebook

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    with KernelSandbox(Policy(), limits) as box:
        return asyncio.run(run_notebook(nb, box, limits, {}))


def test_degraded_sandbox_still_stops_memory_hogs_and_reaps_daemons():
    marker = f"4343.{os.getpid()}"
    daemon = (f"import os\nif os.fork() == 0:\n    os.setsid()\n    if os.fork() == 0:\n"
              f"        os.execvp('sleep', ['sleep', '{marker}'])\n    os._exit(0)")
    hog = "import numpy as np\nx = [np.ones(2**25) for _ in range(8)]  # 2 GiB in steps"
    run = _run([daemon, "y = 1", hog, "z = 2"], Limits(memory_bytes=512 * MIB))
    assert "out of memory" in run.stopped and run.stopped_at == 2
    assert run.notebook.cells[1].execution_count == 2
    assert not run.notebook.cells[3].outputs
    assert not [p for p in psutil.process_iter(["cmdline"])
                if marker in " ".join(p.info["cmdline"] or [])]


def test_the_notebook_clock_covers_all_cells():
    run = _run(["import time\ntime.sleep(2)", "time.sleep(30)", "x = 1"],
               Limits(cell_seconds=60, notebook_seconds=6))
    assert "cell 2 ran past the notebook's time limit" in run.notes[0]
    assert run.stopped_at == 2 and "ran past its time limit (6 s)" in run.stopped
    assert run.notebook.cells[2].execution_count is None


# --- command line ----------------------------------------------------------------------------

def _cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    return subprocess.run([sys.executable, "-m", "autograde", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)


@pytest.mark.parametrize(("option", "message"), [
    (("--memory", "lots"), "is not a size"),
    (("--cell-timeout", "0"), "--cell-timeout"),
    (("--max-output", "1"), "--max-output"),
])
def test_bad_limits_exit_two_with_one_line(tmp_path, option, message):
    done = _cli("grade", str(tmp_path), "--out", str(tmp_path / "out"), *option)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    lines = [line for line in done.stderr.splitlines() if line.startswith("autograde")]
    assert len(lines) == 1 and message in lines[0]


@pytest.mark.slow
def test_grade_reports_protections_and_grades_unreadable_files(tmp_path):
    for student, content in (("ann", b"{oops"), ("bob", b'{"nbformat": 4}')):
        (tmp_path / "in" / student).mkdir(parents=True)
        (tmp_path / "in" / student / "02_content_cost.ipynb").write_bytes(content)
    done = _cli("grade", str(tmp_path / "in"), "--out", str(tmp_path / "out"), "-q",
                "--jobs", "2", "--memory", "3G")
    assert done.returncode == 0, done.stderr
    assert "protection: memory 3 GiB" in done.stderr
    rows = (tmp_path / "out" / "grades.csv").read_text().splitlines()
    assert rows[1].startswith("ann,02_content_cost,0,2,,not a readable notebook (not valid JSON")
    assert rows[2].startswith("bob,02_content_cost,0,2,,not a readable notebook (no list")
