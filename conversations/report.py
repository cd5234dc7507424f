"""/report for staff: the programme's numbers for a place and period, as text, chart and sheet."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, filters

from app.context import BotContext
from conversations.groups import private_or_staff_chat
from conversations.roles import is_staff
from conversations.ui import language_of, send
from operations.reporting import (
    gather,
    render_chart,
    render_csv,
    render_text,
    resolve_scope,
    scope_name,
)

log = logging.getLogger(__name__)
DEFAULT_DAYS = 30


async def report(update: Update, context: BotContext) -> None:
    """Sends the report: /report [all|district|commune|village code] [days|all]."""
    assert update.effective_user is not None and update.effective_chat is not None
    if not private_or_staff_chat(update, context):
        # The group guard answers these before they get here; this only makes sure that every
        # departure's details can never be posted where they do not belong.
        log.warning("report_refused chat=%s", update.effective_chat.id)
        return
    lang = await language_of(update, context)
    t = context.content.texts
    if not is_staff(context, update.effective_user.id):
        await send(update, t.get(lang, "staff.only_staff"))
        return
    args = list(context.args or [])
    scope = resolve_scope(context.content, args[0] if args else "")
    days_text = args[1] if len(args) > 1 else str(DEFAULT_DAYS)
    all_time = days_text == "all"
    days = (
        None
        if all_time
        else (
            int(days_text)
            if days_text.isascii() and days_text.isdigit() and 0 < int(days_text) < 10000
            else 0
        )
    )
    if scope is None or days == 0 or len(args) > 2:
        await send(update, t.get(lang, "report.usage"))
        return
    config = context.services.config
    data, first, last = await gather(
        context.store,
        context.clock,
        context.content,
        scope,
        days,
        config.timezone,
        take_on=(config.take_on_high, config.take_on),
        silence_days=config.silence_days,
    )
    await send(update, render_text(context.content, lang, data, scope, first, last, all_time))
    title = t.plain(lang, "report.chart_title", scope=scope_name(context.content, lang, scope))
    # Drawing takes a few hundred ms of CPU: in a thread, so others' updates and the sweep go on.
    chart = await asyncio.to_thread(render_chart, context.content, lang, data, title)
    await update.effective_chat.send_photo(chart, filename=f"report-{scope.code or 'all'}.png")
    await update.effective_chat.send_document(
        render_csv(context.content, lang, data),
        filename=f"report-{scope.code or 'all'}-{last.isoformat()}.csv",
        caption=t.get(lang, "report.spreadsheet_caption"),
    )
    log.info("report user=%s scope=%s days=%s", update.effective_user.id, scope.code or "all", days)


def build_handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    # Private chats and the staff group (groups.guard refuses every other group first).
    return [CommandHandler("report", report, filters=filters.UpdateType.MESSAGE)]
