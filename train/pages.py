"""Camera-like photos of handwritten phone numbers, with labels: the benchmark's pages, and
"camera crops" (glyphs cut out the way the app's localize stage finds them) for training.

A page is drawn on a flat sheet (paper, rulings, MNIST digits, by a quarter of the writers
with continental 1s and 7s and by a fifth with 7s and 9s hanging below the line, separators,
a distractor word, on some sheets writing on the back showing through), then put in front
of a camera: a homography (perspective and in-plane rotation), a desk around the sheet,
uneven light, a shadow, blur, sensor noise and JPEG. Each effect has its own probability,
so most pages combine several; any can be forced by keyword (see `Conditions`).
Every stage draws from its own generator spawned from the page's, so forcing one effect leaves
the rest of the page as it was: the same seed gives A/B pictures of one effect.

The digits are MNIST glyphs: the train split for training crops, the test split (other
writers) for the benchmark, or the glyph atlas shipped with the app (MNIST test glyphs) where
the MNIST files are not available.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import cache

import cv2
import numpy as np

from phonebook.phone import trunk_prefix
from pipeline.classify import SPLIT_ASPECT, SPLIT_SHARES, cut
from pipeline.localize import localize
from pipeline.messages import Box, Frame, Glyph
from pipeline.preprocess import preprocess
from pipeline.synth import atlas
from train.data import FILES, default_data_dir, load_mnist, load_test
from train.negatives import FONTS
from train.styles import DESCENT, Hand, descend, restyle

PAPERS = ("white", "recycled", "sticky", "squared", "ruled")
INKS = ("marker", "biro", "pencil")
SHADOWS = ("none", "soft", "hard")
BLURS = ("none", "defocus", "motion")
LAYOUTS = ("lines", "grid")
STYLES = ("plain", "continental")  # how the writer forms 1s and 7s (train/styles.py)
CONTINENTAL = 0.25  # share of pages written with continental 1s and 7s
DESCENDERS = 0.2  # share of writers whose 7s and 9s hang below the line
SHOW_THROUGH = 0.15  # share of sheets with writing on their back that shows through
CHARS = set("0123456789 -.()+")
NOT_DIGIT = 10
# Distractors: words people write next to a number. Letters that look like digits (l, o, S)
# are in on purpose: the benchmark should show what the app makes of them.
WORDS = (
    "Anna", "Tom", "Mum", "Dr Weber", "call", "Tel", "mobile", "home", "work", "Pizza", "Joe",
    "Kate", "office", "Max", "Lena", "cell", "Ph", "Mr Brown", "Sam", "taxi", "Oma", "Luca",
)
WORD_CHARS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz .:")
Rng = np.random.Generator


@dataclass(frozen=True)
class Conditions:
    """How a page looks. Passed as keywords to make_page to force an effect; make_page
    returns the complete set it drew."""

    paper: str = "white"  # PAPERS
    ink: str = "marker"  # INKS
    size: tuple[int, int] = (640, 480)  # photo width, height
    rotation: float = 0.0  # degrees, counter-clockwise as seen
    perspective: float = 0.0  # how far the sheet's corners move, share of its size
    light: float = 0.0  # strength of the light gradient and vignette, 0 = even
    shadow: str = "none"  # SHADOWS
    blur: str = "none"  # BLURS
    noise: float = 2.0  # sensor noise, grey levels (sigma)
    jpeg: int = 0  # JPEG quality, 0 = not compressed
    stroke: int = 0  # pen width change: px of dilation (+) or erosion (-) at a 40 px digit
    touching: bool = False  # a pair of digits of the main number written into each other
    distractor: bool = False  # a word written near the main number
    layout: str = "lines"  # LAYOUTS; "grid" is 2x2 and needs four numbers
    style: str = "plain"  # STYLES
    descent: float = 0.0  # how far 7s and 9s hang below the line, share of the digits' height
    show_through: float = 0.0  # darkness of writing on the sheet's back seen through it, 0 = none


@dataclass(frozen=True, eq=False)
class Mark:
    char: str  # a digit, one of "-.()+", or "word" for a distractor
    box: Box  # tight box of its ink in the photo (x, y, w, h)
    number: int  # which written number it belongs to (reading order), -1 for a distractor


@dataclass(frozen=True, eq=False)
class PageLabels:
    numbers: tuple[str, ...]  # digits of each written number, reading order
    texts: tuple[str, ...]  # the same numbers as written, separators included
    main: int  # index into numbers of "the" number: the first, or the largest written
    marks: tuple[Mark, ...]  # reading order; mark i is instance i + 1 in `instances`
    instances: np.ndarray  # uint16 [H, W]: which mark's ink each pixel shows, 0 for none
    touching: tuple[tuple[int, int], ...]  # mark indices of digit pairs written into each other
    conditions: Conditions

    @property
    def main_digits(self) -> str:
        return self.numbers[self.main]


# --- the glyphs --------------------------------------------------------------------------


def mnist_present() -> bool:
    """The MNIST files are where train.data looks for them (nothing is downloaded)."""
    d = default_data_dir()
    return all((d / name).exists() for name in FILES)


@cache
def glyph_bank(split: str) -> tuple[np.ndarray, ...]:
    """Per digit, uint8 [n, 28, 28] glyphs (ink white on black) of a split."""
    if split == "atlas":
        sheet = atlas()
        return tuple(sheet[d] for d in range(10))
    if split == "test":
        x, y = load_test()
    elif split == "train":
        x, y, _, _ = load_mnist()
    else:
        raise ValueError(f"unknown split {split!r} (train, test or atlas)")
    return tuple(np.ascontiguousarray(x[y == d]) for d in range(10))


def _tight(alpha: np.ndarray, level: float = 0.05) -> np.ndarray:
    ys, xs = np.nonzero(alpha > level)
    if len(xs) == 0:
        return alpha[:1, :1] * 0
    return alpha[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]


def _pen(alpha: np.ndarray, k: int) -> np.ndarray:
    """A wider (k > 0) or finer (k < 0) pen: grey dilation/erosion by k px."""
    if k == 0:
        return alpha
    pad = abs(k) + 1
    a = cv2.copyMakeBorder(alpha, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=0)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * abs(k) + 1,) * 2)
    if k > 0:
        return _tight(cv2.dilate(a, kernel))
    thin = cv2.erode(a, kernel)
    # A fine pen still writes a whole digit: do not erode strokes away.
    return _tight(thin) if (thin > 0.5).sum() > 0.4 * (a > 0.5).sum() else alpha


# A writer's hand: what it adds to a digit glyph (float ink coverage) of a given digit.
Styler = Callable[[np.ndarray, int], np.ndarray]


def _digit(
    d: int, gh: float, k: int, rng: Rng, bank: tuple[np.ndarray, ...], styler: Styler
) -> np.ndarray:
    """One MNIST glyph as float ink coverage, gh px tall, slightly re-slanted, crisp edges."""
    glyphs = bank[d]
    g = glyphs[int(rng.integers(len(glyphs)))]
    ys, xs = np.nonzero(g > 40)
    g = g[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1].astype(np.float32) / 255
    h = gh * rng.uniform(0.88, 1.06)
    scale = h / g.shape[0]
    w = max(2, round(g.shape[1] * scale * rng.uniform(0.85, 1.15)))
    big = cv2.resize(g, (w, max(2, round(h))), interpolation=cv2.INTER_CUBIC)
    big = styler(big, d)
    pad = max(2, round(0.15 * h))
    big = cv2.copyMakeBorder(big, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=0)
    m = cv2.getRotationMatrix2D((big.shape[1] / 2, big.shape[0] / 2), rng.uniform(-6, 6), 1)
    big = cv2.warpAffine(big, m, big.shape[::-1], flags=cv2.INTER_LINEAR)
    # MNIST strokes are soft 28 px scans; a pen seen by a camera has a sharper edge.
    return _pen(_tight(np.clip((big - 0.2) / 0.45, 0, 1)), k)


def _separator(ch: str, gh: float, t: int, rng: Rng) -> tuple[np.ndarray, float]:
    """A hand-drawn '-', '.', '(', ')' or '+': its ink and its top relative to the baseline."""
    if ch == "-":
        w, h = round(gh * rng.uniform(0.3, 0.5)), 2 * t + 4
        a = np.zeros((h, w + 2 * t), np.float32)
        dy = rng.uniform(-0.12, 0.12) * w
        cv2.line(a, (t, round(h / 2 - dy / 2)), (w + t, round(h / 2 + dy / 2)), 1.0, t, cv2.LINE_AA)
        return _tight(a), -gh * rng.uniform(0.45, 0.6)
    if ch == ".":
        r = max(1, round(t * rng.uniform(0.6, 0.9)))
        a = np.zeros((2 * r + 3, 2 * r + 3), np.float32)
        cv2.circle(a, (r + 1, r + 1), r, 1.0, -1, cv2.LINE_AA)
        return _tight(a), -2 * r - rng.uniform(0, 0.05) * gh
    if ch in "()":
        h, w = round(gh * rng.uniform(1.05, 1.25)), round(gh * rng.uniform(0.25, 0.4))
        a = np.zeros((h + 2 * t, w + 2 * t), np.float32)
        centre = (w + t, h // 2 + t) if ch == "(" else (t, h // 2 + t)
        mid, span = (180 if ch == "(" else 0), rng.uniform(55, 75)
        cv2.ellipse(a, centre, (w, h // 2), 0, mid - span, mid + span, 1.0, t, cv2.LINE_AA)
        return _tight(a), -gh - (h - gh) / 2
    if ch == "+":
        s = round(gh * rng.uniform(0.45, 0.6))
        a = np.zeros((s + 2 * t, s + 2 * t), np.float32)
        c = s // 2 + t
        cv2.line(a, (t, c + int(rng.integers(-1, 2))), (s + t, c), 1.0, t, cv2.LINE_AA)
        cv2.line(a, (c, t), (c + int(rng.integers(-1, 2)), s + t), 1.0, t, cv2.LINE_AA)
        return _tight(a), -gh * 0.5 - s / 2
    raise ValueError(f"no separator {ch!r}")


def _word(text: str, gh: float, t: int, rng: Rng) -> tuple[np.ndarray, float]:
    """A word in a Hershey font, sheared and tilted a little: its ink and its top."""
    font = FONTS[int(rng.integers(len(FONTS)))]
    (tw, th), base = cv2.getTextSize(text, font, 1.0, 1)
    scale = gh * rng.uniform(0.55, 0.95) / th
    pad = t + round(gh * 0.4)
    w, h = round(tw * scale) + 2 * pad, round((th + base) * scale) + 2 * pad
    a = np.zeros((h, w), np.uint8)  # putText draws on 8-bit images only
    cv2.putText(a, text, (pad, pad + round(th * scale)), font, scale, 255, t, cv2.LINE_AA)
    a = a.astype(np.float32) / 255
    m = cv2.getRotationMatrix2D((w / 2, h / 2), rng.uniform(-4, 4), 1)
    m[0, 1] += rng.uniform(-0.3, 0.05)  # an italic hand
    a = cv2.warpAffine(a, m, (w, h), flags=cv2.INTER_LINEAR)
    return _tight(a), -th * scale


# --- laying out lines on the sheet ------------------------------------------------------


@dataclass
class _Item:
    char: str
    alpha: np.ndarray  # float32 ink coverage
    x: int  # top-left on the sheet
    y: int
    number: int  # index into the page's texts, -1 for a word


def _touch_x(prev: _Item, alpha: np.ndarray, y: int) -> int | None:
    """Leftmost x at which `alpha` placed at row y still only just touches prev's ink."""
    top, bottom = max(prev.y, y), min(prev.y + prev.alpha.shape[0], y + alpha.shape[0])
    if bottom <= top:
        return None
    a = prev.alpha[top - prev.y : bottom - prev.y] > 0.5
    b = alpha[top - y : bottom - y] > 0.5
    both = a.any(1) & b.any(1)
    if not both.any():
        return None
    right = a.shape[1] - 1 - np.argmax(a[:, ::-1], 1)
    left = np.argmax(b, 1)
    return int(prev.x + (right[both] + 1 - left[both]).max())


