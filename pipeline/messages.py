"""The small frozen messages that travel between pipeline stages.

Images ride along by reference: stages never write into an array they received, so no
stage has to copy one. Messages compare by identity (eq=False): they hold arrays.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

Box = tuple[int, int, int, int]  # x, y, w, h in frame pixels

NOT_DIGIT = 10  # index of the classifier's "not a digit" class


@dataclass(frozen=True, slots=True, eq=False)
class Frame:
    seq: int
    t_capture: float  # time.perf_counter() when the frame was taken
    image: np.ndarray  # BGR uint8


@dataclass(frozen=True, slots=True, eq=False)
class Page:
    frame: Frame
    ink: np.ndarray  # uint8, how much darker than the local paper each pixel is (0 = paper)
    mask: np.ndarray  # uint8 0/255, pixels taken as ink
    scale: float  # frame pixels per page pixel
    steps: np.ndarray  # uint8 0/255 at 1/4 scale: where the paper's light steps (its border)
    # The image `mask` was thresholded from (ink, or ink smoothed on a page of faint
    # writing), and other levels worth a second reading when the first is in doubt.
    graded: np.ndarray | None = None
    others: tuple[float, ...] = ()


@dataclass(frozen=True, slots=True, eq=False)
class Glyph:
    box: Box  # in frame pixels
    line: int  # text line, in reading order
    crop: np.ndarray  # the glyph's ink, page pixels
    # Left and right edge of its ink along its text line, page pixels on the levelled page:
    # on a turned sheet the frame box's x says little about the gaps between glyphs.
    span: tuple[float, float]
    border: bool = False  # a thin mark on the sheet's edge or a printed line (localize)


@dataclass(frozen=True, slots=True, eq=False)
class Glyphs:
    frame: Frame
    glyphs: tuple[Glyph, ...]
    levelled: float = 0.0  # degrees localize turned the writing to level it
    page: Page | None = None  # what they were found on: a second reading starts from it


@dataclass(frozen=True, slots=True, eq=False)
class ReadGlyph:
    box: Box
    line: int
    probs: np.ndarray  # float32 [11]: digits 0-9, then "not a digit"
    size: int  # height of its ink on the levelled page (a turned sheet's boxes are not level)
    span: tuple[float, float]  # see Glyph.span
    border: bool = False  # see Glyph.border

    @property
    def width(self) -> float:
        """Width of its ink along its line, on the levelled page."""
        return self.span[1] - self.span[0]

    @property
    def digit(self) -> int:
        return int(np.argmax(self.probs[:NOT_DIGIT]))

    @property
    def is_digit(self) -> bool:
        return int(np.argmax(self.probs)) != NOT_DIGIT


@dataclass(frozen=True, slots=True, eq=False)
class Classified:
    frame: Frame
    glyphs: tuple[ReadGlyph, ...]
    found: Glyphs | None = None  # what it was read from: a second reading starts from it


@dataclass(frozen=True, slots=True, eq=False)
class Number:
    """One number written on the sheet: its digits left to right, with what the model believes."""

    probs: np.ndarray  # float32 [n, 10], per digit
    boxes: tuple[Box, ...]
    size: float  # median height of its digits on the levelled page, px
    # float32 [n + 1, 10]: how likely digit d was written at gap j (before digit j) and not
    # read, where the page shows signs of it (None: no signs looked for).
    lost: np.ndarray | None = None

    @property
    def digits(self) -> str:
        return "".join(str(d) for d in self.probs.argmax(axis=1))

    @property
    def digit_confidences(self) -> np.ndarray:
        return self.probs.max(axis=1)

    @property
    def confidence(self) -> float:
        """Chance that every digit is right, taking the digits as independent."""
        return float(np.prod(self.digit_confidences))

    @property
    def box(self) -> Box:
        x0 = min(b[0] for b in self.boxes)
        y0 = min(b[1] for b in self.boxes)
        x1 = max(b[0] + b[2] for b in self.boxes)
        y1 = max(b[1] + b[3] for b in self.boxes)
        return (x0, y0, x1 - x0, y1 - y0)


@dataclass(frozen=True, slots=True, eq=False)
class Reading:
    frame: Frame
    glyphs: tuple[ReadGlyph, ...]
    numbers: tuple[Number, ...]  # reading order
    best: Number | None  # the fused reading of the main number across recent frames
    steadiness: float  # share of recent frames that agree with `best`, 0..1


@dataclass(frozen=True, slots=True, eq=False)
class Result:
    """What the pipeline tells its consumer about one frame."""

    reading: Reading
    candidates: tuple = ()  # phonebook.match.Candidate, best first
    ambiguous: bool = False
    t_done: float = 0.0  # time.perf_counter() when the match finished
    stats: dict = field(default_factory=dict)  # stage name -> StageStats snapshot
