"""Broken and hostile submissions, generated from the released lessons, and their grades.

Each :class:`Case` builds one submission from ``lessons/`` (filled with the bodies of
``solutions/`` or with a wrong body) and states the grade it must get. There is one
case per situation in the robust-grading issue, plus a few ordinary submissions, all
on the two lightest lessons (02 and 04) with the slow demonstration cells removed.

``python -m tests.hostile.corpus DEST`` writes the corpus to ``DEST/<student>/<lesson>``
and the expected grades to ``DEST.json`` for grading by hand.
"""

from __future__ import annotations

import copy
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbformat import NotebookNode

from autograde.build.samples import fill_stubs, solution_bodies
from autograde.graded import notebooks
from autograde.kernel import results as record

ROOT = Path(__file__).resolve().parents[2]
TV, TOTAL, CONTENT = "total_variation_cost", "total_cost", "compute_content_cost"
L02, L04 = "02_content_cost", "04_total_cost"
WRONG = {
    TV: "a = tf.square(image[:, :-1, :-1, :] - image[:, 1:, :-1, :])\n"
        "b = tf.square(image[:, :-1, :-1, :] - image[:, :-1, 1:, :])\n"
        "return tf.reduce_sum(a + b)",
    TOTAL: "return 10 * J_content + 40 * J_style",
    CONTENT: "return tf.reduce_sum(tf.square(a_C - a_G))",
}


@dataclass(frozen=True)
class Context:
    """What the generated notebooks may refer to.

    Attributes:
        out: the grading output folder (course, gradebook, grades.csv).
        submissions: the submissions folder.
        port: a loopback HTTP server of the test that no notebook may reach.
        marker: a string in the command line of the process a notebook tries to leave
            behind.
    """

    out: Path
    submissions: Path
    port: int = 9
    marker: str = "4242.4242"


@dataclass(frozen=True)
class Case:
    """One submission and the grade it must get.

    Attributes:
        student: folder name, also the case's name.
        lesson: lesson of the notebook.
        issue: which situation of the issue it covers.
        build: makes the file's bytes.
        scores: points per graded function.
        reason: text that must appear in the grade's error, notes or item messages.
        unreadable: graded as not a notebook (no items, an error).
    """

    student: str
    lesson: str
    issue: str
    build: Callable[[Context], bytes]
    scores: dict[str, float] = field(default_factory=dict)
    reason: str = ""
    unreadable: bool = False


def _released(lesson: str) -> NotebookNode:
    return notebooks.read(ROOT / "lessons" / f"{lesson}.ipynb")


def _light(nb: NotebookNode) -> NotebookNode:
    """Drop the demonstration code cells (images, VGG): students may delete those."""
    nb.cells = [c for c in nb.cells if c.cell_type != "code" or notebooks.grade_id(c)]
    return nb


def _filled(lesson: str, **bodies: str) -> NotebookNode:
    """The lesson with every stub filled: the solution unless a body is given."""
    chosen = solution_bodies(notebooks.read(ROOT / "solutions" / f"{lesson}.ipynb"))
    chosen.update({name: body.split("\n") for name, body in bodies.items()})
    return _light(fill_stubs(_released(lesson), chosen))


def _cell(nb: NotebookNode, grade_id: str) -> NotebookNode:
    return next(c for c in nb.cells if notebooks.grade_id(c) == grade_id)


def _after(nb: NotebookNode, grade_id: str, source: str) -> NotebookNode:
    index = nb.cells.index(_cell(nb, grade_id))
    nb.cells.insert(index + 1, nbformat.v4.new_code_cell(source))
    return nb


def _dump(nb: NotebookNode) -> bytes:
    # json, not nbformat: the point of some cases is a notebook nbformat would refuse.
    return json.dumps(nb, indent=1).encode()


def _hostile(code: str, *, wrong: tuple[str, ...] = (), where: str = "test_" + TV,
             lesson: str = L04) -> Callable[[Context], bytes]:
    def build(ctx: Context) -> bytes:
        nb = _filled(lesson, **{name: WRONG[name] for name in wrong})
        source = code.format(port=ctx.port, marker=ctx.marker, out=ctx.out,
                             submissions=ctx.submissions)
        return _dump(_after(nb, where, source))
    return build


