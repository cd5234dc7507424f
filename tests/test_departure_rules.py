"""The departure form's pure rules: typed answers and risk flags."""

from __future__ import annotations

from datetime import date

import pytest

from domain.departure import (
    is_regular,
    next_field,
    parse_age,
    parse_date,
    parse_name,
    parse_phone,
    risk_flags,
)

TODAY = date(2026, 3, 1)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("25/12", date(2025, 12, 25)),  # the nearer one: last December
        ("5/3", date(2026, 3, 5)),
        ("០៥/០៣/២០២៦", date(2026, 3, 5)),
        ("5-3-26", date(2026, 3, 5)),
        ("5.3.2026", date(2026, 3, 5)),
        ("28/02", date(2026, 2, 28)),
    ],
)
def test_dates_day_first_with_any_digits(typed: str, expected: date) -> None:
    assert parse_date(typed, TODAY) == expected


@pytest.mark.parametrize(
    "typed", ["31/02", "tomorrow", "2026-03-05", "5/3/2030", "", "32/1", "1/13"]
)
def test_not_dates(typed: str) -> None:
    assert parse_date(typed, TODAY) is None


@pytest.mark.parametrize(
    ("typed", "today", "expected"),
    [
        ("29/2", date(2027, 3, 1), date(2028, 2, 29)),  # the next leap day, within the year
        ("២៩/០២", date(2027, 12, 1), date(2028, 2, 29)),
        ("29/2", date(2028, 2, 10), date(2028, 2, 29)),
        ("29/2", date(2028, 3, 5), date(2028, 2, 29)),  # a few days ago: a trip under way
        ("29/2/2028", date(2027, 6, 1), date(2028, 2, 29)),
        ("28/2", date(2027, 3, 1), date(2027, 2, 28)),  # the nearer, as for any day
    ],
)
def test_the_29th_of_february_is_the_nearest_leap_day(
    typed: str, today: date, expected: date
) -> None:
    assert parse_date(typed, today) == expected


@pytest.mark.parametrize(
    ("typed", "today"),
    [
        ("29/2", date(2026, 3, 1)),  # the next is 29/2/2028, two years away
        ("29/2", date(2027, 1, 15)),  # over a year away
        ("29/2/2027", date(2026, 6, 1)),  # 2027 has none
        ("31/4", date(2027, 3, 1)),  # no year has it
    ],
)
def test_a_day_that_does_not_come_within_a_year_is_refused(typed: str, today: date) -> None:
    assert parse_date(typed, today) is None


def test_names_ages_and_phones() -> None:
    assert parse_name("  Srey\u200b  Mom ") == "Srey Mom"
    assert parse_name("x" * 61) is None
    assert parse_age("១៧") == 17 and parse_age("4") is None and parse_age("100") is None
    assert parse_phone("០១២ ៣៤៥ ៦៧៨") == "012 345 678"
    assert parse_phone("+855 (12) 345-678") == "+855 (12) 345-678"
    assert parse_phone("12345") is None and parse_phone("call me") is None


def test_risk_flags_for_each_case() -> None:
    base = {
        "age": 30,
        "destination": "KH_PP",
        "channel": "own",
        "documents": [],
        "employer_phone": "012",
    }
    assert risk_flags(base) == ()
    assert risk_flags({**base, "age": 16}) == ("minor",)
    assert risk_flags({**base, "destination": "TH"}) == ("abroad_no_papers",)
    assert risk_flags({**base, "destination": "TH", "documents": ["passport", "visa_permit"]}) == ()
    assert risk_flags({**base, "channel": "broker"}) == ("broker",)
    assert risk_flags({**base, "channel": "agency", "agency": "typed"}) == ("agency_unverified",)
    assert risk_flags({**base, "channel": "agency", "agency": "3"}) == ()
    assert risk_flags({**base, "employer_phone": None}) == ("no_employer_contact",)


def test_regular_means_licensed_agency_with_papers_abroad() -> None:
    assert is_regular("agency", ("passport", "visa_permit"), "MY")
    assert not is_regular("agency", ("passport",), "MY")
    assert is_regular("agency", (), "KH_SEZ")
    assert not is_regular("broker", ("passport", "visa_permit"), "TH")


def test_the_agency_questions_come_only_for_an_agency() -> None:
    answers = {"who": "self", "name": "A", "gender": "female", "age": 20, "destination": "TH"}
    answers |= {"work": "farm", "duration": "short", "channel": "friends"}
    field = next_field(answers)
    assert field is not None and field.id == "documents"
    field = next_field({**answers, "channel": "agency"})
    assert field is not None and field.id == "agency"
    field = next_field({**answers, "channel": "agency", "agency": "typed"})
    assert field is not None and field.id == "agency_name"
