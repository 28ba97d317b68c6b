"""`numrec history`: the listing, the CSV export, and its errors and exit codes."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import pytest

from phonebook.history import main
from phonebook.store import CSV_HEADER, ConfirmedStore

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def db(tmp_path) -> Path:
    path = tmp_path / "confirmed.sqlite3"
    with ConfirmedStore(path) as store:
        store.add("4155550132", "Zoë Müller", "(415) 555-0132", 0.97, when=1_700_000_000)
        store.add("447700900123", "Siobhán O'Connor", "+44 7700 900123", 0.812, when=1_700_000_100)
        store.add("4155550118", '=HYPERLINK("x")\x1b[31m', "415 555 0118", 0.5, when=1_700_000_050)
    return path


def history(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "phonebook.history", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_lists_newest_first_as_a_table(db, capsys):
    assert main(["--db", str(db)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["time", "name", "number", "digits", "read", "score"]
    assert "Siobhán O'Connor" in lines[1] and "+44 7700 900123" in lines[1]
    assert lines[1].rstrip().endswith("0.81")
    assert "Zoë Müller" in lines[3] and "4155550132" in lines[3]
    assert len({len(line) for line in lines}) == 1  # aligned, the score right-aligned last


def test_control_characters_do_not_reach_the_terminal(db, capsys):
    main(["--db", str(db)])
    out = capsys.readouterr().out
    assert "\x1b" not in out and '=HYPERLINK("x")?[31m' in out


def test_wide_and_long_names_keep_the_columns_aligned(tmp_path, capsys):
    path = tmp_path / "c.sqlite3"
    with ConfirmedStore(path) as store:
        store.add("0312345678", "山田太郎", "03-1234-5678", 0.9)
        store.add("4155550132", "A" * 80, "(415) 555-0132", 0.9)
    main(["--db", str(path)])
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].index("(415)") == lines[0].index("number")
    assert "…" in lines[1] and len(lines[1]) < 120
    # four wide characters fill eight columns: the number starts 4 characters earlier
    assert lines[2].index("03-1234") == lines[0].index("number") - 4


def test_limit(db, capsys):
    assert main(["--db", str(db), "--limit", "1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and "Siobhán" in lines[1]


def test_empty_store(tmp_path, capsys):
    path = tmp_path / "c.sqlite3"
    ConfirmedStore(path).close()
    assert main(["--db", str(path)]) == 0
    assert capsys.readouterr().out == "no confirmed matches yet\n"


def test_csv_to_stdout(db):
    done = history("--db", str(db), "--csv", "-")
    assert done.returncode == 0, done.stderr
    rows = list(csv.reader(io.StringIO(done.stdout)))
    assert rows[0] == list(CSV_HEADER)
    assert [r[2] for r in rows[1:]] == [
        "Siobhán O'Connor",
        '\'=HYPERLINK("x")\x1b[31m',
        "Zoë Müller",
    ]
    assert rows[1][3] == "'+44 7700 900123"


def test_csv_to_a_file(db, tmp_path, capsys):
    target = tmp_path / "out.csv"
    assert main(["--db", str(db), "--csv", str(target), "--limit", "2"]) == 0
    assert "wrote 2 confirmed matches" in capsys.readouterr().out
    rows = list(csv.reader(io.StringIO(target.read_text(encoding="utf-8-sig"))))
    assert len(rows) == 3


def test_csv_that_cannot_be_written(db, tmp_path, capsys):
    assert main(["--db", str(db), "--csv", str(tmp_path / "no" / "such" / "dir.csv")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("numrec history: cannot write") and err.count("\n") == 1


def test_bad_store_is_exit_1_with_one_line(tmp_path):
    junk = tmp_path / "junk.sqlite3"
    junk.write_text("name,phone\nAnn,2125550140\n" * 40)
    for path in (junk, tmp_path, tmp_path / "missing.sqlite3"):
        done = history("--db", str(path))
        assert done.returncode == 1
        assert done.stdout == ""
        assert done.stderr.startswith("numrec history: confirmed matches ")
        assert done.stderr.count("\n") == 1
    assert not (tmp_path / "missing.sqlite3").exists()  # a typo does not make a new store


@pytest.mark.parametrize("args", [["--limit", "0"], ["--limit", "x"], ["--nope"], ["extra"]])
def test_bad_arguments_are_exit_2(args, capsys):
    assert main(args) == 2
    assert "usage: numrec history" in capsys.readouterr().err


def test_help_is_exit_0(capsys):
    assert main(["--help"]) == 0
    assert "--csv" in capsys.readouterr().out


def test_bad_arguments_from_the_command_line():
    done = history("--limit", "-3")
    assert done.returncode == 2 and "usage:" in done.stderr
