"""Grading on a Dask cluster: a real scheduler and two workers on 127.0.0.1 give the local grades.

The cluster is ``dask scheduler`` and two ``dask worker`` processes (one thread each,
with their nannies, which restart a killed worker), the scheduler told to give a
notebook up after two workers died on it (``allowed-failures`` 1) and to hand each
worker only the task it runs (``worker-saturation`` 1.0). The batch is two honest and
hostile lesson-02 submissions: the solution and the untouched lesson (honest), a file
that is not JSON and a body that imports the reference (hostile). The first three
compare with their grades in the session's local ``jobs=2`` run (``graded_course``),
the last with the grade the hostile corpus states for it.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from autograde import cli
from autograde.grader import dask_runner
from autograde.grader.batch import grade_submissions
from autograde.grader.dask_runner import DaskRunner, grade_on_worker
from tests.hostile.corpus import CASES, Context

ROOT = Path(__file__).resolve().parent.parent
LESSON = "02_content_cost"
LOCAL = ("solutions", "untouched", "garbage")  # students of the graded_course batch
HOSTILE = "reach_import"  # a case of the hostile corpus
KILLER = "killer"  # the student whose notebook brings down every worker that grades it


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _dask(*args: str, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "dask", *args], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="module")
def cluster():
    """The address of a scheduler and two workers started (not awaited) for this module."""
    address = f"tcp://127.0.0.1:{_free_port()}"
    # Workers import this module for the killer task; the scheduler's two settings.
    env = {**os.environ, "PYTHONPATH": str(ROOT),
           "DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": "1",
           "DASK_DISTRIBUTED__SCHEDULER__WORKER_SATURATION": "1.0"}
    scheduler = _dask("scheduler", "--host", "127.0.0.1", "--port", address.rsplit(":", 1)[1],
                      "--no-dashboard", env=env)
    workers = [_dask("worker", address, "--host", "127.0.0.1", "--nthreads", "1",
                     "--nworkers", "1", "--no-dashboard", "--name", f"w{index}", env=env)
               for index in range(2)]
    try:
        yield address
    finally:
        for process in [*workers, scheduler]:
            _stop(process)


@pytest.fixture(scope="module")
def batch(tmp_path_factory, graded_course):
    """The submissions, and the grades they must get."""
    base = tmp_path_factory.mktemp("dask_batch")
    submissions = base / "submissions"
    for student in LOCAL:
        target = submissions / student / f"{LESSON}.ipynb"
        target.parent.mkdir(parents=True)
        target.write_bytes((graded_course["submissions"] / student / target.name).read_bytes())
    case = next(c for c in CASES if c.student == HOSTILE)
    target = submissions / case.student / f"{case.lesson}.ipynb"
    target.parent.mkdir(parents=True)
    target.write_bytes(case.build(Context(out=base, submissions=submissions)))
    return {"submissions": submissions, "base": base, "case": case,
            "local": {(s, LESSON): graded_course["results"][(s, LESSON)] for s in LOCAL}}


@pytest.fixture(scope="module")
def client(cluster, batch):
    """A client of the cluster, once both workers are up (they start during ``batch``)."""
    from distributed import Client

    with Client(cluster, timeout=60, set_as_default=False) as client:
        client.wait_for_workers(2, timeout=120)
        yield client


def _out(batch, name: str) -> Path:
    """A new output folder with the reference values already computed by an earlier run."""
    out = batch["base"] / name
    for cache in batch["base"].glob("*/course/.autograde/expected-*.json"):
        (out / "course" / ".autograde").mkdir(parents=True, exist_ok=True)
        (out / "course" / ".autograde" / cache.name).write_bytes(cache.read_bytes())
    return out


def _grade(result) -> tuple:
    """What must not depend on where a notebook was graded."""
    return (result.score, result.max_score, result.error, result.notes,
            [(i.name, i.score, i.message) for i in result.items])


def _logged(out: Path) -> list[tuple[str, str]]:
    """``(student, lesson)`` of every result the batch recorded, in order."""
    lines = (out / "course" / ".autograde" / "graded.jsonl").read_text().splitlines()
    return [(e["result"]["student"], e["result"]["lesson"]) for e in map(json.loads, lines)]


def _gradebook(out: Path) -> list[tuple[str, str]]:
    """``(student, lesson)`` of every submission in the course's gradebook.

    A file that could not be graded at all (not a notebook) has no submission there.
    """
    from nbgrader.api import Gradebook, SubmittedAssignment

    with Gradebook(f"sqlite:///{out / 'course' / 'gradebook.db'}") as gb:
        return sorted((s.student.id, s.assignment.name)
                      for s in gb.db.query(SubmittedAssignment))


def _kill_when_busy(client, student: str, killed: list) -> None:
    """SIGKILL the worker process that grades ``student``'s notebook, 2 s into it."""
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        for worker, keys in client.processing().items():
            if any(f"grade-{student}-" in str(key) for key in keys):
                time.sleep(2)  # well into the task: past the sandbox probe, in the kernel
                pid = client.run(os.getpid, workers=[worker])[worker]
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
                return
        time.sleep(0.2)


