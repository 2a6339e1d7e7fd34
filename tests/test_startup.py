"""TensorFlow's start-up log lines stay off stderr; real errors stay visible.

The noise is recognised here by its own keywords (not with ``nst_utils.startup``'s
patterns), so a pattern that stops matching fails these tests. Most tests run a fresh
interpreter without ``TF_CPP_MIN_LOG_LEVEL`` set, as a student's shell would; the hook
and the filter are also exercised with a fake ``tensorflow`` package, which is fast and
does not depend on what the installed TensorFlow happens to print.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from nst_utils import startup

ROOT = Path(__file__).resolve().parent.parent
# What TensorFlow 2.21 prints while it starts (CPU and GPU machines).
NOISE = re.compile(r"absl::InitializeLog|oneDNN custom operations|cudart_stub|cuInit|"
                   r"cpu_feature_guard|To enable the following instructions|"
                   r"Unable to register cu(DNN|FFT|BLAS) factory|computation placer")
ONEDNN = ("I0000 00:00:1796134716.259423    4482 port.cc:153] oneDNN custom operations are on. "
          "You may see slightly different numerical results due to floating-point round-off "
          "errors from different computation orders. To turn them off, set the environment "
          "variable `TF_ENABLE_ONEDNN_OPTS=0`.")
CUINIT = ("E0000 00:00:1796134720.953471    4482 cuda_platform.cc:52] failed call to cuInit: "
          "INTERNAL: CUDA error: Failed call to cuInit: UNKNOWN ERROR (303)")
ABSL = "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR"
REAL = "E0000 00:00:1796134720.953471    4482 loader.cc:12] something is really broken"


def _python(code: str, *, path: Path | None = None, level: str | None = None,
            timeout: float = 240) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    if level is not None:
        env["TF_CPP_MIN_LOG_LEVEL"] = level
    env["PYTHONPATH"] = os.pathsep.join(str(p) for p in (path, ROOT) if p is not None)
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


def _noise(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if NOISE.search(line)]


# --- the real TensorFlow -------------------------------------------------------------

@pytest.mark.parametrize("code", [
    """
    import nst_utils
    import tensorflow as tf
    tf.constant(1.0)
    # nst_utils imports lazily now; its names are as they were.
    import nst_utils.stylize
    from nst_utils import compute_content_cost, stylize
    assert callable(stylize) and stylize is nst_utils.stylize, nst_utils.stylize
    assert nst_utils.costs.compute_content_cost is compute_content_cost
    assert set(nst_utils.__all__) <= set(dir(nst_utils))
    """,
    "import cyclegan.losses; import tensorflow as tf; tf.constant(1.0)",
    # The hook: a plain import after one of our packages, nothing else.
    """
    import sys
    import autograde
    import tensorflow as tf
    tf.constant(1.0)
    tf.config.list_physical_devices("GPU")
    from nst_utils.startup import hook_installed
    assert not hook_installed(), sys.meta_path
    # The module keeps its own spec: the hook's loader is gone after the import.
    assert tf.__spec__.origin.endswith("__init__.py"), tf.__spec__
    assert type(tf.__spec__.loader).__module__ != "nst_utils.startup", tf.__spec__
    assert callable(tf.constant) and tf.__name__ == "tensorflow"
    print("ok")
    """,
], ids=["nst_utils", "cyclegan.losses", "autograde+hook"])
def test_no_start_up_lines(code):
    run = _python(code)
    assert run.returncode == 0, run.stderr
    assert _noise(run.stderr) == [], run.stderr


def test_without_the_packages_the_lines_are_there():
    """The baseline the other tests compare against: plain TensorFlow is noisy here."""
    run = _python("import tensorflow as tf; tf.constant(1.0)", level="2")
    assert run.returncode == 0, run.stderr
    if not _noise(run.stderr):
        pytest.skip("this TensorFlow build prints no start-up lines on this machine")


def test_logical_devices_can_still_be_configured():
    run = _python("""
        import os
        from nst_utils.startup import import_tensorflow
        tf = import_tensorflow()
        assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == "2"
        assert import_tensorflow() is tf  # idempotent
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
        print(len(tf.config.list_logical_devices("CPU")))
        """)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["2"]
    assert _noise(run.stderr) == [], run.stderr


@pytest.mark.parametrize("module", ["nst_utils.startup", "nst_utils", "cyclegan.cli",
                                    "autograde"])
def test_importing_our_packages_does_not_import_tensorflow(module):
    run = _python(f"import sys, {module}; print('tensorflow' in sys.modules, "
                  "'keras' in sys.modules)")
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["False", "False"]


# --- the capture and the filter, without TensorFlow ----------------------------------

def test_genuine_lines_are_written_back(capfd):
    def noisy():
        os.write(2, f"{ABSL}\n{ONEDNN}\n{REAL}\n{CUINIT}\nplain text too\n".encode())
        print("from Python", file=sys.stderr)
        return 42

    assert startup.call_quietly(noisy) == 42
    lines = capfd.readouterr().err.splitlines()
    # pytest replaced sys.stderr, so the Python line may come first; the fd lines keep
    # their order.
    assert sorted(lines) == sorted([REAL, "plain text too", "from Python"])
    assert [line for line in lines if line != "from Python"] == [REAL, "plain text too"]


def test_lines_are_written_back_when_the_call_raises(capfd):
    def broken():
        os.write(2, f"{ONEDNN}\n{REAL}\n".encode())
        raise ImportError("no luck")

    with pytest.raises(ImportError, match="no luck"):
        startup.call_quietly(broken)
    assert capfd.readouterr().err.splitlines() == [REAL]
    # fd 2 is back where it was.
    os.write(2, b"after\n")
    assert capfd.readouterr().err == "after\n"


def test_every_noise_example_is_recognised():
    for line in (ABSL, ONEDNN, CUINIT,
                 "I0000 00:00:1796134716.259851    4482 cudart_stub.cc:31] Could not find cuda "
                 "drivers on your machine, GPU will not be used.",
                 "I0000 00:00:1796134716.331445    4482 cpu_feature_guard.cc:227] This "
                 "TensorFlow binary is optimized to use available CPU instructions in "
                 "performance-critical operations.",
                 "To enable the following instructions: AVX2 AVX512F FMA, in other operations, "
                 "rebuild TensorFlow with the appropriate compiler flags.",
                 "E0000 00:00:1721.5 12 cuda_dnn.cc:8310] Unable to register cuDNN factory: "
                 "Attempting to register factory for plugin cuDNN when one has already been "
                 "registered",
                 "E0000 00:00:1796138206.096254    1970 util.cc:131] oneDNN supports DT_INT32 "
                 "only on platforms with AVX-512. Falling back to the default Eigen-based "
                 "implementation if present."):
        assert startup.is_noise(line + "\n"), line
    for line in (REAL, "Traceback (most recent call last):", "cuInit is mentioned here",
                 "W0000 00:00:1.5 7 gpu_device.cc:2344] Cannot dlopen some GPU libraries."):
        assert not startup.is_noise(line), line


FAKE_TENSORFLOW = f"""
import json
import os

