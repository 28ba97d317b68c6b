"""Classified -> Reading: digits into numbers, and numbers steadied across frames.

One frame of a hand-held sheet is often blurred or cut; the reading shown is the average
belief over the recent frames that read the same number of digits, and its steadiness is
the share of those frames that agree with it digit for digit.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import statistics
from collections import Counter, deque
from collections.abc import Callable

import numpy as np

from .messages import NOT_DIGIT, Classified, Glyphs, Number, ReadGlyph, Reading

MIN_DIGITS = 3  # shorter runs are stray marks, not phone numbers
MAX_DIGITS = 15  # no phone number is longer (E.164)
PHONE_DIGITS = 7  # a run at least this long is preferred as the main number
SAME_SIZE = 0.85  # numbers at least this share of the tallest's height are written alike
PLUS = 0.7  # a square mark under this share of the digits' height, first in a number: a "+"
SHORT_END = 0.8  # marks at a number's end shorter than this share of its height: a word?
SHORT_ENDS = 2  # ... if at least this many (one short mark is as often a digit written small)
STRAY = 0.6  # ... but one this short is a stray stroke read as a 1 (4,200 pages: 3 more exact)
TALL_END = 1.6  # a thin mark at a number's end this many times its height: an edge, not a 1
GAP_FACTOR = 2.0  # a gap wider than this many digit heights (levelled) starts another number
JOIN_FACTOR = 3.0  # ... unless both sides are too short to dial and this close (see _joined)
WORD_HEIGHT = 0.6  # a wide mark between them at least this share of the digits' height: a word
BRACKET_ASPECT = 0.45  # a mark narrower than this times its height is a bracket or slash
# Signs of a digit the reading lost (Number.lost); the phone book prices one at 0.01 anywhere.
# A refused mark inside a number: its digit probabilities, halved (taken whole, the book
# explained readings that had lost a digit as well as the right ones and fewer pages were
# read again: 5 fewer exact in 4,200 benchmark pages).
MARK_LOST = 0.5
BESIDE = 1.0  # a mark this many digit heights from a number's end stands beside it
WIDE = 1.2  # a digit this many times wider than the number is tall may be two ...
WIDE_LOST = 0.03  # ... so a digit lost beside it is three times likelier than elsewhere
# A reading whose best contact explains it less well than this (match score, per digit) is
# in doubt: the page is read again at other ink levels. Pages read right mostly score over
# 0.99; 3 in 10 benchmark pages scored under 0.95, and on about 1 in 4 of those another
# level read the number exactly where the first had not.
DOUBT = 0.95
# Two readings the book explains within this of each other are explained alike: the model's
# own belief decides. So it goes for a number not in the book, whose readings all score
# about the same against strangers: a sheet's corner read as a doubtful 8 after the number
# made it "explained" 0.001 better than the readings at other levels, sure of every digit.
TIE = 0.005
# The last way to read a page in doubt again: at its own level, with marks read as one digit
# tried as two (classify's eager cuts). On 1,200 benchmark pages never tuned on it read 20
# more numbers exactly, after the other levels.
EAGER = None
# ... and after that, marks refused but this likely a digit are read as one (_adopted): on
# 4,200 benchmark pages 7 more numbers read exactly, none fewer (at 0.1: 5 more); then the
# number is read untrimmed (_untrimmed): 2 more; then trimmed more (_trimmed_more): 3 more.
ADOPT = 0.02


def numbers_in(
    glyphs: tuple[ReadGlyph, ...], short_ends: int | None = SHORT_ENDS
) -> list[Number]:
    """Split each text line into runs of digits at wide gaps; keep runs long enough to dial.
    What stands beside a number rather than in it is trimmed off its ends (_trimmed; None:
    nothing is).
    A bracket or slash between two digits is part of the number: the gap across it is the
    wider space on either side of it, not the distance between the digits. Groups too short
    to dial are joined across a somewhat wider gap (_joined)."""
    runs: list[tuple[list[ReadGlyph], list[ReadGlyph]]] = []  # a run and its line
    lines: dict[int, list[ReadGlyph]] = {}
    for g in glyphs:
        lines.setdefault(g.line, []).append(g)
    for line in sorted(lines):
        digit = [g.is_digit for g in lines[line]]  # an argmax each: asked once
        sizes = [g.size for g, d in zip(lines[line], digit, strict=True) if d]
        if not sizes:
            continue
        height = float(statistics.median(sizes))
        for run, gaps in _joined(*_groups(lines[line], digit, height), height):
            runs += [(r, lines[line]) for r in _parted(run, gaps)]
    kept = [(_trimmed(run, short_ends) if short_ends else run, line) for run, line in runs]
    return [_number(run, line) for run, line in kept if len(run) >= MIN_DIGITS]


Group = tuple[list[ReadGlyph], list[float]]  # digits, and the gaps between them


def _groups(
    line: list[ReadGlyph], digit: list[bool], height: float
) -> tuple[list[Group], list[float]]:
    """The line's digits in groups parted by gaps wider than a number's, and the gap before
    each group after the first (infinite across a word)."""
    groups: list[Group] = [([], [])]
    before: list[float] = []
    between: list[ReadGlyph] = []  # marks since the last digit
    for g, d in zip(line, digit, strict=True):
        if not d:
            between.append(g)
            continue
        run, gaps = groups[-1]
        if run:
            gap = _gap(run[-1], between, g)
            if gap > GAP_FACTOR * height:
                worded = any(_wide(m) and m.size >= WORD_HEIGHT * height for m in between)
                before.append(math.inf if worded else gap)
                groups.append(([g], []))
                between = []
                continue
            gaps.append(gap)
        run.append(g)
        between = []
    return groups, before


def _joined(groups: list[Group], before: list[float], height: float) -> list[Group]:
    """Two groups too short to dial, with no more than dashes or dots between them and
    not far apart, are the parts of one number written with a wide gap ("617   555-8221");
    a piece of the sheet's border beside one is not counted."""
    out = [groups[0]]
    for (run, gaps), gap in zip(groups[1:], before, strict=True):
        prev, prev_gaps = out[-1]
        a, b = (sum(not g.border for g in r) for r in (prev, run))
        if a < PHONE_DIGITS and b < PHONE_DIGITS and a + b <= MAX_DIGITS and (
            gap <= JOIN_FACTOR * height
        ):
            out[-1] = (prev + run, [*prev_gaps, gap, *gaps])
        else:
            out.append((run, gaps))
    return out


