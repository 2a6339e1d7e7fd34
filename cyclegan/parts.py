"""The graded CycleGAN functions the builders and the train step call, passed as objects.

``CycleGANBlocks`` holds the three network blocks of lesson 8 (``cyclegan.layers``),
``CycleGANLosses`` the six losses of lessons 9 and 10 (``cyclegan.losses``). Both default
to the reference functions, so ``CycleGAN(options)`` is unchanged, while a lesson can
build and train a model with ``blocks=CycleGANBlocks(downsample=downsample, ...)`` and
``losses=CycleGANLosses(discriminator_loss=discriminator_loss, ...)`` from the functions
its student wrote. Nothing here restates a block or a loss; it only says which
function computes it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from cyclegan import layers, losses
from nst_utils.cost_functions import check_callables, rewired

__all__ = [
    "REFERENCE_BLOCKS",
    "REFERENCE_LOSSES",
    "CycleGANBlocks",
    "CycleGANLosses",
    "check_blocks",
    "check_losses",
]

#: Field -> (positional arguments, keywords) of the call the builders make.
_BLOCK_CALLS = {
    "downsample": (2, ("name", "kernel_size", "normalize")),
    "upsample": (3, ("name", "dropout_rate")),
    "residual_block": (2, ("name",)),
}

#: Field -> (positional arguments, keywords) of the call the train step makes.
_LOSS_CALLS = {
    "discriminator_loss": (2, ()),
    "generator_adversarial_loss": (1, ()),
    "cycle_consistency_loss": (2, ()),
    "identity_loss": (2, ()),
    "identity_terms": (4, ()),
    "generator_total_loss": (9, ()),
}


@dataclasses.dataclass(frozen=True)
class CycleGANBlocks:
    """The graded building blocks the generator builders call.

    Each block takes a Keras tensor ``(batch, H, W, C)`` and returns one, naming its
    layers after ``name`` (see :mod:`cyclegan.layers`).

    Attributes:
        downsample: ``(x, filters, name=..., kernel_size=..., normalize=...) -> (batch,
            H/2, W/2, filters)``: the U-Net encoder blocks (kernel 4; ``normalize=False``
            for the first one when ``first_block_norm`` is off) and the ResNet
            generator's two stride-2 blocks (kernel 3).
        upsample: ``(x, skip, filters, name=..., dropout_rate=...) -> (batch, 2H, 2W,
            filters + C_skip)``: the U-Net decoder blocks.
        residual_block: ``(x, filters, name=...) -> (batch, H, W, filters)``: the ResNet
            generator's blocks.

    Raises:
        ValueError: when a field is not a function or cannot take the builders' call.
    """

    downsample: Callable = layers.downsample
    upsample: Callable = layers.upsample
    residual_block: Callable = layers.residual_block

    def __post_init__(self) -> None:
        check_callables(self, _BLOCK_CALLS)


@dataclasses.dataclass(frozen=True)
class CycleGANLosses:
    """The graded losses the CycleGAN train step calls.

    Every loss returns a scalar float32 tensor. ``identity_loss`` is called through
    ``identity_terms``: a custom ``identity_loss`` with the reference ``identity_terms``
    makes ``identity_terms`` the reference one calling it; a custom ``identity_terms`` is
    called as given (it should call your ``identity_loss`` itself).

    Attributes:
        discriminator_loss: ``(real_output, fake_output) -> loss``, patch scores
            ``(batch, H/8, W/8, 1)`` each.
        generator_adversarial_loss: ``(fake_output) -> loss``.
        cycle_consistency_loss: ``(real_image, reconstructed_image) -> loss``, images
            ``(batch, H, W, 3)``.
        identity_loss: ``(real_image, same_image) -> loss``.
        identity_terms: ``(g_AB, g_BA, real_a, real_b) -> (id_A, id_B)``; the train
            step passes generators that hand back the identity images its batched
            forward pass already made when asked for exactly ``real_a`` (of ``g_BA``) or
            ``real_b`` (of ``g_AB``), and run the network for any other input.
        generator_total_loss: ``(valid_A, valid_B, reconstr_A, reconstr_B, id_A, id_B,
            lambda_validation, lambda_reconstr, lambda_id) -> g_total``.

    Raises:
        ValueError: when a field is not a function or cannot take the train step's call.
    """

    discriminator_loss: Callable = losses.discriminator_loss
    generator_adversarial_loss: Callable = losses.generator_adversarial_loss
    cycle_consistency_loss: Callable = losses.cycle_consistency_loss
    identity_loss: Callable = losses.identity_loss
    identity_terms: Callable = losses.identity_terms
    generator_total_loss: Callable = losses.generator_total_loss

    def __post_init__(self) -> None:
        check_callables(self, _LOSS_CALLS)
        if (self.identity_terms is losses.identity_terms
                and self.identity_loss is not losses.identity_loss):
            terms = rewired(losses.identity_terms, identity_loss=self.identity_loss)
            object.__setattr__(self, "identity_terms", terms)


#: The reference blocks of :mod:`cyclegan.layers`, the builders' default.
REFERENCE_BLOCKS = CycleGANBlocks()
#: The reference losses of :mod:`cyclegan.losses`, the model's default.
REFERENCE_LOSSES = CycleGANLosses()


def check_blocks(blocks: object) -> CycleGANBlocks:
    """Return ``blocks`` if it is a :class:`CycleGANBlocks`; raise ``ValueError`` otherwise."""
    if not isinstance(blocks, CycleGANBlocks):
        raise ValueError(
            f"blocks must be a CycleGANBlocks, got {type(blocks).__name__}; build one with "
            "CycleGANBlocks(downsample=downsample, upsample=upsample, "
            "residual_block=residual_block)."
        )
    return blocks


def check_losses(losses_: object) -> CycleGANLosses:
    """Return ``losses_`` if it is a :class:`CycleGANLosses`; raise ``ValueError`` otherwise."""
    if not isinstance(losses_, CycleGANLosses):
        raise ValueError(
            f"losses must be a CycleGANLosses, got {type(losses_).__name__}; build one with "
            "CycleGANLosses(discriminator_loss=discriminator_loss, ...)."
        )
    return losses_
