"""CycleGAN (Zhu et al. 2017): data, networks, losses and training for the course.

Names are imported on first use (PEP 562), so ``import cyclegan.cli`` or
``import cyclegan.toy`` does not pay for importing TensorFlow.
"""

from __future__ import annotations

import importlib

from nst_utils.startup import install_import_hook

# Before anything imports TensorFlow: its start-up log lines are then kept off stderr.
# (nst_utils imports lazily too, so this does not import TensorFlow.)
install_import_hook()

_EXPORTS = {
    "CycleGAN": "cyclegan.model",
    "ImagePool": "cyclegan.pool",
    "InstanceNormalization": "cyclegan.layers",
    "LinearDecay": "cyclegan.schedules",
    "build_discriminator": "cyclegan.networks",
    "build_resnet_generator": "cyclegan.networks",
    "build_unet_generator": "cyclegan.networks",
    "cycle_consistency_loss": "cyclegan.losses",
    "discriminator_loss": "cyclegan.losses",
    "generator_adversarial_loss": "cyclegan.losses",
    "generator_total_loss": "cyclegan.losses",
    "identity_loss": "cyclegan.losses",
    "DATASETS_URL": "cyclegan.data",
    "DATASET_NAMES": "cyclegan.data",
    "download_dataset": "cyclegan.data",
    "list_images": "cyclegan.data",
    "load_unpaired": "cyclegan.data",
    "read_image": "cyclegan.data",
    "to_uint8": "cyclegan.data",
    "make_toy_dataset": "cyclegan.toy",
    "paint_image": "cyclegan.toy",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'cyclegan' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
