"""Turn the text of a contacts file into rows of (line, name, phone cells), whatever its layout.

Understands a plain `name,phone` CSV (`,` `;` or tab), exports from Google Contacts and Outlook
(several name and phone columns), and vCard. Knows nothing about phone numbers themselves.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

Skip = tuple[int, str]  # (line number, reason)


class FormatError(Exception):
    """The file as a whole cannot be used; str() is a short reason without the file name."""


@dataclass(slots=True)
class Row:
    line: int  # where the record starts, 1-based
    name: str
    phones: list[str]  # raw non-empty phone cells; one cell may hold several numbers


def read_rows(text: str, suffix: str = "") -> tuple[Iterable[Row], list[Skip]]:
    """Rows with a name and at least one phone cell, and the records that had to be skipped.

    The file as a whole is checked now (FormatError); CSV rows are then produced one at a time,
    so a million-row book never holds all its rows at once, and `skipped` fills up as they are.
    """
    if suffix.lower() in (".vcf", ".vcard") or text.lstrip()[:11].upper() == "BEGIN:VCARD":
        return read_vcard(text)
    return read_csv(text)


# --- CSV -------------------------------------------------------------------------------------


# Header names, compared after _norm(): lower case, words separated by one space.
def _names(spec: str) -> frozenset[str]:
    return frozenset(spec.split("|"))


_NAME = _names("name|full name|fullname|display name|contact|contact name|person|nom|nombre|nome")
_GIVEN = _names("first name|given name|first|firstname|given|forename|vorname|prénom|prenom")
_MIDDLE = _names("middle name|additional name|middle")
_FAMILY = _names("last name|family name|surname|last|lastname|nachname")
_NICK = _names("nickname|nick name")
_ORG = _names(  # "organization 1 name": older Google exports say "Organization 1 - Name"
    "company|company name|organization|organisation|organization name|org|organization 1 name"
)
# A header holding any of these words is a phone column ("Mobile Phone", "Phone 1 - Value"),
# unless it also holds a word from _NOT_PHONE ("Phone 1 - Label", "Business Fax").
_PHONE_WORDS = _names(
    "phone|phones|mobile|cell|cellphone|telephone|tel|telefon|telefono|teléfono|téléphone"
    "|handy|portable|móvil|movil"
)
_PHONE_EXACT = _names("number|numbers|contact number")
_NOT_PHONE = _names("fax|pager|telex|type|label|ext|extension|phonetic")
_ROLES = {
    "name": _NAME,
    "given": _GIVEN,
    "middle": _MIDDLE,
    "family": _FAMILY,
    "nick": _NICK,
    "org": _ORG,
}


def _norm(header: str) -> str:
    return " ".join(re.findall(r"[^\W_]+", header.casefold()))


@dataclass(slots=True)
class _Columns:
    name: int | None = None
    given: int | None = None
    middle: int | None = None
    family: int | None = None
    nick: int | None = None
    org: int | None = None
    phones: list[int] = field(default_factory=list)

    @classmethod
    def from_header(cls, header: list[str]) -> _Columns:
        cols = cls()
        for i, raw in enumerate(header):
            h = _norm(raw)
            words = set(h.split())
            if h in _PHONE_EXACT or (words & _PHONE_WORDS and not words & _NOT_PHONE):
                cols.phones.append(i)
                continue
            for attr, names in _ROLES.items():
                if h in names and getattr(cols, attr) is None:
                    setattr(cols, attr, i)
        return cols

    def has_name(self) -> bool:
        return any(c is not None for c in (self.name, self.given, self.family, self.nick, self.org))

    def name_of(self, fields: list[str]) -> str:
        def cell(i: int | None) -> str:
            return fields[i].strip() if i is not None else ""

        if name := cell(self.name):
            return name
        if name := " ".join(p for p in map(cell, (self.given, self.middle, self.family)) if p):
            return name
        return cell(self.nick) or cell(self.org)

    def key_cells(self, fields: list[str]) -> list[str]:
        idx = [self.name, self.given, self.middle, self.family, self.nick, self.org, *self.phones]
        return [fields[i] for i in idx if i is not None and i < len(fields)]


def _sniff_delimiter(line: str) -> str:
    """The delimiter of a header line: whichever of , ; tab occurs most outside quotes."""
    bare = re.sub(r'"[^"]*"', "", line)
    counts = {d: bare.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _is_blank_or_comment(line: str) -> bool:
    stripped = line.strip()
    return not stripped or stripped.startswith("#")


def _records(
    lines: list[str], start: int, delimiter: str, suspicious: Callable[[list[str]], bool]
) -> Iterator[tuple[int, list[str] | None]]:
    """(line number, fields) per record from lines[start:]; fields is None if unreadable.

    A stray quote makes csv swallow every following line into one field, sinking the rest of
    the book; a multi-line record that looks wrong is therefore re-read one line at a time.
    """

    def reader(src: Iterable[str]) -> Iterator[list[str]]:
        return csv.reader(src, delimiter=delimiter, skipinitialspace=True)

    rows = reader(itertools.islice(lines, start, None))
    done = 0  # lines consumed so far
    while True:
        try:
            fields = next(rows)
        except StopIteration:
            return
        except csv.Error:
            if rows.line_num == done:  # no progress: give up rather than spin
                return
            yield start + done + 1, None
            done = rows.line_num
            continue
        first, last = start + done + 1, start + rows.line_num
        done = rows.line_num
        if last > first and suspicious(fields):
            for no in range(first, last + 1):
                yield no, next(reader([lines[no - 1]]), [])
        else:
            yield first, fields


def read_csv(text: str) -> tuple[Iterator[Row], list[Skip]]:
    lines = list(io.StringIO(text, newline=""))  # csv's own notion of lines, for line numbers
    i = 0
    while i < len(lines) and _is_blank_or_comment(lines[i]):
        i += 1
    if i == len(lines):
        raise FormatError("no contacts in the file")
    if m := re.fullmatch(r"sep=(.)", lines[i].strip(), re.IGNORECASE):  # Excel's delimiter hint
        delimiter = m.group(1)
        i += 1
        while i < len(lines) and _is_blank_or_comment(lines[i]):
            i += 1
        if i == len(lines):
            raise FormatError("no contacts in the file")
    else:
        delimiter = _sniff_delimiter(lines[i])

    header = next(csv.reader([lines[i]], delimiter=delimiter, skipinitialspace=True), [])
    if any(len(re.sub(r"\D", "", cell)) >= 7 for cell in header):
        header, cols = [], _Columns()  # no header at all: the first line is a contact
    else:
        cols = _Columns.from_header(header)
        i += 1
    sample = _sample(lines, i, delimiter)
    if not cols.phones or not cols.has_name():
        # The header does not say (another language, or none): find them by what they hold.
        _columns_by_content(cols, sample)
    if not cols.phones or not cols.has_name():
        missing = (
            "'name' or 'phone'"
            if not cols.phones and not cols.has_name()
            else ("'phone'" if not cols.phones else "'name'")
        )
        if not header:  # never quote a data line: it holds a phone number
            raise FormatError(f"no header line, and no column looks like a {missing} column")
        shown = ", ".join(h.strip()[:20] for h in header[:6]) + (", ..." if len(header) > 6 else "")
        raise FormatError(f"no {missing} column (first line has: {shown})")

    ncols = len(header) or max(len(r) for r in sample)

    def suspicious(fields: list[str]) -> bool:
        # A name or phone cell spanning lines that look like rows: a stray quote ate them.
        # (A quoted cell with one number per line is fine: those lines hold no delimiter.)
        cells = cols.key_cells(fields)
        return len(fields) != ncols or any(
            ("\n" in c or "\r" in c) and delimiter in c for c in cells
        )

    skipped: list[Skip] = []
    return _csv_rows(lines, i, delimiter, cols, ncols, suspicious, skipped), skipped


def _sample(lines: list[str], start: int, delimiter: str, rows: int = 50) -> list[list[str]]:
    text = itertools.islice((ln for ln in lines[start:] if not _is_blank_or_comment(ln)), rows)
    return list(csv.reader(text, delimiter=delimiter, skipinitialspace=True))


def _columns_by_content(cols: _Columns, sample: list[list[str]]) -> None:
    """Fill in the phone and name columns from the cells: phone numbers are mostly digits
    (seven or more), names mostly letters. A role the header named is kept."""
    width = max((len(r) for r in sample), default=0)
    phone_share, name_share = [0.0] * width, [0.0] * width
    for c in range(width):
        cells = [r[c].strip() for r in sample if c < len(r) and r[c].strip()]
        if not cells:
            continue
        phone_share[c] = sum(_looks_like_phone(x) for x in cells) / len(cells)
        name_share[c] = sum(_looks_like_name(x) for x in cells) / len(cells)
    if not cols.phones:
        cols.phones = [c for c in range(width) if phone_share[c] >= CONTENT_SHARE]
    if not cols.has_name():
        names = [c for c in range(width) if c not in cols.phones and name_share[c] >= CONTENT_SHARE]
        if names:
            cols.name = max(names, key=lambda c: name_share[c])


CONTENT_SHARE = 0.6  # share of a column's cells that must look the part


def _looks_like_phone(cell: str) -> bool:
    digits = sum(ch.isdigit() for ch in cell)
    return digits >= 7 and digits >= 0.6 * len(cell.replace(" ", ""))


def _looks_like_name(cell: str) -> bool:
    letters = sum(ch.isalpha() for ch in cell)
    return letters >= 2 and "@" not in cell and not re.search(r"\d{3}", cell)


def _csv_rows(
    lines: list[str],
    start: int,
    delimiter: str,
    cols: _Columns,
    ncols: int,
    suspicious: Callable[[list[str]], bool],
    skipped: list[Skip],
) -> Iterator[Row]:
    for line, fields in _records(lines, start, delimiter, suspicious):
        if fields is None:
            skipped.append((line, "unreadable line"))
            continue
        if not "".join(fields).strip() or fields[0].lstrip().startswith("#"):
            continue
        if len(fields) > ncols and any(f.strip() for f in fields[ncols:]):
            hint = " (a name containing the delimiter needs quotes)" if delimiter != "\t" else ""
            skipped.append((line, f"{len(fields)} fields but the header has {ncols}{hint}"))
            continue
        fields = fields + [""] * (ncols - len(fields))
        name = " ".join(cols.name_of(fields).split())
        phones = [fields[c] for c in cols.phones if fields[c].strip()]
        if not phones:
            skipped.append((line, "no phone number"))
        elif not name:
            skipped.append((line, "no name"))
        else:
            yield Row(line, name, phones)


# --- vCard -----------------------------------------------------------------------------------


def _card_name(card: object) -> str:
    contents: dict[str, list] = getattr(card, "contents", {})
    for fn in contents.get("fn", []):
        if isinstance(fn.value, str) and fn.value.strip():
            return fn.value.strip()
    for n in contents.get("n", []):
        value = n.value
        parts = [getattr(value, a, "") for a in ("prefix", "given", "additional", "family")]
        words = [" ".join(p) if isinstance(p, list) else str(p) for p in parts]
        if name := " ".join(w for w in words if w.strip()):
            return name
    for key in ("nickname", "org"):
        for item in contents.get(key, []):
            value = item.value
            text = " ".join(value) if isinstance(value, list) else str(value)
            if text.strip():
                return text.strip()
    return ""


def read_vcard(text: str) -> tuple[list[Row], list[Skip]]:
    try:
        import vobject  # optional: only vCard files need it
    except ImportError:
        raise FormatError("reading vCard files needs the 'vobject' package") from None

    cards: list[tuple[int, list[str]]] = []
    start: int | None = None
    buf: list[str] = []
    for no, line in enumerate(io.StringIO(text, newline=""), 1):
        line = line.rstrip("\r\n")
        tag = line.strip().upper()
        if start is None:
            if tag == "BEGIN:VCARD":
                start, buf = no, [line]
            continue
        buf.append(line)
        if tag == "END:VCARD":
            cards.append((start, buf))
            start = None
    if start is not None:  # last card not closed: read what is there
        cards.append((start, [*buf, "END:VCARD"]))
    if not cards:
        raise FormatError("no BEGIN:VCARD in the file")

    rows: list[Row] = []
    skipped: list[Skip] = []
    for line, card_lines in cards:
        try:
            card = vobject.readOne("\r\n".join(card_lines) + "\r\n", allowQP=True)
        except Exception:  # vobject raises many kinds; one bad card must not sink the book
            skipped.append((line, "unreadable vCard"))
            continue
        name = " ".join(_card_name(card).split())
        phones = [str(t.value) for t in card.contents.get("tel", []) if str(t.value).strip()]
        if not phones:
            skipped.append((line, "no phone number"))
        elif not name:
            skipped.append((line, "no name"))
        else:
            rows.append(Row(line, name, phones))
    return rows, skipped
