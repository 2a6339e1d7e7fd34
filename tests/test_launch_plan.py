"""The launch plan crosses from the grader to the sandbox launcher as typed JSON."""

from __future__ import annotations

import subprocess
import sys

import pytest

from autograde.sandbox.plan import LaunchPlan, PlanError


def _plan(**changes) -> LaunchPlan:
    values = {"namespaces": True, "network": False, "run_dir": "/run/k", "work_dir": "/tmp/w",
              "status_file": "/run/k/status.json", "disk_bytes": 1 << 30,
              "hide": ["/course/source"], "expose": {"/tmp": ["/tmp/venv"]}, "uid": 60123,
              "rlimits": {"RLIMIT_CORE": 0}, "watchdog_memory": None}
    return LaunchPlan(**{**values, **changes})


def test_plan_round_trips_through_an_owner_only_file(tmp_path):
    path = tmp_path / "plan.json"
    _plan().write(path)
    assert path.stat().st_mode & 0o777 == 0o600
    assert LaunchPlan.read(path) == _plan()


@pytest.mark.parametrize(("text", "words"), [
    ("not json", "not JSON"), ("[1, 2]", "not a JSON object"),
    ('{"namespaces": true}', "incomplete"),
    (_plan().to_json()[:-1] + ', "shell": "rm -rf /"}', "unknown fields"),
])
def test_a_foreign_plan_is_refused_with_a_reason(text, words):
    with pytest.raises(PlanError, match=words):
        LaunchPlan.from_json(text)


def test_the_launcher_refuses_an_unreadable_plan_in_one_line(tmp_path):
    bad = tmp_path / "plan.json"
    bad.write_text("{}")
    command = [sys.executable, "-m", "autograde.sandbox.launcher", str(bad), "--", "true"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0 and "cannot read the plan" in done.stderr
