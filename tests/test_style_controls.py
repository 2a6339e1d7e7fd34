"""Artists' controls: blended and masked Gram targets, style scale, coarse-to-fine, flags.

Expected values are NumPy readings of the formulas on activations of a random VGG19;
the runs are tiny (<= 96 px, 1-2 steps).
"""

import importlib
import math

import numpy as np
import pytest
from PIL import Image

from nst_utils import cli, colour, costs
from nst_utils.cost_functions import NSTCosts
from nst_utils.multiscale import default_stage_steps, size_schedule, stylize_multiscale
from nst_utils.style_targets import GramStyleCost, masked_gram, prepare_mask
from nst_utils.stylize import StyleTransferLoss, stylize
from nst_utils.vgg import build_feature_extractor, load_vgg19

# nst_utils.stylize names the function there; the module is needed for monkeypatching.
stylize_module = importlib.import_module("nst_utils.stylize")
multiscale_module = importlib.import_module("nst_utils.multiscale")
LAYERS = [("block1_conv1", 0.5), ("block2_conv1", 0.3), ("block3_conv1", 0.2)]


@pytest.fixture(scope="module")
def vgg():
    import keras

    keras.utils.set_random_seed(0)
    return load_vgg19(None)


@pytest.fixture(scope="module")
def extractor(vgg):
    return build_feature_extractor(vgg, ["block4_conv2"] + [n for n, _ in LAYERS])


def _image(seed, h, w):
    return np.random.default_rng(seed).random((1, h, w, 3)).astype(np.float32)


def _np_gram(a, m=None):
    """Area-normalised Gram of (1, h, w, c) activations, optionally masked (NumPy)."""
    a = np.asarray(a, np.float64)[0]
    if m is None:
        m = np.ones(a.shape[:2])
    flat = (a * m[..., None]).reshape(-1, a.shape[-1])
    return flat.T @ flat / m.sum()


def _np_layer_cost(G_t, G_g):
    return ((G_t - G_g) ** 2).sum() / (4.0 * G_t.shape[0] ** 2)


def _block_mean(m, h, w):
    """Area resize by an integer factor in NumPy: the mean of each block."""
    fy, fx = m.shape[0] // h, m.shape[1] // w
    return m.reshape(h, fy, w, fx).mean(axis=(1, 3))


def test_blended_targets_are_the_weighted_numpy_blend(extractor):
    styles = [_image(1, 48, 64), _image(2, 64, 40)]  # different sizes: Grams per area
    cost = GramStyleCost(extractor, styles, LAYERS, weights=[3.0, 1.0])
    assert cost.weights == [0.75, 0.25]  # normalised to sum 1
    feats = [extractor(s) for s in styles]
    [(region, targets)] = cost.regions
    assert region is None
    for (name, _), target in zip(LAYERS, targets, strict=True):
        expected = 0.75 * _np_gram(feats[0][name]) + 0.25 * _np_gram(feats[1][name])
        np.testing.assert_allclose(target.numpy(), expected, rtol=1e-4, atol=1e-6)
    generated = extractor(_image(3, 48, 56))
    J = sum(w * _np_layer_cost(t.numpy(), _np_gram(generated[n]))
            for (n, w), t in zip(LAYERS, targets, strict=True))
    assert np.isclose(float(cost(generated)), J, rtol=1e-4)


def test_gram_path_of_one_style_equals_the_graded_style_cost(extractor):
    # With one style at the content's size the Gram path is the curriculum's formula.
    content, style, image = _image(4, 48, 56), _image(5, 48, 56), _image(6, 48, 56)
    plain = StyleTransferLoss(extractor, content, style, "block4_conv2", LAYERS, 2.0, 5.0, 0.0)
    grams = StyleTransferLoss(extractor, content, None, "block4_conv2", LAYERS, 2.0, 5.0, 0.0,
                              style_targets=GramStyleCost(extractor, [style], LAYERS))
    assert np.isclose(float(grams(image)), float(plain(image)), rtol=1e-4)


def test_gram_targets_are_taken_with_the_students_gram_matrix(extractor):
    doubled = NSTCosts(gram_matrix=lambda A: 2.0 * costs.gram_matrix(A))
    style = [_image(7, 48, 48)]
    mine = GramStyleCost(extractor, style, LAYERS, costs=doubled).regions[0][1]
    reference = GramStyleCost(extractor, style, LAYERS).regions[0][1]
    for a, b in zip(mine, reference, strict=True):
        np.testing.assert_allclose(a.numpy(), 2.0 * b.numpy(), rtol=1e-5)


