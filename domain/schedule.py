"""When to check in on a migrant, in their own time zone and never at night (pure rules).

The plan is anchored to the person's arrival date: the first check-in the day after arrival,
then a ladder (default 7, 14, 30 days after arrival), then every 30 days. Each falls due at the
opening of the delivery window (default 08:00) in the destination's time zone. A registration
made late does not replay missed prompts one by one: one catch-up prompt goes out at the next
window, then the plan continues with the next date that is still ahead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Window:
    """Hours (local) in which a message may be delivered: [start, end)."""

    start: time
    end: time

    def contains(self, moment: datetime, zone: ZoneInfo) -> bool:
        local = moment.astimezone(zone).time()
        return self.start <= local < self.end

    def next_opening(self, moment: datetime, zone: ZoneInfo) -> datetime:
        """``moment`` itself when inside the window, else the next start of the window (UTC)."""
        if self.contains(moment, zone):
            return moment
        local = moment.astimezone(zone)
        day = local.date() if local.time() < self.start else local.date() + timedelta(days=1)
        return datetime.combine(day, self.start, zone).astimezone(UTC)


@dataclass(frozen=True)
class Ladder:
    """Days after arrival of the first check-ins, then the interval for all the later ones."""

    days: tuple[int, ...]
    then_every: int

    def offsets(self) -> list[int]:
        """The first offsets, enough to know the pattern; later ones come from ``then_every``."""
        return list(self.days)

    def offset(self, n: int) -> int:
        """Days after arrival of check-in number ``n`` (0-based)."""
        if n < len(self.days):
            return self.days[n]
        return self.days[-1] + (n - len(self.days) + 1) * self.then_every


def due_at(arrive_on: date, offset_days: int, window: Window, zone: ZoneInfo) -> datetime:
    """The window's opening, local time, ``offset_days`` after arrival (as UTC)."""
    return datetime.combine(arrive_on + timedelta(days=offset_days), window.start, zone).astimezone(
        UTC
    )


@dataclass(frozen=True)
class Next:
    """The next prompt to plan: when, its place on the ladder, and whether it is a catch-up."""

    due: datetime
    number: int
    catch_up: bool


def next_checkin(
    arrive_on: date,
    ladder: Ladder,
    window: Window,
    zone: ZoneInfo,
    *,
    now: datetime,
    after_number: int | None,
) -> Next:
    """The next check-in after number ``after_number`` (None: none sent yet).

    When a ladder date has already passed unsent (a late registration, or a long outage), the
    answer is one catch-up at the next window; the ladder then resumes with the first date
    still ahead.
    """
    n = 0 if after_number is None else after_number + 1
    due = due_at(arrive_on, ladder.offset(n), window, zone)
    if due > now:
        return Next(due, n, catch_up=False)
    # Missed: skip every missed step, prompt once now (or at the next window).
    while due_at(arrive_on, ladder.offset(n + 1), window, zone) <= now:
        n += 1
    return Next(window.next_opening(now, zone), n, catch_up=True)