os.write(2, b"{ABSL}\\n{ONEDNN}\\n{REAL}\\n")
if os.environ.get("FAKE_TF_FAIL"):
    raise ImportError("fake tensorflow is broken")


class config:
    @staticmethod
    def list_physical_devices(kind=None):
        os.write(2, b"{CUINIT}\\n")
        return []


def constant(value):
    return value
"""


@pytest.fixture
def fake_tensorflow(tmp_path):
    (tmp_path / "tensorflow").mkdir()
    (tmp_path / "tensorflow" / "__init__.py").write_text(FAKE_TENSORFLOW, encoding="utf-8")
    return tmp_path


def test_hook_with_a_fake_tensorflow(fake_tensorflow):
    run = _python("""
        import importlib.util, os, sys
        import autograde
        from nst_utils.startup import hook_installed
        # A probe finds TensorFlow but neither imports it nor uses the hook up.
        spec = importlib.util.find_spec("tensorflow")
        assert spec.origin.endswith("__init__.py") and "tensorflow" not in sys.modules
        assert hook_installed()
        import tensorflow
        assert not hook_installed()
        assert tensorflow.__spec__.origin == spec.origin, tensorflow.__spec__
        assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == "2"
        print("ok")
        """, path=fake_tensorflow)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["ok"]
    assert run.stderr.splitlines() == [REAL]


def test_hook_keeps_errors_of_a_failing_import(fake_tensorflow):
    run = _python("""
        import os
        os.environ["FAKE_TF_FAIL"] = "1"
        import nst_utils
        try:
            import tensorflow
        except ImportError as error:
            print(error)
        """, path=fake_tensorflow)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "fake tensorflow is broken"
    assert run.stderr.splitlines() == [REAL]


def test_log_level_0_shows_everything(fake_tensorflow):
    run = _python("from nst_utils.startup import import_tensorflow; import_tensorflow()",
                  path=fake_tensorflow, level="0")
    assert run.returncode == 0, run.stderr
    assert run.stderr.splitlines() == [ABSL, ONEDNN, REAL, CUINIT]


def test_without_the_hook_the_fake_is_noisy(fake_tensorflow):
    """The fake really writes its lines to fd 2: a plain import shows all of them."""
    run = _python("import tensorflow; tensorflow.config.list_physical_devices()",
                  path=fake_tensorflow)
    assert run.returncode == 0, run.stderr
    assert run.stderr.splitlines() == [ABSL, ONEDNN, REAL, CUINIT]


# --- a lesson in a Jupyter kernel ----------------------------------------------------

@pytest.mark.slow
def test_a_lesson_in_a_kernel_shows_no_start_up_lines(tmp_path, monkeypatch, capfd):
    """Lesson 2 run the way JupyterLab runs it: no noise in any cell, nor on the terminal.

    The kernel inherits this process's fd 2 (captured by ``capfd``), where ipykernel
    echoes whatever reaches the kernel's own stderr: that is the terminal JupyterLab
    was started from.
    """
    import nbclient

    from autograde.graded import notebooks

    monkeypatch.delenv("TF_CPP_MIN_LOG_LEVEL", raising=False)
    monkeypatch.setenv("NBGRADER_EXECUTION", "validate")  # small images, as in grading
    nb = notebooks.read(ROOT / "solutions" / "02_content_cost.ipynb")
    nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = [(cell.id, output) for cell in nb.cells if cell.cell_type == "code"
               for output in cell.outputs]
    assert outputs, "the lesson printed nothing at all"
    errors = [(cell_id, o.ename) for cell_id, o in outputs if o.output_type == "error"]
    assert errors == []
    texts = [(cell_id, o.get("text", "") + json.dumps(o.get("data", {}))) for cell_id, o in outputs]
    assert [(cell_id, _noise(text)) for cell_id, text in texts if _noise(text)] == []
    stderr = [(cell_id, o.text) for cell_id, o in outputs
              if o.output_type == "stream" and o.name == "stderr"]
    assert stderr == []
    assert _noise(capfd.readouterr().err) == []
