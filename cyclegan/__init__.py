"""CycleGAN (Zhu et al. 2017): data, networks, losses and training for the course."""

from cyclegan.data import (
    DATASET_NAMES,
    DATASETS_URL,
    download_dataset,
    list_images,
    load_unpaired,
    read_image,
    to_uint8,
)
from cyclegan.toy import make_toy_dataset, paint_image

__all__ = [
    "DATASETS_URL",
    "DATASET_NAMES",
    "download_dataset",
    "list_images",
    "load_unpaired",
    "make_toy_dataset",
    "paint_image",
    "read_image",
    "to_uint8",
]
