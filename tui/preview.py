"""The live picture of what the camera sees, drawn with characters, found digits outlined.

It renders `Strip`s itself from a cached row of segments per line: going through rich
`Text` in a `Static` tops out at a few frames per second.
"""

from __future__ import annotations

import cv2
import numpy as np
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip
from textual.widget import Widget

from pipeline.messages import Box

RAMP = " .:-=+*#%@"  # dark to bright: on a dark terminal bright paper is dense, ink is gaps
_RAMP_BYTES = np.frombuffer(RAMP.encode(), np.uint8)
CELL_ASPECT = 2.0  # a terminal cell is about twice as tall as wide

_PAPER = Style(color="grey70")
_DIGIT = Style(color="green1", bold=True)  # outline of a glyph read as a digit
_OTHER = Style(color="grey42")  # outline of a mark read as not a digit


class Preview(Widget):
    """Shows a grey frame scaled to the widget, with boxes drawn around glyphs."""

    DEFAULT_CSS = "Preview { width: 1fr; height: 1fr; }"

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._gray: np.ndarray | None = None
        self._boxes: list[tuple[Box, bool]] = []
        self._lines: list[Strip] = []

    def show(self, image: np.ndarray, boxes: list[tuple[Box, bool]]) -> None:
        """Show a BGR or grey frame; `boxes` are (frame box, read as a digit)."""
        self._gray = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
        self._boxes = boxes
        self._rebuild()
        self.refresh()

    def on_resize(self) -> None:
        self._rebuild()

    def _rebuild(self) -> None:
        width, height = self.size
        if self._gray is None or width < 2 or height < 2:
            self._lines = []
            return
        fh, fw = self._gray.shape
        # Fit the frame in the widget, keeping its shape in terms of cell proportions.
        cols = min(width, round(height * CELL_ASPECT * fw / fh))
        rows = min(height, round(cols * fh / fw / CELL_ASPECT))
        small = cv2.resize(self._gray, (cols, rows), interpolation=cv2.INTER_AREA)
        # Stretch the frame's own range over the ramp: a dim webcam picture still uses all of it.
        lo, hi = np.percentile(small, (1, 99))
        scaled = (small.astype(np.float32) - lo) * (len(RAMP) / max(hi - lo, 1.0))
        levels = np.clip(scaled, 0, len(RAMP) - 1).astype(np.uint8)
        chars = [row.tobytes().decode() for row in _RAMP_BYTES[levels]]
        marks = self._outline(rows, cols, fw / cols, fh / rows)
        pad = (width - cols) // 2
        left = Segment(" " * pad) if pad else None
        self._lines = []
        for y in range(rows):
            segments = [left] if left else []
            segments += _styled_runs(chars[y], marks[y])
            self._lines.append(Strip(segments, pad + cols))

    def _outline(self, rows: int, cols: int, sx: float, sy: float) -> np.ndarray:
        """Per cell: 0 plain, 1 on a digit's outline, 2 on another mark's outline."""
        marks = np.zeros((rows, cols), np.uint8)
        for (x, y, w, h), is_digit in self._boxes:
            x0, x1 = int(x / sx), min(cols - 1, int((x + w) / sx))
            y0, y1 = int(y / sy), min(rows - 1, int((y + h) / sy))
            if x0 >= cols or y0 >= rows:
                continue
            value = 1 if is_digit else 2
            marks[y0, x0 : x1 + 1] = marks[y1, x0 : x1 + 1] = value
            marks[y0 : y1 + 1, x0] = marks[y0 : y1 + 1, x1] = value
        return marks

    def render_line(self, y: int) -> Strip:
        if y < len(self._lines):
            return self._lines[y].extend_cell_length(self.size.width)
        return Strip.blank(self.size.width)


_STYLES = (_PAPER, _DIGIT, _OTHER)


def _styled_runs(text: str, marks: np.ndarray) -> list[Segment]:
    """Split a line of characters into runs of one style each."""
    if not marks.any():
        return [Segment(text, _PAPER)]
    edges = np.flatnonzero(np.diff(marks)) + 1
    starts = [0, *edges.tolist()]
    ends = [*edges.tolist(), len(text)]
    return [Segment(text[a:b], _STYLES[marks[a]]) for a, b in zip(starts, ends, strict=True)]