@pytest.mark.slow
def test_a_batch_on_two_workers_gets_the_local_grades_though_a_worker_is_killed(
        cluster, client, batch):
    out = _out(batch, "dask")
    killed: list[int] = []
    killer = threading.Thread(target=_kill_when_busy, args=(client, "solutions", killed))
    killer.start()
    results, _ = grade_submissions(batch["submissions"], out, progress=False,
                                   scheduler=cluster)
    killer.join()
    assert killed, "no worker was killed while grading"
    graded = {(r.student, r.lesson): r for r in results}
    assert {key: _grade(graded[key]) for key in batch["local"]} == {
        key: _grade(result) for key, result in batch["local"].items()}
    hostile = graded[(HOSTILE, LESSON)]
    assert {i.name.removeprefix("test_"): i.score for i in hostile.items} == \
        batch["case"].scores
    assert any(batch["case"].reason in note for note in hostile.notes)
    # Every notebook recorded exactly once, the killed one too.
    everyone = sorted([*batch["local"], (HOSTILE, LESSON)])
    assert sorted(_logged(out)) == everyone
    assert _gradebook(out) == [key for key in everyone if not graded[key].error]
    with (out / "grades.csv").open(newline="") as handle:
        assert sorted((r["student"], r["lesson"]) for r in csv.DictReader(handle)) == everyone
    client.wait_for_workers(2, timeout=120)  # the nanny started a new worker


def _kill_own_worker(job_json: str) -> str:
    """A Dask task whose notebook, for :data:`KILLER`, takes its worker down."""
    if json.loads(job_json)["student"] == KILLER:
        os.kill(os.getpid(), signal.SIGKILL)
    return grade_on_worker(job_json)


@pytest.mark.slow
def test_a_notebook_that_kills_its_workers_is_given_up_with_a_note(client, batch):
    source = batch["submissions"] / "garbage" / f"{LESSON}.ipynb"
    for student in (KILLER, "garbage"):
        (batch["base"] / "killing" / student).mkdir(parents=True)
        (batch["base"] / "killing" / student / source.name).write_bytes(source.read_bytes())
    out = _out(batch, "killed")
    runner = DaskRunner(client, task=_kill_own_worker)
    results, _ = grade_submissions(batch["base"] / "killing", out, progress=False,
                                   scheduler=runner)
    by_student = {r.student: r for r in results}
    # allowed-failures 1: two workers died, then Dask gave up (KilledWorker).
    assert by_student[KILLER].error == "gave up after 2 workers died grading this notebook"
    assert by_student[KILLER].score == 0
    assert _grade(by_student["garbage"]) == _grade(batch["local"][("garbage", LESSON)])
    assert sorted(_logged(out)) == [("garbage", LESSON), (KILLER, LESSON)]
    assert "gave up after 2 workers died" in (out / "grades.csv").read_text()
    client.wait_for_workers(2, timeout=120)


