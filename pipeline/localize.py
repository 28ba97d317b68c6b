"""Page -> Glyphs: find the marks that may be digits and put them in reading order.

Outer contours of the ink mask are the candidates: a tenth the cost of connected-component
labelling here, and a small fraction of MSER's. Marks too small, too large, touching the
frame edge or off the sheet (found as large regions of bare paper) are dropped; the rest
are grouped into text lines by vertical overlap (on a levelled copy when the writing
slants), strokes of one digit that came apart are merged, and marks much shorter than
their line (dashes, dots) are dropped as separators.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from statistics import median

import cv2
import numpy as np

from .messages import Glyph, Glyphs, Page
from .preprocess import BG_FACTOR

MIN_HEIGHT = 10  # page pixels; smaller marks are specks or text too small to read
MAX_HEIGHT_FRAC = 0.5  # of the page height; larger marks are the sheet edge, a hand, a rule
MIN_AREA = 20
SEPARATOR_FRAC = 0.5  # a mark shorter than this share of its line's typical height is a separator
PIECE = 0.8  # marks shorter than this share of their line's height may be parts of one digit
STACK = 1.3  # ... when one above the other they span at most this share of it
GAP_SHARE = 0.25  # ... and are at most this share of it apart
MAX_GLYPHS = 64  # a page with more candidates than this is not a phone number: keep the largest
EDGE_HEIGHT = 2.5  # a thin mark this many times the typical height is an edge, not writing
SHEET_HALVINGS = 3  # the sheet is found on cells of 2**3 = 8 px ...
SHEET_CELL = 2**SHEET_HALVINGS
SHEET_SHARE = 0.05  # ... as regions of bare paper at least this share of the frame
BARE_INK = 64  # a cell with less ink than this (of 255) is bare: grid lines and dots let it be
RULE_SHARE = 0.3  # a straight run this share of a mark too large for a digit is a printed line
RULE_WIDTH = 4  # px cleared along each run found: a Hough line may sit off the rule's middle
LINE_WIDTH = 3  # px: printed grid lines and rules in the ink mask are at most this wide
SOLID = 0.6  # a mark too large for a digit and at least this much ink within its outline
ALONG_STEP = 0.5  # a thin mark with a light step beside this share of its rows (and above, below)
RULED = 0.8  # ... or with ink at half its own beside this share of the rows above and below
SPARSE = 0.05  # a mark larger than a digit with less of its box inside it is a line
MIN_SKEW = 2.0  # degrees; below this lines still group, and the estimate is that noisy
# Any slant: past 60 degrees which way is up is unknown here; classify checks the flip.
_ANGLES = np.arange(-90.0, 90.5, 1.0)
_THIN = np.ones((2, 2), np.uint8)
_ACROSS_ROWS = np.ones((13, 1), np.uint8)  # wider than the band a rule's runs leave cleared
_ACROSS_COLUMNS = np.ones((1, 13), np.uint8)
_THICK = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5))  # at half scale: wider than a stroke
_SIN, _COS = np.sin(np.radians(_ANGLES)), np.cos(np.radians(_ANGLES))
_LEVEL = int(np.flatnonzero(_ANGLES == 0)[0])


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

    @property
    def thin(self) -> bool:
        """Under half as wide as tall: a 1, or a piece of an edge or border."""
        return self.w < 0.5 * self.h

    def absorb(self, other: _Blob) -> None:
        self.x0, self.y0 = min(self.x0, other.x0), min(self.y0, other.y0)
        self.x1, self.y1 = max(self.x1, other.x1), max(self.y1, other.y1)
        self.contours += other.contours

    def crop(self, ink: np.ndarray) -> np.ndarray:
        """The blob's own ink: a neighbour's stroke reaching into its box is left out."""
        inside = np.zeros((self.h, self.w), np.uint8)
        cv2.drawContours(inside, self.contours, -1, 255, cv2.FILLED, offset=(-self.x0, -self.y0))
        return cv2.bitwise_and(ink[self.y0 : self.y1, self.x0 : self.x1], inside)


def _candidates(
    mask: np.ndarray, sheet: np.ndarray | None, back: np.ndarray | None = None
) -> list[_Blob]:
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    blobs, large = _blobs(contours, mask.shape)
    for contour in large:
        blobs += _unlined(mask, contour)
    blobs = [b for b in blobs if _on_sheet(b, sheet, back)]
    if blobs:
        # A tall thin mark among ordinary ones is a sheet or sticky-note edge, not a "1":
        # left in, it would form a line of its own and swallow the digits beside it.
        # Weighted by height: on a speckled page the specks outnumber the digits.
        heights = np.sort([b.h for b in blobs])
        typical = heights[np.searchsorted(np.cumsum(heights), heights.sum() / 2)]
        blobs = [b for b in blobs if not (b.h > EDGE_HEIGHT * typical and b.thin)]
    if len(blobs) > MAX_GLYPHS:
        blobs = sorted(blobs, key=lambda b: b.w * b.h, reverse=True)[:MAX_GLYPHS]
    return blobs


def _unlined(mask: np.ndarray, contour: np.ndarray) -> list[_Blob]:
    """The marks inside one mark too large for a digit once lines a pixel wide are cut out
    of it: writing that touches a printed grid or rule dark enough to be ink joins it."""
    x, y, w, h = cv2.boundingRect(contour)
    inside = cv2.drawContours(np.zeros((h, w), np.uint8), [contour], -1, 255, cv2.FILLED,
                              offset=(-x, -y))
    part = cv2.bitwise_and(mask[y : y + h, x : x + w], inside)
    if cv2.countNonZero(part) > SOLID * cv2.countNonZero(inside) and _thick(part):
        return []  # a solid mark (the desk beside the sheet, a hand): no lines to cut
    opened = cv2.morphologyEx(part, cv2.MORPH_OPEN, _THIN)
    contours, _ = cv2.findContours(opened, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE,
                                   offset=(x, y))
    blobs, large = _blobs(contours, mask.shape)
    if large:
        # Lines wider than a pixel (a bold rule, a blurred grid) still join the writing:
        # cut out the long straight runs, which no digit has.
        opened = _without_rules(opened)
        contours, _ = cv2.findContours(opened, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE,
                                       offset=(x, y))
        blobs = _blobs(contours, mask.shape)[0]
    # What is left of a line is a sliver no wider than the line was.
    return [b for b in blobs if b.w > LINE_WIDTH]


def _thick(part: np.ndarray) -> bool:
    """Most of the mark wider than a pen stroke. (A band of writing along a rule fills most
    of its outline too, but is thin.) Judged at half resolution: a desk's blotch beside the
    sheet is on every frame, and a full-resolution opening would add a fifth to localize."""
    half = np.ascontiguousarray(part[::2, ::2])
    return cv2.countNonZero(cv2.morphologyEx(half, cv2.MORPH_OPEN, _THICK)) > SOLID * (
        cv2.countNonZero(half)
    )


def _without_rules(part: np.ndarray) -> np.ndarray:
    """The mark with its long straight runs (printed rules and grid lines) cleared."""
    length = RULE_SHARE * max(part.shape)
    lines = cv2.HoughLinesP(part, 1, np.pi / 360, int(length / 2), minLineLength=length,
                            maxLineGap=LINE_WIDTH)
    if lines is None:
        return part
    out = part.copy()
    for x0, y0, x1, y1 in lines.reshape(-1, 4):
        cv2.line(out, (int(x0), int(y0)), (int(x1), int(y1)), 0, RULE_WIDTH)
    # Where a stroke crosses the line, ink on both sides of it: put the crossing back, or
    # the digit falls apart into a top and a bottom half.
    removed = cv2.subtract(part, out)
    across = cv2.max(cv2.morphologyEx(out, cv2.MORPH_CLOSE, _ACROSS_ROWS),
                     cv2.morphologyEx(out, cv2.MORPH_CLOSE, _ACROSS_COLUMNS))
    return cv2.max(out, cv2.bitwise_and(removed, across))


def _blobs(contours, shape: tuple[int, int]) -> tuple[list[_Blob], list[np.ndarray]]:
    """Marks that may be digits, and the contours of those too large to be one."""
    H, W = shape
    blobs, large = [], []
    for contour in contours:
        x, y, w, h = cv2.boundingRect(contour)
        if h > MAX_HEIGHT_FRAC * H or w > MAX_HEIGHT_FRAC * W:
            large.append(contour)
            continue
        if h < MIN_HEIGHT and w < MIN_HEIGHT:
            continue
        if x == 0 or y == 0 or x + w >= W or y + h >= H:
            continue  # cut by the frame edge: cannot be read whole
        # Polygon area misses the boundary pixels, which are most of a thin stroke.
        if cv2.contourArea(contour) + cv2.arcLength(contour, True) / 2 < MIN_AREA:
            continue
        blobs.append(_Blob(x, y, x + w, y + h, [contour]))
    return blobs, large


def skew_angle(blobs: list[_Blob]) -> float:
    """The slant of the writing, in degrees (image y down): the angle at which the marks'
    centres, weighted by height, pack into the fewest rows (by area, a few large blotches of
    the desk behind the sheet outweigh the digits). 0 when no angle clearly beats it."""
    # A piece of a printed rule is a thin line across a box larger than a digit's: weighed
    # by its height it would pull the estimate toward its own slant and across the rows.
    tall = 2 * median(b.h for b in blobs) if blobs else 0
    blobs = [b for b in blobs if max(b.w, b.h) < tall or _ink_share(b) > SPARSE]
    if len(blobs) < 3:
        return 0.0
    cx = np.array([(b.x0 + b.x1) / 2 for b in blobs])
    cy = np.array([b.cy for b in blobs])
    weight = np.array([b.h for b in blobs], np.float64)
    row = max(4.0, float(np.average([max(b.w, b.h) for b in blobs], weights=weight)) / 3)
    rows = np.floor((np.outer(-_SIN, cx) + np.outer(_COS, cy)) / row).astype(np.int64)
    rows -= rows.min(axis=1, keepdims=True)
    width = int(rows.max()) + 1
    flat = (rows + np.arange(len(_ANGLES))[:, None] * width).ravel()
    sums = np.bincount(flat, np.tile(weight, len(_ANGLES)), len(_ANGLES) * width)
    score = np.square(sums.reshape(len(_ANGLES), width)).sum(axis=1)
    best = int(score.argmax())
    return float(_ANGLES[best]) if score[best] > 1.05 * score[_LEVEL] else 0.0


def _ink_share(b: _Blob) -> float:
    """Share of its box inside the blob's outlines."""
    return sum(cv2.contourArea(c) for c in b.contours) / max(1, b.w * b.h)


