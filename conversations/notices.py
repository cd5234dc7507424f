"""Departure notices: leaders (or staff) acknowledge with one tap; every copy shows who did.

Several leaders may get the same notice; the first to acknowledge is shown to all of them, so
nobody acts twice and nothing falls between them. The villager is told (through the outbox).
Sending the notices, and staff when nobody acknowledges, is ``delivery/notices.py``.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import BaseHandler, CallbackQueryHandler

from app.context import BotContext
from content.formatting import format_day
from conversations.roles import may_act_for, responder_name
from conversations.ui import answer, language_of, pressed
from delivery.drainer import deliver_now
from delivery.recipients import language_of_user, to_person
from delivery.texts import NOTICE_PREFIX as PREFIX
from delivery.texts import notice_text
from delivery.viewers import departure_lens, viewer_of
from domain.lock_screen import neutral_name
from domain.visibility import Piece

log = logging.getLogger(__name__)


async def respond(update: Update, context: BotContext) -> None:
    """Acknowledges a departure (or promises a call), for leaders of its village and staff only."""
    assert update.callback_query is not None and update.effective_user is not None
    user = update.effective_user
    lang = await language_of(update, context)
    t = context.content.texts
    press = pressed(update, ("ack", "call"))
    departure = await context.store.departure(press[1]) if press else None
    allowed = departure is not None and await may_act_for(context, user.id, departure.village_code)
    if departure is not None and allowed:  # and not a record only staff may know of
        viewer = await viewer_of(context, user.id, departure.village_code, owner=departure.user_id)
        allowed = departure_lens(departure, viewer).shows(Piece.NAME)
    if departure is None or not allowed:
        log.warning("forged_press user=%s action=leader", user.id)
        await answer(update, t.get(lang, "input.not_allowed"))
        return
    name = await responder_name(context, user.id, departure.village_code, user.first_name)
    # A name that was only a title («មេភូមិ», "Chief") is not shown at all: "you can talk to
    # Someone" would say nothing she can use.
    shown = neutral_name(name, "")
    told = to_person(
        f"notice:{departure.departure_id}:seen",
        departure.user_id,
        "plan.acknowledged" if shown else "plan.acknowledged_someone",
        {"name": shown, "person": departure.name},
        user_id=departure.user_id,
    )
    if not await context.store.acknowledge_departure(departure.departure_id, user.id, [told]):
        await answer(update, t.get(lang, "notice.already"))
        return
    log.info("departure_acknowledged departure=%s by=%s", departure.departure_id, user.id)
    await answer(update)
    today = context.clock.now().astimezone(context.services.config.timezone).date()
    assert press is not None
    status_key = "notice.acknowledged_by" if press[0] == "ack" else "notice.calling"
    for chat_id, message_id in await context.store.notices_of(departure.departure_id):
        viewer = await viewer_of(context, chat_id, departure.village_code, owner=departure.user_id)
        lens = departure_lens(departure, viewer)
        if not lens.shows(Piece.NAME):  # a chief revoked since: their copy stays as it was
            continue
        reader = await language_of_user(context, chat_id)
        status = t.get(reader, status_key, name=name, date=format_day(today, reader))
        text = f"{notice_text(context, reader, departure, lens)}\n\n{status}"
        try:
            await context.bot.edit_message_text(text, chat_id, message_id)
        except TelegramError as error:  # gone, unchanged, or the network: the ack stands
            log.info("notice_update_failed chat=%s error=%s", chat_id, type(error).__name__)
    seen = await context.store.outbox_by_key(f"notice:{departure.departure_id}:seen")
    if seen is not None and await context.store.claim_outbox_row(seen.outbox_id):
        await deliver_now(context, [seen.outbox_id])


def build_handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    return [CallbackQueryHandler(respond, pattern=rf"^{PREFIX}:(ack|call):")]
