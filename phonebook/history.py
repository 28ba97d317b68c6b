"""`numrec history`: list the confirmed matches, newest first, or export them as CSV.

Exit codes: 0 done, 1 the store cannot be read or the CSV cannot be written, 2 bad arguments.
"""

from __future__ import annotations

import argparse
import os
import sys
import unicodedata
from collections.abc import Sequence
from pathlib import Path

from .store import Confirmed, ConfirmedStore, StoreError, default_path, local_time, write_csv

LISTED = 100  # matches listed when --limit is not given (an export takes all)
NAME_WIDTH = 32  # longer names are cut short in the table


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="numrec history",
        description="List the confirmed matches, newest first, or export them as CSV.",
    )
    parser.add_argument(
        "--db", type=Path, help=f"the store of confirmed matches (default: {default_path()})"
    )
    parser.add_argument(
        "--limit",
        type=_count,
        metavar="N",
        help=f"at most N matches, newest first (default: {LISTED} listed, all exported)",
    )
    parser.add_argument(
        "--csv",
        metavar="FILE",
        help="write CSV to FILE ('-' for standard output) instead of listing; "
        "cells a spreadsheet would run as formulas start with an apostrophe",
    )
    return parser


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _printable(text: str) -> str:
    """Control characters from a contacts file must not reach the terminal as escapes."""
    return "".join("?" if unicodedata.category(ch) == "Cc" else ch for ch in text)


def _width(text: str) -> int:
    """Terminal columns: wide (CJK) characters take two, combining marks none."""
    return sum(
        0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        for ch in text
    )


def _cut(text: str, width: int) -> str:
    while _width(text) > width:
        text = text[: -2 if text.endswith("…") else -1] + "…"
    return text


def _pad(text: str, width: int, right: bool = False) -> str:
    fill = " " * (width - _width(text))
    return fill + text if right else text + fill


def table(rows: Sequence[Confirmed]) -> str:
    """The matches as aligned columns: time, name, number, digits read, score."""
    header = ("time", "name", "number", "digits read", "score")
    lines = [
        (
            local_time(r.time)[:16],
            _cut(_printable(r.name), NAME_WIDTH),
            _printable(r.phone),
            _printable(r.digits),
            f"{r.score:.2f}",
        )
        for r in rows
    ]
    widths = [max(_width(cells[i]) for cells in (header, *lines)) for i in range(len(header))]

    def fmt(cells: Sequence[str]) -> str:
        left = "  ".join(_pad(c, w) for c, w in zip(cells[:-1], widths[:-1], strict=True))
        return f"{left}  {_pad(cells[-1], widths[-1], right=True)}"

    return "\n".join([fmt(header), *(fmt(cells) for cells in lines)])


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = _parser().parse_args(argv)
    except SystemExit as e:  # argparse has printed why (or the help)
        return e.code if isinstance(e.code, int) else 2
    try:
        rows = _read(args.db, args.limit or (None if args.csv else LISTED))
        if args.csv is None:
            print(table(rows) if rows else "no confirmed matches yet")
        elif args.csv == "-":
            write_csv(sys.stdout, rows)
        else:
            write_csv(args.csv, rows)
            print(f"wrote {len(rows)} confirmed matches to {args.csv}")
    except StoreError as e:
        print(f"numrec history: {e}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # `numrec history | head`: the reader has had enough
        sys.stdout = open(os.devnull, "w")  # so that the flush at exit does not fail again
        return 0
    except OSError as e:  # the CSV file cannot be written
        print(f"numrec history: cannot write {args.csv}: {e.strerror or e}", file=sys.stderr)
        return 1
    return 0


def _read(db: Path | None, limit: int | None) -> list[Confirmed]:
    """The matches to show. No store at the default place just means none confirmed yet; a
    store named on the command line must exist (a typo must not pass for an empty history)."""
    path = default_path() if db is None else db
    if db is None and not path.exists():
        return []
    with ConfirmedStore(path, create=False) as store:
        return store.recent(limit)


if __name__ == "__main__":
    sys.exit(main())
