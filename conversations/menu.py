"""The main menu: big buttons for everything a person can do."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from app.context import BotContext
from conversations.listening import show_voiced
from conversations.roles import villages_in_scope
from conversations.ui import PRIVATE_MESSAGE, answer, language_of
from screens.buttons import Button, column, keyboard

# Entries in order. Later features add theirs here; an entry that is not built is absent.
ENTRIES = (
    ("menu.learn", "learn:home"),
    ("menu.quiz", "quiz:intro"),
    ("menu.calc", "calc:open"),
    ("menu.plan", "plan:open"),
    ("menu.mydepartures", "dep:list"),
    ("menu.share", "share:open"),
    ("menu.help", "help:home"),
    ("menu.mydata", "privacy:mydata"),
    ("menu.about", "about:open"),
    ("menu.language", "lang:choose"),
)
# Shown only to village leaders and staff (who are re-checked when they press them).
RESPONDER_ENTRIES = (
    ("menu.alerts", "al:list"),
    ("menu.away", "leader:away"),
    ("menu.stats", "leader:stats"),
    ("menu.export", "leader:export"),
    ("menu.relink", "relink:list"),
    ("menu.assisted", "reg:open"),
)


MENU_VOICE = "start.menu"
# Shown to someone with a departure under way.
AWAY_ENTRIES = (("menu.sos", "sos:now"), ("menu.home", "ret:home"))


def menu_keyboard(
    context: BotContext, lang: str, *, responder: bool = False, away: bool = False
) -> InlineKeyboardMarkup:
    t = context.content.texts
    entries = (AWAY_ENTRIES if away else ()) + (RESPONDER_ENTRIES if responder else ()) + ENTRIES
    return keyboard(column([(t.raw(lang, key), data) for key, data in entries]))


async def send_menu(
    update: Update,
    context: BotContext,
    greeting: str | None = None,
    *,
    replace: bool = False,
    extra_rows: Callable[[BotContext, str], list[list[Button]]] | None = None,
) -> None:
    """Shows the menu, under an optional greeting, in place of the pressed message or anew."""
    assert update.effective_user is not None
    lang = await language_of(update, context)
    t = context.content.texts
    parts = [t.get(lang, greeting)] if greeting else []
    if await context.store.get_user(update.effective_user.id) is None:
        parts.append(t.get(lang, "input.start_first"))
    parts.append(t.get(lang, "menu.title"))
    responder = await villages_in_scope(context, update.effective_user.id) != []
    away = any(
        d.status == "active" for d in await context.store.departures_of(update.effective_user.id)
    )
    text = "\n\n".join(parts)
    markup = menu_keyboard(context, lang, responder=responder, away=away)
    if extra_rows is not None:  # a button offered on this one screen (above the menu)
        buttons = [list(row) for row in markup.inline_keyboard]
        markup = InlineKeyboardMarkup(
            [*keyboard(extra_rows(context, lang)).inline_keyboard, *buttons]
        )
    # One recording says what each button's picture is (content/recordable.py, start.menu).
    await show_voiced(update, context, MENU_VOICE, text, markup, new=not replace)


async def menu_command(update: Update, context: BotContext) -> None:
    """Shows the main menu."""
    await send_menu(update, context)


async def open_menu(update: Update, context: BotContext) -> None:
    """Shows the main menu in place of the screen whose menu button was pressed."""
    await answer(update)
    await send_menu(update, context, replace=True)


def build_handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    return [
        CommandHandler("menu", menu_command, filters=PRIVATE_MESSAGE),
        CallbackQueryHandler(open_menu, pattern=r"^menu:home$"),
    ]
