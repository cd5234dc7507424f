"""The programme report as data: named tables of counts, with small numbers masked (pure).

A row's key is an id (a destination code, an answer id…); the words come from content when the
report is shown, so the same report reads in Khmer and English.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from statistics import median, quantiles
from typing import NamedTuple

from domain.departure import ABROAD, is_regular, shared_reason

MASKED = -1  # a count too small to show in a small place (see mask)
OUTCOMES = ("safe_working", "coming_home", "back_home", "handed_on", "not_reached", "other")
OPEN_AGES = (("under_1d", 1), ("1_3d", 3), ("3_7d", 7), ("over_7d", None))


class CaseRow(NamedTuple):
    """A case as the report counts it: no person, no words."""

    kind: str
    raised: datetime
    taken: datetime | None
    closed: datetime | None
    outcome: str | None
    high_risk: bool = False
    first_taken: datetime | None = None  # the first "I will handle it" (a reopened case resets)
    feedback: str | None = None  # the person's last "did you get the help you needed?"


FEEDBACK = ("yes", "partly", "no")


def taken_in_time_percent(
    alerts: list[CaseRow], now: datetime, high: timedelta, other: timedelta
) -> int | None:
    """The share of cases taken on within their window (1 h high-risk, 3 h others), among those
    whose window has passed or that were taken on; None when there is none yet."""
    counted = in_time = 0
    for case in alerts:
        window = high if case.high_risk else other
        taken = case.first_taken or case.taken
        if taken is None and now - case.raised < window:
            continue  # still within its window: not late, not yet in time either
        counted += 1
        in_time += taken is not None and taken - case.raised <= window
    return round(100 * in_time / counted) if counted else None


def _hours(values: list[float]) -> dict[str, int]:
    """Median and 90th percentile, in whole hours (none when nothing to measure)."""
    if not values:
        return {}
    p90 = quantiles(values, n=10, method="inclusive")[-1] if len(values) > 1 else values[0]
    return {"median": round(median(values)), "p90": round(p90)}


def _age(raised: datetime, now: datetime) -> str:
    waited = now - raised
    for key, days in OPEN_AGES:
        if days is None or waited < timedelta(days=days):
            return key
    return OPEN_AGES[-1][0]


@dataclass(frozen=True)
class Table:
    id: str
    rows: tuple[tuple[str, int], ...]  # (key id, count), largest first

    @property
    def total(self) -> int:
        return sum(count for _, count in self.rows if count > 0)


@dataclass(frozen=True)
class Report:
    tables: tuple[Table, ...]
    silence_days: int  # days without an answer before a silence alert, from the settings

    def table(self, table_id: str) -> Table | None:
        return next((t for t in self.tables if t.id == table_id), None)


def _table(table_id: str, counts: Counter[str], order: Iterable[str] | None = None) -> Table:
    if order is None:
        rows = tuple(counts.most_common())
    else:
        rows = tuple((key, counts[key]) for key in order if counts[key])
    return Table(table_id, rows)


def build_report(
    *,
    departures: list[tuple[str, str, str, str, str, str, str]],
    away_now: int,
    checkins_sent: int,
    answers: Counter[str],
    problems: Counter[str],
    alerts: list[CaseRow],
    open_cases: list[datetime],
    now: datetime,
    out_of_contact: int,
    returns: list[tuple[str | None, str | None]],
    awareness: dict[str, int],
    papers: dict[str, int] | None = None,
    outreach: dict[str, int] | None = None,
    entries: Counter[str] | None = None,
    entry_posters: Counter[str] | None = None,
    take_on: tuple[timedelta, timedelta] | None = None,
    silence_days: int,
) -> Report:
    """The report's tables (obs. 4 and 12 of the programme report, and the bot's own follow-up)."""
    gender, place, destination, work, channel, duration, reason = (Counter[str]() for _ in range(7))
    for g, dest, w, ch, documents, dur, why in departures:
        gender[g] += 1
        place["abroad" if dest in ABROAD else "inside"] += 1
        destination[dest] += 1
        work[w] += 1
        docs = tuple(d for d in documents.split(",") if d)
        channel["regular" if is_regular(ch, docs, dest) else "irregular"] += 1
        duration[dur] += 1
        reason[shared_reason(why)] += 1
    acknowledged = [(c.taken - c.raised).total_seconds() / 3600 for c in alerts if c.taken]
    closed = [(c.closed - c.raised).total_seconds() / 3600 for c in alerts if c.closed]
    follow_up = Counter[str](
        {
            "away_now": away_now,
            "checkins_sent": checkins_sent,
            "out_of_contact": out_of_contact,
            "alerts": len(alerts),
            "alerts_acknowledged": len(acknowledged),
            "alerts_closed": len(closed),
        }
    )
    # Time to the first human contact (taken on) and to the close: median and 90th percentile.
    speed = Counter[str](
        {f"{k}_hours": v for k, v in _hours(acknowledged).items()}
        | {f"close_{k}_hours": v for k, v in _hours(closed).items()}
    )
    in_time = taken_in_time_percent(alerts, now, *take_on) if take_on else None
    if in_time is not None:  # issue 22: taken on within cases.take_on_high / cases.take_on
        speed["taken_in_time_percent"] = in_time
    feedback = Counter(c.feedback for c in alerts if c.feedback in FEEDBACK)
    outcomes = Counter(c.outcome or "other" for c in alerts if c.closed)
    ages = Counter(_age(raised, now) for raised in open_cases)
    return Report(
        (
            _table("departures_gender", gender),
            _table("departures_place", place, ("inside", "abroad")),
            _table("departures_destination", destination),
            _table("departures_work", work),
            _table("departures_channel", channel, ("regular", "irregular")),
            _table("departures_duration", duration, ("short", "long")),
            _table("departures_reason", reason),
            _table("follow_up", follow_up, tuple(follow_up)),
            _table("alert_speed", speed, tuple(speed)),
            _table("checkin_answers", answers, ("fine", "problem", "help", "home")),
            _table("problems", problems),
            _table("alerts_kind", Counter(c.kind for c in alerts)),
            _table("cases_outcome", outcomes, OUTCOMES),
            # "Did you get the help you needed?", asked when a case the person raised is closed.
            _table("cases_feedback", feedback, FEEDBACK),
            _table("cases_open_age", ages, tuple(key for key, _ in OPEN_AGES)),
            _table("returns_wage", Counter(w for w, _ in returns if w), ("yes", "partly", "no")),
            _table(
                "returns_savings",
                Counter(s for _, s in returns if s),
                ("none", "under_100", "100_500", "over_500"),
            ),
            _table("awareness", Counter(awareness), tuple(awareness)),
            _table("documents", Counter(papers or {}), tuple(papers or {})),
            # Refreshers sent and acted on (a button pressed), announcements and their reach.
            _table("outreach", Counter(outreach or {}), tuple(outreach or {})),
            # Which way in works (posters, friends, leaders, the bot's name): obs. 1's follow-up.
            _table("entries", entries or Counter(), ("poster", "share", "leader", "typed")),
            _table("entries_poster", entry_posters or Counter()),
        ),
        silence_days,
    )


# Tables that count people (masked in small places) and those that do not (hours, totals).
NOT_PEOPLE = frozenset({"alert_speed"})


def mask(report: Report, below: int) -> Report:
    """Counts from 1 to ``below - 1`` become MASKED: in one village they could name a person."""
    tables = []
    for table in report.tables:
        if table.id in NOT_PEOPLE:
            tables.append(table)
            continue
        rows = tuple((key, MASKED if 0 < count < below else count) for key, count in table.rows)
        tables.append(replace(table, rows=rows))
    return replace(report, tables=tuple(tables))
