"""Page -> Glyphs: find the marks that may be digits and put them in reading order.

Outer contours of the ink mask are the candidates: a tenth the cost of connected-component
labelling here, and a small fraction of MSER's. Marks
too small, too large or touching the frame edge are dropped; the rest are grouped into text
lines by vertical overlap, strokes of one digit that came apart are merged, and marks much
shorter than their line (dashes, dots) are dropped as separators.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from statistics import median

import cv2
import numpy as np

from .messages import Glyph, Glyphs, Page

MIN_HEIGHT = 10  # page pixels; smaller marks are specks or text too small to read
MAX_HEIGHT_FRAC = 0.5  # of the page height; larger marks are the sheet edge, a hand, a rule
MIN_AREA = 20
SEPARATOR_FRAC = 0.5  # a mark shorter than this share of its line's typical height is a separator
MAX_GLYPHS = 64  # a page with more candidates than this is not a phone number: keep the largest


@dataclass
class _Blob:
    x0: int
    y0: int
    x1: int
    y1: int
    contours: list[np.ndarray] = field(default_factory=list)

    @property
    def h(self) -> int:
        return self.y1 - self.y0

    @property
    def w(self) -> int:
        return self.x1 - self.x0

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2

    def absorb(self, other: _Blob) -> None:
        self.x0, self.y0 = min(self.x0, other.x0), min(self.y0, other.y0)
        self.x1, self.y1 = max(self.x1, other.x1), max(self.y1, other.y1)
        self.contours += other.contours

    def crop(self, ink: np.ndarray) -> np.ndarray:
        """The blob's own ink: a neighbour's stroke reaching into its box is left out."""
        inside = np.zeros((self.h, self.w), np.uint8)
        cv2.drawContours(inside, self.contours, -1, 255, cv2.FILLED, offset=(-self.x0, -self.y0))
        return cv2.bitwise_and(ink[self.y0 : self.y1, self.x0 : self.x1], inside)


def _candidates(page: Page) -> list[_Blob]:
    contours, _ = cv2.findContours(page.mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    H, W = page.mask.shape
    blobs = []
    for contour in contours:
        x, y, w, h = cv2.boundingRect(contour)
        too_big = h > MAX_HEIGHT_FRAC * H or w > MAX_HEIGHT_FRAC * W
        if too_big or (h < MIN_HEIGHT and w < MIN_HEIGHT):
            continue
        if x == 0 or y == 0 or x + w >= W or y + h >= H:
            continue  # cut by the frame edge: cannot be read whole
        # Polygon area misses the boundary pixels, which are most of a thin stroke.
        if cv2.contourArea(contour) + cv2.arcLength(contour, True) / 2 < MIN_AREA:
            continue
        blobs.append(_Blob(x, y, x + w, y + h, [contour]))
    if len(blobs) > MAX_GLYPHS:
        blobs = sorted(blobs, key=lambda b: b.w * b.h, reverse=True)[:MAX_GLYPHS]
    return blobs


def _lines(blobs: list[_Blob]) -> list[list[_Blob]]:
    """Group blobs into text lines, tallest first so small marks join the line they sit in."""
    lines: list[list[_Blob]] = []
    for b in sorted(blobs, key=lambda b: -b.h):
        best, best_overlap = None, 0.0
        for line in lines:
            top = median(m.y0 for m in line)
            bottom = median(m.y1 for m in line)
            overlap = min(b.y1, bottom) - max(b.y0, top)
            share = overlap / max(1, min(b.h, bottom - top))
            if share > best_overlap:
                best, best_overlap = line, share
        if best is not None and best_overlap >= 0.5:
            best.append(b)
        else:
            lines.append([b])
    for line in lines:
        line.sort(key=lambda b: b.x0)
    lines.sort(key=lambda line: median(b.cy for b in line))
    return lines


def _merge_broken(line: list[_Blob], height: float) -> list[_Blob]:
    """Join marks that belong to one digit: parts sharing most of their columns (an open 4),
    or a short stroke reaching over a neighbour (the detached bar of a 5). A dash sits in
    the gap between digits and overlaps neither."""
    merged: list[_Blob] = []
    for b in line:
        if merged:
            prev = merged[-1]
            overlap = min(prev.x1, b.x1) - max(prev.x0, b.x0)
            short = prev if prev.h < b.h else b
            if overlap > 0.5 * min(prev.w, b.w) or (
                _is_separator(short, height) and overlap > 0.25 * short.w
            ):
                prev.absorb(b)
                continue
        merged.append(b)
    return merged


def _is_separator(b: _Blob, line_height: float) -> bool:
    return b.h < SEPARATOR_FRAC * line_height


def localize(page: Page) -> Glyphs:
    glyphs = []
    s = page.scale
    for index, line in enumerate(_lines(_candidates(page))):
        height = median(b.h for b in line)
        for b in _merge_broken(line, height):
            if _is_separator(b, height):
                continue
            box = (round(b.x0 * s), round(b.y0 * s), round(b.w * s), round(b.h * s))
            glyphs.append(Glyph(box=box, line=index, crop=b.crop(page.ink)))
    return Glyphs(frame=page.frame, glyphs=tuple(glyphs))
