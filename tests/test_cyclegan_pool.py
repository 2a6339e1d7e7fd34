"""Image pool semantics: a plain list-based pool written here is the reference."""

import numpy as np
import pytest
import tensorflow as tf

from cyclegan.pool import GraphImagePool, ImagePool


class ListPool:
    """The rule written as plainly as possible, consuming the same draws as the pools."""

    def __init__(self, max_size):
        self.max_size, self.images = max_size, []

    def query(self, batch, coins, slots):
        out = []
        for image, coin, slot in zip(batch, coins, slots, strict=True):
            if self.max_size == 0:
                out.append(image)
            elif len(self.images) < self.max_size:
                self.images.append(image)
                out.append(image)
            elif coin < 0.5:
                out.append(self.images[slot])
                self.images[slot] = image
            else:
                out.append(image)
        return np.stack(out)


def batches(seed, n_batches, batch_size, shape=(4, 4, 3)):
    rng = np.random.default_rng(seed)
    return [rng.normal(size=(batch_size, *shape)).astype(np.float32) for _ in range(n_batches)]


@pytest.mark.parametrize("max_size, batch_size", [(5, 1), (3, 2), (4, 3)])
def test_image_pool_matches_the_plain_rule(max_size, batch_size):
    pool = ImagePool(max_size, seed=11)
    draws = np.random.default_rng(11)  # the pool's documented draw order
    reference = ListPool(max_size)
    for batch in batches(0, 12, batch_size):
        coins = draws.random(batch_size)
        slots = draws.integers(0, max_size, size=batch_size)
        np.testing.assert_array_equal(pool.query(batch), reference.query(batch, coins, slots))
    assert len(pool) == max_size


def test_pool_passes_through_until_full_then_swaps_about_half():
    pool = ImagePool(10, seed=3)
    data = batches(1, 410, 1)
    for batch in data[:10]:
        np.testing.assert_array_equal(pool.query(batch), batch)
    seen = {d[0].tobytes() for d in data[:10]}
    swapped = 0
    for batch in data[10:]:
        out = pool.query(batch)
        if not np.array_equal(out, batch):
            swapped += 1
            assert out[0].tobytes() in seen  # an earlier fake, never something new
        seen.add(batch[0].tobytes())
    # 400 fair coins: 200 ± 4.5 standard deviations.
    assert 155 < swapped < 245


def test_pool_conserves_images():
    pool = ImagePool(4, seed=5)
    for batch in batches(2, 4, 1):
        pool.query(batch)
    for batch in batches(3, 10, 3):
        before = [b.tobytes() for b in pool.buffer[: len(pool)]] + [b.tobytes() for b in batch]
        out = pool.query(batch)
        after = [b.tobytes() for b in pool.buffer[: len(pool)]] + [b.tobytes() for b in out]
        assert sorted(before) == sorted(after)


def test_zero_size_pool_passes_everything():
    pool = ImagePool(0, seed=0)
    for batch in batches(4, 3, 2):
        np.testing.assert_array_equal(pool.query(batch), batch)


def test_tensor_in_tensor_out():
    pool = ImagePool(2, seed=0)
    x = tf.constant(batches(5, 1, 3)[0])
    y = pool.query(x)
    assert isinstance(y, tf.Tensor) and y.dtype == x.dtype and y.shape == x.shape


def test_state_round_trip_resumes_exactly():
    data = batches(6, 20, 2)
    pool = ImagePool(3, seed=9)
    for batch in data[:8]:
        pool.query(batch)
    state = pool.get_state()
    expected = [pool.query(batch) for batch in data[8:]]
    resumed = ImagePool(3, seed=123)  # another seed: the state must override it
    resumed.set_state(state)
    for batch, want in zip(data[8:], expected, strict=True):
        np.testing.assert_array_equal(resumed.query(batch), want)
    with pytest.raises(ValueError, match="max_size"):
        ImagePool(4).set_state(state)


def test_bad_inputs():
    with pytest.raises(ValueError, match="max_size"):
        ImagePool(-1)
    pool = ImagePool(2)
    with pytest.raises(ValueError, match="batch axis"):
        pool.query(np.zeros((4, 4, 3)))
    pool.query(np.zeros((1, 4, 4, 3)))
    with pytest.raises(ValueError, match="one pool per image size"):
        pool.query(np.zeros((1, 8, 8, 3)))


@pytest.mark.parametrize("max_size, batch_size", [(3, 1), (2, 3), (3, 8), (0, 2)])
def test_graph_pool_matches_the_plain_rule_when_compiled(max_size, batch_size):
    pool = GraphImagePool(max_size, (4, 4, 3), seed=21)
    # Unknown batch size, as under tf.distribute; large batches make slots collide.
    spec = tf.TensorSpec((None, 4, 4, 3), tf.float32)
    query = tf.function(pool.__call__, input_signature=[spec])
    reference = ListPool(max_size)
    for batch in batches(7, 10, batch_size):
        coins, slots = (np.asarray(d) for d in pool.draws(batch_size))
        want = reference.query(batch, coins, slots)
        np.testing.assert_array_equal(np.asarray(query(tf.constant(batch))), want)
    assert int(pool.count.numpy()) == min(max_size, 10 * batch_size)


def test_graph_pool_checkpoint_resumes_exactly(tmp_path):
    data = batches(8, 12, 2)
    pool = GraphImagePool(3, (4, 4, 3), seed=1)
    for batch in data[:5]:
        pool(batch)
    path = tf.train.Checkpoint(pool=pool).write(str(tmp_path / "pool"))
    expected = [np.asarray(pool(batch)) for batch in data[5:]]
    resumed = GraphImagePool(3, (4, 4, 3), seed=999)  # seed comes back from the checkpoint
    tf.train.Checkpoint(pool=resumed).read(path).assert_consumed()
    for batch, want in zip(data[5:], expected, strict=True):
        np.testing.assert_array_equal(np.asarray(resumed(batch)), want)
