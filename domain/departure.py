"""The departure form as data, and its pure rules: parsing what people type, risk flags.

A field is asked only when it applies (``when``); answers are kept by field id and option id,
never by label. The conversation in conversations/departure.py walks these fields one by one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from domain.documents import passport_ends_soon
from domain.parsing import parse_whole_number, to_latin_digits

ABROAD = ("TH", "MY", "KR", "OTHER")
INSIDE = ("KH_PP", "KH_PROVINCE", "KH_SEZ")
DESTINATIONS = INSIDE + ABROAD
WORK = ("factory", "construction", "farm", "fishing", "seafood", "domestic", "services", "other")
CHANNELS = ("agency", "broker", "friends", "own")
REGULAR_CHANNELS = ("agency",)  # the report's "safe" migration: through a licensed agency
DOCUMENTS = ("passport", "visa_permit", "border_pass")
REASONS = (
    "poverty_debt",
    "creditors",  # must leave quietly: creditors would stop them (report L1470-1476)
    "family_crisis",
    "no_local_job",
    "low_education",
    "violence",
    "friends_went",
    "city_life",
    "climate",
    "other",
    "private",  # "I prefer not to say"
)
# Reasons after which the person chooses who may know where and when: the report lists domestic
# violence among the reasons for leaving, and people in debt who leave at night so that their
# creditors do not stop them (L1470-1476). Either could ask the chief.
SENSITIVE_REASONS = ("violence", "creditors")
PRIVATE = "private"
# Who may know, after a sensitive reason (the field ``reason_shared``): only staff (the chief
# gets nothing of the trip), the chief without the reason, or the chief with it. Staff first:
# the safer answer.
AUDIENCES = ("staff", "no", "yes")
STAFF_ONLY = "_private"  # suffix of a stored reason: only staff know where and when
REASON_HIDDEN = "_hidden"  # suffix: the chief sees the trip but "prefers not to say"
NAME_MAX = 60
AGE_RANGE = (5, 99)
WAGE_MAX = 100_000
DATE_WINDOW = timedelta(days=366)  # a date further than a year either way is a typo

Answers = Mapping[str, Any]


@dataclass(frozen=True)
class Field:
    id: str
    kind: str  # choice | multi | text | number | phone | date | agency | expiry
    options: tuple[str, ...] = ()
    optional: bool = False
    when: Callable[[Answers], bool] = field(default=lambda answers: True)


def _abroad(answers: Answers) -> bool:
    return answers.get("destination") in ABROAD


def _passport_abroad(answers: Answers) -> bool:
    return _abroad(answers) and "passport" in answers.get("documents", ())


UNKNOWN = "unknown"  # an expiry date the person does not know (a button, never typed)


FIELDS: tuple[Field, ...] = (
    Field("who", "choice", ("self", "family")),
    Field("name", "text"),
    Field("gender", "choice", ("female", "male")),
    Field("age", "number"),
    Field("destination", "choice", DESTINATIONS),
    Field("work", "choice", WORK),
    Field("duration", "choice", ("short", "long")),
    Field("channel", "choice", CHANNELS),
    Field("agency", "agency", when=lambda a: a.get("channel") == "agency"),
    # Optional: someone who cannot write, or who was never told the name, may skip it (the
    # agency is then "not on the checked list", as a typed one is).
    Field(
        "agency_name",
        "text",
        optional=True,
        when=lambda a: a.get("channel") == "agency" and a.get("agency") == "typed",
    ),
    Field("documents", "multi", DOCUMENTS),
    # When the passport ends (or "I don't know"): reminders before it runs out abroad, and the
    # "passport ends soon" flag. The other dates wait for /documents.
    Field("passport_until", "expiry", when=_passport_abroad),
    Field("employer_phone", "phone", optional=True),
    Field("wage", "number", optional=True),
    Field("depart_on", "date", ("0", "1", "7", "14", "30")),  # no typing: up to a month ahead
    Field("arrive_on", "date", ("0", "1", "3")),
    Field("reason", "choice", REASONS),
    Field(
        "reason_shared",
        "choice",
        AUDIENCES,
        when=lambda a: a.get("reason") in SENSITIVE_REASONS,
    ),
    Field("family_phone", "phone", optional=True),
)
BY_ID = {f.id: f for f in FIELDS}


def next_field(answers: Answers) -> Field | None:
    """The first field that applies and has no answer yet; None when the form is complete."""
    return next((f for f in FIELDS if f.when(answers) and f.id not in answers), None)


def applicable(answers: Answers) -> list[Field]:
    return [f for f in FIELDS if f.when(answers)]


def stored_reason(answers: Answers) -> str:
    """The reason as kept: a sensitive reason gets the suffix of who may know.

    ``violence_private``: only staff know where and when; ``violence_hidden``: the chief sees
    the trip, not why. Everyone but the person sees "prefers not to say" for either.
    """
    reason = str(answers["reason"])
    if reason in SENSITIVE_REASONS:
        audience = answers.get("reason_shared")
        if audience == "staff":
            return f"{reason}{STAFF_ONLY}"
        if audience == "no":
            return f"{reason}{REASON_HIDDEN}"
    return reason


def base_reason(reason: str) -> str:
    """The reason without who may know it (``violence_private`` is ``violence``)."""
    return reason.removesuffix(STAFF_ONLY).removesuffix(REASON_HIDDEN)


def audience_of(reason: str) -> str | None:
    """The ``reason_shared`` answer a stored reason came from (None: not asked)."""
    if reason.endswith(STAFF_ONLY):
        return "staff"
    if reason.endswith(REASON_HIDDEN):
        return "no"
    return "yes" if reason in SENSITIVE_REASONS else None


def staff_only(reason: str) -> bool:
    """Whether the person asked that only staff know where and when (no chief is told)."""
    return reason.endswith(STAFF_ONLY)


def family_phone_passed_on(reason: str) -> bool:
    """Whether a chief may see the family phone: not for someone who left violence at home,
    shared or not, as the number may be that of the person she left."""
    return not reason.startswith("violence")


def shared_reason(reason: str) -> str:
    """The reason a leader, the follow-up list and the programme's numbers may see."""
    return PRIVATE if reason.endswith((STAFF_ONLY, REASON_HIDDEN)) else reason


