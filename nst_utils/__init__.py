"""Reference implementation of Neural Style Transfer for the style-transfer course.

Everything a lesson grades lives in :mod:`nst_utils.costs`; the rest loads VGG19 and
images, runs the optimisation and draws pictures.
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # keep TensorFlow's C++ log quiet

from .costs import (  # noqa: E402
    CONTENT_LAYER,
    STYLE_LAYERS,
    compute_content_cost,
    compute_layer_style_cost,
    compute_style_cost,
    gram_matrix,
    total_cost,
    total_variation_cost,
)
from .images import (  # noqa: E402
    ImageError,
    deprocess_from_vgg,
    generate_noise_image,
    load_image,
    preprocess_for_vgg,
    resize_image,
    save_image,
)
from .runtime import is_grading  # noqa: E402
from .stylize import StylizeResult, stylize  # noqa: E402
from .vgg import WeightsUnavailableError, build_feature_extractor, load_vgg19  # noqa: E402

__all__ = [
    "CONTENT_LAYER",
    "STYLE_LAYERS",
    "ImageError",
    "StylizeResult",
    "WeightsUnavailableError",
    "build_feature_extractor",
    "compute_content_cost",
    "compute_layer_style_cost",
    "compute_style_cost",
    "deprocess_from_vgg",
    "generate_noise_image",
    "gram_matrix",
    "is_grading",
    "load_image",
    "load_vgg19",
    "preprocess_for_vgg",
    "resize_image",
    "save_image",
    "stylize",
    "total_cost",
    "total_variation_cost",
]
