"""Phone number text -> (country calling code, national digits), and the digit forms people dial.

All knowledge of numbering plans comes from the `phonenumbers` library; this module only decides
what to do when it cannot help (keep the raw digits, so an odd number still matches as written).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
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
    cell = cell.strip()
    if ":" not in cell and ";" not in cell and "\n" not in cell and "\r" not in cell:
        return [cell] if cell else []  # the usual one number: no regex
    return [part for part in _SPLIT.split(cell) if part]


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
    if (plain := _plain_number(raw, region)) is not None:
        return plain
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


# --- the fast path -----------------------------------------------------------------------
# phonenumbers.parse costs ~30 us a number: half a minute for a million-row book. Most cells
# hold a plain number, and for those the outcome of parse() + is_possible_number() depends on
# nothing but a few metadata fields, checked here directly. Anything else (a prefix to strip,
# an international access code, letters, odd lengths) still goes through the library. The
# conditions mirror phonenumberutil.parse; tests compare both paths on many numbers.

# Digits and the usual separators only: phonenumbers finds no extension, label or letter here.
_PLAIN = re.compile(r"(\+)?[(]?[0-9][0-9 ().-]*")
_SEPARATORS = str.maketrans("", "", "+ ().-")
_CODES = frozenset(map(str, phonenumbers.COUNTRY_CODE_TO_REGION_CODE))


@dataclass(frozen=True, slots=True)
class _Plan:
    """What parse() needs to know to take digits after a country code as they are."""

    country: str  # calling code digits
    national_prefix: re.Pattern[str] | None  # parse() would try to strip a match
    lengths: frozenset[int]  # is_possible_number() accepts these national lengths


def _lengths(code: int) -> frozenset[int]:
    """National lengths is_possible_number accepts: the main region's for a shared code."""
    main = phonenumbers.region_code_for_country_code(code)
    meta = PhoneMetadata.metadata_for_region_or_calling_code(code, main)
    if meta is None or meta.general_desc is None:
        return frozenset()
    desc = meta.general_desc
    return frozenset(desc.possible_length or ()) | frozenset(desc.possible_length_local_only or ())


def _compiled(pattern: str | None) -> re.Pattern[str] | None:
    return re.compile(pattern) if pattern else None


@cache
def _international_plan(code: int) -> _Plan | None:
    """For "+<code> ...": parse() reads the rest under the code's main region."""
    main = phonenumbers.region_code_for_country_code(code)
    meta = PhoneMetadata.metadata_for_region_or_calling_code(code, main)
    if meta is None:
        return None
    return _Plan(str(code), _compiled(meta.national_prefix_for_parsing), _lengths(code))


@dataclass(frozen=True, slots=True)
class _NationalPlan:
    """For a number without "+", written under the default region."""

    plan: _Plan
    access: re.Pattern[str] | None  # international access code, e.g. 011 from the US
    general: re.Pattern[str] | None  # every national number of the region matches this
    main: bool  # the region is its country code's main region (US for 1, GB for 44)


@cache
def _national_plan(region: str) -> _NationalPlan | None:
    if region not in phonenumbers.SUPPORTED_REGIONS:  # parse() checks this case-sensitively
        return None
    meta = PhoneMetadata.metadata_for_region(region, None)
    if meta is None or not meta.country_code:
        return None
    code = meta.country_code
    plan = _Plan(str(code), _compiled(meta.national_prefix_for_parsing), _lengths(code))
    general = meta.general_desc.national_number_pattern if meta.general_desc else None
    main = phonenumbers.region_code_for_country_code(code) == region
    return _NationalPlan(plan, _compiled(meta.international_prefix), _compiled(general), main)


def _plain_number(raw: str, region: str) -> tuple[str, str] | None:
    """normalize_number's answer for a plainly written number, or None to ask the library."""
    match = _PLAIN.fullmatch(raw)
    if match is None:
        return None
    digits = raw.translate(_SEPARATORS)
    if match.group(1):  # "+": the country code is the first 1-3 digits that name one
        if digits[0] == "0":
            return None
        code = next((digits[:i] for i in (1, 2, 3) if digits[:i] in _CODES), None)
        plan = _international_plan(int(code)) if code else None
        if plan is None:
            return None
        national = digits[len(plan.country) :]
    else:
        found = _national_plan(region)
        if found is None:
            return None
        plan = found.plan
        if found.access and found.access.match(digits):
            return None  # "011 44 ...": parse() reads a country code after the access code
        national = digits
        if digits.startswith(plan.country):
            # "1 415 555 0132": parse() takes the country code off when that turns a string
            # that is no national number into one. Only the plain case is taken here.
            national = digits[len(plan.country) :]
            general = found.general
            if not found.main or general is None:
                return None
            if general.fullmatch(digits) or not general.fullmatch(national):
                return None
    if plan.national_prefix and plan.national_prefix.match(national):
        return None  # parse() may strip or transform a national prefix
    if len(national) not in plan.lengths:
        return None
    return plan.country, national


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


def default_region(env: dict[str, str] | None = None) -> str:
    """The country of the user's locale (en_GB.UTF-8 -> GB), else US."""
    env = os.environ if env is None else env
    for name in ("LC_ALL", "LC_TELEPHONE", "LANG"):
        match = re.match(r"[a-z]{2,3}_([A-Z]{2})", env.get(name, ""))
        if match and match.group(1) in phonenumbers.SUPPORTED_REGIONS:
            return match.group(1)
    return "US"
