"""Health: one log line per update (ids and kinds, never content) and /status for staff."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler

from app.context import BotContext
from conversations.recording import recording_lines
from conversations.roles import is_staff
from conversations.ui import PRIVATE_MESSAGE, language_of, send
from delivery.reconcile import REPAIRS_KEY

log = logging.getLogger("bot.updates")
STARTED_KEY = "started_at"
LAST_ERROR_KEY = "last_error"  # (when, error type): set by the error handler


def _kind(update: Update) -> str:
    """What kind of update this is, without what it says: a command's name, a button's prefix."""
    if update.callback_query is not None:
        return "press:" + (update.callback_query.data or "").split(":", 1)[0][:16]
    message = update.effective_message
    if message is None:
        return "other"
    if message.text and message.text.startswith("/"):
        words = message.text[1:].split(maxsplit=1) or [""]  # a lone "/" is a command of nothing
        return "command:" + words[0].split("@")[0][:32].lower()
    for kind in ("text", "sticker", "photo", "voice", "video", "document", "location"):
        if getattr(message, kind, None):
            return kind
    return "message"


async def log_update(update: Update, context: BotContext) -> None:
    """Logs that an update came in: its id, the person's id and its kind."""
    user = update.effective_user.id if update.effective_user else None
    log.info("update id=%s user=%s kind=%s", update.update_id, user, _kind(update))


async def status(update: Update, context: BotContext) -> None:
    """For staff: uptime, check-ins due and waiting, open alerts, the last error."""
    assert update.effective_user is not None
    lang = await language_of(update, context)
    t = context.content.texts
    if not is_staff(context, update.effective_user.id):
        await send(update, t.get(lang, "staff.only_staff"))
        return
    now = context.clock.now()
    started: datetime = context.application.bot_data.get(STARTED_KEY, now)
    hours = int((now - started).total_seconds() // 3600)
    counts = await context.store.status_counts(now)
    last: tuple[datetime, str] | None = context.application.bot_data.get(LAST_ERROR_KEY)
    error = (
        t.get(
            lang,
            "status.last_error",
            error=last[1],
            minutes=int((now - last[0]).total_seconds() // 60),
        )
        if last
        else t.get(lang, "status.no_error")
    )
    delivery = await context.store.outbox_counts(now - timedelta(days=1))
    repairs: dict[str, int] = context.application.bot_data.get(REPAIRS_KEY, {})
    lines: list[str] = [
        t.get(lang, "status.text", hours=hours, error=error, **counts),
        t.get(
            lang,
            "status.delivery",
            queued=delivery["outbox_queued"],
            failed=delivery["outbox_failed"],
            repaired=sum(repairs.values()),
        ),
    ]
    lines += await recording_lines(context, lang)
    if not context.services.config.staff_user_ids and not context.services.config.staff_chat_id:
        lines.append(t.get(lang, "status.no_staff"))
    await send(update, "\n".join(lines))


def build_handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    return [CommandHandler("status", status, filters=PRIVATE_MESSAGE)]
