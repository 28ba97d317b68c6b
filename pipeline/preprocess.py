"""Frame -> Page: separate ink from paper under uneven light.

Ink is judged against the paper right around it, not against one global threshold, so a
shadow or a lamp's falloff across the sheet does not turn paper into ink.
"""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np

from .messages import Frame, Page

WORK_WIDTH = 640  # larger frames are read at this width: digits held to a webcam stay big enough
INK_RATIO = 0.78  # a pixel this much darker than its local paper is surely ink
FAINT_RATIO = 0.81  # ... and one this much darker may be, on a page of faint writing
STRONGEST = int(255 * 2.0 * (1 - INK_RATIO))
FAINTEST = int(255 * 2.0 * (1 - FAINT_RATIO))
PENCIL_RATIO = 0.84  # ... and on a page fainter still, once the grain is smoothed out
PENCIL = int(255 * 2.0 * (1 - PENCIL_RATIO))
FAINTER_RATIO = 0.87  # ... and lower still where the pencil level leaves little ink ...
FAINTER = int(255 * 2.0 * (1 - FAINTER_RATIO))
LITTLE_INK = 0.05  # ... under this share of the frame (a number's strokes cover a few percent)
# No level suits every page: a lower one mends broken and faint strokes, a higher one parts
# touching digits and drops grain. When a reading is in doubt the page is read again
# (assemble keeps the reading the phone book explains best), nearest level first:
OTHER_LEVELS = (0.8, 1.25, 0.65, 1.6)  # ... at these multiples of its level
FAINT_OTHERS = (56, 90, 38)  # ... a faint page at the level it did not take, then at these
BLACK_SHARE = 0.005  # share of pixels half as bright as their paper on a page of biro or marker
SHEET_LEVEL = 0.6  # ... counted where the paper is at least this share of its brightest
BG_FACTOR = 4  # the paper level is estimated at 1/4 resolution: cheap, and ink is thin anyway
EDGE_STEP = 24  # grey levels between neighbouring paper estimates that make a light edge
# Wider than the boldest marker stroke at quarter scale: a narrower closing cannot fill a
# dense digit, so the paper level sinks inside it and the digit is lost.
_KERNEL = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (11, 11))
_SMALL = np.ones((3, 3), np.uint8)
THICK_INK = 48  # ink level of what is measured for thickness (about a pencil's faintest)
# Wider than any pen stroke on every fourth pixel of the work width (12 px), narrower than
# a band of desk.
_STROKE = np.ones((3, 3), np.uint8)


def paper_level(small: np.ndarray) -> np.ndarray:
    """Estimate the brightness of the bare paper at every pixel of a reduced grey image."""
    # A closing wider than a pen stroke fills the ink in with the paper around it, and unlike
    # a plain max filter it keeps the edge of a shadow where it is.
    small = cv2.morphologyEx(small, cv2.MORPH_CLOSE, _KERNEL)
    return cv2.blur(small, (3, 3))


def light_edges(paper: np.ndarray) -> np.ndarray:
    """Where the paper level itself jumps: the sheet's border, a hard shadow's edge."""
    step = cv2.morphologyEx(paper, cv2.MORPH_GRADIENT, _SMALL)
    _, edges = cv2.threshold(step, EDGE_STEP, 255, cv2.THRESH_BINARY)
    return edges


