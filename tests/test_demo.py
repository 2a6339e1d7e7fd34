"""Tests of `python -m nst_utils.demo` on a tiny picture with random VGG19 weights."""

import numpy as np
import pytest

from nst_utils.demo import main, run_demo


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    """The demo twice with seed 0 and once with seed 1, 48 px, one L-BFGS step."""
    runs = {}
    for name, seed in (("first", 0), ("again", 0), ("other", 1)):
        out = tmp_path_factory.mktemp(name)
        runs[name] = run_demo(out, size=48, steps=1, weights="random", seed=seed)
    return runs


def test_demo_writes_its_pictures(two_runs):
    """The side-by-side figure, the loss curve and the result are written and non-empty."""
    for key in ("side_by_side", "losses"):
        assert two_runs["first"][key].stat().st_size > 0
    assert (two_runs["first"]["side_by_side"].parent / "nst_result.png").stat().st_size > 0


def test_same_seed_same_losses(two_runs):
    """One seed draws the same random weights, so the printed losses repeat."""
    first, again = two_runs["first"]["result"], two_runs["again"]["result"]
    np.testing.assert_allclose(first.losses, again.losses, rtol=1e-5)


def test_other_seed_other_weights(two_runs):
    """Another seed draws other weights: the starting loss differs."""
    first, other = two_runs["first"]["result"], two_runs["other"]["result"]
    assert not np.isclose(first.losses[0], other.losses[0], rtol=1e-3)


def test_command_line_takes_a_seed(two_runs, tmp_path, capsys):
    """`--seed 1 --weights random` prints seed 1's starting loss and names the weights."""
    argv = ["--out", str(tmp_path), "--size", "48", "--steps", "1"]
    assert main([*argv, "--seed", "1", "--weights", "random"]) == 0
    printed = capsys.readouterr().out
    assert "VGG19 weights: random initialisation" in printed
    other, first = two_runs["other"]["result"], two_runs["first"]["result"]
    assert f"loss {other.losses[0]:.4g} ->" in printed
    assert f"loss {first.losses[0]:.4g} ->" not in printed
