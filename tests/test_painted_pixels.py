"""The painted pictures stay pixel for pixel the same: sample styles and toy fruit.

The SHA-256 digests below were recorded from the code *before* the painters and the
toy shared one texture toolkit (``nst_utils.textures``) and one painter preamble
(``nst_utils.painters.painter``). Exactness matters because the pictures are course
material, not just test data: the lessons and the autograder's notebooks paint them,
show them and describe them, and outputs and checks there are computed from them. A
refactor that changes even one pixel changes what students see and can shift a graded
value, so "looks the same" is not enough; the digests must match.

The digests are taken over uint8 pixels (or the float32 ``style_image`` made from
them), which came out the same with NumPy's AVX-512, AVX2 and SSE code paths
(``NPY_DISABLE_CPU_FEATURES``); the float fruit masks did not, so they are not hashed.
If a change to the pictures is intended, record new digests and say why in the commit.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
from PIL import Image

from cyclegan.toy import make_toy_dataset, paint_image
from nst_utils import samples

STYLE_SIZE = (40, 56)  # small and non-square
STYLE_SHA256 = {
    "waves": "a115d7c58b392f16e12c063e60e062664d8430cdd7e24202dc6d29e089a91185",
    "mosaic": "fcc53bce54d82fc5703f95efbb184bd1000ccad9076f25d83a738a58e2eedf38",
    "brush_strokes": "6d65e657f295a0e4ad367a95665b0863d6c562714ab49707cc970b9c6a9b1ea4",
    "starry": "7969fd1e26d4381b7897106e71e05f0066aa2adba8995992e90635c58ebea4ca",
    "cubist": "d768b3a97812c166241ee553d4d40b123d85693d7170a74203f997b8de8d7f26",
}

TOY_SIZE = 32
TOY_SHA256 = {
    ("apple", 0): "3bddd3ce1c0b85aff1fb81f3c5d530fab3c36118ede1e4b5874ee303d213c773",
    ("apple", 5): "617b6383b8b150a138777c041c9bca1b7c62d528a36f65a48de86d963cca34d4",
    ("apple", (3, 1, 4)): "8104c417dd1ba5ec24912b880ada91c4a861b61cd3310621601391576b2fd739",
    ("orange", 0): "c0b0b9946520ef9e10a2909e97b1b039d484722c743e8c9f8b900010ae5b1d38",
    ("orange", 5): "83524fdb03dcd61f3da54459a4013796e4c37f931220c7f5d3f870aa1179b31e",
    ("orange", (3, 1, 4)): "e438de60d56e5a2976e50ff8492882ca079e08fbad36e51298ab457e34043774",
}
#: All six files of make_toy_dataset(n_per_domain=2, n_test=1, image_size=32, seed=1),
#: decoded and stacked in sorted path order (file bytes would depend on zlib).
TOY_DATASET_SHA256 = "8f5a337a53e8d172eb2de4ec912e3eeb9896e4fa1382d92cdb1a8aab932797dd"


def _sha256(pixels: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(pixels).tobytes()).hexdigest()


@pytest.mark.parametrize("name", samples.STYLE_NAMES)
def test_style_images_are_unchanged(name):
    image = samples.style_image(name, STYLE_SIZE)
    assert image.dtype == np.float32 and image.shape == (1, *STYLE_SIZE, 3)
    assert _sha256(image.astype("<f4")) == STYLE_SHA256[name]


def test_every_style_has_a_recorded_digest():
    assert set(STYLE_SHA256) == set(samples.STYLE_NAMES)


@pytest.mark.parametrize("kind, seed", list(TOY_SHA256), ids=str)
def test_toy_pictures_are_unchanged(kind, seed):
    image = paint_image(kind, list(seed) if isinstance(seed, tuple) else seed, TOY_SIZE)
    assert image.dtype == np.uint8 and image.shape == (TOY_SIZE, TOY_SIZE, 3)
    assert _sha256(image) == TOY_SHA256[kind, seed]


def test_toy_dataset_files_are_unchanged(tmp_path):
    make_toy_dataset(tmp_path, n_per_domain=2, image_size=TOY_SIZE, seed=1, n_test=1,
                     progress=False)
    files = sorted(tmp_path.glob("*/*.png"))  # testA, testB, trainA, trainB
    assert len(files) == 6
    pixels = []
    for path in files:
        with Image.open(path) as im:
            pixels.append(np.asarray(im))
    assert _sha256(np.stack(pixels)) == TOY_DATASET_SHA256
