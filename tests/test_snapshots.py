"""Snapshots of the main screens (pytest-textual-snapshot; `--snapshot-update` to accept).

Everything on screen is real (frames, model, phone book, history database) except the
status bar's figures, which are measured and so differ run to run: the snapshot app shows
fixed ones through the same StatusBar widget.
"""

import time

import numpy as np
import pytest

from phonebook.store import ConfirmedStore
from pipeline.actor import StageStats
from pipeline.sources import ArraySource
from pipeline.supervisor import BookStatus
from pipeline.synth import render_page
from tui.app import NumrecApp

from .conftest import written

SIZE = (100, 30)
STAGES = ("preprocess", "localize", "classify", "assemble", "match")
FIXED_STATS = {name: StageStats(name, 100, 0, 0, 1.5, 1.5) for name in STAGES}
LOADED_AT = 1_790_000_000.0  # a fixed reload time


class SnapshotApp(NumrecApp):
    def _show_status(self) -> None:
        real = self.pipeline.book_status
        book = real and BookStatus(real.entries, real.skipped, LOADED_AT, real.error)
        self.status_bar.show(
            15.0, 21.0, FIXED_STATS, self.pipeline.source.status, book, self.book_error
        )


@pytest.fixture(autouse=True)
def utc(monkeypatch):
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def page(book):
    image, _ = render_page([written(book.contacts[2].phone)], np.random.default_rng(7))
    return image


@pytest.fixture
def make_app(classifier, book, page, tmp_path):
    def make(**kwargs) -> SnapshotApp:
        kwargs.setdefault("store", ConfirmedStore(tmp_path / "confirmed.sqlite3"))
        source = ArraySource([page], fps=10)
        return SnapshotApp(source, classifier, kwargs.pop("book", book), fps=10,
                           preview="ascii", **kwargs)

    return make


async def steady(pilot, candidates: bool = True) -> None:
    """Wait until the reading has settled: the same frame, read the same way, every time."""
    app = pilot.app
    for _ in range(300):
        result = app.result
        if result and result.reading.steadiness == 1.0 and (result.candidates or not candidates):
            break
        await pilot.pause(0.05)
    await pilot.pause(0.5)


def test_live(snap_compare, make_app):
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=steady)


def test_frozen(snap_compare, make_app):
    assert snap_compare(make_app(), press=["space"], terminal_size=SIZE, run_before=steady)


def test_confirmed(snap_compare, make_app):
    async def pick_and_confirm(pilot):
        await steady(pilot)
        for key in ("space", "2", "enter"):
            await pilot.press(key)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=pick_and_confirm)


def test_camera_lost(snap_compare, make_app):
    async def lose_camera(pilot):
        await steady(pilot)
        pilot.app.pipeline.source.status = "camera lost, retrying"  # as the camera thread does
        await pilot.pause(1.0)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=lose_camera)


def test_no_picture_from_camera(snap_compare, make_app):
    async def camera_silent(pilot):
        await steady(pilot)
        # What the camera thread says when the camera opens but never sends a picture.
        pilot.app.pipeline.source.status = (
            "no picture from the camera (another app may be using it), retrying"
        )
        await pilot.pause(1.0)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=camera_silent)


def test_broken_phone_book(snap_compare, make_app):
    app = make_app(book=None, book_error="phone book contacts.csv: no 'phone' column")
    assert snap_compare(app, terminal_size=SIZE, run_before=lambda p: steady(p, False))


def test_history(snap_compare, make_app, tmp_path):
    store = ConfirmedStore(tmp_path / "history.sqlite3")
    store.add("4155550118", "Priya Raman", "(415) 555-0118", 0.97, when=LOADED_AT)
    store.add("07700900123", "Oliver Smith", "07700 900123", 0.88, when=LOADED_AT + 60)
    app = make_app(store=store)
    assert snap_compare(app, press=["h"], terminal_size=SIZE, run_before=steady)


def test_help(snap_compare, make_app):
    assert snap_compare(make_app(), press=["question_mark"], terminal_size=SIZE,
                        run_before=steady)


def test_small_terminal(snap_compare, make_app):
    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=steady)
