"""Last resort: whatever no other handler took still gets an answer, never silence."""

from __future__ import annotations

import logging
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, MessageHandler

from app.context import BotContext
from conversations import menu
from conversations.ui import PRIVATE_MESSAGE, answer, language_of

log = logging.getLogger(__name__)


async def unknown_message(update: Update, context: BotContext) -> None:
    """Says the message was not understood and shows the menu (or how to start)."""
    assert update.effective_user is not None
    log.info("unknown_message user=%s", update.effective_user.id)
    await menu.send_menu(update, context, greeting="input.not_understood")


async def stale_press(update: Update, context: BotContext) -> None:
    """A button from an old message or forged data: a pop-up says so; nothing changes."""
    assert update.effective_user is not None
    log.info("stale_press user=%s", update.effective_user.id)
    lang = await language_of(update, context)
    await answer(update, context.content.texts.get(lang, "input.button_expired"))


def build_handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    return [
        MessageHandler(PRIVATE_MESSAGE, unknown_message),
        CallbackQueryHandler(stale_press),
    ]