def _parted(run: list[ReadGlyph], gaps: list[float]) -> list[list[ReadGlyph]]:
    """A run longer than any phone number is two numbers written close: part it at its
    widest gap."""
    if len(run) <= MAX_DIGITS:
        return [run]
    i = int(np.argmax(gaps)) + 1
    return _parted(run[:i], gaps[: i - 1]) + _parted(run[i:], gaps[i:])


def _wide(m: ReadGlyph) -> bool:
    return m.width >= BRACKET_ASPECT * m.size


def _gap(prev: ReadGlyph, between: list[ReadGlyph], g: ReadGlyph) -> float:
    """The widest space along the line from prev to g, on the levelled page."""
    narrow = not any(map(_wide, between))
    path = [prev, *between, g] if narrow else [prev, g]  # a word between numbers parts them
    return max(b.span[0] - a.span[1] for a, b in itertools.pairwise(path))


def _trimmed(run: list[ReadGlyph], short_ends: int) -> list[ReadGlyph]:
    """A piece of the sheet's border stands beside a number, never inside it; so does a word
    whose letters read as digits: `short_ends` or more marks at an end, all shorter than the
    digits, or one far shorter (a stray stroke), and a "+" read as a 4 or 7 before it:
    shorter still, and as wide as tall. A thin mark far taller than the digits at an end is
    a piece of an edge the border test missed (of 1,074 1s read on level benchmark pages,
    none stood 1.4 times its line's height)."""
    while run and run[0].border:
        run = run[1:]
    while run and run[-1].border:
        run = run[:-1]
    if len(run) < MIN_DIGITS:
        return run
    median = float(statistics.median(g.size for g in run))
    while len(run) > MIN_DIGITS and _edge_like(run[0], median):
        run = run[1:]
    while len(run) > MIN_DIGITS and _edge_like(run[-1], median):
        run = run[:-1]
    short = [g.size < SHORT_END * median for g in run]
    head = next((i for i, s in enumerate(short) if not s), len(run))
    tail = next((i for i, s in enumerate(reversed(short)) if not s), len(run))
    first = run[0]
    square = 0.75 < first.width / first.size < 1 / 0.75
    stray = [len(run) > MIN_DIGITS and g.size < STRAY * median for g in (first, run[-1])]
    if head < short_ends:
        head = int(square and first.size < PLUS * median or stray[0])
    if tail < short_ends:
        tail = int(stray[1])
    return run[head : len(run) - tail]


