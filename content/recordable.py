"""What staff can record in Khmer: every screen a person who reads little may want to hear.

Each item has a stable id (also the file name in ``bot.py media export``), the exact Khmer text
to read aloud, and the hash of that text: a recording made for another text is out of date.
Items are derived from the content, so a new lesson screen is a new item without code changes.
"""

from __future__ import annotations

import hashlib
import html
import re
from dataclasses import dataclass

from content.bundle import Content
from domain.parsing import to_khmer_digits

LANGUAGE = "km"  # the programme records Khmer; English readers read
SECTIONS = ("start", "lessons", "stories", "statements", "quiz", "checkin", "help")
_TAG = re.compile(r"<[^>]+>")
ITEM_ID = re.compile(r"^[a-z0-9_.-]{1,48}$")  # safe as a file name and in button data


@dataclass(frozen=True)
class Recordable:
    item_id: str
    section: str
    title: str  # a short Khmer name for the list
    text: str  # the exact Khmer text to read, without markup

    @property
    def text_hash(self) -> str:
        return text_hash(self.text)


def text_hash(text: str) -> str:
    """A short fingerprint of the words: changes whenever the text read aloud changes."""
    return hashlib.sha256(" ".join(text.split()).encode()).hexdigest()[:16]


def plain(text: str) -> str:
    """Telegram HTML as the words one reads aloud."""
    return html.unescape(_TAG.sub("", text)).strip()


# The three consent screens (conversations/onboarding.py), each its own recording: item id and
# the keys it shows. The first keeps the id "consent" it had as one screen.
CONSENT_SCREENS = (
    ("consent", ("consent.text",)),
    ("consent.kept", ("consent.kept", "consent.voice")),
    ("consent.erase", ("consent.erase",)),
)


def consent_text(content: Content, lang: str, keys: tuple[str, ...] = ("consent.text",)) -> str:
    """The words of one consent screen (the second with what it says about voice messages)."""
    return "\n\n".join(content.texts.raw(lang, key) for key in keys)


def checkin_text(content: Content, lang: str) -> str:
    return content.texts.raw(lang, "checkin.prompt")


def help_text(content: Content, lang: str, country: str) -> str:
    """The numbers of one country as the first screen of /help and /sos gives them, in order."""
    directory = content.contacts
    found = directory.country(country)
    lines = [found.names[lang]] if found is not None else []
    lines += [f"{c.shorts[lang]}: {c.phone}" for c in directory.first_for_country(country)]
    return "\n".join(lines)


def quiz_text(content: Content, lang: str, question_id: str) -> str:
    """The question with its options, each after its letter (ក ខ គ), as the screen shows them."""
    question = next(q for q in content.awareness.questions if q.id == question_id)
    letters = content.texts.raw(lang, "quiz.letters").split()
    options = [f"{letters[i]}. {o.texts[lang]}" for i, o in enumerate(question.options)]
    return "\n".join([question.texts[lang], *options])


def recordable_items(content: Content) -> tuple[Recordable, ...]:
    """Every recordable item, in the order a person meets them."""
    km, awareness = LANGUAGE, content.awareness
    t = content.texts
    items = []
    for n, (item_id, keys) in enumerate(CONSENT_SCREENS, start=1):
        title = (
            f"{t.raw(km, 'media.item.consent')} {to_khmer_digits(f'{n}/{len(CONSENT_SCREENS)}')}"
        )
        items.append(Recordable(item_id, "start", title, consent_text(content, km, keys)))
    for lesson in awareness.lessons:
        for n, screen in enumerate(lesson.screens[km]):
            title = f"{lesson.titles[km]} {to_khmer_digits(f'{n + 1}/{lesson.length}')}"
            items.append(Recordable(f"lesson.{lesson.id}.{n + 1}", "lessons", title, screen))
    for story in awareness.stories:
        for n, screen in enumerate(story.screens[km]):
            title = f"{story.titles[km]} {to_khmer_digits(f'{n + 1}/{story.length}')}"
            items.append(Recordable(f"story.{story.id}.{n + 1}", "stories", title, screen))
    for number, statement in enumerate(awareness.statements, start=1):
        title = t.plain(km, "media.item.statement", number=number)
        items.append(
            Recordable(f"statement.{statement.id}", "statements", title, statement.texts[km])
        )
    for number, question in enumerate(awareness.questions, start=1):
        title = t.plain(km, "media.item.question", number=number)
        items.append(
            Recordable(f"quiz.{question.id}", "quiz", title, quiz_text(content, km, question.id))
        )
    items.append(
        Recordable("checkin", "checkin", t.raw(km, "media.item.checkin"), checkin_text(content, km))
    )
    for problem in content.problems:
        items.append(
            Recordable(f"problem.{problem.id}", "checkin", problem.labels[km], problem.advice[km])
        )
    for country in content.contacts.countries:
        items.append(
            Recordable(
                f"help.{country.code.lower()}",
                "help",
                country.names[km],
                help_text(content, km, country.code),
            )
        )
    return tuple(Recordable(i.item_id, i.section, plain(i.title), plain(i.text)) for i in items)


def item_map(content: Content) -> dict[str, Recordable]:
    return {item.item_id: item for item in recordable_items(content)}


def check_item_ids(items: tuple[Recordable, ...]) -> list[str]:
    """Item ids that could not be file names or button data (content ids that need fixing)."""
    return [item.item_id for item in items if not ITEM_ID.match(item.item_id)]
