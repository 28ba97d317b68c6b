"""Loading phone book files: formats, encodings, bad rows, and errors the user can read."""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import pytest

from phonebook import Contact, PhoneBookError, load_phonebook, sample_path
from phonebook.phone import normalize_number


def write(tmp_path: Path, text: str, name: str = "contacts.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def by_name(book) -> dict[str, list[Contact]]:
    out: dict[str, list[Contact]] = {}
    for c in book.contacts:
        out.setdefault(c.name, []).append(c)
    return out


def test_sample_has_40_distinct_fictional_contacts():
    book = load_phonebook(sample_path())
    assert len(book.contacts) == 40
    assert book.skipped == ()
    assert book.path == sample_path()
    assert len({(c.country, c.digits) for c in book.contacts}) == 40
    names = {c.name for c in book.contacts}
    assert {"Zoë Müller", "José Núñez"} <= names
    # Exactly one pair of "near twins": same length, one digit apart.
    twins = [
        (a.name, b.name)
        for a, b in itertools.combinations(book.contacts, 2)
        if len(a.digits) == len(b.digits)
        and sum(x != y for x, y in zip(a.digits, b.digits, strict=True)) == 1
    ]
    assert twins == [("Priya Raman", "Tom Becker")]


def test_bad_rows_are_skipped_with_their_line_number(tmp_path):
    path = write(
        tmp_path,
        "name,phone\n"
        "Alice,(415) 555-0100\n"
        "Bob,415-555-0101,surplus\n"  # 3: wrong column count
        "Carol,\n"  # 4: empty phone
        "Dave,call me maybe\n"  # 5: garbage
        "\n"
        "Eve,12\n"  # 7: too short to be a number
        ",415-555-0102\n"  # 8: no name
        "Frank,415-555-0103\n",
    )
    book = load_phonebook(path)
    assert [c.name for c in book.contacts] == ["Alice", "Frank"]
    lines = [line for line, _ in book.skipped]
    assert lines == [3, 4, 5, 7, 8]
    reasons = dict(book.skipped)
    assert "3 fields" in reasons[3]
    assert "no phone" in reasons[4]
    assert "no digits" in reasons[5]
    assert "too short" in reasons[7]
    assert "no name" in reasons[8]
    # Phone numbers are personal data: reasons never repeat them.
    assert not any("555" in reason for _, reason in book.skipped)


def test_unclosed_quote_does_not_swallow_the_rest(tmp_path):
    path = write(
        tmp_path, 'name,phone\nAlice,"415-555-0100\nBob,415-555-0101\nCarol,415-555-0102\n'
    )
    book = load_phonebook(path)
    assert [c.name for c in book.contacts] == ["Alice", "Bob", "Carol"]


def test_quoted_cell_with_one_number_per_line(tmp_path):
    path = write(tmp_path, 'name,phone\nAlice,"415-555-0100\n415-555-0101"\nBob,415-555-0102\n')
    book = load_phonebook(path)
    assert [(c.name, c.digits) for c in book.contacts] == [
        ("Alice", "4155550100"),
        ("Alice", "4155550101"),
        ("Bob", "4155550102"),
    ]
    assert book.skipped == ()


def test_semicolons_and_latin1(tmp_path):
    path = write(
        tmp_path,
        "Nom;Téléphone\nJosé Núñez;+34 612 34 56 78\nFrançois Lefèvre;+33 1 99 00 58 36\n",
        encoding="latin-1",
    )
    book = load_phonebook(path)
    assert [(c.name, c.country, c.digits) for c in book.contacts] == [
        ("José Núñez", "34", "612345678"),
        ("François Lefèvre", "33", "199005836"),
    ]


def test_utf8_bom_and_header_aliases(tmp_path):
    path = write(tmp_path, "\ufeffFull Name,Mobile\nZoë Müller,(415) 555-0132\n")
    book = load_phonebook(path)
    assert book.contacts == (Contact("Zoë Müller", "(415) 555-0132", "4155550132", "1"),)


@pytest.mark.parametrize("header", ["NAME,PHONE", "Name,Number", "name,Telephone", "Name\tPhone"])
def test_header_names_are_case_insensitive(tmp_path, header):
    delimiter = "\t" if "\t" in header else ","
    book = load_phonebook(write(tmp_path, f"{header}\nAma Mensah{delimiter}415-555-0104\n"))
    assert [(c.name, c.digits) for c in book.contacts] == [("Ama Mensah", "4155550104")]


def test_several_numbers_in_one_cell(tmp_path):
    path = write(
        tmp_path,
        'name,phone\nZoë,"(415) 555-0132 ::: +44 7700 900123"\nJosé,415-555-0147; 415-555-0163\n',
    )
    book = load_phonebook(path)
    assert [(c.name, c.phone, c.country, c.digits) for c in book.contacts] == [
        ("Zoë", "(415) 555-0132", "1", "4155550132"),
        ("Zoë", "+44 7700 900123", "44", "7700900123"),
        ("José", "415-555-0147", "1", "4155550147"),
        ("José", "415-555-0163", "1", "4155550163"),
    ]


@pytest.mark.parametrize(
    ("written", "region", "country", "digits"),
    [
        ("+44 7700 900123", "US", "44", "7700900123"),
        ("+44 7700 900123", "GB", "44", "7700900123"),
        ("07700 900123", "GB", "44", "7700900123"),
        ("+44 (0)20 7946 0958", "US", "44", "2079460958"),
        ("0044 7700 900123", "US", "44", "7700900123"),
        ("(415) 555-0132", "US", "1", "4155550132"),
        ("1-415-555-0132", "US", "1", "4155550132"),
        ("+1 212 555 0198", "GB", "1", "2125550198"),
        ("415-555-0132 (work)", "US", "1", "4155550132"),
        ("Mobile: 415.555.0132", "US", "1", "4155550132"),
        ("+61 491 570 156", "US", "61", "491570156"),
        # Not a possible number under the region: kept on its raw digits, country unknown.
        ("07700 900123", "US", "", "07700900123"),
        ("+1 415 555 01", "US", "", "141555501"),
    ],
)
def test_normalization(tmp_path, written, region, country, digits):
    assert normalize_number(written, region) == (country, digits)
    book = load_phonebook(write(tmp_path, f"name,phone\nSomeone,{written}\n"), region=region)
    assert book.contacts == (Contact("Someone", written, digits, country),)


def test_google_contacts_export(tmp_path):
    path = write(
        tmp_path,
        "First Name,Middle Name,Last Name,Organization Name,Phone 1 - Label,Phone 1 - Value,"
        "Phone 2 - Label,Phone 2 - Value,Notes\n"
        'Zoë,,Müller,,Mobile,+1 415-555-0132 ::: (415) 555-0147,Work,+44 7700 900123,"two\nlines"\n'
        ",,,Acme Plumbing,Work,303-555-0144,,,\n"
        "Bob,,,,,,,,\n",
    )
    book = load_phonebook(path)
    assert [(c.name, c.digits) for c in book.contacts] == [
        ("Zoë Müller", "4155550132"),
        ("Zoë Müller", "4155550147"),
        ("Zoë Müller", "7700900123"),
        ("Acme Plumbing", "3035550144"),
    ]
    assert book.skipped == ((5, "no phone number"),)


def test_outlook_export(tmp_path):
    path = write(
        tmp_path,
        '"First Name","Last Name","Business Fax","Business Phone","Mobile Phone","Pager",'
        '"Primary Phone"\n'
        '"José","Núñez","415-555-0199","415-555-0110","+1 415 555 0120","415-555-0198",'
        '"415-555-0110"\n',
    )
    book = load_phonebook(path)
    # Fax and pager are no phone numbers to call; the same number twice is one contact.
    assert [(c.name, c.digits) for c in book.contacts] == [
        ("José Núñez", "4155550110"),
        ("José Núñez", "4155550120"),
    ]


def test_vcard(tmp_path):
    pytest.importorskip("vobject")
    path = write(
        tmp_path,
        "BEGIN:VCARD\nVERSION:3.0\nFN:Zoë Müller\nN:Müller;Zoë;;;\n"
        "TEL;TYPE=CELL:+1 415 555 0132\nTEL;TYPE=WORK:+44 7700 900123\nEND:VCARD\n"
        "BEGIN:VCARD\nVERSION:2.1\n"
        "N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:N=C3=BA=C3=B1ez;Jos=C3=A9;;;\n"
        "TEL;CELL:415-555-0147\nEND:VCARD\n"
        "BEGIN:VCARD\nVERSION:4.0\nFN:No Phone\nEMAIL:x@example.com\nEND:VCARD\n",
        name="contacts.vcf",
    )
    book = load_phonebook(path)
    assert [(c.name, c.country, c.digits) for c in book.contacts] == [
        ("Zoë Müller", "1", "4155550132"),
        ("Zoë Müller", "44", "7700900123"),
        ("José Núñez", "1", "4155550147"),
    ]
    assert book.skipped == ((13, "no phone number"),)


def assert_one_line_error(path: Path, *words: str, region: str = "US") -> None:
    with pytest.raises(PhoneBookError) as info:
        load_phonebook(path, region=region)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"phone book {path.name}:")
    for word in words:
        assert word in message


