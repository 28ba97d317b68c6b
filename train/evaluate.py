"""`numrec eval`: how well numrec reads camera-like photos of handwritten phone numbers.

Each page (train/pages.py, MNIST test digits: other writers than the model learnt from)
holds the number of a random contact of a generated book of fictional contacts, written the
way people write it, sometimes with a second number or a word near it. The book goes through
the real loader; every page goes through the Pipeline that `numrec recognize` builds for an
input (its own pipeline, no frame window, the last result). Figures:

- digits: 1 - character error rate of the main number read (Levenshtein distance to the
  digits written, summed over pages, over all digits written; a page counts at most as many
  errors as it has digits, i.e. as if nothing was read);
- exact: share of pages whose main number is read digit for digit;
- top-1: share of pages whose best candidate is the contact written;
- top-3: share whose contact is among the three candidates the live view offers (keys 1-3);
- ms: wall time per page through the pipeline, median (all pages, and 640x480 pages);

overall and per page condition (paper, rotation, shadow, ...), to show the weak spots.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path

import cv2
import numpy as np
from rapidfuzz.distance import Levenshtein

from phonebook.book import Contact, PhoneBook, load_phonebook
from pipeline.classify import Classifier, ModelError, default_model_path
from pipeline.messages import Result
from pipeline.recognize import read_source
from pipeline.sources import ArraySource
from train.data import DataError
from train.pages import (
    Conditions,
    PageLabels,
    draw_conditions,
    fictional_number,
    make_page,
    mnist_present,
    national_groups,
    write_number,
)

FIRST = (
    "Ava Liam Noah Emma Olivia Mia Lucas Ethan Sofia Leon Hannah Jonas Lena Paul Marie Felix "
    "Emil Clara Ben Ida Zoë José Priya Chen Aisha Omar Yuki Mateo Chloé Léa Björn Sven Ingrid "
    "Fatima Raj Anil Mei Hiro Kwame Amara Nia Diego Lucía Marco Giulia Tomás Ana Pedro Ewa "
    "Jan Kasia Olga Ivan Dmitri Elif Can Zeynep Ali Sara David Rachel Tom Kate James Grace "
    "Oliver Amelia Jack Isla Harry Freya Noor Layla Sam Alex Robin Kim Lee Max Anna"
).split()
LAST = (
    "Smith Jones Taylor Brown Williams Wilson Johnson Davies Patel Wright Müller Schmidt "
    "Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Martin Bernard Dubois "
    "Thomas Robert Richard Petit Durand Leroy Moreau García Fernández López Martínez Sánchez "
    "Pérez Rossi Russo Ferrari Esposito Bianchi Romano Novak Kowalski Nowak Wiśniewski "
    "Yamamoto Tanaka Suzuki Kim Lee Park Nguyen Tran Singh Kumar Sharma Gupta Khan Ahmed "
    "Ali Hassan Okafor Mensah Silva Santos Oliveira Costa Pereira Andersson Johansson "
    "Karlsson Nielsen Hansen Jensen Larsen O'Brien Murphy Kelly Walsh Ryan Byrne Núñez"
).split()
SHORT = ("214", "3.14", "12.05", "0815", "4711", "112", "2020", "305")  # room, date, PIN


# --- the phone book ------------------------------------------------------------------------


def book_phone(country: str, national: str, rng: np.random.Generator) -> str:
    """A number as a contacts app or a person typing into a CSV writes it."""
    if country == "1":
        a, b, c = national[:3], national[3:6], national[6:]
        forms = (f"({a}) {b}-{c}", f"{a}-{b}-{c}", f"{a}.{b}.{c}", f"+1 {a} {b} {c}",
                 f"1-{a}-{b}-{c}", national)
        return forms[int(rng.choice(len(forms), p=[0.35, 0.25, 0.05, 0.2, 0.05, 0.1]))]
    groups = " ".join(national_groups(country, national, rng))
    if country == "44" and rng.random() < 0.05:
        return "0" + groups  # typed without the country code: read as written under US rules
    return f"+{country}{national}" if rng.random() < 0.1 else f"+{country} {groups}"


def make_book(n: int, rng: np.random.Generator) -> list[tuple[str, str]]:
    """n fictional contacts (name, phone), every name and number different."""
    names = [f"{f} {last}" for f in FIRST for last in LAST]
    picked = rng.choice(len(names), size=n, replace=n > len(names))
    numbers: dict[tuple[str, str], None] = {}
    while len(numbers) < n:
        numbers[fictional_number(rng)] = None
    return [
        (names[i] + (f" {k // len(names) + 1}" if k >= len(names) else ""), book_phone(c, d, rng))
        for k, (i, (c, d)) in enumerate(zip(picked.tolist(), numbers, strict=True))
    ]


def load_book(rows: Sequence[tuple[str, str]], region: str = "US") -> PhoneBook:
    """Write the rows to a CSV and read it back with the app's own loader."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "contacts.csv"
        with path.open("w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(["name", "phone"])
            writer.writerows(rows)
        return load_phonebook(path, region)


def handwritten(contact: Contact, rng: np.random.Generator) -> str:
    """What someone copies onto paper from this contact."""
    if contact.country:
        return write_number(contact.country, contact.digits, rng)
    # A number the loader could not place: written as the book has it.
    return "".join(c for c in contact.phone if c.isdigit() or c in " -.()+").strip()


# --- the benchmark pages -------------------------------------------------------------------


@dataclass(eq=False)
class Case:
    index: int
    image: np.ndarray
    labels: PageLabels
    contact: Contact


Plan = tuple[int, np.random.Generator, Contact, list[str], str | None]


def plans(n: int, seed: int, book: PhoneBook) -> list[Plan]:
    """What each page holds, drawn up front: (index, page rng, contact, texts, word)."""
    rng = np.random.default_rng([seed, 1])
    contacts = book.contacts
    out: list[Plan] = []
    for i in range(n):
        contact = contacts[int(rng.integers(len(contacts)))]
        texts = [handwritten(contact, rng)]
        r = rng.random()
        if r < 0.04:  # a 2x2 sheet of numbers, the contact's first
            others = rng.choice(len(contacts), 3)
            texts += [handwritten(contacts[int(j)], rng) for j in others]
        elif r < 0.16:
            texts.append(str(rng.choice(SHORT)))
        elif r < 0.26:
            texts.append(handwritten(contacts[int(rng.integers(len(contacts)))], rng))
        word = contact.name.split()[0] if rng.random() < 0.5 else None
        page_rng = np.random.default_rng(rng.integers(0, 2**63))
        out.append((i, page_rng, contact, texts, word))
    return out


def render(plan: Plan, split: str, force: dict[str, object] | None = None) -> Case:
    """The page of a plan; `force` sets conditions (see forced), the rest stays as drawn."""
    i, page_rng, contact, texts, word = plan
    if word is not None and not word.isascii():
        word = None  # Hershey fonts have no accents
    image, labels = make_page(texts, page_rng, split, word=word, **(force or {}))
    return Case(i, image, labels, contact)


def forced(specs: Sequence[str]) -> dict[str, object]:
    """--force NAME=VALUE arguments as make_page keywords: a condition every page is written
    with, everything else as drawn, so that a run with and one without it read the same pages
    otherwise and their difference is what that condition costs. ValueError (one line) for a
    name that is no condition or a value it cannot take. The layout follows the page's
    numbers: it is not forced."""
    kinds = {f.name: type(f.default) for f in fields(Conditions) if f.name != "layout"}
    out: dict[str, object] = {}
    for spec in specs:
        name, sep, text = spec.partition("=")
        if name == "layout":
            raise ValueError("--force layout: each page's layout follows its numbers")
        if not sep or name not in kinds:
            raise ValueError(f"--force takes NAME=VALUE, NAME one of {', '.join(kinds)}: {spec!r}")
        kind = kinds[name]
        try:
            if kind is bool:
                value: object = {"true": True, "false": False}[text.lower()]
            elif kind is tuple:  # the photo's size, WIDTHxHEIGHT
                value = tuple(int(v) for v in text.lower().split("x"))
                if len(value) != 2 or min(value) < 1:
                    raise ValueError
            else:
                value = kind(text)
        except (KeyError, ValueError):
            raise ValueError(f"--force {name}: cannot take {text!r}") from None
        out[name] = value
    draw_conditions(np.random.default_rng(0), **out)  # raises for a value out of range
    return out


# --- reading -------------------------------------------------------------------------------


async def read(
    image: np.ndarray, classifier: Classifier, book: PhoneBook
) -> tuple[Result | None, float]:
    """One page through the pipeline as `numrec recognize` runs an input: own pipeline, no
    frame window, the last result (None when a stage failed on the frame)."""
    t0 = time.perf_counter()
    last = await read_source(ArraySource([image]), classifier, book)
    return last, (time.perf_counter() - t0) * 1000


@dataclass
class Outcome:
    truth: str
    read: str
    numbers: tuple[str, ...]  # every number read, reading order
    top1: bool
    shown: bool  # among the candidates the live view offers, one key press away
    who: str  # name of the top candidate, "" for none
    ms: float
    groups: dict[str, str] = field(default_factory=dict)  # condition -> value
    failed: bool = False  # a stage raised on the page: no result, counted as nothing read


def outcome(case: Case, result: Result | None, ms: float) -> Outcome:
    groups = condition_groups(case.labels)
    if result is None:
        return Outcome(case.labels.main_digits, "", (), False, False, "", ms, groups, failed=True)
    reading = result.reading
    top = result.candidates[0].contact if result.candidates else None
    return Outcome(
        truth=case.labels.main_digits,
        read=reading.best.digits if reading.best is not None else "",
        numbers=tuple(n.digits for n in reading.numbers),
        top1=top == case.contact,
        shown=any(c.contact == case.contact for c in result.candidates),
        who=top.name if top else "",
        ms=ms,
        groups=groups,
    )


# --- scoring -------------------------------------------------------------------------------


def cer(truth: str, read: str) -> float:
    """Character error rate of one reading: edits to turn it into the truth, per true digit."""
    return Levenshtein.distance(truth, read) / max(1, len(truth))


def digit_errors(truth: str, read: str) -> int:
    """Edits from reading to truth, at most the truth's length (as if nothing was read)."""
    return min(Levenshtein.distance(truth, read), len(truth))


def digit_accuracy(pairs: Sequence[tuple[str, str]]) -> float:
    """1 - CER over (truth, read) pairs, each page's errors capped at its length."""
    total = sum(len(t) for t, _ in pairs)
    return 1 - sum(digit_errors(t, r) for t, r in pairs) / total if total else 0.0


def rotation_bucket(angle: float) -> str:
    a = abs(angle)
    return "0-10" if a < 10 else "10-25" if a < 25 else "25-50" if a < 50 else "50+"


def condition_groups(labels: PageLabels) -> dict[str, str]:
    c = labels.conditions
    return {
        "paper": c.paper,
        "rotation": rotation_bucket(c.rotation),
        "shadow": c.shadow,
        "touching": "yes" if labels.touching else "no",
        "distractor": "yes" if c.distractor else "no",
        "ink": c.ink,
        "blur": c.blur,
        "jpeg": "yes" if c.jpeg else "no",
        "perspective": "strong" if c.perspective > 0.08 else "mild",
        "light": "uneven" if c.light > 0.15 else "even",
        "numbers": str(len(labels.numbers)),
        "size": f"{c.size[0]}x{c.size[1]}",
        "style": c.style,
        "show-through": "yes" if c.show_through else "no",
        "descenders": "yes" if c.descent else "no",
        "pen": "fine" if c.stroke < 0 else "bold" if c.stroke > 0 else "medium",
    }


def figures(outcomes: Sequence[Outcome]) -> dict:
    n = len(outcomes)
    return {
        "pages": n,
        "digit_accuracy": round(digit_accuracy([(o.truth, o.read) for o in outcomes]), 4),
        "exact": round(sum(o.truth == o.read for o in outcomes) / n, 4) if n else 0.0,
        "top1": round(sum(o.top1 for o in outcomes) / n, 4) if n else 0.0,
        "top3": round(sum(o.shown for o in outcomes) / n, 4) if n else 0.0,
    }


def summary(model: str, role: str, outcomes: Sequence[Outcome], meta: dict) -> dict:
    small = [o.ms for o in outcomes if o.groups["size"] == "640x480"]
    by: dict[str, dict[str, dict]] = {}
    for name in outcomes[0].groups if outcomes else ():
        values = sorted({o.groups[name] for o in outcomes})
        by[name] = {v: figures([o for o in outcomes if o.groups[name] == v]) for v in values}
    return {
        "model": model,
        "role": role,
        **meta,
        **figures(outcomes),
        "ms_median": round(statistics.median(o.ms for o in outcomes), 1) if outcomes else 0.0,
        "ms_median_640x480": round(statistics.median(small), 1) if small else 0.0,
        "failed": sum(o.failed for o in outcomes),  # pages a pipeline stage raised on
        "by": by,
    }


# --- output --------------------------------------------------------------------------------


def table(rows: Sequence[dict]) -> str:
    """Headline per model, then every condition's figures side by side."""
    first = rows[0]
    forced = "".join(
        f", {k}={'x'.join(map(str, v)) if isinstance(v, tuple) else v} forced"
        for k, v in first["forced"].items()
    )
    lines = [
        f"{first['pages']} pages, seed {first['seed']}, {first['digits_from']} digits, "
        f"{first['contacts']} contacts{forced}",
        "",
        f"{'model':<28} {'digits':>7} {'exact':>7} {'top-1':>7} {'top-3':>7} {'ms':>7} "
        f"{'ms 640':>7}",
    ]
    for r in rows:
        lines.append(
            f"{r['model'][:28]:<28} {r['digit_accuracy']:>7.3f} {r['exact']:>7.3f} "
            f"{r['top1']:>7.3f} {r['top3']:>7.3f} {r['ms_median']:>7.1f} "
            f"{r['ms_median_640x480']:>7.1f}"
        )
        if r["failed"]:
            lines.append(f"  {r['failed']} pages gave no result: a pipeline stage raised (log)")
    head = f"{'condition':<24} {'pages':>5}" + "".join(
        f"  {'digits':>6} {'exact':>6} {'top-1':>6}" for _ in rows
    )
    lines += ["", "by condition" + ("  (columns per model, in the order above)" if len(rows) > 1
                                    else ""), head]
    for name, values in first["by"].items():
        for value, f in values.items():
            cells = "".join(
                f"  {r['by'][name][value]['digit_accuracy']:>6.3f} "
                f"{r['by'][name][value]['exact']:>6.3f} {r['by'][name][value]['top1']:>6.3f}"
                for r in rows
            )
            lines.append(f"{name + '=' + value:<24} {f['pages']:>5}{cells}")
    return "\n".join(lines)


def save_failure(folder: Path, case: Case, o: Outcome, tag: str) -> None:
    name = f"{case.index:03d}{tag}_truth-{o.truth}_read-{o.read or 'none'}.png"
    cv2.imwrite(str(folder / name), case.image)
    record = {
        "page": case.index, "model": tag.strip("_") or "model", "file": name, "truth": o.truth,
        "read": o.read, "numbers_read": o.numbers, "texts": case.labels.texts,
        "main": case.labels.main, "contact": case.contact.name, "top": o.who,
        "conditions": {**o.groups, "rotation_deg": round(case.labels.conditions.rotation, 1)},
    }
    with (folder / "failures.jsonl").open("a", encoding="utf-8") as f:
        f.write(json.dumps(record, ensure_ascii=False) + "\n")


# --- the command ---------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        prog="numrec eval",
        description="Benchmark reading on generated camera-like photos of handwritten numbers.",
    )
    ap.add_argument("--pages", type=int, default=300, help="pages to read (default 300)")
    ap.add_argument("--seed", type=int, default=0, help="the same seed gives the same pages")
    ap.add_argument(
        "--split", choices=("test", "train", "atlas"), default="test",
        help="MNIST digits to write with: test (default; other writers than the model "
        "learnt from), train, or atlas (the app's shipped test glyphs, no data set needed)",
    )
    ap.add_argument("--contacts", type=int, default=5000, help="phone book size (default 5000)")
    ap.add_argument("--model", type=Path, help="digit model (.onnx) instead of the shipped one")
    ap.add_argument(
        "--ablation-model", type=Path,
        help="a second model read on the same pages, e.g. one trained on MNIST only",
    )
    ap.add_argument("--json", action="store_true", help="one JSON object per model on stdout")
    ap.add_argument(
        "--save-failures", type=Path, metavar="DIR",
        help="write pages whose main number was not read exactly here, truth and reading in "
        "the file name, details in failures.jsonl",
    )
    ap.add_argument(
        "--force", action="append", default=[], metavar="NAME=VALUE",
        help="write every page with this condition, the rest as drawn (the same pages "
        "otherwise: compare with a run without it), e.g. ink=biro, shadow=none, "
        "touching=false, stroke=0, size=1280x720; repeatable",
    )
    args = ap.parse_args(argv)
    if args.pages < 1 or args.contacts < 1:
        ap.error("--pages and --contacts must be at least 1")
    try:
        args.force = forced(args.force)
    except ValueError as e:
        ap.error(str(e))
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        return evaluate(args)
    except (DataError, ModelError) as e:
        print(f"numrec eval: {e}", file=sys.stderr)
        return 1
    except OSError as e:
        if args.save_failures is None:  # the only thing eval writes to
            raise
        why = e.strerror or e
        print(f"numrec eval: cannot save failures in {args.save_failures}: {why}", file=sys.stderr)
        return 1


