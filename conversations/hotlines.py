"""Help and hotlines by country, each number with its source and the date it was checked."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from app.context import BotContext
from content.formatting import format_day
from conversations.listening import show_voiced
from conversations.menu import menu_button
from conversations.ui import PRIVATE_MESSAGE, answer, html, keyboard, language_of, send, show

PREFIX = "help"


def _home_screen(context: BotContext, lang: str) -> tuple[str, Any]:
    directory = context.content.contacts
    rows = [
        [(country.names[lang], f"{PREFIX}:country:{country.code}")]
        for country in directory.countries
    ]
    rows.append([menu_button(context, lang)])
    return context.content.texts.get(lang, "help.intro"), keyboard(rows)


def country_text(context: BotContext, lang: str, code: str) -> str:
    """Every number for one country, with its note, its source and when it was checked."""
    t, directory = context.content.texts, context.content.contacts
    country = directory.country(code)
    assert country is not None
    blocks: list[str] = [t.get(lang, "help.country_title", country=country.names[lang])]
    for contact in directory.for_country(code):
        lines: list[str] = [
            # Names and sources are checked Telegram HTML, like the notes (content/contacts.py).
            t.get(lang, "help.contact", name=html(contact.names[lang]), phone=contact.phone)
        ]
        if contact.notes[lang]:
            lines.append(contact.notes[lang])
        if contact.needs_check:
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
    return "\n\n".join(blocks)


async def help_command(update: Update, context: BotContext) -> None:
    """Shows the hotline countries to choose from."""
    text, markup = _home_screen(context, await language_of(update, context))
    await send(update, text, markup)


async def open_help(update: Update, context: BotContext) -> None:
    """Shows the hotline countries in place of the pressed screen."""
    await answer(update)
    text, markup = _home_screen(context, await language_of(update, context))
    await show(update, text, markup)


async def open_country(update: Update, context: BotContext) -> None:
    """Shows one country's numbers; an unknown country code is refused."""
    assert update.callback_query is not None
    lang = await language_of(update, context)
    code = (update.callback_query.data or "").rsplit(":", 1)[-1]
    if context.content.contacts.country(code) is None:
        await answer(update, context.content.texts.get(lang, "input.button_expired"))
        return
    await answer(update)
    await show_country(update, context, lang, code)


async def show_country(
    update: Update, context: BotContext, lang: str, code: str, *, new: bool = False
) -> None:
    """One country's numbers (a code content has), in place of the pressed message or ``new``;
    an unknown code shows the countries to choose from."""
    if context.content.contacts.country(code) is None:
        text, home = _home_screen(context, lang)
        await (send(update, text, home) if new else show(update, text, home))
        return
    t = context.content.texts
    markup = keyboard(
        [[(t.raw(lang, "help.other_country"), f"{PREFIX}:home")], [menu_button(context, lang)]]
    )
    await show_voiced(
        update, context, f"help.{code.lower()}", country_text(context, lang, code), markup, new=new
    )


def build_handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    return [
        CommandHandler("help", help_command, filters=PRIVATE_MESSAGE),
        CallbackQueryHandler(open_help, pattern=rf"^{PREFIX}:home$"),
        CallbackQueryHandler(open_country, pattern=rf"^{PREFIX}:country:"),
    ]
