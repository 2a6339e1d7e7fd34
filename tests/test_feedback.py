"""Feedback page helpers and the command line's help (no kernels)."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

import pytest

from autograde import cli
from autograde.grader import feedback
from autograde.grader.batch import Layout
from autograde.grader.gradebook import student_names

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "autograde"
_TMP = tempfile.gettempdir().rstrip("/") + "/"
_LOOK_ALIKE = (f"tmp/{str(ROOT)[len(_TMP):]}line/x.py and a/tmp/b"
               if str(ROOT).startswith(_TMP) else f"{ROOT}line/x.py and a/tmp/b")


@pytest.mark.parametrize(
    ("text", "wanted"),
    [
        (f"\x1b[32m{PACKAGE}/checks.py:291\x1b[39m, in _check_case",
         "\x1b[32mautograde/checks.py:291\x1b[39m, in _check_case"),
        (f"File {sysconfig.get_paths()['purelib']}/keras/src/ops.py:12",
         "File site-packages/keras/src/ops.py:12"),
        (f"put it at {tempfile.gettempdir()}/autograde-work-ab_12/.keras/models/v.h5 for",
         "put it at ~/.keras/models/v.h5 for"),
        (f"'{tempfile.gettempdir()}/pytest-of-x/data.npy'", "'tmp/pytest-of-x/data.npy'"),
        (f"file://{ROOT}/tests/x.py", "file://./tests/x.py"),
        # A look-alike of the checkout's path is not the checkout (it may still lie in
        # the temporary folder, as a CI clone under /tmp does, and is shortened as such).
        (f"{ROOT}line/x.py and a/tmp/b", _LOOK_ALIKE),
        ("no paths at all", "no paths at all"),
    ],
)
def test_scrub_rewrites_grader_paths_only(text, wanted):
    assert feedback.scrub(text) == wanted


def test_scrub_names_extra_folders():
    course = Path(tempfile.gettempdir()) / "c" / "my-course"
    assert feedback.scrub(f"{course}/autograded/x.ipynb", {str(course): "course"}) == \
        "course/autograded/x.ipynb"


def test_scrub_paths_preprocessor_cleans_outputs_and_adds_css(tmp_path):
    import nbformat

    course = tmp_path / "my-course"
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1/0", outputs=[
        nbformat.v4.new_output("error", ename="E", evalue=f"{sys.prefix}/x",
                               traceback=[f"{PACKAGE}/kernel/checks.py:1"]),
        nbformat.v4.new_output("stream", name="stdout", text=f"{Path.home()}/.keras\n"),
        nbformat.v4.new_output("display_data", data={"text/plain": f"{course}/release/y"}),
    ])])
    resources = {"metadata": {"path": str(course / "autograded" / "ada" / "02_x")}}
    nb, resources = feedback.ScrubPaths().preprocess(nb, resources)
    assert feedback.ScrubPaths().enabled  # nbconvert skips disabled preprocessors
    error, stream, display = nb.cells[0].outputs
    assert error.evalue == "python/x" and error.traceback == ["autograde/kernel/checks.py:1"]
    assert stream.text == "~/.keras\n" and display.data["text/plain"] == "course/release/y"
    assert feedback.WRAP_CSS in resources["inlining"]["css"]


def test_mathjax_copy_is_small_complete_and_made_once(tmp_path):
    entry = feedback.install_mathjax(tmp_path)
    assert entry == tmp_path / feedback.MATHJAX_DIR / "MathJax.js" and entry.is_file()
    root = entry.parent
    for needed in ("config/TeX-AMS-MML_HTMLorMML-full.js", "config/Safe.js",
                   "jax/output/HTML-CSS/fonts/STIX-Web/fontdata.js", "extensions/MathMenu.js"):
        assert (root / needed).is_file(), needed
    assert list((root / "fonts" / "HTML-CSS" / "STIX-Web" / "woff").glob("*.woff"))
    size = sum(p.stat().st_size for p in root.rglob("*") if p.is_file())
    assert size < 4_000_000
    stamp = entry.stat().st_mtime_ns
    feedback.install_mathjax(tmp_path)
    assert entry.stat().st_mtime_ns == stamp


def test_template_and_url_agree():
    macro = (feedback.TEMPLATES / feedback.TEMPLATE_NAME / "mathjax.html.j2").read_text()
    assert f'url="{feedback.MATHJAX_URL}"' in macro
    page = f'<script src="{feedback.MATHJAX_URL}"></script>'
    assert feedback.relocate_page(page, 1) == page.replace("../../", "../")


@pytest.mark.parametrize(
    ("student", "names"),
    [("ada_lovelace", ("Ada", "Lovelace")), ("grace.hopper@navy.mil", ("Grace", "Hopper")),
     ("alice", ("", "Alice")), ("s123-4", ("S123", "4"))],
)
def test_students_get_readable_names(student, names):
    assert student_names(student) == names


def test_layout_relates_out_and_course(tmp_path):
    alone = Layout.of(tmp_path / "out", None)
    assert alone.course == tmp_path / "out" / "course" and alone.copies_feedback
    assert alone.feedback_page("a", "02_x") == tmp_path / "out" / "feedback" / "a" / "02_x.html"
    course = Layout.of(None, tmp_path / "c")
    assert course.out == course.course == tmp_path / "c" and not course.copies_feedback
    assert course.feedback_page("a", "02_x") == \
        tmp_path / "c" / "feedback" / "a" / "02_x" / "02_x.html"
    both = Layout.of(tmp_path / "o", tmp_path / "c")
    assert (both.course, both.out, both.copies_feedback) == (tmp_path / "c", tmp_path / "o", True)
    with pytest.raises(ValueError, match="--course"):
        Layout.of(None, None)


def test_every_subcommand_has_a_description():
    parser = cli.build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert set(commands.choices) == set(cli.COMMANDS)
    for name, sub in commands.choices.items():
        assert sub.description and len(sub.description) > 60, name
    assert "--course" in commands.choices["grade"].description
    assert "Formgrader" in commands.choices["course"].description


def test_grade_without_a_destination_is_bad_input(tmp_path):
    (tmp_path / "alice").mkdir()
    done = subprocess.run([sys.executable, "-m", "autograde", "grade", str(tmp_path)],
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
    assert done.returncode == 2 and "pass --course DIR" in done.stderr
    assert "Traceback" not in done.stderr


def test_hidden_tests_are_replaced_by_a_note():
    source = ('"""f: public case."""\ncheck_public(f, "f", expected=1)\n'
              "### BEGIN HIDDEN TESTS\nfrom autograde.checks import check_hidden\n\n"
              'check_hidden(f, "f")\n### END HIDDEN TESTS')
    shown = feedback.hide_hidden_tests(source)
    assert "check_hidden" not in shown and feedback.HIDDEN_NOTE in shown
    assert shown.startswith('"""f: public case."""\ncheck_public(f, "f", expected=1)')
    assert feedback.hide_hidden_tests("x = 1") == "x = 1"
