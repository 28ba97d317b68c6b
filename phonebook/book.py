"""The phone book: load a contacts file into one Contact per phone number.

Only the file as a whole can fail (PhoneBookError, one line naming the file); a bad row is
skipped and recorded with its line number so the user can fix it.
"""

from __future__ import annotations

import codecs
import gc
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import phonenumbers

from .phone import normalize_number, split_numbers
from .readers import FormatError, read_rows

log = logging.getLogger(__name__)

MAX_BYTES = 64 * 1024 * 1024  # a contacts file this big is the wrong file, not a big book


@dataclass(frozen=True, slots=True)
class Contact:
    name: str
    phone: str  # the number as the book writes it, e.g. "(415) 555-0132"
    digits: str  # national significant number, digits only, e.g. "4155550132"
    country: str  # country calling code digits, e.g. "1", "44"; "" when unknown


@dataclass(frozen=True)
class PhoneBook:
    path: Path | None
    contacts: tuple[Contact, ...]  # one per number: a person with two numbers gives two
    skipped: tuple[tuple[int, str], ...]  # (line number, reason) of rows that could not be read
    loaded_at: float  # time.time()


class PhoneBookError(Exception):
    """The phone book cannot be used at all. str() is one line for the user, naming the file."""

    def __init__(self, reason: str, path: str | Path | None = None) -> None:
        reason = " ".join(str(reason).split())  # one line, whatever the cause said
        self.reason = reason
        self.path = Path(path) if path is not None else None
        super().__init__(f"phone book {self.path.name}: {reason}" if self.path else reason)


def sample_path() -> Path:
    """The fictional phone book shipped with the package."""
    return Path(__file__).with_name("sample.csv")


def read_bytes(path: Path) -> bytes:
    """The file's bytes, or PhoneBookError saying in plain words why not."""
    try:
        size = path.stat().st_size
        if path.is_dir():
            raise PhoneBookError("is a folder, not a file", path)
        if size > MAX_BYTES:
            raise PhoneBookError(f"too large for a phone book ({size // 2**20} MB)", path)
        return path.read_bytes()
    except FileNotFoundError:
        raise PhoneBookError(f"file not found ({path})", path) from None
    except PermissionError:
        raise PhoneBookError("permission denied", path) from None
    except OSError as e:
        raise PhoneBookError(f"cannot read the file ({e.strerror or e})", path) from None


def decode(data: bytes, path: Path) -> str:
    """Text of a contacts file: UTF-8 (BOM or not) or UTF-16 with BOM, else Windows/latin-1."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):  # Excel "Unicode text"
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise PhoneBookError("not valid UTF-16 text", path) from None
    if data.startswith(b"PK\x03\x04"):
        raise PhoneBookError("looks like a spreadsheet or zip file; save it as CSV", path)
    if b"\x00" in data:
        raise PhoneBookError("not a text file; save it as CSV", path)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:  # Excel on Windows writes cp1252, a superset of latin-1's printable characters
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")  # cannot fail


def parse_phonebook(data: bytes, path: Path | None, region: str = "US") -> PhoneBook:
    """Build a PhoneBook from a file's bytes (load_phonebook without the reading)."""
    where = path or Path("<memory>")
    try:
        with _collector_paused():
            return _parse(data, path, where, region)
    except PhoneBookError:
        raise
    except Exception as e:  # a bug must not crash the app over a contacts file; say so plainly
        log.debug("reading phone book %s failed", where.name, exc_info=True)
        raise PhoneBookError(f"could not be read ({type(e).__name__})", where) from None


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector while a book is built.

    A million rows make millions of container objects, none of them in cycles; the collector
    would walk all of them again and again as they pile up (a third of the load time).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _parse(data: bytes, path: Path | None, where: Path, region: str) -> PhoneBook:
    region = region.upper()
    if region not in phonenumbers.SUPPORTED_REGIONS:
        raise PhoneBookError(f"unknown region {region!r} (use a country code such as US)", where)
    text = decode(data, where)
    if not text.strip():
        raise PhoneBookError("file is empty", where)
    try:
        rows, skipped = read_rows(text, where.suffix)
    except FormatError as e:
        raise PhoneBookError(str(e), where) from None

    contacts: list[Contact] = []
    for row in rows:
        seen: set[tuple[str, str]] = set()  # one row may list a number twice (Outlook does)
        for cell in row.phones:
            for raw in split_numbers(cell):
                try:
                    country, digits = normalize_number(raw, region)
                except ValueError as e:
                    skipped.append((row.line, str(e)))
                    continue
                if (country, digits) not in seen:
                    seen.add((country, digits))
                    contacts.append(Contact(row.name, raw, digits, country))
    if not contacts:
        raise PhoneBookError(
            f"no usable contacts ({len(skipped)} rows skipped)" if skipped else "no contacts", where
        )
    skipped.sort(key=lambda s: s[0])  # stable: a row's several reasons keep their order
    book = PhoneBook(path, tuple(contacts), tuple(skipped), time.time())
    log.info("phone book %s: %d numbers, %d rows skipped", where.name, len(contacts), len(skipped))
    for line, reason in skipped:
        log.debug("phone book %s line %d skipped: %s", where.name, line, reason)
    return book


def load_phonebook(path: str | Path, region: str = "US") -> PhoneBook:
    """Load a contacts file (CSV, Google/Outlook CSV export, vCard) under a default region.

    Raises PhoneBookError when the file cannot be used at all; bad rows land in `skipped`.
    """
    path = Path(path).expanduser()
    return parse_phonebook(read_bytes(path), path, region)
