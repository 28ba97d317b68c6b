"""The SQLite store of confirmed matches: durability, errors, spreadsheet-safe CSV."""

from __future__ import annotations

import csv
import io
import logging
import os
import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from phonebook.store import (
    CSV_HEADER,
    Confirmed,
    ConfirmedStore,
    StoreError,
    default_path,
    spreadsheet_safe,
)

ROOT = Path(__file__).resolve().parents[1]


def run(code: str, *args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code, *args], cwd=ROOT, text=True, timeout=30, **kwargs
    )


def test_add_and_recent_newest_first(tmp_path):
    with ConfirmedStore(tmp_path / "c.sqlite3") as store:
        a = store.add("4155550132", "Zoë Müller", "(415) 555-0132", 0.97, when=1000.0)
        b = store.add("447700900123", "Siobhán O'Connor", "+44 7700 900123", 0.81, when=3000.0)
        c = store.add("4155550118", "Priya Raman", "415 555 0118", 0.66, when=2000.0)
        assert (a, b, c) == (1, 2, 3)
        assert [r.id for r in store.recent()] == [b, c, a]
        assert store.recent(1) == [
            Confirmed(b, 3000.0, "447700900123", "Siobhán O'Connor", "+44 7700 900123", 0.81)
        ]
        assert store.recent(0) == []
        assert len(store.recent(None)) == 3
        with pytest.raises(ValueError):
            store.recent(-1)


def test_rows_survive_reopening_and_ids_are_not_reused(tmp_path):
    path = tmp_path / "c.sqlite3"
    with ConfirmedStore(path) as store:
        store.add("1", "A", "1", 0.5)
        store.add("2", "B", "2", 0.5)
    with sqlite3.connect(path) as db:  # someone deletes the newest row by hand
        db.execute("DELETE FROM confirmed WHERE id = 2")
    with ConfirmedStore(path) as store:
        assert store.add("3", "C", "3", 0.5) == 3
        assert [r.name for r in store.recent()] == ["C", "A"]


def test_wal_and_full_sync(tmp_path):
    with ConfirmedStore(tmp_path / "c.sqlite3") as store:
        assert store._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert store._db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL


