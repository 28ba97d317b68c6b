"""Digit forms MNIST lacks: the continental 1 (an up-stroke flag, sometimes a foot), the
crossed 7, and 7s and 9s whose tails hang below the line.

Most of continental Europe writes a 1 with a long flag and a 7 with a bar through its stem
so that the two differ. MNIST was written in the US: its 1s are bare strokes, and a model
trained without these forms read more than half of the MNIST test 1s given a flag as 7s.
The strokes are added to MNIST glyphs, for training digits and for the benchmark pages'
writers alike.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from pipeline.normalize import normalize_glyph
from train.config import SHARE

Rng = np.random.Generator
FOOT = 0.35  # share of continental writers who put a foot under the 1
CROSS = 0.8  # ... and who cross their 7s
DESCENT = (0.2, 0.5)  # how far a descending 7's or 9's tail hangs below the line, of its height
SUPER = 4  # strokes are drawn this many times finer than the glyph, then shrunk: smooth edges


@dataclass(frozen=True)
class Hand:
    """How one writer forms 1s and 7s."""

    flag: bool = False  # a 1 with an up-stroke from its top
    foot: bool = False  # ... and a bar under it
    cross: bool = False  # a 7 with a bar through its stem

    @staticmethod
    def continental(rng: Rng) -> Hand:
        """A continental writer: always a flag; a foot from some, a crossed 7 from most."""
        return Hand(flag=True, foot=bool(rng.random() < FOOT), cross=bool(rng.random() < CROSS))

    def writes(self, digit: int) -> bool:
        return (digit == 1 and self.flag) or (digit == 7 and self.cross)


def restyle(alpha: np.ndarray, digit: int, hand: Hand, rng: Rng) -> np.ndarray:
    """The glyph (float ink coverage, ink 1 on 0) with the hand's strokes for this digit,
    on a canvas grown to hold them. Other digits, or a hand without strokes for this one,
    come back unchanged."""
    if not hand.writes(digit) or (alpha > 0.5).sum() < 3:
        return alpha
    h = alpha.shape[0]
    pad = round(0.5 * h)
    big = cv2.resize(
        cv2.copyMakeBorder(alpha, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=0),
        None, fx=SUPER, fy=SUPER, interpolation=cv2.INTER_LINEAR,
    )
    ink = big > 0.5
    t = max(SUPER, round(_stroke_width(ink)))
    ys, xs = np.nonzero(ink)
    y0, y1 = ys.min(), ys.max()
    height = y1 - y0
    strokes = np.zeros(big.shape, np.uint8)
    if digit == 1:
        # From the top of the stroke down to the left, shorter and steeper than a 7's bar.
        top = xs[ys <= y0 + 0.04 * height].mean()
        length = height * rng.uniform(0.25, 0.45)
        angle = np.radians(rng.uniform(35, 65))
        end = (top - length * np.cos(angle), y0 + length * np.sin(angle))
        _line(strokes, (top, y0 + 0.02 * height), end, t)
        if hand.foot:
            bottom = xs[ys >= y1 - 0.04 * height].mean()
            half = height * rng.uniform(0.18, 0.32)
            _line(strokes, (bottom - half, y1), (bottom + half, y1), t)
    else:
        # Through the stem a little below the middle, about half the glyph's width long.
        y = round(y0 + height * rng.uniform(0.45, 0.62))
        row = np.flatnonzero(ink[y])
        if not len(row):
            return alpha
        cx = row.mean()
        half = height * rng.uniform(0.18, 0.3)
        tilt = half * rng.uniform(-0.15, 0.1)
        _line(strokes, (cx - half, y + tilt), (cx + half, y - tilt), t)
    big = np.maximum(big, strokes.astype(np.float32) / 255)
    size = (alpha.shape[1] + 2 * pad, alpha.shape[0] + 2 * pad)
    return cv2.resize(big, size, interpolation=cv2.INTER_AREA)


def descend(alpha: np.ndarray, descent: float) -> tuple[np.ndarray, int]:
    """The glyph (float ink coverage) with its lower half drawn out by `descent` of its
    height, as a 9's tail or a 7's stem reaching below the line, and the rows it gained."""
    h, w = alpha.shape
    cut = h // 2
    longer = (h - cut) + round(descent * h)
    lower = cv2.resize(alpha[cut:], (w, longer), interpolation=cv2.INTER_LINEAR)
    return np.vstack([alpha[:cut], lower]), longer - (h - cut)


def _stroke_width(ink: np.ndarray) -> float:
    """A stroke of width t and length L has area t * L and outline about 2 * L."""
    contours, _ = cv2.findContours(ink.astype(np.uint8), cv2.RETR_LIST, cv2.CHAIN_APPROX_NONE)
    outline = sum(cv2.arcLength(c, True) for c in contours)
    return 2 * float(ink.sum()) / max(outline, 1.0)


def _line(canvas: np.ndarray, a: tuple[float, float], b: tuple[float, float], t: int) -> None:
    cv2.line(canvas, (round(a[0]), round(a[1])), (round(b[0]), round(b[1])), 255, t, cv2.LINE_AA)


def continental_digits(
    x: np.ndarray, y: np.ndarray, rng: Rng, share: float = SHARE
) -> tuple[np.ndarray, np.ndarray]:
    """A share of the 1s and 7s of MNIST images (uint8 [n, 28, 28]) rewritten by continental
    hands: their indices and the new glyphs, through normalize_glyph (float32 [k, 28, 28])."""
    picked = np.flatnonzero(((y == 1) | (y == 7)) & (rng.random(len(y)) < share))
    alphas = []
    for i in picked:
        d = int(y[i])
        hand = Hand(flag=True, foot=bool(rng.random() < FOOT)) if d == 1 else Hand(cross=True)
        alphas.append(restyle(x[i].astype(np.float32) / 255, d, hand, rng))
    return picked, _normalized(alphas)


def descended_digits(
    x: np.ndarray, y: np.ndarray, rng: Rng, share: float = SHARE
) -> tuple[np.ndarray, np.ndarray]:
    """A share of the 7s and 9s of MNIST images (uint8 [n, 28, 28]) written with their tails
    hanging below the line: their indices and the new glyphs, through normalize_glyph
    (float32 [k, 28, 28])."""
    picked = np.flatnonzero(((y == 7) | (y == 9)) & (rng.random(len(y)) < share))
    alphas = []
    for i in picked:
        g = x[i].astype(np.float32) / 255
        ys, xs = np.nonzero(g > 0)
        tall, _ = descend(g[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1],
                          rng.uniform(*DESCENT))
        alphas.append(tall)
    return picked, _normalized(alphas)


def _normalized(alphas: list[np.ndarray]) -> np.ndarray:
    """Rewritten glyphs (float ink coverage) as the app feeds the model: normalize_glyph,
    float32 [k, 28, 28]."""
    if not alphas:
        return np.zeros((0, 28, 28), np.float32)
    return np.stack([normalize_glyph((np.clip(a, 0, 1) * 255).astype(np.uint8)) for a in alphas])
