"""Time Matcher.match on a synthetic book: python -m phonebook.bench [contacts ...]

Numbers are random (mostly US, some UK); readings are noisy probability rows of a random
contact, written in national, trunk or international form, with now and then a digit dropped
or a stray one added. Prints build time, time per match and how often the top candidate is right.
"""

from __future__ import annotations

import sys
import time

import numpy as np

from .book import Contact, PhoneBook
from .match import Matcher
from .phone import dial_forms


def synthetic_book(size: int, rng: np.random.Generator) -> PhoneBook:
    contacts = []
    seen: set[str] = set()
    while len(contacts) < size:
        uk = rng.random() < 0.2
        digits = ("7" if uk else str(rng.integers(2, 10))) + "".join(
            map(str, rng.integers(0, 10, 9))
        )
        if digits not in seen:
            seen.add(digits)
            contacts.append(Contact(f"person {len(contacts)}", digits, digits, "44" if uk else "1"))
    return PhoneBook(None, tuple(contacts), (), time.time())


def noisy_reading(written: str, rng: np.random.Generator) -> np.ndarray:
    digits = [int(ch) for ch in written]
    if rng.random() < 0.1:
        del digits[rng.integers(len(digits))]
    if rng.random() < 0.1:
        digits.insert(int(rng.integers(len(digits) + 1)), int(rng.integers(10)))
    probs = rng.dirichlet(np.full(10, 0.3), size=len(digits)) * 0.3
    for row, d in zip(probs, digits, strict=True):
        row *= rng.uniform(0.02, 0.5) / row.sum()  # mass on wrong digits
        row[d] += 1 - row.sum()
        if rng.random() < 0.1:  # a confusion: another digit wins
            row[d], row[(d + 6) % 10] = row[(d + 6) % 10], row[d]
    return probs.astype(np.float32)


def main(sizes: list[int]) -> None:
    rng = np.random.default_rng(0)
    for size in sizes:
        book = synthetic_book(size, rng)
        t0 = time.perf_counter()
        matcher = Matcher(book)
        built = time.perf_counter() - t0
        picks = rng.integers(size, size=500)
        readings = []
        for i in picks:
            forms = dial_forms(book.contacts[i].country, book.contacts[i].digits)
            readings.append(noisy_reading(forms[rng.integers(len(forms))], rng))
        matcher.match(readings[0])  # warm up
        t0 = time.perf_counter()
        results = [matcher.match(r) for r in readings]
        per = (time.perf_counter() - t0) / len(readings)
        pairs = zip(results, picks, strict=True)
        right = sum(bool(res) and res[0].contact is book.contacts[i] for res, i in pairs)
        print(
            f"{size:>7} contacts: index {built * 1e3:.0f} ms, match {per * 1e3:.3f} ms/reading, "
            f"top-1 right {right / len(readings):.1%}"
        )


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [10_000, 100_000])
