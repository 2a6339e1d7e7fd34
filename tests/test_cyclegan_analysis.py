"""cyclegan.analysis: the measures against NumPy on painted scenes, and a tiny sweep."""

from __future__ import annotations

import numpy as np
import pytest

from cyclegan.analysis import (
    DIRECTIONS,
    MEASURES,
    ground_truth_error,
    held_out_scenes,
    identity_sweep,
    measure,
)
from cyclegan.toy import paint_image

SIZE = 32


def _numpy_measures(out, x, t, m_a, m_b):
    """The four measures written out per picture, patch and channel with explicit masks."""
    fruit, shifts, err_sum, err_n = [], [], 0.0, 0.0
    patch_sum, patch_weight, side = 0.0, 0.0, SIZE // 16
    for y_i, x_i, t_i, a_i, b_i in zip(out, x, t, m_a, m_b, strict=True):
        w = 1.0 - np.maximum(a_i, b_i)
        region = 1.0 - w
        d_made = np.array([np.sum(region * (y_i[..., c] - x_i[..., c])) for c in range(3)])
        d_true = np.array([np.sum(region * (t_i[..., c] - x_i[..., c])) for c in range(3)])
        # The share is the same whichever region sum normalises both means.
        fruit.append(d_made @ d_true / (d_true @ d_true))
        shift = [np.sum(w * (y_i[..., c] - x_i[..., c])) / np.sum(w) for c in range(3)]
        shifts.append(shift)
        for top in range(0, SIZE, side):  # the background change, one patch at a time
            for left in range(0, SIZE, side):
                w_p = w[top:top + side, left:left + side]
                d_p = (y_i - x_i)[top:top + side, left:left + side]
                if w_p.sum() > 0:
                    moved = [np.sum(w_p * d_p[..., c]) / w_p.sum() for c in range(3)]
                    patch_sum += w_p.sum() * np.mean(np.abs(moved))
                    patch_weight += w_p.sum()
        err_sum += np.sum(np.abs(y_i - t_i) * region[..., None])
        err_n += 3 * region.sum()
    # The cast: each channel's shift averaged over the pictures first, then its size.
    cast = np.mean([abs(np.mean([s[c] for s in shifts])) for c in range(3)])
    return np.mean(fruit), patch_sum / patch_weight, cast, err_sum / err_n


def _scenes_by_hand(direction, n):
    """The held-out scenes rebuilt from the toy painter, in float64."""
    _, source, target = DIRECTIONS[direction]
    pairs = [(paint_image(source, 10_000 + i, SIZE, return_mask=True),
              paint_image(target, 10_000 + i, SIZE, return_mask=True)) for i in range(n)]
    def unit(images):
        return np.stack(images).astype(np.float64) / 127.5 - 1.0
    x, t = unit([s[0] for s, _ in pairs]), unit([g[0] for _, g in pairs])
    m_in, m_out = np.stack([s[1] for s, _ in pairs]), np.stack([g[1] for _, g in pairs])
    return x, t, m_in, m_out


@pytest.mark.parametrize("direction", list(DIRECTIONS))
def test_measures_match_numpy_on_painted_scenes(direction):
    scenes = held_out_scenes(direction, 4, SIZE)
    x, t, m_in, m_out = _scenes_by_hand(direction, 4)
    np.testing.assert_allclose(scenes.inputs, x, atol=1e-6)
    np.testing.assert_allclose(scenes.truths, t, atol=1e-6)
    rng = np.random.default_rng(0)
    # An arbitrary output: part truth, part input, a colour cast and noise.
    out = 0.6 * t + 0.4 * x + [0.05, -0.02, 0.08] + rng.normal(0, 0.05, x.shape)
    got = measure(out.astype(np.float32), scenes)
    want = _numpy_measures(out, x, t, m_in, m_out)
    np.testing.assert_allclose([got[k] for k in MEASURES], want, rtol=1e-4, atol=1e-6)


