"""The student's answers module: passing functions kept, later lessons served from it."""

from __future__ import annotations

import importlib.util
import sys
import textwrap

import numpy as np
import pytest

from autograde.graded import recorded
from autograde.kernel import answers
from autograde.kernel.answers import MissingAnswer, keep, yours

STUDENT_CODE = textwrap.dedent('''\
    import numpy as np
    import tensorflow as tf


    def unroll_channels(a):
        n_C = a.shape[-1]
        return tf.transpose(tf.reshape(a, (-1, n_C)))


    def gram_matrix(A):
        return tf.matmul(A, tf.transpose(A))


    SCALE = 4.0


    def _squared_sum(x, scale=SCALE):
        return tf.reduce_sum(tf.square(x)) / scale


    def compute_layer_style_cost(a_S, a_G):
        _, n_H, n_W, n_C = a_S.shape
        G_S = gram_matrix(unroll_channels(a_S))
        G_G = gram_matrix(unroll_channels(a_G))
        return _squared_sum(G_S - G_G) / (n_C**2 * float(n_H * n_W) ** 2)
    ''')


@pytest.fixture
def student(tmp_path, monkeypatch):
    """A student's functions in a module of their own, and an answers folder."""
    source = tmp_path / "student_cells.py"
    source.write_text(STUDENT_CODE, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("student_cells", source)
    module = importlib.util.module_from_spec(spec)
    sys.modules["student_cells"] = module
    spec.loader.exec_module(module)
    folder = tmp_path / "lessons"
    folder.mkdir()
    monkeypatch.setenv(answers.FOLDER_VARIABLE, str(folder))
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    monkeypatch.setattr(answers, "_in_notebook", lambda: True)
    yield module, folder
    sys.modules.pop("student_cells", None)


def _inputs():
    rng = np.random.default_rng(3)
    return (rng.standard_normal((1, 3, 4, 5)).astype(np.float32),
            rng.standard_normal((1, 3, 4, 5)).astype(np.float32))


def test_kept_functions_come_back_and_compute_the_same(student):
    """Kept functions load from my_answers.py and give the student's own numbers."""
    module, folder = student
    for name in ("unroll_channels", "gram_matrix", "compute_layer_style_cost"):
        assert keep(getattr(module, name), name) == folder / answers.ANSWERS_MODULE
    again = yours("compute_layer_style_cost")
    a_S, a_G = _inputs()
    assert float(again(a_S, a_G)) == float(module.compute_layer_style_cost(a_S, a_G))
    assert again is not module.compute_layer_style_cost
    text = (folder / answers.ANSWERS_MODULE).read_text(encoding="utf-8")
    assert text.count("def _squared_sum") == 1  # the student's own helper, once
    assert "import tensorflow as tf" in text
    assert "# --- gram_matrix (lesson 03_style_cost) ---" in text


def test_several_names_come_back_as_a_tuple(student):
    """``yours(a, b)`` returns both, in the order asked."""
    module, _ = student
    for name in ("unroll_channels", "gram_matrix"):
        keep(getattr(module, name), name)
    gram, unroll = yours("gram_matrix", "unroll_channels")
    assert gram.__name__ == "gram_matrix" and unroll.__name__ == "unroll_channels"


def test_a_missing_function_in_the_edition_names_its_lesson(student, monkeypatch):
    """In the student edition a function not kept stops the cell with one line."""
    monkeypatch.setattr(recorded, "edition", lambda: "student")
    with pytest.raises(MissingAnswer) as raised:
        yours("compute_content_cost")
    message = str(raised.value)
    assert "compute_content_cost has not passed its check yet" in message
    assert "lesson 02_content_cost (02_content_cost.ipynb)" in message
    assert raised.value._render_traceback_() == [
        f"\x1b[0;31mMissingAnswer\x1b[0m: {message}"]


def test_a_missing_helper_counts_as_missing(student, monkeypatch):
    """A kept function whose graded helper is not kept cannot run: name the helper."""
    module, _ = student
    keep(module.compute_layer_style_cost, "compute_layer_style_cost")
    monkeypatch.setattr(recorded, "edition", lambda: "student")
    with pytest.raises(MissingAnswer, match="gram_matrix has not passed"):
        yours("compute_layer_style_cost")


def test_the_repository_falls_back_to_the_reference_and_says_so(student, capsys):
    """In the instructor's copy a missing function is the reference, with a notice."""
    from nst_utils.costs import compute_content_cost

    assert yours("compute_content_cost") is compute_content_cost
    assert "Using the course's reference compute_content_cost: finish lesson " \
           "02_content_cost" in capsys.readouterr().out


def test_nothing_is_kept_or_served_while_grading(student, monkeypatch):
    """Graded kernels keep nothing and serve nothing: each lesson is graded alone."""
    module, folder = student
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    assert keep(module.gram_matrix, "gram_matrix") is None
    with pytest.raises(MissingAnswer, match="not used while grading"):
        yours("gram_matrix")
    assert not (folder / answers.ANSWERS_MODULE).exists()


def test_outside_a_notebook_nothing_is_kept(student, monkeypatch):
    """Scripts and tests that call the checks leave no answers module behind."""
    module, folder = student
    monkeypatch.setattr(answers, "_in_notebook", lambda: False)
    assert keep(module.gram_matrix, "gram_matrix") is None
    assert not (folder / answers.ANSWERS_MODULE).exists()


def test_a_broken_answers_module_says_how_to_mend_it(student, monkeypatch):
    """A hand-edited my_answers.py that fails to load gives one line, not a traceback."""
    module, folder = student
    keep(module.gram_matrix, "gram_matrix")
    (folder / answers.ANSWERS_MODULE).write_text("def gram_matrix(:\n", encoding="utf-8")
    with pytest.raises(MissingAnswer, match="does not load .*run the checks of gram_matrix"):
        yours("gram_matrix")
