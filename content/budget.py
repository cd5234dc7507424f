"""Length budgets: the screens a villager must read in one breath (issue 23, review §4).

A budgeted screen is one or more catalog keys shown together. Its length is counted as the
Khmer review counted it: Python ``len()`` of the text with HTML tags removed (code points), each
``{placeholder}`` counting as ``PLACEHOLDER_WIDTH`` characters (about «៧៩៣ ដុល្លារ»). Loading
the content fails when a budgeted screen is too long in any language, so a translator who makes
the first screen long again finds out at ``bot.py check``, not from a villager who gave up.

A key over its budget is either shortened or listed in ``EXCEEDS`` with the reason; the
explanation for people is in content/README.md.
"""

from __future__ import annotations

import html
import re
import string
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from content.errors import ContentError, ContentErrors

PLACEHOLDER_WIDTH = 8
FIRST_SCREEN = 220  # consent screens 1 and 3 (review E1: "about 120-200 each")
# Consent screen 2 says who sees what and where a voice message goes, both exact (review T9):
# an alert's budget, not shorter, as dropping a true limit on who sees would mislead.
CONSENT_WHO = 300
ALERT = 300  # anything the bot pushes at a person about her own help or safety (review E2)
CALC_FIRST = 200  # the calculator's first screen (review E3: "about 170"), amounts included
# A lesson screen (content/{km,en}/lessons.yaml): one idea or two, read by someone who reads
# little. A second Khmer reader found three over 300 once fixes had added words (row 17 of
# notes/khmer-reader-1.md); a longer screen is split in two, not let through.
LESSON_SCREEN = 300
# The same meaning takes more letters in English than code points in Khmer (measured on this
# content: 10-25 % more), so English gets this much room over the Khmer budget.
SLACK = {"km": 1.0, "en": 1.25}

_TAG = re.compile(r"<[^>]+>")


@dataclass(frozen=True)
class Screen:
    """Keys shown together on one screen and the most characters they may take together."""

    keys: tuple[str, ...]
    limit: int
    what: str  # which screen, for the error message
    joiner: str = "\n\n"  # what the screen puts between its keys


# Keys (or key prefixes ending in ".", "_") of what the person herself is told when she asks for
# help, when a case about her moves, and what is pushed to her phone unasked. A prefix also
# covers keys added later, so a new alert text is budgeted without anyone remembering to.
ALERT_KEYS = (
    "sos.",
    "checkin.prompt",
    "checkin.problem.",
    "checkin.problem_noted",
    "media.voice.",
    "media.voice_hint",
    "case.person_",
    "case.location_offer",
    "case.location_sent",
    "family.relative_",
    "documents.reminder.",
    "documents.todo.",
    "documents.legal_stay",
    "refresher.neutral",
    "refresher.lesson",
    "refresher.question",
    "mydep.cancelled_notice",
    "mydep.dates_notice",
)

SCREENS: tuple[Screen, ...] = (
    Screen(("consent.text",), FIRST_SCREEN, "consent screen 1 (welcome)"),
    Screen(("consent.kept", "consent.voice"), CONSENT_WHO, "consent screen 2 (what is kept)"),
    Screen(("consent.erase",), FIRST_SCREEN, "consent screen 3 (erasing, do you agree?)"),
    Screen(
        ("calc.summary", "calc.more_going", "calc.risk_unpaid"),
        CALC_FIRST,
        "calculator result, first screen",
        "\n",
    ),
)

# Budgeted keys allowed over their budget for now, each with the reason. Keep this short: every
# entry is a screen a villager may give up on.
EXCEEDS: dict[str, str] = {}


def length(text: str) -> int:
    """Characters a reader sees: tags removed, entities as one character, placeholders fixed."""
    parts = []
    for literal, name, _, _ in string.Formatter().parse(text):
        parts.append(literal)
        if name is not None:
            parts.append("x" * PLACEHOLDER_WIDTH)
    return len(html.unescape(_TAG.sub("", "".join(parts))).strip())


def screens(keys: set[str]) -> list[Screen]:
    """Every budgeted screen among ``keys``: the fixed ones, then each alert key on its own."""
    found = [s for s in SCREENS if any(k in keys for k in s.keys)]
    for key in sorted(keys):
        if any(key == a or (a.endswith((".", "_")) and key.startswith(a)) for a in ALERT_KEYS):
            found.append(Screen((key,), ALERT, "alert the person sees"))
    return found


def check_budgets(catalogs: Mapping[str, Mapping[str, str]], where: str) -> None:
    """Raises ContentErrors naming key, language, length and limit of every screen too long."""
    problems: list[ContentError] = []
    for language, texts in catalogs.items():
        for screen in screens(set(texts)):
            if any(k in EXCEEDS for k in screen.keys):
                continue
            total = length(screen.joiner.join(texts[k] for k in screen.keys if k in texts))
            limit = int(screen.limit * SLACK.get(language, 1.0))
            if total > limit:
                problems.append(
                    ContentError(
                        f"{where}/{language}",
                        "+".join(screen.keys),
                        f"{language} text is {total} characters (tags removed), over the "
                        f"budget of {limit} for the {screen.what}: shorten it "
                        "(content/README.md)",
                    )
                )
    if problems:
        raise ContentErrors(problems)


def check_lesson_budgets(
    lessons: Iterable[tuple[str, Mapping[str, Sequence[str]]]], where: str
) -> None:
    """Raises ContentErrors naming lesson, screen, language and length of every lesson screen
    over ``LESSON_SCREEN`` (with the language's ``SLACK``). ``lessons``: (lesson id, screens by
    language)."""
    problems: list[ContentError] = []
    for lesson_id, by_language in lessons:
        for language, screens_of in by_language.items():
            limit = int(LESSON_SCREEN * SLACK.get(language, 1.0))
            for number, text in enumerate(screens_of, start=1):
                total = length(text)
                if total > limit and f"lesson.{lesson_id}.{number}" not in EXCEEDS:
                    problems.append(
                        ContentError(
                            f"{where}/{language}/lessons.yaml",
                            f"{lesson_id}, screen {number}",
                            f"{language} text is {total} characters (tags removed), over the "
                            f"budget of {limit} for a lesson screen: shorten it or split it in "
                            "two (content/README.md)",
                        )
                    )
    if problems:
        raise ContentErrors(problems)