def test_measures_of_a_copy_the_truth_and_a_colour_cast():
    scenes = held_out_scenes("AtoB", 4, SIZE)
    copy = measure(scenes.inputs, scenes)
    assert copy["fruit_change"] == 0 and copy["background_change"] == 0
    assert copy["background_cast"] == 0
    assert copy["gt_error"] > 0.1  # apples and oranges differ in colour
    truth = measure(scenes.truths, scenes)
    np.testing.assert_allclose([truth["fruit_change"], truth["gt_error"]], [1, 0], atol=1e-6)
    # The truth keeps the background; only the fruits' anti-aliased rims differ there.
    assert truth["background_change"] < 0.01
    cast = measure(scenes.inputs + np.float32([0.1, 0.0, -0.1]), scenes)
    np.testing.assert_allclose(cast["background_change"], 0.2 / 3, rtol=1e-5)
    np.testing.assert_allclose(cast["background_cast"], 0.2 / 3, rtol=1e-5)
    # Two pictures lighter, two darker: each background moved, but no common cast.
    signs = np.float32([1, -1, 1, -1])[:, None, None, None]
    misses = measure(scenes.inputs + 0.1 * signs, scenes)
    np.testing.assert_allclose(misses["background_change"], 0.1, rtol=1e-5)
    np.testing.assert_allclose(misses["background_cast"], 0.0, atol=1e-6)


def test_background_change_counts_a_repainted_half_not_blur():
    """Top half redder, bottom half greener: no whole-picture shift, yet a change."""
    scenes = held_out_scenes("AtoB", 4, SIZE)
    halves = np.zeros_like(scenes.inputs)
    halves[:, : SIZE // 2] = [0.2, -0.2, 0.0]
    halves[:, SIZE // 2 :] = [-0.2, 0.2, 0.0]
    weight = scenes.background
    top = weight[:, : SIZE // 2].sum(axis=(1, 2, 3)) / weight.sum(axis=(1, 2, 3))
    repainted = measure(scenes.inputs + halves, scenes)
    # Every background patch moved by 0.4 / 3 on average over the channels.
    np.testing.assert_allclose(repainted["background_change"], 0.4 / 3, rtol=1e-5)
    # The cast sees the whole-picture shifts only: 0.2 (2 top - 1) in two channels.
    want_cast = 2 / 3 * abs(np.mean(0.2 * (2 * top - 1)))
    np.testing.assert_allclose(repainted["background_cast"], want_cast, rtol=1e-4, atol=1e-6)
    # At 128 px (8 x 8-pixel patches) a 3 x 3 box blur moves patches far less than pixels.
    big = held_out_scenes("AtoB", 4, 128)
    padded = np.pad(big.inputs, ((0, 0), (1, 1), (1, 1), (0, 0)), mode="edge")
    blurred = sum(padded[:, i : i + 128, j : j + 128] for i in range(3) for j in range(3)) / 9
    per_pixel = np.sum(np.abs(blurred - big.inputs) * big.background) / (3 * big.background.sum())
    assert measure(blurred, big)["background_change"] < 0.5 * per_pixel


def test_ground_truth_error_of_the_identity_map_is_the_copy_error():
    x, t, m_in, m_out = _scenes_by_hand("BtoA", 3)
    region = np.maximum(m_in, m_out)[..., None]
    want = np.sum(np.abs(x - t) * region) / (3 * region.sum())
    np.testing.assert_allclose(ground_truth_error(None, "BtoA", 3, SIZE), want, rtol=1e-5)
    np.testing.assert_allclose(ground_truth_error(lambda im: im, "BtoA", 3, SIZE), want,
                               rtol=1e-5)  # fmt: skip


def test_tiny_sweep_bookkeeping_and_a_trained_model_beats_the_identity_map(tmp_path):
    # 120 steps: enough to beat the copy by about a fifth (0.228 against 0.281 measured).
    result = identity_sweep(lambdas=(2,), seeds=(3,), epochs=4, n_images=30, filters=8,
                            n_test=4, data_root=tmp_path, progress=False, keep_models=True)
    assert result.lambdas == (2.0,) and result.seeds == (3,)
    for direction in DIRECTIONS:
        for name in MEASURES:
            assert result.values[direction][name].shape == (1, 1)
            assert np.all(np.isfinite(result.values[direction][name]))
    assert result.seconds.shape == (1, 1) and np.all(result.seconds > 0)
    assert result.samples["input"].shape == (4, SIZE, SIZE, 3)
    assert set(result.samples) == {"input", 2.0}
    assert (tmp_path / "seed3" / "trainA").is_dir()
    lines = result.table("AtoB").splitlines()
    assert len(lines) == 3 and lines[2].split()[0] == "2"
    # The sweep measured the model it kept, and that model is nearer the truth than a copy.
    model = result.models[2.0, 3]
    assert result.settings["room"] == "fixed"  # the sweep's default
    error = ground_truth_error(model.g_AB, "AtoB", 4, SIZE, room="fixed")
    np.testing.assert_allclose(error, result.values["AtoB"]["gt_error"][0, 0], rtol=1e-5)
    baseline = ground_truth_error(None, "AtoB", 4, SIZE, room="fixed")
    assert baseline == result.baseline["AtoB"]
    assert error < 0.95 * baseline, f"g_AB's error {error:.3f}, the copy's {baseline:.3f}"
    np.testing.assert_allclose(result.ratio("gt_error", 2.0, 2.0), [1.0])
    figure = result.plot("BtoA")
    assert len(figure.axes) == len(MEASURES)


def test_an_eager_sweep_trains_the_same_models_as_a_compiled_one(tmp_path):
    """run_eagerly (grading's few steps, no tracing) changes the speed, not the result."""
    runs = [identity_sweep(lambdas=(0,), seeds=(1,), epochs=1, n_images=4, filters=8,
                           n_test=4, data_root=tmp_path / str(eager), progress=False,
                           run_eagerly=eager, keep_models=True, first_block_norm=False)
            for eager in (False, True)]  # fmt: skip
    assert [run.models[0.0, 1].run_eagerly for run in runs] == [False, True]
    assert [run.settings["run_eagerly"] for run in runs] == [False, True]
    # Lesson 10's U-Net: both generators built without down1's norm, down2's kept.
    for net in (runs[0].models[0.0, 1].g_AB, runs[1].models[0.0, 1].g_BA):
        names = {layer.name for layer in net.layers}
        assert "down1_norm" not in names and "down2_norm" in names
    for direction in DIRECTIONS:
        for name in MEASURES:
            np.testing.assert_allclose(runs[1].values[direction][name],
                                       runs[0].values[direction][name], rtol=1e-3, atol=1e-4)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"lambdas": ()}, "lambdas"),
        ({"epochs": 0}, "epochs"),
        ({"epochs": 2, "decay_from": 2}, "decay_from"),
        ({"image_size": 40}, "image_size"),
        ({"room": "kitchen"}, "room"),
    ],
)
def test_bad_sweep_arguments_raise_value_error(kwargs, match):
    with pytest.raises(ValueError, match=match):
        identity_sweep(progress=False, **kwargs)


