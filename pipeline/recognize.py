"""Read image and video files through the pipeline, without a screen.

Each input gives one JSON-ready dict; its schema is an interface that scripts rely on:
{"source", "numbers": [{"digits", "confidence", "box", "glyphs": [{"digit", "p", "box"}]}],
 "match": {"name", "phone", "score"} | null, "ms"}.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

from phonebook.book import PhoneBook

from .assemble import main_number
from .classify import Classifier
from .messages import Number, Result
from .sources import Source, images_in, open_source
from .supervisor import Pipeline


def expand_inputs(paths: list[str]) -> Iterator[str]:
    """Folders stand for the images in them, each read on its own. A folder without images
    stands for itself: opening it says so."""
    for spec in paths:
        path = Path(spec)
        images = images_in(path) if path.is_dir() else []
        if images:
            yield from map(str, images)
        else:
            yield spec


async def recognize(spec: str, classifier: Classifier, book: PhoneBook | None) -> dict:
    """Read one input; raises SourceError when it cannot be read."""
    t0 = time.perf_counter()
    last = await read_source(open_source(spec, live=False), classifier, book)
    return to_json(spec, last, (time.perf_counter() - t0) * 1000)


async def read_source(
    source: Source, classifier: Classifier, book: PhoneBook | None
) -> Result | None:
    """Run a finite source through its own pipeline and return the last result (None when
    no frame came through). A video's frames all vote on the answer: no window."""
    last: Result | None = None
    async for result in Pipeline(source, classifier, book, window=None).results():
        last = result
    return last


def to_json(spec: str, result: Result | None, ms: float) -> dict:
    numbers: list[Number] = []
    match = None
    if result is not None:
        reading = result.reading
        numbers = list(reading.numbers)
        if reading.best is not None:
            # Report the fused belief for the main number, where this frame showed it.
            main = main_number(numbers)
            if main is None:
                numbers = [reading.best]
            else:
                numbers = [reading.best if n is main else n for n in numbers]
        if result.candidates:
            top = result.candidates[0]
            match = {"name": top.contact.name, "phone": top.contact.phone,
                     "score": round(float(top.score), 4)}
    return {
        "source": spec,
        "numbers": [_number_json(n) for n in numbers],
        "match": match,
        "ms": round(ms, 1),
    }


def _number_json(number: Number) -> dict:
    glyphs = [
        {"digit": str(d), "p": round(float(p), 4), "box": list(box)}
        for d, p, box in zip(
            number.probs.argmax(axis=1), number.digit_confidences, number.boxes, strict=True
        )
    ]
    return {
        "digits": number.digits,
        "confidence": round(number.confidence, 4),
        "box": list(number.box),
        "glyphs": glyphs,
    }
