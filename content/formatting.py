"""Dates, money and numbers for people: Babel for the shape, Khmer digits in Khmer text."""

from __future__ import annotations

from datetime import date, datetime, tzinfo

from babel.dates import format_date as babel_format_date
from babel.dates import format_datetime as babel_format_datetime
from babel.numbers import format_currency, format_decimal

from content.texts import Texts
from domain.parsing import to_khmer_digits


def _digits(text: str, language: str) -> str:
    return to_khmer_digits(text) if language == "km" else text


def format_number(value: int | float, language: str) -> str:
    return _digits(format_decimal(value, locale=language), language)


def format_usd(amount: float, language: str) -> str:
    """Dollars as people write them: ``$1,234`` / ``1,234$`` with Khmer digits in Khmer."""
    text = format_currency(amount, "USD", locale=language)
    if float(amount).is_integer():
        text = text.replace(".00", "")  # whole dollars read better without cents
    return _digits(text, language)


def format_dollars(texts: Texts, amount: int, language: str) -> str:
    """Dollars in a sentence (content/SOURCES.md), the unit from the catalog (``money.dollars``):
    ``១២០០ ដុល្លារ`` (Khmer digits, no thousands separator) / ``$1,200``, a loss with its minus
    in front. Pictures and buttons keep ``format_usd``'s ``$``."""
    figure = _digits(str(abs(amount)), language) if language == "km" else f"{abs(amount):,}"
    sign = "-" if amount < 0 else ""
    return sign + texts.raw(language, "money.dollars").format(amount=figure)


def format_riel(texts: Texts, amount: float, language: str) -> str:
    """Riel without decimals, with thousands separators (millions are hard to read without),
    the unit from the catalog (``money.riel``): ``៤០,០០០ រៀល`` / ``40,000 riel``."""
    figure = format_number(round(amount), language)
    return texts.raw(language, "money.riel").format(amount=figure)


def format_day(day: date, language: str) -> str:
    """A date in words, e.g. ``25 November 2026`` / ``25 វិច្ឆិកា 2026`` (Khmer digits)."""
    return _digits(babel_format_date(day, "long", locale=language), language)


def format_moment(moment: datetime, zone: tzinfo, language: str) -> str:
    """A day and time in words where ``zone`` is, e.g. ``Tue 3 Mar 09:00`` (Khmer digits)."""
    text = babel_format_datetime(moment, "EEE d MMM HH:mm", tzinfo=zone, locale=language)
    return _digits(text, language)