def _write(
    text: str, number: int, gh: float, k: int, rng: Rng, bank: tuple[np.ndarray, ...],
    touch: set[int], styler: Styler, descent: float = 0.0,
) -> list[_Item]:
    """One number written left to right from x = 0, baseline y = 0. A digit at index j in
    `touch` is written into the digit before it; 7s and 9s hang `descent` below the line."""
    t = max(2, round(gh * 0.11) + k)
    items: list[_Item] = []
    x = 0.0
    for j, ch in enumerate(text):
        if ch == " ":
            x += gh * rng.uniform(0.35, 0.7)
            continue
        if ch.isdigit():
            alpha = _digit(int(ch), gh, k, rng, bank, styler)
            drop = 0
            if ch in "79" and descent:
                alpha, drop = descend(alpha, descent)
            top = -alpha.shape[0] + drop + rng.uniform(-1, 1) * gh / 15
        else:
            alpha, top = _separator(ch, gh, t, rng)
        xi, yi = round(x), round(top)
        if j in touch and items and items[-1].char.isdigit():
            at = _touch_x(items[-1], alpha, yi)
            if at is not None:
                xi = at - int(rng.integers(1, 3)) * max(1, round(gh / 40))
        items.append(_Item(ch, alpha, xi, yi, number))
        gap = rng.uniform(0.08, 0.3) if ch.isdigit() else rng.uniform(0.12, 0.25)
        x = xi + alpha.shape[1] + gh * gap
    return items


