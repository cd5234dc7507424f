"""About this bot: what it is, who runs it and how to reach them, the licence and the sources."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from app.context import BotContext
from conversations.ui import PRIVATE_MESSAGE, answer, language_of, send, show
from screens.buttons import keyboard, menu_button

PREFIX = "about"


def about_text(context: BotContext, lang: str) -> str:
    """The about screen; the operator's own words from config.yaml are shown escaped."""
    t, config = context.content.texts, context.services.config
    not_set = t.get(lang, "about.not_set")  # already HTML: inserted as it is
    return t.get(
        lang,
        "about.text",
        operator=config.about_operator or not_set,
        contact=config.about_contact or not_set,
    )


async def about_command(update: Update, context: BotContext) -> None:
    """Shows what this bot is and who runs it."""
    lang = await language_of(update, context)
    await send(update, about_text(context, lang), keyboard([[menu_button(context, lang)]]))


async def open_about(update: Update, context: BotContext) -> None:
    """Shows the about screen in place of the menu whose button was pressed."""
    await answer(update)
    lang = await language_of(update, context)
    await show(update, about_text(context, lang), keyboard([[menu_button(context, lang)]]))


def build_handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    return [
        CommandHandler("about", about_command, filters=PRIVATE_MESSAGE),
        CallbackQueryHandler(open_about, pattern=rf"^{PREFIX}:open$"),
    ]