def test_masked_gram_equals_numpy_on_masked_activations():
    rng = np.random.default_rng(8)
    a = rng.random((1, 4, 6, 5)).astype(np.float32)
    mask = (rng.random((1, 8, 12, 1)) > 0.4).astype(np.float32)  # twice the layer's size
    m = _block_mean(mask[0, ..., 0], 4, 6)
    np.testing.assert_allclose(masked_gram(a, mask).numpy(), _np_gram(a, m), rtol=1e-5)


def test_masked_style_cost_sums_both_regions_in_numpy(extractor):
    content_hw = (64, 64)  # every layer's resolution divides it, so NumPy can area-resize
    mask = np.zeros(content_hw, np.float32)
    mask[:, :40] = 1.0
    prepared = prepare_mask(mask, content_hw)
    styles = [_image(9, 64, 64), _image(10, 48, 48)]
    cost = GramStyleCost(extractor, styles, LAYERS, mask=prepared)
    feats = [extractor(s) for s in styles]
    generated = extractor(_image(11, 64, 64))
    expected = 0.0
    for k, region in enumerate([mask, 1.0 - mask]):
        for name, weight in LAYERS:
            a = generated[name]
            m = _block_mean(region, a.shape[1], a.shape[2])
            expected += weight * _np_layer_cost(_np_gram(feats[k][name]), _np_gram(a, m))
    assert np.isclose(float(cost(generated)), expected, rtol=1e-4)


def test_mask_is_resized_to_the_content():
    mask = np.zeros((32, 48), np.float32)
    mask[:, 24:] = 1.0
    out = prepare_mask(mask, (64, 96))
    assert out.shape == (1, 64, 96, 1)
    assert out[0, :, :40].max() < 0.5 and out[0, :, 56:].min() > 0.5


def test_size_schedule_grows_by_sqrt2_and_ends_exactly_at_size():
    assert size_schedule(2048, 512) == [512, 724, 1024, 1448, 2048]
    assert size_schedule(1024, 512) == [512, 724, 1024]
    assert size_schedule(96, 64) == [64, 78, 96]
    assert size_schedule(300, 300) == [300]
    for size, start in [(1000, 256), (777, 100), (97, 96), (2048, 33)]:
        sizes = size_schedule(size, start)
        assert sizes[0] == start and sizes[-1] == size
        ratios = np.array(sizes[1:]) / np.array(sizes[:-1])
        assert (ratios > 1).all() and (ratios <= math.sqrt(2) * (1 + 1 / start)).all()
        # as few stages as steps of at most sqrt(2) allow
        assert len(sizes) - 1 == math.ceil(math.log(size / start, math.sqrt(2)) - 1e-9)


def test_style_scale_and_luminance_reach_the_targets(vgg, monkeypatch):
    seen = []

    class Spy(GramStyleCost):
        def __init__(self, extractor, styles, *args, **kwargs):
            seen.extend(styles)
            super().__init__(extractor, styles, *args, **kwargs)

    monkeypatch.setattr(stylize_module, "GramStyleCost", Spy)
    content = (0.3 + 0.4 * _image(12, 48, 64)).astype(np.float32)
    result = stylize(content, _image(13, 80, 80), steps=1, vgg=vgg, progress=False,
                     optimizer="adam", style_scale=1.5, preserve_colors="luminance",
                     style_layers=LAYERS)
    [style] = seen
    assert style.shape == (1, 72, 96, 3)  # 1.5 times the content's 48x64
    np.testing.assert_array_equal(style[..., 0], style[..., 2])  # grey: luminance only
    assert result.image.shape == content.shape
    inside = (result.image > 0.0).all(-1) & (result.image < 1.0).all(-1)
    chroma = colour.rgb_to_yiq(result.image)[..., 1:] - colour.rgb_to_yiq(content)[..., 1:]
    assert inside.mean() > 0.9 and np.abs(chroma[inside]).max() < 1e-5


def test_coarse_to_fine_runs_tiny_and_ends_at_the_final_size(vgg):
    content, style = _image(14, 64, 96), _image(15, 96, 96)
    steps = []
    result = stylize_multiscale(content, style, start_size=68, steps=[2, 1], vgg=vgg,
                                optimizer="adam", progress=False, style_layers=LAYERS,
                                callback=lambda step, image, loss: steps.append(
                                    (step, image.shape)))
    assert result.sizes == [68, 96] and result.step_sizes == [68, 68, 96]
    assert result.image.shape == content.shape and len(result.losses) == 3
    assert steps == [(1, (1, 45, 68, 3)), (2, (1, 45, 68, 3)), (3, (1, 64, 96, 3))]
    assert [s.image.shape[1:3] for s in result.stages] == [(45, 68), (64, 96)]
    assert "random" in result.weights_source


