"""The pure rules of document dates: typed dates, the reminder plan, the passport flag."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from domain.documents import next_reminder, parse_expiry, passport_ends_soon
from domain.schedule import Window

TODAY = date(2026, 3, 1)
WINDOW = Window(time(8), time(19))
BANGKOK = ZoneInfo("Asia/Bangkok")
DAYS = (120, 30, 7)


def test_typed_dates_day_first_latin_or_khmer_digits() -> None:
    assert parse_expiry("៣០/០៩/២០២៦", TODAY) == date(2026, 9, 30)
    assert parse_expiry("30-09-26", TODAY) == date(2026, 9, 30)
    assert parse_expiry(" 1.5.2031 ", TODAY) == date(2031, 5, 1)
    assert parse_expiry("25/02", TODAY) == date(2027, 2, 25)  # no year: the next one
    assert parse_expiry("29/02", TODAY) == date(2028, 2, 29)  # the next leap day
    assert parse_expiry("\u200b30/09/2026\u200b", TODAY) == date(2026, 9, 30)


def test_what_is_not_a_date_or_too_far_is_refused() -> None:
    for text in ("", "tomorrow", "31/02/2027", "00/01/2027", "1/13/2027", "x" * 5000, "๓๐/๙/๒๐๒๖"):
        assert parse_expiry(text, TODAY) is None, text
    assert parse_expiry("01/01/2040", TODAY) is None  # more than 11 years ahead
    assert parse_expiry("01/01/2020", TODAY) is None  # more than 3 years back
    assert parse_expiry("01/01/2024", TODAY) == date(2024, 1, 1)  # ended: still worth knowing


def test_the_plan_is_120_30_7_days_before_at_8_local() -> None:
    now = datetime(2026, 3, 1, 2, tzinfo=UTC)
    first = next_reminder(date(2026, 9, 30), DAYS, WINDOW, BANGKOK, now=now, after_number=None)
    assert first is not None
    assert (first.due, first.number, first.catch_up) == (
        datetime(2026, 6, 2, 1, tzinfo=UTC),
        0,
        False,
    )
    second = next_reminder(date(2026, 9, 30), DAYS, WINDOW, BANGKOK, now=now, after_number=0)
    third = next_reminder(date(2026, 9, 30), DAYS, WINDOW, BANGKOK, now=now, after_number=1)
    assert second is not None and second.due == datetime(2026, 8, 31, 1, tzinfo=UTC)
    assert third is not None and third.due == datetime(2026, 9, 23, 1, tzinfo=UTC)
    assert next_reminder(date(2026, 9, 30), DAYS, WINDOW, BANGKOK, now=now, after_number=2) is None


def test_a_late_date_gets_one_catch_up_at_the_next_window() -> None:
    night = datetime(2026, 3, 1, 14, tzinfo=UTC)  # 21:00 in Bangkok
    late = next_reminder(date(2026, 3, 20), DAYS, WINDOW, BANGKOK, now=night, after_number=None)
    assert late is not None
    assert (late.due, late.number, late.catch_up) == (
        datetime(2026, 3, 2, 1, tzinfo=UTC),
        1,  # the 120- and 30-day steps are one catch-up, then the 7-day step follows
        True,
    )
    passed = next_reminder(date(2026, 2, 1), DAYS, WINDOW, BANGKOK, now=night, after_number=None)
    assert passed is not None and passed.number == 2 and passed.catch_up


def test_a_passport_ending_within_6_months_of_leaving_is_flagged() -> None:
    leaving = date(2026, 3, 2)
    assert passport_ends_soon(date(2026, 9, 1), leaving)
    assert not passport_ends_soon(date(2026, 9, 2), leaving)
    assert passport_ends_soon(date(2026, 8, 27), date(2026, 2, 28))
    assert not passport_ends_soon(date(2026, 8, 28), date(2026, 2, 28))
    assert not passport_ends_soon(None, leaving)
    assert passport_ends_soon(date(2027, 2, 27), date(2026, 8, 31))  # 31 Aug + 6 months: 28 Feb
