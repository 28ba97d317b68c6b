"""Phone number text -> (country calling code, national digits), and the digit forms people dial.

All knowledge of numbering plans comes from the `phonenumbers` library; this module only decides
what to do when it cannot help (keep the raw digits, so an odd number still matches as written).
"""

from __future__ import annotations

import re
from functools import cache

import phonenumbers
from phonenumbers import NumberParseException, PhoneMetadata

MIN_DIGITS = 3  # shorter is no phone number (but 3 keeps short codes such as 911)
MAX_DIGITS = 17  # E.164 allows 15; leave room for a written international/trunk prefix

# Several numbers in one cell: Google Contacts joins them with " ::: ", people with ";" or lines.
_SPLIT = re.compile(r"\s*(?::::|;|\r\n|\n|\r)\s*")
# A label in brackets, e.g. "(work)": phonenumbers would read its letters as a vanity number.
_LABEL = re.compile(r"[(\[][^)\]]*[^\W\d_][^)\]]*[)\]]")
# "1-800-FLOWERS": letters that are part of the number, so they must stay.
_VANITY = re.compile(r"\+?[\d\s().-]*\d[\d\s().-]*-[A-Z]{2,}[A-Z\d-]*")


def split_numbers(cell: str) -> list[str]:
    """The separate numbers written in one cell, e.g. "415-555-0100 ::: 415-555-0101"."""
    return [part for part in _SPLIT.split(cell.strip()) if part]


def _strip_labels(text: str) -> str:
    """Drop words around a number ("Mobile: ...", "... (work)", "... after 6pm")."""
    if text.lower().startswith("tel:"):  # vCard 4 writes numbers as tel: URIs
        text = text[4:]
    if _VANITY.fullmatch(text.strip()):
        return text
    text = _LABEL.sub(" ", text)
    first = re.search(r"[+\d]", text)
    if first is None:
        return text
    start = first.start()
    if start and text[start - 1] == "(":  # keep "(415) ..."
        start -= 1
    head, text = text[:start], text[start:]
    if not re.search(r"[^\W\d_]", head):  # nothing but punctuation before the number: keep it
        text = head + text
    last = max((i for i, ch in enumerate(text) if ch.isdigit()), default=None)
    if last is not None and re.search(r"[^\W\d_]", text[last + 1 :]):
        text = text[: last + 1]
    return text


def _parse(text: str, region: str) -> phonenumbers.PhoneNumber | None:
    """The number if the library finds a plausible one under `region`, else None."""
    attempts = [text]
    bare = text.lstrip()
    if bare.startswith("00"):  # most of the world dials 00 for abroad, the US dials 011
        attempts.append("+" + bare[2:])
    for attempt in attempts:
        try:
            number = phonenumbers.parse(attempt, region)
        except NumberParseException:
            continue
        # is_possible (length) rather than is_valid: fictional ranges such as Ofcom's
        # 07700 900xxx are "invalid" to the library, yet they are exactly what a book may hold.
        if phonenumbers.is_possible_number(number):
            return number
    return None


def normalize_number(raw: str, region: str) -> tuple[str, str]:
    """Return (country code digits, national significant number digits) for one written number.

    A number the library cannot place keeps its raw digits with country "". Raises ValueError
    with a short reason (never containing the number) when the text is no phone number at all.
    """
    text = _strip_labels(raw)
    digits = phonenumbers.normalize_digits_only(text)
    if not digits:
        raise ValueError("phone number has no digits")
    number = _parse(text, region)
    if number is not None:
        return str(number.country_code), phonenumbers.national_significant_number(number)
    if len(digits) < MIN_DIGITS:
        raise ValueError(f"phone number too short ({len(digits)} digits)")
    if len(digits) > MAX_DIGITS:
        raise ValueError(f"phone number too long ({len(digits)} digits)")
    return "", digits


@cache
def trunk_prefix(country: str) -> str:
    """The prefix dialled before a national number inside its country ("0" for 44, "1" for 1)."""
    if not country.isdigit():
        return ""
    code = int(country)
    region = phonenumbers.region_code_for_country_code(code)
    if region == phonenumbers.UNKNOWN_REGION:
        return ""
    if region == phonenumbers.REGION_CODE_FOR_NON_GEO_ENTITY:
        meta = PhoneMetadata.metadata_for_nongeo_region(code)
    else:
        meta = PhoneMetadata.metadata_for_region(region)
    prefix = (meta.national_prefix if meta else None) or ""
    return prefix if prefix.isdigit() else ""


def dial_forms(country: str, digits: str) -> tuple[str, ...]:
    """Every digit string someone may write for this number: national, with the trunk prefix,
    and international without the "+" (e.g. 7700900123, 07700900123, 447700900123)."""
    forms = [digits]
    if country:
        forms.append(trunk_prefix(country) + digits)
        forms.append(country + digits)
    return tuple(dict.fromkeys(forms))
