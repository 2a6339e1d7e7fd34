"""Reference implementation of Neural Style Transfer for the style-transfer course.

Everything a lesson grades lives in :mod:`nst_utils.costs`; the rest loads VGG19 and
images, runs the optimisation and draws pictures.

Names are imported on first use (PEP 562), so ``import nst_utils`` -- and with it
``nst_utils.startup``, which ``cyclegan`` and ``autograde`` import -- does not import
TensorFlow. ``from nst_utils import stylize`` and ``nst_utils.costs`` work as before.
"""

from __future__ import annotations

import importlib
import sys
import types

from .startup import install_import_hook

# Before anything imports TensorFlow: its start-up log lines are then kept off stderr.
install_import_hook()

_EXPORTS = {
    "CONTENT_LAYER": "nst_utils.costs",
    "STYLE_LAYERS": "nst_utils.costs",
    "compute_content_cost": "nst_utils.costs",
    "compute_layer_style_cost": "nst_utils.costs",
    "compute_style_cost": "nst_utils.costs",
    "gram_matrix": "nst_utils.costs",
    "total_cost": "nst_utils.costs",
    "total_variation_cost": "nst_utils.costs",
    "ImageError": "nst_utils.images",
    "deprocess_from_vgg": "nst_utils.images",
    "generate_noise_image": "nst_utils.images",
    "load_image": "nst_utils.images",
    "preprocess_for_vgg": "nst_utils.images",
    "resize_image": "nst_utils.images",
    "save_image": "nst_utils.images",
    "is_grading": "nst_utils.runtime",
    "StylizeResult": "nst_utils.stylize",
    "stylize": "nst_utils.stylize",
    "WeightsUnavailableError": "nst_utils.vgg",
    "build_feature_extractor": "nst_utils.vgg",
    "load_vgg19": "nst_utils.vgg",
}
# Submodules that ``import nst_utils`` used to load, reachable as attributes as before.
_SUBMODULES = ("costs", "images", "runtime", "stylize", "vgg")

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
    elif name in _SUBMODULES:
        value = importlib.import_module(f"{__name__}.{name}")
    else:
        raise AttributeError(f"module 'nst_utils' has no attribute {name!r}")
    globals()[name] = value  # next time without __getattr__
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS) | set(_SUBMODULES))


class _Package(types.ModuleType):
    """Keeps an exported function ahead of the submodule of the same name.

    The import system binds each submodule on its package once loaded; for
    ``nst_utils.stylize`` that would replace the function ``stylize`` by the module
    whenever the module is imported first (``from nst_utils.stylize import ...``).
    """

    def __setattr__(self, name: str, value: object) -> None:
        if isinstance(value, types.ModuleType) and _EXPORTS.get(name) == value.__name__:
            value = getattr(value, name)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