def test_default_schedule_halves_the_steps_per_doubling_of_pixels():
    # Independent reading of the rule: the first stage gets the compute (steps x pixels)
    # of 16 steps at 256 px, every later stage the first's compute, rounded, at least 2.
    for size, start in [(512, 128), (1024, 256), (2048, 512), (384, 96)]:
        sizes = size_schedule(size, start)
        first = min(32, max(2, int(np.rint(16 * 256**2 / start**2))))
        expected = [max(2, int(np.rint(first * start**2 / s**2))) for s in sizes]
        assert default_stage_steps(sizes) == expected, (size, start)
    assert default_stage_steps(size_schedule(512, 128)) == [32, 16, 8, 4, 2]
    assert default_stage_steps(size_schedule(1024, 256)) == [16, 8, 4, 2, 2]
    assert default_stage_steps(size_schedule(2048, 512)) == [4, 2, 2, 2, 2]
    assert default_stage_steps(size_schedule(2048, 512), first=32) == [32, 16, 8, 4, 2]
    assert default_stage_steps([48, 64]) == [32, 18]  # the first stage's cap


def test_coarse_to_fine_builds_one_extractor_and_matches_stagewise_stylize(vgg, monkeypatch):
    content, style = _image(24, 48, 64), _image(25, 64, 64)
    kwargs = dict(vgg=vgg, optimizer="adam", progress=False, style_layers=LAYERS)
    built, asked = [], []
    real_build = multiscale_module.build_feature_extractor

    def counting(*args, **kw):
        built.append(args[1])
        return real_build(*args, **kw)

    def tiny_default(sizes):
        asked.append(list(sizes))
        return [2, 1]

    monkeypatch.setattr(multiscale_module, "build_feature_extractor", counting)
    monkeypatch.setattr(stylize_module, "build_feature_extractor", counting)
    monkeypatch.setattr(multiscale_module, "default_stage_steps", tiny_default)
    result = stylize_multiscale(content, style, start_size=46, steps=None, **kwargs)
    assert asked == [[46, 64]] and len(built) == 1  # one extractor for both stages
    assert result.step_sizes == [46, 46, 64]
    # The same two stages by hand, each building its own extractor, give the same losses.
    monkeypatch.undo()
    small = stylize(multiscale_module.resize_float(content, (34, 46)), style, steps=2,
                    **kwargs)
    big = stylize(content, style, steps=1,
                  init=multiscale_module.resize_float(small.image, (48, 64)), **kwargs)
    np.testing.assert_allclose(result.losses, small.losses + big.losses, rtol=1e-4)


def test_stylize_refuses_an_extractor_without_the_layers(vgg):
    extractor = build_feature_extractor(vgg, ["block1_conv1"])
    missing = r"does not return layer\(s\) \['block5_conv2'\]"
    with pytest.raises(ValueError, match=missing) as caught:
        stylize(_image(26, 48, 48), _image(27, 48, 48), vgg=vgg, extractor=extractor,
                steps=1, progress=False, style_layers=[("block1_conv1", 1.0)])
    assert "\n" not in str(caught.value)


