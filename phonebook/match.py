"""Whose number is this? Rank phone book contacts by how well they explain a digit reading.

A reading is one row of classifier probabilities per digit read. A contact's number explains it
well when, aligned digit by digit, the classifier gave its digits high probability. The
alignment allows at most one stray reading row or one digit the reading missed, so one
misread/extra/lost glyph costs one digit's worth of score instead of sinking the right answer.

Finding candidates without visiting every contact: the reading itself says which digit strings
can score well, so those are listed and looked up in a sorted array of every contact's national
number (also with a written country code or trunk prefix taken off). Two kinds are listed:

- every string within a likelihood budget of the most likely one (the cheap substitutions,
  a stray row dropped, a lost digit put back). When the best contact found clears the budget
  by the ambiguity margin, nothing unlisted can beat it or tie with it: the answer is provably
  the one a scan of the whole book gives ("exact");
- every string one edit (then two) from the most likely digits, however unlikely the
  classifier thought the misread digit: a confident misread is outside any small budget.

An unproven best that explains the reading well is kept ("near"). Otherwise the rapidfuzz
edit-distance shortlist over the whole book runs too ("fallback": slow on a big book, but it
reaches readings three edits away).

A book of up to WHOLE_LIMIT contacts (a person's own, typically) skips all that: every
contact is aligned ("whole"), which is exact and, that small, faster.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from .book import Contact, PhoneBook
from .phone import dial_forms, trunk_prefix

MIN_DIGITS = 3  # a shorter reading says nothing about whose number it is
FLOOR = 1e-4  # probability floor: one misread digit must cost, not zero the score
P_INDEL = 1e-2  # price of a digit missing from the reading, or of a confident stray digit
SHORTLIST = 64  # contacts aligned per reading (more only when they are all 1 edit away)
# Top two closer than this per-digit ratio are too close to call: over a 10-digit reading the
# leader would be less than twice as likely as the runner-up (0.5 ** (1 / 10)).
AMBIGUOUS_RATIO = 0.5**0.1

# Direct lookup. Budgets are in nats of log-likelihood below the best possible score.
MAX_KEY_DIGITS = 17  # int64 keys: length * 10**17 + value; phonenumbers' national numbers fit
MAX_DIRECT = MAX_KEY_DIGITS - 1  # a reading one insertion short of the longest key
FIRST_BUDGET = 3.0  # first pass: the ambiguity margin plus a few soft misreads
WIDE_BUDGET = 15.0  # nothing found: one lost digit (4.6) plus one confident misread (9.2)
FIRST_STRINGS = 256  # same-length strings listed in the first pass, whatever the budget asks
MAX_STRINGS = 2048  # ... and in the second
MAX_INSERT_BASES = 100  # strings that get a digit inserted at every gap (10 * (n + 1) each)
GOOD_SCORE = 0.3  # an unproven best this good is kept; below it the rapidfuzz pass runs too
FILL_LIMIT = 2000  # books this small fill up to k candidates from the shortlist (< 0.2 ms)
WHOLE_LIMIT = 1000  # books this small are aligned whole: exact, and faster than the lookups

_KEY = 10**MAX_KEY_DIGITS
_POW10 = 10 ** np.arange(MAX_KEY_DIGITS + 1, dtype=np.int64)
_DIGITS = np.arange(10)
_UNUSABLE, _UNINDEXED = -1, -2  # keys of contacts without digits / with too many for a key


@dataclass(frozen=True)
class Candidate:
    contact: Contact
    score: float  # 0..1, higher is better; per-digit geometric mean likelihood


def ambiguous(candidates: Sequence[Candidate], ratio: float = AMBIGUOUS_RATIO) -> bool:
    """True when the best candidate is not clearly better than the best *other person*.

    Two numbers of the same person (same name) competing is no doubt about whose number it is.
    """
    if len(candidates) < 2:
        return False
    top = candidates[0]
    who = top.contact.name.casefold()
    for other in candidates[1:]:
        if other.contact.name.casefold() != who:
            return other.score >= top.score * ratio
    return False


@dataclass(slots=True)
class _Group:
    """Contacts whose national number has one length: one vectorised rapidfuzz pass each."""

    strings: list[str]  # national digits
    owners: np.ndarray  # contact index per string
    slack: np.ndarray  # longest written prefix (country code / trunk) per string


@dataclass(slots=True)
class _Reading:
    """One reading's log-probabilities and what the search needs of them."""

    logp: np.ndarray  # [n, 10] floored log probabilities
    skip: np.ndarray  # [n] log price of reading row j as a stray mark
    lost: np.ndarray  # [n + 1, 10] log price of digit d lost from the reading at gap j
    loss: np.ndarray  # [n, 10] how far each digit is below its row's most likely one
    argmax: np.ndarray  # [n]
    value: int  # the argmax digits as a number
    shift: np.ndarray  # [n, 10] what reading digit d in row j instead adds to that number
    drop: np.ndarray  # [n] price of skipping row j, relative to its most likely digit
    base: float  # score of the argmax string
    top: float  # no alignment of any number can score more


