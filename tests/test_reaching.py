"""The reaching check: honest graded cells give no reach, hostile ones are named by line."""

from __future__ import annotations

import inspect
import textwrap
from pathlib import Path

import pytest

from autograde.build.bodies import reference_body
from autograde.graded import notebooks
from autograde.graded.specs import GRADED, get_spec
from autograde.grader.reaching import Reach, find_reaches


def _as_cell(name: str, body: list[str] | str) -> str:
    """A graded cell: ``body`` under a def with the reference's signature."""
    reference = inspect.unwrap(get_spec(name).reference_function())
    lines = body.split("\n") if isinstance(body, str) else body
    inner = "\n".join(("    " + line) if line.strip() else "" for line in lines)
    return f"def {name}{inspect.signature(reference)}:\n{inner}\n"


SOLUTIONS = Path(__file__).resolve().parent.parent / "solutions"
SOLUTION_CELLS = [
    (path.stem, cell.source) for path in sorted(SOLUTIONS.glob("*.ipynb"))
    for cell in notebooks.read(path).cells
    if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("solution")]


def test_the_solutions_have_graded_cells():
    """The solution notebooks hold a graded cell per graded function."""
    assert len(SOLUTION_CELLS) >= len(GRADED)


@pytest.mark.parametrize(("lesson", "source"), SOLUTION_CELLS,
                         ids=[f"{lesson}-{i}" for i, (lesson, _) in enumerate(SOLUTION_CELLS)])
def test_every_solution_cell_gives_no_reach(lesson, source):
    """Each graded cell of the solutions (reference bodies, the course's helper imports
    included) reaches for nothing."""
    assert find_reaches(source) == []


MISTAKES = [(name, i) for name, spec in GRADED.items() for i in range(len(spec.mistakes))]


@pytest.mark.parametrize(("name", "index"), MISTAKES)
def test_every_catalogued_mistake_gives_no_reach(name, index):
    """Each classic mistake's body is honest code and reaches for nothing."""
    body = get_spec(name).mistakes[index].body
    assert find_reaches(_as_cell(name, body)) == []


HONEST = {
    "imports": "import tensorflow as tf\nimport numpy as np\nimport keras\nimport math\n"
               "import sys\nimport types\nimport os.path\n",
    "calls": "def f(a, layer):\n    b = tf.reshape(a, (-1, a.shape[-1]))\n"
             "    c = tf.linalg.matmul(b, b, transpose_b=True) + np.asarray(math.sqrt(2.0))\n"
             "    d = keras.layers.Conv2D(4, 3, name=f\"{layer.name}_conv\")(a)\n"
             "    opened, evaluate = [x for x in range(3)], {k: k for k in 'ab'}\n"
             "    return gram_matrix(unroll_channels(c)), d, opened, evaluate, sorted(c.shape)\n",
    "model methods": "model.compile(optimizer='adam')\nvalue = getattr(layer, 'units')\n",
    "timed cell": "%%time\nx = tf.square(a)\n",
    "matplotlib magic": "%matplotlib inline\nx = 1\n",
}


@pytest.mark.parametrize("source", HONEST.values(), ids=HONEST.keys())
def test_honest_code_gives_no_reach(source):
    """Ordinary TensorFlow, NumPy and Keras code, look-alike names and harmless magics pass."""
    assert find_reaches(source) == []


