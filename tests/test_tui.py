"""The live view driven by Textual's pilot: real frames, the real model, a real phone book
file and a real history database."""

import asyncio

import numpy as np
import pytest

from phonebook.book import load_phonebook
from phonebook.store import ConfirmedStore
from pipeline.sources import ArraySource, DemoSource
from pipeline.synth import render_page
from tui.app import NumrecApp
from tui.help import HelpScreen
from tui.history import HistoryScreen
from tui.matches import MatchList
from tui.preview import Preview
from tui.reading import DigitStrip

from .conftest import written

SIZE = (100, 30)


async def wait_for(pilot, condition, timeout=15.0):
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("timed out waiting for the screen")
        await pilot.pause(0.05)


def shown(widget) -> str:
    return str(widget.render())


def preview_text(app) -> str:
    preview = app.query_one(Preview)
    return "\n".join(
        "".join(seg.text for seg in preview.render_line(y)) for y in range(preview.size.height)
    )


@pytest.fixture
def store(tmp_path):
    with ConfirmedStore(tmp_path / "confirmed.sqlite3") as s:
        yield s


@pytest.fixture
def demo_app(classifier, book, store):
    contact = book.contacts[2]
    source = DemoSource([contact.phone], fps=20, hold=3600)
    return NumrecApp(source, classifier, book, fps=20, store=store, preview="ascii"), contact


async def test_live_view_reads_the_demo_and_names_the_contact(demo_app):
    app, contact = demo_app
    digits = "".join(c for c in written(contact.phone) if c.isdigit())
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: digits in shown(app.query_one(DigitStrip)))
        await wait_for(pilot, lambda: contact.name in shown(app.query_one(MatchList)))
        assert preview_text(app).count("@") > 100  # the camera picture is drawn
        assert "fps" in shown(app.query_one("#status"))
        assert "steady" in shown(app.query_one(DigitStrip))


async def test_space_freezes_and_unfreezes(demo_app):
    app, _ = demo_app
    async with app.run_test(size=SIZE) as pilot:
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


async def test_enter_confirms_and_keeps_the_match(demo_app, store):
    app, contact = demo_app
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter")  # before anything is read: a warning, nothing kept
        assert store.recent() == []
        await wait_for(pilot, lambda: app.result is not None and app.result.candidates)
        await pilot.press("enter")
        [kept] = store.recent()
        assert (kept.name, kept.phone) == (contact.name, contact.phone)
        assert any(contact.name in str(n.message) for n in app._notifications)


async def test_keys_pick_a_candidate_then_confirm_it(demo_app, store):
    app, _ = demo_app
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.result is not None and len(app.result.candidates) >= 2)
        await pilot.press("space")
        second = app.result.candidates[1].contact
        await pilot.press("2")
        assert app.chosen == 1
        assert f"▶ 2 {second.name}" in shown(app.query_one(MatchList))
        await pilot.press("enter")
        assert store.recent()[0].name == second.name
        await pilot.press("9")  # not bound: nothing changes
        await pilot.press("3")
        assert app.chosen == (2 if len(app.result.candidates) > 2 else 1)


async def test_h_shows_history_and_goes_back(demo_app):
    app, contact = demo_app
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("h")
        assert isinstance(app.screen, HistoryScreen)
        assert "No confirmed matches yet" in preview_free_text(app)
        await pilot.press("h")
        await wait_for(pilot, lambda: app.result is not None and app.result.candidates)
        await pilot.press("enter")
        await pilot.press("h")
        table = app.screen.query_one("DataTable")
        assert table.row_count == 1 and contact.name in str(table.get_row_at(0))
        await pilot.press("escape")
        assert not isinstance(app.screen, HistoryScreen)


def preview_free_text(app) -> str:
    return " ".join(shown(w) for w in app.screen.query("Static"))


async def test_p_cycles_the_preview_modes(demo_app):
    app, _ = demo_app
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.result is not None)
        await pilot.pause(0.2)
        assert "▀" not in preview_text(app)
        await pilot.press("p")
        assert app.query_one(Preview).mode == "grey" and "▀" in preview_text(app)
        await pilot.press("p")
        assert app.query_one(Preview).mode == "colour" and "▀" in preview_text(app)
        assert "colour" in app.query_one("#preview-box").border_title
        await pilot.press("p")
        assert app.query_one(Preview).mode == "ascii"


