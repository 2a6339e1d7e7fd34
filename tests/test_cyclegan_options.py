"""One options dataclass: its CLI flags, its saved form, and the model's keyword layer."""

import argparse
import dataclasses
import inspect
import json

import pytest

from cyclegan import options as opts
from cyclegan.cli import _parser
from cyclegan.options import TrainConfig

# The flags and defaults of `cyclegan train` before they were generated from TrainConfig.
OLD_FLAGS = {
    "--epochs": 200, "--image-size": 128, "--generator": "unet", "--gen-filters": 32,
    "--disc-filters": 32, "--residual-blocks": 9, "--lambda-validation": 1.0,
    "--lambda-reconstr": 10.0, "--lambda-id": 2.0, "--lr": 2e-4, "--decay-from": None,
    "--batch-size": 1, "--pool-size": 50, "--seed": 0, "--steps-per-epoch": None,
    "--xla": False, "--mixed-precision": False,
}  # fmt: skip


def train_parser() -> argparse.ArgumentParser:
    sub = next(a for a in _parser()._actions if isinstance(a, argparse._SubParsersAction))
    return sub.choices["train"]


def test_every_field_has_a_meaning_and_a_flag():
    flags = {a.option_strings[0]: a for a in train_parser()._actions if a.option_strings}
    for field in dataclasses.fields(TrainConfig):
        assert field.metadata["help"], field.name
        assert opts.flag_name(field.name) in flags
    for flag, default in OLD_FLAGS.items():
        assert flags[flag].default == default, flag
    # --nondeterministic stores False into `deterministic`, whose default is True.
    assert flags["--nondeterministic"].default is True and flags["--data"].required
    assert "--crash-after-steps" not in flags


def test_command_line_gives_the_options():
    args = train_parser().parse_args(
        ["--data", "d", "--out", "o", "--pool-size", "3", "--residual-blocks", "2",
         "--nondeterministic", "--xla", "--decay-from", "1", "--lr", "1e-3",
         "--no-first-block-norm"]
    )  # fmt: skip
    want = TrainConfig(data="d", buffer_max_length=3, n_residual_blocks=2,
                       deterministic=False, jit_compile=True, decay_from=1, lr=1e-3,
                       first_block_norm=False)  # fmt: skip
    assert TrainConfig.from_arguments(args) == want
    defaults = train_parser().parse_args(["--data", "d", "--out", "o"])
    assert TrainConfig.from_arguments(defaults) == TrainConfig(data="d")


def test_saved_options_round_trip_and_old_runs_load():
    config = TrainConfig(data="d", generator="resnet", decay_from=3, lambda_id=0.0)
    saved = json.loads(json.dumps(config.to_dict()))
    assert saved["format"] == opts.FORMAT and saved["version"] == opts.VERSION
    assert TrainConfig.from_dict(saved) == config
    # config.json of a run started before the options were tagged or had these fields.
    added = ("dropout_rate", "first_block_norm")
    old = {k: v for k, v in dataclasses.asdict(config).items() if k not in added}
    assert TrainConfig.from_dict(old) == config


@pytest.mark.parametrize(
    ("saved", "needle"),
    [
        ([1, 2], "does not hold cyclegan training options"),
        ({"format": "keras-model", "data": "d"}, "does not hold cyclegan training options"),
        ({"data": "d", "learning_rate": 0.1}, "unknown option 'learning_rate'"),
        ({"data": "d", "image_size": "big"}, "image_size='big'"),
        ({"data": "d", "epochs": True}, "epochs=True"),
        ({"format": opts.FORMAT, "version": opts.VERSION + 1}, "newer cyclegan"),
    ],
)
def test_foreign_or_newer_options_are_one_line_errors(saved, needle):
    with pytest.raises(ValueError) as err:
        TrainConfig.from_dict(saved, source="run/config.json")
    message = str(err.value)
    assert needle in message and "run/config.json" in message and "\n" not in message


def test_validation_names_flags_or_model_keywords():
    with pytest.raises(ValueError, match="--pool-size must be >= 0"):
        TrainConfig(data="d", buffer_max_length=-1).validate()
    with pytest.raises(ValueError, match="--data is required"):
        TrainConfig().validate()
    with pytest.raises(ValueError, match="generator_type must be one of"):
        opts.model_options(generator_type="vgg")
    with pytest.raises(ValueError, match="square RGB"):
        opts.model_options((32, 16, 3))
    with pytest.raises(ValueError, match="--no-first-block-norm is a U-Net option"):
        TrainConfig(data="d", generator="resnet", first_block_norm=False).validate()
    with pytest.raises(TypeError, match="gen_filter"):
        opts.model_options(gen_filter=3)


def test_model_keywords_build_the_same_options():
    legacy = opts.model_options(
        (32, 32, 3), gen_n_filters=4, disc_n_filters=8, pool_seed=1,
        generator_type="resnet", learning_rate=1e-3, lambda_id=0,
    )  # fmt: skip
    want = TrainConfig(image_size=32, gen_filters=4, disc_filters=8, seed=1,
                       generator="resnet", lr=1e-3, lambda_id=0)  # fmt: skip
    assert legacy == want
    # Without options the pools are unseeded, as CycleGAN() always was.
    assert opts.model_options().seed is None
    base = TrainConfig(data="d", seed=7)
    assert opts.model_options(base, lambda_id=5.0) == dataclasses.replace(base, lambda_id=5.0)


def test_train_has_no_test_hook():
    from cyclegan.train import train

    assert "crash" not in " ".join(inspect.signature(train).parameters)


def test_docs_table_lists_every_field_with_its_flag():
    from pathlib import Path

    doc = (Path(__file__).parents[1] / "docs" / "cyclegan.md").read_text()
    for field in dataclasses.fields(TrainConfig):
        assert f"| `{field.name}` | `{opts.flag_name(field.name)}" in doc, field.name
