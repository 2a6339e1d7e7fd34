"""Grading jobs and outcomes cross between the batch and its workers as typed JSON lines."""

from __future__ import annotations

import json

import pytest

from autograde.grader.jobs import GradingJob, ItemOutcome, JobOutcome
from autograde.sandbox.kernel_box import Policy
from autograde.sandbox.limits import Limits


def _job(tmp_path) -> GradingJob:
    return GradingJob.for_submission("ada", "02_content_cost", tmp_path / "s.ipynb",
                                     tmp_path / "course", tmp_path / "expected.json",
                                     Limits(), Policy(hide=("/secret",)))


def test_a_job_round_trips_and_names_the_course_files(tmp_path):
    job = _job(tmp_path)
    assert job.release.endswith("course/release/02_content_cost/02_content_cost.ipynb")
    assert job.source.endswith("course/source/02_content_cost/02_content_cost.ipynb")
    back = GradingJob.from_json(job.to_json())
    assert back == job
    assert Limits(**back.limits) == Limits() and Policy.from_dict(back.policy).hide == ("/secret",)


def test_an_outcome_round_trips_with_typed_items(tmp_path):
    outcome = JobOutcome("ada", "02_content_cost",
                         items=[ItemOutcome("test_compute_content_cost", 2.0, 2.0)],
                         notes=["repaired"], autograded="{}", timings={"total": 1.5})
    back = JobOutcome.from_json(outcome.to_json())
    assert back == outcome and isinstance(back.items[0], ItemOutcome)
    failed = JobOutcome.failed(_job(tmp_path), "the grading worker process died")
    assert JobOutcome.from_json(failed.to_json()).error == "the grading worker process died"


@pytest.mark.parametrize(("kind", "line"), [
    (JobOutcome, "[]"),
    (GradingJob, json.dumps({"student": "a"})),
    (JobOutcome, json.dumps({"student": "a", "lesson": "l", "bogus": 1})),
    (JobOutcome, json.dumps({"student": "a", "lesson": "l", "items": [{"name": "x"}]})),
])
def test_foreign_lines_are_refused(kind, line):
    with pytest.raises(ValueError):
        kind.from_json(line)