def test_missing_file(tmp_path):
    assert_one_line_error(tmp_path / "nowhere.csv", "not found")


def test_no_phone_column(tmp_path):
    assert_one_line_error(write(tmp_path, "name,email\nAlice,a@example.com\n"), "'phone'")


def test_no_name_column(tmp_path):
    assert_one_line_error(write(tmp_path, "phone,email\n415-555-0100,a@example.com\n"), "'name'")


def test_no_header_columns_found_by_content(tmp_path):
    path = write(tmp_path, "Alice Smith,415-555-0100,alice@example.com\nBob Jones,415-555-0101,\n")
    book = load_phonebook(path)
    assert [(c.name, c.digits) for c in book.contacts] == [
        ("Alice Smith", "4155550100"), ("Bob Jones", "4155550101")]


def test_header_in_another_language_columns_found_by_content(tmp_path):
    path = write(tmp_path, "Kennung;Rufname;Anschluss\n1;Jörg Weiß;+49 30 901820\n"
                           "2;Anna Berg;+49 30 901821\n")
    book = load_phonebook(path)
    assert [c.name for c in book.contacts] == ["Jörg Weiß", "Anna Berg"]
    assert book.contacts[0].country == "49"


def test_no_header_and_nothing_like_a_name(tmp_path):
    # The error must not quote the first line: it is data, with a phone number in it.
    path = write(tmp_path, "415-555-0100,2021\n415-555-0101,2022\n")
    assert_one_line_error(path, "no header line")
    with pytest.raises(PhoneBookError) as info:
        load_phonebook(path)
    assert "555" not in str(info.value) and "'name'" in str(info.value)


@pytest.mark.parametrize("content", [b"", b"  \n\n", b"name,phone\n"])
def test_empty_file(tmp_path, content):
    path = tmp_path / "contacts.csv"
    path.write_bytes(content)
    assert_one_line_error(path)


def test_not_a_text_file(tmp_path):
    path = tmp_path / "contacts.xlsx"
    path.write_bytes(b"PK\x03\x04" + bytes(range(256)))
    assert_one_line_error(path, "CSV")


def test_folder_instead_of_file(tmp_path):
    assert_one_line_error(tmp_path, "folder")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads anything")
def test_unreadable_file(tmp_path):
    path = write(tmp_path, "name,phone\nA,415-555-0100\n")
    path.chmod(0)
    assert_one_line_error(path, "permission")


def test_unknown_region(tmp_path):
    assert_one_line_error(write(tmp_path, "name,phone\nA,415-555-0100\n"), "region", region="XX")


def test_book_is_immutable():
    book = load_phonebook(sample_path())
    with pytest.raises(AttributeError):
        book.contacts[0].name = "someone else"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        book.contacts = ()  # type: ignore[misc]
