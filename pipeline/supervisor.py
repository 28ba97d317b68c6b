"""The pipeline: capture -> preprocess -> localize -> classify -> assemble -> match.

One code path serves the TUI, `numrec recognize` and the benchmarks: they differ only in
whether the source is live (drop stale frames) or a file (lose nothing).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

from phonebook.book import PhoneBook, PhoneBookError, load_phonebook
from phonebook.match import Matcher, ambiguous
from phonebook.watch import watch_phonebook

from .actor import END, Mailbox, Stage, StageStats
from .assemble import EAGER, Assembler
from .classify import Classifier
from .localize import localize
from .messages import Classified, Frame, Glyphs, Number, Reading, Result
from .preprocess import at_level, preprocess
from .sources import Source

log = logging.getLogger(__name__)

TOP_K = 3


@dataclass(frozen=True, slots=True)
class BookStatus:
    entries: int
    skipped: int
    loaded_at: float
    error: str = ""  # why the last reload failed; the book in use is the last good one


class Pipeline:
    def __init__(
        self,
        source: Source,
        classifier: Classifier,
        book: PhoneBook | None = None,
        *,
        book_path: Path | None = None,
        region: str = "US",
        window: int | None = 8,
    ) -> None:
        self.source = source
        self.classifier = classifier
        self.book_path, self.region = book_path, region
        self.matcher = Matcher(book) if book else None
        self.book_status = _status(book) if book else None
        self.on_book: Callable[[BookStatus], None] | None = None  # told after every reload
        lossless = not source.live
        self.stages = [
            Stage("preprocess", preprocess, lossless=lossless),
            Stage("localize", localize, lossless=lossless),
            Stage("classify", classifier, lossless=lossless),
            Stage(
                "assemble",
                Assembler(window, self._judge, self._reread, live=source.live),
                lossless=lossless,
            ),
            Stage("match", self._match, lossless=lossless),
        ]
        self.results_box = Mailbox(maxsize=2, lossless=lossless)
        for stage, after in zip(self.stages, self.stages[1:], strict=False):
            stage.outbox = after.inbox
        self.stages[-1].outbox = self.results_box
        self.frames = 0
        self._capture_times: deque[float] = deque(maxlen=32)
        self._running = asyncio.Event()
        self._running.set()

    # -- control -----------------------------------------------------------------------
    def pause(self) -> None:
        """Stop taking frames (a frozen preview needs no new ones)."""
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    def stats(self) -> dict[str, StageStats]:
        return {s.name: s.stats() for s in self.stages}

    @property
    def fps(self) -> float:
        """Frames taken per second over the recent ones."""
        t = self._capture_times
        return (len(t) - 1) / (t[-1] - t[0]) if len(t) > 1 and t[-1] > t[0] else 0.0

    # -- running -----------------------------------------------------------------------
    async def results(self) -> AsyncIterator[Result]:
        """Run the pipeline, yielding a Result per processed frame until the source ends."""
        tasks = {asyncio.create_task(s.run(), name=s.name): s for s in self.stages}
        tasks[asyncio.create_task(self._capture(), name="capture")] = None
        helpers = [asyncio.create_task(self._supervise(tasks))]
        if self.book_path is not None:
            helpers.append(asyncio.create_task(self._watch_book()))
        try:
            while (item := await self.results_box.get()) is not END:
                yield item
        finally:
            self.source.close()
            for task in [*tasks, *helpers]:
                task.cancel()
            await asyncio.gather(*tasks, *helpers, return_exceptions=True)

    async def _capture(self) -> None:
        inbox = self.stages[0].inbox
        while True:
            await self._running.wait()
            image = await asyncio.to_thread(self.source.read)
            if image is None:
                await inbox.put(END)
                return
            now = time.perf_counter()
            self._capture_times.append(now)
            await inbox.put(Frame(seq=self.frames, t_capture=now, image=image))
            self.frames += 1

    async def _supervise(self, tasks: dict[asyncio.Task, Stage | None]) -> None:
        """Restart a stage whose task died: a bug in one stage must not freeze the screen."""
        while True:
            done, _ = await asyncio.wait(list(tasks), return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                stage = tasks.pop(task)
                if task.cancelled() or task.exception() is None:
                    continue  # finished its work: the source ended
                log.error("stage %s died; restarting", task.get_name(), exc_info=task.exception())
                run = stage.run() if stage else self._capture()
                tasks[asyncio.create_task(run, name=task.get_name())] = stage
            if not tasks:
                return

    async def _watch_book(self) -> None:
        async for update in watch_phonebook(self.book_path, self.region):
            await self._apply_book(update)

    async def reload_book(self) -> None:
        """Read the phone book file again now, as if it had changed."""
        if self.book_path is None:
            return
        try:
            update = await asyncio.to_thread(load_phonebook, self.book_path, self.region)
        except PhoneBookError as e:
            update = e
        await self._apply_book(update)

    async def _apply_book(self, update: PhoneBook | PhoneBookError) -> None:
        if isinstance(update, PhoneBookError):
            log.warning("phone book reload failed: %s", update)
            old = self.book_status or BookStatus(0, 0, 0.0)
            self.book_status = BookStatus(old.entries, old.skipped, old.loaded_at, str(update))
        else:
            self.matcher = await asyncio.to_thread(Matcher, update)
            self.book_status = _status(update)
        if self.on_book:
            self.on_book(self.book_status)

    # -- second readings (assemble asks for them) ------------------------------------
    def _judge(self, number: Number | None) -> float | None:
        """How well the best contact explains a number; None without a phone book. (Runs in
        assemble's thread while match may run in its own: Matcher.match only reads its index,
        bar a path counter and a lazily built table, both harmless to race on.)"""
        matcher = self.matcher  # read once: a reload may swap it meanwhile
        if matcher is None:
            return None
        if number is None:
            return 0.0
        candidates = matcher.match(number.probs, k=1, lost=number.lost)
        return candidates[0].score if candidates else 0.0

    def _reread(self, found: Glyphs, level: float | None) -> Classified:
        """A frame read again: found anew on its page with the ink taken at another level or,
        at EAGER, the same glyphs with marks read as one digit tried as two."""
        if level is EAGER:
            return self.classifier(found, eager=True)
        return self.classifier(localize(at_level(found.page, level)))

    # -- the match stage ---------------------------------------------------------------
    def _match(self, reading: Reading) -> Result:
        matcher = self.matcher  # read once: a reload may swap it meanwhile
        candidates: tuple = ()
        if matcher is not None and reading.best is not None:
            best = reading.best
            candidates = tuple(matcher.match(best.probs, k=TOP_K, lost=best.lost))
        return Result(
            reading=reading,
            candidates=candidates,
            ambiguous=bool(candidates) and ambiguous(candidates),
            t_done=time.perf_counter(),
            stats=self.stats(),
        )


def _status(book: PhoneBook) -> BookStatus:
    return BookStatus(len(book.contacts), len(book.skipped), book.loaded_at)
