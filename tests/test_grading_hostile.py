"""Grading a mixed batch of broken and hostile submissions with two jobs.

One module fixture writes the corpus of ``tests/hostile/corpus.py`` (33 submissions,
31 of them run by a kernel; six reach for the reference) and grades it with ``jobs=2``
and small limits, the way ``autograde grade --jobs 2`` does. The tests then check each
submission's exact grade and reason, and what must not have happened: a process left
behind, a request reaching the test's loopback server, a solution or the gradebook
read, a grade changed.
"""

from __future__ import annotations

import csv
import http.server
import os
import re
import threading

import psutil
import pytest

from autograde.graded import notebooks
from autograde.grader.batch import grade_submissions
from autograde.sandbox.limits import GIB, MIB, Limits
from tests.hostile.corpus import CASES, Context, write_corpus

pytestmark = pytest.mark.slow
# Room for a kernel's TensorFlow import (8 s on an idle 2-core machine) while the other
# test worker and the second grading job load the same cores; the two cases that run
# forever pay the cell limit once each.
LIMITS = Limits(memory_bytes=2 * GIB, cell_seconds=30, notebook_seconds=120,
                output_bytes=2 * MIB, max_tasks=64)


class _Counter(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 -- http.server's naming
        self.hits.append(self.path)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"secret")

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Counter)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    submissions = tmp_path_factory.mktemp("hostile")
    out = tmp_path_factory.mktemp("hostile-graded")
    marker = f"4242.{os.getpid()}"
    ctx = Context(out=out, submissions=submissions, port=server.server_address[1],
                  marker=marker)
    expected = write_corpus(ctx)
    announced: list[str] = []
    try:
        results, _ = grade_submissions(submissions, out, progress=False, jobs=2,
                                       limits=LIMITS, announce=announced.append)
    finally:
        server.shutdown()
    return {"results": {r.student: r for r in results}, "expected": expected, "out": out,
            "hits": list(_Counter.hits), "marker": marker, "announced": announced,
            "submissions": submissions}


def _text(result) -> str:
    return " | ".join([result.error, *result.notes, *(i.message for i in result.items)])


def test_the_batch_has_every_case_and_at_least_twenty_submissions(graded):
    assert len(CASES) >= 20
    assert set(graded["results"]) == {case.student for case in CASES}


@pytest.mark.parametrize("case", CASES, ids=[case.student for case in CASES])
def test_each_submission_gets_exactly_its_expected_grade(graded, case):
    result = graded["results"][case.student]
    scores = {item.name.removeprefix("test_"): item.score for item in result.items}
    if case.unreadable:
        assert result.error and not result.items and result.score == 0
    else:
        assert not result.error, result.error
        assert scores == case.scores, _text(result)
    assert result.score == sum(case.scores.values())
    assert result.max_score == {"02_content_cost": 2, "04_total_cost": 3}[case.lesson]
    assert case.reason in _text(result), _text(result)


def test_grades_csv_holds_exactly_the_expected_grades(graded):
    with (graded["out"] / "grades.csv").open(newline="", encoding="utf-8") as handle:
        rows = {row["student"]: row for row in csv.DictReader(handle)}
    assert set(rows) == {case.student for case in CASES}
    for case in CASES:
        assert float(rows[case.student]["score"]) == sum(case.scores.values()), case.student
        failed = {name for name, points in case.scores.items() if not points}
        assert set(rows[case.student]["failed_items"].split()) == (
            set() if case.unreadable else failed), case.student
    assert "mallory" not in (graded["out"] / "grades.csv").read_text(encoding="utf-8")


def test_no_process_is_left_behind(graded):
    leftovers = []
    for proc in psutil.process_iter(["cmdline"]):
        if graded["marker"] in " ".join(proc.info["cmdline"] or []):
            leftovers.append(proc.pid)
    assert leftovers == []


def _printed(graded, student) -> str:
    """Everything the autograded notebook of ``student`` printed."""
    case = next(c for c in CASES if c.student == student)
    nb = notebooks.read(graded["out"] / "course" / "autograded" / student / case.lesson
                        / f"{case.lesson}.ipynb")
    return "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", [])
                   if o.get("output_type") == "stream")


def test_the_processes_case_was_stopped_by_the_task_limit(graded):
    started, refused = map(int, re.search(r"started (\d+) refused (\d+)",
                                          _printed(graded, "processes")).groups())
    assert started < LIMITS.max_tasks and refused > 0


def test_no_network_request_left_the_kernel(graded):
    assert graded["hits"] == []
    printed = _printed(graded, "network")
    assert "REACHED" not in printed and printed.count("blocked:") == 2


def test_solutions_sources_gradebook_and_grades_stay_out_of_reach(graded):
    printed = _printed(graded, "secrets")
    assert "READ:" not in printed and "WROTE:" not in printed
    assert printed.count("blocked read:") == 5 and printed.count("blocked write:") == 4
    assert not (graded["out"] / "pwned.txt").exists()
    victim = graded["submissions"] / "correct_04" / "04_total_cost.ipynb"
    assert b"mallory" not in victim.read_bytes()
    assert graded["results"]["correct_04"].full_marks


def test_protections_are_reported(graded):
    lines = graded["announced"]
    assert lines == (graded["out"] / "protections.txt").read_text().splitlines()
    assert any("memory 2 GiB" in line for line in lines)
    if not any("unavailable" in line or "not root" in line for line in lines):
        assert "no network (own network namespace)" in lines
        assert "unprivileged user per kernel" in lines


def test_every_submission_has_a_feedback_page(graded):
    for case in CASES:
        page = graded["out"] / "feedback" / case.student / f"{case.lesson}.html"
        assert page.is_file() and case.lesson in page.read_text(encoding="utf-8")