def test_a_confirm_survives_the_process_being_killed_right_after(tmp_path):
    path = tmp_path / "c.sqlite3"
    code = (
        "import os, signal, sys\n"
        "from phonebook.store import ConfirmedStore\n"
        "store = ConfirmedStore(sys.argv[1])\n"
        "store.add('4155550132', 'Zoë Müller', '(415) 555-0132', 0.97)\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    done = run(code, str(path))
    assert done.returncode == -signal.SIGKILL
    with ConfirmedStore(path) as store:
        [row] = store.recent()
    assert (row.digits, row.name, row.phone, row.score) == (
        "4155550132",
        "Zoë Müller",
        "(415) 555-0132",
        0.97,
    )


def test_a_reader_sees_what_a_live_writer_confirmed(tmp_path):
    # The live view keeps the store open while `numrec history` reads it.
    path = tmp_path / "c.sqlite3"
    code = (
        "import sys\n"
        "from phonebook.store import ConfirmedStore\n"
        "store = ConfirmedStore(sys.argv[1])\n"
        "store.add('4155550132', 'Zoë Müller', '(415) 555-0132', 0.97)\n"
        "print('added', flush=True)\n"
        "sys.stdin.read()\n"  # stay open until told
    )
    writer = subprocess.Popen(
        [sys.executable, "-c", code, str(path)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert writer.stdout.readline() == "added\n"
        with ConfirmedStore(path, create=False) as store:
            assert [r.name for r in store.recent()] == ["Zoë Müller"]
    finally:
        writer.communicate("", timeout=30)
    assert writer.returncode == 0


def test_threads_may_share_a_store(tmp_path):
    with ConfirmedStore(tmp_path / "c.sqlite3") as store:
        threads = [
            threading.Thread(
                target=lambda i=i: [store.add(str(i), "x", "y", 0.5) for _ in range(20)]
            )
            for i in range(4)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(store.recent(None)) == 80
        assert len({r.id for r in store.recent(None)}) == 80


def test_folder_is_a_one_line_error(tmp_path):
    with pytest.raises(StoreError) as e:
        ConfirmedStore(tmp_path)
    assert "folder" in str(e.value) and "\n" not in str(e.value)


@pytest.mark.parametrize(
    "content", [b"name,phone\nAnn,2125550140\n" * 50, b"SQLite format 3\x00" + b"\xff" * 200]
)
def test_not_a_database_is_a_one_line_error(tmp_path, content):
    path = tmp_path / "c.sqlite3"
    path.write_bytes(content)
    with pytest.raises(StoreError) as e:
        ConfirmedStore(path)
    assert str(e.value).startswith(f"confirmed matches {path}: ")
    assert "\n" not in str(e.value)
    assert path.read_bytes() == content  # left alone


def test_someone_elses_database_is_left_alone(tmp_path):
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE notes (text)")
    with pytest.raises(StoreError, match="not one of numrec's"):
        ConfirmedStore(path)
    with sqlite3.connect(path) as db:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master")]
        mode = db.execute("PRAGMA journal_mode").fetchone()[0]
    assert tables == ["notes"] and mode == "delete"


def test_a_newer_schema_is_refused(tmp_path):
    path = tmp_path / "c.sqlite3"
    ConfirmedStore(path).close()
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA user_version = 99")
    with pytest.raises(StoreError, match="newer numrec"):
        ConfirmedStore(path)


def test_missing_file_without_create(tmp_path):
    path = tmp_path / "nope.sqlite3"
    with pytest.raises(StoreError, match="no such file"):
        ConfirmedStore(path, create=False)
    assert not path.exists()


def test_missing_folders_are_made(tmp_path):
    path = tmp_path / "a" / "b" / "c.sqlite3"
    with ConfirmedStore(path) as store:
        store.add("1", "A", "1", 0.5)
    assert path.exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anyway")
def test_read_only_store_is_a_one_line_error(tmp_path):
    path = tmp_path / "c.sqlite3"
    ConfirmedStore(path).close()
    path.chmod(0o444)
    tmp_path.chmod(0o555)  # nor may SQLite make its side files
    try:
        with pytest.raises(StoreError) as e:
            with ConfirmedStore(path) as store:
                store.add("1", "A", "1", 0.5)
        assert "\n" not in str(e.value)
    finally:
        tmp_path.chmod(0o755)
        path.chmod(0o644)


def test_closed_store(tmp_path):
    store = ConfirmedStore(tmp_path / "c.sqlite3")
    store.close()
    store.close()  # twice is fine
    with pytest.raises(StoreError, match="closed"):
        store.add("1", "A", "1", 0.5)


def test_default_path_is_per_user_data():
    assert default_path().name == "confirmed.sqlite3"
    assert "numrec" in default_path().parts


def test_numbers_are_not_logged_above_debug(tmp_path, caplog):
    with caplog.at_level(logging.DEBUG, logger="phonebook.store"):
        with ConfirmedStore(tmp_path / "c.sqlite3") as store:
            store.add("4155550132", "Zoë Müller", "(415) 555-0132", 0.97)
    above = [r.getMessage() for r in caplog.records if r.levelno > logging.DEBUG]
    assert above and not any("555" in m or "Zoë" in m for m in above)
    assert any("555" in r.getMessage() for r in caplog.records if r.levelno == logging.DEBUG)


# --- CSV -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        # A number starting with "+" too: Excel would show +1-415-555-0132 as -1101.
        ("+1-415-555-0132", "'+1-415-555-0132"),
        ("+44 7700 900123", "'+44 7700 900123"),
        ("(415) 555-0132", "(415) 555-0132"),
        ("0491 570 156", "0491 570 156"),
        ("Zoë Müller", "Zoë Müller"),
        ("", ""),
        ("a=b", "a=b"),
    ],
)
def test_spreadsheet_safe(cell, written):
    assert spreadsheet_safe(cell) == written


def read_csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def test_export_csv_to_a_file_object(tmp_path):
    with ConfirmedStore(tmp_path / "c.sqlite3") as store:
        store.add("4155550132", "Zoë Müller", "(415) 555-0132", 0.97, when=1000.0)
        store.add("447700900123", '=HYPERLINK("http://evil")', "+44 7700 900123", 0.5, when=2000.0)
        out = io.StringIO(newline="")
        assert store.export_csv(out) == 2
    rows = read_csv(out.getvalue())
    assert rows[0] == list(CSV_HEADER)
    assert rows[1][2:] == [
        '\'=HYPERLINK("http://evil")',
        "'+44 7700 900123",
        "447700900123",
        "0.500",
    ]
    assert rows[2][2:] == ["Zoë Müller", "(415) 555-0132", "4155550132", "0.970"]
    assert rows[1][1].count(":") == 2  # a local time such as 1970-01-01 00:33:20


def test_export_csv_to_a_path_has_a_bom_for_excel(tmp_path):
    target = tmp_path / "out.csv"
    with ConfirmedStore(tmp_path / "c.sqlite3") as store:
        store.add("4155550132", "Zoë Müller", "(415) 555-0132", 0.97)
        assert store.export_csv(target) == 1
        assert store.export_csv(str(target), limit=0) == 0
    assert target.read_bytes().startswith(b"\xef\xbb\xbfid,time,")
