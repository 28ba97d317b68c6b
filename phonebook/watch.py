"""Follow a phone book file: yield a fresh PhoneBook (or the reason it broke) when it changes."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import threading
from collections.abc import AsyncIterator
from contextlib import suppress
from pathlib import Path

from watchfiles import Change, awatch

from .book import PhoneBook, PhoneBookError, parse_phonebook, read_bytes

log = logging.getLogger(__name__)

STEP_MS = 150  # watchfiles keeps grouping changes until the folder has been quiet this long
DEBOUNCE_MS = 1000  # ... but reports at least this often during a long burst of writes
POLL_S = 1.0  # also look at the file this often: events get lost (network drives, a new folder)
SETTLE_S = 0.1  # the file must stay unchanged this long before it is read
SETTLE_MAX_S = 1.0  # a file written for longer than this is read anyway

_Signature = tuple[int, int, int, int] | None


def _signature(path: Path) -> _Signature:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size, st.st_ino, st.st_dev


def _read(path: Path) -> tuple[bytes | PhoneBookError, bytes]:
    """The file's bytes (or why not) and a digest to tell whether it changed since last time."""
    try:
        data = read_bytes(path)
    except PhoneBookError as e:
        return e, str(e).encode()  # the same failure twice is no news either
    return data, hashlib.blake2b(data, digest_size=16).digest()


def _reload(
    path: Path, region: str, last: bytes | None
) -> tuple[PhoneBook | PhoneBookError | None, bytes]:
    """(new book or error, content digest); None when the content is what was seen last time."""
    data, digest = _read(path)
    if digest == last:
        return None, digest  # touched, or saved without changes
    if isinstance(data, PhoneBookError):
        return data, digest
    try:
        return parse_phonebook(data, path, region), digest
    except PhoneBookError as e:
        return e, digest


async def _settle(path: Path, sig: _Signature) -> _Signature:
    """Wait until the file stops changing, so a half-written file is not read."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + SETTLE_MAX_S
    while True:
        await asyncio.sleep(SETTLE_S)
        now = _signature(path)
        if now == sig or loop.time() >= deadline:
            return now
        sig = now


async def _pump(folder: Path, name: str, stop: threading.Event, wake: asyncio.Queue[bool]) -> None:
    """Put True on `wake` when the file may have changed, False every POLL_S as a fallback."""

    def ours(change: Change, changed: str) -> bool:
        # Whole folder, filtered by name: editors write a temp file and rename it over ours.
        return os.path.basename(changed) == name

    warned = False
    while not stop.is_set():
        try:
            if folder.is_dir():
                # Look once now: the file may have changed before the watch was in place
                # (e.g. in a folder created since the last look).
                wake.put_nowait(False)
                async for changes in awatch(
                    folder,
                    watch_filter=ours,
                    debounce=DEBOUNCE_MS,
                    step=STEP_MS,
                    stop_event=stop,
                    rust_timeout=int(POLL_S * 1000),
                    yield_on_timeout=True,
                    recursive=False,
                ):
                    wake.put_nowait(bool(changes))
                continue  # awatch ends when stop is set
        except Exception as e:  # e.g. out of inotify watches: polling still works
            if not warned:
                log.warning("cannot watch %s (%s); checking it every %.0f s", folder, e, POLL_S)
                warned = True
        wake.put_nowait(False)
        await asyncio.sleep(POLL_S)


async def watch_phonebook(
    path: str | Path, region: str = "US"
) -> AsyncIterator[PhoneBook | PhoneBookError]:
    """Yield a fresh PhoneBook each time the file's content changes, or a PhoneBookError when
    the new content cannot be used (keep the last good book then). Nothing is yielded for the
    content present when watching starts. Cancel the consuming task (or aclose()) to stop.
    """
    target = Path(path).expanduser().absolute()
    stop = threading.Event()
    wake: asyncio.Queue[bool] = asyncio.Queue()
    last_sig = _signature(target)
    # Baseline before the watcher runs, so a change made while it starts is still caught.
    _, last_digest = await asyncio.to_thread(_read, target)
    pump = asyncio.create_task(_pump(target.parent, target.name, stop, wake))
    try:
        while True:
            changed = await wake.get()
            while not wake.empty():  # coalesce what piled up while we were loading
                changed |= wake.get_nowait()
            sig = _signature(target)
            if not changed and sig == last_sig:
                continue
            last_sig = await _settle(target, sig)
            result, last_digest = await asyncio.to_thread(_reload, target, region, last_digest)
            if result is None:
                continue
            if isinstance(result, PhoneBookError):
                log.warning("%s", result)
            else:
                log.info("phone book %s reloaded: %d numbers", target.name, len(result.contacts))
            yield result
    finally:
        stop.set()  # lets the watch thread return within STEP_MS
        pump.cancel()
        with suppress(asyncio.CancelledError):
            await asyncio.wait({pump}, timeout=2.0)