def test_bad_direction_raises_value_error():
    with pytest.raises(ValueError, match="direction"):
        held_out_scenes("AtoC")


def test_lesson_10_sweeps_as_the_benchmark_that_reproduces_its_figures():
    """bench/bench_identity_sweep.py trains what lesson 10's section 6 trains."""
    import re
    from pathlib import Path

    from bench.bench_identity_sweep import LESSON_SWEEP

    text = (Path(__file__).resolve().parents[1] / "course" / "10_cyclegan_training.py"
            ).read_text(encoding="utf-8")
    student = {name: int(value) for name, value in
               re.findall(r"^(SWEEP_\w+) = \S+ if is_grading\(\) else (\d+)$", text, re.M)}
    assert {"SWEEP_EPOCHS": LESSON_SWEEP["epochs"], "SWEEP_IMAGES": LESSON_SWEEP["n_images"],
            "SWEEP_SIZE": LESSON_SWEEP["image_size"], "SWEEP_SEEDS": 3} == student
    call = " ".join(text.split("sweep = identity_sweep(", 1)[1].split(")\n", 1)[0].split())
    for name in ("filters", "room", "n_test", "first_block_norm"):
        assert f"{name}={LESSON_SWEEP[name]!r}".replace("'", '"') in call, name


def test_lesson_10_states_the_copy_baseline_the_sweep_measures():
    """The identity map's error lesson 10 quotes is the one of its one-room test scenes."""
    import re
    from pathlib import Path

    from bench.bench_identity_sweep import LESSON_SWEEP

    text = (Path(__file__).resolve().parents[1] / "course" / "10_cyclegan_training.py"
            ).read_text(encoding="utf-8")
    stated = float(re.search(r"copying the input scores (\d\.\d+)", text).group(1))
    for direction in DIRECTIONS:
        measured = ground_truth_error(None, direction, n=LESSON_SWEEP["n_test"],
                                      image_size=LESSON_SWEEP["image_size"], room="fixed")
        assert abs(measured - stated) <= 5e-4 + 1e-6, (direction, measured)