def _edge_like(g: ReadGlyph, height: float) -> bool:
    return g.size > TALL_END * height and g.width < 0.5 * g.size


def _number(run: list[ReadGlyph], line: list[ReadGlyph]) -> Number:
    probs = np.stack([g.probs[:NOT_DIGIT] for g in run]).astype(np.float32)
    size = float(statistics.median(g.size for g in run))
    return Number(probs, tuple(g.box for g in run), size, _lost(run, line, size))


def _lost(run: list[ReadGlyph], line: list[ReadGlyph], size: float) -> np.ndarray:
    """Where a digit may have been written and not read, [n + 1, 10] as Number.lost. A mark
    between two of the run's digits that the model refused, or the mark just beside an end
    (trimmed off, or refused), may be a digit all the same: its digit probabilities, weighed
    by MARK_LOST, say which. A digit far wider than the number is tall may be two written into
    each other, read as one: a digit lost beside it is WIDE_LOST likely."""
    lost = np.zeros((len(run) + 1, NOT_DIGIT), np.float32)
    where = {id(g): i for i, g in enumerate(line)}
    at = [where[id(g)] for g in run]
    for j, (a, b) in enumerate(itertools.pairwise(at), start=1):
        for m in line[a + 1 : b]:
            np.maximum(lost[j], MARK_LOST * m.probs[:NOT_DIGIT], out=lost[j])
    if at[0] > 0 and run[0].span[0] - line[at[0] - 1].span[1] <= BESIDE * size:
        lost[0] = MARK_LOST * line[at[0] - 1].probs[:NOT_DIGIT]
    if at[-1] + 1 < len(line) and line[at[-1] + 1].span[0] - run[-1].span[1] <= BESIDE * size:
        lost[-1] = MARK_LOST * line[at[-1] + 1].probs[:NOT_DIGIT]
    for i, g in enumerate(run):
        if g.width > WIDE * size:
            lost[i : i + 2] = np.maximum(lost[i : i + 2], WIDE_LOST)
    return lost


def main_number(numbers: list[Number]) -> Number | None:
    """The number a person most likely holds up: phone-length first, then the one written
    clearly largest (a note's number is written bigger than what is around it), else the
    first in reading order, as a list of numbers is read."""
    if not numbers:
        return None
    long = [n for n in numbers if len(n.boxes) >= PHONE_DIGITS]
    pool = long or numbers
    tallest = max(n.size for n in pool)
    return next(n for n in pool if n.size >= SAME_SIZE * tallest)


def _numbers(classified: Classified) -> tuple[list[Number], Number | None]:
    """A frame's numbers and its main one."""
    numbers = numbers_in(classified.glyphs)
    return numbers, main_number(numbers)


# How well the phone book explains a number, 0..1 (0: no number); None: there is no book.
Judge = Callable[[Number | None], float | None]
# A frame's glyphs read again: found on its page with the ink at another level, or EAGER.
Reread = Callable[[Glyphs, float | None], Classified]


