"""Lenient parsing of what people type, and of durations in the operator's config."""

from __future__ import annotations

import re
from datetime import timedelta

_KHMER_DIGITS = "០១២៣៤៥៦៧៨៩"
_TO_LATIN = str.maketrans(_KHMER_DIGITS, "0123456789")
_TO_KHMER = str.maketrans("0123456789", _KHMER_DIGITS)

# Characters people (or keyboards) put inside numbers that carry no meaning: spaces, thousands
# separators, zero-width spaces and joiners, byte-order marks (U+200B is not whitespace to strip).
_NOISE = re.compile(r"[\s,'\u200b\u200c\u200d\u2060\ufeff]")
_DIGITS_ONLY = re.compile(r"[0-9០-៩]+")

MAX_NUMBER_LENGTH = 9  # no amount or age we ask for needs more; it also bounds int() work


def parse_whole_number(text: str) -> int | None:
    """Reads a non-negative whole number typed with Latin or Khmer digits; None if it is not one.

    Only the digits 0-9 and ០-៩ count: Thai or full-width digits, signs, decimals and words are
    refused rather than guessed at.
    """
    cleaned = _NOISE.sub("", text)
    if not cleaned or len(cleaned) > MAX_NUMBER_LENGTH or not _DIGITS_ONLY.fullmatch(cleaned):
        return None
    return int(cleaned.translate(_TO_LATIN))


def to_latin_digits(text: str) -> str:
    """Writes the Khmer digits of ``text`` as Latin digits (for numbers people will dial)."""
    return text.translate(_TO_LATIN)


def to_khmer_digits(text: str) -> str:
    """Writes the Latin digits of ``text`` as Khmer digits (Babel never emits them)."""
    return text.translate(_TO_KHMER)


_DURATION = re.compile(r"(\d+)\s*(s|m|h|d)")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def parse_duration(text: str) -> timedelta:
    """Reads an operator's duration such as ``"90s"``, ``"36h"``, ``"14d"`` or ``"1d 12h"``.

    Raises ValueError with the reason when the text is not such a duration.
    """
    parts = text.strip().lower().split()
    if not parts:
        raise ValueError("empty duration; write e.g. '90s', '36h' or '14d'")
    total = timedelta(0)
    for part in parts:
        match = _DURATION.fullmatch(part)
        if match is None:
            raise ValueError(f"{part!r} is not a duration; write e.g. '90s', '36h' or '14d'")
        total += timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
    return total