def preprocess(frame: Frame) -> Page:
    image = frame.image
    gray = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    scale = 1.0
    if gray.shape[1] > WORK_WIDTH:
        scale = gray.shape[1] / WORK_WIDTH
        size = (WORK_WIDTH, round(gray.shape[0] / scale))
        gray = cv2.resize(gray, size, interpolation=cv2.INTER_AREA)
    h, w = gray.shape
    small = cv2.resize(gray, (w // BG_FACTOR, h // BG_FACTOR), interpolation=cv2.INTER_AREA)
    small_paper = paper_level(small)
    # Across a step in the light the upsampled paper level blends both sides, so the dark
    # side's bare paper would look like ink. There, judge ink against the darker side: a
    # digit the edge runs through stays whole, only faint strokes on the bright side fade.
    edges = light_edges(small_paper)
    darker = cv2.erode(small_paper, _SMALL)
    small_paper = np.where(edges > 0, darker, small_paper)
    paper = cv2.resize(small_paper, (w, h), interpolation=cv2.INTER_LINEAR)
    # ink = 1 - gray / paper, stretched so that INK_RATIO maps to about mid grey.
    darkness = cv2.subtract(paper, gray)
    ink = cv2.divide(darkness, cv2.max(paper, 16), scale=255 * 2.0)
    if _faint(ink, paper):
        # A stroke is a few pixels wide and keeps its darkness when smoothed, the grain of
        # the paper does not: judge faint writing smoothed.
        graded = cv2.GaussianBlur(ink, (3, 3), 0)
        _, mask = cv2.threshold(graded, PENCIL, 255, cv2.THRESH_BINARY)
        others: tuple[float, ...] = (FAINTER, *FAINT_OTHERS)
        if cv2.countNonZero(mask) < LITTLE_INK * mask.size:
            # The writing is fainter than the pencil level, and the paper clean: on grainy
            # paper or a noisy photo the grain alone fills more of the mask, and a lower
            # level would join it to the strokes. (Either is as often right: the other is
            # kept for a second reading.)
            _, mask = cv2.threshold(graded, FAINTER, 255, cv2.THRESH_BINARY)
            others = (PENCIL, *FAINT_OTHERS)
    else:
        # The page's own split between ink and paper (Otsu), kept between a pencil's faint
        # strokes and a marker's: one fixed level loses pencil or lets paper grain in.
        graded = ink
        otsu, _ = cv2.threshold(ink, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
        level = min(max(otsu, FAINTEST), STRONGEST)
        _, mask = cv2.threshold(ink, level, 255, cv2.THRESH_BINARY)
        others = tuple(level * f for f in OTHER_LEVELS)
    return Page(frame=frame, ink=ink, mask=mask, scale=scale, steps=edges, graded=graded,
                others=others)


def at_level(page: Page, level: float) -> Page:
    """The page with its ink taken at another level, for a second reading."""
    _, mask = cv2.threshold(page.graded, level, 255, cv2.THRESH_BINARY)
    return replace(page, mask=mask, others=())


def _faint(ink: np.ndarray, paper: np.ndarray) -> bool:
    """Writing fainter than the faintest level (soft pencil, a dim room): in the writing
    area the split between ink and paper (Otsu) lies below it, and almost nothing is as dark
    as biro. Judged on every fourth pixel each way: the page's statistics, not its detail."""
    ink = np.ascontiguousarray(ink[::4, ::4])
    writing = ink[_writing_area(ink, np.ascontiguousarray(paper[::4, ::4])) > 0]
    if not writing.size:
        return False
    otsu, _ = cv2.threshold(writing, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    return otsu < FAINTEST and np.count_nonzero(writing == 255) < BLACK_SHARE * writing.size


def _writing_area(ink: np.ndarray, paper: np.ndarray) -> np.ndarray:
    """The bright paper, less anything too thick for a stroke. Along the sheet's edge and
    a hard shadow's, the paper level of the bright side spills over, and the dark side
    looks like a wide band of the darkest ink: it made pencil pages pass for biro."""
    sheet = cv2.compare(paper, SHEET_LEVEL * float(paper.max()), cv2.CMP_GE)
    _, inky = cv2.threshold(ink, THICK_INK, 255, cv2.THRESH_BINARY)
    thick = cv2.dilate(cv2.morphologyEx(inky, cv2.MORPH_OPEN, _STROKE), _SMALL)
    return cv2.bitwise_and(sheet, cv2.bitwise_not(thick))
