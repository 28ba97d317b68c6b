"""Matching digit readings (per-digit probabilities) to phone book contacts."""

from __future__ import annotations

import dataclasses
import time

import numpy as np
import pytest

from phonebook import Candidate, Contact, Matcher, PhoneBook, ambiguous, load_phonebook, sample_path


@pytest.fixture(scope="module")
def book() -> PhoneBook:
    return load_phonebook(sample_path())


@pytest.fixture(scope="module")
def matcher(book) -> Matcher:
    return Matcher(book)


def reading(digits: str, sure: float = 0.9, **doubts: dict[int, float]) -> np.ndarray:
    """Probability rows for `digits`: each digit at `sure`, the rest spread evenly.

    doubts: position -> {digit: probability} replacing that row, e.g. p8={7: 0.55, 1: 0.40}.
    """
    probs = np.full((len(digits), 10), (1 - sure) / 9, np.float32)
    for i, ch in enumerate(digits):
        probs[i, int(ch)] = sure
    for key, row in doubts.items():
        i = int(key.removeprefix("p"))
        probs[i] = (1 - sum(row.values())) / (10 - len(row))
        for digit, p in row.items():
            probs[i, digit] = p
    return probs


def names(candidates: list[Candidate]) -> list[str]:
    return [c.contact.name for c in candidates]


def make_book(*entries: tuple[str, str, str]) -> PhoneBook:
    contacts = tuple(Contact(name, digits, digits, country) for name, digits, country in entries)
    return PhoneBook(None, contacts, (), time.time())


def test_exact(matcher):
    found = matcher.match_digits("4155550132")
    assert names(found)[0] == "Zoë Müller"
    assert found[0].score == pytest.approx(1.0)
    assert len(found) == 3
    assert all(0 <= c.score <= 1 for c in found)
    assert [c.score for c in found] == sorted((c.score for c in found), reverse=True)
    assert not ambiguous(found)


def test_separators_are_ignored_and_k_is_respected(matcher):
    assert names(matcher.match_digits("(415) 555-0132", k=1)) == ["Zoë Müller"]
    assert matcher.match_digits("4155550132", k=0) == []


@pytest.mark.parametrize(
    ("digits", "who"),
    [
        ("4155550932", "Zoë Müller"),  # one wrong digit
        ("415555132", "Zoë Müller"),  # one digit missing
        ("41555501332", "Zoë Müller"),  # one extra digit
        ("14155550132", "Zoë Müller"),  # country code written
        ("447700900123", "Siobhán O'Connor"),  # international form
        ("7700900123", "Siobhán O'Connor"),  # national form, no prefix
        ("07700900123", "Siobhán O'Connor"),  # with the trunk prefix
        ("4477009001234", "Siobhán O'Connor"),  # international form, one extra digit
        ("0491570156", "Jack Thompson"),
        ("61491570110", "Mia Anderson"),
    ],
)
def test_finds_the_contact(matcher, digits, who):
    assert names(matcher.match_digits(digits))[0] == who


def test_exact_forms_all_score_1(matcher):
    for digits in ("447700900123", "7700900123", "07700900123"):
        assert matcher.match_digits(digits)[0].score == pytest.approx(1.0)


def test_uncertain_reading_prefers_the_likely_digit(matcher):
    # 4155550132 read with the 3 uncertain between 3 and 6 (Mom is 4155550163: differs more).
    found = matcher.match(reading("4155550132", p8={3: 0.5, 8: 0.45}))
    assert names(found)[0] == "Zoë Müller"


def test_near_twins_are_told_apart_by_probabilities(matcher):
    # Priya Raman 415 555 0118 and Tom Becker 415 555 0178 differ only at position 8.
    clear_1 = matcher.match(reading("4155550118", p8={1: 0.9, 7: 0.05}))
    assert names(clear_1)[:2] == ["Priya Raman", "Tom Becker"]
    assert not ambiguous(clear_1)

    clear_7 = matcher.match(reading("4155550178", p8={7: 0.9, 1: 0.05}))
    assert names(clear_7)[:2] == ["Tom Becker", "Priya Raman"]
    assert not ambiguous(clear_7)

    leaning_7 = matcher.match(reading("4155550178", p8={7: 0.55, 1: 0.40}))
    assert names(leaning_7)[:2] == ["Tom Becker", "Priya Raman"]
    assert leaning_7[0].score > leaning_7[1].score
    assert ambiguous(leaning_7)  # 55:40 is no basis to name one of them

    leaning_1 = matcher.match(reading("4155550178", p8={1: 0.55, 7: 0.40}))
    assert names(leaning_1)[:2] == ["Priya Raman", "Tom Becker"]


def test_second_best_digit_still_finds_the_contact(book):
    # Without Tom in the book, a 7 read at 0.55 (1 at 0.40) must still find Priya, and well.
    without_tom = tuple(c for c in book.contacts if c.name != "Tom Becker")
    matcher = Matcher(dataclasses.replace(book, contacts=without_tom))
    found = matcher.match(reading("4155550178", p8={7: 0.55, 1: 0.40}))
    assert names(found)[0] == "Priya Raman"
    assert found[0].score > 0.8
    assert not ambiguous(found)


