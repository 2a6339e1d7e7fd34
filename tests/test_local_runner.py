"""The local runner grades every task once, replaces a worker that dies, and gives up after two."""

from __future__ import annotations

import dataclasses

import pytest

from autograde.grader import local_runner
from autograde.grader.jobs import GradingJob, JobOutcome
from autograde.grader.local_runner import ATTEMPTS, LocalRunner
from autograde.sandbox.kernel_box import Policy
from autograde.sandbox.limits import Limits


class FakeWorker:
    """Stands for a worker process: 'dies' (returns None) on the students listed in ``deadly``."""

    started: list[FakeWorker] = []
    deadly: dict[str, int] = {}  # student -> how many workers it kills

    def __init__(self) -> None:
        self.closed = False
        self.graded: list[str] = []
        FakeWorker.started.append(self)

    def grade(self, task: GradingJob) -> JobOutcome | None:
        assert not self.closed, "a closed worker was given a task"
        if FakeWorker.deadly.get(task.student, 0) > 0:
            FakeWorker.deadly[task.student] -= 1
            return None
        self.graded.append(task.student)
        return JobOutcome(task.student, task.lesson, items=[], timings={})

    def close(self) -> None:
        self.closed = True


@pytest.fixture
def fake_workers(monkeypatch):
    monkeypatch.setattr(local_runner, "WorkerProcess", FakeWorker)
    FakeWorker.started, FakeWorker.deadly = [], {}
    return FakeWorker


def _jobs(tmp_path, students):
    job = GradingJob.for_submission("x", "02_content_cost", tmp_path / "s.ipynb",
                                    tmp_path / "course", tmp_path / "expected.json",
                                    Limits(), Policy(hide=()))
    return [dataclasses.replace(job, student=s) for s in students]


def test_every_task_is_graded_exactly_once_and_every_worker_closed(tmp_path, fake_workers):
    """Eight tasks on three workers: eight outcomes, one per student, all workers closed."""
    runner = LocalRunner(3)
    done = list(runner.run(_jobs(tmp_path, [f"s{i}" for i in range(8)])))
    assert sorted(task.student for task, _ in done) == [f"s{i}" for i in range(8)]
    assert all(outcome.student == task.student and not outcome.error
               for task, outcome in done)
    assert sum(len(w.graded) for w in fake_workers.started) == 8
    assert len(fake_workers.started) == 3 and all(w.closed for w in fake_workers.started)


def test_a_dead_worker_is_replaced_and_its_task_retried(tmp_path, fake_workers):
    """A notebook that kills one worker is graded by its replacement."""
    fake_workers.deadly = {"s1": 1}
    done = dict((t.student, o) for t, o in LocalRunner(2).run(_jobs(tmp_path, ["s0", "s1"])))
    assert not done["s1"].error
    assert len(fake_workers.started) == 3  # two, and one in place of the dead one
    assert all(w.closed for w in fake_workers.started)


def test_a_notebook_that_keeps_killing_workers_is_given_up(tmp_path, fake_workers):
    """After ATTEMPTS deaths the task ends as failed, with the reason, and the others finish."""
    fake_workers.deadly = {"s1": 99}
    done = dict((t.student, o) for t, o in LocalRunner(2).run(_jobs(tmp_path, ["s0", "s1", "s2"])))
    assert done["s1"].error == "the grading worker process died"
    assert not done["s0"].error and not done["s2"].error
    assert fake_workers.deadly["s1"] == 99 - ATTEMPTS


def test_jobs_below_one_is_refused():
    """--jobs 0 is a clear error."""
    with pytest.raises(ValueError, match="--jobs must be at least 1"):
        LocalRunner(0)
