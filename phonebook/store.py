"""Confirmed matches, kept in SQLite so that a crash or a kill right after a confirm loses none.

Durability: WAL journal, synchronous=FULL, and every add() is its own transaction, committed
before add() returns. In WAL mode synchronous=NORMAL would already survive the process being
killed (the commit has reached the OS), but not a power cut or an OS crash; FULL fsyncs the WAL
on each commit and survives those too. A confirm is a keypress, so an fsync each costs nothing
that matters. WAL also lets `numrec history` read while the live view writes.

Names and numbers are personal data: they are logged at debug level only.
"""

from __future__ import annotations

import csv
import logging
import sqlite3
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from platformdirs import user_data_dir

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE confirmed (
    id INTEGER PRIMARY KEY AUTOINCREMENT,  -- AUTOINCREMENT: an id is never reused
    time REAL NOT NULL,                    -- seconds since the epoch
    digits TEXT NOT NULL,                  -- the digits as read
    name TEXT NOT NULL,
    phone TEXT NOT NULL,                   -- the number as the phone book writes it
    score REAL NOT NULL
);
CREATE INDEX confirmed_by_time ON confirmed (time);
"""
CSV_HEADER = ("id", "time", "name", "phone", "digits_read", "score")
# A spreadsheet reads a cell starting with one of these as a formula (OWASP: CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class StoreError(Exception):
    """The store cannot be used. str() is one line for the user, naming the file."""

    def __init__(self, reason: str, path: str | Path | None = None) -> None:
        reason = " ".join(str(reason).split())
        self.reason = reason
        self.path = Path(path) if path is not None else None
        super().__init__(f"confirmed matches {self.path}: {reason}" if self.path else reason)


@dataclass(frozen=True, slots=True)
class Confirmed:
    id: int
    time: float  # seconds since the epoch
    digits: str  # the digits as read
    name: str
    phone: str  # the number as the phone book writes it
    score: float


def default_path() -> Path:
    return Path(user_data_dir("numrec")) / "confirmed.sqlite3"


def spreadsheet_safe(cell: str) -> str:
    """The cell with a leading apostrophe if a spreadsheet would run it as a formula.

    No exception for phone numbers: "+1-415-555-0132" opened in Excel is the sum -1101 and
    "+44 7700 900123" an error, so a number starting with "+" needs the apostrophe too. The
    apostrophe is visible in some programs; a wrong number would be worse.
    """
    return "'" + cell if cell.startswith(_FORMULA_START) else cell


def local_time(when: float) -> str:
    """'2026-11-26 14:05:09' in local time: what spreadsheets and people read as a time."""
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(when))


class ConfirmedStore:
    """The confirmed matches in one SQLite file. Safe to share between threads."""

    def __init__(self, path: str | Path | None = None, *, create: bool = True) -> None:
        """Open (or with `create`, make) the store; StoreError if it cannot be used."""
        self.path = Path(path).expanduser() if path is not None else default_path()
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        if self.path.is_dir():
            raise StoreError("is a folder, not a file", self.path)
        if not create and not self.path.exists():
            raise StoreError("no such file", self.path)
        try:
            if create:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            # Autocommit (isolation_level=None): each statement commits as it completes,
            # multi-statement work uses an explicit BEGIN.
            db = sqlite3.connect(
                self.path, timeout=5.0, isolation_level=None, check_same_thread=False
            )
        except (OSError, sqlite3.Error) as e:
            raise StoreError(_why(e), self.path) from None
        try:
            self._check_ours(db)  # before WAL: that would change someone else's file
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            self._migrate(db)
        except sqlite3.Error as e:
            db.close()
            raise StoreError(_why(e), self.path) from None
        except StoreError:
            db.close()
            raise
        self._db = db

    def _check_ours(self, db: sqlite3.Connection) -> None:
        """StoreError unless the file is empty or a numrec store this code understands."""
        version = db.execute("PRAGMA user_version").fetchone()[0]  # "not a database" here
        if version == 0 and db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
            raise StoreError("is a database, but not one of numrec's", self.path)
        if version > SCHEMA_VERSION:
            raise StoreError("was written by a newer numrec", self.path)

    def _migrate(self, db: sqlite3.Connection) -> None:
        db.execute("BEGIN IMMEDIATE")
        try:
            self._check_ours(db)  # again: another process may have been quicker
            if db.execute("PRAGMA user_version").fetchone()[0] == 0:
                for statement in _SCHEMA.split(";"):  # not executescript: it would COMMIT
                    if statement.strip():
                        db.execute(statement)
                db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise

    def add(
        self, digits_read: str, name: str, phone: str, score: float, when: float | None = None
    ) -> int:
        """Record a confirmed match; it is on disk when this returns. Returns its id."""
        when = time.time() if when is None else float(when)
        with self._lock:
            db = self._open()
            try:
                cursor = db.execute(
                    "INSERT INTO confirmed (time, digits, name, phone, score)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (when, str(digits_read), str(name), str(phone), float(score)),
                )
            except sqlite3.Error as e:
                raise StoreError(_why(e), self.path) from None
        row_id = int(cursor.lastrowid or 0)
        log.info("confirmed match %d saved", row_id)
        log.debug("confirmed match %d: %s read as %s -> %s", row_id, name, digits_read, phone)
        return row_id

    def recent(self, limit: int | None = 100) -> list[Confirmed]:
        """The latest confirmed matches, newest first; all of them when limit is None."""
        if limit is not None and limit < 0:
            raise ValueError(f"limit must be >= 0, got {limit}")
        with self._lock:
            db = self._open()
            try:
                rows = db.execute(
                    "SELECT id, time, digits, name, phone, score FROM confirmed"
                    " ORDER BY time DESC, id DESC LIMIT ?",
                    (-1 if limit is None else limit,),
                ).fetchall()
            except sqlite3.Error as e:
                raise StoreError(_why(e), self.path) from None
        return [Confirmed(*row) for row in rows]

    def export_csv(self, path_or_file: str | Path | IO[str], limit: int | None = None) -> int:
        """Write the confirmed matches (newest first) as CSV; returns how many.

        A path gets UTF-8 with a byte order mark, which Excel needs to show accented names; an
        open text file is written as it is. Cells a spreadsheet would run as formulas get a
        leading apostrophe (see spreadsheet_safe).
        """
        rows = self.recent(limit)
        write_csv(path_or_file, rows)
        return len(rows)

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None

    def __enter__(self) -> ConfirmedStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _open(self) -> sqlite3.Connection:
        if self._db is None:
            raise StoreError("the store is closed", self.path)
        return self._db


def write_csv(path_or_file: str | Path | IO[str], rows: Iterable[Confirmed]) -> None:
    """ConfirmedStore.export_csv for rows at hand."""
    if isinstance(path_or_file, str | Path):
        with open(Path(path_or_file).expanduser(), "w", encoding="utf-8-sig", newline="") as f:
            write_csv(f, rows)
        return
    out = csv.writer(path_or_file)
    out.writerow(CSV_HEADER)
    for r in rows:
        cells = (str(r.id), local_time(r.time), r.name, r.phone, r.digits, f"{r.score:.3f}")
        out.writerow([spreadsheet_safe(c) for c in cells])


def _why(e: BaseException) -> str:
    """A short reason for an sqlite3 or OS error."""
    text = str(e) or type(e).__name__
    if isinstance(e, sqlite3.DatabaseError) and "not a database" in text:
        return "not a database file"
    if isinstance(e, PermissionError) or "readonly" in text or "permission" in text.lower():
        return f"permission denied ({text})"
    if isinstance(e, OSError):
        return e.strerror or text
    return text
