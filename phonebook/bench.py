"""Time loading and matching a synthetic phone book: python -m phonebook.bench [--sizes ...]

Each size is measured in a fresh process, so its peak RSS is its own. The book is a real CSV
file (mostly US numbers in the usual national formats, a fifth UK numbers written +44) loaded
with load_phonebook. Readings are noisy probability rows of random contacts' numbers, written
in national, trunk or international form, with now and then a digit dropped or a stray one
added, and now and then a confident misread. The same readings are matched by brute force:
rapidfuzz process.extractOne (fuzz.ratio) of the most likely digits over every contact's
national digits.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import resource
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

from .book import load_phonebook
from .match import Matcher
from .phone import dial_forms

# How a synthetic US number is written: mostly fast-path formats, some the library must parse.
_US_FORMATS = (
    "({0}) {1}-{2}",
    "{0}-{1}-{2}",
    "{0}.{1}.{2}",
    "{0} {1} {2}",
    "+1 {0} {1} {2}",
    "1-{0}-{1}-{2}",  # starts with the country code: the slow path
)


def write_book(path: Path, size: int, rng: np.random.Generator) -> None:
    """A `name,phone` CSV of `size` distinct numbers."""
    uk = rng.random(size * 2) < 0.2
    numbers = np.where(uk, 7, rng.integers(2, 10, size * 2)) * 10**9
    numbers += rng.integers(0, 10**9, size * 2)
    _, first = np.unique(numbers, return_index=True)  # distinct, in drawing order
    pick = np.sort(first)[:size]
    styles = rng.integers(0, len(_US_FORMATS), size).tolist()
    lines = ["name,phone\n"]
    for i, (number, is_uk, style) in enumerate(
        zip(numbers[pick].tolist(), uk[pick].tolist(), styles, strict=True)
    ):
        d = str(number)
        phone = f"+44 {d[:4]} {d[4:]}" if is_uk else _US_FORMATS[style].format(d[:3], d[3:6], d[6:])
        lines.append(f"Person {i},{phone}\n")
    path.write_text("".join(lines), encoding="utf-8")


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


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def measure(size: int, readings: int = 200, seed: int = 0) -> dict:
    """One bench row, measured in this process."""
    from rapidfuzz import fuzz, process

    rng = np.random.default_rng(seed)
    base_rss = _rss_mb()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "contacts.csv"
        write_book(path, size, rng)
        t0 = time.perf_counter()
        book = load_phonebook(path)
        load_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    matcher = Matcher(book)
    index_s = time.perf_counter() - t0

    contacts = book.contacts
    picks = rng.integers(len(contacts), size=readings).tolist()
    probs = []
    for i in picks:
        forms = dial_forms(contacts[i].country, contacts[i].digits)
        probs.append(noisy_reading(forms[rng.integers(len(forms))], rng))
    queries = [bytes(p.argmax(axis=1).astype(np.uint8) + 48).decode() for p in probs]
    choices = [c.digits for c in contacts]

    matcher.match(probs[0])  # warm up
    matcher.paths.clear()
    fast, fast_right = [], 0
    for p, i in zip(probs, picks, strict=True):
        t0 = time.perf_counter()
        found = matcher.match(p)
        fast.append(time.perf_counter() - t0)
        fast_right += bool(found) and found[0].contact is contacts[i]
    slow, slow_right = [], 0
    for q, i in zip(queries, picks, strict=True):
        t0 = time.perf_counter()
        best = process.extractOne(q, choices, scorer=fuzz.ratio)
        slow.append(time.perf_counter() - t0)
        slow_right += best is not None and best[2] == i

    median, brute = float(np.median(fast)) * 1e3, float(np.median(slow)) * 1e3
    return {
        "bench": "match",
        "contacts": len(contacts),
        "median_ms": round(median, 3),
        "p90_ms": round(float(np.percentile(fast, 90)) * 1e3, 3),
        "bruteforce_median_ms": round(brute, 3),
        "speedup": round(brute / median, 1),
        "load_s": round(load_s, 2),
        "index_s": round(index_s, 2),
        "rss_mb": round(_rss_mb()),
        "rss_start_mb": round(base_rss),
        "top1": round(fast_right / readings, 3),
        "bruteforce_top1": round(slow_right / readings, 3),
        "paths": {k: round(v / readings, 3) for k, v in sorted(matcher.paths.items())},
    }


def iter_rows(sizes: Sequence[int], readings: int = 200, seed: int = 0) -> Iterator[dict]:
    """match_rows one row at a time."""
    spawn = multiprocessing.get_context("spawn")
    for size in sizes:
        with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as pool:
            yield pool.submit(measure, size, readings, seed).result()


def match_rows(
    sizes: Sequence[int] = (10_000, 1_000_000), readings: int = 200, seed: int = 0
) -> list[dict]:
    """One row per book size; each size in a fresh process so peak RSS is that size's own."""
    return list(iter_rows(sizes, readings, seed))


def _format(row: dict) -> str:
    paths = ", ".join(f"{k} {v:.0%}" for k, v in row["paths"].items())
    return (
        f"{row['contacts']:>9,} contacts: match {row['median_ms']:.3f} ms median "
        f"(p90 {row['p90_ms']:.1f}), brute force {row['bruteforce_median_ms']:.2f} ms "
        f"({row['speedup']:.0f}x); load {row['load_s']:.2f} s + index {row['index_s']:.2f} s, "
        f"peak RSS {row['rss_mb']} MB; top-1 {row['top1']:.1%} "
        f"(brute force {row['bruteforce_top1']:.1%}); {paths}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m phonebook.bench", description=__doc__)
    parser.add_argument(
        "--sizes",
        default="10000,1000000",
        type=lambda s: [int(x) for x in s.split(",") if x.strip()],
        help="comma-separated book sizes (default: 10000,1000000)",
    )
    parser.add_argument("--readings", type=int, default=200, help="readings per size")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true", help="one JSON object per line")
    args = parser.parse_args(argv)
    for row in iter_rows(args.sizes, args.readings, args.seed):
        print(json.dumps(row) if args.json else _format(row), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