def evaluate(args: argparse.Namespace) -> int:
    """Read args.pages generated pages with each model; print the figures."""
    # What can fail on the user's input fails first, so its error is the only line.
    models = [("model", args.model or default_model_path())]
    if args.ablation_model:
        models.append(("ablation", args.ablation_model))
    classifiers = [Classifier(path) for _, path in models]
    if args.save_failures:
        args.save_failures.mkdir(parents=True, exist_ok=True)
        (args.save_failures / "failures.jsonl").write_text("")  # there even when none fail
    split = args.split
    if split != "atlas" and not mnist_present():
        print("numrec eval: MNIST files not found; writing with the shipped glyph atlas "
              "(MNIST test glyphs) instead", file=sys.stderr)
        split = "atlas"
    book = load_book(make_book(args.contacts, np.random.default_rng([args.seed, 0])))

    outcomes: list[list[Outcome]] = [[] for _ in models]

    async def run() -> None:
        for plan in plans(args.pages, args.seed, book):
            case = render(plan, split, args.force)
            for k, classifier in enumerate(classifiers):
                result, ms = await read(case.image, classifier, book)
                o = outcome(case, result, ms)
                outcomes[k].append(o)
                if args.save_failures and o.read != o.truth:
                    tag = f"_{models[k][0]}" if len(models) > 1 else ""
                    save_failure(args.save_failures, case, o, tag)

    asyncio.run(run())
    meta = {"seed": args.seed, "digits_from": split, "contacts": len(book.contacts),
            "forced": args.force}
    rows = [
        summary(Path(path).name, role, outs, meta)
        for (role, path), outs in zip(models, outcomes, strict=True)
    ]
    if args.json:
        for row in rows:
            print(json.dumps(row, ensure_ascii=False))
    else:
        print(table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