# --- broken notebooks -----------------------------------------------------------------

def _missing_ids(ctx: Context) -> bytes:
    nb = _filled(L04)
    nb.nbformat_minor = 4
    for cell in nb.cells:
        cell.pop("id", None)
    return _dump(nb)


def _duplicate_ids(ctx: Context) -> bytes:
    nb = _filled(L04)
    for cell in nb.cells:
        cell.id = "same"
    return _dump(nb)


def _deleted_cells(ctx: Context) -> bytes:
    nb = _filled(L04)
    gone = {TOTAL, "test_" + TV}
    nb.cells = [c for c in nb.cells if notebooks.grade_id(c) not in gone and c.id != "tv-md"]
    return _dump(nb)


def _duplicated_cells(ctx: Context) -> bytes:
    nb = _filled(L04)
    wrong = copy.deepcopy(_cell(_filled(L04, **{TV: WRONG[TV]}), TV))
    nb.cells.insert(nb.cells.index(_cell(nb, TV)), wrong)  # the later, right copy runs last
    nb.cells.append(copy.deepcopy(_cell(nb, "test_" + TOTAL)))
    return _dump(nb)


def _retyped_cells(ctx: Context) -> bytes:
    nb = _filled(L04)
    for grade_id, kind in ((TV, "markdown"), ("test_" + TOTAL, "raw")):
        cell = _cell(nb, grade_id)
        cell.cell_type = kind
        cell.pop("outputs", None)
        cell.pop("execution_count", None)
    return _dump(nb)


def _edited_tests(ctx: Context) -> bytes:
    nb = _filled(L04, **{TV: WRONG[TV]})
    _cell(nb, "test_" + TV).source = "print('all good')"
    _cell(nb, "test_" + TOTAL).source = "pass"
    return _dump(nb)


def _changed_metadata(ctx: Context) -> bytes:
    nb = _filled(L04)
    del _cell(nb, TV).metadata["nbgrader"]  # still found by its cell id
    test = _cell(nb, "test_" + TV).metadata.nbgrader
    test.update(points=100, grade=False)
    total = _cell(nb, TOTAL)
    total.metadata.nbgrader.grade_id = "my_total"  # found by the function it defines
    total.id = "my-total"
    return _dump(nb)


# --- code that fights the limits --------------------------------------------------------

MEMORY = """import numpy as np
hog = []
while True:
    hog.append(np.ones(64 * 1024 * 1024, dtype=np.float32))  # 256 MiB, written"""
EXIT = "import os\nos._exit(3)"
SEGFAULT = "import ctypes\nctypes.string_at(0)"
# 300 MB: far past the cap, then the cell ends. (An endless flood also grows the kernel's
# own output queue until the memory limit stops it, which is the memory case's job.)
FLOOD = "import sys\nfor _ in range(300):\n    sys.stdout.write('x' * 1_000_000 + '\\n')"
LOUD = "for _ in range(3):\n    print('x' * (1024 * 1024))"
FOREVER = "while True:\n    pass"
STUBBORN = "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass"
PROCESSES = """import os, subprocess
if os.fork() == 0:  # a daemon that tries to outlive grading
    os.setsid()
    if os.fork() == 0:
        os.execvp("sleep", ["sleep", "{marker}"])
    os._exit(0)
children, refused = [], 0
for _ in range(300):
    try:
        children.append(subprocess.Popen(["sleep", "{marker}"]))
    except OSError:
        refused += 1
print("started", len(children), "refused", refused)"""
NETWORK = """import urllib.request
for url in ("http://127.0.0.1:{port}/leak", "http://example.com/"):
    try:
        urllib.request.urlopen(url, timeout=3).read()
        print("REACHED", url)
    except OSError as error:
        print("blocked:", url, type(error).__name__)"""

# --- cheats -------------------------------------------------------------------------------