def _mask(h, w, fill=None):
    m = np.zeros((h, w), np.float32)
    if fill is None:
        m[:, : w // 2] = 1.0
    else:
        m[:] = fill
    return m


@pytest.mark.parametrize(
    "kwargs, words",
    [
        ({"style_weights": [0.5, 0.3, 0.2]}, "3 style weight"),
        ({"style_weights": [0.7, -0.3]}, "positive"),
        ({"style_weights": [0.0, 1.0]}, "positive"),
        ({"style_scale": 0}, "style_scale must be a positive"),
        ({"style_scale": -1.0}, "style_scale must be a positive"),
        ({"style_scale": 0.3}, "below VGG19's 32x32"),
        ({"mask": _mask(48, 96)}, "aspect"),
        ({"mask": _mask(48, 64, fill=0.0)}, "no foreground"),
        ({"mask": _mask(48, 64, fill=1.0)}, "no background"),
        ({"mask": _mask(48, 64), "style_weights": [1, 1]}, "cannot be combined"),
        ({"preserve_colors": "sepia"}, "preserve_colors"),
    ],
)
def test_bad_controls_are_one_line_errors(vgg, kwargs, words):
    content, styles = _image(16, 48, 64), [_image(17, 48, 48), _image(18, 40, 40)]
    with pytest.raises(ValueError, match=words) as caught:
        stylize(content, styles, vgg=vgg, progress=False, **kwargs)
    assert "\n" not in str(caught.value)


def test_a_mask_needs_two_styles(vgg):
    with pytest.raises(ValueError, match="exactly two style images"):
        stylize(_image(19, 48, 64), _image(20, 48, 48), vgg=vgg, mask=_mask(48, 64))


@pytest.mark.parametrize(
    "kwargs, words",
    [
        ({"start_size": 128}, "larger than the final size 96"),
        ({"start_size": 40}, "below VGG19's 32x32; start at 48"),
        ({"start_size": 64, "steps": [1, 1]}, "one per stage of"),
    ],
)
def test_bad_coarse_to_fine_inputs(vgg, kwargs, words):
    with pytest.raises(ValueError, match=words):
        stylize_multiscale(_image(21, 64, 96), _image(22, 48, 48), vgg=vgg, **kwargs)


@pytest.fixture()
def files(tmp_path):
    rng = np.random.default_rng(23)
    paths = {}
    for name, shape in [("content", (48, 64)), ("a", (56, 56)), ("b", (40, 60))]:
        paths[name] = tmp_path / f"{name}.png"
        Image.fromarray(rng.integers(0, 255, (*shape, 3), dtype=np.uint8)).save(paths[name])
    paths["mask"] = tmp_path / "mask.png"
    Image.fromarray((_mask(24, 32) * 255).astype(np.uint8)).save(paths["mask"])
    paths["black"] = tmp_path / "black.png"
    Image.fromarray(np.zeros((24, 32), np.uint8)).save(paths["black"])
    return paths


def _run(files, tmp_path, *flags):
    out = tmp_path / "out.png"
    steps = [] if "--steps" in flags else ["--steps", "1"]
    code = cli.main([str(files["content"]), str(files["a"]), *flags, "-o", str(out),
                     "--weights", "random", "--size", "64", *steps,
                     "--optimizer", "adam", "--quiet"])
    return code, out


def test_cli_mask_histogram_coarse_to_fine(files, tmp_path, capsys):
    code, out = _run(files, tmp_path, str(files["b"]), "--mask", str(files["mask"]),
                     "--preserve-colors", "histogram", "--start-size", "48")
    assert code == 0, capsys.readouterr().err
    assert "per size at 48, 64 px" in capsys.readouterr().out
    with Image.open(out) as image:
        assert image.size == (64, 48)


def test_cli_coarse_to_fine_takes_one_count_per_stage_or_the_schedule(files, tmp_path,
                                                                     capsys):
    """``--steps 2,1`` runs 2 steps at 48 px and 1 at 64; no ``--steps``, the default."""
    out = tmp_path / "out.png"
    common = [str(files["content"]), str(files["a"]), "-o", str(out), "--weights", "random",
              "--size", "64", "--start-size", "48", "--optimizer", "adam", "--quiet"]
    assert cli.main([*common, "--steps", "2,1"]) == 0, capsys.readouterr().err
    assert "2+1 adam steps per size at 48, 64 px" in capsys.readouterr().out
    expected = "+".join(map(str, default_stage_steps([48, 64])))
    assert cli.main(common) == 0, capsys.readouterr().err
    assert f"{expected} adam steps per size at 48, 64 px" in capsys.readouterr().out


def test_cli_blend_scale_luminance(files, tmp_path, capsys):
    code, out = _run(files, tmp_path, str(files["b"]), "--style-weights", "0.7,0.3",
                     "--style-scale", "0.75", "--preserve-colors", "luminance")
    assert code == 0, capsys.readouterr().err
    with Image.open(out) as image:
        assert image.size == (64, 48)


@pytest.mark.parametrize(
    "flags, words",
    [
        (["b", "--style-weights", "0.7"], "--style-weights has 1 value(s) for 2"),
        (["b", "--style-weights", "0.7,x"], "comma-separated numbers"),
        (["b", "--style-weights", "1,-1"], "must all be positive"),
        (["--style-scale", "0"], "--style-scale must be a positive"),
        (["--start-size", "128"], "--start-size 128 is larger than --size 64"),
        (["--start-size", "48", "--steps", "1,1,1"], "--steps has 3 numbers for the 2 stages"),
        (["--steps", "2,1"], "needs --start-size"),
        (["--steps", "2,x"], "whole numbers separated by commas"),
        (["--steps", "0"], "--steps must all be positive"),
        (["--mask", "mask"], "--mask needs exactly two style images"),
        (["b", "--mask", "black"], "no foreground"),
        (["b", "--mask", "missing"], "no such file"),
    ],
)
def test_cli_bad_controls_are_one_line_errors(files, tmp_path, capsys, flags, words):
    files = {**files, "missing": tmp_path / "missing.png"}
    flags = [str(files[f]) if f in files else f for f in flags]
    code, out = _run(files, tmp_path, *flags)
    err = capsys.readouterr().err.strip()
    assert code == 2 and not out.exists()
    assert err.startswith("nst: error: ") and len(err.splitlines()) == 1
    assert words in err
