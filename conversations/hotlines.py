"""Help and hotlines by country: a short first screen, and every number with its source.

The first screen (/help → a country, and the /sos answer) holds only the numbers that
``content/contacts.yaml`` marks ``first``, one line each: a frightened person who reads little
must find whom to call at a glance (review of 7 December 2026, E2). "📋 All numbers and sources"
under it sends the full list: names, notes, the check note where one is due, and sources. The
button carries the country code only, so it works on an old message and after a restart.
"""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from app.context import BotContext
from content.bundle import Content
from content.formatting import format_day
from content.texts import Html
from conversations.listening import show_voiced
from conversations.menu import menu_button
from conversations.ui import (
    PRIVATE_MESSAGE,
    Button,
    answer,
    html,
    keyboard,
    language_of,
    send,
    show,
)

PREFIX = "help"
ALL = f"{PREFIX}:all:"  # + a country code: that country's full list


def _home_screen(context: BotContext, lang: str) -> tuple[str, Any]:
    directory = context.content.contacts
    rows = [
        [(country.names[lang], f"{PREFIX}:country:{country.code}")]
        for country in directory.countries
    ]
    rows.append([menu_button(context, lang)])
    return context.content.texts.get(lang, "help.intro"), keyboard(rows)


def first_text(content: Content, lang: str, code: str) -> Html:
    """The country's first numbers, one line each; no source and no check note (those are on
    the full list). "Open 24 hours" comes from the data (``hours``), never from the label."""
    t, directory = content.texts, content.contacts
    country = directory.country(code)
    assert country is not None
    lines = [t.get(lang, "help.country_title", country=country.names[lang])]
    for contact in directory.first_for_country(code):
        key = "help.number_24h" if contact.hours == "24h" else "help.number"
        lines.append(t.get(lang, key, phone=contact.phone, label=html(contact.shorts[lang])))
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


async def help_command(update: Update, context: BotContext) -> None:
    """Shows the hotline countries to choose from."""
    text, markup = _home_screen(context, await language_of(update, context))
    await send(update, text, markup)


async def open_help(update: Update, context: BotContext) -> None:
    """Shows the hotline countries in place of the pressed screen."""
    await answer(update)
    text, markup = _home_screen(context, await language_of(update, context))
    await show(update, text, markup)


def _pressed_country(update: Update, context: BotContext) -> str | None:
    """The country code at the end of the button's data, if it is one of ours."""
    assert update.callback_query is not None
    code = (update.callback_query.data or "").rsplit(":", 1)[-1]
    return code if context.content.contacts.country(code) is not None else None


async def open_country(update: Update, context: BotContext) -> None:
    """Shows one country's first numbers; an unknown country code is refused."""
    lang = await language_of(update, context)
    code = _pressed_country(update, context)
    if code is None:
        await answer(update, context.content.texts.get(lang, "input.button_expired"))
        return
    await answer(update)
    await show_voiced(
        update,
        context,
        f"help.{code.lower()}",
        first_text(context.content, lang, code),
        keyboard(first_rows(context, lang, code)),
    )


async def open_all(update: Update, context: BotContext) -> None:
    """Sends a country's full list as a new message, so the first screen (and, after /sos,
    what was done) stays above it; a forged country is refused and nothing is sent."""
    lang = await language_of(update, context)
    code = _pressed_country(update, context)
    if code is None:
        await answer(update, context.content.texts.get(lang, "input.button_expired"))
        return
    await answer(update)
    await show_country(update, context, lang, code)


async def show_country(
    update: Update, context: BotContext, lang: str, code: str, *, new: bool = False
) -> None:
    """One country's full list, as a new message (what it was opened from stays above it); an
    unknown code shows the countries to choose from, in place of the pressed message or ``new``."""
    if context.content.contacts.country(code) is None:
        text, home = _home_screen(context, lang)
        await (send(update, text, home) if new else show(update, text, home))
        return
    t = context.content.texts
    rows = [[(t.raw(lang, "help.other_country"), f"{PREFIX}:home")], [menu_button(context, lang)]]
    await send(update, full_text(context.content, lang, code), keyboard(rows))


def build_handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    return [
        CommandHandler("help", help_command, filters=PRIVATE_MESSAGE),
        CallbackQueryHandler(open_help, pattern=rf"^{PREFIX}:home$"),
        CallbackQueryHandler(open_country, pattern=rf"^{PREFIX}:country:"),
        CallbackQueryHandler(open_all, pattern=rf"^{ALL}"),
    ]
