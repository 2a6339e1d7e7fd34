"""The `nst` command: a real run with random weights, and one-line errors for bad input."""

import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from nst_utils import cli
from nst_utils import vgg as vgg_module


@pytest.fixture()
def images(tmp_path):
    rng = np.random.default_rng(2)
    content, style = tmp_path / "content.png", tmp_path / "style.jpg"
    Image.fromarray(rng.integers(0, 255, (40, 56, 3), dtype=np.uint8)).save(content)
    Image.fromarray(rng.integers(0, 255, (64, 64, 3), dtype=np.uint8)).save(style)
    return content, style


def _bad_files(folder):
    good = np.random.default_rng(3).integers(0, 255, (48, 48, 3), dtype=np.uint8)
    Image.fromarray(good).save(folder / "whole.jpg")
    data = (folder / "whole.jpg").read_bytes()
    (folder / "truncated.jpg").write_bytes(data[: len(data) // 3])
    (folder / "empty.png").write_bytes(b"")
    (folder / "notes.png").write_text("this is not an image\n")
    return {
        "missing": folder / "missing.jpg",
        "empty": folder / "empty.png",
        "truncated": folder / "truncated.jpg",
        "not an image": folder / "notes.png",
        "folder": folder,
    }


def test_run_with_random_weights_writes_image_and_snapshots(images, tmp_path, capsys):
    content, style = images
    out = tmp_path / "out" / "result.png"
    code = cli.main([str(content), str(style), "-o", str(out), "--weights", "random",
                     "--size", "48", "--steps", "4", "--optimizer", "adam",
                     "--save-every", "2", "--quiet"])
    assert code == 0
    assert "random" in capsys.readouterr().out
    with Image.open(out) as result:
        assert result.size == (48, 34)  # 56x40 scaled so the longer side is 48
    assert sorted(p.name for p in out.parent.glob("result_step*.png")) == [
        "result_step0002.png", "result_step0004.png"]


@pytest.mark.parametrize("case", ["missing", "empty", "truncated", "not an image", "folder"])
def test_bad_image_is_one_line_error(images, tmp_path, capsys, case):
    bad = _bad_files(tmp_path)[case]
    out = tmp_path / "never.png"
    code = cli.main([str(bad), str(images[1]), "-o", str(out), "--weights", "random"])
    err = capsys.readouterr().err.strip()
    assert code != 0 and not out.exists()
    assert err.startswith("nst: error: ") and len(err.splitlines()) == 1
    assert str(bad) in err


def test_offline_without_weights_stops_with_clear_error(images, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    monkeypatch.delenv(vgg_module.WEIGHTS_ENV_VAR, raising=False)
    monkeypatch.setattr(vgg_module, "VGG19_WEIGHTS_URL", "http://127.0.0.1:9/weights.h5")
    code = cli.main([str(images[0]), str(images[1]), "-o", str(tmp_path / "x.png")])
    err = capsys.readouterr().err.strip()
    assert code == 3 and len(err.splitlines()) == 1
    assert "--weights random" in err and vgg_module.VGG19_WEIGHTS_FILE in err


def test_python_dash_m_reports_errors_without_traceback(tmp_path):
    bad = tmp_path / "broken.jpg"
    bad.write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    proc = subprocess.run(
        [sys.executable, "-m", "nst_utils", str(bad), str(bad), "-o", str(tmp_path / "o.png")],
        capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert f"nst: error: {bad}" in proc.stderr
