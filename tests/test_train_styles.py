"""Continental 1s and 7s, and 7s and 9s that hang below the line: the strokes land where
such writers put them, the page generator writes a quarter of its pages so without moving
anything else, and the shipped model reads them."""

from dataclasses import replace

import numpy as np
import pytest

from pipeline.classify import Classifier
from pipeline.normalize import normalize_batch
from pipeline.synth import atlas
from train.data import SHARED_DIR, load_test
from train.pages import STYLES, make_page
from train.styles import Hand, continental_digits, descend, descended_digits, restyle

GLYPHS = atlas()  # uint8 [10, 40, 28, 28]: MNIST test glyphs of each digit


def alpha(digit: int, i: int = 0) -> np.ndarray:
    return GLYPHS[digit, i].astype(np.float32) / 255


def labelled() -> tuple[np.ndarray, np.ndarray]:
    """The atlas as MNIST-like images and their digits."""
    return GLYPHS.reshape(-1, 28, 28), np.repeat(np.arange(10), GLYPHS.shape[1])


def ink(a: np.ndarray) -> np.ndarray:
    return a > 0.5


def grown(a: np.ndarray, out: np.ndarray) -> np.ndarray:
    """The input glyph placed on the output's canvas (restyle pads it equally all round)."""
    pad = (out.shape[0] - a.shape[0]) // 2
    return np.pad(a, pad)


def added(a: np.ndarray, out: np.ndarray) -> np.ndarray:
    """Where the output has clearly more ink (resampling blurs the old edges a little)."""
    return out - grown(a, out) > 0.4


def test_flag_rises_to_the_left_of_the_top_of_a_1():
    for i in range(10):
        a = alpha(1, i)
        out = restyle(a, 1, Hand(flag=True), np.random.default_rng(i))
        before = ink(grown(a, out))
        new = added(a, out)
        ys, xs = np.nonzero(before)
        top, bottom = ys.min(), ys.max()
        ay, ax = np.nonzero(new)
        assert len(ay) > 0.1 * before.sum()
        # In the upper half, reaching left of where the stroke's top is.
        assert ay.max() < (top + bottom) / 2
        assert ax.min() < xs[ys == top].min()


def test_foot_lies_under_the_1_on_both_sides():
    a = alpha(1, 3)
    out = restyle(a, 1, Hand(flag=True, foot=True), np.random.default_rng(0))
    flag_only = restyle(a, 1, Hand(flag=True), np.random.default_rng(0))
    foot = out - flag_only > 0.4
    ys, xs = np.nonzero(ink(grown(a, out)))
    fy, fx = np.nonzero(foot)
    assert fy.min() >= ys.max() - 3
    bottom_x = xs[ys == ys.max()].mean()
    assert fx.min() < bottom_x - 2 and fx.max() > bottom_x + 2


def test_bar_crosses_the_stem_of_a_7():
    for i in range(10):
        a = alpha(7, i)
        out = restyle(a, 7, Hand(cross=True), np.random.default_rng(i))
        ys, _ = np.nonzero(ink(out))
        ay, ax = np.nonzero(added(a, out))
        assert len(ay)
        middle = (ay.mean() - ys.min()) / (ys.max() - ys.min())
        assert 0.35 < middle < 0.7
        assert ax.max() - ax.min() > 2 * (ay.max() - ay.min())  # across, not along


@pytest.mark.parametrize("digit,hand", [(4, Hand(flag=True, cross=True)), (1, Hand()),
                                        (7, Hand(flag=True, foot=True))])
def test_other_digits_and_hands_are_left_alone(digit, hand):
    a = alpha(digit)
    assert restyle(a, digit, hand, np.random.default_rng(0)) is a


def test_continental_digits_rewrites_a_share_of_the_1s_and_7s():
    x, y = labelled()
    which, glyphs = continental_digits(x, y, np.random.default_rng(0), share=0.5)
    assert set(y[which].tolist()) == {1, 7}
    assert 0.3 < len(which) / 80 < 0.7
    assert glyphs.shape == (len(which), 28, 28) and glyphs.dtype == np.float32
    assert glyphs.max() == pytest.approx(1.0)  # normalized as the app feeds the model


