"""/language: switch between Khmer and English at any time."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from app.context import BotContext
from conversations import menu
from conversations.ui import DRAFT_LANGUAGE, PRIVATE_MESSAGE, answer, language_of, send, show
from screens.buttons import column, keyboard

PREFIX = "lang"


def _choices(context: BotContext) -> tuple[str, Any]:
    texts = context.content.texts
    prompt = "\n".join(texts.raw(code, "language.choose") for code in texts.languages)
    buttons = [
        (texts.raw(code, "language.name"), f"{PREFIX}:set:{code}") for code in texts.languages
    ]
    return prompt, keyboard(column(buttons))


async def language_command(update: Update, context: BotContext) -> None:
    """Offers the languages, each named in itself."""
    text, markup = _choices(context)
    await send(update, text, markup)


async def open_language(update: Update, context: BotContext) -> None:
    """Offers the languages in place of the pressed screen."""
    await answer(update)
    text, markup = _choices(context)
    await show(update, text, markup)


async def set_language(update: Update, context: BotContext) -> None:
    """Switches to the chosen language and shows the menu in it."""
    assert update.callback_query is not None and update.effective_user is not None
    language = (update.callback_query.data or "").rsplit(":", 1)[-1]
    if language not in context.content.texts.languages:
        lang = await language_of(update, context)
        await answer(update, context.content.texts.get(lang, "input.button_expired"))
        return
    if not await context.store.set_language(update.effective_user.id, language):
        assert context.user_data is not None
        context.user_data[DRAFT_LANGUAGE] = language  # not onboarded yet: remember the choice
    await answer(update)
    await menu.send_menu(update, context, greeting="language.changed", replace=True)


def build_handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    return [
        CommandHandler("language", language_command, filters=PRIVATE_MESSAGE),
        CallbackQueryHandler(open_language, pattern=rf"^{PREFIX}:choose$"),
        CallbackQueryHandler(set_language, pattern=rf"^{PREFIX}:set:"),
    ]
