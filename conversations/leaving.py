"""Ways out of any conversation, shared as its fallbacks so a person is never stuck in a form."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, ConversationHandler

from app.context import BotContext
from conversations import language, menu, privacy
from conversations.ui import PRIVATE_MESSAGE

Callback = Callable[[Update, BotContext], Awaitable[object]]


def leaving_handlers(draft_key: str) -> list[BaseHandler[Update, BotContext, Any]]:
    """Fallbacks for a conversation whose half-finished form lives in ``user_data[draft_key]``.

    /menu, /language, /delete and the menu button end the conversation and drop its draft, then
    do what they always do. The erase button ends it too, so an erased person is not left inside
    a conversation that PTB still remembers in memory.
    """

    def ending(callback: Callback) -> Callable[[Update, BotContext], Coroutine[Any, Any, int]]:
        async def leave(update: Update, context: BotContext) -> int:
            """Ends the conversation, forgetting its draft, then runs the command."""
            if context.user_data is not None:
                context.user_data.pop(draft_key, None)
            await callback(update, context)
            return ConversationHandler.END

        return leave

    return [
        CommandHandler("menu", ending(menu.menu_command), filters=PRIVATE_MESSAGE),
        CommandHandler("language", ending(language.language_command), filters=PRIVATE_MESSAGE),
        CommandHandler("delete", ending(privacy.open_delete), filters=PRIVATE_MESSAGE),
        CallbackQueryHandler(ending(menu.open_menu), pattern=r"^menu:home$"),
        CallbackQueryHandler(privacy.erase, pattern=rf"^{privacy.ERASE_YES}$"),
    ]