HOSTILE = {
    "from import, aliased": ("def compute_content_cost(a_C, a_G):\n"
                             "    from nst_utils.costs import compute_content_cost as f\n"
                             "    return f(a_C, a_G)\n", 2, "imports nst_utils.costs"),
    "from import, outside": ("from nst_utils.costs import gram_matrix as g\n\n"
                             "def gram_matrix(A):\n    return g(A)\n", 1, "imports nst_utils"),
    "import dotted": ("import nst_utils.costs\n", 1, "imports nst_utils.costs"),
    "cyclegan": ("def identity_loss(a, b):\n    import cyclegan.losses as L\n"
                 "    return L.identity_loss(a, b)\n", 2, "imports cyclegan.losses"),
    "autograde": ("from autograde.graded import specs\n", 1, "imports autograde.graded"),
    "import_module": ("import importlib\nm = importlib.import_module('nst_' + 'utils.costs')\n",
                      2, "import_module"),
    "__import__": ("m = __import__('nst_utils.costs')\n", 1, "calls __import__"),
    "getsource and exec": ("src = inspect.getsource(f)\nexec(src)\n", 2, "calls exec"),
    "getsource": ("src = inspect.getsource(f)\n", 1, "getsource"),
    "open": ("x = 1\ntext = open('/srv/nst_utils/costs.py').read()\n", 2, "with open"),
    "read_text": ("from pathlib import Path\nt = Path('costs.py').read_text()\n", 2, "read_text"),
    "sys.modules": ("import sys\nf = sys.modules['nst_utils.costs'].gram_matrix\n",
                    2, "sys.modules"),
    "sys.path aliased": ("import sys as s\ns.path.insert(0, '/srv')\n", 2, "sys.path"),
    "compile": ("code = compile(src, 'x', 'exec')\n", 1, "calls compile"),
    "eval": ("def total_cost(J_c, J_s):\n    return eval('J_c')\n", 2, "calls eval"),
    "runpy": ("import runpy\n", 1, "imports runpy"),
    "pkgutil": ("import pkgutil\n", 1, "imports pkgutil"),
    "spec_from_file_location": ("from importlib.util import spec_from_file_location\n",
                                1, "imports importlib.util"),
    "marshal": ("import marshal\n", 1, "imports marshal"),
    "FunctionType": ("import types\nf = types.FunctionType(code, {})\n", 2, "FunctionType"),
    "from types": ("from types import CodeType\n", 1, "imports types.CodeType"),
    "__code__": ("def f(A):\n    return A\nf.__code__ = g.__code__\n", 3, "__code__"),
    "__globals__": ("gram = check_public.__globals__['x']\n", 1, "__globals__"),
    "__builtins__ getattr": ("o = getattr(__builtins__, 'op' + 'en')\n", 1,
                             "getattr on __builtins__"),
    "builtins import": ("import builtins\n", 1, "imports builtins"),
    "computed getattr": ("g = getattr(check_public, '__glo' + 'bals__')\n", 1, "computed name"),
    "os.popen": ("import os\nos.popen('cat costs.py')\n", 2, "os.popen"),
    "subprocess": ("from subprocess import run\n", 1, "imports subprocess"),
    "np.fromfile": ("b = np.fromfile('costs.py', dtype=np.uint8)\n", 1, "fromfile"),
    "shell line": ("x = 1\n!cat /srv/nst_utils/costs.py\n", 2, "shell command"),
    "shell assignment": ("lines = !cat costs.py\n", 1, "shell command"),
    "%load": ("%load /srv/nst_utils/costs.py\n", 1, "%load"),
    "%run in a def": ("def f():\n    %run costs.py\n    return 1\n", 2, "%run"),
    "%pycat": ("%pycat costs.py\n", 1, "%pycat"),
    "%%writefile": ("%%writefile x.py\nimport os\n", 1, "%%writefile"),
    "%%bash": ("%%bash\ncat costs.py | head\n", 1, "%%bash"),
    "%time exec": ("%time exec(src)\n", 1, "calls exec"),
}


@pytest.mark.parametrize(("source", "line", "what"), HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_cells_give_a_named_reach_on_the_right_line(source, line, what):
    """Each way of reaching the reference is found on its line and named."""
    found = find_reaches(source)
    assert any(r.line == line and what in r.what for r in found), found
    assert all(isinstance(r, Reach) and r.what for r in found)


def test_importing_a_graded_helper_from_the_course_is_a_reach():
    """The reference body without the lesson's names imports graded helpers: a reach;
    the course's private helpers it also imports are not."""
    body = reference_body(get_spec("compute_layer_style_cost").reference)
    found = find_reaches(_as_cell("compute_layer_style_cost", body))
    assert {r.what for r in found} == {"imports nst_utils.costs.gram_matrix",
                                       "imports nst_utils.costs.unroll_channels"}


def test_importing_a_course_module_is_a_reach():
    """``from nst_utils import costs`` hands over every graded function: a reach."""
    found = find_reaches("def f(a):\n    from nst_utils import costs\n    return a\n")
    assert [r.what for r in found] == ["imports nst_utils.costs"]


def test_a_cell_that_does_not_parse_gives_no_reach():
    """A syntax error is graded elsewhere, so it gives no reach here."""
    assert find_reaches("import nst_utils\ndef f(:\n") == []


def test_reaches_come_in_line_order():
    """Several reaches come sorted by line, one per construct."""
    source = textwrap.dedent("""\
        def f(a):
            import inspect
            return eval(inspect.getsource(a))
    """)
    assert [r.line for r in find_reaches(source)] == [2, 3, 3]