PATCH_NUMPY = """import numpy as np
import numpy.testing
np.allclose = lambda *args, **kwargs: True
np.isclose = lambda a, b, *args, **kwargs: np.ones(np.broadcast(a, b).shape, dtype=bool)
np.array_equal = lambda *args, **kwargs: True
numpy.testing.assert_allclose = lambda *args, **kwargs: None
numpy.testing.assert_array_almost_equal = lambda *args, **kwargs: None"""
PATCH_CHECKS = """import autograde.graded.comparison as comparison
import autograde.kernel.checks as checks
import autograde.kernel.results as record
checks.check_public = checks.check_hidden = lambda *args, **kwargs: None
checks.compare = comparison.compare = lambda *args, **kwargs: comparison.Comparison(True, "")
record.send = lambda *args, **kwargs: None
check_public = checks.check_public"""
PATCH_TRACEBACK = """shell = get_ipython()
shell.showtraceback = lambda *args, **kwargs: None
shell._showtraceback = lambda *args, **kwargs: None"""
ALWAYS_EQUAL = """class AlwaysEqual:
    def __eq__(self, other):
        return True
    def __ne__(self, other):
        return False
    __hash__ = object.__hash__

class Liar(float):
    def __eq__(self, other):
        return True
    __hash__ = float.__hash__"""
#: Written without importing the course (that alone would be a reach): the payload
#: is built by hand, as a forger would.
FORGED = """import base64
from IPython.display import publish_display_data
_honest_tv = total_variation_cost
def total_variation_cost(image):
    value = {{"shape": [], "data": base64.b64encode(np.float32(18.103659).tobytes()).decode()}}
    publish_display_data({{"{mime}": {{"function": "total_variation_cost", "case": "public",
                                       "value": value}}}})
    return _honest_tv(image)"""
SECRETS = """import pathlib, sqlite3
import autograde.checks
package = pathlib.Path(autograde.checks.__file__).resolve().parent
STOLEN = None
for path in [package.parent / "solutions" / "04_total_cost.ipynb",
             package / "sources" / "04_total_cost.ipynb",
             pathlib.Path("{out}") / "course" / "source" / "04_total_cost" / "04_total_cost.ipynb",
             pathlib.Path("{out}") / "course" / "gradebook.db",
             pathlib.Path("{submissions}") / "correct_04" / "04_total_cost.ipynb"]:
    try:
        text = path.read_text(errors="replace")
        print("READ:", path)
        if "def total_variation_cost" in text and STOLEN is None:
            STOLEN = text
    except OSError as error:
        print("blocked read:", path.name, type(error).__name__)
for path in [pathlib.Path("{out}") / "grades.csv", pathlib.Path("{out}") / "pwned.txt",
             pathlib.Path("{submissions}") / "correct_04" / "04_total_cost.ipynb"]:
    try:
        with open(path, "a") as handle:
            handle.write("mallory,04_total_cost,3,3,,,\\n")
        print("WROTE:", path)
    except OSError as error:
        print("blocked write:", path.name, type(error).__name__)
try:
    sqlite3.connect("file:{out}/course/gradebook.db?mode=rw", uri=True).execute(
        "UPDATE grade SET auto_score = 100")
    print("WROTE: gradebook")
except sqlite3.Error as error:
    print("blocked write: gradebook", type(error).__name__)"""
STEAL = """if STOLEN is None:
    return None
raise RuntimeError("the solution was readable")"""


# Reaching for the reference: every way a body can get at the course's own function.
REACH_IMPORT = "from nst_utils.costs import compute_content_cost as reference\n" \
    "return reference(a_C, a_G)"
REACH_IMPORTLIB = "import importlib\nmodule = importlib.import_module('nst_utils.' + 'costs')\n" \
    "return module.compute_content_cost(a_C, a_G)"
REACH_INSPECT = """import inspect
import nst_utils.costs as costs
namespace = dict(vars(costs))
exec(inspect.getsource(costs.compute_content_cost), namespace)
return namespace["compute_content_cost"](a_C, a_G)"""
REACH_DISK = """namespace = {{}}
with open("{root}/nst_utils/costs.py") as handle:
    exec(handle.read(), namespace)
return namespace["compute_content_cost"](a_C, a_G)"""
REACH_GRADER = """from autograde.graded.specs import get_spec
return get_spec("compute_content_cost").reference_function()(a_C, a_G)"""
#: No construct the static check knows: only the grading edition's stub stops it.
REACH_DEFAULTS = ("return next(d for d in StyleTransferLoss.__init__.__defaults__ "
                  "if hasattr(d, 'total_variation_cost')).total_variation_cost(image)")
