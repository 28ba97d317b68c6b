"""A pipeline stage as an actor: an inbox, one task, a handler run in a worker thread, an outbox.

Live video must never lag, so a live mailbox drops its oldest item when full; a file being
recognized must lose nothing, so its mailbox makes the sender wait instead.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

END = object()  # sent down the pipeline when a finite source has no more frames


class Mailbox:
    """A bounded FIFO that either drops the oldest item or makes the sender wait when full."""

    def __init__(self, maxsize: int = 2, lossless: bool = False) -> None:
        self._queue: asyncio.Queue[Any] = asyncio.Queue(maxsize)
        self.lossless = lossless
        self.dropped = 0

    async def put(self, item: Any) -> None:
        if self.lossless or item is END:
            await self._queue.put(item)
            return
        while self._queue.full():
            self._queue.get_nowait()
            self.dropped += 1
        self._queue.put_nowait(item)

    async def get(self) -> Any:
        return await self._queue.get()

    def qsize(self) -> int:
        return self._queue.qsize()


@dataclass(frozen=True, slots=True)
class StageStats:
    name: str
    handled: int
    dropped: int  # items dropped from this stage's inbox because it was busy
    errors: int
    median_ms: float  # over the recent window
    last_ms: float


class Stage:
    """Runs `handle` on every item of its inbox and sends non-None results to `outbox`."""

    WINDOW = 64  # how many recent latencies the median is taken over

    def __init__(
        self,
        name: str,
        handle: Callable[[Any], Any],
        *,
        maxsize: int = 2,
        lossless: bool = False,
        threaded: bool = True,
    ) -> None:
        self.name = name
        self.handle = handle
        self.inbox = Mailbox(maxsize, lossless)
        self.outbox: Mailbox | None = None
        self.threaded = threaded
        self.handled = 0
        self.errors = 0
        self._latencies: deque[float] = deque(maxlen=self.WINDOW)

    async def run(self) -> None:
        while True:
            item = await self.inbox.get()
            if item is END:
                await self._send(END)
                return
            t0 = time.perf_counter()
            try:
                if self.threaded:
                    out = await asyncio.to_thread(self.handle, item)
                else:
                    out = self.handle(item)
            except Exception:
                # One bad frame must not stop the camera: log it and go on with the next.
                self.errors += 1
                log.exception("stage %s failed on an item", self.name)
                continue
            self._latencies.append(time.perf_counter() - t0)
            self.handled += 1
            if out is not None:
                await self._send(out)

    async def _send(self, item: Any) -> None:
        if self.outbox is not None:
            await self.outbox.put(item)

    def stats(self) -> StageStats:
        lat = sorted(self._latencies)
        median = lat[len(lat) // 2] * 1000 if lat else 0.0
        last = self._latencies[-1] * 1000 if lat else 0.0
        return StageStats(self.name, self.handled, self.inbox.dropped, self.errors, median, last)
