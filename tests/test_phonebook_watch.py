"""Following a phone book file on disk: reloads, broken saves, editors' rename-over saves."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from phonebook import PhoneBook, PhoneBookError, watch_phonebook

TIMEOUT = 2.0  # the watcher promises about 1 s
STARTUP = 0.3  # time for the watcher to take its baseline and register with the OS

ONE = "name,phone\nZoë Müller,(415) 555-0132\n"
TWO = ONE + "José Núñez,415-555-0147\n"
THREE = TWO + "Mom,415.555.0163\n"


@pytest.fixture
async def book_file(tmp_path: Path) -> AsyncIterator[tuple[Path, AsyncIterator]]:
    """A phone book file and a running watcher on it (started, baseline taken)."""
    path = tmp_path / "contacts.csv"
    path.write_text(ONE, encoding="utf-8")
    watcher = watch_phonebook(path)
    first = asyncio.ensure_future(anext(watcher))  # runs the generator up to its first wait
    await asyncio.sleep(STARTUP)
    try:
        yield path, Follow(watcher, first)
    finally:
        first.cancel()
        await asyncio.gather(first, return_exceptions=True)
        await watcher.aclose()


class Follow:
    """Next item from the watcher, with a timeout so a broken watcher fails instead of hanging."""

    def __init__(self, watcher: AsyncIterator, first: asyncio.Future) -> None:
        self.watcher = watcher
        self.pending: asyncio.Future | None = first

    async def next(self, timeout: float = TIMEOUT) -> PhoneBook | PhoneBookError:
        future, self.pending = self.pending or asyncio.ensure_future(anext(self.watcher)), None
        return await asyncio.wait_for(future, timeout)


def names(book: PhoneBook | PhoneBookError) -> list[str]:
    assert isinstance(book, PhoneBook), f"expected a book, got {book!r}"
    return [c.name for c in book.contacts]


async def test_rewrite_in_place(book_file):
    path, follow = book_file
    path.write_text(TWO, encoding="utf-8")
    book = await follow.next()
    assert names(book) == ["Zoë Müller", "José Núñez"]
    assert book.path == path
    path.write_text(THREE, encoding="utf-8")
    assert names(await follow.next()) == ["Zoë Müller", "José Núñez", "Mom"]


async def test_temp_file_renamed_over(book_file):
    path, follow = book_file
    temp = path.with_name(".contacts.csv.swp")
    temp.write_text(TWO, encoding="utf-8")
    os.replace(temp, path)
    assert names(await follow.next()) == ["Zoë Müller", "José Núñez"]


async def test_broken_then_fixed(book_file):
    path, follow = book_file
    path.write_text("nothing useful here\n", encoding="utf-8")
    error = await follow.next()
    assert isinstance(error, PhoneBookError)
    assert "contacts.csv" in str(error) and "\n" not in str(error)
    path.write_text(THREE, encoding="utf-8")
    assert names(await follow.next()) == ["Zoë Müller", "José Núñez", "Mom"]


async def test_deleted_then_restored(book_file):
    path, follow = book_file
    path.unlink()
    error = await follow.next()
    assert isinstance(error, PhoneBookError) and "not found" in str(error)
    path.write_text(TWO, encoding="utf-8")
    assert names(await follow.next()) == ["Zoë Müller", "José Núñez"]


async def test_half_written_file_yields_the_final_book(book_file):
    path, follow = book_file
    with path.open("w", encoding="utf-8") as f:
        f.write(THREE[:30])  # cut inside the second row
        f.flush()
        await asyncio.sleep(0.05)
        f.write(THREE[30:])
    assert names(await follow.next()) == ["Zoë Müller", "José Núñez", "Mom"]


async def test_touch_without_change_yields_nothing(book_file):
    path, follow = book_file
    os.utime(path)
    path.write_text(ONE, encoding="utf-8")  # saved again, same content
    with pytest.raises(TimeoutError):
        await follow.next(timeout=0.6)


async def test_unrelated_files_in_the_folder_are_ignored(book_file):
    path, follow = book_file
    (path.parent / "other.csv").write_text(TWO, encoding="utf-8")
    with pytest.raises(TimeoutError):
        await follow.next(timeout=0.6)


async def test_cancel_stops_promptly(tmp_path):
    path = tmp_path / "contacts.csv"
    path.write_text(ONE, encoding="utf-8")

    async def consume() -> None:
        async for _ in watch_phonebook(path):
            pass

    task = asyncio.create_task(consume())
    await asyncio.sleep(STARTUP)
    task.cancel()
    done, _ = await asyncio.wait({task}, timeout=1.0)
    assert task in done and task.cancelled()


async def test_folder_created_later(tmp_path):
    path = tmp_path / "later" / "contacts.csv"
    watcher = watch_phonebook(path)
    first = asyncio.ensure_future(anext(watcher))
    try:
        await asyncio.sleep(STARTUP)
        path.parent.mkdir()
        path.write_text(TWO, encoding="utf-8")
        # No events from a folder that did not exist: the once-a-second look finds it.
        assert names(await asyncio.wait_for(first, TIMEOUT)) == ["Zoë Müller", "José Núñez"]
    finally:
        first.cancel()
        await asyncio.gather(first, return_exceptions=True)
        await watcher.aclose()
