"""Synthetic "not a digit" crops (class 10), normalized exactly as the app normalizes glyphs.

Each generator draws one ink crop (uint8, ink bright on dark) at camera-ish size; the pool
is then run through pipeline.normalize.normalize_glyph, since a dash scaled up to fill the
20 px box looks nothing like the dash itself. Shapes a human would read as a digit are kept
out on purpose: no near-vertical strokes (1), no closed rings (0), no single loops (6/9).
"""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np

from pipeline.normalize import normalize_glyph

Rng = np.random.Generator
Crop = np.ndarray

# Single letters that do not read as a digit: no O/o/D/Q (0), I/l/i/j/L/r (1), S/s (5),
# Z/z (2), B (8), G/b/e (6), g/q/a/d/p/P/y (9, or a mirrored one), T/t/Y (7/4).
LETTERS = "ACEFHKMNRUVWXcfhkmnuvwx"
WORDS = tuple(
    "Tel tel Tel. ph Ph no No. Nr nr Mob mob call ext fax Fax name Ann Max Karl Hi me cell "
    "home work +49 abc xx ok at am pm Mr Mrs Dr km de en NEW".split()
)
FONTS = (
    cv2.FONT_HERSHEY_SIMPLEX,
    cv2.FONT_HERSHEY_DUPLEX,
    cv2.FONT_HERSHEY_COMPLEX,
    cv2.FONT_HERSHEY_TRIPLEX,
    cv2.FONT_HERSHEY_SCRIPT_SIMPLEX,
    cv2.FONT_HERSHEY_SCRIPT_COMPLEX,
    cv2.FONT_HERSHEY_PLAIN,
)
# (digit, part kept) pairs whose fragment does not look like a whole digit. Only top and
# bottom cuts: a left/right half is a tall narrow stroke (a 1) or a bracket (covered by
# paren). Dropped, e.g.: the stem of 4/7/9 (a 1), the rings of 6/8/9 (a 0), the top of 7.
PARTIALS = (
    (0, "top"),
    (0, "bottom"),
    (2, "bottom"),
    (3, "bottom"),
    (4, "top"),
    (5, "top"),
    (5, "bottom"),
)


