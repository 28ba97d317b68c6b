"""The live picture of what the camera sees, found digits outlined, in one of three modes:

- ascii: one character per cell from a brightness ramp; about a byte a cell, light enough
  for SSH and for terminals without truecolor;
- grey / colour: half-block cells ("▀", foreground the upper pixel, background the lower),
  twice the vertical resolution, at the cost of colour codes per cell.

It renders `Strip`s itself from cached rows of segments: going through rich `Text` in a
`Static` tops out at a few frames per second. Styles are cached per quantized colour pair.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

import cv2
import numpy as np
from rich.color import Color
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip
from textual.widget import Widget

from pipeline.messages import Box

MODES = ("ascii", "grey", "colour")
RAMP = " .:-=+*#%@"  # dark to bright: on a dark terminal bright paper is dense, ink is gaps
_RAMP_BYTES = np.frombuffer(RAMP.encode(), np.uint8)
CELL_ASPECT = 2.0  # a terminal cell is about twice as tall as wide
HALF = "▀"

# What an outline marks: a glyph read as a digit, a mark read as not a digit, a whole number.
DIGIT, OTHER, NUMBER = 1, 2, 3
_RGB = {DIGIT: (0, 230, 0), OTHER: (110, 110, 110), NUMBER: (0, 200, 255)}
_ASCII_STYLES = (
    Style(color="grey70"),
    Style(color="green1", bold=True),
    Style(color="grey42"),
    Style(color="deep_sky_blue1", bold=True),
)
_STYLE_CACHE_MAX = 8192
MIN_OUTLINED = 8  # pixel rows a glyph needs in a half-block picture to get its own outline


def default_mode(env: Mapping[str, str] = os.environ) -> str:
    """ASCII over SSH or without truecolor: it costs the link a tenth of the bytes."""
    if env.get("SSH_CONNECTION") or env.get("COLORTERM", "").lower() not in ("truecolor", "24bit"):
        return "ascii"
    return "colour"


class Preview(Widget):
    """Shows a frame scaled to the widget, with boxes drawn around glyphs."""

    def __init__(self, mode: str = "ascii", *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.mode = mode
        self._image: np.ndarray | None = None
        self._boxes: list[tuple[Box, int]] = []
        self._lines: list[Strip] = []
        self._styles: dict[int, Style] = {}
        self._message = ""

    def show(self, image: np.ndarray, boxes: list[tuple[Box, int]]) -> None:
        """Show a BGR frame; `boxes` are (box in frame pixels, DIGIT | OTHER | NUMBER),
        drawn in that order so a number's outline is on top."""
        self._image, self._boxes, self._message = image, boxes, ""
        self._rebuild()
        self.refresh()

    def show_message(self, message: str) -> None:
        """Say something instead of a picture: waiting for the camera, the camera lost."""
        self._image, self._message = None, message
        self._rebuild()
        self.refresh()

    def set_mode(self, mode: str) -> None:
        self.mode = mode
        self._rebuild()
        self.refresh()

    def on_resize(self) -> None:
        self._rebuild()

    def _rebuild(self) -> None:
        width, height = self.size
        self._lines = []
        if self._message:
            self._lines = _centred(self._message, width, height)
        if self._image is None or width < 2 or height < 2:
            return
        fh, fw = self._image.shape[:2]
        # Fit the frame in the widget, keeping its shape in terms of cell proportions.
        cols = min(width, round(height * CELL_ASPECT * fw / fh))
        rows = min(height, round(cols * fh / fw / CELL_ASPECT))
        pad = Segment(" " * ((width - cols) // 2))
        build = self._ascii_rows if self.mode == "ascii" else self._half_block_rows
        for segments in build(cols, rows):
            self._lines.append(Strip([pad, *segments], pad.cell_length + cols))

    # -- ascii ---------------------------------------------------------------------------
    def _ascii_rows(self, cols: int, rows: int):
        gray = _gray(self._image)
        small = cv2.resize(gray, (cols, rows), interpolation=cv2.INTER_AREA)
        levels = (_stretch(small) * (len(RAMP) - 1) + 0.5).astype(np.uint8)
        marks = np.zeros((rows, cols), np.uint8)
        fh, fw = gray.shape
        for box, kind in self._boxes:
            _outline(marks, box, fw / cols, fh / rows, kind)
        for chars, row_marks in zip(_RAMP_BYTES[levels], marks, strict=True):
            yield _runs(chars.tobytes().decode(), row_marks, _ASCII_STYLES.__getitem__)

    # -- half blocks ---------------------------------------------------------------------
    def _half_block_rows(self, cols: int, rows: int):
        image = self._image if self.mode == "colour" else _gray(self._image)
        small = cv2.resize(image, (cols, rows * 2), interpolation=cv2.INTER_AREA)
        small = (_stretch(small) * 255).astype(np.uint8)
        if small.ndim == 2:
            small = cv2.cvtColor(small, cv2.COLOR_GRAY2BGR)
        fh, fw = self._image.shape[:2]
        sx, sy = fw / cols, fh / (rows * 2)
        for (x, y, w, h), kind in self._boxes:
            if kind == NUMBER:  # around the number, not over its ink
                x, y, w, h = x - sx, y - sy, w + 2 * sx, h + 2 * sy
            elif h / sy < MIN_OUTLINED:
                continue  # a box this small would hide the digit it marks
            _outline(small, (x, y, w, h), sx, sy, _RGB[kind][::-1])
        # Quantize to 5 bits a channel: finer steps do not show, and the style cache stays small.
        q = (small >> 3).astype(np.int32)
        packed = (q[..., 2] << 10) | (q[..., 1] << 5) | q[..., 0]  # RGB, 15 bits a pixel
        keys = (packed[0::2] << 15) | packed[1::2]  # upper pixel, lower pixel
        for row in keys:
            yield _runs(HALF * cols, row, self._style)

    def _style(self, key: int) -> Style:
        style = self._styles.get(key)
        if style is None:
            if len(self._styles) > _STYLE_CACHE_MAX:
                self._styles.clear()
            style = Style(color=_colour(key >> 15), bgcolor=_colour(key & 0x7FFF))
            self._styles[key] = style
        return style

    def render_line(self, y: int) -> Strip:
        if y < len(self._lines):
            return self._lines[y].extend_cell_length(self.size.width)
        return Strip.blank(self.size.width)


def _centred(message: str, width: int, height: int) -> list[Strip]:
    lines = [line[:width] for line in message.splitlines()]
    top = max(0, (height - len(lines)) // 2)
    strips = [Strip.blank(width)] * top
    for line in lines:
        pad = (width - len(line)) // 2
        strips.append(Strip([Segment(" " * pad + line, _MESSAGE)], pad + len(line)))
    return strips


_MESSAGE = Style(color="yellow", bold=True)


def _gray(image: np.ndarray) -> np.ndarray:
    return image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)


def _stretch(image: np.ndarray) -> np.ndarray:
    """Spread the picture's own range over 0..1: a dim webcam frame still shows detail."""
    lo, hi = np.percentile(image, (1, 99))
    return np.clip((image.astype(np.float32) - lo) / max(hi - lo, 1.0), 0, 1)


def _colour(rgb15: int) -> Color:
    r, g, b = (rgb15 >> 10) & 31, (rgb15 >> 5) & 31, rgb15 & 31
    return Color.from_rgb(r * 8 + 4, g * 8 + 4, b * 8 + 4)


def _outline(canvas: np.ndarray, box: Box, sx: float, sy: float, value) -> None:
    """Draw a box's border into a cell or pixel grid scaled by (sx, sy)."""
    rows, cols = canvas.shape[:2]
    x, y, w, h = box
    x0, x1 = max(0, int(x / sx)), min(cols - 1, int((x + w) / sx))
    y0, y1 = max(0, int(y / sy)), min(rows - 1, int((y + h) / sy))
    if x0 >= cols or y0 >= rows:
        return
    canvas[y0, x0 : x1 + 1] = canvas[y1, x0 : x1 + 1] = value
    canvas[y0 : y1 + 1, x0] = canvas[y0 : y1 + 1, x1] = value


def _runs(text: str, keys: np.ndarray, style_of) -> list[Segment]:
    """Split a line of cells into runs of one style each."""
    edges = np.flatnonzero(np.diff(keys)) + 1
    starts = [0, *edges.tolist()]
    ends = [*edges.tolist(), len(text)]
    return [Segment(text[a:b], style_of(int(keys[a]))) for a, b in zip(starts, ends, strict=True)]
