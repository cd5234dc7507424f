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
from conversations.listening import show_voiced
from conversations.ui import PRIVATE_MESSAGE, answer, language_of, send, show
from screens.buttons import keyboard, menu_button
from screens.hotlines import ALL, PREFIX, first_rows, first_text, full_text


def _home_screen(context: BotContext, lang: str) -> tuple[str, Any]:
    directory = context.content.contacts
    rows = [
        [(country.names[lang], f"{PREFIX}:country:{country.code}")]
        for country in directory.countries
    ]
    rows.append([menu_button(context, lang)])
    return context.content.texts.get(lang, "help.intro"), keyboard(rows)


async def open_help(update: Update, context: BotContext) -> None:
    """Shows the hotline countries to choose from: in place of the pressed screen, or as a new
    message after /help."""
    await answer(update)
    text, markup = _home_screen(context, await language_of(update, context))
    await show(update, text, markup)


async def _pressed_country(update: Update, context: BotContext, lang: str) -> str | None:
    """The country code at the end of the button's data, the press acknowledged; one that is
    not ours is refused as an expired button (None)."""
    assert update.callback_query is not None
    code = (update.callback_query.data or "").rsplit(":", 1)[-1]
    if context.content.contacts.country(code) is None:
        await answer(update, context.content.texts.get(lang, "input.button_expired"))
        return None
    await answer(update)
    return code


async def open_country(update: Update, context: BotContext) -> None:
    """Shows one country's first numbers; an unknown country code is refused."""
    lang = await language_of(update, context)
    code = await _pressed_country(update, context, lang)
    if code is None:
        return
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
    code = await _pressed_country(update, context, lang)
    if code is None:
        return
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
        CommandHandler("help", open_help, filters=PRIVATE_MESSAGE),
        CallbackQueryHandler(open_help, pattern=rf"^{PREFIX}:home$"),
        CallbackQueryHandler(open_country, pattern=rf"^{PREFIX}:country:"),
        CallbackQueryHandler(open_all, pattern=rf"^{ALL}"),
    ]