def _shift(items: list[_Item], dx: float, dy: float) -> None:
    for it in items:
        it.x, it.y = it.x + round(dx), it.y + round(dy)


def _extent(items: list[_Item]) -> tuple[int, int, int, int]:
    x0, y0 = min(it.x for it in items), min(it.y for it in items)
    x1 = max(it.x + it.alpha.shape[1] for it in items)
    return x0, y0, x1, max(it.y + it.alpha.shape[0] for it in items)


def _touch_points(text: str, rng: Rng) -> set[int]:
    """One or two digits that run into the digit before them (within a group)."""
    pairs = [j for j in range(1, len(text)) if text[j].isdigit() and text[j - 1].isdigit()]
    if not pairs:
        return set()
    return set(rng.choice(pairs, size=min(len(pairs), int(rng.integers(1, 3))), replace=False))


def _layout(
    texts: Sequence[str], cond: Conditions, gh: float, word: str, rng: Rng,
    bank: tuple[np.ndarray, ...], styler: Styler,
) -> tuple[list[list[_Item]], list[int], float]:
    """Place every line on the sheet: returns the numbers' items in reading order (a word's
    items join the list as its own entry), the reading order of texts, and the rule spacing
    (ruled paper writes on its lines)."""
    k = round(cond.stroke * gh / 40)
    n = len(texts)
    if cond.layout == "grid":
        if n != 4:
            raise ValueError("the 2x2 layout needs four numbers")
        order, scales = [0, 1, 2, 3], [1.0] * 4
    else:
        # "The" number is written first, or lower down but larger than the others.
        first = n == 1 or rng.random() < 0.7
        rest = list(range(1, n))
        order = [0, *rest] if first else [*rest[: (p := int(rng.integers(1, n)))], 0, *rest[p:]]
        lo, hi = (0.6, 1.0) if first else (0.5, 0.8)
        scales = [1.0] + [rng.uniform(lo, hi) for _ in rest]
    touch = _touch_points(texts[0], rng) if cond.touching else set()
    written = {
        i: _write(texts[i], order.index(i), gh * scales[i], k, rng, bank,
            touch if i == 0 else set(), styler, cond.descent)
        for i in range(n)
    }
    blocks: list[list[_Item]] = []
    rule = gh * rng.uniform(1.15, 1.6)
    if cond.layout == "grid":
        width = max(_extent(written[i])[2] for i in (0, 2))
        gap = gh * rng.uniform(2.2, 4.0)
        for row, (a, b) in enumerate(((0, 1), (2, 3))):
            base = row * gh * rng.uniform(1.8, 2.4)
            _shift(written[a], rng.uniform(0, 0.5) * gh, base)
            _shift(written[b], width + gap, base)
            blocks += [written[a], written[b]]
    else:
        lines: list[list[_Item]] = [written[i] for i in order]
        line_gh = [gh * scales[i] for i in order]
        if cond.distractor:
            t = max(2, round(gh * 0.11) + k)
            alpha, top = _word(word, gh, t, rng)
            item = _Item("word", alpha, 0, round(top), -1)
            where = rng.choice(["above", "left", "below"], p=[0.5, 0.3, 0.2])
            at = order.index(0)
            if where == "left":
                _shift(lines[at], alpha.shape[1] + gh * rng.uniform(0.5, 1.3), 0)
                lines[at] = [item, *lines[at]]
            else:
                lines.insert(at + (where == "below"), [item])
                line_gh.insert(at + (where == "below"), gh * 0.8)
        y = 0.0
        for i, line in enumerate(lines):
            if i:
                y += max(line_gh[i - 1], line_gh[i]) * rng.uniform(1.5, 2.2)
                if cond.paper == "ruled":  # lines of writing sit on the rules
                    y = np.ceil(y / rule) * rule
            jitter = rng.uniform(-0.12, 0.04) * gh if cond.paper == "ruled" else 0.0
            _shift(line, rng.uniform(0, 1.5) * gh, y + jitter)
            blocks.append(line)
    return blocks, order, rule


# --- paper, ink and the camera ------------------------------------------------------------