class _Shape:
    """Constants for strings of n digits, computed once per n."""

    def __init__(self, n: int) -> None:
        self.place = _POW10[n - 1 - np.arange(n)]  # place value of digit j
        self.gap = _POW10[n - np.arange(n + 1)]  # 10 ** digits after gap j
        # shift[j, a, d]: what reading d instead of a in row j adds to the number
        self.shift = (_DIGITS - _DIGITS[:, None])[None] * self.place[:, None, None]
        row = np.repeat(np.arange(n), 9)  # the row of each of the 9n one-digit misreads
        self.pairs = row[:, None] < row[None, :]  # two misreads in different rows, once each

    def deleted(self, values: np.ndarray) -> np.ndarray:
        """Each value with each one of its digits deleted."""
        v = values[:, None]
        return (v // (self.place * 10) * self.place + v % self.place).ravel()

    def inserted(self, values: np.ndarray) -> np.ndarray:
        """Each value with each digit inserted at each gap."""
        head, tail = values[:, None] // self.gap, values[:, None] % self.gap
        return ((head[:, :, None] * 10 + _DIGITS) * self.gap[:, None] + tail[:, :, None]).ravel()


_SHAPES = {n: _Shape(n) for n in range(1, MAX_DIRECT + 1)}


class Matcher:
    """Index a phone book once, then match readings against it."""

    ambiguous = staticmethod(ambiguous)

    def __init__(self, book: PhoneBook) -> None:
        self.book = book
        self._contacts = book.contacts  # indices below are into book.contacts
        # How each reading was answered: "exact" (provably what a full scan gives), "near"
        # (good but unproven), "fallback" (the rapidfuzz pass ran), "whole" (a small book,
        # every contact aligned). For benchmarks and tests.
        self.paths: Counter[str] = Counter()
        keys = np.fromiter(map(_key, self._contacts), np.int64, count=len(self._contacts))
        ids = np.flatnonzero(keys != _UNUSABLE)
        order = np.argsort(keys[ids], kind="stable")  # equal numbers stay in book order
        keys, ids = keys[ids][order], ids[order]
        alive = self._first_of_each(keys, ids)
        indexed = alive & (keys >= 0)
        self._keys, self._ids = keys[indexed], ids[indexed]
        keep = np.sort(ids[alive])
        self._size = keep.size
        countries = self._build_groups(keep)
        # Written prefixes: a reading may carry any of them before a national number.
        self._prefixes: dict[int, np.ndarray] = {}  # prefix length -> is-a-prefix table
        for p in {p for c in countries if c for p in (c, trunk_prefix(c)) if p}:
            table = self._prefixes.setdefault(len(p), np.zeros(10 ** len(p), bool))
            table[int(p)] = True
        self._all: dict[int, tuple[np.ndarray, np.ndarray]] | None = None  # match_exhaustive

    # -- building --------------------------------------------------------------------------

    def _first_of_each(self, keys: np.ndarray, ids: np.ndarray) -> np.ndarray:
        """Mask keeping one of each repeated (person, number) in key-sorted contacts.

        The same person listed twice would look like a tie with themselves. Repeats share a key,
        so only neighbours with equal keys are compared in Python (rare).
        """
        alive = np.ones(keys.size, bool)
        seen: set[tuple[str, str, str]] = set()
        run = -1
        for pos in (np.flatnonzero(keys[1:] == keys[:-1]) + 1).tolist():
            if pos - 1 != run:  # a run of equal keys starts at pos - 1
                seen = {_who(self._contacts[ids[pos - 1]])}
            run = pos
            who = _who(self._contacts[ids[pos]])
            alive[pos] = who not in seen
            seen.add(who)
        return alive

    def _build_groups(self, keep: np.ndarray) -> set[str]:
        """National numbers by length for the rapidfuzz fallback; returns the countries."""
        cs = self._contacts
        slack_of: dict[str, int] = {}
        by_len: dict[int, tuple[list[str], list[int], list[int]]] = {}
        for i in keep.tolist():
            c = cs[i]
            if (slack := slack_of.get(c.country)) is None:
                slack = max(map(len, dial_forms(c.country, "")))
                slack_of[c.country] = slack
            strings, owners, slacks = by_len.setdefault(len(c.digits), ([], [], []))
            strings.append(c.digits)
            owners.append(i)
            slacks.append(slack)
        self._groups = {
            m: _Group(s, np.array(o, np.int64), np.array(k, np.int64))
            for m, (s, o, k) in by_len.items()
        }
        self._max_slack = max((int(g.slack.max()) for g in self._groups.values()), default=0)
        return set(slack_of)

    # -- matching --------------------------------------------------------------------------

    def match_digits(self, digits: str, k: int = 3) -> list[Candidate]:
        """Match a certain reading such as "4155550132" (separators are ignored)."""
        return self.match(_one_hot(digits), k)

    def match(
        self, probs: np.ndarray, k: int = 3, lost: np.ndarray | None = None
    ) -> list[Candidate]:
        """The k contacts that best explain a reading, best first.

        probs: [n, 10] probabilities of digits 0-9 per glyph read, left to right; a row may sum
        to less than 1 (the rest being "not a digit"). Fewer than MIN_DIGITS rows give [].
        lost: [n + 1, 10], where the page shows a digit may have been lost from the reading:
        how likely digit d was written at gap j (before row j) and not read. Where it says
        less than P_INDEL, or without it, a lost digit costs P_INDEL at any gap.
        Contacts far below the best may be left out (fewer than k) in books over FILL_LIMIT.
        """
        r = self._prepare(probs, lost)
        if r is None or k <= 0 or not self._size:
            return []
        if self._size <= WHOLE_LIMIT:
            # Every contact aligned: 0.1 ms for 40 contacts, 0.6 ms for 1,000, where the
            # lookups and the rapidfuzz pass took 1-2 ms and now and then missed the best.
            self.paths["whole"] += 1
            return self._whole(r, k)
        n = len(r.logp)
        scores: dict[int, float] = {}
        path = self._direct(r, scores) if n <= MAX_DIRECT and self._keys.size else None
        if path is None or (self._size <= FILL_LIMIT and len(scores) < k):
            path = "fallback"
            query = bytes(r.argmax.astype(np.uint8) + 48).decode()
            self._score(r, sorted(set(self._shortlist(query, n)) - scores.keys()), scores)
        self.paths[path] += 1
        return self._ranked(scores, n, k)

    def match_exhaustive(
        self, probs: np.ndarray, k: int = 3, lost: np.ndarray | None = None
    ) -> list[Candidate]:
        """match() by aligning every contact: slow on a large book, the reference for tests
        and benchmarks, and what match() does on a small one."""
        r = self._prepare(probs, lost)
        if r is None or k <= 0 or not self._size:
            return []
        return self._whole(r, k)

    def _whole(self, r: _Reading, k: int) -> list[Candidate]:
        """The k best of every contact aligned with the reading."""
        n = len(r.logp)
        if self._all is None:
            self._all = self._all_forms()
        best = np.full(len(self._contacts), -np.inf)
        for length in (n - 1, n, n + 1):
            if length in self._all:
                digits, owners = self._all[length]
                np.maximum.at(best, owners, _align(r, digits))
        order = np.argsort(-best, kind="stable")[:k]  # ties: book order, as in match()
        return self._ranked({i: best[i] for i in order.tolist() if best[i] > -np.inf}, n, k)

    def _prepare(self, probs: np.ndarray, lost: np.ndarray | None = None) -> _Reading | None:
        p = np.asarray(probs, dtype=np.float64)
        if p.ndim != 2 or p.shape[1] != 10:
            raise ValueError(f"probs must have shape [n, 10], got {p.shape}")
        n = len(p)
        if n < MIN_DIGITS:
            return None
        p = np.clip(np.nan_to_num(p, nan=0.0), 0.0, 1.0)
        logp = np.log(np.maximum(p, FLOOR))
        # Skipping a row is cheap when the classifier itself doubted it was a digit.
        skip = np.log(np.clip(1.0 - p.sum(axis=1), P_INDEL, 1.0))
        gaps = np.full((n + 1, 10), P_INDEL)
        if lost is not None:
            lost = np.asarray(lost, dtype=np.float64)
            if lost.shape != gaps.shape:
                raise ValueError(f"lost must have shape {gaps.shape}, got {lost.shape}")
            gaps = np.clip(np.nan_to_num(lost, nan=0.0), P_INDEL, 1.0)
        argmax = logp.argmax(axis=1)
        best = logp[np.arange(n), argmax]
        drop = best - skip
        base = float(best.sum())
        top = base + max(0.0, -float(drop.min()))
        value, shift = 0, np.zeros((n, 10), np.int64)
        if (shape := _SHAPES.get(n)) is not None:
            value = int(argmax @ shape.place)
            shift = shape.shift[np.arange(n), argmax]
        return _Reading(
            logp, skip, np.log(gaps), best[:, None] - logp, argmax, value, shift, drop, base, top
        )

    def _ranked(self, scores: dict[int, float], n: int, k: int) -> list[Candidate]:
        ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))[:k]
        return [Candidate(self._contacts[i], math.exp(total / n)) for i, total in ranked]

    def _direct(self, r: _Reading, scores: dict[int, float]) -> str | None:
        """Fill `scores` from the direct lookup; say how far to trust them.

        "exact": every contact scoring within the ambiguity margin of the best was found, so
        the ranking down to there (and `ambiguous`) is what a full scan would give. "near":
        not proven, but the best explains the reading well. None: nothing good was found.
        """
        n = len(r.logp)
        margin = -n * math.log(AMBIGUOUS_RATIO) + 1e-9
        good = n * math.log(GOOD_SCORE)
        reached = self._search(r, r.top - margin - FIRST_BUDGET, FIRST_STRINGS, 1, scores)
        best = max(scores.values(), default=-math.inf)
        if best - margin >= reached:
            return "exact"
        if best >= good:
            return "near"
        # Second pass: two edits, and deeper by likelihood.
        reached = self._search(r, r.top - WIDE_BUDGET, MAX_STRINGS, 2, scores)
        best = max(scores.values(), default=-math.inf)
        if best - margin >= reached:
            return "exact"
        return "near" if best >= good else None

    def _search(
        self, r: _Reading, floor: float, cap: int, edits: int, scores: dict[int, float]
    ) -> float:
        """Look up the digit strings that may score at least `floor`, and those within `edits`
        edits of the argmax; score the contacts found.

        Returns the floor actually reached: the caps on the number of strings may raise it.
        """
        n = len(r.logp)
        shape = _SHAPES[n]
        lowest = min(0.0, float(r.drop.min()))
        # A skipped row j may need up to base - drop[j] - floor of loss on the other rows.
        values, losses, budget = _enumerate(r, r.base - floor - lowest, cap)
        reached = max(floor, r.base - budget - lowest)
        same = [values[losses <= r.base - reached]]
        shorter, longer = [], []

        # The reading lost a digit: any digit at any gap of a cheap enough string, priced
        # as the cheapest lost digit so that none is left out.
        cheapest = float(r.lost.max())
        room = r.base + cheapest - reached
        if room >= 0:
            fits = losses <= room
            if np.count_nonzero(fits) > MAX_INSERT_BASES:
                kth = np.partition(losses[fits], MAX_INSERT_BASES)[MAX_INSERT_BASES]
                fits = losses < kth
                reached = max(reached, r.base + cheapest - kth + 1e-9)
            longer.append(shape.inserted(values[fits]))

        # The reading has a stray row j: drop it from strings that read it as its best digit.
        room_j = r.base - r.drop - reached
        if room_j.max() >= 0:
            digit = values[:, None] // shape.place % 10
            k, j = np.nonzero((digit == r.argmax) & (losses[:, None] <= room_j))
            place = shape.place[j]
            shorter.append(values[k] // (place * 10) * place + values[k] % place)

        # Misreads however unlikely the classifier thought them, as long as they are few: one
        # edit in the first pass; in the second, two misreads, or a misread and an indel.
        misread = r.shift[r.shift != 0]
        one = np.concatenate([[r.value], r.value + misread])
        same.append(one)
        if edits < 2:
            shorter.append(shape.deleted(one[:1]))
            longer.append(shape.inserted(one[:1]))
        else:
            same.append(r.value + (misread[:, None] + misread[None, :])[shape.pairs])
            shorter.append(shape.deleted(one))
            # With a lost digit only the likelier misreads: any digit at any gap is 10 (n + 1).
            alt = np.argsort(-r.logp, axis=1, kind="stable")[:, 1:3]  # 2nd and 3rd likeliest
            likely = r.value + np.take_along_axis(r.shift, alt, axis=1).ravel()
            longer.append(shape.inserted(np.concatenate([one[:1], likely])))

        found = self._find(
            [
                (np.concatenate(same), n),
                (np.concatenate(shorter), n - 1),
                (np.concatenate(longer), n + 1),
            ]
        )
        self._score(r, sorted(set(found.tolist()) - scores.keys()), scores)
        return reached

    def _find(self, parts: Iterable[tuple[np.ndarray, int]]) -> np.ndarray:
        """Contacts having any of these digit strings (values of one length each) as a form."""
        queries = []
        for values, length in parts:
            if not values.size or length < 1:
                continue
            queries.append(values + length * _KEY)  # national form
            for plen, table in self._prefixes.items():
                rest = length - plen
                if rest >= 1:
                    hit = table[values // _POW10[rest]]
                    queries.append(values[hit] % _POW10[rest] + rest * _KEY)
        if not queries:
            return np.zeros(0, np.int64)
        q = np.sort(np.concatenate(queries))  # sorted queries walk the keys in order
        at = np.searchsorted(self._keys, q)
        inside = at < self._keys.size
        at, q = at[inside], q[inside]
        hit = self._keys[at] == q
        at, q = at[hit], q[hit]
        end = np.searchsorted(self._keys, q, side="right")
        if np.all(end - at == 1):
            return self._ids[at]
        return self._ids[np.concatenate([np.arange(a, b) for a, b in zip(at, end, strict=True)])]

    def _score(self, r: _Reading, ids: Iterable[int], scores: dict[int, float]) -> None:
        """Align each contact's written forms with the reading; keep each contact's best."""
        n = len(r.logp)
        owners: dict[int, list[int]] = {n - 1: [], n: [], n + 1: []}
        strings: dict[int, list[str]] = {n - 1: [], n: [], n + 1: []}
        for i in ids:
            c = self._contacts[i]
            for f in dial_forms(c.country, c.digits):
                if len(f) in owners:
                    owners[len(f)].append(i)
                    strings[len(f)].append(f)
        for length, who in owners.items():
            if who:
                joined = "".join(strings[length]).encode()
                digits = np.frombuffer(joined, np.uint8).reshape(-1, length) - 48
                _merge(scores, who, _align(r, digits))

    def _shortlist(self, query: str, n: int) -> list[int]:
        """Contacts within a few edits of the most likely digits, closest first.

        Compared on national digits only (one string per contact, half the work); a written
        country code or trunk prefix of length s can add at most s edits, hence the slack.
        """
        cutoff = max(2, n // 3)
        found: list[tuple[np.ndarray, np.ndarray]] = []
        for m in range(n - 1 - self._max_slack, n + 2):
            group = self._groups.get(m)
            if group is None:
                continue
            limit = cutoff + int(group.slack.max())
            # Many strings as queries against one choice lets rapidfuzz use SIMD.
            dist = process.cdist(
                group.strings,
                [query],
                scorer=Levenshtein.distance,
                score_cutoff=limit,
                dtype=np.int32,
                workers=1,
            )[:, 0]
            # A lower bound on the distance of the contact's closest written form.
            near = np.maximum(dist - group.slack, max(m - n, 0))
            hit = np.flatnonzero((dist <= limit) & (near <= cutoff))
            found.append((near[hit], group.owners[hit]))
        if not found:
            return []
        near = np.concatenate([f[0] for f in found])
        owners = np.concatenate([f[1] for f in found])
        order = np.lexsort((owners, near))
        # Everything one edit away stays however many there are; the rest fills up to the cap.
        keep = max(SHORTLIST, int(np.count_nonzero(near <= 1)))
        return owners[order[:keep]].tolist()

    def _all_forms(self) -> dict[int, tuple[np.ndarray, np.ndarray]]:
        """Every written form of every contact as digit matrices by length."""
        by_len: dict[int, tuple[list[str], list[int]]] = {}
        for group in self._groups.values():
            for i in group.owners.tolist():
                c = self._contacts[i]
                for f in dial_forms(c.country, c.digits):
                    strings, owners = by_len.setdefault(len(f), ([], []))
                    strings.append(f)
                    owners.append(i)
        return {
            m: (np.frombuffer("".join(s).encode(), np.uint8).reshape(-1, m) - 48, np.array(o))
            for m, (s, o) in by_len.items()
        }


def _key(contact: Contact) -> int:
    """Index key of a contact's national number: its length * 10**17 + its value."""
    d = contact.digits
    if not (d.isdigit() and d.isascii()):
        return _UNUSABLE
    return int(d) + len(d) * _KEY if len(d) <= MAX_KEY_DIGITS else _UNINDEXED


def _who(contact: Contact) -> tuple[str, str, str]:
    return contact.name.casefold(), contact.country, contact.digits


def _one_hot(digits: str) -> np.ndarray:
    d = [int(ch) for ch in digits if ch.isascii() and ch.isdigit()]
    probs = np.zeros((len(d), 10), np.float32)
    probs[np.arange(len(d)), d] = 1.0
    return probs


def _merge(scores: dict[int, float], owners: Iterable[int], totals: np.ndarray) -> None:
    for i, total in zip(owners, totals.tolist(), strict=True):
        if total > scores.get(i, -math.inf):
            scores[i] = total


def _enumerate(r: _Reading, budget: float, cap: int) -> tuple[np.ndarray, np.ndarray, float]:
    """Every n-digit string whose loss is at most `budget`: (values, losses, budget).

    Built row by row from the argmax string; only rows with a second digit inside the budget
    branch. A partial string's loss only grows, so pruning partials at the budget loses
    nothing. When more than `cap` qualify the budget shrinks to keep the cheapest, and the
    smaller budget is returned: the list is complete for it.
    """
    reach = r.loss <= budget
    reach[np.arange(len(reach)), r.argmax] = False  # the other digits in reach (ties too)
    row, digit = np.nonzero(reach)
    extra_loss, extra_shift = r.loss[row, digit], r.shift[row, digit]
    ends = np.flatnonzero(np.diff(row, append=-1)) + 1  # where each row's digits end
    values = np.array([r.value])
    losses = np.zeros(1)
    start = 0
    for end in ends.tolist():
        cost = np.concatenate([losses, (losses[:, None] + extra_loss[start:end]).ravel()])
        value = np.concatenate([values, (values[:, None] + extra_shift[start:end]).ravel()])
        start = end
        fits = cost <= budget
        if cost.size > cap and np.count_nonzero(fits) > cap:
            kth = np.partition(cost, cap)[cap]
            budget = float(np.nextafter(kth, -math.inf))
            fits = cost <= budget
        values, losses = value[fits], cost[fits]
    return values, losses, budget


def _align(r: _Reading, digits: np.ndarray) -> np.ndarray:
    """Best log-likelihood of a reading under each number, allowing at most one indel.

    The reading's logp [n, 10]: log probabilities per row; skip [n]: log price of ignoring
    each row; lost [n + 1, 10]: log price of each digit missing at each gap. digits [k, m] with
    m in (n - 1, n, n + 1). This is the closed form of the edit-distance DP restricted to one
    indel: prefix sums before the indel, suffix sums after it, best split.
    Returns [k] totals of n row terms (plus the missing-digit price), so they compare across m.
    """
    logp = r.logp
    n = logp.shape[0]
    k, m = digits.shape
    if m == n:
        return logp[np.arange(n), digits].sum(axis=1)
    if m == n - 1:  # the reading has one row too many: drop row j
        before = logp[np.arange(m), digits]  # row i reads digit i
        after = logp[np.arange(1, n), digits]  # row i + 1 reads digit i
        extra = r.skip[None, :]
    elif m == n + 1:  # the reading lost a digit: number digit j is unread
        before = logp[np.arange(n), digits[:, :n]]  # row i reads digit i
        after = logp[np.arange(n), digits[:, 1:]]  # row i reads digit i + 1
        extra = r.lost[np.arange(m), digits]
    else:
        raise ValueError(f"cannot align {m} digits to a reading of {n}")
    width = before.shape[1] + 1
    pre = np.zeros((k, width))
    np.cumsum(before, axis=1, out=pre[:, 1:])
    suf = np.zeros((k, width))
    suf[:, :-1] = np.cumsum(after[:, ::-1], axis=1)[:, ::-1]
    return (pre + suf + extra).max(axis=1)
