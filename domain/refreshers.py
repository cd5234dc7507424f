"""Which refresher fits a person now: by the stage of their trip, skipping what they have done.

Items are existing content, by id: ``lesson:<id>`` (a lesson screen with its question),
``story:<id>`` and ``help:<country>`` (the numbers worth keeping for a country). Nothing here is
new advice; content/ holds the words.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

BEFORE, AWAY, HOME, GENERAL = "before", "away", "home", "general"

# Before leaving: papers and the plan. Away: help and rights. Back home: the returnee lesson.
# Someone with no trip registered: every lesson in course order, then the stories and numbers.
BY_STAGE: dict[str, tuple[str, ...]] = {
    BEFORE: (
        "lesson:passport",
        "lesson:planning",
        "lesson:checklist",
        "lesson:safe_vs_illegal",
        "lesson:brokers_and_debt",
        "help:KH",
    ),
    AWAY: ("help:{country}", "lesson:getting_help", "lesson:at_work"),
    HOME: ("lesson:coming_home", "help:KH"),
    GENERAL: (
        "lesson:why_people_leave",
        "lesson:safe_vs_illegal",
        "lesson:brokers_and_debt",
        "lesson:passport",
        "lesson:planning",
        "lesson:checklist",
        "lesson:at_work",
        "lesson:getting_help",
        "lesson:coming_home",
        "story:saray",
        "story:klong_fisherman",
        "help:KH",
    ),
}


@dataclass(frozen=True)
class Trip:
    """What the stage depends on, of one registered departure."""

    status: str  # active, cancelled, returned
    depart_on: date
    destination: str


@dataclass(frozen=True)
class Stage:
    name: str
    destination: str | None  # where they are, when away


def stage_of(trips: Sequence[Trip], today: date) -> Stage:
    """Away beats before leaving beats back home; no trip (or only cancelled ones): general."""
    active = [t for t in trips if t.status == "active"]
    away = sorted((t for t in active if t.depart_on <= today), key=lambda t: t.depart_on)
    if away:
        return Stage(AWAY, away[-1].destination)
    if active:
        return Stage(BEFORE, None)
    if any(t.status == "returned" for t in trips):
        return Stage(HOME, None)
    return Stage(GENERAL, None)


def help_country(destination: str | None, countries: Iterable[str]) -> str | None:
    """The country whose numbers fit where the person is (inside Cambodia: KH)."""
    if destination is None:
        return None
    code = "KH" if destination.startswith("KH") else destination
    return code if code in set(countries) else None


def pick(
    stage: Stage,
    *,
    lessons_finished: set[str],
    already_sent: set[str],
    known: set[str],
    countries: Iterable[str],
) -> str | None:
    """The first item of the stage not sent before, not a finished lesson, and in content."""
    country = help_country(stage.destination, countries) or "KH"
    for template in BY_STAGE[stage.name]:
        item = template.format(country=country)
        if item in already_sent or item not in known:
            continue
        if item.startswith("lesson:") and item.removeprefix("lesson:") in lessons_finished:
            continue
        return item
    return None