def _noise_field(shape: tuple[int, int], cell: int, rng: Rng) -> np.ndarray:
    """Smooth noise, about N(0, 1), varying over `cell` px."""
    h, w = shape
    small = rng.standard_normal((h // cell + 2, w // cell + 2)).astype(np.float32)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)


@cache
def _grain_tile() -> np.ndarray:
    return np.random.default_rng(0).standard_normal((512, 512), np.float32)


def _grain(shape: tuple[int, int], rng: Rng) -> np.ndarray:
    """Pixel noise, N(0, 1): a fixed tile, randomly shifted (drawing fresh noise for every
    sheet cost a third of a page)."""
    tile = np.roll(_grain_tile(), tuple(rng.integers(0, 512, 2)), axis=(0, 1))
    reps = (-(-shape[0] // 512), -(-shape[1] // 512))
    return np.tile(tile, reps)[: shape[0], : shape[1]]


def _paper(
    kind: str, shape: tuple[int, int], gh: float, rules: tuple[float, float], rng: Rng
) -> list[np.ndarray]:
    """Reflectance of a blank sheet of the given kind, as B, G, R planes; ruled paper has its
    rules every rules[0] px from row rules[1]."""
    h, w = shape
    if kind == "recycled":
        colour = rng.uniform(0.68, 0.85) * np.array([rng.uniform(0.9, 1.0), 1.0, 1.03])
        grain, blotch = 0.025, rng.uniform(0.02, 0.06)
    elif kind == "sticky":
        colour = np.array([rng.uniform(0.42, 0.62), rng.uniform(0.86, 0.96), rng.uniform(0.92, 1)])
        grain, blotch = 0.012, 0.01
    else:
        colour = rng.uniform(0.86, 0.98) * rng.uniform(0.98, 1.02, 3)
        grain, blotch = 0.01, 0.008
    tex = 1 + np.float32(grain) * _grain(shape, rng)
    tex += np.float32(blotch) * _noise_field(shape, 32, rng)
    if kind == "recycled":  # fibres: short dark and light curls
        fibres = np.zeros(shape, np.uint8)
        for _ in range(h * w // 2500):
            p = rng.uniform((0, 0), (w, h))
            pts = p + np.cumsum(rng.normal(0, 4, (3, 2)), 0)
            cv2.polylines(fibres, [pts.astype(np.int32)], False, int(rng.integers(60, 255)), 1)
        tex *= 1 - fibres.astype(np.float32) * np.float32(0.12 / 255)
    # Printed lines: (mask, how much of B, G, R each takes away).
    prints: list[tuple[np.ndarray, np.ndarray]] = []
    if kind in ("squared", "ruled"):
        lines = np.zeros(shape, np.uint8)
        t = max(1, round(gh / 45))
        if kind == "squared":
            cell = gh * rng.uniform(0.45, 0.9)
            off = rng.uniform(0, cell, 2)
            for x in np.arange(off[0], w, cell):
                cv2.line(lines, (round(x), 0), (round(x), h), 255, t, cv2.LINE_AA)
            ys = np.arange(off[1], h, cell)
        else:
            ys = np.arange(rules[1], h, rules[0])
        for y in ys:
            cv2.line(lines, (0, round(y)), (w, round(y)), 255, t, cv2.LINE_AA)
        prints.append((lines, rng.uniform(0.1, 0.3) * np.array([0.4, 1.0, 1.4])))  # blue-grey
        if kind == "ruled" and rng.random() < 0.5:  # a red margin line
            margin = np.zeros(shape, np.uint8)
            x = round(rng.uniform(0.2, 1.0) * gh)
            cv2.line(margin, (x, 0), (x, h), 255, t, cv2.LINE_AA)
            prints.append((margin, np.array([0.45, 0.45, 0.0])))
    planes = []
    for c in range(3):
        plane = tex * np.float32(colour[c])
        for mask, tone in prints:
            plane *= 1 - mask.astype(np.float32) * np.float32(tone[c] / 255)
        planes.append(plane)
    return planes


def _ink(kind: str, rng: Rng) -> tuple[np.ndarray, float]:
    """Reflectance of the ink (BGR) and how fully a stroke covers the paper."""
    if kind == "biro":
        blue = [rng.uniform(0.5, 0.7), rng.uniform(0.22, 0.38), rng.uniform(0.08, 0.22)]
        return np.float32(blue), rng.uniform(0.75, 0.95)
    if kind == "pencil":
        return np.full(3, rng.uniform(0.45, 0.68), np.float32), rng.uniform(0.8, 1.0)
    return np.full(3, rng.uniform(0.06, 0.16), np.float32), rng.uniform(0.9, 1.0)


def _rotation(angle: float) -> np.ndarray:
    return np.vstack([cv2.getRotationMatrix2D((0, 0), angle, 1.0), [0, 0, 1]])


def _apply(m: np.ndarray, pts: np.ndarray) -> np.ndarray:
    return cv2.perspectiveTransform(pts.reshape(-1, 1, 2).astype(np.float64), m).reshape(-1, 2)


def _camera(
    sheet_shape: tuple[int, int], content: np.ndarray, cond: Conditions, rng: Rng
) -> np.ndarray:
    """Homography from the sheet to the photo: perspective, rotation, then a scale and shift
    that keep the writing inside the frame (the sheet itself may run off it)."""
    h, w = sheet_shape
    W, H = cond.size
    corners = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    shift = rng.uniform(-1, 1, (4, 2)) * cond.perspective * [w, h]
    moved = (corners + shift).astype(np.float32)
    m = _rotation(cond.rotation) @ cv2.getPerspectiveTransform(corners, moved)
    pts = _apply(m, content)
    ext = pts.max(0) - pts.min(0)
    s = min(1.0, 0.92 * W / ext[0], 0.88 * H / ext[1])
    pts = pts * s
    lo, hi = pts.min(0), pts.max(0)
    tx = rng.uniform(0.04 * W - lo[0], max(0.04 * W - lo[0], 0.96 * W - hi[0]))
    ty = rng.uniform(0.06 * H - lo[1], max(0.06 * H - lo[1], 0.94 * H - hi[1]))
    return np.array([[s, 0, tx], [0, s, ty], [0, 0, 1]]) @ m


def _desk(W: int, H: int, rng: Rng) -> np.ndarray:
    """Reflectance of what is behind the sheet: a blurry, blotchy surface (made at half size,
    it is out of focus anyway)."""
    colour = rng.choice([[0.25, 0.35, 0.5], [0.4, 0.4, 0.4], [0.3, 0.2, 0.15], [0.7, 0.72, 0.75]])
    colour = np.float32(colour) * np.float32(rng.uniform(0.4, 1.1))
    tex = 1 + 0.15 * _noise_field((H // 2, W // 2), 24, rng)
    return cv2.resize(tex[..., None] * colour, (W, H), interpolation=cv2.INTER_LINEAR)


def _light(cond: Conditions, content: np.ndarray, rng: Rng) -> np.ndarray:
    """Illumination [H, W] in grey levels per unit reflectance: exposure, gradient, vignette
    and a shadow across the writing."""
    W, H = cond.size
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
    xx, yy = xx / W - 0.5, yy / H - 0.5
    a = rng.uniform(0, 2 * np.pi)
    gain = rng.uniform(200, 255) * (1 + cond.light * 2 * (np.cos(a) * xx + np.sin(a) * yy))
    gain *= 1 - cond.light * rng.uniform(0.3, 1.0) * (xx**2 + yy**2) * 2
    if cond.shadow != "none":
        mask = np.zeros((H, W), np.uint8)
        lo, hi = content.min(0), content.max(0)
        p = rng.uniform(lo, hi)  # the shadow's edge crosses the writing here
        d = rng.uniform(0, 2 * np.pi)
        along, across = np.array([np.cos(d), np.sin(d)]), np.array([-np.sin(d), np.cos(d)])
        far = 4 * max(W, H)
        if rng.random() < 0.5:  # a half plane: a head or a lamp
            poly = [p + far * along, p - far * along, p - far * along + far * across,
                    p + far * along + far * across]
        else:  # a band: a phone or an arm held over the page
            width = rng.uniform(0.15, 0.4) * W
            poly = [p + far * along, p - far * along, p - far * along + width * across,
                    p + far * along + width * across]
        cv2.fillPoly(mask, [np.array(poly, np.int32)], 255)
        res = W / 640
        sigma = (rng.uniform(0.7, 2.0) if cond.shadow == "hard" else rng.uniform(12, 35)) * res
        soft = cv2.GaussianBlur(mask.astype(np.float32) / 255, (0, 0), sigma)
        gain *= 1 - rng.uniform(0.3, 0.6) * soft
    return gain.astype(np.float32)


def _blur(image: np.ndarray, cond: Conditions, rng: Rng) -> np.ndarray:
    res = cond.size[0] / 640
    image = cv2.GaussianBlur(image, (0, 0), rng.uniform(0.3, 0.8) * res)  # any lens
    if cond.blur == "defocus":
        r = rng.uniform(1.0, 2.5) * res
        n = 2 * int(np.ceil(r)) + 1
        kernel = np.zeros((n, n), np.float32)
        cv2.circle(kernel, (n // 2, n // 2), round(r), 1.0, -1, cv2.LINE_AA)
    elif cond.blur == "motion":
        length = rng.uniform(3, 9) * res
        n = 2 * int(np.ceil(length / 2)) + 1
        kernel = np.zeros((n, n), np.float32)
        a = rng.uniform(0, np.pi)
        d = np.array([np.cos(a), np.sin(a)]) * length / 2
        c = np.array([n // 2, n // 2])
        cv2.line(kernel, tuple((c - d).round().astype(int)), tuple((c + d).round().astype(int)),
                 1.0, 1, cv2.LINE_AA)
    else:
        return image
    return cv2.filter2D(image, -1, kernel / kernel.sum())


# --- the page --------------------------------------------------------------------------


def draw_conditions(rng: Rng, numbers: int = 1, **force: object) -> Conditions:
    """Draw every effect at its own probability, then apply the forced ones. All draws are
    made whatever is forced, so forcing one effect does not change the others."""
    r = rng.random()
    if r < 0.6:
        rotation = float(np.clip(rng.normal(0, 4), -10, 10))
    elif r < 0.95:
        rotation = rng.uniform(-50, 50)
    else:
        rotation = float(rng.choice([-90, 90]) + rng.normal(0, 3))
    drawn = {
        "paper": PAPERS[rng.choice(len(PAPERS), p=[0.3, 0.15, 0.15, 0.2, 0.2])],
        "ink": INKS[rng.choice(len(INKS), p=[0.4, 0.4, 0.2])],
        "size": (1280, 720) if rng.random() < 0.2 else (640, 480),
        "rotation": float(rotation),
        "perspective": rng.uniform(0, 0.08) if rng.random() < 0.7 else rng.uniform(0.08, 0.18),
        "light": rng.uniform(0, 0.15) if rng.random() < 0.6 else rng.uniform(0.15, 0.45),
        "shadow": SHADOWS[rng.choice(3, p=[0.6, 0.2, 0.2])],
        "blur": BLURS[rng.choice(3, p=[0.55, 0.3, 0.15])],
        "noise": rng.uniform(1, 4) if rng.random() < 0.7 else rng.uniform(4, 10),
        "jpeg": 0 if rng.random() < 0.4 else int(rng.integers(30, 91)),
        "stroke": int(rng.choice([-1, 0, 0, 1, 2])),
        "touching": bool(rng.random() < 0.2),
        "distractor": bool(rng.random() < 0.3),
        "layout": "grid" if numbers == 4 and rng.random() < 0.5 else "lines",
    }
    cond = Conditions(**(drawn | force))  # an unknown name raises TypeError
    for name, allowed in (("paper", PAPERS), ("ink", INKS), ("shadow", SHADOWS),
                          ("blur", BLURS), ("layout", LAYOUTS), ("style", STYLES)):
        if getattr(cond, name) not in allowed:
            raise ValueError(f"{name} must be one of {allowed}, not {getattr(cond, name)!r}")
    if not (cond.jpeg == 0 or 1 <= cond.jpeg <= 100):
        raise ValueError("jpeg quality must be 0 (none) or 1..100")
    return cond


def make_page(
    number_texts: Sequence[str], rng: Rng, split: str = "train", *, word: str | None = None,
    **force: object,
) -> tuple[np.ndarray, PageLabels]:
    """A BGR photo of a sheet with the numbers written on it, and what is where.

    number_texts[0] is "the" number: written first, or larger than the others. Texts hold
    digits and " -.()+"; `word` is the distractor written when there is one (else one of
    WORDS); `force` sets any field of Conditions.
    """
    if not number_texts:
        raise ValueError("a page needs at least one number")
    for text in number_texts:
        if not set(text) <= CHARS or not any(c.isdigit() for c in text):
            raise ValueError(f"cannot write {text!r}: digits and ' -.()+' only")
    cond = draw_conditions(rng, len(number_texts), **force)
    layout_rng, paper_rng, ink_rng, camera_rng, light_rng, blur_rng, noise_rng, style_rng = (
        np.random.default_rng(s) for s in rng.integers(0, 2**63, 8)
    )
    # The page's own generator is used for nothing else from here: a page whose writer does
    # not descend is the page it was before descenders were drawn.
    descent = rng.uniform(*DESCENT) if rng.random() < DESCENDERS else 0.0
    if "descent" not in force:
        cond = replace(cond, descent=descent)
    # The writer's hand comes from a generator of its own, seeded last: a page written with
    # continental 1s and 7s has the paper, light and camera it would have without them.
    style = STYLES[int(style_rng.random() < CONTINENTAL)]  # drawn whether forced or not
    if "style" not in force:
        cond = replace(cond, style=style)
    hand = Hand.continental(style_rng) if cond.style == "continental" else Hand()
    word = word if word is not None else WORDS[int(layout_rng.integers(len(WORDS)))]
    if not word.strip() or not set(word) <= WORD_CHARS:
        raise ValueError(f"cannot write the word {word!r}: letters, spaces, '.' and ':' only")
    bank = glyph_bank(split)
    W, H = cond.size
    gh = layout_rng.uniform(0.06, 0.13) * H

    blocks, order, rule = _layout(
        number_texts, cond, gh, word, layout_rng, bank,
        lambda alpha, d: restyle(alpha, d, hand, style_rng),
    )
    items = [it for block in blocks for it in block]
    x0, y0, x1, y1 = _extent(items)
    # The sheet: the writing with margins (a sticky note is square and tight around it).
    if cond.paper == "sticky":
        side = max(x1 - x0, y1 - y0) + 2 * gh * layout_rng.uniform(0.4, 1.0)
        left, top = (side - (x1 - x0)) / 2, (side - (y1 - y0)) / 2
        sw, sh = side, side
    else:
        left, top = layout_rng.uniform(0.5, 3, 2) * gh
        sw = x1 - x0 + left + layout_rng.uniform(0.5, 3) * gh
        sh = max(y1 - y0 + top + layout_rng.uniform(0.5, 3) * gh, sw * layout_rng.uniform(0.5, 1))
    dx, dy = round(left) - x0, round(top) - y0
    for it in items:
        it.x, it.y = it.x + dx, it.y + dy
    shape = (round(sh), round(sw))

    # Ink and the truth map on the flat sheet.
    ink_alpha = np.zeros(shape, np.float32)
    inst = np.zeros(shape, np.uint16)
    for i, it in enumerate(items):
        h, w = it.alpha.shape
        region = ink_alpha[it.y : it.y + h, it.x : it.x + w]
        np.maximum(region, it.alpha, out=region)
        inst[it.y : it.y + h, it.x : it.x + w][it.alpha > 0.5] = i + 1
    ink_colour, cover = _ink(cond.ink, ink_rng)
    if cond.ink == "pencil":  # graphite leaves a grainy, broken trace
        ink_alpha *= np.clip(0.75 + 0.25 * _grain(shape, ink_rng), 0.4, 1)
    # The layout put baselines on multiples of `rule` from the first one, now at row dy.
    paper = _paper(cond.paper, shape, gh, (rule, dy % rule), paper_rng)
    # Drawn after the paper, from its generator: a page without show-through is the page it
    # was before show-through was drawn at all.
    through = paper_rng.uniform(0.08, 0.3) if paper_rng.random() < SHOW_THROUGH else 0.0
    if "show_through" not in force:
        cond = replace(cond, show_through=through)
    if cond.show_through:
        # Whatever was to hand when the back was written: a marker behind pencil is darker.
        back_ink = INKS[paper_rng.choice(len(INKS), p=[0.4, 0.4, 0.2])]
        back_colour, _ = _ink(back_ink, paper_rng)
        back = cond.show_through * _back(shape, gh, cond, bank, paper_rng)
        paper = [p * (1 - back * (1 - back_colour[c])) for c, p in enumerate(paper)]
    ink_alpha *= np.float32(cover)
    # paper * (1 - alpha * (1 - ink)) channel by channel: whole-sheet 3-channel temporaries
    # were half the cost of a page.
    sheet = cv2.merge([
        cv2.multiply(paper[c], 1 - ink_alpha * (1 - ink_colour[c])) for c in range(3)
    ])

    # In front of the camera.
    content = np.float32([[x0 + dx, y0 + dy], [x1 + dx, y0 + dy], [x1 + dx, y1 + dy],
                          [x0 + dx, y1 + dy]])
    m = _camera(shape, content, cond, camera_rng)
    size = (W, H)
    on_sheet = cv2.warpPerspective(np.ones(shape, np.float32), m, size, flags=cv2.INTER_LINEAR)
    photo = cv2.warpPerspective(sheet, m, size, flags=cv2.INTER_LINEAR)
    instances = cv2.warpPerspective(inst, m, size, flags=cv2.INTER_NEAREST)
    desk = _desk(W, H, camera_rng)
    light = _light(cond, _apply(m, content), light_rng)
    tint = np.float32([light_rng.uniform(0.9, 1.05), 1.0, light_rng.uniform(0.92, 1.08)])
    off_sheet = 1 - on_sheet
    image = cv2.merge([
        (photo[..., c] + off_sheet * desk[..., c]) * (light * tint[c]) for c in range(3)
    ])
    image = _blur(image, cond, blur_rng)
    noise = _grain((H, 3 * W), noise_rng).reshape(H, W, 3)  # fresh enough for a camera
    bgr = cv2.scaleAdd(noise, float(cond.noise), image).clip(0, 255).astype(np.uint8)
    if cond.jpeg:
        _, data = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, cond.jpeg])
        bgr = cv2.imdecode(data, cv2.IMREAD_COLOR)

    boxes = _boxes(instances, len(items))
    marks = tuple(Mark(it.char, boxes[i], it.number) for i, it in enumerate(items))
    index = {id(it): i for i, it in enumerate(items)}
    main = order.index(0)
    touching = tuple(
        (index[id(a)], index[id(b)])
        for block in blocks
        for a, b in zip(block, block[1:], strict=False)
        if a.number == main and a.char.isdigit() and b.char.isdigit() and _touch(a, b)
    )
    texts = tuple(number_texts[i] for i in order)
    labels = PageLabels(
        numbers=tuple("".join(c for c in t if c.isdigit()) for t in texts),
        texts=texts,
        main=main,
        marks=marks,
        instances=instances,
        touching=touching,
        conditions=cond,
    )
    return bgr, labels


def _back(
    shape: tuple[int, int], gh: float, cond: Conditions, bank: tuple[np.ndarray, ...], rng: Rng
) -> np.ndarray:
    """Ink coverage of one or two numbers written on the sheet's back, as seen from the front
    through the paper: mirrored, soft, anywhere on the sheet (float [h, w], peak 1)."""
    texts = [random_number_text(rng) for _ in range(int(rng.integers(1, 3)))]
    plain = replace(cond, layout="lines", touching=False, distractor=bool(rng.random() < 0.5))
    word = WORDS[int(rng.integers(len(WORDS)))]
    blocks, _, _ = _layout(texts, plain, gh * rng.uniform(0.7, 1.3), word, rng, bank,
                           lambda alpha, d: alpha)
    items = [it for block in blocks for it in block]
    x0, y0, x1, y1 = _extent(items)
    h, w = shape
    # Anywhere on the sheet, often running off its edges.
    ox = round(rng.uniform(-0.5 * (x1 - x0), w)) - x0
    oy = round(rng.uniform(-0.5 * (y1 - y0), h)) - y0
    back = np.zeros(shape, np.float32)
    for it in items:
        x, y, (ih, iw) = it.x + ox, it.y + oy, it.alpha.shape
        cx0, cy0, cx1, cy1 = max(x, 0), max(y, 0), min(x + iw, w), min(y + ih, h)
        if cx0 < cx1 and cy0 < cy1:
            region = back[cy0:cy1, cx0:cx1]
            np.maximum(region, it.alpha[cy0 - y : cy1 - y, cx0 - x : cx1 - x], out=region)
    # The paper spreads the ink it lets through.
    sigma = gh * rng.uniform(0.01, 0.04)
    return cv2.GaussianBlur(cv2.flip(back, 1), (0, 0), max(sigma, 0.5))


def _touch(a: _Item, b: _Item) -> bool:
    """The two marks' ink (one px grown) overlaps on the sheet."""
    x0, y0 = min(a.x, b.x), min(a.y, b.y)
    x1 = max(a.x + a.alpha.shape[1], b.x + b.alpha.shape[1])
    y1 = max(a.y + a.alpha.shape[0], b.y + b.alpha.shape[0])
    ma, mb = np.zeros((y1 - y0, x1 - x0), np.uint8), np.zeros((y1 - y0, x1 - x0), np.uint8)
    for m, it in ((ma, a), (mb, b)):
        h, w = it.alpha.shape
        m[it.y - y0 : it.y - y0 + h, it.x - x0 : it.x - x0 + w] = it.alpha > 0.5
    return bool((cv2.dilate(ma, np.ones((3, 3), np.uint8)) & mb).any())


def _boxes(instances: np.ndarray, n: int) -> list[Box]:
    """Tight box of every instance's pixels in the photo; (0, 0, 0, 0) when none is left."""
    ys, xs = np.nonzero(instances)
    ids = instances[ys, xs].astype(np.int64)
    boxes: list[Box] = [(0, 0, 0, 0)] * n
    if len(ids) == 0:
        return boxes
    big = np.iinfo(np.int64).max
    x0, y0 = np.full(n + 1, big), np.full(n + 1, big)
    x1, y1 = np.full(n + 1, -1), np.full(n + 1, -1)
    np.minimum.at(x0, ids, xs)
    np.minimum.at(y0, ids, ys)
    np.maximum.at(x1, ids, xs)
    np.maximum.at(y1, ids, ys)
    for i in range(1, n + 1):
        if x1[i] >= 0:
            boxes[i - 1] = (int(x0[i]), int(y0[i]), int(x1[i] - x0[i] + 1), int(y1[i] - y0[i] + 1))
    return boxes


# --- what people write ---------------------------------------------------------------------

US_AREAS = ("415", "415", "650", "510", "212", "212", "646", "312", "617", "206", "303", "512",
            "305", "404", "713", "202", "718", "323", "503", "612")


def fictional_number(rng: Rng) -> tuple[str, str]:
    """(country calling code, national number) from ranges kept free for fiction where a
    country has them (NANP 555, Ofcom drama numbers, ACMA 0491 570), else made-up ones."""
    country = str(rng.choice(["1", "44", "49", "33", "61"], p=[0.55, 0.25, 0.1, 0.05, 0.05]))

    def digits(n: int) -> str:
        return "".join(str(d) for d in rng.integers(0, 10, n))
    if country == "1":
        line = f"01{digits(2)}" if rng.random() < 0.3 else digits(4)
        return country, str(rng.choice(US_AREAS)) + "555" + line
    if country == "44":
        head = str(rng.choice(["7700900", "2079460", "1614960", "1214960", "1134960"]))
        return country, head + digits(3)
    if country == "49":
        if rng.random() < 0.5:
            return country, str(rng.choice(["151", "160", "170", "176"])) + digits(8)
        return country, str(rng.choice(["30", "40", "89"])) + digits(8)
    if country == "33":
        return country, "19900" + digits(4)
    if rng.random() < 0.5:
        return country, "491570" + str(rng.integers(6, 160)).zfill(3)
    return country, "25550" + digits(4)


def national_groups(country: str, national: str, rng: Rng) -> list[str]:
    """The national number cut into the groups people write it in."""
    n = national
    if country == "1" and len(n) == 10:
        return [n[:3], n[3:6], n[6:]]
    if country == "44":
        if n.startswith("7"):
            return [n[:4], n[4:]] if rng.random() < 0.6 else [n[:4], n[4:7], n[7:]]
        if n.startswith("20"):
            return [n[:2], n[2:6], n[6:]]
        return [n[:3], n[3:6], n[6:]]
    if country == "49":
        cut = 3 if n.startswith("1") else 2
        return [n[:cut], n[cut:]] if rng.random() < 0.5 else [n[:cut], n[cut:-4], n[-4:]]
    if country == "33":
        return [n[:1], n[1:3], n[3:5], n[5:7], n[7:]]
    if country == "61":
        return [n[:3], n[3:6], n[6:]] if n.startswith("4") else [n[:1], n[1:5], n[5:]]
    return [n[i : i + 4] for i in range(0, len(n), 4)]


def write_number(country: str, national: str, rng: Rng) -> str:
    """The number as someone writes it by hand: in groups, with spaces, dashes, dots or
    nothing between them, brackets around the area code, a country code or trunk prefix."""
    groups = national_groups(country, national, rng)
    sep = str(rng.choice([" ", "-", ".", ""], p=[0.5, 0.2, 0.1, 0.2]))
    prefix = ""
    if country == "1":
        prefix = str(rng.choice(["", "1", "+1"], p=[0.7, 0.1, 0.2]))
    elif country:
        if rng.random() < 0.55:
            groups[0] = trunk_prefix(country) + groups[0]
        else:
            prefix = "+" + country
    if len(groups) > 2 and rng.random() < 0.25:  # "(415) 555-0132", "(020) 7946 0123"
        rest = (sep or " ").join(groups[1:])
        text = f"({groups[0]}) {rest}"
    else:
        text = sep.join(groups)
    return f"{prefix}{sep or ' '}{text}" if prefix else text


def random_number_text(rng: Rng) -> str:
    return write_number(*fictional_number(rng), rng)


# --- camera crops ------------------------------------------------------------------------


PAIR_SHARE = 0.3  # a second digit with this share of the box's ink makes the glyph a pair
PAIR_ASPECT = SPLIT_ASPECT  # ... if as wide as classify tries to cut (a 1 makes narrow pairs)
ONE_LIKE = 2.5  # a non-digit this many times taller than wide looks like a 1


def page_crops(image: np.ndarray, labels: PageLabels) -> list[tuple[Glyph, int]]:
    """The glyphs the app's localize stage finds on a photo, each with its true class: the
    digit when it is one whole written digit, NOT_DIGIT when it holds no digit (a separator,
    a letter, a speck, a rule or shadow edge) or pieces of two digits. A glyph that is part of
    one digit, or a digit with something stuck to it, is left out: either label would teach
    the model something false."""
    page = preprocess(Frame(0, 0.0, image))
    found = localize(page)
    h, w = page.mask.shape
    inst = labels.instances
    if inst.shape != (h, w):
        inst = cv2.resize(inst, (w, h), interpolation=cv2.INTER_NEAREST)
    out = []
    for g in found.glyphs:
        label = _label(g, inst, labels, page.scale)
        if label is not None:
            out.append((g, label))
        if label == NOT_DIGIT:
            out += _halves(g, labels)
    return out


def _halves(g: Glyph, labels: PageLabels) -> list[tuple[Glyph, int]]:
    """A pair written touching, cut where classify would cut it nearest to where the two
    digits meet: each half is its digit with a sliver of the other, or a sliver short, and
    the model must read it all the same for the split to work."""
    x, _, w, _ = g.box
    inside = {m for m, mark in enumerate(labels.marks)
              if mark.char.isdigit() and _inside(mark.box, g.box)}
    for a, b in labels.touching:
        if inside != {a, b}:  # not the pair, or a third digit joined it (a 1's flag reaches)
            continue
        left, right = labels.marks[a].box, labels.marks[b].box
        meet = ((left[0] + left[2]) + right[0]) / 2
        share = SPLIT_SHARES[np.abs(SPLIT_SHARES - (meet - x) / w).argmin()]
        parts = cut(g.crop, share)
        return [
            (replace(g, crop=part), int(labels.marks[m].char))
            for part, m in zip(parts, (a, b), strict=True) if part.any()
        ]
    return []


def _inside(mark: Box, box: Box) -> bool:
    """Most of the mark's box lies in the glyph's box."""
    return _overlap(mark, box) > 0.6 * mark[2] * mark[3]


def _label(g: Glyph, inst: np.ndarray, labels: PageLabels, scale: float) -> int | None:
    # The glyph's box on the page, not its crop: localize cuts a slanted page's crops from a
    # levelled copy, so a crop's pixels do not lie over the page at the box's corner.
    x0, y0 = max(0, round(g.box[0] / scale)), max(0, round(g.box[1] / scale))
    x1, y1 = round((g.box[0] + g.box[2]) / scale), round((g.box[1] + g.box[3]) / scale)
    ids = inst[y0:y1, x0:x1]
    ids = ids[ids > 0].astype(np.int64) - 1
    digit_ids = [i for i in ids.tolist() if labels.marks[i].char.isdigit()]
    h, w = g.crop.shape
    if not digit_ids:
        # No digit under it: a separator, a letter, a speck, an edge. A thin upright stroke
        # is left out: shape alone cannot tell a rule's piece from a 1.
        return None if h > ONE_LIKE * w else NOT_DIGIT
    counts = np.bincount(digit_ids, minlength=len(labels.marks))
    first, second = np.sort(counts)[::-1][:2] / len(ids)
    if second >= PAIR_SHARE and w > PAIR_ASPECT * h:
        return NOT_DIGIT  # two digits run together: neither is readable on its own
    best = int(np.argmax(counts))
    if first >= 0.75 and second < 0.1 and _iou(g.box, labels.marks[best].box) >= 0.5:
        return int(labels.marks[best].char)
    return None  # part of a digit, or a digit with a neighbour's stroke: either label lies


def _overlap(a: Box, b: Box) -> int:
    """Area shared by two boxes."""
    w = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    h = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    return max(0, w) * max(0, h)


def _iou(a: Box, b: Box) -> float:
    inter = _overlap(a, b)
    union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union else 0.0


def crop_page(rng: Rng, split: str = "train", **force: object) -> tuple[np.ndarray, PageLabels]:
    """A page of random numbers of the kind training crops are cut from. Unless forced, it
    turns at most 15 degrees (a crop from a steeper page is a turned digit, which the app
    does not read and would teach 6/9 confusion), and half the pages carry a touching pair
    (a drawn page has one a fifth of the time): pairs and their halves are what the model
    reads worst."""
    texts = [random_number_text(rng) for _ in range(1 if rng.random() < 0.7 else 2)]
    drawn = {"rotation": float(rng.uniform(-15, 15)), "touching": bool(rng.random() < 0.5)}
    return make_page(texts, rng, split, **(drawn | force))


def glyph_crops(
    n: int, rng: Rng, split: str = "train", **force: object
) -> tuple[list[np.ndarray], np.ndarray]:
    """n camera crops (uint8 ink, as localize cuts them) and their classes 0-10, from
    crop_page pages."""
    crops: list[np.ndarray] = []
    classes: list[int] = []
    while len(crops) < n:
        for glyph, label in page_crops(*crop_page(rng, split, **force)):
            crops.append(glyph.crop)
            classes.append(label)
    return crops[:n], np.array(classes[:n], np.int64)
