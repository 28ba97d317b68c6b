"""Whose number is this? Rank phone book contacts by how well they explain a digit reading.

A reading is one row of classifier probabilities per digit read. A contact's number explains it
well when, aligned digit by digit, the classifier gave its digits high probability. The
alignment allows at most one stray reading row or one digit the reading missed, so one
misread/extra/lost glyph costs one digit's worth of score instead of sinking the right answer.

Shortlisting with rapidfuzz (edit distance on the most likely digits) keeps this fast; only the
shortlist is aligned with the probabilities.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from .book import Contact, PhoneBook
from .phone import dial_forms

MIN_DIGITS = 3  # a shorter reading says nothing about whose number it is
FLOOR = 1e-4  # probability floor: one misread digit must cost, not zero the score
P_INDEL = 1e-2  # price of a digit missing from the reading, or of a confident stray digit
SHORTLIST = 64  # contacts aligned per reading (more only when they are all 1 edit away)
# Top two closer than this per-digit ratio are too close to call: over a 10-digit reading the
# leader would be less than twice as likely as the runner-up (0.5 ** (1 / 10)).
AMBIGUOUS_RATIO = 0.5**0.1


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


class Matcher:
    """Index a phone book once, then match readings against it."""

    ambiguous = staticmethod(ambiguous)

    def __init__(self, book: PhoneBook) -> None:
        self.book = book
        contacts: list[Contact] = []
        forms: list[tuple[str, ...]] = []
        seen: set[tuple[str, str, str]] = set()
        by_len: dict[int, tuple[list[str], list[int], list[int]]] = {}
        for c in book.contacts:
            key = (c.name.casefold(), c.country, c.digits)
            if not c.digits.isdigit() or not c.digits.isascii() or key in seen:
                continue  # the same person listed twice would look like a tie with themselves
            seen.add(key)
            strings, owners, slack = by_len.setdefault(len(c.digits), ([], [], []))
            f = dial_forms(c.country, c.digits)
            strings.append(c.digits)
            owners.append(len(contacts))
            slack.append(max(len(s) for s in f) - len(c.digits))
            contacts.append(c)
            forms.append(f)
        self._contacts = contacts
        self._forms = forms
        self._groups = {
            m: _Group(s, np.array(o, np.int64), np.array(k, np.int64))
            for m, (s, o, k) in by_len.items()
        }
        self._max_slack = max((int(g.slack.max()) for g in self._groups.values()), default=0)

    def match_digits(self, digits: str, k: int = 3) -> list[Candidate]:
        """Match a certain reading such as "4155550132" (separators are ignored)."""
        d = [int(ch) for ch in digits if ch.isascii() and ch.isdigit()]
        probs = np.zeros((len(d), 10), np.float32)
        probs[np.arange(len(d)), d] = 1.0
        return self.match(probs, k)

    def match(self, probs: np.ndarray, k: int = 3) -> list[Candidate]:
        """The k contacts that best explain a reading, best first.

        probs: [n, 10] probabilities of digits 0-9 per glyph read, left to right; a row may sum
        to less than 1 (the rest being "not a digit"). Fewer than MIN_DIGITS rows give [].
        """
        p = np.asarray(probs, dtype=np.float64)
        if p.ndim != 2 or p.shape[1] != 10:
            raise ValueError(f"probs must have shape [n, 10], got {p.shape}")
        n = p.shape[0]
        if n < MIN_DIGITS or k <= 0 or not self._contacts:
            return []
        p = np.clip(np.nan_to_num(p, nan=0.0), 0.0, 1.0)
        logp = np.log(np.maximum(p, FLOOR))
        # Skipping a row is cheap when the classifier itself doubted it was a digit.
        skip = np.log(np.clip(1.0 - p.sum(axis=1), P_INDEL, 1.0))

        shortlist = self._shortlist(bytes(p.argmax(axis=1).astype(np.uint8) + 48).decode(), n)
        best: dict[int, float] = {}
        for length in (n - 1, n, n + 1):
            owners = [i for i in shortlist for f in self._forms[i] if len(f) == length]
            if not owners:
                continue
            strings = [f for i in shortlist for f in self._forms[i] if len(f) == length]
            digits = np.frombuffer("".join(strings).encode(), np.uint8).reshape(-1, length) - 48
            for i, total in zip(owners, _align(logp, skip, digits), strict=True):
                if total > best.get(i, -math.inf):
                    best[i] = float(total)
        ranked = sorted(best.items(), key=lambda item: (-item[1], item[0]))[:k]
        return [Candidate(self._contacts[i], math.exp(total / n)) for i, total in ranked]

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


def _align(logp: np.ndarray, skip: np.ndarray, digits: np.ndarray) -> np.ndarray:
    """Best log-likelihood of a reading under each number, allowing at most one indel.

    logp [n, 10]: log probabilities per reading row; skip [n]: log price of ignoring each row;
    digits [k, m] with m in (n - 1, n, n + 1). This is the closed form of the edit-distance DP
    restricted to one indel: prefix sums before the indel, suffix sums after it, best split.
    Returns [k] totals of n row terms (plus the missing-digit price), so they compare across m.
    """
    n = logp.shape[0]
    k, m = digits.shape
    if m == n:
        return logp[np.arange(n), digits].sum(axis=1)
    if m == n - 1:  # the reading has one row too many: drop row j
        before = logp[np.arange(m), digits]  # row i reads digit i
        after = logp[np.arange(1, n), digits]  # row i + 1 reads digit i
        extra = skip[None, :]
    elif m == n + 1:  # the reading lost a digit: number digit j is unread
        before = logp[np.arange(n), digits[:, :n]]  # row i reads digit i
        after = logp[np.arange(n), digits[:, 1:]]  # row i reads digit i + 1
        extra = math.log(P_INDEL)
    else:
        raise ValueError(f"cannot align {m} digits to a reading of {n}")
    width = before.shape[1] + 1
    pre = np.zeros((k, width))
    np.cumsum(before, axis=1, out=pre[:, 1:])
    suf = np.zeros((k, width))
    suf[:, :-1] = np.cumsum(after[:, ::-1], axis=1)[:, ::-1]
    return (pre + suf + extra).max(axis=1)
