"""cyclegan.toy: the painted apples (A) and oranges (B) dataset."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from cyclegan.data import list_images
from cyclegan.toy import make_toy_dataset, paint_image, paired_toy_scene


def _hue_saturation(image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """HSV hue in degrees and saturation of uint8 RGB pixels, written out in NumPy."""
    x = image.astype(np.float64) / 255.0
    r, g, b = x[..., 0], x[..., 1], x[..., 2]
    top, chroma = x.max(-1), x.max(-1) - x.min(-1)
    safe = np.where(chroma > 0, chroma, 1.0)
    hue = np.where(top == r, ((g - b) / safe) % 6,
                   np.where(top == g, (b - r) / safe + 2, (r - g) / safe + 4)) * 60.0
    return hue, np.where(top > 0, chroma / np.where(top > 0, top, 1.0), 0.0)


def _orange_share(image: np.ndarray, mask: np.ndarray) -> float:
    """Share of saturated fruit pixels whose hue is orange (15-50 degrees)."""
    hue, sat = _hue_saturation(image)
    fruit = (mask > 0.99) & (sat > 0.4)
    return float(((hue > 15) & (hue < 50))[fruit].mean())


def test_paint_image_is_deterministic_uint8():
    image = paint_image("apple", 3, 48)
    assert image.shape == (48, 48, 3) and image.dtype == np.uint8
    np.testing.assert_array_equal(image, paint_image("apple", 3, 48))
    assert not np.array_equal(image, paint_image("apple", 4, 48))
    assert image.std() > 10  # a picture, not a flat fill


def test_same_seed_gives_the_same_shelf_with_either_fruit():
    for seed in range(6):
        apple, mask_a = paint_image("apple", seed, 64, return_mask=True)
        orange, mask_b = paint_image("orange", seed, 64, return_mask=True)
        background = (mask_a == 0) & (mask_b == 0)
        assert background.mean() > 0.5
        np.testing.assert_array_equal(apple[background], orange[background])
        assert not np.array_equal(apple, orange)
        pair = paired_toy_scene(seed, 64)
        np.testing.assert_array_equal(pair.image("apple"), apple)
        np.testing.assert_array_equal(pair.image("orange"), orange)
        np.testing.assert_array_equal(pair.mask("orange"), mask_b)
        np.testing.assert_array_equal(pair.background, 1 - np.maximum(mask_a, mask_b))


def test_domains_differ_in_fruit_colour_but_not_in_background():
    apples = [paint_image("apple", [9, 0, i], 32, return_mask=True) for i in range(24)]
    oranges = [paint_image("orange", [9, 1, i], 32, return_mask=True) for i in range(24)]
    share_a = np.mean([_orange_share(im, m) for im, m in apples])
    share_b = np.mean([_orange_share(im, m) for im, m in oranges])
    assert share_b > 0.9 and share_a < 0.3

    def background_means(pairs):
        return np.array([im[m == 0].mean(axis=0) for im, m in pairs])

    bg_a, bg_b = background_means(apples), background_means(oranges)
    spread = np.sqrt((bg_a.var(axis=0) + bg_b.var(axis=0)) / len(bg_a))
    # Same distribution: the mean colours agree within sampling noise (4 standard errors).
    assert np.all(np.abs(bg_a.mean(axis=0) - bg_b.mean(axis=0)) < 4 * spread)


def test_fixed_room_keeps_the_layout_and_narrows_the_background_colours():
    def backgrounds(room):
        pictures = [paint_image("apple", [5, 0, 0, i], 32, return_mask=True, room=room)
                    for i in range(24)]  # fmt: skip
        return pictures, np.array([im[m == 0].mean(axis=0) for im, m in pictures])

    varied, bg_varied = backgrounds("varied")
    fixed, bg_fixed = backgrounds("fixed")
    for (_, mask_v), (_, mask_f) in zip(varied, fixed, strict=True):
        np.testing.assert_array_equal(mask_v, mask_f)  # same fruits in the same places
    # One wall, shelf and lamp colour: what remains is layout, light pool and jitter.
    assert np.all(bg_fixed.std(axis=0) < 0.6 * bg_varied.std(axis=0))
    pair = paired_toy_scene(5, 32, room="fixed")
    shared = pair.background == 1
    np.testing.assert_array_equal(pair.apple[shared], pair.orange[shared])
    np.testing.assert_array_equal(pair.apple, paint_image("apple", 5, 32, room="fixed"))


def test_make_toy_dataset_layout_determinism_and_cleanup(tmp_path):
    root = make_toy_dataset(tmp_path / "toy", n_per_domain=6, image_size=32, seed=1)
    counts = {f: len(list_images(root / f)) for f in ("trainA", "trainB", "testA", "testB")}
    assert counts == {"trainA": 6, "trainB": 6, "testA": 1, "testB": 1}
    first = {p.name: p.read_bytes() for p in sorted((root / "trainB").iterdir())}
    with Image.open(root / "trainA" / "apple_0000.png") as im:
        assert im.size == (32, 32) and im.mode == "RGB"

    (root / "trainB" / "mine.jpg").write_bytes(b"kept")
    make_toy_dataset(root, n_per_domain=4, image_size=32, seed=1, n_test=2)
    names = sorted(p.name for p in (root / "trainB").iterdir())
    assert names == ["mine.jpg"] + [f"orange_{i:04d}.png" for i in range(4)]
    for name in names[1:]:
        assert (root / "trainB" / name).read_bytes() == first[name]
    assert len(list_images(root / "testA")) == 2

    # Unpaired: the i-th apple and the i-th orange do not share a wall (whose top rows no
    # fruit reaches), unlike paint_image with one seed.
    for i in range(4):
        apple = np.asarray(Image.open(root / "trainA" / f"apple_{i:04d}.png"))[:2]
        orange = np.asarray(Image.open(root / "trainB" / f"orange_{i:04d}.png"))[:2]
        assert not np.array_equal(apple, orange)

    other = make_toy_dataset(tmp_path / "other", n_per_domain=4, image_size=32, seed=2)
    assert (other / "trainB" / "orange_0000.png").read_bytes() != first["orange_0000.png"]


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: paint_image("pear", 0), "kind"),
        (lambda: paint_image("apple", 0, 16), "image_size"),
        (lambda: paired_toy_scene(0, 16), "image_size"),
        (lambda: make_toy_dataset("unused", n_per_domain=0), "n_per_domain"),
        (lambda: make_toy_dataset("unused", n_test=0), "n_test"),
        (lambda: make_toy_dataset("unused", image_size=1000), "image_size"),
        (lambda: make_toy_dataset("unused", room="kitchen"), "room"),
        (lambda: paint_image("apple", 0, room="kitchen"), "room"),
    ],
)
def test_bad_arguments_raise_value_error(call, match):
    with pytest.raises(ValueError, match=match):
        call()