# -- typed answers ---------------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x1f\x7f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]")


def parse_name(text: str) -> str | None:
    """A name or nickname: 1-60 characters once invisible characters and extra spaces go."""
    cleaned = " ".join(_CONTROL.sub("", text).split())
    return cleaned if 0 < len(cleaned) <= NAME_MAX else None


def parse_age(text: str) -> int | None:
    value = parse_whole_number(text)
    return value if value is not None and AGE_RANGE[0] <= value <= AGE_RANGE[1] else None


def parse_wage(text: str) -> int | None:
    value = parse_whole_number(text)
    return value if value is not None and value <= WAGE_MAX else None


def parse_phone(text: str) -> str | None:
    """A phone number as people write it: digits (Latin or Khmer), spaces, + - ( ) and dots."""
    cleaned = " ".join(_CONTROL.sub("", text).split())
    digits = re.sub(r"[^0-9០-៩]", "", cleaned)
    if not 6 <= len(digits) <= 15 or not re.fullmatch(r"\+?[0-9០-៩ \-().]{6,24}", cleaned):
        return None
    return to_latin_digits(cleaned)


_DATE = re.compile(r"([0-9០-៩]{1,2})\s*[/.\-]\s*([0-9០-៩]{1,2})(?:\s*[/.\-]\s*([0-9០-៩]{2,4}))?")


def parse_date(text: str, today: date) -> date | None:
    """``25/12``, ``25-12-2026`` or ``២៥/១២/២០២៦`` (day first, as in Cambodia); within a year.

    Without a year, the date is the next one on or after today, or the latest past one if that
    is nearer (someone registering a trip they already started). 29/2 is such a day only in a
    leap year: the next 29 February if it is within a year from now (or the last, if nearer),
    else nothing, as for a day no month has.
    """
    match = _DATE.fullmatch(_CONTROL.sub("", text).strip())
    if match is None:
        return None
    day, month = parse_whole_number(match.group(1)), parse_whole_number(match.group(2))
    year_text = match.group(3)
    assert day is not None and month is not None
    try:
        if year_text is not None:
            year = parse_whole_number(year_text)
            assert year is not None
            year = year + 2000 if year < 100 else year
            result = date(year, month, day)
        else:
            candidates = [d for shift in (-1, 0, 1) if (d := _day(today.year + shift, month, day))]
            if not candidates:
                return None
            result = min(candidates, key=lambda d: abs((d - today).days))
    except ValueError:
        return None
    return result if abs(result - today) <= DATE_WINDOW else None


def _day(year: int, month: int, day: int) -> date | None:
    """That day of that year, or None when the year has no such day (29/2 outside leap years)."""
    try:
        return date(year, month, day)
    except ValueError:
        return None


# -- what a leader should know -------------------------------------------------------------------

RISK_FLAGS = (
    "minor",
    "abroad_no_papers",
    "passport_ends_soon",
    "broker",
    "agency_unverified",
    "no_employer_contact",
)


def risk_flags(answers: Answers) -> tuple[str, ...]:
    """The risks the report and the ILO indicators point to, in a fixed order."""
    flags = []
    if int(answers.get("age", 99)) < 18:
        flags.append("minor")
    documents = set(answers.get("documents", ()))
    if _abroad(answers) and not {"passport", "visa_permit"} <= documents:
        flags.append("abroad_no_papers")
    if _passport_ends_soon(answers):
        flags.append("passport_ends_soon")
    if answers.get("channel") == "broker":
        flags.append("broker")
    if answers.get("channel") == "agency" and answers.get("agency") == "typed":
        flags.append("agency_unverified")
    if not answers.get("employer_phone"):
        flags.append("no_employer_contact")
    return tuple(flags)


def _passport_ends_soon(answers: Answers) -> bool:
    until, leaving = answers.get("passport_until"), answers.get("depart_on")
    if not _passport_abroad(answers) or not until or until == UNKNOWN or not leaving:
        return False
    return passport_ends_soon(date.fromisoformat(str(until)), date.fromisoformat(str(leaving)))


def is_regular(channel: str, documents: tuple[str, ...], destination: str) -> bool:
    """The report's "safe" (regular) migration: a licensed agency, with papers when abroad."""
    if channel not in REGULAR_CHANNELS:
        return False
    return destination not in ABROAD or {"passport", "visa_permit"} <= set(documents)
