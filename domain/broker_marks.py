"""What makes two broker reports about the same person: a phone number or a name (pure).

Reports are typed by different villagers, so the same number comes as ``០១២ ៣៤៥ ៦៧៨``,
``012-345-678`` or ``+855 12 345 678``, and the same name with or without "Mr". Marks are the
normalised forms: ``phone:012345678``, ``name:សុខ``.
"""

from __future__ import annotations

import re
import unicodedata

KHMER_DIGITS = str.maketrans("០១២៣៤៥៦៧៨៩", "0123456789")
_INVISIBLE = re.compile(r"[\u200b-\u200d\u2060\ufeff]")
# Digits with the separators people type inside a phone number; at least 8 digits in all.
_PHONE = re.compile(r"\+?\d(?:[\s.\-()]*\d){7,13}")
# Polite titles that come before a name (Khmer and English), dropped before comparing names.
_TITLES = frozenset({"លោក", "លោកស្រី", "អ្នកស្រី", "អ្នក", "នាង", "mr", "mrs", "ms", "miss"})
NAME_LEAST = 2  # characters of a name worth comparing (after normalising)


def phone_numbers(text: str) -> set[str]:
    """Every phone number in the text, as national digits (0 first for a Cambodian number)."""
    plain = _INVISIBLE.sub("", text).translate(KHMER_DIGITS)
    numbers = set()
    for found in _PHONE.findall(plain):
        digits = re.sub(r"\D", "", found)
        if digits.startswith("855"):
            digits = "0" + digits[3:]
        elif found.startswith("+"):
            digits = "+" + digits  # another country's number: kept whole
        if 8 <= len(digits.lstrip("+")) <= 13:
            numbers.add(digits)
    return numbers


def name_of(who: str) -> str | None:
    """The name as compared: no phone numbers, punctuation, titles or case; None if too short."""
    text = _PHONE.sub(" ", _INVISIBLE.sub("", who).translate(KHMER_DIGITS))
    kept = "".join(
        ch if unicodedata.category(ch)[0] in "LMN" else " "
        for ch in unicodedata.normalize("NFC", text)
    )
    words = [w for w in kept.casefold().split() if w not in _TITLES]
    name = " ".join(words)
    return name if len(name) >= NAME_LEAST else None


def marks(who: str, place: str, promised: str) -> set[str]:
    """The report's marks: every phone number in any answer, and the name it gives."""
    found = {f"phone:{n}" for text in (who, place, promised) for n in phone_numbers(text)}
    name = name_of(who)
    if name is not None:
        found.add(f"name:{name}")
    return found


def mark_kind(mark: str) -> str:
    return mark.split(":", 1)[0]


def mark_value(mark: str) -> str:
    return mark.split(":", 1)[1]
