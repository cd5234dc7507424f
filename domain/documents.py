"""The dates a legal stay hangs on, and when to remind a person of them (pure rules).

A passport, a visa, a work permit or a contract that runs out turns a legal worker into an
illegal one. Reminders are relative to each date (by default 120, 30 and 7 days before), at the
opening of the delivery window in the destination's time zone, as check-ins are
(domain/schedule.py). A date entered when some reminders are already past gets one catch-up
reminder at the next window, not one for each missed step; the plan then goes on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from domain.parsing import parse_whole_number
from domain.schedule import Window, due_at

KINDS = ("passport", "visa", "work_permit", "contract")
# How far a typed expiry date may lie: a passport runs ten years; an ended one a few years back
# is still worth knowing about (it has to be renewed), anything older is a typo.
AHEAD = timedelta(days=366 * 11)
BEHIND = timedelta(days=366 * 3)
PASSPORT_MONTHS = 6  # a passport ending this soon after leaving may run out while away

_INVISIBLE = re.compile(r"[\x00-\x1f\x7f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]")
_DATE = re.compile(r"([0-9០-៩]{1,2})\s*[/.\-]\s*([0-9០-៩]{1,2})(?:\s*[/.\-]\s*([0-9០-៩]{2,4}))?")


def parse_expiry(text: str, today: date) -> date | None:
    """``25/12/2027``, ``២៥/១២/២០២៧`` or ``25/12`` (day first, as in Cambodia).

    Without a year it is the next such day from today (a date that something ends on is ahead
    more often than not). None for anything else, or a date too far either way to be meant.
    """
    match = _DATE.fullmatch(_INVISIBLE.sub("", text).strip())
    if match is None:
        return None
    day, month = parse_whole_number(match.group(1)), parse_whole_number(match.group(2))
    assert day is not None and month is not None
    if match.group(3) is None:
        for year in (today.year, today.year + 1, today.year + 2, today.year + 3, today.year + 4):
            found = _day(year, month, day)
            if found is not None and found >= today:
                return found
        return None
    typed_year = parse_whole_number(match.group(3))
    assert typed_year is not None
    result = _day(typed_year + 2000 if typed_year < 100 else typed_year, month, day)
    if result is None or not today - BEHIND <= result <= today + AHEAD:
        return None
    return result


def _day(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


@dataclass(frozen=True)
class NextReminder:
    """The next reminder to plan: when, which step (index into the days before), catch-up."""

    due: datetime
    number: int
    catch_up: bool


def reminder_due(expires_on: date, days_before: int, window: Window, zone: ZoneInfo) -> datetime:
    """The window's opening, local time, ``days_before`` the date (as UTC)."""
    return due_at(expires_on, -days_before, window, zone)


def next_reminder(
    expires_on: date,
    days_before: tuple[int, ...],
    window: Window,
    zone: ZoneInfo,
    *,
    now: datetime,
    after_number: int | None,
) -> NextReminder | None:
    """The reminder after step ``after_number`` (None: none sent yet); None when all are done.

    ``days_before`` is falling (120, 30, 7). Steps whose time has passed unsent are not replayed:
    one catch-up goes out at the next window, and the plan resumes with the first step still
    ahead. A date already passed when it is entered gets that one catch-up too.
    """
    n = 0 if after_number is None else after_number + 1
    if n >= len(days_before):
        return None
    due = reminder_due(expires_on, days_before[n], window, zone)
    if due > now:
        return NextReminder(due, n, catch_up=False)
    while (
        n + 1 < len(days_before)
        and reminder_due(expires_on, days_before[n + 1], window, zone) <= now
    ):
        n += 1
    return NextReminder(window.next_opening(now, zone), n, catch_up=True)


def passport_ends_soon(passport_until: date | None, depart_on: date) -> bool:
    """Whether the passport runs out within 6 months of leaving (the "passport ends soon" flag)."""
    if passport_until is None:
        return False
    month = depart_on.month - 1 + PASSPORT_MONTHS
    year, month = depart_on.year + month // 12, month % 12 + 1
    limit = _day(year, month, depart_on.day) or _day(year, month, 28)
    assert limit is not None
    return passport_until < limit
