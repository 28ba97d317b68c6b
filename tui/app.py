"""The live view: what the camera sees, the number read, and whose number it is.

The app only shows what the pipeline sends (typed messages) and turns keys into requests
to it; all recognition lives in `pipeline/`.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterable
from pathlib import Path

from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Header

from phonebook.book import PhoneBook
from phonebook.store import ConfirmedStore, StoreError
from pipeline.classify import Classifier
from pipeline.messages import Result
from pipeline.sources import Source
from pipeline.supervisor import BookStatus, Pipeline

from .help import HelpScreen
from .history import HistoryScreen
from .matches import MatchList
from .messages import BookReloaded, PipelineResult
from .preview import DIGIT, MODES, NUMBER, OTHER, Preview, default_mode
from .reading import DigitStrip
from .status import StatusBar

STATUS_PERIOD = 0.5  # seconds between status bar updates: figures that flicker are not read
HANGUP_CHECK = 1.0  # seconds between looks at whether the terminal is still there
HANGUP_EXIT = 129  # the exit status SIGHUP would have given (128 + 1)
WAITING = "waiting for the first picture from {source}..."


class NumrecApp(App):
    CSS_PATH = Path(__file__).with_name("app.tcss")  # absolute: subclasses live elsewhere
    TITLE = "numrec"
    BINDINGS = [
        Binding("space", "freeze", "Freeze"),
        Binding("1", "pick(0)", "Pick", key_display="1-3"),
        Binding("2", "pick(1)", "Pick 2", show=False),
        Binding("3", "pick(2)", "Pick 3", show=False),
        Binding("enter", "confirm", "Confirm"),
        Binding("r", "reload", "Reload"),
        Binding("h", "history", "History"),
        Binding("p", "preview_mode", "Preview"),
        Binding("question_mark", "help", "Help", key_display="?"),
        Binding("q", "quit", "Quit"),
        # A terminal's interrupt key, not Textual's "press ctrl+q to quit" prompt: nothing
        # here is lost by quitting (confirmed matches are kept when confirmed).
        Binding("ctrl+c", "quit", "Quit", show=False, priority=True),
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
        preview: str | None = None,
        store: ConfirmedStore | None = None,
        book_error: str = "",
        notices: Iterable[str] = (),
    ) -> None:
        super().__init__()
        self.pipeline = Pipeline(source, classifier, book, book_path=book_path, region=region)
        self.pipeline.on_book = lambda status: self.post_message(BookReloaded(status))
        self.fps = fps
        self.preview_mode = preview or default_mode()
        self.store = store
        self.book_error = book_error
        self.notices = list(notices)  # told once the screen is up
        self.result: Result | None = None  # the newest result, drawn at most `fps` times a second
        self.chosen = 0  # which candidate enter confirms
        self.received = 0  # results from the pipeline, drawn or not
        self.drawn = 0
        self.lag_ms = 0.0  # capture to screen, for the newest drawn frame
        self._drawn: Result | None = None
        self._last_draw = 0.0
        self._last_status = 0.0
        self.sub_title = source.name

    def compose(self) -> ComposeResult:
        # Held by reference: timers and messages keep updating them while another screen
        # (history, help) is on top, where a query would not find them.
        self.preview = Preview(self.preview_mode, id="preview")
        self.reading = DigitStrip(id="reading")
        self.matches = MatchList(id="matches")
        self.status_bar = StatusBar(id="status")
        self.preview_box = Vertical(self.preview, id="preview-box")
        yield Header()
        with Horizontal(id="body"):
            yield self.preview_box
            with Vertical(id="side"):
                yield self.reading
                yield self.matches
        yield self.status_bar
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.preview_box.border_title = self._camera_title()
        self.reading.border_title = "number"
        self.matches.border_title = "contacts"
        self.reading.show(None, 0.0)
        self.matches.show((), False)
        self.preview.show_message(WAITING.format(source=self.pipeline.source.name))
        if self.book_error:
            self.matches.show_error(self.book_error)
        for notice in self.notices:
            self.notify(notice, severity="warning", timeout=10)
        self.run_worker(self._consume(), name="pipeline", exclusive=True)
        self.set_interval(1 / max(self.fps, 0.5), self._draw)
        self.set_interval(0.5, self._watch_source)
        # A terminal that hangs up (an SSH link dropped) does not always send SIGHUP here:
        # not under make, nohup or another wrapper. Textual then reads its end of file in a
        # tight loop, a core busy and the camera taken for good. So quit once it is gone.
        self._terminal = _terminal_fd()
        if self._terminal is not None:
            self.set_interval(HANGUP_CHECK, self._check_terminal)

    async def _consume(self) -> None:
        async for result in self.pipeline.results():
            self.post_message(PipelineResult(result))

    # -- messages from the pipeline ------------------------------------------------------
    def on_pipeline_result(self, message: PipelineResult) -> None:
        if self.pipeline.paused:
            return  # a frame still in flight when the picture was frozen
        self.result = message.result
        self.received += 1
        # Draw at once when the frame-rate cap allows; the timer picks up the rest.
        if time.perf_counter() - self._last_draw >= 1 / self.fps:
            self._draw()

    def on_book_reloaded(self, message: BookReloaded) -> None:
        status: BookStatus = message.status
        self.book_error = status.error
        if status.error:
            self.notify(status.error, title="Phone book kept as it was", severity="error")
        else:
            self.notify(f"{status.entries} numbers", title="Phone book reloaded")
        self._draw(force=True)

    def _check_terminal(self) -> None:
        if not os.isatty(self._terminal):  # a hung-up terminal is no longer a tty
            self.exit(return_code=HANGUP_EXIT)

    def _watch_source(self) -> None:
        """The camera may stop or never start: say so where the picture would be."""
        status = self.pipeline.source.status
        if status != "ok":
            self.preview.show_message(
                f"{status}\n\nCheck the cable, or close other apps using the camera.\n"
                "No camera at hand? Quit and run: numrec --source demo"
            )
        self._draw(force=True)

    def _draw(self, force: bool = False) -> None:
        """Show the newest result if it is not on screen yet, and the status bar at most
        every STATUS_PERIOD (or now, with `force`)."""
        now = time.perf_counter()
        result = self.result
        fresh = result is not None and result is not self._drawn
        if fresh:
            self._drawn = result
            self.drawn += 1
            self.lag_ms = (now - result.reading.frame.t_capture) * 1000
            self._last_draw = now
            self._show_frame(result)
        if force or (fresh and now - self._last_status >= STATUS_PERIOD):
            self._show_status()

    def _show_frame(self, result: Result) -> None:
        reading = result.reading
        boxes = [(g.box, DIGIT if g.is_digit else OTHER) for g in reading.glyphs]
        boxes += [(n.box, NUMBER) for n in reading.numbers]
        if self.pipeline.source.status == "ok":
            self.preview.show(reading.frame.image, boxes)
        self.reading.show(reading.best, reading.steadiness)
        if self.chosen >= len(result.candidates):
            self.chosen = 0
        matches = self.matches
        if self.pipeline.matcher is None:
            matches.show_error(self.book_error or "no phone book loaded")
        else:
            matches.show(result.candidates, result.ambiguous, self.chosen)

    def _show_status(self) -> None:
        self._last_status = time.perf_counter()
        stats = self.result.stats if self.result else self.pipeline.stats()
        self.status_bar.show(
            self.pipeline.fps,
            self.lag_ms,
            stats,
            self.pipeline.source.status,
            self.pipeline.book_status,
            self.book_error,
        )

    def _camera_title(self) -> str:
        frozen = " - frozen: space to go on" if self.pipeline.paused else ""
        return f"{self.pipeline.source.name} · {self.preview_mode}{frozen}"

    # -- keys ----------------------------------------------------------------------------
    def action_freeze(self) -> None:
        if self.pipeline.paused:
            self.pipeline.resume()
        else:
            self.pipeline.pause()
        self.preview_box.set_class(self.pipeline.paused, "frozen")
        self.preview_box.border_title = self._camera_title()

    def action_pick(self, index: int) -> None:
        result = self.result
        if result is None or index >= len(result.candidates):
            self.notify(f"there is no contact {index + 1} to pick", severity="warning")
            return
        self.chosen = index
        self.matches.show(result.candidates, result.ambiguous, index)

    def action_confirm(self) -> None:
        result = self.result
        if result is None or not result.candidates or result.reading.best is None:
            self.notify("nothing to confirm yet", severity="warning")
            return
        chosen = result.candidates[self.chosen]
        contact = chosen.contact
        if self.store is not None:
            try:
                digits = result.reading.best.digits
                self.store.add(digits, contact.name, contact.phone, chosen.score)
            except StoreError as e:
                self.notify(str(e), title="Not kept", severity="error")
                return
        self.notify(f"{contact.name}, {contact.phone}", title="Confirmed")

    async def action_reload(self) -> None:
        if self.pipeline.book_path is None:
            self.notify("no phone book file to reload", severity="warning")
            return
        await self.pipeline.reload_book()

    def action_history(self) -> None:
        if isinstance(self.screen, HistoryScreen):
            self.pop_screen()
            return
        rows, error = [], ""
        if self.store is None:
            error = "Confirmed matches are not being kept in this session."
        else:
            try:
                rows = self.store.recent(200)
            except StoreError as e:
                error = str(e)
        self.push_screen(HistoryScreen(rows, error))

    def action_preview_mode(self) -> None:
        self.preview_mode = MODES[(MODES.index(self.preview_mode) + 1) % len(MODES)]
        self.preview.set_mode(self.preview_mode)
        self.preview_box.border_title = self._camera_title()

    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand(
            "Freeze / unfreeze", "Hold the picture still (space)", self.action_freeze
        )
        for i in range(3):
            yield SystemCommand(
                f"Pick contact {i + 1}", f"Make contact {i + 1} the one to confirm ({i + 1})",
                lambda i=i: self.action_pick(i),
            )
        yield SystemCommand("Confirm match", "Keep the picked contact (enter)", self.action_confirm)
        yield SystemCommand("Reload phone book", "Read the file again (r)", self.action_reload)
        yield SystemCommand("History", "Confirmed matches (h)", self.action_history)
        yield SystemCommand(
            "Cycle preview mode", "ASCII, grey or colour half-blocks (p)", self.action_preview_mode
        )
        yield SystemCommand("Keys and help", "What everything means (?)", self.action_help)


def _terminal_fd() -> int | None:
    """The terminal the app draws on (its output), if it runs in one: not under the test
    pilot. The command line starts the live view only with both ends on a terminal."""
    try:
        fd = sys.__stdout__.fileno()
    except (AttributeError, ValueError, OSError):
        return None
    return fd if os.isatty(fd) else None
