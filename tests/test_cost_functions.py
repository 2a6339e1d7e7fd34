"""NSTCosts: stylize() and cost_terms() run the cost functions they are given (random VGG19)."""

import numpy as np
import pytest

from nst_utils import costs
from nst_utils.cost_functions import REFERENCE_COSTS, NSTCosts, rewired
from nst_utils.stylize import StyleTransferLoss, cost_terms, stylize
from nst_utils.vgg import build_feature_extractor, load_vgg19

SIZE = 32  # the smallest image VGG19 takes
LAYERS = [("block1_conv1", 0.4), ("block2_conv1", 0.6)]
CONTENT_LAYER = "block2_conv2"


class Counting:
    """Calls ``function`` and counts the calls (in a compiled step: the traces)."""

    def __init__(self, function):
        self.function, self.calls = function, 0

    def __call__(self, *args, **kwargs):
        self.calls += 1
        return self.function(*args, **kwargs)


@pytest.fixture(scope="module")
def vgg():
    import keras

    keras.utils.set_random_seed(0)
    return load_vgg19(None)


@pytest.fixture(scope="module")
def images():
    rng = np.random.default_rng(3)
    return tuple(rng.random((1, SIZE, SIZE, 3)).astype(np.float32) for _ in range(3))


def run(vgg, content, style, **kwargs):
    return stylize(content, style, steps=2, vgg=vgg, progress=False, init="noise", seed=1,
                   content_layer=CONTENT_LAYER, style_layers=LAYERS, **kwargs)


def test_the_default_is_the_reference_functions():
    assert NSTCosts() == REFERENCE_COSTS
    assert REFERENCE_COSTS.content_cost is costs.compute_content_cost
    assert REFERENCE_COSTS.style_cost is costs.compute_style_cost
    assert REFERENCE_COSTS.total_cost is costs.total_cost


def test_doubled_content_cost_is_doubled_alpha(vgg, images):
    content, style, _ = images
    doubled = NSTCosts(content_cost=lambda a_C, a_G: 2.0 * costs.compute_content_cost(a_C, a_G))
    got = run(vgg, content, style, alpha=10.0, costs=doubled)
    want = run(vgg, content, style, alpha=20.0)
    np.testing.assert_allclose(got.losses, want.losses, rtol=1e-6)
    np.testing.assert_allclose(got.image, want.image, atol=1e-6)


def test_every_function_of_a_custom_set_is_called(vgg, images):
    content, style, _ = images
    fields = ("content_cost", "style_cost", "total_variation_cost", "total_cost")
    counted = {name: Counting(getattr(REFERENCE_COSTS, name)) for name in fields}
    got = run(vgg, content, style, tv_weight=1e-3, costs=NSTCosts(**counted))
    assert all(f.calls > 0 for f in counted.values()), {k: f.calls for k, f in counted.items()}
    # The counting wrappers compute what the reference does.
    np.testing.assert_allclose(got.losses, run(vgg, content, style, tv_weight=1e-3).losses,
                               rtol=1e-6)


def test_inner_functions_are_wired_into_the_reference_outer_ones(vgg, images):
    content, style, image = images
    layer = Counting(costs.compute_layer_style_cost)
    terms = cost_terms(content, style, image, vgg=vgg, content_layer=CONTENT_LAYER,
                       style_layers=LAYERS, costs=NSTCosts(layer_style_cost=layer))
    assert layer.calls == len(LAYERS)
    reference = cost_terms(content, style, image, vgg=vgg, content_layer=CONTENT_LAYER,
                           style_layers=LAYERS)
    assert terms == reference
    # A Gram matrix twice as large makes every layer cost, so the style cost, 4 times larger.
    doubled_gram = NSTCosts(gram_matrix=lambda A: 2.0 * costs.gram_matrix(A))
    terms = cost_terms(content, style, image, vgg=vgg, content_layer=CONTENT_LAYER,
                       style_layers=LAYERS, costs=doubled_gram)
    assert terms["content"] == reference["content"]
    assert np.isclose(terms["style"], 4.0 * reference["style"], rtol=1e-6)


def test_style_transfer_loss_uses_the_graded_total_cost(vgg, images):
    content, style, image = images
    extractor = build_feature_extractor(vgg, [CONTENT_LAYER] + [n for n, _ in LAYERS])
    total = Counting(costs.total_cost)
    loss = StyleTransferLoss(extractor, content, style, CONTENT_LAYER, LAYERS, alpha=2.0,
                             beta=3.0, tv_weight=0.0, costs=NSTCosts(total_cost=total))
    J_content, J_style = loss.terms(image)
    assert float(loss(image)) == pytest.approx(2.0 * float(J_content) + 3.0 * float(J_style))
    assert total.calls == 1


@pytest.mark.parametrize(
    "kwargs, words",
    [
        ({"content_cost": "compute_content_cost"}, "content_cost must be a function"),
        ({"total_cost": costs.total_cost(1.0, 2.0)}, "total_cost must be a function"),
        ({"style_cost": costs.compute_layer_style_cost}, "style_cost .* cannot be called"),
    ],
)
def test_bad_functions_are_refused(kwargs, words):
    with pytest.raises(ValueError, match=words):
        NSTCosts(**kwargs)


def test_costs_must_be_an_nstcosts(vgg, images):
    content, style, _ = images
    with pytest.raises(ValueError, match="costs must be an NSTCosts"):
        stylize(content, style, steps=1, vgg=vgg, progress=False, costs=costs.compute_content_cost)
    with pytest.raises(ValueError, match="costs must be an NSTCosts"):
        cost_terms(content, style, content, vgg=vgg, costs={"content_cost": len})


def test_rewired_refuses_a_name_the_body_does_not_call():
    with pytest.raises(ValueError, match="does not call gram_matrix"):
        rewired(costs.compute_content_cost, gram_matrix=costs.gram_matrix)