def _canvas(rng: Rng) -> tuple[np.ndarray, int, int]:
    """A blank canvas of glyph-like height and a stroke width that suits it."""
    h = int(rng.integers(20, 61))
    w = int(h * rng.uniform(0.8, 2.5))
    t = int(rng.integers(1, max(2, h // 7) + 1))
    return np.zeros((h, w), np.uint8), h, t


def _ink(rng: Rng) -> int:
    return int(rng.integers(140, 256))


def _line_at(rng: Rng, img: np.ndarray, length: float, max_angle: float, t: int) -> None:
    """A line through the canvas centre, at most max_angle degrees off horizontal."""
    h, w = img.shape
    a = np.deg2rad(rng.uniform(-max_angle, max_angle))
    cx, cy = w / 2 + rng.normal(0, w / 10), h / 2 + rng.normal(0, h / 10)
    dx, dy = np.cos(a) * length / 2, np.sin(a) * length / 2
    p0, p1 = (round(cx - dx), round(cy - dy)), (round(cx + dx), round(cy + dy))
    cv2.line(img, p0, p1, _ink(rng), t, cv2.LINE_AA)


def dash(rng: Rng) -> Crop:
    img, h, t = _canvas(rng)
    _line_at(rng, img, rng.uniform(0.3, 0.9) * img.shape[1], 8, max(t, int(h * 0.12)))
    return img


def line_fragment(rng: Rng) -> Crop:
    # Kept within 35 deg of horizontal: steeper lines are what a slanted "1" looks like.
    img, _, t = _canvas(rng)
    _line_at(rng, img, rng.uniform(0.4, 1.0) * img.shape[1], 35, t)
    return img


def rule_fragment(rng: Rng) -> Crop:
    """A long thin ruled/edge line running off the crop, sometimes doubled or wavy."""
    h = int(rng.integers(20, 61))
    img = np.zeros((h, int(h * rng.uniform(2.0, 5.0))), np.uint8)
    w = img.shape[1]
    t = int(rng.integers(1, 4))
    for _ in range(int(rng.integers(1, 3))):
        y0 = rng.uniform(0.2, 0.8) * h
        slope = rng.uniform(-0.15, 0.15)
        xs = np.arange(0, w, 4, dtype=np.float32)
        wave = rng.uniform(0, 2.5) * np.sin(xs / rng.uniform(8, 30) + rng.uniform(0, 6.3))
        pts = np.stack([xs, y0 + slope * (xs - w / 2) + wave], 1).round().astype(np.int32)
        cv2.polylines(img, [pts], False, _ink(rng), t, cv2.LINE_AA)
    return img


def dots(rng: Rng) -> Crop:
    """One dot, a colon, an ellipsis or a few specks."""
    img, h, _ = _canvas(rng)
    w = img.shape[1]
    n = int(rng.choice([1, 1, 2, 3, 4]))
    r = max(1, int(h * rng.uniform(0.04, 0.12)))
    vertical = n == 2 and rng.random() < 0.5
    for i in range(n):
        if vertical:
            c = (w // 2, int(h * (0.3 + 0.4 * i)))
        else:
            c = (int(w * (i + 1) / (n + 1) + rng.normal(0, 2)), int(h / 2 + rng.normal(0, h / 12)))
        axes = (r, max(1, int(r * rng.uniform(0.6, 1.3))))
        cv2.ellipse(img, c, axes, rng.uniform(0, 180), 0, 360, _ink(rng), -1, cv2.LINE_AA)
    return img


def blob(rng: Rng) -> Crop:
    """Sensor noise / dirt: a smeared cluster of specks, not a stroke."""
    while True:
        s = int(rng.integers(12, 40))
        noise = (rng.random((s, s)) < rng.uniform(0.05, 0.25)).astype(np.float32)
        noise = cv2.GaussianBlur(noise, (0, 0), rng.uniform(0.6, 1.8))
        img = (np.clip(noise / max(noise.max(), 1e-6) * 1.4 - 0.35, 0, 1) * 255).astype(np.uint8)
        ys, xs = np.nonzero(img)
        # A few specks in a column would normalize to a broken vertical stroke: a "1".
        if len(xs) and np.ptp(xs) + 1 >= 0.6 * (np.ptp(ys) + 1):
            return img


def paren(rng: Rng) -> Crop:
    _, h, t = _canvas(rng)
    img = np.zeros((h, h), np.uint8)
    axes = (int(h * rng.uniform(0.25, 0.45)), int(h * 0.42))
    span = rng.uniform(45, 65)  # half the arc: wide enough to curve, far from a closed ring
    left = rng.random() < 0.5
    centre = (int(h * (0.8 if left else 0.2)), h // 2)
    mid = 180 if left else 0
    cv2.ellipse(img, centre, axes, 0, mid - span, mid + span, _ink(rng), t, cv2.LINE_AA)
    return img


def symbol(rng: Rng) -> Crop:
    """+, x, =, #, * and similar multi-stroke marks."""
    _, s, t = _canvas(rng)
    img = np.zeros((s, s), np.uint8)
    kind = rng.choice(["+", "x", "=", "#", "*", "-+"])
    c, r = s / 2, s * rng.uniform(0.3, 0.45)
    v = _ink(rng)

    def seg(a: float, off: tuple[float, float] = (0, 0), rr: float = r) -> None:
        dx, dy = np.cos(a) * rr, np.sin(a) * rr
        p0 = (round(c + off[0] - dx), round(c + off[1] - dy))
        p1 = (round(c + off[0] + dx), round(c + off[1] + dy))
        cv2.line(img, p0, p1, v, t, cv2.LINE_AA)

    j = lambda: rng.normal(0, 0.08)  # noqa: E731 - hand-drawn wobble
    if kind == "+":
        seg(j()), seg(np.pi / 2 + j())
    elif kind == "x":
        seg(np.pi / 4 + j()), seg(-np.pi / 4 + j())
    elif kind == "=":
        seg(j(), (0, -s * 0.15)), seg(j(), (0, s * 0.15))
    elif kind == "#":
        seg(j(), (0, -s * 0.13)), seg(j(), (0, s * 0.13))
        seg(np.pi / 2 + 0.2 + j(), (-s * 0.13, 0)), seg(np.pi / 2 + 0.2 + j(), (s * 0.13, 0))
    elif kind == "*":
        for k in range(3):
            seg(k * np.pi / 3 + j())
    else:  # a plus sign with a dash beside it, as in "+-"
        seg(j(), (-s * 0.2, 0), r * 0.5), seg(np.pi / 2 + j(), (-s * 0.2, 0), r * 0.5)
        seg(j(), (s * 0.3, 0), r * 0.4)
    return img


def _warp(img: np.ndarray, rng: Rng, elastic: float) -> np.ndarray:
    """Random shear/rotation plus a smooth elastic field, for a handwritten look."""
    h, w = img.shape
    pad = max(h, w) // 4
    img = cv2.copyMakeBorder(img, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=0)
    h, w = img.shape
    a = np.deg2rad(rng.uniform(-10, 10))
    sh = rng.uniform(-0.3, 0.3)
    m = np.array([[np.cos(a), -np.sin(a) + sh, 0], [np.sin(a), np.cos(a), 0]], np.float32)
    m[:, 2] = np.array([w / 2, h / 2]) - m[:, :2] @ np.array([w / 2, h / 2])
    img = cv2.warpAffine(img, m, (w, h), flags=cv2.INTER_LINEAR)
    if elastic > 0:
        # Coarse random field upsampled: smooth wobble without per-pixel blur cost.
        field = rng.normal(0, elastic, (2, 4, 4)).astype(np.float32)
        dx = cv2.resize(field[0], (w, h), interpolation=cv2.INTER_CUBIC)
        dy = cv2.resize(field[1], (w, h), interpolation=cv2.INTER_CUBIC)
        gx, gy = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
        img = cv2.remap(img, gx + dx, gy + dy, cv2.INTER_LINEAR)
    return img


def text(rng: Rng) -> Crop:
    """A letter or short word in a Hershey font, then warped to look less typeset."""
    word = str(rng.choice(WORDS)) if rng.random() < 0.6 else str(rng.choice(list(LETTERS)))
    font = int(rng.choice(FONTS))
    if rng.random() < 0.4:
        font |= cv2.FONT_ITALIC
    scale = rng.uniform(0.7, 1.6)
    thick = int(rng.integers(1, 4))
    (tw, th), base = cv2.getTextSize(word, font, scale, thick)
    img = np.zeros((th + base + 2 * thick + 4, tw + 2 * thick + 4), np.uint8)
    cv2.putText(img, word, (thick + 2, th + thick + 2), font, scale, _ink(rng), thick, cv2.LINE_AA)
    return _warp(img, rng, elastic=rng.uniform(0, 1.5))


def _glyph(d: np.ndarray) -> np.ndarray:
    ys, xs = np.nonzero(d)
    return d[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]


def _upscale(img: np.ndarray, rng: Rng) -> np.ndarray:
    # MNIST glyphs are 20 px; the camera sees them bigger, and normalize_glyph then shrinks.
    f = rng.uniform(1.0, 2.5)
    return cv2.resize(img, None, fx=f, fy=f, interpolation=cv2.INTER_LINEAR)


def make_pair(rng: Rng, digits: np.ndarray, labels: np.ndarray) -> Crop:
    """Two MNIST digits touching or overlapping, read as one (wide) crop."""
    while True:
        i, j = rng.integers(0, len(digits), 2)
        if labels[i] == 1 and labels[j] == 1:
            continue  # "11" squeezed together can pass for a thick 1
        a, b = _glyph(digits[i]), _glyph(digits[j])
        narrow = min(a.shape[1], b.shape[1])
        # Boxes overlap by 10-40% of the narrower glyph, so the ink touches or crosses.
        overlap = int(rng.integers(round(narrow * 0.1), round(narrow * 0.4) + 1))
        dy = int(rng.integers(-3, 4))
        h = max(a.shape[0], b.shape[0] + abs(dy)) + abs(dy)
        w = a.shape[1] + b.shape[1] - overlap
        if w < 1.2 * h:
            continue  # a squeezed pair as narrow as one glyph could pass for a wide 0 or 8
        img = np.zeros((h + 6, w), np.uint8)
        y0 = 3 + max(0, -dy)
        img[y0 : y0 + a.shape[0], : a.shape[1]] = a
        y1 = 3 + max(0, dy)
        x1 = a.shape[1] - overlap
        region = img[y1 : y1 + b.shape[0], x1 : x1 + b.shape[1]]
        np.maximum(region, b, out=region)
        return _upscale(img, rng)


def make_partial(rng: Rng, digits: np.ndarray, labels: np.ndarray) -> Crop:
    """The top or bottom 30-50% of an MNIST digit, from an allowlist of safe cuts."""
    while True:
        digit, part = PARTIALS[int(rng.integers(len(PARTIALS)))]
        g = _glyph(digits[int(rng.choice(np.flatnonzero(labels == digit)))])
        h = g.shape[0]
        keep = max(2, round(h * rng.uniform(0.3, 0.5)))
        g = g[:keep] if part == "top" else g[h - keep :]
        if g.any():
            g = _glyph(g)
            if g.shape[1] >= 0.6 * g.shape[0]:  # tall and narrow would read as a 1
                return _upscale(g, rng)


GENERATORS: dict[str, tuple[float, Callable[[Rng], Crop]]] = {
    "dash": (0.08, dash),
    "line": (0.08, line_fragment),
    "rule": (0.07, rule_fragment),
    "dots": (0.07, dots),
    "blob": (0.06, blob),
    "paren": (0.07, paren),
    "symbol": (0.10, symbol),
    "text": (0.20, text),
}
DIGIT_GENERATORS = {"pair": 0.15, "partial": 0.12}


def kinds() -> list[str]:
    return [*GENERATORS, *DIGIT_GENERATORS]


def make_pool(
    n: int, seed: int, digits: np.ndarray, labels: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """n normalized negatives, float32 [n, 28, 28] in [0, 1], and the index of each one's kind.

    digits/labels are raw MNIST (uint8 [N, 28, 28]) for the pair and partial kinds: pass
    the training split for the training pool and the test split for a held-out pool.
    """
    rng = np.random.default_rng(seed)
    names = kinds()
    weights = np.array([GENERATORS[k][0] for k in GENERATORS] + list(DIGIT_GENERATORS.values()))
    picks = rng.choice(len(names), size=n, p=weights / weights.sum())
    out = np.empty((n, 28, 28), np.float32)
    for i, k in enumerate(picks):
        name = names[k]
        if name == "pair":
            crop = make_pair(rng, digits, labels)
        elif name == "partial":
            crop = make_partial(rng, digits, labels)
        else:
            crop = GENERATORS[name][1](rng)
        g = normalize_glyph(crop)
        if not g.any():  # a shape drawn fully off-canvas; a lone dot is the safe stand-in
            g = normalize_glyph(dots(rng))
        out[i] = g
    return out, picks.astype(np.int64)
