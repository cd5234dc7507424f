"""Alerts: someone asked for help, named a serious problem, or went silent.

An alert goes to the village's leaders, and to staff at once for a cry for help (``sos`` and
``help``) or later for the rest if no leader acknowledges in time (``delivery/``). Responders
acknowledge and resolve with buttons; the first acknowledgement is shown on every copy and the
person is told.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from app.context import BotContext
from content.formatting import format_day
from conversations.roles import may_act_for, responder_name, villages_in_scope
from conversations.ui import PRIVATE_MESSAGE, answer, keyboard, language_of, pressed, send
from delivery.alerting import Reached, queue_alert
from delivery.drainer import deliver_now
from delivery.recipients import language_of_user, to_person
from delivery.texts import ALERT_PREFIX as PREFIX
from delivery.texts import alert_buttons as _buttons
from delivery.texts import alert_text
from storage.rows import Departure

log = logging.getLogger(__name__)
DESTINATION_COUNTRY = {"TH": "TH", "MY": "MY", "KR": "KR"}  # others: Cambodian numbers
__all__ = ["Reached", "alert_text", "country_of", "raise_alert"]


def country_of(destination: str | None) -> str:
    """The country whose hotlines fit a destination code (Cambodia for inside or unknown)."""
    return DESTINATION_COUNTRY.get(destination or "", "KH")


async def raise_alert(
    context: BotContext,
    kind: str,
    user_id: int,
    *,
    departure: Departure | None,
    checkin_id: int | None = None,
    details: tuple[str, ...] = (),
) -> Reached:
    """Stores an alert with its copies, sends them now, and says truly who has it."""
    alert_id, ids = await queue_alert(
        context, kind, user_id, departure=departure, checkin_id=checkin_id, details=details
    )
    await deliver_now(context, ids)
    # The whole group: a staff fallback queued when a leader could not be reached counts too.
    return Reached.of(await context.store.outbox_group(f"alert:{alert_id}"))


async def respond(update: Update, context: BotContext) -> None:
    """Acknowledges or resolves an alert; only leaders of its village and staff may."""
    assert update.callback_query is not None and update.effective_user is not None
    user = update.effective_user
    lang = await language_of(update, context)
    t = context.content.texts
    press = pressed(update, ("ack", "done"))
    alert = await context.store.alert(press[1]) if press else None
    if alert is None or not await may_act_for(context, user.id, alert.village_code):
        log.warning("forged_press user=%s action=alert", user.id)
        await answer(update, t.plain(lang, "input.not_allowed"))
        return
    assert press is not None
    action = press[0]
    name = await responder_name(context, user.id, alert.village_code, user.full_name)
    if action == "ack":
        # "Someone saw it" is queued with the acknowledgement, so it reaches the person even
        # if Telegram fails just now.
        told = to_person(
            f"alert:{alert.alert_id}:seen",
            alert.user_id,
            "alert.person_told",
            {"name": name},
            user_id=alert.user_id,
        )
        changed = await context.store.acknowledge_alert(alert.alert_id, user.id, [told])
        status_key = "alert.acknowledged_by"
    else:
        changed = await context.store.resolve_alert(alert.alert_id, user.id)
        status_key = "alert.resolved_by"
    if not changed:
        await answer(update, t.plain(lang, "alert.already"))
        return
    await answer(update)
    log.info("alert_%s alert=%s by=%s", action, alert.alert_id, user.id)
    await _update_copies(context, alert.alert_id, status_key, name, resolved=action == "done")
    if action == "ack":
        seen = await context.store.outbox_by_key(f"alert:{alert.alert_id}:seen")
        if seen is not None and await context.store.claim_outbox_row(seen.outbox_id):
            await deliver_now(context, [seen.outbox_id])


async def _update_copies(
    context: BotContext, alert_id: int, status_key: str, name: str, *, resolved: bool
) -> None:
    alert = await context.store.alert(alert_id)
    assert alert is not None
    today = context.clock.now().astimezone(context.services.config.timezone).date()
    for chat_id, message_id in await context.store.alert_messages(alert_id):
        lang = await language_of_user(context, chat_id)
        t = context.content.texts
        status = t.get(lang, status_key, name=name, date=format_day(today, lang))
        markup = (
            None
            if resolved
            else keyboard([[(t.raw(lang, "alert.resolve"), f"{PREFIX}:done:{alert_id}")]])
        )
        try:
            await context.bot.edit_message_text(
                f"{await alert_text(context, lang, alert)}\n\n{status}",
                chat_id,
                message_id,
                reply_markup=markup,
            )
        except TelegramError as error:  # gone, unchanged, or the network: the ack stands
            log.info("alert_copy_not_updated chat=%s error=%s", chat_id, type(error).__name__)


async def list_alerts(update: Update, context: BotContext) -> None:
    """Open alerts of the leader's village (all villages for staff), each with its buttons."""
    assert update.effective_user is not None
    await answer(update)
    lang = await language_of(update, context)
    t = context.content.texts
    scope = await villages_in_scope(context, update.effective_user.id)
    if scope == []:
        await send(update, t.get(lang, "leader.only_leaders"))
        return
    alerts = await context.store.open_alerts(scope)
    if not alerts:
        await send(update, t.get(lang, "alert.none_open"))
        return
    await send(update, t.get(lang, "alert.open_title", count=len(alerts)))
    for alert in alerts[:10]:
        await send(
            update, await alert_text(context, lang, alert), _buttons(context, lang, alert.alert_id)
        )


def build_handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    return [
        CommandHandler("alerts", list_alerts, filters=PRIVATE_MESSAGE),
        CallbackQueryHandler(respond, pattern=rf"^{PREFIX}:(ack|done):"),
        CallbackQueryHandler(list_alerts, pattern=rf"^{PREFIX}:list$"),
    ]
