"""The live view: what the camera sees, the number read, and whose number it is."""

from __future__ import annotations

import time
from pathlib import Path

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Footer, Header

from phonebook.book import PhoneBook
from pipeline.classify import Classifier
from pipeline.messages import Result
from pipeline.sources import Source
from pipeline.supervisor import BookStatus, Pipeline

from .matches import MatchList
from .messages import BookReloaded, PipelineResult
from .preview import Preview
from .reading import DigitStrip
from .status import StatusBar


class NumrecApp(App):
    CSS_PATH = "app.tcss"
    TITLE = "numrec"
    BINDINGS = [
        Binding("space", "freeze", "Freeze"),
        Binding("enter", "confirm", "Confirm"),
        Binding("q", "quit", "Quit"),
    ]

    def __init__(
        self,
        source: Source,
        classifier: Classifier,
        book: PhoneBook | None,
        *,
        book_path: Path | None = None,
        region: str = "US",
        fps: float = 15.0,
        book_error: str = "",
    ) -> None:
        super().__init__()
        self.pipeline = Pipeline(source, classifier, book, book_path=book_path, region=region)
        self.pipeline.on_book = lambda status: self.post_message(BookReloaded(status))
        self.fps = fps
        self.book_error = book_error
        self.result: Result | None = None  # the newest result, drawn at most `fps` times a second
        self._drawn: Result | None = None
        self.received = 0  # results from the pipeline, drawn or not
        self.drawn = 0
        self.lag_ms = 0.0  # capture to screen, for the newest drawn frame
        self._last_draw = 0.0
        self.confirmed: list[tuple[str, object]] = []  # (digits read, candidate)
        self.sub_title = source.name

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="body"):
            with Vertical(id="preview-box") as box:
                box.border_title = "camera"
                yield Preview(id="preview")
            with Vertical(id="side"):
                yield DigitStrip(id="reading")
                yield MatchList(id="matches")
        yield StatusBar(id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#reading", DigitStrip).border_title = "number"
        self.query_one("#matches", MatchList).border_title = "contacts"
        self.query_one(DigitStrip).show(None, 0.0)
        self.query_one(MatchList).show((), False)
        self.run_worker(self._consume(), name="pipeline", exclusive=True)
        self.set_interval(1 / max(self.fps, 0.5), self._draw)

    async def _consume(self) -> None:
        async for result in self.pipeline.results():
            self.post_message(PipelineResult(result))

    # -- messages from the pipeline ------------------------------------------------------
    def on_pipeline_result(self, message: PipelineResult) -> None:
        if not self.pipeline.paused:
            self.result = message.result
            self.received += 1
            # Draw at once when the frame-rate cap allows; the timer picks up the rest.
            if time.perf_counter() - self._last_draw >= 1 / self.fps:
                self._draw()

    def on_book_reloaded(self, message: BookReloaded) -> None:
        status: BookStatus = message.status
        self.book_error = status.error
        if status.error:
            self.notify(status.error, title="Phone book not reloaded", severity="error")
        else:
            self.notify(f"{status.entries} numbers", title="Phone book reloaded")

    def _draw(self) -> None:
        result = self.result
        if result is None or result is self._drawn:
            return
        self._drawn = result
        self.drawn += 1
        self._last_draw = time.perf_counter()
        reading = result.reading
        boxes = [(g.box, g.is_digit) for g in reading.glyphs]
        self.query_one(Preview).show(reading.frame.image, boxes)
        self.query_one(DigitStrip).show(reading.best, reading.steadiness)
        self.query_one(MatchList).show(result.candidates, result.ambiguous)
        self.lag_ms = (time.perf_counter() - reading.frame.t_capture) * 1000
        self.query_one(StatusBar).show(
            self.pipeline.fps,
            self.lag_ms,
            result.stats,
            self.pipeline.source.status,
            self.pipeline.book_status,
            self.book_error,
        )

    # -- keys ----------------------------------------------------------------------------
    def action_freeze(self) -> None:
        box = self.query_one("#preview-box")
        if self.pipeline.paused:
            self.pipeline.resume()
            box.remove_class("frozen")
            box.border_title = "camera"
        else:
            self.pipeline.pause()
            box.add_class("frozen")
            box.border_title = "camera - frozen (space to go on)"

    def action_confirm(self) -> None:
        result = self.result
        if result is None or not result.candidates or result.reading.best is None:
            self.notify("nothing to confirm yet", severity="warning")
            return
        chosen = result.candidates[0]
        self.confirmed.append((result.reading.best.digits, chosen))
        self.notify(f"{chosen.contact.name}, {chosen.contact.phone}", title="Confirmed")
