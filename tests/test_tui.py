"""The live view driven by Textual's pilot: real demo frames, the real model and phone book."""

import asyncio

import pytest

from pipeline.sources import DemoSource
from tui.app import NumrecApp
from tui.matches import MatchList
from tui.preview import Preview
from tui.reading import DigitStrip

from .conftest import written


async def wait_for(pilot, condition, timeout=15.0):
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("timed out waiting for the screen")
        await pilot.pause(0.05)


@pytest.fixture
def demo_app(classifier, book):
    contact = book.contacts[2]
    source = DemoSource([contact.phone], fps=20, hold=3600)
    return NumrecApp(source, classifier, book, fps=20), contact


def shown(widget) -> str:
    return str(widget.render())


async def test_live_view_reads_the_demo_and_names_the_contact(demo_app):
    app, contact = demo_app
    digits = "".join(c for c in written(contact.phone) if c.isdigit())
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: digits in shown(app.query_one(DigitStrip)))
        await wait_for(pilot, lambda: contact.name in shown(app.query_one(MatchList)))
        preview = app.query_one(Preview)
        line = "".join(seg.text for seg in preview.render_line(preview.size.height // 2))
        assert len(line.strip()) > 10  # the camera picture is drawn
        assert "fps" in shown(app.query_one("#status"))


async def test_space_freezes_and_unfreezes(demo_app):
    app, _ = demo_app
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.result is not None)
        await pilot.press("space")
        assert app.pipeline.paused
        assert app.query_one("#preview-box").has_class("frozen")
        frozen = app.result
        frames = app.pipeline.frames
        await pilot.pause(0.5)
        assert app.result is frozen  # the frozen reading stays
        assert app.pipeline.frames - frames <= 2  # and the camera is left alone
        await pilot.press("space")
        assert not app.pipeline.paused
        await wait_for(pilot, lambda: app.result is not frozen)


async def test_enter_confirms_the_shown_match(demo_app):
    app, contact = demo_app
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("enter")  # before anything is read: a warning, nothing kept
        assert app.confirmed == []
        await wait_for(pilot, lambda: app.result is not None and app.result.candidates)
        await pilot.press("enter")
        assert len(app.confirmed) == 1
        assert app.confirmed[0][1].contact.name == contact.name
        assert any(contact.name in str(n.message) for n in app._notifications)


async def test_q_quits(demo_app):
    app, _ = demo_app
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.result is not None)
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running


async def test_phone_book_reloads_when_the_file_changes(classifier, tmp_path):
    from phonebook.book import load_phonebook

    path = tmp_path / "book.csv"
    path.write_text("name,phone\nAda Lovelace,(415) 555-0101\n", encoding="utf-8")
    book = load_phonebook(path)
    source = DemoSource(["(415) 555-0101"], fps=10, hold=3600)
    app = NumrecApp(source, classifier, book, book_path=path, fps=10)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.result is not None)
        await pilot.pause(0.3)  # let the watcher take its baseline
        path.write_text("name,phone\nAda Lovelace,(415) 555-0101\nAlan Turing,555-0102\n")
        await wait_for(pilot, lambda: app.pipeline.book_status.entries == 2, timeout=5)
        path.write_text("no header here, just junk\x00")
        await wait_for(pilot, lambda: app.book_error != "", timeout=5)
        assert app.pipeline.book_status.entries == 2  # the last good book stays in use
        await wait_for(pilot, lambda: "book 2" in shown(app.query_one("#status")))
