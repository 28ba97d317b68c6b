"""Draw a sheet of paper with handwritten numbers on it, as a webcam would see it.

The digits are real handwriting: MNIST test-set glyphs shipped in `assets/mnist_glyphs.png`
(see `assets/ATTRIBUTION.md`), never a computer font. The demo source shows such a page, and
the tests read pages drawn here whose true digits and boxes are known.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

import cv2
import numpy as np

from .messages import Box

GLYPH = 28


@cache
def atlas() -> np.ndarray:
    """uint8 [10, n, 28, 28]: n MNIST test glyphs of each digit, ink white on black."""
    data = (resources.files("pipeline") / "assets" / "mnist_glyphs.png").read_bytes()
    sheet = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_GRAYSCALE)
    rows, cols = sheet.shape[0] // GLYPH, sheet.shape[1] // GLYPH
    return sheet.reshape(rows, GLYPH, cols, GLYPH).transpose(0, 2, 1, 3)


@dataclass(frozen=True)
class Written:
    """What was written where: one entry per digit, in reading order."""

    digits: str
    boxes: tuple[Box, ...]
    lines: tuple[str, ...]  # the digits of each written line


def as_written(phone: str) -> str:
    """A number from the phone book as a person copies it onto paper: digits, with the
    book's spaces, dashes and dots (brackets and plus signs are not drawn yet)."""
    return "".join(c for c in phone if c.isdigit() or c in " -.").strip()


def _stroke(height: int, width: int, thickness: int, kind: str) -> np.ndarray:
    """A separator drawn by hand, ink white on black."""
    mark = np.zeros((height, width), np.uint8)
    mid = height // 2
    if kind == "-":
        cv2.line(mark, (1, mid), (width - 2, mid + 1), 255, thickness, cv2.LINE_AA)
    elif kind == ".":
        cv2.circle(mark, (width // 2, height - thickness * 2), thickness, 255, -1, cv2.LINE_AA)
    return mark


def render_page(
    lines: list[str],
    rng: np.random.Generator,
    size: tuple[int, int] = (640, 480),
    glyph_height: int | None = None,
) -> tuple[np.ndarray, Written]:
    """Return a BGR photo of a sheet holding `lines` (digits, spaces, '-' and '.')."""
    W, H = size
    glyphs = atlas()
    longest = max((len(t) for t in lines), default=1)
    # Handwritten digits run about 0.8 of their height wide with the gaps: keep lines on the sheet.
    fits = int(W * 0.7 / (0.85 * max(longest, 1)))
    gh = glyph_height or int(rng.integers(min(H // 12, fits - 1), min(H // 7, fits)))
    thickness = max(2, gh // 14)
    # The desk: a dim, uneven surface around the sheet.
    desk = rng.uniform(50, 110)
    image = np.full((H, W), desk, np.float32)
    image += np.linspace(-15, 15, W, dtype=np.float32)[None, :]
    # The sheet: bright paper lit unevenly, a little tilted.
    paper = np.full((H, W), rng.uniform(205, 245), np.float32)
    gy, gx = np.mgrid[0:H, 0:W].astype(np.float32)
    angle = rng.uniform(0, 2 * np.pi)
    paper *= 1 - rng.uniform(0.0, 0.25) * (0.5 + 0.5 * np.cos(angle) * (gx / W - 0.5) * 2)
    ink = np.zeros((H, W), np.float32)

    margin_x = int(W * rng.uniform(0.08, 0.14))
    y = int(H * rng.uniform(0.15, 0.25))
    boxes: list[Box] = []
    digits = []
    for text in lines:
        x = margin_x + int(rng.integers(0, W // 16))
        for ch in text:
            if ch == " ":
                x += int(gh * rng.uniform(0.35, 0.6))
                continue
            if ch in "-.":
                w = int(gh * (0.45 if ch == "-" else 0.25))
                mark = _stroke(gh, w, thickness, ch).astype(np.float32) / 255
                ink[y : y + gh, x : x + w] = np.maximum(ink[y : y + gh, x : x + w], mark)
                x += w + int(gh * 0.15)
                continue
            g = glyphs[int(ch), int(rng.integers(glyphs.shape[1]))]
            ys, xs = np.nonzero(g > 40)
            g = g[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
            scale = gh * rng.uniform(0.9, 1.05) / g.shape[0]
            gw, gh2 = max(2, round(g.shape[1] * scale)), max(2, round(g.shape[0] * scale))
            big = cv2.resize(g, (gw, gh2), interpolation=cv2.INTER_CUBIC).astype(np.float32)
            yy = y + int(rng.integers(-gh // 12, gh // 12 + 1)) + (gh - gh2)
            region = ink[yy : yy + gh2, x : x + gw]
            region[:] = np.maximum(region, big[: region.shape[0], : region.shape[1]] / 255)
            boxes.append((x, yy, gw, gh2))
            digits.append(ch)
            x += gw + int(gh * rng.uniform(0.12, 0.3))
        y += int(gh * rng.uniform(1.7, 2.2))

    sheet_box = _sheet_corners(W, H, rng)
    sheet = np.zeros((H, W), np.uint8)
    cv2.fillConvexPoly(sheet, sheet_box, 255)
    sheet_f = cv2.GaussianBlur(sheet, (5, 5), 0).astype(np.float32) / 255
    darkness = rng.uniform(0.65, 0.9)  # marker is near black, biro lighter
    page = paper * (1 - darkness * np.clip(ink, 0, 1))
    image = image * (1 - sheet_f) + page * sheet_f
    image += rng.normal(0, rng.uniform(1.5, 4.0), image.shape).astype(np.float32)
    image = cv2.GaussianBlur(image, (3, 3), rng.uniform(0.3, 0.9))
    gray = np.clip(image, 0, 255).astype(np.uint8)
    tint = np.array([rng.uniform(0.92, 1.0), 1.0, rng.uniform(0.92, 1.0)], np.float32)
    bgr = np.clip(gray[..., None] * tint, 0, 255).astype(np.uint8)
    written_lines = tuple("".join(c for c in t if c.isdigit()) for t in lines)
    return bgr, Written("".join(digits), tuple(boxes), written_lines)


def _sheet_corners(W: int, H: int, rng: np.random.Generator) -> np.ndarray:
    """A sheet that fills most of the frame, its corners a little off square."""
    jitter = rng.uniform(-0.03, 0.03, (4, 2)) * [W, H]
    corners = np.array([[0.04, 0.06], [0.96, 0.05], [0.97, 0.95], [0.03, 0.94]]) * [W, H]
    return (corners + jitter).astype(np.int32)
