"""CycleGANBlocks and CycleGANLosses: builders, the train step and train() use what they get."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import cyclegan.train as train_module
from cyclegan import layers, losses
from cyclegan.model import CycleGAN
from cyclegan.networks import build_resnet_generator, build_unet_generator
from cyclegan.options import TrainConfig
from cyclegan.parts import REFERENCE_BLOCKS, REFERENCE_LOSSES, CycleGANBlocks, CycleGANLosses
from cyclegan.toy import make_toy_dataset

SIZE = 32


class Counting:
    """Calls ``function`` and counts the calls."""

    def __init__(self, function):
        self.function, self.calls = function, 0

    def __call__(self, *args, **kwargs):
        self.calls += 1
        return self.function(*args, **kwargs)


def counting_blocks() -> tuple[CycleGANBlocks, dict[str, Counting]]:
    counted = {name: Counting(getattr(layers, name))
               for name in ("downsample", "upsample", "residual_block")}  # fmt: skip
    return CycleGANBlocks(**counted), counted


def tiny_model(**kwargs) -> CycleGAN:
    keras.utils.set_random_seed(0)
    model = CycleGAN(input_dim=(SIZE, SIZE, 3), gen_n_filters=4, disc_n_filters=4, pool_seed=1,
                     **kwargs)
    model.compile(run_eagerly=True)
    return model


def one_step(model: CycleGAN) -> dict[str, float]:
    rng = np.random.default_rng(0)
    a, b = (rng.uniform(-1, 1, (2, SIZE, SIZE, 3)).astype(np.float32) for _ in "ab")
    logs = model.fit(tf.data.Dataset.from_tensors((a, b)), verbose=0).history
    return {name: values[0] for name, values in logs.items()}


@pytest.fixture(scope="module")
def reference_step() -> dict[str, float]:
    return one_step(tiny_model())


def test_the_defaults_are_the_reference_functions():
    assert CycleGANBlocks() == REFERENCE_BLOCKS and REFERENCE_BLOCKS.upsample is layers.upsample
    assert CycleGANLosses() == REFERENCE_LOSSES
    assert REFERENCE_LOSSES.identity_terms is losses.identity_terms


def test_generator_builders_call_the_blocks_they_are_given():
    blocks, counted = counting_blocks()
    keras.utils.set_random_seed(0)
    custom = build_unet_generator((SIZE, SIZE, 3), 4, blocks=blocks)
    keras.utils.set_random_seed(0)
    reference = build_unet_generator((SIZE, SIZE, 3), 4)
    assert (counted["downsample"].calls, counted["upsample"].calls) == (4, 3)
    for got, want in zip(custom.get_weights(), reference.get_weights(), strict=True):
        np.testing.assert_array_equal(got, want)
    build_resnet_generator((SIZE, SIZE, 3), 4, n_residual_blocks=2, blocks=blocks)
    assert (counted["downsample"].calls, counted["residual_block"].calls) == (6, 2)


def test_cyclegan_builds_both_generators_with_the_blocks():
    blocks, counted = counting_blocks()
    CycleGAN(input_dim=(SIZE, SIZE, 3), generator_type="resnet", n_residual_blocks=1,
             gen_n_filters=4, disc_n_filters=4, blocks=blocks)
    assert (counted["downsample"].calls, counted["residual_block"].calls) == (4, 2)


def test_train_step_calls_the_losses_it_is_given(reference_step):
    counted = {name: Counting(getattr(losses, name)) for name in (
        "discriminator_loss", "generator_adversarial_loss", "cycle_consistency_loss",
        "identity_terms", "generator_total_loss")}  # fmt: skip
    got = one_step(tiny_model(losses=CycleGANLosses(**counted)))
    assert {name: f.calls for name, f in counted.items()} == {
        "discriminator_loss": 2, "generator_adversarial_loss": 2, "cycle_consistency_loss": 2,
        "identity_terms": 1, "generator_total_loss": 1}  # fmt: skip
    assert got == pytest.approx(reference_step, rel=1e-6)


def test_identity_loss_alone_is_wired_into_the_reference_identity_terms(reference_step):
    identity = Counting(losses.identity_loss)
    got = one_step(tiny_model(losses=CycleGANLosses(identity_loss=identity)))
    assert identity.calls == 2
    assert got == pytest.approx(reference_step, rel=1e-6)


def test_identity_terms_that_calls_the_wrong_generator_gets_its_real_output():
    # The classic mistake: each generator shown the images of its *source* domain.
    def swapped(g_AB, g_BA, real_a, real_b):
        id_a = losses.identity_loss(real_a, g_AB(real_a))
        return id_a, losses.identity_loss(real_b, g_BA(real_b))

    model = tiny_model(losses=CycleGANLosses(identity_terms=swapped))
    rng = np.random.default_rng(0)
    a, b = (rng.uniform(-1, 1, (2, SIZE, SIZE, 3)).astype(np.float32) for _ in "ab")
    # The generators are scored before their update, so the start weights give the value.
    want = np.abs(a - model.g_AB(a)).mean() + np.abs(b - model.g_BA(b)).mean()
    assert one_step(model)["id"] == pytest.approx(want, rel=1e-5)


def test_train_builds_the_model_with_the_blocks_and_losses(tmp_path, monkeypatch):
    data = make_toy_dataset(tmp_path / "toy", n_per_domain=1, image_size=SIZE, n_test=1,
                            progress=False)
    blocks, seen = CycleGANBlocks(), {}

    class Built(Exception):
        pass

    def fake_cyclegan(config, **kwargs):
        seen.update(kwargs)
        raise Built

    monkeypatch.setattr(train_module, "CycleGAN", fake_cyclegan)
    config = TrainConfig(data=str(data), epochs=1, image_size=SIZE, deterministic=False)
    custom = CycleGANLosses(cycle_consistency_loss=Counting(losses.cycle_consistency_loss))
    with pytest.raises(Built):
        train_module.train(config, tmp_path / "run", blocks=blocks, losses=custom)
    assert seen["blocks"] is blocks and seen["losses"] is custom


@pytest.mark.parametrize(
    "make, words",
    [
        (lambda: CycleGANBlocks(downsample="downsample"), "downsample must be a function"),
        (lambda: CycleGANBlocks(upsample=layers.residual_block), "upsample .* cannot be called"),
        (lambda: CycleGANLosses(cycle_consistency_loss=1.0), "cycle_consistency_loss must be"),
        (lambda: CycleGANLosses(identity_terms=losses.identity_loss), "identity_terms .* cannot"),
        (lambda: CycleGAN((SIZE, SIZE, 3), losses=losses.cycle_consistency_loss),
         "losses must be a CycleGANLosses"),
        (lambda: build_unet_generator((SIZE, SIZE, 3), 4, blocks=[layers.downsample]),
         "blocks must be a CycleGANBlocks"),
    ],
)
def test_bad_functions_are_refused(make, words):
    with pytest.raises(ValueError, match=words):
        make()


def test_train_refuses_bad_losses_before_touching_the_run_folder(tmp_path):
    config = TrainConfig(data=str(tmp_path), epochs=1)
    with pytest.raises(ValueError, match="losses must be a CycleGANLosses"):
        train_module.train(config, tmp_path / "run", losses={"identity_loss": abs})
    assert not (tmp_path / "run").exists()