class Assembler:
    """Stateful stage: remembers the main number of the last `window` frames (all if None).

    With a judge (the phone book) and a way to reread the frame, a frame whose main number
    the book explains poorly, or that shows no number, is read again at its page's other
    ink levels and once EAGER, and the reading the book explains best is kept; if still in
    doubt, it is read with marks the model refused but that lean to a digit read as digits,
    untrimmed, and trimmed more (_adopted, _untrimmed, _trimmed_more), each kept only where
    the book explains it beyond doubt. Without a book there is nothing to judge by: the
    first reading stands. A live source's frames keep
    coming, so each gets one other reading: each once in turn, then the one the book liked
    best. A sheet in doubt then costs about twice a sure one, not six times.
    """

    def __init__(
        self, window: int | None = 8, judge: Judge | None = None, reread: Reread | None = None,
        *, live: bool = False,
    ) -> None:
        self.recent: deque[Number | None] = deque(maxlen=window)
        self.judge, self.reread, self.live = judge, reread, live
        # Live: how well the book explained each other reading (by its place in the turns)
        # since the last frame not in doubt.
        self._tried: dict[int, float] = {}

    def __call__(self, classified: Classified) -> Reading:
        classified, numbers, main = self._surest(classified)
        self.recent.append(main)
        best, steadiness = self.fused()
        return Reading(
            frame=classified.frame,
            glyphs=classified.glyphs,
            numbers=tuple(numbers),
            best=best,
            steadiness=steadiness,
        )

    def _surest(self, classified: Classified) -> tuple[Classified, list[Number], Number | None]:
        """The frame's reading the book explains best, with its numbers and main number: the
        first, unless it is in doubt."""
        numbers, main = _numbers(classified)
        judge, reread, found = self.judge, self.reread, classified.found
        score = judge(main) if judge is not None and reread is not None else None
        page = found.page if found is not None else None
        if score is None or score >= DOUBT or page is None or len(classified.glyphs) < MIN_DIGITS:
            self._tried.clear()  # no book, a sure reading, or nothing written
            return classified, numbers, main
        turns = list(enumerate((*page.others, EAGER)))
        if self.live:
            untried = [t for t in turns if t[0] not in self._tried]
            turns = untried[:1] or [max(turns, key=lambda t: self._tried.get(t[0], 0.0))]
        for turn, level in turns:
            other = reread(found, level)
            other_numbers, other_main = _numbers(other)
            other_score = judge(other_main) or 0.0
            if level is EAGER:
                other_score = _length_changed(other_score)
            self._tried[turn] = other_score
            if _better(other_score, other_main, score, main, length_changed=level is EAGER):
                classified, numbers, main, score = other, other_numbers, other_main, other_score
        # Last, readings that change the number's length: marks the model refused but that
        # lean to a digit read as that digit (a faint or broken one); the number with the
        # marks its ends were trimmed of (a digit taken for a piece of the border); and with
        # a lone short mark at an end trimmed off too (a stray stroke read as a 1).
        for reading in (_adopted, _untrimmed, _trimmed_more):
            if score >= DOUBT or (alternative := reading(classified)) is None:
                continue
            other, other_numbers = alternative
            other_main = main_number(other_numbers)
            other_score = _length_changed(judge(other_main) or 0.0)
            if _better(other_score, other_main, score, main, length_changed=True):
                classified, numbers, main, score = other, other_numbers, other_main, other_score
        return classified, numbers, main

    def fused(self) -> tuple[Number | None, float]:
        lengths = Counter(len(n.boxes) if n else 0 for n in self.recent)
        length, _ = lengths.most_common(1)[0]
        if length == 0:
            return None, 0.0
        same = [n for n in self.recent if n and len(n.boxes) == length]
        probs = np.mean([n.probs for n in same], axis=0).astype(np.float32)
        lost = None
        if all(n.lost is not None for n in same):
            lost = np.mean([n.lost for n in same], axis=0).astype(np.float32)
        fused = Number(probs, same[-1].boxes, same[-1].size, lost)
        want = fused.digits
        agree = sum(n.digits == want for n in same)
        # Out of the whole window: a reading seen in one frame so far is not yet steady.
        return fused, agree / (self.recent.maxlen or len(self.recent))


def _adopted(classified: Classified) -> tuple[Classified, list[Number]] | None:
    """The reading with every mark refused but leaning to a digit (and not on the sheet's
    border) read as a digit, its digit probabilities made whole, and its numbers; None if
    there is no such mark."""
    glyphs, changed = [], False
    for g in classified.glyphs:
        digits = g.probs[:NOT_DIGIT]
        if not g.is_digit and not g.border and digits.max() >= ADOPT:
            probs = np.zeros_like(g.probs)
            probs[:NOT_DIGIT] = digits / digits.sum()
            g, changed = dataclasses.replace(g, probs=probs), True
        glyphs.append(g)
    if not changed:
        return None
    return dataclasses.replace(classified, glyphs=tuple(glyphs)), numbers_in(tuple(glyphs))


def _untrimmed(classified: Classified) -> tuple[Classified, list[Number]]:
    """The reading's numbers with nothing trimmed off their ends (see _trimmed)."""
    return classified, numbers_in(classified.glyphs, short_ends=None)


def _trimmed_more(classified: Classified) -> tuple[Classified, list[Number]]:
    """The reading's numbers with a lone short mark at an end trimmed off too."""
    return classified, numbers_in(classified.glyphs, short_ends=1)


def _length_changed(score: float) -> float:
    """The book's score of a reading that changed the number's length: a contact of another
    length may explain a wrong reading a little better, so it counts only beyond doubt."""
    return score if score >= DOUBT else 0.0


def _better(
    score: float, main: Number | None, than: float, other: Number | None, *, length_changed: bool
) -> bool:
    """Whether a reading (its book score and main number) beats another. One that changed
    the number's length counts only where the book explains it (_length_changed), so the
    model's belief breaks no tie for it."""
    if length_changed or abs(score - than) >= TIE:
        return score > than
    return main is not None and (other is None or main.confidence > other.confidence)
