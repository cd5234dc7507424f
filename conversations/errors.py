"""When a handler fails: log what failed (ids, no content) and tell the person what to do."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError

from app.context import BotContext
from conversations.status import LAST_ERROR_KEY
from storage.base import database_problem

log = logging.getLogger(__name__)


async def on_error(update: object, context: BotContext) -> None:
    """Logs the failure without personal data and apologises in the person's language."""
    error = context.error
    update_id = update.update_id if isinstance(update, Update) else None
    problem = database_problem(error)
    if problem is not None:
        # The database is locked, read-only, full or failing: not a fault of this handler, so
        # one line that names the problem (docs/OPERATIONS.md says what to do), no traceback.
        # update=None is the persistence writer, which runs outside any update.
        user = update.effective_user if isinstance(update, Update) else None
        log.error(
            "%s update=%s user=%s code=%s",
            problem,
            update_id,
            user.id if user is not None else None,
            getattr(error, "sqlite_errorname", None),
        )
    else:
        # exc_info gives the traceback (code lines, not message text); the message of a Telegram
        # error may quote user input, so only its type is logged.
        log.error(
            "handler_failed update=%s error=%s",
            update_id,
            type(error).__name__,
            exc_info=error if not isinstance(error, TelegramError) else None,
        )
    # For /status: the kind of the last failure and when (no content).
    context.application.bot_data[LAST_ERROR_KEY] = (
        context.clock.now(),
        problem or type(error).__name__,
    )
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    language = context.services.config.default_language
    try:
        if update.effective_user is not None:
            profile = await context.store.get_user(update.effective_user.id)
            language = profile.language if profile else language
    except Exception:  # the store may be what failed: apologise in the default language
        log.info("apology_language_unknown update=%s", update_id)
    try:
        if update.callback_query is not None:
            await update.callback_query.answer()
    except TelegramError:
        pass  # already answered, or too old: the message below is what matters
    try:
        await update.effective_chat.send_message(
            context.content.texts.get(language, "error.generic")
        )
    except Exception as second:  # the apology must never raise out of the error handler
        log.error("apology_failed update=%s error=%s", update_id, type(second).__name__)
