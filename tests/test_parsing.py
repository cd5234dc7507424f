"""Numbers people type, durations operators write, and numbers and dates the bot shows."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from content.bundle import load_content
from content.formatting import format_day, format_dollars, format_number, format_riel, format_usd
from domain.parsing import parse_duration, parse_whole_number, to_khmer_digits


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("215", 215),
        ("២១៥", 215),
        (" ២១៥ ", 215),
        ("1,200", 1200),
        ("១ ២០០", 1200),
        ("2\u200b15", 215),  # a zero-width space from a Khmer keyboard
        ("\ufeff300", 300),
        ("0", 0),
        ("៤0", 40),  # mixed digits
    ],
)
def test_whole_numbers_in_latin_or_khmer_digits(typed: str, value: int) -> None:
    assert parse_whole_number(typed) == value


@pytest.mark.parametrize(
    "typed",
    ["", "   ", "abc", "-5", "+5", "1.5", "1_000", "๑๒", "１２", "٣", "1e3", "9" * 10, "\u200b"],
)
def test_anything_else_is_not_a_number(typed: str) -> None:
    assert parse_whole_number(typed) is None


def test_khmer_digits() -> None:
    assert to_khmer_digits("Tel 012 345") == "Tel ០១២ ៣៤៥"


@pytest.mark.parametrize(
    ("text", "delta"),
    [
        ("90s", timedelta(seconds=90)),
        ("36h", timedelta(hours=36)),
        ("14d", timedelta(days=14)),
        ("1d 12h", timedelta(days=1, hours=12)),
        ("5m", timedelta(minutes=5)),
    ],
)
def test_durations(text: str, delta: timedelta) -> None:
    assert parse_duration(text) == delta


@pytest.mark.parametrize("text", ["", "90", "h", "1w", "-5s", "1.5h"])
def test_bad_durations_say_how_to_write_one(text: str) -> None:
    with pytest.raises(ValueError, match=r"write e\.g\."):
        parse_duration(text)


def test_formatting_in_khmer_uses_khmer_digits() -> None:
    assert format_number(1234567, "km") == "១,២៣៤,៥៦៧"
    assert format_usd(215, "km") == "២១៥$"
    assert format_usd(42.5, "km") == "៤២.៥០$"
    texts = load_content(districts=("0906",)).texts
    assert format_riel(texts, 40000, "km") == "៤០,០០០\u00a0រៀល"  # one word for riel (W5)
    assert format_riel(texts, 40000, "en") == "40,000 riel"
    assert format_dollars(texts, 1200, "km") == "១២០០\u00a0ដុល្លារ"  # no separator, unit in content
    assert format_dollars(texts, -100, "en") == "-$100"
    assert format_day(date(2026, 3, 10), "km") == "១០ មីនា ២០២៦"


def test_formatting_in_english() -> None:
    assert format_number(1234567, "en") == "1,234,567"
    assert format_usd(215, "en") == "$215"
    assert format_day(date(2026, 3, 10), "en") == "March 10, 2026"