def _upright(page: Page, angle: float) -> tuple[Page, np.ndarray]:
    """The page turned so the writing is level, on a canvas large enough to keep every
    corner, and the affine map from that canvas back to the page."""
    H, W = page.mask.shape
    turn = cv2.getRotationMatrix2D((W / 2, H / 2), angle, 1.0)
    cos, sin = abs(turn[0, 0]), abs(turn[0, 1])
    size = (int(H * sin + W * cos) + 1, int(H * cos + W * sin) + 1)
    turn[:, 2] += (size[0] - W) / 2, (size[1] - H) / 2
    ink = cv2.warpAffine(page.ink, turn, size, flags=cv2.INTER_LINEAR)
    mask = cv2.warpAffine(page.mask, turn, size, flags=cv2.INTER_NEAREST)
    # The light steps are kept at a quarter of the page's scale: the same turn, shift quartered.
    quarter = turn.copy()
    quarter[:, 2] /= BG_FACTOR
    small = (size[0] // BG_FACTOR + 1, size[1] // BG_FACTOR + 1)
    steps = cv2.warpAffine(page.steps, quarter, small, flags=cv2.INTER_NEAREST)
    return replace(page, ink=ink, mask=mask, steps=steps), cv2.invertAffineTransform(turn)


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
        if best is None or best_overlap < 0.5:
            best = _stacked_on(b, lines)
        if best is not None:
            best.append(b)
        else:
            lines.append([b])
    for line in lines:
        line.sort(key=lambda b: b.x0)
    lines.sort(key=lambda line: median(b.cy for b in line))
    return lines


def _stacked_on(b: _Blob, lines: list[list[_Blob]]) -> list[_Blob] | None:
    """The line holding a taller mark that b sits just above or below, sharing its columns:
    b is a piece of that mark broken off (a thin 8's lower loop), too low to share the line."""
    for line in lines:
        height = median(m.h for m in line)
        for m in line:
            overlap = min(b.x1, m.x1) - max(b.x0, m.x0)
            gap = max(b.y0 - m.y1, m.y0 - b.y1)
            span = max(b.y1, m.y1) - min(b.y0, m.y0)
            if (overlap > 0.5 * b.w and gap <= GAP_SHARE * height and b.h < PIECE * m.h
                    and span < STACK * height):
                return line
    return None


def _merge_broken(line: list[_Blob], height: float) -> list[_Blob]:
    """Join marks that belong to one digit: parts sharing most of their columns (an open 4),
    a short stroke reaching over a neighbour (the detached bar of a 5), or two short parts
    one above the other that together are as tall as a digit (a 1 or 7 broken across). A
    dash sits in the gap between digits and overlaps neither."""
    merged: list[_Blob] = []
    for b in line:
        if merged:
            prev = merged[-1]
            overlap = min(prev.x1, b.x1) - max(prev.x0, b.x0)
            short = prev if prev.h < b.h else b
            stacked = (
                overlap > 0
                and max(prev.h, b.h) < PIECE * height
                and max(prev.y1, b.y1) - min(prev.y0, b.y0) < STACK * height
            )
            if stacked or overlap > 0.5 * min(prev.w, b.w) or (
                _is_separator(short, height) and overlap > 0.25 * short.w
            ):
                prev.absorb(b)
                continue
        merged.append(b)
    return merged


def _is_separator(b: _Blob, line_height: float) -> bool:
    return b.h < SEPARATOR_FRAC * line_height


def find_sheet(mask: np.ndarray) -> np.ndarray | None:
    """Where the sheet is, on cells of SHEET_CELL px (1 = sheet), or None for everywhere.

    The sheet is found as bare paper: cells with little ink (grid lines let a cell be bare)
    that join into large regions; a sheet cut by a shadow's edge gives two. A speckled desk
    breaks into small pieces and is left out; a plain one joins the paper: all is sheet."""
    cells = mask
    for _ in range(SHEET_HALVINGS):  # halving by area is a fast path: 4x a direct resize
        h, w = cells.shape
        cells = cv2.resize(cells, (w // 2, h // 2), interpolation=cv2.INTER_AREA)
    bare = (cells < BARE_INK).astype(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(bare, connectivity=4)
    large = [i for i in range(1, n) if stats[i, cv2.CC_STAT_AREA] >= SHEET_SHARE * bare.size]
    if not large:
        return None
    keep = np.zeros(n, np.uint8)
    keep[large] = 1
    paper = keep[labels]
    # Filled: the writing and a shadow's edge are holes in the paper.
    outlines, _ = cv2.findContours(paper, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    sheet = cv2.drawContours(np.zeros_like(paper), outlines, -1, 1, cv2.FILLED)
    if sheet.mean() > 0.97:
        return None
    # One cell in from the rim: that drops the desk's bare cells that reach into it.
    return cv2.erode(sheet, np.ones((3, 3), np.uint8))


def _on_sheet(b: _Blob, sheet: np.ndarray | None, back: np.ndarray | None) -> bool:
    if sheet is None:
        return True
    x0, y0, x1, y1 = _page_corners(b, back)
    row = min(int((y0 + y1) / 2) // SHEET_CELL, sheet.shape[0] - 1)
    col = min(int((x0 + x1) / 2) // SHEET_CELL, sheet.shape[1] - 1)
    return bool(sheet[row, col])


def localize(page: Page) -> Glyphs:
    sheet = find_sheet(page.mask)
    level, blobs, back = page, _candidates(page.mask, sheet), None
    angle = skew_angle(blobs)
    if abs(angle) >= MIN_SKEW:
        # Lines are found and glyphs cut on a levelled copy, so a tilted sheet reads as one
        # line of upright digits; boxes are mapped back to the frame.
        level, back = _upright(page, angle)
        blobs = _candidates(level.mask, sheet, back)
    if back is not None:
        blobs = [b for b in blobs if not _cut_by_frame(b, back, page.mask.shape)]
    glyphs = []
    for index, line in enumerate(_lines(blobs)):
        height = median(b.h for b in line)
        for b in _merge_broken(line, height):
            if _is_separator(b, height):
                continue
            box = _frame_box(b, back, page.scale)
            border = _border_piece(b, level, page, back)
            span = (float(b.x0), float(b.x1))
            glyphs.append(Glyph(box, index, b.crop(level.ink), span, border))
    levelled = angle if back is not None else 0.0
    return Glyphs(frame=page.frame, glyphs=tuple(glyphs), levelled=levelled, page=page)


def _border_piece(b: _Blob, level: Page, page: Page, back: np.ndarray | None) -> bool:
    """A thin mark on a step in the paper's light that runs on above and below it (a piece
    of the border of the sheet or of a sticky note), or on a printed line that does: the
    classifier reads either as a 1. Only flagged here: assemble drops it at a number's
    ends, where such pieces stand. On a turned sheet "above and below" is looked for both
    along the levelled writing and along the frame: a border runs either way, as the sheet
    was cut and as the camera sees it."""
    if not b.thin:
        return False
    if _runs_on(level, (b.x0, b.y0, b.x1, b.y1)):
        return True
    return back is not None and _runs_on(page, tuple(int(v) for v in _page_corners(b, back)))


def _runs_on(page: Page, box: tuple[int, int, int, int]) -> bool:
    """The mark in `box` (page pixels) lies on a light step or a printed line that runs on
    above and below it."""
    x0, y0, x1, y1 = (v // BG_FACTOR for v in box)
    h = y1 - y0 + 1
    if all(_rows_marked(page.steps, x0, x1, top, bottom, 0) > ALONG_STEP
           for top, bottom in ((y0, y1 + 1), (y0 - h, y0), (y1 + 1, y1 + 1 + h))):
        return True
    # Or a piece of a printed rule or grid line, dark enough here to pass for ink: the line
    # runs on above and below, fainter than where the mask caught it.
    x0, y0, x1, y1 = box
    h = y1 - y0 + 1
    own = page.ink[y0 : y1 + 1, x0 : x1 + 1][page.mask[y0 : y1 + 1, x0 : x1 + 1] > 0]
    if not own.size:
        return False
    faint = 0.5 * float(own.mean())
    return all(_rows_marked(page.ink, x0, x1, top, bottom, faint) > RULED
               for top, bottom in ((y0 - h, y0), (y1 + 1, y1 + 1 + h)))


def _rows_marked(image: np.ndarray, x0: int, x1: int, top: int, bottom: int,
                 above: float) -> float:
    """Share of the rows top..bottom with a pixel over `above` in columns x0 - 1..x1 + 1
    (0 when the rows lie off the image)."""
    rows = image[max(top, 0) : max(bottom, 0), max(x0 - 1, 0) : x1 + 2]
    return float((rows > above).any(axis=1).mean()) if rows.size else 0.0


def _page_corners(b: _Blob, back: np.ndarray | None) -> tuple[float, float, float, float]:
    """The blob's box on the page (x0, y0, x1, y1), mapped back from a levelled copy."""
    if back is None:
        return b.x0, b.y0, b.x1, b.y1
    corners = np.array([[b.x0, b.y0, 1], [b.x1, b.y0, 1], [b.x0, b.y1, 1], [b.x1, b.y1, 1]])
    xs, ys = (corners @ back.T).T
    return xs.min(), ys.min(), xs.max(), ys.max()


def _cut_by_frame(b: _Blob, back: np.ndarray, shape: tuple[int, int]) -> bool:
    """On a levelled copy the frame's edge runs anywhere: test against the page's own."""
    x0, y0, x1, y1 = _page_corners(b, back)
    return x0 <= 1 or y0 <= 1 or x1 >= shape[1] - 2 or y1 >= shape[0] - 2


def _frame_box(b: _Blob, back: np.ndarray | None, scale: float) -> tuple[int, int, int, int]:
    x0, y0, x1, y1 = _page_corners(b, back)
    return (round(x0 * scale), round(y0 * scale), round((x1 - x0) * scale),
            round((y1 - y0) * scale))