async def test_question_mark_shows_help(demo_app):
    app, _ = demo_app
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_command_palette_offers_the_actions(demo_app):
    app, _ = demo_app
    async with app.run_test(size=SIZE) as pilot:
        titles = [c.title for c in app.get_system_commands(app.screen)]
        for action in ("Freeze", "Pick contact 1", "Confirm", "Reload", "History", "preview",
                       "help"):
            assert any(action.lower() in t.lower() for t in titles), action
        await pilot.press("ctrl+p")
        await pilot.press(*"history")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, HistoryScreen), timeout=3)


@pytest.mark.parametrize("key", ["q", "ctrl+c"])
async def test_q_or_ctrl_c_quits(demo_app, key):
    app, _ = demo_app
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.result is not None)
        await pilot.press(key)
        await pilot.pause()
        assert not app.is_running


async def test_phone_book_reloads_by_itself_and_with_r(classifier, tmp_path):
    path = tmp_path / "book.csv"
    path.write_text("name,phone\nAda Lovelace,(415) 555-0101\n", encoding="utf-8")
    source = DemoSource(["(415) 555-0101"], fps=10, hold=3600)
    app = NumrecApp(source, classifier, load_phonebook(path), book_path=path, fps=10)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.result is not None)
        await pilot.pause(0.3)  # let the watcher take its baseline
        path.write_text("name,phone\nAda Lovelace,(415) 555-0101\nAlan Turing,555-0102\n")
        await wait_for(pilot, lambda: app.pipeline.book_status.entries == 2, timeout=5)
        path.write_text("no header here, just junk\x00")
        await wait_for(pilot, lambda: app.book_error != "", timeout=5)
        assert app.pipeline.book_status.entries == 2  # the last good book stays in use
        await wait_for(pilot, lambda: "book 2" in shown(app.query_one("#status")))
        path.write_text("name,phone\nAda Lovelace,(415) 555-0101\n")
        await pilot.press("r")
        await wait_for(pilot, lambda: app.pipeline.book_status.entries == 1, timeout=5)
        assert app.book_error == ""


async def test_broken_phone_book_at_start_is_shown_not_fatal(classifier):
    source = DemoSource(["(415) 555-0101"], fps=10)
    app = NumrecApp(source, classifier, None, fps=10, book_error="phone book x.csv: no contacts")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.result is not None)
        assert "no contacts" in shown(app.query_one(MatchList))
        assert "no contacts" in shown(app.query_one("#status"))


async def test_lost_camera_is_said_where_the_picture_was(demo_app):
    app, _ = demo_app
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.result is not None)
        app.pipeline.source.status = "camera lost, retrying"  # what the camera thread sets
        await wait_for(pilot, lambda: "camera lost, retrying" in preview_text(app), timeout=3)
        assert "--source demo" in preview_text(app)
        assert "camera lost" in shown(app.query_one("#status"))
        app.pipeline.source.status = "ok"
        await wait_for(pilot, lambda: "retrying" not in preview_text(app), timeout=3)


async def test_blank_sheet_says_nothing_is_read(classifier, book):
    blank, _ = render_page([""], np.random.default_rng(0))
    app = NumrecApp(ArraySource([blank], fps=10), classifier, book, fps=10)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.received >= 3)
        assert "nothing read yet" in shown(app.query_one(DigitStrip))
        assert "no matching contact" in shown(app.query_one(MatchList))


async def test_two_people_sharing_a_number_are_too_close_to_call(classifier, tmp_path):
    path = tmp_path / "book.csv"
    path.write_text("name,phone\nAnn Lee,(415) 555-0123\nBen Lee,(415) 555-0123\n")
    page, _ = render_page(["415 555-0123"], np.random.default_rng(2))
    app = NumrecApp(ArraySource([page], fps=10), classifier, load_phonebook(path), fps=10)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.result is not None and app.result.candidates)
        await wait_for(pilot, lambda: "too close to call" in shown(app.query_one(MatchList)))
