"""The check-in plan, with the design's worked example (arrival 10 March, Thailand)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from domain.schedule import Ladder, Window, due_at, next_checkin

BANGKOK = ZoneInfo("Asia/Bangkok")
SEOUL = ZoneInfo("Asia/Seoul")
KUALA_LUMPUR = ZoneInfo("Asia/Kuala_Lumpur")
WINDOW = Window(time(8), time(19))
LADDER = Ladder((1, 7, 14, 30), 30)
ARRIVAL = date(2026, 3, 10)


def utc(year: int, month: int, day: int, hour: int = 0) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


def test_the_plan_in_the_design_example() -> None:
    dues = [due_at(ARRIVAL, LADDER.offset(n), WINDOW, BANGKOK) for n in range(6)]
    # 08:00 Bangkok is 01:00 UTC
    assert dues == [
        utc(2026, 3, 11, 1),
        utc(2026, 3, 17, 1),
        utc(2026, 3, 24, 1),
        utc(2026, 4, 9, 1),
        utc(2026, 5, 9, 1),
        utc(2026, 6, 8, 1),
    ]


def test_the_first_check_in_is_the_day_after_arrival_at_8_local() -> None:
    registered = utc(2026, 3, 1, 3)
    first = next_checkin(ARRIVAL, LADDER, WINDOW, BANGKOK, now=registered, after_number=None)
    assert (first.due, first.number, first.catch_up) == (utc(2026, 3, 11, 1), 0, False)
    korea = next_checkin(ARRIVAL, LADDER, WINDOW, SEOUL, now=registered, after_number=None)
    assert korea.due == utc(2026, 3, 10, 23)  # 08:00 in Seoul is 23:00 UTC the day before
    malaysia = next_checkin(
        ARRIVAL, LADDER, WINDOW, KUALA_LUMPUR, now=registered, after_number=None
    )
    assert malaysia.due == utc(2026, 3, 11, 0)


def test_a_late_registration_catches_up_once_then_continues() -> None:
    registered = utc(2026, 3, 20, 12)  # 19:00 in Bangkok: the window has just closed
    catch_up = next_checkin(ARRIVAL, LADDER, WINDOW, BANGKOK, now=registered, after_number=None)
    assert catch_up.catch_up and catch_up.number == 1  # the 11 and 17 March ones are folded
    assert catch_up.due == utc(2026, 3, 21, 1)  # the next morning, not at night
    following = next_checkin(ARRIVAL, LADDER, WINDOW, BANGKOK, now=catch_up.due, after_number=1)
    assert (following.due, following.catch_up) == (utc(2026, 3, 24, 1), False)


def test_a_catch_up_inside_the_window_goes_at_once() -> None:
    now = utc(2026, 3, 20, 5)  # 12:00 in Bangkok
    catch_up = next_checkin(ARRIVAL, LADDER, WINDOW, BANGKOK, now=now, after_number=None)
    assert catch_up.due == now


def test_the_window() -> None:
    assert WINDOW.next_opening(utc(2026, 3, 20, 14), BANGKOK) == utc(2026, 3, 21, 1)  # 21:00
    assert WINDOW.next_opening(utc(2026, 3, 20, 22), BANGKOK) == utc(2026, 3, 21, 1)  # 05:00
    assert WINDOW.next_opening(utc(2026, 3, 21, 1), BANGKOK) == utc(2026, 3, 21, 1)
