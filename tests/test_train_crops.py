"""Camera-crop pool, crop figures, the new augmentations and the card's ablation section."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from train import augment, card  # noqa: E402
from train import train as tr  # noqa: E402
from train.data import SHARED_DIR  # noqa: E402

MNIST = SHARED_DIR  # the team's copy beside the repo, as training finds it


@pytest.fixture
def small_pools(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Crop pools built in chunks of 30 and cached under the returned folder."""
    if not MNIST.is_dir():
        pytest.skip("shared MNIST copy not present")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(tr, "CHUNK", 30)
    return tmp_path


def test_crop_pool_is_normalized_cached_and_deterministic(small_pools: Path) -> None:
    x, y, _ = tr.crop_pool(50, 1, "test", workers=1)
    assert x.shape == (50, 28, 28) and x.dtype == np.float32 and y.shape == (50,)
    assert 0 <= x.min() and x.max() <= 1 + 1e-6 and set(y.tolist()) <= set(range(11))
    assert len(list((small_pools / "numrec" / "crops").glob("*.npz"))) == 1
    again, y2, _ = tr.crop_pool(50, 1, "test", workers=1)  # from the cache
    np.testing.assert_array_equal(x, again)
    np.testing.assert_array_equal(y, y2)
    fresh, y3, _ = tr._crop_chunk((1, 0, "test"))  # the same pages drawn again
    np.testing.assert_array_equal(fresh, x[:30])
    np.testing.assert_array_equal(y3, y[:30])


@pytest.mark.usefixtures("small_pools")
def test_pools_of_other_sources_are_kept_a_few_and_the_least_recent_go() -> None:
    mine = tr._cache_path(20, 1, "test")
    mine.parent.mkdir(parents=True)
    stem = mine.name.rsplit("-", 1)[0]
    others = [mine.with_name(f"{stem}-{k:016x}.npz") for k in range(4)]  # other sources
    unrelated = mine.with_name("train-9-30-0123456789abcdef.npz")  # another seed and split
    for used, path in enumerate([*others, unrelated]):
        path.write_bytes(b"a pool")
        os.utime(path, (1000 + used, 1000 + used))  # others[3], then [2], used last

    tr.crop_pool(20, 1, "test", workers=1)
    left = {p.name for p in mine.parent.glob("*.npz")}
    assert left == {mine.name, others[3].name, others[2].name, unrelated.name}

    os.utime(mine, (1, 1))
    tr.crop_pool(20, 1, "test", workers=1)  # read from the cache: used now
    assert mine.stat().st_mtime > 2000


def test_crop_figures() -> None:
    y = np.array([1, 2, 10, 10, 3])
    pred = np.array([1, 10, 10, 4, 3])
    f = tr.crop_figures(pred, y)
    assert f["acc"] == pytest.approx(3 / 5)
    assert f["digit_rejected"] == pytest.approx(1 / 3)
    assert f["false_digit"] == pytest.approx(1 / 2)
    assert f["per_class"] == {1: 1.0, 2: 0.0, 3: 1.0, 10: 0.5}


def _stroke() -> torch.Tensor:
    x = torch.zeros(4, 1, 28, 28)
    x[:, :, 6:22, 13:15] = 1.0  # a "1"
    return x


def test_bold_motion_and_grain_keep_shape_and_do_what_they_say() -> None:
    g = torch.Generator().manual_seed(0)
    x = _stroke()
    bold = augment._bold(x, g)
    assert bold.shape == x.shape and bool((bold >= x).all())
    blurred = augment._motion(x, g)
    assert blurred.shape == x.shape
    torch.testing.assert_close(blurred.sum((1, 2, 3)), x.sum((1, 2, 3)), rtol=1e-4, atol=1e-4)
    grainy = augment._grain(x, g)
    assert bool((grainy <= x).all()) and bool((grainy >= 0).all())
    cut = augment._cut(blurred, g)
    assert bool(((cut == 0) | (cut == blurred)).all())


def test_projective_warp_with_identity_is_identity() -> None:
    x = _stroke()
    eye = torch.eye(3).expand(4, 3, 3)
    torch.testing.assert_close(augment._warp(x, eye), x)
    torch.testing.assert_close(augment._warp(x, eye[:, :2]), x)


def test_ablation_section_survives_a_new_card(tmp_path: Path) -> None:
    path = tmp_path / "CARD.md"
    path.write_text(
        f"# old\n\n## Ablation: MNIST only\n\n{card.ABLATION_START}\nfigures\n{card.ABLATION_END}\n"
    )
    assert "figures" in card._ablation_section(path)
    path.unlink()
    placeholder = card._ablation_section(path)
    assert "not trained yet" in placeholder and placeholder.endswith(card.ABLATION_END)