@pytest.mark.slow
def test_an_interrupted_run_run_again_grades_only_what_is_missing(cluster, client, batch):
    folder = batch["base"] / "interrupted"
    for student in ("solutions", "garbage"):
        (folder / student).mkdir(parents=True)
        source = batch["submissions"] / student / f"{LESSON}.ipynb"
        (folder / student / source.name).write_bytes(source.read_bytes())
    out = _out(batch, "interrupted-out")
    command = [sys.executable, "-m", "autograde", "grade", str(folder), "--out", str(out),
               "--scheduler", cluster, "-q"]
    # Ctrl-C in a terminal: SIGINT at its default, even when this suite runs in the
    # background of a shell without job control, whose children inherit SIGINT ignored.
    first = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True,
                             preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    log = out / "course" / ".autograde" / "graded.jsonl"
    deadline = time.monotonic() + 240
    while not (log.exists() and log.read_text()) and time.monotonic() < deadline:
        time.sleep(0.2)
    first.send_signal(signal.SIGINT)  # Ctrl-C after the first recorded notebook
    assert first.wait(timeout=60) == 130, first.stderr.read()
    kept = _logged(out)
    # The unreadable file takes no kernel, so it is done while the solution still runs.
    assert kept == [("garbage", LESSON)]
    assert cli.main(command[3:]) == 0
    # The rerun recorded only the missing notebook, and every grade is the local one.
    assert _logged(out) == kept + [("solutions", LESSON)]
    with (out / "grades.csv").open(newline="") as handle:
        scores = {(r["student"], r["lesson"]): float(r["score"]) for r in csv.DictReader(handle)}
    assert scores == {key: batch["local"][key].score for key in kept + [("solutions", LESSON)]}


def test_an_unreachable_scheduler_is_one_line_on_stderr(tmp_path, monkeypatch, capsys):
    (tmp_path / "in" / "ada").mkdir(parents=True)
    (tmp_path / "in" / "ada" / f"{LESSON}.ipynb").write_text("{}", encoding="utf-8")
    monkeypatch.setattr(dask_runner, "CONNECT_SECONDS", 2)
    code = cli.main(["grade", str(tmp_path / "in"), "--out", str(tmp_path / "out"), "-q",
                     "--scheduler", f"tcp://127.0.0.1:{_free_port()}"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("autograde grade: error: cannot reach the Dask scheduler")
    assert len(err.strip().splitlines()) == 1


def test_the_log_keeps_the_last_result_per_notebook_and_skips_a_torn_line(tmp_path):
    from autograde.grader.jobs import GradingJob
    from autograde.grader.results import ItemResult, LessonResult
    from autograde.grader.resume import GradedLog, fingerprint

    files = {name: tmp_path / f"{name}.ipynb" for name in ("path", "release", "source")}
    for index, path in enumerate(files.values()):
        path.write_text(f"{{{index}}}", encoding="utf-8")
    job = GradingJob("ada", LESSON, *map(str, files.values()), str(files["source"]),
                     limits={"cell_seconds": 1.0}, policy={"hide": []})
    mark = fingerprint(job, tmp_path / "out")
    log = GradedLog(tmp_path / "state")
    old = LessonResult("ada", LESSON, 0.0, 2.0, [ItemResult("test_f", 0.0, 2.0, "wrong")])
    new = LessonResult("ada", LESSON, 2.0, 2.0, [ItemResult("test_f", 2.0, 2.0)])
    log.append("old", old)
    log.append(mark, new)
    with log.path.open("a", encoding="utf-8") as handle:
        handle.write('{"fingerprint": "x", "result": {"stud')  # killed mid-write
    assert log.load() == {("ada", LESSON): (mark, new)}
    # Any input that decides the grade changes the fingerprint.
    files["path"].write_text("{9}", encoding="utf-8")
    assert fingerprint(job, tmp_path / "out") != mark
    files["path"].write_text("{0}", encoding="utf-8")
    assert fingerprint(job, tmp_path / "out") == mark
    assert fingerprint(job, tmp_path / "elsewhere") != mark
    assert fingerprint(job.__class__(**{**job.__dict__, "limits": {"cell_seconds": 2.0}}),
                       tmp_path / "out") != mark
    files["path"].unlink()
    assert fingerprint(job, tmp_path / "out") == ""