def test_the_shipped_model_reads_continental_1s_and_7s():
    """Every atlas 1 flagged (some with a foot) and every 7 crossed. The model shipped
    before continental hands were in its training read 0.80 of these 1s right, the others
    as 7s (of the MNIST test set's 1s so written: 0.73)."""
    x, y = labelled()
    which, glyphs = continental_digits(x, y, np.random.default_rng(0), share=1.0)
    probs = Classifier().probabilities(glyphs[:, None])
    for d in (1, 7):
        right = (probs.argmax(1) == d)[y[which] == d].mean()
        assert right >= 0.9, (d, right)
    # And the same glyphs unstyled stay read as well as ever.
    plain = Classifier().probabilities(normalize_batch(list(x[which])))
    assert (plain.argmax(1) == y[which]).mean() >= 0.95


def test_a_descender_draws_out_the_lower_half_only():
    a = alpha(9)
    tall, gained = descend(a, 0.4)
    h = a.shape[0]
    assert gained == round(0.4 * h) and tall.shape == (h + gained, a.shape[1])
    assert np.array_equal(tall[: h // 2], a[: h // 2])  # the loop stays as written
    # The tail's ink reaches as far below as the glyph grew.
    rows = np.flatnonzero(ink(tall).any(axis=1))
    assert rows.max() - np.flatnonzero(ink(a).any(axis=1)).max() >= 0.8 * gained


def test_descended_digits_rewrites_a_share_of_the_7s_and_9s():
    x, y = labelled()
    which, glyphs = descended_digits(x, y, np.random.default_rng(0), share=0.5)
    assert set(y[which].tolist()) == {7, 9}
    assert 0.3 < len(which) / 80 < 0.7
    assert glyphs.shape == (len(which), 28, 28) and glyphs.max() == pytest.approx(1.0)
    # Normalized to the same 20 px height, a hanging 9 is narrower than it was.
    def width(g):
        return np.ptp(np.flatnonzero(g.max(axis=0) > 0.05))

    plain = normalize_batch(list(x[which]))[:, 0]
    assert np.mean([width(g) for g in glyphs]) < 0.9 * np.mean([width(g) for g in plain])


@pytest.mark.skipif(not (SHARED_DIR / "t10k-images-idx3-ubyte.gz").exists(),
                    reason="shared MNIST copy not present")
def test_the_shipped_model_reads_descending_7s_and_9s():
    """Every MNIST test 7 and 9 with its tail drawn below the line. The model shipped before
    they were in its training read 0.980 of each (the atlas's 40 are too few to tell: it
    read all of them); this one 0.994 and 0.995."""
    x, y = load_test()
    which, glyphs = descended_digits(x, y, np.random.default_rng(0), share=1.0)
    read = Classifier().probabilities(glyphs[:, None]).argmax(1)
    for d in (7, 9):
        right = (read == d)[y[which] == d].mean()
        assert right >= 0.99, (d, right)


def test_a_quarter_of_pages_are_written_continental_and_nothing_else_moves():
    texts = ["+49 170 1234567"]
    drawn = [make_page(texts, np.random.default_rng(s), "atlas")[1].conditions
             for s in range(40)]
    share = sum(c.style == "continental" for c in drawn) / len(drawn)
    assert 0.1 < share < 0.45
    # Forcing the hand changes the hand only: every other effect is drawn as before, and
    # a page forced to the hand it would have had anyway is the very same picture.
    for s, cond in enumerate(drawn[:6]):
        other = STYLES[1 - STYLES.index(cond.style)]
        _, labels = make_page(texts, np.random.default_rng(s), "atlas", style=other)
        assert replace(labels.conditions, style=cond.style) == cond
        same, _ = make_page(texts, np.random.default_rng(s), "atlas", style=cond.style)
        assert np.array_equal(same, make_page(texts, np.random.default_rng(s), "atlas")[0])
    with pytest.raises(ValueError, match="style"):
        make_page(texts, np.random.default_rng(0), "atlas", style="gothic")