REACHED = "reaching for the course's reference"


def _reaching(lesson: str, **bodies: str) -> Callable[[Context], bytes]:
    def build(ctx: Context) -> bytes:
        return _dump(_filled(lesson, **{name: body.format(root=ROOT)
                                        for name, body in bodies.items()}))
    return build


def _cheat(prelude: str, **bodies: str) -> Callable[[Context], bytes]:
    def build(ctx: Context) -> bytes:
        nb = _filled(L04, **bodies)
        source = prelude.format(port=ctx.port, marker=ctx.marker, out=ctx.out,
                                submissions=ctx.submissions)
        return _dump(_after(nb, "setup", source))
    return build


def _forged(ctx: Context) -> bytes:
    return _dump(_after(_filled(L04, **{TV: WRONG[TV]}), TV, FORGED.format(mime=record.MIME)))


CASES: tuple[Case, ...] = (
    # Ordinary submissions.
    Case("correct_04", L04, "correct", lambda ctx: _dump(_filled(L04)), {TV: 2, TOTAL: 1}),
    Case("correct_02", L02, "correct", lambda ctx: _dump(_filled(L02)), {CONTENT: 2}),
    Case("untouched_04", L04, "stubs", lambda ctx: _dump(_light(_released(L04))),
         {TV: 0, TOTAL: 0}, "not implemented yet"),
    Case("mistake_02", L02, "honest mistake",
         lambda ctx: _dump(_filled(L02, **{CONTENT: WRONG[CONTENT]})), {CONTENT: 0}, "Hint"),
    # Broken notebooks.
    Case("not_json", L02, "not valid JSON", lambda ctx: b'{"cells": [{"cell_type": "code",',
         {CONTENT: 0}, "not valid JSON", unreadable=True),
    Case("no_cells", L02, "JSON that is no notebook", lambda ctx: b'{"metadata": {}}',
         {CONTENT: 0}, "no list of cells", unreadable=True),
    Case("missing_ids", L04, "missing cell ids", _missing_ids, {TV: 2, TOTAL: 1}, "new ids"),
    Case("duplicate_ids", L04, "duplicate cell ids", _duplicate_ids, {TV: 2, TOTAL: 1},
         "new ids"),
    Case("deleted_cells", L04, "deleted cells", _deleted_cells, {TV: 2, TOTAL: 0},
         "was missing"),
    Case("duplicated_cells", L04, "duplicated cells", _duplicated_cells, {TV: 2, TOTAL: 1},
         "appears 2 times"),
    Case("retyped_cells", L04, "retyped cells", _retyped_cells, {TV: 2, TOTAL: 1},
         "changed to markdown"),
    Case("edited_tests", L04, "edited test cells", _edited_tests, {TV: 0, TOTAL: 1},
         "was edited"),
    Case("changed_metadata", L04, "changed nbgrader metadata", _changed_metadata,
         {TV: 2, TOTAL: 1}, "recognised by"),
    # Limits: the cells before the trouble count, the ones after do not run.
    Case("forever", L04, "runs forever (interruptible)", _hostile(FOREVER), {TV: 2, TOTAL: 1},
         "time limit"),
    Case("stubborn", L04, "runs forever, ignoring interrupts", _hostile(STUBBORN),
         {TV: 2, TOTAL: 0}, "did not respond"),
    Case("memory", L04, "exhausts memory", _hostile(MEMORY), {TV: 2, TOTAL: 0},
         "out of memory"),
    Case("exits", L04, "kills its kernel (os._exit)", _hostile(EXIT), {TV: 2, TOTAL: 0},
         "exit code 3"),
    Case("segfault", L04, "kills its kernel (segfault)", _hostile(SEGFAULT), {TV: 2, TOTAL: 0},
         "SIGSEGV"),
    # Output past the cap is cut, not fatal: the printing cell still meets its clock.
    Case("flood", L04, "prints 300 MB", _hostile(FLOOD), {TV: 2, TOTAL: 1},
         "printed more than"),
    Case("loud", L04, "prints 3 MiB, then answers", _hostile(LOUD), {TV: 2, TOTAL: 1},
         "printed more than"),
    Case("processes", L04, "starts hundreds of processes",
         _hostile(PROCESSES, where="test_" + TOTAL), {TV: 2, TOTAL: 1}, "processes"),
    Case("network", L04, "opens network connections", _hostile(NETWORK), {TV: 2, TOTAL: 1}),
    # Cheats: the wrong answers stay wrong.
    Case("patch_numpy", L04, "monkeypatches numpy", _cheat(PATCH_NUMPY, **{TV: WRONG[TV]}),
         {TV: 0, TOTAL: 1}, "1.25"),
    Case("patch_checks", L04, "redefines the check helpers",
         _cheat(PATCH_CHECKS, **{TV: WRONG[TV], TOTAL: WRONG[TOTAL]}), {TV: 0, TOTAL: 0},
         "no result reached the grader"),
    Case("patch_traceback", L04, "redefines showtraceback",
         _cheat(PATCH_TRACEBACK, **{TV: WRONG[TV]}), {TV: 0, TOTAL: 1}, "1.25"),
    Case("always_equal", L04, "returns objects equal to anything",
         _cheat(ALWAYS_EQUAL, **{TV: "return AlwaysEqual()", TOTAL: "return Liar(0.0)"}),
         {TV: 0, TOTAL: 0}, "AlwaysEqual"),
    Case("forged", L04, "sends a forged result", _forged, {TV: 0, TOTAL: 1}, "two results"),
    Case("secrets", L04, "reads solutions, sources, gradebook; writes grades",
         _cheat(SECRETS, **{TV: STEAL}), {TV: 0, TOTAL: 1}, "returned None"),
    # The reference is out of reach: each of these scores 0 on its item with a note.
    Case("reach_import", L02, "imports the reference", _reaching(L02, **{CONTENT: REACH_IMPORT}),
         {CONTENT: 0}, REACHED),
    Case("reach_importlib", L02, "loads the reference with importlib",
         _reaching(L02, **{CONTENT: REACH_IMPORTLIB}), {CONTENT: 0}, REACHED),
    Case("reach_inspect", L02, "copies the reference's source with inspect",
         _reaching(L02, **{CONTENT: REACH_INSPECT}), {CONTENT: 0}, REACHED),
    Case("reach_disk", L02, "reads the reference from disk",
         _reaching(L02, **{CONTENT: REACH_DISK}), {CONTENT: 0}, REACHED),
    Case("reach_grader", L02, "asks the grader's declarations for the reference",
         _reaching(L02, **{CONTENT: REACH_GRADER}), {CONTENT: 0}, REACHED),
    Case("reach_defaults", L04, "calls the library's default cost functions",
         _reaching(L04, **{TV: REACH_DEFAULTS}), {TV: 0, TOTAL: 1}, REACHED),
)


def write_corpus(ctx: Context) -> dict[str, dict]:
    """Write every case under ``ctx.submissions``; return the expected grades by student."""
    expected = {}
    for case in CASES:
        target = ctx.submissions / case.student / f"{case.lesson}.ipynb"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(case.build(ctx))
        expected[case.student] = {"lesson": case.lesson, "issue": case.issue,
                                  "scores": case.scores, "reason": case.reason,
                                  "unreadable": case.unreadable}
    return expected


if __name__ == "__main__":
    dest = Path(sys.argv[1]).resolve()
    grades = write_corpus(Context(out=dest.with_name(dest.name + "-graded"), submissions=dest))
    dest.with_suffix(".json").write_text(json.dumps(grades, indent=1), encoding="utf-8")
    print(f"wrote {len(grades)} submissions to {dest} and the expected grades to "
          f"{dest.with_suffix('.json')}")
