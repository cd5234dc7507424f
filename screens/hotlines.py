"""A country's numbers as a screen: the short first screen and the full list with sources.

The first screen (/help → a country, the /sos answer, a refresher) holds only the numbers that
``content/contacts.yaml`` marks ``first``; "📋 All numbers and sources" under it opens the full
list. The handlers are ``conversations/hotlines.py``.
"""

from __future__ import annotations

from app.context import BotContext
from content.bundle import Content
from content.formatting import format_day
from content.texts import Html
from screens.buttons import Button, html, menu_button

PREFIX = "help"
ALL = f"{PREFIX}:all:"  # + a country code: that country's full list


def first_text(content: Content, lang: str, code: str) -> Html:
    """The country's first numbers, one line each; no source and no check note (those are on
    the full list). "Open 24 hours" comes from the data (``hours``), never from the label."""
    t, directory = content.texts, content.contacts
    country = directory.country(code)
    assert country is not None
    lines = [t.get(lang, "help.country_title", country=country.names[lang])]
    first = directory.first_for_country(code)
    for contact in first:
        key = "help.number_24h" if contact.hours == "24h" else "help.number"
        lines.append(t.get(lang, key, phone=contact.phone, label=html(contact.shorts[lang])))
    if first and all(c.kind == "emergency" for c in first):
        # Only "when a life is in danger" numbers here (South Korea): say where the others are.
        lines.append(t.get(lang, "help.more_below"))
    return Html("\n".join(lines))


def full_text(content: Content, lang: str, code: str) -> Html:
    """Every number for one country, with its note, its source and the day it was taken."""
    t, directory = content.texts, content.contacts
    country = directory.country(code)
    assert country is not None
    blocks: list[str] = [t.get(lang, "help.country_title", country=country.names[lang])]
    first = directory.first_for_country(code)  # in the first screen's order, then the others
    rest = tuple(c for c in directory.for_country(code) if c not in first)
    for contact in first + rest:
        lines: list[str] = [
            # Names and sources are checked Telegram HTML, like the notes (content/contacts.py).
            t.get(lang, "help.contact", name=html(contact.names[lang]), phone=contact.phone)
        ]
        if contact.notes[lang]:
            lines.append(contact.notes[lang])
        if contact.needs_check:  # never under a national emergency number (contacts.yaml)
            lines.append(t.get(lang, "help.please_check"))
        lines.append(
            t.get(
                lang,
                "help.source",
                source=html(contact.sources[lang]),
                date=format_day(contact.last_verified, lang),
            )
        )
        blocks.append("\n".join(lines))
    # Said once for the list, not under each number (reader 2, row 9): true of every one of
    # them (`last_verified` is the day they were copied, content/SOURCES.md).
    blocks.append(t.get(lang, "help.none_tried"))
    if country.tips[lang]:
        blocks.append(country.tips[lang])
    return Html("\n\n".join(blocks))


def all_numbers_row(context: BotContext, lang: str, code: str) -> list[Button]:
    """The button under a first screen that sends the country's full list."""
    return [(context.content.texts.raw(lang, "help.all_numbers"), f"{ALL}{code}")]


def first_rows(context: BotContext, lang: str, code: str) -> list[list[Button]]:
    """The buttons under a first screen: the full list, another country, the menu."""
    other = (context.content.texts.raw(lang, "help.other_country"), f"{PREFIX}:home")
    return [all_numbers_row(context, lang, code), [other], [menu_button(context, lang)]]