def test_stray_mark_costs_little(matcher):
    probs = reading("4155550132")
    stray = np.full((1, 10), 0.005, np.float32)  # the classifier says: not a digit
    found = matcher.match(np.vstack([probs[:3], stray, probs[3:]]))
    assert names(found)[0] == "Zoë Müller"
    assert found[0].score > 0.85


@pytest.mark.parametrize("digits", ["", "4", "41"])
def test_too_short(matcher, digits):
    assert matcher.match_digits(digits) == []


def test_unrelated_reading_scores_low(matcher):
    found = matcher.match_digits("9876543210")
    assert all(c.score < 0.2 for c in found)


def test_bad_shape_is_a_programming_error(matcher):
    with pytest.raises(ValueError):
        matcher.match(np.zeros((10, 9), np.float32))


def test_ambiguous_equal_candidates():
    matcher = Matcher(make_book(("Ann", "2125550140", "1"), ("Bea", "2125550170", "1")))
    found = matcher.match(reading("2125550140", p8={4: 0.48, 7: 0.48}))
    assert set(names(found)) == {"Ann", "Bea"}
    assert found[0].score == pytest.approx(found[1].score)
    assert ambiguous(found)
    assert Matcher.ambiguous(found)


def test_not_ambiguous_between_numbers_of_one_person():
    matcher = Matcher(make_book(("Ann", "2125550140", "1"), ("Ann", "2125550170", "1")))
    found = matcher.match(reading("2125550140", p8={4: 0.48, 7: 0.48}))
    assert names(found) == ["Ann", "Ann"]
    assert not ambiguous(found)


def test_ambiguous_edge_cases():
    c = Contact("Ann", "1", "1", "")
    assert not ambiguous([])
    assert not ambiguous([Candidate(c, 0.9)])
    assert ambiguous([Candidate(c, 0.9), Candidate(dataclasses.replace(c, name="Bea"), 0.9)])


def test_duplicate_rows_do_not_tie_with_themselves():
    matcher = Matcher(make_book(("Ann", "2125550140", "1"), ("Ann", "2125550140", "1")))
    assert names(matcher.match_digits("2125550140")) == ["Ann"]


def test_every_one_edit_neighbour_is_considered():
    # A crowded book: ~100 numbers one edit from what was most likely read (2125550179),
    # more than the shortlist cap. The true number (position 8 read 7@0.55, 4@0.40) must win.
    read = "2125550179"
    crowd = {read[:i] + d + read[i + 1 :] for i in range(10) for d in "0123456789"}
    crowd |= {read[:i] + read[i + 1 :] for i in range(10)}
    crowd.discard(read)
    entries = [(f"n{i}", digits, "1") for i, digits in enumerate(sorted(crowd))]
    matcher = Matcher(make_book(*entries))
    found = matcher.match(reading(read, p8={7: 0.55, 4: 0.40}))
    assert found[0].contact.digits == "2125550149"


def test_larger_book_stays_correct():
    rng = np.random.default_rng(1)
    numbers = {"".join(map(str, rng.integers(0, 10, 10))) for _ in range(5000)}
    entries = [(f"n{i}", digits, "1") for i, digits in enumerate(sorted(numbers))]
    matcher = Matcher(make_book(*entries))
    for name, digits, _ in entries[::500]:
        noisy = digits[:3] + str((int(digits[3]) + 1) % 10) + digits[4:]  # one misread
        assert names(matcher.match_digits(noisy))[0] == name
        assert names(matcher.match_digits("1" + digits[:-1]))[0] == name  # +1, last digit lost


def test_a_small_book_is_matched_exactly(book, matcher):
    # A person's own book is aligned whole: the answer is the reference scan's, every
    # candidate and score, also for readings with digits lost (the index's shortlist left
    # some of those out, and now and then their best).
    rng = np.random.default_rng(5)
    before = matcher.paths.copy()
    for _ in range(100):
        c = book.contacts[rng.integers(len(book.contacts))]
        probs = reading(c.digits, sure=float(rng.uniform(0.5, 0.95)))
        for _ in range(int(rng.integers(0, 3))):
            probs = np.delete(probs, rng.integers(len(probs)), axis=0)
        found, reference = matcher.match(probs), matcher.match_exhaustive(probs)
        assert [(f.contact, f.score) for f in found] == [(r.contact, r.score) for r in reference]
    assert set(matcher.paths - before) == {"whole"}


@pytest.mark.parametrize(("where", "who"), [(7, "Ann"), (8, "Bob"), (None, "Ann")])
def test_a_lost_digit_is_looked_for_where_the_page_shows_one(where, who):
    # "212555047" lost a 1: Ann's number has it before the 4, Bob's after. Alike anywhere
    # else, they tie (book order, Ann first) unless the page says where the digit went.
    matcher = Matcher(make_book(("Ann", "2125550147", "1"), ("Bob", "2125550417", "1")))
    lost = np.zeros((10, 10), np.float32)
    if where is not None:
        lost[where, 1] = 0.2  # a mark there the model refused, leaning to a 1
    found = matcher.match(reading("212555047", sure=1.0), k=2, lost=lost)
    assert found[0].contact.name == who
    assert (found[0].score > found[1].score) == (where is not None)


def test_lost_must_have_a_row_per_gap(matcher):
    with pytest.raises(ValueError, match="lost must have shape"):
        matcher.match(reading("4155550132"), lost=np.zeros((10, 10)))
