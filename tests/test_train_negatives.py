"""train.negatives (numpy + cv2 only) and train.augment (skipped without torch)."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.normalize import normalize_glyph
from train import negatives
from train.data import SHARED_DIR, read_idx

MNIST = SHARED_DIR  # the team's copy beside the repo, as training finds it


@pytest.fixture(scope="module")
def digits() -> tuple[np.ndarray, np.ndarray]:
    if not MNIST.is_dir():
        pytest.skip("shared MNIST copy not present")
    x = read_idx(MNIST / "t10k-images-idx3-ubyte.gz")[:2000]
    y = read_idx(MNIST / "t10k-labels-idx1-ubyte.gz")[:2000]
    return x, y


def test_pool_is_normalized_deterministic_and_covers_all_kinds(
    digits: tuple[np.ndarray, np.ndarray],
) -> None:
    pool, kind = negatives.make_pool(600, 3, *digits)
    assert pool.shape == (600, 28, 28) and pool.dtype == np.float32
    assert pool.min() >= 0 and pool.max() <= 1 + 1e-6
    assert all(p.max() > 0.5 for p in pool)  # no blank crops
    assert set(kind.tolist()) == set(range(len(negatives.kinds())))
    again, _ = negatives.make_pool(600, 3, *digits)
    np.testing.assert_array_equal(pool, again)


def test_negatives_are_not_tall_and_narrow(digits: tuple[np.ndarray, np.ndarray]) -> None:
    """A tall narrow normalized crop is what a "1" looks like; negatives must not be one."""
    rng = np.random.default_rng(0)
    # Brackets are narrow by design, and a colon is two dots, not a stroke.
    skip = (negatives.paren, negatives.dots)
    gens = [g for _, g in negatives.GENERATORS.values() if g not in skip]
    for gen in gens:
        for _ in range(20):
            g = normalize_glyph(gen(rng))
            cols = np.nonzero(g.max(0) > 0.3)[0]
            rows = np.nonzero(g.max(1) > 0.3)[0]
            assert np.ptp(cols) + 1 >= 0.45 * (np.ptp(rows) + 1), gen.__name__
    for make in (negatives.make_pair, negatives.make_partial):
        for _ in range(20):
            crop = make(rng, *digits)
            assert crop.shape[1] >= 0.6 * crop.shape[0], make.__name__


def test_renormalize_matches_normalize_glyph(digits: tuple[np.ndarray, np.ndarray]) -> None:
    torch = pytest.importorskip("torch")
    from train.augment import augment, renormalize

    x = digits[0][:200]
    want = np.stack([normalize_glyph(d) for d in x])
    got = renormalize(torch.from_numpy(x[:, None] / np.float32(255)))[:, 0].numpy()
    assert np.abs(got - want).mean() < 0.005
    out = augment(torch.from_numpy(want[:, None]), torch.Generator().manual_seed(0), p=1.0)
    assert out.shape == (200, 1, 28, 28)
    assert float(out.min()) >= 0 and float(out.max()) <= 1 + 1e-5
